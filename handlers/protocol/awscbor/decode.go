package awscbor

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"math/big"
	"reflect"
	"time"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"

	"github.com/evolvestack/evolvestack/handlers/protocol/jsonwire"
	"github.com/evolvestack/evolvestack/handlers/protocol/shape"
)

// CBOR major types.
const (
	majorUint   = 0
	majorNegInt = 1
	majorBytes  = 2
	majorText   = 3
	majorArray  = 4
	majorMap    = 5
	majorTag    = 6
	majorSimple = 7
)

// Additional-information values of major type 7 and the indefinite flag.
const (
	aiFalse     = 20
	aiTrue      = 21
	aiNull      = 22
	aiUndefined = 23
	aiFloat16   = 25
	aiFloat32   = 26
	aiFloat64   = 27
	aiIndef     = 31
	breakByte   = 0xff
)

// Tags the decoder interprets.
const (
	tagDateString = 0
	tagEpoch      = 1
	tagPosBignum  = 2
	tagNegBignum  = 3
)

// Limits on what a request may make the decoder do. Well-formedness (and
// so every declared length against the body size, the nesting depth and the
// element counts) is checked by fxamacker/cbor before any value is built.
const (
	maxNestedLevels  = 64
	maxArrayElements = 65536
	maxMapPairs      = 65536
	// maxPrealloc caps the capacity a declared array length may reserve.
	maxPrealloc = 1024
	// allocFactor and allocSlack bound the bytes of Go values decoding may
	// allocate: allocFactor times the body size plus allocSlack.
	allocFactor = 32
	allocSlack  = 1 << 20
)

// decOptions are the fxamacker/cbor options: indefinite lengths and tags
// allowed (the Java SDK's Jackson generator sends both), bounded depth
// and counts, documents decoded with string-keyed maps.
func decOptions() cbor.DecOptions {
	return cbor.DecOptions{
		MaxNestedLevels:  maxNestedLevels,
		MaxArrayElements: maxArrayElements,
		MaxMapPairs:      maxMapPairs,
		IndefLength:      cbor.IndefLengthAllowed,
		TagsMd:           cbor.TagsAllowed,
		DupMapKey:        cbor.DupMapKeyQuiet,
		UTF8:             cbor.UTF8RejectInvalid,
		IntDec:           cbor.IntDecConvertSignedOrBigInt,
		DefaultMapType:   reflect.TypeFor[map[string]any](),
	}
}

// decoder walks a well-formed CBOR item into a shape.
type decoder struct {
	data   []byte
	pos    int
	depth  int
	budget int
	dm     cbor.DecMode
	buf    []byte // scratch for indefinite-length strings
}

func syntaxErr() error { return SerializationError("") }

// head reads the initial byte and argument of the item at the cursor.
// indef reports an indefinite length (ai 31).
func (d *decoder) head() (major, ai byte, arg uint64, indef bool, err error) {
	if d.pos >= len(d.data) {
		return 0, 0, 0, false, syntaxErr()
	}
	c := d.data[d.pos]
	d.pos++
	major, ai = c>>5, c&0x1f
	switch {
	case ai < 24:
		return major, ai, uint64(ai), false, nil
	case ai == aiIndef:
		if major == majorUint || major == majorNegInt || major == majorTag {
			return 0, 0, 0, false, syntaxErr()
		}
		return major, ai, 0, true, nil
	case ai > 27:
		return 0, 0, 0, false, syntaxErr()
	}
	n := 1 << (ai - 24)
	if len(d.data)-d.pos < n {
		return 0, 0, 0, false, syntaxErr()
	}
	p := d.data[d.pos : d.pos+n]
	d.pos += n
	switch n {
	case 1:
		arg = uint64(p[0])
	case 2:
		arg = uint64(binary.BigEndian.Uint16(p))
	case 4:
		arg = uint64(binary.BigEndian.Uint32(p))
	default:
		arg = binary.BigEndian.Uint64(p)
	}
	return major, ai, arg, false, nil
}

// peek returns the major type and additional information at the cursor.
func (d *decoder) peek() (major, ai byte, ok bool) {
	if d.pos >= len(d.data) {
		return 0, 0, false
	}
	c := d.data[d.pos]
	return c >> 5, c & 0x1f, true
}

// atBreak consumes a break byte when one is at the cursor.
func (d *decoder) atBreak() bool {
	if d.pos < len(d.data) && d.data[d.pos] == breakByte {
		d.pos++
		return true
	}
	return false
}

