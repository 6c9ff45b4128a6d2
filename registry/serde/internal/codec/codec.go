// Package codec parses schema definitions into what encodes and decodes
// payloads of the Glue Schema Registry's data formats.
package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	hamba "github.com/hamba/avro/v2"
	js "github.com/santhosh-tekuri/jsonschema/v6"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	cavro "github.com/evolvestack/evolvestack/registry/compat/avro"
	cjson "github.com/evolvestack/evolvestack/registry/compat/jsonschema"
	cproto "github.com/evolvestack/evolvestack/registry/compat/protobuf"
)

// Data formats, as Glue names them.
const (
	FormatAvro     = "AVRO"
	FormatJSON     = "JSON"
	FormatProtobuf = "PROTOBUF"
)

// Raw is a payload already encoded in the schema's data format; the
// serializer writes it after the header unchanged (for PROTOBUF it must
// start with the message index).
type Raw []byte

// Codec is a parsed schema definition: what encodes and decodes payloads
// of one schema version. It is immutable.
type Codec struct {
	Format     string
	Definition string
	Avro       hamba.Schema // AVRO
	JSON       *js.Schema   // JSON
	Proto      *Proto       // PROTOBUF
}

// Proto is a parsed PROTOBUF schema with its messages by message index.
type Proto struct {
	File     protoreflect.FileDescriptor
	Index    map[protoreflect.FullName]int
	Messages []protoreflect.MessageDescriptor // by message index
}

// Parse parses definition as format with the registry's parsers.
func Parse(format, definition string) (c *Codec, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("parsing %s schema: internal failure: %v", format, r)
		}
	}()
	c = &Codec{Format: format, Definition: definition}
	switch format {
	case FormatAvro:
		s, err := cavro.New().Parse(definition)
		if err != nil {
			return nil, err
		}
		c.Avro = s.(*cavro.Schema).Avro()
	case FormatJSON:
		s, err := cjson.New().Parse(definition)
		if err != nil {
			return nil, err
		}
		// The validator the registry's parser compiled: the same draft,
		// nothing loaded from the network, boolean subschemas wherever
		// the registry accepts them.
		c.JSON = s.(*cjson.Schema).Validator()
	case FormatProtobuf:
		s, err := cproto.New().Parse(definition)
		if err != nil {
			return nil, err
		}
		ps := s.(*cproto.Schema)
		pc := &Proto{File: ps.File(), Index: map[protoreflect.FullName]int{}}
		byName := map[protoreflect.FullName]protoreflect.MessageDescriptor{}
		collectMessages(ps.File().Messages(), byName)
		for i, n := range ps.MessageNames() {
			md, ok := byName[protoreflect.FullName(n)]
			if !ok {
				return nil, fmt.Errorf("parsing PROTOBUF schema: message %s not found in the descriptor", n)
			}
			pc.Index[md.FullName()] = i
			pc.Messages = append(pc.Messages, md)
		}
		c.Proto = pc
	default:
		return nil, fmt.Errorf("unsupported data format %q (want AVRO, JSON or PROTOBUF)", format)
	}
	return c, nil
}

func collectMessages(msgs protoreflect.MessageDescriptors, into map[protoreflect.FullName]protoreflect.MessageDescriptor) {
	for i := 0; i < msgs.Len(); i++ {
		m := msgs.Get(i)
		into[m.FullName()] = m
		collectMessages(m.Messages(), into)
	}
}

// ValidateJSON checks that payload is JSON and conforms to s.
func ValidateJSON(s *js.Schema, payload []byte) error {
	v, err := js.UnmarshalJSON(bytes.NewReader(payload))
	if err != nil {
		return fmt.Errorf("payload is not valid JSON: %w", err)
	}
	if err := s.Validate(v); err != nil {
		return fmt.Errorf("payload does not conform to the JSON schema: %w", err)
	}
	return nil
}

// Encode turns value into the payload written after the header.
func (c *Codec) Encode(api hamba.API, value any) (out []byte, err error) {
	if r, ok := value.(Raw); ok {
		return []byte(r), nil
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("encoding %s payload: internal failure: %v", c.Format, r)
		}
	}()
	switch c.Format {
	case FormatAvro:
		b, err := api.Marshal(c.Avro, value)
		if err != nil {
			return nil, fmt.Errorf("encoding AVRO payload: %w", err)
		}
		return b, nil
	case FormatJSON:
		var b []byte
		switch v := value.(type) {
		case json.RawMessage:
			b = v
		case []byte:
			b = v
		default:
			if b, err = json.Marshal(value); err != nil {
				return nil, fmt.Errorf("encoding JSON payload: %w", err)
			}
		}
		if err := ValidateJSON(c.JSON, b); err != nil {
			return nil, fmt.Errorf("encoding JSON payload: %w", err)
		}
		return b, nil
	case FormatProtobuf:
		m, ok := value.(proto.Message)
		if !ok {
			return nil, fmt.Errorf("encoding PROTOBUF payload: value of type %T is not a proto.Message", value)
		}
		name := m.ProtoReflect().Descriptor().FullName()
		idx, ok := c.Proto.Index[name]
		if !ok {
			return nil, fmt.Errorf("encoding PROTOBUF payload: Provided descriptor is not present in the schema: %s", name)
		}
		body, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("encoding PROTOBUF payload: %w", err)
		}
		out := protowire.AppendVarint(make([]byte, 0, len(body)+2), uint64(idx))
		return append(out, body...), nil
	}
	return nil, fmt.Errorf("unsupported data format %q", c.Format)
}

// SplitProto reads the message index off a PROTOBUF payload.
func (c *Codec) SplitProto(payload []byte) (protoreflect.MessageDescriptor, []byte, error) {
	idx, n := protowire.ConsumeVarint(payload)
	if n < 0 {
		return nil, nil, fmt.Errorf("reading the message index: %w", protowire.ParseError(n))
	}
	if idx >= uint64(len(c.Proto.Messages)) {
		return nil, nil, fmt.Errorf("No corresponding descriptor found for the index: %d (the schema has %d message types)", idx, len(c.Proto.Messages))
	}
	return c.Proto.Messages[idx], payload[n:], nil
}

// Decode decodes payload generically: map[string]any (or another Go
// value) for AVRO and JSON, a *dynamicpb.Message for PROTOBUF.
func (c *Codec) Decode(api hamba.API, payload []byte) (v any, msgName string, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("internal failure: %v", r)
		}
	}()
	switch c.Format {
	case FormatAvro:
		var out any
		if err := api.Unmarshal(c.Avro, payload, &out); err != nil {
			return nil, "", err
		}
		return out, "", nil
	case FormatJSON:
		out, err := DecodeJSONValue(payload)
		return out, "", err
	case FormatProtobuf:
		md, body, err := c.SplitProto(payload)
		if err != nil {
			return nil, "", err
		}
		m := dynamicpb.NewMessage(md)
		if err := proto.Unmarshal(body, m); err != nil {
			return nil, "", err
		}
		return m, string(md.FullName()), nil
	}
	return nil, "", fmt.Errorf("unsupported data format %q", c.Format)
}

// DecodeJSONValue parses JSON keeping numbers exact (json.Number).
func DecodeJSONValue(payload []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("payload is not valid JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("payload is not valid JSON: data after the top-level value")
	}
	return v, nil
}

// FindMessage returns the message called name.
func (p *Proto) FindMessage(name protoreflect.FullName) (protoreflect.MessageDescriptor, bool) {
	i, ok := p.Index[name]
	if !ok {
		return nil, false
	}
	return p.Messages[i], true
}
