// Package compat defines what a schema format offers the registry engine:
// parsing and validating a definition, a canonical form for deciding whether
// two definitions are the same version, and a reader/writer check that
// explains every incompatibility it finds.
//
// The registry builds AWS's compatibility modes from CanRead: BACKWARD asks
// whether the new version (reader) can read data written with the previous
// one (writer); FORWARD asks the reverse; FULL both; the *_ALL modes ask it
// of every earlier version.
package compat

// Finding is one reason data written with one schema cannot be read with
// another.
type Finding struct {
	// Path locates the element in the schemas, e.g. "Order.price" (Avro),
	// "#/properties/price" (JSON Schema), "shop.Order.price" (Protobuf).
	Path string `json:"path"`
	// Rule names the rule broken, a short kebab-case id such as
	// "field-removed-without-default".
	Rule string `json:"rule"`
	// Message is a sentence a developer understands, e.g.
	// `field "price" is missing from the reader schema and has no default`.
	// It speaks of "the reader" and "the writer"; the registry adds which
	// versions those are.
	Message string `json:"message"`
}

// Schema is a parsed definition.
type Schema interface {
	// Canonical is the definition re-serialised in a normal form: two
	// definitions with the same Canonical are the same version. Whitespace
	// and key order do not matter; defaults, aliases and docs do.
	Canonical() string
}

// CanonicalDigester is implemented by schemas that can identify their
// canonical form without building it: CanonicalDigest is equal for two
// schemas of one format exactly when their Canonical is (but for hash
// collisions).
type CanonicalDigester interface {
	CanonicalDigest() string
}

// Format is one data format's parser and checker. Implementations are safe
// for concurrent use and hold no mutable package-level state.
type Format interface {
	// Name is the Glue DataFormat: "AVRO", "JSON" or "PROTOBUF".
	Name() string
	// Parse parses and validates definition. Its error message is what
	// CheckSchemaVersionValidity and RegisterSchemaVersion report for an
	// invalid definition, in AWS's wording where AWS's is known.
	Parse(definition string) (Schema, error)
	// CanRead returns nil when data written with writer can be read with
	// reader, else every finding that prevents it. reader and writer were
	// returned by this format's Parse.
	CanRead(reader, writer Schema) []Finding
}

// Compactor is implemented by formats that can keep, for each version of a
// schema, a compact form that holds only what CanRead needs, instead of the
// whole parsed definition. The registry keeps these forms for the versions
// it checks new ones against.
type Compactor interface {
	// NewStore returns an empty store for the versions of one schema.
	NewStore() Store
}

// Store holds the compact forms of the versions of one schema. Forms in one
// store share the parts their versions have in common (a field unchanged
// across a thousand versions is kept once), and checks between them reuse
// what earlier checks found. A Store is safe for concurrent use and frees
// what no form it returned uses any more.
type Store interface {
	// Compact returns the compact form of s, a Schema this format parsed:
	// a Schema that CanRead accepts wherever s is accepted, with the same
	// results. Its Canonical is a digest of s's Canonical (equal for equal
	// canonical forms), not the canonical text.
	Compact(s Schema) Schema
}
