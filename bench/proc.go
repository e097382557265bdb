package main

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/loopback"
)

// mockClock freezes the mock's clock on the guide's day, so tokens never
// expire during a run and ids are the same run after run.
const mockClock = "2026-06-16T10:00:00+02:00"

// moduleDir is the directory of the module the working directory is in.
func moduleDir(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run bench inside the mockhelthjem module (go run ./bench from the repository root)")
	}
	return filepath.Dir(gomod), nil
}

// buildMock builds ./cmd/mockhelthjem of module into dir and returns the
// binary.
func buildMock(ctx context.Context, module, dir string) (string, error) {
	bin := filepath.Join(dir, "mockhelthjem")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/mockhelthjem")
	cmd.Dir = module
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/mockhelthjem: %w\n%s", err, out)
	}
	return bin, nil
}

// gitRevision asks git for the revision of dir and whether tracked files
// differ from it, for binaries built with -buildvcs=false.
func gitRevision(ctx context.Context, dir string) (rev string, modified bool) {
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "HEAD")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", false
	}
	st := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no")
	st.Dir = dir
	changes, _ := st.Output()
	return strings.TrimSpace(string(out)), len(bytes.TrimSpace(changes)) > 0
}

// binaryInfo says which mock was measured.
type binaryInfo struct {
	Path      string `json:"path"`
	GoVersion string `json:"goVersion,omitempty"`
	Revision  string `json:"revision,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
}

func describeBinary(bin string) binaryInfo {
	info := binaryInfo{Path: bin}
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		return info
	}
	info.GoVersion = bi.GoVersion
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// proc is a server process the benchmark started, in a process group of
// its own so that its children are measured and stopped with it.
type proc struct {
	name    string
	addr    string
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
	waitErr error
	// Ready is the time from just before exec to the first ready answer.
	Ready time.Duration
}

// probe asks a starting server once whether it is ready, over client,
// which opens a new connection for every request.
type probe func(ctx context.Context, client *http.Client, base string) bool

// healthz is ready at the first GET /healthz 200.
func healthz(ctx context.Context, client *http.Client, base string) bool {
	return fetch(ctx, client, http.MethodGet, base+"/healthz", "", nil) == http.StatusOK
}

// answers is ready at the first 200 to op, sent with token.
func answers(op operation, token string) probe {
	return func(ctx context.Context, client *http.Client, base string) bool {
		return fetch(ctx, client, http.MethodPost, base+op.path, token, op.body) == http.StatusOK
	}
}

// fetch sends one request and returns its status, 0 on a transport error.
func fetch(ctx context.Context, client *http.Client, method, url, token string, body []byte) int {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// startLimit is how long a server may take to become ready; a JVM on a
// busy 2-core machine can take ten seconds.
const startLimit = 60 * time.Second

// startProc starts bin with args (which must make it listen on addr) in
// workdir, logging to a file in dir, and waits until ready says it is.
func startProc(ctx context.Context, name, dir, addr string, ready probe, bin string, args ...string) (*proc, error) {
	logf, err := os.CreateTemp(dir, name+"-*.log")
	if err != nil {
		return nil, fmt.Errorf("%s log file: %w", name, err)
	}
	defer logf.Close()
	p := &proc{name: name, addr: addr, logPath: logf.Name(), exited: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = logf, logf
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	if err := p.waitReady(ctx, ready, start, startLimit); err != nil {
		p.stop()
		return nil, err
	}
	return p, nil
}

// waitReady asks ready until it says yes, on fresh connections. It asks
// every 200 µs at first, then every 1% of the time so far (at most every
// 10 ms), so that a slow starter is not slowed further by the asking.
func (p *proc) waitReady(ctx context.Context, ready probe, start time.Time, limit time.Duration) error {
	tr := &http.Transport{DisableKeepAlives: true, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Second}
	for {
		if ready(ctx, client, "http://"+p.addr) {
			p.Ready = time.Since(start)
			return nil
		}
		since := time.Since(start)
		select {
		case <-p.exited:
			return fmt.Errorf("%s exited before it was ready (%v):\n%s", p.name, p.waitErr, p.logTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(max(since/100, 200*time.Microsecond), 10*time.Millisecond)):
		}
		if since > limit {
			return fmt.Errorf("%s was not ready within %s:\n%s", p.name, limit, p.logTail())
		}
	}
}

// logTail is the end of the process's log, for error messages.
func (p *proc) logTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return err.Error()
	}
	return string(b[max(0, len(b)-2000):])
}

// rss is the resident set size in bytes (Linux: VmRSS) of the process
// and every process it started.
func (p *proc) rss() (int64, error) {
	var sum int64
	for _, pid := range p.tree() {
		n, err := readRSS(pid)
		if err != nil && pid == p.cmd.Process.Pid {
			return 0, err
		}
		sum += n // a child that has just exited counts 0
	}
	return sum, nil
}

// tree is the process and its live descendants (Linux: /proc).
func (p *proc) tree() []int {
	parent := map[int]int{}
	for pid, st := range procTable() {
		parent[pid] = st.ppid
	}
	delete(parent, p.cmd.Process.Pid)
	return descendants(p.cmd.Process.Pid, parent)
}

// procState is what the bench reads of a process in /proc/PID/stat.
type procState struct {
	ppid, pgrp int
	zombie     bool
}

// procTable is every process's procState (Linux: /proc).
func procTable() map[int]procState {
	out := map[int]procState{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f, err := statFields(pid)
		if err != nil || len(f) < 3 {
			continue
		}
		ppid, err1 := strconv.Atoi(f[1])
		pgrp, err2 := strconv.Atoi(f[2])
		if err1 == nil && err2 == nil {
			out[pid] = procState{ppid: ppid, pgrp: pgrp, zombie: f[0] == "Z"}
		}
	}
	return out
}

// groupAlive says whether a process of group pgid is still running.
func groupAlive(pgid int) bool {
	for _, st := range procTable() {
		if st.pgrp == pgid && !st.zombie {
			return true
		}
	}
	return false
}

// descendants is root followed by every pid whose chain of parents leads
// to root, in ascending order.
func descendants(root int, parent map[int]int) []int {
	out := []int{root}
	pids := make([]int, 0, len(parent))
	for pid := range parent {
		pids = append(pids, pid)
	}
	sort.Ints(pids)
	for _, pid := range pids {
		seen := map[int]bool{}
		for pp, ok := parent[pid]; ok && !seen[pp]; pp, ok = parent[pp] {
			if pp == root {
				out = append(out, pid)
				break
			}
			seen[pp] = true
		}
	}
	return out
}

func readRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read RSS (Linux only): %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse VmRSS %q: %w", rest, err)
			}
			return kb * 1024, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read /proc/%d/status: %w", pid, err)
	}
	return 0, fmt.Errorf("/proc/%d/status has no VmRSS", pid)
}

// statFields are the fields of /proc/PID/stat after the command name,
// which may hold spaces: the state (field 3) is the first.
func statFields(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:])), nil
}

// clockTicks is Linux's USER_HZ, the unit of /proc/PID/stat times.
const clockTicks = 100

// cpu is the user plus system CPU time so far of the process and every
// process it started (Linux).
func (p *proc) cpu() (time.Duration, error) {
	var sum time.Duration
	for _, pid := range p.tree() {
		d, err := procCPU(pid)
		if err != nil && pid == p.cmd.Process.Pid {
			return 0, err
		}
		sum += d
	}
	return sum, nil
}

func procCPU(pid int) (time.Duration, error) {
	f, err := statFields(pid)
	if err != nil {
		return 0, fmt.Errorf("read CPU time (Linux only): %w", err)
	}
	// utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat has %d fields after the name", pid, len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// selfCPU is this process's user plus system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// stop sends SIGTERM to the process group and waits for the process;
// after 5 s it kills the group. It returns once no process of the group
// runs, so the next measurement does not share the machine with a
// server still shutting down.
func (p *proc) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.exited
	}
	// A child that outlived its parent goes too.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	for deadline := time.Now().Add(5 * time.Second); groupAlive(pgid) && time.Now().Before(deadline); {
		time.Sleep(2 * time.Millisecond)
	}
}

// startMock starts the mock binary on a free loopback port; it is ready at
// the first /healthz 200.
func startMock(ctx context.Context, bin, dir, logLevel string) (*proc, error) {
	return startMockReady(ctx, bin, dir, logLevel, healthz)
}

func startMockReady(ctx context.Context, bin, dir, logLevel string, ready probe) (*proc, error) {
	addr, err := loopback.FreeAddr()
	if err != nil {
		return nil, err
	}
	return startProc(ctx, "mock-"+logLevel, dir, addr, ready, bin,
		"-addr", addr, "-seed", "1", "-clock", mockClock, "-log-level", logLevel)
}

// startupStats are the start-up measurements of several fresh processes.
type startupStats struct {
	Runs       int       `json:"runs"`
	ReadyMS    []float64 `json:"readyMs"`
	MedianMS   float64   `json:"medianMs"`
	MaxMS      float64   `json:"maxMs"`
	IdleRSS    []int64   `json:"idleRssBytes"`
	IdleRSSMed int64     `json:"idleRssMedianBytes"`
	IdleSettle string    `json:"idleSettle"`
}

// measureStartup starts the mock n times (log level warn) and records the
// time to the first /healthz 200 and the RSS after idling for settle.
func measureStartup(ctx context.Context, bin, dir string, n int, settle time.Duration) (startupStats, error) {
	st := startupStats{Runs: n, IdleSettle: settle.String()}
	for range n {
		p, err := startMock(ctx, bin, dir, "warn")
		if err != nil {
			return st, err
		}
		time.Sleep(settle)
		rss, err := p.rss()
		p.stop()
		if err != nil {
			return st, err
		}
		st.ReadyMS = append(st.ReadyMS, ms(p.Ready))
		st.IdleRSS = append(st.IdleRSS, rss)
	}
	ready := append([]float64(nil), st.ReadyMS...)
	sort.Float64s(ready)
	st.MedianMS, st.MaxMS = ready[len(ready)/2], ready[len(ready)-1]
	rss := append([]int64(nil), st.IdleRSS...)
	sort.Slice(rss, func(i, j int) bool { return rss[i] < rss[j] })
	st.IdleRSSMed = rss[len(rss)/2]
	return st, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// storageStats is the RSS growth of a mock storing bookings.
type storageStats struct {
	Bookings     int     `json:"bookings"`
	Errors       int     `json:"errors"`
	RSSBefore    int64   `json:"rssBeforeBytes"`
	RSSAfter     int64   `json:"rssAfterBytes"`
	PerBooking   float64 `json:"rssBytesPerBooking"`
	Per10k       float64 `json:"rssBytesPer10kBookings"`
	StoredOrders int     `json:"storedOrders"`
}

// measureStorage books n TS 113 parcels with operation opName (booking or
// booking-unique) on a fresh mock over 8 connections and reads VmRSS
// before and after, each after idling for settle.
func measureStorage(ctx context.Context, bin, dir, opName string, n int, settle time.Duration) (storageStats, error) {
	st := storageStats{Bookings: n}
	p, err := startMock(ctx, bin, dir, "warn")
	if err != nil {
		return st, err
	}
	defer p.stop()
	c := newClient(p.addr, 8)
	defer c.close()
	token, err := c.token(ctx)
	if err != nil {
		return st, err
	}
	op := operations[opName]
	// One booking first, so lazily built state is not counted as growth
	// (numbered 0: drive numbers its bodies from 1).
	if _, err := c.post(ctx, op.path, token, op.bodyFor(0)); err != nil {
		return st, err
	}
	time.Sleep(settle)
	if st.RSSBefore, err = p.rss(); err != nil {
		return st, err
	}
	res := c.drive(ctx, load{op: op, token: token, conns: 8, count: n})
	st.Errors = res.Errors
	if res.Requests != n {
		return st, fmt.Errorf("booked %d of %d parcels (%d errors, first: %s)", res.Requests, n, res.Errors, res.FirstError)
	}
	time.Sleep(settle)
	if st.RSSAfter, err = p.rss(); err != nil {
		return st, err
	}
	if st.StoredOrders, err = c.storedOrders(ctx); err != nil {
		return st, err
	}
	st.PerBooking = float64(st.RSSAfter-st.RSSBefore) / float64(n)
	st.Per10k = st.PerBooking * 10_000
	return st, nil
}

// machine describes where the run happened.
type machine struct {
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPUModel   string `json:"cpuModel,omitempty"`
	GoVersion  string `json:"goVersion"`
	Date       string `json:"date"`
}

func describeMachine() machine {
	m := machine{
		OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion: runtime.Version(), Date: time.Now().UTC().Format(time.RFC3339),
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range bytes.Split(b, []byte("\n")) {
			if k, v, ok := strings.Cut(string(line), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}
