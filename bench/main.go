// Command bench measures mockhelthjem against a plain net/http server on
// loopback, so that anyone can check that the mock is never the slow part
// of a pipeline. In one run it:
//
//   - builds cmd/mockhelthjem and starts it as a separate process, several
//     times, timing process start to the first /healthz 200 and reading the
//     idle resident set size (VmRSS) once it is ready;
//   - starts a plain net/http server (this program in -plain-server mode,
//     also a separate process) that decodes the same JSON into a map and
//     answers the mock's own response bytes;
//   - drives the mock (at -log-level warn, and at info, the default) and
//     the plain server with the same keep-alive load at several
//     concurrencies for the coverage (find/single) and booking operations,
//     and prints requests/s, p50 and p99 latency and the mock/plain ratios;
//   - books -bookings parcels on a fresh mock and reports the RSS growth;
//   - prints PASS or MISS for each target of issue #7.
//
// Usage, from the repository root:
//
//	go run ./bench                   # the full run, about two minutes
//	go run ./bench -duration 1s -conc 8 -ops coverage
//	go run ./bench -json > result.json
//
// Only the standard library and this module's internal/loopback are used,
// and only loopback addresses.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
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
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&cfg.duration, "duration", 3*time.Second, "measured time per cell (operation, concurrency, server)")
	fs.DurationVar(&cfg.warmup, "warmup", 500*time.Millisecond, "unmeasured load before each cell")
	conc := fs.String("conc", "1,8,32", "comma-separated numbers of keep-alive connections")
	ops := fs.String("ops", "coverage,coverage-unique,booking", "comma-separated operations: coverage (find/single, TS 23, the guide's request), coverage-unique (the same with a customer name never sent before), booking (TS 113)")
	levels := fs.String("log-levels", "warn,info", "comma-separated -log-level values to run the mock at; the first one is judged against the targets")
	fs.IntVar(&cfg.bookings, "bookings", 10_000, "bookings stored on a fresh mock to measure RSS growth (0 skips)")
	fs.IntVar(&cfg.starts, "starts", 5, "times the mock is started to time start-up")
	fs.DurationVar(&cfg.settle, "settle", 500*time.Millisecond, "how long a mock idles before its RSS is read")
	fs.StringVar(&cfg.mockBin, "mock-bin", "", "a built mockhelthjem binary (default: build ./cmd/mockhelthjem into a temporary directory)")
	fs.BoolVar(&cfg.json, "json", false, "print the results as JSON instead of tables")
	fs.BoolVar(&cfg.strict, "strict", false, "exit with status 3 when a target is missed")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./bench [flags]\n\nBenchmarks mockhelthjem against a plain net/http server on loopback.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
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
			return cfg, fmt.Errorf("-ops: unknown operation %q (want coverage, coverage-unique or booking)", op)
		}
	}
	cfg.logLevels = splitList(*levels)
	if len(cfg.logLevels) == 0 {
		return cfg, errors.New("-log-levels: at least one level is needed")
	}
	if cfg.duration <= 0 || cfg.warmup < 0 || cfg.settle < 0 || cfg.starts < 1 || cfg.bookings < 0 {
		return cfg, errors.New("-duration must be positive, -warmup, -settle and -bookings not negative, -starts at least 1")
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
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "mockhelthjem-bench-")
	if err != nil {
		return fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(work)
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", a...) }

	rep := &report{Machine: describeMachine(), Config: cfg.describe()}
	bin, module := cfg.mockBin, ""
	if bin == "" {
		progress("building ./cmd/mockhelthjem")
		if bin, module, err = buildMock(ctx, work); err != nil {
			return err
		}
	}
	rep.Mock = describeBinary(bin)
	if rep.Mock.Revision == "" && module != "" {
		rep.Mock.Revision, rep.Mock.Modified = gitRevision(ctx, module)
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
		if rep.Storage, err = measureStorage(ctx, bin, work, cfg.bookings, cfg.settle); err != nil {
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
