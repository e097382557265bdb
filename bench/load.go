package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
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
	// vary, when set, makes every request's body new: each old string is
	// replaced by its new one with %d set to a number unique to the
	// request, so the mock never sees the same request twice.
	vary []replacement
}

// replacement is one varied part of a body.
type replacement struct{ old, new string }

// bodyFor returns the body of the n-th request.
func (op operation) bodyFor(n int64) []byte {
	b := op.body
	for _, r := range op.vary {
		b = bytes.Replace(b, []byte(r.old), fmt.Appendf(nil, r.new, n), 1)
	}
	return b
}

// guideCoverage is the guide's find/single request (TS 23), as written
// there (internal/sim/testdata/guide).
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

// guideBooking is the guide's TS 113 booking.
const guideBooking = `{
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
}`

// coveragePath is where the coverage operations, and the peers, answer.
const coveragePath = "/parcels/v1/addresses/find/single"

// operations: coverage is find/single for TS 23, booking the TS 113
// booking; each also with a body never sent before.
var operations = map[string]operation{
	"coverage": {path: coveragePath, body: []byte(guideCoverage)},
	// coverage-unique is coverage with a customer name never sent before:
	// the cost of a request whose validation verdict is not remembered.
	"coverage-unique": {path: coveragePath, body: []byte(guideCoverage),
		vary: []replacement{{`"Sender Name"`, `"Sender Name %d"`}}},
	"booking": {path: "/parcels/v1/bookings", body: []byte(guideBooking)},
	// booking-unique is the booking as a CI suite sends it: a new
	// consignee, a new reference and a new shipmentId every time.
	"booking-unique": {path: "/parcels/v1/bookings", body: []byte(guideBooking), vary: []replacement{
		{`"Kristian Voie Danielsen"`, `"Kristian Voie Danielsen %d"`},
		{`"consignee_reference"`, `"consignee_reference %d"`},
		{`"shipmentId": null`, `"shipmentId": "BENCH%d"`},
	}},
}

// opNames are the operations in the order the bench runs and prints them.
var opNames = []string{"coverage", "coverage-unique", "booking", "booking-unique"}

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
	Errors     int // any other answer or a transport error, in the measured window
	FirstError string
	Elapsed    time.Duration
	latencies  []time.Duration // sorted, of the 200s
}

// window is when a load run measures: a request started once measure is
// closed is measured, and no request starts once stop is closed. A timed
// run closes them on timers (timedWindow); a test closes them when it
// chooses, so it depends on no clock.
type window struct {
	measure, stop chan struct{}
	from, to      time.Time // written just before measure and stop close
}

func newWindow() *window {
	return &window{measure: make(chan struct{}), stop: make(chan struct{})}
}

// startMeasuring ends the warm-up. Call it once.
func (w *window) startMeasuring() { w.from = time.Now(); close(w.measure) }

// end stops the run. Call it once, after startMeasuring.
func (w *window) end() { w.to = time.Now(); close(w.stop) }

// timedWindow measures for dur from warmup after now. The second timer
// starts when the first fires, so the window never closes before it opens.
func timedWindow(warmup, dur time.Duration) *window {
	w := newWindow()
	time.AfterFunc(warmup, func() {
		w.startMeasuring()
		time.AfterFunc(dur, w.end)
	})
	return w
}

// elapsed is the measured time, or 0 while the window is still open.
func (w *window) elapsed() time.Duration {
	select {
	case <-w.stop:
		return w.to.Sub(w.from)
	default:
		return 0
	}
}

func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// load is one load run.
type load struct {
	op    operation
	token string
	conns int // keep-alive connections, one goroutine each
	// With count > 0, exactly count requests are sent and all are
	// measured; else requests are sent until win stops.
	count int
	win   *window
	// serial numbers the varied bodies of op. The bench shares one across
	// a run, so that no cell sends a body an earlier cell sent.
	serial *atomic.Int64
}

