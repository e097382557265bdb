// Package contract is the engine of cmd/contracttest: it runs the labelless
// C2C flows (home pickup, service point, negative cases, PUDO conversion)
// against any target speaking Helthjem's parcel API, the project's mock or
// Helthjem's pre-prod, and reports how the target differs from
// spec/helthjem.yaml and from what the flows expect.
//
// Each step sends one request, feeding values earlier steps returned (a
// token, a pickup date, a returnCode, a service point), and makes two kinds
// of check on the answer:
//
//   - conformance: the response, status included, is validated against the
//     embedded spec (internal/validate), and fields the spec does not
//     document are found by walking the body against the response schema;
//   - behaviour: a projection of the body (the fields the flow cares about,
//     generated values replaced by their checked form) is compared with the
//     flow's expectation using go-cmp.
//
// Every difference is a Finding with a drift Class (missing field, type
// changed, undocumented field, undocumented status, behaviour changed), the
// JSON path it was found at and a severity. Reports come as human text
// (one line per step), JUnit XML and JSON.
//
// The package never prints the client secret or a token: requests are shown
// as curl commands with both redacted, and every string that reaches an
// output passes through a redactor that knows the secrets of the run. It
// refuses Helthjem's production host unless told otherwise, since bookings
// there are real parcels.
//
// It is not a load tester, not a client library for Helthjem's API (its
// request bodies are the flows' own, not a general model) and not a
// validator of requests: the target is what is under test. It holds no
// state between runs.
package contract
