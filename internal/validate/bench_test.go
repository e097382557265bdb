package validate_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

// BenchmarkRequest checks the guide's requests with the compiled schemas
// and, for comparison, with kin-openapi's ValidateRequest (how this
// package checked them before):
//
//	go test ./internal/validate -run '^$' -bench . -benchmem
func BenchmarkRequest(b *testing.B) {
	v, err := validate.Helthjem()
	if err != nil {
		b.Fatal(err)
	}
	for _, op := range []struct{ name, path string }{
		{"find-single", "/parcels/v1/addresses/find/single"},
		{"booking-113", "/parcels/v1/bookings"},
	} {
		body, err := os.ReadFile(filepath.Join("..", "sim", "testdata", "guide", op.name+".request.json"))
		if err != nil {
			b.Fatal(err)
		}
		req := httptest.NewRequest("POST", op.path, nil)
		req.Header.Set("Content-Type", "application/json")
		rt, aerr := v.Find(req)
		if aerr != nil {
			b.Fatal(aerr)
		}
		for _, how := range []struct {
			name  string
			check func(context.Context, *http.Request, *validate.Route, []byte) *apierror.Error
		}{{"compiled", v.Request}, {"kin", v.KinRequest}} {
			b.Run(op.name+"/"+how.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(body)))
				for range b.N {
					if aerr := how.check(context.Background(), req, rt, body); aerr != nil {
						b.Fatal(aerr)
					}
				}
			})
		}
	}
}

// BenchmarkResponse checks the guide's answers the same two ways.
func BenchmarkResponse(b *testing.B) {
	v, err := validate.Helthjem()
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/json"}}
	for _, op := range []struct{ name, path string }{
		{"find-single", "/parcels/v1/addresses/find/single"},
		{"nearby", "/parcels/v1/service-points/nearby"},
		{"booking-113", "/parcels/v1/bookings"},
	} {
		body, err := os.ReadFile(filepath.Join("testdata", "guide", op.name+".response.json"))
		if err != nil {
			b.Fatal(err)
		}
		req := httptest.NewRequest("POST", op.path, nil)
		rt, aerr := v.Find(req)
		if aerr != nil {
			b.Fatal(aerr)
		}
		for _, how := range []struct {
			name string
			ok   func() bool
		}{
			{"compiled", func() bool { return v.Response(context.Background(), req, rt, 200, h, body) == nil }},
			{"kin", func() bool { return v.KinResponse(context.Background(), req, rt, 200, h, body) == nil }},
		} {
			b.Run(op.name+"/"+how.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(body)))
				for range b.N {
					if !how.ok() {
						b.Fatal("the guide's answer fails")
					}
				}
			})
		}
	}
}
