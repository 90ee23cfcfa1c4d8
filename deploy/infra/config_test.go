package infra

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/bptracker/bptracker/cost"
	"github.com/bptracker/bptracker/dynamo/schema"
)

func TestConfigValidate(t *testing.T) {
	ok := DefaultConfig(ProfileFree)
	cases := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"OK", func(*Config) {}, ""},
		{"domain without certificate", func(c *Config) { c.DomainName = "bp.example.org" }, "go together"},
		{"certificate outside us-east-1", func(c *Config) {
			c.DomainName, c.CertificateARN = "bp.example.org", "arn:aws:acm:eu-west-1:111122223333:certificate/x"
		}, "us-east-1"},
		{"vpc on free", func(c *Config) { c.VPC = true }, "hardened"},
		{"web ACL on free", func(c *Config) { c.WebACLARN = "arn:x" }, "hardened"},
		{"empty zip path", func(c *Config) { c.LambdaZip = "" }, "must not be empty"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.mutate(&c)
			err := c.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestConfigFromContext(t *testing.T) {
	cases := []struct {
		ctx     map[string]interface{}
		wantErr string
		check   func(Config) bool
	}{
		{map[string]interface{}{}, "", func(c Config) bool { return c.Profile == ProfileFree && c.ReservedConcurrency == 5 }},
		{map[string]interface{}{"profile": "hardened", "vpc": "true", "reservedConcurrency": "3"}, "",
			func(c Config) bool { return c.Hardened() && c.VPC && c.ReservedConcurrency == 3 }},
		{map[string]interface{}{"profile": "cheap"}, "want free or hardened", nil},
		{map[string]interface{}{"selfSignUp": "maybe"}, "want true or false", nil},
		{map[string]interface{}{"reservedConcurrency": "0"}, "want an integer", nil},
	}
	for _, tc := range cases {
		ctx := tc.ctx
		app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: strPtr(t.TempDir())})
		c, err := ConfigFromContext(app)
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%v: got %v, want an error containing %q", tc.ctx, err, tc.wantErr)
		case tc.wantErr == "" && err != nil:
			t.Errorf("%v: got %v, want nil", tc.ctx, err)
		case tc.check != nil && !tc.check(c):
			t.Errorf("%v: got %+v", tc.ctx, c)
		}
	}
}

func TestCheckInputs(t *testing.T) {
	c := DefaultConfig(ProfileFree)
	c.LambdaZip, c.WebDist = fixtureZip, fixtureDist
	if err := c.CheckInputs(); err != nil {
		t.Fatalf("fixtures: got %v, want nil", err)
	}
	c.LambdaZip = filepath.Join(t.TempDir(), "missing.zip")
	if err := c.CheckInputs(); err == nil || !strings.Contains(err.Error(), "make lambda") {
		t.Errorf("missing zip: got %v, want a hint to run make lambda", err)
	}
	c.LambdaZip, c.WebDist = fixtureZip, t.TempDir()
	if err := c.CheckInputs(); err == nil || !strings.Contains(err.Error(), "index.html") {
		t.Errorf("empty web dir: got %v, want index.html missing", err)
	}
	if _, err := os.Stat(fixtureZip); err != nil {
		t.Fatal(err)
	}
}

func TestRetention(t *testing.T) {
	for _, tc := range []struct {
		days int
		want awslogs.RetentionDays
	}{
		{1, awslogs.RetentionDays_ONE_DAY}, {30, awslogs.RetentionDays_ONE_MONTH}, {31, awslogs.RetentionDays_TWO_MONTHS},
		{365, awslogs.RetentionDays_ONE_YEAR}, {2192, awslogs.RetentionDays_SIX_YEARS}, {9999, awslogs.RetentionDays_TEN_YEARS},
	} {
		if got := retention(tc.days); got != tc.want {
			t.Errorf("retention(%d): got %v, want %v", tc.days, got, tc.want)
		}
	}
}

func TestPlanFreeCapacity(t *testing.T) {
	for _, tc := range []struct {
		name    string
		table   schema.Table
		initial int
	}{
		{"main", schema.Main, schema.Main.ReadCapacity},
		{"no index", schema.Table{}, 10},
		{"two indexes, big initial", schema.Table{Indexes: make([]schema.Index, 2)}, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := PlanFreeCapacity(tc.table, tc.initial)
			if total := p.TableMax + p.Index*len(tc.table.Indexes); total > FreeTierCapacity {
				t.Errorf("max total: got %d, want at most %d", total, FreeTierCapacity)
			}
			if p.TableMin > p.TableInitial || p.TableInitial > p.TableMax {
				t.Errorf("got min %d, initial %d, max %d; want min ≤ initial ≤ max", p.TableMin, p.TableInitial, p.TableMax)
			}
		})
	}
}

// TestCostModelMatchesStack keeps cost/ (in the app module) in step with
// the stack's capacity plan and backup retention.
func TestCostModelMatchesStack(t *testing.T) {
	p := PlanFreeCapacity(schema.Main, schema.Main.ReadCapacity)
	if p.TableMax != cost.FreeTableMax || p.Index != cost.FreeIndexCapacity {
		t.Errorf("free capacity: stack table max %d index %d, cost model %d and %d", p.TableMax, p.Index, cost.FreeTableMax, cost.FreeIndexCapacity)
	}
	in := cost.Defaults(cost.Input{Users: 1, ReadingsPerDay: 1, Profile: cost.ProfileFree})
	if got, want := in.BackupRetentionDays, DefaultConfig(ProfileFree).BackupRetentionDays; got != want {
		t.Errorf("backup retention: cost model %d days, stack %d", got, want)
	}
}
