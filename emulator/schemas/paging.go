package schemas

import (
	"encoding/base64"
	"sort"
	"strings"
)

// defaultPageSize is the page size when a list request sets no Limit.
// unverified: AWS's default page size for the Schemas list operations.
const defaultPageSize = 100

// maxPageSize caps Limit.
const maxPageSize = 100

// tokenPrefix marks the emulator's opaque NextTokens.
const tokenPrefix = "es1:"

// pageKeys returns the keys of one page of sorted keys and the NextToken
// for the rest. Tokens name the last key served, so deleting items
// between pages neither skips nor repeats the others.
func pageKeys(keys []string, limit *int32, token *string) ([]string, *string, error) {
	sort.Strings(keys)
	n := defaultPageSize
	if limit != nil {
		if *limit < 1 || *limit > maxPageSize {
			// unverified: the text of an out-of-range limit.
			return nil, nil, errBadRequest("Limit must be between 1 and %d.", maxPageSize)
		}
		n = int(*limit)
	}
	start := 0
	if token != nil && *token != "" {
		after, err := decodeToken(*token)
		if err != nil {
			return nil, nil, err
		}
		start = sort.SearchStrings(keys, after)
		if start < len(keys) && keys[start] == after {
			start++
		}
	}
	if start > len(keys) {
		start = len(keys)
	}
	end := start + n
	if end >= len(keys) {
		return keys[start:], nil, nil
	}
	next := encodeToken(keys[end-1])
	return keys[start:end], &next, nil
}

func encodeToken(after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + after))
}

func decodeToken(tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), tokenPrefix) {
		// unverified: AWS's text for a NextToken it did not issue.
		return "", errBadRequest("Invalid NextToken provided.")
	}
	return strings.TrimPrefix(string(b), tokenPrefix), nil
}
