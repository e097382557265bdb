// Package sim is a stateful, in-process simulator of Helthjem's parcel API
// for the labelless C2C flow: tokens, coverage, service points, pickup dates,
// bookings, tracking and the PUDO conversion, plus the /__sim/ control plane
// and its dashboard; and the labels of B2C bookings.
//
// A *Server is an http.Handler. Every request is matched to an operation of
// spec/helthjem.yaml (or spec/sim.yaml) by internal/validate, authenticated,
// validated, and dispatched by operationId; no path is written in this
// package. Time comes from an injected clock and randomness from a seed, so
// the same seed, clock and requests give the same ids and codes.
//
// It is not a network server (cmd/mockhelthjem runs it) and not a client.
//
// # One road for state
//
// The simulator's state (type state: orders, their indexes, the clock, the
// id generators) is separate from the Server around it and changes by one
// road. A handler validates the request, reading state under Server.mu
// (methods that need it held end in Locked), and describes the change as a
// record, with every generated id already drawn from a copy of the
// generators. commitLocked appends the record to the state file, when there
// is one, and then applies it with state.apply, the function a restart
// replays the file with. A refused request or a failed append has applied
// nothing, so nothing is ever undone.
//
// commitLocked holds Server.mu through the append's fsync, so whatever
// takes the lock waits for it. Reads that need only the clock (probes,
// GET /__sim/clock, a request's arrival time, Server.Now) take a copy that
// apply publishes when a record changes the clock (state.shownClock), and
// never wait; the token and coverage operations read nothing else of the
// state, and take no lock at all.
//
// # Which file owns what
//
// The HTTP server:
//
//	sim.go        Options, Server, New: what the simulator is built from
//	serve.go      the request pipeline (route, authenticate, fault, validate,
//	              dispatch by operationId, encode and check the answer), the
//	              access log and the operationId → handler table; bodies are
//	              decoded exactly as the spec validated them (case-sensitive)
//	unrouted.go   404 and 405: the nearest known path, the allowed methods
//	closed.go     the control plane refuses unknown query parameters and keys
//	auth.go       tokens (JWT) and the admin token (control plane, X-Sim-Fault)
//	site.go       the control plane refuses other sites' requests and hosts
//	faults.go     injected faults: the X-Sim-Fault header and /__sim/faults
//	requestlog.go the request journal, GET /__sim/requests, bounded by
//	              entries and bytes
//	redact.go     bodies as -journal-bodies keeps them, personal data redacted
//	              (the properties spec/helthjem.yaml marks x-personal)
//	persist.go    the state file: commitLocked, start-up replay and
//	              compaction, storage errors
//
// The carrier API (spec/helthjem.yaml):
//
//	catalogue.go  transport solutions, freight products, reach of points
//	coverage.go   find/single, service points nearby, pickup dates
//	booking.go    bookings: checks, the order record, the answer
//	tracking.go   tracking
//	labels.go     labels: the booking's answer drawn by internal/label
//	wire.go       the carrier's request and answer shapes
//	decodebody.go coverage and booking bodies read from validation's parse
//	encode.go     the booking answer's JSON, written without reflection
//
// The control plane (spec/sim.yaml):
//
//	control.go    health, specs, clock, reset, state
//	dropoff.go    drop-offs and the PUDO conversion
//	populate.go   a demo world of bookings (and invoke, which runs an
//	              operation as a request would, for it and the dashboard)
//	ui.go         the dashboard, /__sim/ui (templates in ui/)
//
// The state and its records:
//
//	state.go      state: orders and indexes, lookups
//	order.go      an order, its events and their schedule
//	storedreq.go  an order's request, kept in a compact binary form
//	records.go    the record types and apply, the only code that changes state
//	gen.go        the id generators: serials, orderIds, the returnCode walk
//	clock.go      the simulated clock
package sim

