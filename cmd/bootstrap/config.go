package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/bptracker/bptracker/internal/awsenv"
)

// config is the function's configuration, read from the environment only
// (a Lambda function has no flags). Every variable is in
// docs/configuration.md.
type config struct {
	Store          string     // BPT_STORE: dynamodb (the only store on Lambda)
	Table          string     // BPT_DYNAMODB_TABLE
	DynamoEndpoint string     // BPT_DYNAMODB_ENDPOINT: DynamoDB Local in tests
	AWS            aws.Config // region and the role's credentials, from AWS_* (internal/awsenv)

	Identity        string // BPT_IDENTITY: cognito or builtin
	PoolID          string // BPT_COGNITO_USER_POOL_ID
	ClientID        string // BPT_COGNITO_CLIENT_ID
	ClientSecret    string // BPT_COGNITO_CLIENT_SECRET
	CognitoIssuer   string // BPT_COGNITO_ISSUER: cognito-local's issuer in tests
	CognitoEndpoint string // BPT_COGNITO_ENDPOINT: cognito-local in tests

	Keys        string // BPT_KEYS: kms, ssm or file
	KMSKeyID    string // BPT_KMS_KEY_ID
	KMSEndpoint string // BPT_KMS_ENDPOINT: local-kms in tests
	SSMParam    string // BPT_SSM_KEK_PARAMETER
	SSMEndpoint string // BPT_SSM_ENDPOINT: a fake in tests
	KeyFile     string // BPT_KEY_FILE

	TransferBucket string // BPT_TRANSFER_BUCKET: where exports over 6 MB go (optional)
	S3Endpoint     string // BPT_S3_ENDPOINT: a fake in tests

	OriginSecret    string        // BPT_ORIGIN_SECRET
	AllowSignup     bool          // BPT_ALLOW_SIGNUP
	IdleTimeout     time.Duration // BPT_IDLE_TIMEOUT
	SessionLifetime time.Duration // BPT_SESSION_LIFETIME
	KeyCacheTTL     time.Duration // BPT_KEY_CACHE_TTL: how long unwrapped data keys stay in memory
	LogLevel        string        // BPT_LOG_LEVEL
}

