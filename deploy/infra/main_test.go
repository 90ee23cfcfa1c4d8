package infra

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Fixtures made once by TestMain: a Lambda zip and a web build, standing in
// for `make lambda` and the web build.
var fixtureZip, fixtureDist string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// Keep jsii's unpacked packages and aws-cdk-lib's cache inside the
	// build tree (the repository's ignored .cache/), and the Node 20
	// end-of-life banner out of the test output. The jsii kernel starts in
	// the init functions of the CDK packages, before TestMain, and reads
	// its environment then: when the variables are missing, set them and
	// re-execute this test binary so the kernel that does the work sees
	// them. (Exporting them in the Makefile avoids the re-exec and the one
	// banner the first kernel prints.)
	root, err := filepath.Abs("../..")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	want := map[string]string{
		"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
		"JSII_RUNTIME_PACKAGE_CACHE_ROOT":               filepath.Join(root, ".cache", "jsii"),
		"CDK_HOME":                                      filepath.Join(root, ".cache", "cdk"),
	}
	missing := false
	for k, v := range want {
		if os.Getenv(k) == "" {
			os.Setenv(k, v)
			missing = true
		}
	}
	if missing && os.Getenv("BPT_DEPLOY_TEST_REEXEC") == "" {
		os.Setenv("BPT_DEPLOY_TEST_REEXEC", "1")
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		cmd := exec.Command(exe, os.Args[1:]...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				return ee.ExitCode()
			}
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	dir, err := os.MkdirTemp("", "bptracker-deploy-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if fixtureZip, fixtureDist, err = makeFixtures(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer jsii.Close()
	return m.Run()
}

func makeFixtures(dir string) (zipPath, dist string, err error) {
	zipPath = filepath.Join(dir, "bootstrap.zip")
	f, err := os.Create(zipPath)
	if err != nil {
		return "", "", err
	}
	zw := zip.NewWriter(f)
	w, err := zw.Create("bootstrap")
	if err == nil {
		_, err = w.Write([]byte("#!/bin/sh\n"))
	}
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", "", err
	}
	dist = filepath.Join(dir, "dist")
	if err := os.MkdirAll(dist, 0o755); err != nil {
		return "", "", err
	}
	err = os.WriteFile(filepath.Join(dist, "index.html"), []byte("<!doctype html><title>BP Tracker</title>"), 0o644)
	return zipPath, dist, err
}

// cdkContext is the context of cdk.json: awscdk.NewApp in a test does not
// read cdk.json, and without it the feature flags fall back to old
// defaults. annotationsInValidationReport is turned off here so that nag
// findings are collected as annotations instead of failing the synth.
func cdkContext(tb testing.TB) map[string]interface{} {
	tb.Helper()
	b, err := os.ReadFile("../cdk.json")
	if err != nil {
		tb.Fatal(err)
	}
	var doc struct {
		Context map[string]interface{} `json:"context"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		tb.Fatal(err)
	}
	if doc.Context["@aws-cdk/core:annotationsInValidationReport"] != true {
		tb.Fatal("cdk.json: @aws-cdk/core:annotationsInValidationReport is not true: nag errors would not fail `cdk synth`")
	}
	doc.Context["@aws-cdk/core:annotationsInValidationReport"] = false
	return doc.Context
}

// synthed is one synthesized profile, shared by the tests that read it.
type synthed struct {
	stack    *Stack
	template map[string]interface{}
	errors   []string // unsuppressed HIPAA findings, "rule at path"
}

var (
	synthMu    sync.Mutex
	synthCache = map[string]*synthed{}
)

// synth builds and synthesizes the app with the given context (profile
// included), runs the HIPAA pack, and caches the result by context.
func synth(tb testing.TB, ctx map[string]string) *synthed {
	tb.Helper()
	keys := make([]string, 0, len(ctx))
	for k := range ctx {
		keys = append(keys, k+"="+ctx[k])
	}
	sort.Strings(keys)
	key := strings.Join(keys, ",")
	synthMu.Lock()
	defer synthMu.Unlock()
	if s, ok := synthCache[key]; ok {
		return s
	}
	c := cdkContext(tb)
	c[CtxLambdaZip] = fixtureZip
	c[CtxWebDist] = fixtureDist
	for k, v := range ctx {
		c[k] = v
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &c, Outdir: jsii.String(tb.TempDir())})
	stack, err := Build(app)
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	s := &synthed{stack: stack}
	s.template = *assertions.Template_FromStack(stack.Stack, nil).ToJSON()
	s.errors = hipaaErrors(stack.Stack)
	synthCache[key] = s
	return s
}

func hipaaErrors(stack awscdk.Stack) []string {
	var out []string
	msgs := assertions.Annotations_FromStack(stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("HIPAA.*")))
	for _, m := range *msgs {
		text := fmt.Sprint(m.Entry.Data)
		if i := strings.Index(text, ":"); i > 0 {
			text = text[:i]
		}
		out = append(out, text+" at "+*m.Id)
	}
	return out
}

func profileCtx(profile string) map[string]string { return map[string]string{CtxProfile: profile} }

// resources returns the template's resources of type typ by logical id.
func resources(tpl map[string]interface{}, typ string) map[string]map[string]interface{} {
	out := map[string]map[string]interface{}{}
	for id, r := range tpl["Resources"].(map[string]interface{}) {
		r := r.(map[string]interface{})
		if r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

// props returns a resource's Properties.
func props(r map[string]interface{}) map[string]interface{} {
	p, _ := r["Properties"].(map[string]interface{})
	return p
}

// only returns the one resource of type typ, failing otherwise.
func only(tb testing.TB, tpl map[string]interface{}, typ string) map[string]interface{} {
	tb.Helper()
	rs := resources(tpl, typ)
	if len(rs) != 1 {
		tb.Fatalf("%s resources: got %d, want 1", typ, len(rs))
	}
	for _, r := range rs {
		return props(r)
	}
	return nil
}

// nagNaiveStack is a stack the HIPAA pack must object to, proving the
// collector sees findings at all.
func nagNaiveStack(tb testing.TB) []string {
	tb.Helper()
	c := cdkContext(tb)
	app := awscdk.NewApp(&awscdk.AppProps{Context: &c, Outdir: jsii.String(tb.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("Naive"), nil)
	awss3.NewCfnBucket(stack, jsii.String("Bucket"), &awss3.CfnBucketProps{})
	awscdk.Aspects_Of(app).Add(cdknag.NewHIPAASecurityChecks(nil), nil)
	return hipaaErrors(stack)
}
