package http_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/bptracker/bptracker"
	"github.com/bptracker/bptracker/service"
)

// BenchmarkHistoryInProcess reads a 30-day history of 300 readings through
// the handler in-process, for profiling (go test -cpuprofile); the figures
// of record come from cmd/bptracker's benchmarks against the real binary.
func BenchmarkHistoryInProcess(b *testing.B) {
	e := newEnv(b)
	pid, tok := e.user(bptracker.RolePatient, "Bench Patient")
	a := &service.Actor{User: &bptracker.User{ID: pid, Role: bptracker.RolePatient}}
	now := time.Now()
	for i := range 300 {
		if _, err := e.svc.CreateReading(context.Background(), a, pid, service.ReadingInput{
			TakenAt: now.Add(-time.Duration(i) * 144 * time.Minute).Format(time.RFC3339), Systolic: 110 + i%40, Diastolic: 70 + i%20, Note: "n"}); err != nil {
			b.Fatal(err)
		}
	}
	path := "/api/v1/patients/me/readings?limit=1000&from=" + now.AddDate(0, 0, -30).UTC().Format(time.RFC3339)
	b.SetParallelism(16) // 32 clients on 2 cores, as make bench's load
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
			req.AddCookie(&http.Cookie{Name: "__Host-bpt_session", Value: tok})
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				panic(fmt.Sprint(err, resp.StatusCode))
			}
			var buf [64 << 10]byte
			for {
				if _, err := resp.Body.Read(buf[:]); err != nil {
					break
				}
			}
			resp.Body.Close()
		}
	})
}
