package sim

import (
	"strconv"
	"sync"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
)

// requestLog is a bounded ring of recent requests for GET /__sim/requests.
// It holds no bodies, headers or query strings: nothing personal, no secret.
type requestLog struct {
	mu   sync.Mutex
	ring []requestEntry // entry seq s is at ring[(s-1) % len(ring)]
	seq  int64          // entries ever added
}

type requestEntry struct {
	Seq        int64     `json:"seq"`
	Time       time.Time `json:"time"`    // wall clock
	SimTime    time.Time `json:"simTime"` // simulated clock
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Operation  string    `json:"operation"`
	Status     int       `json:"status"`
	ClientID   string    `json:"clientId,omitempty"`
	DurationMS float64   `json:"durationMs"`
	Fault      string    `json:"fault,omitempty"`
}

func newRequestLog(n int) *requestLog { return &requestLog{ring: make([]requestEntry, n)} }

func (l *requestLog) add(e requestEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	e.Seq = l.seq
	l.ring[l.slot(l.seq)] = e
}

func (l *requestLog) slot(seq int64) int { return int((seq - 1) % int64(len(l.ring))) }

// newest returns up to limit entries, newest first, optionally one client's.
func (l *requestLog) newest(limit int, client string) []requestEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := min(l.seq, int64(len(l.ring)))
	out := make([]requestEntry, 0, min(int64(limit), n))
	for seq := l.seq; seq > l.seq-n && len(out) < limit; seq-- {
		e := l.ring[l.slot(seq)]
		if client == "" || e.ClientID == client {
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
	limit := len(s.requests.ring)
	if v := q.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v) // the spec has checked it
	}
	return ok(requestsResp{Requests: s.requests.newest(limit, q.Get("clientId"))}), nil
}
