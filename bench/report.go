package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// The targets of issue #7, for a 2-core machine.
const (
	targetThroughputRatio = 0.5      // coverage rps, mock/plain, at least
	targetP99Ratio        = 2.0      // coverage p99 at targetP99Conns, mock/plain, at most
	targetP99Conns        = 32       // connections the p99 target is judged at
	targetStartMS         = 100.0    // process start to first /healthz 200, under
	targetIdleRSS         = 30 << 20 // bytes, under
	targetPerBooking      = 4 << 10  // RSS bytes per stored booking, under
	judgedOp              = "coverage"
	defaultLogLevel       = "info" // the mock's default -log-level
	notMeasured           = "not measured"
	mib                   = float64(1 << 20)
	kib                   = float64(1 << 10)
)

// report is everything one run measured.
type report struct {
	Machine machine       `json:"machine"`
	Config  runConfig     `json:"config"`
	Mock    binaryInfo    `json:"mock"`
	Cells   []cell        `json:"cells"`
	Startup startupStats  `json:"startup"`
	Storage storageStats  `json:"storage"`
	Targets []targetCheck `json:"targets"`
	Notes   []string      `json:"notes"`
}

type runConfig struct {
	Duration  string   `json:"duration"`
	Warmup    string   `json:"warmup"`
	Conns     []int    `json:"conns"`
	Ops       []string `json:"ops"`
	LogLevels []string `json:"logLevels"`
	Bookings  int      `json:"bookings"`
	Starts    int      `json:"starts"`
}

func (c config) describe() runConfig {
	return runConfig{
		Duration: c.duration.String(), Warmup: c.warmup.String(), Conns: c.conc, Ops: c.ops,
		LogLevels: c.logLevels, Bookings: c.bookings, Starts: c.starts,
	}
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
	for _, conns := range cfg.conc {
		name := fmt.Sprintf("%s throughput, mock/plain, %d conn (log %s)", judgedOp, conns, level)
		rps, _, ok := r.ratios(judgedOp, conns, level)
		if !ok {
			r.Targets = append(r.Targets, targetCheck{Name: name, Limit: fmt.Sprintf(">= %.2f", targetThroughputRatio), Result: notMeasured})
			continue
		}
		r.Targets = append(r.Targets, check(name, fmt.Sprintf("%.2f", rps), fmt.Sprintf(">= %.2f", targetThroughputRatio), rps >= targetThroughputRatio))
	}
	p99name := fmt.Sprintf("%s p99, mock/plain, %d conn (log %s)", judgedOp, targetP99Conns, level)
	if _, p99, ok := r.ratios(judgedOp, targetP99Conns, level); ok {
		r.Targets = append(r.Targets, check(p99name, fmt.Sprintf("%.2f", p99), fmt.Sprintf("<= %.2f", targetP99Ratio), p99 <= targetP99Ratio))
	} else {
		r.Targets = append(r.Targets, targetCheck{Name: p99name, Limit: fmt.Sprintf("<= %.2f", targetP99Ratio), Result: notMeasured})
	}
	r.Targets = append(r.Targets,
		check(fmt.Sprintf("start to first /healthz 200 (median of %d)", r.Startup.Runs),
			fmt.Sprintf("%.1f ms", r.Startup.MedianMS), fmt.Sprintf("< %.0f ms", targetStartMS), r.Startup.MedianMS < targetStartMS),
		check("idle RSS (median)", fmt.Sprintf("%.1f MiB", float64(r.Startup.IdleRSSMed)/mib),
			fmt.Sprintf("< %.0f MiB", targetIdleRSS/mib), r.Startup.IdleRSSMed < targetIdleRSS))
	if r.Storage.Bookings > 0 {
		r.Targets = append(r.Targets, check("RSS per stored booking",
			fmt.Sprintf("%.2f KiB", r.Storage.PerBooking/kib), fmt.Sprintf("< %.0f KiB", targetPerBooking/kib), r.Storage.PerBooking < targetPerBooking))
	} else {
		r.Targets = append(r.Targets, targetCheck{Name: "RSS per stored booking", Limit: fmt.Sprintf("< %.0f KiB", targetPerBooking/kib), Result: notMeasured})
	}

	r.Notes = []string{fmt.Sprintf("the load generator, the mock and the plain server share this machine's %d CPUs", r.Machine.CPUs)}
	for _, other := range cfg.logLevels[1:] {
		for _, conns := range cfg.conc {
			if rps, p99, ok := r.ratios(judgedOp, conns, other); ok {
				note := fmt.Sprintf("at -log-level %s: %s throughput %.2fx plain, p99 %.2fx plain, %d conn", other, judgedOp, rps, p99, conns)
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
	b.WriteString("\ntargets (issue #7):\n")
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
