package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/mockhelthjem/mockhelthjem/internal/contract/drifttest"
	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
)

// tokens records the tokens a mock issues.
type tokens struct {
	mu   sync.Mutex
	seen []string
}

func (tk *tokens) record(status int, body any) (int, any) {
	if m, ok := body.(map[string]any); ok {
		if s, ok := m["token"].(string); ok {
			tk.mu.Lock()
			tk.seen = append(tk.seen, s)
			tk.mu.Unlock()
		}
	}
	return status, body
}

func (tk *tokens) all() []string {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	return append([]string(nil), tk.seen...)
}

// forms are the ways a secret can be written in output, computed here with
// the standard library rather than with the redactor's own list.
func forms(secret string) map[string]string {
	jsonInner := func(escapeHTML bool) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(escapeHTML)
		_ = enc.Encode(secret)
		q := strings.TrimSpace(b.String())
		return q[1 : len(q)-1]
	}
	inner := func(q string) string { return q[1 : len(q)-1] }
	var x bytes.Buffer
	_ = xml.EscapeText(&x, []byte(secret))
	out := map[string]string{
		"raw": secret, "JSON": jsonInner(true), "JSON without HTML escapes": jsonInner(false),
		"Go-quoted": inner(strconv.Quote(secret)), "Go-quoted ASCII": inner(strconv.QuoteToASCII(secret)),
		"query-escaped": url.QueryEscape(secret), "path-escaped": url.PathEscape(secret),
		"HTML-escaped": html.EscapeString(secret), "XML-escaped": x.String(),
		"Go-quoted JSON": inner(strconv.Quote(jsonInner(true))),
	}
	return out
}

// hostile serves the mock, changed to put the secret and the sim token,
// in every form, everywhere contracttest could print them: values the flow
// shows, undocumented keys, errorKeys of failures and of retries, a
// Content-Type header, a service point id that later requests carry.
func hostile(t *testing.T, mock http.Handler, secret, simToken string) http.Handler {
	var all []string
	for _, f := range forms(secret) {
		all = append(all, f)
	}
	every := strings.Join(all, " | ")
	h := drifttest.Rewrite(mock, "POST", "/auth/oauth2/v1/token", drifttest.Status(http.StatusCreated), drifttest.Set("echo", secret))
	h = drifttest.Rewrite(h, "POST", "/parcels/v1/addresses/find/single", drifttest.Set("productName", every), drifttest.Set(secret, every))
	h = drifttest.Rewrite(h, "POST", "/parcels/v1/bookings", onOK(drifttest.Set("orderId", "x"), drifttest.Set("note", secret), drifttest.Set("returnCode", secret, "items", 0)))
	h = drifttest.Rewrite(h, "POST", "/parcels/v1/service-points/nearby", drifttest.Set("servicePointExternalId", secret, "freightProducts", 0, "servicePoints", 0))
	h = drifttest.Rewrite(h, "POST", "/__sim/dropoffs", drifttest.Set("kind", simToken))
	var retried sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/parcels/v1/tracking/"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"errorKey": strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")})
			return
		case r.URL.Path == "/parcels/v1/addresses/find/single/dates":
			first := false
			retried.Do(func() { first = true })
			if first {
				// Retry-After 0: the test does not sleep.
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusServiceUnavailable)
				_ = json.NewEncoder(w).Encode(map[string]string{"errorKey": every})
				return
			}
		case r.URL.Path == "/parcels/v1/addresses/find/single" && r.Header.Get("Authorization") == "":
			w.Header().Set("Content-Type", "text/x-"+url.QueryEscape(secret))
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, secret)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// onOK applies edits to 200 answers only.
func onOK(edits ...drifttest.Edit) drifttest.Edit {
	return func(status int, body any) (int, any) {
		if status != http.StatusOK {
			return status, body
		}
		for _, e := range edits {
			status, body = e(status, body)
		}
		return status, body
	}
}

