// Package sim is a stateful, in-process simulator of Helthjem's parcel API
// for the labelless C2C flow: tokens, coverage, service points, pickup dates,
// bookings, tracking and the PUDO conversion, plus the /__sim/ control plane.
//
// A *Server is an http.Handler. Every request is matched to an operation of
// spec/helthjem.yaml (or spec/sim.yaml) by internal/validate, authenticated,
// validated, and dispatched by operationId; no path is written in this
// package. State lives behind one mutex (methods that need it held end in
// Locked); time comes from an injected clock and randomness from a seed, so
// the same seed, clock and requests give the same ids and codes.
//
// It is not a network server (cmd/mockhelthjem runs it) and not a client.
package sim

import (
	crand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	_ "time/tzdata" // Europe/Oslo must resolve in scratch images too

	"github.com/brianvoe/gofakeit/v7"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
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
	// acknowledged. Empty keeps everything in memory.
	StateFile string
	// MaxOrders caps stored orders; a booking past it is refused with 507
	// order.limit.reached, never by evicting. 0 means DefaultMaxOrders.
	MaxOrders int
	// JournalSize is how many requests GET /__sim/requests keeps.
	// 0 means DefaultJournalSize.
	JournalSize int
}

// Defaults for Options.
const (
	DefaultMaxOrders   = 100_000
	DefaultJournalSize = 1000
)

// Server is the simulator. Create it with New.
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

	mu     sync.Mutex
	clock  clock
	st     *state
	pcg    *rand.PCG
	rng    *gofakeit.Faker
	serial uint64 // next GS1 serial; shipments and items share it
	nextID int64  // next orderId
	file   *journal.File
}

// call is one request on its way through a handler.
type call struct {
	r      *http.Request
	route  *validate.Route
	body   []byte
	client fixture.Client // the token's client, for secured operations
	now    time.Time
	// afterCommit, when set, replaces a successful answer with 504 or a
	// dropped connection (fault after-commit).
	afterCommit *fault
}

// result is what a handler answers. body is JSON-encoded unless raw is set.
type result struct {
	status      int
	body        any
	raw         []byte
	contentType string
}

func ok(body any) result { return result{status: http.StatusOK, body: body} }

type handler func(s *Server, c *call) (result, *apierror.Error)

// New builds a Server.
func New(opts Options) (*Server, error) {
	api, err := validate.Helthjem()
	if err != nil {
		return nil, fmt.Errorf("carrier spec: %w", err)
	}
	ctl, err := validate.Sim()
	if err != nil {
		return nil, fmt.Errorf("control spec: %w", err)
	}
	fx := opts.Fixtures
	if fx == nil {
		if fx, err = fixture.Default(); err != nil {
			return nil, fmt.Errorf("default fixtures: %w", err)
		}
	}
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		return nil, fmt.Errorf("load Europe/Oslo: %w", err)
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
	if s.opts.JournalSize <= 0 {
		s.opts.JournalSize = DefaultJournalSize
	}
	s.requests = newRequestLog(s.opts.JournalSize)
	s.faults = newFaults(s.seed)
	s.clock = newClock(opts.Clock, wall)
	s.resetLocked()
	if opts.StateFile != "" {
		if err := s.openState(opts.StateFile); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Seed returns the seed in use (the random one when Options.Seed was 0).
func (s *Server) Seed() uint64 { return s.seed }

// Now returns the simulated time.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock.now()
}

// Shutdown marks the server as stopping: /readyz answers 503 from then on.
// (The mockhelthjem binary closes its listener at the same moment, so only
// a request on an already open connection can see that.)
func (s *Server) Shutdown() { s.stopping.Store(true) }

// resetLocked forgets every order and returns the clock and the id
// generators to their start, so the same requests give the same ids again.
func (s *Server) resetLocked() {
	s.clock.reset()
	s.st = newState()
	s.newGenLocked()
}

// ServeHTTP routes through the specs, authenticates, validates, dispatches
// and writes the answer, with one access-log line and a journal entry.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	out := &outcome{status: 0}
	defer func() {
		// Also runs when a fault drops the connection (status 0).
		d := time.Since(start)
		// Health probes (a Docker HEALTHCHECK every few seconds) log at debug.
		level := slog.LevelInfo
		if out.op == "healthz" || out.op == "readyz" {
			level = slog.LevelDebug
		}
		if s.log.Enabled(r.Context(), level) {
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("operation", out.op),
				slog.Int("status", out.status),
				slog.String("client", out.client),
				slog.Duration("duration", d),
			}
			if out.fault != "" {
				attrs = append(attrs, slog.String("fault", out.fault))
			}
			s.log.LogAttrs(r.Context(), level, "request", attrs...)
		}
		if out.api {
			s.requests.add(requestEntry{
				Time: start, SimTime: out.simTime, Method: r.Method, Path: r.URL.Path, Operation: out.op,
				Status: out.status, ClientID: out.client, DurationMS: float64(d.Microseconds()) / 1000, Fault: out.fault,
			})
		}
	}()
	s.serve(w, r, out)
}

