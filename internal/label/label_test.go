package label

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/ids"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden and testdata/sample.png")

// sample is the guide-style B2C booking: TS 1 from a web shop to the C2C
// guide's receiver, with the guide's SSCC and shipmentId.
func sample() Label {
	return Label{
		Sender:             Party{Name: "Testbutikken Helthjem", Address: "Herslebs gate 2F", PostalCode: "0561", Place: "Oslo", CountryCode: "NO"},
		Receiver:           Party{Name: "Kristian Voie Danielsen", Address: "Vækerøveien 164d", PostalCode: "0751", Place: "Oslo", CountryCode: "NO"},
		ServicePoint:       Party{Name: "Joker Trondheimsveien", Address: "Trondheimsveien 2", PostalCode: "0560", Place: "Oslo"},
		ServiceName:        "Levert hjem",
		FreightProductID:   1,
		FreightProductName: "Helthjem hjemlevering",
		WeightGrams:        1000,
		Routing: Routing{Routing: "312-7", RoutingDetailed: "312", MainCarNumber: "312",
			DeliveryPointCarID: "4821", TransportNetID: "223", RouteAddress: "Trondheimsveien 2"},
		ShipmentID: "(401)70724763469418088",
		OrderID:    227218839,
		BookedAt:   time.Date(2026, 6, 16, 10, 0, 0, 0, time.FixedZone("CEST", 2*3600)),
		ItemNumber: 1,
		ItemCount:  1,
		SSCC:       "(00)370724763469418096",
	}
}

// sampleItems is the sample parcel with n items, SSCCs from serial
// 346941809 on.
func sampleItems(n int) []Label {
	out := make([]Label, n)
	for i := range out {
		sscc, err := ids.SSCC(346941809 + uint64(i))
		if err != nil {
			panic(err)
		}
		out[i] = sample()
		out[i].ItemNumber, out[i].ItemCount = i+1, n
		out[i].SSCC = sscc
	}
	return out
}

// hostile is a label whose every text is too long or full of characters
// that each format must escape.
func hostile() Label {
	l := sample()
	long := strings.Repeat("Bjørnstjerne Bjørnson Ærlighetsvarer ", 6)
	l.Sender = Party{Name: `Æ<&>^~_"' øå "Sender" ^XZ~JA`, CoAddress: long, Address: long, PostalCode: "0561", Place: long}
	l.Receiver = Party{Name: "Ærlige Øystein <script>&amp;</script> ^FS^XZ ~JR " + long, CoAddress: "c/o\tline\nbreak\x00\u202e", Address: long, PostalCode: "0751", Place: "Å" + long, CountryCode: "se"}
	l.ServicePoint = Party{Name: long}
	l.ServiceName, l.FreightProductName = `Back\&slash\(`, long
	l.Routing = Routing{Routing: "9999-99999-9999", RoutingDetailed: long, MainCarNumber: long, DeliveryPointCarID: long, TransportNetID: long, RouteAddress: long}
	l.ShipmentID = "client-chosen-" + strings.Repeat("X", 40)
	l.OrderID = 9223372036854775807
	l.WeightGrams = 123456789
	return l
}

