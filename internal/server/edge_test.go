package server

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestShapeAnswersLeavesHandlersAlone: a write made while a handler's
// answer is in progress is never rewritten, even when it is exactly one of
// net/http's own answers (here a body flushed in two writes, the second
// net/http's plain-text 400).
func TestShapeAnswersLeavesHandlersAlone(t *testing.T) {
	const goAnswer = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request"
	body := "first write;" + goAnswer
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		rc := http.NewResponseController(w)
		_, _ = io.WriteString(w, "first write;")
		_ = rc.Flush()
		_, _ = io.WriteString(w, goAnswer)
		_ = rc.Flush()
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(shapeAnswers(srv, ln)) }()
	t.Cleanup(func() { srv.Close() })
	res, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	if string(got) != body {
		t.Errorf("body = %q, want %q", got, body)
	}
}

// TestReshapeOnlyNetHTTPsOwnAnswers: reshape rewrites net/http's own
// answers, each exactly as net/http writes it, and nothing that merely
// begins like one (a body written in several writes may begin with any
// bytes a client sent).
func TestReshapeOnlyNetHTTPsOwnAnswers(t *testing.T) {
	const plain = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
	const expect = "HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: Tue, 16 Jun 2026 08:00:00 GMT\r\nContent-Length: 0\r\n\r\n"
	for _, tc := range []struct {
		name, write string
		status      string // the rewritten status line; "" when left alone
	}{
		{"bad request", "HTTP/1.1 400 Bad Request" + plain + "400 Bad Request", "HTTP/1.1 400 Bad Request"},
		{"bad request with a reason", "HTTP/1.1 400 Bad Request: missing required Host header" + plain + "400 Bad Request: missing required Host header", "HTTP/1.1 400 Bad Request"},
		{"431", "HTTP/1.1 431 Request Header Fields Too Large" + plain + "431 Request Header Fields Too Large", "HTTP/1.1 431 Request Header Fields Too Large"},
		{"501", "HTTP/1.1 501 Not Implemented" + plain + "Unsupported transfer encoding", "HTTP/1.1 501 Not Implemented"},
		{"505", "HTTP/1.1 505 HTTP Version Not Supported: unsupported protocol version" + plain + "505 HTTP Version Not Supported: unsupported protocol version", "HTTP/1.1 505 HTTP Version Not Supported"},
		{"417", expect, "HTTP/1.1 417 Expectation Failed"},
		{"417 in HTTP/1.0", strings.Replace(expect, "HTTP/1.1", "HTTP/1.0", 1), "HTTP/1.0 417 Expectation Failed"},

		{"the marker alone", "HTTP/1.1 417 ", ""},
		{"the marker in a journal's body", "HTTP/1.1 417 zzzzzzzzzz\",\"operation\":\"\",\"status\":404}]}", ""},
		{"417 with a body", strings.Replace(expect, "Content-Length: 0", "Content-Length: 5", 1) + "hello", ""},
		{"417 with more", expect + "HTTP/1.1 200 OK\r\n", ""},
		{"417 without a date", "HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", ""},
		{"417 with another date", strings.Replace(expect, "Tue, 16 Jun 2026 08:00:00 GMT", "<script>", 1), ""},
		{"400 with another body", "HTTP/1.1 400 Bad Request" + plain + "<script>alert(1)</script>", ""},
		{"400 with text after", "HTTP/1.1 400 Bad Request" + plain + "400 Bad Request" + "HTTP/1.1 200 OK", ""},
		{"400 with a reason that is not net/http's", "HTTP/1.1 400 Bad Request: <img src=x>" + plain + "400 Bad Request: <img src=x>", ""},
		{"400 with a long reason", "HTTP/1.1 400 Bad Request: " + strings.Repeat("a", 65) + plain + "400 Bad Request: " + strings.Repeat("a", 65), ""},
		{"501 with another text", "HTTP/1.1 501 Not Implemented" + plain + "501 Not Implemented", ""},
		{"the mock's own answer", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}", ""},
		{"a status net/http does not give", "HTTP/1.1 418 I'm a teapot" + plain + "418 I'm a teapot", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, ok := reshape([]byte(tc.write))
			switch {
			case tc.status == "" && ok:
				t.Errorf("rewritten into %q, want it left alone", b)
			case tc.status != "" && !ok:
				t.Errorf("left alone, want %s", tc.status)
			case ok && !strings.HasPrefix(string(b), tc.status+"\r\nContent-Type: application/json\r\n"):
				t.Errorf("rewritten into %q, want %s in the error shape", b, tc.status)
			}
		})
	}
}
