package password_test

import (
	"strings"
	"testing"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/password"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		pw string
		ok bool
	}{
		{"correct horse battery staple", true},
		{strings.Repeat("long passphrase ", 8), true}, // 128 characters
		{"short", false},
		{"password123456", false}, // "password" plus digits
		{"aaaaaaaaaaaaaaaa", false},
		{strings.Repeat("x", 257), false},
	} {
		err := password.Check("password", tc.pw)
		if got := err == nil; got != tc.ok {
			t.Errorf("Check(%q) ok = %v, want %v (err %v)", tc.pw, got, tc.ok, err)
		}
		if err != nil && bptracker.ErrorFields(err)["password"] == "" {
			t.Errorf("Check(%q): no field message", tc.pw)
		}
	}
	if err := password.Check("password", "1qaz2wsx3edc"); err == nil {
		t.Error("a password from the common list was accepted")
	}
}

func TestHashVerify(t *testing.T) {
	h := password.Hash("correct horse battery staple")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash = %q, want argon2id with m=19456,t=2,p=1", h)
	}
	if !password.Verify("correct horse battery staple", h) {
		t.Fatal("the right password did not verify")
	}
	for _, bad := range []string{"correct horse battery stapl", ""} {
		if password.Verify(bad, h) {
			t.Fatalf("Verify(%q) = true", bad)
		}
	}
	if password.Verify("x", "") || password.Verify("x", "$argon2id$garbage") {
		t.Fatal("a malformed hash verified")
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("pw", "$argon2id$v=19$m=16,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
	f.Fuzz(func(t *testing.T, pw, hash string) {
		password.Verify(pw, hash) // must not panic or allocate without bound
	})
}