func TestEncodeSSCCIsGS1(t *testing.T) {
	sym, err := encodeSSCC("370724763469418096")
	if err != nil {
		t.Fatal(err)
	}
	bits := func(s string) []bool {
		out := make([]bool, len(s))
		for i, c := range s {
			out[i] = c == '1'
		}
		return out
	}
	// Code 128: Start C is value 105, FNC1 value 102, Stop 106 (13 modules).
	startC, fnc1, stop := bits("11010011100"), bits("11110101110"), bits("1100011101011")
	m := sym.modules
	if len(m) != 156 {
		t.Fatalf("symbol has %d modules, want 156 (start, FNC1, 10 pairs, check, stop)", len(m))
	}
	if diff := cmp.Diff(startC, m[:11]); diff != "" {
		t.Errorf("first character is not Start C (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(fnc1, m[11:22]); diff != "" {
		t.Errorf("second character is not FNC1 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(stop, m[len(m)-13:]); diff != "" {
		t.Errorf("symbol does not end with Stop (-want +got):\n%s", diff)
	}
	if got, want := sym.elementString(), "00370724763469418096"; got != want {
		t.Errorf("elementString = %q, want %q", got, want)
	}
}

func TestHumanReadable(t *testing.T) {
	sym, err := encodeSSCC("370724763469418096")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sym.humanReadable(), "(00) 3 7072476 346941809 6"; got != want {
		t.Errorf("humanReadable = %q, want %q", got, want)
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		accept []string
		want   Format
		err    error
	}{
		{nil, PDF, nil},
		{[]string{""}, PDF, nil},
		{[]string{"*/*"}, PDF, nil},
		{[]string{"application/pdf"}, PDF, nil},
		{[]string{"image/png"}, PNG, nil},
		{[]string{"image/svg+xml"}, SVG, nil},
		{[]string{"application/zpl"}, ZPL, nil},
		{[]string{"IMAGE/PNG"}, PNG, nil},
		{[]string{"image/*"}, PNG, nil},
		{[]string{"application/*"}, PDF, nil},
		{[]string{"image/*, image/png;q=0"}, SVG, nil},
		{[]string{"application/pdf;q=0, */*"}, PNG, nil},
		{[]string{"application/pdf;q=0.5, image/png;q=0.9"}, PNG, nil},
		{[]string{"image/png;q=0.5, application/zpl;q=0.8, */*;q=0.1"}, ZPL, nil},
		{[]string{"text/html, application/xhtml+xml, */*;q=0.8"}, PDF, nil}, // a browser
		{[]string{"image/svg+xml, image/png"}, SVG, nil},                    // tie: listed first
		{[]string{"image/png", "image/svg+xml;q=1"}, PNG, nil},              // two header lines
		{[]string{"image/*, application/zpl"}, ZPL, nil},                    // tie: more specific
		{[]string{"application/zpl; charset=us-ascii"}, ZPL, nil},
		{[]string{"image/png;q=abc, application/zpl"}, ZPL, nil}, // bad q skipped
		{[]string{"application/json"}, 0, ErrNotAcceptable},
		{[]string{"text/plain"}, 0, ErrNotAcceptable},
		{[]string{"image/jpeg"}, 0, ErrNotAcceptable},
		{[]string{"*/*;q=0"}, 0, ErrNotAcceptable},
		{[]string{"application/pdf;q=0"}, 0, ErrNotAcceptable},
		{[]string{"*/png"}, 0, ErrNotAcceptable},
		{[]string{";;;"}, 0, ErrNotAcceptable},
		{[]string{" , "}, PDF, nil}, // blank: as if absent
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.accept, "|"), func(t *testing.T) {
			got, err := Negotiate(tt.accept...)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Negotiate(%q) error = %v, want %v", tt.accept, err, tt.err)
			}
			if err == nil && got != tt.want {
				t.Errorf("Negotiate(%q) = %v, want %v", tt.accept, got, tt.want)
			}
		})
	}
}

func TestNotAcceptableDoesNotRepeatHeader(t *testing.T) {
	_, err := Negotiate("text/<script>")
	if err == nil || strings.Contains(err.Error(), "script") {
		t.Errorf("error = %v, want ErrNotAcceptable without the header", err)
	}
}

func TestFormatNames(t *testing.T) {
	var got []string
	for _, f := range formats {
		got = append(got, f.MediaType()+" "+f.Extension()+" "+f.String())
	}
	want := []string{
		"application/pdf .pdf application/pdf",
		"image/png .png image/png",
		"image/svg+xml .svg image/svg+xml",
		"application/zpl .zpl application/zpl",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("formats (-want +got):\n%s", diff)
	}
	if got := Format(9).String(); got != "Format(9)" {
		t.Errorf("Format(9).String() = %q", got)
	}
}

