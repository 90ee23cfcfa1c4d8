// Command bptracker runs the blood-pressure tracker: the server and the
// operator's tools (accounts, audit verification, backup and restore).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bptracker:", err)
		os.Exit(exitCode(err))
	}
}

// usageError is a mistake in the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	if _, ok := err.(usageError); ok {
		return 2
	}
	return 1
}

const usage = `usage: bptracker <command> [flags]

commands:
  serve            run the server (default: http://127.0.0.1:8080, data in ./data)
  user add         create an account (password read from stdin)
  user passwd      set an account's password (password read from stdin)
  audit verify     check the audit trail's hash chains
  audit export     write the audit trail as JSON lines, chain by chain
  import           import readings from CSV, XLSX, ODS, JSON or FHIR
  export           export readings as CSV, XLSX, PDF, FHIR, JSON or a zip of everything
  backup           take a consistent copy of the data while the server runs
  restore          put a backup into an empty data directory
  dynamo create-table   create the DynamoDB table (for DynamoDB Local)
  cost             estimate the monthly AWS bill

Run 'bptracker <command> -h' for the flags of a command. Every flag can also
be set from the environment: --data is BPT_DATA, --idle-timeout is
BPT_IDLE_TIMEOUT, and so on (docs/configuration.md).
`

// run is the whole program, so tests can start it with their own
// arguments, environment and streams.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "user":
		if len(rest) > 0 && rest[0] == "add" {
			return runUserAdd(ctx, rest[1:], getenv, stdin, stdout, stderr)
		}
		if len(rest) > 0 && rest[0] == "passwd" {
			return runUserPasswd(ctx, rest[1:], getenv, stdin, stdout, stderr)
		}
		return usageError{"usage: bptracker user add|passwd [flags]"}
	case "audit":
		if len(rest) > 0 && rest[0] == "verify" {
			return runAuditVerify(ctx, rest[1:], getenv, stdout, stderr)
		}
		if len(rest) > 0 && rest[0] == "export" {
			return runAuditExport(ctx, rest[1:], getenv, stdout, stderr)
		}
		return usageError{"usage: bptracker audit verify|export [flags]"}
	case "import":
		return runImport(ctx, rest, getenv, stdout, stderr)
	case "export":
		return runExport(ctx, rest, getenv, stdout, stderr)
	case "dynamo":
		if len(rest) > 0 && rest[0] == "create-table" {
			return runDynamoCreateTable(ctx, rest[1:], getenv, stdout, stderr)
		}
		return usageError{"usage: bptracker dynamo create-table [flags]"}
	case "cost":
		return runCost(ctx, rest, getenv, stdout, stderr)
	case "backup":
		return runBackup(ctx, rest, getenv, stdin, stdout, stderr)
	case "restore":
		return runRestore(ctx, rest, getenv, stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}
