package sim_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/ids"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
	"github.com/mockhelthjem/mockhelthjem/internal/testtool"
)

// The guide's shipmentId and SSCC, which the B2C sample supplies.
const (
	sampleShipment = "(401)70724763469418088"
	sampleSSCC     = "(00)370724763469418096"
)

// labelPath is the label of identifier, as a client writes it in the path.
func labelPath(identifier, labelType string) string {
	return "/parcels/v1/labels/" + identifier + "/" + labelType
}

// label fetches identifier's unified-large label; accept "" sends no
// Accept header.
func (e *env) label(token, identifier, accept string) reply {
	e.t.Helper()
	return e.do("GET", labelPath(identifier, "unified-large"), token, nil, "Accept", accept)
}

// b2cSample is the guide-style B2C booking the README's label shows: TS 1
// booked by the guide's client (Testbutikken Helthjem, shop 16) for the C2C
// guide's receiver, with the guide's shipmentId and SSCC. weights adds one
// item per weight (grams); the items after the first get assigned SSCCs.
func b2cSample(weights ...int) map[string]any {
	if len(weights) == 0 {
		weights = []int{1000}
	}
	var items []any
	for i, w := range weights {
		ref := ""
		if i == 0 {
			ref = sampleSSCC
		}
		items = append(items, map[string]any{
			"itemNumber": i + 1, "trackingReference": ref, "weight": w,
			"width": 12, "height": 12, "length": 12, "contents": "test item",
		})
	}
	return map[string]any{
		"shopId": 16, "transportSolutionId": 1, "shipmentId": sampleShipment,
		"parties": []any{
			map[string]any{"type": "consignee", "name": "Kristian Voie Danielsen", "countryCode": "NO", "postalName": "Oslo",
				"zipCode": "0751", "address": "Vækerøveien 164d", "coaddress": "", "phone1": " 47 980 50 370", "email": "test@gmail.com"},
			map[string]any{"type": "consignor", "name": "Testbutikken Helthjem", "countryCode": "NO", "postalName": "Oslo",
				"zipCode": "0561", "address": "Herslebs gate 2F", "phone1": "12345678", "email": ""},
		},
		"items": items,
	}
}

// sampleToken logs in as the guide's client, whose name is the sample's
// shop name.
func (e *env) sampleToken() string { return e.token("your-client-id", "your-secret") }

// zplLabel is what a test reads off one ^XA…^XZ format of a ZPL answer.
type zplLabel struct {
	SSCC   string // the barcode's 18 digits
	Item   string // "1 av 3"
	Weight string // "1,0 kg"
}

var (
	zplBarcode = regexp.MustCompile(`\^FD>;>800(\d{18})\^FS`)
	zplItem    = regexp.MustCompile(`\^FD(\d+ av \d+)\^FS`)
	zplWeight  = regexp.MustCompile(`\^FD([0-9]+,[0-9]+ kg)\^FS`)
)

// zplLabels reads the labels of a ZPL answer, in order.
func zplLabels(t testing.TB, body []byte) []zplLabel {
	t.Helper()
	var out []zplLabel
	for _, f := range strings.Split(string(body), "^XZ") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		if !strings.HasPrefix(strings.TrimSpace(f), "^XA") {
			t.Fatalf("ZPL format does not start with ^XA: %.40q", f)
		}
		var l zplLabel
		if m := zplBarcode.FindStringSubmatch(f); m != nil {
			l.SSCC = m[1]
		}
		if m := zplItem.FindStringSubmatch(f); m != nil {
			l.Item = m[1]
		}
		if m := zplWeight.FindStringSubmatch(f); m != nil {
			l.Weight = m[1]
		}
		out = append(out, l)
	}
	return out
}

// bookedItems returns the bare SSCCs of a booking answer, in item order.
func bookedItems(resp map[string]any) []string {
	var out []string
	for _, it := range resp["items"].([]any) {
		_, v := ids.Parse(it.(map[string]any)["trackingReference"].(string))
		out = append(out, v)
	}
	return out
}

