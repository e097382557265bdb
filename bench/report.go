package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// The targets, for a 2-core machine: issue #16's, and the coverage p99
// bound of issue #7, which #16 keeps.
const (
	targetStartMS    = 30.0     // process start to first /healthz 200, under
	targetIdleRSS    = 16 << 20 // bytes, under
	targetPerBooking = 2 << 10  // RSS bytes per stored booking, at most
	defaultLogLevel  = "info"   // the mock's default -log-level
	notMeasured      = "not measured"
	mib              = float64(1 << 20)
	kib              = float64(1 << 10)
)

// ratioTarget bounds a mock/plain ratio of one operation.
type ratioTarget struct {
	op    string
	conns []int // the concurrencies judged; nil judges every one measured
	p99   bool  // the p99 ratio, at most limit; else throughput, at least limit
	limit float64
	issue int
}

var ratioTargets = []ratioTarget{
	{op: "coverage", limit: 0.9, issue: 16},
	{op: "coverage", conns: []int{32}, p99: true, limit: 2, issue: 7},
	{op: "coverage-unique", conns: []int{8, 32}, limit: 0.75, issue: 16},
	{op: "booking", conns: []int{32}, limit: 0.6, issue: 16},
	{op: "booking", conns: []int{32}, p99: true, limit: 2, issue: 16},
	{op: "booking-unique", conns: []int{32}, limit: 0.6, issue: 16},
	{op: "booking-unique", conns: []int{32}, p99: true, limit: 2, issue: 16},
}

// judge returns the check of t at conns.
func (t ratioTarget) judge(r *report, conns int, level string) targetCheck {
	metric, limit := "throughput", fmt.Sprintf(">= %.2f", t.limit)
	if t.p99 {
		metric, limit = "p99", fmt.Sprintf("<= %.2f", t.limit)
	}
	name := fmt.Sprintf("%s %s, mock/plain, %d conn (log %s; #%d)", t.op, metric, conns, level, t.issue)
	rps, p99, ok := r.ratios(t.op, conns, level)
	if !ok {
		return targetCheck{Name: name, Limit: limit, Result: notMeasured}
	}
	// A cell the mock answered with errors measured something else (a
	// 507 is fast): it misses, whatever its ratios.
	if m, _ := r.find(t.op, conns, "mock", level); m.Errors > 0 {
		return check(name, fmt.Sprintf("%d errors", m.Errors), limit, false)
	}
	if t.p99 {
		return check(name, fmt.Sprintf("%.2f", p99), limit, p99 <= t.limit)
	}
	return check(name, fmt.Sprintf("%.2f", rps), limit, rps >= t.limit)
}

// report is everything one run measured.
type report struct {
	Machine machine      `json:"machine"`
	Config  runConfig    `json:"config"`
	Mock    binaryInfo   `json:"mock"`
	Cells   []cell       `json:"cells"`
	Startup startupStats `json:"startup"`
	Storage storageStats `json:"storage"`
	// StorageUnique is Storage for booking-unique bodies, as a CI suite
	// books; judged like Storage.
	StorageUnique storageStats  `json:"storageUnique"`
	Targets       []targetCheck `json:"targets"`
	Notes         []string      `json:"notes"`
	// Peers, with -peers: the mock, the plain server and each peer, in
	// the order of the peers table.
	Peers []peerRow `json:"peers,omitempty"`
}

type runConfig struct {
	Duration  string   `json:"duration"`
	Warmup    string   `json:"warmup"`
	Conns     []int    `json:"conns"`
	Ops       []string `json:"ops"`
	LogLevels []string `json:"logLevels"`
	Bookings  int      `json:"bookings"`
	Starts    int      `json:"starts"`
	// PeersWarmup is the one-time warm-up of every server with -peers.
	PeersWarmup string `json:"peersWarmup,omitempty"`
}

func (c config) describe() runConfig {
	rc := runConfig{
		Duration: c.duration.String(), Warmup: c.warmup.String(), Conns: c.conc, Ops: c.ops,
		LogLevels: c.logLevels, Bookings: c.bookings, Starts: c.starts,
	}
	if c.peers {
		rc.PeersWarmup = c.peersWarmup.String()
	}
	return rc
}

