package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
)

// The abuse suite: issue 11's findings, one test each, and the attacks
// the independent adversarial test made that the mock withstood (forged
// tokens, admin path tricks, slow clients), so that they stay withstood.
// Every test runs the real program (Run: flags, http.Server, listener)
// on a loopback port, with timeouts short enough for the whole suite to
// take seconds.

// abuseMock starts mockhelthjem with args (after a loopback address, a
// seed, a quiet log and a short shutdown) and returns its base URL.
func abuseMock(t testing.TB, args ...string) string {
	t.Helper()
	base := []string{"-addr", "127.0.0.1:0", "-seed", "42", "-clock", "2026-06-16T10:00:00+02:00", "-log-level", "error", "-shutdown-timeout", "1s"}
	cfg, _, err := parseFlags(append(base, args...), func(string) (string, bool) { return "", false }, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, io.Discard, ready) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the mock did not stop within 10s")
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the mock did not start within 10s")
	}
	return ""
}

var abuseClient = &http.Client{Timeout: 30 * time.Second}

type answer struct {
	status int
	header http.Header
	body   []byte
}

// call sends one request; hdr is name, value pairs.
func call(t testing.TB, method, url, body string, hdr ...string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := abuseClient.Do(req)
	if err != nil {
		t.Fatalf("%s %.80s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{res.StatusCode, res.Header, b}
}

// errorShaped fails unless a is status with errorKey key in Helthjem's
// error shape.
func errorShaped(t testing.TB, what string, a answer, status int, key string) {
	t.Helper()
	var b apierror.Body
	if err := json.Unmarshal(a.body, &b); err != nil || a.status != status || b.ErrorKey != key || b.StatusCode != status || b.ErrorMap == nil {
		t.Errorf("%s = %d %.300s, want %d %s in the error shape", what, a.status, a.body, status, key)
	}
}

func demoToken(t testing.TB, base string, client ...string) string {
	t.Helper()
	id, secret := "demo", "demo-secret"
	if len(client) == 2 {
		id, secret = client[0], client[1]
	}
	a := call(t, "POST", base+"/auth/oauth2/v1/token", `{"client_id":"`+id+`","client_secret":"`+secret+`","grant_type":"client_credentials"}`)
	var tok struct{ Token string }
	if err := json.Unmarshal(a.body, &tok); a.status != 200 || err != nil {
		t.Fatalf("token: %d %s", a.status, a.body)
	}
	return tok.Token
}

// guideBooking is the guide's TS 113 booking, with extra members added
// at the end of its object.
func guideBooking(t testing.TB, extra string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "sim", "testdata", "guide", "booking-113.request.json"))
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.TrimSpace(b)
	if extra == "" {
		return string(b)
	}
	return string(b[:len(b)-1]) + "," + extra + "}"
}

// caseVariantItems is a "Items" member with n empty items: under
// encoding/json they were stored as the booking's items.
func caseVariantItems(n int) string {
	return `"Items":[` + strings.TrimSuffix(strings.Repeat("{},", n), ",") + "]"
}

func orders(t testing.TB, base string, hdr ...string) int {
	t.Helper()
	a := call(t, "GET", base+"/__sim/state", "", hdr...)
	var st struct{ Orders []json.RawMessage }
	if err := json.Unmarshal(a.body, &st); a.status != 200 || err != nil {
		t.Fatalf("state: %d %s", a.status, a.body)
	}
	return len(st.Orders)
}

