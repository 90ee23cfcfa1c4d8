package cost

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func near(tb testing.TB, name string, got, want float64) {
	tb.Helper()
	if math.Abs(got-want) > 1e-6*math.Max(1, math.Abs(want)) {
		tb.Errorf("%s: got %.6f, want %.6f", name, got, want)
	}
}

func line(tb testing.TB, r Report, service, itemPrefix string) Line {
	tb.Helper()
	for _, l := range r.Lines {
		if l.Service == service && strings.HasPrefix(l.Item, itemPrefix) {
			return l
		}
	}
	tb.Fatalf("no line %s / %s", service, itemPrefix)
	return Line{}
}

// The figures below are worked by hand from the defaults:
// per user per day 10 readings, 10 history views, 5 sign-ins of 3 requests
// → 35 API requests; 100 users × 30 days = 3,000 user-days.
//
//	requests   35 × 3,000                          = 105,000
//	GB-s       105,000 × 0.030 s × 0.25 GB         = 787.5
//	WCU        (10×3 + 10×1 + 5×14) × 3,000        = 330,000
//	RCU        (10×1 + 10×7.5 + 5×9 + 20×1) × 3,000  = 450,000
//	storage    100 × 12 × 30 × (10×600 + 15×300) B = 0.378 GB
func TestEstimateHundredUsers(t *testing.T) {
	t.Run("free", func(t *testing.T) {
		r := Estimate(Input{Users: 100, ReadingsPerDay: 10, Profile: ProfileFree})
		near(t, "requests", r.Requests, 105000)
		near(t, "GB-s", line(t, r, "Lambda", "compute").Quantity, 787.5)
		near(t, "Lambda", r.ServiceTotal("Lambda"), 0)
		near(t, "storage GB", line(t, r, "DynamoDB", "storage").Quantity, 0.378)
		near(t, "PITR", line(t, r, "DynamoDB", "point-in-time").USD, 0.378*0.20)
		near(t, "backup", r.ServiceTotal("AWS Backup"), 7*0.378*0.10)
		near(t, "provisioned WCU", line(t, r, "DynamoDB", "provisioned write").USD, 0)
		near(t, "Cognito", r.ServiceTotal("Cognito"), 0)
		near(t, "CloudFront", r.ServiceTotal("CloudFront"), 0)
		// Everything else is inside the always-free tiers; the trail and
		// web app cost a fraction of a cent in S3.
		s3 := r.ServiceTotal("S3")
		near(t, "total", r.Total, 0.378*0.20+7*0.378*0.10+s3)
		if r.Total > 0.50 {
			t.Errorf("free profile at 100 × 10: got $%.2f, want cents", r.Total)
		}
	})
	t.Run("hardened", func(t *testing.T) {
		r := Estimate(Input{Users: 100, ReadingsPerDay: 10, Profile: ProfileHardened})
		near(t, "on-demand writes", line(t, r, "DynamoDB", "on-demand writes").USD, 0.330*0.625)
		near(t, "on-demand reads", line(t, r, "DynamoDB", "on-demand reads").USD, 0.450*0.125)
		near(t, "KMS keys", line(t, r, "KMS", "customer managed").USD, 4)
		// 105,000 × 0.2 KMS calls = 21,000, 1,000 above the free 20,000.
		near(t, "KMS requests", line(t, r, "KMS", "requests").USD, 0.1*0.03)
		near(t, "WAF", r.ServiceTotal("WAF"), 9+0.165*0.60)
		// 105,000 requests × 4 DynamoDB calls = 420,000 data events.
		near(t, "CloudTrail", r.ServiceTotal("CloudTrail"), 4.2*0.10)
		// Trail events 20,000 + 21,000 + 420,000 = 461,000 × 1,500 B ×
		// 0.15 (gzip) = 0.103725 GB a month, × 12 months + 0.01 GB web.
		near(t, "S3", r.ServiceTotal("S3"), (0.103725*12+0.01)*0.023)
		want := 0.330*0.625 + 0.450*0.125 + 0.378*0.20 + 7*0.378*0.10 + 4 + 0.003 + 9 + 0.099 + 0.42 + (0.103725*12+0.01)*0.023
		near(t, "total", r.Total, want)
	})
}

