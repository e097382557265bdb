package label

import (
	"strconv"
	"strings"

	"github.com/mockhelthjem/mockhelthjem/internal/ids"
)

// The label's size in mm: Helthjem's unified-large label.
const (
	pageW = 102.0
	pageH = 192.0
)

const (
	margin = 4.0 // thermal heads do not print to the edge
	innerW = pageW - 2*margin
	rule   = 0.5 // thickness of the separating lines
	barH   = 32  // bar height in mm, GS1's minimum for logistic labels
)

// drawing is one label laid out in mm from its top-left corner. Every
// format draws the same drawing: first the filled boxes, then the texts
// (white ones on a box), then the bars.
type drawing struct {
	boxes []box
	texts []text
	bars  bars
}

// box is a filled black rectangle: a rule or the routing box.
type box struct{ x, y, w, h float64 }

// text is one line of text, already fitted: x is its left edge, y its
// baseline, size the font size (em) and w its measured width, all in mm.
// A centred or right-aligned line also keeps the space it is aligned in,
// [left, left+width), for ZPL, whose printer font is not the one measured.
type text struct {
	x, y, size, w float64
	bold, white   bool
	s             string
	align         align
	left, width   float64
}

// align is a text's alignment in its space.
type align int

const (
	alignLeft align = iota
	alignCenter
	alignRight
)

// bars is the barcode: its left edge x (the first bar; the quiet zones lie
// outside), its top y and height h, the module width, and the symbol.
type bars struct {
	x, y, h, module float64
	sym             symbol
}

// width returns the symbol's width in mm without quiet zones.
func (b bars) width() float64 { return float64(len(b.sym.modules)) * b.module }

// layout is a label being laid out with one format's measure.
type layout struct {
	d drawing
	m measureFunc
}

// add places s left-aligned at (x, y), cut to fit maxW. Empty text draws
// nothing.
func (lo *layout) add(x, y, size float64, bold bool, s string, maxW float64) {
	if s == "" {
		return
	}
	s = fitLine(s, maxW, size, bold, lo.m)
	lo.d.texts = append(lo.d.texts, text{x: x, y: y, size: size, w: lo.m(s, size, bold), bold: bold, s: s})
}

// addRight places s right-aligned to x, cut to fit maxW.
func (lo *layout) addRight(x, y, size float64, bold bool, s string, maxW float64) {
	if s == "" {
		return
	}
	s = fitLine(s, maxW, size, bold, lo.m)
	w := lo.m(s, size, bold)
	lo.d.texts = append(lo.d.texts, text{x: x - w, y: y, size: size, w: w, bold: bold, s: s,
		align: alignRight, left: x - maxW, width: maxW})
}

// addCenter centres s on cx, cut to fit maxW.
func (lo *layout) addCenter(cx, y, size float64, bold, white bool, s string, maxW float64) {
	if s == "" {
		return
	}
	s = fitLine(s, maxW, size, bold, lo.m)
	w := lo.m(s, size, bold)
	lo.d.texts = append(lo.d.texts, text{x: cx - w/2, y: y, size: size, w: w, bold: bold, white: white, s: s,
		align: alignCenter, left: cx - maxW/2, width: maxW})
}

// addWrapped places s in up to maxLines lines from baseline y, step mm
// apart, and returns the baseline after the last line.
func (lo *layout) addWrapped(x, y, size float64, bold bool, s string, maxW float64, maxLines int, step float64) float64 {
	if s == "" {
		return y
	}
	for _, line := range wrap(s, maxW, size, bold, maxLines, lo.m) {
		lo.d.texts = append(lo.d.texts, text{x: x, y: y, size: size, w: lo.m(line, size, bold), bold: bold, s: line})
		y += step
	}
	return y
}

// hrule draws a full-width line at y.
func (lo *layout) hrule(y float64) {
	lo.d.boxes = append(lo.d.boxes, box{x: 0, y: y - rule/2, w: pageW, h: rule})
}

