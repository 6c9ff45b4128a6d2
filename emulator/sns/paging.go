package sns

import (
	"encoding/base64"
	"slices"
	"strconv"
)

// pageSize is how many items SNS's List operations return per page.
const pageSize = 100

// paged is an item with its creation sequence number.
type paged[T any] struct {
	seq  uint64
	item T
}

// page sorts items by creation and returns the page starting at token and
// the token of the next page (nil on the last). A token is the opaque
// sequence number of the first item of its page, so deletions between
// calls neither skip nor repeat items.
func page[T any](items []paged[T], token *string, size int) ([]T, *string, error) {
	slices.SortFunc(items, func(a, b paged[T]) int {
		switch {
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
	start := 0
	if token != nil && *token != "" {
		from, ok := decodeToken(*token)
		if !ok {
			return nil, nil, invalidParam("Invalid parameter: NextToken") // unverified: wording
		}
		start, _ = slices.BinarySearchFunc(items, from, func(p paged[T], seq uint64) int {
			switch {
			case p.seq < seq:
				return -1
			case p.seq > seq:
				return 1
			}
			return 0
		})
	}
	end := min(start+size, len(items))
	out := make([]T, 0, end-start)
	for _, p := range items[start:end] {
		out = append(out, p.item)
	}
	if end < len(items) {
		t := encodeToken(items[end].seq)
		return out, &t, nil
	}
	return out, nil, nil
}

func encodeToken(seq uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("sns:" + strconv.FormatUint(seq, 10)))
}

func decodeToken(tok string) (uint64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < 5 || string(b[:4]) != "sns:" {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[4:]), 10, 64)
	return n, err == nil
}
