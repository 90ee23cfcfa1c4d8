package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bptracker/bptracker/internal/dynamolocal"
)

// onStores runs a benchmark on the embedded SQLite store and on DynamoDB
// Local (figures for comparison only: the emulator is not DynamoDB).
func onStores(b *testing.B, bench func(b *testing.B)) {
	b.Run("sqlite", bench)
	b.Run("dynamodb-local", func(b *testing.B) {
		dynamoEnv = append(append([]string{}, dynamolocal.Env...), "BPT_STORE=dynamodb", "BPT_DYNAMODB_ENDPOINT="+dynamolocal.Start(b))
		defer func() { dynamoEnv, storeEnv = nil, nil }()
		bench(b)
	})
}

// dynamoEnv, when set, puts each benchmark server on a table of its own
// (a table belongs to the data directory whose key made its index key).
var dynamoEnv []string

// benchServer starts the real binary with one signed-in patient and
// returns the server and the patient's client.
func benchServer(b *testing.B) (*server, *client) {
	b.Helper()
	if dynamoEnv != nil {
		storeEnv = append(append([]string{}, dynamoEnv...), fmt.Sprintf("BPT_DYNAMODB_TABLE=bench-%d", time.Now().UnixNano()))
		if out, err := bpt(b, "", "dynamo", "create-table"); err != nil {
			b.Fatalf("create-table: %v %s", err, out)
		}
	}
	data := b.TempDir()
	out, err := bpt(b, pw+"\n", "user", "add", "--data", data, "--email", "bench@example.org", "--name", "Bench")
	if err != nil {
		b.Fatalf("user add: %v %s", err, out)
	}
	srv := startServer(b, data)
	c := newClient(b, srv.url)
	var step map[string]string
	c.expect(200, "POST", "/api/v1/session", map[string]string{"email": "bench@example.org", "password": pw}).json(b, &step)
	c.expect(200, "POST", "/api/v1/session/mfa", map[string]string{"code": code(b, step["totp_secret"], time.Now())})
	return srv, c
}

// load runs b.N requests from conc goroutines and reports throughput,
// latency percentiles, and the server's CPU time per request and peak
// memory. The load generator runs on the same two cores as the server, so
// server-cpu-ms says what the server alone would sustain: 2 / server-cpu-ms
// thousand requests a second.
func load(b *testing.B, srv *server, conc int, req func(c *http.Client, i int) error) {
	b.Helper()
	cpu0 := serverCPU(b, srv)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				t0 := time.Now()
				if err := req(hc, i); err != nil {
					failed.Add(1)
					if failed.Load() == 1 {
						b.Error(err)
					}
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64((serverCPU(b, srv)-cpu0).Microseconds())/1000/float64(b.N), "server-cpu-ms")
	reportPeakMemory(b, srv)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[len(lat)*50/100].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op")
}

func (c *client) raw(hc *http.Client, method, path, body string) (int, error) {
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var buf [32 << 10]byte
	for {
		if _, err := resp.Body.Read(buf[:]); err != nil {
			break
		}
	}
	return resp.StatusCode, nil
}

// BenchmarkReadingWrites: POST readings through the real server, each with
// its audit event and a durable (synchronous=FULL) commit.
func BenchmarkReadingWrites(b *testing.B) { onStores(b, benchReadingWrites) }

func benchReadingWrites(b *testing.B) {
	srv, c := benchServer(b)
	base := time.Now().Add(-24 * time.Hour)
	load(b, srv, 32, func(hc *http.Client, i int) error {
		body := fmt.Sprintf(`{"taken_at":%q,"systolic":%d,"diastolic":%d,"pulse":70,"note":"bench"}`,
			base.Add(time.Duration(i)*time.Second).Format(time.RFC3339), 110+i%40, 70+i%20)
		st, err := c.raw(hc, "POST", "/api/v1/patients/me/readings", body)
		if err == nil && st != 201 {
			err = fmt.Errorf("status %d", st)
		}
		return err
	})
}

// BenchmarkHistoryReads: GET a 30-day history, decrypting each reading and
// writing the read's audit event, for a patient taking two readings a day,
// four (the home-monitoring protocol: two each morning and evening) and ten
// (the cost model's heavy user: 300 readings, the figure of record).
func BenchmarkHistoryReads(b *testing.B) { onStores(b, benchHistoryReads) }

func benchHistoryReads(b *testing.B) {
	for _, perDay := range []int{2, 4, 10} {
		b.Run(fmt.Sprintf("%d-a-day", perDay), func(b *testing.B) {
			srv, c := benchServer(b)
			now := time.Now()
			step := 24 * time.Hour / time.Duration(perDay)
			for i := range 30 * perDay {
				body := fmt.Sprintf(`{"taken_at":%q,"systolic":%d,"diastolic":%d}`, now.Add(-time.Duration(i)*step).Format(time.RFC3339), 110+i%40, 70+i%20)
				if r := c.do("POST", "/api/v1/patients/me/readings", body); r.status != 201 {
					b.Fatalf("seed: %d %s", r.status, r.body)
				}
			}
			from := now.AddDate(0, 0, -30).UTC().Format(time.RFC3339)
			path := "/api/v1/patients/me/readings?limit=1000&from=" + from
			var page struct{ Readings []json.RawMessage }
			c.expect(200, "GET", path, nil).json(b, &page)
			if len(page.Readings) != 30*perDay {
				b.Fatalf("the history holds %d readings, want %d", len(page.Readings), 30*perDay)
			}
			load(b, srv, 32, func(hc *http.Client, i int) error {
				st, err := c.raw(hc, "GET", path, "")
				if err == nil && st != 200 {
					err = fmt.Errorf("status %d", st)
				}
				return err
			})
		})
	}
}

// BenchmarkStartup: from exec to the first answered request.
func BenchmarkStartup(b *testing.B) {
	data := b.TempDir()
	if out, err := bpt(b, pw+"\n", "user", "add", "--data", data, "--email", "s@example.org"); err != nil {
		b.Fatalf("%v %s", err, out)
	}
	var total time.Duration
	for range b.N {
		t0 := time.Now()
		srv := startServer(b, data)
		for {
			resp, err := http.Get(srv.url + "/healthz")
			if err == nil {
				resp.Body.Close()
				break
			}
			time.Sleep(time.Millisecond)
		}
		total += time.Since(t0)
		srv.stop()
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-first-answer")
	b.ReportMetric(0, "ns/op")
}

// serverCPU is the user and system CPU time the server has used so far.
func serverCPU(b *testing.B, srv *server) time.Duration {
	st, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(srv.cmd.Process.Pid), "stat"))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name, which ends with the last ')':
	// state is the 3rd field of stat, utime and stime the 14th and 15th.
	f := strings.Fields(string(st[bytes.LastIndexByte(st, ')')+1:]))
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("unreadable /proc stat: %q", st)
	}
	const ticks = 100 // USER_HZ, 100 on Linux
	return time.Duration(utime+stime) * time.Second / ticks
}

// reportPeakMemory reads the server's peak resident set (VmHWM).
func reportPeakMemory(b *testing.B, srv *server) {
	st, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(srv.cmd.Process.Pid), "status"))
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(st), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			b.ReportMetric(float64(kb)/1024, "peak-MiB")
		}
	}
}