// outputs runs contracttest with every report and the cassette, and
// returns what each stream and file holds.
func outputs(t *testing.T, env map[string]string, args ...string) (result, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	junit, js, cassette := filepath.Join(dir, "r.xml"), filepath.Join(dir, "r.json"), filepath.Join(dir, "c.json")
	r := runCmd(t, env, append(args, "--junit", junit, "--json", js, "--record", cassette, "--retries", "1")...)
	out := map[string]string{"stdout": r.stdout, "stderr": r.stderr}
	for name, path := range map[string]string{"junit": junit, "json": js, "cassette": cassette} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v\n%s\n%s", name, err, r.stdout, r.stderr)
		}
		out[name] = string(b)
	}
	return r, out
}

// TestSecretsNeverPrinted runs against the mock and a hostile target that
// echoes the secret and the tokens in every form, with secrets that hold a
// tab, a backslash, quotes, &<>, $ and non-ASCII letters, and looks for
// every form of each in stdout, stderr, JUnit, JSON and the cassette.
func TestSecretsNeverPrinted(t *testing.T) {
	const clientID = "leak-test"
	for _, tc := range []struct {
		name, secret, simToken string
	}{
		{"quotes and dollars", `Pa$$w0rd"&x9`, `Adm'n"Token$$5512`},
		{"tab", "Zebra\tSecret-7781", "Admin\tToken-5512"},
		{"backslash", `Zebra\Secret\n7781`, `Admin\Token\t5512`},
		{"markup", "Zebra&<Secret>-7781", "<Admin>&Token-5512"},
		{"unicode", "Zébra-Sécret-✓-7781", "Ådmin-Tøken-☂-5512"},
		{"url", "Zebra/Secret?x=1&y=2%20", "Admin/Token#5512+%2F"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var issued tokens
			mock := drifttest.Rewrite(drifttest.Sim(t, drifttest.WithClient(t, clientID, tc.secret), func(o *sim.Options) { o.AdminToken = tc.simToken }),
				"POST", "/auth/oauth2/v1/token", issued.record)
			for _, target := range []struct {
				name string
				h    func() http.Handler
				code int
			}{
				{"mock", func() http.Handler { return mock }, 0},
				{"hostile", func() http.Handler { return hostile(t, mock, tc.secret, tc.simToken) }, 1},
			} {
				for _, viaFlag := range []bool{false, true} {
					srv := drifttest.Serve(t, target.h())
					env := map[string]string{"HELTHJEM_CLIENT_ID": clientID, "MOCKHELTHJEM_ADMIN_TOKEN": tc.simToken}
					args := []string{"--target", srv.URL, "--strict"}
					if viaFlag {
						args = append(args, "--client-secret", tc.secret)
					} else {
						env["HELTHJEM_CLIENT_SECRET"] = tc.secret
					}
					before := len(issued.all())
					r, outs := outputs(t, env, args...)
					if r.code != target.code {
						t.Fatalf("%s: exit %d, want %d\n%s\n%s", target.name, r.code, target.code, r.stdout, r.stderr)
					}
					if len(issued.all()) == before {
						t.Fatalf("%s: the mock issued no token in this run", target.name)
					}
					for name, out := range outs {
						for _, s := range append([]string{tc.secret, tc.simToken}, issued.all()...) {
							for form, f := range forms(s) {
								if strings.Contains(out, f) {
									t.Errorf("%s: %s holds the %s form of a secret or token (%.12q…)", target.name, name, form, f)
								}
							}
						}
					}
					if target.code == 1 {
						for _, want := range []string{
							`"client_secret":"<redacted>"`, "Authorization: Bearer <redacted>", `errorKey "<redacted>"`,
							"retry after attempt 1: 503 \"<redacted>", `$["<redacted>"]`, `got "<redacted>`,
							"response header Content-Type has unexpected value", `"id":"<redacted>"`,
						} {
							if !strings.Contains(r.stdout, want) {
								t.Errorf("stdout lacks %q: a failure path was not exercised\n%s", want, r.stdout)
							}
						}
					}
				}
			}
		})
	}
}