// TestLabelIdentifiers: every form of a shipmentId gives a label per item,
// every form of a trackingReference that item's label only.
func TestLabelIdentifiers(t *testing.T) {
	e := newEnv(t)
	token := e.sampleToken()
	resp := e.book(token, b2cSample(1000, 2500, 350))
	ssccs := bookedItems(resp)
	own := b2cSample(700)
	own["shipmentId"] = "webshop order 1001"
	own["items"].([]any)[0].(map[string]any)["trackingReference"] = ""
	ownResp := e.book(token, own)
	ownSSCC := bookedItems(ownResp)[0]
	all := []zplLabel{{ssccs[0], "1 av 3", "1,0 kg"}, {ssccs[1], "2 av 3", "2,5 kg"}, {ssccs[2], "3 av 3", "0,35 kg"}}
	ship := strings.TrimPrefix(sampleShipment, "(401)")
	tests := []struct {
		name, id string
		want     []zplLabel
	}{
		{"shipmentId", sampleShipment, all},
		{"shipmentId escaped", "%28401%29" + ship, all},
		{"shipmentId escaped parenthesis only", "(401%29" + ship, all},
		{"shipmentId bare", ship, all},
		{"client's own shipmentId", url.PathEscape("webshop order 1001"), []zplLabel{{ownSSCC, "1 av 1", "0,7 kg"}}},
		{"trackingReference", sampleSSCC, all[:1]},
		{"trackingReference escaped", "%2800%29" + ssccs[1], all[1:2]},
		{"trackingReference bare", ssccs[2], all[2:3]},
		{"trackingReference with spaces around", url.PathEscape(" (00)" + ssccs[1] + " "), all[1:2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.label(token, tt.id, "application/zpl")
			if r.Status != 200 {
				t.Fatalf("GET %s: %d %s", labelPath(tt.id, "unified-large"), r.Status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/zpl" {
				t.Errorf("Content-Type = %q, want application/zpl", ct)
			}
			assertDiff(t, "labels", tt.want, zplLabels(t, r.Body))
		})
	}
}

// TestLabelAccept: the Accept header chooses the format, q-values included;
// one that allows none of the four is 406 in the error shape, as JSON.
func TestLabelAccept(t *testing.T) {
	e := newEnv(t)
	token := e.sampleToken()
	e.book(token, b2cSample())
	magic := map[string]string{
		"application/pdf": "%PDF-", "image/png": "\x89PNG\r\n\x1a\n", "image/svg+xml": "<?xml", "application/zpl": "^XA",
	}
	tests := []struct {
		name   string
		accept []string // each a header line; nil sends none
		want   string   // the media type, or "" for 406
	}{
		{"no Accept", nil, "application/pdf"},
		{"empty Accept", []string{""}, "application/pdf"},
		{"*/*", []string{"*/*"}, "application/pdf"},
		{"pdf", []string{"application/pdf"}, "application/pdf"},
		{"png", []string{"image/png"}, "image/png"},
		{"svg", []string{"image/svg+xml"}, "image/svg+xml"},
		{"zpl", []string{"application/zpl"}, "application/zpl"},
		{"upper case", []string{"IMAGE/PNG"}, "image/png"},
		{"image/*", []string{"image/*"}, "image/png"},
		{"application/*", []string{"application/*"}, "application/pdf"},
		{"browser", []string{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, "application/pdf"},
		{"q-values", []string{"image/png;q=0.2, application/zpl;q=0.9"}, "application/zpl"},
		{"q-values over two lines", []string{"image/png;q=0.2", "application/zpl;q=0.9"}, "application/zpl"},
		{"specific beats */*", []string{"*/*;q=0.1, image/svg+xml"}, "image/svg+xml"},
		{"q=0 rules a type out", []string{"image/*, image/png;q=0"}, "image/svg+xml"},
		{"unknown type first", []string{"text/html, image/png;q=0.5"}, "image/png"},
		{"only html", []string{"text/html"}, ""},
		{"only JSON", []string{"application/json"}, ""},
		{"all q=0", []string{"application/pdf;q=0, */*;q=0"}, ""},
		{"garbage", []string{";;;,"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", labelPath(sampleSSCC, "unified-large"), nil)
			req.Header.Set("Authorization", "Bearer "+token)
			for _, v := range tt.accept {
				req.Header.Add("Accept", v)
			}
			rec := httptest.NewRecorder()
			e.srv.ServeHTTP(rec, req)
			r := reply{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
			if tt.want == "" {
				if r.Status != 406 || r.errorKey(t) != sim.KeyNotAcceptable || r.Header.Get("Content-Type") != "application/json" {
					t.Fatalf("Accept %q: %d %s %s, want 406 %s as JSON", tt.accept, r.Status, r.Header.Get("Content-Type"), r.Body, sim.KeyNotAcceptable)
				}
				checkError(t, r)
				for _, v := range tt.accept {
					if v != "" && bytes.Contains(r.Body, []byte(v)) {
						t.Errorf("the 406 repeats the Accept header %q: %s", v, r.Body)
					}
				}
				return
			}
			if r.Status != 200 || r.Header.Get("Content-Type") != tt.want {
				t.Fatalf("Accept %q: %d %s, want 200 %s: %.200s", tt.accept, r.Status, r.Header.Get("Content-Type"), tt.want, r.Body)
			}
			if !bytes.HasPrefix(r.Body, []byte(magic[tt.want])) {
				t.Errorf("a %s body starts %.12q", tt.want, r.Body)
			}
			if got, want := r.Header.Get("Content-Length"), fmt.Sprint(len(r.Body)); got != want {
				t.Errorf("Content-Length = %s, body has %s bytes", got, want)
			}
		})
	}
}

// TestLabelType: only unified-large; anything else is 400
// invalid.labelType, which does not repeat what was sent.
func TestLabelType(t *testing.T) {
	e := newEnv(t)
	token := e.sampleToken()
	e.book(token, b2cSample())
	for _, lt := range []string{"unified-small", "UNIFIED-LARGE", "unified-large%20", "a4", "%3Cscript%3E"} {
		t.Run(lt, func(t *testing.T) {
			before := e.state()
			r := e.do("GET", labelPath(sampleSSCC, lt), token, nil)
			if r.Status != 400 || r.errorKey(t) != sim.KeyInvalidLabelType {
				t.Fatalf("labelType %q: %d %s, want 400 %s", lt, r.Status, r.Body, sim.KeyInvalidLabelType)
			}
			var body struct{ ErrorMap map[string]string }
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
			assertDiff(t, "errorMap", map[string]string{"labelType": "must be unified-large"}, body.ErrorMap)
			if sent, _ := url.PathUnescape(lt); bytes.Contains(r.Body, []byte(sent)) {
				t.Errorf("the answer repeats the labelType sent: %s", r.Body)
			}
			if e.state() != before {
				t.Error("a refused label request changed the state")
			}
		})
	}
}

// signToken signs a token for client with shops, as the mock would with
// key: a client's token from before its shops changed.
func signToken(key []byte, client string, shops []int64, now time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	payload, _ := json.Marshal(map[string]any{
		"iss": "mockhelthjem", "sub": client, "client_id": client, "shops": shops,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	})
	in := enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc(payload)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(in))
	return in + "." + enc(m.Sum(nil))
}

// TestLabelAccess: a label needs a token; another client's parcel is not
// found, with the same answer as a parcel that does not exist; a token
// that does not grant the parcel's shop is refused.
func TestLabelAccess(t *testing.T) {
	key := []byte("label-access-test-key")
	e := newEnv(t, func(o *sim.Options) { o.JWTKey = key })
	multi := e.token("multi", "multi-secret")
	body := b2cSample()
	body["shopId"] = 18
	e.book(multi, body)
	missing := e.label(multi, "(00)370724760000000017", "")
	tests := []struct {
		name       string
		token      string
		wantStatus int
		wantKey    string
	}{
		{"the owner, its second shop", multi, 200, ""},
		{"no token", "", 401, "authentication.missing"},
		{"a forged token", signToken([]byte("another key"), "multi", []int64{16, 18}, guideClock), 401, "authentication.invalid"},
		{"another client", e.demo(), 404, "cannot.find.order"},
		{"another client with the shop's id", e.token("demo2", "demo2-secret"), 404, "cannot.find.order"},
		{"a token without the parcel's shop", signToken(key, "multi", []int64{16}, guideClock), 403, "no.access.shop.id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.label(tt.token, sampleSSCC, "")
			if r.Status != tt.wantStatus {
				t.Fatalf("%d %s, want %d", r.Status, r.Body, tt.wantStatus)
			}
			if tt.wantStatus == 200 {
				return
			}
			if k := r.errorKey(t); k != tt.wantKey {
				t.Errorf("errorKey %q, want %q", k, tt.wantKey)
			}
			if tt.wantStatus == 404 && !bytes.Equal(r.Body, missing.Body) {
				t.Errorf("another client's parcel answers\n%s\nbut a missing one\n%s", r.Body, missing.Body)
			}
		})
	}
}

// TestLabelless: C2C parcels (TS 23 with and without a pickup date, 113,
// 115) and the order a PUDO conversion creates have no label, whatever
// identifier is asked for; the answer says what to do instead.
func TestLabelless(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	date := func(b map[string]any) {}
	noDate := func(b map[string]any) { delete(b, "desiredDeliveryDate") }
	var ids []string
	for _, bk := range []struct {
		ts   int
		edit func(map[string]any)
	}{{23, date}, {23, noDate}, {113, nil}, {115, nil}} {
		resp := e.book(token, booking(t, bk.ts, bk.edit))
		ids = append(ids, resp["shipmentId"].(string), firstItem(resp)["trackingReference"].(string))
		if rc, ok := firstItem(resp)["returnCode"].(string); ok {
			ids = append(ids, rc)
		}
	}
	pickup := e.book(token, booking(t, 23, nil))
	rc := firstItem(pickup)["returnCode"].(string)
	r := e.do("POST", "/__sim/dropoffs", "", map[string]string{"code": rc, "servicePointId": "49003"})
	var d dropped
	if err := json.Unmarshal(r.Body, &d); r.Status != 200 || err != nil || d.Kind != "conversion" {
		t.Fatalf("conversion: %d %v %s", r.Status, err, r.Body)
	}
	ids = append(ids, pickup["shipmentId"].(string), d.Order.ShipmentID, d.Order.Items[0].TrackingReference, rc)
	before := e.state()
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			r := e.label(token, url.PathEscape(id), "application/pdf")
			if r.Status != 400 || r.errorKey(t) != sim.KeyLabelNotApplicable {
				t.Fatalf("%d %s, want 400 %s", r.Status, r.Body, sim.KeyLabelNotApplicable)
			}
			checkError(t, r)
			if msg, _ := r.json(t)["message"].(string); !strings.Contains(msg, "returnCode") || !strings.Contains(msg, "labelless") {
				t.Errorf("message %q does not say the parcel is labelless and to use the returnCode", msg)
			}
		})
	}
	if e.state() != before {
		t.Error("label requests changed the state")
	}
	// A home pickup booked without a date has no returnCode yet: the
	// answer says how to get one.
	undated := e.book(token, booking(t, 23, noDate))
	msg, _ := e.label(token, url.PathEscape(undated["shipmentId"].(string)), "").json(t)["message"].(string)
	if !strings.Contains(msg, "without desiredDeliveryDate") || !strings.Contains(msg, "book it with a pickup date") {
		t.Errorf("the answer for an undated home pickup says %q", msg)
	}
}

