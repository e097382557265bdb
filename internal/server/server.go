// Package server is the mockhelthjem program: flags and environment,
// logging, the HTTP server around the simulator, graceful shutdown and the
// healthcheck subcommand. cmd/mockhelthjem only calls Main and maps its
// error to an exit code. It holds no simulator logic (see internal/sim).
package server

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/envflag"
	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
	"github.com/mockhelthjem/mockhelthjem/internal/version"
)

// UsageError is a bad command line or environment: exit code 2 (0 for -h).
type UsageError struct {
	Err  error
	Help bool
	// Printed: the flag package has already shown the error and usage.
	Printed bool
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Code is the process exit code for the error.
func (e *UsageError) Code() int {
	if e.Help {
		return 0
	}
	return 2
}

// Config is everything the flags set.
type Config struct {
	Addr              string
	Seed              uint64
	Clock             time.Time
	FixturesDir       string
	LogFormat         string
	LogLevel          slog.Level
	AdminToken        string
	JWTSecret         string
	StrictResponses   bool
	StateFile         string
	MaxOrders         int
	JournalSize       int
	ShutdownTimeout   time.Duration
	ReadHeaderTimeout time.Duration
	IdleTimeout       time.Duration
}

// flagSet defines the flags, each defaulting from its environment variable.
// The flags are strings, checked after the environment is applied by the
// returned function, so that a bad value gets the same message from a flag
// or from its variable.
func flagSet(cfg *Config, stderr io.Writer) (*envflag.Set, func() error) {
	fs := envflag.New("mockhelthjem", stderr)
	str := fs.StringEnv
	str(&cfg.Addr, "addr", "MOCKHELTHJEM_ADDR", ":8080", "listen address")
	var seed, clock, level, strict, shutdown, readHeader, idle, maxOrders, journalSize string
	str(&seed, "seed", "MOCKHELTHJEM_SEED", "0", "seed for generated ids and codes; 0 picks a random one and logs it")
	str(&clock, "clock", "MOCKHELTHJEM_CLOCK", "", "simulated start time, RFC 3339; set: frozen (moves via /__sim/clock), empty: follows the wall clock")
	str(&cfg.FixturesDir, "fixtures", "MOCKHELTHJEM_FIXTURES", "", "directory whose clients.json, postalcodes.csv, servicepoints.json, contract-addresses.json replace the embedded ones")
	str(&cfg.LogFormat, "log-format", "MOCKHELTHJEM_LOG_FORMAT", "text", "log format: text or json")
	str(&level, "log-level", "MOCKHELTHJEM_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	str(&cfg.AdminToken, "admin-token", "MOCKHELTHJEM_ADMIN_TOKEN", "", "when set, /__sim/ requires Authorization: Bearer <admin-token>")
	str(&cfg.JWTSecret, "jwt-secret", "MOCKHELTHJEM_JWT_SECRET", "", "HMAC key for tokens; empty generates one per run")
	str(&strict, "strict-responses", "MOCKHELTHJEM_STRICT_RESPONSES", "false", "answer 500 mock.response.invalid when a response breaks the spec (else log a warning)")
	str(&cfg.StateFile, "state-file", "MOCKHELTHJEM_STATE_FILE", "", "file that keeps orders, their events and the clock across restarts (fsynced per change); empty: memory only")
	str(&maxOrders, "max-orders", "MOCKHELTHJEM_MAX_ORDERS", strconv.Itoa(sim.DefaultMaxOrders), "most orders stored (at most "+strconv.Itoa(sim.MaxOrdersLimit())+"); more bookings get 507 order.limit.reached")
	str(&journalSize, "journal-size", "MOCKHELTHJEM_JOURNAL_SIZE", strconv.Itoa(sim.DefaultJournalSize), "requests kept for GET /__sim/requests")
	str(&shutdown, "shutdown-timeout", "MOCKHELTHJEM_SHUTDOWN_TIMEOUT", "10s", "how long in-flight requests may finish after SIGTERM")
	str(&readHeader, "read-header-timeout", "MOCKHELTHJEM_READ_HEADER_TIMEOUT", "10s", "time allowed to read request headers")
	str(&idle, "idle-timeout", "MOCKHELTHJEM_IDLE_TIMEOUT", "120s", "keep-alive idle timeout")
	check := func() error {
		var err error
		if cfg.Seed, err = strconv.ParseUint(seed, 10, 64); err != nil {
			return fmt.Errorf("-seed (MOCKHELTHJEM_SEED) must be a non-negative integer")
		}
		if clock != "" {
			if cfg.Clock, err = time.Parse(time.RFC3339, clock); err != nil {
				return fmt.Errorf("-clock (MOCKHELTHJEM_CLOCK) must be RFC 3339, e.g. 2026-06-16T10:00:00+02:00")
			}
		}
		if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
			return fmt.Errorf("-log-format (MOCKHELTHJEM_LOG_FORMAT) must be text or json")
		}
		if err := cfg.LogLevel.UnmarshalText([]byte(level)); err != nil {
			return fmt.Errorf("-log-level (MOCKHELTHJEM_LOG_LEVEL) must be debug, info, warn or error")
		}
		if cfg.MaxOrders, err = strconv.Atoi(maxOrders); err != nil || cfg.MaxOrders < 1 || cfg.MaxOrders > sim.MaxOrdersLimit() {
			return fmt.Errorf("-max-orders (MOCKHELTHJEM_MAX_ORDERS) must be an integer from 1 to %d", sim.MaxOrdersLimit())
		}
		if cfg.JournalSize, err = strconv.Atoi(journalSize); err != nil || cfg.JournalSize < 1 {
			return fmt.Errorf("-journal-size (MOCKHELTHJEM_JOURNAL_SIZE) must be a positive integer")
		}
		if cfg.StrictResponses, err = strconv.ParseBool(strict); err != nil {
			return fmt.Errorf("-strict-responses (MOCKHELTHJEM_STRICT_RESPONSES) must be true or false")
		}
		for _, d := range []struct {
			p         *time.Duration
			v         string
			name, env string
		}{
			{&cfg.ShutdownTimeout, shutdown, "shutdown-timeout", "MOCKHELTHJEM_SHUTDOWN_TIMEOUT"},
			{&cfg.ReadHeaderTimeout, readHeader, "read-header-timeout", "MOCKHELTHJEM_READ_HEADER_TIMEOUT"},
			{&cfg.IdleTimeout, idle, "idle-timeout", "MOCKHELTHJEM_IDLE_TIMEOUT"},
		} {
			if *d.p, err = time.ParseDuration(d.v); err != nil || *d.p <= 0 {
				return fmt.Errorf("-%s (%s) must be a positive duration such as 10s", d.name, d.env)
			}
		}
		return nil
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: mockhelthjem [flags]\n       mockhelthjem healthcheck [-addr ADDR] [-timeout 3s]\n       mockhelthjem -version\n\nA stateful simulator of Helthjem's parcel API (C2C flow).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	return fs, check
}

// Main runs the program until ctx is cancelled (SIGTERM/SIGINT).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck(ctx, args[1:], stderr)
	}
	cfg, showVersion, err := parseFlags(args, os.LookupEnv, stderr)
	switch {
	case err != nil:
		return err
	case showVersion:
		fmt.Fprintln(stdout, "mockhelthjem", version.String())
		return nil
	}
	return Run(ctx, cfg, stderr, nil)
}

