package cognito_test

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/golang-jwt/jwt/v5"

	"github.com/bptracker/bptracker/cognito"
	"github.com/bptracker/bptracker/internal/awsfake"
	"github.com/bptracker/bptracker/internal/emulators"
)

// The test in this file holds the provider's hand-written Cognito requests
// to the SDK's: every request the provider sends is sent again through the
// SDK client (its input decoded from our JSON), and the two must agree on
// the operation, the content type, whether the request is signed (the SDK
// signs some operations and sends others anonymously) and the JSON body.
// Each canned answer is decoded by the SDK too, so the answers' field
// names, which the provider's flows depend on, are the API's.

// exchange is one request and the answer it got.
type exchange struct {
	target, contentType, auth, token string
	body, answer                     []byte
}

func (e exchange) op() string {
	return strings.TrimPrefix(e.target, "AWSCognitoIdentityProviderService.")
}

// recorder records the requests it gets and answers each with answer.
type recorder struct {
	*httptest.Server
	mu        sync.Mutex
	exchanges []exchange
}

func newRecorder(t *testing.T, answer func(op string, body []byte) []byte) *recorder {
	t.Helper()
	r := &recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		e := exchange{target: req.Header.Get("X-Amz-Target"), contentType: req.Header.Get("Content-Type"),
			auth: req.Header.Get("Authorization"), token: req.Header.Get("X-Amz-Security-Token"), body: body}
		e.answer = answer(e.op(), body)
		r.mu.Lock()
		r.exchanges = append(r.exchanges, e)
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Write(e.answer)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) all() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.exchanges)
}

// sdkCall sends a request through the SDK client, its input decoded from
// body, and returns the SDK's output.
type sdkCall func(ctx context.Context, c *cip.Client, body []byte) (any, error)

func replay[In, Out any](op func(*cip.Client, context.Context, *In, ...func(*cip.Options)) (Out, error)) sdkCall {
	return func(ctx context.Context, c *cip.Client, body []byte) (any, error) {
		in := new(In)
		dec := json.NewDecoder(bytes.NewReader(body))
		// A field the SDK's input lacks is one the API does not have.
		dec.DisallowUnknownFields()
		if err := dec.Decode(in); err != nil {
			return nil, err
		}
		return op(c, ctx, in)
	}
}

// sdkOps are the operations the provider uses.
var sdkOps = map[string]sdkCall{
	"AdminCreateUser":           replay((*cip.Client).AdminCreateUser),
	"AdminDeleteUser":           replay((*cip.Client).AdminDeleteUser),
	"AdminDisableUser":          replay((*cip.Client).AdminDisableUser),
	"AdminEnableUser":           replay((*cip.Client).AdminEnableUser),
	"AdminSetUserMFAPreference": replay((*cip.Client).AdminSetUserMFAPreference),
	"AdminSetUserPassword":      replay((*cip.Client).AdminSetUserPassword),
	"AdminUserGlobalSignOut":    replay((*cip.Client).AdminUserGlobalSignOut),
	"AssociateSoftwareToken":    replay((*cip.Client).AssociateSoftwareToken),
	"InitiateAuth":              replay((*cip.Client).InitiateAuth),
	"RespondToAuthChallenge":    replay((*cip.Client).RespondToAuthChallenge),
	"RevokeToken":               replay((*cip.Client).RevokeToken),
	"SetUserMFAPreference":      replay((*cip.Client).SetUserMFAPreference),
	"VerifySoftwareToken":       replay((*cip.Client).VerifySoftwareToken),
}

