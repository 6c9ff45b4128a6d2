package awsapi

// Validation messages follow the Coral framework's text that AWS JSON
// services return, e.g.
//
//	1 validation error detected: Value 'x' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+
//
// The generator (cmd/apigen) emits Validate methods that fill a
// ValidationErrors; this file holds the builder and its rendering.
