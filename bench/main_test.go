package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestMain lets the test binary be the plain server, as the bench program
// starts itself (os.Executable) with -plain-server.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == plainFlag {
		if err := plainMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestPercentile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"median of four is the second", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of 100 is the 99th", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the max", ms(hundred...), 100, 100 * time.Millisecond},
		{"p50 of 100 is the 50th", ms(hundred...), 50, 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, percentile(tt.sorted, tt.p)); diff != "" {
				t.Errorf("percentile (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		conc    []int
		ops     []string
	}{
		{name: "defaults", conc: []int{1, 8, 32}, ops: []string{"coverage", "coverage-unique", "booking"}},
		{name: "lists", args: []string{"-conc", " 4, 16", "-ops", "booking"}, conc: []int{4, 16}, ops: []string{"booking"}},
		{name: "zero connections", args: []string{"-conc", "0"}, wantErr: "-conc"},
		{name: "unknown op", args: []string{"-ops", "tracking"}, wantErr: "unknown operation"},
		{name: "no log level", args: []string{"-log-levels", ","}, wantErr: "-log-levels"},
		{name: "argument", args: []string{"now"}, wantErr: "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseFlags(tt.args, &bytes.Buffer{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.conc, cfg.conc); diff != "" {
				t.Errorf("conc (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.ops, cfg.ops); diff != "" {
				t.Errorf("ops (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPlainHandler: the baseline decodes JSON and answers the fixed body.
func TestPlainHandler(t *testing.T) {
	h := plainHandler(map[string][]byte{"/parcels/v1/bookings": []byte(`{"fixed":true}`)})
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"JSON", "POST", "/parcels/v1/bookings", `{"shopId":16}`, 200, `{"fixed":true}`},
		{"not JSON", "POST", "/parcels/v1/bookings", `{"shopId":`, 400, "{\"errorKey\":\"failed.to.parse.request\"}\n"},
		{"unknown path", "POST", "/parcels/v1/other", `{}`, 404, "404 page not found\n"},
		{"healthz", "GET", "/healthz", "", 200, `{"status":"ok"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body)))
			if diff := cmp.Diff(fmt.Sprint(tt.status, " ", tt.want), fmt.Sprint(rec.Code, " ", rec.Body.String())); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDrive runs the load generator against an in-process server.
func TestDrive(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	op := operations["coverage"]

	t.Run("count", func(t *testing.T) {
		c := newClient(addr, 4)
		defer c.close()
		r := c.drive(context.Background(), op, "tok", 4, 0, 0, 50)
		if r.Requests != 50 || r.Errors != 0 || len(r.latencies) != 50 {
			t.Errorf("requests %d, errors %d, latencies %d; want 50, 0, 50", r.Requests, r.Errors, len(r.latencies))
		}
	})
	t.Run("duration", func(t *testing.T) {
		c := newClient(addr, 2)
		defer c.close()
		r := c.drive(context.Background(), op, "tok", 2, 20*time.Millisecond, 50*time.Millisecond, 0)
		if r.Requests == 0 || r.Errors != 0 {
			t.Errorf("requests %d, errors %d; want some, 0", r.Requests, r.Errors)
		}
	})
	t.Run("errors are counted, not timed", func(t *testing.T) {
		c := newClient(addr, 1)
		defer c.close()
		r := c.drive(context.Background(), op, "wrong", 1, 0, 0, 3)
		if r.Requests != 0 || r.Errors != 3 || !strings.HasPrefix(r.FirstError, "401") {
			t.Errorf("requests %d, errors %d (%q); want 0, 3 (401)", r.Requests, r.Errors, r.FirstError)
		}
	})
}

// TestSmoke runs the whole program briefly: build, start-up, every cell
// against the real binary and the plain server, and the storage count.
// It takes about three seconds, so -short skips it.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the mock; skipped with -short")
	}
	var out, progress bytes.Buffer
	args := []string{"-duration", "150ms", "-warmup", "50ms", "-conc", "2", "-starts", "2", "-bookings", "200", "-settle", "50ms", "-json"}
	if err := run(context.Background(), args, &out, &progress); err != nil {
		t.Fatalf("run: %v\n%s", err, progress.String())
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("the -json output does not decode: %v\n%s", err, out.String())
	}
	var got []string
	for _, c := range rep.Cells {
		got = append(got, fmt.Sprintf("%s %d %s %s", c.Op, c.Conns, c.Server, c.LogLevel))
		if c.Requests == 0 || c.Errors != 0 || c.RPS <= 0 || c.P50MS <= 0 || c.P99MS < c.P50MS || c.ClientCPUUS <= 0 {
			t.Errorf("cell %+v: want requests, no errors, p99 >= p50 > 0, client CPU > 0", c)
		}
	}
	want := []string{
		"coverage 2 mock warn", "coverage 2 plain ", "coverage 2 mock info",
		"coverage-unique 2 mock warn", "coverage-unique 2 plain ", "coverage-unique 2 mock info",
		"booking 2 mock warn", "booking 2 plain ", "booking 2 mock info",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cells (-want +got):\n%s", diff)
	}
	if rep.Startup.Runs != 2 || len(rep.Startup.ReadyMS) != 2 || rep.Startup.MedianMS <= 0 || rep.Startup.IdleRSSMed <= 0 {
		t.Errorf("startup = %+v", rep.Startup)
	}
	// The first booking of measureStorage is stored too.
	if s := rep.Storage; s.Bookings != 200 || s.StoredOrders != 201 || s.Errors != 0 || s.RSSAfter <= 0 {
		t.Errorf("storage = %+v, want 200 bookings, 201 stored, no errors", s)
	}
	// One throughput target per connection count; p99 is judged at 32
	// connections, which this run does not measure.
	if len(rep.Targets) != 5 || rep.Targets[1].Result != notMeasured {
		t.Errorf("targets = %+v", rep.Targets)
	}
	var text bytes.Buffer
	if err := rep.writeText(&text); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"coverage", "booking", "start-up", "idle RSS", "RSS growth", "targets"} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("the text report has no %q:\n%s", s, text.String())
		}
	}
}

// TestBodyForVaries: coverage-unique never sends the same body twice;
// the others always send the guide's.
func TestBodyForVaries(t *testing.T) {
	u := operations["coverage-unique"]
	if a, b := u.bodyFor(1), u.bodyFor(2); bytes.Equal(a, b) || !bytes.Contains(a, []byte(`"Sender Name 1"`)) || !json.Valid(a) {
		t.Errorf("coverage-unique bodies: %s / %s", a, b)
	}
	c := operations["coverage"]
	if !bytes.Equal(c.bodyFor(1), c.bodyFor(2)) {
		t.Error("coverage varies")
	}
}
