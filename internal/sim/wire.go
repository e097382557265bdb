package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
)

// flexInt is an id sent as a JSON integer or a string of digits. The spec has
// already checked the form; decoding only has to accept both.
type flexInt struct {
	V   int64
	Set bool
}

// numberText returns a JSON number or quoted number as text; null is "".
func numberText(b []byte) (string, error) {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		return "", nil
	}
	if len(s) >= 2 && s[0] == '"' {
		var err error
		if s, err = strconv.Unquote(s); err != nil {
			return "", err
		}
	}
	return strings.TrimSpace(s), nil
}

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s, err := numberText(b)
	if err != nil || s == "" {
		*f = flexInt{}
		return err
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// 16.0 is an integer to JSON Schema.
		fv, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || fv != float64(int64(fv)) {
			// A type error, so decode reports the field, not a parse error.
			return &json.UnmarshalTypeError{Value: "number " + s, Type: reflect.TypeFor[int64]()}
		}
		v = int64(fv)
	}
	*f = flexInt{V: v, Set: true}
	return nil
}

func (f flexInt) MarshalJSON() ([]byte, error) {
	if !f.Set {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, f.V, 10), nil
}

// flexNum is a measure sent as a JSON number, a string of digits or null;
// "" (the spec allows it) is not given, as null is.
type flexNum struct {
	V   float64
	Set bool
}

func (f *flexNum) UnmarshalJSON(b []byte) error {
	s, err := numberText(b)
	if err != nil || s == "" {
		*f = flexNum{}
		return err
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return errors.New("not a number")
	}
	*f = flexNum{V: v, Set: true}
	return nil
}

func (f flexNum) MarshalJSON() ([]byte, error) {
	if !f.Set {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, f.V, 'f', -1, 64), nil
}

// str returns *p or "".
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// addressReq is the body of find/single, nearby and dates.
type addressReq struct {
	ShopID              flexInt `json:"shopId"`
	TransportSolutionID flexInt `json:"transportSolutionId"`
	FreightProductID    flexInt `json:"freightProductId"`
	ZipCode             string  `json:"zipCode"`
	CountryCode         string  `json:"countryCode"`
	Weight              flexNum `json:"weight"` // grams
}

type addressCheckResp struct {
	ProductName  string `json:"productName"`
	HandoverCity string `json:"handoverCity"`
}

type nearbyResp struct {
	FreightProducts []freightProduct `json:"freightProducts"`
}

type freightProduct struct {
	TransporterID      int            `json:"transporterId"`
	TransporterName    string         `json:"transporterName"`
	FreightProductID   int            `json:"freightProductId"`
	FreightName        string         `json:"freightName"`
	FreightTitle       string         `json:"freightTitle"`
	FreightDescription string         `json:"freightDescription"`
	ServicePoints      []servicePoint `json:"servicePoints"`
	Properties         struct{}       `json:"properties"`
}

type servicePoint struct {
	ExternalID           string         `json:"servicePointExternalId"`
	Name                 string         `json:"servicePointName"`
	OpeningHours         []openingHours `json:"openingHours"`
	VisitingAddress      postalAddress  `json:"visitingAddress"`
	DeliveryAddress      postalAddress  `json:"deliveryAddress"`
	RoutingCode          *string        `json:"routingCode"`
	EligibleParcelOutlet bool           `json:"eligibleParcelOutlet"`
	Coordinates          []coordinates  `json:"servicePointCoordinates"`
}

type openingHours struct {
	Day   string `json:"day"`
	From1 string `json:"from1"`
	To1   string `json:"to1"`
}

type postalAddress struct {
	PostalCode   string `json:"postalCode"`
	CountryCode  string `json:"countryCode"`
	StreetNumber string `json:"streetNumber"`
	StreetName   string `json:"streetName"`
	PostalName   string `json:"postalName"`
}

type coordinates struct {
	Northing float64 `json:"northing"`
	Easting  float64 `json:"easting"`
}

type datesResp struct {
	Dates []string `json:"dates"`
}

type tokenReq struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	GrantType    string `json:"grant_type"`
}

type tokenResp struct {
	Token     string `json:"token"`
	ExpiresIn int    `json:"expires_in"`
	TokenType string `json:"token_type"`
}

// bookingReq is the body of POST /parcels/v1/bookings.
type bookingReq struct {
	ShopID              flexInt         `json:"shopId"`
	TransportSolutionID flexInt         `json:"transportSolutionId"`
	ShipmentID          *string         `json:"shipmentId"`
	DesiredDeliveryDate json.RawMessage `json:"desiredDeliveryDate"`
	MessageToCarrier    *string         `json:"messageToCarrier"`
	MessageToConsignee  *string         `json:"messageToConsignee"`
	Parties             []partyIn       `json:"parties"`
	Items               []itemIn        `json:"items"`
}

type partyIn struct {
	Type        string          `json:"type"`
	ID          json.RawMessage `json:"id"`
	Name        *string         `json:"name"`
	CountryCode *string         `json:"countryCode"`
	PostalName  *string         `json:"postalName"`
	ZipCode     *string         `json:"zipCode"`
	Address     *string         `json:"address"`
	Coaddress   *string         `json:"coaddress"`
	Phone1      *string         `json:"phone1"`
	Phone2      *string         `json:"phone2"`
	Email       *string         `json:"email"`
	Reference   *string         `json:"reference"`
	Contact     *string         `json:"contact"`
}

