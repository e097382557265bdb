package contract

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"image/png"
	"math"
	"mime"
	"net/http"
	"strings"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
)

// The labels flow: a B2C booking and its labels in each format, and the
// answer for a labelless C2C parcel. It runs only when named (--flows
// labels): on Helthjem's pre-prod API a label is a real document.

// B2C transport solution and freight product of the labels flow (B2C
// guide: TS 2, home delivery only).
const (
	tsHome     = 2
	fpHome     = 1
	labelItems = 2 // the items the labels flow books: one label each
)

// The label's size, 102 × 192 mm, in PDF points (1/72 in), and how far a
// page may be from it: a writer rounds millimetres to points its own way.
const (
	labelWidthPt  = 102 / 25.4 * 72 // 289.13
	labelHeightPt = 192 / 25.4 * 72 // 544.25
	labelSlackPt  = 1.0
)

// keyLabelless is the errorKey the mock answers for a labelless parcel.
const keyLabelless = errorkey.LabelNotApplicable

// The media types of labels, and the file name extension a curl command
// saves each to.
const (
	mediaPDF = "application/pdf"
	mediaPNG = "image/png"
	mediaSVG = "image/svg+xml"
	mediaZPL = "application/zpl"
)

var fileExtensions = map[string]string{mediaPDF: ".pdf", mediaPNG: ".png", mediaSVG: ".svg", mediaZPL: ".zpl"}

// Projection keys of a file answer. They are about the answer as a whole,
// not JSON paths into it: their findings are reported at $.
const (
	contentTypeKey = "Content-Type"
	pdfPagesKey    = "PDF pages"
	pdfSizeKey     = "PDF page sizes"
	pngSizeKey     = "PNG size"
	svgRootKey     = "SVG root element"
	zplFormatsKey  = "ZPL formats (^XA…^XZ)"
)

// Forms of what a label file holds, as the projection shows them.
var (
	formPageSize = fmt.Sprintf("<every page 102 × 192 mm: %.2f × %.2f pt ± %.0f>", labelWidthPt, labelHeightPt, labelSlackPt)
	formPNGSize  = "<102 × 192 mm wide and high: one label>"
)

var labelSteps = []stepDef{
	{"booking", "POST " + pathBookings + ": TS 2 (B2C home delivery) with two items; expects 200, FP 1, the supplied shipmentId kept, well-formed orderId and trackingReferences", runLabelBooking},
	{"label-pdf", "GET " + fmt.Sprintf(pathLabels, "{shipmentId}") + ", Accept " + mediaPDF + ": expects 200, a PDF of one 102 × 192 mm page (289 × 544 pt) per item", labelStep(mediaPDF, shipment, checkPDF(labelItems))},
	{"label-pdf-item", "GET " + fmt.Sprintf(pathLabels, "{trackingReference}") + " of the first item, Accept " + mediaPDF + ": expects 200, a PDF of one such page", labelStep(mediaPDF, itemOf(0), checkPDF(1))},
	{"label-png", "GET " + fmt.Sprintf(pathLabels, "{trackingReference}") + " of the second item, Accept " + mediaPNG + ": expects 200, a PNG one label in size", labelStep(mediaPNG, itemOf(1), checkPNG)},
	{"label-svg", "GET " + fmt.Sprintf(pathLabels, "{trackingReference}") + " of the first item, Accept " + mediaSVG + ": expects 200, an SVG document", labelStep(mediaSVG, itemOf(0), checkSVG)},
	{"label-zpl", "GET " + fmt.Sprintf(pathLabels, "{shipmentId}") + ", Accept " + mediaZPL + ": expects 200, one ^XA…^XZ format per item", labelStep(mediaZPL, shipment, checkZPL)},
	{"labelless-booking", "POST " + pathBookings + ": TS 113 (C2C, the nearest service point); expects 200, FP 92", runLabellessBooking},
	{"labelless-label", "GET " + fmt.Sprintf(pathLabels, "{shipmentId}") + " of the TS 113 parcel: expects 400 errorKey " + keyLabelless + " (the mock's choice: C2C parcels are labelless)", runLabellessLabel},
}

