package jsonschema

import "github.com/evolvestack/evolvestack/registry/compat/internal/jsonscan"

// Limits on a definition, checked by a scan of its text before the JSON
// Schema compiler sees it. The compiler validates the definition against
// its draft's meta-schema, building the JSON pointer of every subschema one
// token at a time, so its work grows with the depth times the length of
// those pointers (cubically with nesting: 1,000 nested objects cost 11 s
// and 9.5 GB); it keeps every subschema in a queue it searches linearly
// (quadratic in their number, and in their pointers' length when those
// share long prefixes); and it stores each pointer several times. The
// limits keep the worst definition of Glue's 170,000 bytes near the cost of
// the largest realistic one:
//
//   - 128 levels of JSON nesting: a property's schema is 2 levels deeper
//     than its object's, so about 64 nested objects. Jackson, which Glue's
//     JSON Schema library runs on, allows 1,000; a Kubernetes custom
//     resource schema of 170,000 bytes nests about 27.
//   - 3,000 JSON objects (subschemas, mostly): the compiler's queue makes
//     them cost quadratic time, about 50 ms at this limit. That resource
//     schema has about 2,100; an object of 1,150 described properties
//     1,150. A 170,000-byte schema reaches the limit only with objects of
//     under 57 bytes on average, that is without descriptions.
//   - 40,000 JSON values (enum members, required names...).
//   - 1 MiB for the JSON pointers to all objects added up, 6 MiB counting
//     each object's ancestors' pointers too (the meta-schema validation
//     allocates 2-3 bytes per byte of the latter). The resource schema
//     needs 0.42 MiB and 4.3 MiB.
//
// The patterns of a definition are metered as they compile (regex.go).
const (
	maxNesting      = 128
	maxObjects      = 3000
	maxValues       = 40000
	maxPointerBytes = 1 << 20
	maxPointerCost  = 6 << 20
)

var scanLimits = jsonscan.Limits{MaxDepth: maxNesting, MaxObjects: maxObjects, MaxValues: maxValues, MaxPointerBytes: maxPointerBytes, MaxPointerCost: maxPointerCost}
