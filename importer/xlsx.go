package importer

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bptracker/bptracker"
)

// XLSX is read by a small reader of the workbook, the shared strings and
// the worksheets (archive/zip and encoding/xml), for the reasons the ODS
// reader gives (see ods.go) and one more: excelize, which we used before,
// deep-copies with reflection in a way that makes the Go linker keep every
// exported method of every type (see exporter/xlsx.go); without it the
// Lambda binary went from 24.5 MB to 12.8 MB. A reading history needs
// little of SpreadsheetML: the sheet order, the 1904 date flag, the shared
// strings and the cells' raw values (dates arrive as serial numbers, which
// the table reader converts). The limits are those of ODS: openZip checks
// for bombs first, a DOCTYPE is refused in every part, no part is read
// past MaxUnzippedBytes, rows are capped at MaxRows and columns at
// odsMaxColumns; and the cells kept in all at maxSheetCells.

// maxSheetRow is the last row number a spreadsheet may have (Excel's and
// Calc's limit); rows past it are never looked at.
const maxSheetRow = 1 << 20

// maxSheetCells bounds the cells kept, gaps included: a row of a few bytes
// can name its one cell in column 1024, and 20,000 such rows must not
// cost 20 million strings. Readings need about ten columns.
const maxSheetCells = MaxRows * 50

// xlsxTextCap is the number of bytes kept of one text, as for ODS.
const xlsxTextCap = 1 << 16

func parseXLSX(data []byte, b *builder) (err error) {
	zr, err := openZip(data, "XLSX")
	if err != nil {
		return err
	}
	if err := checkXMLParts(zr); err != nil {
		return err
	}
	// The reader is our own and small, but it reads hostile input: a
	// panic must still become a clear error, not a crashed request.
	defer func() {
		if p := recover(); p != nil {
			err = invalid("the XLSX file could not be read")
		}
	}()
	x := newXLSXReader(zr)
	sheets, date1904, err := x.workbook()
	if err != nil {
		return err
	}
	if err := x.readSharedStrings(); err != nil {
		return err
	}
	for _, name := range sheets {
		rows, err := x.sheet(name)
		if err != nil {
			return err
		}
		if hi, c, ok := findHeader(rows); ok {
			t := &table{b: b, date1904: date1904}
			return t.run(rows, hi, c)
		}
	}
	return invalid(noHeader)
}

type xlsxReader struct {
	parts map[string]*zip.File // by partKey
	sst   sharedStrings
	rows  int // non-empty rows read, in all sheets
	cells int // cells kept, in all sheets
}

// newXLSXReader indexes the parts by name. Part names are compared
// without case, as the packaging standard says, and a backslash is read as
// "/", as some Windows tools write it. Of two parts with one name, the last
// counts.
func newXLSXReader(zr *zip.Reader) *xlsxReader {
	x := &xlsxReader{parts: map[string]*zip.File{}}
	for _, f := range zr.File {
		x.parts[partKey(f.Name)] = f
	}
	return x
}

func partKey(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, "\\", "/"))
}

// sharedStrings is the shared string table as one string and the end of
// each item in it: a table of a million tiny items costs 4 bytes an item,
// and a cell's text is a slice of the one string, never a copy.
type sharedStrings struct {
	text string
	ends []uint32
}

func (s *sharedStrings) get(i int) (string, bool) {
	if i < 0 || i >= len(s.ends) {
		return "", false
	}
	start := uint32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.text[start:s.ends[i]], true
}

// errNoPart is what open returns for a part the package does not have.
var errNoPart = errors.New("no such part")

// open returns a decoder of one XML part, reading no more than
// MaxUnzippedBytes of it, and a function to close the part. what names the
// part in errors: not its name, which for a sheet comes from the file.
func (x *xlsxReader) open(name, what string) (*xml.Decoder, func(), error) {
	f := x.parts[partKey(name)]
	if f == nil {
		return nil, nil, errNoPart
	}
	rc, err := f.Open()
	if err != nil {
		return nil, nil, invalid("the XLSX file could not be read (%s is damaged)", what)
	}
	d := xml.NewDecoder(io.LimitReader(rc, MaxUnzippedBytes))
	d.Strict = true
	return d, func() { rc.Close() }, nil
}

