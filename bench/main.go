// Command bench measures mockhelthjem against a plain net/http server on
// loopback, and optionally against the mock servers a user might pick
// instead, so that anyone can check that the mock is never the slow part
// of a pipeline. In one run it:
//
//   - builds cmd/mockhelthjem and starts it as a separate process, several
//     times, timing process start to the first /healthz 200 and reading the
//     idle resident set size (VmRSS) once it is ready;
//   - starts a plain net/http server (this program in -plain-server mode,
//     also a separate process) that decodes the same JSON into a map and
//     answers the mock's own response bytes;
//   - with -peers, starts Prism, Mockoon and WireMock from the directory
//     -install-peers put them in (peers.go), each serving the coverage call;
//   - drives the mock (at -log-level warn, and at info, the default), the
//     plain server and the peers with the same keep-alive load at several
//     concurrencies for the coverage (find/single) and booking operations,
//     each with the guide's body and with bodies never sent before, and
//     prints requests/s, p50 and p99 latency and the mock/plain ratios;
//   - books -bookings parcels on a fresh mock and reports the RSS growth;
//   - prints PASS or MISS for each target of issue #16.
//
// Usage, from the repository root:
//
//	go run ./bench                   # the full run, about three minutes
//	go run ./bench -duration 1s -conc 8 -ops coverage
//	go run ./bench -json > result.json
//	go run ./bench -install-peers /tmp/peers && go run ./bench -peers -peers-dir /tmp/peers
//
// It is not a unit test: the test command runs it briefly (TestSmoke) to
// keep it working, never the peers, and judges no figure.
//
// Only the standard library, kin-openapi (to hand Prism the spec) and this
// module's internal packages are used, and only loopback addresses.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/envflag"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == plainFlag {
		if err := plainMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "bench -plain-server:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		var m *missedError
		if errors.As(err, &m) {
			os.Exit(3)
		}
		os.Exit(1)
	}
}

// config is what the flags set.
type config struct {
	duration, warmup time.Duration
	conc             []int
	ops              []string
	logLevels        []string
	bookings         int
	starts           int
	settle           time.Duration
	mockBin          string
	json             bool
	strict           bool
	peers            bool
	peersDir         string
	peersWarmup      time.Duration
	installPeers     string
	specPath         string // spec/helthjem.yaml, for Prism; not a flag
}

// peersEnv is where -peers-dir defaults from.
const peersEnv = "MOCKHELTHJEM_BENCH_PEERS"