// outcome is what the access log and the request journal record.
type outcome struct {
	op, client, fault string
	status            int
	simTime           time.Time
	api               bool // routed to the carrier API: journaled
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, out *outcome) {
	v := s.api
	route, aerr := s.api.Find(r)
	if aerr != nil && aerr.Status == http.StatusNotFound {
		if rt, cerr := s.ctl.Find(r); cerr == nil || cerr.Status != http.StatusNotFound {
			v, route, aerr = s.ctl, rt, cerr
		}
	}
	if aerr != nil {
		aerr.Write(w)
		out.status = aerr.Status
		return
	}
	out.op, out.api = route.OperationID, v == s.api
	c := &call{r: r, route: route}
	// Deferred, so that a dropped connection (a panic) is recorded with
	// its client and simulated time too.
	defer func() { out.client, out.simTime = c.client.ID, c.now }()
	res, aerr := s.run(v, c, out)
	if aerr == nil && c.afterCommit != nil {
		// The operation took effect; the client never hears of it.
		if c.afterCommit.drop {
			dropConnection()
		}
		aerr = apierror.New(c.afterCommit.status, faultStatuses[c.afterCommit.status],
			"simulated fault (after-commit): the operation was applied, the answer lost")
	}
	if aerr != nil {
		aerr.Write(w)
		out.status = aerr.Status
		return
	}
	out.status = s.write(w, v, c, res)
}

// run authenticates, applies faults, reads and validates the request and
// calls its handler.
func (s *Server) run(v *validate.Validator, c *call, out *outcome) (result, *apierror.Error) {
	r := c.r
	if v == s.ctl && s.opts.AdminToken != "" && isControl(r.URL.Path) {
		if aerr := checkAdmin(r, s.opts.AdminToken); aerr != nil {
			return result{}, aerr
		}
	}
	s.mu.Lock()
	c.now = s.clock.now()
	s.mu.Unlock()
	if c.route.Secured {
		cl, aerr := s.authenticate(r, c.now)
		if aerr != nil {
			return result{}, aerr
		}
		c.client = cl
	}
	if v == s.api {
		f, source, aerr := s.faults.pick(r, c.route.OperationID, c.client.ID)
		if aerr != nil {
			return result{}, aerr
		}
		if f != nil {
			out.fault = source + ": " + f.text
			switch f.kind {
			case faultStatus:
				return result{}, f.errorFor(source)
			case faultLatency:
				sleep(r.Context(), s.faults.delay(f))
			case faultDrop:
				dropConnection()
			case faultAfterCommit:
				c.afterCommit = f
			}
		}
	}
	body, aerr := validate.ReadBody(r)
	if aerr != nil {
		return result{}, aerr
	}
	c.body = body
	if aerr := v.Request(r.Context(), r, c.route, body); aerr != nil {
		return result{}, aerr
	}
	return s.handlers[c.route.OperationID](s, c)
}

// write encodes and sends a handler's result, checking it against the spec.
func (s *Server) write(w http.ResponseWriter, v *validate.Validator, c *call, res result) int {
	b, ct := res.raw, res.contentType
	if b == nil {
		var err error
		if b, err = json.Marshal(res.body); err != nil {
			aerr := apierror.New(http.StatusInternalServerError, apierror.KeyInternal, "the response could not be encoded")
			aerr.Write(w)
			return aerr.Status
		}
		ct = "application/json"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	if !s.opts.SkipResponseValidation {
		if err := v.Response(c.r.Context(), c.r, c.route, res.status, h, b); err != nil {
			if s.opts.StrictResponses {
				aerr := apierror.New(http.StatusInternalServerError, apierror.KeyInvalidResponse, err.Error())
				aerr.Write(w)
				return aerr.Status
			}
			s.log.LogAttrs(c.r.Context(), slog.LevelWarn, "response does not match the spec",
				slog.String("operation", c.route.OperationID), slog.String("error", err.Error()))
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(res.status)
	_, _ = w.Write(b)
	return res.status
}

// decode unmarshals a validated body into a typed request. The spec has
// accepted the body, so a failure here is a gap between spec and code.
func decode(body []byte, v any) *apierror.Error {
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return apierror.New(http.StatusBadRequest, apierror.KeyInvalidRequest, "the request does not match the API specification").
				WithField(te.Field, "has the wrong type")
		}
		return apierror.New(http.StatusBadRequest, apierror.KeyParse, "the request body is not valid JSON").
			WithField("body", "is not valid JSON")
	}
	return nil
}