func TestRequestsMatchSDK(t *testing.T) {
	keys := awsfake.NewCognito(t) // signs tokens and serves the JWKS
	const (
		sub     = "5b1f3c2e-0000-4000-8000-000000000001"
		secret  = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
		refresh = "refresh-token-1"
	)
	access := func() string {
		now := time.Now()
		return keys.SignToken(jwt.MapClaims{"sub": sub, "iss": keys.Issuer(), "client_id": keys.ClientID,
			"token_use": "access", "username": fakeUser, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	}
	answerJSON := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tokens := func() map[string]any {
		return map[string]any{"AccessToken": access(), "IdToken": "id-token", "RefreshToken": refresh,
			"ExpiresIn": 3600, "TokenType": "Bearer"}
	}
	var mu sync.Mutex
	initiate := "" // what InitiateAuth answers
	srv := newRecorder(t, func(op string, body []byte) []byte {
		switch op {
		case "AdminCreateUser":
			return answerJSON(map[string]any{"User": map[string]any{"Username": fakeUser, "Enabled": true,
				"UserStatus": "FORCE_CHANGE_PASSWORD",
				"Attributes": []map[string]string{{"Name": "email", "Value": fakeEmail}, {"Name": "sub", "Value": sub}}}})
		case "InitiateAuth":
			mu.Lock()
			defer mu.Unlock()
			switch initiate {
			case "MFA_SETUP":
				return answerJSON(map[string]any{"ChallengeName": "MFA_SETUP", "Session": "session-setup",
					"ChallengeParameters": map[string]string{"MFAS_CAN_SETUP": `["SOFTWARE_TOKEN_MFA"]`}})
			case "SOFTWARE_TOKEN_MFA":
				return answerJSON(map[string]any{"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "session-mfa",
					"ChallengeParameters": map[string]string{}})
			case "SELECT_MFA_TYPE":
				return answerJSON(map[string]any{"ChallengeName": "SELECT_MFA_TYPE", "Session": "session-select",
					"ChallengeParameters": map[string]string{"MFAS_CAN_CHOOSE": `["SMS_MFA","SOFTWARE_TOKEN_MFA"]`}})
			}
			return answerJSON(map[string]any{"AuthenticationResult": tokens(), "ChallengeParameters": map[string]string{}})
		case "RespondToAuthChallenge":
			var in struct{ ChallengeName string }
			json.Unmarshal(body, &in)
			if in.ChallengeName == "SELECT_MFA_TYPE" {
				return answerJSON(map[string]any{"ChallengeName": "SOFTWARE_TOKEN_MFA", "Session": "session-chosen",
					"ChallengeParameters": map[string]string{}})
			}
			return answerJSON(map[string]any{"AuthenticationResult": tokens(), "ChallengeParameters": map[string]string{}})
		case "AssociateSoftwareToken":
			return answerJSON(map[string]any{"SecretCode": secret, "Session": "session-associated"})
		case "VerifySoftwareToken":
			return answerJSON(map[string]any{"Status": "SUCCESS", "Session": "session-verified"})
		}
		return []byte(`{}`)
	})

	creds := credentials.NewStaticCredentialsProvider(emulators.AccessKeyID, emulators.SecretAccessKey, "session-token")
	dir := newDirectory()
	p, err := cognito.New(cognito.Config{
		AWS: aws.Config{Region: emulators.Region, Credentials: creds}, Endpoint: srv.URL,
		UserPoolID: keys.PoolID, ClientID: keys.ClientID, ClientSecret: keys.ClientSecret, Issuer: keys.Issuer(),
		UserIDByEmail: dir.userIDByEmail,
	})
	if err != nil {
		t.Fatal(err)
	}

	// Every operation, and every shape of request, the provider makes.
	ctx := context.Background()
	got, err := p.CreateAccount(ctx, fakeUser, fakeEmail, fakePassword)
	if err != nil || got != sub {
		t.Fatalf("CreateAccount: %q, %v; want sub %q", got, err, sub)
	}
	dir.add(fakeEmail, fakeUser)
	for _, tt := range []struct{ initiate, next, secret string }{
		{"MFA_SETUP", "mfa_setup", secret},            // TOTP set up with the challenge session
		{"SOFTWARE_TOKEN_MFA", "mfa", ""},             // the TOTP challenge
		{"SELECT_MFA_TYPE", "mfa", ""},                // TOTP chosen among factors
		{"AuthenticationResult", "mfa_setup", secret}, // TOTP set up with the access token
	} {
		mu.Lock()
		initiate = tt.initiate
		mu.Unlock()
		step, err := p.BeginSignIn(ctx, fakeEmail, fakePassword)
		if err != nil {
			t.Fatalf("BeginSignIn after %s: %v", tt.initiate, err)
		}
		if step.Next != tt.next || step.TOTPSecret != tt.secret {
			t.Fatalf("BeginSignIn after %s: next %q, secret %q; want %q, %q", tt.initiate, step.Next, step.TOTPSecret, tt.next, tt.secret)
		}
		res, err := p.FinishSignIn(ctx, step, "123456")
		if err != nil {
			t.Fatalf("FinishSignIn after %s: %v", tt.initiate, err)
		}
		if s, _ := cognito.TokenSubject(res.Tokens); s != sub {
			t.Errorf("after %s: token subject %q, want %q", tt.initiate, s, sub)
		}
		if r := refreshToken(t, res.Tokens); r != refresh {
			t.Errorf("after %s: refresh token %q, want %q", tt.initiate, r, refresh)
		}
		if err := p.SignOut(ctx, res.Tokens); err != nil {
			t.Fatalf("SignOut: %v", err)
		}
	}
	if err := p.ChangePassword(ctx, fakeUser, fakePassword, "another long passphrase"); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	for _, step := range []func() error{
		func() error { return p.ResetMFA(ctx, fakeUser) },
		func() error { return p.SetEnabled(ctx, fakeUser, false) },
		func() error { return p.SetEnabled(ctx, fakeUser, true) },
		func() error { return p.DeleteAccount(ctx, fakeUser) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}

	ours := srv.all()
	var seen []string
	for _, e := range ours {
		if !slices.Contains(seen, e.op()) {
			seen = append(seen, e.op())
		}
	}
	sort.Strings(seen)
	var want []string
	for op := range sdkOps {
		want = append(want, op)
	}
	sort.Strings(want)
	if !slices.Equal(seen, want) {
		t.Fatalf("operations sent:\n got %v\nwant %v", seen, want)
	}

	// The function's IAM role grants exactly the operations it signs.
	var signed []string
	for _, e := range ours {
		if e.auth != "" && !slices.Contains(signed, e.op()) {
			signed = append(signed, e.op())
		}
	}
	sort.Strings(signed)
	if granted := grantedCognitoActions(t); !slices.Equal(granted, signed) {
		t.Errorf("deploy/infra FunctionCognitoActions:\n got %v\nwant %v (the operations signed)", granted, signed)
	}

	// The same requests through the SDK, answered the same way.
	var next []byte
	sdkSrv := newRecorder(t, func(string, []byte) []byte { return next })
	sdk := cip.New(cip.Options{Region: emulators.Region, Credentials: creds,
		BaseEndpoint: aws.String(sdkSrv.URL), Retryer: aws.NopRetryer{}})
	for i, e := range ours {
		next = e.answer
		out, err := sdkOps[e.op()](ctx, sdk, e.body)
		if err != nil {
			t.Errorf("%s %s through the SDK: %v", e.op(), e.body, err)
			continue
		}
		sent := sdkSrv.all()
		s := sent[len(sent)-1]
		if e.target != s.target || e.contentType != s.contentType {
			t.Errorf("request %d: target %q, content type %q; the SDK's: %q, %q", i, e.target, e.contentType, s.target, s.contentType)
		}
		if signed, sdkSigned := e.auth != "", s.auth != ""; signed != sdkSigned || (e.token != "") != (s.token != "") {
			t.Errorf("%s: signed %v (token %v); the SDK signs it: %v (token %v)", e.op(), signed, e.token != "", sdkSigned, s.token != "")
		} else if signed && scope(e.auth) != scope(s.auth) {
			t.Errorf("%s: credential scope %q; the SDK's: %q", e.op(), scope(e.auth), scope(s.auth))
		}
		if a, b := decodeJSON(t, e.body), decodeJSON(t, s.body); !reflect.DeepEqual(a, b) {
			t.Errorf("%s body:\n ours %s\n  SDK %s", e.op(), e.body, s.body)
		}
		// The SDK reads every field of the canned answer.
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		if path, ok := within(decodeJSON(t, e.answer), decodeJSON(t, b)); !ok {
			t.Errorf("%s answer: the SDK did not read %s", e.op(), path)
		}
	}
}

// scope is the credential scope of a SigV4 Authorization header: key id,
// date, region, service.
func scope(auth string) string {
	_, cred, _ := strings.Cut(auth, "Credential=")
	cred, _, _ = strings.Cut(cred, ",")
	return cred
}

func decodeJSON(tb testing.TB, b []byte) any {
	tb.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatalf("not JSON: %s: %v", b, err)
	}
	return v
}

// within reports whether every field of a is in b with the same value, or
// the path of the first that is not.
func within(a, b any) (string, bool) {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok {
			return "", false
		}
		for k, v := range a {
			if path, ok := within(v, bm[k]); !ok {
				return "." + k + path, false
			}
		}
		return "", true
	case []any:
		bs, ok := b.([]any)
		if !ok || len(a) != len(bs) {
			return "", false
		}
		for i := range a {
			if path, ok := within(a[i], bs[i]); !ok {
				return "[" + strconv.Itoa(i) + "]" + path, false
			}
		}
		return "", true
	}
	return "", reflect.DeepEqual(a, b)
}

// grantedCognitoActions reads FunctionCognitoActions, the Cognito actions
// the function's role allows, from the CDK app (a module of its own).
func grantedCognitoActions(tb testing.TB) []string {
	tb.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../deploy/infra/stack.go", nil, 0)
	if err != nil {
		tb.Fatal(err)
	}
	var actions []string
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || len(spec.Names) != 1 || spec.Names[0].Name != "FunctionCognitoActions" {
			return true
		}
		for _, el := range spec.Values[0].(*ast.CompositeLit).Elts {
			s, err := strconv.Unquote(el.(*ast.BasicLit).Value)
			if err != nil {
				tb.Fatal(err)
			}
			actions = append(actions, strings.TrimPrefix(s, "cognito-idp:"))
		}
		return false
	})
	if len(actions) == 0 {
		tb.Fatal("no FunctionCognitoActions in deploy/infra/stack.go")
	}
	sort.Strings(actions)
	return actions
}