func parseFlags(args []string, lookupEnv func(string) (string, bool), stderr io.Writer) (config, error) {
	var cfg config
	fs := envflag.New("bench", stderr)
	fs.DurationVar(&cfg.duration, "duration", 3*time.Second, "measured time per cell (operation, concurrency, server)")
	fs.DurationVar(&cfg.warmup, "warmup", 500*time.Millisecond, "unmeasured load before each cell")
	conc := fs.String("conc", "1,8,32", "comma-separated numbers of keep-alive connections")
	ops := fs.String("ops", strings.Join(opNames, ","), "comma-separated operations: coverage (find/single, TS 23, the guide's request), coverage-unique (the same with a customer name never sent before), booking (TS 113, the guide's), booking-unique (the same with a consignee, reference and shipmentId never sent before)")
	levels := fs.String("log-levels", "warn,info", "comma-separated -log-level values to run the mock at; the first one is judged against the targets")
	fs.IntVar(&cfg.bookings, "bookings", 10_000, "bookings stored on a fresh mock to measure RSS growth (0 skips)")
	fs.IntVar(&cfg.starts, "starts", 5, "times the mock is started to time start-up")
	fs.DurationVar(&cfg.settle, "settle", 500*time.Millisecond, "how long a mock idles before its RSS is read")
	fs.StringVar(&cfg.mockBin, "mock-bin", "", "a built mockhelthjem binary (default: build ./cmd/mockhelthjem into a temporary directory)")
	fs.BoolVar(&cfg.json, "json", false, "print the results as JSON instead of tables")
	fs.BoolVar(&cfg.strict, "strict", false, "exit with status 3 when a target is missed")
	fs.BoolVar(&cfg.peers, "peers", false, "also measure the peers (Prism, Mockoon, WireMock) found in -peers-dir on the coverage operations, and print them side by side")
	fs.StringEnv(&cfg.peersDir, "peers-dir", peersEnv, "", "the directory -install-peers installed the peers into")
	fs.DurationVar(&cfg.peersWarmup, "peers-warmup", 5*time.Second, "with -peers, load every server with the coverage call for this long, once, before the first cell, so that a JIT (Node, the JVM) is measured warm")
	fs.StringVar(&cfg.installPeers, "install-peers", "", "install the pinned peers into this directory with npm, then exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./bench [flags]\n\nBenchmarks mockhelthjem against a plain net/http server on loopback.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if err := fs.ApplyEnv(lookupEnv); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if cfg.conc, err = parseInts(*conc); err != nil {
		return cfg, fmt.Errorf("-conc: %w", err)
	}
	cfg.ops = splitList(*ops)
	for _, op := range cfg.ops {
		if _, ok := operations[op]; !ok {
			return cfg, fmt.Errorf("-ops: unknown operation %q (want one of %s)", op, strings.Join(opNames, ", "))
		}
	}
	cfg.logLevels = splitList(*levels)
	if len(cfg.logLevels) == 0 {
		return cfg, errors.New("-log-levels: at least one level is needed")
	}
	if cfg.peers && !slices.ContainsFunc(cfg.ops, func(op string) bool { return operations[op].path == coveragePath }) {
		return cfg, errors.New("-peers: the peers serve the coverage call only; -ops must include coverage or coverage-unique")
	}
	if cfg.duration <= 0 || cfg.warmup < 0 || cfg.peersWarmup < 0 || cfg.settle < 0 || cfg.starts < 1 || cfg.bookings < 0 {
		return cfg, errors.New("-duration must be positive, -warmup, -peers-warmup, -settle and -bookings not negative, -starts at least 1")
	}
	return cfg, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range splitList(s) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("no concurrency given")
	}
	return out, nil
}

// missedError is returned under -strict when a target is missed.
type missedError struct{ missed []string }

func (e *missedError) Error() string {
	return "targets missed: " + strings.Join(e.missed, "; ")
}

// run is the whole benchmark; it writes the report to stdout and progress
// to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, os.LookupEnv, stderr)
	if err != nil {
		return err
	}
	if cfg.installPeers != "" {
		return installPeers(ctx, cfg.installPeers, stderr, stderr)
	}
	work, err := os.MkdirTemp("", "mockhelthjem-bench-")
	if err != nil {
		return fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(work)
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", a...) }

	rep := &report{Machine: describeMachine(), Config: cfg.describe()}
	module, modErr := moduleDir(ctx)
	bin := cfg.mockBin
	if bin == "" {
		if modErr != nil {
			return modErr
		}
		progress("building ./cmd/mockhelthjem")
		if bin, err = buildMock(ctx, module, work); err != nil {
			return err
		}
	}
	rep.Mock = describeBinary(bin)
	if rep.Mock.Revision == "" && cfg.mockBin == "" {
		rep.Mock.Revision, rep.Mock.Modified = gitRevision(ctx, module)
	}
	if modErr == nil {
		cfg.specPath = filepath.Join(module, "spec", "helthjem.yaml")
	}

	progress("starting the mock %d times", cfg.starts)
	if rep.Startup, err = measureStartup(ctx, bin, work, cfg.starts, cfg.settle); err != nil {
		return err
	}
	if err := measureLoad(ctx, cfg, bin, work, rep, progress); err != nil {
		return err
	}
	if cfg.bookings > 0 {
		progress("storing %d bookings on a fresh mock", cfg.bookings)
		if rep.Storage, err = measureStorage(ctx, bin, work, "booking", cfg.bookings, cfg.settle); err != nil {
			return err
		}
		progress("storing %d booking-unique bookings on a fresh mock", cfg.bookings)
		if rep.StorageUnique, err = measureStorage(ctx, bin, work, "booking-unique", cfg.bookings, cfg.settle); err != nil {
			return err
		}
	}
	rep.judge(cfg)
	if cfg.json {
		err = rep.writeJSON(stdout)
	} else {
		err = rep.writeText(stdout)
	}
	if err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	if missed := rep.missed(); cfg.strict && len(missed) > 0 {
		return &missedError{missed: missed}
	}
	return nil
}
