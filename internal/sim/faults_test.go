package sim_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// httpEnv is an env behind a real listener, for faults that drop the
// connection.
type httpEnv struct {
	*env
	ts *httptest.Server
}

func newHTTPEnv(t *testing.T) *httpEnv {
	e := newEnv(t)
	ts := httptest.NewServer(e.srv)
	t.Cleanup(ts.Close)
	return &httpEnv{env: e, ts: ts}
}

// send makes a real HTTP request; err is set when the connection dropped.
func (h *httpEnv) send(method, path, token string, body []byte, hdr ...string) (reply, error) {
	req, _ := http.NewRequest(method, h.ts.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := h.ts.Client().Do(req)
	if err != nil {
		return reply{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return reply{Status: res.StatusCode, Header: res.Header, Body: b}, err
}

func (e *env) orders() int {
	e.t.Helper()
	var st struct{ Orders []json.RawMessage }
	if err := json.Unmarshal([]byte(e.state()), &st); err != nil {
		e.t.Fatal(err)
	}
	return len(st.Orders)
}

// TestFaultKinds: one case per kind, what the client sees and what the
// state holds afterwards.
func TestFaultKinds(t *testing.T) {
	bookingBody := func(t *testing.T, shipmentID string) []byte {
		b, _ := json.Marshal(booking(t, 113, func(b map[string]any) { b["shipmentId"] = shipmentID }))
		return b
	}
	for _, status := range []int{429, 500, 502, 503, 504} {
		t.Run("status "+http.StatusText(status), func(t *testing.T) {
			h := newHTTPEnv(t)
			r, err := h.send("POST", pathBooking, h.demo(), bookingBody(t, "S1"), "X-Sim-Fault", jsonNum(status))
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != status || r.errorKey(t) == "" {
				t.Fatalf("= %d %s, want %d in the error shape", r.Status, r.Body, status)
			}
			if status == 429 && r.Header.Get("Retry-After") != "1" {
				t.Errorf("Retry-After = %q", r.Header.Get("Retry-After"))
			}
			if n := h.orders(); n != 0 {
				t.Errorf("%d orders stored after a %d", n, status)
			}
		})
	}
	t.Run("429 with retry-after", func(t *testing.T) {
		h := newHTTPEnv(t)
		r, _ := h.send("POST", pathSingle, h.demo(), []byte(`{}`), "X-Sim-Fault", "429;retry-after=7")
		if r.Status != 429 || r.Header.Get("Retry-After") != "7" || r.errorKey(t) != "too.many.requests" {
			t.Fatalf("= %d %v %s", r.Status, r.Header, r.Body)
		}
	})
	t.Run("latency", func(t *testing.T) {
		h := newHTTPEnv(t)
		start := time.Now()
		r, err := h.send("POST", pathBooking, h.demo(), bookingBody(t, "S1"), "X-Sim-Fault", "latency=150ms")
		if err != nil || r.Status != 200 {
			t.Fatalf("= %v %d %s", err, r.Status, r.Body)
		}
		if d := time.Since(start); d < 150*time.Millisecond {
			t.Errorf("answered after %s, want at least 150ms", d)
		}
		if h.orders() != 1 {
			t.Error("the delayed booking was not stored")
		}
	})
	t.Run("drop", func(t *testing.T) {
		h := newHTTPEnv(t)
		_, err := h.send("POST", pathBooking, h.demo(), bookingBody(t, "S1"), "X-Sim-Fault", "drop")
		if err == nil {
			t.Fatal("the connection was not dropped")
		}
		if h.orders() != 0 {
			t.Error("a dropped request stored an order")
		}
	})
	for _, mode := range []string{"after-commit", "after-commit=drop"} {
		t.Run(mode, func(t *testing.T) {
			h := newHTTPEnv(t)
			token := h.demo()
			body := bookingBody(t, "RETRY-1")
			r, err := h.send("POST", pathBooking, token, body, "X-Sim-Fault", mode)
			switch mode {
			case "after-commit":
				if err != nil || r.Status != 504 || r.errorKey(t) != "gateway.timeout" {
					t.Fatalf("= %v %d %s, want 504", err, r.Status, r.Body)
				}
			default:
				if err == nil {
					t.Fatalf("= %d, want a dropped connection", r.Status)
				}
			}
			if h.orders() != 1 {
				t.Fatal("after-commit did not store the order")
			}
			// The client retries with the same shipmentId and finds it.
			again, err := h.send("POST", pathBooking, token, body)
			if err != nil || again.Status != 200 || again.json(t)["shipmentId"] != "RETRY-1" {
				t.Fatalf("retry = %v %d %s", err, again.Status, again.Body)
			}
			if h.orders() != 1 {
				t.Errorf("the retry stored a second order")
			}
		})
	}
	t.Run("bad header", func(t *testing.T) {
		h := newHTTPEnv(t)
		r, _ := h.send("POST", pathSingle, h.demo(), []byte(`{}`), "X-Sim-Fault", "explode")
		if r.Status != 400 || r.errorKey(t) != "invalid.fault" {
			t.Fatalf("= %d %s", r.Status, r.Body)
		}
	})
}

func jsonNum(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestFaultRules: rules by operation, client, count and seeded probability.
func TestFaultRules(t *testing.T) {
	e := newEnv(t)
	demo, demo2 := e.demo(), e.token("demo2", "demo2-secret")
	body := `{"shopId":16,"transportSolutionId":23,"address":"x","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`
	body2 := strings.Replace(body, `"shopId":16`, `"shopId":17`, 1)
	add := func(rule string) map[string]any {
		r := e.do("POST", "/__sim/faults", "", rule)
		if r.Status != 201 {
			t.Fatalf("add %s: %d %s", rule, r.Status, r.Body)
		}
		return r.json(t)
	}
	add(`{"operation":"findSingleAddress","clientId":"demo","fault":"503","times":2}`)
	for i, want := range []int{503} {
		if r := e.do("POST", pathSingle, demo, body); r.Status != want {
			t.Errorf("call %d for demo = %d, want %d", i, r.Status, want)
		}
	}
	if r := e.do("POST", pathSingle, demo2, body2); r.Status != 200 {
		t.Errorf("demo2 hit demo's rule: %d", r.Status)
	}
	list := e.do("GET", "/__sim/faults", "", nil).json(t)["rules"].([]any)[0].(map[string]any)
	if list["times"] != 1.0 || list["hits"] != 1.0 {
		t.Errorf("rule after one use = %v, want 1 call left, 1 hit", list)
	}
	for i, want := range []int{503, 200} {
		if r := e.do("POST", pathSingle, demo, body); r.Status != want {
			t.Errorf("call %d for demo = %d, want %d", i+1, r.Status, want)
		}
	}
	if rules := e.do("GET", "/__sim/faults", "", nil).json(t)["rules"].([]any); len(rules) != 0 {
		t.Errorf("a used-up rule is still listed as active: %v", rules)
	}
	add(`{"operation":"findSingleAddress","fault":"503"}`) // for "clear" below

	t.Run("probability is seeded", func(t *testing.T) {
		run := func() []int {
			e := newEnv(t)
			token := e.demo()
			e.do("POST", "/__sim/faults", "", `{"operation":"*","fault":"500","probability":0.5}`)
			var got []int
			for i := 0; i < 20; i++ {
				got = append(got, e.do("POST", pathSingle, token, body).Status)
			}
			return got
		}
		a, b := run(), run()
		assertDiff(t, "second run", a, b)
		n500 := strings.Count(jsonString(a), "500")
		if n500 == 0 || n500 == 20 {
			t.Errorf("probability 0.5 gave %d of 20 faults", n500)
		}
	})
	t.Run("control plane is never faulted", func(t *testing.T) {
		e := newEnv(t)
		e.do("POST", "/__sim/faults", "", `{"operation":"*","fault":"503"}`)
		if r := e.do("GET", "/__sim/state", "", nil); r.Status != 200 {
			t.Errorf("state = %d", r.Status)
		}
	})
	t.Run("clear", func(t *testing.T) {
		r := e.do("DELETE", "/__sim/faults", "", nil)
		if r.Status != 200 || r.json(t)["removed"] != 1.0 {
			t.Fatalf("= %d %s", r.Status, r.Body)
		}
	})
	t.Run("bad rules", func(t *testing.T) {
		for _, rule := range []string{
			`{"operation":"nope","fault":"503"}`,
			`{"operation":"*","fault":"418"}`,
			`{"operation":"*","fault":"latency=1h"}`,
			`{"operation":"*","fault":"503","times":0}`,
			`{"operation":"*","fault":"503","probability":2}`,
			`{"operation":"*"}`,
		} {
			if r := e.do("POST", "/__sim/faults", "", rule); r.Status != 400 {
				t.Errorf("%s: %d %s", rule, r.Status, r.Body)
			}
		}
	})
}

// TestIsolation: two clients in parallel never see each other's orders,
// and resetting one leaves the other intact.
func TestIsolation(t *testing.T) {
	e := newEnv(t)
	tokens := map[string]string{"demo": e.demo(), "demo2": e.token("demo2", "demo2-secret")}
	shop := map[string]int{"demo": 16, "demo2": 17}
	codes := map[string][]string{}
	var mu sync.Mutex
	done := make(chan struct{})
	var errs = make(chan error, 100)
	for client := range tokens {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 20; i++ {
				body, _ := json.Marshal(booking(t, 113, func(b map[string]any) { b["shopId"] = shop[client] }))
				r := e.do("POST", pathBooking, tokens[client], body)
				if r.Status != 200 {
					errs <- errors.New(string(r.Body))
					return
				}
				var resp struct{ Items []struct{ ReturnCode string } }
				_ = json.Unmarshal(r.Body, &resp)
				mu.Lock()
				codes[client] = append(codes[client], resp.Items[0].ReturnCode)
				mu.Unlock()
			}
		}()
	}
	<-done
	<-done
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for owner, list := range codes {
		for reader, token := range tokens {
			for _, c := range list {
				r := e.do("GET", "/parcels/v1/tracking/fetch/"+c+"/NO/false", token, nil)
				if want := map[bool]int{true: 200, false: 404}[owner == reader]; r.Status != want {
					t.Fatalf("%s tracking %s's %s = %d, want %d", reader, owner, c, r.Status, want)
				}
			}
		}
	}
	var st struct{ Orders []struct{ ClientID string } }
	_ = json.Unmarshal(e.do("GET", "/__sim/state?clientId=demo2", "", nil).Body, &st)
	if len(st.Orders) != 20 {
		t.Errorf("state?clientId=demo2 has %d orders, want 20", len(st.Orders))
	}
	r := e.do("POST", "/__sim/reset?clientId=demo", "", nil)
	if r.Status != 200 || r.json(t)["removedOrders"] != 20.0 {
		t.Fatalf("reset demo = %d %s", r.Status, r.Body)
	}
	if n := e.orders(); n != 20 {
		t.Errorf("%d orders after resetting demo, want demo2's 20", n)
	}
	if r := e.do("GET", "/parcels/v1/tracking/fetch/"+codes["demo2"][0]+"/NO/false", tokens["demo2"], nil); r.Status != 200 {
		t.Errorf("demo2's parcel after demo's reset: %d", r.Status)
	}
	if r := e.do("GET", "/parcels/v1/tracking/fetch/"+codes["demo"][0]+"/NO/false", tokens["demo"], nil); r.Status != 404 {
		t.Errorf("demo's parcel after its reset: %d", r.Status)
	}
}

// TestRetryAfterPickupDatePassed: a booking stored by an after-commit
// fault is found by its retry even after its pickup date is no longer in
// the future (the date check used to run before the retry lookup).
func TestRetryAfterPickupDatePassed(t *testing.T) {
	e := newEnv(t)
	body := booking(t, 23, func(b map[string]any) { b["shipmentId"] = "my-ship-1" })
	r := e.do("POST", pathBooking, e.demo(), body, "X-Sim-Fault", "after-commit")
	if r.Status != 504 {
		t.Fatalf("= %d %s", r.Status, r.Body)
	}
	e.advance("25h") // Wed 11:00: the pickup date 20260617 is today
	retry := e.do("POST", pathBooking, e.demo(), body)
	if retry.Status != 200 || retry.json(t)["shipmentId"] != "my-ship-1" {
		t.Fatalf("retry = %d %s", retry.Status, retry.Body)
	}
	if n := e.orders(); n != 1 {
		t.Errorf("%d orders, want the one stored", n)
	}
}

// TestOwnShipmentIDLikeAnotherClientsCode: a shipmentId a client chose
// that equals another client's returnCode still tracks the client's own
// parcel (the code index answered first and hid it). A booking now refuses
// such a shipmentId (TestSuppliedShipmentIDEqualToAnotherClientsCode), but
// a state file written before holds it, replays and tracks as it did.
func TestOwnShipmentIDLikeAnotherClientsCode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	e := newEnv(t, withState(path))
	rc := firstItem(e.book(e.demo(), booking(t, 113, nil)))["returnCode"].(string)
	multi := e.token("multi", "multi-secret")
	e.book(multi, booking(t, 113, func(b map[string]any) { b["shipmentId"] = "MULTI-1"; b["shopId"] = 18 }))
	e.srv.Close()
	recs := stateRecords(t, path)
	last := recs[len(recs)-1]["order"].(map[string]any)
	last["shipmentId"] = rc // as the earlier mock accepted it
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	writeState(t, path, recs)
	e = newEnv(t, withState(path))
	defer e.srv.Close()
	r := e.track(multi, rc, false)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"shipmentNumber":"`+rc+`"`) {
		t.Fatalf("multi tracking its own %s = %d %s", rc, r.Status, r.Body)
	}
}
