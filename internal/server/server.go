// Package server is the mockhelthjem program: flags and environment,
// logging, the HTTP server around the simulator, graceful shutdown and the
// healthcheck subcommand. cmd/mockhelthjem only calls Main and maps its
// error to an exit code. It holds no simulator logic (see internal/sim).
package server

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
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
	JournalBytes      int
	JournalBodies     bool
	MaxPath           int
	MaxFaultRules     int
	ShutdownTimeout   time.Duration
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// AllowedHosts are the host names the control plane answers for
	// besides IP addresses and localhost (sim.Options.AllowedHosts); empty
	// is any host, unless Addr is a loopback address.
	AllowedHosts []string
}

// maxTimeout bounds every timeout flag: a longer one is a typo.
const maxTimeout = 24 * time.Hour

// flagSet defines the flags, each defaulting from its environment variable,
// typed as their values are. The returned function checks what a type
// cannot (ranges, forms) once the environment is applied, so that a bad
// value gets the same message from a flag or from its variable, and before
// anything is allocated.
func flagSet(cfg *Config, stderr io.Writer) (*envflag.Set, func() error) {
	fs := envflag.New("mockhelthjem", stderr)
	var clock, level, hosts string
	fs.StringEnv(&cfg.Addr, "addr", "MOCKHELTHJEM_ADDR", ":8080", "listen address, host:port or :port")
	fs.Uint64Env(&cfg.Seed, "seed", "MOCKHELTHJEM_SEED", 0, "seed for generated ids and codes; 0 picks a random one and logs it")
	fs.StringEnv(&clock, "clock", "MOCKHELTHJEM_CLOCK", "", "simulated start time, RFC 3339; set: frozen (moves via /__sim/clock), empty: follows the wall clock")
	fs.StringEnv(&cfg.FixturesDir, "fixtures", "MOCKHELTHJEM_FIXTURES", "", "directory whose clients.json, postalcodes.csv, servicepoints.csv (or .json), contract-addresses.json replace the embedded ones")
	fs.StringEnv(&cfg.LogFormat, "log-format", "MOCKHELTHJEM_LOG_FORMAT", "text", "log format: text or json")
	fs.StringEnv(&level, "log-level", "MOCKHELTHJEM_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	fs.StringEnv(&cfg.AdminToken, "admin-token", "MOCKHELTHJEM_ADMIN_TOKEN", "", "when set, /__sim/ requires Authorization: Bearer <admin-token>, and X-Sim-Fault requires X-Sim-Admin-Token: <admin-token>")
	fs.StringEnv(&hosts, "allowed-hosts", "MOCKHELTHJEM_ALLOWED_HOSTS", "", "host names the control plane answers for besides IP addresses and localhost, comma-separated (DNS rebinding); empty: any host, or none other when -addr is a loopback address")
	fs.StringEnv(&cfg.JWTSecret, "jwt-secret", "MOCKHELTHJEM_JWT_SECRET", "", "HMAC key for tokens; empty generates one per run")
	fs.BoolEnv(&cfg.StrictResponses, "strict-responses", "MOCKHELTHJEM_STRICT_RESPONSES", "answer 500 mock.response.invalid when a response breaks the spec (else log a warning)")
	fs.StringEnv(&cfg.StateFile, "state-file", "MOCKHELTHJEM_STATE_FILE", "", "file that keeps orders, their events and the clock across restarts (fsynced per change); empty: memory only")
	fs.IntEnv(&cfg.MaxOrders, "max-orders", "MOCKHELTHJEM_MAX_ORDERS", sim.DefaultMaxOrders, "most orders stored, 1 to "+strconv.Itoa(sim.MaxOrdersLimit())+"; more bookings get 507 order.limit.reached")
	fs.IntEnv(&cfg.JournalSize, "journal-size", "MOCKHELTHJEM_JOURNAL_SIZE", sim.DefaultJournalSize, "requests kept for GET /__sim/requests, 1 to "+strconv.Itoa(sim.JournalSizeMax))
	fs.IntEnv(&cfg.JournalBytes, "journal-bytes", "MOCKHELTHJEM_JOURNAL_BYTES", sim.DefaultJournalBytes, "bytes the request journal may hold, "+strconv.Itoa(sim.JournalBytesMin)+" to "+strconv.Itoa(sim.JournalBytesMax)+"; the oldest requests go first")
	fs.BoolEnv(&cfg.JournalBodies, "journal-bodies", "MOCKHELTHJEM_JOURNAL_BODIES", "keep request and response bodies in the journal, personal data redacted (for local debugging)")
	fs.IntEnv(&cfg.MaxPath, "max-path", "MOCKHELTHJEM_MAX_PATH", sim.DefaultMaxPath, "longest path and query string in bytes, "+strconv.Itoa(sim.MaxPathMin)+" to "+strconv.Itoa(sim.MaxPathMax)+"; longer gets 414 uri.too.long")
	fs.IntEnv(&cfg.MaxFaultRules, "max-fault-rules", "MOCKHELTHJEM_MAX_FAULT_RULES", sim.DefaultMaxFaultRules, "most fault rules active at once, 1 to "+strconv.Itoa(sim.MaxFaultRulesMax)+"; one more gets 400 fault.limit.reached")
	fs.DurationEnv(&cfg.ShutdownTimeout, "shutdown-timeout", "MOCKHELTHJEM_SHUTDOWN_TIMEOUT", 10*time.Second, "how long in-flight requests may finish after SIGTERM")
	fs.DurationEnv(&cfg.ReadHeaderTimeout, "read-header-timeout", "MOCKHELTHJEM_READ_HEADER_TIMEOUT", 10*time.Second, "time allowed to read request headers")
	fs.DurationEnv(&cfg.ReadTimeout, "read-timeout", "MOCKHELTHJEM_READ_TIMEOUT", 30*time.Second, "time allowed to read a request body; slower gets 408 request.timeout")
	fs.DurationEnv(&cfg.WriteTimeout, "write-timeout", "MOCKHELTHJEM_WRITE_TIMEOUT", 30*time.Second, "time allowed to write an answer, from its first byte (after any injected latency); a client that reads slower is cut off")
	fs.DurationEnv(&cfg.IdleTimeout, "idle-timeout", "MOCKHELTHJEM_IDLE_TIMEOUT", 120*time.Second, "keep-alive idle timeout")
	check := func() error {
		if err := checkAddr(cfg.Addr); err != nil {
			return fmt.Errorf("-addr (MOCKHELTHJEM_ADDR) %w", err)
		}
		var err error
		if clock != "" {
			if cfg.Clock, err = time.Parse(time.RFC3339, clock); err != nil {
				return fmt.Errorf("-clock (MOCKHELTHJEM_CLOCK) must be RFC 3339, e.g. 2026-06-16T10:00:00+02:00")
			}
		}
		if cfg.AllowedHosts, err = hostList(hosts); err != nil {
			return fmt.Errorf("-allowed-hosts (MOCKHELTHJEM_ALLOWED_HOSTS) %w", err)
		}
		if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
			return fmt.Errorf("-log-format (MOCKHELTHJEM_LOG_FORMAT) must be text or json")
		}
		if err := cfg.LogLevel.UnmarshalText([]byte(level)); err != nil {
			return fmt.Errorf("-log-level (MOCKHELTHJEM_LOG_LEVEL) must be debug, info, warn or error")
		}
		for _, n := range []struct {
			v         int
			name, env string
			min, max  int
		}{
			{cfg.MaxOrders, "max-orders", "MOCKHELTHJEM_MAX_ORDERS", 1, sim.MaxOrdersLimit()},
			{cfg.JournalSize, "journal-size", "MOCKHELTHJEM_JOURNAL_SIZE", 1, sim.JournalSizeMax},
			{cfg.JournalBytes, "journal-bytes", "MOCKHELTHJEM_JOURNAL_BYTES", sim.JournalBytesMin, sim.JournalBytesMax},
			{cfg.MaxPath, "max-path", "MOCKHELTHJEM_MAX_PATH", sim.MaxPathMin, sim.MaxPathMax},
			{cfg.MaxFaultRules, "max-fault-rules", "MOCKHELTHJEM_MAX_FAULT_RULES", 1, sim.MaxFaultRulesMax},
		} {
			if n.v < n.min || n.v > n.max {
				return fmt.Errorf("-%s (%s) must be an integer from %d to %d", n.name, n.env, n.min, n.max)
			}
		}
		for _, d := range []struct {
			v         time.Duration
			name, env string
		}{
			{cfg.ShutdownTimeout, "shutdown-timeout", "MOCKHELTHJEM_SHUTDOWN_TIMEOUT"},
			{cfg.ReadHeaderTimeout, "read-header-timeout", "MOCKHELTHJEM_READ_HEADER_TIMEOUT"},
			{cfg.ReadTimeout, "read-timeout", "MOCKHELTHJEM_READ_TIMEOUT"},
			{cfg.WriteTimeout, "write-timeout", "MOCKHELTHJEM_WRITE_TIMEOUT"},
			{cfg.IdleTimeout, "idle-timeout", "MOCKHELTHJEM_IDLE_TIMEOUT"},
		} {
			if d.v <= 0 || d.v > maxTimeout {
				return fmt.Errorf("-%s (%s) must be a duration from 1ns to %s, such as 10s", d.name, d.env, maxTimeout)
			}
		}
		return nil
	}
	return fs, check
}

