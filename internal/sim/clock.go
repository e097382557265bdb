package sim

import (
	"errors"
	"time"
)

// clock is the simulated time: a start, an offset moved by /__sim/clock,
// and either frozen at start+offset or running with the wall clock.
// It is part of state.
type clock struct {
	start  time.Time // simulated time at construction
	frozen bool
	wall   func() time.Time
	wall0  time.Time // a running clock's wall time at start (equal to start); zero when frozen
	offset time.Duration
}

func newClock(start time.Time, wall func() time.Time) clock {
	c := clock{wall: wall}
	if start.IsZero() {
		w := wall()
		c.start, c.wall0 = w, w
	} else {
		c.start, c.frozen = start, true
	}
	return c
}

func (c *clock) now() time.Time {
	if c.frozen {
		return c.start.Add(c.offset)
	}
	return c.start.Add(c.wall().Sub(c.wall0) + c.offset)
}

// maxOffset bounds how far the clock may move from its start: a century
// is more than any test needs, and keeps the offset far from overflowing.
const maxOffset = 100 * 365 * 24 * time.Hour

// advance moves the clock forward by d (d > 0). Its errors do not repeat
// d: they are answered as they are, and no answer repeats a submitted value.
func (c *clock) advance(d time.Duration) error {
	if d < 0 {
		return errBackwards
	}
	if d > maxOffset-c.offset {
		return errClockRange
	}
	c.offset += d
	return nil
}

// setSlack is how far before now a set may be and still mean now: a
// client that reads a running clock and sends the time back, or sends the
// current time to the second ("date -Iseconds"), is a moment behind it.
const setSlack = time.Second

// set moves the clock to t, which must not be before now; a t less than
// setSlack before now is now, and leaves the clock where it is. Like
// advance's, its errors do not repeat t.
func (c *clock) set(t time.Time) error {
	now := c.now()
	if t.Before(now) {
		if now.Sub(t) <= setSlack {
			return nil
		}
		return errBackwards
	}
	d := t.Sub(now) // saturates at the largest Duration for far times
	if d > maxOffset-c.offset {
		return errClockRange
	}
	c.offset += d
	return nil
}

// publishClock makes st.clock the one shownClock returns. apply calls it
// under Server.mu after every change of the clock (set, advance, a full
// reset, a replayed record), before the change is answered.
func (st *state) publishClock() {
	c := st.clock
	st.shown.Store(&c)
}

// shownClock is the clock as the last applied record left it, for reads
// that need nothing else of the state: probes, GET /__sim/clock, a
// request's arrival time, Server.Now. It takes no lock, so it never waits
// for a change's fsync; a change still waiting for its fsync has not been
// made, and is not shown. A running clock keeps running in the copy (it
// reads the wall clock at each now). The copy is never modified: it is
// replaced. A change reads st.clock under Server.mu instead (nowLocked),
// to stamp its record with the time of the state it is built on.
func (st *state) shownClock() *clock { return st.shown.Load() }

// clockRec is the clock as a record carries it.
type clockRec struct {
	Start  time.Time     `json:"start"`
	Frozen bool          `json:"frozen"`
	Offset time.Duration `json:"offset"`
}

func (c *clock) rec() *clockRec {
	return &clockRec{Start: c.start, Frozen: c.frozen, Offset: c.offset}
}

// restore sets the clock from a record. A running clock's start is the
// wall time it started from, so it keeps following the wall clock with
// the recorded offset.
func (c *clock) restore(r clockRec) {
	c.start, c.frozen, c.offset, c.wall0 = r.Start, r.Frozen, r.Offset, time.Time{}
	if !r.Frozen {
		c.wall0 = r.Start
	}
}

// reset returns the clock to its start; a running one starts again from
// the wall clock.
func (c *clock) reset() {
	c.offset = 0
	if !c.frozen {
		w := c.wall()
		c.start, c.wall0 = w, w
	}
}

var (
	errBackwards  = errors.New("the simulated clock never goes backwards")
	errClockRange = errors.New("the simulated clock moves at most 100 years from its start")
)
