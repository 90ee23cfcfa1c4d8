package emulators

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// CognitoPool is a user pool with a confidential app client.
type CognitoPool struct {
	Client                         *cip.Client
	PoolID, ClientID, ClientSecret string
	Issuer                         string // the pool's token issuer
}

// cognitoClient returns an SDK client for the emulator at endpoint.
func cognitoClient(endpoint string) *cip.Client {
	return cip.NewFromConfig(AWS(), func(o *cip.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

// NewCognitoPool creates a pool like the deployed one as far as
// cognito-local allows: usernames (not emails) as usernames, a client with
// a secret and USER_PASSWORD_AUTH. MFA is OPTIONAL, not ON: cognito-local
// refuses the MFA_SETUP challenge (see docs/testing.md).
func NewCognitoPool(tb testing.TB, p *Process) *CognitoPool {
	tb.Helper()
	ctx := context.Background()
	client := cognitoClient(p.Endpoint)
	pool, err := client.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName:         aws.String("bptracker-test"),
		MfaConfiguration: types.UserPoolMfaTypeOptional,
	})
	if err != nil {
		tb.Fatalf("emulators: CreateUserPool: %v", err)
	}
	app, err := client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId:     pool.UserPool.Id,
		ClientName:     aws.String("bptracker"),
		GenerateSecret: true,
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{
			types.ExplicitAuthFlowsTypeAllowUserPasswordAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth,
		},
	})
	if err != nil {
		tb.Fatalf("emulators: CreateUserPoolClient: %v", err)
	}
	return &CognitoPool{
		Client: client, PoolID: *pool.UserPool.Id,
		ClientID: *app.UserPoolClient.ClientId, ClientSecret: aws.ToString(app.UserPoolClient.ClientSecret),
		Issuer: p.Endpoint + "/" + *pool.UserPool.Id,
	}
}