type itemIn struct {
	ItemNumber        flexInt `json:"itemNumber"`
	TrackingReference *string `json:"trackingReference"`
	Weight            flexNum `json:"weight"`
	Width             flexNum `json:"width"`
	Height            flexNum `json:"height"`
	Length            flexNum `json:"length"`
	Volume            flexNum `json:"volume"`
	Contents          *string `json:"contents"`
}

// bookingResp is the answer to a booking. Orders keep what renders it
// (see order.Req), not the answer.
type bookingResp struct {
	ShipmentID         string       `json:"shipmentId"`
	FreightProductID   int          `json:"freightProductId"`
	Parties            []partyOut   `json:"parties"`
	Items              []itemOut    `json:"items"`
	Properties         bookingProps `json:"properties"`
	AdditionalServices []any        `json:"additionalServices"`
	OrderID            int64        `json:"orderId"`
}

// bookingProps are a booking answer's properties: the keys of every
// booking, null or not, and those of a parcel through a service point
// (omitted for others), in the sorted order in which json.Marshal wrote
// the map[string]*string they once were.
type bookingProps struct {
	AreaID             *string `json:"areaId"`
	DeliveryPointCarID *string `json:"deliveryPointCarId,omitempty"`
	DistributionDate   *string `json:"distributionDate"`
	FreightProductName *string `json:"freightProductName"`
	MainCarNumber      *string `json:"mainCarNumber,omitempty"`
	PickupZipString    *string `json:"pickupZipString,omitempty"`
	ProductName        *string `json:"productName"`
	RegionID           *string `json:"regionId"`
	RetailerID         *string `json:"retailerId,omitempty"`
	RouteAddress       *string `json:"routeAddress,omitempty"`
	RouteDescription   *string `json:"routeDescription"`
	RouteName          *string `json:"routeName"`
	RouteSeq           *string `json:"routeSeq,omitempty"`
	RouteZipAndCity    *string `json:"routeZipAndCity"`
	Routing            *string `json:"routing,omitempty"`
	RoutingDescription *string `json:"routingDescription,omitempty"`
	RoutingDetailed    *string `json:"routingDetailed,omitempty"`
	ServicePointType   *string `json:"servicePointType,omitempty"`
	ShopName           *string `json:"shopName"`
	TransportNetID     *string `json:"transportNetId,omitempty"`
}

type partyOut struct {
	Type            string          `json:"type"`
	ID              json.RawMessage `json:"id"`
	Name            *string         `json:"name"`
	CountryCode     *string         `json:"countryCode"`
	PostalName      *string         `json:"postalName"`
	ZipCode         *string         `json:"zipCode"`
	Address         *string         `json:"address"`
	DetailedAddress *string         `json:"detailedAddress"`
	Phone1          *string         `json:"phone1"`
	Phone2          *string         `json:"phone2"`
	Email           *string         `json:"email"`
	Reference       *string         `json:"reference"`
	Contact         *string         `json:"contact"`
	Coaddress       *string         `json:"coaddress"`
}

type itemOut struct {
	ItemID                  *string        `json:"itemId"`
	ItemNumber              int64          `json:"itemNumber"`
	TrackingReference       string         `json:"trackingReference"`
	ReturnCode              *string        `json:"returnCode"`
	LinkedParcelType        *string        `json:"linkedParcelType"`
	LinkedTrackingReference *string        `json:"linkedTrackingReference"`
	Weight                  flexNum        `json:"weight"`
	Volume                  flexNum        `json:"volume"`
	Length                  flexNum        `json:"length"`
	Height                  flexNum        `json:"height"`
	Width                   flexNum        `json:"width"`
	ContentValue            *string        `json:"contentValue"`
	ExternalSupplierID      *string        `json:"externalSupplierId"`
	Contents                *string        `json:"contents"`
	Properties              itemProperties `json:"properties"`
	Articles                []any          `json:"articles"`
	ExternalOrderID         *string        `json:"externalOrderId"`
}

type itemProperties struct {
	ShortItemIdentifier string `json:"shortItemIdentifier"`
}

// trackedShipment is one shipment of a tracking answer, in exactly the
// documented shape (notes §3.6). What else the mock knows of the order
// (orderId, freight product, transport solution, ...) is in /__sim/state.
type trackedShipment struct {
	ShipmentNumber string        `json:"shipmentNumber"`
	ShopID         int64         `json:"shopId"`
	Items          []trackedItem `json:"items"`
}

type trackedItem struct {
	TrackingNumber      string         `json:"trackingNumber"`
	ReturnCode          *string        `json:"returnCode"`
	FreightProductID    int            `json:"freightProductId"`
	ParcelStatus        string         `json:"parcelStatus"`
	LinkedParcelNumbers []string       `json:"linkedParcelNumbers"`
	Events              []trackedEvent `json:"events"`
}

// trackedEvent is exactly the documented event (reference notes §3.6):
// eventTime, eventType and eventGroup's id. eventType's description is
// the simulator's (inferred: the example elides it); the service point of
// a drop-off is in /__sim/state, not here.
type trackedEvent struct {
	EventTime  string     `json:"eventTime"`
	EventType  eventType  `json:"eventType"`
	EventGroup eventGroup `json:"eventGroup"`
}

type eventType struct {
	APIKey      string `json:"apiKey"`
	Description string `json:"description"`
}

type eventGroup struct {
	ID int `json:"id"`
}

func ptr[T any](v T) *T { return &v }
