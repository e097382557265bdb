package sim

// The product catalogue: the transport solutions (TS) and freight products
// (FP) the simulator knows, what each is called, which carrier's service
// points it uses, how large a parcel may be, and which of them coverage,
// nearby and bookings accept. Coverage (coverage.go), bookings
// (booking.go) and apply's checks (records.go) read it; nothing changes it.

// Transport solutions (TS) and freight products (FP) the simulator knows.
const (
	tsHomeOrPoint = 1   // home → service point → PostNord
	tsHomeOnly    = 2   // home only
	tsHentepakke  = 62  // Hentepakke → PostNord
	tsPointsOnly  = 86  // Helthjem points only
	tsC2CPickup   = 23  // C2C doorstep pickup
	tsC2CSmall    = 113 // C2C service point, small
	tsC2CLarge    = 115 // C2C service point, medium/large

	fpHome       = 1
	fpPostNord   = 3
	fpC2CPickup  = 26
	fpHentepakke = 55
	fpC2CSmall   = 92
	fpC2CLarge   = 93 // inferred: TS 115's FP is not published
)

const (
	// nearbyKM: with no service point this close, nearby returns only the
	// closest one (the notes: "3 closest, or only the closest if none is
	// within 5 km").
	nearbyKM = 5.0
	// reachKM: a service point farther than this does not cover an address
	// (inferred; keeps Svalbard uncovered).
	reachKM = 50.0
)

// Carriers of service points, as the fixtures name them.
const (
	carrierHelthjem = "helthjem"
	carrierPostNord = "postnord"
)

type product struct {
	name, title, description string
	// coverName is find/single's productName for this product.
	coverName string
	// carrier is the fixture carrier of its service points; point tells
	// whether the parcel goes through one (as opposed to door to door).
	carrier     string
	point       bool
	transporter string
	max         limits
}

// limits are the largest parcel a freight product takes. Helthjem
// publishes no limits for its API products; these are the simulator's
// (inferred, documented in the spec's ItemIn and the README).
type limits struct {
	grams float64    // weight, g
	cm    [3]float64 // sides, longest first, cm
}

var (
	// limitsSmall: C2C via a shop, small (FP 92): a parcel that fits a
	// large mailbox or a shoebox.
	limitsSmall = limits{grams: 5_000, cm: [3]float64{40, 30, 20}}
	// limitsParcel: every other product, medium/large included.
	limitsParcel = limits{grams: 25_000, cm: [3]float64{120, 60, 60}}
)

var products = map[int]product{
	fpHome:       {name: "Helthjem hjemlevering", title: "Levert hjem", description: "Pakken leveres på døren", coverName: "HELTHJEM", transporter: "Helthjem AS", max: limitsParcel},
	fpPostNord:   {name: "PostNord MyPack Collect", title: "Hent på utleveringssted", description: "Pakken sendes med PostNord til nærmeste utleveringssted", coverName: "POSTNORD_MYPACK", carrier: carrierPostNord, point: true, transporter: "PostNord AS", max: limitsParcel},
	fpC2CPickup:  {name: "Helthjem C2C henting", title: "Henting hjemme", description: "Helthjem henter pakken hjemme hos avsender på valgt dato", coverName: "HELTHJEM_MEGTILDEG", transporter: "Helthjem AS", max: limitsParcel},
	fpHentepakke: {name: "Helthjem Hentepakke", title: "Hent i butikk", description: "Pakken leveres til valgt Helthjem utleveringssted", coverName: "HELTHJEM_SHOP", carrier: carrierHelthjem, point: true, transporter: "Helthjem AS", max: limitsParcel},
	fpC2CSmall:   {name: "Helthjem C2C via butikk - small", title: "Retur fra hentested", description: "C2C pakker leveres inn med returkode ved et Helthjem utleveringssted, og leveres hjem eller til butikk", coverName: "HELTHJEM_SHOP", carrier: carrierHelthjem, point: true, transporter: "Helthjem AS", max: limitsSmall},
	fpC2CLarge:   {name: "Helthjem C2C via butikk - medium/large", title: "Retur fra hentested", description: "C2C pakker leveres inn med returkode ved et Helthjem utleveringssted, og leveres hjem eller til butikk", coverName: "HELTHJEM_SHOP", carrier: carrierHelthjem, point: true, transporter: "Helthjem AS", max: limitsParcel},
}

// solutions are the transport solutions the simulator simulates, each with
// its freight products in fallback order (notes §5): find/single answers
// the first one offered at the address, a booking books it.
var solutions = map[int64][]int{
	tsHomeOrPoint: {fpHome, fpHentepakke, fpPostNord},
	tsHomeOnly:    {fpHome},
	tsHentepakke:  {fpHentepakke, fpPostNord},
	tsPointsOnly:  {fpHentepakke},
	tsC2CPickup:   {fpC2CPickup},
	tsC2CSmall:    {fpC2CSmall},
	tsC2CLarge:    {fpC2CLarge},
}

// simulatedList names the simulated transport solutions for messages.
const simulatedList = "1, 2, 23, 62, 86, 113 or 115"

// c2c reports whether ts is a C2C solution: the sender is a private
// person, and the parcel is delivered home or to a shop.
func c2c(ts int) bool { return ts == tsC2CPickup || ts == tsC2CSmall || ts == tsC2CLarge }

// nearbyProducts: which freight products nearby answers per TS, in order.
var nearbyProducts = map[int64][]int{
	tsHomeOrPoint: {fpHentepakke, fpPostNord},
	tsHentepakke:  {fpHentepakke, fpPostNord},
	tsPointsOnly:  {fpHentepakke},
	tsC2CSmall:    {fpC2CSmall},
	tsC2CLarge:    {fpC2CLarge},
}

// bookable lists the transport solutions bookings accept: the simulated
// ones (route decides whose postal code counts).
var bookable = func() map[int64]bool {
	m := make(map[int64]bool, len(solutions))
	for ts := range solutions {
		m[ts] = true
	}
	return m
}()

// namesPoint reports whether a booking of ts may name a service point of
// carrier: Helthjem's always (a C2C parcel is delivered home or to a
// Helthjem shop; a Helthjem parcel's point is a Helthjem one), PostNord's
// when ts has a PostNord product.
func namesPoint(ts int, carrier string) bool {
	if carrier == carrierHelthjem {
		return true
	}
	for _, fp := range solutions[int64(ts)] {
		if products[fp].carrier == carrier {
			return true
		}
	}
	return false
}

// pointProduct returns ts's product through a service point of carrier,
// if it has one.
func pointProduct(ts int, carrier string) (int, bool) {
	for _, fp := range solutions[int64(ts)] {
		if p := products[fp]; p.point && p.carrier == carrier {
			return fp, true
		}
	}
	return 0, false
}