// parseFlags reads the command line, then the environment (lookup) for the
// flags it left out. -version is answered before the environment is read.
// Errors are *UsageError.
func parseFlags(args []string, lookup func(string) (string, bool), stderr io.Writer) (cfg Config, showVersion bool, err error) {
	fs, check := flagSet(&cfg, stderr)
	fs.BoolVar(&showVersion, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return cfg, false, &UsageError{Err: err, Help: errors.Is(err, flag.ErrHelp), Printed: true}
	}
	if fs.NArg() > 0 {
		return cfg, false, &UsageError{Err: fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if showVersion {
		return cfg, true, nil
	}
	if err := fs.ApplyEnv(lookup); err != nil {
		return cfg, false, &UsageError{Err: err}
	}
	if err := check(); err != nil {
		return cfg, false, &UsageError{Err: err}
	}
	return cfg, false, nil
}

// NewLogger returns the slog logger the flags ask for.
func NewLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Run serves until ctx is done, then shuts down gracefully. ready, when
// not nil, receives the listening address once the server accepts.
func Run(ctx context.Context, cfg Config, logw io.Writer, ready chan<- string) error {
	log := NewLogger(logw, cfg.LogFormat, cfg.LogLevel)
	fx, err := fixture.LoadDir(cfg.FixturesDir)
	if err != nil {
		return fmt.Errorf("load fixtures: %w", err)
	}
	opts := sim.Options{
		Seed: cfg.Seed, Clock: cfg.Clock, Fixtures: fx, Logger: log,
		StrictResponses: cfg.StrictResponses, AdminToken: cfg.AdminToken,
		StateFile: cfg.StateFile, MaxOrders: cfg.MaxOrders, JournalSize: cfg.JournalSize,
	}
	if cfg.JWTSecret != "" {
		opts.JWTKey = []byte(cfg.JWTSecret)
	}
	s, err := sim.New(opts)
	if err != nil {
		return fmt.Errorf("start simulator: %w", err)
	}
	defer s.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("mockhelthjem listening", "addr", ln.Addr().String(), "seed", s.Seed(),
		"clock", s.Now().Format(time.RFC3339), "frozen", !cfg.Clock.IsZero(), "version", version.String(),
		"admin_token", cfg.AdminToken != "")
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	s.Shutdown()
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// healthcheck is the image's HEALTHCHECK: GET /healthz on the local port.
// With -wait it polls GET /readyz instead, until it answers 200 or the wait
// is over, for scripts that have only the image and must wait for the mock.
func healthcheck(ctx context.Context, args []string, stderr io.Writer) error {
	fs := envflag.New("mockhelthjem healthcheck", stderr)
	var addr, timeoutStr, waitStr string
	fs.StringEnv(&addr, "addr", "MOCKHELTHJEM_ADDR", ":8080", "address the mock listens on")
	fs.StringEnv(&timeoutStr, "timeout", "MOCKHELTHJEM_HEALTHCHECK_TIMEOUT", "3s", "how long to wait for an answer")
	fs.StringEnv(&waitStr, "wait", "MOCKHELTHJEM_HEALTHCHECK_WAIT", "0s", "poll /readyz until it answers 200, for up to this long; 0 checks /healthz once")
	if err := fs.Parse(args); err != nil {
		return &UsageError{Err: err, Help: errors.Is(err, flag.ErrHelp), Printed: true}
	}
	if fs.NArg() > 0 {
		return &UsageError{Err: fmt.Errorf("healthcheck: unexpected argument %q", fs.Arg(0))}
	}
	if err := fs.ApplyEnv(os.LookupEnv); err != nil {
		return &UsageError{Err: err}
	}
	timeout, err := time.ParseDuration(timeoutStr)
	if err != nil || timeout <= 0 {
		return &UsageError{Err: fmt.Errorf("-timeout (MOCKHELTHJEM_HEALTHCHECK_TIMEOUT) must be a positive duration such as 3s")}
	}
	wait, err := time.ParseDuration(waitStr)
	if err != nil || wait < 0 {
		return &UsageError{Err: fmt.Errorf("-wait (MOCKHELTHJEM_HEALTHCHECK_WAIT) must be a duration such as 30s, or 0")}
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return &UsageError{Err: fmt.Errorf("-addr %q: %w", addr, err)}
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	base := "http://" + net.JoinHostPort(host, port)
	if wait == 0 {
		return checkHealth(ctx, base+"/healthz", timeout)
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		err := checkHealth(ctx, base+"/readyz", timeout)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready within -wait %s: %w", wait, err)
		case <-time.After(healthPoll):
		}
	}
}

// healthPoll is how often healthcheck -wait asks /readyz.
const healthPoll = 100 * time.Millisecond

// checkHealth sends one GET to url and wants 200 within timeout.
func checkHealth(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck %s: %w", url, err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck %s: status %d", url, res.StatusCode)
	}
	return nil
}
