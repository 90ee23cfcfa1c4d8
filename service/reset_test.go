package service_test

import (
	"context"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/bptracker/bptracker/service"
)

// mailbox is a Mailer that keeps what it is given.
type mailbox struct {
	mu   sync.Mutex
	sent []sentMail
}

type sentMail struct {
	to, body string
	deadline time.Time // zero: none
}

func (m *mailbox) Send(ctx context.Context, to, subject, body string) error {
	d, _ := ctx.Deadline()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, sentMail{to, body, d})
	return nil
}

// TestRequestReset: a known address gets one link that resets the
// password, sent within the answer's fixed time; an unknown one gets
// nothing and the same answer.
func TestRequestReset(t *testing.T) {
	t.Parallel() // each request takes the fixed answer time
	box := &mailbox{}
	s, _, clk := newServiceWith(t, func(c *service.Config) { c.Mailer = box })
	ctx := context.Background()
	enrol(t, s, clk, "rita@example.org")
	link := func(code string) string { return "https://app.example/reset/" + code }

	if err := s.RequestReset(ctx, service.Request{}, "nobody@example.org", link); err != nil {
		t.Fatalf("unknown address: %v", err)
	}
	if len(box.sent) != 0 {
		t.Fatalf("mail sent for an unknown address: %+v", box.sent)
	}
	start := time.Now()
	if err := s.RequestReset(ctx, service.Request{}, "Rita@Example.org", link); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 2*time.Second {
		t.Errorf("a known address answered after %v, before the fixed answer time", took)
	}
	if len(box.sent) != 1 || box.sent[0].to != "rita@example.org" {
		t.Fatalf("sent %+v, want one mail to rita@example.org", box.sent)
	}
	m := box.sent[0]
	if m.deadline.IsZero() || m.deadline.After(start.Add(3*time.Second)) {
		t.Errorf("the mail's deadline %v is not within the answer time after %v", m.deadline, start)
	}
	code := regexp.MustCompile(`https://app\.example/reset/(\S+)`).FindStringSubmatch(m.body)
	if code == nil {
		t.Fatalf("no link in the mail:\n%s", m.body)
	}
	const newPW = "a brand new passphrase for rita"
	if err := s.ResetPassword(ctx, service.Request{}, code[1], newPW); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SignIn(ctx, service.Request{}, "rita@example.org", newPW); err != nil {
		t.Fatalf("the new password does not sign in: %v", err)
	}
	if err := s.ResetPassword(ctx, service.Request{}, code[1], newPW+" again"); err == nil {
		t.Error("a reset link worked twice")
	}
}
