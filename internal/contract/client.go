package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// maxResponseBytes bounds how much of a response is read.
const maxResponseBytes = 4 << 20

// auth says which credentials a request carries.
type auth int

const (
	authNone  auth = iota // no Authorization header
	authToken             // the run's bearer token
	authSim               // the sim token, when one is set
)

// retryPolicy says which transient answers a request may be retried on.
type retryPolicy int

const (
	// retryAll: any transient answer. The request changes nothing, or
	// carries its own idempotency key (a booking's shipmentId).
	retryAll retryPolicy = iota
	// retryUnprocessed: only 429 and 503, which say the request was not
	// processed. A timeout, a reset or a 502/504 could follow a request
	// that took effect.
	retryUnprocessed
)

// request is one call a step makes.
type request struct {
	method string
	path   string // below the target's base URL, e.g. /parcels/v1/bookings
	body   any    // JSON-encoded; nil for none
	raw    []byte // sent as is instead of body (the malformed-body step)
	// accept is the Accept header; "" asks for application/json. A file
	// asked for (a label) comes back as bytes: see isFile.
	accept string
	auth   auth
	sim    bool // a /__sim/ control-plane call, checked against spec/sim.yaml
	retry  retryPolicy
	// credentials: the run's own client credentials; a refusal is a
	// configuration error, not drift.
	credentials bool
	// foreign are values in path or body that the target handed out
	// (a returnCode, a service point): outside text, redacted when shown.
	foreign []string
}

// secretBody is a request body that knows how to show itself without its
// secrets (the token request's client_secret).
type secretBody interface{ redacted() any }

// exchange is a request as sent and what came back.
type exchange struct {
	req       request
	url       string // as shown: foreign values redacted
	shownPath string
	header    http.Header
	sent      []byte // the body as sent
	shown     []byte // the body as shown: secrets replaced
	status    int
	respHdr   http.Header
	respBody  []byte
	err       error
	errText   string // err, as the report shows it (redacted)
	attempt   int    // 1 for the first
	retries   []Retry
	elapsed   time.Duration
}

// Retry is one retried attempt of a request.
type Retry struct {
	Attempt int     `json:"attempt"`          // the attempt that was retried; 1 is the first
	Status  int     `json:"status,omitempty"` // its status, if it got an answer
	Reason  string  `json:"reason"`           // e.g. "503 service.unavailable", "connection reset"
	WaitMS  float64 `json:"waitMs"`           // the wait before the next attempt
}

// client sends requests to the target.
type client struct {
	base    string // target URL without a trailing slash
	http    *http.Client
	timeout time.Duration
	retries int
	sleep   func(context.Context, time.Duration) error
	now     func() time.Time
	red     *redactor
	token   func() string
	simTok  string
	// observe, when set, sees every attempt (the cassette recorder).
	observe func(*exchange)
}

func newClient(s *settings, red *redactor, token func() string) *client {
	tr := s.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// One connection per attempt: on a kept-alive connection that
		// closes before an answer, net/http resends a GET by itself, and
		// that attempt would pass unseen by --retries, the reports and the
		// cassette. A run is a few dozen requests; the handshakes cost
		// nothing to speak of.
		t.DisableKeepAlives = true
		tr = t
	}
	return &client{
		base: s.target.String(),
		http: &http.Client{
			Transport: tr,
			// A redirect is an answer to check, not to follow: following
			// could carry the request somewhere it was not meant to go.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		timeout: s.Timeout,
		retries: s.Retries,
		sleep:   s.Sleep,
		now:     s.Now,
		red:     red,
		token:   token,
		simTok:  s.SimToken,
	}
}

// close releases idle connections.
func (c *client) close() { c.http.CloseIdleConnections() }

// encode returns the body to send and the body to show.
func (rq request) encode() (sent, shown []byte, err error) {
	if rq.raw != nil {
		return rq.raw, rq.raw, nil
	}
	if rq.body == nil {
		return nil, nil, nil
	}
	if sent, err = marshal(rq.body); err != nil {
		return nil, nil, err
	}
	shown = sent
	if sb, ok := rq.body.(secretBody); ok {
		if shown, err = marshal(sb.redacted()); err != nil {
			return nil, nil, err
		}
	}
	return sent, shown, nil
}

