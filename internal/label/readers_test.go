package label

// The tests in this file hand the labels to real readers: zbarimg (Debian's
// zbar-tools) decodes the barcodes, pdfinfo, pdftotext and pdftoppm
// (poppler-utils) read the PDF, headless Debian chromium (driven with
// chromedp) renders the SVG, and zpl-renderer-js (the npm build of
// ingridhq/zebrash, a ZPL renderer) rasterizes the ZPL. .ci/run installs
// them all. Locally a test whose tool is missing skips with the install
// command; under CI=true it fails.

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/testtool"
)

// run runs a command and returns its standard output, failing the test
// with its standard error.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// zbarXML decodes every barcode in the PNG file at path with zbarimg and
// returns its XML report.
func zbarXML(t *testing.T, path string) string {
	t.Helper()
	zbarimg := testtool.Require(t, "zbarimg", "apt-get install zbar-tools")
	return run(t, zbarimg, "--nodbus", "--xml", "-q", path)
}

// zbarSymbol matches one symbol of zbar's XML report: its type, its
// modifiers (GS1 when the first character after Start was FNC1) and data.
var (
	zbarSymbol    = regexp.MustCompile(`<symbol type='([^']*)'([^>]*)><data><!\[CDATA\[([^\]]*)\]\]></data>`)
	zbarModifiers = regexp.MustCompile(`modifiers='([^']*)'`)
)

// checkDecoded asserts that the image at path holds exactly the labels'
// barcodes, each a GS1-128 symbol of "00" and the SSCC: zbar reports
// CODE-128 with the GS1 modifier and the data "00370724763469418096".
func checkDecoded(t *testing.T, path string, labels []Label) {
	t.Helper()
	var want []string
	for _, l := range labels {
		want = append(want, "CODE-128 GS1 00"+strings.TrimPrefix(l.SSCC, "(00)"))
	}
	slices.Sort(want)
	report := zbarXML(t, path)
	var got []string
	for _, m := range zbarSymbol.FindAllStringSubmatch(report, -1) {
		mods := ""
		if mm := zbarModifiers.FindStringSubmatch(m[2]); mm != nil {
			mods = mm[1]
		}
		got = append(got, m[1]+" "+mods+" "+m[3])
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("zbarimg --xml of %s (-want +got):\n%s\n%s", filepath.Base(path), diff, report)
	}
}

// TestZbarRaw pins what an integrator's scanner pipeline gets from
// `zbarimg --raw -q` for the sample label: the element string "00" + SSCC
// without parentheses or symbology identifier (zbar strips the leading
// FNC1 and reports it only as the GS1 modifier in --xml).
func TestZbarRaw(t *testing.T) {
	t.Parallel()
	zbarimg := testtool.Require(t, "zbarimg", "apt-get install zbar-tools")
	out, err := Render(PNG, []Label{sample()}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := run(t, zbarimg, "--nodbus", "--raw", "-q", write(t, "label.png", out)), "00370724763469418096\n"; got != want {
		t.Errorf("zbarimg --raw -q = %q, want %q", got, want)
	}
}

// write saves b in the test's temporary directory.
func write(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPNGScans(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		labels []Label
		dpi    int
	}{
		{"sample 203 dpi", []Label{sample()}, 0},
		{"sample 300 dpi", []Label{sample()}, 300},
		{"three-item strip", sampleItems(3), 203},
		{"hostile text", []Label{hostile()}, 203},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := Render(PNG, tt.labels, Options{DPI: tt.dpi})
			if err != nil {
				t.Fatal(err)
			}
			checkDecoded(t, write(t, "label.png", out), tt.labels)
		})
	}
}

