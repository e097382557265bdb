// Package errorkey names every errorKey the mockhelthjem simulator answers
// with, so that a test or a client can match on a constant instead of a
// string it typed:
//
//	if e.ErrorKey == errorkey.NoCarrierSupport { … offer service points … }
//
// Every error the simulator answers has Helthjem's shape,
// {"errorKey", "message", "statusCode", "code", "errorMap"}, and its
// errorKey is one of these constants. They are public interface: a key
// keeps its value, and a new one is added here and to the README's error
// table (a test keeps the three in step).
//
// The keys the carrier documents (no.carrier.support, no.access.shop.id,
// cannot.find.order) have the carrier's values. The others are the
// simulator's own, named in the carrier's style; the real API may answer
// such a case with another key (contracttest reports it when it does).
//
// It holds constants only: no types, no functions, no dependencies.
package errorkey

// Coverage, pickup dates and bookings.
const (
	// NoCarrierSupport (400): the address is not covered by that transport
	// solution. Documented by the carrier.
	NoCarrierSupport = "no.carrier.support"
	// InvalidZipCode (400): the postal code does not exist (as opposed to
	// existing and not being covered).
	InvalidZipCode = "invalid.zipCode"
	// InvalidFreightProductID (400): pickup dates were asked for a freight
	// product other than 26.
	InvalidFreightProductID = "invalid.freightProductId"
	// InvalidDesiredDeliveryDate (400): the date is not 20260617,
	// "20260617" or "2026-06-17".
	InvalidDesiredDeliveryDate = "invalid.format.desiredDeliveryDate"
	// DistributionDateNotInFuture (400): the pickup date is today or
	// earlier.
	DistributionDateNotInFuture = "distributionDate.must.be.in.future"
	// DesiredDeliveryDateNotAvailable (400): the pickup date is not one of
	// the offered dates (a Sunday, a public holiday, too far ahead).
	DesiredDeliveryDateNotAvailable = "desiredDeliveryDate.not.available"
	// UnknownServicePoint (400): no service point with that id for the
	// freight product.
	UnknownServicePoint = "unknown.servicePoint"
	// InvalidTrackingReference (400): a supplied trackingReference is not an
	// SSCC with a valid check digit.
	InvalidTrackingReference = "invalid.format.trackingReference"
	// UnsupportedTransportSolution (400): the transport solution cannot be
	// booked.
	UnsupportedTransportSolution = "unsupported.transportSolutionId"
	// ItemTooHeavy (400): an item is heavier than Helthjem carries.
	ItemTooHeavy = "item.too.heavy"
	// ItemTooLarge (400): an item is larger than Helthjem carries.
	ItemTooLarge = "item.too.large"
	// DuplicateShipmentID (409): the shipmentId is already booked with a
	// different request, by any client.
	DuplicateShipmentID = "duplicate.shipmentId"
	// DuplicateTrackingReference (409): the trackingReference is already
	// booked, or used twice in one booking.
	DuplicateTrackingReference = "duplicate.trackingReference"
	// CannotFindOrder (404): no order with that identifier. Documented by
	// the carrier.
	CannotFindOrder = "cannot.find.order"
)

// Labels (GET /parcels/v1/labels/{identifier}/{labelType}).
const (
	// InvalidLabelType (400): a labelType other than unified-large.
	InvalidLabelType = "invalid.labelType"
	// LabelNotApplicable (400): a label for a labelless C2C parcel (TS 23,
	// 113, 115); the sender writes the returnCode on the parcel instead.
	LabelNotApplicable = "label.not.applicable"
	// NotAcceptable (406): the Accept header allows none of PDF, PNG, SVG
	// and ZPL.
	NotAcceptable = "not.acceptable"
)

