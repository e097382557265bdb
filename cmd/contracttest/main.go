// Command contracttest runs the labelless C2C flows (and, when asked, a B2C
// booking's labels) against a target that speaks Helthjem's parcel API,
// the mock in CI or Helthjem's pre-prod on a schedule, and reports how the
// target drifts from spec/helthjem.yaml and from what the flows expect.
//
//	go run ./cmd/contracttest --wait 1m                        # the mock on 127.0.0.1:8080
//	go run ./cmd/contracttest --target https://api.pre.helthjem.no --junit report.xml --record preprod.json
//	go run ./cmd/contracttest --compare preprod.json           # the mock, held against pre-prod
//
// Exit codes: 0 pass, 1 drift, 2 usage or configuration, 3 target
// unavailable, 130 interrupted. Every flag defaults from an environment
// variable; see -h and docs/contracttest.md. The logic lives in
// internal/contract.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/mockhelthjem/mockhelthjem/internal/contract"
	"github.com/mockhelthjem/mockhelthjem/internal/envflag"
	"github.com/mockhelthjem/mockhelthjem/internal/version"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr))
}

// run is the program: it returns the exit code.
func run(ctx context.Context, args []string, env func(string) (string, bool), stdout, stderr io.Writer) int {
	cfg, err := parse(args, env, stdout, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errVersion):
		fmt.Fprintln(stdout, "contracttest", version.String())
		return 0
	}
	if err == nil {
		err = contract.Execute(ctx, *cfg, stdout, stderr)
	}
	code := contract.ExitCode(err)
	if code != contract.ExitPass && code != contract.ExitDrift {
		// Drift is in the report; anything else gets one line here too.
		fmt.Fprintln(stderr, "contracttest:", err)
	}
	return code
}

// errVersion is parse's answer to --version.
var errVersion = errors.New("version requested")

// parse reads the flags; a flag left out takes its environment variable,
// if set. It returns errVersion for --version. Defaults shown by -h are
// the built-in ones, never values from the environment (which may hold a
// secret).
func parse(args []string, env func(string) (string, bool), stdout, stderr io.Writer) (*contract.Config, error) {
	// The flag package writes its usage text (and a parse error before it)
	// to the set's output: -h asked for it, so it goes to stdout (as
	// mockhelthjem's does: contracttest -h | less), an error's to stderr.
	var usage bytes.Buffer
	fs := envflag.New("contracttest", &usage)
	var (
		cfg        = contract.Config{Version: version.String()}
		flows      string
		addresses  string
		retries    int64
		showVer    = fs.Bool("version", false, "print the version and exit")
		flowsUsage = "comma-separated flows to run, of " + strings.Join(contract.FlowNames(), ", ") +
			` ("all": the default ones; labels runs only when named, as its labels are real documents on Helthjem's API)`
	)
	fs.StringEnv(&cfg.Target, "target", "CONTRACTTEST_TARGET", contract.DefaultTarget, "base URL of the API under test")
	fs.StringEnv(&cfg.ClientID, "client-id", "HELTHJEM_CLIENT_ID", contract.DefaultClientID, "client_id for the token call")
	fs.StringEnv(&cfg.ClientSecret, "client-secret", "HELTHJEM_CLIENT_SECRET", contract.DefaultClientSecret, "client_secret for the token call; never printed (prefer the env var to a flag)")
	fs.Int64Env(&cfg.ShopID, "shop-id", "HELTHJEM_SHOP_ID", contract.DefaultShopID, "shopId of the requests, a positive integer")
	fs.StringEnv(&flows, "flows", "CONTRACTTEST_FLOWS", strings.Join(contract.DefaultFlows(), ","), flowsUsage)
	fs.StringEnv(&addresses, "addresses", "CONTRACTTEST_ADDRESSES", "", "JSON file whose sender, receiver and uncovered addresses replace those of fixtures/contract-addresses.json")
	fs.BoolEnv(&cfg.Strict, "strict", "CONTRACTTEST_STRICT", "fail on undocumented fields instead of warning")
	fs.StringEnv(&cfg.JUnitPath, "junit", "CONTRACTTEST_JUNIT", "", "write a JUnit XML report to this path (- for stdout)")
	fs.StringEnv(&cfg.JSONPath, "json", "CONTRACTTEST_JSON", "", "write a JSON report to this path (- for stdout)")
	fs.StringEnv(&cfg.RecordPath, "record", "CONTRACTTEST_RECORD", "", "write every exchange to this cassette (JSON; secrets and personal data redacted; - for stdout)")
	fs.StringEnv(&cfg.ComparePath, "compare", "CONTRACTTEST_COMPARE", "", "compare the target's answers, in structure, with this cassette")
	fs.DurationEnv(&cfg.Timeout, "timeout", "CONTRACTTEST_TIMEOUT", contract.DefaultTimeout, "timeout of each request, more than 0")
	fs.DurationEnv(&cfg.Deadline, "deadline", "CONTRACTTEST_DEADLINE", contract.DefaultDeadline, "deadline of the whole run, more than 0")
	fs.Int64Env(&retries, "retries", "CONTRACTTEST_RETRIES", contract.DefaultRetries, fmt.Sprintf("retries of a 429, 502, 503, 504, reset connection or timeout, with backoff; 0 to %d (0: none)", contract.MaxRetries))
	fs.DurationEnv(&cfg.Wait, "wait", "CONTRACTTEST_WAIT", 0, "wait up to this long for the target to answer before the first step (0: do not wait)")
	fs.BoolEnv(&cfg.RequireSim, "require-sim", "CONTRACTTEST_REQUIRE_SIM", "fail (exit 2) when the mock's /__sim/ control plane is unreachable or refused, instead of skipping its steps")
	fs.BoolEnv(&cfg.DryRun, "dry-run", "CONTRACTTEST_DRY_RUN", "print the plan and send nothing")
	fs.BoolEnv(&cfg.AllowProduction, "allow-production", "CONTRACTTEST_ALLOW_PRODUCTION", "allow "+contract.ProductionHost+", where bookings are real parcels")
	fs.StringEnv(&cfg.SimToken, "sim-token", "MOCKHELTHJEM_ADMIN_TOKEN", "", "the mock's admin token for /__sim/, if it runs with one; never printed")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: contracttest [flags]

Runs Helthjem's labelless C2C flows (home pickup, service point, negative
cases, PUDO conversion), and when asked (--flows labels) a B2C booking's
labels, against a target, the mock or Helthjem's pre-prod, and reports
drift from spec/helthjem.yaml and from what the flows expect.

