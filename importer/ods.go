package importer

import (
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/bptracker/bptracker"
)

// ODS is read by a small reader of content.xml (archive/zip and
// encoding/xml) rather than by converting the file with LibreOffice or
// adding an ODS library:
//
//   - the server and the Lambda function must not shell out to a 300 MB
//     office suite for every upload, and a converter would parse the
//     hostile file with far more code than we need;
//   - a reading history uses a tiny part of ODF: tables, rows, cells with
//     office:value-type and their text. About 200 lines cover it;
//   - we control every limit: the zip is checked for bombs before any part
//     is read (openZip), a DOCTYPE or ENTITY declaration is refused
//     outright (encoding/xml never expands external or custom entities, and
//     refusing the declaration makes that explicit), the repeat attributes
//     that let a few bytes stand for a million cells only expand when the
//     cells hold something, and rows are capped at MaxRows.

const odsMaxColumns = 1024 // Calc's own column limit is 16384; readings need ~10

type odsReader struct {
	rows    []row
	rowNum  int // number of the last row read (1-based)
	cells   []string
	pending int // empty cells not yet materialised in the current row
}

func parseODS(data []byte, b *builder) error {
	zr, err := openZip(data, "ODS")
	if err != nil {
		return err
	}
	var content io.ReadCloser
	for _, f := range zr.File {
		if f.Name == "content.xml" {
			if content, err = f.Open(); err != nil {
				return invalid("the ODS file could not be read (content.xml is damaged)")
			}
			break
		}
	}
	if content == nil {
		return invalid("the ODS file has no content.xml")
	}
	defer content.Close()
	tables, err := readODSTables(io.LimitReader(content, MaxUnzippedBytes))
	if err != nil {
		return err
	}
	for _, rows := range tables {
		if hi, c, ok := findHeader(rows); ok {
			t := &table{b: b}
			return t.run(rows, hi, c)
		}
	}
	return invalid(noHeader)
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func repeat(se xml.StartElement, local string) int {
	n, err := strconv.Atoi(attr(se, local))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, maxSheetRow)
}

// readODSTables returns the non-empty rows of every table of content.xml.
func readODSTables(r io.Reader) ([][]row, error) {
	d := xml.NewDecoder(r)
	d.Strict = true
	var (
		tables  [][]row
		cur     *odsReader
		total   int
		rowRep  int
		cellRep int
		inCell  bool
		value   string // the typed value of the current cell, if any
		text    strings.Builder
		paras   int
		textCap = 1 << 16 // characters kept per cell
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, invalid("the ODS file's content is not well-formed XML")
		}
		switch tok := tok.(type) {
		case xml.Directive:
			return nil, errDoctype
		case xml.StartElement:
			switch tok.Name.Local {
			case "table":
				if tok.Name.Space == nsTable {
					cur = &odsReader{}
				}
			case "table-row":
				if cur != nil {
					cur.cells, cur.pending = cur.cells[:0], 0
					rowRep = repeat(tok, "number-rows-repeated")
				}
			case "table-cell", "covered-table-cell":
				if cur != nil {
					inCell = true
					cellRep = repeat(tok, "number-columns-repeated")
					value, paras = odsValue(tok), 0
					text.Reset()
				}
			case "p", "h":
				if inCell {
					if paras > 0 {
						text.WriteByte('\n')
					}
					paras++
				}
			case "s": // runs of spaces
				if inCell && text.Len() < textCap {
					text.WriteString(strings.Repeat(" ", min(repeat(tok, "c"), 100)))
				}
			case "tab":
				if inCell && text.Len() < textCap {
					text.WriteByte('\t')
				}
			case "line-break":
				if inCell && text.Len() < textCap {
					text.WriteByte('\n')
				}
			case "annotation": // a comment on the cell: not its value
				if err := d.Skip(); err != nil {
					return nil, invalid("the ODS file's content is not well-formed XML")
				}
			}
		case xml.CharData:
			if inCell && text.Len() < textCap {
				text.Write(tok)
			}
		case xml.EndElement:
			switch tok.Name.Local {
			case "table-cell", "covered-table-cell":
				if cur != nil && inCell {
					v := value
					if v == "" {
						v = text.String()
					}
					cur.addCell(v, cellRep)
					inCell = false
				}
			case "table-row":
				if cur == nil {
					continue
				}
				if blank(cur.cells) {
					cur.rowNum += rowRep
					continue
				}
				for i := 0; i < rowRep; i++ {
					cur.rowNum++
					total++
					if total > MaxRows {
						return nil, bptracker.Errorf(bptracker.ETOOLARGE, "the spreadsheet has more than %d rows", MaxRows)
					}
					cur.rows = append(cur.rows, row{n: cur.rowNum, cells: append([]string(nil), cur.cells...)})
				}
			case "table":
				if cur != nil && tok.Name.Space == nsTable {
					tables = append(tables, cur.rows)
					cur = nil
				}
			}
		}
	}
	return tables, nil
}

const nsTable = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"

// addCell appends a cell repeated rep times; empty cells wait in pending
// until something follows them, so a row "styled to the end" of the sheet
// costs nothing.
func (o *odsReader) addCell(v string, rep int) {
	if strings.TrimSpace(v) == "" {
		o.pending += rep
		return
	}
	for ; o.pending > 0 && len(o.cells) < odsMaxColumns; o.pending-- {
		o.cells = append(o.cells, "")
	}
	o.pending = 0
	for i := 0; i < rep && len(o.cells) < odsMaxColumns; i++ {
		o.cells = append(o.cells, v)
	}
}

var odsDurationRe = regexp.MustCompile(`^-?PT?(\d+)H(\d+)M(\d+)(?:[.,](\d+))?S$`)

// odsValue returns a typed cell's value as the table reader expects it:
// numbers plain, dates ISO 8601 (without offset: spreadsheet dates are
// wall-clock), times "15:04:05".
func odsValue(se xml.StartElement) string {
	switch attr(se, "value-type") {
	case "float", "percentage", "currency":
		return attr(se, "value")
	case "date":
		return attr(se, "date-value")
	case "time":
		m := odsDurationRe.FindStringSubmatch(attr(se, "time-value"))
		if m == nil {
			return ""
		}
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		s, _ := strconv.Atoi(m[3])
		if h > 23 || mi > 59 || s > 59 {
			return ""
		}
		return twoDigits(h) + ":" + twoDigits(mi) + ":" + twoDigits(s)
	case "boolean":
		return attr(se, "boolean-value")
	}
	return ""
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
