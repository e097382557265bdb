package sim

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
	"github.com/mockhelthjem/mockhelthjem/internal/personal"
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
	parsed *validate.Body // body as validation parsed it; nil when there is none
	client fixture.Client // the token's client, for secured operations
	// now is the simulated time when the request arrived, read before
	// authentication, the body and any latency fault. A handler that
	// changes state reads it again under Server.mu (nowLocked), where it
	// builds its record.
	now time.Time
	// pinned: now was given (populate's invoke books in the past) and is
	// kept, not read again.
	pinned bool
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

// Errors of the request pipeline (public interface).
const (
	// KeyURITooLong: the path and query string are longer than MaxPath.
	KeyURITooLong = errorkey.URITooLong
	// KeyRequestTimeout: the body did not arrive within the read timeout
	// of the server the simulator runs in (mockhelthjem's -read-timeout).
	KeyRequestTimeout = errorkey.RequestTimeout
)

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
				slog.String("method", truncate(r.Method, maxJournalMethod)),
				slog.String("operation", out.op),
				slog.Int("status", out.status),
				slog.String("client", out.client),
				slog.Duration("duration", d),
			}
			if out.errKey != "" {
				attrs = append(attrs, slog.String("errorKey", out.errKey))
			}
			if out.fault != "" {
				attrs = append(attrs, slog.String("fault", out.fault))
			}
			s.log.LogAttrs(r.Context(), level, "request", attrs...)
		}
		if out.journal {
			e := requestEntry{
				Time: start, SimTime: out.simTime, Method: r.Method, Path: r.URL.Path, Operation: out.op,
				Status: out.status, ClientID: out.client, DurationMS: float64(d.Microseconds()) / 1000, Fault: out.fault,
				ErrorKey: out.errKey, ErrorFields: out.errFields,
			}
			if s.opts.JournalBodies {
				e.RequestBody, e.ResponseBody = journalBody(out.reqBody, s.redact, personal.Request), journalBody(out.respBody, s.redact, personal.Answer)
			}
			s.requests.add(e)
		}
	}()
	s.serve(w, r, out)
}

// outcome is what the access log and the request journal record.
type outcome struct {
	op, client, fault string
	status            int
	simTime           time.Time
	// journal: every request but those of the control plane (spec/sim.yaml)
	// is journaled, unrouted ones (404) included.
	journal   bool
	errKey    string
	errFields []string // the errorMap's field names, sorted
	// The bodies, kept for the journal with Options.JournalBodies.
	reqBody, respBody []byte
}

// fail writes aerr as the answer and records it in out.
func (s *Server) fail(w http.ResponseWriter, out *outcome, aerr *apierror.Error) {
	aerr.Write(w)
	out.status, out.errKey, out.errFields = aerr.Status, aerr.Key, nil
	for f := range aerr.Fields {
		out.errFields = append(out.errFields, f)
	}
	slices.Sort(out.errFields)
	if s.opts.JournalBodies {
		out.respBody = aerr.JSON()
	}
}

// requestTarget is the length of r's path and query string as sent.
func requestTarget(r *http.Request) int {
	if r.RequestURI != "" {
		return len(r.RequestURI)
	}
	return len(r.URL.RequestURI())
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, out *outcome) {
	if requestTarget(r) > s.opts.MaxPath {
		out.journal, out.simTime = true, s.Now()
		s.fail(w, out, apierror.Newf(http.StatusRequestURITooLong, KeyURITooLong,
			"the path and query string are longer than the %d bytes this mock takes (-max-path)", s.opts.MaxPath))
		return
	}
	v := s.api
	route, aerr := s.api.Find(r)
	if aerr != nil && aerr.Status == http.StatusNotFound {
		if rt, cerr := s.ctl.Find(r); cerr == nil || cerr.Status != http.StatusNotFound {
			v, route, aerr = s.ctl, rt, cerr
		}
	}
	if aerr != nil {
		// A path of neither spec, or a carrier path with another method.
		out.journal = v == s.api
		if out.journal {
			out.simTime = s.Now()
		}
		switch aerr.Status {
		case http.StatusNotFound:
			aerr = s.notFound(r)
		case http.StatusMethodNotAllowed:
			aerr = methodNotAllowed(v, r)
		}
		s.fail(w, out, aerr)
		return
	}
	out.op, out.journal = route.OperationID, v == s.api
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
		s.fail(w, out, aerr)
		return
	}
	s.write(w, v, c, res, out)
}

// run authenticates, applies faults, reads and validates the request and
// calls its handler.
func (s *Server) run(v *validate.Validator, c *call, out *outcome) (result, *apierror.Error) {
	r := c.r
	control := v == s.ctl
	// The control plane's operations, all of spec/sim.yaml's but health's
	// (closed.go); /__sim is one of them, /healthz?probe=1 is not.
	in, admin := s.closed[c.route.OperationID]
	if admin {
		if aerr := s.checkSite(r, c.route.OperationID); aerr != nil { // site.go
			return result{}, aerr
		}
	}
	if s.opts.AdminToken != "" {
		// The control plane, and a fault asked for on a carrier call, are
		// the admin's (auth.go).
		switch {
		case admin && !uiOps[c.route.OperationID]:
			if aerr := checkAdmin(r, s.opts.AdminToken, true); aerr != nil {
				return result{}, aerr
			}
		case !control && r.Header.Get(FaultHeader) != "":
			if aerr := checkAdmin(r, s.opts.AdminToken, false); aerr != nil {
				return result{}, aerr
			}
		}
	}
	c.now = s.Now() // without the lock a change holds through its fsync
	if c.route.Secured {
		cl, aerr := s.authenticate(r, c.now)
		if aerr != nil {
			return result{}, aerr
		}
		c.client = cl
	}
	var latency *fault
	if !control {
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
				latency = f // after the body is read, as a slow server would be
			case faultDrop:
				dropConnection()
			case faultAfterCommit:
				c.afterCommit = f
			}
		}
	}
	body, aerr := readBody(r, control)
	if aerr == nil && uiOps[c.route.OperationID] {
		body, aerr = formBody(r, body) // ui.go: the dashboard's forms as JSON
	}
	if aerr != nil {
		return result{}, aerr
	}
	c.body, out.reqBody = body, body
	if latency != nil {
		sleep(r.Context(), s.faults.delay(latency))
	}
	if admin {
		if aerr := in.check(r, body); aerr != nil {
			return result{}, aerr
		}
	}
	parsed, aerr := v.RequestBody(r.Context(), r, c.route, body)
	if aerr != nil {
		return result{}, aerr
	}
	// The handler reads the body from the parse (decodeInto) and keeps
	// nothing of it in its result.
	defer parsed.Release()
	c.parsed = parsed
	return s.handlers[c.route.OperationID](s, c)
}

