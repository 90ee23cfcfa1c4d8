package awsenv

import (
	"context"
	"strings"
	"testing"
)

func TestConfig(t *testing.T) {
	env := map[string]string{
		"AWS_DEFAULT_REGION":    "eu-west-2",
		"AWS_ACCESS_KEY_ID":     "AKID",
		"AWS_SECRET_ACCESS_KEY": "SECRET",
		"AWS_SESSION_TOKEN":     "TOKEN",
	}
	cfg, err := Config(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-west-2" {
		t.Errorf("region %q, want the AWS_DEFAULT_REGION fallback", cfg.Region)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if creds.AccessKeyID != "AKID" || creds.SecretAccessKey != "SECRET" || creds.SessionToken != "TOKEN" {
		t.Errorf("credentials %+v", creds)
	}

	env["AWS_REGION"] = "us-east-1"
	if cfg, _ := Config(func(k string) string { return env[k] }); cfg.Region != "us-east-1" {
		t.Errorf("region %q, want AWS_REGION before AWS_DEFAULT_REGION", cfg.Region)
	}

	_, err = Config(func(string) string { return "" })
	if err == nil {
		t.Fatal("an empty environment was accepted")
	}
	for _, want := range []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}
