package contract

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/contract/drifttest"
	"github.com/mockhelthjem/mockhelthjem/internal/label"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
	"github.com/mockhelthjem/mockhelthjem/internal/testtool"
)

// labelSteps' names, as results lists them when every step passed.
func labelsPassed() []string {
	out := []string{"labels/token: passed"}
	for _, st := range labelSteps {
		out = append(out, "labels/"+st.name+": passed")
	}
	return out
}

// TestLabelsFlow: the labels flow passes against the mock, checking what
// it says it checks.
func TestLabelsFlow(t *testing.T) {
	rep, out := run(t, drifttest.Sim(t), flowsOf(FlowLabels))
	if diff := cmp.Diff(labelsPassed(), results(rep)); diff != "" || rep.Failed() || rep.Summary.Warnings != 0 {
		t.Errorf("steps (-want +got):\n%s\n%s", diff, out)
	}
	if s := step(t, rep, "labels/labelless-label"); s.Status != 400 {
		t.Errorf("labelless-label answered %d", s.Status)
	}
	var plan bytes.Buffer
	if err := Execute(context.Background(), Config{DryRun: true, Flows: []string{FlowLabels}}, &plan, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"labels (named with --flows: on Helthjem's API the labels are real documents)\n  token ",
		"  label-pdf                      GET /parcels/v1/labels/{shipmentId}/unified-large, Accept application/pdf: expects 200, a PDF of one 102 × 192 mm page (289 × 544 pt) per item",
	} {
		if !strings.Contains(plan.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, plan.String())
		}
	}
}

// TestFlowsLabelsOnlyWhenNamed: no flows, or "all", runs the default flows;
// labels runs when named, in its place.
func TestFlowsLabelsOnlyWhenNamed(t *testing.T) {
	defaults := []string{FlowHomePickup, FlowServicePoint, FlowNegative, FlowConversion}
	for _, tt := range []struct {
		names []string
		want  []string
	}{
		{nil, defaults},
		{[]string{"all"}, defaults},
		{[]string{"labels"}, []string{FlowLabels}},
		{[]string{"labels", "all"}, append(defaults, FlowLabels)},
		{[]string{"labels", "negative"}, []string{FlowNegative, FlowLabels}},
	} {
		got, err := selectFlows(tt.names)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("flows %q (-want +got):\n%s", tt.names, diff)
		}
	}
	if diff := cmp.Diff(defaults, DefaultFlows()); diff != "" {
		t.Errorf("DefaultFlows (-want +got):\n%s", diff)
	}
}

// fileEdit changes a label answer: status, content type and body.
type fileEdit func(status int, ct string, body []byte) (int, string, []byte)

// rewriteLabels passes label answers to GETs whose Accept is accept ("" for
// all) through edit.
func rewriteLabels(h http.Handler, accept string, edit fileEdit) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/parcels/v1/labels/") || accept != "" && r.Header.Get("Accept") != accept {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		status, ct, body := edit(rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}

// minimalPDF is a PDF of pages pages of w × h pt, the MediaBox on the page
// tree's root, as many writers put it.
func minimalPDF(pages int, w, h float64) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n")
	var kids []string
	for i := 0; i < pages; i++ {
		kids = append(kids, fmt.Sprintf("%d 0 R", 3+i))
	}
	fmt.Fprintf(&b, "2 0 obj << /Type /Pages /Kids [%s] /Count %d /MediaBox [0 0 %g %g] >> endobj\n", strings.Join(kids, " "), pages, w, h)
	for i := 0; i < pages; i++ {
		fmt.Fprintf(&b, "%d 0 obj << /Type /Page /Parent 2 0 R >> endobj\n", 3+i)
	}
	b.WriteString("trailer << /Root 1 0 R >>\n%%EOF\n")
	return b.Bytes()
}

func replaceBody(ct string, body []byte) fileEdit {
	return func(status int, _ string, _ []byte) (int, string, []byte) { return status, ct, body }
}

