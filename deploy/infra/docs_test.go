package infra

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// docSection returns the lines of docs/deploy.md under a "### title" or
// "## title" heading, up to the next heading of any level.
func docSection(tb testing.TB, doc, title string) []string {
	tb.Helper()
	var out []string
	in := false
	for _, l := range strings.Split(doc, "\n") {
		if strings.HasPrefix(l, "#") {
			in = strings.TrimSpace(strings.TrimLeft(l, "#")) == title
			continue
		}
		if in {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		tb.Fatalf("docs/deploy.md: no section %q", title)
	}
	return out
}

var tableRow = regexp.MustCompile("^\\| `([A-Za-z_]+)` \\| ([^|]+) \\|")

// tableRows returns first-column names and second-column text of a
// markdown table whose first column is a code span.
func tableRows(lines []string) map[string]string {
	out := map[string]string{}
	for _, l := range lines {
		if m := tableRow.FindStringSubmatch(l); m != nil {
			out[m[1]] = strings.TrimSpace(m[2])
		}
	}
	return out
}

func profilesOf(tb testing.TB, name, col string) []string {
	tb.Helper()
	switch col {
	case "both":
		return bothProfiles
	case ProfileFree, ProfileHardened:
		return []string{col}
	}
	tb.Errorf("%s: profiles column %q, want both, free or hardened", name, col)
	return nil
}

// TestDeployDocMatchesTemplate holds docs/deploy.md to the templates: every
// output, context key and environment variable it names exists where it
// says, and every one the stacks have is documented.
func TestDeployDocMatchesTemplate(t *testing.T) {
	b, err := os.ReadFile("../../docs/deploy.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	tpls := map[string]map[string]interface{}{}
	for _, p := range bothProfiles {
		tpls[p] = synth(t, profileCtx(p)).template
	}
	outputs := func(p string) map[string]interface{} { return tpls[p]["Outputs"].(map[string]interface{}) }

	t.Run("outputs", func(t *testing.T) {
		rows := tableRows(docSection(t, doc, "Stack outputs"))
		if len(rows) < 10 {
			t.Fatalf("outputs table: got %d rows", len(rows))
		}
		for name, col := range rows {
			want := profilesOf(t, name, col)
			for _, p := range bothProfiles {
				_, has := outputs(p)[name]
				if has != slices.Contains(want, p) {
					t.Errorf("output %s: in the %s template %v, documented for %q", name, p, has, col)
				}
			}
		}
		for _, p := range bothProfiles {
			for name := range outputs(p) {
				if _, ok := rows[name]; !ok {
					t.Errorf("output %s of the %s template is not documented", name, p)
				}
			}
		}
		// Every `out NAME` and OutputKey=='NAME' used in a command.
		used := regexp.MustCompile(`\$\(out ([A-Za-z]+)\)|<its ([A-Za-z]+) output>`)
		for _, m := range used.FindAllStringSubmatch(doc, -1) {
			name := m[1] + m[2]
			if name == "WebAclArn" {
				continue // the edge stack's output, checked below
			}
			if _, ok := rows[name]; !ok {
				t.Errorf("command uses output %s, which the outputs table does not list", name)
			}
		}
	})

	t.Run("edge stack output", func(t *testing.T) {
		s := synth(t, profileCtx(ProfileHardened))
		edge := s.stack.Stack.Node().Scope().Node().TryFindChild(strPtr(EdgeStackName))
		if edge == nil {
			t.Fatalf("no %s stack in the hardened app", EdgeStackName)
		}
		if !strings.Contains(doc, EdgeStackName) || !strings.Contains(doc, "WebAclArn") {
			t.Errorf("docs do not name %s and its WebAclArn output", EdgeStackName)
		}
	})

	t.Run("parameters", func(t *testing.T) {
		for _, p := range bothProfiles {
			params, _ := tpls[p]["Parameters"].(map[string]interface{})
			for name := range params {
				if name != "BootstrapVersion" {
					t.Errorf("%s template has parameter %s; the doc says there are none but BootstrapVersion", p, name)
				}
			}
		}
		for _, m := range regexp.MustCompile(`--parameters? ([A-Za-z]+)=`).FindAllStringSubmatch(doc, -1) {
			t.Errorf("doc passes CloudFormation parameter %s, which no template has", m[1])
		}
	})

	t.Run("context", func(t *testing.T) {
		rows := tableRows(docSection(t, doc, "Context"))
		known := []string{CtxProfile, CtxLambdaZip, CtxWebDist, CtxDomainName, CtxCertificateARN, CtxAlarmEmail,
			CtxSelfSignUp, CtxVPC, CtxWebACLARN, CtxReservedConcurrency, CtxLogRetentionDays, CtxBackupRetentionDays, CtxSigninFailureAlarm}
		for name := range rows {
			if !slices.Contains(known, name) {
				t.Errorf("context key %s is documented but the app does not read it", name)
			}
		}
		for _, k := range known {
			if _, ok := rows[k]; !ok {
				t.Errorf("context key %s is not documented", k)
			}
		}
		for _, m := range regexp.MustCompile(`-c ([A-Za-z]+)=`).FindAllStringSubmatch(doc, -1) {
			if !slices.Contains(known, m[1]) {
				t.Errorf("command passes -c %s, which the app does not read", m[1])
			}
		}
		d := DefaultConfig(ProfileFree)
		for k, v := range map[string]string{CtxLambdaZip: "`" + d.LambdaZip + "`", CtxWebDist: "`" + d.WebDist + "`"} {
			if rows[k] != v {
				t.Errorf("context %s default: documented %s, want %s", k, rows[k], v)
			}
		}
	})

	t.Run("environment", func(t *testing.T) {
		rows := tableRows(docSection(t, doc, "The function's environment"))
		for _, p := range bothProfiles {
			vars := appFunction(t, tpls[p])["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
			for name := range vars {
				if _, ok := rows[name]; !ok {
					t.Errorf("%s: variable %s is not documented", p, name)
				}
			}
			for name, col := range rows {
				_, has := vars[name]
				if has != slices.Contains(profilesOf(t, name, col), p) {
					t.Errorf("variable %s: in the %s function %v, documented for %q", name, p, has, col)
				}
			}
		}
	})
}

func strPtr(s string) *string { return &s }
