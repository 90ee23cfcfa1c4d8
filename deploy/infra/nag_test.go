package infra

import (
	"strings"
	"testing"
)

// The configurations the lead's `make test` proves clean: both profiles,
// and the hardened options that add resources.
var nagConfigs = []struct {
	name string
	ctx  map[string]string
}{
	{"free", profileCtx(ProfileFree)},
	{"hardened", profileCtx(ProfileHardened)},
	{"hardened-vpc", map[string]string{CtxProfile: ProfileHardened, CtxVPC: "true"}},
	{"free-domain-email", map[string]string{
		CtxProfile: ProfileFree, CtxDomainName: "bp.example.org",
		CtxCertificateARN: "arn:aws:acm:us-east-1:111122223333:certificate/abc", CtxAlarmEmail: "ops@example.org",
	}},
}

func TestHIPAAPackClean(t *testing.T) {
	for _, tc := range nagConfigs {
		t.Run(tc.name, func(t *testing.T) {
			s := synth(t, tc.ctx)
			if got := len(s.errors); got != 0 {
				t.Errorf("unsuppressed HIPAA findings: got %d, want 0:\n%s", got, strings.Join(s.errors, "\n"))
			}
		})
	}
}

// TestHIPAAPackSeesFindings guards the collector itself: a bare bucket must
// raise findings, or a silent pack would pass every stack.
func TestHIPAAPackSeesFindings(t *testing.T) {
	errs := nagNaiveStack(t)
	if len(errs) < 3 {
		t.Fatalf("findings on a bare bucket: got %d (%v), want at least 3", len(errs), errs)
	}
	joined := strings.Join(errs, "\n")
	for _, want := range []string{"S3BucketLoggingEnabled", "S3BucketVersioningEnabled"} {
		if !strings.Contains(joined, want) {
			t.Errorf("findings on a bare bucket: missing %s in\n%s", want, joined)
		}
	}
}

// TestSuppressionsCarryReasons: every suppression written into the
// template names a HIPAA rule and gives a reason a reviewer can judge.
func TestSuppressionsCarryReasons(t *testing.T) {
	for _, tc := range nagConfigs {
		t.Run(tc.name, func(t *testing.T) {
			s := synth(t, tc.ctx)
			n := 0
			for id, r := range s.template["Resources"].(map[string]interface{}) {
				md, _ := r.(map[string]interface{})["Metadata"].(map[string]interface{})
				nag, _ := md["cdk_nag"].(map[string]interface{})
				rules, _ := nag["rules_to_suppress"].([]interface{})
				for _, x := range rules {
					x := x.(map[string]interface{})
					rid, _ := x["id"].(string)
					reason, _ := x["reason"].(string)
					n++
					if !strings.HasPrefix(rid, "HIPAA.Security-") {
						t.Errorf("%s: suppression id %q is not a HIPAA rule", id, rid)
					}
					if len(reason) < 60 {
						t.Errorf("%s: %s: reason %q is too thin to judge", id, rid, reason)
					}
				}
			}
			if n == 0 {
				t.Error("no suppressions found in the template metadata: the check would pass vacuously")
			}
		})
	}
}

// TestFreeSuppressionsOnlyForFree: the hardened profile must not lean on
// the free profile's no-customer-key reasons.
func TestFreeSuppressionsOnlyForFree(t *testing.T) {
	s := synth(t, profileCtx(ProfileHardened))
	for id, r := range s.template["Resources"].(map[string]interface{}) {
		md, _ := r.(map[string]interface{})["Metadata"].(map[string]interface{})
		nag, _ := md["cdk_nag"].(map[string]interface{})
		rules, _ := nag["rules_to_suppress"].([]interface{})
		for _, x := range rules {
			reason, _ := x.(map[string]interface{})["reason"].(string)
			if strings.HasPrefix(reason, "Free profile") {
				t.Errorf("%s: hardened stack carries a free-profile suppression: %s", id, reason)
			}
		}
	}
}