Exit codes: 0 every check passed; 1 drift (the target differs from the
spec, the flows or the --compare cassette); 2 usage or configuration (a
bad flag, a refused production target, credentials or shop refused,
--require-sim without a control plane); 3 target unavailable
(unreachable, not ready within --wait, 429/5xx/timeouts after retries);
130 interrupted.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			_, _ = stdout.Write(usage.Bytes())
			return nil, err
		}
		_, _ = stderr.Write(usage.Bytes())
		return nil, &contract.UsageError{Err: err}
	}
	if fs.NArg() > 0 {
		return nil, &contract.UsageError{Err: fmt.Errorf("unexpected argument %q (see -h)", fs.Arg(0))}
	}
	if *showVer {
		return nil, errVersion
	}
	if err := fs.ApplyEnv(env); err != nil {
		return nil, &contract.UsageError{Err: err}
	}
	// In a Config, zero means the default; here it was asked for, and the
	// default is what leaving the flag out gives.
	switch {
	case cfg.ShopID <= 0:
		return nil, &contract.UsageError{Err: fmt.Errorf("--shop-id (HELTHJEM_SHOP_ID) must be a positive integer, not %d", cfg.ShopID)}
	case cfg.Timeout <= 0:
		return nil, &contract.UsageError{Err: fmt.Errorf("--timeout (CONTRACTTEST_TIMEOUT) must be a positive duration such as %s, not %s", contract.DefaultTimeout, cfg.Timeout)}
	case cfg.Deadline <= 0:
		return nil, &contract.UsageError{Err: fmt.Errorf("--deadline (CONTRACTTEST_DEADLINE) must be a positive duration such as %s, not %s", contract.DefaultDeadline, cfg.Deadline)}
	}
	cfg.Flows = strings.Split(flows, ",")
	switch {
	case retries < 0 || retries > contract.MaxRetries:
		return nil, &contract.UsageError{Err: fmt.Errorf("--retries must be from 0 to %d", contract.MaxRetries)}
	case retries == 0:
		cfg.Retries = contract.NoRetries
	default:
		cfg.Retries = int(retries)
	}
	if addresses != "" {
		a, err := contract.LoadAddresses(addresses)
		if err != nil {
			return nil, err
		}
		cfg.Addresses = a
	}
	return &cfg, nil
}
