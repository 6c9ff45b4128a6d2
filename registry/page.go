package registry

import (
	"encoding/base64"
	"strings"
)

// DefaultPageSize is the page size of List operations without MaxResults.
const DefaultPageSize = 25

// Page asks for one page of a listing: the NextToken of the previous page
// (empty for the first) and the page size (0 for the default).
type Page struct {
	Token string
	Max   int
}

// bounds decodes the page: list entries whose key sorts after the returned
// key, at most limit of them. Tokens carry the last key returned, so pages
// stay stable while entries are added or removed.
func (p Page) bounds() (after string, limit int, err error) {
	limit = p.Max
	if limit <= 0 {
		limit = DefaultPageSize
	}
	if p.Token == "" {
		return "", limit, nil
	}
	key, err := decodeToken(p.Token)
	if err != nil {
		return "", 0, err
	}
	return key, limit, nil
}

const tokenPrefix = "evs1:"

func encodeToken(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + key))
}

func decodeToken(token string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", invalidInput("The NextToken is not valid.")
	}
	key, ok := strings.CutPrefix(string(raw), tokenPrefix)
	if !ok {
		return "", invalidInput("The NextToken is not valid.")
	}
	return key, nil
}