// TestAbuseCaseVariantKeys (finding 1): a booking with 50,000 items under
// "Items" blocked GET /__sim/clock for 6-14 s, one of 340,000 took 702 s,
// and with -strict-responses it was stored and answered 500. "Items" is
// an unknown key now: the booking has the one item under "items".
func TestAbuseCaseVariantKeys(t *testing.T) {
	base := abuseMock(t, "-strict-responses")
	token := demoToken(t, base)
	for _, n := range []int{50_000, 300_000} {
		start := time.Now()
		a := call(t, "POST", base+"/parcels/v1/bookings", guideBooking(t, caseVariantItems(n)), "Authorization", "Bearer "+token)
		var resp struct{ Items []json.RawMessage }
		if err := json.Unmarshal(a.body, &resp); a.status != 200 || err != nil || len(resp.Items) != 1 {
			t.Errorf("booking with %d items under \"Items\" = %d, %d items, want 200 with the 1 under \"items\": %.200s", n, a.status, len(resp.Items), a.body)
		}
		t.Logf("a booking with %d items under \"Items\" (%d KiB) took %s", n, len(caseVariantItems(n))>>10, time.Since(start).Round(time.Millisecond))
	}
	// Long enough for a dozen clock calls among the bookings; how long
	// they take is printed, not judged (BenchmarkClockDuringCaseVariantBooking
	// measures it for a second). It ran 1.5 s, both cores busy.
	median, worst, count := clockDuringBookings(t, base, token, 300*time.Millisecond)
	t.Logf("GET /__sim/clock while a booking of 50,000 items under \"Items\" is in flight: median %s, max %s over %d requests (issue 11 wants under 100 ms)",
		median.Round(10*time.Microsecond), worst.Round(10*time.Microsecond), count)
}

// clockDuringBookings keeps a booking of 50,000 items under "Items" in
// flight for d, one after another, and times GET /__sim/clock meanwhile.
func clockDuringBookings(t testing.TB, base, token string, d time.Duration) (median, worst time.Duration, n int) {
	t.Helper()
	body := guideBooking(t, caseVariantItems(50_000))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 1 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("POST", base+"/parcels/v1/bookings", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				if res, err := abuseClient.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
			}
		})
	}
	time.Sleep(50 * time.Millisecond) // the first bookings are on their way
	var took []time.Duration
	for end := time.Now().Add(d); time.Now().Before(end); {
		start := time.Now()
		if a := call(t, "GET", base+"/__sim/clock", ""); a.status != 200 {
			t.Errorf("clock = %d %s", a.status, a.body)
		}
		took = append(took, time.Since(start))
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	slices.Sort(took)
	return took[len(took)/2], took[len(took)-1], len(took)
}

// BenchmarkClockDuringCaseVariantBooking prints how long GET /__sim/clock
// takes while bookings of 50,000 items under "Items" are in flight (issue
// 11: under 100 ms):
//
//	go test ./internal/server -run '^$' -bench ClockDuring
func BenchmarkClockDuringCaseVariantBooking(b *testing.B) {
	base := abuseMock(b)
	token := demoToken(b, base)
	for b.Loop() {
		median, worst, _ := clockDuringBookings(b, base, token, time.Second)
		b.ReportMetric(float64(median.Microseconds())/1000, "median-ms/clock")
		b.ReportMetric(float64(worst.Microseconds())/1000, "max-ms/clock")
	}
}

// TestAbuseJournalBounded (finding 2): 3,000 tracking calls with 65 KB
// paths, never authenticated, took RSS from 19 to 150 MiB and GET
// /__sim/requests answered 65 MB. Paths past -max-path are 414, the
// journal keeps 2 KiB of a path and at most -journal-bytes in all.
func TestAbuseJournalBounded(t *testing.T) {
	// The smallest journal: its 64 KiB hold about 30 entries of 2 KiB,
	// which 100 calls overflow three times over. (It was 256 KiB and 200
	// calls, 4 s under -race, the router reading every 30 KB path.)
	const journalBytes, calls = 64 << 10, 100
	base := abuseMock(t, "-journal-bytes", fmt.Sprint(journalBytes), "-max-path", "32768")
	long := "/parcels/v1/tracking/fetch/" + strings.Repeat("X", 30<<10) + "/NO/false"
	for range calls {
		if a := call(t, "GET", base+long, ""); a.status != 401 {
			t.Fatalf("unauthenticated tracking = %d %.200s", a.status, a.body)
		}
	}
	a := call(t, "GET", base+"/__sim/requests", "")
	var j struct{ Requests []struct{ Path string } }
	if err := json.Unmarshal(a.body, &j); err != nil {
		t.Fatal(err)
	}
	if len(a.body) > journalBytes || len(j.Requests) == 0 || len(j.Requests) >= calls/2 {
		t.Errorf("the journal answered %d bytes with %d entries, want at most %d bytes and not every entry", len(a.body), len(j.Requests), journalBytes)
	}
	for _, e := range j.Requests {
		if len(e.Path) > 2<<10 {
			t.Fatalf("an entry keeps %d bytes of path", len(e.Path))
		}
	}
	errorShaped(t, "a 40 KB path", call(t, "GET", base+"/parcels/v1/tracking/fetch/"+strings.Repeat("X", 40<<10)+"/NO/false", ""), 414, "uri.too.long")
	// Past the 64 KiB of headers net/http reads, net/http answers before
	// the simulator: in the error shape too.
	b, _ := raw(t, base, []byte("GET /parcels/v1/tracking/fetch/"+strings.Repeat("X", 70<<10)+"/NO/false HTTP/1.1\r\nHost: x\r\n\r\n"), 5*time.Second)
	errorShaped(t, "a 70 KB path", rawAnswer(t, b), 431, "request.header.too.large")
}

