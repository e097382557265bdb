package server

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
)

// What the HTTP server does around the simulator: it bounds the time a
// request body may take to arrive and an answer to leave, and it answers
// in Helthjem's error shape where net/http would answer in plain text
// before any handler runs.

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

// shapeAnswers sets srv up to answer in the error shape where net/http
// would answer in plain text, and returns the listener to serve on.
//
// net/http refuses some requests before any handler runs, writing its
// answer straight to the connection. The listener's connections rewrite
// those writes, and only those: a write is taken for one of net/http's
// own answers only when no answer of a handler is in progress on the
// connection (from the moment the handler starts until net/http reports
// the connection idle, its answer fully written) and when it is one of
// net/http's fixed answers in full. Either condition alone would do today;
// both keep a body that happens to look like an answer (a journal that
// shows a path, written in several writes) from ever being rewritten.
func shapeAnswers(srv *http.Server, ln net.Listener) net.Listener {
	h := srv.Handler
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := r.Context().Value(connKey{}).(*shapedConn); ok {
			c.answering.Store(true)
		}
		h.ServeHTTP(w, r)
	})
	srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, c)
	}
	srv.ConnState = func(c net.Conn, st http.ConnState) {
		if sc, ok := c.(*shapedConn); ok && st == http.StateIdle {
			sc.answering.Store(false) // net/http has written the whole answer
		}
	}
	return shapedListener{ln}
}

// connKey is the context key of a request's *shapedConn.
type connKey struct{}

// writeDeadline bounds the time an answer may take to be written, from
// its first byte: a client that never reads held its answer (an 8.7 MB
// GET /__sim/state) and its connection for good. The deadline is set when
// the handler starts its answer, not when the request arrives as
// http.Server.WriteTimeout would, so a latency fault that holds the answer
// back is not cut short. net/http lifts it once it has written the answer
// (as it does for any http.ResponseController deadline), so what comes
// next on a kept-alive connection (a 100 Continue, net/http's own answer
// to a bad request) does not meet an old one (TestAbuseClientThatNeverReads).
// An answer that misses it is cut off with its connection. A handler that
// writes nothing gets the deadline when it returns, before net/http
// writes the answer's head for it.
func writeDeadline(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dw := &deadlineWriter{ResponseWriter: w, rc: http.NewResponseController(w), d: d}
		defer dw.start()
		h.ServeHTTP(dw, r)
	})
}

// deadlineWriter sets the write deadline at the start of the answer.
type deadlineWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	d       time.Duration
	started bool
}

func (w *deadlineWriter) start() {
	if !w.started {
		w.started = true
		_ = w.rc.SetWriteDeadline(time.Now().Add(w.d))
	}
}

func (w *deadlineWriter) WriteHeader(code int) {
	if code >= 200 { // not an interim 1xx
		w.start()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	w.start()
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach net/http's writer.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

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
// plain text before any handler runs (see shapeAnswers).
type shapedConn struct {
	net.Conn
	// answering: a handler has started on the current request and
	// net/http has not yet finished writing its answer. Nothing written
	// then is rewritten.
	answering atomic.Bool
}

func (c *shapedConn) Write(p []byte) (int, error) {
	if c.answering.Load() {
		return c.Conn.Write(p)
	}
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

// reshape returns the error-shaped answer for one of net/http's own
// answers, and false for anything else. net/http writes each of them with
// one Write, in one of two forms. Its plain-text errors are
//
//	HTTP/1.1 <status>\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n<status>
//
// where <status> is "400 Bad Request", or the code, its status text, ": "
// and a short fixed explanation ("400 Bad Request: missing required Host
// header"); for an unsupported Transfer-Encoding the line is "501 Not
// Implemented" and the text "Unsupported transfer encoding". An Expect
// other than 100-continue gets an empty answer in the request's protocol:
//
//	HTTP/1.x 417 Expectation Failed\r\nConnection: close\r\nDate: <date>\r\nContent-Length: 0\r\n\r\n
func reshape(p []byte) ([]byte, bool) {
	proto, code, reason, ok := goPlainAnswer(p)
	if !ok {
		if proto, ok = goExpectationFailed(p); !ok {
			return nil, false
		}
		code = http.StatusExpectationFailed
	}
	aerr := preHandlerError(code, reason)
	if aerr == nil {
		return nil, false
	}
	body := aerr.JSON()
	var b bytes.Buffer
	b.WriteString(proto + " " + strconv.Itoa(code) + " " + http.StatusText(code) + "\r\n")
	b.WriteString("Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n")
	b.Write(body)
	return b.Bytes(), true
}

// goPlainHeaders is what net/http's own plain-text answers carry.
const goPlainHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// maxGoReason is longer than any explanation net/http gives.
const maxGoReason = 64

// goPlainAnswer reads one of net/http's plain-text errors, in full: the
// protocol, status, and explanation ("" when there is none).
func goPlainAnswer(p []byte) (proto string, code int, reason string, ok bool) {
	const http11 = "HTTP/1.1 "
	rest, found := bytes.CutPrefix(p, []byte(http11))
	if !found {
		return "", 0, "", false
	}
	line, text, found := bytes.Cut(rest, []byte(goPlainHeaders))
	if !found || len(line) < 4 || line[3] != ' ' {
		return "", 0, "", false
	}
	code, err := strconv.Atoi(string(line[:3]))
	if err != nil || http.StatusText(code) == "" {
		return "", 0, "", false
	}
	status := strconv.Itoa(code) + " " + http.StatusText(code)
	switch {
	case code == http.StatusNotImplemented:
		ok = string(line) == status && string(text) == "Unsupported transfer encoding"
	case string(line) == status:
		ok = string(text) == status
	default:
		r, cut := strings.CutPrefix(string(line), status+": ")
		ok = cut && string(text) == string(line) && goReason(r)
		reason = r
	}
	if !ok {
		return "", 0, "", false
	}
	return strings.TrimSuffix(http11, " "), code, reason, true
}

// goReason reports whether s looks like one of net/http's explanations:
// a few words of letters.
func goReason(s string) bool {
	if s == "" || len(s) > maxGoReason {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && r != ' ' {
			return false
		}
	}
	return true
}

// goExpectationFailed reads net/http's empty 417, in full, and returns
// its protocol.
func goExpectationFailed(p []byte) (proto string, ok bool) {
	for _, proto := range []string{"HTTP/1.1", "HTTP/1.0"} {
		rest, found := bytes.CutPrefix(p, []byte(proto+" 417 Expectation Failed\r\nConnection: close\r\nDate: "))
		if !found {
			continue
		}
		date, found := bytes.CutSuffix(rest, []byte("\r\nContent-Length: 0\r\n\r\n"))
		if _, err := time.Parse(http.TimeFormat, string(date)); found && err == nil {
			return proto, true
		}
	}
	return "", false
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
