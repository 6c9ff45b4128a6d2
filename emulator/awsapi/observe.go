package awsapi

// Observation is something that happened inside the emulator, not in
// answer to a call, that the dashboard's live tail shows: a delivery
// attempt (SNS, EventBridge) or a Lambda invocation.
type Observation struct {
	// Kind is "delivery" or "invocation".
	Kind string
	// Service is the model name of the service it happened in.
	Service string
	// Operation says what it was (a protocol, a trigger).
	Operation string
	// Resource names the subscription, rule target or function.
	Resource string
	// Failed marks an attempt or invocation that did not succeed.
	Failed bool
	// Detail is a short human-readable outcome.
	Detail string
}
