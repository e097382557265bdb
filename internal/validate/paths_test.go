package validate_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

func TestPaths(t *testing.T) {
	v, err := validate.Sim()
	if err != nil {
		t.Fatal(err)
	}
	got := v.Paths()
	for path, want := range map[string][]string{
		"/__sim/clock":  {"GET", "POST"},
		"/__sim/faults": {"DELETE", "GET", "POST"},
		"/healthz":      {"GET"},
	} {
		if diff := cmp.Diff(want, got[path]); diff != "" {
			t.Errorf("%s methods mismatch (-want +got):\n%s", path, diff)
		}
	}
}
