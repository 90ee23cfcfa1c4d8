package mail_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bptracker/bptracker/internal/smtpfake"
	"github.com/bptracker/bptracker/mail"
)

func TestSend(t *testing.T) {
	relay := smtpfake.Start(t)
	s := &mail.SMTP{Addr: relay.Addr, From: "noreply@example.org"}
	if err := s.Send(context.Background(), "pat@example.org", "Reset your password", "Open https://x/reset/abc\nwithin 24 hours."); err != nil {
		t.Fatal(err)
	}
	msg := <-relay.Messages
	for _, want := range []string{"To: pat@example.org", "Subject: Reset your password", "https://x/reset/abc\r\nwithin"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if err := s.Send(context.Background(), "a@example.org\r\nBcc: evil@example.org", "x", "y"); err == nil {
		t.Error("a header injection was sent")
	}
}