// runTool runs a program on a file holding b and returns its output.
func runTool(t *testing.T, b []byte, name string, args ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "label")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(name, append(args, path)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
	return string(out)
}

// TestLabelMultiItem: a shipment of three items has three labels in every
// format; pdfinfo reads one 289.13 × 544.25 pt page per item.
func TestLabelMultiItem(t *testing.T) {
	e := newEnv(t)
	token := e.sampleToken()
	e.book(token, b2cSample(1000, 2000, 3000))

	t.Run("pdf", func(t *testing.T) {
		pdfinfo := testtool.Require(t, "pdfinfo", "apt-get install poppler-utils")
		for _, tt := range []struct {
			id    string
			pages int
		}{{sampleShipment, 3}, {sampleSSCC, 1}} {
			r := e.label(token, tt.id, "application/pdf")
			if r.Status != 200 {
				t.Fatalf("%s: %d %s", tt.id, r.Status, r.Body)
			}
			info := runTool(t, r.Body, pdfinfo, "-f", "1", "-l", "99")
			var got []string
			for _, line := range strings.Split(info, "\n") {
				if strings.HasPrefix(line, "Pages:") || strings.HasPrefix(line, "Page ") && strings.Contains(line, "size:") {
					got = append(got, strings.Join(strings.Fields(line), " "))
				}
			}
			want := []string{fmt.Sprintf("Pages: %d", tt.pages)}
			for i := 1; i <= tt.pages; i++ {
				want = append(want, fmt.Sprintf("Page %d size: 289.13 x 544.25 pts", i))
			}
			assertDiff(t, "pdfinfo of "+tt.id, want, got)
		}
	})
	t.Run("png", func(t *testing.T) {
		r := e.label(token, sampleShipment, "image/png")
		cfg, err := png.DecodeConfig(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatalf("%d: %v", r.Status, err)
		}
		if cfg.Width != 816 || cfg.Height != 3*1536 {
			t.Errorf("PNG of 3 labels is %d × %d, want 816 × %d (three 203 dpi labels stacked)", cfg.Width, cfg.Height, 3*1536)
		}
	})
	t.Run("svg", func(t *testing.T) {
		r := e.label(token, sampleShipment, "image/svg+xml")
		if n := strings.Count(string(r.Body), `id="item-`); n != 3 {
			t.Errorf("SVG has %d item groups, want 3", n)
		}
	})
	t.Run("zpl", func(t *testing.T) {
		got := zplLabels(t, e.label(token, sampleShipment, "application/zpl").Body)
		var weights []string
		for _, l := range got {
			weights = append(weights, l.Item+" "+l.Weight)
		}
		assertDiff(t, "ZPL labels", []string{"1 av 3 1,0 kg", "2 av 3 2,0 kg", "3 av 3 3,0 kg"}, weights)
	})
}