func TestRenderRejects(t *testing.T) {
	mod := func(f func(*Label)) []Label {
		l := sample()
		f(&l)
		return []Label{l}
	}
	tests := []struct {
		name   string
		f      Format
		labels []Label
		opt    Options
		err    error
	}{
		{"no labels", PDF, nil, Options{}, ErrNoLabels},
		{"too many", PDF, make([]Label, MaxLabels+1), Options{}, ErrTooMany},
		{"empty SSCC", PDF, mod(func(l *Label) { l.SSCC = "" }), Options{}, ErrInvalid},
		{"bad check digit", PNG, mod(func(l *Label) { l.SSCC = "370724763469418097" }), Options{}, ErrInvalid},
		{"shipment number as SSCC", SVG, mod(func(l *Label) { l.SSCC = "(401)70724763469418088" }), Options{}, ErrInvalid},
		{"item 0", ZPL, mod(func(l *Label) { l.ItemNumber = 0 }), Options{}, ErrInvalid},
		{"item past count", PDF, mod(func(l *Label) { l.ItemNumber = 3; l.ItemCount = 2 }), Options{}, ErrInvalid},
		{"dpi 600", PNG, []Label{sample()}, Options{DPI: 600}, ErrUnsupported},
		{"unknown format", Format(7), []Label{sample()}, Options{}, ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Render(tt.f, tt.labels, tt.opt)
			if !errors.Is(err, tt.err) || out != nil {
				t.Fatalf("Render = %d bytes, %v; want nil, %v", len(out), err, tt.err)
			}
		})
	}
}

func TestRenderAcceptsBareAndPrefixedIDs(t *testing.T) {
	for _, sscc := range []string{"370724763469418096", "(00)370724763469418096", "%2800%29370724763469418096", " 370724763469418096 "} {
		l := sample()
		l.SSCC = sscc
		if _, err := Render(ZPL, []Label{l}, Options{}); err != nil {
			t.Errorf("SSCC %q: %v", sscc, err)
		}
	}
	if got := shipmentID("70724763469418088"); got != "(401)70724763469418088" {
		t.Errorf("shipmentID(bare) = %q", got)
	}
}

func TestRoutingFromProperties(t *testing.T) {
	s := func(v string) *string { return &v }
	got := RoutingFromProperties(map[string]*string{
		"routing": s("312-7"), "routingDetailed": s("312"), "mainCarNumber": s("312"),
		"deliveryPointCarId": s("4821"), "transportNetId": s("223"), "routeAddress": nil, "areaId": s("x"),
	})
	want := Routing{Routing: "312-7", RoutingDetailed: "312", MainCarNumber: "312", DeliveryPointCarID: "4821", TransportNetID: "223"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RoutingFromProperties (-want +got):\n%s", diff)
	}
}

