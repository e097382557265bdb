package contract

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Polling intervals of --wait: the first, doubling up to the last.
const (
	waitFirstPoll = 100 * time.Millisecond
	waitMaxPoll   = 2 * time.Second
)

// wait polls the target until it answers, for at most Wait: the mock's
// GET /readyz answering 200 or, where /readyz is not the mock's (any other
// answer below 500), the token endpoint answering anything but 429 or 5xx.
// The token endpoint is asked with GET, which carries no credentials. The
// wait is not part of --deadline.
func (r *Runner) wait(ctx context.Context, hw *humanWriter) *stop {
	outer := ctx
	ctx, cancel := context.WithTimeout(ctx, r.s.Wait)
	defer cancel()
	start, deadline := r.s.Now(), r.s.Now().Add(r.s.Wait)
	hw.line("waiting up to %s for %s to answer (--wait)", r.s.Wait, r.s.target)
	delay, last := waitFirstPoll, ""
	for {
		ok, why := r.ready(ctx)
		if ok {
			hw.line("the target answered after %s", r.s.Now().Sub(start).Round(time.Millisecond))
			return nil
		}
		if why != "" {
			last = why
		}
		if !r.s.Now().Before(deadline) || r.s.Sleep(ctx, delay) != nil {
			break
		}
		delay = min(2*delay, waitMaxPoll)
	}
	if errors.Is(outer.Err(), context.Canceled) {
		return &stop{VerdictInterrupted, "the run was interrupted while waiting for the target"}
	}
	return &stop{VerdictUnavailable, fmt.Sprintf("target %s did not answer within --wait %s: %s", r.s.target, r.s.Wait, last)}
}

// ready makes one readiness check; when the target is not ready, it says
// why ("" when the wait's own time ran out).
func (r *Runner) ready(ctx context.Context) (bool, string) {
	ex := r.client.single(ctx, request{method: http.MethodGet, path: "/readyz"})
	switch {
	case ctx.Err() != nil:
		return false, ""
	case ex.err != nil:
		return false, "GET /readyz: " + ex.errText
	case ex.status == http.StatusOK:
		return true, ""
	case unavailableStatus(ex.status):
		return false, "GET /readyz answered " + statusText(ex.status, errorKeyOf(ex.respBody), r.red)
	}
	// Not the mock: does the API answer?
	ex = r.client.single(ctx, request{method: http.MethodGet, path: pathToken})
	switch {
	case ctx.Err() != nil:
		return false, ""
	case ex.err != nil:
		return false, "GET " + pathToken + ": " + ex.errText
	case unavailableStatus(ex.status):
		return false, "GET " + pathToken + " answered " + statusText(ex.status, errorKeyOf(ex.respBody), r.red)
	}
	return true, ""
}