// TestLabelPNGScans: a barcode reader gets exactly the item's SSCC, with
// application identifier 00, from the mock's PNG of one item.
func TestLabelPNGScans(t *testing.T) {
	zbarimg := testtool.Require(t, "zbarimg", "apt-get install zbar-tools")
	e := newEnv(t)
	token := e.sampleToken()
	resp := e.book(token, b2cSample(1000, 2000))
	second := bookedItems(resp)[1]
	r := e.label(token, "(00)"+second, "image/png")
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if got, want := runTool(t, r.Body, zbarimg, "--nodbus", "--raw", "-q"), "00"+second+"\n"; got != want {
		t.Errorf("zbarimg --raw = %q, want %q", got, want)
	}
	if xml := runTool(t, r.Body, zbarimg, "--nodbus", "--xml", "-q"); !strings.Contains(xml, "type='CODE-128'") || !strings.Contains(xml, "GS1") {
		t.Errorf("zbarimg does not read a GS1-128 symbol:\n%s", xml)
	}
}

// TestLabelSample: the guide-style B2C sample booking's label, as the
// mock serves it, is docs/label-sample.png, the label the README shows
// (go test ./internal/sim -run TestLabelSample -update rewrites it). Its
// fields are what the booking said.
func TestLabelSample(t *testing.T) {
	e := newEnv(t)
	token := e.sampleToken()
	resp := e.book(token, b2cSample())
	r := e.label(token, sampleShipment, "image/png")
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	path := filepath.Join("..", "..", "docs", "label-sample.png")
	if *update {
		if err := os.WriteFile(path, r.Body, 0o644); err != nil {
			t.Fatal(err)
		}
	} else if want := readFile(t, path); !bytes.Equal(want, r.Body) {
		t.Errorf("%s differs from the mock's label (%d bytes, got %d); rerun with -update if the change is intended", path, len(want), len(r.Body))
	}

	zpl := e.label(token, sampleShipment, "application/zpl").Body
	var fields []string
	for _, m := range regexp.MustCompile(`\^FD([^^]*)\^FS`).FindAllSubmatch(zpl, -1) {
		fields = append(fields, string(m[1]))
	}
	want := []string{
		"Levert hjem", "FP 1 Helthjem hjemlevering", // the service and freight product
		"Testbutikken Helthjem", "Herslebs gate 2F", "0561 OSLO", // the consignor
		"Kristian Voie Danielsen", "V_C3_A6ker_C3_B8veien 164d", "0751 OSLO", // the consignee
		"1,0 kg", "1 av 1", "16.06.2026", // weight, item, booking date
		sampleShipment, fmt.Sprint(int64(resp["orderId"].(float64))),
		"(00) 3 7072476 346941809 6", ">;>800370724763469418096",
	}
	for _, w := range want {
		if !slices.Contains(fields, w) {
			t.Errorf("the label lacks the field %q; it has %q", w, fields)
		}
	}
}

