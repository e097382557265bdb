package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
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

// request is one call a step makes.
type request struct {
	method string
	path   string // below the target's base URL, e.g. /parcels/v1/bookings
	body   any    // JSON-encoded; nil for none
	raw    []byte // sent as is instead of body (the malformed-body step)
	auth   auth
	sim    bool // a /__sim/ control-plane call, checked against spec/sim.yaml
}

// secretBody is a request body that knows how to show itself without its
// secrets (the token request's client_secret).
type secretBody interface{ redacted() any }

// exchange is a request as sent and what came back.
type exchange struct {
	req      request
	url      string
	header   http.Header
	shown    []byte // the body as shown: secrets replaced
	status   int
	respHdr  http.Header
	respBody []byte
	err      error
}

// client sends requests to the target.
type client struct {
	base    string // target URL without a trailing slash
	http    *http.Client
	timeout time.Duration
	token   func() string
	simTok  string
}

func newClient(s *settings, token func() string) *client {
	tr := s.Transport
	if tr == nil {
		tr = http.DefaultTransport.(*http.Transport).Clone()
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

// do sends rq with the per-request timeout. Transport failures are in
// exchange.err; the exchange is never nil.
func (c *client) do(ctx context.Context, rq request) *exchange {
	ex := &exchange{req: rq, url: c.base + rq.path, header: http.Header{}}
	sent, shown, err := rq.encode()
	if err != nil {
		ex.err = fmt.Errorf("encode request: %w", err)
		return ex
	}
	ex.shown = shown
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if sent != nil {
		rd = bytes.NewReader(sent)
		ex.header.Set("Content-Type", "application/json")
	}
	ex.header.Set("Accept", "application/json")
	switch {
	case rq.auth == authToken:
		ex.header.Set("Authorization", "Bearer "+c.token())
	case rq.auth == authSim && c.simTok != "":
		ex.header.Set("Authorization", "Bearer "+c.simTok)
	}
	hr, err := http.NewRequestWithContext(ctx, rq.method, ex.url, rd)
	if err != nil {
		ex.err = err
		return ex
	}
	hr.Header = ex.header.Clone()
	res, err := c.http.Do(hr)
	if err != nil {
		ex.err = c.transportError(parent, ctx, err)
		return ex
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes))
	ex.status, ex.respHdr, ex.respBody = res.StatusCode, res.Header, body
	if err != nil {
		ex.err = c.transportError(parent, ctx, fmt.Errorf("read response: %w", err))
	}
	return ex
}

// transportError names the timeout that fired, if one did: the run's
// deadline (parent) or the request's own.
func (c *client) transportError(parent, ctx context.Context, err error) error {
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		return fmt.Errorf("the run was interrupted: %w", parent.Err())
	case parent.Err() != nil:
		return fmt.Errorf("the run's deadline (--deadline) passed before an answer: %w", parent.Err())
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("no answer within the request timeout (--timeout %s): %w", c.timeout, context.DeadlineExceeded)
	}
	return err
}

// curl renders the exchange's request as a curl command, the bearer token
// and the secrets of the body redacted.
func (ex *exchange) curl() string {
	parts := []string{"curl", "-sS", "-X", ex.req.method, shellQuote(ex.url)}
	for _, name := range []string{"Content-Type", "Authorization"} {
		v := ex.header.Get(name)
		if v == "" {
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
	return strings.Join(parts, " ")
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
