// Package helthjemtest runs the mockhelthjem simulator of Helthjem's parcel
// API inside a Go test, in the manner of net/http/httptest:
//
//	srv := helthjemtest.NewServer(t, helthjemtest.WithSeed(42))
//	client := myapp.NewHelthjemClient(srv.URL, helthjemtest.DefaultClientID, helthjemtest.DefaultClientSecret)
//	... exercise your code ...
//	srv.Advance(t, 48*time.Hour) // the pickup has happened
//	state := srv.State(t)        // what your code booked
//
// NewServer starts the same simulator the mockhelthjem binary serves on a
// loopback port, with strict response checking (a response that breaks the
// API spec is a 500, so a simulator bug cannot pass silently), and closes it
// when the test ends. Start does the same without a test, for a server that
// a TestMain shares between tests; its caller closes it.
//
// The Server's methods drive the simulator's control plane (/__sim/clock,
// /__sim/state, /__sim/dropoffs, /__sim/faults, /__sim/requests,
// /__sim/populate, /__sim/reset) over HTTP, exactly as a test against the
// Docker image would. Each takes the calling test and fails it with
// t.Fatalf when the call is refused, so a call inside t.Run fails that
// subtest and not its parent, and one server serves many tests. The
// Server keeps no test.
//
// The errorKeys the simulator answers are the constants of package
// github.com/mockhelthjem/mockhelthjem/errorkey.
//
// It is not a client of Helthjem's API: your own code is the client under
// test, and the package offers only Token as a shortcut. It does not talk to
// Helthjem, and the simulator is not Helthjem: ids, codes, dates, coverage
// and tracking timings follow the published guides and the reference notes
// of this project, and where those are silent they are the simulator's own
// (see spec/helthjem.yaml).
package helthjemtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
)

// The client of the default fixtures that tests use unless they add their
// own with WithClient.
const (
	DefaultClientID     = "demo"
	DefaultClientSecret = "demo-secret"
	DefaultShopID       = 16
)

// Option configures NewServer and Start.
type Option func(*config)

type config struct {
	seed        uint64
	clock       time.Time
	fixturesDir string
	clients     []fixture.Client
	adminToken  string
}

// WithSeed fixes the seed of generated ids and codes (orderId, shipmentId,
// trackingReference, returnCode), so the same requests give the same values
// in every run. Without it the seed is random.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithClock starts the simulated clock at t and freezes it there: it moves
// only through Advance and SetClock. Without it the simulated clock follows
// the wall clock (and Advance and SetClock still move it forward).
func WithClock(t time.Time) Option { return func(c *config) { c.clock = t } }

// WithFixturesDir replaces the embedded fixtures with the files of dir that
// exist (clients.json, postalcodes.csv, servicepoints.csv or
// servicepoints.json, contract-addresses.json), as mockhelthjem -fixtures
// does.
func WithFixturesDir(dir string) Option { return func(c *config) { c.fixturesDir = dir } }

// WithClient adds an API client, or replaces the client with the same id,
// allowed to use the given shops (DefaultShopID when none are given).
// It applies after WithFixturesDir. An empty id or secret, or a shop id
// that is not positive, is refused, naming the option:
// "WithClient option 2 of 3 (id "acme"): empty secret".
func WithClient(id, secret string, shops ...int64) Option {
	return func(c *config) {
		if len(shops) == 0 {
			shops = []int64{DefaultShopID}
		}
		c.clients = append(c.clients, fixture.Client{ID: id, Secret: secret, Name: id, Shops: slices.Clone(shops)})
	}
}

// WithAdminToken makes the control plane (/__sim/) require
// "Authorization: Bearer <token>", as mockhelthjem -admin-token does. The
// Server's own methods send it.
func WithAdminToken(token string) Option { return func(c *config) { c.adminToken = token } }

// Server is a running simulator. Its API is served at URL: the carrier's
// paths (/auth/oauth2/v1/token, /parcels/v1/...) and the control plane.
type Server struct {
	// URL is the base URL, http://127.0.0.1:port, with no trailing slash.
	URL string

	hs    *httptest.Server
	fx    *fixture.Set
	admin string
	once  sync.Once
}

