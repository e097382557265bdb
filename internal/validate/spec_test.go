package validate_test

import (
	"testing"

	"github.com/mockhelthjem/mockhelthjem/internal/validate"
	"github.com/mockhelthjem/mockhelthjem/spec"
)

// TestSpecsLoad checks both embedded documents are valid OpenAPI 3.0 and
// every operation has a unique operationId.
func TestSpecsLoad(t *testing.T) {
	for name, doc := range map[string][]byte{"helthjem.yaml": spec.Helthjem, "sim.yaml": spec.Sim} {
		t.Run(name, func(t *testing.T) {
			v, err := validate.New(doc)
			if err != nil {
				t.Fatal(err)
			}
			if len(v.OperationIDs()) == 0 {
				t.Fatal("no operations")
			}
		})
	}
}
