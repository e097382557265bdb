package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/loopback"
)

// operation is a request the load generator sends, byte for byte the same
// to the mock and to the plain server.
type operation struct {
	path string
	body []byte
	// vary, when set, is replaced in body by a number unique to each
	// request, so the mock never sees the same request twice.
	vary string
}

// bodyFor returns the body of the n-th request.
func (op operation) bodyFor(n int64) []byte {
	if op.vary == "" {
		return op.body
	}
	return bytes.Replace(op.body, []byte(op.vary), []byte(op.vary+" "+strconv.FormatInt(n, 10)), 1)
}

// operations are the guide's requests (internal/sim/testdata/guide):
// guideCoverage is the guide's find/single request (TS 23), as written there.
const guideCoverage = `{
"shopId": "16",
"transportSolutionId": 23,
"customer name": "Sender Name",
"address": "Eksempelveien 12",
"zipCode": "0468",
"postalName": "Oslo",
"countryCode": "NO",
"weight": 900,
"volume": null
}`

// coverage is find/single for TS 23, booking is the TS 113 booking.
var operations = map[string]operation{
	"coverage": {path: "/parcels/v1/addresses/find/single", body: []byte(guideCoverage)},
	// coverage-unique is coverage with a customer name never sent before:
	// the cost of a request whose validation verdict is not remembered.
	"coverage-unique": {path: "/parcels/v1/addresses/find/single", body: []byte(guideCoverage), vary: "Sender Name"},
	"booking": {path: "/parcels/v1/bookings", body: []byte(`{
"shopId": 16,
"transportSolutionId": 113,
"shipmentId": null,
"desiredDeliveryDate": 20260617,
"messageToCarrier": "hello car",
"messageToConsignee": "hello con",
"parties": [
{"type": "consignee", "name": "Kristian Voie Danielsen", "countryCode": "NO", "postalName": "Oslo", "zipCode": "0751",
"address": "Vækerøveien 164d", "coaddress": "", "phone1": " 47 980 50 370", "phone2": null, "email": "test@gmail.com",
"reference": "consignee_reference", "contact": "contact2"},
{"type": "consignor", "id": null, "name": "Test shop", "countryCode": "NO", "postalName": "Herslebsgate 2F", "zipCode": "0561",
"address": "Herslebsgate 2F", "phone1": "12345678", "phone2": null, "email": "", "reference": "consignor_reference",
"contact": "consignor_contact", "coaddress": null}
],
"items": [
{"itemNumber": 1, "trackingReference": "", "weight": 1000, "width": 12, "height": 12, "length": 12, "contents": "test item"}
]
}`)},
}

// client is a keep-alive HTTP client for one server and one concurrency.
type client struct {
	base string
	tr   *http.Transport
	http *http.Client
}

