package label

import (
	"bytes"
	"encoding/xml"
	"math"
	"strconv"
)

// svgFonts is the font list of the SVG's text. Text is laid out with the
// Go fonts' widths and every line carries its width as textLength, so a
// viewer that substitutes another font still fits each line in its place.
const svgFonts = "Go, Helvetica, Arial, sans-serif"

// renderSVG writes one SVG document, 102 mm wide and 192 mm high per
// label, with the labels one under the other in groups "item-1",
// "item-2", …, in user units of 1 mm. Bars are rectangles on whole
// multiples of the 0.5 mm module.
func renderSVG(labels []Label, codes []symbol) []byte {
	var b bytes.Buffer
	h := pageH * float64(len(labels))
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="102mm" height="` + num(h) + `mm" viewBox="0 0 102 ` + num(h) + `">` + "\n")
	b.WriteString(`<rect width="102" height="` + num(h) + `" fill="#fff"/>` + "\n")
	for i := range labels {
		d := layOut(&labels[i], codes[i], 0.5, measureGo)
		b.WriteString(`<g id="item-` + strconv.Itoa(labels[i].ItemNumber) + `"`)
		if i > 0 {
			b.WriteString(` transform="translate(0 ` + num(pageH*float64(i)) + `)"`)
		}
		b.WriteString(">\n")
		for _, r := range d.boxes {
			b.WriteString(`<rect x="` + num(r.x) + `" y="` + num(r.y) + `" width="` + num(r.w) + `" height="` + num(r.h) + `"/>` + "\n")
		}
		b.WriteString(`<g font-family="` + svgFonts + `">` + "\n")
		for _, t := range d.texts {
			b.WriteString(`<text x="` + num(t.x) + `" y="` + num(t.y) + `" font-size="` + num(t.size) + `"`)
			if t.bold {
				b.WriteString(` font-weight="bold"`)
			}
			if t.white {
				b.WriteString(` fill="#fff"`)
			}
			b.WriteString(` textLength="` + num(t.w) + `" lengthAdjust="spacingAndGlyphs">`)
			_ = xml.EscapeText(&b, []byte(t.s)) // a bytes.Buffer does not fail
			b.WriteString("</text>\n")
		}
		b.WriteString("</g>\n")
		bs := d.bars
		b.WriteString(`<g id="barcode-` + strconv.Itoa(labels[i].ItemNumber) + `" shape-rendering="crispEdges">` + "\n")
		for _, bar := range bs.sym.bars() {
			b.WriteString(`<rect x="` + num(bs.x+float64(bar[0])*bs.module) + `" y="` + num(bs.y) +
				`" width="` + num(float64(bar[1])*bs.module) + `" height="` + num(bs.h) + `"/>` + "\n")
		}
		b.WriteString("</g>\n</g>\n")
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// num prints a length in mm to a thousandth.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}