func TestEstimateHundredThousandUsers(t *testing.T) {
	r := Estimate(Input{Users: 100000, ReadingsPerDay: 10, Profile: ProfileFree})
	// 100,000 MAU − 10,000 free = 90,000 × $0.015.
	near(t, "Cognito", r.ServiceTotal("Cognito"), 1350)
	// 105M requests − 1M free = 104M × $0.20.
	near(t, "Lambda requests", line(t, r, "Lambda", "requests").USD, 104*0.20)
	// 787,500 GB-s − 400,000 free.
	near(t, "Lambda compute", line(t, r, "Lambda", "compute").USD, 387500*0.0000133334)
	if !strings.Contains(strings.Join(r.Notes, "\n"), "above the free profile's cap") {
		t.Errorf("notes: got %q, want the free profile's capacity warning", r.Notes)
	}
}

func TestFreeProfileStaysUnderCapWhenSmall(t *testing.T) {
	r := Estimate(Input{Users: 100, ReadingsPerDay: 10, Profile: ProfileFree})
	for _, n := range r.Notes {
		if strings.Contains(n, "cap") {
			t.Errorf("100 users: unexpected capacity note %q", n)
		}
	}
}

func TestFirstYearS3(t *testing.T) {
	in := Input{Users: 100, ReadingsPerDay: 10, Profile: ProfileFree}
	after := Estimate(in)
	in.FirstYear = true
	first := Estimate(in)
	if got := first.ServiceTotal("S3"); got != 0 {
		t.Errorf("S3 in the first year: got %v, want 0", got)
	}
	if after.ServiceTotal("S3") <= 0 {
		t.Error("S3 after the first year: got 0, want a few cents")
	}
}

func TestVPCOption(t *testing.T) {
	r := Estimate(Input{Users: 1, ReadingsPerDay: 1, Profile: ProfileHardened, VPC: true})
	near(t, "VPC", r.ServiceTotal("VPC"), 4*730*0.01)
}

func TestBreakpoints(t *testing.T) {
	b := Breakpoints(Input{ReadingsPerDay: 10, Profile: ProfileFree}, 1000000, 0.01)
	if got, want := b["Cognito"], 10001; got != want {
		t.Errorf("Cognito starts to cost at: got %d users, want %d", got, want)
	}
	if _, ok := b["KMS"]; ok {
		t.Error("free profile: KMS should never cost")
	}
	h := Breakpoints(Input{ReadingsPerDay: 10, Profile: ProfileHardened}, 1000, 0.01)
	if got := h["WAF"]; got != 0 {
		t.Errorf("hardened WAF starts to cost at: got %d users, want 0 (a fixed fee)", got)
	}
}

func TestInvalidInput(t *testing.T) {
	for _, in := range []Input{
		{Users: 1, ReadingsPerDay: 1, Profile: "cheap"},
		{Users: -1, ReadingsPerDay: 1, Profile: ProfileFree},
		{Users: 1, ReadingsPerDay: 1, Profile: ProfileFree, VPC: true},
	} {
		r := Estimate(in)
		if len(r.Lines) != 0 || len(r.Notes) != 1 {
			t.Errorf("%+v: got %d lines and notes %q, want no lines and one note", in, len(r.Lines), r.Notes)
		}
	}
}

func TestWrite(t *testing.T) {
	var buf bytes.Buffer
	r := Estimate(Input{Users: 100, ReadingsPerDay: 10, Profile: ProfileHardened})
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"profile hardened: 100 users × 10 readings a day", Prices.Date, "WAF", "total", "14.15", "API requests per month: 105,000."} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestNum(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{{0, "0"}, {0.0012, "0.0012"}, {0.378, "0.378"}, {10, "10"}, {787.5, "788"}, {105000, "105,000"}, {21020000, "21,020,000"}} {
		if got := num(tc.in); got != tc.want {
			t.Errorf("num(%v): got %q, want %q", tc.in, got, tc.want)
		}
	}
}
