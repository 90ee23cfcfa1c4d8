package main

import (
	"strings"
	"testing"
	"time"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

// base is a valid production-like environment (the free profile).
func base() map[string]string {
	return map[string]string{
		"AWS_REGION":                "eu-west-2",
		"AWS_ACCESS_KEY_ID":         "AKID",
		"AWS_SECRET_ACCESS_KEY":     "SECRET",
		"BPT_STORE":                 "dynamodb",
		"BPT_DYNAMODB_TABLE":        "bptracker",
		"BPT_IDENTITY":              "cognito",
		"BPT_COGNITO_USER_POOL_ID":  "eu-west-2_abc",
		"BPT_COGNITO_CLIENT_ID":     "client",
		"BPT_COGNITO_CLIENT_SECRET": "secret",
		"BPT_KEYS":                  "ssm",
		"BPT_SSM_KEK_PARAMETER":     "/bptracker/kek",
		"BPT_ORIGIN_SECRET":         "0123456789abcdef0123456789abcdef",
	}
}

func TestLoadConfig(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		c, err := loadConfig(env(base()))
		if err != nil {
			t.Fatal(err)
		}
		if c.Table != "bptracker" || c.Keys != "ssm" || c.Identity != "cognito" || c.AWS.Region != "eu-west-2" {
			t.Errorf("config: got %+v", c)
		}
		if got, want := c.IdleTimeout, 15*time.Minute; got != want {
			t.Errorf("idle timeout: got %v, want %v", got, want)
		}
		if got, want := c.KeyCacheTTL, 5*time.Minute; got != want {
			t.Errorf("key cache: got %v, want %v", got, want)
		}
	})
	t.Run("OKBuiltinKMS", func(t *testing.T) {
		e := base()
		for _, k := range []string{"BPT_COGNITO_USER_POOL_ID", "BPT_COGNITO_CLIENT_ID", "BPT_COGNITO_CLIENT_SECRET", "BPT_SSM_KEK_PARAMETER"} {
			delete(e, k)
		}
		e["BPT_IDENTITY"], e["BPT_KEYS"], e["BPT_KMS_KEY_ID"] = "builtin", "kms", "arn:aws:kms:eu-west-2:111122223333:key/x"
		e["BPT_IDLE_TIMEOUT"], e["BPT_ALLOW_SIGNUP"] = "10m", "true"
		c, err := loadConfig(env(e))
		if err != nil {
			t.Fatal(err)
		}
		if c.IdleTimeout != 10*time.Minute || !c.AllowSignup {
			t.Errorf("config: got %+v", c)
		}
	})

	tests := []struct {
		name string
		mod  func(map[string]string)
		want []string
	}{
		{"NoTable", func(e map[string]string) { delete(e, "BPT_DYNAMODB_TABLE") }, []string{"BPT_DYNAMODB_TABLE is required"}},
		{"SQLite", func(e map[string]string) { e["BPT_STORE"] = "sqlite" }, []string{"BPT_STORE=sqlite is for the local server"}},
		{"UnknownStore", func(e map[string]string) { e["BPT_STORE"] = "postgres" }, []string{`BPT_STORE="postgres"`}},
		{"NoRegion", func(e map[string]string) { delete(e, "AWS_REGION") }, []string{"AWS_REGION"}},
		{"NoCredentials", func(e map[string]string) { delete(e, "AWS_SECRET_ACCESS_KEY") }, []string{"AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"}},
		{"CognitoIncomplete", func(e map[string]string) {
			delete(e, "BPT_COGNITO_CLIENT_ID")
			delete(e, "BPT_COGNITO_CLIENT_SECRET")
		}, []string{"BPT_COGNITO_CLIENT_ID is required", "BPT_COGNITO_CLIENT_SECRET is required"}},
		{"BuiltinWithCognito", func(e map[string]string) { e["BPT_IDENTITY"] = "builtin" }, []string{"BPT_COGNITO_USER_POOL_ID is set but BPT_IDENTITY=builtin"}},
		{"UnknownIdentity", func(e map[string]string) { e["BPT_IDENTITY"] = "ldap" }, []string{`BPT_IDENTITY="ldap"`}},
		{"NoKeys", func(e map[string]string) { delete(e, "BPT_KEYS") }, []string{"BPT_KEYS is required"}},
		{"KMSWithoutKey", func(e map[string]string) { e["BPT_KEYS"] = "kms"; delete(e, "BPT_SSM_KEK_PARAMETER") }, []string{"BPT_KMS_KEY_ID is required"}},
		{"TwoKeySources", func(e map[string]string) { e["BPT_KMS_KEY_ID"] = "alias/x" }, []string{"BPT_KMS_KEY_ID is set but BPT_KEYS=ssm"}},
		{"FileWithoutPath", func(e map[string]string) { e["BPT_KEYS"] = "file"; delete(e, "BPT_SSM_KEK_PARAMETER") }, []string{"BPT_KEY_FILE is required"}},
		{"S3EndpointWithoutBucket", func(e map[string]string) { e["BPT_S3_ENDPOINT"] = "http://127.0.0.1:9000" }, []string{"BPT_TRANSFER_BUCKET is not"}},
		{"ShortOriginSecret", func(e map[string]string) { e["BPT_ORIGIN_SECRET"] = "short" }, []string{"BPT_ORIGIN_SECRET is shorter"}},
		{"BadDuration", func(e map[string]string) { e["BPT_SESSION_LIFETIME"] = "forever" }, []string{"BPT_SESSION_LIFETIME"}},
		{"NegativeDuration", func(e map[string]string) { e["BPT_IDLE_TIMEOUT"] = "-1m" }, []string{"BPT_IDLE_TIMEOUT"}},
		{"BadBool", func(e map[string]string) { e["BPT_ALLOW_SIGNUP"] = "maybe" }, []string{"BPT_ALLOW_SIGNUP"}},
		{"BadLogLevel", func(e map[string]string) { e["BPT_LOG_LEVEL"] = "loud" }, []string{"BPT_LOG_LEVEL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base()
			tt.mod(e)
			_, err := loadConfig(env(e))
			if err == nil {
				t.Fatalf("got nil error, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "0123456789abcdef") || strings.Contains(err.Error(), "secret\n") {
				t.Errorf("error %q quotes a secret", err)
			}
		})
	}
	t.Run("AllAtOnce", func(t *testing.T) {
		_, err := loadConfig(env(map[string]string{}))
		if err == nil {
			t.Fatal("empty environment accepted")
		}
		for _, w := range []string{"BPT_DYNAMODB_TABLE", "AWS_REGION", "BPT_COGNITO_USER_POOL_ID", "BPT_KEYS"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not mention %s", err, w)
			}
		}
	})
}
