package sim

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

// handlers maps every operationId of both specs to its handler.
func handlers() map[string]handler {
	return map[string]handler{
		"getToken":                getToken,
		"findSingleAddress":       findSingleAddress,
		"findNearbyServicePoints": findNearbyServicePoints,
		"findPickupDates":         findPickupDates,
		"createBooking":           createBooking,
		"fetchTracking":           fetchTracking,
		"fetchLabel":              fetchLabel,

		"healthz":       healthz,
		"readyz":        readyz,
		"getOpenAPI":    getOpenAPI,
		"getSimOpenAPI": getSimOpenAPI,
		"getClock":      getClock,
		"setClock":      setClock,
		"resetState":    resetState,
		"getState":      getState,
		"createDropoff": createDropoff,
		"listFaults":    listFaults,
		"createFault":   createFault,
		"clearFaults":   clearFaults,
		"listRequests":  listRequests,
		"populate":      populate,

		"uiRedirect":    uiRedirect,
		"getUI":         getUI,
		"getUILogin":    getUILogin,
		"uiLogin":       uiLogin,
		"uiLogout":      uiLogout,
		"uiClock":       uiClock,
		"uiAddFault":    uiAddFault,
		"uiClearFaults": uiClearFaults,
		"uiPopulate":    uiPopulate,
		"getUILabel":    getUILabel,
	}
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
	header      http.Header // more response headers (the dashboard's Location, Set-Cookie)
}

func ok(body any) result { return result{status: http.StatusOK, body: body} }

type handler func(s *Server, c *call) (result, *apierror.Error)

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
	if v == s.ctl && s.opts.AdminToken != "" && isControl(r.URL.Path) && !uiOps[c.route.OperationID] {
		if aerr := checkAdmin(r, s.opts.AdminToken); aerr != nil {
			return result{}, aerr
		}
	}
	s.mu.Lock()
	c.now = s.st.clock.now()
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
	body, aerr := uiReadBody(c) // ui.go: the dashboard's forms as JSON
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
	for k, vs := range res.header {
		h[k] = vs
	}
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
