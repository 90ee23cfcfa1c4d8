package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/backup"
	"github.com/bptracker/bptracker/service"
	"github.com/bptracker/bptracker/sqlite"
	"golang.org/x/term"
)

// readSecret reads one line from stdin; on a terminal it prompts without echo.
func readSecret(stdin io.Reader, stderr io.Writer, prompt string) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		return string(b), err
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("read %s from stdin: %w", strings.TrimSuffix(strings.ToLower(prompt), ": "), err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// describe turns a service error into a message for the terminal.
func describe(err error) error {
	if fields := bptracker.ErrorFields(err); len(fields) > 0 {
		var parts []string
		for k, v := range fields {
			parts = append(parts, k+": "+v)
		}
		return errors.New(strings.Join(parts, "; "))
	}
	if code := bptracker.ErrorCode(err); code != bptracker.EINTERNAL && code != "" {
		return errors.New(bptracker.ErrorMessage(err))
	}
	return err
}

func runUserAdd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newFlags("user add", getenv, stderr)
	var sc storeConfig
	sc.register(f)
	var email, role, name, tz string
	f.StringVar(&email, "email", "", "the account's email address")
	f.StringVar(&role, "role", "patient", "patient, caregiver, provider or admin")
	f.StringVar(&name, "name", "", "the person's name")
	f.StringVar(&tz, "time-zone", "", "IANA time zone, e.g. Europe/Paris")
	if err := f.parse(args); err != nil {
		return err
	}
	if email == "" {
		return usageError{"--email is required"}
	}
	pw, err := readSecret(stdin, stderr, "Password: ")
	if err != nil {
		return err
	}
	cfg := service.DefaultConfig()
	cfg.Logger = newLogger(io.Discard, "error")
	a, err := openApp(ctx, sc, true, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.svc.CreateUser(ctx, service.System(service.Request{UserAgent: "bptracker user add"}), service.Request{},
		service.NewUser{Email: email, Password: pw, Role: bptracker.Role(role), Name: name, TimeZone: tz})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "created %s account %s; MFA is set up at first sign-in\n", u.Role, u.ID)
	return nil
}

func runUserPasswd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newFlags("user passwd", getenv, stderr)
	var sc storeConfig
	sc.register(f)
	var email string
	f.StringVar(&email, "email", "", "the account's email address")
	if err := f.parse(args); err != nil {
		return err
	}
	pw, err := readSecret(stdin, stderr, "New password: ")
	if err != nil {
		return err
	}
	cfg := service.DefaultConfig()
	cfg.Logger = newLogger(io.Discard, "error")
	a, err := openApp(ctx, sc, false, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.svc.FindUserByEmail(ctx, email)
	if err != nil {
		return describe(err)
	}
	if err := a.svc.SetUserPassword(ctx, service.System(service.Request{UserAgent: "bptracker user passwd"}), u.ID, pw); err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "password of %s changed\n", u.ID)
	return nil
}

func runAuditVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	db, err := storeOnly(ctx, "audit verify", args, getenv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := bptracker.VerifyAudit(ctx, db)
	if err != nil {
		return fmt.Errorf("audit trail NOT intact after %d good events: %w", n, err)
	}
	chains, _ := db.AuditChains(ctx)
	fmt.Fprintf(stdout, "audit trail intact: %d events in %d chains\n", n, len(chains))
	return nil
}

func runBackup(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newFlags("backup", getenv, stderr)
	var sc storeConfig
	sc.register(f)
	var out string
	var withKeys bool
	f.StringVar(&out, "out", "", "the backup file to write (.tar.gz)")
	f.BoolVar(&withKeys, "include-keys", false, "include the key file, sealed with a passphrase read from stdin")
	if err := f.parse(args); err != nil {
		return err
	}
	if out == "" {
		return usageError{"--out is required"}
	}
	if _, err := os.Stat(sc.dbPath()); err != nil {
		return fmt.Errorf("no database at %s", sc.dbPath())
	}
	var kek []byte
	var pass string
	if withKeys {
		var err error
		if pass, err = readSecret(stdin, stderr, "Backup passphrase: "); err != nil {
			return err
		}
		if len([]rune(pass)) < 12 {
			return errors.New("the backup passphrase must have at least 12 characters")
		}
		if kek, err = os.ReadFile(sc.keyPath()); err != nil {
			return err
		}
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), ".bptracker-backup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	db, err := sqlite.Open(sc.dbPath())
	if err != nil {
		return err
	}
	copyPath := filepath.Join(tmp, "bptracker.db")
	err = db.BackupTo(ctx, copyPath)
	db.Close()
	if err != nil {
		return fmt.Errorf("copy database: %w", err)
	}
	if err := writeBackup(out, copyPath, kek, pass); err != nil {
		os.Remove(out)
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s (keys included: %v)\n", out, withKeys)
	if !withKeys {
		fmt.Fprintf(stdout, "keep a copy of %s somewhere safe: without it this backup cannot be read\n", sc.keyPath())
	}
	return nil
}

func writeBackup(out, dbPath string, kek []byte, pass string) error {
	fh, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	err = backup.Write(fh, dbPath, kek, pass)
	if err == nil {
		err = fh.Sync()
	}
	return errors.Join(err, fh.Close())
}

func runRestore(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newFlags("restore", getenv, stderr)
	var sc storeConfig
	sc.register(f)
	var in string
	f.StringVar(&in, "in", "", "the backup file to restore")
	if err := f.parse(args); err != nil {
		return err
	}
	if in == "" {
		return usageError{"--in is required"}
	}
	if entries, err := os.ReadDir(sc.Data); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty: restore only into an empty data directory", sc.Data)
	}
	fh, err := os.Open(in)
	if err != nil {
		return err
	}
	defer fh.Close()
	if err := os.MkdirAll(filepath.Join(sc.Data, "keys"), 0o700); err != nil {
		return err
	}
	res, err := backup.Read(fh, sc.dbPath(), sc.keyPath(), func() (string, error) {
		return readSecret(stdin, stderr, "Backup passphrase: ")
	})
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	gotKeys := res.Keys
	// Check the copy opens and its audit trail is whole before saying so.
	db, err := sqlite.Open(sc.dbPath())
	if err != nil {
		return err
	}
	n, err := bptracker.VerifyAudit(ctx, db)
	db.Close()
	if err != nil {
		return fmt.Errorf("restored, but the audit trail does not verify: %w", err)
	}
	fmt.Fprintf(stdout, "restored into %s (%d audit events verified)\n", sc.Data, n)
	if !gotKeys {
		fmt.Fprintf(stdout, "this backup holds no keys: copy your key file to %s before starting the server\n", sc.keyPath())
	}
	return nil
}