// raw sends data on a new connection and returns what came back before the
// server closed it or wait passed, and how long that took.
func raw(t testing.TB, base string, data []byte, wait time.Duration) ([]byte, time.Duration) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	_ = c.SetDeadline(start.Add(wait))
	if _, err := c.Write(data); err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(c)
	return out, time.Since(start)
}

// rawAnswer parses the first answer in b.
func rawAnswer(t testing.TB, b []byte) answer {
	t.Helper()
	res, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), nil)
	if err != nil {
		t.Fatalf("not an HTTP answer: %q", b)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, body}
}

// trickle opens a connection, sends head at once, then one byte of drip
// every interval until the server closes it or limit passes. It returns
// what the server answered and when it closed, or fails at limit.
func trickle(t testing.TB, base, head string, interval, limit time.Duration) ([]byte, time.Duration) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Error(err)
		return nil, 0
	}
	defer c.Close()
	start := time.Now()
	if _, err := io.WriteString(c, head); err != nil {
		t.Error(err)
		return nil, 0
	}
	got := make(chan []byte, 1)
	go func() {
		_ = c.SetReadDeadline(start.Add(limit))
		b, _ := io.ReadAll(c)
		got <- b
	}()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case b := <-got:
			return b, time.Since(start)
		case <-tick.C:
			_, _ = c.Write([]byte("x")) // fails once the server has closed
		}
	}
}

// TestAbuseSlowBody (finding 3): 2,000 connections sending one body byte
// every 5 s stayed open 40 s and more. Now a body has -read-timeout to
// arrive: the slow ones get 408 request.timeout and are closed.
func TestAbuseSlowBody(t *testing.T) {
	base := abuseMock(t, "-read-timeout", "500ms")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			path := "/__sim/clock"
			if i%2 == 1 {
				path = "/auth/oauth2/v1/token"
			}
			head := "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
			b, took := trickle(t, base, head, 100*time.Millisecond, 5*time.Second)
			if took > 3*time.Second {
				t.Errorf("a slow body kept its connection %s, want it closed soon after the 500ms read timeout", took)
			}
			if len(b) > 0 {
				errorShaped(t, "slow body on "+path, rawAnswer(t, b), 408, "request.timeout")
			}
		})
	}
	wg.Wait()
	// A body that arrives in time, slowly, is fine.
	a, _ := raw(t, base, []byte("POST /__sim/clock HTTP/1.1\r\nHost: x\r\nContent-Length: 17\r\nConnection: close\r\n\r\n{\"advance\":\"1h\"}\n"), 5*time.Second)
	if got := rawAnswer(t, a); got.status != 200 {
		t.Errorf("a body in time = %d %s", got.status, got.body)
	}
}

// TestAbuseSlowHeaders (withstood): slowloris, headers one byte at a time,
// is cut at -read-header-timeout.
func TestAbuseSlowHeaders(t *testing.T) {
	base := abuseMock(t, "-read-header-timeout", "300ms")
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			_, took := trickle(t, base, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ", 50*time.Millisecond, 5*time.Second)
			if took > 2*time.Second {
				t.Errorf("slow headers kept their connection %s, want it closed at the 300ms header timeout", took)
			}
		})
	}
	wg.Wait()
}

