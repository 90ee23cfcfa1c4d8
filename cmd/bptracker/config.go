package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/dynamo"
	"github.com/bptracker/bptracker/kek"
	"github.com/bptracker/bptracker/keyring"
	"github.com/bptracker/bptracker/service"
	"github.com/bptracker/bptracker/sqlite"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// flags is a flag set whose every flag can also come from the environment:
// --idle-timeout from BPT_IDLE_TIMEOUT. A flag on the command line wins.
type flags struct {
	*flag.FlagSet
	getenv func(string) string
	errs   []error
}

func newFlags(name string, getenv func(string) string, stderr io.Writer) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &flags{FlagSet: fs, getenv: getenv}
}

func envName(flagName string) string {
	return "BPT_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (f *flags) str(p *string, name, def, usage string) {
	if v := f.getenv(envName(name)); v != "" {
		def = v
	}
	f.StringVar(p, name, def, usage+" (env "+envName(name)+")")
}

func (f *flags) boolean(p *bool, name string, usage string) {
	def := false
	if v := f.getenv(envName(name)); v != "" {
		def = v == "1" || strings.EqualFold(v, "true") || strings.EqualFold(v, "yes")
	}
	f.BoolVar(p, name, def, usage+" (env "+envName(name)+")")
}

func (f *flags) duration(p *time.Duration, name string, def time.Duration, usage string) {
	if v := f.getenv(envName(name)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			f.errs = append(f.errs, fmt.Errorf("%s=%q is not a duration such as 15m", envName(name), v))
		} else {
			def = d
		}
	}
	f.DurationVar(p, name, def, usage+" (env "+envName(name)+")")
}

func (f *flags) parse(args []string) error {
	if err := f.parseOnce(args); err != nil {
		return err
	}
	if f.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", f.Arg(0))}
	}
	return errors.Join(f.errs...)
}

// parseFile is parse for a command that takes one file besides its flags,
// which may come before or after it. The file is "" when none is given.
func (f *flags) parseFile(args []string) (string, error) {
	file := ""
	for {
		if err := f.parseOnce(args); err != nil {
			return "", err
		}
		if f.NArg() == 0 {
			return file, errors.Join(f.errs...)
		}
		if file != "" {
			return "", usageError{fmt.Sprintf("unexpected argument %q", f.Arg(0))}
		}
		file, args = f.Arg(0), f.Args()[1:]
	}
}

func (f *flags) parseOnce(args []string) error {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return usageError{"help requested"}
		}
		return usageError{err.Error()}
	}
	return nil
}

// storeConfig is how every command that touches the data finds it: the
// same flags (and environment variables) for every subcommand.
type storeConfig struct {
	Data           string
	Store          string // sqlite or dynamodb
	DynamoTable    string
	DynamoEndpoint string
	Keys           string // file, kms or ssm
	KMSKeyID       string
	SSMParameter   string

	aws *aws.Config // loaded once, by awsConfig
}

func (c *storeConfig) register(f *flags) {
	f.str(&c.Data, "data", "./data", "data directory (SQLite database and the key file)")
	f.str(&c.Store, "store", "sqlite", "sqlite (embedded) or dynamodb")
	f.str(&c.DynamoTable, "dynamodb-table", "", "DynamoDB table name (with --store dynamodb)")
	f.str(&c.DynamoEndpoint, "dynamodb-endpoint", "", "DynamoDB endpoint URL, e.g. DynamoDB Local's; empty for AWS")
	f.str(&c.Keys, "keys", "file", "key-encryption key: file (DATA/keys/kek.json), kms or ssm")
	f.str(&c.KMSKeyID, "kms-key-id", "", "KMS key id or ARN (with --keys kms)")
	f.str(&c.SSMParameter, "ssm-kek-parameter", "", "SSM SecureString parameter holding the key (with --keys ssm)")
}

// check reports contradictory or missing settings before anything starts.
func (c *storeConfig) check() error {
	switch c.Store {
	case "sqlite":
	case "dynamodb":
		if c.DynamoTable == "" {
			return usageError{"--store dynamodb needs --dynamodb-table (BPT_DYNAMODB_TABLE)"}
		}
	default:
		return usageError{fmt.Sprintf("--store %q: use sqlite or dynamodb", c.Store)}
	}
	switch c.Keys {
	case "file":
	case "kms":
		if c.KMSKeyID == "" {
			return usageError{"--keys kms needs --kms-key-id (BPT_KMS_KEY_ID)"}
		}
	case "ssm":
		if c.SSMParameter == "" {
			return usageError{"--keys ssm needs --ssm-kek-parameter (BPT_SSM_KEK_PARAMETER)"}
		}
	default:
		return usageError{fmt.Sprintf("--keys %q: use file, kms or ssm", c.Keys)}
	}
	return nil
}

