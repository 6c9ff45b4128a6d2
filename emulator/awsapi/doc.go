// Package awsapi holds what the generated API packages, the service
// implementations and the HTTP handlers share: the service and operation
// descriptors, the AWS error value, request scope, and the validation
// message builder.
//
// # Struct tags of generated shapes
//
// Every generated shape is a Go struct whose fields carry the wire
// description the protocol codecs in handlers/ read:
//
//	locationName:"Wire"        wire name (JSON key, query key, XML element, header, URI label, query-string name)
//	location:"uri|querystring|header|headers|statusCode"   REST binding (absent: body)
//	type:"blob|timestamp|document"   where the Go type alone is ambiguous
//	timestampFormat:"unixTimestamp|iso8601|rfc822"          only when the model sets one
//	flattened:"true"           query/XML lists and maps without a wrapper
//	locationNameList:"member"  element name of list members (query/XML)
//	locationNameKey:"key" locationNameValue:"value"          map entry names (query/XML)
//	required:"true"            informational; Validate enforces it
//
// A blank field `_ struct{}` may carry `payload:"Member"` (REST payload
// member) on a shape.
//
// Go types: string/enum -> *string or named string enum type (value, "" means
// absent); integer -> *int32; long -> *int64; float -> *float32; double ->
// *float64; boolean -> *bool; timestamp -> *time.Time; blob -> []byte; list ->
// []T (T a value type); map -> map[string]T; structure -> *T; document -> any.
package awsapi