// mediaType is the lower-case media type of a Content-Type or Accept
// value, without parameters.
func mediaType(v string) string {
	mt, _, err := mime.ParseMediaType(v)
	if err != nil {
		mt, _, _ = strings.Cut(v, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

// isFile reports whether a Content-Type is a file's, kept out of reports
// and cassettes as bytes: anything but JSON, text and no type at all.
func isFile(contentType string) bool {
	mt := mediaType(contentType)
	switch {
	case mt == "", strings.HasPrefix(mt, "text/"):
		return false
	case mt == "application/json", strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		return false
	}
	return true
}

// labelRequest is a request for identifier's label in media type accept.
func labelRequest(identifier, accept string) request {
	rq := byIdentifier(pathLabels, identifier)
	rq.accept = accept
	return rq
}

func runLabelBooking(ctx context.Context, f *flowState) outcome {
	b := f.booking(tsHome, nil)
	second := b.Items[0]
	second.ItemNumber, second.Weight = 2, 2000
	b.Items = append(b.Items, second)
	c, b := f.postBooking(ctx, b)
	if !c.ok {
		return c.done()
	}
	f.checkBooked(c.x, fpHome, b)
	f.book.ssccs = nil
	for i := range labelItems {
		f.book.ssccs = append(f.book.ssccs, c.x.form(fmt.Sprintf("$.items[%d].trackingReference", i), formSSCC, validSSCC))
	}
	return c.done()
}

// labelStep is a step that fetches the label of the identifier id picks
// from the booking, in media type accept, and hands its bytes to check
// when a file of that type came back.
func labelStep(accept string, id func(booked) (identifier, name string), check func(x *expect, body []byte)) func(context.Context, *flowState) outcome {
	return func(ctx context.Context, f *flowState) outcome {
		identifier, name := id(f.book)
		if identifier == "" {
			return outcome{skip: "the booking gave no well-formed " + name}
		}
		c := f.call(ctx, labelRequest(identifier, accept), http.StatusOK)
		if c.ok {
			got := mediaType(c.ex.respHdr.Get("Content-Type"))
			c.x.put(contentTypeKey, accept, got, true, "")
			if got == accept {
				check(c.x, c.ex.respBody)
			}
		}
		return c.done()
	}
}

// shipment picks the booking's shipmentId.
func shipment(b booked) (string, string) { return b.shipmentID, "shipmentId" }

// itemOf picks the trackingReference of item i.
func itemOf(i int) func(booked) (string, string) {
	return func(b booked) (string, string) {
		if i < len(b.ssccs) {
			return b.ssccs[i], "trackingReference"
		}
		return "", "trackingReference"
	}
}

// checkPDF expects a PDF of pages pages of 102 × 192 mm.
func checkPDF(pages int) func(*expect, []byte) {
	return func(x *expect, body []byte) {
		got, err := pdfPages(body)
		if err != nil {
			x.put(pdfPagesKey, pages, "<unreadable: "+err.Error()+">", true, "")
			return
		}
		x.put(pdfPagesKey, pages, len(got), true, "")
		var sizes []string
		ok := len(got) > 0
		for _, p := range got {
			sizes = append(sizes, fmt.Sprintf("%.2f × %.2f pt", p.W, p.H))
			ok = ok && math.Abs(p.W-labelWidthPt) <= labelSlackPt && math.Abs(p.H-labelHeightPt) <= labelSlackPt
		}
		if ok {
			x.put(pdfSizeKey, formPageSize, formPageSize, true, "")
		} else {
			x.put(pdfSizeKey, formPageSize, strings.Join(sizes, ", "), true, "")
		}
	}
}

// checkPNG expects a PNG one label in size (at any resolution).
func checkPNG(x *expect, body []byte) {
	cfg, err := png.DecodeConfig(bytes.NewReader(body))
	switch {
	case err != nil:
		x.put(pngSizeKey, formPNGSize, "<not a PNG: "+err.Error()+">", true, "")
	case cfg.Width > 0 && math.Abs(float64(cfg.Height)/float64(cfg.Width)-192.0/102) < 0.02:
		x.put(pngSizeKey, formPNGSize, formPNGSize, true, "")
	default:
		x.put(pngSizeKey, formPNGSize, fmt.Sprintf("%d × %d px", cfg.Width, cfg.Height), true, "")
	}
}

// checkSVG expects an XML document whose root is svg.
func checkSVG(x *expect, body []byte) { x.put(svgRootKey, "svg", svgRoot(body), true, "") }

// checkZPL expects one ^XA…^XZ format per item.
func checkZPL(x *expect, body []byte) { x.put(zplFormatsKey, labelItems, zplFormats(body), true, "") }

// svgRoot is the name of an XML document's root element, or why there is
// none.
func svgRoot(b []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return "<not XML>"
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
}

// zplFormats counts the ^XA…^XZ formats of a ZPL document, -1 when it is
// not a sequence of them.
func zplFormats(b []byte) int {
	n := 0
	rest := bytes.TrimSpace(b)
	for len(rest) > 0 {
		if !bytes.HasPrefix(rest, []byte("^XA")) {
			return -1
		}
		end := bytes.Index(rest, []byte("^XZ"))
		if end < 0 {
			return -1
		}
		n++
		rest = bytes.TrimSpace(rest[end+3:])
	}
	return n
}

func runLabellessBooking(ctx context.Context, f *flowState) outcome {
	c, b := f.postBooking(ctx, f.booking(tsServicePt, nil))
	if c.ok {
		f.checkBooking(c.x, fpServicePt, b)
	}
	return c.done()
}

func runLabellessLabel(ctx context.Context, f *flowState) outcome {
	if f.book.shipmentID == "" {
		return outcome{skip: "the TS 113 booking gave no well-formed shipmentId"}
	}
	c := f.call(ctx, labelRequest(f.book.shipmentID, mediaPDF), http.StatusBadRequest)
	if c.ok {
		c.x.eq("$.errorKey", keyLabelless)
	}
	return c.done()
}
