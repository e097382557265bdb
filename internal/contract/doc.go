// Package contract is the engine of cmd/contracttest: it runs the labelless
// C2C flows (home pickup, service point, negative cases, PUDO conversion),
// and when named the labels flow (a B2C booking's labels, whose files it
// checks itself: a PDF's pages and their size are read in pdf.go),
// against any target speaking Helthjem's parcel API, the project's mock or
// Helthjem's pre-prod, and reports how the target differs from
// spec/helthjem.yaml, from what the flows expect and, with a cassette, from
// what a target answered before.
//
// Each step sends one request, feeding values earlier steps returned (a
// token, a pickup date, a returnCode, a service point), and makes up to
// three kinds of check on the answer:
//
//   - conformance: the response, status included, is validated against the
//     embedded spec (internal/validate), and fields the spec does not
//     document are found by walking the body against the response schema;
//   - behaviour: a projection of the body (the fields the flow cares about,
//     generated values replaced by their checked form) is compared with the
//     flow's expectation using go-cmp;
//   - recording (--compare): the body is held against a cassette's answer
//     to the same step in structure (fields, JSON types, enum-like values,
//     forms of ids and dates), never in generated values.
//
// Every difference is a Finding with a drift Class, the JSON path it was
// found at and a severity. A run ends in one Verdict with one exit code:
// pass, drift, configuration (credentials or shop refused, no control
// plane with RequireSim), unavailable (no answer, or 429/5xx/timeouts after
// the retries) or interrupted. Configuration and unavailable stop the run
// at the step that found them. Reports come as human text (one line per
// step), JUnit XML and JSON; Config.RecordPath adds a cassette of every
// exchange.
//
// Transient answers are retried with backoff through an injected sleeper;
// bookings supply their own shipmentId, so a retried booking is the same
// booking.
//
// The package never prints the client secret, the sim token or a token:
// requests are shown as curl commands with them redacted, and text from
// outside (the target's answers and headers, error strings, values it
// handed on) is redacted where it enters an output, in every form a secret
// can take there. The personal data of the run's addresses (names, street
// addresses, phones, e-mails) is replaced the same way where the target
// echoes it, in findings and diffs as in the cassette. The program's own
// words (step names, labels) are never redacted. It refuses Helthjem's production host unless told otherwise,
// since bookings there are real parcels.
//
// File by file: config.go (Config and its checks), verdict.go (verdicts,
// exit codes, errors), run.go (the run, steps and stops), flows.go (the
// flows' steps), client.go (requests, retries, curl), wait.go (--wait),
// conform.go (the spec), expect.go (the flows' expectations), compare.go
// and cassette.go (--compare and --record), redact.go, report.go.
//
// It is not a load tester, not a client library for Helthjem's API (its
// request bodies are the flows' own, not a general model) and not a
// validator of requests: the target is what is under test. It holds no
// state between runs; a cassette is a file the caller keeps.
package contract