// spend charges n bytes of Go allocation against the request's budget.
func (d *decoder) spend(n int) error {
	d.budget -= n
	if d.budget < 0 {
		return syntaxErr()
	}
	return nil
}

// skipTags consumes the tags before a value and returns the innermost
// (last) tag number, or -1 when there was none.
func (d *decoder) skipTags() (int64, error) {
	tag := int64(-1)
	for {
		major, _, ok := d.peek()
		if !ok {
			return 0, syntaxErr()
		}
		if major != majorTag {
			return tag, nil
		}
		_, _, arg, _, err := d.head()
		if err != nil {
			return 0, err
		}
		tag = int64(arg & math.MaxInt64)
	}
}

// stringBytes reads a byte or text string of major type want (definite or
// indefinite). The result aliases the input or the decoder's scratch
// buffer and is valid until the next read.
func (d *decoder) stringBytes(want byte) ([]byte, error) {
	major, _, arg, indef, err := d.head()
	if err != nil {
		return nil, err
	}
	if major != want {
		return nil, syntaxErr()
	}
	if !indef {
		if arg > uint64(len(d.data)-d.pos) {
			return nil, syntaxErr()
		}
		s := d.data[d.pos : d.pos+int(arg)]
		d.pos += int(arg)
		return s, nil
	}
	buf := d.buf[:0]
	for !d.atBreak() {
		cm, _, carg, cindef, err := d.head()
		if err != nil {
			return nil, err
		}
		if cm != want || cindef || carg > uint64(len(d.data)-d.pos) {
			return nil, syntaxErr()
		}
		buf = append(buf, d.data[d.pos:d.pos+int(carg)]...)
		d.pos += int(carg)
	}
	d.buf = buf
	return buf, nil
}

// text reads a text string and checks it is UTF-8.
func (d *decoder) text() ([]byte, error) {
	b, err := d.stringBytes(majorText)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(b) {
		return nil, syntaxErr()
	}
	return b, nil
}

// skip validates and skips the item at the cursor.
func (d *decoder) skip() error {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxNestedLevels*2 {
		return syntaxErr()
	}
	if _, err := d.skipTags(); err != nil {
		return err
	}
	major, _, ok := d.peek()
	if !ok {
		return syntaxErr()
	}
	switch major {
	case majorBytes, majorText:
		_, err := d.stringBytes(major)
		return err
	case majorArray, majorMap:
		_, _, arg, indef, err := d.head()
		if err != nil {
			return err
		}
		per := 1
		if major == majorMap {
			per = 2
		}
		if indef {
			for !d.atBreak() {
				for range per {
					if err := d.skip(); err != nil {
						return err
					}
				}
			}
			return nil
		}
		if arg > uint64(len(d.data)-d.pos) {
			return syntaxErr()
		}
		for range int(arg) * per {
			if err := d.skip(); err != nil {
				return err
			}
		}
		return nil
	default:
		_, _, _, indef, err := d.head()
		if err == nil && indef {
			err = syntaxErr()
		}
		return err
	}
}

// isNull consumes a null or undefined value (after any tags were read).
func (d *decoder) isNull() bool {
	if d.pos < len(d.data) {
		if c := d.data[d.pos]; c == majorSimple<<5|aiNull || c == majorSimple<<5|aiUndefined {
			d.pos++
			return true
		}
	}
	return false
}

// nullAhead consumes a (possibly tagged) null or undefined value and
// reports whether there was one; otherwise the cursor does not move.
func (d *decoder) nullAhead() (bool, error) {
	start := d.pos
	if _, err := d.skipTags(); err != nil {
		return false, err
	}
	if d.isNull() {
		return true, nil
	}
	d.pos = start
	return false, nil
}

// token names the value at the cursor as the Coral messages do.
func tokenName(major, ai byte) string {
	switch major {
	case majorText:
		return "STRING_VALUE"
	case majorBytes:
		return "BLOB_VALUE"
	case majorSimple:
		if ai == aiTrue || ai == aiFalse {
			return "BOOLEAN_VALUE"
		}
	}
	return "NUMBER_VALUE"
}

func convertMsg(token string, k shape.Kind) string {
	article := "an "
	if k == shape.KindBlob || k == shape.KindTimestamp {
		article = "a "
	}
	return token + " can not be converted to " + article + k.String()
}