// marshal encodes JSON without escaping <, > and & (curl users read it).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// showForeign redacts, in s, the values the target handed out.
func (c *client) showForeign(s string, foreign []string, inJSON bool) string {
	for _, v := range foreign {
		shown := c.red.str(v)
		if shown == v {
			continue
		}
		if inJSON {
			v, shown = jsonString(v, false), jsonString(shown, false)
		}
		s = strings.ReplaceAll(s, v, shown)
	}
	return s
}

// do sends rq, retrying transient answers (429, 502, 503, 504, a reset
// connection, a timeout) as rq's policy allows, up to the configured
// number of retries. Each attempt sends the same bytes, so a booking
// retried carries the same shipmentId. Transport failures are in
// exchange.err; the exchange is never nil.
func (c *client) do(ctx context.Context, rq request) *exchange {
	sent, shown, err := rq.encode()
	if err != nil {
		ex := &exchange{req: rq, attempt: 1, err: err, errText: "encode request: " + err.Error()}
		return ex
	}
	shownPath := c.showForeign(rq.path, rq.foreign, false)
	if shown != nil {
		shown = []byte(c.showForeign(string(shown), rq.foreign, true))
	}
	var retries []Retry
	for attempt := 1; ; attempt++ {
		ex := &exchange{req: rq, url: c.base + shownPath, shownPath: shownPath, sent: sent, shown: shown, attempt: attempt}
		start := time.Now()
		c.once(ctx, ex)
		ex.elapsed = time.Since(start)
		ex.retries = retries
		if c.observe != nil {
			c.observe(ex)
		}
		reason, wait, transient := c.transient(ex)
		if !transient || attempt > c.retries {
			return ex
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return ex // the run's deadline would pass while waiting
		}
		retries = append(retries, Retry{Attempt: attempt, Status: ex.status, Reason: reason, WaitMS: millis(wait)})
		if err := c.sleep(ctx, wait); err != nil {
			ex.retries = retries
			return ex
		}
	}
}

// single sends rq once, without retries, recording or foreign values (the
// readiness checks of --wait).
func (c *client) single(ctx context.Context, rq request) *exchange {
	ex := &exchange{req: rq, url: c.base + rq.path, shownPath: rq.path, attempt: 1}
	c.once(ctx, ex)
	return ex
}

// once sends one attempt with the per-request timeout.
func (c *client) once(ctx context.Context, ex *exchange) {
	rq := ex.req
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	ex.header = http.Header{}
	var rd io.Reader
	if ex.sent != nil {
		rd = bytes.NewReader(ex.sent)
		ex.header.Set("Content-Type", "application/json")
	}
	accept := rq.accept
	if accept == "" {
		accept = "application/json"
	}
	ex.header.Set("Accept", accept)
	switch {
	case rq.auth == authToken:
		ex.header.Set("Authorization", "Bearer "+c.token())
	case rq.auth == authSim && c.simTok != "":
		ex.header.Set("Authorization", "Bearer "+c.simTok)
	}
	hr, err := http.NewRequestWithContext(ctx, rq.method, c.base+rq.path, rd)
	if err != nil {
		ex.err, ex.errText = err, "build request: "+c.red.str(err.Error())
		return
	}
	hr.Header = ex.header.Clone()
	res, err := c.http.Do(hr)
	if err != nil {
		c.transportError(parent, ctx, ex, err)
		return
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes))
	ex.status, ex.respHdr, ex.respBody = res.StatusCode, res.Header, body
	if err != nil {
		c.transportError(parent, ctx, ex, fmt.Errorf("read response: %w", err))
	}
}