// drive sends l.op over l.conns keep-alive connections, each request right
// after the previous answer.
func (c *client) drive(ctx context.Context, l load) loadResult {
	start := time.Now()
	if l.serial == nil {
		l.serial = new(atomic.Int64)
	}
	var (
		tickets atomic.Int64
		mu      sync.Mutex
		res     loadResult
		wg      sync.WaitGroup
	)
	tickets.Store(int64(l.count))
	for range l.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var errs, answered int
			var firstErr string
			for ctx.Err() == nil {
				measured := true
				if l.count > 0 {
					if tickets.Add(-1) < 0 {
						break
					}
				} else {
					if closed(l.win.stop) {
						break
					}
					measured = closed(l.win.measure)
				}
				t0 := time.Now()
				status, b, err := c.do(ctx, http.MethodPost, l.op.path, l.token, l.op.bodyFor(l.serial.Add(1)))
				d := time.Since(t0)
				if err == nil && status == http.StatusOK {
					answered++
				}
				if !measured {
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
	if l.count > 0 {
		res.Elapsed = time.Since(start)
	} else {
		res.Elapsed = l.win.elapsed()
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
	// RSS is the server's resident set, with its child processes, right
	// after the cell's load.
	RSS int64 `json:"rssBytes"`
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
	// coverageOnly targets (the peers) serve the coverage path only.
	coverageOnly bool
}

// mockAnswers is ready at the mock's first 200 to the coverage call, with
// a token it asks for first: the call a user's first test makes.
func mockAnswers(ctx context.Context, hc *http.Client, base string) bool {
	c := &client{base: base, http: hc}
	tok, err := c.token(ctx)
	return err == nil && answers(operations["coverage"], tok)(ctx, hc, base)
}

// rejects says whether the server at addr answers a request that breaks
// the spec with a 4xx.
func rejects(ctx context.Context, addr, token string) bool {
	c := newClient(addr, 1)
	defer c.close()
	status, _, err := c.do(ctx, http.MethodPost, invalidCoverage.path, token, invalidCoverage.body)
	return err == nil && status >= 400 && status < 500
}

// measureLoad starts the mock once per log level, the plain server and,
// with -peers, each peer found, and runs every (operation, concurrency)
// cell against each, in turn.
func measureLoad(ctx context.Context, cfg config, bin, dir string, rep *report, progress func(string, ...any)) error {
	var targets []*target
	defer func() {
		for _, t := range targets {
			t.p.stop()
		}
	}()
	for _, level := range cfg.logLevels {
		p, err := startMockReady(ctx, bin, dir, level, mockAnswers)
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
	replies := map[string][]byte{}
	plainArgs := []string{plainFlag}
	c := newClient(targets[0].p.addr, 1)
	for _, name := range cfg.ops {
		op := operations[name]
		if _, ok := replies[op.path]; ok {
			continue
		}
		b, err := c.post(ctx, op.path, targets[0].token, op.body)
		if err != nil {
			return fmt.Errorf("mock: %w", err)
		}
		replies[op.path] = b
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
	first := operations[cfg.ops[0]]
	plain, err := startProc(ctx, "plain", dir, addr, answers(first, ""), self, append(plainArgs, "-addr", addr)...)
	if err != nil {
		return err
	}
	// The plain server goes second, between the mock's log levels.
	targets = append(targets[:1], append([]*target{{server: "plain", p: plain, token: targets[0].token}}, targets[1:]...)...)
	if cfg.peers {
		rep.Peers = append(rep.Peers,
			peerRow{Name: "mock", Version: shortRev(rep.Mock), StartupMS: ms(targets[0].p.Ready),
				Rejects: rejects(ctx, targets[0].p.addr, targets[0].token)},
			peerRow{Name: "plain", Version: "net/http", StartupMS: ms(plain.Ready), Rejects: rejects(ctx, plain.addr, "")})
		peerTargets, rows := startPeers(ctx, cfg, dir, replies[coveragePath], progress)
		targets = append(targets, peerTargets...)
		rep.Peers = append(rep.Peers, rows...)
	}

	serial := new(atomic.Int64)
	if cfg.peers && cfg.peersWarmup > 0 {
		for _, t := range targets {
			progress("warming %s up for %s", strings.TrimSpace(t.server+" "+t.level), cfg.peersWarmup)
			c := newClient(t.p.addr, peerWarmupConns)
			w := timedWindow(cfg.peersWarmup, 0)
			c.drive(ctx, load{op: operations["coverage-unique"], token: t.token, conns: peerWarmupConns, win: w, serial: serial})
			c.close()
		}
	}
	for _, name := range cfg.ops {
		for _, conns := range cfg.conc {
			for _, t := range targets {
				if t.coverageOnly && operations[name].path != coveragePath {
					continue
				}
				progress("%s, %d connections, %s", name, conns, strings.TrimSpace(t.server+" "+t.level))
				c := newClient(t.p.addr, conns)
				if t.server == "mock" {
					// Each cell starts from an empty store, as a suite
					// that resets between runs: the orders of earlier
					// cells would make later ones measure a fuller
					// store, and faster bookings reached -max-orders
					// (507 order.limit.reached for every later booking).
					if _, err := c.post(ctx, "/__sim/reset?clientId=demo", "", nil); err != nil {
						c.close()
						return fmt.Errorf("mock at %s: %w", t.level, err)
					}
				}
				srv0, err := t.p.cpu()
				if err != nil {
					return err
				}
				self0 := selfCPU()
				r := c.drive(ctx, load{op: operations[name], token: t.token, conns: conns, win: timedWindow(cfg.warmup, cfg.duration), serial: serial})
				self1 := selfCPU()
				srv1, err := t.p.cpu()
				if err != nil {
					return err
				}
				rss, err := t.p.rss()
				if err != nil {
					return err
				}
				c.close()
				if err := ctx.Err(); err != nil {
					return err
				}
				cl := newCell(name, conns, t.server, t.level, r, srv1-srv0, self1-self0)
				cl.RSS = rss
				rep.Cells = append(rep.Cells, cl)
			}
		}
	}
	return nil
}

// peerWarmupConns is the concurrency of -peers-warmup.
const peerWarmupConns = 8

// peerToken is what the load sends the peers as a bearer token: Prism
// wants one present (the spec says bearerAuth) but checks no signature.
const peerToken = "bench"

// startPeers starts each peer found in cfg.peersDir. A peer that is not
// installed, or cannot run here, is skipped with its reason, not failed.
func startPeers(ctx context.Context, cfg config, dir string, answer []byte, progress func(string, ...any)) ([]*target, []peerRow) {
	var targets []*target
	var rows []peerRow
	spec, _ := os.ReadFile(cfg.specPath) // prismCommand says so when it is missing
	for _, ps := range peerSpecs {
		row := peerRow{Name: ps.name, Package: ps.pkg + "@" + ps.version}
		t, err := startPeer(ctx, ps, cfg.peersDir, dir, spec, answer, &row)
		if err != nil {
			row.Skipped = err.Error()
			progress("peer %s skipped: %s", ps.name, err)
		} else {
			progress("peer %s %s ready in %.0f ms", ps.name, row.Version, row.StartupMS)
			targets = append(targets, t)
		}
		rows = append(rows, row)
	}
	return targets, rows
}

func startPeer(ctx context.Context, ps peerSpec, peersDir, dir string, spec, answer []byte, row *peerRow) (*target, error) {
	v, err := ps.find(peersDir, exec.LookPath)
	if err != nil {
		return nil, err
	}
	// The peer runs in its own work directory, so a relative install
	// directory would point elsewhere.
	if peersDir, err = filepath.Abs(peersDir); err != nil {
		return nil, err
	}
	row.Version = v
	if v != ps.version {
		row.Note = fmt.Sprintf("installed %s, the bench pins %s", v, ps.version)
	}
	work := filepath.Join(dir, ps.name)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	addr, err := loopback.FreeAddr()
	if err != nil {
		return nil, err
	}
	argv, err := ps.command(peerInput{dir: peersDir, work: work, addr: addr, spec: spec, answer: answer})
	if err != nil {
		return nil, err
	}
	row.Command = strings.Join(argv, " ")
	p, err := startProc(ctx, ps.name, work, addr, answers(operations["coverage"], peerToken), argv[0], argv[1:]...)
	if err != nil {
		return nil, err
	}
	row.StartupMS = ms(p.Ready)
	row.Rejects = rejects(ctx, addr, peerToken)
	return &target{server: ps.name, p: p, token: peerToken, coverageOnly: true}, nil
}
