package label

import (
	"bytes"
	"fmt"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/encoding/charmap"
)

// renderPDF writes one 102 × 192 mm page per label with fpdf, text in the
// PDF core font Helvetica (nothing embedded) and bars as filled
// rectangles. The document's dates are the first label's booking time, so
// the same labels give the same bytes.
func renderPDF(labels []Label, codes []symbol) ([]byte, error) {
	pdf := newPDF(labels[0].BookedAt)
	measure := pdfMeasure(pdf)
	for i := range labels {
		d := layOut(&labels[i], codes[i], 0.5, measure)
		pdf.AddPage()
		pdf.SetFillColor(0, 0, 0)
		for _, b := range d.boxes {
			pdf.Rect(b.x, b.y, b.w, b.h, "F")
		}
		for _, t := range d.texts {
			setFont(pdf, t.size, t.bold)
			if t.white {
				pdf.SetTextColor(255, 255, 255)
			} else {
				pdf.SetTextColor(0, 0, 0)
			}
			pdf.Text(t.x, t.y, cp1252(t.s))
		}
		bs := d.bars
		for _, bar := range bs.sym.bars() {
			pdf.Rect(bs.x+float64(bar[0])*bs.module, bs.y, float64(bar[1])*bs.module, bs.h, "F")
		}
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("write pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// newPDF starts a document of label-sized pages dated stamp.
func newPDF(stamp time.Time) *fpdf.Fpdf {
	pdf := fpdf.NewCustom(&fpdf.InitType{
		OrientationStr: "P",
		UnitStr:        "mm",
		Size:           fpdf.SizeType{Wd: pageW, Ht: pageH},
	})
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCatalogSort(true)
	if stamp.IsZero() {
		stamp = time.Unix(0, 0) // fpdf would take the wall clock
	}
	// fpdf writes the date without a UTC offset, which readers take as UTC.
	stamp = stamp.UTC()
	pdf.SetCreationDate(stamp)
	pdf.SetModificationDate(stamp)
	pdf.SetCreator("mockhelthjem", false)
	pdf.SetProducer("mockhelthjem internal/label (fpdf)", false)
	pdf.SetTitle("Helthjem unified-large label", false)
	return pdf
}

// pdfMeasure measures text in pdf's Helvetica, as it will be printed.
func pdfMeasure(pdf *fpdf.Fpdf) measureFunc {
	return func(s string, size float64, bold bool) float64 {
		setFont(pdf, size, bold)
		return pdf.GetStringWidth(cp1252(s))
	}
}

// setFont selects Helvetica or Helvetica-Bold at size mm.
func setFont(pdf *fpdf.Fpdf, size float64, bold bool) {
	style := ""
	if bold {
		style = "B"
	}
	pdf.SetFont("Helvetica", style, 0)
	pdf.SetFontUnitSize(size)
}

// cp1252 converts s to Windows-1252, the encoding of fpdf's core fonts,
// so that æøå ÆØÅ print; a rune outside it becomes "?". It is fpdf's
// UnicodeTranslatorFromDescriptor("cp1252") without that closure's shared
// buffer, so concurrent renderings need no lock.
func cp1252(s string) string {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		c, ok := charmap.Windows1252.EncodeRune(r)
		if !ok {
			c = '?'
		}
		out = append(out, c)
	}
	return string(out)
}