// transportError records why an attempt got no (whole) answer, naming the
// timeout that fired, if one did: the run's deadline (parent) or the
// request's own. The text is the program's words around the redacted
// error.
func (c *client) transportError(parent, ctx context.Context, ex *exchange, err error) {
	ex.err = err
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		ex.err = errInterrupted
		ex.errText = "the run was interrupted"
	case parent.Err() != nil:
		ex.err = errDeadline
		ex.errText = "the run's deadline (--deadline) passed before an answer"
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		ex.err = fmt.Errorf("request timeout: %w", context.DeadlineExceeded)
		ex.errText = fmt.Sprintf("no answer within the request timeout (--timeout %s)", c.timeout)
	case isReset(err):
		ex.errText = "the connection was closed or reset without a whole answer (" + c.red.str(err.Error()) + ")"
	default:
		ex.errText = c.red.str(err.Error())
	}
}

// isReset reports whether err is a connection the target closed or reset.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// The errors of an attempt cut short by the run's end rather than by the
// target.
var (
	errInterrupted = errors.New("the run was interrupted")
	errDeadline    = errors.New("the run's deadline passed")
)

// cutShort reports whether an attempt's error is the run ending, not the
// target failing.
func cutShort(err error) bool {
	return errors.Is(err, errInterrupted) || errors.Is(err, errDeadline)
}

// transient reports whether an attempt got a transient answer, why, and
// how long to wait before the next attempt.
func (c *client) transient(ex *exchange) (reason string, wait time.Duration, ok bool) {
	backoff := min(time.Second<<(ex.attempt-1), MaxRetryWait)
	if ex.err != nil {
		switch {
		case cutShort(ex.err), ex.req.retry != retryAll:
			return "", 0, false
		case errors.Is(ex.err, context.DeadlineExceeded):
			return fmt.Sprintf("no answer within --timeout %s", c.timeout), backoff, true
		case isReset(ex.err):
			return "connection closed or reset", backoff, true
		}
		return "", 0, false
	}
	switch ex.status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		if ex.req.retry != retryAll {
			return "", 0, false
		}
	default:
		return "", 0, false
	}
	reason = statusText(ex.status, errorKeyOf(ex.respBody), c.red)
	if ra, ok := retryAfter(ex.respHdr.Get("Retry-After"), c.now()); ok {
		backoff = min(ra, MaxRetryWait)
		reason += fmt.Sprintf(", Retry-After %s", ra)
	}
	return reason, backoff, true
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0).Round(time.Second), true
	}
	return 0, false
}

// errorKeyOf returns the errorKey of an error body, "" when there is none.
func errorKeyOf(body []byte) string {
	var e struct {
		ErrorKey string `json:"errorKey"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return e.ErrorKey
}

// statusText renders a status with its errorKey, if any: "503
// service.unavailable". The errorKey is outside text.
func statusText(status int, errorKey string, red *redactor) string {
	s := strconv.Itoa(status)
	if errorKey == "" {
		return s
	}
	if k := red.str(errorKey); plainKey.MatchString(k) {
		return s + " " + k
	}
	return s + " " + strconv.Quote(red.str(errorKey))
}

// plainKey is an errorKey that can be shown without quotes.
var plainKey = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// curl renders the exchange's request as a curl command, the bearer token,
// the secrets of the body and any secret in a value the target handed out
// redacted. A file asked for is saved (-o label.pdf), not printed.
func (ex *exchange) curl() string {
	parts := []string{"curl", "-sS", "-X", ex.req.method, shellQuote(ex.url)}
	for _, name := range []string{"Content-Type", "Accept", "Authorization"} {
		v := ex.header.Get(name)
		if v == "" || name == "Accept" && ex.req.accept == "" {
			continue
		}
		if name == "Authorization" {
			v = "Bearer " + Redacted
		}
		parts = append(parts, "-H", shellQuote(name+": "+v))
	}
	if ex.shown != nil {
		parts = append(parts, "--data-raw", shellQuote(string(ex.shown)))
	}
	if ext := fileExtensions[mediaType(ex.req.accept)]; ext != "" {
		parts = append(parts, "-o", "label"+ext)
	}
	return strings.Join(parts, " ")
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