// mismatch returns the error for the value at the cursor not fitting k.
func (d *decoder) mismatch(k shape.Kind) error {
	major, ai, ok := d.peek()
	if !ok {
		return syntaxErr()
	}
	switch major {
	case majorMap:
		return SerializationError("Start of structure or map found where not expected.")
	case majorArray:
		return SerializationError("Start of list found where not expected")
	case majorSimple:
		if ai < aiFalse || ai == 24 {
			return syntaxErr() // unassigned simple values
		}
	}
	switch k {
	case shape.KindList:
		return SerializationError("Expected list or null")
	case shape.KindMap:
		return SerializationError("Expected map or null")
	case shape.KindStruct:
		return SerializationError("Expected null")
	}
	return SerializationError(convertMsg(tokenName(major, ai), k))
}

// object decodes a CBOR map into struct value v.
func (d *decoder) object(plan *shape.Type, v reflect.Value) error {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxNestedLevels {
		return syntaxErr()
	}
	_, _, arg, indef, err := d.head()
	if err != nil {
		return err
	}
	for i := uint64(0); ; i++ {
		if indef {
			if d.atBreak() {
				return nil
			}
		} else if i == arg {
			return nil
		}
		if _, err := d.skipTags(); err != nil {
			return err
		}
		key, err := d.text()
		if err != nil {
			return err
		}
		f, ok := plan.Lookup(string(key)) // no allocation for map lookups
		if ok && f.Location != shape.LocBody {
			ok = false
		}
		switch {
		case ok && f.Type.Kind == shape.KindString && !f.Type.Ptr:
			err = d.enumMember(f, v.Field(f.Index))
		case ok:
			err = d.value(f, f.Type, v.Field(f.Index))
		default:
			err = d.skip()
		}
		if err != nil {
			return err
		}
	}
}

// enumMember decodes an enum member (a string held by value, where ""
// means absent): a present "" becomes jsonwire.ExplicitEmptyEnum, to be
// validated against the enum as Coral does rather than taken as absent
// (see jsonwire); a null leaves it absent.
func (d *decoder) enumMember(f *shape.Field, v reflect.Value) error {
	null, err := d.nullAhead()
	if err != nil || null {
		return err
	}
	if err := d.value(f, f.Type, v); err != nil {
		return err
	}
	if v.String() == "" {
		shape.SetString(v, f.Type, jsonwire.ExplicitEmptyEnum)
	}
	return nil
}

// value decodes the item at the cursor into member v of type t. f is the
// enclosing field, or nil.
func (d *decoder) value(f *shape.Field, t *shape.Type, v reflect.Value) error {
	tag, err := d.skipTags()
	if err != nil {
		return err
	}
	if d.isNull() {
		return nil
	}
	major, ai, ok := d.peek()
	if !ok {
		return syntaxErr()
	}
	switch t.Kind {
	case shape.KindString:
		if major != majorText {
			return d.mismatch(t.Kind)
		}
		s, err := d.text()
		if err != nil {
			return err
		}
		if err := d.spend(len(s)); err != nil {
			return err
		}
		shape.SetString(v, t, string(s))
	case shape.KindBool:
		if major != majorSimple || (ai != aiTrue && ai != aiFalse) {
			return d.mismatch(t.Kind)
		}
		d.pos++
		shape.SetBool(v, t, ai == aiTrue)
	case shape.KindInt32, shape.KindInt64:
		n, err := d.integer(t.Kind, tag)
		if err != nil {
			return err
		}
		shape.SetInt(v, t, n)
	case shape.KindFloat32, shape.KindFloat64:
		fl, err := d.float(t.Kind, tag)
		if err != nil {
			return err
		}
		shape.SetFloat(v, t, fl)
	case shape.KindTimestamp:
		tm, err := d.timestamp(t.Kind, tag)
		if err != nil {
			return err
		}
		shape.SetTime(v, t, tm)
	case shape.KindBlob:
		b, err := d.blob()
		if err != nil {
			return err
		}
		if !t.Ptr && v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes(b) // no boxing of the slice, unlike shape.SetBlob
		} else {
			shape.SetBlob(v, t, b)
		}
	case shape.KindDocument:
		return d.document(v)
	case shape.KindStruct:
		if major != majorMap {
			return d.mismatch(t.Kind)
		}
		if t.Ptr && v.IsNil() {
			if err := d.spend(int(t.Go.Size())); err != nil {
				return err
			}
		}
		return d.object(t.Struct(), shape.StructValue(v, t))
	case shape.KindList:
		if major != majorArray {
			return d.mismatch(t.Kind)
		}
		return d.list(f, t, v)
	case shape.KindMap:
		if major != majorMap {
			return d.mismatch(t.Kind)
		}
		return d.mapValue(f, t, v)
	default:
		return d.skip()
	}
	return nil
}

