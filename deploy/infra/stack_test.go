package infra

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/bptracker/bptracker/dynamo/schema"
)

var bothProfiles = []string{ProfileFree, ProfileHardened}

func TestCognitoPool(t *testing.T) {
	for _, p := range bothProfiles {
		t.Run(p, func(t *testing.T) {
			tpl := synth(t, profileCtx(p)).template
			pool := only(t, tpl, "AWS::Cognito::UserPool")
			if got, want := pool["MfaConfiguration"], "ON"; got != want {
				t.Errorf("MfaConfiguration: got %v, want %v", got, want)
			}
			if got, want := pool["EnabledMfas"], []interface{}{"SOFTWARE_TOKEN_MFA"}; !reflect.DeepEqual(got, want) {
				t.Errorf("EnabledMfas: got %v, want %v (TOTP only)", got, want)
			}
			pw := pool["Policies"].(map[string]interface{})["PasswordPolicy"].(map[string]interface{})
			if got, want := pw["MinimumLength"], 12.0; got != want {
				t.Errorf("MinimumLength: got %v, want %v", got, want)
			}
			admin := pool["AdminCreateUserConfig"].(map[string]interface{})
			if got, want := admin["AllowAdminCreateUserOnly"], true; got != want {
				t.Errorf("AllowAdminCreateUserOnly: got %v, want %v (no self sign-up by default)", got, want)
			}
			if got, want := pool["DeletionProtection"], "ACTIVE"; got != want {
				t.Errorf("DeletionProtection: got %v, want %v", got, want)
			}
			client := only(t, tpl, "AWS::Cognito::UserPoolClient")
			if got, want := client["GenerateSecret"], true; got != want {
				t.Errorf("GenerateSecret: got %v, want %v", got, want)
			}
			flows, _ := client["ExplicitAuthFlows"].([]interface{})
			if !slices.Contains(flows, interface{}("ALLOW_USER_PASSWORD_AUTH")) {
				t.Errorf("ExplicitAuthFlows: got %v, want ALLOW_USER_PASSWORD_AUTH", flows)
			}
			if got, want := client["AccessTokenValidity"], 15.0; got != want {
				t.Errorf("AccessTokenValidity: got %v, want %v", got, want)
			}
			units := client["TokenValidityUnits"].(map[string]interface{})
			if got, want := units["AccessToken"], "minutes"; got != want {
				t.Errorf("TokenValidityUnits.AccessToken: got %v, want %v", got, want)
			}
		})
	}
}

func TestSelfSignUpOnlyWhenAsked(t *testing.T) {
	tpl := synth(t, map[string]string{CtxProfile: ProfileFree, CtxSelfSignUp: "true"}).template
	admin := only(t, tpl, "AWS::Cognito::UserPool")["AdminCreateUserConfig"].(map[string]interface{})
	if got, want := admin["AllowAdminCreateUserOnly"], false; got != want {
		t.Errorf("AllowAdminCreateUserOnly with selfSignUp=true: got %v, want %v", got, want)
	}
}

