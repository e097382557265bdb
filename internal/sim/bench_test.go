package sim_test

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/mockhelthjem/mockhelthjem/internal/sim"
)

// benchOp is one operation as the guide sends it.
type benchOp struct {
	name, method, path string
	body               []byte
	auth               bool
}

func benchOps(b *testing.B, tracked string) []benchOp {
	return []benchOp{
		{"token", "POST", pathToken, guideRequest(b, "token"), false},
		{"find-single", "POST", pathSingle, guideRequest(b, "find-single"), true},
		{"nearby", "POST", pathNearby, guideRequest(b, "nearby"), true},
		{"dates", "POST", pathDates, guideRequest(b, "dates"), true},
		{"booking-23", "POST", pathBooking, guideRequest(b, "booking-23"), true},
		{"booking-113", "POST", pathBooking, guideRequest(b, "booking-113"), true},
		{"tracking", "GET", trackPath(tracked), nil, true},
	}
}

// serveBench sends op once and fails the benchmark unless it is a 200.
func serveBench(b *testing.B, srv *sim.Server, op benchOp, token string) {
	var req = httptest.NewRequest(op.method, op.path, nil)
	if op.body != nil {
		req = httptest.NewRequest(op.method, op.path, bytes.NewReader(op.body))
		req.Header.Set("Content-Type", "application/json")
	}
	if op.auth {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != 200 {
		b.Fatalf("%s: %d %s", op.name, rec.Code, rec.Body)
	}
}

// BenchmarkOperations is each operation of the C2C flow through the whole
// ServeHTTP path (routing, token check, request validation, handler,
// encoding), with response validation as the binary runs it ("validated")
// and without it ("no-response-validation"), to show what that costs.
// Bookings accumulate: b.N bookings are stored by the end.
//
//	go test ./internal/sim -run '^$' -bench Operations -benchmem
func BenchmarkOperations(b *testing.B) {
	for _, mode := range []struct {
		name string
		skip bool
	}{{"validated", false}, {"no-response-validation", true}} {
		e := newEnv(b, func(o *sim.Options) { o.SkipResponseValidation = mode.skip; o.MaxOrders = benchMaxOrders })
		token := e.demo()
		tracked := e.do("POST", pathBooking, token, guideRequest(b, "booking-113")).json(b)["items"].([]any)[0].(map[string]any)["returnCode"].(string)
		for _, op := range benchOps(b, tracked) {
			b.Run(op.name+"/"+mode.name, func(b *testing.B) {
				b.ReportAllocs()
				for range b.N {
					serveBench(b, e.srv, op, token)
				}
			})
		}
	}
}

// BenchmarkCoverageParallel is find/single from GOMAXPROCS goroutines at
// once: what the simulator's one mutex and the shared validators allow.
func BenchmarkCoverageParallel(b *testing.B) {
	e := newEnv(b)
	token := e.demo()
	op := benchOps(b, "")[1]
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			serveBench(b, e.srv, op, token)
		}
	})
}

// BenchmarkStoredBooking reports the live heap each stored TS 113 booking
// keeps (heap-B/booking, after a full GC), the in-process counterpart of
// the bench program's RSS growth per 10 000 bookings: "guide" repeats the
// guide's booking, "unique" books it with a consignee name, a reference
// and a shipmentId never sent before, as the bench's booking-unique does.
func BenchmarkStoredBooking(b *testing.B) {
	guide := guideRequest(b, "booking-113")
	for _, kind := range []string{"guide", "unique"} {
		b.Run(kind, func(b *testing.B) {
			e := newEnv(b, func(o *sim.Options) { o.MaxOrders = benchMaxOrders })
			token := e.demo()
			op := benchOp{"booking-113", "POST", pathBooking, guide, true}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			b.ReportAllocs()
			for i := range b.N {
				if kind == "unique" {
					op.body = bytes.Replace(guide, []byte(`"Kristian Voie Danielsen"`), fmt.Appendf(nil, `"Kristian Voie Danielsen %d"`, i), 1)
					op.body = bytes.Replace(op.body, []byte(`"consignee_reference"`), fmt.Appendf(nil, `"consignee_reference %d"`, i), 1)
					op.body = bytes.Replace(op.body, []byte(`"shipmentId": null`), fmt.Appendf(nil, `"shipmentId": "BENCH%d"`, i), 1)
				}
				serveBench(b, e.srv, op, token)
			}
			b.StopTimer()
			op.body = nil
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "heap-B/booking")
			runtime.KeepAlive(e)
		})
	}
}

// BenchmarkCoverageUnique is find/single with a body never sent before on
// every iteration (the customer name carries the iteration number), so no
// validation verdict is reused: the cost of a request the mock has not
// seen, next to BenchmarkOperations' repeated guide request.
func BenchmarkCoverageUnique(b *testing.B) {
	e := newEnv(b)
	token := e.demo()
	zips := []string{"0468", "0561", "0150", "5003", "7010", "4005", "9008", "0751"}
	b.ReportAllocs()
	for i := range b.N {
		body := fmt.Sprintf(`{"shopId":"16","transportSolutionId":23,"customer name":"Sender %d","address":"Eksempelveien 12","zipCode":%q,"postalName":"Oslo","countryCode":"NO","weight":900,"volume":null}`, i, zips[i%len(zips)])
		serveBench(b, e.srv, benchOp{"find-single", "POST", pathSingle, []byte(body), true}, token)
	}
}

// benchMaxOrders lifts the order cap as far as it goes: b.N bookings
// accumulate.
var benchMaxOrders = sim.MaxOrdersLimit()

// BenchmarkReplay is a start-up with a state file of 20k orders (populate,
// so every kind of order, with conversions and drop-offs): sim.New reads,
// checks and applies every record, then compacts the file.
//
//	go test ./internal/sim -run '^$' -bench Replay -benchmem
func BenchmarkReplay(b *testing.B) {
	const orders = 20000
	path := filepath.Join(b.TempDir(), "state.jsonl")
	e := newEnv(b, withState(path), func(o *sim.Options) { o.MaxOrders = 2 * orders })
	for range orders / 1000 {
		e.populate(1000)
	}
	if err := e.srv.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		srv, err := sim.New(sim.Options{Seed: 42, Clock: guideClock, StateFile: path, MaxOrders: 2 * orders})
		if err != nil {
			b.Fatal(err)
		}
		if err := srv.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