// xlsxToken returns the next token of a part, io.EOF at its end. A document
// type declaration is refused wherever it appears (checkXMLParts has
// already looked at every prolog).
func xlsxToken(d *xml.Decoder, what string) (xml.Token, error) {
	tok, err := d.Token()
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	if err != nil {
		return nil, notWellFormed(what)
	}
	if _, ok := tok.(xml.Directive); ok {
		return nil, errDoctype
	}
	return tok, nil
}

func notWellFormed(what string) error {
	return invalid("%s of the XLSX file is not well-formed XML", what)
}

// relationships returns the workbook's relationships: id → part name.
func (x *xlsxReader) relationships() (map[string]string, error) {
	const name = "xl/_rels/workbook.xml.rels"
	d, done, err := x.open(name, name)
	if errors.Is(err, errNoPart) {
		return nil, invalid("the XLSX file has no %s", name)
	}
	if err != nil {
		return nil, err
	}
	defer done()
	targets := map[string]string{}
	for {
		tok, err := xlsxToken(d, name)
		if errors.Is(err, io.EOF) {
			return targets, nil
		}
		if err != nil {
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Relationship" && lastAttr(se, "TargetMode") != "External" {
			targets[lastAttr(se, "Id")] = partName(lastAttr(se, "Target"))
		}
	}
}

// workbook returns the worksheet parts in the workbook's order and whether
// the workbook counts dates from 1904.
func (x *xlsxReader) workbook() ([]string, bool, error) {
	targets, err := x.relationships()
	if err != nil {
		return nil, false, err
	}
	const name = "xl/workbook.xml"
	d, done, err := x.open(name, name)
	if errors.Is(err, errNoPart) {
		return nil, false, invalid("the XLSX file has no %s", name)
	}
	if err != nil {
		return nil, false, err
	}
	defer done()
	var (
		sheets   []string
		date1904 bool
		inSheets bool
	)
	for {
		tok, err := xlsxToken(d, name)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, false, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			switch tok.Name.Local {
			case "workbookPr":
				date1904, _ = strconv.ParseBool(strings.TrimSpace(lastAttr(tok, "date1904")))
			case "sheets":
				inSheets = true
			case "sheet":
				// The local name "id" is r:id, not sheetId.
				if inSheets {
					sheets = append(sheets, targets[lastAttr(tok, "id")])
				}
			}
		case xml.EndElement:
			if tok.Name.Local == "sheets" {
				inSheets = false
			}
		}
	}
	return sheets, date1904, nil
}

// lastAttr is attr for XLSX: of an attribute written twice (which XML
// forbids but encoding/xml lets through) the last counts, as in excelize.
func lastAttr(se xml.StartElement, local string) string {
	v := ""
	for _, a := range se.Attr {
		if a.Name.Local == local {
			v = a.Value
		}
	}
	return v
}

// partName resolves a relationship target of the workbook: relative to
// xl/, or absolute from the package root.
func partName(target string) string {
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return path.Clean("xl/" + target)
}

// readSharedStrings reads xl/sharedStrings.xml, if there is one: the text
// of each <si>, its rich-text runs joined, phonetic guides (<rPh>) left
// out.
func (x *xlsxReader) readSharedStrings() error {
	const name = "xl/sharedStrings.xml"
	d, done, err := x.open(name, name)
	if errors.Is(err, errNoPart) {
		return nil
	}
	if err != nil {
		return err
	}
	defer done()
	var (
		all  strings.Builder
		item richText
		inSI bool
		inT  bool
	)
	for {
		tok, err := xlsxToken(d, name)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			switch tok.Name.Local {
			case "si":
				inSI = true
				item = richText{}
			case "r":
				item.inRun = inSI
			case "t":
				inT = inSI
				if inT {
					item.startT()
				}
			case "rPh":
				if err := d.Skip(); err != nil {
					return notWellFormed(name)
				}
			}
		case xml.CharData:
			if inT {
				item.write(tok)
			}
		case xml.EndElement:
			switch tok.Name.Local {
			case "t":
				inT = false
			case "r":
				item.inRun = false
			case "si":
				if inSI {
					all.WriteString(unescapeXLSX(item.String()))
					x.sst.ends = append(x.sst.ends, uint32(all.Len()))
					inSI = false
				}
			}
		}
	}
	x.sst.text = all.String()
	return nil
}