func newClient(addr string, conns int) *client {
	tr := &http.Transport{
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		DisableCompression:  true,
		IdleConnTimeout:     time.Minute,
	}
	return &client{base: "http://" + addr, tr: tr, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (c *client) close() { c.tr.CloseIdleConnections() }

// do sends one request and reads the whole answer.
func (c *client) do(ctx context.Context, method, path, token string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// post sends a request that must answer 200 and returns the answer.
func (c *client) post(ctx context.Context, path, token string, body []byte) ([]byte, error) {
	status, b, err := c.do(ctx, http.MethodPost, path, token, body)
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", path, err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("POST %s: %d %s", path, status, b)
	}
	return b, nil
}

// token logs in as the default fixtures' demo client.
func (c *client) token(ctx context.Context) (string, error) {
	b, err := c.post(ctx, "/auth/oauth2/v1/token", "", []byte(`{"client_id":"demo","client_secret":"demo-secret","grant_type":"client_credentials"}`))
	if err != nil {
		return "", err
	}
	var tok struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(b, &tok); err != nil || tok.Token == "" {
		return "", fmt.Errorf("token answer %s: %v", b, err)
	}
	return tok.Token, nil
}

// storedOrders counts the orders in /__sim/state.
func (c *client) storedOrders(ctx context.Context) (int, error) {
	status, b, err := c.do(ctx, http.MethodGet, "/__sim/state", "", nil)
	if err != nil || status != http.StatusOK {
		return 0, fmt.Errorf("GET /__sim/state: %d %v", status, err)
	}
	var st struct {
		Orders []json.RawMessage `json:"orders"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return 0, fmt.Errorf("GET /__sim/state: %w", err)
	}
	return len(st.Orders), nil
}

// loadResult is what one load run measured.
type loadResult struct {
	Requests   int // answered 200 in the measured window
	Answered   int // answered 200 in all, warm-up included
	Errors     int // any other answer or a transport error
	FirstError string
	Elapsed    time.Duration
	latencies  []time.Duration // sorted, of the 200s
}

// drive sends op over conns keep-alive connections, each request right
// after the previous answer. With count 0 it runs warmup (unmeasured)
// then dur (measured: the requests started in it); with count > 0 it
// sends exactly count requests and measures them all.
func (c *client) drive(ctx context.Context, op operation, token string, conns int, warmup, dur time.Duration, count int) loadResult {
	start := time.Now()
	from, end := start.Add(warmup), start.Add(warmup+dur)
	var (
		tickets atomic.Int64
		serial  atomic.Int64
		mu      sync.Mutex
		res     loadResult
		wg      sync.WaitGroup
	)
	tickets.Store(int64(count))
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var errs, answered int
			var firstErr string
			for ctx.Err() == nil {
				if count > 0 && tickets.Add(-1) < 0 {
					break
				}
				t0 := time.Now()
				if count == 0 && !t0.Before(end) {
					break
				}
				status, b, err := c.do(ctx, http.MethodPost, op.path, token, op.bodyFor(serial.Add(1)))
				d := time.Since(t0)
				if err == nil && status == http.StatusOK {
					answered++
				}
				if count == 0 && t0.Before(from) {
					continue
				}
				switch {
				case err != nil:
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
				case status != http.StatusOK:
					errs++
					if firstErr == "" {
						firstErr = fmt.Sprintf("%d %.200s", status, b)
					}
				default:
					lat = append(lat, d)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.latencies = append(res.latencies, lat...)
			res.Errors += errs
			res.Answered += answered
			if res.FirstError == "" {
				res.FirstError = firstErr
			}
		}()
	}
	wg.Wait()
	res.Elapsed = dur
	if count > 0 {
		res.Elapsed = time.Since(start)
	}
	res.Requests = len(res.latencies)
	sort.Slice(res.latencies, func(i, j int) bool { return res.latencies[i] < res.latencies[j] })
	return res
}

// percentile is the nearest-rank percentile p (0 < p <= 100) of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// cell is one measured combination of operation, concurrency and server.
type cell struct {
	Op         string  `json:"op"`
	Conns      int     `json:"conns"`
	Server     string  `json:"server"` // "mock" or "plain"
	LogLevel   string  `json:"logLevel,omitempty"`
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"firstError,omitempty"`
	RPS        float64 `json:"rps"`
	P50MS      float64 `json:"p50Ms"`
	P99MS      float64 `json:"p99Ms"`
	MaxMS      float64 `json:"maxMs"`
	// CPU time per answered request, warm-up included, of the server
	// process and of the load generator (this process).
	ServerCPUUS float64 `json:"serverCpuUsPerRequest"`
	ClientCPUUS float64 `json:"clientCpuUsPerRequest"`
}

func newCell(op string, conns int, server, level string, r loadResult, serverCPU, clientCPU time.Duration) cell {
	c := cell{
		Op: op, Conns: conns, Server: server, LogLevel: level, Requests: r.Requests, Errors: r.Errors, FirstError: r.FirstError,
		P50MS: ms(percentile(r.latencies, 50)), P99MS: ms(percentile(r.latencies, 99)), MaxMS: ms(percentile(r.latencies, 100)),
	}
	if r.Elapsed > 0 {
		c.RPS = float64(r.Requests) / r.Elapsed.Seconds()
	}
	if r.Answered > 0 {
		c.ServerCPUUS = float64(serverCPU.Microseconds()) / float64(r.Answered)
		c.ClientCPUUS = float64(clientCPU.Microseconds()) / float64(r.Answered)
	}
	return c
}

// target is a server under load.
type target struct {
	server, level string
	p             *proc
	token         string
}

// measureLoad starts the mock once per log level and the plain server,
// and runs every (operation, concurrency) cell against each, in turn.
func measureLoad(ctx context.Context, cfg config, bin, dir string, rep *report, progress func(string, ...any)) error {
	var targets []*target
	defer func() {
		for _, t := range targets {
			t.p.stop()
		}
	}()
	for _, level := range cfg.logLevels {
		p, err := startMock(ctx, bin, dir, level)
		if err != nil {
			return err
		}
		t := &target{server: "mock", level: level, p: p}
		targets = append(targets, t)
		c := newClient(p.addr, 1)
		if t.token, err = c.token(ctx); err != nil {
			return fmt.Errorf("mock at %s: %w", level, err)
		}
		c.close()
	}
	// The plain server answers the mock's own answers, so both send the
	// same bytes back.
	plainArgs := []string{plainFlag}
	c := newClient(targets[0].p.addr, 1)
	for _, name := range cfg.ops {
		op := operations[name]
		b, err := c.post(ctx, op.path, targets[0].token, op.body)
		if err != nil {
			return fmt.Errorf("mock: %w", err)
		}
		file := filepath.Join(dir, name+".json")
		if err := os.WriteFile(file, b, 0o600); err != nil {
			return fmt.Errorf("write %s: %w", file, err)
		}
		plainArgs = append(plainArgs, "-body", op.path+"="+file)
	}
	c.close()
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this program to start the plain server: %w", err)
	}
	addr, err := loopback.FreeAddr()
	if err != nil {
		return err
	}
	plain, err := startProc(ctx, "plain", dir, addr, self, append(plainArgs, "-addr", addr)...)
	if err != nil {
		return err
	}
	// The plain server goes second, between the mock's log levels.
	targets = append(targets[:1], append([]*target{{server: "plain", p: plain, token: targets[0].token}}, targets[1:]...)...)

	for _, name := range cfg.ops {
		for _, conns := range cfg.conc {
			for _, t := range targets {
				progress("%s, %d connections, %s %s", name, conns, t.server, t.level)
				c := newClient(t.p.addr, conns)
				srv0, err := t.p.cpu()
				if err != nil {
					return err
				}
				self0 := selfCPU()
				r := c.drive(ctx, operations[name], t.token, conns, cfg.warmup, cfg.duration, 0)
				self1 := selfCPU()
				srv1, err := t.p.cpu()
				if err != nil {
					return err
				}
				c.close()
				if err := ctx.Err(); err != nil {
					return err
				}
				rep.Cells = append(rep.Cells, newCell(name, conns, t.server, t.level, r, srv1-srv0, self1-self0))
			}
		}
	}
	return nil
}
