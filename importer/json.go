package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strings"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/fhir"
)

// arrayKeys are the fields under which a tracker's JSON object may keep its
// list of readings ({"version": 2, "readings": […]}).
var arrayKeys = []string{"readings", "entries", "records", "measurements", "data", "items", "history", "bp", "values"}

func jsonError(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return invalid("the file is not valid JSON (syntax error at byte %d)", se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("the file is not valid JSON (it ends too early; is it truncated?)")
	}
	return invalid("the file is not valid JSON")
}

// parseJSON reads an array of reading objects, or an object holding one.
// Field names are matched like spreadsheet headers (sys, systolic, SYS …),
// so the JSON this service exports reads back too.
func parseJSON(data []byte, b *builder) error {
	dec := json.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return invalid("the file is not valid JSON (there is data after the end)")
	}
	var list []any
	switch v := top.(type) {
	case []any:
		list = v
	case map[string]any:
		for _, k := range arrayKeys {
			for key, val := range v {
				if arr, ok := val.([]any); ok && strings.EqualFold(key, k) {
					list = arr
				}
			}
			if list != nil {
				break
			}
		}
		if list == nil {
			if _, ok := objectRow(v); ok {
				list = []any{v} // one reading on its own
			} else {
				return invalid("the JSON file holds no list of readings (expected an array of objects with date, systolic and diastolic)")
			}
		}
	default:
		return invalid("the JSON file holds no list of readings (expected an array of objects with date, systolic and diastolic)")
	}
	if len(list) > MaxRecords {
		return bptracker.Errorf(bptracker.ETOOLARGE, "the file has more than %d readings", MaxRecords)
	}
	// Objects may differ in their fields, so each has its own columns; the
	// date order is settled over all of them, as for a spreadsheet.
	type object struct {
		n     int
		cells objectCells
		cols  columns
	}
	objs := make([]object, 0, len(list))
	var ev orderEvidence
	for i, el := range list {
		n := i + 1
		obj, ok := el.(map[string]any)
		if !ok {
			b.reject(n, "the element is not an object")
			continue
		}
		cells, ok := objectRow(obj)
		if !ok {
			b.reject(n, "the object has no date, systolic and diastolic (or blood pressure) fields")
			continue
		}
		c, _ := headerOf(cells.names)
		ev.scan(cell(cells.values, c[roleDate]))
		ev.scan(cell(cells.values, c[roleDateTime]))
		objs = append(objs, object{n, cells, c})
	}
	order := b.opt.DateOrder
	if order == "" {
		var err error
		if order, err = ev.decide(); err != nil {
			return err
		}
	}
	t := &table{b: b, epoch: true}
	for _, o := range objs {
		r, reason := t.reading(o.cells.values, o.cols, order)
		if reason != "" {
			b.reject(o.n, reason)
			continue
		}
		b.add(o.n, r)
	}
	sort.SliceStable(b.res.Rejected, func(i, j int) bool { return b.res.Rejected[i].Row < b.res.Rejected[j].Row })
	return nil
}

type objectCells struct {
	names, values []string
}

// objectRow turns an object into a header row and a value row, keys in a
// stable order so that the first synonym of a role wins predictably.
func objectRow(obj map[string]any) (objectCells, bool) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var oc objectCells
	for _, k := range keys {
		s, ok := scalar(obj[k])
		if !ok {
			continue
		}
		oc.names = append(oc.names, k)
		oc.values = append(oc.values, s)
	}
	_, ok := headerOf(oc.names)
	return oc, ok
}

// scalar renders a JSON value as a cell; arrays of strings (tags) are
// joined with commas; objects are not cells.
func scalar(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		if v {
			return "yes", true
		}
		return "no", true
	case []any:
		var parts []string
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return "", false
			}
			parts = append(parts, strings.ReplaceAll(s, ",", " "))
		}
		return strings.Join(parts, ","), true
	}
	return "", false
}

func parseFHIR(data []byte, b *builder) error {
	res, err := fhir.Parse(data)
	if err != nil {
		return err
	}
	b.res.Ignored += res.Ignored
	for _, it := range res.Items {
		if it.Reading == nil {
			b.reject(it.Entry, it.Reason)
			continue
		}
		b.add(it.Entry, *it.Reading)
	}
	return nil
}
