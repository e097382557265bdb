package sim

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// The booking answer, the largest and most frequent one, is written here
// without reflection: by hand, field by field, byte for byte as
// encoding/json's Marshal writes the same values (the same field order,
// HTML-safe string escapes, invalid UTF-8 as \ufffd, raw ids compacted
// and escaped). TestAnswerEncodingMatchesMarshal holds the two to the
// same bytes. Every other answer goes through json.Marshal.

// appender is an answer that writes its own JSON, as json.Marshal would.
type appender interface {
	appendJSON(b []byte) ([]byte, error)
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it (encode.go's appendString with escapeHTML).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if htmlSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// htmlSafe is encoding/json's htmlSafeSet: the ASCII bytes written as
// they are in a string.
var htmlSafe = func() (set [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		set[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return set
}()

// appendNullString appends *p as a JSON string, or null.
func appendNullString(b []byte, p *string) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *p)
}

// appendRaw appends a raw JSON value as json.Marshal writes a
// json.RawMessage: null when nil, else checked, compacted and with <, >,
// & and the line separators escaped. null, an integer, and a string of
// ASCII that needs no escape are written as they are, as Marshal would
// leave them.
func appendRaw(b []byte, raw json.RawMessage) ([]byte, error) {
	if raw == nil || string(raw) == "null" {
		return append(b, "null"...), nil
	}
	if plainString(raw) || plainInteger(raw) {
		return append(b, raw...), nil
	}
	out, err := json.Marshal(raw)
	return append(b, out...), err
}

// plainString reports whether raw is a JSON string of ASCII characters
// that need no escape.
func plainString(raw []byte) bool {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return false
	}
	for _, c := range raw[1 : len(raw)-1] {
		if c >= utf8.RuneSelf || !htmlSafe[c] {
			return false
		}
	}
	return true
}

// plainInteger reports whether raw is a JSON integer: -?(0|[1-9][0-9]*).
func plainInteger(raw []byte) bool {
	if len(raw) > 0 && raw[0] == '-' {
		raw = raw[1:]
	}
	if len(raw) == 0 || (raw[0] == '0' && len(raw) > 1) {
		return false
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// appendKey appends a member's name, and the colon; comma says whether a
// comma goes first.
func appendKey(b []byte, key string, comma bool) []byte {
	if comma {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// appendFlexNum appends f as its MarshalJSON does.
func appendFlexNum(b []byte, f flexNum) []byte {
	if !f.Set {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, f.V, 'f', -1, 64)
}

// appendEmptyOr appends an always-empty list ([] or null); any other goes
// through json.Marshal.
func appendEmptyOr(b []byte, list []any) ([]byte, error) {
	switch {
	case list == nil:
		return append(b, "null"...), nil
	case len(list) == 0:
		return append(b, '[', ']'), nil
	}
	out, err := json.Marshal(list)
	return append(b, out...), err
}

// appendArray appends list as a JSON array (null when nil), each element
// written by each.
func appendArray[T any](b []byte, list []T, each func(*T, []byte) ([]byte, error)) ([]byte, error) {
	if list == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i := range list {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = each(&list[i], b); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

func (r bookingResp) appendJSON(b []byte) ([]byte, error) {
	var err error
	b = appendKey(append(b, '{'), "shipmentId", false)
	b = appendJSONString(b, r.ShipmentID)
	b = appendKey(b, "freightProductId", true)
	b = strconv.AppendInt(b, int64(r.FreightProductID), 10)
	b = appendKey(b, "parties", true)
	if b, err = appendArray(b, r.Parties, (*partyOut).appendJSON); err != nil {
		return b, err
	}
	b = appendKey(b, "items", true)
	if b, err = appendArray(b, r.Items, (*itemOut).appendJSON); err != nil {
		return b, err
	}
	b = appendKey(b, "properties", true)
	b = r.Properties.appendJSON(b)
	b = appendKey(b, "additionalServices", true)
	if b, err = appendEmptyOr(b, r.AdditionalServices); err != nil {
		return b, err
	}
	b = appendKey(b, "orderId", true)
	b = strconv.AppendInt(b, r.OrderID, 10)
	return append(b, '}'), nil
}

func (p *partyOut) appendJSON(b []byte) ([]byte, error) {
	b = appendKey(append(b, '{'), "type", false)
	b = appendJSONString(b, p.Type)
	b = appendKey(b, "id", true)
	b, err := appendRaw(b, p.ID)
	if err != nil {
		return b, err
	}
	for _, f := range [...]struct {
		key string
		v   *string
	}{
		{"name", p.Name}, {"countryCode", p.CountryCode}, {"postalName", p.PostalName}, {"zipCode", p.ZipCode},
		{"address", p.Address}, {"detailedAddress", p.DetailedAddress}, {"phone1", p.Phone1}, {"phone2", p.Phone2},
		{"email", p.Email}, {"reference", p.Reference}, {"contact", p.Contact}, {"coaddress", p.Coaddress},
	} {
		b = appendNullString(appendKey(b, f.key, true), f.v)
	}
	return append(b, '}'), nil
}

func (it *itemOut) appendJSON(b []byte) ([]byte, error) {
	b = appendKey(append(b, '{'), "itemId", false)
	b = appendNullString(b, it.ItemID)
	b = appendKey(b, "itemNumber", true)
	b = strconv.AppendInt(b, it.ItemNumber, 10)
	b = appendKey(b, "trackingReference", true)
	b = appendJSONString(b, it.TrackingReference)
	b = appendNullString(appendKey(b, "returnCode", true), it.ReturnCode)
	b = appendNullString(appendKey(b, "linkedParcelType", true), it.LinkedParcelType)
	b = appendNullString(appendKey(b, "linkedTrackingReference", true), it.LinkedTrackingReference)
	b = appendFlexNum(appendKey(b, "weight", true), it.Weight)
	b = appendFlexNum(appendKey(b, "volume", true), it.Volume)
	b = appendFlexNum(appendKey(b, "length", true), it.Length)
	b = appendFlexNum(appendKey(b, "height", true), it.Height)
	b = appendFlexNum(appendKey(b, "width", true), it.Width)
	b = appendNullString(appendKey(b, "contentValue", true), it.ContentValue)
	b = appendNullString(appendKey(b, "externalSupplierId", true), it.ExternalSupplierID)
	b = appendNullString(appendKey(b, "contents", true), it.Contents)
	b = appendKey(b, "properties", true)
	b = appendKey(append(b, '{'), "shortItemIdentifier", false)
	b = append(appendJSONString(b, it.Properties.ShortItemIdentifier), '}')
	b = appendKey(b, "articles", true)
	b, err := appendEmptyOr(b, it.Articles)
	if err != nil {
		return b, err
	}
	b = appendNullString(appendKey(b, "externalOrderId", true), it.ExternalOrderID)
	return append(b, '}'), nil
}

func (p *bookingProps) appendJSON(b []byte) []byte {
	b = append(b, '{')
	comma := false
	for _, f := range [...]struct {
		key       string
		v         *string
		omitEmpty bool
	}{
		{"areaId", p.AreaID, false},
		{"deliveryPointCarId", p.DeliveryPointCarID, true},
		{"distributionDate", p.DistributionDate, false},
		{"freightProductName", p.FreightProductName, false},
		{"mainCarNumber", p.MainCarNumber, true},
		{"pickupZipString", p.PickupZipString, true},
		{"productName", p.ProductName, false},
		{"regionId", p.RegionID, false},
		{"retailerId", p.RetailerID, true},
		{"routeAddress", p.RouteAddress, true},
		{"routeDescription", p.RouteDescription, false},
		{"routeName", p.RouteName, false},
		{"routeSeq", p.RouteSeq, true},
		{"routeZipAndCity", p.RouteZipAndCity, false},
		{"routing", p.Routing, true},
		{"routingDescription", p.RoutingDescription, true},
		{"routingDetailed", p.RoutingDetailed, true},
		{"servicePointType", p.ServicePointType, true},
		{"shopName", p.ShopName, false},
		{"transportNetId", p.TransportNetID, true},
	} {
		if f.omitEmpty && f.v == nil {
			continue
		}
		b = appendNullString(appendKey(b, f.key, comma), f.v)
		comma = true
	}
	return append(b, '}')
}
