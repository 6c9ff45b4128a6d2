package eventbridge

import (
	"encoding/base64"
	"slices"
	"strings"
)

// defaultPageSize is how many items a List operation returns without Limit.
// unverified: AWS documents no default; 100 is the largest Limit.
const defaultPageSize = 100

// keyed is a listed item with its sort key (its name).
type keyed[T any] struct {
	key  string
	item T
}

// page sorts items by key and returns the page that starts at token (the
// opaque key of the first item of the page), at most limit items (default
// defaultPageSize), and the token of the next page (nil on the last page).
// Tokens name an item, so deletions between calls neither skip nor repeat.
func page[T any](items []keyed[T], token *string, limit *int32) ([]T, *string, error) {
	slices.SortFunc(items, func(a, b keyed[T]) int { return strings.Compare(a.key, b.key) })
	start := 0
	if token != nil && *token != "" {
		from, ok := decodeToken(*token)
		if !ok {
			// unverified: wording of the invalid-token error.
			return nil, nil, errValidation("The NextToken provided is invalid.")
		}
		start, _ = slices.BinarySearchFunc(items, from, func(k keyed[T], key string) int { return strings.Compare(k.key, key) })
	}
	size := defaultPageSize
	if limit != nil && *limit > 0 {
		size = int(*limit)
	}
	end := min(start+size, len(items))
	out := make([]T, 0, end-start)
	for _, k := range items[start:end] {
		out = append(out, k.item)
	}
	if end < len(items) {
		t := encodeToken(items[end].key)
		return out, &t, nil
	}
	return out, nil, nil
}

const tokenPrefix = "ebtk1:"

func encodeToken(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + key))
}

func decodeToken(tok string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), tokenPrefix) {
		return "", false
	}
	return string(b[len(tokenPrefix):]), true
}
