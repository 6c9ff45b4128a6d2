package main

// The schemas of the story. Order evolves under BACKWARD (consumers upgrade
// first); OrderEvents under FORWARD (producers upgrade first).
const (
	orderV1 = `{"type":"record","name":"Order","namespace":"com.example.shop","fields":[` +
		`{"name":"orderId","type":"string"},` +
		`{"name":"customer","type":"string"},` +
		`{"name":"amountCents","type":"long"}]}`

	// orderV2 adds an optional field with a default: readers on v2 fill it
	// in for v1 data, so BACKWARD accepts it.
	orderV2 = `{"type":"record","name":"Order","namespace":"com.example.shop","fields":[` +
		`{"name":"orderId","type":"string"},` +
		`{"name":"customer","type":"string"},` +
		`{"name":"amountCents","type":"long"},` +
		`{"name":"couponCode","type":["null","string"],"default":null}]}`

	// orderV3 adds a field without a default: readers on v3 have nothing to
	// fill in for v2 data, so BACKWARD refuses it.
	orderV3 = `{"type":"record","name":"Order","namespace":"com.example.shop","fields":[` +
		`{"name":"orderId","type":"string"},` +
		`{"name":"customer","type":"string"},` +
		`{"name":"amountCents","type":"long"},` +
		`{"name":"couponCode","type":["null","string"],"default":null},` +
		`{"name":"warehouse","type":"string"}]}`

	eventsV1 = `{"type":"record","name":"OrderEvent","namespace":"com.example.shop","fields":[` +
		`{"name":"eventId","type":"string"},` +
		`{"name":"orderId","type":"string"},` +
		`{"name":"status","type":"string"},` +
		`{"name":"customer","type":"string"}]}`

	// eventsV2 adds a required field: v1 readers skip it, so FORWARD
	// accepts it (BACKWARD would not).
	eventsV2 = `{"type":"record","name":"OrderEvent","namespace":"com.example.shop","fields":[` +
		`{"name":"eventId","type":"string"},` +
		`{"name":"orderId","type":"string"},` +
		`{"name":"status","type":"string"},` +
		`{"name":"customer","type":"string"},` +
		`{"name":"channel","type":"string"}]}`

	// eventsV3 removes customer, which has no default: v2 readers could
	// not read v3 data, so FORWARD refuses it.
	eventsV3 = `{"type":"record","name":"OrderEvent","namespace":"com.example.shop","fields":[` +
		`{"name":"eventId","type":"string"},` +
		`{"name":"orderId","type":"string"},` +
		`{"name":"status","type":"string"},` +
		`{"name":"channel","type":"string"}]}`
)

// Field orders, for printing records as the readers see them.
func orderFields() []string { return []string{"orderId", "customer", "amountCents", "couponCode"} }

func eventFields() []string {
	return []string{"eventId", "orderId", "status", "customer", "channel"}
}

// order is an Order as the v1 producer writes it.
type order struct {
	OrderID     string `avro:"orderId" json:"orderId"`
	Customer    string `avro:"customer" json:"customer"`
	AmountCents int64  `avro:"amountCents" json:"amountCents"`
}

// orderWithCoupon is an Order as the v2 producer writes it.
type orderWithCoupon struct {
	OrderID     string  `avro:"orderId" json:"orderId"`
	Customer    string  `avro:"customer" json:"customer"`
	AmountCents int64   `avro:"amountCents" json:"amountCents"`
	CouponCode  *string `avro:"couponCode" json:"couponCode"`
}

// orderEvent is an OrderEvent as the v1 producer writes it.
type orderEvent struct {
	EventID  string `avro:"eventId" json:"eventId"`
	OrderID  string `avro:"orderId" json:"orderId"`
	Status   string `avro:"status" json:"status"`
	Customer string `avro:"customer" json:"customer"`
}

// orderEventWithChannel is an OrderEvent as the v2 producer writes it.
type orderEventWithChannel struct {
	EventID  string `avro:"eventId" json:"eventId"`
	OrderID  string `avro:"orderId" json:"orderId"`
	Status   string `avro:"status" json:"status"`
	Customer string `avro:"customer" json:"customer"`
	Channel  string `avro:"channel" json:"channel"`
}