// NewServer starts a simulator and closes it when the test and its
// subtests end. A configuration the simulator refuses (a bad fixtures
// directory, an invalid client) fails the test.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Start(opts...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a simulator that lives until Close, for a server shared by
// the tests of a package:
//
//	var srv *helthjemtest.Server
//
//	func TestMain(m *testing.M) {
//		var err error
//		if srv, err = helthjemtest.Start(helthjemtest.WithSeed(1)); err != nil {
//			log.Fatal(err)
//		}
//		code := m.Run()
//		srv.Close()
//		os.Exit(code)
//	}
//
// Tests that share a server share its clock, orders, faults and journal:
// give each its own client (WithClient), read only that client's orders
// and requests (StateFor, RequestsFor), reset only its orders
// (ResetClient) and limit its fault rules to it (Fault.ClientID), or run
// them one after the other.
func Start(opts ...Option) (*Server, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	fx, err := loadFixtures(cfg)
	if err != nil {
		return nil, fmt.Errorf("helthjemtest: %w", err)
	}
	s, err := sim.New(sim.Options{
		Seed: cfg.seed, Clock: cfg.clock, Fixtures: fx,
		StrictResponses: true, AdminToken: cfg.adminToken,
	})
	if err != nil {
		return nil, fmt.Errorf("helthjemtest: start simulator: %w", err)
	}
	hs := httptest.NewServer(s)
	return &Server{URL: hs.URL, hs: hs, fx: fx, admin: cfg.adminToken}, nil
}

// Close stops the server and waits for the requests in flight. Calling it
// again does nothing.
func (s *Server) Close() { s.once.Do(s.hs.Close) }

func loadFixtures(cfg config) (*fixture.Set, error) {
	fx, err := fixture.LoadDir(cfg.fixturesDir)
	if err != nil {
		return nil, fmt.Errorf("load fixtures: %w", err)
	}
	if len(cfg.clients) == 0 {
		return fx, nil
	}
	if err := checkClients(cfg.clients); err != nil {
		return nil, err
	}
	clients := slices.Clone(fx.Clients)
	for _, c := range cfg.clients {
		if i := slices.IndexFunc(clients, func(o fixture.Client) bool { return o.ID == c.ID }); i >= 0 {
			c.Name = clients[i].Name
			clients[i] = c
		} else {
			clients = append(clients, c)
		}
	}
	if fx, err = fx.WithClients(clients); err != nil {
		return nil, fmt.Errorf("WithClient: %w", err)
	}
	return fx, nil
}

// checkClients refuses a WithClient option the simulator would refuse,
// naming the option (its place among the WithClient options, and its id)
// rather than the fixtures' clients.json, which the test never wrote. The
// secret is never shown.
func checkClients(clients []fixture.Client) error {
	for i, c := range clients {
		at := fmt.Sprintf("WithClient option %d of %d (id %q)", i+1, len(clients), c.ID)
		if c.ID == "" {
			return fmt.Errorf("%s: empty id", at)
		}
		if c.Secret == "" {
			return fmt.Errorf("%s: empty secret", at)
		}
		for _, shop := range c.Shops {
			if shop <= 0 {
				return fmt.Errorf("%s: shop id %d is not positive", at, shop)
			}
		}
	}
	return nil
}

// Client returns an *http.Client for the server (the httptest one).
func (s *Server) Client() *http.Client { return s.hs.Client() }

// Token logs clientID in through POST /auth/oauth2/v1/token with the
// secret the server was configured with, and returns the bearer token.
func (s *Server) Token(t testing.TB, clientID string) string {
	t.Helper()
	c, ok := s.fx.Client(clientID)
	if !ok {
		t.Fatalf("helthjemtest: Token(%q): no such client (add it with WithClient)", clientID)
	}
	var resp struct {
		Token string `json:"token"`
	}
	s.call(t, http.MethodPost, "/auth/oauth2/v1/token", map[string]string{
		"client_id": c.ID, "client_secret": c.Secret, "grant_type": "client_credentials",
	}, &resp)
	if resp.Token == "" {
		t.Fatalf("helthjemtest: Token(%q): the answer has no token", clientID)
	}
	return resp.Token
}

// Now returns the simulated time.
func (s *Server) Now(t testing.TB) time.Time {
	t.Helper()
	var c struct {
		Now time.Time `json:"now"`
	}
	s.call(t, http.MethodGet, "/__sim/clock", nil, &c)
	return c.Now
}

