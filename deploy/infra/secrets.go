package infra

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"
)

//go:embed secretparam/index.js
var secretHandler []byte

// secretsProvider is the custom resource that creates the secrets a
// template must never hold in clear: random SecureString parameters (the
// free profile's key-encryption key, the CloudFront origin secret) and the
// Cognito client secret read back from the pool. It answers with NoEcho.
type secretsProvider struct {
	provider awscdk.CustomResourceProvider
	token    *string
}

// ResourceTypeSecret is the CloudFormation type of the secrets custom resource.
const ResourceTypeSecret = "Custom::BpTrackerSecret"

func newSecretsProvider(s *Stack) secretsProvider {
	p := awscdk.CustomResourceProvider_GetOrCreateProvider(s.Stack, jsii.String("Custom::BpTrackerSecrets"), &awscdk.CustomResourceProviderProps{
		CodeDirectory: jsii.String(handlerDir()),
		Runtime:       awscdk.CustomResourceProviderRuntime_NODEJS_22_X,
		Description:   jsii.String("BP Tracker: creates SecureString secrets and reads the app client secret (deploy time only)"),
		Timeout:       awscdk.Duration_Minutes(jsii.Number(2)),
		PolicyStatements: &[]interface{}{
			map[string]interface{}{
				"Effect": "Allow",
				"Action": []string{"ssm:PutParameter", "ssm:GetParameter", "ssm:DeleteParameter"},
				"Resource": s.Stack.FormatArn(&awscdk.ArnComponents{
					Service: jsii.String("ssm"), Resource: jsii.String("parameter"),
					ResourceName: jsii.String(s.parameterName("*")[1:]),
				}),
			},
		},
	})
	return secretsProvider{provider: p, token: p.ServiceToken()}
}

// randomParameter creates a SecureString parameter with a random 256-bit
// value and returns the value as a token (a GetAtt, never a literal) when
// returnValue is set. Without deleteOnRemove the parameter, and the custom
// resource, outlive the stack.
func (p secretsProvider) randomParameter(s awscdk.Stack, id, name string, returnValue, deleteOnRemove bool) *string {
	policy := awscdk.RemovalPolicy_DESTROY
	if !deleteOnRemove {
		policy = awscdk.RemovalPolicy_RETAIN
	}
	r := awscdk.NewCustomResource(s, jsii.String(id), &awscdk.CustomResourceProps{
		ServiceToken: p.token,
		ResourceType: jsii.String(ResourceTypeSecret),
		Properties: &map[string]interface{}{
			"Kind":           "RandomSecureParameter",
			"Name":           name,
			"Bytes":          "32",
			"ReturnValue":    strconv.FormatBool(returnValue),
			"DeleteOnRemove": strconv.FormatBool(deleteOnRemove),
		},
		RemovalPolicy: policy,
	})
	if !returnValue {
		return nil
	}
	return r.GetAttString(jsii.String("Value"))
}

// userPoolClientSecret returns the app client's secret as a token.
func (p secretsProvider) userPoolClientSecret(s awscdk.Stack, id string, pool awscognito.UserPool, client awscognito.UserPoolClient) *string {
	p.provider.AddToRolePolicy(map[string]interface{}{
		"Effect":   "Allow",
		"Action":   "cognito-idp:DescribeUserPoolClient",
		"Resource": pool.UserPoolArn(),
	})
	r := awscdk.NewCustomResource(s, jsii.String(id), &awscdk.CustomResourceProps{
		ServiceToken: p.token,
		ResourceType: jsii.String(ResourceTypeSecret),
		Properties: &map[string]interface{}{
			"Kind":       "UserPoolClientSecret",
			"UserPoolId": pool.UserPoolId(),
			"ClientId":   client.UserPoolClientId(),
		},
	})
	return r.GetAttString(jsii.String("Value"))
}

// handlerDir writes the embedded handler to a directory named by its hash,
// so the asset (and the template) is the same on every synth.
func handlerDir() string {
	sum := sha256.Sum256(secretHandler)
	dir := filepath.Join(os.TempDir(), "bptracker-cdk-secrets-"+hex.EncodeToString(sum[:8]))
	path := filepath.Join(dir, "index.js")
	if b, err := os.ReadFile(path); err == nil && string(b) == string(secretHandler) {
		return dir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		panic(err)
	}
	if err := os.WriteFile(path, secretHandler, 0o644); err != nil {
		panic(err)
	}
	return dir
}
