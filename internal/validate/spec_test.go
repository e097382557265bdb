package validate_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

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

// TestEmbeddedSpecsAreValid: both embedded documents are valid OpenAPI 3.0
// as kin-openapi's Validate sees them. The process loads them without
// validating them at every start; New validates any other document.
func TestEmbeddedSpecsAreValid(t *testing.T) {
	for name, doc := range map[string][]byte{"helthjem.yaml": spec.Helthjem, "sim.yaml": spec.Sim} {
		t.Run(name, func(t *testing.T) {
			loader := openapi3.NewLoader()
			d, err := loader.LoadFromData(doc)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Validate(loader.Context); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestNewRefusesWhatItCannotCheck: a spec that uses a keyword the compiled
// schemas do not implement fails to load, naming it, rather than being
// checked less than it says.
func TestNewRefusesWhatItCannotCheck(t *testing.T) {
	const doc = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /x:
    post:
      operationId: x
      requestBody: {required: true, content: {application/json: {schema: %s}}}
      responses: {'200': {description: ok%s}}
`
	for _, tt := range []struct{ schema, response, want string }{
		{`{not: {type: string}}`, "", "not is not supported"},
		{`{type: number, multipleOf: 2}`, "", "multipleOf is not supported"},
		{`{type: array, items: {}, uniqueItems: true}`, "", "uniqueItems is not supported"},
		{`{type: object, properties: {a: {type: string, default: x}}}`, "", "requestBody.a: default is not supported"},
		{`{type: object, minProperties: 1}`, "", "minProperties is not supported"},
		{`{type: object, properties: {a: {type: string, readOnly: true}}}`, "", "readOnly is not supported"},
		{`{type: integer, enum: [1, 2]}`, "", "only string enums are supported"},
		{`{type: object}`, ", headers: {X-Rate: {schema: {type: integer}}}", "response headers are not checked"},
		{`{type: object}`, ", content: {application/xml: {schema: {type: object}}}", "only JSON bodies are checked"},
		{`{type: object}`, ", content: {application/pdf: {schema: {type: string, maxLength: 9}}}", "only JSON bodies are checked, and files"},
		{`{type: object}`, ", content: {image/png: {schema: {type: string, format: byte}}}", "only JSON bodies are checked, and files"},
	} {
		_, err := validate.New([]byte(fmt.Sprintf(doc, tt.schema, tt.response)))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s%s: err = %v, want one containing %q", tt.schema, tt.response, err, tt.want)
		}
	}
}

// TestDocumentedByTheCompiledOperation: Response's own table of an
// operation's responses documents the statuses Documented does.
func TestDocumentedByTheCompiledOperation(t *testing.T) {
	for _, op := range operations(t, false) {
		rt, aerr := op.v.Find(httptest.NewRequest(op.method, op.path, nil))
		if aerr != nil {
			t.Fatalf("%s %s: %s", op.method, op.path, aerr.Message)
		}
		for status := 0; status < 700; status++ {
			if want, got := validate.Documented(op.v.Operation(op.id), status), rt.Documented(status); got != want {
				t.Errorf("%s %d: documented %v, want %v", op.id, status, got, want)
			}
		}
	}
}
