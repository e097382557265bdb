package sim

import (
	"fmt"
	"testing"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/ids"
)

// BenchmarkBookingUnderLock is what a booking does while it holds
// Server.mu (issue 11: linear in its items): draw its ids and returnCodes
// from a copy of the generators, check supplied SSCCs against every
// order, build the record and render the answer. The spec allows 10
// items; 100 and 1000 show the growth (ns/item stays flat). Half the
// items carry a client-supplied SSCC.
//
//	go test ./internal/sim -run '^$' -bench BookingUnderLock
func BenchmarkBookingUnderLock(b *testing.B) {
	s, err := New(Options{Seed: 1, Clock: time.Date(2026, 6, 16, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	cl, _ := s.fx.Client("demo")
	for _, n := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			p := &plan{ts: tsC2CSmall, fp: fpC2CSmall, returnCode: true, key: storedReq("{}"),
				supplied: make([]string, n), req: bookingReq{Items: make([]itemIn, n)}}
			for i := 0; i < n; i += 2 {
				p.supplied[i] = supplied(b, i)
			}
			c := &call{client: cl, now: s.Now()}
			for b.Loop() {
				s.mu.Lock()
				for i, v := range p.supplied {
					if v != "" && s.st.taken(v) {
						b.Fatalf("item %d: taken", i)
					}
				}
				rec, aerr := s.bookingRecordLocked(c, p, "")
				if aerr != nil {
					b.Fatal(aerr)
				}
				_ = s.render(rec.Order, &p.req)
				s.mu.Unlock()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/item")
		})
	}
}

// supplied is a valid SSCC (check digit included) for item i.
func supplied(b *testing.B, i int) string {
	sscc, err := ids.SSCC(uint64(900_000_000 + i))
	if err != nil {
		b.Fatal(err)
	}
	return sscc
}