import (
	crand "crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // Europe/Oslo must resolve in scratch images too

	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
	"github.com/mockhelthjem/mockhelthjem/internal/journal"
	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

// Options configure a Server. The zero value is a usable configuration:
// default fixtures, a random seed, the wall clock.
type Options struct {
	// Seed makes every generated id and code reproducible. 0 picks a random
	// seed (see Server.Seed).
	Seed uint64
	// Clock is the simulated start time. When set the clock is frozen and
	// moves only through /__sim/clock; when zero it follows the wall clock.
	Clock time.Time
	// Wall is the real clock behind a running simulated clock (time.Now
	// when nil). Tests inject it.
	Wall func() time.Time
	// Fixtures is the reference data; nil loads the embedded defaults.
	Fixtures *fixture.Set
	// JWTKey signs tokens (HS256). Nil generates a random key per Server.
	JWTKey []byte
	// Logger receives one line per request; nil discards.
	Logger *slog.Logger
	// StrictResponses turns a response that breaks the spec into a 500
	// (mock.response.invalid) instead of a logged warning. Tests set it.
	StrictResponses bool
	// SkipResponseValidation skips checking responses against the spec.
	SkipResponseValidation bool
	// AdminToken, when set, is required as a bearer token on /__sim/.
	AdminToken string
	// StateFile, when set, makes orders, their events and the clock
	// survive a restart: every change is appended and fsynced before it is
	// applied and acknowledged. Empty keeps everything in memory.
	StateFile string
	// StateFS is the file system the state file is written through; nil
	// is the real one. Tests inject a failing one (journaltest.FailingFS).
	StateFS journal.FS
	// MaxOrders caps stored orders; a booking past it is refused with 507
	// order.limit.reached, never by evicting. 0 means DefaultMaxOrders; at
	// most MaxOrdersLimit().
	MaxOrders int
	// JournalSize is how many requests GET /__sim/requests keeps.
	// 0 means DefaultJournalSize.
	JournalSize int
	// JournalBytes bounds the memory the request journal holds: past it
	// the oldest entries go. 0 means DefaultJournalBytes.
	JournalBytes int
	// JournalBodies keeps each journaled request's body and answer, with
	// names, phone numbers, e-mail and street addresses, secrets and
	// tokens redacted. For local debugging.
	JournalBodies bool
	// MaxPath is the longest request target (path and query string) in
	// bytes; a longer one gets 414 uri.too.long. 0 means DefaultMaxPath.
	MaxPath int
	// MaxFaultRules is how many fault rules may be active at once; one
	// more gets 400 fault.limit.reached. 0 means DefaultMaxFaultRules.
	MaxFaultRules int
	// AllowedHosts, when not empty, are the host names (without a port)
	// the control plane answers for besides IP addresses and localhost:
	// a request with another Host gets 403 host.not.allowed, so that a
	// page on a name resolved to the mock's address (DNS rebinding) cannot
	// use it. Empty answers for any Host.
	AllowedHosts []string
}

// Defaults for Options.
const (
	DefaultMaxOrders     = 100_000
	DefaultJournalSize   = 1000
	DefaultJournalBytes  = 16 << 20
	DefaultMaxPath       = 4 << 10
	DefaultMaxFaultRules = 100
)

// Bounds of Options: New refuses a value past them. A journal of more
// entries or bytes, a longer path or more rules than these is a mistake,
// not a need (MaxPath's bound stays under the 64 KiB of headers the
// mockhelthjem binary reads).
const (
	JournalSizeMax   = 1_000_000
	JournalBytesMin  = 64 << 10
	JournalBytesMax  = 1 << 30
	MaxPathMin       = 256
	MaxPathMax       = 32 << 10
	MaxFaultRulesMax = 10_000
)

// Server is the simulator: the HTTP server around the state. Create it
// with New.
type Server struct {
	opts     Options
	api, ctl *validate.Validator
	fx       *fixture.Set
	log      *slog.Logger
	handlers map[string]handler
	jwtKey   []byte
	oslo     *time.Location
	seed     uint64
	stopping atomic.Bool

	requests *requestLog
	faults   *faults
	tokens   tokenCache
	jti      jtiSeq
	paths    []knownPath            // both specs' paths, for 404 and 405 answers
	closed   map[string]closedInput // the control plane's query parameters and body keys
	redact   redactKeys             // the keys -journal-bodies redacts, from the spec's x-personal

	mu   sync.Mutex
	st   *state        // changed only by commitLocked (and the replay in New)
	file *journal.File // the state file; nil keeps state in memory only
	// fileClosed: Close has closed file, so every append fails. file
	// stays set, or a change would be applied in memory only.
	fileClosed   bool
	compacted    int64 // the state file's size after its last compaction
	compactFloor int64 // no compaction while running below this size
}

// New builds a Server.
func New(opts Options) (*Server, error) {
	// The two specs and the default fixtures are loaded side by side: the
	// better part of a start, and each on its own.
	var (
		wg            sync.WaitGroup
		ctl           *validate.Validator
		ctlErr, fxErr error
		fx            = opts.Fixtures
	)
	wg.Go(func() { ctl, ctlErr = validate.Sim() })
	if fx == nil {
		wg.Go(func() { fx, fxErr = fixture.Default() })
	}
	api, err := validate.Helthjem()
	wg.Wait()
	switch {
	case err != nil:
		return nil, fmt.Errorf("carrier spec: %w", err)
	case ctlErr != nil:
		return nil, fmt.Errorf("control spec: %w", ctlErr)
	case fxErr != nil:
		return nil, fmt.Errorf("default fixtures: %w", fxErr)
	}
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		return nil, fmt.Errorf("load Europe/Oslo: %w", err)
	}
	if opts.MaxOrders > MaxOrdersLimit() {
		return nil, fmt.Errorf("max orders %d is over the limit of %d (a quarter of the returnCode space over %d items an order)",
			opts.MaxOrders, MaxOrdersLimit(), maxBookingItems)
	}
	for _, b := range []struct {
		name     string
		v        int
		min, max int
	}{
		{"journal size", opts.JournalSize, 1, JournalSizeMax},
		{"journal bytes", opts.JournalBytes, JournalBytesMin, JournalBytesMax},
		{"max path", opts.MaxPath, MaxPathMin, MaxPathMax},
		{"max fault rules", opts.MaxFaultRules, 1, MaxFaultRulesMax},
	} {
		if b.v != 0 && (b.v < b.min || b.v > b.max) { // 0 is the default
			return nil, fmt.Errorf("%s %d is out of its range, %d to %d", b.name, b.v, b.min, b.max)
		}
	}
	s := &Server{
		opts:     opts,
		api:      api,
		ctl:      ctl,
		fx:       fx,
		log:      opts.Logger,
		handlers: handlers(),
		jwtKey:   opts.JWTKey,
		oslo:     oslo,
		seed:     opts.Seed,

		compactFloor: compactFloor,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if len(s.jwtKey) == 0 {
		s.jwtKey = make([]byte, 32)
		_, _ = crand.Read(s.jwtKey)
	}
	if s.seed == 0 {
		var b [8]byte
		_, _ = crand.Read(b[:])
		for _, c := range b {
			s.seed = s.seed<<8 | uint64(c)
		}
		if s.seed == 0 {
			s.seed = 1
		}
	}
	for _, v := range []*validate.Validator{api, ctl} {
		for _, id := range v.OperationIDs() {
			if _, ok := s.handlers[id]; !ok {
				return nil, fmt.Errorf("operation %q has no handler", id)
			}
		}
	}
	wall := opts.Wall
	if wall == nil {
		wall = time.Now
	}
	if s.opts.MaxOrders <= 0 {
		s.opts.MaxOrders = DefaultMaxOrders
	}
	for _, d := range []struct {
		p   *int
		def int
	}{
		{&s.opts.JournalSize, DefaultJournalSize},
		{&s.opts.JournalBytes, DefaultJournalBytes},
		{&s.opts.MaxPath, DefaultMaxPath},
		{&s.opts.MaxFaultRules, DefaultMaxFaultRules},
	} {
		if *d.p <= 0 {
			*d.p = d.def
		}
	}
	s.requests = newRequestLog(s.opts.JournalSize, s.opts.JournalBytes)
	s.paths = knownPaths(api, ctl)
	s.closed = closedInputs(ctl)
	s.redact = newRedactKeys(api)
	s.st = newState(newClock(opts.Clock, wall), newGen(s.seed))
	if opts.StateFile != "" {
		if err := s.openState(opts.StateFile); err != nil {
			return nil, err
		}
	}
	s.faults = newFaults(s.seed) // the state file's seed, once restored
	s.jti.key = jtiKey(s.seed, opts.StateFile != "")
	return s, nil
}

// Seed returns the seed in use: a state file's, else Options.Seed, else
// the random one New picked.
func (s *Server) Seed() uint64 { return s.seed }

// Frozen reports whether the simulated clock is frozen (moves only through
// /__sim/clock): Options.Clock was set, or a state file restored a frozen
// clock.
func (s *Server) Frozen() bool { return s.st.shownClock().frozen }

// Now returns the simulated time. It never waits for a change being
// written to the state file: a change is seen once it is applied.
func (s *Server) Now() time.Time { return s.st.shownClock().now() }

// Shutdown marks the server as stopping: /readyz answers 503 from then on.
// (The mockhelthjem binary closes its listener at the same moment, so only
// a request on an already open connection can see that.)
func (s *Server) Shutdown() { s.stopping.Store(true) }

var _ http.Handler = (*Server)(nil)
