package samplegen

import (
	"fmt"
	"math"
	"slices"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	cproto "github.com/evolvestack/evolvestack/registry/compat/protobuf"
)

// protoMaker parses a .proto definition with the registry's parser and
// returns what makes one sample of its first message.
func protoMaker(definition string) (func(*gen) (Sample, error), error) {
	parsed, err := cproto.New().Parse(definition)
	if err != nil {
		return nil, err
	}
	ps := parsed.(*cproto.Schema)
	msgs := ps.File().Messages()
	if msgs.Len() == 0 {
		return nil, fmt.Errorf("the file declares no message")
	}
	md := msgs.Get(0)
	// The message index is the message's place among every message name
	// of the file, sorted (as the registry's serde numbers them).
	idx := slices.Index(ps.MessageNames(), string(md.FullName()))
	if idx < 0 {
		return nil, fmt.Errorf("message %s has no message index", md.FullName())
	}
	return func(g *gen) (Sample, error) {
		m := g.protoMessage(md, 0)
		body, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			return Sample{}, fmt.Errorf("encoding: %w", err)
		}
		back := dynamicpb.NewMessage(md)
		if err := proto.Unmarshal(body, back); err != nil {
			return Sample{}, fmt.Errorf("reading the encoded record back: %w", err)
		}
		js, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(back)
		if err != nil {
			return Sample{}, fmt.Errorf("rendering: %w", err)
		}
		payload := protowire.AppendVarint(make([]byte, 0, len(body)+2), uint64(idx))
		return Sample{Payload: append(payload, body...), JSON: js}, nil
	}, nil
}

// wellKnownSkipped are messages whose valid values the generator does not
// build field by field: left unset.
func wellKnownSkipped(name protoreflect.FullName) bool {
	switch name {
	case "google.protobuf.Any", "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue", "google.protobuf.FieldMask":
		return true
	}
	return false
}

// protoMessage generates a message: edge:minimal sets only proto2
// required fields (every other value is the default, which is not
// written); the other profiles set the fields, one member per oneof.
func (g *gen) protoMessage(md protoreflect.MessageDescriptor, d int) *dynamicpb.Message {
	m := dynamicpb.NewMessage(md)
	g.spent()
	switch md.FullName() {
	case "google.protobuf.Timestamp":
		t := g.instant()
		m.Set(md.Fields().ByName("seconds"), protoreflect.ValueOfInt64(t.Unix()))
		m.Set(md.Fields().ByName("nanos"), protoreflect.ValueOfInt32(int32(t.Nanosecond())))
		return m
	case "google.protobuf.Duration":
		m.Set(md.Fields().ByName("seconds"), protoreflect.ValueOfInt64(int64(g.timeOfDay().Seconds())))
		return m
	}
	if wellKnownSkipped(md.FullName()) {
		return m
	}
	oneofs := md.Oneofs()
	chosen := map[protoreflect.FullName]protoreflect.Name{}
	for i := range oneofs.Len() {
		o := oneofs.Get(i)
		if o.IsSynthetic() {
			continue
		}
		chosen[o.FullName()] = o.Fields().Get(g.pick(o.Fields().Len())).Name()
	}
	fields := md.Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		if o := f.ContainingOneof(); o != nil && !o.IsSynthetic() && chosen[o.FullName()] != f.Name() {
			continue
		}
		set := f.Cardinality() == protoreflect.Required
		if !set {
			switch g.p {
			case pMinimal:
			case pRandom:
				set = g.r.IntN(4) != 0
			default:
				set = true
			}
		}
		if f.Message() != nil && (d >= maxDepth || g.full() || wellKnownSkipped(f.Message().FullName())) && f.Cardinality() != protoreflect.Required {
			set = false
		}
		if !set {
			continue
		}
		g.spent()
		switch {
		case f.IsMap():
			mp := m.Mutable(f).Map()
			for j := range g.collLen(d) {
				k := g.protoScalar(f.MapKey(), j)
				mp.Set(k.MapKey(), g.protoValue(f.MapValue(), m, d, j))
			}
		case f.IsList():
			l := m.Mutable(f).List()
			for j := range g.collLen(d) {
				if f.Message() != nil {
					l.Append(protoreflect.ValueOfMessage(g.protoMessage(f.Message(), d+1)))
				} else {
					l.Append(g.protoScalar(f, j))
				}
			}
		default:
			m.Set(f, g.protoValue(f, m, d, 0))
		}
	}
	return m
}

// protoValue is a singular value of field f.
func (g *gen) protoValue(f protoreflect.FieldDescriptor, _ *dynamicpb.Message, d, i int) protoreflect.Value {
	if f.Message() != nil {
		return protoreflect.ValueOfMessage(g.protoMessage(f.Message(), d+1))
	}
	return g.protoScalar(f, i)
}

// protoScalar is a scalar of f's kind; i tells map keys apart.
func (g *gen) protoScalar(f protoreflect.FieldDescriptor, i int) protoreflect.Value {
	switch f.Kind() {
	case protoreflect.BoolKind:
		if isMapKey(f) {
			return protoreflect.ValueOfBool(i%2 == 1)
		}
		return protoreflect.ValueOfBool(g.p == pMaximal || g.p == pUnicode || (g.p == pRandom && g.r.IntN(2) == 0))
	case protoreflect.EnumKind:
		vals := f.Enum().Values()
		if g.p == pUnicode {
			return protoreflect.ValueOfEnum(vals.Get(vals.Len() - 1).Number())
		}
		return protoreflect.ValueOfEnum(vals.Get(g.pick(vals.Len())).Number())
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(g.intIn(math.MinInt32, math.MaxInt32) + int64(i)%2))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(g.intIn(math.MinInt64, math.MaxInt64) ^ int64(i))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(g.intIn(0, math.MaxUint32)) ^ uint32(i))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		v := uint64(g.intIn(0, math.MaxInt64))
		if g.p == pMaximal {
			v = math.MaxUint64
		}
		return protoreflect.ValueOfUint64(v ^ uint64(i))
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(g.floatIn(math.MaxFloat32, math.SmallestNonzeroFloat32)))
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(g.floatIn(math.MaxFloat64, math.SmallestNonzeroFloat64))
	case protoreflect.StringKind:
		if isMapKey(f) {
			return protoreflect.ValueOfString(g.mapKey(i))
		}
		return protoreflect.ValueOfString(g.text())
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes(g.bytesVal())
	}
	return protoreflect.Value{}
}

// isMapKey reports whether f is the key of a map entry.
func isMapKey(f protoreflect.FieldDescriptor) bool {
	return f.Name() == "key" && f.ContainingMessage() != nil && f.ContainingMessage().IsMapEntry()
}
