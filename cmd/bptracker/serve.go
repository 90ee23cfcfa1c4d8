package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/bptracker/bptracker"
	bphttp "github.com/bptracker/bptracker/http"
	"github.com/bptracker/bptracker/mail"
	"github.com/bptracker/bptracker/service"
	"github.com/bptracker/bptracker/web"
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("serve", getenv, stderr)
	var sc storeConfig
	sc.register(f)
	var addr, tlsCert, tlsKey, logLevel string
	var behindProxy, allowSignup bool
	cfg := service.DefaultConfig()
	f.str(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	f.str(&tlsCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key serves HTTPS")
	f.str(&tlsKey, "tls-key", "", "TLS private key file (PEM)")
	f.boolean(&behindProxy, "behind-proxy", "allow plain HTTP on a non-loopback address because a TLS proxy terminates HTTPS in front")
	f.boolean(&allowSignup, "allow-signup", "let visitors create patient accounts")
	f.duration(&cfg.IdleTimeout, "idle-timeout", cfg.IdleTimeout, "sign out after this long without activity")
	f.duration(&cfg.SessionLifetime, "session-lifetime", cfg.SessionLifetime, "sign out this long after sign-in, whatever the activity")
	f.str(&logLevel, "log-level", "info", "debug, info, warn or error")
	var signinLimit string
	f.str(&signinLimit, "signin-limit", strconv.Itoa(bphttp.DefaultSignInLimit), "sign-in, MFA, invitation and reset requests allowed a minute per source address")
	var publicURL string
	f.str(&publicURL, "public-url", "", "the address people reach the app at (https://bp.example.org), for links in invitations and reset mails")
	var smtp mail.SMTP
	f.str(&smtp.Addr, "smtp-addr", "", "SMTP relay host:port for password reset emails (STARTTLS unless on loopback)")
	f.str(&smtp.From, "smtp-from", "", "sender address of those emails")
	f.str(&smtp.User, "smtp-user", "", "SMTP user name; the password comes from BPT_SMTP_PASSWORD only")
	if err := f.parse(args); err != nil {
		return err
	}
	if (tlsCert == "") != (tlsKey == "") {
		return usageError{"--tls-cert and --tls-key go together"}
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usageError{fmt.Sprintf("--addr %q: %v", addr, err)}
	}
	if ip := net.ParseIP(host); tlsCert == "" && !behindProxy && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usageError{fmt.Sprintf("refusing plain HTTP on %s: health data needs TLS off this machine; give --tls-cert and --tls-key, or --behind-proxy when a TLS proxy is in front", addr)}
	}
	log := newLogger(stderr, logLevel)
	cfg.Logger, cfg.AllowSignup, cfg.Background = log, allowSignup, true
	if getenv("GOGC") == "" {
		// The heap is small (tens of MiB) and requests allocate briefly:
		// collecting less often takes a seventh off the server's CPU for a
		// 300-reading history, for about 60 MiB more (docs/benchmarks.md,
		// "GOGC"). GOGC overrides.
		debug.SetGCPercent(400)
	}
	limit, err := strconv.Atoi(signinLimit)
	if err != nil || limit < 1 {
		return usageError{fmt.Sprintf("--signin-limit %q: give a whole number of requests a minute", signinLimit)}
	}
	var pub *url.URL
	if publicURL != "" {
		if pub, err = url.Parse(publicURL); err != nil || (pub.Scheme != "https" && pub.Scheme != "http") || pub.Host == "" {
			return usageError{fmt.Sprintf("--public-url %q: give an absolute URL such as https://bp.example.org", publicURL)}
		}
	}
	if smtp.Addr != "" {
		if smtp.From == "" {
			return usageError{"--smtp-addr needs --smtp-from"}
		}
		if pub == nil {
			return usageError{"--smtp-addr needs --public-url: reset links in mail are built on it, never on a request's Host"}
		}
		smtp.Password = getenv("BPT_SMTP_PASSWORD")
		cfg.Mailer = &smtp
	}
	a, err := openApp(ctx, sc, true, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	dist, err := fs.Sub(web.Dist, "dist")
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           bphttp.NewServer(a.svc, bphttp.Options{Logger: log, Web: dist, PublicURL: pub, SignInLimit: limit}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
		ErrorLog:          nil,
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if tlsCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "bptracker listening on %s://%s (data in %s)\n", scheme, ln.Addr(), sc.Data)
	if users, _, err := a.store.FindUsers(ctx, bptracker.UserFilter{Limit: 1}); err == nil && len(users) == 0 {
		fmt.Fprintf(stdout, "no accounts yet: create the first with\n  bptracker user add --data %s --email you@example.org --role admin   (password on stdin)\n", sc.Data)
	}
	errc := make(chan error, 1)
	go func() {
		if tlsCert != "" {
			errc <- srv.ServeTLS(ln, tlsCert, tlsKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Finish the requests in flight; the store closes after them.
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(stdout, "bptracker stopped")
	return nil
}
