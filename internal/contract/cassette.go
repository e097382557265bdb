package contract

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
	"github.com/mockhelthjem/mockhelthjem/internal/personal"
)

// A cassette file says what it is and which version of the format it
// follows. A reader refuses a version newer than its own.
const (
	CassetteFormat  = "contracttest-cassette"
	CassetteVersion = 1
)

// PersonalData replaces personal data in a cassette, as Redacted replaces
// secrets.
const PersonalData = "<personal data>"

// maxBodyText bounds a response body kept as text (not JSON).
const maxBodyText = 2048

// Cassette is every exchange of one run (--record), kept to compare other
// runs with in structure (--compare). Secrets and tokens are <redacted>,
// personal data (names, phones, emails, street addresses) is
// <personal data>; generated values (ids, returnCodes, dates) are kept.
type Cassette struct {
	Format     string     `json:"format"`  // CassetteFormat
	Version    int        `json:"version"` // CassetteVersion
	Tool       string     `json:"tool"`    // contracttest and its version
	Target     string     `json:"target"`
	RecordedAt string     `json:"recordedAt"` // RFC 3339
	Today      string     `json:"today,omitempty"`
	Sim        bool       `json:"sim"` // the target had the mock's control plane
	Verdict    Verdict    `json:"verdict"`
	Reason     string     `json:"reason,omitempty"` // why the recording run stopped, if it did
	Exchanges  []Exchange `json:"exchanges"`
}

// Exchange is one attempt of one request of a step.
type Exchange struct {
	Flow     string            `json:"flow,omitempty"` // empty for the probe
	Step     string            `json:"step"`           // "probe" for GET /__sim/clock
	Attempt  int               `json:"attempt"`        // 1, then 2... for retries
	Request  RecordedRequest   `json:"request"`
	Response *RecordedResponse `json:"response,omitempty"` // absent when none came
	Error    string            `json:"error,omitempty"`    // why none came
}

// RecordedRequest is a request as sent, below the target's base URL.
type RecordedRequest struct {
	Method   string            `json:"method"`
	Path     string            `json:"path"`
	Headers  map[string]string `json:"headers,omitempty"`
	Body     any               `json:"body,omitempty"`     // a JSON body
	BodyText string            `json:"bodyText,omitempty"` // a body that is not JSON
}

// RecordedResponse is an answer: its status, selected headers and body.
// A file (a label: any Content-Type but JSON and text/*) is recorded as
// its size and digest, never its bytes: a label prints names and
// addresses.
type RecordedResponse struct {
	Status     int               `json:"status"`
	Headers    map[string]string `json:"headers,omitempty"`
	Body       any               `json:"body,omitempty"`       // a JSON body
	BodyText   string            `json:"bodyText,omitempty"`   // a body that is not JSON, cut at 2 KiB
	BodySize   int               `json:"bodySize,omitempty"`   // a file's size in bytes
	BodySHA256 string            `json:"bodySha256,omitempty"` // a file's SHA-256, hex; set for every file
}

// The headers a cassette keeps.
var (
	recordedRequestHeaders  = []string{"Content-Type", "Accept", "Authorization"}
	recordedResponseHeaders = []string{"Content-Type", "Retry-After", "Location", "WWW-Authenticate"}
)

// Write writes the cassette as indented JSON.
func (c *Cassette) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(c)
}

// LoadCassette reads a cassette for --compare. A file that cannot be read,
// is not a cassette or has a newer version is a *UsageError.
func LoadCassette(path string) (*Cassette, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--compare: %v", err)
	}
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil || head.Format != CassetteFormat {
		return nil, usagef("--compare %s: not a contracttest cassette (want a JSON object with \"format\": %q)", path, CassetteFormat)
	}
	if head.Version < 1 || head.Version > CassetteVersion {
		return nil, usagef("--compare %s: cassette version %d; this contracttest reads version %d (record it again)", path, head.Version, CassetteVersion)
	}
	var c Cassette
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		return nil, usagef("--compare %s: %v", path, err)
	}
	if c.Verdict == VerdictConfiguration {
		// Its answers are refusals of the credentials, not the API's.
		return nil, usagef("--compare %s: recorded by a run that stopped on a configuration error (%s): record it again", path, c.Reason)
	}
	for i := range c.Exchanges {
		if r := c.Exchanges[i].Response; r != nil {
			r.Body = normalize(r.Body)
		}
	}
	return &c, nil
}

// answer returns the last answer to a step, nil when the cassette has
// none. Answers that said the target was not serving (429, 5xx) are not
// answers to compare with.
func (c *Cassette) answer(flow, step string) *Exchange {
	var out *Exchange
	for i := range c.Exchanges {
		ex := &c.Exchanges[i]
		if ex.Flow == flow && ex.Step == step && ex.Response != nil && !unavailableStatus(ex.Response.Status) {
			out = ex
		}
	}
	return out
}

// recorder keeps the exchanges of a run for --record. It renders them only
// when the run is over, when every token of the run is known to the
// redactor.
type recorder struct {
	r        *Runner
	keys     personal.Keys // the keys whose values are personal, from the spec's x-personal
	personal *redactor     // the personal data the run sent, in free text
	// own are the personal values the run sent, exactly: a phone such as
	// "98765432" looks like an id, whose form is kept, but is still
	// personal data under any key. phones are the run's phone numbers as
	// JSON numbers write them (no "+", no leading zeros).
	own       map[string]bool
	phones    map[string]bool
	exchanges []recordedExchange
}

type recordedExchange struct {
	flow, step string
	ex         *exchange
}