// targetCheck is one target, judged.
type targetCheck struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Limit string `json:"limit"`
	// Result is PASS, MISS, or "not measured" when the run skipped it.
	Result string `json:"result"`
}

func check(name, value, limit string, pass bool) targetCheck {
	r := "MISS"
	if pass {
		r = "PASS"
	}
	return targetCheck{Name: name, Value: value, Limit: limit, Result: r}
}

// find returns the cell for op, conns and server (level for the mock).
func (r *report) find(op string, conns int, server, level string) (cell, bool) {
	for _, c := range r.Cells {
		if c.Op == op && c.Conns == conns && c.Server == server && (server != "mock" || c.LogLevel == level) {
			return c, true
		}
	}
	return cell{}, false
}

// ratios returns mock/plain throughput and p99 for a cell.
func (r *report) ratios(op string, conns int, level string) (rps, p99 float64, ok bool) {
	m, okm := r.find(op, conns, "mock", level)
	p, okp := r.find(op, conns, "plain", "")
	if !okm || !okp || p.RPS == 0 || p.P99MS == 0 {
		return 0, 0, false
	}
	return m.RPS / p.RPS, m.P99MS / p.P99MS, true
}

// judge fills Targets and Notes. The first log level is the judged one.
func (r *report) judge(cfg config) {
	level := cfg.logLevels[0]
	r.Targets = nil
	for _, t := range ratioTargets {
		conns := t.conns
		if conns == nil {
			conns = cfg.conc
		}
		for _, n := range conns {
			r.Targets = append(r.Targets, t.judge(r, n, level))
		}
	}
	r.Targets = append(r.Targets,
		check(fmt.Sprintf("start to first /healthz 200 (median of %d; #16)", r.Startup.Runs),
			fmt.Sprintf("%.1f ms", r.Startup.MedianMS), fmt.Sprintf("< %.0f ms", targetStartMS), r.Startup.MedianMS < targetStartMS),
		check("idle RSS (median; #16)", fmt.Sprintf("%.1f MiB", float64(r.Startup.IdleRSSMed)/mib),
			fmt.Sprintf("< %.0f MiB", targetIdleRSS/mib), r.Startup.IdleRSSMed < targetIdleRSS))
	// Both bodies are judged: the guide's booking repeated, and unique
	// bodies, the path a CI suite takes (a store that shared equal
	// requests would pass the first and not the second).
	for _, st := range []struct {
		name string
		s    storageStats
	}{
		{"RSS per stored booking (#16)", r.Storage},
		{"RSS per stored booking-unique (#16)", r.StorageUnique},
	} {
		if st.s.Bookings > 0 {
			r.Targets = append(r.Targets, check(st.name,
				fmt.Sprintf("%.2f KiB", st.s.PerBooking/kib), fmt.Sprintf("<= %.0f KiB", targetPerBooking/kib), st.s.PerBooking <= targetPerBooking))
		} else {
			r.Targets = append(r.Targets, targetCheck{Name: st.name, Limit: fmt.Sprintf("<= %.0f KiB", targetPerBooking/kib), Result: notMeasured})
		}
	}

	r.Notes = []string{fmt.Sprintf("the load generator, the mock and the plain server share this machine's %d CPUs", r.Machine.CPUs)}
	for _, other := range cfg.logLevels[1:] {
		for _, conns := range cfg.conc {
			if rps, p99, ok := r.ratios("coverage", conns, other); ok {
				note := fmt.Sprintf("at -log-level %s: coverage throughput %.2fx plain, p99 %.2fx plain, %d conn", other, rps, p99, conns)
				if other == defaultLogLevel {
					note += " (info is the binary's default)"
				}
				r.Notes = append(r.Notes, note)
			}
		}
	}
	for _, c := range r.Cells {
		if c.Errors > 0 {
			r.Notes = append(r.Notes, fmt.Sprintf("%s %s %d conn: %d errors, first: %s", c.Server, c.Op, c.Conns, c.Errors, c.FirstError))
		}
	}
}

