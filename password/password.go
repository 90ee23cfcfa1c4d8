// Package password hashes passwords with argon2id and refuses weak ones.
package password

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/bptracker/bptracker"
	"golang.org/x/crypto/argon2"
)

// Parameters: above the OWASP minimum for argon2id (m=19 MiB, t=2, p=1).
const (
	memoryKiB = 19 * 1024
	timeCost  = 2
	threads   = 1
	keyLen    = 32
	// MinLength and MaxLength are in characters; long passphrases welcome.
	MinLength = 12
	MaxLength = 256
)

//go:embed common.txt
var commonList string

var (
	commonOnce sync.Once
	common     map[string]bool
)

func isCommon(s string) bool {
	commonOnce.Do(func() {
		common = make(map[string]bool, 30000)
		sc := bufio.NewScanner(strings.NewReader(commonList))
		for sc.Scan() {
			if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
				common[l] = true
			}
		}
	})
	return common[s]
}

// Check returns an EINVALID error with a field message when pw is too
// short, too long or common. field names the field for the message.
func Check(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return fieldErr(field, "the password is not valid text")
	case n < MinLength:
		return fieldErr(field, fmt.Sprintf("use at least %d characters; a passphrase of a few words is easiest", MinLength))
	case n > MaxLength:
		return fieldErr(field, fmt.Sprintf("use at most %d characters", MaxLength))
	}
	lower := strings.ToLower(pw)
	// "password2024!" is "password" with decoration: strip trailing digits
	// and symbols and repeated characters before looking it up.
	core := strings.TrimRight(lower, "0123456789!@#$%^&*()-_=+.?,;: ")
	if isCommon(lower) || isCommon(core) || strings.Count(lower, string([]rune(lower)[:1])) == len(lower) {
		return fieldErr(field, "this password is too common; choose another")
	}
	return nil
}

func fieldErr(field, msg string) error {
	return &bptracker.Error{Code: bptracker.EINVALID, Message: msg, Fields: map[string]string{field: msg}}
}

// Hash returns the PHC-format argon2id hash of pw.
func Hash(pw string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, timeCost, memoryKiB, threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, memoryKiB, timeCost, threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// dummy is verified against when an account does not exist, so that a
// wrong email takes as long as a wrong password. It is made on first use:
// hashing at package init cost every Lambda cold start 43 ms and 20 MB.
var dummy = sync.OnceValue(func() string { return Hash("not a real password, only for timing") })

// Verify reports whether pw matches hash. An empty hash verifies against a
// dummy and fails, taking the same time.
func Verify(pw, hash string) bool {
	if hash == "" {
		hash = dummy()
	}
	var v, m, t, p int
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m < 1 || t < 1 || p < 1 || p > 255 || m > 1<<22 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, uint32(t), uint32(m), uint8(p), uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
