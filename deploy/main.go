// Command deploy is the BP Tracker CDK app: `npx cdk synth -c profile=free`
// (or hardened) runs it through cdk.json. See docs/deploy.md.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/bptracker/bptracker/deploy/infra"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	if _, err := infra.Build(app); err != nil {
		fmt.Fprintln(os.Stderr, "bptracker deploy:", err)
		os.Exit(1)
	}
	app.Synth(nil)
}