// missed lists the targets that were missed.
func (r *report) missed() []string {
	var out []string
	for _, t := range r.Targets {
		if t.Result == "MISS" {
			out = append(out, fmt.Sprintf("%s = %s (want %s)", t.Name, t.Value, t.Limit))
		}
	}
	return out
}

func (r *report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// writeText prints the tables and the targets.
func (r *report) writeText(w io.Writer) error {
	m := r.Machine
	var b strings.Builder
	fmt.Fprintf(&b, "mockhelthjem bench, %s\n", m.Date)
	fmt.Fprintf(&b, "machine: %s/%s, %d CPUs (%s), GOMAXPROCS %d, bench built with %s\n", m.OS, m.Arch, m.CPUs, m.CPUModel, m.GOMAXPROCS, m.GoVersion)
	rev := r.Mock.Revision
	if rev == "" {
		rev = "unknown revision"
	}
	if r.Mock.Modified {
		rev += " (modified)"
	}
	fmt.Fprintf(&b, "mock: %s, %s, %s\n", r.Mock.Path, rev, r.Mock.GoVersion)
	fmt.Fprintf(&b, "load: %s measured per cell after %s warm-up, one goroutine per keep-alive connection sending back to back\n\n",
		r.Config.Duration, r.Config.Warmup)

	levels := r.Config.LogLevels
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "op\tconn\tmock rps\tplain rps\tratio\tmock p50\tmock p99\tplain p50\tplain p99\tp99 ratio\tmock cpu\tplain cpu\tclient cpu\t"
	for _, l := range levels[1:] {
		head += fmt.Sprintf("rps (%s)\tratio\tp99 (%s)\tp99 ratio\t", l, l)
	}
	fmt.Fprintln(tw, head)
	for _, op := range r.Config.Ops {
		for _, conns := range r.Config.Conns {
			mk, okm := r.find(op, conns, "mock", levels[0])
			pl, okp := r.find(op, conns, "plain", "")
			if !okm || !okp {
				continue
			}
			row := fmt.Sprintf("%s\t%d\t%.0f\t%.0f\t%s\t%.2fms\t%.2fms\t%.2fms\t%.2fms\t%s\t%.0fus\t%.0fus\t%.0fus\t",
				op, conns, mk.RPS, pl.RPS, ratio(mk.RPS, pl.RPS), mk.P50MS, mk.P99MS, pl.P50MS, pl.P99MS, ratio(mk.P99MS, pl.P99MS),
				mk.ServerCPUUS, pl.ServerCPUUS, mk.ClientCPUUS)
			for _, l := range levels[1:] {
				if o, ok := r.find(op, conns, "mock", l); ok {
					row += fmt.Sprintf("%.0f\t%s\t%.2fms\t%s\t", o.RPS, ratio(o.RPS, pl.RPS), o.P99MS, ratio(o.P99MS, pl.P99MS))
				}
			}
			fmt.Fprintln(tw, row)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(&b, "(mock columns at -log-level %s; ratio = mock/plain; cpu = CPU time per request of the mock, the plain server\n and the load generator, warm-up included)\n\n", levels[0])

	st := r.Startup
	fmt.Fprintf(&b, "start-up, process start to first /healthz 200, %d runs: median %.1f ms, max %.1f ms (each: %s)\n",
		st.Runs, st.MedianMS, st.MaxMS, joinFloats(st.ReadyMS, "%.1f"))
	fmt.Fprintf(&b, "idle RSS, %s after ready: median %.1f MiB\n", st.IdleSettle, float64(st.IdleRSSMed)/mib)
	if s := r.Storage; s.Bookings > 0 {
		fmt.Fprintf(&b, "RSS growth storing %d TS 113 bookings (%d stored): %.1f -> %.1f MiB, %.2f MiB per 10 000, %.2f KiB per booking\n",
			s.Bookings, s.StoredOrders, float64(s.RSSBefore)/mib, float64(s.RSSAfter)/mib, s.Per10k/mib, s.PerBooking/kib)
	}
	if s := r.StorageUnique; s.Bookings > 0 {
		fmt.Fprintf(&b, "RSS growth storing %d booking-unique bookings (%d stored): %.1f -> %.1f MiB, %.2f MiB per 10 000, %.2f KiB per booking\n",
			s.Bookings, s.StoredOrders, float64(s.RSSBefore)/mib, float64(s.RSSAfter)/mib, s.Per10k/mib, s.PerBooking/kib)
	}
	if err := r.writePeers(&b); err != nil {
		return err
	}
	b.WriteString("\ntargets (issue #16, and #7's coverage p99):\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, t := range r.Targets {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Result, t.Name, t.Value, t.Limit)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Notes) > 0 {
		b.WriteString("\nnotes:\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func joinFloats(fs []float64, format string) string {
	parts := make([]string, 0, len(fs))
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf(format, f))
	}
	return strings.Join(parts, ", ")
}

// peerRow is one server of the peers table.
type peerRow struct {
	Name    string `json:"name"` // mock, plain, or a peer's
	Package string `json:"package,omitempty"`
	Version string `json:"version,omitempty"`
	// Skipped says why a peer was not measured; its other fields but
	// Name and Package are then empty.
	Skipped string `json:"skipped,omitempty"`
	Note    string `json:"note,omitempty"`
	Command string `json:"command,omitempty"`
	// StartupMS is from just before exec to the first 200 to the
	// coverage call (for the mock, after asking for a token).
	StartupMS float64 `json:"startupMs,omitempty"`
	// Rejects is whether it answered the coverage call without its
	// required countryCode with a 4xx.
	Rejects bool `json:"rejectsInvalidBody"`
}

// shortRev is the mock's revision as the peers table prints it.
func shortRev(b binaryInfo) string {
	rev := b.Revision
	if len(rev) > 7 {
		rev = rev[:7]
	}
	if rev == "" {
		rev = "unknown"
	}
	if b.Modified {
		rev += "+"
	}
	return rev
}

// duration formats milliseconds as the tables print a start-up time.
func duration(msec float64) string {
	if msec >= 1000 {
		return fmt.Sprintf("%.2f s", msec/1000)
	}
	return fmt.Sprintf("%.1f ms", msec)
}

// writePeers prints the peers table: for each coverage operation and
// concurrency, every server measured, side by side with the mock.
func (r *report) writePeers(b *strings.Builder) error {
	if len(r.Peers) == 0 {
		return nil
	}
	level := r.Config.LogLevels[0]
	fmt.Fprintf(b, "\npeers: the guide's coverage call (POST %s), the same load for every server", coveragePath)
	if w := r.Config.PeersWarmup; w != "" && w != "0s" {
		fmt.Fprintf(b, ", each first warmed up for %s", w)
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\tconn\tserver\tversion\treq/s\tx plain\tp50\tp99\tstart-up\tRSS after load\trejects a bad body\t")
	for _, op := range r.Config.Ops {
		if operations[op].path != coveragePath {
			continue
		}
		for _, conns := range r.Config.Conns {
			pl, okp := r.find(op, conns, "plain", "")
			for _, p := range r.Peers {
				if p.Skipped != "" {
					continue
				}
				c, ok := r.find(op, conns, p.Name, level)
				if !ok {
					continue
				}
				x := "-"
				if okp {
					x = ratio(c.RPS, pl.RPS)
				}
				rejects := "no"
				if p.Rejects {
					rejects = "yes"
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%.0f\t%s\t%.2fms\t%.2fms\t%s\t%.1f MiB\t%s\t\n",
					op, conns, p.Name, p.Version, c.RPS, x, c.P50MS, c.P99MS, duration(p.StartupMS), float64(c.RSS)/mib, rejects)
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(b, "(mock at -log-level %s; start-up = exec to the first 200 to the coverage call; rejects a bad body = a 4xx to it\n without its required countryCode)\n", level)
	for _, p := range r.Peers {
		switch {
		case p.Skipped != "":
			fmt.Fprintf(b, "- %s (%s): skipped: %s\n", p.Name, p.Package, p.Skipped)
		case p.Command != "":
			fmt.Fprintf(b, "- %s: %s\n", p.Name, p.Command)
		}
		if p.Note != "" {
			fmt.Fprintf(b, "- %s: %s\n", p.Name, p.Note)
		}
	}
	return nil
}