// Advance moves the simulated clock forward by d, which must not be
// negative. Parcels picked up, in transit or delivered by the new time show
// so in tracking and State.
func (s *Server) Advance(t testing.TB, d time.Duration) {
	t.Helper()
	s.call(t, http.MethodPost, "/__sim/clock", map[string]string{"advance": d.String()}, nil)
}

// SetClock moves the simulated clock to at, which must not be before Now.
func (s *Server) SetClock(t testing.TB, at time.Time) {
	t.Helper()
	s.call(t, http.MethodPost, "/__sim/clock", map[string]string{"set": at.Format(time.RFC3339Nano)}, nil)
}

// Reset forgets every order and returns the clock and the id generators to
// their start, so the same requests give the same ids again. Fault rules
// and the request journal stay.
func (s *Server) Reset(t testing.TB) {
	t.Helper()
	s.call(t, http.MethodPost, "/__sim/reset", nil, nil)
}

// ResetClient forgets clientID's orders only, and returns how many there
// were; the clock and other clients' orders stay. Tests that share a
// server, each with its own client, reset this way.
func (s *Server) ResetClient(t testing.TB, clientID string) int {
	t.Helper()
	var r struct {
		RemovedOrders int `json:"removedOrders"`
	}
	s.call(t, http.MethodPost, "/__sim/reset?clientId="+url.QueryEscape(clientID), nil, &r)
	return r.RemovedOrders
}

// State is the simulator's state as /__sim/state reports it: no personal
// data, only identifiers and status.
type State struct {
	Now    time.Time `json:"now"`
	Orders []Order   `json:"orders"` // in booking order
}

// Order is one stored order. String and id fields that the control plane
// reports as null are empty or zero.
type Order struct {
	ClientID            string    `json:"clientId"`
	ShopID              int64     `json:"shopId"`
	OrderID             int64     `json:"orderId"`
	ShipmentID          string    `json:"shipmentId"`
	TransportSolutionID int       `json:"transportSolutionId"`
	FreightProductID    int       `json:"freightProductId"`
	Status              string    `json:"status"` // the parcelStatus now: WAITING_FOR_PACKAGE, PICKED_UP, DROPPED_OFF, IN_TRANSIT, DELIVERED, CANCELLED
	BookedAt            time.Time `json:"bookedAt"`
	PickupDate          string    `json:"pickupDate"`        // "2026-06-17"; TS 23 only
	ServicePointID      string    `json:"servicePointId"`    // the booked or drop-off point
	ReplacedByOrderID   int64     `json:"replacedByOrderId"` // a converted pickup order: the order that continues it
	ReplacesOrderID     int64     `json:"replacesOrderId"`   // the order a PUDO conversion created: the pickup order it replaces
	Items               []Item    `json:"items"`
}

// Item is one parcel of an order.
type Item struct {
	TrackingReference string `json:"trackingReference"` // "(00)3707…"
	ReturnCode        string `json:"returnCode"`        // "T-NXXW9"; C2C only
}

// State returns every stored order.
func (s *Server) State(t testing.TB) State {
	t.Helper()
	var st State
	s.call(t, http.MethodGet, "/__sim/state", nil, &st)
	return st
}

// StateFor returns clientID's orders only (GET /__sim/state?clientId=),
// for tests that share a server, each with its own client: other tests'
// orders are not in it. Now is the simulated time, as in State.
func (s *Server) StateFor(t testing.TB, clientID string) State {
	t.Helper()
	var st State
	s.call(t, http.MethodGet, "/__sim/state?clientId="+url.QueryEscape(clientID), nil, &st)
	return st
}

// DropoffResult is what a service point's scan did.
type DropoffResult struct {
	// Kind is "dropoff" (a TS 113/115 parcel handed in) or "conversion"
	// (a TS 23 home-pickup parcel handed in at a service point instead).
	Kind string `json:"kind"`
	// CancelledOrder is the pickup order a conversion cancelled; nil for a
	// dropoff.
	CancelledOrder *Order `json:"cancelledOrder"`
	// Order is the parcel's order now: the same order for a dropoff, the
	// new return-from-service-point order (freight product 92) for a
	// conversion.
	Order Order `json:"order"`
}