// TestLabelRoutingIsTheBookingsRouting: a parcel to a service point prints
// the routing block and the point its booking answered.
func TestLabelRoutingIsTheBookingsRouting(t *testing.T) {
	e := newEnv(t)
	token := e.sampleToken()
	body := b2cSample()
	body["transportSolutionId"] = 86 // Helthjem points only: FP 55 via a point
	resp := e.book(token, body)
	props := resp["properties"].(map[string]any)
	var point map[string]any
	for _, p := range resp["parties"].([]any) {
		if p := p.(map[string]any); p["type"] == "servicePoint" {
			point = p
		}
	}
	if point == nil || props["routing"] == nil {
		t.Fatalf("the TS 86 booking has no service point or routing: %v", resp)
	}
	zpl := string(e.label(token, sampleShipment, "application/zpl").Body)
	for _, w := range []string{
		"^FD" + props["routing"].(string) + "^FS", "^FD" + props["mainCarNumber"].(string) + "^FS",
		"^FD" + props["deliveryPointCarId"].(string) + "^FS", "^FD" + props["transportNetId"].(string) + "^FS",
		"^FDFP 55 " + props["freightProductName"].(string) + "^FS",
		point["name"].(string) + ", ",
	} {
		if !strings.Contains(zpl, w) {
			t.Errorf("the label lacks %q", w)
		}
	}
}

