package wire

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/google/uuid"
	hamba "github.com/hamba/avro/v2"

	"github.com/evolvestack/evolvestack/registry/serde/internal/codec"
)

// Validate checks that data is a record in the Glue wire format that its
// writer schema reads, without building the decoded value: an AVRO record
// is walked with skipping decoders, a JSON payload is validated against
// the writer schema, a PROTOBUF one is decoded. It returns the header and
// the same errors Decode returns for records Decode refuses. Records for
// the secondary decoder are not accepted (*HeaderVersionError).
func (d *Deserializer) Validate(ctx context.Context, data []byte) (Header, error) {
	return d.ValidateWith(ctx, data, nil)
}

// ValidateWith is Validate keeping the last writer schema in m, so that a
// caller validating a batch of records of one version looks it up (and
// reads the cache's clock) once. m is not safe for concurrent use; nil
// is Validate.
func (d *Deserializer) ValidateWith(ctx context.Context, data []byte, m *ValidateMemo) (Header, error) {
	var f *frame
	if m != nil && m.writer != nil {
		h, payload, err := DecodeHeaderLimit(data, d.cfg.MaxDecompressedSize)
		if err != nil {
			return Header{}, err
		}
		if h.SchemaVersionID == m.id {
			f = &frame{header: h, payload: payload, writer: m.writer}
		}
	}
	if f == nil {
		var err error
		if f, err = d.open(ctx, data); err != nil {
			return Header{}, err
		}
		if m != nil {
			m.id, m.writer = f.header.SchemaVersionID, f.writer
		}
	}
	id := f.header.SchemaVersionID
	switch f.writer.Format {
	case FormatAvro:
		if f.writer.Avro.Type() == hamba.Record {
			// Walked, not decoded: nothing is allocated for the values.
			if err := d.skipRecord(f.writer.Avro, f.payload); err != nil {
				return f.header, &DecodeError{SchemaVersionID: id, DataFormat: FormatAvro, Stage: "decoding the AVRO payload", Err: strip(err)}
			}
			return f.header, nil
		}
	case FormatJSON:
		if err := codec.ValidateJSON(f.writer.JSON, f.payload); err != nil {
			return f.header, &DecodeError{SchemaVersionID: id, DataFormat: FormatJSON, Stage: "validating the JSON payload against the writer schema", Err: err}
		}
		return f.header, nil
	}
	if _, _, err := f.writer.Decode(d.avro, f.payload); err != nil {
		return f.header, &DecodeError{SchemaVersionID: id, DataFormat: f.writer.Format, Stage: "decoding the " + f.writer.Format + " payload", Err: err}
	}
	return f.header, nil
}

// ValidateMemo holds the writer schema ValidateWith last used.
type ValidateMemo struct {
	id     uuid.UUID
	writer *codec.Codec
}

// skipRecord reads one value of schema s from payload without keeping
// it, refusing what hamba's decoding refuses (invalid booleans, negative
// lengths, union and enum indexes out of range, over-long varints) and,
// unlike hamba's Unmarshal, a payload that ends before the value does.
func (d *Deserializer) skipRecord(s hamba.Schema, payload []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal failure: %v", r)
		}
	}()
	r, _ := d.skipReaders.Get().(*hamba.Reader)
	if r == nil {
		r = hamba.NewReader(nil, 0, hamba.WithReaderConfig(d.avro))
	}
	r.Reset(payload)
	r.Error = nil
	defer func() {
		r.Reset(nil)
		d.skipReaders.Put(r)
	}()
	skipValue(r, s, 0)
	if r.Error != nil {
		if errors.Is(r.Error, io.EOF) {
			return errors.New("the payload ends before the record does")
		}
		return r.Error
	}
	return nil
}

// MaxArrayItems bounds the items of one Avro array a Deserializer reads
// (hamba's MaxSliceAllocSize): without it, a record whose block count
// claims billions of items makes the decoder allocate them before reading
// any (found by FuzzValidateAgreesWithDecode). Validate applies the same
// bound to arrays and maps.
const MaxArrayItems = 1 << 20

// maxSkipDepth bounds skipValue's nesting (recursive schemas).
const maxSkipDepth = 1000

func skipValue(r *hamba.Reader, s hamba.Schema, depth int) {
	if r.Error != nil {
		return
	}
	if depth > maxSkipDepth {
		r.ReportError("Skip", "the value nests too deeply")
		return
	}
	switch s := s.(type) {
	case *hamba.NullSchema:
		// no bytes
	case *hamba.RefSchema:
		skipValue(r, s.Schema(), depth+1)
	case *hamba.PrimitiveSchema:
		switch s.Type() {
		case hamba.Boolean:
			r.ReadBool()
		case hamba.Int:
			r.ReadInt()
		case hamba.Long:
			r.ReadLong()
		case hamba.Float:
			r.SkipNBytes(4)
		case hamba.Double:
			r.SkipNBytes(8)
		case hamba.Bytes, hamba.String:
			n := r.ReadLong()
			if n < 0 {
				r.ReportError("Read"+string(s.Type()), "invalid length")
				return
			}
			r.SkipNBytes(int(n))
		}
	case *hamba.RecordSchema:
		for _, f := range s.Fields() {
			skipValue(r, f.Type(), depth+1)
			if r.Error != nil {
				return
			}
		}
	case *hamba.EnumSchema:
		if i := r.ReadInt(); r.Error == nil && (i < 0 || int(i) >= len(s.Symbols())) {
			r.ReportError("ReadEnum", "unknown enum symbol")
		}
	case *hamba.UnionSchema:
		// The spec makes the index a long; hamba's decoder reads an int,
		// so a varint longer than five bytes fails to decode (found by
		// FuzzValidateAgreesWithDecode): read it alike.
		i := int64(r.ReadInt())
		if r.Error != nil {
			return
		}
		if i < 0 || i >= int64(len(s.Types())) {
			r.ReportError("ReadUnion", "invalid union index")
			return
		}
		skipValue(r, s.Types()[i], depth+1)
	case *hamba.FixedSchema:
		r.SkipNBytes(s.Size())
	case *hamba.ArraySchema:
		skipBlocks(r, depth, false, s.Items())
	case *hamba.MapSchema:
		skipBlocks(r, depth, true, s.Values())
	default:
		r.ReportError("Skip", "unsupported schema type "+string(s.Type()))
	}
}

// skipBlocks skips the blocks of an array or map (keyed: each item starts
// with its key).
func skipBlocks(r *hamba.Reader, depth int, keyed bool, item hamba.Schema) {
	total := int64(0)
	for r.Error == nil {
		n, _ := r.ReadBlockHeader()
		if r.Error != nil || n == 0 {
			return
		}
		if total += n; n < 0 || n > MaxArrayItems || total > MaxArrayItems {
			r.ReportError("ReadBlockHeader", "more items than MaxArrayItems")
			return
		}
		for range n {
			if keyed {
				if k := r.ReadLong(); k < 0 {
					r.ReportError("ReadString", "invalid length")
				} else {
					r.SkipNBytes(int(k))
				}
			}
			skipValue(r, item, depth+1)
			if r.Error != nil {
				return
			}
		}
	}
}