// TestAbuseMisspeltParameter (finding 4): POST /__sim/reset?clientid=demo
// (lower-case d) reset every client and the clock.
func TestAbuseMisspeltParameter(t *testing.T) {
	base := abuseMock(t, "-clock", "2026-06-16T10:00:00+02:00")
	token := demoToken(t, base)
	if a := call(t, "POST", base+"/parcels/v1/bookings", guideBooking(t, ""), "Authorization", "Bearer "+token); a.status != 200 {
		t.Fatalf("booking = %d %s", a.status, a.body)
	}
	call(t, "POST", base+"/__sim/clock", `{"advance":"1h"}`)
	clock := call(t, "GET", base+"/__sim/clock", "").body
	for _, path := range []string{"/__sim/reset?clientid=demo", "/__sim/reset?client=demo", "/__sim/reset?clientId=demo&all=1"} {
		errorShaped(t, "POST "+path, call(t, "POST", base+path, ""), 400, "invalid.request")
	}
	errorShaped(t, "reset with a JSON body", call(t, "POST", base+"/__sim/reset", `{"clientId":"demo"}`), 400, "invalid.request")
	if n := orders(t, base); n != 1 {
		t.Errorf("%d orders after refused resets, want 1", n)
	}
	if got := call(t, "GET", base+"/__sim/clock", "").body; !bytes.Equal(got, clock) {
		t.Errorf("the clock moved: %s, was %s", got, clock)
	}
}

// TestAbuseAnswersKeepTheRules (finding 5): 405 repeated the method (a
// 5,000-character one came back), messages repeated shopId,
// transportSolutionId and zipCode, net/http answered bad escapes (400),
// large headers (431) and Transfer-Encoding: identity (501) in plain text,
// and a conflict must not tell one client about another.
func TestAbuseAnswersKeepTheRules(t *testing.T) {
	base := abuseMock(t, "-clock", "2026-06-16T10:00:00+02:00")
	token := demoToken(t, base)
	auth := []string{"Authorization", "Bearer " + token}

	method := strings.Repeat("M", 5000)
	a := call(t, method, base+"/parcels/v1/bookings", "")
	errorShaped(t, "a 5,000-character method", a, 405, "method.not.allowed")
	if bytes.Contains(a.body, []byte("MMMM")) || a.header.Get("Allow") != "POST" {
		t.Errorf("405 = Allow %q %s, want Allow POST and no method", a.header.Get("Allow"), a.body)
	}
	for _, tc := range []struct{ name, path, body, marker string }{
		{"shopId", "/parcels/v1/addresses/find/single", `{"shopId":987651,"transportSolutionId":23,"address":"x","zipCode":"0468","postalName":"x","countryCode":"NO"}`, "987651"},
		{"transportSolutionId", "/parcels/v1/service-points/nearby", `{"shopId":16,"transportSolutionId":987652,"zipCode":"0468","countryCode":"NO"}`, "987652"},
		{"zipCode", "/parcels/v1/addresses/find/single", `{"shopId":16,"transportSolutionId":23,"address":"x","zipCode":"9170","postalName":"x","countryCode":"NO"}`, "9170"},
	} {
		if a := call(t, "POST", base+tc.path, tc.body, auth...); a.status < 400 || bytes.Contains(a.body, []byte(tc.marker)) {
			t.Errorf("%s: %d %s repeats %s", tc.name, a.status, a.body, tc.marker)
		}
	}

	for _, tc := range []struct {
		name, request string
		status        int
		key           string
	}{
		{"bad escape", "GET /parcels/v1/tracking/fetch/%zz/NO/false HTTP/1.1\r\nHost: x\r\n\r\n", 400, "invalid.request"},
		{"large headers", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 70<<10) + "\r\n\r\n", 431, "request.header.too.large"},
		{"Transfer-Encoding: identity", "POST /parcels/v1/bookings HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", 501, "unsupported.transfer.encoding"},
		{"Expect", "GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n", 417, "expectation.failed"},
		{"HTTP/2.0 in the request line", "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505, "http.version.not.supported"},
		{"no Host", "GET /healthz HTTP/1.1\r\n\r\n", 400, "invalid.request"},
		{"OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404, "not.found"},
	} {
		b, _ := raw(t, base, []byte(tc.request), 5*time.Second)
		a := rawAnswer(t, b)
		errorShaped(t, tc.name, a, tc.status, tc.key)
		if ct := a.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", tc.name, ct)
		}
	}

	// A conflict is the same answer whichever client holds the id.
	other := demoToken(t, base, "your-client-id", "your-secret")
	const sscc = `"trackingReference":"370724760000000017"`
	held := strings.Replace(guideBooking(t, ""), `"trackingReference": ""`, sscc, 1)
	if !strings.Contains(held, sscc) {
		t.Fatal("the guide's booking has no empty trackingReference to fill")
	}
	if a := call(t, "POST", base+"/parcels/v1/bookings", held, auth...); a.status != 200 {
		t.Fatalf("booking = %d %s", a.status, a.body)
	}
	mine := call(t, "POST", base+"/parcels/v1/bookings", held, auth...)
	theirs := call(t, "POST", base+"/parcels/v1/bookings", held, "Authorization", "Bearer "+other)
	if mine.status != 409 || theirs.status != 409 || !bytes.Equal(mine.body, theirs.body) {
		t.Errorf("held trackingReference: own %d %s, other client %d %s; want the same 409", mine.status, mine.body, theirs.status, theirs.body)
	}
}