func TestClean(t *testing.T) {
	tests := map[string]string{
		"  Kari  Nordmann ":         "Kari Nordmann",
		"line\nbreak\ttab\r":        "line break tab",
		"nul\x00byte":               "nul byte",
		"bidi\u202eevil":            "bidi evil",
		"bad\xffutf8":               "bad utf8",
		"Vækerøveien <&> ^~_":       "Vækerøveien <&> ^~_",
		"\u00a0nbsp\u2028sep\ufffe": "nbsp sep",
	}
	tests[strings.Repeat("ø", 10*maxRunes)] = strings.Repeat("ø", maxRunes)
	for in, want := range tests {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWrap(t *testing.T) {
	m := func(s string, size float64, bold bool) float64 { return float64(len([]rune(s))) } // 1 mm a rune
	tests := []struct {
		s     string
		width float64
		lines int
		want  []string
	}{
		{"short", 10, 2, []string{"short"}},
		{"two words here", 9, 2, []string{"two words", "here"}},
		{"one two three four five", 9, 2, []string{"one two", "three fo…"}},
		{"Supercalifragilistic", 8, 2, []string{"Supercal", "ifragil…"}},
		{"æøå æøå æøå", 7, 3, []string{"æøå æøå", "æøå"}},
	}
	for _, tt := range tests {
		got := wrap(tt.s, tt.width, 1, false, tt.lines, m)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("wrap(%q, %v) (-want +got):\n%s", tt.s, tt.width, diff)
		}
	}
}

func TestWeight(t *testing.T) {
	for g, want := range map[int]string{0: "–", -5: "–", 50: "0,05 kg", 1000: "1,0 kg", 1250: "1,25 kg", 31500: "31,5 kg"} {
		if got := weight(g); got != want {
			t.Errorf("weight(%d) = %q, want %q", g, got, want)
		}
	}
}

// TestLongTextStaysOnLabel lays the hostile label out with every format's
// measure and checks that no line leaves the printable area or reaches
// into the barcode's quiet zone.
func TestLongTextStaysOnLabel(t *testing.T) {
	l := hostile()
	sym, err := encodeSSCC("370724763469418096")
	if err != nil {
		t.Fatal(err)
	}
	pdfMeasure := pdfMeasure(newPDF(time.Time{}))
	for name, m := range map[string]measureFunc{"go": measureGo, "pdf": pdfMeasure} {
		d := layOut(&l, sym, 0.5, m)
		for _, tx := range d.texts {
			if tx.x < margin-1e-9 || tx.x+tx.w > pageW-margin+1e-9 {
				t.Errorf("%s: %q spans %.2f..%.2f mm, outside %v..%v", name, tx.s, tx.x, tx.x+tx.w, margin, pageW-margin)
			}
			if m(tx.s, tx.size, tx.bold) != tx.w {
				t.Errorf("%s: %q width %.2f is not its measure", name, tx.s, tx.w)
			}
			if tx.y > d.bars.y && tx.y-tx.size < d.bars.y+d.bars.h {
				t.Errorf("%s: %q at baseline %.1f overlaps the bars", name, tx.s, tx.y)
			}
		}
		if x := d.bars.x; x < quietModules*d.bars.module || x+d.bars.width() > pageW-quietModules*d.bars.module {
			t.Errorf("%s: bars at %.2f..%.2f mm leave less than the quiet zone", name, x, x+d.bars.width())
		}
	}
}

func TestEscaping(t *testing.T) {
	l := hostile()
	t.Run("svg", func(t *testing.T) {
		out, err := Render(SVG, []Label{l}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		texts := svgTexts(t, out)
		want := `Æ<&>^~_"' øå "Sender" ^XZ~JA`
		if !contains(texts, want) {
			t.Errorf("SVG texts %q lack the sender name %q", texts, want)
		}
		if bytes.Contains(out, []byte("<script>")) {
			t.Errorf("SVG contains a raw <script>")
		}
	})
	t.Run("zpl", func(t *testing.T) {
		out, err := Render(ZPL, []Label{l}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			_, fd, ok := strings.Cut(line, "^FD")
			if !ok {
				continue
			}
			data, ok := strings.CutSuffix(fd, "^FS")
			if !ok || strings.ContainsAny(data, "^~") {
				t.Errorf("field data %q has a raw ^ or ~ or does not end in ^FS", fd)
			}
		}
		if want := "^FH^FD_C3_86<&>_5E_7E_5F\"' _C3_B8_C3_A5 \"Sender\" _5EXZ_7EJA^FS"; !strings.Contains(string(out), want) {
			t.Errorf("ZPL lacks the escaped sender name %q:\n%s", want, out)
		}
		// A field block would read "\&" as a line break.
		if i := bytes.Index(out, []byte(`^FDBack\&slash\(^FS`)); i < 0 || bytes.Contains(out[bytes.LastIndexByte(out[:i], '\n'):i], []byte("^FB")) {
			t.Errorf("the service name with backslashes is missing or set in a field block:\n%s", out)
		}
		for i, c := range out {
			if c > 0x7e || c < 0x20 && c != '\n' {
				t.Fatalf("ZPL byte %d is %#x, not printable ASCII", i, c)
			}
		}
	})
	t.Run("pdf", func(t *testing.T) {
		if got, want := cp1252("æøå ÆØÅ … €"), "\xe6\xf8\xe5 \xc6\xd8\xc5 \x85 \x80"; got != want {
			t.Errorf("cp1252 = %q, want %q", got, want)
		}
		if got := cp1252("ő✓"); got != "??" {
			t.Errorf("cp1252 of runes outside Windows-1252 = %q, want ??", got)
		}
	})
}

// svgTexts parses an SVG with encoding/xml and returns its <text>s.
func svgTexts(t *testing.T, svg []byte) []string {
	t.Helper()
	var texts []string
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var inText bool
	for {
		tok, err := dec.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return texts
			}
			t.Fatalf("SVG does not parse as XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inText = tok.Name.Local == "text"
			if inText {
				texts = append(texts, "")
			}
		case xml.CharData:
			if inText {
				texts[len(texts)-1] += string(tok)
			}
		case xml.EndElement:
			inText = false
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestSVGStructure(t *testing.T) {
	out, err := Render(SVG, sampleItems(3), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var root struct {
		Width   string `xml:"width,attr"`
		Height  string `xml:"height,attr"`
		ViewBox string `xml:"viewBox,attr"`
		Groups  []struct {
			ID string `xml:"id,attr"`
		} `xml:"g"`
	}
	if err := xml.Unmarshal(out, &root); err != nil {
		t.Fatalf("SVG does not parse: %v", err)
	}
	got := []string{root.Width, root.Height, root.ViewBox}
	for _, g := range root.Groups {
		got = append(got, g.ID)
	}
	want := []string{"102mm", "576mm", "0 0 102 576", "item-1", "item-2", "item-3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SVG root (-want +got):\n%s", diff)
	}
	if n := len(svgTexts(t, out)); n == 0 {
		t.Error("SVG has no text")
	}
}

func TestZPLStructure(t *testing.T) {
	for _, tt := range []struct {
		dpi        int
		pw, ll, by string
	}{{0, "^PW816", "^LL1536", "^BY4"}, {300, "^PW1224", "^LL2304", "^BY6"}} {
		out, err := Render(ZPL, sampleItems(2), Options{DPI: tt.dpi})
		if err != nil {
			t.Fatal(err)
		}
		s := string(out)
		if !strings.HasPrefix(s, "^XA\n") || !strings.HasSuffix(s, "^XZ\n") {
			t.Errorf("dpi %d: ZPL does not start with ^XA and end with ^XZ", tt.dpi)
		}
		if a, z := strings.Count(s, "^XA"), strings.Count(s, "^XZ"); a != 2 || z != 2 {
			t.Errorf("dpi %d: %d ^XA and %d ^XZ, want one each per item (2)", tt.dpi, a, z)
		}
		for _, want := range []string{
			"^CI28", tt.pw, tt.ll, tt.by,
			"^BCN," + strconv.Itoa(32*dpmmFor(tt.dpi)) + ",N,N,N,N^FD>;>800370724763469418096^FS",
			"^BCN," + strconv.Itoa(32*dpmmFor(tt.dpi)) + ",N,N,N,N^FD>;>800370724763469418102^FS",
			"^FD(00) 3 7072476 346941809 6^FS",
		} {
			if !strings.Contains(s, want) {
				t.Errorf("dpi %d: ZPL lacks %q", tt.dpi, want)
			}
		}
	}
}

func dpmmFor(dpi int) int {
	if dpi == 300 {
		return 12
	}
	return 8
}

func TestPNGSize(t *testing.T) {
	for _, tt := range []struct{ dpi, n, w, h int }{{0, 1, 816, 1536}, {203, 2, 816, 3072}, {300, 1, 1205, 2268}} {
		out, err := Render(PNG, sampleItems(tt.n), Options{DPI: tt.dpi})
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("PNG does not decode: %v", err)
		}
		if b := img.Bounds(); b.Dx() != tt.w || b.Dy() != tt.h {
			t.Errorf("dpi %d, %d labels: %v, want %dx%d", tt.dpi, tt.n, b.Size(), tt.w, tt.h)
		}
		if !bytes.Contains(out[:64], []byte("pHYs")) {
			t.Errorf("dpi %d: no pHYs chunk after IHDR", tt.dpi)
		}
	}
}

// TestDeterministic renders each format twice, from two goroutines, and
// compares; the text formats are also compared with golden files and the
// binary ones with golden hashes.
func TestDeterministic(t *testing.T) {
	labels := sampleItems(2)
	var hashes strings.Builder
	for _, f := range formats {
		ch := make(chan []byte)
		go func() {
			out, _ := Render(f, labels, Options{})
			ch <- out
		}()
		a, err := Render(f, labels, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if b := <-ch; !bytes.Equal(a, b) {
			t.Errorf("%v: two renderings differ", f)
		}
		switch f {
		case SVG, ZPL:
			golden(t, "testdata/two-items"+f.Extension()+".golden", a)
		default:
			sum := sha256.Sum256(a)
			fmt.Fprintf(&hashes, "%s %s\n", f.MediaType(), hex.EncodeToString(sum[:]))
		}
	}
	golden(t, "testdata/two-items.sha256.golden", []byte(hashes.String()))
}

// TestSamplePNG keeps testdata/sample.png, the rendering of the sample
// label with every field set, to look at. (The README shows the mock's own
// label of the sample booking, docs/label-sample.png, which internal/sim's
// TestLabelSample keeps.)
func TestSamplePNG(t *testing.T) {
	out, err := Render(PNG, []Label{sample()}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "sample.png"), out)
}

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/label -update)", err)
	}
	if !bytes.Equal(want, got) {
		if bytes.IndexByte(want, 0) < 0 && !strings.HasSuffix(path, ".png") {
			t.Errorf("%s differs (-want +got):\n%s", path, cmp.Diff(string(want), string(got)))
		} else {
			t.Errorf("%s differs (%d bytes, got %d); rerun with -update if the change is intended", path, len(want), len(got))
		}
	}
}