// number reads an integer or float item, or a bignum (tag 2/3) that fits
// an int64. isInt reports an integer (n) rather than a float (fl).
func (d *decoder) number(k shape.Kind, tag int64) (n int64, fl float64, isInt bool, err error) {
	major, ai, _ := d.peek()
	convErr := SerializationError(convertMsg("NUMBER_VALUE", k))
	switch {
	case major == majorUint || major == majorNegInt:
		_, _, arg, _, err := d.head()
		if err != nil {
			return 0, 0, false, err
		}
		if arg > math.MaxInt64 {
			return 0, 0, false, convErr
		}
		if major == majorNegInt {
			return -1 - int64(arg), 0, true, nil
		}
		return int64(arg), 0, true, nil
	case major == majorSimple && ai >= aiFloat16 && ai <= aiFloat64:
		_, _, arg, _, err := d.head()
		if err != nil {
			return 0, 0, false, err
		}
		switch ai {
		case aiFloat16:
			fl = halfToFloat(uint16(arg))
		case aiFloat32:
			fl = float64(math.Float32frombits(uint32(arg)))
		default:
			fl = math.Float64frombits(arg)
		}
		return 0, fl, false, nil
	case major == majorBytes && (tag == tagPosBignum || tag == tagNegBignum):
		raw, err := d.stringBytes(majorBytes)
		if err != nil {
			return 0, 0, false, err
		}
		x := new(big.Int).SetBytes(raw)
		if tag == tagNegBignum {
			x.Neg(x).Sub(x, big.NewInt(1))
		}
		if !x.IsInt64() {
			return 0, 0, false, convErr
		}
		return x.Int64(), 0, true, nil
	}
	return 0, 0, false, d.mismatch(k)
}

// integer reads an Integer or Long member; fractions are floored as
// Coral does for JSON.
func (d *decoder) integer(k shape.Kind, tag int64) (int64, error) {
	n, fl, isInt, err := d.number(k, tag)
	if err != nil {
		return 0, err
	}
	if !isInt {
		fl = math.Floor(fl)
		if math.IsNaN(fl) || fl >= math.MaxInt64 || fl < math.MinInt64 {
			return 0, SerializationError(convertMsg("NUMBER_VALUE", k))
		}
		n = int64(fl)
	}
	if !shape.RangeInt(k, n) {
		return 0, SerializationError(convertMsg("NUMBER_VALUE", k))
	}
	return n, nil
}

// float reads a Float or Double member.
func (d *decoder) float(k shape.Kind, tag int64) (float64, error) {
	n, fl, isInt, err := d.number(k, tag)
	if err != nil {
		return 0, err
	}
	if isInt {
		fl = float64(n)
	}
	if k == shape.KindFloat32 {
		fl = float64(float32(fl))
	}
	return fl, nil
}

// maxEpochMillis bounds timestamps to what shape.FromEpochSeconds accepts.
const maxEpochMillis = 1e17

// timestamp reads a timestamp: a number of epoch milliseconds, with or
// without tag 1 (the AWS SDK for Java writes tag 1 + milliseconds, not the
// RFC 8949 seconds), or a date-time text string.
func (d *decoder) timestamp(k shape.Kind, tag int64) (time.Time, error) {
	major, _, _ := d.peek()
	if major == majorText {
		s, err := d.text()
		if err != nil {
			return time.Time{}, err
		}
		tm, ok := shape.ParseTimestamp(string(s))
		if !ok {
			return time.Time{}, SerializationError(convertMsg("STRING_VALUE", k))
		}
		return tm, nil
	}
	n, fl, isInt, err := d.number(k, tag)
	if err != nil {
		return time.Time{}, err
	}
	convErr := SerializationError(convertMsg("NUMBER_VALUE", k))
	if isInt {
		if n > maxEpochMillis || n < -maxEpochMillis {
			return time.Time{}, convErr
		}
		return time.UnixMilli(n).UTC(), nil
	}
	tm, ok := shape.FromEpochSeconds(fl / 1000)
	if !ok {
		return time.Time{}, convErr
	}
	return tm, nil
}