// TestLabelsDrift: labels that are not what the flow asked for are found,
// named by step and with a message that says what differs.
func TestLabelsDrift(t *testing.T) {
	labelless := func(status int, ct string, body []byte) (int, string, []byte) {
		if status == http.StatusBadRequest {
			return http.StatusOK, mediaPDF, minimalPDF(1, labelWidthPt, labelHeightPt)
		}
		return status, ct, body
	}
	tests := []struct {
		name    string
		h       func(http.Handler) http.Handler
		step    string
		class   Class
		message string // a substring of the step's first finding's message
	}{
		{"A4 pages", func(h http.Handler) http.Handler {
			return rewriteLabels(h, mediaPDF, replaceBody(mediaPDF, minimalPDF(2, 595, 842)))
		}, "labels/label-pdf", BehaviourChanged, `PDF page sizes: want <every page 102 × 192 mm: 289.13 × 544.25 pt ± 1>, got "595.00 × 842.00 pt, 595.00 × 842.00 pt"`},
		{"one page for two items", func(h http.Handler) http.Handler {
			return rewriteLabels(h, mediaPDF, replaceBody(mediaPDF, minimalPDF(1, labelWidthPt, labelHeightPt)))
		}, "labels/label-pdf", BehaviourChanged, "PDF pages: want 2, got 1"},
		{"not a PDF", func(h http.Handler) http.Handler {
			return rewriteLabels(h, mediaPDF, replaceBody(mediaPDF, []byte("<html>label</html>")))
		}, "labels/label-pdf", BehaviourChanged, "PDF pages: want 2, got <unreadable: not a PDF (no %PDF- header)>"},
		{"another documented type", func(h http.Handler) http.Handler {
			return rewriteLabels(h, mediaPDF, replaceBody(mediaPNG, []byte("\x89PNG")))
		}, "labels/label-pdf", BehaviourChanged, `Content-Type: want "application/pdf", got "image/png"`},
		{"an undocumented type", func(h http.Handler) http.Handler {
			return rewriteLabels(h, mediaPDF, replaceBody("application/octet-stream", minimalPDF(2, labelWidthPt, labelHeightPt)))
		}, "labels/label-pdf", TypeChanged, "Content-Type"},
		{"a PNG two labels high for one item", func(h http.Handler) http.Handler {
			var b bytes.Buffer
			if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 816, 2*1536))); err != nil {
				panic(err)
			}
			return rewriteLabels(h, mediaPNG, replaceBody(mediaPNG, b.Bytes()))
		}, "labels/label-png", BehaviourChanged, `PNG size: want <102 × 192 mm wide and high: one label>, got "816 × 3072 px"`},
		{"not a PNG", func(h http.Handler) http.Handler {
			return rewriteLabels(h, mediaPNG, replaceBody(mediaPNG, []byte("GIF89a")))
		}, "labels/label-png", BehaviourChanged, "PNG size: want <102 × 192 mm wide and high: one label>, got <not a PNG"},
		{"one ZPL format for two items", func(h http.Handler) http.Handler {
			return rewriteLabels(h, mediaZPL, replaceBody(mediaZPL, []byte("^XA^FDx^FS^XZ\n")))
		}, "labels/label-zpl", BehaviourChanged, "ZPL formats (^XA…^XZ): want 2, got 1"},
		{"an SVG that is not XML", func(h http.Handler) http.Handler {
			return rewriteLabels(h, mediaSVG, replaceBody(mediaSVG, []byte("<svg")))
		}, "labels/label-svg", BehaviourChanged, `SVG root element: want "svg", got <not XML>`},
		{"a labelless parcel gets a label", func(h http.Handler) http.Handler {
			return rewriteLabels(h, "", labelless)
		}, "labels/labelless-label", BehaviourChanged, "want status 400, got 200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, out := run(t, tt.h(drifttest.Sim(t)), flowsOf(FlowLabels))
			s := step(t, rep, tt.step)
			if s.Result != Failed || len(s.Findings) == 0 {
				t.Fatalf("%s: %s, findings %v\n%s", tt.step, s.Result, s.Findings, out)
			}
			f := s.Findings[0]
			if f.Class != tt.class || f.Path != "$" || !strings.Contains(f.Message, tt.message) {
				t.Errorf("finding %+v, want %s at $ saying %q\n%s", f, tt.class, tt.message, out)
			}
			if rep.Verdict != VerdictDrift {
				t.Errorf("verdict %s, want drift", rep.Verdict)
			}
			// The failing step shows how to fetch the label again, saved
			// to a file rather than printed.
			if strings.HasPrefix(tt.step, "labels/label-") && (!strings.Contains(s.Request.Curl, "-H 'Accept: ") || !strings.Contains(s.Request.Curl, "-o label.")) {
				t.Errorf("curl %s lacks the Accept header or -o", s.Request.Curl)
			}
		})
	}
}

