package infra

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Build adds the stacks the app's context asks for to app and checks them
// with the cdk-nag HIPAA Security pack. With the feature flag
// @aws-cdk/core:annotationsInValidationReport (cdk.json), any unsuppressed
// finding fails the synth.
func Build(app awscdk.App) (*Stack, error) {
	cfg, err := ConfigFromContext(app)
	if err != nil {
		return nil, err
	}
	if err := cfg.CheckInputs(); err != nil {
		return nil, err
	}
	s, err := NewStack(app, StackName(cfg.Profile), cfg, nil)
	if err != nil {
		return nil, err
	}
	if cfg.Hardened() {
		NewEdgeStack(app)
	}
	awscdk.Aspects_Of(app).Add(cdknag.NewHIPAASecurityChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	return s, nil
}

// CheckInputs reports a missing function zip or web build with the command
// that makes it, instead of the CDK's asset panic.
func (c Config) CheckInputs() error {
	if fi, err := os.Stat(c.LambdaZip); err != nil || fi.IsDir() {
		return fmt.Errorf("function code %s not found: run `make lambda` or pass -c %s=PATH", c.LambdaZip, CtxLambdaZip)
	}
	if _, err := os.Stat(c.WebDist + "/index.html"); err != nil {
		return fmt.Errorf("web app %s/index.html not found: build the web app or pass -c %s=DIR", c.WebDist, CtxWebDist)
	}
	return nil
}
