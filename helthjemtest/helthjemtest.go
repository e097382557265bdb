// Package helthjemtest runs the mockhelthjem simulator of Helthjem's parcel
// API inside a Go test, in the manner of net/http/httptest:
//
//	srv := helthjemtest.NewServer(t, helthjemtest.WithSeed(42))
//	client := myapp.NewHelthjemClient(srv.URL, helthjemtest.DefaultClientID, helthjemtest.DefaultClientSecret)
//	... exercise your code ...
//	srv.Advance(48 * time.Hour) // the pickup has happened
//	state := srv.State()        // what your code booked
//
// NewServer starts the same simulator the mockhelthjem binary serves on a
// loopback port, with strict response checking (a response that breaks the
// API spec is a 500, so a simulator bug cannot pass silently), and stops it
// when the test ends. The Server's methods drive the simulator's control
// plane (/__sim/clock, /__sim/state, /__sim/dropoffs, /__sim/reset) over
// HTTP, exactly as a test against the Docker image would, and fail the test
// with t.Fatalf when a call is refused.
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
	"slices"
	"strings"
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

// Option configures NewServer.
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
// It applies after WithFixturesDir.
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

	t     testing.TB
	hs    *httptest.Server
	fx    *fixture.Set
	admin string
}

// NewServer starts a simulator and stops it when the test and its subtests
// end. A configuration the simulator refuses (a bad fixtures directory, an
// invalid client) fails the test.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	fx, err := loadFixtures(cfg)
	if err != nil {
		t.Fatalf("helthjemtest: %v", err)
	}
	s, err := sim.New(sim.Options{
		Seed: cfg.seed, Clock: cfg.clock, Fixtures: fx,
		StrictResponses: true, AdminToken: cfg.adminToken,
	})
	if err != nil {
		t.Fatalf("helthjemtest: start simulator: %v", err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return &Server{URL: hs.URL, t: t, hs: hs, fx: fx, admin: cfg.adminToken}
}

func loadFixtures(cfg config) (*fixture.Set, error) {
	fx, err := fixture.LoadDir(cfg.fixturesDir)
	if err != nil {
		return nil, fmt.Errorf("load fixtures: %w", err)
	}
	if len(cfg.clients) == 0 {
		return fx, nil
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

// Client returns an *http.Client for the server (the httptest one).
func (s *Server) Client() *http.Client { return s.hs.Client() }

// Token logs clientID in through POST /auth/oauth2/v1/token with the
// secret the server was configured with, and returns the bearer token.
func (s *Server) Token(clientID string) string {
	s.t.Helper()
	c, ok := s.fx.Client(clientID)
	if !ok {
		s.t.Fatalf("helthjemtest: Token(%q): no such client (add it with WithClient)", clientID)
	}
	var resp struct {
		Token string `json:"token"`
	}
	s.call(http.MethodPost, "/auth/oauth2/v1/token", map[string]string{
		"client_id": c.ID, "client_secret": c.Secret, "grant_type": "client_credentials",
	}, &resp)
	if resp.Token == "" {
		s.t.Fatalf("helthjemtest: Token(%q): the answer has no token", clientID)
	}
	return resp.Token
}

// Clock is the simulated time as /__sim/clock reports it.
type Clock struct {
	Now    time.Time `json:"now"`
	Start  time.Time `json:"start"`
	Frozen bool      `json:"frozen"`
}

// Now returns the simulated time.
func (s *Server) Now() time.Time {
	s.t.Helper()
	var c Clock
	s.call(http.MethodGet, "/__sim/clock", nil, &c)
	return c.Now
}

// Advance moves the simulated clock forward by d, which must not be
// negative. Parcels picked up, in transit or delivered by the new time show
// so in tracking and State.
func (s *Server) Advance(d time.Duration) {
	s.t.Helper()
	s.call(http.MethodPost, "/__sim/clock", map[string]string{"advance": d.String()}, nil)
}

// SetClock moves the simulated clock to t, which must not be before Now.
func (s *Server) SetClock(t time.Time) {
	s.t.Helper()
	s.call(http.MethodPost, "/__sim/clock", map[string]string{"set": t.Format(time.RFC3339Nano)}, nil)
}

// Reset forgets every order and returns the clock and the id generators to
// their start, so the same requests give the same ids again.
func (s *Server) Reset() {
	s.t.Helper()
	s.call(http.MethodPost, "/__sim/reset", nil, nil)
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
func (s *Server) State() State {
	s.t.Helper()
	var st State
	s.call(http.MethodGet, "/__sim/state", nil, &st)
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
func (s *Server) Dropoff(code, servicePointID string) DropoffResult {
	s.t.Helper()
	var r DropoffResult
	s.call(http.MethodPost, "/__sim/dropoffs", map[string]string{"code": code, "servicePointId": servicePointID}, &r)
	return r
}

// call sends a JSON request and decodes a 2xx answer into out (when not
// nil); anything else fails the test.
func (s *Server) call(method, path string, in, out any) {
	s.t.Helper()
	if err := s.do(method, path, in, out); err != nil {
		s.t.Fatalf("helthjemtest: %v", err)
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

// describe renders an error answer: status, errorKey and message.
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
		msg += fmt.Sprintf(" (%s %s)", k, e.ErrorMap[k])
	}
	return msg
}
