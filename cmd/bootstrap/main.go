// Command bootstrap is the Lambda function: the service's HTTP handler
// behind an API Gateway HTTP API or a Lambda function URL, on DynamoDB, with
// Cognito (or built-in) accounts and the key-encryption key from KMS, SSM or
// a file. It needs none of the local server's parts (SQLite, TLS files, the
// embedded web app, which CloudFront serves from S3).
//
// Build: make lambda (the Makefile's LAMBDA_FLAGS say how and why).
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	awslambda "github.com/aws/aws-lambda-go/lambda"
	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/cognito"
	"github.com/bptracker/bptracker/dynamo"
	bphttp "github.com/bptracker/bptracker/http"
	"github.com/bptracker/bptracker/kek"
	"github.com/bptracker/bptracker/keyring"
	"github.com/bptracker/bptracker/lambda"
	"github.com/bptracker/bptracker/service"
	"github.com/bptracker/bptracker/transfer"
)

func main() {
	h, err := newHandler(context.Background(), os.Getenv, os.Stderr)
	if err != nil {
		// The init error is what Lambda shows for a failed cold start.
		fmt.Fprintln(os.Stderr, "bootstrap:", err)
		os.Exit(1)
	}
	awslambda.Start(h)
}

// newHandler wires the function from the environment.
func newHandler(ctx context.Context, getenv func(string) string, stderr io.Writer) (lambda.Handler, error) {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return nil, fmt.Errorf("configuration:\n%w", err)
	}
	log := newLogger(stderr, cfg.LogLevel)
	start := time.Now()
	var phases []any // name, milliseconds: where a cold start spends its time
	phase := func(name string) {
		phases = append(phases, name+"_ms", time.Since(start).Milliseconds())
	}

	store, err := dynamo.Open(ctx, dynamo.Config{Table: cfg.Table, Endpoint: cfg.DynamoEndpoint, AWS: cfg.AWS})
	if err != nil {
		return nil, err
	}

	var k tink.AEAD
	switch cfg.Keys {
	case "kms":
		k = kek.NewKMS(cfg.AWS, cfg.KMSEndpoint, cfg.KMSKeyID)
	case "ssm":
		if k, err = kek.NewSSM(ctx, cfg.AWS, cfg.SSMEndpoint, cfg.SSMParam); err != nil {
			return nil, err
		}
	case "file":
		if k, err = kek.LoadFile(cfg.KeyFile); err != nil {
			return nil, err
		}
	}
	phase("kek")
	keys, err := keyring.New(ctx, k, store, cfg.KeyCacheTTL, time.Now)
	if err != nil {
		return nil, fmt.Errorf("open the keyring: %w", err)
	}
	phase("keyring")

	sc := service.DefaultConfig()
	sc.Logger, sc.AllowSignup = log, cfg.AllowSignup
	sc.IdleTimeout, sc.SessionLifetime = cfg.IdleTimeout, cfg.SessionLifetime

	var svc *service.Service
	var idp bptracker.IdentityProvider // nil: built-in accounts
	if cfg.Identity == "cognito" {
		idp, err = cognito.New(cognito.Config{
			AWS: cfg.AWS, Endpoint: cfg.CognitoEndpoint,
			UserPoolID: cfg.PoolID, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
			Issuer: cfg.CognitoIssuer,
			// The service is built below; sign-in only runs after that.
			UserIDByEmail: func(ctx context.Context, email string) (string, error) {
				u, err := svc.FindUserByEmail(ctx, email)
				if err != nil {
					return "", err
				}
				return u.ID, nil
			},
		})
		if err != nil {
			return nil, err
		}
	}
	svc = service.New(store, keys, idp, sc)

	// Behind CloudFront (origin check on) X-Forwarded-Host is the viewer's
	// host, set by the distribution: links in invitations and mails use it.
	api := bphttp.NewServer(svc, bphttp.Options{Logger: log, TrustForwardedHost: cfg.OriginSecret != ""})
	phase("handler")
	log.Info("init", append([]any{"store", cfg.Store, "identity", cfg.Identity, "keys", cfg.Keys}, phases...)...)
	// An export too large for Lambda's response goes through S3.
	var overflow func(context.Context, http.Header, []byte) (string, error)
	if cfg.TransferBucket != "" {
		overflow = transfer.New(cfg.AWS, cfg.TransferBucket, cfg.S3Endpoint).Send
	}
	return lambda.NewHandler(api, lambda.Options{
		OriginSecret: cfg.OriginSecret,
		OnOriginDenied: func(ctx context.Context, r *http.Request) {
			ip, _, _ := net.SplitHostPort(r.RemoteAddr)
			req := service.Request{SourceIP: ip, UserAgent: r.UserAgent(), RequestID: r.Header.Get(lambda.HeaderRequestID)}
			if err := svc.AuditOriginDenied(ctx, req); err != nil {
				log.Error("origin check failed and its audit event was not written", "request_id", req.RequestID, "err", err)
			}
		},
		Overflow: overflow,
		OnOverflowError: func(ctx context.Context, r *http.Request, err error) {
			log.Error("export not sent through the transfer bucket", "request_id", r.Header.Get(lambda.HeaderRequestID), "err", err)
		},
		// The web app gzips CSV, JSON and FHIR files, so only a spreadsheet
		// (already compressed) of over ~4 MB gets here.
		UploadHint: "Save a large spreadsheet as CSV, which is sent compressed, or split it into files under 4 MB.",
	}), nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