// TestOwnWordsNeverRedacted pins the bug where the secret "wrong" turned
// the step negative/wrong-secret into negative/<redacted>-secret, and
// "booking" turned home-pickup/booking into home-pickup/<redacted>: only
// text from outside is redacted, never the program's step names and
// labels.
func TestOwnWordsNeverRedacted(t *testing.T) {
	for _, secret := range []string{"wrong", "booking", "secret", "changed", "token"} {
		t.Run(secret, func(t *testing.T) {
			mock := drifttest.Sim(t, drifttest.WithClient(t, "words", secret))
			echo := drifttest.Rewrite(mock, "POST", "/parcels/v1/addresses/find/single", onOK(drifttest.Set("productName", secret)))
			for i, h := range []http.Handler{mock, echo} {
				srv := drifttest.Serve(t, h)
				r, outs := outputs(t, map[string]string{"HELTHJEM_CLIENT_ID": "words", "HELTHJEM_CLIENT_SECRET": secret}, "--target", srv.URL)
				own := map[string][]string{
					"stdout": {"PASS  negative/wrong-secret ", "PASS  home-pickup/booking ", "PASS  home-pickup/token ", "  home-pickup/tracking-by-returncode "},
					"json":   {`"step": "wrong-secret"`, `"step": "booking"`, `"step": "token"`, `"flow": "home-pickup"`},
					"junit":  {`name="wrong-secret"`, `name="booking"`, `name="token"`, `name="contracttest.home-pickup"`},
				}
				if i == 0 {
					own["stdout"] = append(own["stdout"], "PASS  18 steps: 18 passed")
				} else {
					own["stdout"] = append(own["stdout"], "FAIL  home-pickup/coverage ",
						`      behaviour changed: $.productName: want "HELTHJEM_MEGTILDEG", got "<redacted>"`, "FAIL  drift (exit 1): 18 steps")
				}
				for name, words := range own {
					for _, w := range words {
						if !strings.Contains(outs[name], w) {
							t.Errorf("%s lacks %q:\n%s", name, w, outs[name])
						}
					}
				}
				// The secret is redacted where the target echoed it, and
				// nowhere else.
				if got, want := strings.Count(r.stdout, "<redacted>"), 3*i; got != want {
					t.Errorf("stdout has %d <redacted>, want %d (the echoed productName in the finding and the diff, the bearer token in the curl):\n%s", got, want, r.stdout)
				}
			}
		})
	}
}

// TestUnreachableErrorRedacted pins the bug where the error of a target
// that answers a broken response reached stderr unredacted: net/http
// quotes the bad Content-Length, which here is the secret.
func TestUnreachableErrorRedacted(t *testing.T) {
	const secret = "ZebraSecret991xq"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = http.ReadRequest(bufio.NewReader(c))
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %s\r\n\r\n", secret)
			}()
		}
	}()
	r, outs := outputs(t, map[string]string{"HELTHJEM_CLIENT_SECRET": secret}, "--target", "http://"+ln.Addr().String())
	if r.code != 3 || !strings.Contains(r.stderr, `bad Content-Length "<redacted>"`) {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	for name, out := range outs {
		if strings.Contains(out, secret) {
			t.Errorf("%s holds the secret:\n%s", name, out)
		}
	}
}