// FuzzLabelText renders labels whose texts are arbitrary strings: every
// format must render, the SVG must parse as XML with no element but the
// ones the renderer writes, and every ZPL field must be escaped ASCII.
func FuzzLabelText(f *testing.F) {
	f.Add("Kristian Voie Danielsen", "Vækerøveien 164d", "312-7")
	f.Add(`Æ<&>^~_"'`, "^XZ~JA^FS", "]]><x/>")
	f.Add("\x00\xff\ufffe\u202e", strings.Repeat("W", 300), "")
	f.Fuzz(func(t *testing.T, name, address, route string) {
		l := sample()
		l.Receiver.Name, l.Sender.Address, l.Routing.Routing = name, address, route
		l.ServicePoint.Name, l.ShipmentID = route, name
		for _, f := range formats {
			out, err := Render(f, []Label{l}, Options{})
			if err != nil {
				t.Fatalf("%v: %v", f, err)
			}
			switch f {
			case SVG:
				dec := xml.NewDecoder(bytes.NewReader(out))
				for {
					tok, err := dec.Token()
					if err != nil {
						if err.Error() != "EOF" {
							t.Fatalf("SVG does not parse: %v", err)
						}
						break
					}
					if se, ok := tok.(xml.StartElement); ok && !slices.Contains([]string{"svg", "rect", "g", "text"}, se.Name.Local) {
						t.Fatalf("SVG has a <%s> element", se.Name.Local)
					}
				}
			case ZPL:
				for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
					if _, fd, ok := strings.Cut(line, "^FD"); ok {
						data, ok := strings.CutSuffix(fd, "^FS")
						if !ok || strings.ContainsAny(data, "^~") {
							t.Fatalf("ZPL field %q is not escaped", fd)
						}
					}
				}
				if bytes.ContainsFunc(out, func(r rune) bool { return r > 0x7e || r < 0x20 && r != '\n' }) {
					t.Fatalf("ZPL is not printable ASCII")
				}
			}
		}
	})
}
