package importer

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"

	"github.com/bptracker/bptracker"
)

// detectDelimiter picks the delimiter that splits the first lines most
// consistently: the one found the same number of times on most lines,
// then the one found most often. Quoted text is skipped, so a comma in a
// quoted note does not count.
func detectDelimiter(text string) rune {
	candidates := []rune{'\t', ';', ',', '|'}
	type score struct{ lines, perLine int }
	best, bestScore := ',', score{}
	var lines []string
	for _, l := range strings.SplitN(text, "\n", 40) {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
		if len(lines) == 30 {
			break
		}
	}
	for _, d := range candidates {
		counts := map[int]int{}
		for _, l := range lines {
			n, quoted := 0, false
			for _, c := range l {
				switch {
				case c == '"':
					quoted = !quoted
				case c == d && !quoted:
					n++
				}
			}
			if n > 0 {
				counts[n]++
			}
		}
		var s score
		for per, lines := range counts {
			if lines > s.lines || (lines == s.lines && per > s.perLine) {
				s = score{lines, per}
			}
		}
		if s.lines > bestScore.lines || (s.lines == bestScore.lines && s.perLine > bestScore.perLine) {
			best, bestScore = d, s
		}
	}
	return best
}

func parseCSV(data []byte, b *builder) error {
	text := decodeText(data)
	delim := detectDelimiter(text)
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = delim
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false
	var rows []row
	for n := 1; ; n++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return invalid("the CSV file is malformed at line %d", pe.Line)
			}
			return invalid("the CSV file is malformed")
		}
		if n > MaxRecords {
			return bptracker.Errorf(bptracker.ETOOLARGE, "the file has more than %d rows", MaxRecords)
		}
		if blank(rec) {
			continue
		}
		rows = append(rows, row{n: n, cells: rec})
	}
	t := &table{b: b, decimalComma: delim != ','}
	return t.runAll(rows)
}

// runAll finds the header among rows and converts the rest.
func (t *table) runAll(rows []row) error {
	if len(rows) == 0 {
		return invalid("the file has no rows")
	}
	hi, c, ok := findHeader(rows)
	if !ok {
		return invalid(noHeader)
	}
	return t.run(rows, hi, c)
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