// TestAbuseFaultsNeedAdmin (finding 6): with an admin token set, anyone
// could still ask for a fault (a 5-minute latency on the token call), and
// fault rules were unlimited.
func TestAbuseFaultsNeedAdmin(t *testing.T) {
	const admin = "abuse-admin-token"
	base := abuseMock(t, "-admin-token", admin, "-max-fault-rules", "5")
	tokenBody := `{"client_id":"demo","client_secret":"demo-secret","grant_type":"client_credentials"}`
	start := time.Now()
	errorShaped(t, "a latency fault without the admin token", call(t, "POST", base+"/auth/oauth2/v1/token", tokenBody, "X-Sim-Fault", "latency=5m"), 401, "authentication.missing")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("refused in %s", took)
	}
	errorShaped(t, "a fault with a wrong admin token", call(t, "POST", base+"/auth/oauth2/v1/token", tokenBody, "X-Sim-Fault", "503", "X-Sim-Admin-Token", "guess"), 401, "authentication.invalid")
	errorShaped(t, "a fault with the admin token", call(t, "POST", base+"/auth/oauth2/v1/token", tokenBody, "X-Sim-Fault", "503", "X-Sim-Admin-Token", admin), 503, "service.unavailable")

	adm := []string{"Authorization", "Bearer " + admin}
	for i := range 5 {
		if a := call(t, "POST", base+"/__sim/faults", `{"operation":"fetchTracking","fault":"503"}`, adm...); a.status != 201 {
			t.Fatalf("rule %d = %d %s", i+1, a.status, a.body)
		}
	}
	errorShaped(t, "a 6th rule", call(t, "POST", base+"/__sim/faults", `{"operation":"fetchTracking","fault":"503"}`, adm...), 400, "fault.limit.reached")
}

// TestAbuseLimitsOnFlags (finding 7): -journal-size 200000000 died out of
// memory at start with exit 2; setting the clock to the current instant
// answered clock.backwards.
func TestAbuseLimitsOnFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-journal-size", "200000000"}, {"-journal-bytes", "99999999999"}, {"-max-path", "1000000"},
		{"-max-fault-rules", "100000000"}, {"-max-orders", "2000000000"}, {"-read-timeout", "8760h"},
	} {
		_, _, err := parseFlags(args, func(string) (string, bool) { return "", false }, io.Discard, io.Discard)
		if code := usageCode(t, err); code != 2 {
			t.Errorf("%v: exit code %d, want 2", args, code)
		}
	}
	base := abuseMock(t) // a running clock
	var c struct{ Now string }
	if err := json.Unmarshal(call(t, "GET", base+"/__sim/clock", "").body, &c); err != nil {
		t.Fatal(err)
	}
	for _, now := range []string{c.Now, time.Now().Truncate(time.Second).Format(time.RFC3339)} {
		if a := call(t, "POST", base+"/__sim/clock", `{"set":"`+now+`"}`); a.status != 200 {
			t.Errorf("set %s (now) = %d %s", now, a.status, a.body)
		}
	}
}

