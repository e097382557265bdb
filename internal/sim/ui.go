package sim

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
)

// The dashboard, /__sim/ui: server-rendered HTML of the simulator's state
// (the clock, orders, one parcel's timeline, fault rules, recent requests)
// with forms that act through the control plane's own operations. Its
// routes are in spec/sim.yaml like every other; its forms post
// application/x-www-form-urlencoded, which formBody turns into the JSON
// object of their fields, so that they are validated like any body. An
// action builds the JSON body of the control-plane operation it stands for
// (setClock, createFault, clearFaults, populate) and runs it with invoke:
// the same validation, handler and records as a request to that operation.
//
// With an admin token, the dashboard wants a session cookie, which the
// login form sets for the right token (HttpOnly, SameSite=Strict; its
// value is derived from the token, not the token itself), or the token as
// a bearer token. Every form post must come from the dashboard's own
// origin (Origin, else Referer): with SameSite=Strict that keeps other
// sites' pages from acting through a logged-in browser, also when no token
// is set. Pages carry a Content-Security-Policy that allows no script, no
// frame and nothing from elsewhere; html/template escapes every value.

//go:embed ui/*.tmpl ui/*.css
var uiFiles embed.FS

// uiOps are the dashboard's operations: they check the session themselves
// (serve.go's run skips the bearer check for them) and take forms.
var uiOps = map[string]bool{
	"uiRedirect": true, "getUI": true, "getUILogin": true, "uiLogin": true, "uiLogout": true,
	"uiClock": true, "uiAddFault": true, "uiClearFaults": true, "uiPopulate": true, "getUILabel": true,
}

const (
	uiPath        = "/__sim/ui"
	uiLoginPath   = "/__sim/ui/login"
	uiCookie      = "mockhelthjem_session"
	uiMaxOrders   = 100 // orders listed, newest first
	uiMaxRequests = 50  // requests listed, newest first
)

var (
	uiCSS = mustRead("ui/style.css")
	// uiTmpl parses the templates at the dashboard's first page, not at
	// every start of the mock.
	uiTmpl = sync.OnceValue(func() *template.Template {
		return template.Must(template.New("").Funcs(template.FuncMap{
			"css":     func() template.CSS { return template.CSS(uiCSS) },
			"failed":  func(status int) bool { return status == 0 || status >= 400 },
			"lower":   strings.ToLower,
			"add":     func(a, b int) int { return a + b },
			"orDash":  orDash,
			"seconds": func(ms float64) string { return strconv.FormatFloat(ms, 'f', 1, 64) },
		}).ParseFS(uiFiles, "ui/*.tmpl"))
	})
	// uiCSP allows the embedded style sheet and nothing else: no script,
	// no frame, nothing from another origin, forms only to this one.
	uiCSP = func() string {
		sum := sha256.Sum256([]byte(uiCSS))
		return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
			"'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	}()
)

func mustRead(name string) string {
	b, err := uiFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// formBody turns the body of a form post
// (application/x-www-form-urlencoded) into the JSON object of its fields,
// each a string; a field given twice is refused. A body that is JSON
// already (curl -d '{…}' also says form-urlencoded) is left as it is.
func formBody(r *http.Request, raw []byte) ([]byte, *apierror.Error) {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	if !strings.EqualFold(strings.TrimSpace(ct), "application/x-www-form-urlencoded") || bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		return raw, nil
	}
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil, apierror.New(http.StatusBadRequest, errorkey.ParseFailed, "the form is not valid URL encoding").
			WithField("body", "is not valid URL encoding")
	}
	fields := make(map[string]string, len(form))
	for k, vs := range form {
		if len(vs) != 1 {
			return nil, apierror.New(http.StatusBadRequest, errorkey.InvalidRequest, "a form field is given more than once").
				WithField("body", "has a field given more than once") // never the field's name: the client chose it
		}
		fields[k] = vs[0]
	}
	b, _ := json.Marshal(fields) // strings only
	return b, nil
}