func newRecorder(r *Runner) *recorder {
	rec := &recorder{r: r, keys: personal.New(r.api.v), personal: &redactor{placeholder: PersonalData}, own: map[string]bool{}, phones: map[string]bool{}}
	for _, v := range personalValues(r.s.Addresses) {
		rec.personal.add(v)
		rec.own[strings.TrimSpace(v)] = true
	}
	a := r.s.Addresses
	for _, ad := range []fixture.Address{a.Sender, a.Receiver, a.Uncovered} {
		if n := phoneNumber(ad.Phone1); n != "" {
			rec.phones[n] = true
		}
	}
	return rec
}

// personalValues are the personal data of the run's addresses: names,
// street addresses, phones and e-mails (postal codes and names are not).
func personalValues(a *fixture.ContractAddresses) []string {
	var out []string
	for _, ad := range []fixture.Address{a.Sender, a.Receiver, a.Uncovered} {
		for _, v := range []string{ad.Name, ad.Address, ad.Phone1, ad.Email} {
			if strings.TrimSpace(v) != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// phoneNumber is phone as a JSON number would hold it ("+47 987 65 432"
// is 4798765432), "" when it is no number.
func phoneNumber(phone string) string {
	n := strings.TrimLeft(strings.TrimPrefix(strings.ReplaceAll(phone, " ", ""), "+"), "0")
	if !digitsRE.MatchString(n) {
		return ""
	}
	return n
}

// text redacts a string of a body, value or key: secrets and tokens
// anywhere; the personal data the run sent where the string is exactly
// one such value, and inside free text. Inside an id or a date (digits,
// codes) only an exact match is replaced: an SSCC may hold a phone's
// digits by chance.
func (rec *recorder) text(s string) string {
	s = rec.r.red.secrets(s)
	switch {
	case rec.own[strings.TrimSpace(s)]:
		return PersonalData
	case idForm(s) == "": // ids and dates are generated, never personal
		return rec.personal.str(s)
	}
	return s
}

// add keeps one attempt (the client's observe hook).
func (rec *recorder) add(ex *exchange) {
	rec.exchanges = append(rec.exchanges, recordedExchange{rec.r.cur[0], rec.r.cur[1], ex})
}

// cassette renders what the run recorded.
func (rec *recorder) cassette(rep *Report) *Cassette {
	r := rec.r
	c := &Cassette{
		Format: CassetteFormat, Version: CassetteVersion, Tool: strings.TrimSpace("contracttest " + r.s.Version),
		Target: r.s.target.String(), RecordedAt: r.s.Now().UTC().Format(time.RFC3339), Today: rep.Today,
		Sim: rep.Sim.Available, Verdict: rep.Verdict, Reason: rep.Reason, Exchanges: []Exchange{},
	}
	for _, re := range rec.exchanges {
		ex := re.ex
		out := Exchange{Flow: re.flow, Step: re.step, Attempt: ex.attempt, Request: RecordedRequest{
			Method: ex.req.method, Path: ex.shownPath, Headers: rec.headers(ex.header, recordedRequestHeaders),
		}}
		out.Request.Body, out.Request.BodyText = rec.body(ex.shown, personal.Request)
		if ex.err != nil {
			out.Error = ex.errText
		}
		if ex.status != 0 {
			resp := &RecordedResponse{Status: ex.status, Headers: rec.headers(ex.respHdr, recordedResponseHeaders)}
			if isFile(ex.respHdr.Get("Content-Type")) {
				sum := sha256.Sum256(ex.respBody)
				resp.BodySize, resp.BodySHA256 = len(ex.respBody), hex.EncodeToString(sum[:])
			} else {
				resp.Body, resp.BodyText = rec.body(ex.respBody, personal.Answer)
			}
			out.Response = resp
		}
		c.Exchanges = append(c.Exchanges, out)
	}
	return c
}

// headers keeps the named headers, redacted.
func (rec *recorder) headers(h http.Header, names []string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		v := h.Get(n)
		switch {
		case v == "":
			continue
		case n == "Authorization":
			v = "Bearer " + Redacted
		default:
			v = rec.r.red.str(v)
		}
		out[n] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// body renders a body: JSON as a value, anything else as text.
func (rec *recorder) body(b []byte, in personal.Direction) (any, string) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, ""
	}
	if v, err := decodeBody(b); err == nil {
		return rec.scrub(v, "", in), ""
	}
	// Redact the whole text, then cut it: a secret or an address across
	// the cut would otherwise keep the part before it.
	return nil, cutText(rec.personal.str(rec.r.red.secrets(string(b))), maxBodyText)
}

// cutText cuts s to at most n bytes, on a rune boundary, marking the cut
// with "…".
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// scrub redacts a decoded body: secrets and tokens in every string and
// key, the values of secret keys and of the keys the spec marks personal
// (internal/personal, the list the mock's journal redacts by), and the personal data the
// run sent wherever it appears.
func (rec *recorder) scrub(v any, key string, in personal.Direction) any {
	switch x := v.(type) {
	case string:
		switch {
		case personal.Secret(key) && x != "":
			return Redacted
		case rec.keys.Personal(in, key) && x != "":
			return PersonalData
		}
		return rec.text(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[rec.text(k)] = rec.scrub(e, k, in)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = rec.scrub(e, key, in)
		}
		return out
	case int64:
		// A phone number as a number, under a personal key or equal to a
		// phone the run sent (a proxy that renamed phone1 and made it a
		// number). 0 keeps the JSON type for --compare.
		if rec.keys.Personal(in, key) || rec.phones[strconv.FormatInt(x, 10)] {
			return int64(0)
		}
	case float64:
		if rec.keys.Personal(in, key) || rec.phones[strconv.FormatFloat(x, 'f', -1, 64)] {
			return int64(0)
		}
	}
	return v
}