// TestAbuseForgedTokens (withstood): tokens with alg none, a wrong
// signature, past their expiry, or for another client's shop.
func TestAbuseForgedTokens(t *testing.T) {
	base := abuseMock(t, "-clock", "2026-06-16T10:00:00+02:00", "-jwt-secret", "the-real-key")
	token := demoToken(t, base)
	enc := base64.RawURLEncoding.EncodeToString
	claims := enc([]byte(`{"iss":"mockhelthjem","sub":"demo","client_id":"demo","shops":[16,17],"iat":1781596800,"exp":4102444800}`))
	sign := func(key, in string) string {
		m := hmac.New(sha256.New, []byte(key))
		m.Write([]byte(in))
		return enc(m.Sum(nil))
	}
	hs256 := enc([]byte(`{"alg":"HS256","typ":"JWT"}`))
	parts := strings.Split(token, ".")
	body := `{"shopId":16,"transportSolutionId":23,"address":"x","zipCode":"0468","postalName":"x","countryCode":"NO"}`
	single := base + "/parcels/v1/addresses/find/single"
	for _, tc := range []struct{ name, token string }{
		{"alg none", enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + claims + "."},
		{"alg none, signed", enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + claims + "." + parts[2]},
		{"wrong key", hs256 + "." + claims + "." + sign("a-guessed-key", hs256+"."+claims)},
		{"claims swapped under a real signature", parts[0] + "." + claims + "." + parts[2]},
		{"empty key", hs256 + "." + claims + "." + sign("", hs256+"."+claims)},
		{"two parts", parts[0] + "." + parts[1]},
		{"garbage", "not-a-token"},
	} {
		errorShaped(t, tc.name, call(t, "POST", single, body, "Authorization", "Bearer "+tc.token), 401, "authentication.invalid")
	}
	other := demoToken(t, base, "demo2", "demo2-secret") // shop 17
	errorShaped(t, "another client's shop", call(t, "POST", single, body, "Authorization", "Bearer "+other), 403, "no.access.shop.id")
	call(t, "POST", base+"/__sim/clock", `{"advance":"24h"}`)
	errorShaped(t, "expired", call(t, "POST", single, body, "Authorization", "Bearer "+token), 401, "authentication.expired")
}

// TestAbuseAdminPathTricks (withstood): with an admin token, no spelling
// of a control-plane path reaches it without the token.
func TestAbuseAdminPathTricks(t *testing.T) {
	const admin = "tricks-admin-token"
	base := abuseMock(t, "-admin-token", admin)
	adm := []string{"Authorization", "Bearer " + admin}
	token := demoToken(t, base)
	if a := call(t, "POST", base+"/parcels/v1/bookings", guideBooking(t, `"desiredDeliveryDate":null`), "Authorization", "Bearer "+token); a.status != 200 {
		t.Fatalf("booking = %d %s", a.status, a.body)
	}
	paths := []string{
		"/__sim/reset", "/__sim/reset/", "/__sim/reset//", "//__sim/reset", "/__sim//reset", "/./__sim/reset",
		"/__sim/../__sim/reset", "/x/../__sim/reset", "/%2F__sim/reset", "/%5F%5Fsim/reset", "/__sim/%72eset",
		"/__sim%2Freset", "/__SIM/reset", "/__Sim/Reset", "/__sim/RESET", "/__sim/reset%00", "/__sim/reset;x",
		"/__sim/reset?clientId=demo", "/__sim/reset#x",
	}
	for _, path := range paths {
		for _, method := range []string{"POST", "GET", "HEAD", "OPTIONS", "PUT", "DELETE"} {
			for _, hdr := range []string{"", "Authorization: Bearer " + token + "\r\n", "Authorization: Bearer " + admin + "x\r\n", "X-Sim-Admin-Token: \r\n"} {
				b, _ := raw(t, base, []byte(method+" "+path+" HTTP/1.1\r\nHost: x\r\n"+hdr+"Connection: close\r\n\r\n"), 5*time.Second)
				res, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), &http.Request{Method: method})
				if err != nil {
					t.Fatalf("%s %s: not an HTTP answer: %q", method, path, b)
				}
				res.Body.Close()
				if res.StatusCode < 400 {
					t.Errorf("%s %s with %q = %d, want a refusal", method, path, strings.TrimSpace(hdr), res.StatusCode)
				}
			}
		}
	}
	if n := orders(t, base, adm...); n != 1 {
		t.Errorf("%d orders after the tricks, want 1", n)
	}
	// HEAD and OPTIONS of the state are not ways around the token either.
	for _, m := range []string{"HEAD", "OPTIONS"} {
		if a := call(t, m, base+"/__sim/state", ""); a.status < 400 {
			t.Errorf("%s /__sim/state = %d", m, a.status)
		}
	}
}