// session is the cookie value that proves the admin token: an HMAC of it
// under the simulator's signing key, so the cookie does not carry the
// token and a stolen cookie does not reveal it.
func (s *Server) session() string {
	m := hmac.New(sha256.New, s.jwtKey)
	m.Write([]byte("mockhelthjem dashboard session\x00" + s.opts.AdminToken))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// uiAllowed reports whether the request may see the dashboard: no admin
// token is set, or it carries the session cookie, or the token as every
// other /__sim/ operation takes it (checkAdmin: a bearer token or
// X-Sim-Admin-Token).
func (s *Server) uiAllowed(r *http.Request) bool {
	if s.opts.AdminToken == "" {
		return true
	}
	if ck, err := r.Cookie(uiCookie); err == nil && subtle.ConstantTimeCompare([]byte(ck.Value), []byte(s.session())) == 1 {
		return true
	}
	return checkAdmin(r, s.opts.AdminToken, true) == nil
}

// sameOrigin reports whether a form post comes from this server's own
// pages: its Origin, or when there is none its Referer, names the host the
// request was sent to, as checkSite compares it. The scheme is not
// compared: behind a reverse proxy that ends TLS the browser says https
// and the mock sees plain HTTP (the session cookie is SameSite=Strict, and
// the host is what another site cannot forge). A post with neither header
// is refused.
func sameOrigin(r *http.Request) bool {
	src := r.Header.Get("Origin")
	if src == "" || src == "null" {
		src = r.Header.Get("Referer")
	}
	u, err := url.Parse(src)
	if src == "" || err != nil || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// marshalForm is a dashboard action's JSON body. The forms hold strings
// and checked numbers, so a failure is the dashboard's bug, answered as
// one rather than as a missing body.
func marshalForm(body any) ([]byte, *apierror.Error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, apierror.New(http.StatusInternalServerError, apierror.KeyInternal, "the dashboard could not encode its form")
	}
	return b, nil
}

// see is a 303 to path.
func see(path string, header http.Header) result {
	if header == nil {
		header = http.Header{}
	}
	header.Set("Location", path)
	return result{status: http.StatusSeeOther, raw: []byte{}, contentType: "text/html; charset=utf-8", header: header}
}

// html renders a template of ui/ as the answer.
func html(status int, name string, data any) (result, *apierror.Error) {
	var b bytes.Buffer
	if err := uiTmpl().ExecuteTemplate(&b, name, data); err != nil {
		return result{}, apierror.New(http.StatusInternalServerError, errorkey.InternalError, "the dashboard could not be rendered")
	}
	h := http.Header{}
	h.Set("Content-Security-Policy", uiCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	return result{status: status, raw: b.Bytes(), contentType: "text/html; charset=utf-8", header: h}, nil
}

// uiError is an error a page shows.
type uiError struct {
	Status  int
	Key     string
	Message string
	Fields  []string // "field: reason"
}

func uiErrorOf(aerr *apierror.Error) *uiError {
	e := &uiError{Status: aerr.Status, Key: aerr.Key, Message: aerr.Message}
	for k, v := range aerr.Fields {
		e.Fields = append(e.Fields, k+": "+v)
	}
	slices.Sort(e.Fields)
	return e
}

// uiRedirect is GET /__sim and /__sim/.
func uiRedirect(s *Server, c *call) (result, *apierror.Error) {
	return see(uiPath, nil), nil
}

// getUILogin is GET /__sim/ui/login.
func getUILogin(s *Server, c *call) (result, *apierror.Error) {
	if s.opts.AdminToken == "" {
		return see(uiPath, nil), nil
	}
	return html(http.StatusOK, "login", loginPage{})
}

type loginPage struct{ Error *uiError }

// uiLogin is POST /__sim/ui/login: the admin token, once, for a session
// cookie.
func uiLogin(s *Server, c *call) (result, *apierror.Error) {
	if !sameOrigin(c.r) {
		return crossSite()
	}
	var form struct {
		Token string `json:"token"`
	}
	if aerr := decode(c.body, &form); aerr != nil {
		return result{}, aerr
	}
	if s.opts.AdminToken == "" {
		return see(uiPath, nil), nil
	}
	if subtle.ConstantTimeCompare([]byte(form.Token), []byte(s.opts.AdminToken)) != 1 {
		return html(http.StatusForbidden, "login", loginPage{Error: &uiError{Status: http.StatusForbidden, Key: errorkey.AuthenticationInvalid, Message: "wrong admin token"}})
	}
	h := http.Header{}
	h.Add("Set-Cookie", (&http.Cookie{Name: uiCookie, Value: s.session(), Path: "/__sim/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.r.TLS != nil}).String())
	return see(uiPath, h), nil
}

// uiLogout is POST /__sim/ui/logout: the session cookie is removed.
func uiLogout(s *Server, c *call) (result, *apierror.Error) {
	if !sameOrigin(c.r) {
		return crossSite()
	}
	h := http.Header{}
	h.Add("Set-Cookie", (&http.Cookie{Name: uiCookie, Value: "", Path: "/__sim/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.r.TLS != nil}).String())
	return see(uiLoginPath, h), nil
}

func crossSite() (result, *apierror.Error) {
	return html(http.StatusForbidden, "error", errorPage{Error: &uiError{Status: http.StatusForbidden,
		Message: "the dashboard takes form posts only from its own pages (the Origin or Referer header must name this server)"}})
}

type errorPage struct{ Error *uiError }

// uiAction runs a form post: the origin and session are checked, then act
// builds the control-plane request; a refusal is shown on the dashboard.
func (s *Server) uiAction(c *call, act func() (method, path string, body any, aerr *apierror.Error)) (result, *apierror.Error) {
	if !sameOrigin(c.r) {
		return crossSite()
	}
	if !s.uiAllowed(c.r) {
		return see(uiLoginPath, nil), nil
	}
	method, path, body, aerr := act()
	if aerr == nil {
		var b []byte
		if b, aerr = marshalForm(body); aerr == nil {
			_, aerr = s.invoke(c.r.Context(), s.ctl, method, path, b, fixture.Client{}, s.Now())
		}
	}
	if aerr != nil {
		return s.dashboard(c, aerr.Status, uiErrorOf(aerr))
	}
	return see(uiPath, nil), nil
}

// uiClock is POST /__sim/ui/clock: setClock with set (RFC 3339, or a
// datetime-local value in Norwegian time) or advance.
func uiClock(s *Server, c *call) (result, *apierror.Error) {
	return s.uiAction(c, func() (string, string, any, *apierror.Error) {
		var form struct {
			Set     string `json:"set"`
			Advance string `json:"advance"`
		}
		if aerr := decode(c.body, &form); aerr != nil {
			return "", "", nil, aerr
		}
		body := map[string]string{}
		if form.Advance != "" {
			body["advance"] = form.Advance
		}
		if form.Set != "" {
			body["set"] = form.Set
			for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
				if t, err := time.ParseInLocation(layout, form.Set, s.oslo); err == nil {
					body["set"] = t.Format(time.RFC3339)
				}
			}
		}
		return http.MethodPost, "/__sim/clock", body, nil
	})
}

// uiAddFault is POST /__sim/ui/faults: createFault.
func uiAddFault(s *Server, c *call) (result, *apierror.Error) {
	return s.uiAction(c, func() (string, string, any, *apierror.Error) {
		var form struct {
			Operation   string `json:"operation"`
			ClientID    string `json:"clientId"`
			Fault       string `json:"fault"`
			Times       string `json:"times"`
			Probability string `json:"probability"`
		}
		if aerr := decode(c.body, &form); aerr != nil {
			return "", "", nil, aerr
		}
		body := map[string]any{"operation": form.Operation, "fault": form.Fault}
		if form.ClientID != "" {
			body["clientId"] = form.ClientID
		}
		if form.Times != "" {
			n, err := strconv.Atoi(form.Times)
			if err != nil {
				return "", "", nil, formError("times", "must be a whole number")
			}
			body["times"] = n
		}
		if form.Probability != "" {
			// ParseFloat takes NaN and Inf, which JSON cannot carry.
			p, err := strconv.ParseFloat(form.Probability, 64)
			if err != nil || math.IsNaN(p) || p < 0 || p > 1 {
				return "", "", nil, formError("probability", "must be a number from 0 to 1")
			}
			body["probability"] = p
		}
		return http.MethodPost, "/__sim/faults", body, nil
	})
}

// uiClearFaults is POST /__sim/ui/faults/clear: clearFaults.
func uiClearFaults(s *Server, c *call) (result, *apierror.Error) {
	return s.uiAction(c, func() (string, string, any, *apierror.Error) {
		return http.MethodDelete, "/__sim/faults", nil, nil
	})
}

// uiPopulate is POST /__sim/ui/populate: populate.
func uiPopulate(s *Server, c *call) (result, *apierror.Error) {
	return s.uiAction(c, func() (string, string, any, *apierror.Error) {
		var form struct {
			Orders string `json:"orders"`
		}
		if aerr := decode(c.body, &form); aerr != nil {
			return "", "", nil, aerr
		}
		n, err := strconv.Atoi(form.Orders)
		if err != nil {
			return "", "", nil, formError("orders", "must be a whole number")
		}
		return http.MethodPost, "/__sim/populate", map[string]int{"orders": n}, nil
	})
}

func formError(field, reason string) *apierror.Error {
	return apierror.New(http.StatusBadRequest, errorkey.InvalidRequest, "the form has a bad value").WithField(field, reason)
}

// getUI is GET /__sim/ui[?order=orderId].
func getUI(s *Server, c *call) (result, *apierror.Error) {
	if !s.uiAllowed(c.r) {
		return see(uiLoginPath, nil), nil
	}
	return s.dashboard(c, http.StatusOK, nil)
}

// dashboardPage is what the dashboard shows.
type dashboardPage struct {
	Seed       uint64
	Now        string
	Start      string
	Frozen     bool
	SetValue   string // the set field's default: now, as datetime-local
	Orders     []uiOrder
	Total      int
	Timeline   *uiTimeline
	Label      *uiLabel // nil: no order has a label
	Rules      []uiRule
	Requests   []uiRequest
	Operations []string
	Clients    []string
	Error      *uiError
	Session    bool // logged in with a cookie: offer to log out
}

type uiOrder struct {
	orderSummary
	Booked      string
	ReturnCodes string
	Selected    bool
}

type uiLabel struct {
	OrderID  int64
	TS       int
	Selected bool // the selected order's own label
}

func parseOrderID(v string) (int64, error) { return strconv.ParseInt(v, 10, 64) }

type uiTimeline struct {
	Orders []uiTimelineOrder
}

type uiTimelineOrder struct {
	OrderID    int64
	ShipmentID string
	FP         int
	Status     string
	Events     []uiEvent
}

type uiEvent struct {
	Time, APIKey, Status, Text, ServicePointID string
	Done                                       bool
}

// uiRule is a fault rule as GET /__sim/faults answers it.
type uiRule struct {
	ID          int      `json:"id"`
	Operation   string   `json:"operation"`
	ClientID    string   `json:"clientId"`
	Fault       string   `json:"fault"`
	Times       *int     `json:"times"`
	Probability *float64 `json:"probability"`
	Hits        int      `json:"hits"`
}

// uiRequest is a journal entry as GET /__sim/requests answers it.
type uiRequest struct {
	Seq        int64     `json:"seq"`
	SimTime    time.Time `json:"simTime"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Operation  string    `json:"operation"`
	Status     int       `json:"status"`
	ClientID   string    `json:"clientId"`
	DurationMS float64   `json:"durationMs"`
	Fault      string    `json:"fault"`
	ErrorKey   string    `json:"errorKey"`
	When       string    `json:"-"`
}

const uiTime = "2006-01-02 15:04"

// dashboard renders the dashboard with status and an optional error. It
// reads through the control plane's operations (getClock, listFaults,
// listRequests) and summaries (/__sim/state's), so it shows what they
// answer.
func (s *Server) dashboard(c *call, status int, uerr *uiError) (result, *apierror.Error) {
	ctx := c.r.Context()
	p := dashboardPage{Seed: s.seed, Error: uerr, Operations: append([]string{"*"}, s.api.OperationIDs()...)}
	p.Session = s.opts.AdminToken != ""
	for _, cl := range s.fx.Clients {
		p.Clients = append(p.Clients, cl.ID)
	}
	slices.Sort(p.Operations[1:])
	var cr struct {
		Now    time.Time `json:"now"`
		Start  time.Time `json:"start"`
		Frozen bool      `json:"frozen"`
	}
	if aerr := s.controlJSON(ctx, "/__sim/clock", &cr); aerr != nil {
		return result{}, aerr
	}
	p.Now, p.Start, p.Frozen = cr.Now.In(s.oslo).Format(uiTime), cr.Start.In(s.oslo).Format(uiTime), cr.Frozen
	p.SetValue = cr.Now.In(s.oslo).Format("2006-01-02T15:04")

	// The newest orders as /__sim/state summarises them, without
	// summarising the others (there may be 100 000).
	s.mu.Lock()
	now := s.st.clock.now()
	p.Total = len(s.st.orders)
	orders := make([]orderSummary, 0, min(p.Total, uiMaxOrders))
	for i := p.Total - 1; i >= 0 && len(orders) < uiMaxOrders; i-- {
		orders = append(orders, s.st.summary(s.st.orders[i], now))
	}
	s.mu.Unlock()
	var selected int64
	if v := c.r.URL.Query().Get("order"); v != "" {
		selected, _ = parseOrderID(v) // the spec has checked it
	} else if len(orders) > 0 {
		selected = orders[0].OrderID
	}
	for _, o := range orders {
		var codes []string
		for _, it := range o.Items {
			if it.ReturnCode != nil {
				codes = append(codes, *it.ReturnCode)
			}
		}
		p.Orders = append(p.Orders, uiOrder{orderSummary: o, Booked: o.BookedAt.In(s.oslo).Format(uiTime),
			ReturnCodes: strings.Join(slices.Compact(codes), " "), Selected: o.OrderID == selected})
	}
	p.Timeline = s.timeline(selected)
	if id, ts, ok := s.labelPreview(selected); ok {
		p.Label = &uiLabel{OrderID: id, TS: ts, Selected: id == selected}
	}

	var rules struct {
		Rules []uiRule `json:"rules"`
	}
	if aerr := s.controlJSON(ctx, "/__sim/faults", &rules); aerr != nil {
		return result{}, aerr
	}
	p.Rules = rules.Rules
	var rr struct {
		Requests []uiRequest `json:"requests"`
	}
	if aerr := s.controlJSON(ctx, "/__sim/requests?limit="+strconv.Itoa(uiMaxRequests), &rr); aerr != nil {
		return result{}, aerr
	}
	for i := range rr.Requests {
		rr.Requests[i].When = rr.Requests[i].SimTime.In(s.oslo).Format("01-02 15:04:05")
	}
	p.Requests = rr.Requests
	return html(status, "dashboard", p)
}

// controlJSON runs the control plane's GET path and decodes its answer
// into out: the page shows what the control plane answers, in its names.
func (s *Server) controlJSON(ctx context.Context, path string, out any) *apierror.Error {
	res, aerr := s.invoke(ctx, s.ctl, http.MethodGet, path, nil, fixture.Client{}, s.Now())
	if aerr != nil {
		return aerr
	}
	b := res.raw
	if b == nil {
		b, _ = json.Marshal(res.body)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return apierror.Newf(http.StatusInternalServerError, errorkey.InternalError, "the dashboard could not read %s", path)
	}
	return nil
}

// timeline is the journey of the order orderID: each of its orders with
// every event, those still to come too.
func (s *Server) timeline(orderID int64) *uiTimeline {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.byOrderID(orderID)
	if o == nil {
		return nil
	}
	now := s.st.clock.now()
	tl := &uiTimeline{}
	for _, o := range s.st.journey(o) {
		to := uiTimelineOrder{OrderID: o.OrderID, ShipmentID: o.ShipmentID, FP: int(o.FP), Status: o.status(now)}
		for _, e := range o.Events {
			info := eventInfo[e.Kind()]
			to.Events = append(to.Events, uiEvent{Time: e.At().In(s.oslo).Format(uiTime), APIKey: info.apiKey, Status: info.status,
				Text: info.en, ServicePointID: e.ServicePointID, Done: !e.At().After(now)})
		}
		tl.Orders = append(tl.Orders, to)
	}
	return tl
}
