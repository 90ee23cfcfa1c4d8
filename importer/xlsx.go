package importer

import (
	"bytes"

	"github.com/bptracker/bptracker"
	"github.com/xuri/excelize/v2"
)

// maxSheetRow is the last row number a spreadsheet may have (Excel's and
// Calc's limit); rows past it are never looked at.
const maxSheetRow = 1 << 20

func parseXLSX(data []byte, b *builder) (err error) {
	zr, err := openZip(data, "XLSX")
	if err != nil {
		return err
	}
	if err := checkXMLParts(zr); err != nil {
		return err
	}
	// excelize is a large parser of outside input: a panic inside it must
	// become a clear error, not a crashed request.
	defer func() {
		if p := recover(); p != nil {
			err = invalid("the XLSX file could not be read")
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		RawCellValue: true, // dates as serial numbers, numbers unformatted
		// Everything in memory, never in temporary files, within the
		// bomb limit already checked.
		UnzipSizeLimit:    MaxUnzippedBytes,
		UnzipXMLSizeLimit: MaxUnzippedBytes,
	})
	if err != nil {
		return invalid("the XLSX file could not be read (is it damaged or password-protected?)")
	}
	defer f.Close()
	date1904 := false
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		date1904 = *props.Date1904
	}
	total := 0
	for _, sheet := range f.GetSheetList() {
		rows, err := sheetRows(f, sheet, &total)
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

// sheetRows reads a sheet's non-empty rows, counting them in *total
// against MaxRows.
func sheetRows(f *excelize.File, sheet string, total *int) ([]row, error) {
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, invalid("a sheet of the XLSX file could not be read")
	}
	defer it.Close()
	var out []row
	for n := 1; it.Next(); n++ {
		if n > maxSheetRow {
			return nil, invalid("a sheet of the XLSX file has more than %d rows", maxSheetRow)
		}
		cells, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, invalid("row %d of the XLSX file could not be read", n)
		}
		if blank(cells) {
			continue
		}
		*total++
		if *total > MaxRows {
			return nil, bptracker.Errorf(bptracker.ETOOLARGE, "the spreadsheet has more than %d rows", MaxRows)
		}
		out = append(out, row{n: n, cells: cells})
	}
	if it.Error() != nil {
		return nil, invalid("a sheet of the XLSX file is not well-formed")
	}
	return out, nil
}
