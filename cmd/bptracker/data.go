package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/cost"
	"github.com/bptracker/bptracker/dynamo"
	"github.com/bptracker/bptracker/importer"
	"github.com/bptracker/bptracker/service"
	"golang.org/x/term"
)

// operator opens the store and acts as the named patient's own record
// holder, for the import and export tools an operator runs on the server.
func operator(ctx context.Context, sc storeConfig, email string) (*app, *service.Actor, error) {
	cfg := service.DefaultConfig()
	cfg.Logger = newLogger(io.Discard, "error")
	a, err := openApp(ctx, sc, false, cfg)
	if err != nil {
		return nil, nil, err
	}
	u, err := a.svc.FindUserByEmail(ctx, email)
	if err != nil {
		a.Close()
		return nil, nil, fmt.Errorf("no account with that email")
	}
	if u.Role != bptracker.RolePatient {
		a.Close()
		return nil, nil, fmt.Errorf("account %s is a %s, not a patient", u.ID, u.Role)
	}
	return a, &service.Actor{User: u, Request: service.Request{UserAgent: "bptracker cli"}}, nil
}

func runImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("import", getenv, stderr)
	var sc storeConfig
	sc.register(f)
	var patient, dateOrder, tz, format string
	var dry, validRows bool
	f.StringVar(&patient, "patient", "", "email of the patient whose record receives the readings")
	f.BoolVar(&dry, "dry-run", false, "report what would be imported and every rejected row; write nothing")
	f.BoolVar(&validRows, "valid-rows", false, "import the valid rows and report the rest (default: all or nothing)")
	f.StringVar(&dateOrder, "date-order", "", "dmy or mdy, for dates like 03/04/2026")
	f.StringVar(&tz, "tz", "", "IANA time zone of times without an offset (default: the patient's)")
	f.StringVar(&format, "format", "", "csv, xlsx, ods, json or fhir (default: detect)")
	file, err := f.parseFile(args)
	if err != nil {
		return err
	}
	if patient == "" || file == "" {
		return usageError{"usage: bptracker import --data DIR --patient EMAIL [--dry-run] [--valid-rows] [--date-order dmy|mdy] [--tz ZONE] FILE"}
	}
	data, err := readLimited(file, importer.MaxInputBytes)
	if err != nil {
		return err
	}
	a, actor, err := operator(ctx, sc, patient)
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintf(stderr, "importing %s…\n", file)
	opts := service.ImportOptions{DryRun: dry, ValidRows: validRows, DateOrder: dateOrder, TimeZone: tz, Format: format}
	if isTerminal(stderr) {
		opts.Progress = func(done, total int) { progressBar(stderr, "checking", done, total) }
	}
	res, err := a.svc.Import(ctx, actor, actor.User.ID, data, opts)
	if res != nil {
		for _, r := range res.Rejected {
			fmt.Fprintf(stdout, "row %d rejected: %s\n", r.Row, r.Reason)
		}
		verb := "imported"
		n := res.Imported
		if dry {
			verb, n = "would import", res.WouldImport
		}
		fmt.Fprintf(stdout, "%s %d readings (%s); %d duplicates skipped; %d rows rejected\n", verb, n, res.Format, res.Duplicates, len(res.Rejected))
	}
	if err != nil {
		return describe(err)
	}
	return nil
}

// isTerminal reports whether w is a terminal (progress bars go only there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressBar redraws one line: "checking [#####     ] 512/1,024".
func progressBar(w io.Writer, what string, done, total int) {
	const width = 30
	n := width
	if total > 0 {
		n = done * width / total
	}
	fmt.Fprintf(w, "\r%s [%s%s] %d/%d", what, strings.Repeat("#", n), strings.Repeat(" ", width-n), done, total)
	if done >= total {
		fmt.Fprintln(w)
	}
}

func readLimited(path string, max int64) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d MB; split it into smaller files", path, max>>20)
	}
	return b, nil
}