// checkAddr wants a listen address net.Listen takes: host:port or :port,
// with a numeric port (0 picks a free one).
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		return errors.New("must be host:port or :port with a port from 0 to 65535, e.g. :8080 or 127.0.0.1:8080")
	}
	return nil
}

// hostList reads -allowed-hosts: host names (no port), separated by
// commas, compared without case.
func hostList(s string) ([]string, error) {
	var out []string
	for h := range strings.SplitSeq(s, ",") {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" {
			continue
		}
		if strings.Trim(h, "abcdefghijklmnopqrstuvwxyz0123456789.-_") != "" || len(h) > 253 {
			return nil, errors.New("must be host names separated by commas, without ports, e.g. mockhelthjem,mock.test")
		}
		out = append(out, h)
	}
	return out, nil
}

// controlHosts is the Host names the control plane answers for besides IP
// addresses and localhost: -allowed-hosts, or when it is empty and the
// mock listens on a loopback address only, no other (a page on a name
// that resolves to 127.0.0.1 must not reach it: DNS rebinding). Listening
// on every interface, as in a container, the control plane answers for
// any host unless -allowed-hosts says otherwise, so that compose service
// names and other machines' names for it work.
func controlHosts(cfg Config) []string {
	if len(cfg.AllowedHosts) > 0 {
		return cfg.AllowedHosts
	}
	host, _, _ := net.SplitHostPort(cfg.Addr)
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return []string{"localhost"}
	}
	return nil
}