// TestLabelRequestsAreJournaled: a label request is a carrier request in
// /__sim/requests, with its operationId and status.
func TestLabelRequestsAreJournaled(t *testing.T) {
	e := newEnv(t)
	token := e.sampleToken()
	e.book(token, b2cSample())
	e.label(token, sampleSSCC, "text/html")
	r := e.do("GET", "/__sim/requests", "", nil)
	var got struct {
		Requests []struct {
			Operation string `json:"operation"`
			Status    int    `json:"status"`
		} `json:"requests"`
	}
	if err := json.Unmarshal(r.Body, &got); err != nil || len(got.Requests) == 0 {
		t.Fatalf("%v: %s", err, r.Body)
	}
	last := got.Requests[0] // newest first
	if diff := cmp.Diff(struct {
		Operation string
		Status    int
	}{"fetchLabel", http.StatusNotAcceptable}, struct {
		Operation string
		Status    int
	}{last.Operation, last.Status}); diff != "" {
		t.Errorf("journal entry (-want +got):\n%s", diff)
	}
}

// FuzzLabelIdentifier sends any identifier, path-escaped as a client
// would, for a label. Invariants: 200, 400 or 404 only (never a 5xx), or
// 414 uri.too.long for a path over DefaultMaxPath and only then; a
// 400 is a labelless parcel or a bad identifier; a 200 is the label of
// demo's parcel that the identifier's canonical form (ids.Parse) names,
// byte for byte the canonical form's; another client never gets it.
func FuzzLabelIdentifier(f *testing.F) {
	e := newEnv(f)
	demo, demo2 := e.sampleToken(), e.token("demo2", "demo2-secret")
	b2c := e.book(demo, b2cSample(1000, 2000))
	c2c := e.book(demo, booking(f, 113, nil))
	other := b2cSample()
	other["shopId"], other["shipmentId"] = 17, nil
	other["items"].([]any)[0].(map[string]any)["trackingReference"] = ""
	e.book(demo2, other)
	for _, id := range []string{b2c["shipmentId"].(string), firstItem(b2c)["trackingReference"].(string), c2c["shipmentId"].(string)} {
		f.Add(id)
		_, bare := ids.Parse(id)
		f.Add(bare)
		f.Add(strings.Replace(strings.Replace(id, "(", "%28", 1), ")", "%29", 1))
	}
	for _, s := range []string{"", " ", "(00)", "(401)", "..", "/", "%", "%zz", "\x00", "T-NXXW9", strings.Repeat("7", 65)} {
		f.Add(s)
	}
	get := func(t *testing.T, token, path string) reply {
		e.t = t
		return e.do("GET", labelPath(path, "unified-large"), token, nil, "Accept", "application/zpl")
	}
	f.Fuzz(func(t *testing.T, id string) {
		path := url.PathEscape(id)
		if _, err := url.ParseRequestURI(labelPath(path, "unified-large")); err != nil {
			return
		}
		got := get(t, demo, path)
		if refusedTooLong(t, labelPath(path, "unified-large"), got) {
			return
		}
		switch got.Status {
		case 200:
		case 400, 404:
			checkError(t, got)
			if k := got.errorKey(t); got.Status == 400 && k != sim.KeyLabelNotApplicable && k != "invalid.request" {
				t.Fatalf("label %q: 400 %s", id, got.Body)
			}
			return
		default:
			t.Fatalf("label %q: %d %s", id, got.Status, got.Body)
		}
		_, canon := ids.Parse(id)
		if want := get(t, demo, url.PathEscape(canon)); !bytes.Equal(want.Body, got.Body) {
			t.Fatalf("the labels of %q and of its canonical form %q differ", id, canon)
		}
		if r := get(t, demo2, path); r.Status != 404 {
			t.Fatalf("demo2 got demo's label %q: %d", id, r.Status)
		}
	})
}

// TestLabelDateIsOslo: the booking date printed is the date in Norway, not
// in UTC: a booking at 23:30 UTC on 16 June is made on 17 June.
func TestLabelDateIsOslo(t *testing.T) {
	e := newEnv(t, func(o *sim.Options) { o.Clock = time.Date(2026, 6, 16, 23, 30, 0, 0, time.UTC) })
	token := e.sampleToken()
	e.book(token, b2cSample())
	zpl := string(e.label(token, sampleSSCC, "application/zpl").Body)
	if !strings.Contains(zpl, "^FD17.06.2026^FS") {
		t.Errorf("the label of a booking at 01:30 in Oslo on 17 June does not print 17.06.2026:\n%s", zpl)
	}
}
