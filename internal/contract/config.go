package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
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
	DefaultRetries      = 2
)

// MaxRetries bounds Config.Retries.
const MaxRetries = 10

// MaxRetryWait bounds the wait before a retry, whatever a Retry-After
// header asks for.
const MaxRetryWait = 30 * time.Second

// Stdout is the report path that means standard output.
const Stdout = "-"

// ProductionHost is Helthjem's production API host. Bookings there are real
// parcels, so a run against it needs Config.AllowProduction.
const ProductionHost = "api.helthjem.no"

// Flow names, in the order they run.
const (
	FlowHomePickup   = "home-pickup"
	FlowServicePoint = "service-point"
	FlowNegative     = "negative"
	FlowConversion   = "conversion"
	// FlowLabels books a B2C parcel and fetches its labels. It runs only
	// when named: on Helthjem's pre-prod API a label is a real document.
	FlowLabels = "labels"
)

// FlowNames lists every flow, in the order they run.
func FlowNames() []string {
	return []string{FlowHomePickup, FlowServicePoint, FlowNegative, FlowConversion, FlowLabels}
}

// DefaultFlows lists the flows a run without Flows runs, in order: every
// flow but labels. "all" names the same.
func DefaultFlows() []string {
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
	// Flows selects flows by name; empty (or "all") runs DefaultFlows, and
	// labels runs only when named. They always run in the order of
	// FlowNames.
	Flows []string
	// Addresses are the sender, receiver and uncovered addresses; nil uses
	// fixtures/contract-addresses.json.
	Addresses *fixture.ContractAddresses
	// Strict makes undocumented fields failures instead of warnings.
	Strict bool
	// Timeout bounds each request; Deadline the whole run.
	Timeout  time.Duration
	Deadline time.Duration
	// Retries is how often a transient answer (429, 502, 503, 504, a reset
	// connection, a timeout) is retried. Zero means DefaultRetries; use
	// NoRetries for none.
	Retries int
	// Wait, when positive, is how long to wait for the target to answer
	// before the first step (the mock's /readyz; elsewhere a TCP connect
	// and the token endpoint).
	Wait time.Duration
	// RequireSim makes a target without a usable /__sim/ control plane a
	// configuration error instead of skipping the steps that need it.
	RequireSim bool
	// AllowProduction permits ProductionHost as the target.
	AllowProduction bool
	// DryRun prints the plan and sends nothing.
	DryRun bool
	// SimToken is the mock's admin token for /__sim/, if it has one.
	SimToken string
	// JUnitPath and JSONPath, when set, receive the reports; Stdout ("-")
	// means standard output.
	JUnitPath string
	JSONPath  string
	// RecordPath, when set, receives the run's exchanges as a cassette.
	RecordPath string
	// ComparePath names a cassette the target's answers are compared with,
	// in structure.
	ComparePath string
	// Version is printed in the report header.
	Version string
	// Now is the wall clock (time.Now when nil); dates are checked against
	// it when the target has no /__sim/clock.
	Now func() time.Time
	// Transport carries the requests (a clone of http.DefaultTransport
	// when nil).
	Transport http.RoundTripper
	// Sleep waits between retries and between --wait polls; it returns
	// early with ctx's error. Nil sleeps on a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Seed seeds the shipmentIds the run supplies with its bookings; zero
	// picks a random seed.
	Seed uint64
}

// NoRetries, as Config.Retries, turns retries off.
const NoRetries = -1

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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
	if err == nil && u.User != nil {
		// Never printed: the password could be a real one.
		return nil, usagef("--target %q must have no user info (user:password@): pass the credentials with --client-id and --client-secret", safeTarget(s.Target))
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("--target %q must be an http or https URL such as %s", safeTarget(s.Target), DefaultTarget)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, usagef("--target %q must have no query or fragment", s.Target)
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
	if s.Timeout < 0 || s.Deadline < 0 || s.Wait < 0 {
		return nil, usagef("--timeout, --deadline and --wait must be positive durations such as 15s")
	}
	switch {
	case s.Retries == 0:
		s.Retries = DefaultRetries
	case s.Retries == NoRetries:
		s.Retries = 0
	case s.Retries < 0 || s.Retries > MaxRetries:
		return nil, usagef("--retries must be from 0 to %d", MaxRetries)
	}
	if err := checkOutputs(s.Config); err != nil {
		return nil, err
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
	if s.Sleep == nil {
		s.Sleep = sleep
	}
	return s, nil
}

// checkOutputs refuses two outputs on one file, two on standard output,
// and an output on the cassette --compare reads: a report written there
// would replace the cassette without a word. Paths are compared as files,
// not as strings: "./c.json" and "c.json", a symlink and its target, and
// two names of one file are one file. "-" (standard output) is no file.
func checkOutputs(c Config) error {
	var files []outputFile
	stdout := ""
	for _, o := range []struct{ flag, path string }{
		{"--junit", c.JUnitPath}, {"--json", c.JSONPath}, {"--record", c.RecordPath},
	} {
		switch {
		case o.path == "":
			continue
		case o.path == Stdout && stdout != "":
			return usagef("%s and %s both write to standard output (-): give one of them a file", stdout, o.flag)
		case o.path == Stdout:
			stdout = o.flag
			continue
		}
		f := fileOf(o.flag, o.path)
		for _, prev := range files {
			if prev.same(f) {
				return usagef("%s %s and %s %s are one file: give each report its own", prev.flag, prev.path, f.flag, f.path)
			}
		}
		files = append(files, f)
	}
	if c.ComparePath == "" || c.ComparePath == Stdout {
		return nil
	}
	cas := fileOf("--compare", c.ComparePath)
	for _, f := range files {
		if f.same(cas) {
			return usagef("%s %s would overwrite the cassette --compare %s reads: write it to another file", f.flag, f.path, cas.path)
		}
	}
	return nil
}

// outputFile is a path given to a flag, and what it names.
type outputFile struct {
	flag, path string
	abs        string      // absolute and clean, its directory's symlinks resolved
	info       os.FileInfo // nil when it does not exist (yet)
}

func fileOf(flag, path string) outputFile {
	f := outputFile{flag: flag, path: path, abs: filepath.Clean(path)}
	if abs, err := filepath.Abs(path); err == nil {
		f.abs = abs
	}
	// A file not yet created is named by its directory, which may be a
	// symlink.
	if dir, err := filepath.EvalSymlinks(filepath.Dir(f.abs)); err == nil {
		f.abs = filepath.Join(dir, filepath.Base(f.abs))
	}
	if info, err := os.Stat(path); err == nil {
		f.info = info
	}
	return f
}

// same reports whether f and g name one file: the same path, or, when
// both exist, the same file (a symlink, a hard link, another spelling on
// a case-insensitive file system).
func (f outputFile) same(g outputFile) bool {
	if f.abs == g.abs {
		return true
	}
	return f.info != nil && g.info != nil && os.SameFile(f.info, g.info)
}

// selectFlows returns the named flows in run order; none means the
// default flows, as does "all" (labels runs only when named).
func selectFlows(names []string) ([]string, error) {
	all := FlowNames()
	if len(names) == 0 {
		return DefaultFlows(), nil
	}
	want := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if n == "all" {
			for _, d := range DefaultFlows() {
				want[d] = true
			}
			continue
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
