package samplegen

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"time"

	hamba "github.com/hamba/avro/v2"

	cavro "github.com/evolvestack/evolvestack/registry/compat/avro"
)

// avroMaker parses an Avro definition with the registry's parser and
// returns what makes one sample of it.
func avroMaker(definition string) (func(*gen) (Sample, error), error) {
	parsed, err := cavro.New().Parse(definition)
	if err != nil {
		return nil, err
	}
	schema := parsed.(*cavro.Schema).Avro()
	api := hamba.Config{}.Freeze()
	return func(g *gen) (Sample, error) {
		v := g.avro(schema, 0)
		payload, err := encodeAvro(schema, v)
		if err != nil {
			return Sample{}, err
		}
		var back any
		if err := api.Unmarshal(schema, payload, &back); err != nil {
			return Sample{}, fmt.Errorf("reading the encoded record back: %w", err)
		}
		js, err := json.Marshal(jsonView(back))
		if err != nil {
			return Sample{}, fmt.Errorf("rendering: %w", err)
		}
		return Sample{Payload: payload, JSON: js}, nil
	}, nil
}

// encodeAvro encodes v, turning a panic (a value of an unexpected type)
// into an error.
func encodeAvro(s hamba.Schema, v any) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("encoding: internal failure: %v", r)
		}
	}()
	out, err = avroEncode(nil, s, v)
	if err != nil {
		return nil, fmt.Errorf("encoding: %w", err)
	}
	return out, nil
}

// avro generates a value of s in the Go shapes hamba encodes: maps for
// records, []any, map[string]any, and for a union nil or a one-entry map
// naming the branch.
func (g *gen) avro(s hamba.Schema, d int) any {
	g.spent()
	switch s := s.(type) {
	case *hamba.RefSchema:
		return g.avro(s.Schema(), d)
	case *hamba.NullSchema:
		return nil
	case *hamba.PrimitiveSchema:
		return g.avroPrimitive(s)
	case *hamba.RecordSchema:
		m := make(map[string]any, len(s.Fields()))
		for _, f := range s.Fields() {
			if g.p == pMinimal && f.HasDefault() {
				if v, ok := avroDefault(f); ok {
					m[f.Name()] = v
					continue
				}
			}
			m[f.Name()] = g.avro(f.Type(), d+1)
		}
		return m
	case *hamba.EnumSchema:
		syms := s.Symbols()
		if g.p == pMinimal && s.HasDefault() {
			return s.Default()
		}
		if g.p == pUnicode {
			return syms[len(syms)-1]
		}
		return syms[g.pick(len(syms))]
	case *hamba.ArraySchema:
		n := g.collLen(d)
		out := make([]any, n)
		for i := range out {
			out[i] = g.avro(s.Items(), d+1)
		}
		return out
	case *hamba.MapSchema:
		n := g.collLen(d)
		out := make(map[string]any, n)
		for i := range n {
			out[g.mapKey(i)] = g.avro(s.Values(), d+1)
		}
		return out
	case *hamba.UnionSchema:
		return g.avroUnion(s, d)
	case *hamba.FixedSchema:
		return g.avroFixed(s)
	}
	g.notes.add("avro: type %s not generated", s.Type())
	return nil
}

// mapKey is the i-th key of a generated map.
func (g *gen) mapKey(i int) string {
	switch g.p {
	case pUnicode:
		return fmt.Sprintf("ключ-%d-鍵", i)
	case pMaximal:
		if i == 0 {
			return ""
		}
		return fmt.Sprintf("key-%d", i)
	case pRandom:
		return fmt.Sprintf("%s-%d", randomWord(g.r), i)
	}
	return fmt.Sprintf("k%d", i)
}

// avroUnion picks a branch: null when the profile (or the depth) asks
// for it and the union has one.
func (g *gen) avroUnion(s *hamba.UnionSchema, d int) any {
	types := s.Types()
	null := -1
	var others []int
	for i, t := range types {
		if t.Type() == hamba.Null {
			null = i
		} else {
			others = append(others, i)
		}
	}
	if len(others) == 0 || (null >= 0 && (g.p == pMinimal || d >= maxDepth || g.full() || (g.p == pRandom && g.r.IntN(3) == 0))) {
		return nil
	}
	var i int
	switch g.p {
	case pMinimum:
		i = others[len(others)-1]
	case pUnicode:
		i = others[len(others)/2]
	case pRandom:
		i = others[g.r.IntN(len(others))]
	default:
		i = others[0]
	}
	t := types[i]
	return map[string]any{unionName(t): g.avro(t, d+1)}
}

