package helthjemtest_test

// The wire and the readers of the real-client compatibility tests
// (clients_test.go): a request exactly as a client's HTTP library writes
// it, and each client's reading of the answer, described in our own words
// and written in our own Go. No code of the clients is copied here; each
// reader says which upstream file, at which commit, it describes.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mockhelthjem/mockhelthjem/helthjemtest"
)

// wireReq is one HTTP/1.1 request as a client's library writes it: the
// request-target unchanged (escapes, parentheses and trailing slashes
// kept), header names in the library's own case and order, the body byte
// for byte. In a header value {token} is the bearer token.
type wireReq struct {
	method, target string
	header         [][2]string
	body           string
}

// answer is what the mock said.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) String() string {
	b := a.body
	if len(b) > 300 {
		b = b[:300]
	}
	return fmt.Sprintf("%d %s", a.status, b)
}

// ok is fetch's Response.ok: a 2xx status.
func (a answer) ok() bool { return a.status >= 200 && a.status < 300 }

// json decodes the body as a JavaScript or PHP client would: any JSON
// value; nil when the body is not JSON.
func (a answer) json() any {
	var v any
	if json.Unmarshal(a.body, &v) != nil {
		return nil
	}
	return v
}

// send writes r on a new connection to srv and reads one response. A Host
// header is written first unless r has one, and Content-Length after r's
// headers unless r has one: every library here sends both.
func send(t testing.TB, srv *helthjemtest.Server, token string, r wireReq) answer {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", u.Host, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", r.method, r.target)
	if !hasHeader(r.header, "Host") {
		fmt.Fprintf(&b, "Host: %s\r\n", u.Host)
	}
	for _, h := range r.header {
		v := strings.NewReplacer("{token}", token, "{host}", u.Host).Replace(h[1])
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], v)
	}
	if r.body != "" && !hasHeader(r.header, "Content-Length") {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(r.body))
	}
	b.WriteString("\r\n")
	b.WriteString(r.body)
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatalf("%s %s: write: %v", r.method, r.target, err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: r.method})
	if err != nil {
		t.Fatalf("%s %s: read: %v", r.method, r.target, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", r.method, r.target, err)
	}
	return answer{status: res.StatusCode, header: res.Header, body: body}
}

func hasHeader(hs [][2]string, name string) bool {
	for _, h := range hs {
		if strings.EqualFold(h[0], name) {
			return true
		}
	}
	return false
}

func hdr(name, value string) [2]string { return [2]string{name, value} }

// The header sets the clients' HTTP libraries write by default, around the
// headers the client code sets itself (versions as the clients pin them).

// guzzle6: Guzzle 6 over curl (the PHP SDK's composer.json requires
// guzzlehttp/guzzle 6.*): the request's headers as given, then Guzzle's
// User-Agent; Guzzle removes curl's default Accept.
func guzzle6(hs ...[2]string) [][2]string {
	return append(hs, hdr("User-Agent", "GuzzleHttp/6.5.5 curl/7.68.0 PHP/7.4.3"))
}

// undici: Node's global fetch (Node >= 20). Its Headers object lower-cases
// every name, and it adds its defaults (accept, accept-language,
// sec-fetch-mode, user-agent, accept-encoding) where the caller set none.
func undici(hs ...[2]string) [][2]string {
	out := [][2]string{hdr("host", "{host}"), hdr("connection", "keep-alive")}
	for _, h := range hs {
		out = append(out, hdr(strings.ToLower(h[0]), h[1]))
	}
	for _, d := range [][2]string{
		hdr("accept", "*/*"), hdr("accept-language", "*"), hdr("sec-fetch-mode", "cors"),
		hdr("user-agent", "node"), hdr("accept-encoding", "gzip, deflate"),
	} {
		if !hasHeader(out, d[0]) {
			out = append(out, d)
		}
	}
	return out
}

// wpHTTP: WordPress's wp_remote_get (the Requests library): the caller's
// headers, then WordPress's User-Agent and Accept-Encoding.
func wpHTTP(hs ...[2]string) [][2]string {
	return append(hs, hdr("User-Agent", "WordPress/6.5; https://shop.example"),
		hdr("Accept-Encoding", "deflate, gzip, br"))
}

