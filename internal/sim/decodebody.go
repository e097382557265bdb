package sim

import (
	"bytes"
	"encoding/json"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

// The hot requests (coverage and bookings) are read from the body as
// validation parsed it (validate.Body), not parsed a second time: the
// result is decode's, value for value (TestBodyDecodingMatchesDecode,
// FuzzBodyDecoding). Where a value does not have the type its field
// takes, or a list is sent twice, the body is left to decode, which
// reports it as it always has; the spec's checks make that rare.

// decodeInto reads a validated body into v: from c.parsed when read
// reads it, else with decode.
func decodeInto[T any](c *call, v *T, read func(*T, validate.Value) bool) *apierror.Error {
	if c.parsed != nil {
		var fast T
		if read(&fast, c.parsed.Root()) {
			*v = fast
			return nil
		}
	}
	return decode(c.body, v)
}

// readAddress reads the body of find/single, nearby and dates.
func readAddress(req *addressReq, v validate.Value) bool {
	return readObject(v, func(key []byte, val validate.Value) bool {
		switch string(key) {
		case "shopId":
			return readJSON(&req.ShopID, val)
		case "transportSolutionId":
			return readJSON(&req.TransportSolutionID, val)
		case "freightProductId":
			return readJSON(&req.FreightProductID, val)
		case "zipCode":
			return readString(&req.ZipCode, val)
		case "countryCode":
			return readString(&req.CountryCode, val)
		case "weight":
			return readJSON(&req.Weight, val)
		}
		return true
	})
}

// readBooking reads the body of a booking.
func readBooking(req *bookingReq, v validate.Value) bool {
	var parties, items bool // seen
	return readObject(v, func(key []byte, val validate.Value) bool {
		switch string(key) {
		case "shopId":
			return readJSON(&req.ShopID, val)
		case "transportSolutionId":
			return readJSON(&req.TransportSolutionID, val)
		case "shipmentId":
			return readNullString(&req.ShipmentID, val)
		case "desiredDeliveryDate":
			req.DesiredDeliveryDate = bytes.Clone(val.Raw())
		case "messageToCarrier":
			return readNullString(&req.MessageToCarrier, val)
		case "messageToConsignee":
			return readNullString(&req.MessageToConsignee, val)
		case "parties":
			seen := parties
			parties = true
			return !seen && readList(&req.Parties, val, readParty)
		case "items":
			seen := items
			items = true
			return !seen && readList(&req.Items, val, readItem)
		}
		return true
	})
}

func readParty(pt *partyIn, v validate.Value) bool {
	var vals [11]string // one allocation for the party's strings, once one is read
	var block *[11]string
	return readObject(v, func(key []byte, val validate.Value) bool {
		i := -1
		switch string(key) {
		case "type":
			return readString(&pt.Type, val)
		case "id":
			pt.ID = bytes.Clone(val.Raw())
		case "name":
			i = 0
		case "countryCode":
			i = 1
		case "postalName":
			i = 2
		case "zipCode":
			i = 3
		case "address":
			i = 4
		case "coaddress":
			i = 5
		case "phone1":
			i = 6
		case "phone2":
			i = 7
		case "email":
			i = 8
		case "reference":
			i = 9
		case "contact":
			i = 10
		}
		if i >= 0 {
			if block == nil {
				block = &vals
			}
			return readNullStringAt(pt.strings()[i], &block[i], val)
		}
		return true
	})
}

func readItem(it *itemIn, v validate.Value) bool {
	return readObject(v, func(key []byte, val validate.Value) bool {
		switch string(key) {
		case "itemNumber":
			return readJSON(&it.ItemNumber, val)
		case "trackingReference":
			return readNullString(&it.TrackingReference, val)
		case "weight":
			return readJSON(&it.Weight, val)
		case "width":
			return readJSON(&it.Width, val)
		case "height":
			return readJSON(&it.Height, val)
		case "length":
			return readJSON(&it.Length, val)
		case "volume":
			return readJSON(&it.Volume, val)
		case "contents":
			return readNullString(&it.Contents, val)
		}
		return true
	})
}

// readObject calls field with each member of an object, in the order
// sent, until field returns false; it reports false then, or when v is
// no object.
func readObject(v validate.Value, field func(key []byte, val validate.Value) bool) bool {
	ok := v.Kind() == validate.Object
	v.Members(func(key []byte, val validate.Value) bool {
		ok = field(key, val)
		return ok
	})
	return ok
}

// readList reads an array of objects (null: no list).
func readList[T any](list *[]T, v validate.Value, read func(*T, validate.Value) bool) bool {
	switch v.Kind() {
	case validate.Null:
		*list = nil
		return true
	case validate.Array:
	default:
		return false
	}
	out := make([]T, v.Len())
	ok, i := true, 0
	v.Elements(func(e validate.Value) bool {
		ok = read(&out[i], e)
		i++
		return ok
	})
	*list = out
	return ok
}

func readString(s *string, v validate.Value) bool {
	if v.Kind() != validate.String {
		return false
	}
	*s = v.Text()
	return true
}

func readNullString(p **string, v validate.Value) bool {
	if v.Kind() == validate.String {
		s := v.Text()
		*p = &s
		return true
	}
	return readNullStringAt(p, nil, v)
}

// readNullStringAt reads a string or null into *p, a string into *slot
// and pointing *p at it (slot may be nil when v is no string).
func readNullStringAt(p **string, slot *string, v validate.Value) bool {
	switch v.Kind() {
	case validate.Null:
		*p = nil
	case validate.String:
		*slot = v.Text()
		*p = slot
	default:
		return false
	}
	return true
}

// readJSON reads a value through its type's UnmarshalJSON, as decode does.
func readJSON(u json.Unmarshaler, v validate.Value) bool {
	return u.UnmarshalJSON(v.Raw()) == nil
}