// Requests the simulator cannot read or route.
const (
	// ParseFailed (400): the body is not JSON.
	ParseFailed = "failed.to.parse.request"
	// InvalidRequest (400): the body or parameters break the spec; the
	// errorMap names each field.
	InvalidRequest = "invalid.request"
	// NotFound (404): no such path.
	NotFound = "not.found"
	// MethodNotAllowed (405): the path exists, the method does not.
	MethodNotAllowed = "method.not.allowed"
	// URITooLong (414): the path and query string are longer than
	// -max-path.
	URITooLong = "uri.too.long"
	// RequestTimeout (408): the body did not arrive within -read-timeout.
	RequestTimeout = "request.timeout"
	// RequestHeaderTooLarge (431): the request's headers are too large.
	RequestHeaderTooLarge = "request.header.too.large"
	// UnsupportedTransferEncoding (501): a Transfer-Encoding other than
	// chunked.
	UnsupportedTransferEncoding = "unsupported.transfer.encoding"
	// HTTPVersionNotSupported (505): not HTTP/1.x or 2.
	HTTPVersionNotSupported = "http.version.not.supported"
	// ExpectationFailed (417): an Expect header other than 100-continue.
	ExpectationFailed = "expectation.failed"
	// RequestTooLarge (413): the body is over 1 MiB.
	RequestTooLarge = "request.too.large"
	// UnsupportedMediaType (415): the body is not JSON by its Content-Type.
	UnsupportedMediaType = "unsupported.media.type"
)

// Tokens and access.
const (
	// UnsupportedGrantType (400): grant_type is not client_credentials.
	UnsupportedGrantType = "unsupported.grant.type"
	// AuthenticationMissing (401): no Authorization header.
	AuthenticationMissing = "authentication.missing"
	// AuthenticationInvalid (401): a malformed or forged token, or a wrong
	// admin token.
	AuthenticationInvalid = "authentication.invalid"
	// AuthenticationExpired (401): the token is past its 24 simulated
	// hours.
	AuthenticationExpired = "authentication.expired"
	// AuthenticationFailed (401): wrong client_id or client_secret.
	AuthenticationFailed = "authentication.failed"
	// NoAccessShopID (403): the token does not grant the shop. Documented by
	// the carrier.
	NoAccessShopID = "no.access.shop.id"
)

// Drop-offs (POST /__sim/dropoffs).
const (
	// ParcelAlreadyPickedUp (409): the parcel was picked up.
	ParcelAlreadyPickedUp = "parcel.already.picked.up"
	// ParcelAlreadyDroppedOff (409): the parcel was dropped off (a
	// converted one included).
	ParcelAlreadyDroppedOff = "parcel.already.dropped.off"
	// OrderCancelled (409): the order is cancelled.
	OrderCancelled = "order.cancelled"
	// DropoffNotApplicable (409): a B2C parcel; senders drop off only C2C
	// ones.
	DropoffNotApplicable = "dropoff.not.applicable"
)

// Faults asked for (X-Sim-Fault, /__sim/faults): the status, and the key
// of a real gateway's answer.
const (
	// TooManyRequests (429), with Retry-After.
	TooManyRequests = "too.many.requests"
	// InternalError (500); also a simulator bug that is not a broken
	// response.
	InternalError = "internal.error"
	// BadGateway (502).
	BadGateway = "bad.gateway"
	// ServiceUnavailable (503).
	ServiceUnavailable = "service.unavailable"
	// GatewayTimeout (504); also an after-commit fault: the operation was
	// applied, the answer lost.
	GatewayTimeout = "gateway.timeout"
)

// The simulator itself: its control plane, limits and storage.
const (
	// ClockBackwards (400): a clock set to an earlier time, or a negative
	// advance.
	ClockBackwards = "clock.backwards"
	// ClockInvalid (400): a malformed clock request, or a move past a
	// century.
	ClockInvalid = "clock.invalid"
	// InvalidFault (400): a fault rule, or an X-Sim-Fault header, that does
	// not parse.
	InvalidFault = "invalid.fault"
	// FaultLimitReached (400): -max-fault-rules rules are active already.
	FaultLimitReached = "fault.limit.reached"
	// OrderLimitReached (507): -max-orders is reached (nothing is evicted).
	OrderLimitReached = "order.limit.reached"
	// StorageFull (507): the state file's disk is full, or a quota or
	// file-size limit is reached. The change was not made.
	StorageFull = "storage.full"
	// StorageFailed (500): the state file could not be written for another
	// reason. The change was not made.
	StorageFailed = "storage.failed"
	// MockResponseInvalid (500): with -strict-responses, an answer that
	// breaks the spec (a simulator bug).
	MockResponseInvalid = "mock.response.invalid"
)
