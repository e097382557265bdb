package contract

import (
	"context"
	"io"
	"testing"

	"github.com/mockhelthjem/mockhelthjem/internal/contract/drifttest"
)

// BenchmarkFlow runs every flow, all checks included, against an
// in-process mock over HTTP on 127.0.0.1.
func BenchmarkFlow(b *testing.B) {
	srv := drifttest.Serve(b, drifttest.Sim(b))
	cfg := Config{Target: srv.URL}
	for b.Loop() {
		r, err := New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		rep := r.Run(context.Background(), io.Discard)
		if rep.Failed() || rep.Summary.Passed != 18 {
			b.Fatalf("summary %+v", rep.Summary)
		}
	}
}