// richText is the text of a shared or inline string: its own <t> (when an
// item has two, the last counts) followed by the <t> of each run, which is
// how excelize reads it.
type richText struct {
	own, runs strings.Builder
	inRun     bool
}

// startT begins a <t>.
func (r *richText) startT() {
	if !r.inRun {
		r.own.Reset()
	}
}

func (r *richText) write(b []byte) {
	w := &r.runs
	if !r.inRun {
		w = &r.own
	}
	if r.own.Len()+r.runs.Len() < xlsxTextCap {
		w.Write(b)
	}
}

func (r *richText) String() string { return r.own.String() + r.runs.String() }

// xlsxCell is the cell being read.
type xlsxCell struct {
	typ    string // the t attribute
	column int    // 1-based
	v      strings.Builder
	is     richText // inline string text
	hasIS  bool
	inV    bool
	inIS   bool
	inT    bool
}

// sheet reads the non-empty rows of a worksheet part.
func (x *xlsxReader) sheet(name string) ([]row, error) {
	const what = "a sheet"
	d, done, err := x.open(name, what)
	if errors.Is(err, errNoPart) {
		return nil, invalid("a sheet of the XLSX file could not be read (a part is missing)")
	}
	if err != nil {
		return nil, err
	}
	defer done()
	var (
		out    []row
		cells  []string
		n      int // the current row's number
		col    int // the column of the row's last cell
		inData bool
		inRow  bool
		inCell bool
		c      xlsxCell
	)
	for {
		tok, err := xlsxToken(d, what)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			switch local := tok.Name.Local; {
			case local == "sheetData":
				inData = true
			case local == "row" && inData:
				// A row without a number, or whose number does not come
				// after the last one, follows it (as excelize read it).
				prev := n
				n++
				if r := lastAttr(tok, "r"); r != "" {
					rn, err := strconv.Atoi(strings.TrimSpace(r))
					if err != nil || rn < 1 {
						return nil, invalid("row %d of the XLSX file has an invalid row number", n)
					}
					if rn > prev {
						n = rn
					}
				}
				if n > maxSheetRow {
					return nil, invalid("a sheet of the XLSX file has more than %d rows", maxSheetRow)
				}
				inRow, cells, col = true, cells[:0], 0
			case local == "c" && inRow:
				// A cell without a reference follows the last one.
				col++
				if r := lastAttr(tok, "r"); r != "" {
					var ok bool
					if col, ok = refColumn(r); !ok {
						return nil, invalid("row %d of the XLSX file has an invalid cell reference", n)
					}
				}
				c = xlsxCell{typ: lastAttr(tok, "t"), column: col}
				inCell = true
			case !inCell:
			case local == "v" && !c.inIS: // a <v> inside <is> is not the value
				c.inV = true
				c.v.Reset() // of two <v>, the last counts, as for excelize
			case local == "is":
				c.inIS, c.hasIS = true, true
			case local == "r" && c.inIS:
				c.is.inRun = true
			case local == "t" && c.inIS:
				c.inT = true
				c.is.startT()
			case local == "f", local == "rPh":
				// A formula's text is not its value (<v> is), and a
				// phonetic guide is not part of the text.
				if err := d.Skip(); err != nil {
					return nil, notWellFormed(what)
				}
			}
		case xml.CharData:
			switch {
			case !inCell:
			case c.inV && c.v.Len() < xlsxTextCap:
				c.v.Write(tok)
			case c.inT:
				c.is.write(tok)
			}
		case xml.EndElement:
			switch tok.Name.Local {
			case "v":
				c.inV = false
			case "t":
				c.inT = false
			case "r":
				c.is.inRun = false
			case "is":
				c.inIS = false
			case "c":
				if !inCell {
					continue
				}
				inCell = false
				v, ok := x.cellValue(&c)
				if !ok {
					return nil, invalid("row %d of the XLSX file refers to a shared string that does not exist", n)
				}
				if cells, err = x.place(cells, c.column, v); err != nil {
					return nil, err
				}
			case "row":
				if !inRow {
					continue
				}
				inRow = false
				if blank(cells) {
					continue
				}
				x.rows++
				if x.rows > MaxRows {
					return nil, bptracker.Errorf(bptracker.ETOOLARGE, "the spreadsheet has more than %d rows", MaxRows)
				}
				out = append(out, row{n: n, cells: append([]string(nil), cells...)})
			case "sheetData":
				return out, nil // nothing after the data matters
			}
		}
	}
	return out, nil
}