// loadConfig reads and checks the configuration, reporting every missing or
// contradictory setting at once.
func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		Store:           or(getenv("BPT_STORE"), "dynamodb"),
		Table:           getenv("BPT_DYNAMODB_TABLE"),
		DynamoEndpoint:  getenv("BPT_DYNAMODB_ENDPOINT"),
		Identity:        or(getenv("BPT_IDENTITY"), "cognito"),
		PoolID:          getenv("BPT_COGNITO_USER_POOL_ID"),
		ClientID:        getenv("BPT_COGNITO_CLIENT_ID"),
		ClientSecret:    getenv("BPT_COGNITO_CLIENT_SECRET"),
		CognitoIssuer:   getenv("BPT_COGNITO_ISSUER"),
		CognitoEndpoint: getenv("BPT_COGNITO_ENDPOINT"),
		Keys:            getenv("BPT_KEYS"),
		KMSKeyID:        getenv("BPT_KMS_KEY_ID"),
		KMSEndpoint:     getenv("BPT_KMS_ENDPOINT"),
		SSMParam:        getenv("BPT_SSM_KEK_PARAMETER"),
		SSMEndpoint:     getenv("BPT_SSM_ENDPOINT"),
		KeyFile:         getenv("BPT_KEY_FILE"),
		OriginSecret:    getenv("BPT_ORIGIN_SECRET"),
		TransferBucket:  getenv("BPT_TRANSFER_BUCKET"),
		S3Endpoint:      getenv("BPT_S3_ENDPOINT"),
		LogLevel:        or(getenv("BPT_LOG_LEVEL"), "info"),
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	switch c.Store {
	case "dynamodb":
		if c.Table == "" {
			bad("BPT_DYNAMODB_TABLE is required with BPT_STORE=dynamodb")
		}
	case "sqlite":
		bad("BPT_STORE=sqlite is for the local server (bptracker serve); the Lambda function uses BPT_STORE=dynamodb")
	default:
		bad("BPT_STORE=%q: want dynamodb", c.Store)
	}
	awsCfg, err := awsenv.Config(getenv)
	if err != nil {
		errs = append(errs, err)
	}
	c.AWS = awsCfg

	cognitoVars := map[string]string{"BPT_COGNITO_USER_POOL_ID": c.PoolID, "BPT_COGNITO_CLIENT_ID": c.ClientID,
		"BPT_COGNITO_CLIENT_SECRET": c.ClientSecret}
	switch c.Identity {
	case "cognito":
		for _, name := range []string{"BPT_COGNITO_USER_POOL_ID", "BPT_COGNITO_CLIENT_ID", "BPT_COGNITO_CLIENT_SECRET"} {
			if cognitoVars[name] == "" {
				bad("%s is required with BPT_IDENTITY=cognito", name)
			}
		}
	case "builtin":
		for _, name := range []string{"BPT_COGNITO_USER_POOL_ID", "BPT_COGNITO_CLIENT_ID", "BPT_COGNITO_CLIENT_SECRET"} {
			if cognitoVars[name] != "" {
				bad("%s is set but BPT_IDENTITY=builtin: set BPT_IDENTITY=cognito or remove it", name)
			}
		}
	default:
		bad("BPT_IDENTITY=%q: want cognito or builtin", c.Identity)
	}

	keyVars := map[string]string{"kms": c.KMSKeyID, "ssm": c.SSMParam, "file": c.KeyFile}
	keyVarName := map[string]string{"kms": "BPT_KMS_KEY_ID", "ssm": "BPT_SSM_KEK_PARAMETER", "file": "BPT_KEY_FILE"}
	switch c.Keys {
	case "kms", "ssm", "file":
		if keyVars[c.Keys] == "" {
			bad("%s is required with BPT_KEYS=%s", keyVarName[c.Keys], c.Keys)
		}
		for k, v := range keyVars {
			if k != c.Keys && v != "" {
				bad("%s is set but BPT_KEYS=%s: the key-encryption key comes from one source", keyVarName[k], c.Keys)
			}
		}
	case "":
		bad("BPT_KEYS is required: kms (BPT_KMS_KEY_ID), ssm (BPT_SSM_KEK_PARAMETER) or file (BPT_KEY_FILE)")
	default:
		bad("BPT_KEYS=%q: want kms, ssm or file", c.Keys)
	}
	if c.S3Endpoint != "" && c.TransferBucket == "" {
		bad("BPT_S3_ENDPOINT is set but BPT_TRANSFER_BUCKET is not: name the bucket it serves")
	}
	if c.OriginSecret != "" && len(c.OriginSecret) < 16 {
		bad("BPT_ORIGIN_SECRET is shorter than 16 characters: use a long random value")
	}

	if c.AllowSignup, err = parseBool(getenv("BPT_ALLOW_SIGNUP")); err != nil {
		bad("BPT_ALLOW_SIGNUP: %v", err)
	}
	durations := []struct {
		name string
		p    *time.Duration
		def  time.Duration
	}{
		{"BPT_IDLE_TIMEOUT", &c.IdleTimeout, 15 * time.Minute},
		{"BPT_SESSION_LIFETIME", &c.SessionLifetime, 12 * time.Hour},
		{"BPT_KEY_CACHE_TTL", &c.KeyCacheTTL, 5 * time.Minute},
	}
	for _, d := range durations {
		*d.p = d.def
		if v := getenv(d.name); v != "" {
			if *d.p, err = time.ParseDuration(v); err != nil || *d.p <= 0 {
				bad("%s=%q: want a positive duration such as 15m", d.name, v)
			}
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("BPT_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel)
	}
	return c, errors.Join(errs...)
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func parseBool(v string) (bool, error) {
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(strings.ToLower(v))
	if err != nil {
		return false, fmt.Errorf("%q is not true or false", v)
	}
	return b, nil
}
