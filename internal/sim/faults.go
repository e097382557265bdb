package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
)

// FaultHeader asks for a fault on a single call, in the same notation as a
// rule's "fault" field.
const FaultHeader = "X-Sim-Fault"

// Fault errorKeys (public interface).
const (
	// KeyInvalidFault is the errorKey for a fault the simulator cannot parse.
	KeyInvalidFault = errorkey.InvalidFault
	// KeyFaultLimit: Options.MaxFaultRules rules are active already.
	KeyFaultLimit = errorkey.FaultLimitReached
)

// faultKind is what a fault does.
type faultKind int

const (
	faultStatus      faultKind = iota // answer an error status, change nothing
	faultLatency                      // wait, then answer normally
	faultDrop                         // close the connection without an answer
	faultAfterCommit                  // do the operation, then 504 or drop
)

// fault is a parsed fault specification:
//
//	503 | status=503 | 429;retry-after=5      an error status (429, 500, 502, 503, 504)
//	latency=2s | latency=100ms..2s            a delay, fixed or a seeded range
//	drop                                      the connection closes, no answer
//	after-commit | after-commit=504 | after-commit=drop
//	                                          the operation takes effect, then 504 or a drop
type fault struct {
	kind       faultKind
	status     int
	retryAfter int
	minDelay   time.Duration
	maxDelay   time.Duration
	drop       bool // for after-commit
	text       string
}

var faultStatuses = map[int]string{
	http.StatusTooManyRequests:     errorkey.TooManyRequests,
	http.StatusInternalServerError: apierror.KeyInternal,
	http.StatusBadGateway:          errorkey.BadGateway,
	http.StatusServiceUnavailable:  errorkey.ServiceUnavailable,
	http.StatusGatewayTimeout:      errorkey.GatewayTimeout,
}

// maxFaultDelay bounds injected latency so a typo cannot hang a pipeline.
const maxFaultDelay = 5 * time.Minute

// maxFaultText is the longest fault notation, as spec/sim.yaml bounds a
// rule's fault: a fault's text is logged and journaled.
const maxFaultText = 100

func parseFault(text string) (fault, error) {
	f := fault{text: strings.TrimSpace(text)}
	if len(f.text) > maxFaultText {
		return f, fmt.Errorf("a fault is at most %d characters", maxFaultText)
	}
	parts := strings.Split(f.text, ";")
	head := strings.TrimSpace(parts[0])
	name, val, hasVal := strings.Cut(head, "=")
	name = strings.ToLower(strings.TrimSpace(name))
	val = strings.TrimSpace(val)
	if _, err := strconv.Atoi(name); err == nil && !hasVal {
		name, val, hasVal = "status", name, true
	}
	switch name {
	case "status":
		code, err := strconv.Atoi(val)
		if _, known := faultStatuses[code]; err != nil || !known {
			return f, errors.New("status must be 429, 500, 502, 503 or 504")
		}
		f.kind, f.status = faultStatus, code
		if code == http.StatusTooManyRequests {
			f.retryAfter = 1
		}
	case "latency":
		lo, hi, isRange := strings.Cut(val, "..")
		a, err := time.ParseDuration(strings.TrimSpace(lo))
		if err != nil || a < 0 {
			return f, errors.New(`latency must be a duration ("2s") or a range ("100ms..2s")`)
		}
		b := a
		if isRange {
			if b, err = time.ParseDuration(strings.TrimSpace(hi)); err != nil || b < a {
				return f, errors.New(`a latency range must be "min..max" with min <= max`)
			}
		}
		if b > maxFaultDelay {
			return f, fmt.Errorf("latency is capped at %s", maxFaultDelay)
		}
		f.kind, f.minDelay, f.maxDelay = faultLatency, a, b
	case "drop":
		if hasVal {
			return f, errors.New("drop takes no value")
		}
		f.kind = faultDrop
	case "after-commit":
		f.kind, f.status = faultAfterCommit, http.StatusGatewayTimeout
		switch strings.ToLower(val) {
		case "", "504":
		case "drop":
			f.drop = true
		default:
			return f, errors.New("after-commit takes 504 or drop")
		}
	default:
		return f, errors.New("a fault is a status (503), latency=2s, latency=100ms..2s, drop or after-commit[=504|drop]")
	}
	for _, opt := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(opt), "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "retry-after":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 || f.status != http.StatusTooManyRequests {
				return f, errors.New("retry-after=N (seconds) goes with status 429")
			}
			f.retryAfter = n
		default:
			return f, errors.New("unknown fault option (the one option is retry-after=N)")
		}
	}
	return f, nil
}

// ruleSpec is what POST /__sim/faults asks for, and what a rule shows of it.
type ruleSpec struct {
	Operation   string   `json:"operation"`
	ClientID    string   `json:"clientId,omitempty"`
	Fault       string   `json:"fault"`
	Times       *int     `json:"times"`       // remaining calls, nil = unlimited
	Probability *float64 `json:"probability"` // nil = every matching call
}

// rule is an active fault rule.
type rule struct {
	ID int `json:"id"`
	ruleSpec
	Hits   int `json:"hits"`
	parsed fault
}

