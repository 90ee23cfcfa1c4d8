// Package infra is the BP Tracker AWS deployment as a CDK app: one stack per
// profile (free or hardened) holding the table, the function, the web app,
// CloudFront, Cognito, the audit trail and the alarms, checked by the
// cdk-nag HIPAA Security pack. It imports the table definition from the
// application module's dynamo/schema package and nothing else of the app.
package infra

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
)

// Profiles.
const (
	ProfileFree     = "free"
	ProfileHardened = "hardened"
)

// Config is what the stack is built from, read from CDK context
// (`-c key=value` or cdk.json). Every field has a default except the ones
// that only make sense for a real deployment (domain, e-mail).
type Config struct {
	Profile string // free | hardened

	LambdaZip string // path of the bootstrap zip from `make lambda`
	WebDist   string // directory of the built web app

	// DomainName and CertificateARN add a custom domain to CloudFront; the
	// certificate must be in us-east-1 and cover the name.
	DomainName     string
	CertificateARN string

	AlarmEmail          string // SNS e-mail subscription for alarms; none if empty
	SelfSignUp          bool   // Cognito self sign-up; off unless asked for
	VPC                 bool   // hardened only: function in a VPC with endpoints
	WebACLARN           string // hardened only: use this CloudFront web ACL instead of creating one
	ReservedConcurrency int    // reserved concurrent executions of the function
	LogRetentionDays    int    // application and trail log groups
	BackupRetentionDays int    // AWS Backup daily recovery points
	SigninFailureAlarm  int    // failed sign-ins in 5 minutes that raise the alarm
}

// Context keys, as given to `cdk -c key=value`.
const (
	CtxProfile             = "profile"
	CtxLambdaZip           = "lambdaZip"
	CtxWebDist             = "webDist"
	CtxDomainName          = "domainName"
	CtxCertificateARN      = "certificateArn"
	CtxAlarmEmail          = "alarmEmail"
	CtxSelfSignUp          = "selfSignUp"
	CtxVPC                 = "vpc"
	CtxWebACLARN           = "webAclArn"
	CtxReservedConcurrency = "reservedConcurrency"
	CtxLogRetentionDays    = "logRetentionDays"
	CtxBackupRetentionDays = "backupRetentionDays"
	CtxSigninFailureAlarm  = "signinFailureAlarm"
)

// DefaultConfig returns the defaults for profile.
func DefaultConfig(profile string) Config {
	return Config{
		Profile:             profile,
		LambdaZip:           "../build/lambda/bootstrap.zip",
		WebDist:             "../web/dist",
		ReservedConcurrency: 5,
		LogRetentionDays:    365,
		BackupRetentionDays: 7,
		SigninFailureAlarm:  10,
	}
}

// ConfigFromContext reads the configuration from the construct tree's
// context (the app's), applying defaults.
func ConfigFromContext(scope constructs.Construct) (Config, error) {
	get := func(key string) string {
		v := scope.Node().TryGetContext(&key)
		if v == nil {
			return ""
		}
		return strings.TrimSpace(fmt.Sprint(v))
	}
	profile := get(CtxProfile)
	if profile == "" {
		profile = ProfileFree
	}
	if profile != ProfileFree && profile != ProfileHardened {
		return Config{}, fmt.Errorf("context %s=%q: want %s or %s", CtxProfile, profile, ProfileFree, ProfileHardened)
	}
	c := DefaultConfig(profile)
	str := func(key string, dst *string) {
		if v := get(key); v != "" {
			*dst = v
		}
	}
	var err error
	boolean := func(key string, dst *bool) {
		v := get(key)
		if v == "" || err != nil {
			return
		}
		b, e := strconv.ParseBool(v)
		if e != nil {
			err = fmt.Errorf("context %s=%q: want true or false", key, v)
			return
		}
		*dst = b
	}
	integer := func(key string, dst *int, lo, hi int) {
		v := get(key)
		if v == "" || err != nil {
			return
		}
		n, e := strconv.Atoi(v)
		if e != nil || n < lo || n > hi {
			err = fmt.Errorf("context %s=%q: want an integer in [%d, %d]", key, v, lo, hi)
			return
		}
		*dst = n
	}
	str(CtxLambdaZip, &c.LambdaZip)
	str(CtxWebDist, &c.WebDist)
	str(CtxDomainName, &c.DomainName)
	str(CtxCertificateARN, &c.CertificateARN)
	str(CtxAlarmEmail, &c.AlarmEmail)
	str(CtxWebACLARN, &c.WebACLARN)
	boolean(CtxSelfSignUp, &c.SelfSignUp)
	boolean(CtxVPC, &c.VPC)
	integer(CtxReservedConcurrency, &c.ReservedConcurrency, 1, 1000)
	integer(CtxLogRetentionDays, &c.LogRetentionDays, 1, 3653)
	integer(CtxBackupRetentionDays, &c.BackupRetentionDays, 1, 3653)
	integer(CtxSigninFailureAlarm, &c.SigninFailureAlarm, 1, 100000)
	if err != nil {
		return Config{}, err
	}
	return c, c.Validate()
}

// Validate reports contradictory settings.
func (c Config) Validate() error {
	if (c.DomainName == "") != (c.CertificateARN == "") {
		return fmt.Errorf("context %s and %s go together", CtxDomainName, CtxCertificateARN)
	}
	if c.CertificateARN != "" && !strings.Contains(c.CertificateARN, ":us-east-1:") {
		return fmt.Errorf("context %s: CloudFront needs a certificate in us-east-1", CtxCertificateARN)
	}
	if c.Profile == ProfileFree && (c.VPC || c.WebACLARN != "") {
		return fmt.Errorf("context %s and %s belong to the hardened profile", CtxVPC, CtxWebACLARN)
	}
	if c.LambdaZip == "" || c.WebDist == "" {
		return fmt.Errorf("context %s and %s must not be empty", CtxLambdaZip, CtxWebDist)
	}
	return nil
}

// Hardened reports whether c is the hardened profile.
func (c Config) Hardened() bool { return c.Profile == ProfileHardened }

// StackName is the CloudFormation stack name of the profile.
func StackName(profile string) string { return "BpTracker-" + profile }

// EdgeStackName is the us-east-1 stack holding the CloudFront web ACL when
// the main hardened stack lives in another region.
const EdgeStackName = "BpTrackerEdge-hardened"
