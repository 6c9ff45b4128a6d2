package registry

import (
	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"regexp"
	"slices"
	"strings"
	"time"
)

// metadataPattern is Glue's pattern for metadata keys and values, as the
// model writes it: "+-=" is a range, so ',', ':', ';' and '<' are allowed.
var metadataPattern = regexp.MustCompile(`^[a-zA-Z0-9+-=._./@]+$`)

const (
	maxMetadataKey   = 128
	maxMetadataValue = 256
)

// MetadataValue is one value of a metadata key.
type MetadataValue struct {
	Value   string
	Created time.Time
}

// MetadataInfo is a metadata key's values: the newest first in Value and
// Created, the others in Others.
type MetadataInfo struct {
	MetadataValue
	Others []MetadataValue
}

// MetadataResult is what the metadata operations report.
type MetadataResult struct {
	Version VersionInfo
	Key     string
	Value   string
}

func checkMetadata(key, value string) error {
	if len(key) < 1 || len(key) > maxMetadataKey {
		return invalidInput("The resource name contains too many or too few characters. Parameter Name: key")
	}
	if !metadataPattern.MatchString(key) {
		return invalidInput("The parameter value contains one or more characters that are not valid. Parameter Name: key")
	}
	if len(value) < 1 || len(value) > maxMetadataValue {
		return invalidInput("The resource name contains too many or too few characters. Parameter Name: value")
	}
	if !metadataPattern.MatchString(value) {
		return invalidInput("The parameter value contains one or more characters that are not valid. Parameter Name: value")
	}
	return nil
}

// PutSchemaVersionMetadata adds a key-value pair to a version. A key may
// hold several values; a version holds at most 10 pairs.
func (e *Engine) PutSchemaVersionMetadata(ref VersionRef, key, value string) (*MetadataResult, error) {
	if err := checkMetadata(key, value); err != nil {
		return nil, err
	}
	now := e.lock()
	defer e.unlock()
	v, err := e.resolveVersion(ref, now)
	if err != nil {
		return nil, err
	}
	for _, m := range v.metadata {
		if m.key == key && m.value == value {
			return nil, alreadyExists("Resource already exist for schema version id: %s, metadata key: %s, metadata value: %s", v.id, key, value)
		}
	}
	if len(v.metadata) >= MaxMetadataPerVersion {
		return nil, &awsapi.Error{Code: CodeResourceNumberLimit, Message: "Your resource limits for Schema Version Metadata have been exceeded."}
	}
	v.metadata = append(v.metadata, metadataEntry{key: key, value: value, created: now})
	e.touchVersion(v)
	return &MetadataResult{Version: *e.versionInfo(v, now), Key: key, Value: value}, nil
}

// RemoveSchemaVersionMetadata removes a key-value pair from a version.
func (e *Engine) RemoveSchemaVersionMetadata(ref VersionRef, key, value string) (*MetadataResult, error) {
	if err := checkMetadata(key, value); err != nil {
		return nil, err
	}
	now := e.lock()
	defer e.unlock()
	v, err := e.resolveVersion(ref, now)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(v.metadata, func(m metadataEntry) bool { return m.key == key && m.value == value })
	if i < 0 {
		return nil, notFound("Schema version metadata is not found. SchemaVersionId: %s, MetadataKey: %s, MetadataValue: %s", v.id, key, value)
	}
	v.metadata = slices.Delete(v.metadata, i, i+1)
	e.touchVersion(v)
	return &MetadataResult{Version: *e.versionInfo(v, now), Key: key, Value: value}, nil
}

// MetadataFilter selects metadata by key, and optionally value.
type MetadataFilter struct {
	Key   string
	Value string
}

// QuerySchemaVersionMetadata returns a version's metadata, filtered when
// filters are given (a pair matches any filter whose key matches and whose
// value, when set, matches), keyed by metadata key.
func (e *Engine) QuerySchemaVersionMetadata(ref VersionRef, filters []MetadataFilter, page Page) (string, map[string]MetadataInfo, string, error) {
	now := e.lock()
	defer e.unlock()
	after, limit, err := page.bounds()
	if err != nil {
		return "", nil, "", err
	}
	v, err := e.resolveVersion(ref, now)
	if err != nil {
		return "", nil, "", err
	}
	byKey := map[string][]MetadataValue{}
	for _, m := range v.metadata {
		if len(filters) > 0 && !slices.ContainsFunc(filters, func(f MetadataFilter) bool {
			return f.Key == m.key && (f.Value == "" || f.Value == m.value)
		}) {
			continue
		}
		byKey[m.key] = append(byKey[m.key], MetadataValue{Value: m.value, Created: m.created})
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		if k > after {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := map[string]MetadataInfo{}
	next := ""
	for i, k := range keys {
		if i == limit {
			next = encodeToken(keys[i-1])
			break
		}
		vals := byKey[k]
		// Newest first: the latest value leads, the rest follow.
		slices.SortStableFunc(vals, func(a, b MetadataValue) int {
			if c := b.Created.Compare(a.Created); c != 0 {
				return c
			}
			return strings.Compare(a.Value, b.Value)
		})
		out[k] = MetadataInfo{MetadataValue: vals[0], Others: vals[1:]}
	}
	return v.id, out, next, nil
}