// openStore opens the configured store.
func (c *storeConfig) openStore(ctx context.Context) (bptracker.Store, error) {
	if c.Store == "dynamodb" {
		cfg, err := c.dynamoConfig(ctx)
		if err != nil {
			return nil, err
		}
		return dynamo.Open(ctx, cfg)
	}
	if err := os.MkdirAll(c.Data, 0o700); err != nil {
		return nil, err
	}
	return sqlite.Open(c.dbPath())
}

// storeOnly parses a command that needs the store and no keys (the audit
// tools: the trail holds no sealed values) and opens it.
func storeOnly(ctx context.Context, name string, args []string, getenv func(string) string, stderr io.Writer) (bptracker.Store, error) {
	f := newFlags(name, getenv, stderr)
	var sc storeConfig
	sc.register(f)
	if err := f.parse(args); err != nil {
		return nil, err
	}
	if err := sc.check(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(sc.dbPath()); err != nil && sc.Store == "sqlite" {
		return nil, fmt.Errorf("no database at %s", sc.dbPath())
	}
	return sc.openStore(ctx)
}

// awsConfig loads, once, the standard AWS configuration: credentials from
// the environment, shared files, SSO or an instance role.
func (c *storeConfig) awsConfig(ctx context.Context) (aws.Config, error) {
	if c.aws == nil {
		cfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
		}
		c.aws = &cfg
	}
	return *c.aws, nil
}

// dynamoConfig says where the table is and how to reach it.
func (c *storeConfig) dynamoConfig(ctx context.Context) (dynamo.Config, error) {
	awsCfg, err := c.awsConfig(ctx)
	return dynamo.Config{Table: c.DynamoTable, Endpoint: c.DynamoEndpoint, AWS: awsCfg}, err
}

// openKEK loads the key-encryption key; create lets a new installation make
// its key file.
func (c *storeConfig) openKEK(ctx context.Context, create bool) (tink.AEAD, error) {
	switch c.Keys {
	case "kms", "ssm":
		awsCfg, err := c.awsConfig(ctx)
		if err != nil {
			return nil, err
		}
		if c.Keys == "kms" {
			return kek.NewKMS(awsCfg, "", c.KMSKeyID), nil
		}
		return kek.NewSSM(ctx, awsCfg, "", c.SSMParameter)
	}
	if _, err := os.Stat(c.keyPath()); errors.Is(err, os.ErrNotExist) {
		if !create {
			return nil, fmt.Errorf("no key file at %s: is %s a BP Tracker data directory?", c.keyPath(), c.Data)
		}
		if _, err := os.Stat(c.dbPath()); err == nil && c.Store == "sqlite" {
			return nil, fmt.Errorf("%s exists but its key file %s is missing: without the key the data cannot be read; restore the key file from your backup", c.dbPath(), c.keyPath())
		}
		if err := kek.CreateFile(c.keyPath()); err != nil {
			return nil, fmt.Errorf("create key file: %w", err)
		}
	}
	return kek.LoadFile(c.keyPath())
}

func (c *storeConfig) dbPath() string  { return filepath.Join(c.Data, "bptracker.db") }
func (c *storeConfig) keyPath() string { return filepath.Join(c.Data, "keys", "kek.json") }

// app is an opened store with its keyring and service.
type app struct {
	store bptracker.Store
	svc   *service.Service
}

// openApp opens the data directory. create says whether a missing data
// directory and key file may be created (serve, user add) or must exist
// (audit verify, backup).
func openApp(ctx context.Context, c storeConfig, create bool, cfg service.Config) (*app, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	k, err := c.openKEK(ctx, create)
	if err != nil {
		return nil, err
	}
	db, err := c.openStore(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := keyring.New(ctx, k, db, 5*time.Minute, cfg.Now)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &app{store: db, svc: service.New(db, keys, nil, cfg)}, nil
}

func (a *app) Close() error { return a.store.Close() }

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
