package validate_test

import (
	"bytes"
	"io"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

// TestReadBodyWhateverTheDeclaredLength: the body read is the body sent,
// whether Content-Length is right, short, long or unknown (an in-process
// caller can set anything), and one over MaxBodyBytes is refused.
func TestReadBodyWhateverTheDeclaredLength(t *testing.T) {
	body := strings.Repeat(`{"a":"b"}`, 100)
	for _, length := range []int64{-1, 0, 1, int64(len(body)) - 1, int64(len(body)), int64(len(body)) + 1, 1 << 19, validate.MaxBodyBytes} {
		req := httptest.NewRequest("POST", "/", io.NopCloser(strings.NewReader(body)))
		req.ContentLength = length
		got, aerr := validate.ReadBody(req)
		if aerr != nil || string(got) != body {
			t.Errorf("Content-Length %d: read %d bytes, %v; want %d", length, len(got), aerr, len(body))
		}
	}
	big := bytes.Repeat([]byte(" "), validate.MaxBodyBytes+1)
	for _, length := range []int64{-1, 10} {
		req := httptest.NewRequest("POST", "/", io.NopCloser(bytes.NewReader(big)))
		req.ContentLength = length
		if _, aerr := validate.ReadBody(req); aerr == nil || aerr.Status != 413 {
			t.Errorf("Content-Length %d, %d bytes: %v, want 413", length, len(big), aerr)
		}
	}
}

// TestReadBodyDoesNotTrustTheDeclaredLength: a Content-Length announcing
// a megabyte that never comes does not cost a megabyte.
func TestReadBodyDoesNotTrustTheDeclaredLength(t *testing.T) {
	const runs = 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		req := httptest.NewRequest("POST", "/", strings.NewReader(`{}`))
		req.ContentLength = validate.MaxBodyBytes
		if _, aerr := validate.ReadBody(req); aerr != nil {
			t.Fatal(aerr)
		}
	}
	runtime.ReadMemStats(&after)
	if perRead := (after.TotalAlloc - before.TotalAlloc) / runs; perRead > 128<<10 {
		t.Errorf("a 2-byte body declared as %d bytes allocated %d bytes", validate.MaxBodyBytes, perRead)
	}
}
