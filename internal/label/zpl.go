package label

import (
	"bytes"
	"math"
	"strconv"
	"strings"
)

// renderZPL writes one ^XA…^XZ format per label for a printer with dpmm
// dots per mm (8 or 12). The output is plain ASCII: text fields use ^FH
// with "_" hex escapes, the printer decodes them as UTF-8 (^CI28) and
// prints them in its scalable font 0. The barcode is ^BC in subset C with
// FNC1 first (">;>8"), so the printer draws the same GS1-128 symbol the
// other formats draw; its interpretation line is printed as text, grouped
// as GS1 prints an SSCC.
func renderZPL(labels []Label, codes []symbol, dpmm float64) []byte {
	var b bytes.Buffer
	d := func(mm float64) string { return strconv.Itoa(dots(mm, dpmm)) }
	moduleDots := int(math.Round(0.5 * dpmm))
	for i := range labels {
		dr := layOut(&labels[i], codes[i], float64(moduleDots)/dpmm, measureGo)
		b.WriteString("^XA\n^CI28\n^PW" + d(pageW) + "\n^LL" + d(pageH) + "\n^LH0,0\n")
		for _, r := range dr.boxes {
			w, h := dots(r.w, dpmm), dots(r.h, dpmm)
			t := strconv.Itoa(min(w, h))
			b.WriteString("^FO" + d(r.x) + "," + d(r.y) + "^GB" + strconv.Itoa(w) + "," + strconv.Itoa(h) + "," + t + ",B,0^FS\n")
		}
		for _, t := range dr.texts {
			h := d(t.size)
			// In a field block "\&" breaks the line and "\(" is a soft
			// hyphen (zebrash breaks even on "\\&"), so text with a
			// backslash is set where the Go fonts put it instead.
			if t.align == alignLeft || strings.Contains(t.s, `\`) {
				b.WriteString("^FT" + d(t.x) + "," + d(t.y) + "^A0N," + h + "," + h)
			} else {
				// A one-line field block aligns the text in the printer's
				// own font; ^FT puts the block's last line on the baseline.
				b.WriteString("^FT" + d(t.left) + "," + d(t.y) + "^A0N," + h + "," + h +
					"^FB" + d(t.width) + ",1,0," + "LCR"[t.align:t.align+1])
			}
			if t.white {
				b.WriteString("^FR")
			}
			b.WriteString("^FH^FD")
			zplEscape(&b, t.s)
			b.WriteString("^FS\n")
		}
		bs := dr.bars
		b.WriteString("^BY" + strconv.Itoa(moduleDots) + "\n^FO" + d(bs.x) + "," + d(bs.y) +
			"^BCN," + d(bs.h) + ",N,N,N,N^FD>;>8" + bs.sym.elementString() + "^FS\n")
		b.WriteString("^XZ\n")
	}
	return b.Bytes()
}

// zplEscape writes s for a ^FH field: printable ASCII as is, and "^"
// (a command), "~" (a control command), "_" (the hex indicator) and every
// byte outside printable ASCII (UTF-8 of æøå and the like) as "_XX".
func zplEscape(b *bytes.Buffer, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '^' || c == '~' || c == '_' {
			b.WriteByte('_')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
			continue
		}
		b.WriteByte(c)
	}
}