// usage sets fs's usage text, head then the flags, to be written to the
// returned buffer: -h shows it on stdout, a bad flag on stderr.
func usage(fs *envflag.Set, head string) *bytes.Buffer {
	var text bytes.Buffer
	fs.Usage = func() {
		out := fs.Output()
		fs.SetOutput(&text)
		defer fs.SetOutput(out)
		fmt.Fprint(&text, head)
		fs.PrintDefaults()
	}
	return &text
}

// parseArgs parses args into fs; -h shows the usage text on stdout.
func parseArgs(fs *envflag.Set, text *bytes.Buffer, args []string, stdout, stderr io.Writer) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		_, _ = stdout.Write(text.Bytes())
		return &UsageError{Err: err, Help: true, Printed: true}
	case err != nil:
		_, _ = stderr.Write(text.Bytes()) // after the flag package's error line
		return &UsageError{Err: err, Printed: true}
	}
	return nil
}

// Main runs the program until ctx is cancelled (SIGTERM/SIGINT).
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck(ctx, args[1:], stdout, stderr)
	}
	cfg, showVersion, err := parseFlags(args, os.LookupEnv, stdout, stderr)
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
func parseFlags(args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) (cfg Config, showVersion bool, err error) {
	fs, check := flagSet(&cfg, stderr)
	fs.BoolVar(&showVersion, "version", false, "print the version and exit")
	text := usage(fs, "Usage: mockhelthjem [flags]\n       mockhelthjem healthcheck [-addr ADDR] [-timeout 3s] [-wait 0s]\n       mockhelthjem -version\n\nA stateful simulator of Helthjem's parcel API (C2C flow).\n\nExit codes: 0 clean shutdown (or -h, -version); 1 runtime error (a port in use, a\ncorrupt or locked state file); 2 a bad flag or environment value.\n\nFlags:\n")
	if err := parseArgs(fs, text, args, stdout, stderr); err != nil {
		return cfg, false, err
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
	var fx *fixture.Set // nil: sim.New loads the defaults, alongside the specs
	if cfg.FixturesDir != "" {
		var err error
		if fx, err = fixture.LoadDir(cfg.FixturesDir); err != nil {
			return fmt.Errorf("load fixtures: %w", err)
		}
	}
	opts := sim.Options{
		Seed: cfg.Seed, Clock: cfg.Clock, Fixtures: fx, Logger: log,
		StrictResponses: cfg.StrictResponses, AdminToken: cfg.AdminToken,
		StateFile: cfg.StateFile, MaxOrders: cfg.MaxOrders, JournalSize: cfg.JournalSize,
		JournalBytes: cfg.JournalBytes, JournalBodies: cfg.JournalBodies, MaxPath: cfg.MaxPath,
		MaxFaultRules: cfg.MaxFaultRules, AllowedHosts: controlHosts(cfg),
	}
	if cfg.JWTSecret != "" {
		opts.JWTKey = []byte(cfg.JWTSecret)
	}
	// Loading the specs and fixtures allocates about three times what it
	// keeps: collect once, after it, rather than two or three times
	// during it (each with its stop-the-world pauses on the way to the
	// first answer), and give the garbage back to the system then. Not
	// with a state file: its replay is as large as the file, and needs
	// the collector.
	restoreGC := func() {}
	if cfg.StateFile == "" {
		gcPercent := debug.SetGCPercent(-1)
		restoreGC = func() { debug.SetGCPercent(gcPercent) }
	}
	s, err := sim.New(opts)
	restoreGC()
	if err != nil {
		return fmt.Errorf("start simulator: %w", err)
	}
	defer s.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           bodyDeadline(writeDeadline(s, cfg.WriteTimeout), cfg.ReadTimeout),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		// OPTIONS * goes to the simulator (404 in the error shape), not
		// to net/http's own empty 200.
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("mockhelthjem listening", "addr", ln.Addr().String(), "seed", s.Seed(),
		"clock", s.Now().Format(time.RFC3339), "frozen", s.Frozen(), "version", version.String(),
		"admin_token", cfg.AdminToken != "")
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	sln := shapeAnswers(srv, ln)
	go func() { errc <- srv.Serve(sln) }()
	go debug.FreeOSMemory() // the loading's garbage, as the listener opens
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
func healthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := envflag.New("mockhelthjem healthcheck", stderr)
	var addr string
	var timeout, wait time.Duration
	fs.StringEnv(&addr, "addr", "MOCKHELTHJEM_ADDR", ":8080", "address the mock listens on")
	fs.DurationEnv(&timeout, "timeout", "MOCKHELTHJEM_HEALTHCHECK_TIMEOUT", 3*time.Second, "how long to wait for an answer")
	fs.DurationEnv(&wait, "wait", "MOCKHELTHJEM_HEALTHCHECK_WAIT", 0, "poll /readyz until it answers 200, for up to this long; 0 checks /healthz once")
	text := usage(fs, "Usage: mockhelthjem healthcheck [flags]\n\nExits 0 when the mock on -addr answers GET /healthz with 200 (with -wait, GET\n/readyz within the wait), 1 otherwise, 2 on a bad flag or environment value.\n\nFlags:\n")
	if err := parseArgs(fs, text, args, stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &UsageError{Err: fmt.Errorf("healthcheck: unexpected argument %q", fs.Arg(0))}
	}
	if err := fs.ApplyEnv(os.LookupEnv); err != nil {
		return &UsageError{Err: err}
	}
	if timeout <= 0 || timeout > maxTimeout {
		return &UsageError{Err: fmt.Errorf("-timeout (MOCKHELTHJEM_HEALTHCHECK_TIMEOUT) must be a positive duration such as 3s")}
	}
	if wait < 0 || wait > maxTimeout {
		return &UsageError{Err: fmt.Errorf("-wait (MOCKHELTHJEM_HEALTHCHECK_WAIT) must be a duration such as 30s, or 0")}
	}
	if err := checkAddr(addr); err != nil {
		return &UsageError{Err: fmt.Errorf("-addr (MOCKHELTHJEM_ADDR) %w", err)}
	}
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	base := "http://" + net.JoinHostPort(host, port)
	if wait == 0 {
		return checkHealth(ctx, base+"/healthz", timeout)
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var last error // the last answer, unless the wait cut the last poll short
	for {
		err := checkHealth(ctx, base+"/readyz", timeout)
		if err == nil {
			return nil
		}
		if ctx.Err() == nil || last == nil {
			last = err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready within -wait %s: %w", wait, last)
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
