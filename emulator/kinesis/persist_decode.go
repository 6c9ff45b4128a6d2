package kinesis

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// decodeBatchRow reads a batch row. Rows as appendBatch writes them take a
// fast path (a restart reads millions of records); anything else valid
// JSON (an import edited by hand, say) goes through encoding/json.
func decodeBatchRow(v []byte, r *batchRowT) error {
	if err := fastBatchRow(v, r); err == nil {
		return nil
	}
	*r = batchRowT{}
	return json.Unmarshal(v, r)
}

var errSlowPath = errors.New("not in appendBatch's form")

// fastBatchRow parses exactly appendBatch's output: fields in its order,
// no white space, strings without escapes.
func fastBatchRow(v []byte, r *batchRowT) error {
	p := rowParser{b: v}
	if !p.lit(`{"s":`) {
		return errSlowPath
	}
	s, ok := p.str()
	if !ok || !p.lit(`,"i":`) {
		return errSlowPath
	}
	r.Stream = s
	i, ok := p.int()
	if !ok || !p.lit(`,"p":`) {
		return errSlowPath
	}
	r.Index = int(i)
	pos, ok := p.int()
	if !ok || !p.lit(`,"c":`) {
		return errSlowPath
	}
	c, ok := p.int()
	if !ok || !p.lit(`,"t":`) {
		return errSlowPath
	}
	t, ok := p.int()
	if !ok {
		return errSlowPath
	}
	r.Pos, r.Counter, r.Arrival = uint64(pos), uint64(c), t
	if p.lit(`,"k":1`) {
		r.KMS = 1
	}
	if !p.lit(`,"r":[`) {
		return errSlowPath
	}
	// Count the records first, for one allocation of their slices.
	n := bytes.Count(p.b[p.i:], []byte("],["))
	r.Records = make([][]string, 0, n+1)
	fields := make([]string, 0, 2*(n+1))
	for !p.lit(`]}`) {
		if len(r.Records) > 0 && !p.lit(`,`) {
			return errSlowPath
		}
		if !p.lit(`[`) {
			return errSlowPath
		}
		start := len(fields)
		for {
			f, ok := p.str()
			if !ok {
				return errSlowPath
			}
			fields = append(fields, f)
			if p.lit(`]`) {
				break
			}
			if !p.lit(`,`) {
				return errSlowPath
			}
		}
		r.Records = append(r.Records, fields[start:len(fields):len(fields)])
	}
	if p.i != len(p.b) {
		return errSlowPath
	}
	return nil
}

// rowParser scans a row.
type rowParser struct {
	b []byte
	i int
}

func (p *rowParser) lit(s string) bool {
	if len(p.b)-p.i >= len(s) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

// str reads a string of printable ASCII without escapes.
func (p *rowParser) str() (string, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return "", false
	}
	end := bytes.IndexByte(p.b[p.i+1:], '"')
	if end < 0 {
		return "", false
	}
	s := p.b[p.i+1 : p.i+1+end]
	for _, c := range s {
		if c < 0x20 || c >= 0x80 || c == '\\' {
			return "", false // escapes, control bytes, non-ASCII: the slow path
		}
	}
	p.i += end + 2
	return string(s), true
}

// int reads a decimal integer (optionally negative).
func (p *rowParser) int() (int64, bool) {
	j := p.i
	if j < len(p.b) && p.b[j] == '-' {
		j++
	}
	for j < len(p.b) && p.b[j] >= '0' && p.b[j] <= '9' {
		j++
	}
	digits := p.b[p.i:j]
	if d := bytes.TrimPrefix(digits, []byte("-")); len(d) == 0 || len(d) > 1 && d[0] == '0' {
		return 0, false // JSON has no leading zeros
	}
	n, err := strconv.ParseInt(string(digits), 10, 64)
	if err != nil {
		return 0, false
	}
	p.i = j
	return n, true
}
