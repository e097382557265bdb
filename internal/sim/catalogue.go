package sim

// The product catalogue: the transport solutions (TS) and freight products
// (FP) the simulator knows, what each is called, which carrier's service
// points it uses, and which of them nearby lists and bookings accept.
// Coverage (coverage.go), bookings (booking.go) and apply's checks
// (records.go) read it; nothing changes it.

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

type product struct {
	name, title, description string
	carrier                  string // fixture carrier of its service points
	transporter              string
}

var products = map[int]product{
	fpHome:       {name: "Helthjem hjemlevering", title: "Levert hjem", description: "Pakken leveres på døren", carrier: "helthjem", transporter: "Helthjem AS"},
	fpPostNord:   {name: "PostNord MyPack Collect", title: "Hent på utleveringssted", description: "Pakken sendes med PostNord til nærmeste utleveringssted", carrier: "postnord", transporter: "PostNord AS"},
	fpC2CPickup:  {name: "Helthjem C2C henting", title: "Henting hjemme", description: "Helthjem henter pakken hjemme hos avsender på valgt dato", carrier: "helthjem", transporter: "Helthjem AS"},
	fpHentepakke: {name: "Helthjem Hentepakke", title: "Hent i butikk", description: "Pakken leveres til valgt Helthjem utleveringssted", carrier: "helthjem", transporter: "Helthjem AS"},
	fpC2CSmall:   {name: "Helthjem C2C via butikk - small", title: "Retur fra hentested", description: "C2C pakker leveres inn med returkode ved et Helthjem utleveringssted, og leveres hjem eller til butikk", carrier: "helthjem", transporter: "Helthjem AS"},
	fpC2CLarge:   {name: "Helthjem C2C via butikk - medium/large", title: "Retur fra hentested", description: "C2C pakker leveres inn med returkode ved et Helthjem utleveringssted, og leveres hjem eller til butikk", carrier: "helthjem", transporter: "Helthjem AS"},
}

// nearbyProducts: which freight products nearby answers per TS, in order.
var nearbyProducts = map[int64][]int{
	tsHomeOrPoint: {fpHentepakke, fpPostNord},
	tsHentepakke:  {fpHentepakke, fpPostNord},
	tsPointsOnly:  {fpHentepakke},
	tsC2CSmall:    {fpC2CSmall},
	tsC2CLarge:    {fpC2CLarge},
}

// bookable lists the transport solutions bookings accept (route decides
// whose postal code counts).
var bookable = map[int64]bool{
	tsC2CPickup: true, tsC2CSmall: true, tsC2CLarge: true,
	tsHomeOrPoint: true, tsHomeOnly: true, tsHentepakke: true, tsPointsOnly: true,
}