// unionName is how hamba names a union branch in a one-entry map.
func unionName(s hamba.Schema) string {
	if r, ok := s.(*hamba.RefSchema); ok {
		s = r.Schema()
	}
	if n, ok := s.(hamba.NamedSchema); ok {
		return n.FullName()
	}
	if l, ok := s.(hamba.LogicalTypeSchema); ok && l.Logical() != nil {
		return string(s.Type()) + "." + string(l.Logical().Type())
	}
	return string(s.Type())
}

// avroDefault is a field's default in the shape hamba encodes, when it
// has one that can be written as is.
func avroDefault(f *hamba.Field) (any, bool) {
	v := f.Default()
	t := f.Type()
	if r, ok := t.(*hamba.RefSchema); ok {
		t = r.Schema()
	}
	if u, ok := t.(*hamba.UnionSchema); ok {
		if v == nil {
			return nil, true
		}
		// A union's default is of its first branch.
		return map[string]any{unionName(u.Types()[0]): v}, true
	}
	switch t.(type) {
	case *hamba.PrimitiveSchema, *hamba.EnumSchema:
		if l, ok := t.(hamba.LogicalTypeSchema); ok && l.Logical() != nil {
			return nil, false
		}
		return v, true
	}
	return nil, false
}

// avroPrimitive generates a primitive, logical types included.
func (g *gen) avroPrimitive(s *hamba.PrimitiveSchema) any {
	if l := s.Logical(); l != nil {
		switch l.Type() {
		case hamba.Decimal:
			return g.decimal(l)
		case hamba.UUID:
			return g.uuid()
		case hamba.Date:
			return g.instant().Truncate(24 * time.Hour)
		case hamba.TimeMillis:
			return g.timeOfDay().Truncate(time.Millisecond)
		case hamba.TimeMicros:
			return g.timeOfDay().Truncate(time.Microsecond)
		case hamba.TimestampMillis, hamba.LocalTimestampMillis:
			return g.instant().Truncate(time.Millisecond)
		case hamba.TimestampMicros, hamba.LocalTimestampMicros:
			return g.instant().Truncate(time.Microsecond)
		}
	}
	switch s.Type() {
	case hamba.Boolean:
		return g.p == pMaximal || g.p == pUnicode || (g.p == pRandom && g.r.IntN(2) == 0)
	case hamba.Int:
		return int(g.intIn(math.MinInt32, math.MaxInt32))
	case hamba.Long:
		return g.intIn(math.MinInt64, math.MaxInt64)
	case hamba.Float:
		return float32(g.floatIn(math.MaxFloat32, math.SmallestNonzeroFloat32))
	case hamba.Double:
		return g.floatIn(math.MaxFloat64, math.SmallestNonzeroFloat64)
	case hamba.String:
		return g.text()
	case hamba.Bytes:
		return g.bytesVal()
	}
	return nil
}

// intIn is an integer in [lo, hi] for the profile.
func (g *gen) intIn(lo, hi int64) int64 {
	switch g.p {
	case pMinimal:
		return min(max(0, lo), hi)
	case pMaximal:
		return hi
	case pMinimum:
		return lo
	case pUnicode:
		return min(max(-1, lo), hi)
	}
	span := uint64(hi - lo)
	if span == math.MaxUint64 {
		return int64(g.r.Uint64())
	}
	return lo + int64(g.r.Uint64N(span+1))
}

// floatIn is a float for the profile, up to ±maxAbs.
func (g *gen) floatIn(maxAbs, tiny float64) float64 {
	switch g.p {
	case pMinimal:
		return 0
	case pMaximal:
		return maxAbs
	case pMinimum:
		return -maxAbs
	case pUnicode:
		return tiny
	}
	return (g.r.Float64()*2 - 1) * 1e6
}

// instant is a point in time for the profile (UTC).
func (g *gen) instant() time.Time {
	switch g.p {
	case pMinimal:
		return time.Unix(0, 0).UTC()
	case pMaximal:
		return time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
	case pMinimum:
		return time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	case pUnicode:
		return time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)
	}
	return time.Unix(g.r.Int64N(4102444800), g.r.Int64N(1e9)).UTC()
}

