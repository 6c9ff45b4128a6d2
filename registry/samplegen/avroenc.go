package samplegen

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"time"

	hamba "github.com/hamba/avro/v2"
)

// avroEncode writes v (in the shapes gen.avro makes) in Avro's binary
// encoding. It writes map entries in key order, which hamba (ranging over
// Go maps) does not: the same seed must give the same bytes.
func avroEncode(buf []byte, s hamba.Schema, v any) ([]byte, error) {
	switch s := s.(type) {
	case *hamba.RefSchema:
		return avroEncode(buf, s.Schema(), v)
	case *hamba.NullSchema:
		return buf, nil
	case *hamba.PrimitiveSchema:
		return avroEncodePrimitive(buf, s, v)
	case *hamba.RecordSchema:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("record %s: value of type %T", s.FullName(), v)
		}
		for _, f := range s.Fields() {
			var err error
			if buf, err = avroEncode(buf, f.Type(), m[f.Name()]); err != nil {
				return nil, fmt.Errorf("%s.%s: %w", s.FullName(), f.Name(), err)
			}
		}
		return buf, nil
	case *hamba.EnumSchema:
		i := slices.Index(s.Symbols(), fmt.Sprint(v))
		if i < 0 {
			return nil, fmt.Errorf("enum %s: no symbol %v", s.FullName(), v)
		}
		return binary.AppendVarint(buf, int64(i)), nil
	case *hamba.ArraySchema:
		items, _ := v.([]any)
		if len(items) > 0 {
			buf = binary.AppendVarint(buf, int64(len(items)))
			for _, it := range items {
				var err error
				if buf, err = avroEncode(buf, s.Items(), it); err != nil {
					return nil, err
				}
			}
		}
		return binary.AppendVarint(buf, 0), nil
	case *hamba.MapSchema:
		m, _ := v.(map[string]any)
		if len(m) > 0 {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			buf = binary.AppendVarint(buf, int64(len(keys)))
			for _, k := range keys {
				buf = appendAvroBytes(buf, []byte(k))
				var err error
				if buf, err = avroEncode(buf, s.Values(), m[k]); err != nil {
					return nil, err
				}
			}
		}
		return binary.AppendVarint(buf, 0), nil
	case *hamba.UnionSchema:
		if v == nil {
			for i, t := range s.Types() {
				if t.Type() == hamba.Null {
					return binary.AppendVarint(buf, int64(i)), nil
				}
			}
			return nil, fmt.Errorf("union without null: nil value")
		}
		w, ok := v.(map[string]any)
		if !ok || len(w) != 1 {
			return nil, fmt.Errorf("union: value of type %T", v)
		}
		for name, x := range w {
			for i, t := range s.Types() {
				if unionName(t) == name {
					return avroEncode(binary.AppendVarint(buf, int64(i)), t, x)
				}
			}
			return nil, fmt.Errorf("union: no branch %s", name)
		}
	case *hamba.FixedSchema:
		return avroEncodeFixed(buf, s, v)
	}
	return nil, fmt.Errorf("type %s not encoded", s.Type())
}

func appendAvroBytes(buf, b []byte) []byte {
	return append(binary.AppendVarint(buf, int64(len(b))), b...)
}

// avroEncodePrimitive writes a primitive, logical types included.
func avroEncodePrimitive(buf []byte, s *hamba.PrimitiveSchema, v any) ([]byte, error) {
	if l := s.Logical(); l != nil {
		switch l.Type() {
		case hamba.Decimal:
			r, ok := v.(*big.Rat)
			if !ok {
				return nil, fmt.Errorf("decimal: value of type %T", v)
			}
			return appendAvroBytes(buf, twosComplement(unscaled(r, l), 0)), nil
		case hamba.Date:
			return binary.AppendVarint(buf, v.(time.Time).Unix()/86400), nil
		case hamba.TimeMillis:
			return binary.AppendVarint(buf, v.(time.Duration).Milliseconds()), nil
		case hamba.TimeMicros:
			return binary.AppendVarint(buf, v.(time.Duration).Microseconds()), nil
		case hamba.TimestampMillis, hamba.LocalTimestampMillis:
			return binary.AppendVarint(buf, v.(time.Time).UnixMilli()), nil
		case hamba.TimestampMicros, hamba.LocalTimestampMicros:
			return binary.AppendVarint(buf, v.(time.Time).UnixMicro()), nil
		}
	}
	switch s.Type() {
	case hamba.Null:
		return buf, nil
	case hamba.Boolean:
		if v.(bool) {
			return append(buf, 1), nil
		}
		return append(buf, 0), nil
	case hamba.Int:
		return binary.AppendVarint(buf, int64(v.(int))), nil
	case hamba.Long:
		return binary.AppendVarint(buf, v.(int64)), nil
	case hamba.Float:
		return binary.LittleEndian.AppendUint32(buf, math.Float32bits(v.(float32))), nil
	case hamba.Double:
		return binary.LittleEndian.AppendUint64(buf, math.Float64bits(v.(float64))), nil
	case hamba.String:
		return appendAvroBytes(buf, []byte(v.(string))), nil
	case hamba.Bytes:
		return appendAvroBytes(buf, v.([]byte)), nil
	}
	return nil, fmt.Errorf("type %s not encoded", s.Type())
}

// unscaled is r times 10^scale.
func unscaled(r *big.Rat, l hamba.LogicalSchema) *big.Int {
	scale := 0
	if d, ok := l.(*hamba.DecimalLogicalSchema); ok {
		scale = d.Scale()
	}
	m := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	return new(big.Int).Quo(m.Num(), m.Denom())
}

// twosComplement is n big-endian in two's complement, in size bytes (0:
// as few as hold it).
func twosComplement(n *big.Int, size int) []byte {
	if size == 0 {
		size = (n.BitLen() + 8) / 8
	}
	out := make([]byte, size)
	if n.Sign() >= 0 {
		n.FillBytes(out)
		return out
	}
	// 2^(8 size) + n
	m := new(big.Int).Add(new(big.Int).Lsh(big.NewInt(1), uint(8*size)), n)
	m.FillBytes(out)
	return out
}

// avroEncodeFixed writes a fixed value.
func avroEncodeFixed(buf []byte, s *hamba.FixedSchema, v any) ([]byte, error) {
	if l := s.Logical(); l != nil {
		switch l.Type() {
		case hamba.Decimal:
			return append(buf, twosComplement(unscaled(v.(*big.Rat), l), s.Size())...), nil
		case hamba.Duration:
			d := v.(hamba.LogicalDuration)
			buf = binary.LittleEndian.AppendUint32(buf, d.Months)
			buf = binary.LittleEndian.AppendUint32(buf, d.Days)
			return binary.LittleEndian.AppendUint32(buf, d.Milliseconds), nil
		}
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Array || rv.Len() != s.Size() {
		return nil, fmt.Errorf("fixed %s: value of type %T", s.FullName(), v)
	}
	for i := range rv.Len() {
		buf = append(buf, byte(rv.Index(i).Uint()))
	}
	return buf, nil
}
