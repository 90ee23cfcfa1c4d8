package importer

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/bptracker/bptracker"
)

// openZip opens an XLSX or ODS container after checking it is not a zip
// bomb: at most MaxZipEntries entries, MaxUnzippedBytes in all and a
// compression ratio of MaxZipRatio. The sizes checked are the declared
// ones; archive/zip refuses to read past an entry's declared size, so a
// lying header cannot get more than it declared through.
func openZip(data []byte, kind string) (*zip.Reader, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, invalid("the file is not a valid %s file (the zip container is damaged or truncated)", kind)
	}
	if len(zr.File) > MaxZipEntries {
		return nil, bptracker.Errorf(bptracker.ETOOLARGE, "the %s file has too many parts (more than %d)", kind, MaxZipEntries)
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > MaxUnzippedBytes || f.UncompressedSize64 > MaxUnzippedBytes {
			return nil, bptracker.Errorf(bptracker.ETOOLARGE, "the %s file expands to more than %d MiB; it is refused as a possible zip bomb", kind, MaxUnzippedBytes>>20)
		}
	}
	if total > uint64(len(data))*MaxZipRatio {
		return nil, bptracker.Errorf(bptracker.ETOOLARGE, "the %s file is compressed more than %d times; it is refused as a possible zip bomb", kind, MaxZipRatio)
	}
	return zr, nil
}

// detectZip tells XLSX from ODS by their required parts.
func detectZip(data []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return "", invalid("the file looks like a zip archive but is damaged or truncated")
	}
	for _, f := range zr.File {
		switch f.Name {
		case "xl/workbook.xml":
			return FormatXLSX, nil
		case "mimetype":
			if f.UncompressedSize64 > 200 {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				continue
			}
			b, _ := io.ReadAll(io.LimitReader(rc, 200))
			rc.Close()
			if strings.TrimSpace(string(b)) == "application/vnd.oasis.opendocument.spreadsheet" {
				return FormatODS, nil
			}
		}
	}
	return "", invalid("the zip archive is neither an XLSX nor an ODS spreadsheet")
}

var errDoctype = bptracker.Errorf(bptracker.EINVALID,
	"the spreadsheet contains an XML document type declaration (<!DOCTYPE>), which is refused: it can hide an entity-expansion (\"billion laughs\") attack")

// checkProlog refuses an XML part whose prolog declares a document type.
// Only the prolog is read: a DOCTYPE may not appear after the root element
// starts, and encoding/xml refuses one there.
func checkProlog(f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return invalid("a part of the spreadsheet cannot be read")
	}
	defer rc.Close()
	d := xml.NewDecoder(io.LimitReader(rc, 1<<20))
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return invalid("a part of the spreadsheet is not well-formed XML")
		}
		switch tok := tok.(type) {
		case xml.Directive:
			if bytes.Contains(bytes.ToUpper(tok), []byte("DOCTYPE")) || bytes.Contains(bytes.ToUpper(tok), []byte("ENTITY")) {
				return errDoctype
			}
		case xml.StartElement:
			return nil
		}
	}
}

// checkXMLParts runs checkProlog on every XML part of the container.
func checkXMLParts(zr *zip.Reader) error {
	for _, f := range zr.File {
		n := strings.ToLower(f.Name)
		if strings.HasSuffix(n, ".xml") || strings.HasSuffix(n, ".rels") || strings.HasSuffix(n, ".vml") {
			if err := checkProlog(f); err != nil {
				return err
			}
		}
	}
	return nil
}