// TestTargetPasswordNeverPrinted: a --target with user info is refused,
// and the message never shows the password, even when the URL does not
// parse.
func TestTargetPasswordNeverPrinted(t *testing.T) {
	for _, target := range []string{
		"https://ops:Hunter2-pass@api.pre.helthjem.no",
		"https://ops:Hunter2-pass@api.pre.helthjem.no:notaport/base",
		"https://ops:Hunter2 pass@api.pre.helthjem.no",
		"https://ops:Hunter2-pass@[::1",
		"ops:Hunter2-pass@api.pre.helthjem.no",
	} {
		t.Run(target, func(t *testing.T) {
			for _, env := range []map[string]string{nil, {"CONTRACTTEST_TARGET": target}} {
				args := []string{"--target", target}
				if env != nil {
					args = nil
				}
				r := runCmd(t, env, args...)
				if r.code != 2 || strings.Contains(r.stdout+r.stderr, "Hunter2") || !strings.Contains(r.stderr, "<redacted>@") {
					t.Errorf("exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
				}
			}
		})
	}
}

// TestCassetteTextRedactedBeforeCut pins the leak where a text body was
// cut to 2 KiB before it was redacted: a secret or an address across byte
// 2048 kept its first part in the cassette (`"client_secret":"demo-s…`).
// The target answers text whose secret, street address, e-mail and name
// each straddle the cut, in turn; and text of two-byte letters whose byte
// 2048 is inside one, which a cut by bytes split into invalid UTF-8.
func TestCassetteTextRedactedBeforeCut(t *testing.T) {
	const secret = "Zebra-Secret-7781xq"
	a := fixtureSender(t)
	for _, tc := range []struct{ name, value string }{
		{"client secret", secret}, {"street address", a.Address}, {"e-mail", a.Email}, {"name", a.Name}, {"two-byte letters", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Byte 2048 is in the middle of the value.
			pad := strings.Repeat("ø", (2048-len(`"client_secret":"`)-len(tc.value)/2)/2)
			text := pad + `"client_secret":"` + tc.value + `" and more text after the cut`
			if tc.value == "" {
				// Byte 2048 is the second of an "ø".
				pad = "x"
				text = pad + strings.Repeat("ø", 1100)
			}
			mock := drifttest.Sim(t, drifttest.WithClient(t, "leak-test", secret))
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/parcels/v1/addresses/find/single" && r.Header.Get("Authorization") == "" {
					w.Header().Set("Content-Type", "text/plain; charset=utf-8")
					w.WriteHeader(http.StatusUnauthorized)
					fmt.Fprint(w, text)
					return
				}
				mock.ServeHTTP(w, r)
			})
			srv := drifttest.Serve(t, h)
			_, outs := outputs(t, map[string]string{"HELTHJEM_CLIENT_ID": "leak-test", "HELTHJEM_CLIENT_SECRET": secret}, "--target", srv.URL, "--flows", "negative")
			var c struct {
				Exchanges []struct {
					Step     string
					Response struct{ BodyText string }
				}
			}
			if err := json.Unmarshal([]byte(outs["cassette"]), &c); err != nil {
				t.Fatal(err)
			}
			var got string
			for _, ex := range c.Exchanges {
				if ex.Step == "no-token" {
					got = ex.Response.BodyText
				}
			}
			if !strings.HasPrefix(got, pad) || !strings.HasSuffix(got, "…") || len(got) > 2048+len("…") || !utf8.ValidString(got) {
				t.Fatalf("the no-token answer is recorded as %d bytes (valid UTF-8: %v), want the text cut at 2 KiB on a character boundary:\n%q",
					len(got), utf8.ValidString(got), got[max(0, len(got)-80):])
			}
			// Not one byte of the value survives where the target put it.
			for n := len(tc.value); n > 0; n-- {
				if strings.Contains(outs["cassette"], `\"client_secret\":\"`+tc.value[:n]) {
					t.Errorf("the cassette holds %q, the first %d bytes of the %s:\n…%s", tc.value[:n], n, tc.name, got[len(pad)-10:])
					break
				}
			}
		})
	}
}

// fixtureSender is the sender of fixtures/contract-addresses.json, the
// run's default.
func fixtureSender(t *testing.T) fixture.Address {
	t.Helper()
	set, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	return set.Contract.Sender
}