// Dropoff simulates the service point servicePointID scanning the parcel
// with code, a returnCode or trackingReference. For a TS 23 parcel not yet
// picked up this is the PUDO conversion of the C2C guide (§5).
func (s *Server) Dropoff(t testing.TB, code, servicePointID string) DropoffResult {
	t.Helper()
	var r DropoffResult
	s.call(t, http.MethodPost, "/__sim/dropoffs", map[string]string{"code": code, "servicePointId": servicePointID}, &r)
	return r
}

// Fault is a fault rule to add: which carrier API calls it applies to and
// what they get instead of the normal answer.
type Fault struct {
	// Operation is an operationId of the carrier API (createBooking,
	// fetchTracking, getToken, findSingleAddress, findNearbyServicePoints,
	// findPickupDates), or "*" for all.
	Operation string
	// ClientID limits the rule to calls with that client's token; "" is
	// every client. (The token call carries no token, so a rule with a
	// ClientID never matches getToken.)
	ClientID string
	// Fault is what happens, in the notation of the X-Sim-Fault header:
	// "503" (also 429, 500, 502, 504), "429;retry-after=5", "latency=2s",
	// "latency=100ms..2s", "drop", "after-commit", "after-commit=drop".
	Fault string
	// Times limits the rule to the next Times matching calls; 0 is no
	// limit.
	Times int
	// Probability applies the rule to each matching call with this
	// chance, drawn from the seed; 0 is every call.
	Probability float64
}

// FaultRule is an active fault rule as /__sim/faults lists it.
type FaultRule struct {
	ID          int     `json:"id"`
	Operation   string  `json:"operation"`
	ClientID    string  `json:"clientId"`
	Fault       string  `json:"fault"`
	Times       int     `json:"times"`       // calls left; 0 is no limit
	Probability float64 `json:"probability"` // 0 is every call
	Hits        int     `json:"hits"`        // calls it applied to so far
}

// AddFault adds a fault rule, tried after the rules added before it, and
// returns it as stored. A fault that does not parse fails the test with
// invalid.fault.
func (s *Server) AddFault(t testing.TB, f Fault) FaultRule {
	t.Helper()
	req := map[string]any{"operation": f.Operation, "fault": f.Fault}
	if f.ClientID != "" {
		req["clientId"] = f.ClientID
	}
	if f.Times != 0 {
		req["times"] = f.Times
	}
	if f.Probability != 0 {
		req["probability"] = f.Probability
	}
	var r FaultRule
	s.call(t, http.MethodPost, "/__sim/faults", req, &r)
	return r
}

// Faults returns the active fault rules, in the order they are tried. A
// rule whose Times are used up is no longer listed.
func (s *Server) Faults(t testing.TB) []FaultRule {
	t.Helper()
	var r struct {
		Rules []FaultRule `json:"rules"`
	}
	s.call(t, http.MethodGet, "/__sim/faults", nil, &r)
	return r.Rules
}

// ClearFaults removes every fault rule and returns how many there were.
func (s *Server) ClearFaults(t testing.TB) int {
	t.Helper()
	var r struct {
		Removed int `json:"removed"`
	}
	s.call(t, http.MethodDelete, "/__sim/faults", nil, &r)
	return r.Removed
}

// World is what Populate made.
type World struct {
	Booked     int            `json:"booked"`     // bookings made: the orders asked for
	DroppedOff int            `json:"droppedOff"` // TS 113/115 parcels dropped off
	Converted  int            `json:"converted"`  // TS 23 parcels dropped off before pickup (PUDO conversions)
	OrderIDs   []int64        `json:"orderIds"`   // every order made, conversions' too, in the order made
	Statuses   map[string]int `json:"statuses"`   // how many of those orders are in each status now
}

// Populate books a demo world of orders (1 to 1000) across the fixtures'
// clients, transport solutions and lifecycle stages, booked in the past
// week; the clock does not move. The same seed and clock give the same
// world. See docs/control-plane.md.
func (s *Server) Populate(t testing.TB, orders int) World {
	t.Helper()
	var w World
	s.call(t, http.MethodPost, "/__sim/populate", map[string]int{"orders": orders}, &w)
	return w
}

