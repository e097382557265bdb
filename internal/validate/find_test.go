package validate_test

import (
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/validate"
	"github.com/mockhelthjem/mockhelthjem/spec"
)

// TestFindAsTheRouter: Find's table of paths without parameters answers
// every request, on every path of both specs in every spelling and with
// every method, as the router does.
func TestFindAsTheRouter(t *testing.T) {
	type found struct {
		Op      string
		Params  map[string]string
		Secured bool
		Status  int
	}
	answer := func(rt *validate.Route, aerr *apierror.Error) found {
		if aerr != nil {
			return found{Status: aerr.Status}
		}
		return found{Op: rt.OperationID, Params: rt.PathParams, Secured: rt.Secured}
	}
	for _, doc := range [][]byte{spec.Helthjem, spec.Sim} {
		v, err := validate.New(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range operations(t, false) {
			for _, path := range []string{op.path, op.path + "/", op.path + "//", op.path + "%2F", op.path + "?a=b", "/x" + op.path, op.path + "x"} {
				for _, method := range []string{"GET", "POST", "DELETE", "PUT", "HEAD", "get"} {
					req := httptest.NewRequest("GET", path, nil)
					req.Method = method
					want := answer(v.FindByRouter(req))
					got := answer(v.Find(req))
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("%s %s (-router +Find):\n%s", method, path, diff)
					}
				}
			}
		}
	}
}