func TestPDFReaders(t *testing.T) {
	t.Parallel()
	pdfinfo := testtool.Require(t, "pdfinfo", "apt-get install poppler-utils")
	labels := sampleItems(3)
	labels[1] = hostile()
	labels[1].ItemNumber, labels[1].ItemCount, labels[1].SSCC = 2, 3, sampleItems(2)[1].SSCC
	out, err := Render(PDF, labels, Options{})
	if err != nil {
		t.Fatal(err)
	}
	path := write(t, "label.pdf", out)

	info := run(t, pdfinfo, "-f", "1", "-l", "3", path)
	var got []string
	for _, line := range strings.Split(info, "\n") {
		if strings.HasPrefix(line, "Pages:") || strings.HasPrefix(line, "Page ") && strings.Contains(line, "size:") ||
			strings.HasPrefix(line, "CreationDate:") {
			got = append(got, strings.Join(strings.Fields(line), " "))
		}
	}
	want := []string{
		"CreationDate: Tue Jun 16 08:00:00 2026 UTC",
		"Pages: 3",
		"Page 1 size: 289.13 x 544.25 pts",
		"Page 2 size: 289.13 x 544.25 pts",
		"Page 3 size: 289.13 x 544.25 pts",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pdfinfo (-want +got):\n%s\n%s", diff, info)
	}

	// The text a reader extracts, Norwegian letters and markup intact.
	text := run(t, testtool.Require(t, "pdftotext", "apt-get install poppler-utils"), path, "-")
	for _, want := range []string{"Kristian Voie Danielsen", "Vækerøveien 164d", "0751 OSLO", `Æ<&>^~_"' øå "Sender" ^XZ~JA`, `Back\&slash\(`, "(00) 3 7072476 346941809 6"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q:\n%s", want, text)
		}
	}

	// Each page's barcode, rasterized at 300 dpi.
	pdftoppm := testtool.Require(t, "pdftoppm", "apt-get install poppler-utils")
	dir := t.TempDir()
	run(t, pdftoppm, "-r", "300", "-png", path, filepath.Join(dir, "page"))
	pages, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	slices.Sort(pages)
	if len(pages) != len(labels) {
		t.Fatalf("pdftoppm wrote %d pages, want %d", len(pages), len(labels))
	}
	for i, page := range pages {
		checkDecoded(t, page, labels[i:i+1])
	}
}

// TestSVGInChromium loads the SVG in headless Debian chromium, takes a
// screenshot at 8 device pixels per mm and decodes its barcode.
func TestSVGInChromium(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a browser; skipped with -short")
	}
	testtool.Require(t, "zbarimg", "apt-get install zbar-tools")
	labels := []Label{hostile()}
	svg, err := Render(SVG, labels, Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", SVG.MediaType())
		w.Write(svg)
	}))
	defer srv.Close()

	browser := testtool.Browser(t, 60*time.Second)

	// 102 × 192 mm is 385.5 × 725.7 CSS px; a device scale of 8 px/mm
	// over 96/25.4 px/mm gives 816 × 1536 device px, 4 px a module.
	const scale = 8 * 25.4 / 96
	err = chromedp.Do(browser,
		chromedp.EmulateViewport(386, 726, chromedp.EmulateScale(scale)),
		chromedp.Navigate(srv.URL+"/label.svg"),
	)
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	shot, err := chromedp.Run(browser, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	path := write(t, "chromium.png", shot)
	checkDecoded(t, path, labels)
	if testing.Verbose() {
		t.Logf("chromium screenshot: %s", path)
	}
}

// TestZPLRenders rasterizes the ZPL with zpl-renderer-js and decodes it.
// LABEL_ZPL_RENDERER names a directory where `npm install
// zpl-renderer-js@3.4.0` ran (.ci/run sets it up). There is no Zebra
// printer here, and Labelary is a web service; zebrash is an independent
// renderer that implements ^BC's subset and FNC1 invocation codes.
func TestZPLRenders(t *testing.T) {
	t.Parallel()
	node := testtool.Require(t, "node", "apt-get install nodejs")
	dir := os.Getenv("LABEL_ZPL_RENDERER")
	if dir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("LABEL_ZPL_RENDERER is not set; .ci/run installs zpl-renderer-js and sets it")
		}
		t.Skip("LABEL_ZPL_RENDERER is not set, skipping the ZPL rendering check " +
			"(npm install --prefix DIR zpl-renderer-js@3.4.0, then LABEL_ZPL_RENDERER=DIR)")
	}
	script, err := filepath.Abs("testdata/render-zpl.cjs")
	if err != nil {
		t.Fatal(err)
	}
	type job struct {
		labels []Label
		dpi    int
		dpmm   string
		out    string
	}
	jobs := []*job{
		{labels: sampleItems(2), dpi: 203, dpmm: "8"},
		{labels: []Label{hostile()}, dpi: 300, dpmm: "12"},
	}
	args := []string{script, "102", "192"}
	for i, j := range jobs {
		zpl, err := Render(ZPL, j.labels, Options{DPI: j.dpi})
		if err != nil {
			t.Fatal(err)
		}
		in := write(t, "label.zpl", zpl)
		j.out = filepath.Join(filepath.Dir(in), "zpl"+strconv.Itoa(i))
		args = append(args, in+":"+j.out+":"+j.dpmm)
	}
	// One node process for all jobs: loading the 8 MB WebAssembly module
	// is most of the time.
	cmd := exec.Command(node, args...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("zpl-renderer-js: %v\n%s", err, b)
	}
	for _, j := range jobs {
		for i := range j.labels {
			checkDecoded(t, j.out+"-"+strconv.Itoa(i+1)+".png", j.labels[i:i+1])
		}
	}
}