// aiohttp: Python's aiohttp client (Home Assistant's): Accept and
// Accept-Encoding defaults and its User-Agent, the caller's headers
// replacing a default of the same name.
func aiohttp(hs ...[2]string) [][2]string {
	out := [][2]string{}
	for _, d := range [][2]string{hdr("Accept", "*/*"), hdr("Accept-Encoding", "gzip, deflate"),
		hdr("User-Agent", "Python/3.12 aiohttp/3.9.5")} {
		if !hasHeader(hs, d[0]) {
			out = append(out, d)
		}
	}
	return append(out, hs...)
}

// browser: a page's fetch in a browser (helthjem.github.io's demo): the
// headers the page sets, and the browser's Accept and Origin.
func browser(hs ...[2]string) [][2]string {
	return append(hs, hdr("Accept", "*/*"), hdr("Origin", "https://helthjem.github.io"))
}

// obj, list and text read JSON loosely, as JavaScript and PHP code does:
// the wrong type reads as empty.
func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

// text is a JSON string trimmed, or a number written out; "" otherwise.
func text(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

// --- SincosSoftware/helthjem-php-sdk ---------------------------------------
//
// src/Shared/Client.php and RequestHandler.php: Guzzle 6 throws on any 4xx
// or 5xx (http_errors is on by default), and the SDK rethrows it as
// HelthjemApiRequestException (code 500). src/Shared/ResponseHandler.php
// (3dc131d) then json_decodes the body into an array and builds the answer
// object of the request's type.

// phpBody is the decoded body, or the exception the SDK throws.
func phpBody(a answer) (map[string]any, error) {
	if a.status >= 400 {
		return nil, fmt.Errorf("HelthjemApiRequestException (500): Guzzle refused %d", a.status)
	}
	return obj(a.json()), nil
}

// phpToken: ResponseHandler reads only `token` into AuthToken; a missing
// one becomes "Bearer " on every later request.
func phpToken(a answer) (string, error) {
	body, err := phpBody(a)
	if err != nil {
		return "", err
	}
	tok, _ := body["token"].(string)
	if tok == "" {
		return "", fmt.Errorf("AuthToken without a token: %s", a)
	}
	return tok, nil
}

// phpSingle: SingleAddressCheckResponse (5c99fb9) throws "Unable to
// retrieve helthjem product" when productName is empty (PHP falsy: absent,
// null, "" or "0").
func phpSingle(a answer) (string, error) {
	body, err := phpBody(a)
	if err != nil {
		return "", err
	}
	name, _ := body["productName"].(string)
	if name == "" || name == "0" {
		return "", fmt.Errorf("HelthjemApiResponseException: Unable to retrieve helthjem product: %s", a)
	}
	return name, nil
}

// phpNearby: NearbyServicepointResponse (5c99fb9) throws "No
// freightProducts found" when freightProducts is absent, null or empty;
// FreightProduct and ServicePoint take an array each (a TypeError
// otherwise).
func phpNearby(a answer) (points int, err error) {
	body, err := phpBody(a)
	if err != nil {
		return 0, err
	}
	fps := list(body["freightProducts"])
	if len(fps) == 0 {
		return 0, fmt.Errorf("HelthjemApiResponseException: No freightProducts found: %s", a)
	}
	for _, fp := range fps {
		m, isObj := fp.(map[string]any)
		if !isObj {
			return 0, fmt.Errorf("TypeError: FreightProduct of %T", fp)
		}
		for _, sp := range list(m["servicePoints"]) {
			if _, isObj := sp.(map[string]any); !isObj {
				return 0, fmt.Errorf("TypeError: ServicePoint of %T", sp)
			}
			points++
		}
	}
	return points, nil
}

// --- Obtino001/Helthjem-integration (src/services/helthjem.service.js) -----

// The two commits of helthjem.service.js read: they differ in what a 200
// without productName HELTHJEM means, and in when an errorKey counts.
const (
	node56033fa = "56033fa"
	node99c5088 = "99c5088"
)

// nodeToken is getAccessToken: a non-2xx or a body without a truthy token
// is HelthjemAuthError; expires_in is used when it is a positive number
// (else 86400), and the token is cached for min(expires_in − 300 s, 12 h),
// at least 60 s (56033fa) or 0 s (99c5088).
func nodeToken(a answer, commit string) (string, time.Duration, error) {
	if !a.ok() {
		return "", 0, fmt.Errorf("HelthjemAuthError: authentication failed with status %d", a.status)
	}
	body := obj(a.json())
	tok, _ := body["token"].(string)
	if tok == "" {
		return "", 0, fmt.Errorf("HelthjemAuthError: auth response missing access token: %s", a)
	}
	exp := 86400.0
	if e, isNum := body["expires_in"].(float64); isNum && e > 0 {
		exp = e
	}
	floor := 60.0
	if commit == node99c5088 {
		floor = 0
	}
	ttl := math.Max(floor, math.Min(exp-300, 12*3600))
	return tok, time.Duration(ttl) * time.Second, nil
}

// nodeOutcome is what checkAddressCoverage makes of an answer.
type nodeOutcome string

const (
	nodeCovered    nodeOutcome = "covered"
	nodeNotCovered nodeOutcome = "not covered"
	nodeReauth     nodeOutcome = "401: clear the token, authenticate again, retry once"
	nodeThrows     nodeOutcome = "throws HelthjemApiError (Shopify falls back to its backup rates)"
)

// nodeErrorKey is extractErrorKey: a non-empty string errorKey at the top
// level, then error.errorKey, then errors[0].errorKey; 56033fa also finds
// no.carrier.support inside message.
func nodeErrorKey(v any, commit string) string {
	body := obj(v)
	if k, _ := body["errorKey"].(string); k != "" {
		return k
	}
	if k, isStr := obj(body["error"])["errorKey"].(string); isStr {
		return k
	}
	if errs := list(body["errors"]); len(errs) > 0 {
		if k, isStr := obj(errs[0])["errorKey"].(string); isStr {
			return k
		}
	}
	if m, _ := body["message"].(string); commit == node56033fa && strings.Contains(m, "no.carrier.support") {
		return "no.carrier.support"
	}
	return ""
}

// nodeCoverage is checkAddressCoverage's reading of one answer.
func nodeCoverage(a answer, commit string) nodeOutcome {
	if a.status == http.StatusUnauthorized {
		return nodeReauth
	}
	body := a.json()
	key := nodeErrorKey(body, commit)
	if a.ok() {
		switch {
		case obj(body)["productName"] == "HELTHJEM":
			return nodeCovered
		case key == "no.carrier.support":
			return nodeNotCovered
		case commit == node99c5088:
			return nodeThrows // "Unexpected Helthjem coverage response"
		default:
			return nodeNotCovered // reason unsupported_product_<name>
		}
	}
	if key == "no.carrier.support" && (commit == node56033fa || a.status < 500) {
		return nodeNotCovered
	}
	return nodeThrows
}

// --- DekodeInteraktiv/helthjem-api ------------------------------------------

// dekodeKeepsRate is front/front-functionality.php check_shipping_address
// through api/api-single-address.php (e7839ff): any status but 200 is a
// WP_Error and the shipping rate is removed (and cached as "no" for the
// postcode); a 200 keeps it, whatever its body says.
func dekodeKeepsRate(a answer) bool { return a.status == http.StatusOK }

// --- helthjem/helthjem.github.io ---------------------------------------------

// demoProduct is generate_token.js submitForm (0e51ac1): response.json()
// without looking at the status, then data.productName: POSTNORD_MYPACK
// goes on to the service points, anything else is shown as it is.
func demoProduct(a answer) (string, error) {
	body, isObj := a.json().(map[string]any)
	if !isObj {
		return "", fmt.Errorf("alert('Error'): %s", a)
	}
	name, _ := body["productName"].(string)
	return name, nil
}

// demoPoint is one marker of map.js.
type demoPoint struct {
	name     string
	lat, lng float64
}

// demoMap is map.js submitForm (60738d1): freightProducts[0]'s first three
// service points, each servicePointCoordinates[0].northing and .easting
// and servicePointName; fewer than three points, or coordinates that are
// not an array of objects, end in alert('Error').
func demoMap(a answer) ([]demoPoint, error) {
	sps := list(obj(first(list(obj(a.json())["freightProducts"])))["servicePoints"])
	if len(sps) < 3 {
		return nil, fmt.Errorf("alert('Error'): %d service points, the map reads three: %s", len(sps), a)
	}
	var out []demoPoint
	for _, sp := range sps[:3] {
		c := obj(first(list(obj(sp)["servicePointCoordinates"])))
		lat, okLat := c["northing"].(float64)
		lng, okLng := c["easting"].(float64)
		name, okName := obj(sp)["servicePointName"].(string)
		if !okLat || !okLng || !okName {
			return nil, fmt.Errorf("alert('Error'): a point without name or coordinates[0]: %v", sp)
		}
		out = append(out, demoPoint{name, lat, lng})
	}
	return out, nil
}

func first(l []any) any {
	if len(l) == 0 {
		return nil
	}
	return l[0]
}

// --- andregieaver/kaizen-store (src/lib/helthjem.ts, src/server/carriers/helthjem.ts) ---

// kaizenToken is parseToken with tokenFor around it: a non-2xx is refused;
// text(token) must be non-empty; expires_in is used when it is a positive
// finite number (else 3600), and the token is kept until 60 s before.
func kaizenToken(a answer) (string, time.Duration, error) {
	if !a.ok() {
		return "", 0, fmt.Errorf("%s", kaizenProblem(a))
	}
	body := obj(a.json())
	tok := text(body["token"])
	if tok == "" {
		return "", 0, fmt.Errorf("Helthjem answered without a token")
	}
	exp, _ := body["expires_in"].(float64)
	if !(exp > 0) {
		exp = 3600
	}
	return tok, time.Duration(math.Max(0, exp-60)) * time.Second, nil
}

// kaizenErrorKey is errorKey: text(errorKey) at the top level only.
func kaizenErrorKey(a answer) string { return text(obj(a.json())["errorKey"]) }

// kaizenProblem is helthjemProblem: what the store owner is told.
func kaizenProblem(a answer) string {
	key := kaizenErrorKey(a)
	switch {
	case key == "no.carrier.support":
		return "Helthjem does not deliver to that address with this transport solution."
	case key == "no.access.shop.id":
		return "Helthjem did not accept the shop id for these credentials. Check it on this page."
	case a.status == 401:
		return "Helthjem did not accept the client id and secret."
	case a.status == 403:
		return "Helthjem refused access for these credentials."
	case a.status == 404:
		return "Helthjem did not find that."
	case a.status == 429:
		return "Helthjem asked us to slow down."
	case a.status >= 500:
		return "Helthjem is not answering right now."
	case key != "":
		return fmt.Sprintf("Helthjem did not accept the request (%d: %s).", a.status, key)
	}
	return fmt.Sprintf("Helthjem did not accept the request (%d).", a.status)
}

// kaizenCheckOK is the adapter's check(): the credentials, shop and
// solution are accepted when the coverage answer is 2xx, or 400
// no.carrier.support (an uncovered sample address still means accepted).
func kaizenCheckOK(a answer) bool {
	return a.ok() || (a.status == 400 && kaizenErrorKey(a) == "no.carrier.support")
}

// kaizenPoint is one PickupPoint of parseServicePoints.
type kaizenPoint struct {
	id, name, street, postalCode, city, country, openingHours string
}

// kaizenPoints is parseServicePoints: every freight product's points, once
// each by servicePointExternalId, without those that have none; the
// visiting address as street "name number"; opening hours "Mon 07:00–23:00"
// for the days with both times.
func kaizenPoints(a answer) []kaizenPoint {
	days := map[string]string{"MONDAY": "Mon", "TUESDAY": "Tue", "WEDNESDAY": "Wed", "THURSDAY": "Thu", "FRIDAY": "Fri", "SATURDAY": "Sat", "SUNDAY": "Sun"}
	var out []kaizenPoint
	seen := map[string]bool{}
	for _, fp := range list(obj(a.json())["freightProducts"]) {
		for _, raw := range list(obj(fp)["servicePoints"]) {
			p := obj(raw)
			id := text(p["servicePointExternalId"])
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			v := obj(p["visitingAddress"])
			var hours []string
			for _, h := range list(p["openingHours"]) {
				o := obj(h)
				if d := days[text(o["day"])]; d != "" && text(o["from1"]) != "" && text(o["to1"]) != "" {
					hours = append(hours, d+" "+text(o["from1"])+"–"+text(o["to1"]))
				}
			}
			name := text(p["servicePointName"])
			if name == "" {
				name = id
			}
			street := strings.TrimSpace(text(v["streetName"]) + " " + text(v["streetNumber"]))
			country := strings.ToUpper(text(v["countryCode"]))
			if country == "" {
				country = "NO"
			}
			out = append(out, kaizenPoint{id, name, street, text(v["postalCode"]), text(v["postalName"]), country, strings.Join(hours, ", ")})
		}
	}
	return out
}

// kaizenBooked is parseBooking: text(shipmentId) must be non-empty; the
// shipment number is it without a leading "(digits)"; orderId as text;
// freightProductId when it is a finite number.
type kaizenBooked struct {
	shipmentID, shipmentNumber, orderID string
	freightProductID                    float64
}

func kaizenBooking(a answer) (kaizenBooked, error) {
	if !a.ok() {
		return kaizenBooked{}, fmt.Errorf("%s", kaizenProblem(a))
	}
	body := obj(a.json())
	id := text(body["shipmentId"])
	if id == "" {
		return kaizenBooked{}, fmt.Errorf("Helthjem answered without a shipment number")
	}
	number := id
	if i := strings.IndexByte(id, ')'); strings.HasPrefix(id, "(") && i > 1 && isDigits(id[1:i]) {
		number = id[i+1:]
	}
	fp, _ := body["freightProductId"].(float64)
	return kaizenBooked{id, number, text(body["orderId"]), fp}, nil
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// kaizenEvent is one TrackingEvent of parseTracking.
type kaizenEvent struct{ at, status, description string }

// kaizenTracking is parseTracking: every shipment's items' events; the time
// from eventTimeUtc, else eventTime with its space made a "T" (an event
// without either is skipped); the status is eventType.apiKey; the
// description message, else eventType.description, else additionalInfo.
func kaizenTracking(a answer) []kaizenEvent {
	var out []kaizenEvent
	for _, shipment := range list(a.json()) {
		for _, it := range list(obj(shipment)["items"]) {
			for _, raw := range list(obj(it)["events"]) {
				e := obj(raw)
				typ := obj(e["eventType"])
				at := text(e["eventTimeUtc"])
				if at == "" {
					at = strings.Replace(text(e["eventTime"]), " ", "T", 1)
				}
				if at == "" {
					continue
				}
				desc := text(e["message"])
				if desc == "" {
					desc = text(typ["description"])
				}
				if desc == "" {
					desc = text(e["additionalInfo"])
				}
				out = append(out, kaizenEvent{at, text(typ["apiKey"]), desc})
			}
		}
	}
	return out
}

// --- jumpingmushroom/nordic-parcel (custom_components/nordic_parcel/api/helthjem.py) ---

// nordicToken is _ensure_token (08503a4): 401 or 403 is CarrierAuthError,
// any other non-200 CarrierApiError; then data["access_token"], a KeyError
// when the answer has no such key.
func nordicToken(a answer) (string, error) {
	switch {
	case a.status == 401 || a.status == 403:
		return "", fmt.Errorf("CarrierAuthError: invalid client credentials")
	case a.status != 200:
		return "", fmt.Errorf("CarrierApiError: token endpoint returned %d", a.status)
	}
	if err := aiohttpJSON(a); err != nil {
		return "", err
	}
	tok, found := obj(a.json())["access_token"].(string)
	if !found {
		return "", fmt.Errorf("KeyError: 'access_token' (the answer has %v)", keys(obj(a.json())))
	}
	return tok, nil
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// aiohttpJSON is ClientResponse.json() without content_type=None: it
// raises ContentTypeError unless the answer's media type is
// application/json.
func aiohttpJSON(a answer) error {
	mt, _, err := mime.ParseMediaType(a.header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return fmt.Errorf("ContentTypeError: %q", a.header.Get("Content-Type"))
	}
	return nil
}

// nordicTracked is what track_shipment makes of an answer.
type nordicTracked struct {
	parcels int
	events  int // events found where the client looks: each parcel's own "events"
}

// nordicTrack is track_shipment (08503a4) after its one retry: 401/403
// CarrierAuthError, 429 CarrierRateLimitError, 404 CarrierNotFoundError,
// any other non-200 CarrierApiError; a list is the parcels (anything else
// one parcel), an empty list CarrierNotFoundError; the events are each
// parcel's top-level "events".
func nordicTrack(a answer) (nordicTracked, error) {
	switch {
	case a.status == 401 || a.status == 403:
		return nordicTracked{}, fmt.Errorf("CarrierAuthError")
	case a.status == 429:
		return nordicTracked{}, fmt.Errorf("CarrierRateLimitError")
	case a.status == 404:
		return nordicTracked{}, fmt.Errorf("CarrierNotFoundError")
	case a.status != 200:
		return nordicTracked{}, fmt.Errorf("CarrierApiError: %d", a.status)
	}
	if err := aiohttpJSON(a); err != nil {
		return nordicTracked{}, err
	}
	v := a.json()
	parcels, isList := v.([]any)
	if !isList {
		parcels = []any{v}
	}
	if len(parcels) == 0 {
		return nordicTracked{}, fmt.Errorf("CarrierNotFoundError: no tracking data")
	}
	var got nordicTracked
	for _, p := range parcels {
		got.parcels++
		got.events += len(list(obj(p)["events"]))
	}
	return got, nil
}