func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("export", getenv, stderr)
	var sc storeConfig
	sc.register(f)
	var patient, format, out, from, to string
	f.StringVar(&patient, "patient", "", "email of the patient")
	f.StringVar(&format, "format", "csv", "csv, xlsx, pdf, fhir, json, or archive (everything, as a zip)")
	f.StringVar(&out, "out", "", "file to write (default: standard output)")
	f.StringVar(&from, "from", "", "first day (YYYY-MM-DD or RFC 3339), inclusive")
	f.StringVar(&to, "to", "", "end (YYYY-MM-DD or RFC 3339), exclusive")
	if err := f.parse(args); err != nil {
		return err
	}
	if patient == "" {
		return usageError{"--patient is required"}
	}
	a, actor, err := operator(ctx, sc, patient)
	if err != nil {
		return err
	}
	defer a.Close()
	// Days start at midnight in the patient's time zone, as in the API.
	var fromT, toT *time.Time
	for _, p := range []struct {
		name, v string
		dst     **time.Time
	}{{"from", from, &fromT}, {"to", to, &toT}} {
		if p.v == "" {
			continue
		}
		t, err := service.ParseDayOrTime(p.name, p.v, service.Location(actor.User.TimeZone))
		if err != nil {
			return describe(err)
		}
		*p.dst = &t
	}
	write := func(w io.Writer) error {
		if format == "archive" {
			return describe(a.svc.Archive(ctx, actor, actor.User.ID, w))
		}
		ex, err := a.svc.Export(ctx, actor, actor.User.ID, format, fromT, toT)
		if err != nil {
			return describe(err)
		}
		_, err = w.Write(ex.Body)
		return err
	}
	if out == "" {
		return write(stdout)
	}
	if fi, err := os.Stat(out); err == nil && !fi.Mode().IsRegular() {
		// A device or a pipe (/dev/stdout, a named pipe) is written as is.
		fh, err := os.OpenFile(out, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		if err := write(fh); err != nil {
			fh.Close()
			return err
		}
		if err := fh.Close(); err != nil {
			return err
		}
	} else {
		// Through a symbolic link, the file it names is replaced, not the link.
		if real, err := filepath.EvalSymlinks(out); err == nil {
			out = real
		}
		if err := writeFileAtomic(out, write); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "wrote %s\n", out)
	return nil
}

// writeFileAtomic writes path through a temporary file beside it, renamed
// into place only once written and closed: a failed export leaves no
// truncated file (nor replaces a good one).
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	fh, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp") // mode 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			fh.Close()
			os.Remove(fh.Name())
		}
	}()
	if err := write(fh); err != nil {
		return err
	}
	if err := fh.Close(); err != nil {
		return err
	}
	return os.Rename(fh.Name(), path)
}

func runAuditExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	db, err := storeOnly(ctx, "audit export", args, getenv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	// Chain by chain in sequence order, as JSON lines: the form an Object
	// Lock bucket keeps and `audit verify` logic can re-check.
	chains, err := db.AuditChains(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	n := 0
	for _, c := range chains {
		var after int64
		for {
			evs, err := db.FindAuditChain(ctx, c, after, 1000)
			if err != nil {
				return err
			}
			for _, e := range evs {
				if err := enc.Encode(e); err != nil {
					return err
				}
				after = e.Seq
				n++
			}
			if len(evs) < 1000 {
				break
			}
		}
	}
	fmt.Fprintf(stderr, "exported %d audit events from %d chains\n", n, len(chains))
	return nil
}

func runDynamoCreateTable(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("dynamo create-table", getenv, stderr)
	var sc storeConfig
	sc.register(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if sc.DynamoTable == "" {
		return usageError{"--dynamodb-table is required"}
	}
	cfg, err := sc.dynamoConfig(ctx)
	if err != nil {
		return err
	}
	if err := dynamo.CreateTable(ctx, cfg); err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "created table %s\n", sc.DynamoTable)
	return nil
}

func runCost(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("cost", getenv, stderr)
	var in cost.Input
	f.IntVar(&in.Users, "users", 100, "number of patients")
	f.IntVar(&in.ReadingsPerDay, "readings-per-day", 10, "readings each patient adds a day")
	f.StringVar(&in.Profile, "profile", "free", "free or hardened")
	if err := f.parse(args); err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return describe(err)
	}
	return cost.Estimate(in).Write(stdout)
}