// snapshotLocked copies ru for an answer written after fs.mu is released:
// pick decrements Times under the lock.
func (ru *rule) snapshotLocked() *rule {
	c := *ru
	if ru.Times != nil {
		c.Times = ptr(*ru.Times)
	}
	return &c
}

// faults holds the rules and their seeded coin.
type faults struct {
	mu     sync.Mutex
	rules  []*rule
	nextID int
	coin   *rand.Rand // probabilities and latency ranges, from the seed
}

func newFaults(seed uint64) *faults {
	return &faults{nextID: 1, coin: rand.New(rand.NewPCG(seed, seed^0x5eed_fa17))}
}

// pick returns the fault for a call: the header's, else the first rule
// that matches operation and client and whose count and coin allow it.
func (fs *faults) pick(r *http.Request, op, client string) (*fault, string, *apierror.Error) {
	if h := r.Header.Get(FaultHeader); h != "" {
		f, err := parseFault(h)
		if err != nil {
			return nil, "", apierror.New(http.StatusBadRequest, KeyInvalidFault, err.Error()).WithField(FaultHeader, err.Error())
		}
		return &f, "header", nil
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, ru := range fs.rules {
		if ru.Operation != "*" && ru.Operation != op {
			continue
		}
		if ru.ClientID != "" && ru.ClientID != client {
			continue
		}
		if ru.Probability != nil && fs.coin.Float64() >= *ru.Probability {
			continue
		}
		ru.Hits++
		if ru.Times != nil {
			if *ru.Times--; *ru.Times == 0 {
				// Used up: no longer active, so no longer listed.
				fs.rules = append(fs.rules[:i:i], fs.rules[i+1:]...)
			}
		}
		f := ru.parsed
		return &f, "rule-" + strconv.Itoa(ru.ID), nil
	}
	return nil, "", nil
}

// delay is the latency to add, drawn from the seeded coin for a range.
func (fs *faults) delay(f *fault) time.Duration {
	if f.maxDelay <= f.minDelay {
		return f.minDelay
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return f.minDelay + time.Duration(fs.coin.Int64N(int64(f.maxDelay-f.minDelay)+1))
}

// errorFor is the carrier-shaped answer of a status fault. It names the
// source (the header, or rule-N) but not the fault's text, which the
// header has just sent.
func (f *fault) errorFor(source string) *apierror.Error {
	e := apierror.Newf(f.status, faultStatuses[f.status], "simulated fault (%s)", source)
	if f.retryAfter > 0 {
		e.Header = http.Header{"Retry-After": {strconv.Itoa(f.retryAfter)}}
	}
	return e
}

// sleep waits d or until the client goes away.
func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// dropConnection ends the exchange without an answer: net/http closes the
// connection on this panic and logs nothing.
func dropConnection() { panic(http.ErrAbortHandler) }

type rulesResp struct {
	Rules []*rule `json:"rules"`
}

func (fs *faults) list() rulesResp {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := rulesResp{Rules: make([]*rule, 0, len(fs.rules))}
	for _, ru := range fs.rules {
		out.Rules = append(out.Rules, ru.snapshotLocked())
	}
	return out
}

// createFault is POST /__sim/faults.
func createFault(s *Server, c *call) (result, *apierror.Error) {
	var req ruleSpec
	if aerr := decode(c.body, &req); aerr != nil {
		return result{}, aerr
	}
	f, err := parseFault(req.Fault)
	if err != nil {
		return result{}, apierror.New(http.StatusBadRequest, KeyInvalidFault, err.Error()).WithField("fault", err.Error())
	}
	if req.Operation != "*" && s.api.Operation(req.Operation) == nil {
		return result{}, apierror.New(http.StatusBadRequest, KeyInvalidFault, `operation must be an operationId of spec/helthjem.yaml or "*"`).
			WithField("operation", "unknown operationId")
	}
	req.Fault = f.text
	ru := &rule{ruleSpec: req, parsed: f}
	s.faults.mu.Lock()
	if len(s.faults.rules) >= s.opts.MaxFaultRules {
		s.faults.mu.Unlock()
		// Every call tries the rules in turn: their number is bounded.
		return result{}, apierror.Newf(http.StatusBadRequest, KeyFaultLimit,
			"%d fault rules are active, the most this mock keeps (-max-fault-rules); DELETE /__sim/faults clears them", s.opts.MaxFaultRules)
	}
	ru.ID = s.faults.nextID
	s.faults.nextID++
	s.faults.rules = append(s.faults.rules, ru)
	snap := ru.snapshotLocked()
	s.faults.mu.Unlock()
	return result{status: http.StatusCreated, body: snap}, nil
}

func listFaults(s *Server, c *call) (result, *apierror.Error) { return ok(s.faults.list()), nil }

type clearedResp struct {
	Removed int `json:"removed"`
}

func clearFaults(s *Server, c *call) (result, *apierror.Error) {
	s.faults.mu.Lock()
	n := len(s.faults.rules)
	s.faults.rules = nil
	s.faults.mu.Unlock()
	return ok(clearedResp{Removed: n}), nil
}