// Request is one carrier API request as the journal (/__sim/requests)
// keeps it. It holds no bodies unless the simulator captures them, and
// never headers or query strings.
type Request struct {
	Seq       int64     `json:"seq"`       // 1 for the server's first request
	Time      time.Time `json:"time"`      // wall clock
	SimTime   time.Time `json:"simTime"`   // simulated clock
	Method    string    `json:"method"`    // GET, POST
	Path      string    `json:"path"`      // /parcels/v1/bookings
	Operation string    `json:"operation"` // its operationId; "" when no path matched
	Status    int       `json:"status"`    // 0 when a fault dropped the connection
	ClientID  string    `json:"clientId"`  // the token's client; "" for none
	// Duration is how long the simulator took to answer.
	Duration time.Duration `json:"-"`
	// Fault is the fault applied ("rule-1: 503", "header: drop"), if any.
	Fault string `json:"fault"`
	// ErrorKey is the answer's errorKey (see package errorkey); "" when
	// the answer was not an error.
	ErrorKey string `json:"errorKey"`
	// ErrorFields are the names of the errorMap's fields, sorted; never
	// their values.
	ErrorFields []string `json:"errorFields"`
	// RequestBody and ResponseBody are the bodies, personal data redacted,
	// when the simulator captures them (mockhelthjem -journal-bodies);
	// nil otherwise.
	RequestBody  json.RawMessage `json:"requestBody"`
	ResponseBody json.RawMessage `json:"responseBody"`
}

// UnmarshalJSON reads a journal entry, its durationMs as Duration.
func (r *Request) UnmarshalJSON(b []byte) error {
	type plain Request
	var v struct {
		*plain
		DurationMS float64 `json:"durationMs"`
	}
	v.plain = (*plain)(r)
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	r.Duration = time.Duration(v.DurationMS * float64(time.Millisecond))
	return nil
}

// Requests returns the journal of carrier API requests, newest first (up
// to the simulator's journal size, 1000). Control-plane calls, this one
// included, are not journaled.
func (s *Server) Requests(t testing.TB) []Request {
	t.Helper()
	return s.requests(t, "/__sim/requests")
}

// RequestsFor returns the journal entries of clientID's requests only
// (GET /__sim/requests?clientId=), newest first: the calls that got a
// token for it and the calls made with a token the simulator accepted.
// A request it cannot be sure is clientID's (no token, a refused or
// expired token, a failed login) has no client and is only in Requests.
// It filters the journal the simulator keeps (1000 requests of all
// clients), so a busy shared server may have let the oldest go.
func (s *Server) RequestsFor(t testing.TB, clientID string) []Request {
	t.Helper()
	return s.requests(t, "/__sim/requests?clientId="+url.QueryEscape(clientID))
}

func (s *Server) requests(t testing.TB, path string) []Request {
	t.Helper()
	var r struct {
		Requests []Request `json:"requests"`
	}
	s.call(t, http.MethodGet, path, nil, &r)
	return r.Requests
}

// call sends a JSON request and decodes a 2xx answer into out (when not
// nil); anything else fails t.
func (s *Server) call(t testing.TB, method, path string, in, out any) {
	t.Helper()
	if err := s.do(method, path, in, out); err != nil {
		t.Fatalf("helthjemtest: %v", err)
	}
}

func (s *Server) do(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("%s %s: encode request: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.admin != "" && strings.HasPrefix(path, "/__sim/") {
		req.Header.Set("Authorization", "Bearer "+s.admin)
	}
	res, err := s.hs.Client().Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("%s %s: %s", method, path, describe(res.StatusCode, b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// describe renders an error answer: status, errorKey, message and the
// errorMap's fields with their reasons. A reason that only repeats the
// message is left out, and its field named alone: "invalid.fault: status
// must be 429, … (fault)", not the message twice.
func describe(status int, body []byte) string {
	var e struct {
		ErrorKey string            `json:"errorKey"`
		Message  string            `json:"message"`
		ErrorMap map[string]string `json:"errorMap"`
	}
	msg := fmt.Sprintf("%d %s", status, http.StatusText(status))
	if json.Unmarshal(body, &e) != nil || e.ErrorKey == "" {
		return msg + ": " + strings.TrimSpace(string(body))
	}
	msg += ": " + e.ErrorKey
	if e.Message != "" {
		msg += ": " + e.Message
	}
	keys := make([]string, 0, len(e.ErrorMap))
	for k := range e.ErrorMap {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if reason := e.ErrorMap[k]; reason != "" && reason != e.Message {
			msg += fmt.Sprintf(" (%s %s)", k, reason)
		} else {
			msg += fmt.Sprintf(" (%s)", k)
		}
	}
	return msg
}
