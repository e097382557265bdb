package sim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
)

// requestLog is the request journal for GET /__sim/requests: the most
// recent requests, bounded both by count (Options.JournalSize) and by the
// bytes its entries hold (Options.JournalBytes), so that neither many
// requests nor long ones grow it without end. It holds no headers or
// query strings, and bodies only with Options.JournalBodies, redacted.
type requestLog struct {
	mu       sync.Mutex
	entries  []requestEntry // oldest first, from head on
	head     int
	bytes    int   // the sizes of entries[head:]
	seq      int64 // entries ever added
	maxN     int
	maxBytes int
}

// requestEntry is one journaled request. The shape is public: the
// dashboard and helthjemtest read it (spec/sim.yaml, RequestEntry).
type requestEntry struct {
	Seq       int64     `json:"seq"`
	Time      time.Time `json:"time"`    // wall clock
	SimTime   time.Time `json:"simTime"` // simulated clock
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Operation string    `json:"operation"` // "" when no route matched
	Status    int       `json:"status"`    // 0 when a fault dropped the connection
	ClientID  string    `json:"clientId,omitempty"`
	// DurationMS is the time from the request to the answer, in ms.
	DurationMS float64 `json:"durationMs"`
	Fault      string  `json:"fault,omitempty"`
	// ErrorKey and ErrorFields are the error answer's errorKey and the
	// field names of its errorMap (sorted, never the reasons' values).
	ErrorKey    string   `json:"errorKey,omitempty"`
	ErrorFields []string `json:"errorFields,omitempty"`
	// RequestBody and ResponseBody are kept only with -journal-bodies,
	// with personal data redacted (redact.go).
	RequestBody  json.RawMessage `json:"requestBody,omitempty"`
	ResponseBody json.RawMessage `json:"responseBody,omitempty"`
}

// Journal bounds that are not options.
const (
	// maxJournalPath is the most of a path an entry keeps, in bytes; a
	// longer one is cut (on a character boundary) and ends with "…".
	maxJournalPath = 2 << 10
	// maxJournalMethod is the most of a method an entry keeps: no method
	// of either spec is longer.
	maxJournalMethod = 16
	// entryOverhead is what an entry costs beyond its strings: its fixed
	// fields, as encoded and as stored.
	entryOverhead = 256
)

func newRequestLog(maxN, maxBytes int) *requestLog {
	return &requestLog{maxN: maxN, maxBytes: maxBytes}
}

// size is what e counts against the journal's byte bound.
func (e *requestEntry) size() int {
	n := entryOverhead + len(e.Method) + len(e.Path) + len(e.Operation) + len(e.ClientID) + len(e.Fault) +
		len(e.ErrorKey) + len(e.RequestBody) + len(e.ResponseBody)
	for _, f := range e.ErrorFields {
		n += len(f) + 3
	}
	return n
}

func (l *requestLog) add(e requestEntry) {
	e.Path = truncate(e.Path, maxJournalPath)
	e.Method = truncate(e.Method, maxJournalMethod)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	e.Seq = l.seq
	l.entries = append(l.entries, e)
	l.bytes += e.size()
	for n := len(l.entries) - l.head; n > 1 && (n > l.maxN || l.bytes > l.maxBytes); n-- {
		l.bytes -= l.entries[l.head].size()
		l.entries[l.head] = requestEntry{}
		l.head++
	}
	if l.head > 64 && l.head > len(l.entries)/2 {
		// Move the live entries down, so the array does not grow.
		n := copy(l.entries, l.entries[l.head:])
		clear(l.entries[n:])
		l.entries, l.head = l.entries[:n], 0
	}
}

// truncate cuts s to at most n bytes on a character boundary, ending
// with "…" when it cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// newest returns up to limit entries, newest first, optionally one client's.
func (l *requestLog) newest(limit int, client string) []requestEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]requestEntry, 0, min(limit, len(l.entries)-l.head))
	for i := len(l.entries) - 1; i >= l.head && len(out) < limit; i-- {
		if e := l.entries[i]; client == "" || e.ClientID == client {
			out = append(out, e)
		}
	}
	return out
}

type requestsResp struct {
	Requests []requestEntry `json:"requests"`
}

// listRequests is GET /__sim/requests.
func listRequests(s *Server, c *call) (result, *apierror.Error) {
	q := c.r.URL.Query()
	limit := s.opts.JournalSize
	if v := q.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v) // the spec has checked it
	}
	// Without HTML escapes: a person reads "<redacted>", not "\u003credacted\u003e".
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(requestsResp{Requests: s.requests.newest(limit, q.Get("clientId"))}); err != nil {
		return result{}, apierror.New(http.StatusInternalServerError, apierror.KeyInternal, "the journal could not be encoded")
	}
	return result{status: http.StatusOK, raw: bytes.TrimSuffix(b.Bytes(), []byte("\n")), contentType: "application/json"}, nil
}
