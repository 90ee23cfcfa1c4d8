package mail_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

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

// TestSendHonoursDeadline: a relay that accepts and never answers holds a
// send only until the caller's deadline, not the 30 s conversation limit.
func TestSendHonoursDeadline(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // silent until the test ends
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- (&mail.SMTP{Addr: ln.Addr().String(), From: "noreply@example.org"}).Send(ctx, "pat@example.org", "s", "b")
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a send to a silent relay succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the send outlived its context's deadline by 10 s")
	}
}