// blob reads a byte string; a text string is taken as base64, as Jackson
// reads binary from a text token.
func (d *decoder) blob() ([]byte, error) {
	major, _, _ := d.peek()
	switch major {
	case majorBytes:
		raw, err := d.stringBytes(majorBytes)
		if err != nil {
			return nil, err
		}
		if err := d.spend(len(raw)); err != nil {
			return nil, err
		}
		return append(make([]byte, 0, len(raw)), raw...), nil
	case majorText:
		raw, err := d.text()
		if err != nil {
			return nil, err
		}
		if err := d.spend(len(raw)); err != nil {
			return nil, err
		}
		b, err := base64.StdEncoding.Strict().DecodeString(string(raw))
		if err != nil {
			return nil, SerializationError("'" + string(raw) + "' can not be converted to a Blob")
		}
		return b, nil
	}
	return nil, d.mismatch(shape.KindBlob)
}

// document decodes a free-form value with fxamacker/cbor.
func (d *decoder) document(v reflect.Value) error {
	start := d.pos
	if err := d.skip(); err != nil {
		return err
	}
	if err := d.spend(4 * (d.pos - start)); err != nil {
		return err
	}
	var x any
	if err := d.dm.Unmarshal(d.data[start:d.pos], &x); err != nil {
		return syntaxErr()
	}
	if x != nil {
		v.Set(reflect.ValueOf(&x).Elem())
	}
	return nil
}

func (d *decoder) list(f *shape.Field, t *shape.Type, v reflect.Value) error {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxNestedLevels {
		return syntaxErr()
	}
	_, _, arg, indef, err := d.head()
	if err != nil {
		return err
	}
	if !indef && arg > uint64(len(d.data)-d.pos) {
		return syntaxErr() // every element takes at least a byte
	}
	capacity := 0
	if !indef {
		capacity = int(min(arg, maxPrealloc))
	}
	elemSize := int(t.Go.Elem().Size())
	if err := d.spend(capacity * elemSize); err != nil {
		return err
	}
	// An addressable slice: slicing one that is not allocates a header
	// per element.
	slice := reflect.New(t.Go).Elem()
	slice.Set(reflect.MakeSlice(t.Go, 0, capacity))
	for i := uint64(0); ; i++ {
		if indef {
			if d.atBreak() {
				break
			}
		} else if i == arg {
			break
		}
		if null, err := d.nullAhead(); err != nil {
			return err
		} else if null {
			continue // null elements are dropped
		}
		if slice.Len() == slice.Cap() {
			grown := max(4, 2*slice.Cap())
			if err := d.spend((grown - slice.Cap()) * elemSize); err != nil {
				return err
			}
			ns := reflect.MakeSlice(t.Go, slice.Len(), grown)
			reflect.Copy(ns, slice)
			slice.Set(ns)
		}
		n := slice.Len()
		slice.SetLen(n + 1)
		if err := d.value(f, t.Elem, slice.Index(n)); err != nil {
			return err
		}
	}
	shape.Set(v, t, slice)
	return nil
}

func (d *decoder) mapValue(f *shape.Field, t *shape.Type, v reflect.Value) error {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxNestedLevels {
		return syntaxErr()
	}
	_, _, arg, indef, err := d.head()
	if err != nil {
		return err
	}
	m := reflect.MakeMap(t.Go)
	elem := reflect.New(t.Go.Elem()).Elem()
	zero := reflect.Zero(t.Go.Elem())
	entrySize := int(t.Go.Elem().Size()) + 48
	for i := uint64(0); ; i++ {
		if indef {
			if d.atBreak() {
				break
			}
		} else if i == arg {
			break
		}
		if _, err := d.skipTags(); err != nil {
			return err
		}
		key, err := d.text()
		if err != nil {
			return err
		}
		if err := d.spend(len(key) + entrySize); err != nil {
			return err
		}
		ks := string(key)
		if null, err := d.nullAhead(); err != nil {
			return err
		} else if null {
			continue // null entries are dropped
		}
		elem.Set(zero)
		if err := d.value(f, t.Elem, elem); err != nil {
			return err
		}
		m.SetMapIndex(reflect.ValueOf(ks).Convert(t.Go.Key()), elem)
	}
	shape.Set(v, t, m)
	return nil
}

// halfToFloat converts an IEEE 754 half-precision value.
func halfToFloat(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	mant := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(mant, -24)
	case 0x1f:
		if mant == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	return sign * math.Ldexp(mant+1024, exp-25)
}