// cellValue returns a cell's raw value: shared and inline strings
// resolved, everything else (numbers, date serials, booleans as 0 or 1,
// error codes, ISO dates) as written. ok is false for a shared string
// index out of the table.
func (x *xlsxReader) cellValue(c *xlsxCell) (string, bool) {
	switch c.typ {
	case "s":
		v := strings.TrimSpace(c.v.String())
		if v == "" {
			return "", true
		}
		i, err := strconv.Atoi(v)
		if err != nil {
			return "", false
		}
		return x.sst.get(i)
	case "inlineStr":
		if c.hasIS {
			return unescapeXLSX(c.is.String()), true
		}
	}
	return c.v.String(), true
}

// place puts a non-empty value in its column, the gap before it filled
// with empty cells. A column at or before one already filled (cells out of
// order) takes the next place instead, as excelize did; columns past
// odsMaxColumns are dropped.
func (x *xlsxReader) place(cells []string, col int, v string) ([]string, error) {
	if v == "" || col > odsMaxColumns || len(cells) >= odsMaxColumns {
		return cells, nil
	}
	add := max(col-len(cells), 1)
	x.cells += add
	if x.cells > maxSheetCells {
		return nil, bptracker.Errorf(bptracker.ETOOLARGE, "the spreadsheet has more than %d cells", maxSheetCells)
	}
	for len(cells) < col-1 {
		cells = append(cells, "")
	}
	return append(cells, v), nil
}

// refColumn returns the column of an A1 reference ("C12" → 3). Columns
// past odsMaxColumns come back as odsMaxColumns+1: they are dropped.
func refColumn(ref string) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		ch := ref[i] | 0x20 // lower case
		if ch < 'a' || ch > 'z' {
			break
		}
		col = min(col*26+int(ch-'a'+1), odsMaxColumns+1)
	}
	if i == 0 || i == len(ref) || ref[i] == '0' {
		return 0, false
	}
	for _, ch := range ref[i:] {
		if ch < '0' || ch > '9' {
			return 0, false
		}
	}
	return col, true
}

// unescapeXLSX decodes the _xHHHH_ escapes Excel writes for characters
// XML cannot hold (_x000D_) and for an underscore that starts such a text
// (_x005F_). A lone surrogate is dropped.
func unescapeXLSX(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if isXLSXEscape(s[i:]) {
			r, _ := strconv.ParseUint(s[i+2:i+6], 16, 32)
			if utf8.ValidRune(rune(r)) {
				b.WriteRune(rune(r))
			}
			i += 7
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// isXLSXEscape says whether s starts with _xHHHH_.
func isXLSXEscape(s string) bool {
	if len(s) < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_' {
		return false
	}
	_, err := strconv.ParseUint(s[2:6], 16, 32)
	return err == nil
}