// appFunction returns the properties of the BP Tracker function (the one
// running bootstrap on provided.al2023).
func appFunction(tb testing.TB, tpl map[string]interface{}) map[string]interface{} {
	tb.Helper()
	var found []map[string]interface{}
	for _, r := range resources(tpl, "AWS::Lambda::Function") {
		if p := props(r); p["Runtime"] == "provided.al2023" {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		tb.Fatalf("provided.al2023 functions: got %d, want 1", len(found))
	}
	return found[0]
}

func TestFunction(t *testing.T) {
	for _, p := range bothProfiles {
		t.Run(p, func(t *testing.T) {
			tpl := synth(t, profileCtx(p)).template
			fn := appFunction(t, tpl)
			if got, want := fn["Architectures"], []interface{}{"arm64"}; !reflect.DeepEqual(got, want) {
				t.Errorf("Architectures: got %v, want %v", got, want)
			}
			if got, want := fn["Handler"], "bootstrap"; got != want {
				t.Errorf("Handler: got %v, want %v", got, want)
			}
			if got, want := fn["ReservedConcurrentExecutions"], 5.0; got != want {
				t.Errorf("ReservedConcurrentExecutions: got %v, want %v", got, want)
			}
			lc, _ := fn["LoggingConfig"].(map[string]interface{})
			if _, ok := lc["LogGroup"].(map[string]interface{}); !ok {
				t.Errorf("LoggingConfig.LogGroup: got %v, want a reference to the stack's own log group", lc["LogGroup"])
			}
			url := only(t, tpl, "AWS::Lambda::Url")
			if got, want := url["AuthType"], "AWS_IAM"; got != want {
				t.Errorf("function URL AuthType: got %v, want %v", got, want)
			}
		})
	}
}

func TestFunctionEnvironment(t *testing.T) {
	cases := []struct {
		profile  string
		literals map[string]string
		refs     []string // must be references, never literals
	}{
		{ProfileFree,
			map[string]string{"BPT_STORE": "dynamodb", "BPT_IDENTITY": "cognito", "BPT_KEYS": "ssm",
				"BPT_SSM_KEK_PARAMETER": "/bptracker/BpTracker-free/kek"},
			[]string{"BPT_DYNAMODB_TABLE", "BPT_COGNITO_USER_POOL_ID", "BPT_COGNITO_CLIENT_ID", "BPT_COGNITO_CLIENT_SECRET", "BPT_ORIGIN_SECRET",
				"BPT_TRANSFER_BUCKET"}},
		{ProfileHardened,
			map[string]string{"BPT_STORE": "dynamodb", "BPT_IDENTITY": "cognito", "BPT_KEYS": "kms"},
			[]string{"BPT_DYNAMODB_TABLE", "BPT_COGNITO_USER_POOL_ID", "BPT_COGNITO_CLIENT_ID", "BPT_COGNITO_CLIENT_SECRET",
				"BPT_ORIGIN_SECRET", "BPT_KMS_KEY_ID", "BPT_AUDIT_EXPORT_BUCKET", "BPT_TRANSFER_BUCKET"}},
	}
	for _, tc := range cases {
		t.Run(tc.profile, func(t *testing.T) {
			fn := appFunction(t, synth(t, profileCtx(tc.profile)).template)
			vars := fn["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
			for k, want := range tc.literals {
				if got := vars[k]; got != want {
					t.Errorf("%s: got %v, want %q", k, got, want)
				}
			}
			for _, k := range tc.refs {
				if _, ok := vars[k].(map[string]interface{}); !ok {
					t.Errorf("%s: got %#v, want a reference (Ref/GetAtt), never a literal", k, vars[k])
				}
			}
			if got, want := len(vars), len(tc.literals)+len(tc.refs); got != want {
				t.Errorf("environment variables: got %d, want %d (document any new one in docs/deploy.md): %v", got, want, keysOf(vars))
			}
		})
	}
}

// envRef returns the logical id a function environment variable refers to.
func envRef(tb testing.TB, tpl map[string]interface{}, name string) string {
	tb.Helper()
	vars := appFunction(tb, tpl)["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
	ref, _ := vars[name].(map[string]interface{})["Ref"].(string)
	if ref == "" {
		tb.Fatalf("%s: got %#v, want a Ref", name, vars[name])
	}
	return ref
}

// logicalID returns the template id of a construct's CloudFormation resource.
func logicalID(s *synthed, c constructs.IConstruct) string {
	return *s.stack.Stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

// TestTransferBucket: the bucket the function hands oversized exports
// through is private, TLS only, logged, encrypted like the other data
// buckets, and empties itself after a day.
func TestTransferBucket(t *testing.T) {
	for _, p := range bothProfiles {
		t.Run(p, func(t *testing.T) {
			s := synth(t, profileCtx(p))
			tpl := s.template
			id := envRef(t, tpl, "BPT_TRANSFER_BUCKET")
			if want := logicalID(s, s.stack.TransferBucket); id != want {
				t.Fatalf("BPT_TRANSFER_BUCKET refers to %s, want the transfer bucket %s", id, want)
			}
			r, ok := resources(tpl, "AWS::S3::Bucket")[id]
			if !ok {
				t.Fatalf("BPT_TRANSFER_BUCKET refers to %s, which is not a bucket", id)
			}
			b := props(r)

			pab, _ := b["PublicAccessBlockConfiguration"].(map[string]interface{})
			for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
				if pab[k] != true {
					t.Errorf("PublicAccessBlockConfiguration.%s: got %v, want true", k, pab[k])
				}
			}

			tlsOnly := false
			for _, bp := range resources(tpl, "AWS::S3::BucketPolicy") {
				if ref, _ := props(bp)["Bucket"].(map[string]interface{})["Ref"].(string); ref != id {
					continue
				}
				for _, st := range props(bp)["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{}) {
					st := st.(map[string]interface{})
					c, _ := json.Marshal(st["Condition"])
					if st["Effect"] == "Deny" && st["Action"] == "s3:*" && string(c) == `{"Bool":{"aws:SecureTransport":"false"}}` {
						tlsOnly = true
					}
				}
			}
			if !tlsOnly {
				t.Error("no bucket policy denying requests without TLS")
			}

			var expire, abort bool
			for _, rule := range b["LifecycleConfiguration"].(map[string]interface{})["Rules"].([]interface{}) {
				rule := rule.(map[string]interface{})
				if rule["Status"] != "Enabled" {
					continue
				}
				if rule["Prefix"] == TransferPrefix && rule["ExpirationInDays"] == 1.0 {
					expire = true
				}
				if a, ok := rule["AbortIncompleteMultipartUpload"].(map[string]interface{}); ok && a["DaysAfterInitiation"] == 1.0 {
					abort = true
				}
			}
			if !expire {
				t.Errorf("lifecycle: no enabled rule expiring %s after 1 day", TransferPrefix)
			}
			if !abort {
				t.Error("lifecycle: no enabled rule aborting incomplete multipart uploads after 1 day")
			}
			if v, ok := b["VersioningConfiguration"].(map[string]interface{}); ok && v["Status"] == "Enabled" {
				t.Error("versioning on: expired exports would linger as noncurrent versions")
			}

			lc, _ := b["LoggingConfiguration"].(map[string]interface{})
			dest, _ := lc["DestinationBucketName"].(map[string]interface{})
			if got, want := dest["Ref"], logicalID(s, s.stack.AccessLogs); got != want {
				t.Errorf("access logs to %v, want the access-log bucket %v", got, want)
			}
			if got, want := lc["LogFilePrefix"], "transfers/"; got != want {
				t.Errorf("LogFilePrefix: got %v, want %v", got, want)
			}

			sse := b["BucketEncryption"].(map[string]interface{})["ServerSideEncryptionConfiguration"].([]interface{})[0].(map[string]interface{})
			def := sse["ServerSideEncryptionByDefault"].(map[string]interface{})
			if p == ProfileHardened {
				key, _ := json.Marshal(def["KMSMasterKeyID"])
				if def["SSEAlgorithm"] != "aws:kms" || !strings.Contains(string(key), logicalID(s, s.stack.keys.storage)) {
					t.Errorf("encryption: got %v with key %s, want aws:kms with the storage key", def["SSEAlgorithm"], key)
				}
			} else if def["SSEAlgorithm"] != "AES256" {
				t.Errorf("encryption: got %v, want AES256 (SSE-S3: no key to pay for)", def["SSEAlgorithm"])
			}

			if r["DeletionPolicy"] != "Retain" {
				t.Errorf("DeletionPolicy: got %v, want Retain like the stack's other buckets", r["DeletionPolicy"])
			}
			if n := len(resources(tpl, "Custom::S3AutoDeleteObjects")); n != 0 {
				t.Errorf("auto-delete custom resources: got %d, want 0", n)
			}
			out, _ := tpl["Outputs"].(map[string]interface{})["TransferBucketName"].(map[string]interface{})
			if ref, _ := out["Value"].(map[string]interface{}); ref["Ref"] != id {
				t.Errorf("output TransferBucketName: got %v, want a Ref to %s", out["Value"], id)
			}
		})
	}
}

func keysOf(m map[string]interface{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestCloudFront(t *testing.T) {
	const (
		cachingDisabled         = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
		allViewerExceptHostHdr  = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
		hstsTwoYearsSeconds     = 63072000.0
		wantOriginAccessControl = 2
	)
	for _, p := range bothProfiles {
		t.Run(p, func(t *testing.T) {
			tpl := synth(t, profileCtx(p)).template
			if got := len(resources(tpl, "AWS::CloudFront::OriginAccessControl")); got != wantOriginAccessControl {
				t.Errorf("origin access controls: got %d, want %d (S3 and the function URL)", got, wantOriginAccessControl)
			}
			cfg := only(t, tpl, "AWS::CloudFront::Distribution")["DistributionConfig"].(map[string]interface{})
			origins := cfg["Origins"].([]interface{})
			if len(origins) != 2 {
				t.Fatalf("origins: got %d, want 2", len(origins))
			}
			var apiOriginID string
			for _, o := range origins {
				o := o.(map[string]interface{})
				if _, ok := o["OriginAccessControlId"].(map[string]interface{}); !ok {
					t.Errorf("origin %v: no origin access control", o["Id"])
				}
				if _, isS3 := o["S3OriginConfig"]; isS3 {
					continue
				}
				apiOriginID = o["Id"].(string)
				hdrs, _ := o["OriginCustomHeaders"].([]interface{})
				if len(hdrs) != 1 {
					t.Fatalf("API origin custom headers: got %v, want X-Origin-Verify only", hdrs)
				}
				h := hdrs[0].(map[string]interface{})
				if got, want := h["HeaderName"], "X-Origin-Verify"; got != want {
					t.Errorf("API origin header: got %v, want %v", got, want)
				}
				if _, ok := h["HeaderValue"].(map[string]interface{}); !ok {
					t.Errorf("X-Origin-Verify value: got %#v, want a GetAtt of the generated secret, never a literal", h["HeaderValue"])
				}
			}
			var api map[string]interface{}
			for _, b := range cfg["CacheBehaviors"].([]interface{}) {
				if b := b.(map[string]interface{}); b["PathPattern"] == "/api/*" {
					api = b
				}
			}
			if api == nil {
				t.Fatal("no /api/* cache behavior")
			}
			if got := api["TargetOriginId"]; got != apiOriginID {
				t.Errorf("/api/* origin: got %v, want the function URL origin %v", got, apiOriginID)
			}
			if got, want := api["CachePolicyId"], cachingDisabled; got != want {
				t.Errorf("/api/* cache policy: got %v, want CachingDisabled %v", got, want)
			}
			if got, want := api["OriginRequestPolicyId"], allViewerExceptHostHdr; got != want {
				t.Errorf("/api/* origin request policy: got %v, want AllViewerExceptHostHeader %v", got, want)
			}
			if got, want := len(api["AllowedMethods"].([]interface{})), 7; got != want {
				t.Errorf("/api/* allowed methods: got %d, want %d (all)", got, want)
			}
			def := cfg["DefaultCacheBehavior"].(map[string]interface{})
			if def["TargetOriginId"] == apiOriginID {
				t.Error("default behavior goes to the API origin, want S3")
			}
			for name, b := range map[string]map[string]interface{}{"default": def, "/api/*": api} {
				if _, ok := b["ResponseHeadersPolicyId"].(map[string]interface{}); !ok {
					t.Errorf("%s behavior: no response headers policy", name)
				}
			}

			sh := only(t, tpl, "AWS::CloudFront::ResponseHeadersPolicy")["ResponseHeadersPolicyConfig"].(map[string]interface{})["SecurityHeadersConfig"].(map[string]interface{})
			hsts := sh["StrictTransportSecurity"].(map[string]interface{})
			if got := hsts["AccessControlMaxAgeSec"]; got != hstsTwoYearsSeconds {
				t.Errorf("HSTS max-age: got %v, want %v", got, hstsTwoYearsSeconds)
			}
			if got := hsts["IncludeSubdomains"]; got != true {
				t.Errorf("HSTS includeSubDomains: got %v, want true", got)
			}
			csp := sh["ContentSecurityPolicy"].(map[string]interface{})["ContentSecurityPolicy"]
			if got, want := csp, "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"; got != want {
				t.Errorf("CSP:\n got %v\nwant %v", got, want)
			}
			if _, ok := sh["ContentTypeOptions"].(map[string]interface{}); !ok {
				t.Error("nosniff: no ContentTypeOptions")
			}
			if got, want := sh["FrameOptions"].(map[string]interface{})["FrameOption"], "DENY"; got != want {
				t.Errorf("FrameOption: got %v, want %v", got, want)
			}
			if got, want := sh["ReferrerPolicy"].(map[string]interface{})["ReferrerPolicy"], "no-referrer"; got != want {
				t.Errorf("ReferrerPolicy: got %v, want %v", got, want)
			}
		})
	}
}

func TestCustomDomain(t *testing.T) {
	tpl := synth(t, nagConfigs[3].ctx).template
	cfg := only(t, tpl, "AWS::CloudFront::Distribution")["DistributionConfig"].(map[string]interface{})
	if got, want := cfg["Aliases"], []interface{}{"bp.example.org"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Aliases: got %v, want %v", got, want)
	}
	vc := cfg["ViewerCertificate"].(map[string]interface{})
	if got, want := vc["MinimumProtocolVersion"], "TLSv1.2_2021"; got != want {
		t.Errorf("MinimumProtocolVersion: got %v, want %v", got, want)
	}
	sub := only(t, tpl, "AWS::SNS::Subscription")
	if got, want := sub["Protocol"], "email"; got != want {
		t.Errorf("alarm subscription protocol: got %v, want %v", got, want)
	}
}

// policyDocs returns every policy document in the template by a label:
// IAM policies, managed policies, inline role policies, key, bucket and
// topic policies.
func policyDocs(tpl map[string]interface{}) map[string]map[string]interface{} {
	out := map[string]map[string]interface{}{}
	for id, r := range tpl["Resources"].(map[string]interface{}) {
		r := r.(map[string]interface{})
		p := props(r)
		switch r["Type"] {
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::S3::BucketPolicy", "AWS::SNS::TopicPolicy":
			out[id] = p["PolicyDocument"].(map[string]interface{})
		case "AWS::KMS::Key":
			out[id] = p["KeyPolicy"].(map[string]interface{})
		}
		if rp, ok := p["Policies"].([]interface{}); ok {
			for _, x := range rp {
				out[id+"/inline"] = x.(map[string]interface{})["PolicyDocument"].(map[string]interface{})
			}
		}
	}
	return out
}

// isAccountRoot reports whether a policy principal is this account's root.
func isAccountRoot(p interface{}) bool {
	b, _ := json.Marshal(p)
	return strings.Contains(string(b), `":root"`) && strings.Contains(string(b), "AWS::AccountId")
}

func actions(st map[string]interface{}) []string {
	switch a := st["Action"].(type) {
	case string:
		return []string{a}
	case []interface{}:
		out := make([]string, 0, len(a))
		for _, x := range a {
			out = append(out, x.(string))
		}
		return out
	}
	return nil
}

func TestNoScanNoWildcardActions(t *testing.T) {
	for _, tc := range nagConfigs {
		t.Run(tc.name, func(t *testing.T) {
			docs := policyDocs(synth(t, tc.ctx).template)
			if len(docs) < 5 {
				t.Fatalf("policy documents: got %d, want several", len(docs))
			}
			for id, d := range docs {
				for _, st := range d["Statement"].([]interface{}) {
					st := st.(map[string]interface{})
					for _, a := range actions(st) {
						if strings.Contains(strings.ToLower(a), "dynamodb:scan") {
							t.Errorf("%s: action %q", id, a)
						}
						// Deny statements may be broad (the TLS-only bucket
						// policies deny s3:* without TLS), and a key policy's
						// administration statement grants kms:* to the
						// account root so the key stays manageable; no other
						// Allow may use a service-wide or global wildcard.
						if st["Effect"] == "Deny" || (a == "kms:*" && isAccountRoot(st["Principal"])) {
							continue
						}
						if a == "*" || strings.HasSuffix(a, ":*") {
							t.Errorf("%s: action %q", id, a)
						}
					}
				}
			}
		})
	}
}

// TestFunctionPolicyLeastPrivilege: the function's one managed policy holds
// exactly the expected actions, none with a wildcard, on named resources.
func TestFunctionPolicyLeastPrivilege(t *testing.T) {
	common := append(append([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, FunctionDynamoDBActions...), FunctionCognitoActions...)
	want := map[string][]string{
		ProfileFree:     append(slices.Clone(common), "ssm:GetParameter", "s3:PutObject", "s3:GetObject"),
		ProfileHardened: append(slices.Clone(common), "kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "s3:PutObject", "s3:GetObject"),
	}
	for _, p := range bothProfiles {
		t.Run(p, func(t *testing.T) {
			s := synth(t, profileCtx(p))
			tpl := s.template
			role := ""
			for id, r := range resources(tpl, "AWS::IAM::Role") {
				doc, _ := json.Marshal(props(r)["AssumeRolePolicyDocument"])
				if strings.Contains(string(doc), "lambda.amazonaws.com") && props(r)["ManagedPolicyArns"] != nil {
					if b, _ := json.Marshal(props(r)["ManagedPolicyArns"]); strings.Contains(string(b), "FunctionPolicy") {
						role = id
						if _, inline := props(r)["Policies"]; inline {
							t.Errorf("function role %s has inline policies", id)
						}
					}
				}
			}
			if role == "" {
				t.Fatal("no function role with the FunctionPolicy managed policy")
			}
			if got := resources(tpl, "AWS::IAM::Policy"); len(got) > 0 {
				for id, r := range got {
					b, _ := json.Marshal(props(r)["Roles"])
					if strings.Contains(string(b), role) {
						t.Errorf("inline policy %s attached to the function role", id)
					}
				}
			}
			mp := only(t, tpl, "AWS::IAM::ManagedPolicy")
			var got []string
			for _, st := range mp["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{}) {
				st := st.(map[string]interface{})
				for _, a := range actions(st) {
					if strings.Contains(a, "*") {
						t.Errorf("function action %q has a wildcard", a)
					}
					got = append(got, a)
				}
				res, _ := json.Marshal(st["Resource"])
				if string(res) == `"*"` || strings.Contains(string(res), `"*"`) {
					t.Errorf("statement %v: resource %s", st["Sid"], res)
				}
				checkS3Scope(t, s, st)
				checkStorageKeyViaS3(t, s, st)
			}
			slices.Sort(got)
			got = slices.Compact(got)
			w := slices.Clone(want[p])
			slices.Sort(w)
			w = slices.Compact(w)
			if !slices.Equal(got, w) {
				t.Errorf("function actions:\n got %v\nwant %v", got, w)
			}
		})
	}
}

// checkS3Scope: the function's S3 actions reach objects under one prefix of
// one bucket each: get and put under exports/ in the transfer bucket, and
// (hardened) put only under audit/ in the audit export bucket.
func checkS3Scope(t *testing.T, s *synthed, st map[string]interface{}) {
	t.Helper()
	var s3 []string
	for _, a := range actions(st) {
		if strings.HasPrefix(a, "s3:") {
			s3 = append(s3, a)
		}
	}
	if len(s3) == 0 {
		return
	}
	slices.Sort(s3)
	scopes := map[string]struct {
		bucket, suffix string
		actions        []string
	}{
		"transfer": {logicalID(s, s.stack.TransferBucket), "/" + TransferPrefix + "*", []string{"s3:GetObject", "s3:PutObject"}},
	}
	if s.stack.ExportBucket != nil {
		scopes["audit export"] = struct {
			bucket, suffix string
			actions        []string
		}{logicalID(s, s.stack.ExportBucket), "/audit/*", []string{"s3:PutObject"}}
	}
	res, _ := json.Marshal(st["Resource"])
	for name, sc := range scopes {
		want, _ := json.Marshal(map[string]interface{}{"Fn::Join": []interface{}{"", []interface{}{
			map[string]interface{}{"Fn::GetAtt": []string{sc.bucket, "Arn"}}, sc.suffix}}})
		if string(res) == string(want) {
			if !slices.Equal(s3, sc.actions) {
				t.Errorf("statement %v on the %s bucket: actions %v, want %v", st["Sid"], name, s3, sc.actions)
			}
			return
		}
	}
	t.Errorf("statement %v: S3 actions %v on %s, want objects under one known prefix", st["Sid"], s3, res)
}

// checkStorageKeyViaS3: the function may use the storage key only through
// S3 (to put and get the objects it encrypts).
func checkStorageKeyViaS3(t *testing.T, s *synthed, st map[string]interface{}) {
	t.Helper()
	if s.stack.keys.storage == nil {
		return
	}
	res, _ := json.Marshal(st["Resource"])
	if !strings.Contains(string(res), logicalID(s, s.stack.keys.storage)) {
		return
	}
	a := actions(st)
	slices.Sort(a)
	if want := []string{"kms:Decrypt", "kms:GenerateDataKey"}; !slices.Equal(a, want) {
		t.Errorf("storage key statement %v: actions %v, want %v", st["Sid"], a, want)
	}
	c, _ := json.Marshal(st["Condition"])
	if !strings.Contains(string(c), `"kms:ViaService"`) || !strings.Contains(string(c), `"s3."`) {
		t.Errorf("storage key statement %v: condition %s, want kms:ViaService s3.<region>.amazonaws.com", st["Sid"], c)
	}
}

func TestLogRetention(t *testing.T) {
	for _, tc := range nagConfigs {
		t.Run(tc.name, func(t *testing.T) {
			groups := resources(synth(t, tc.ctx).template, "AWS::Logs::LogGroup")
			if len(groups) < 3 {
				t.Fatalf("log groups: got %d, want at least 3 (app, trail, web deploy)", len(groups))
			}
			for id, g := range groups {
				if d, _ := props(g)["RetentionInDays"].(float64); d < 30 {
					t.Errorf("%s: RetentionInDays %v, want set and at least 30", id, props(g)["RetentionInDays"])
				}
			}
		})
	}
}

func TestTable(t *testing.T) {
	for _, p := range bothProfiles {
		t.Run(p, func(t *testing.T) {
			tpl := synth(t, profileCtx(p)).template
			tbl := only(t, tpl, "AWS::DynamoDB::Table")
			ks, _ := json.Marshal(tbl["KeySchema"])
			want, _ := json.Marshal([]map[string]string{
				{"AttributeName": schema.Main.PartitionKey, "KeyType": "HASH"},
				{"AttributeName": schema.Main.SortKey, "KeyType": "RANGE"},
			})
			if string(ks) != string(want) {
				t.Errorf("KeySchema: got %s, want %s", ks, want)
			}
			if got, want := len(tbl["GlobalSecondaryIndexes"].([]interface{})), len(schema.Main.Indexes); got != want {
				t.Errorf("indexes: got %d, want %d", got, want)
			}
			ttl := tbl["TimeToLiveSpecification"].(map[string]interface{})
			if ttl["AttributeName"] != schema.Main.TTLAttribute || ttl["Enabled"] != true {
				t.Errorf("TTL: got %v, want %s enabled", ttl, schema.Main.TTLAttribute)
			}
			if tbl["DeletionProtectionEnabled"] != true {
				t.Error("deletion protection is off")
			}
			pitr := tbl["PointInTimeRecoverySpecification"].(map[string]interface{})
			if pitr["PointInTimeRecoveryEnabled"] != true {
				t.Error("point-in-time recovery is off")
			}
			sel := only(t, tpl, "AWS::Backup::BackupSelection")
			b, _ := json.Marshal(sel)
			if !strings.Contains(string(b), "Table") {
				t.Errorf("backup selection does not name the table: %s", b)
			}
			rules := only(t, tpl, "AWS::Backup::BackupPlan")["BackupPlan"].(map[string]interface{})["BackupPlanRule"].([]interface{})
			if len(rules) != 1 || !strings.HasPrefix(rules[0].(map[string]interface{})["ScheduleExpression"].(string), "cron(0 5 ") {
				t.Errorf("backup rules: got %v, want one daily rule", rules)
			}
		})
	}
}

func TestTrail(t *testing.T) {
	for _, p := range bothProfiles {
		t.Run(p, func(t *testing.T) {
			tpl := synth(t, profileCtx(p)).template
			trail := only(t, tpl, "AWS::CloudTrail::Trail")
			if trail["IsMultiRegionTrail"] != true || trail["EnableLogFileValidation"] != true {
				t.Errorf("trail: multi-region %v, validation %v; want both true", trail["IsMultiRegionTrail"], trail["EnableLogFileValidation"])
			}
			bucketRef := trail["S3BucketName"].(map[string]interface{})["Ref"].(string)
			bucket := props(resources(tpl, "AWS::S3::Bucket")[bucketRef])
			for _, r := range bucket["LifecycleConfiguration"].(map[string]interface{})["Rules"].([]interface{}) {
				r := r.(map[string]interface{})
				if d, ok := r["ExpirationInDays"].(float64); ok && d < SixYearsDays {
					t.Errorf("trail bucket expires after %v days, want at least %d", d, SixYearsDays)
				}
			}
			sel, hasAdvanced := trail["AdvancedEventSelectors"]
			if p == ProfileHardened {
				b, _ := json.Marshal(sel)
				if !strings.Contains(string(b), "AWS::DynamoDB::Table") || !strings.Contains(string(b), "Management") {
					t.Errorf("hardened trail selectors: got %s, want management events and the table's data events", b)
				}
				if _, basic := trail["EventSelectors"]; basic {
					t.Error("hardened trail has both basic and advanced event selectors")
				}
			} else if hasAdvanced {
				t.Error("free trail has data events (billed per event)")
			}
		})
	}
}

// TestFreeProfileCosts: the free profile's capacity stays inside the
// always-free 25 RCU / 25 WCU and it holds none of the paid resources.
func TestFreeProfileCosts(t *testing.T) {
	tpl := synth(t, profileCtx(ProfileFree)).template
	tbl := only(t, tpl, "AWS::DynamoDB::Table")
	if got := tbl["BillingMode"]; got != nil && got != "PROVISIONED" {
		t.Errorf("BillingMode: got %v, want PROVISIONED (the default)", got)
	}
	idx := map[string]float64{}
	for _, g := range tbl["GlobalSecondaryIndexes"].([]interface{}) {
		pt := g.(map[string]interface{})["ProvisionedThroughput"].(map[string]interface{})
		idx["ReadCapacityUnits"] += pt["ReadCapacityUnits"].(float64)
		idx["WriteCapacityUnits"] += pt["WriteCapacityUnits"].(float64)
	}
	maxes := map[string]float64{}
	for _, r := range resources(tpl, "AWS::ApplicationAutoScaling::ScalableTarget") {
		p := props(r)
		if p["ServiceNamespace"] != "dynamodb" {
			continue
		}
		dim := p["ScalableDimension"].(string)
		if strings.HasPrefix(dim, "dynamodb:index:") {
			t.Errorf("index scaling %s: indexes have fixed capacity in the free profile", dim)
		}
		maxes[dim] = p["MaxCapacity"].(float64)
	}
	for dim, unit := range map[string]string{
		"dynamodb:table:ReadCapacityUnits":  "ReadCapacityUnits",
		"dynamodb:table:WriteCapacityUnits": "WriteCapacityUnits",
	} {
		m, ok := maxes[dim]
		if !ok {
			t.Errorf("no auto scaling for %s", dim)
			continue
		}
		if total := m + idx[unit]; total > FreeTierCapacity {
			t.Errorf("%s: table max %v + indexes %v = %v, want at most %d", unit, m, idx[unit], total, FreeTierCapacity)
		}
		if initial := tbl["ProvisionedThroughput"].(map[string]interface{})[unit].(float64); initial > m {
			t.Errorf("%s: initial %v above the scaling max %v", unit, initial, m)
		}
	}
	for _, typ := range []string{
		"AWS::KMS::Key", "AWS::WAFv2::WebACL", "AWS::EC2::NatGateway", "AWS::EC2::VPC", "AWS::EC2::VPCEndpoint",
		"AWS::SecretsManager::Secret", "AWS::CloudTrail::EventDataStore", "AWS::S3::StorageLens",
	} {
		if n := len(resources(tpl, typ)); n > 0 {
			t.Errorf("%s: got %d, want none in the free profile", typ, n)
		}
	}
	// Ten alarm metrics are free per account: ours plus the two each
	// target-tracking policy creates.
	metrics := 0
	for _, r := range resources(tpl, "AWS::CloudWatch::Alarm") {
		if m, ok := props(r)["Metrics"].([]interface{}); ok {
			for _, q := range m {
				if _, stat := q.(map[string]interface{})["MetricStat"]; stat {
					metrics++
				}
			}
		} else {
			metrics++
		}
	}
	scaling := 2 * len(resources(tpl, "AWS::ApplicationAutoScaling::ScalingPolicy"))
	if total := metrics + scaling; total > 10 {
		t.Errorf("alarm metrics: %d ours + %d from auto scaling = %d, want at most the 10 free", metrics, scaling, total)
	}
	// SSE-S3 on every bucket: no KMS key, no KMS requests per object. The
	// transfer bucket's exports are a few MB for a day or two: a fraction
	// of a cent, left out of the cost model (docs/cost.md).
	for id, r := range resources(tpl, "AWS::S3::Bucket") {
		b, _ := json.Marshal(props(r)["BucketEncryption"])
		if !strings.Contains(string(b), `"SSEAlgorithm":"AES256"`) {
			t.Errorf("%s: encryption %s, want SSE-S3 (AES256) in the free profile", id, b)
		}
	}
	if n := len(resources(tpl, "AWS::SSM::Parameter")); n > 0 {
		t.Errorf("AWS::SSM::Parameter: got %d: the key-encryption key must come from the custom resource, never the template", n)
	}
}

func TestHardenedProfile(t *testing.T) {
	tpl := synth(t, profileCtx(ProfileHardened)).template
	keys := resources(tpl, "AWS::KMS::Key")
	if got, want := len(keys), 4; got != want {
		t.Errorf("KMS keys: got %d, want %d (data, table, logs, storage)", got, want)
	}
	for id, k := range keys {
		if props(k)["EnableKeyRotation"] != true {
			t.Errorf("%s: key rotation off", id)
		}
	}
	tbl := only(t, tpl, "AWS::DynamoDB::Table")
	if got, want := tbl["BillingMode"], "PAY_PER_REQUEST"; got != want {
		t.Errorf("BillingMode: got %v, want %v", got, want)
	}
	if sse := tbl["SSESpecification"].(map[string]interface{}); sse["SSEType"] != "KMS" {
		t.Errorf("table SSE: got %v, want KMS with the table key", sse)
	}
	acl := only(t, tpl, "AWS::WAFv2::WebACL")
	if got, want := acl["Scope"], "CLOUDFRONT"; got != want {
		t.Errorf("web ACL scope: got %v, want %v", got, want)
	}
	b, _ := json.Marshal(acl["Rules"])
	for _, want := range []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList", `"SearchString":"/api/v1/session"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("web ACL rules: missing %s", want)
		}
	}
	if n := len(resources(tpl, "AWS::WAFv2::LoggingConfiguration")); n != 1 {
		t.Errorf("web ACL logging configurations: got %d, want 1", n)
	}
	if _, ok := only(t, tpl, "AWS::CloudFront::Distribution")["DistributionConfig"].(map[string]interface{})["WebACLId"]; !ok {
		t.Error("distribution has no web ACL")
	}
	locked := 0
	for id, r := range resources(tpl, "AWS::S3::Bucket") {
		p := props(r)
		if p["ObjectLockEnabled"] == true {
			locked++
			rule := p["ObjectLockConfiguration"].(map[string]interface{})["Rule"].(map[string]interface{})["DefaultRetention"].(map[string]interface{})
			if rule["Mode"] != "COMPLIANCE" || rule["Days"].(float64) < SixYearsDays {
				t.Errorf("%s: object lock %v, want COMPLIANCE for at least %d days", id, rule, SixYearsDays)
			}
		}
	}
	if locked != 1 {
		t.Errorf("Object Lock buckets: got %d, want 1", locked)
	}
	if n := len(resources(tpl, "AWS::EC2::VPC")); n != 0 {
		t.Errorf("VPC without -c vpc=true: got %d, want 0", n)
	}
	if n := len(resources(tpl, "AWS::EC2::NatGateway")); n != 0 {
		t.Errorf("NAT gateways: got %d, want 0", n)
	}
	if _, ok := tpl["Rules"].(map[string]interface{})["WebAclRegion"]; !ok {
		t.Error("no rule holding the web ACL to us-east-1")
	}
}

func TestHardenedVPC(t *testing.T) {
	tpl := synth(t, nagConfigs[2].ctx).template
	if n := len(resources(tpl, "AWS::EC2::NatGateway")); n != 0 {
		t.Errorf("NAT gateways: got %d, want 0", n)
	}
	var iface, gateway int
	for _, r := range resources(tpl, "AWS::EC2::VPCEndpoint") {
		if props(r)["VpcEndpointType"] == "Interface" {
			iface++
		} else {
			gateway++
		}
	}
	if iface != 2 || gateway != 2 {
		t.Errorf("endpoints: got %d interface and %d gateway, want 2 and 2 (KMS, Cognito; DynamoDB, S3)", iface, gateway)
	}
	if _, ok := appFunction(t, tpl)["VpcConfig"]; !ok {
		t.Error("function is not in the VPC")
	}
}

func TestWebACLElsewhere(t *testing.T) {
	arn := "arn:aws:wafv2:us-east-1:111122223333:global/webacl/bpt/abc"
	tpl := synth(t, map[string]string{CtxProfile: ProfileHardened, CtxWebACLARN: arn}).template
	if n := len(resources(tpl, "AWS::WAFv2::WebACL")); n != 0 {
		t.Errorf("web ACLs with webAclArn given: got %d, want 0", n)
	}
	if got := only(t, tpl, "AWS::CloudFront::Distribution")["DistributionConfig"].(map[string]interface{})["WebACLId"]; got != arn {
		t.Errorf("WebACLId: got %v, want %v", got, arn)
	}
}

func TestSecretsNeverInTemplate(t *testing.T) {
	for _, p := range bothProfiles {
		t.Run(p, func(t *testing.T) {
			tpl := synth(t, profileCtx(p)).template
			secrets := resources(tpl, ResourceTypeSecret)
			kinds := map[string]int{}
			for _, r := range secrets {
				pr := props(r)
				kinds[pr["Kind"].(string)]++
				for _, k := range []string{"Value", "SecretString", "SecureString"} {
					if _, ok := pr[k]; ok {
						t.Errorf("secret custom resource carries %s in the template", k)
					}
				}
			}
			wantRandom := 2 // origin secret + KEK
			if p == ProfileHardened {
				wantRandom = 1 // origin secret; the KEK is a KMS key
			}
			if kinds["RandomSecureParameter"] != wantRandom || kinds["UserPoolClientSecret"] != 1 {
				t.Errorf("secret resources: got %v, want %d random and 1 client secret", kinds, wantRandom)
			}
			for id, r := range secrets {
				if props(r)["Name"] == "/bptracker/BpTracker-free/kek" && r["DeletionPolicy"] != "Retain" {
					t.Errorf("%s: the key-encryption key must be retained when the stack is deleted", id)
				}
			}
		})
	}
}