// nowLocked reads the simulated clock for a change built under Server.mu,
// and makes it the call's time (the journal's too): a request that waited
// for its body, a latency fault or the lock must not stamp a record with a
// time the clock has since left (a full reset may have moved it back). A
// pinned call keeps its time.
func (s *Server) nowLocked(c *call) time.Time {
	if !c.pinned {
		c.now = s.st.clock.now()
	}
	return c.now
}

// readBody reads r's body with validate.ReadBody. The control plane takes
// JSON whatever the Content-Type says (curl -d sends a form's type); the
// carrier API answers 415 to anything but JSON, as the carrier does. A
// body that stops arriving before the read deadline the server set is
// 408 request.timeout.
func readBody(r *http.Request, control bool) ([]byte, *apierror.Error) {
	rd := r.WithContext(r.Context()) // a shallow copy
	var watch *readError
	if r.Body != nil && r.Body != http.NoBody {
		watch = &readError{ReadCloser: r.Body}
		rd.Body = watch
	}
	if control {
		rd.Header = http.Header{}
	}
	body, aerr := validate.ReadBody(rd)
	if aerr != nil && watch != nil && errors.Is(watch.err, os.ErrDeadlineExceeded) {
		return nil, apierror.New(http.StatusRequestTimeout, KeyRequestTimeout,
			"the request body did not arrive within the read timeout (-read-timeout)")
	}
	return body, aerr
}

// readError remembers the error its reader returned.
type readError struct {
	io.ReadCloser
	err error
}

func (re *readError) Read(p []byte) (int, error) {
	n, err := re.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		re.err = err
	}
	return n, err
}

// write encodes and sends a handler's result, checking it against the spec.
func (s *Server) write(w http.ResponseWriter, v *validate.Validator, c *call, res result, out *outcome) {
	b, ct := res.raw, res.contentType
	if b == nil {
		var err error
		switch a, isAppender := res.body.(appender); {
		case isAppender && !s.opts.JournalBodies: // the journal would keep the buffer
			buf := answerBufs.Get().(*[]byte)
			defer answerBufs.Put(buf)
			b, err = a.appendJSON((*buf)[:0])
			if cap(b) <= maxPooledAnswer {
				*buf = b[:0]
			}
		case isAppender:
			b, err = a.appendJSON(nil)
		default:
			b, err = json.Marshal(res.body)
		}
		if err != nil {
			s.fail(w, out, apierror.New(http.StatusInternalServerError, apierror.KeyInternal, "the response could not be encoded"))
			return
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
				s.fail(w, out, apierror.New(http.StatusInternalServerError, apierror.KeyInvalidResponse, err.Error()))
				return
			}
			s.log.LogAttrs(c.r.Context(), slog.LevelWarn, "response does not match the spec",
				slog.String("operation", c.route.OperationID), slog.String("error", err.Error()))
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(res.status)
	_, _ = w.Write(b)
	out.status = res.status
	if s.opts.JournalBodies {
		out.respBody = b
	}
}

// answerBufs are the buffers answers that write their own JSON are
// written into; a buffer that grew past maxPooledAnswer is not kept.
var answerBufs = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledAnswer = 64 << 10

// decode unmarshals a validated body into a typed request exactly as the
// spec validated it: a key matches a field only when spelled the same, case
// included (encoding/json would take "Items" for "items", an unknown key to
// the spec, and so store an array past every bound the spec sets on
// items), the last of a key sent twice counts, and invalid UTF-8 in a
// string is U+FFFD. The spec has accepted the body, so a failure here is
// a gap between spec and code.
func decode(body []byte, v any) *apierror.Error {
	err := jsonv2.Unmarshal(body, v, decodeOptions)
	if err == nil {
		return nil
	}
	var se *jsonv2.SemanticError
	if errors.As(err, &se) && se.JSONPointer != "" {
		return apierror.New(http.StatusBadRequest, apierror.KeyInvalidRequest, "the request does not match the API specification").
			WithField(fieldOf(se.JSONPointer), "has the wrong type")
	}
	return apierror.New(http.StatusBadRequest, apierror.KeyParse, "the request body is not valid JSON").
		WithField("body", "is not valid JSON")
}

// decodeOptions are the ways validation reads JSON that JSON v2 does not
// by default: duplicate keys (the last wins) and invalid UTF-8.
var decodeOptions = jsonv2.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// fieldOf renders a JSON pointer as an errorMap field: /parties/0/name is
// parties[0].name.
func fieldOf(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}
