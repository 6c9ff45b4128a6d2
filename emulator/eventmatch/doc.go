// Package eventmatch is the matching engine behind SNS subscription filter
// policies and EventBridge event patterns: one compiler per dialect, with
// AWS's validation and error texts, and one matcher for both.
//
// # API
//
// CompilePattern compiles an EventBridge event pattern and
// CompileFilterPolicy an SNS filter policy for a Scope (MessageAttributes or
// MessageBody). Both return a *Rule or an *Error whose Reason is the text AWS
// gives and whose Location is the "\n at [Source: ...; line: 1, column: N]"
// suffix AWS copies from its JSON parser; EventBridgeMessage and SNSMessage
// add the service's prefix. Size limits are the caller's (MaxEventPatternLength,
// MaxFilterPolicyBytes); the key and combination limits of SNS are checked
// here.
//
// A Rule matches one JSON event (Rule.Match: the EventBridge event, or an SNS
// message body) or SNS message attributes (Rule.MatchAttributes, with
// String, String.Array, Number and ignored Binary values). A Set holds many
// rules by id (Add, Remove) and returns the ids of all rules matching an
// event in one pass (Set.Match, Set.MatchAttributes); it is safe for
// concurrent use and rebuilds its machine lazily after changes.
//
// # Dialects
//
// Both dialects share event-ruler's grammar: a field maps to a list of
// values (any may match) or to a nested object, and $or lists alternative
// objects. Values are strings, numbers, true, false, null or one-key operator
// objects: prefix, suffix, equals-ignore-case, wildcard, anything-but (a
// value, a list, or prefix/suffix/equals-ignore-case/wildcard inside),
// numeric (up to two comparisons), exists and cidr. EventBridge compares
// numbers as event-ruler does (-5e9 to 5e9, six decimal digits, truncated)
// and accepts prefix/suffix with equals-ignore-case; SNS compares numbers as
// float64, has no wildcard, allows only prefix inside anything-but, refuses
// nested policies for message attributes, and limits a policy to 5
// top-level keys and 150 value combinations.
//
// # Matching
//
// A rule is compiled once into branches (one per $or alternative), each a
// conjunction of field conditions. A Set compiles its rules into an
// immutable machine: a trie of event path steps whose nodes hold, for the
// one or two most selective conditions (anchors) of every branch on that
// path, an index keyed by value: hash maps for exact strings, numbers and
// case-folded strings, byte tries for prefixes and suffixes, and an interval
// table for numeric ranges (every range bound cuts the number line; each
// elementary region lists the ranges covering it, found by binary search).
// Patterns with no index (wildcard, anything-but, cidr) are checked one by
// one, and only when they anchor a branch.
//
// Matching walks the event's JSON once, without building a tree: object
// keys are looked up in the path trie (paths no rule mentions are skipped),
// and each leaf value on a mentioned path is recorded with the positions of
// the arrays it sits in. Each recorded value is looked up in its path's
// anchor index; a branch whose anchors all hit is a candidate, and its
// remaining conditions are checked against the values recorded on their
// paths, cheapest first. Values taken from arrays must come from the same
// element of any array they share (event-ruler's rule for arrays of
// objects). Nothing re-reads a rule's JSON, and a match allocates nothing
// once its pooled scratch space has grown.
package eventmatch
