package importer

// SheetRow is a non-empty row of a sheet as the XLSX reader sees it.
type SheetRow struct {
	N     int
	Cells []string
}

// XLSXSheets reads every sheet of an XLSX file in workbook order, so the
// tests can compare the reader with excelize cell by cell.
func XLSXSheets(data []byte) ([][]SheetRow, error) {
	zr, err := openZip(data, "XLSX")
	if err != nil {
		return nil, err
	}
	x := newXLSXReader(zr)
	names, _, err := x.workbook()
	if err != nil {
		return nil, err
	}
	if err := x.readSharedStrings(); err != nil {
		return nil, err
	}
	var out [][]SheetRow
	for _, name := range names {
		rows, err := x.sheet(name)
		if err != nil {
			return nil, err
		}
		var sheet []SheetRow
		for _, r := range rows {
			sheet = append(sheet, SheetRow{r.n, r.cells})
		}
		out = append(out, sheet)
	}
	return out, nil
}
