package label

import (
	"errors"
	"fmt"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/ids"
)

// Label describes the label of one item of a parcel. A parcel of N items
// has N labels that differ only in ItemNumber, SSCC and WeightGrams.
//
// Every text field is printed as given after cleaning (control characters
// become spaces, runs of white space collapse); a field too long for its
// place is wrapped or cut with "…", never drawn outside it. Empty fields are
// left out.
type Label struct {
	Sender   Party // the consignor (for a web shop, the shop)
	Receiver Party // the consignee
	// ServicePoint is where the parcel is handed out when it does not go
	// to the door; the zero Party when there is none.
	ServicePoint Party

	ServiceName        string // the booked service, e.g. "Levert hjem"
	FreightProductID   int    // e.g. 1; 0 leaves the number out
	FreightProductName string // e.g. "Helthjem hjemlevering"
	WeightGrams        int    // the item's weight in grams (the booking's items[].weight); 0 when not known

	Routing Routing // the routing block the booking answered

	// ShipmentID is the booking's shipmentId: "(401)" and 17 digits, the
	// bare 17 digits (printed with "(401)") or a shipmentId the client
	// chose (printed as given).
	ShipmentID string
	OrderID    int64     // the booking's orderId; 0 leaves it out
	BookedAt   time.Time // printed as a date in its own location; also the PDF's creation date

	ItemNumber int // 1-based position of this item in the parcel
	ItemCount  int // number of items in the parcel, ItemNumber ≤ ItemCount

	// SSCC is the item's trackingReference: 18 digits with a valid GS1
	// check digit, with or without "(00)". It is the barcode's data.
	SSCC string
}

// Party is a sender, receiver or service point as printed on a label.
type Party struct {
	Name        string
	CoAddress   string // "c/o" line; empty when none
	Address     string // street and number
	PostalCode  string // e.g. "0751"
	Place       string // postal place, e.g. "Oslo"; printed in capitals
	CountryCode string // ISO 3166 alpha-2; printed only when it is not "NO"
}

// IsZero reports whether p has no field set.
func (p Party) IsZero() bool { return p == Party{} }

// Routing is the routing block of a booking answer (its "properties"),
// as a sorting terminal reads it off the label. Empty fields are left out;
// a label whose routing is all empty (a C2C pickup) prints no routing box.
type Routing struct {
	Routing            string // "routing", e.g. "312-7": printed large, white on black
	RoutingDetailed    string // "routingDetailed"
	MainCarNumber      string // "mainCarNumber"
	DeliveryPointCarID string // "deliveryPointCarId"
	TransportNetID     string // "transportNetId"
	RouteAddress       string // "routeAddress": the delivery point's street address
}

// RoutingFromProperties picks the routing block out of a booking answer's
// "properties" object (the carrier's names, values strings or null).
// Missing and null keys give empty fields.
func RoutingFromProperties(props map[string]*string) Routing {
	get := func(k string) string {
		if v := props[k]; v != nil {
			return *v
		}
		return ""
	}
	return Routing{
		Routing:            get("routing"),
		RoutingDetailed:    get("routingDetailed"),
		MainCarNumber:      get("mainCarNumber"),
		DeliveryPointCarID: get("deliveryPointCarId"),
		TransportNetID:     get("transportNetId"),
		RouteAddress:       get("routeAddress"),
	}
}

// Options tunes a rendering. The zero value is the default.
type Options struct {
	// DPI is the resolution of PNG and ZPL output: 203 (the default, 8
	// dots per mm) or 300 (PNG at 300 dpi; ZPL at a 300 dpi printer's 12
	// dots per mm). PDF and SVG are vector formats and ignore it.
	DPI int
}

// Errors returned by Render. Their messages never repeat label contents,
// so they may be shown to a client.
var (
	// ErrNoLabels: Render was given no labels.
	ErrNoLabels = errors.New("label: no labels to render")
	// ErrInvalid: a label cannot be printed (bad SSCC, item numbering).
	// The error wraps it with the reason.
	ErrInvalid = errors.New("label: invalid label")
	// ErrTooMany: more than MaxLabels labels in one rendering.
	ErrTooMany = errors.New("label: too many labels")
	// ErrUnsupported: Options or the Format are not ones this package knows.
	ErrUnsupported = errors.New("label: unsupported option")
)

// MaxLabels is the most labels one Render call draws: twice the ten items
// a booking may have. It bounds a PNG strip's memory (about 2.7 MB a label
// at 300 dpi).
const MaxLabels = 20

// Render draws labels in format f, one label per item: one page each in a
// PDF, one ^XA…^XZ block each in ZPL, and for PNG and SVG one image with
// the labels stacked top to bottom (see the package doc). To get a single
// item's label, pass only that Label. The output depends only on the
// arguments, so the same labels always give the same bytes. Render is
// safe for concurrent use.
func Render(f Format, labels []Label, opt Options) ([]byte, error) {
	if len(labels) == 0 {
		return nil, ErrNoLabels
	}
	if len(labels) > MaxLabels {
		return nil, fmt.Errorf("%w: %d, at most %d", ErrTooMany, len(labels), MaxLabels)
	}
	res, err := resolution(f, opt.DPI)
	if err != nil {
		return nil, err
	}
	codes := make([]symbol, len(labels))
	for i := range labels {
		if codes[i], err = check(&labels[i]); err != nil {
			return nil, fmt.Errorf("label %d: %w", i+1, err)
		}
	}
	switch f {
	case PDF:
		return renderPDF(labels, codes)
	case PNG:
		return renderPNG(labels, codes, res)
	case SVG:
		return renderSVG(labels, codes), nil
	case ZPL:
		return renderZPL(labels, codes, res), nil
	}
	return nil, fmt.Errorf("%w: format %d", ErrUnsupported, int(f))
}

// check validates what Render cannot print around and encodes l's barcode.
func check(l *Label) (symbol, error) {
	kind, sscc := ids.Parse(l.SSCC)
	if kind != ids.KindSSCC || !ids.ValidGS1(sscc) {
		return symbol{}, fmt.Errorf("%w: SSCC must be 18 digits with a valid check digit, with or without \"(00)\"", ErrInvalid)
	}
	if l.ItemCount < 1 || l.ItemNumber < 1 || l.ItemNumber > l.ItemCount {
		return symbol{}, fmt.Errorf("%w: item number %d of %d is not 1 ≤ number ≤ count", ErrInvalid, l.ItemNumber, l.ItemCount)
	}
	return encodeSSCC(sscc)
}