// layOut lays out l. module is the bar module width in mm, which raster
// formats round to whole dots; m measures text in the format's font.
func layOut(l *Label, sym symbol, module float64, m measureFunc) drawing {
	lo := &layout{m: m}
	const (
		caption = 2.4 // size of the small captions
		right   = pageW - margin
	)

	// Header: the carrier, the service and the freight product.
	lo.add(margin, 11, 8, true, "helthjem", 40)
	headW := innerW - 40 - 3
	lo.addRight(right, 7.5, 3.8, true, clean(l.ServiceName), headW)
	fp := clean(l.FreightProductName)
	if l.FreightProductID != 0 {
		fp = strings.TrimSpace("FP " + strconv.Itoa(l.FreightProductID) + " " + fp)
	}
	lo.addRight(right, 13, 2.8, false, fp, headW)
	lo.hrule(16.5)

	// Sender.
	lo.add(margin, 20.5, caption, false, "Fra / Avsender", innerW)
	lo.add(margin, 25, 3.5, true, clean(l.Sender.Name), innerW)
	lo.add(margin, 29, 3.2, false, joinNonEmpty(", ", clean(l.Sender.CoAddress), clean(l.Sender.Address)), innerW)
	lo.add(margin, 33, 3.2, false, postalLine(l.Sender), innerW)
	lo.hrule(36)

	// Receiver: the largest text on the label, the postal line largest of all.
	lo.add(margin, 40.5, caption, false, "Til / Mottaker", innerW)
	y := lo.addWrapped(margin, 46.5, 5.5, true, clean(l.Receiver.Name), innerW, 2, 6.2)
	if co := clean(l.Receiver.CoAddress); co != "" {
		if !strings.HasPrefix(strings.ToLower(co), "c/o") {
			co = "c/o " + co
		}
		lo.add(margin, y, 4.2, false, co, innerW)
		y += 5
	}
	lo.addWrapped(margin, y, 4.2, false, clean(l.Receiver.Address), innerW, 2, 5)
	lo.add(margin, 76.5, 8, true, postalLine(l.Receiver), innerW)
	lo.hrule(80)

	// Routing: the route in white on black, the cars and nets beside it,
	// and where the parcel is handed out.
	r := l.Routing
	if route := clean(r.Routing); route != "" {
		lo.d.boxes = append(lo.d.boxes, box{x: margin, y: 82, w: 40, h: 17})
		lo.addCenter(margin+20, 94, 10, true, true, route, 37)
	}
	cell := func(x, y float64, name, value string) {
		lo.add(x, y, caption, false, name, 24)
		if value = clean(value); value == "" {
			value = "–"
		}
		lo.add(x, y+5.5, 4.5, true, value, 24)
	}
	cell(48, 84.5, "Bil", r.MainCarNumber)
	cell(74, 84.5, "Rute", r.RoutingDetailed)
	cell(48, 94, "Lev.pkt.bil", r.DeliveryPointCarID)
	cell(74, 94, "Nett", r.TransportNetID)
	sp := l.ServicePoint
	spAddr := clean(sp.Address)
	if spAddr == "" {
		spAddr = clean(r.RouteAddress)
	}
	if where := joinNonEmpty(", ", clean(sp.Name), spAddr, postalLine(sp)); where != "" {
		lo.add(margin, 105, 3, false, "Utlevering: "+where, innerW)
	}
	lo.hrule(108)

	// Parcel details.
	col2, col3 := margin+34, margin+66
	lo.add(margin, 112, caption, false, "Vekt", 30)
	lo.add(margin, 117.5, 4.2, true, weight(l.WeightGrams), 30)
	lo.add(col2, 112, caption, false, "Kolli", 30)
	lo.add(col2, 117.5, 4.2, true, strconv.Itoa(l.ItemNumber)+" av "+strconv.Itoa(l.ItemCount), 30)
	lo.add(col3, 112, caption, false, "Dato", right-col3)
	if !l.BookedAt.IsZero() {
		lo.add(col3, 117.5, 4.2, true, l.BookedAt.Format("02.01.2006"), right-col3)
	}
	lo.add(margin, 122, caption, false, "Sendingsnr.", 60)
	lo.add(margin, 127, 3.6, true, shipmentID(l.ShipmentID), col3-margin-2)
	lo.add(col3, 122, caption, false, "Ordrenr.", right-col3)
	if l.OrderID != 0 {
		lo.add(col3, 127, 3.6, true, strconv.FormatInt(l.OrderID, 10), right-col3)
	}
	lo.hrule(130)

	// The barcode, centred, its quiet zones inside the page.
	lo.add(margin, 134, caption, false, "SSCC", 30)
	b := bars{y: 136, h: barH, module: module, sym: sym}
	b.x = (pageW - b.width()) / 2
	lo.d.bars = b
	lo.addCenter(pageW/2, 174, 4, true, false, sym.humanReadable(), innerW)
	lo.hrule(179)

	lo.addCenter(pageW/2, 185.5, 2.6, false, false, "mockhelthjem · testetikett, ikke gyldig for transport", innerW)
	return lo.d
}

// postalLine is "0751 OSLO", with "SE-" before the code for a party
// outside Norway.
func postalLine(p Party) string {
	code := clean(p.PostalCode)
	if cc := strings.ToUpper(clean(p.CountryCode)); cc != "" && cc != "NO" && code != "" {
		code = cc + "-" + code
	}
	return joinNonEmpty(" ", code, strings.ToUpper(clean(p.Place)))
}

// shipmentID prints a GS1 shipment number, bare or prefixed, with its
// "(401)", and a shipmentId the client chose as given.
func shipmentID(s string) string {
	s = clean(s)
	if kind, digits := ids.Parse(s); kind == ids.KindShipment {
		return ids.ShipmentPrefix + digits
	}
	return s
}

// weight prints grams as kilograms with a decimal comma: "1,25 kg".
func weight(g int) string {
	if g <= 0 {
		return "–"
	}
	kg := strconv.Itoa(g/1000) + "," + strconv.Itoa(1000 + g%1000)[1:]
	kg = strings.TrimRight(kg, "0")
	if strings.HasSuffix(kg, ",") {
		kg += "0"
	}
	return kg + " kg"
}

// joinNonEmpty joins the non-empty parts with sep.
func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}