// timeOfDay is a time of day for the profile.
func (g *gen) timeOfDay() time.Duration {
	switch g.p {
	case pMinimal, pMinimum:
		return 0
	case pMaximal:
		return 24*time.Hour - time.Microsecond
	case pUnicode:
		return 12 * time.Hour
	}
	return time.Duration(g.r.Int64N(int64(24 * time.Hour)))
}

// uuid is a UUID string for the profile.
func (g *gen) uuid() string {
	switch g.p {
	case pMinimal, pMinimum:
		return "00000000-0000-0000-0000-000000000000"
	case pMaximal:
		return "ffffffff-ffff-ffff-ffff-ffffffffffff"
	}
	var b [16]byte
	for i := range b {
		b[i] = byte(g.r.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// decimal is a decimal with the logical type's precision and scale: the
// largest (or smallest) unscaled value that fits the precision.
func (g *gen) decimal(l hamba.LogicalSchema) *big.Rat {
	dl, ok := l.(*hamba.DecimalLogicalSchema)
	if !ok {
		return new(big.Rat)
	}
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(dl.Precision())), nil)
	limit.Sub(limit, big.NewInt(1)) // 10^precision - 1
	unscaled := new(big.Int)
	switch g.p {
	case pMaximal:
		unscaled.Set(limit)
	case pMinimum:
		unscaled.Neg(limit)
	case pUnicode:
		unscaled.SetInt64(1)
	case pRandom:
		unscaled.SetUint64(g.r.Uint64())
		unscaled.Mod(unscaled, new(big.Int).Add(limit, big.NewInt(1)))
		if g.r.IntN(2) == 0 {
			unscaled.Neg(unscaled)
		}
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(dl.Scale())), nil)
	return new(big.Rat).SetFrac(unscaled, scale)
}

// avroFixed generates a fixed value: a [size]byte array, a decimal or a
// duration.
func (g *gen) avroFixed(s *hamba.FixedSchema) any {
	if l := s.Logical(); l != nil {
		switch l.Type() {
		case hamba.Decimal:
			return g.decimal(l)
		case hamba.Duration:
			switch g.p {
			case pMinimal, pMinimum:
				return hamba.LogicalDuration{}
			case pMaximal:
				return hamba.LogicalDuration{Months: math.MaxUint32, Days: math.MaxUint32, Milliseconds: math.MaxUint32}
			}
			return hamba.LogicalDuration{Months: g.r.Uint32N(24), Days: g.r.Uint32N(31), Milliseconds: g.r.Uint32N(86400000)}
		}
	}
	arr := reflect.New(reflect.ArrayOf(s.Size(), reflect.TypeFor[byte]())).Elem()
	for i := range s.Size() {
		var b byte
		switch g.p {
		case pMaximal:
			b = 0xff
		case pUnicode:
			b = byte(i)
		case pRandom:
			b = byte(g.r.UintN(256))
		}
		arr.Index(i).SetUint(uint64(b))
	}
	return arr.Interface()
}

// jsonView turns a decoded value into one encoding/json renders: bytes
// and fixed as base64 text, decimals as exact decimal strings, times in
// RFC 3339, durations as Go durations.
func jsonView(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = jsonView(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = jsonView(x)
		}
		return out
	case []byte:
		return base64.StdEncoding.EncodeToString(v)
	case *big.Rat:
		return decimalString(v)
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case time.Duration:
		return v.String()
	case float32:
		return finite(float64(v))
	case float64:
		return finite(v)
	case nil, bool, string, int, int32, int64:
		return v
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Array && rv.Type().Elem().Kind() == reflect.Uint8 {
		b := make([]byte, rv.Len())
		reflect.Copy(reflect.ValueOf(b), rv)
		return base64.StdEncoding.EncodeToString(b)
	}
	return fmt.Sprint(v)
}

// finite renders NaN and infinities, which JSON lacks, as strings.
func finite(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Sprint(f)
	}
	return f
}

// decimalString writes r in decimal notation, exactly when it has at most
// 40 decimal places.
func decimalString(r *big.Rat) string {
	for prec := 0; prec <= 40; prec++ {
		s := r.FloatString(prec)
		if back, ok := new(big.Rat).SetString(s); ok && back.Cmp(r) == 0 {
			return s
		}
	}
	return r.RatString()
}
