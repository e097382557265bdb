package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
)

// Defaults of Config, matching the mock's default client (fixtures/clients.json).
const (
	DefaultTarget       = "http://127.0.0.1:8080"
	DefaultClientID     = "demo"
	DefaultClientSecret = "demo-secret"
	DefaultShopID       = 16
	DefaultTimeout      = 15 * time.Second
	DefaultDeadline     = 2 * time.Minute
)

// ProductionHost is Helthjem's production API host. Bookings there are real
// parcels, so a run against it needs Config.AllowProduction.
const ProductionHost = "api.helthjem.no"

// Flow names, in the order they run.
const (
	FlowHomePickup   = "home-pickup"
	FlowServicePoint = "service-point"
	FlowNegative     = "negative"
	FlowConversion   = "conversion"
)

// FlowNames lists every flow, in the order they run.
func FlowNames() []string {
	return []string{FlowHomePickup, FlowServicePoint, FlowNegative, FlowConversion}
}

// Config is one run's settings. The zero value of a field means its default.
type Config struct {
	// Target is the base URL of the API under test.
	Target string
	// ClientID, ClientSecret and ShopID are the credentials and shop.
	ClientID     string
	ClientSecret string
	ShopID       int64
	// Flows selects flows by name; empty runs all. They always run in the
	// order of FlowNames.
	Flows []string
	// Addresses are the sender, receiver and uncovered addresses; nil uses
	// fixtures/contract-addresses.json.
	Addresses *fixture.ContractAddresses
	// Strict makes undocumented fields failures instead of warnings.
	Strict bool
	// Timeout bounds each request; Deadline the whole run.
	Timeout  time.Duration
	Deadline time.Duration
	// AllowProduction permits ProductionHost as the target.
	AllowProduction bool
	// DryRun prints the plan and sends nothing.
	DryRun bool
	// SimToken is the mock's admin token for /__sim/, if it has one.
	SimToken string
	// JUnitPath and JSONPath, when set, receive the reports.
	JUnitPath string
	JSONPath  string
	// Version is printed in the report header.
	Version string
	// Now is the wall clock (time.Now when nil); dates are checked against
	// it when the target has no /__sim/clock.
	Now func() time.Time
	// Transport carries the requests (a clone of http.DefaultTransport
	// when nil).
	Transport http.RoundTripper
}

// UsageError is a bad configuration: exit code 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// UnreachableError means the target did not answer at all: exit code 2.
type UnreachableError struct {
	Target string
	Err    error
}

func (e *UnreachableError) Error() string {
	msg := fmt.Sprintf("target %s is unreachable: %v", e.Target, e.Err)
	if u, err := url.Parse(e.Target); err == nil && isLoopback(u.Hostname()) {
		msg += " (is the mock running? start it with: go run ./cmd/mockhelthjem -addr " + u.Host + ")"
	}
	return msg
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
func (e *UnreachableError) Unwrap() error { return e.Err }

// ErrChecksFailed is returned when at least one check failed: exit code 1.
var ErrChecksFailed = errors.New("contract checks failed")

// ExitCode maps an error of Execute to the process exit code: 0 for nil,
// 1 for failed checks, 2 for anything else (bad usage, unreachable target,
// a report that cannot be written).
func ExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, ErrChecksFailed):
		return 1
	default:
		return 2
	}
}

// IsProduction reports whether target's host is Helthjem's production API,
// whatever the scheme, port, case or a trailing dot.
func IsProduction(target *url.URL) bool {
	host := strings.TrimSuffix(strings.ToLower(target.Hostname()), ".")
	return host == ProductionHost
}

// settings is a validated Config with defaults applied.
type settings struct {
	Config
	target *url.URL
	flows  []string
	prod   bool
}

// check validates c and applies defaults. A production target is refused
// here unless AllowProduction or DryRun is set (a dry run sends nothing).
func (c Config) check() (*settings, error) {
	s := &settings{Config: c}
	if s.Target == "" {
		s.Target = DefaultTarget
	}
	u, err := url.Parse(s.Target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--target %q must be an http or https URL such as %s", s.Target, DefaultTarget)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, usagef("--target %q must have no query, fragment or user info", s.Target)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	s.target = u
	s.prod = IsProduction(u)
	if s.prod && !s.AllowProduction && !s.DryRun {
		return nil, usagef("refusing %s: it is Helthjem's production API, where bookings are real parcels; use the pre-prod API (https://api.pre.helthjem.no) or pass --allow-production", u.Host)
	}
	if s.ClientID == "" {
		s.ClientID = DefaultClientID
	}
	if s.ClientSecret == "" {
		s.ClientSecret = DefaultClientSecret
	}
	if s.ShopID == 0 {
		s.ShopID = DefaultShopID
	}
	if s.ShopID < 0 {
		return nil, usagef("--shop-id must be a positive integer")
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	if s.Deadline == 0 {
		s.Deadline = DefaultDeadline
	}
	if s.Timeout < 0 || s.Deadline < 0 {
		return nil, usagef("--timeout and --deadline must be positive durations such as 15s")
	}
	if s.flows, err = selectFlows(s.Flows); err != nil {
		return nil, err
	}
	if s.Addresses == nil {
		set, err := fixture.Default()
		if err != nil {
			return nil, fmt.Errorf("default contract addresses: %w", err)
		}
		s.Addresses = &set.Contract
	}
	if err := checkAddresses(*s.Addresses); err != nil {
		return nil, &UsageError{Err: err}
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	return s, nil
}

// selectFlows returns the named flows in run order; empty means all.
func selectFlows(names []string) ([]string, error) {
	all := FlowNames()
	if len(names) == 0 {
		return all, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if n == "all" {
			return all, nil
		}
		if !slices.Contains(all, n) {
			return nil, usagef("--flows: unknown flow %q (want a comma-separated list of %s)", n, strings.Join(all, ", "))
		}
		want[n] = true
	}
	if len(want) == 0 {
		return nil, usagef("--flows: no flow selected (want a comma-separated list of %s)", strings.Join(all, ", "))
	}
	var out []string
	for _, n := range all {
		if want[n] {
			out = append(out, n)
		}
	}
	return out, nil
}

// LoadAddresses reads a file shaped like fixtures/contract-addresses.json.
// Keys it leaves out keep the defaults; unknown keys are an error, to catch
// typos.
func LoadAddresses(path string) (*fixture.ContractAddresses, error) {
	set, err := fixture.Default()
	if err != nil {
		return nil, fmt.Errorf("default contract addresses: %w", err)
	}
	addrs := set.Contract
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--addresses: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&addrs); err != nil {
		return nil, usagef("--addresses %s: %v", path, err)
	}
	if err := checkAddresses(addrs); err != nil {
		return nil, usagef("--addresses %s: %v", path, err)
	}
	return &addrs, nil
}

func checkAddresses(a fixture.ContractAddresses) error {
	for _, r := range []struct {
		role string
		a    fixture.Address
	}{{"sender", a.Sender}, {"receiver", a.Receiver}, {"uncovered", a.Uncovered}} {
		for _, f := range []struct{ name, v string }{
			{"name", r.a.Name}, {"address", r.a.Address}, {"zipCode", r.a.ZipCode},
			{"postalName", r.a.PostalName}, {"countryCode", r.a.CountryCode},
		} {
			if strings.TrimSpace(f.v) == "" {
				return fmt.Errorf("contract address %s: %s is empty", r.role, f.name)
			}
		}
	}
	return nil
}