// TestLabelsRetried: a label answered 503 is fetched again, and the step
// passes.
func TestLabelsRetried(t *testing.T) {
	h := drifttest.Unavailable(drifttest.Sim(t), http.StatusServiceUnavailable, 1, drifttest.Path("GET", "/parcels/v1/labels/"), "Retry-After", "1")
	rep, out := run(t, h, flowsOf(FlowLabels))
	s := step(t, rep, "labels/label-pdf")
	if rep.Failed() || s.Result != Passed || len(s.Retries) != 1 || s.Retries[0].Reason != "503 service.unavailable, Retry-After 1s" {
		t.Errorf("%s, retries %+v\n%s", s.Result, s.Retries, out)
	}
}

// recordLabels records the labels flow against h and returns the
// cassette's bytes.
func recordLabels(t *testing.T, h http.Handler) []byte {
	t.Helper()
	srv := drifttest.Serve(t, h)
	path := filepath.Join(t.TempDir(), "labels.json")
	cfg := Config{Target: srv.URL, Flows: []string{FlowLabels}, RecordPath: path, Seed: 1, Version: "test", Now: func() time.Time { return recordedAt }, Sleep: (&sleeper{}).sleep}
	if err := Execute(context.Background(), cfg, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLabelsCassette: a label is recorded as its content type, size and
// digest, never its bytes (a label prints names and addresses); compared,
// only its media type counts.
func TestLabelsCassette(t *testing.T) {
	b := recordLabels(t, drifttest.Sim(t))
	for _, leak := range []string{"Test receiver", "Vækerøveien", "V_C3_A6ker", "%PDF", "PNG", "<svg", "^XA"} {
		if bytes.Contains(b, []byte(leak)) {
			t.Errorf("the cassette holds %q", leak)
		}
	}
	var c Cassette
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, ex := range c.Exchanges {
		if !strings.HasPrefix(ex.Step, "label-") {
			continue
		}
		r := ex.Response
		if r.Body != nil || r.BodyText != "" || r.BodySize == 0 || len(r.BodySHA256) != 64 {
			t.Errorf("%s: body %v, text %q, size %d, digest %q", ex.Step, r.Body, r.BodyText, r.BodySize, r.BodySHA256)
		}
		files[ex.Step] = r.Headers["Content-Type"] + " " + ex.Request.Headers["Accept"]
	}
	want := map[string]string{
		"label-pdf": "application/pdf application/pdf", "label-pdf-item": "application/pdf application/pdf",
		"label-png": "image/png image/png", "label-svg": "image/svg+xml image/svg+xml", "label-zpl": "application/zpl application/zpl",
	}
	if diff := cmp.Diff(want, files); diff != "" {
		t.Errorf("recorded labels (-want +got):\n%s", diff)
	}

	cassette := filepath.Join(t.TempDir(), "labels.json")
	if err := os.WriteFile(cassette, b, 0o644); err != nil {
		t.Fatal(err)
	}
	compare := func(h http.Handler) (*Report, string) {
		return run(t, h, flowsOf(FlowLabels), func(c *Config) { c.ComparePath = cassette })
	}
	// Another run's labels differ in bytes (other ids): no drift.
	rep, out := compare(drifttest.Sim(t, func(o *sim.Options) { o.Seed = 7 }))
	if rep.Failed() || rep.Compare == nil || rep.Compare.Steps != len(labelSteps)+1 {
		t.Errorf("compare with a mock of another seed: %s, %+v\n%s", rep.Verdict, rep.Compare, out)
	}
	// A label in another media type is drift, even where the flow would
	// not look (the cassette has the PNG here).
	rep, out = compare(rewriteLabels(drifttest.Sim(t), mediaPNG, replaceBody(mediaSVG, []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`))))
	s := step(t, rep, "labels/label-png")
	var msgs []string
	for _, f := range s.Findings {
		msgs = append(msgs, f.Message)
	}
	if !strings.Contains(strings.Join(msgs, "\n"), "the cassette has a file of image/png here; the target answers a file of image/svg+xml") {
		t.Errorf("findings %q\n%s", msgs, out)
	}
	// JSON where the cassette has a file (on a 200, conformance reports it
	// first).
	rec := &RecordedResponse{Status: 200, Headers: map[string]string{"Content-Type": mediaZPL}, BodySize: 9, BodySHA256: strings.Repeat("0", 64)}
	got := compareFiles(rec, "application/json; charset=utf-8", &redactor{})
	if len(got) != 1 || got[0].Message != "the cassette has a file of application/zpl here; the target answers application/json" {
		t.Errorf("compareFiles = %+v", got)
	}
	if got := compareFiles(rec, "Application/ZPL", &redactor{}); got != nil {
		t.Errorf("the same media type in another case: %+v", got)
	}
}

// TestPDFPages reads the page sizes of the PDFs writers produce, and
// refuses what is not a page tree.
func TestPDFPages(t *testing.T) {
	deflate := func(s string) []byte {
		var b bytes.Buffer
		zw := zlib.NewWriter(&b)
		io.WriteString(zw, s)
		zw.Close()
		return b.Bytes()
	}
	// PDF 1.5 style: the catalog and the page tree inside a compressed
	// object stream, the MediaBox by reference and on one page itself.
	objs := "<< /Type /Catalog /Pages 2 0 R >> << /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox 5 0 R >> << /Type /Page /Parent 2 0 R >> << /Type /Page /Parent 2 0 R /MediaBox [0 0 100 200] >> [0 0 289.13 544.25]"
	offsets := []int{0}
	for _, end := range []string{">> <<", ">> <<", ">> <<", ">> ["} {
		offsets = append(offsets, strings.Index(objs[offsets[len(offsets)-1]+1:], end)+offsets[len(offsets)-1]+1+3)
	}
	var head []string
	for i, off := range offsets {
		head = append(head, fmt.Sprintf("%d %d", i+1, off))
	}
	header := strings.Join(head, " ") + " "
	stm := deflate(header + objs)
	var objStm bytes.Buffer
	fmt.Fprintf(&objStm, "%%PDF-1.5\n%%\xe2\xe3\xcf\xd3\n6 0 obj\n<< /Type /ObjStm /N 5 /First %d /Filter /FlateDecode /Length %d >>\nstream\n", len(header), len(stm))
	objStm.Write(stm)
	objStm.WriteString("\nendstream\nendobj\n7 0 obj\n<< /Type /XRef /Root 1 0 R /Size 8 >>\nstream\n\x00\x01\nendstream\nendobj\nstartxref\n0\n%%EOF\n")

	tests := []struct {
		name    string
		pdf     []byte
		want    []pdfPage
		wantErr string
	}{
		{"inherited MediaBox", minimalPDF(3, 289.13, 544.25), []pdfPage{{289.13, 544.25}, {289.13, 544.25}, {289.13, 544.25}}, ""},
		{"object stream", objStm.Bytes(), []pdfPage{{289.13, 544.25}, {100, 200}}, ""},
		{"not a PDF", []byte("<html>"), nil, "not a PDF"},
		{"no root", []byte("%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n"), nil, "no /Root"},
		{"a loop", []byte("%PDF-1.4\n1 0 obj << /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [2 0 R 2 0 R] >> endobj\ntrailer << /Root 1 0 R >>"), nil, "loop"},
		{"a page without MediaBox", []byte("%PDF-1.4\n1 0 obj << /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] >> endobj\n3 0 obj << /Type /Page >> endobj\ntrailer << /Root 1 0 R >>"), nil, "no MediaBox"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pdfPages(tt.pdf)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPDFPagesOfTheMock reads the mock's own labels: one 102 × 192 mm page
// per item.
func TestPDFPagesOfTheMock(t *testing.T) {
	rep, out := run(t, drifttest.Sim(t), flowsOf(FlowLabels), func(c *Config) {
		c.Transport = observe(func(req *http.Request, res *http.Response, body []byte) {
			if res.Header.Get("Content-Type") != mediaPDF {
				return
			}
			pages, err := pdfPages(body)
			if err != nil || len(pages) == 0 {
				t.Errorf("%s: %v", req.URL.Path, err)
			}
			for _, p := range pages {
				if fmt.Sprintf("%.2f × %.2f", p.W, p.H) != "289.13 × 544.25" {
					t.Errorf("%s: a page of %.2f × %.2f pt", req.URL.Path, p.W, p.H)
				}
			}
		})
	})
	if rep.Failed() {
		t.Error(out)
	}
}

// observe is a transport that shows each answer, body read, to fn.
type observe func(*http.Request, *http.Response, []byte)

func (o observe) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	o(req, res, body)
	res.Body = io.NopCloser(bytes.NewReader(body))
	return res, nil
}

// TestPDFPagesOfCairo reads a label PDF as another writer writes it: the
// mock's two-page label rewritten by cairo (poppler's pdftocairo), with
// its own object layout.
func TestPDFPagesOfCairo(t *testing.T) {
	pdftocairo := testtool.Require(t, "pdftocairo", "apt-get install poppler-utils")
	l := label.Label{ShipmentID: "(401)70724763469418088", SSCC: "(00)370724763469418096", ItemNumber: 1, ItemCount: 2}
	l2 := l
	l2.ItemNumber, l2.SSCC = 2, "(00)370724763469418102"
	pdf, err := label.Render(label.PDF, []label.Label{l, l2}, label.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(pdftocairo, "-pdf", in, out).CombinedOutput(); err != nil {
		t.Fatalf("pdftocairo: %v\n%s", err, b)
	}
	cairo, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := pdfPages(cairo)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pages {
		got = append(got, fmt.Sprintf("%.0f × %.0f", p.W, p.H))
	}
	if diff := cmp.Diff([]string{"289 × 544", "289 × 544"}, got); diff != "" {
		t.Errorf("pages of the cairo PDF (-want +got):\n%s", diff)
	}
}

// FuzzPDFPages: any bytes give pages or an error, never a panic or a hang.
func FuzzPDFPages(f *testing.F) {
	f.Add(minimalPDF(2, labelWidthPt, labelHeightPt))
	f.Add([]byte("%PDF-1.5\n1 0 obj << /Type /ObjStm /N 2 /First 99 >>\nstream\nx\nendstream\nendobj\ntrailer << /Root 1 0 R >>"))
	f.Add([]byte("%PDF-1.4\n1 0 obj << /Pages 1 0 R /Type /Pages /Kids [1 0 R] >> endobj trailer << /Root 1 0 R >>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		pages, err := pdfPages(b)
		for _, p := range pages {
			if err == nil && (math.IsNaN(p.W) || math.IsNaN(p.H)) {
				t.Fatalf("a page of NaN size: %+v", pages)
			}
		}
	})
}
