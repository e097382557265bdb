package server

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
)

// What the HTTP server does around the simulator: it bounds the time a
// request body may take, and it answers in Helthjem's error shape where
// net/http would answer in plain text before any handler runs.

// Errors net/http finds before the simulator sees the request, and what
// the mock answers for them (public interface).
const (
	// KeyHeaderTooLarge: the request line and headers are over
	// maxHeaderBytes.
	KeyHeaderTooLarge = errorkey.RequestHeaderTooLarge
	// KeyUnsupportedTransferEncoding: a Transfer-Encoding other than
	// chunked (identity, gzip, …).
	KeyUnsupportedTransferEncoding = errorkey.UnsupportedTransferEncoding
	// KeyHTTPVersion: a protocol version other than HTTP/1.0 and 1.1.
	KeyHTTPVersion = errorkey.HTTPVersionNotSupported
	// KeyExpectationFailed: an Expect header other than 100-continue.
	KeyExpectationFailed = errorkey.ExpectationFailed
)

// maxHeaderBytes is the most of a request line and headers the server
// reads (net/http adds 4 KiB of slack); past it, 431.
const maxHeaderBytes = 64 << 10

// bodyDeadline bounds the time a request's body may take to arrive, from
// the moment the handler starts (2,000 connections sending a body byte
// every 5 seconds stayed open for good). The deadline is the connection's:
// it also bounds what net/http reads of a body the handler left unread. It
// is lifted once the body has been read to its end, because net/http then
// reads the connection in the background and a deadline passing there
// would cancel the request's context (a latency fault in progress). A
// body that misses it is answered 408 request.timeout by the simulator.
func bodyDeadline(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			rc := http.NewResponseController(w)
			if rc.SetReadDeadline(time.Now().Add(d)) == nil {
				r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
			}
		}
		h.ServeHTTP(w, r)
	})
}

// deadlineBody lifts the read deadline when its body ends.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// shapedListener hands out connections whose plain-text answers from
// net/http itself are rewritten into the error shape.
type shapedListener struct{ net.Listener }

func (l shapedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &shapedConn{Conn: c}, nil
}

// shapedConn rewrites, on the way out, the answers net/http writes in
// plain text before any handler runs. net/http writes each of them with one
// Write, straight to the connection, as
//
//	HTTP/1.1 <status line>\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n<text>
//
// and answers an unknown Expect with an empty 417. No answer of the
// simulator looks like either: net/http writes its headers in sorted
// order, with Date (which it always adds) between Content-Type and
// Connection, and it never answers 417.
type shapedConn struct{ net.Conn }

func (c *shapedConn) Write(p []byte) (int, error) {
	if b, ok := reshape(p); ok {
		if _, err := c.Conn.Write(b); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// CloseWrite is net/http's way to end a connection after a 431 cleanly.
func (c *shapedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// goPlainHeaders is what net/http's own plain-text answers carry.
const goPlainHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// reshape returns the error-shaped answer for one of net/http's own
// answers, and false for anything else.
func reshape(p []byte) ([]byte, bool) {
	const proto = "HTTP/1.1 "
	if len(p) < len(proto)+4 || !bytes.HasPrefix(p, []byte(proto)) || p[len(proto)+3] != ' ' {
		return nil, false
	}
	code, err := strconv.Atoi(string(p[len(proto) : len(proto)+3]))
	if err != nil {
		return nil, false
	}
	var reason string // net/http's words after the status text, if any
	switch i := bytes.Index(p, []byte(goPlainHeaders)); {
	case i > 0:
		line := string(p[len(proto):i])
		if _, r, found := strings.Cut(line, ": "); found {
			reason = r
		}
	case code == http.StatusExpectationFailed:
	default:
		return nil, false
	}
	aerr := preHandlerError(code, reason)
	if aerr == nil {
		return nil, false
	}
	body := aerr.JSON()
	var b bytes.Buffer
	b.WriteString(proto + strconv.Itoa(code) + " " + http.StatusText(code) + "\r\n")
	b.WriteString("Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n")
	b.Write(body)
	return b.Bytes(), true
}

// preHandlerError is the error-shaped answer for a status net/http gives
// before any handler runs; reason is net/http's fixed explanation (it
// never holds what the client sent), "" when it gives none.
func preHandlerError(code int, reason string) *apierror.Error {
	switch code {
	case http.StatusBadRequest:
		msg := "the request is not valid HTTP/1.1: its request line or a header is malformed (a bad %-escape in the path, a bad Content-Length, a control character)"
		if reason != "" {
			msg = "the request is not valid HTTP/1.1: " + reason
		}
		return apierror.New(code, apierror.KeyInvalidRequest, msg).WithField("request", "is not valid HTTP/1.1")
	case http.StatusRequestHeaderFieldsTooLarge:
		return apierror.Newf(code, KeyHeaderTooLarge, "the request line and headers are larger than the %d KiB this mock reads", maxHeaderBytes>>10)
	case http.StatusNotImplemented:
		return apierror.New(code, KeyUnsupportedTransferEncoding, "the only Transfer-Encoding this mock takes is chunked").
			WithField("Transfer-Encoding", "must be chunked or absent")
	case http.StatusHTTPVersionNotSupported:
		return apierror.New(code, KeyHTTPVersion, "this mock speaks HTTP/1.0 and HTTP/1.1")
	case http.StatusExpectationFailed:
		return apierror.New(code, KeyExpectationFailed, "the only Expect this mock takes is 100-continue").
			WithField("Expect", "must be 100-continue or absent")
	}
	return nil
}
