// Package jsonwire reads and writes the JSON bodies of the awsJson and
// restJson1 protocols from and into tagged shapes, with the Coral
// framework's error texts for malformed input.
package jsonwire

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol/shape"
)

// SerializationCode is the error code of malformed JSON input.
const SerializationCode = "SerializationException"

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 256

// Coral's messages for a value of the wrong JSON type.
const (
	msgStructNotExpected = "Start of structure or map found where not expected."
	msgListNotExpected   = "Start of list found where not expected"
)

// SerializationError returns the error AWS JSON services send for a body
// they cannot deserialize; msg may be empty (syntax errors carry none).
func SerializationError(msg string) *awsapi.Error {
	return &awsapi.Error{Code: SerializationCode, Message: msg}
}

// Dialect selects how a value of the wrong JSON type is reported and how
// numbers are read: the Coral front ends of AWS's JSON services differ.
type Dialect uint8

const (
	// DialectTokens names the JSON token that does not fit: "STRING_VALUE
	// can not be converted to an Integer". SQS's JSON protocol answers so
	// today (sqs.eu-central-1 in 2024, async-aws/aws issue #1667); the
	// restJson1 services keep it too. Numbers out of the member's range are
	// refused, timestamps may also be date strings.
	DialectTokens Dialect = iota
	// DialectJava is the Coral JSON codec of Kinesis, used here for Glue
	// and EventBridge too (Coral services of Kinesis's age; no recording
	// of theirs was found): it names the Java class it read the value into
	// and the member type with "an" (even "an String"), "a Blob" and, for
	// timestamps, "milliseconds since epoch"; kinesalite recorded the texts
	// from Kinesis (test/helpers.js assertType, validations/index.js
	// checkTypes in mhart/kinesalite). Numbers are read as Java narrows a
	// BigDecimal (the integer part, truncated, then its low 32 or 64 bits:
	// Coral's TruncatingBigNumber) and validated afterwards; a string is
	// never a timestamp; a string for a boolean is read case-insensitively
	// (true, false, yes, no, 1, 0), else quoted upper-cased in the error.
	DialectJava
)

// ExplicitEmptyEnum is what Unmarshal, with Options.KeepEmptyEnums, stores
// in an enum member (a string member held by value, where "" means
// absent) that the body gave as "". Coral validates such a value against
// the enum (an empty ShardIteratorType "failed to satisfy constraint:
// Member must satisfy enum value set", recorded from Kinesis in
// kinesalite's test/getShardIterator.js) instead of taking it as a missing
// member; the Validate methods cmd/apigen generates know this marker and
// print it as the empty value it stands for. It is not valid UTF-8, and
// Unmarshal makes every other enum value valid UTF-8, so no client text
// can be mistaken for it.
const ExplicitEmptyEnum = "\xff\x00explicit-empty"

// Options select which members Unmarshal fills and how.
type Options struct {
	// BodyOnly skips members bound elsewhere (REST location tags) and the
	// payload member.
	BodyOnly bool
	// Dialect is the wording of type errors and the reading of numbers.
	Dialect Dialect
	// KeepEmptyEnums stores ExplicitEmptyEnum in enum members given as "".
	KeepEmptyEnums bool
}

// Unmarshal decodes the JSON object in data into v, a struct value whose
// plan is plan. Empty input leaves v untouched.
func Unmarshal(data []byte, plan *shape.Type, v reflect.Value, opts Options) error {
	d := decoder{data: data, opts: opts}
	d.skipWS()
	if d.pos == len(d.data) {
		return nil
	}
	if d.data[d.pos] != '{' {
		// Coral answers a top-level non-object without a message.
		if err := d.skipValue(); err != nil {
			return err
		}
		return SerializationError("")
	}
	if err := d.object(plan, v); err != nil {
		return err
	}
	d.skipWS()
	if d.pos != len(d.data) {
		return SerializationError("")
	}
	return nil
}

type decoder struct {
	data  []byte
	pos   int
	depth int
	opts  Options
	buf   []byte
	// arena is the unused part of the chunk decoded strings and blobs are
	// carved from, and cells the unused *string cells: a request of many
	// small members costs a few allocations instead of one or two each.
	arena []byte
	cells []string
	// The fast stores of structure members (decodeOps).
	opsCache map[*shape.Type][]decodeOp
	opsPlan  *shape.Type
	ops      []decodeOp
}

// Decoded strings and blobs of at most arenaMax bytes share chunks of at
// most arenaChunk bytes (no larger than the rest of the input, which bounds
// what is left to decode), and *string members share blocks of at most
// cellChunk cells, so a value a service keeps holds at most one chunk of
// its own request alive.
const (
	arenaMax   = 1 << 10
	arenaChunk = 16 << 10
	cellChunk  = 64
)

// alloc returns n bytes for a decoded string or blob, capped so that an
// append cannot reach its neighbour.
func (d *decoder) alloc(n int) []byte {
	if n > arenaMax {
		return make([]byte, n)
	}
	if len(d.arena) < n {
		d.arena = make([]byte, max(n, min(len(d.data)-d.pos, arenaChunk)))
	}
	b := d.arena[:n:n]
	d.arena = d.arena[n:]
	return b
}

// string returns b, which aliases the input or the scratch buffer, as a
// string of its own.
func (d *decoder) string(b []byte) string {
	if len(b) == 0 || len(b) > arenaMax {
		return string(b)
	}
	p := d.alloc(len(b))
	copy(p, b)
	// The arena's bytes are never written again once handed out.
	return unsafe.String(&p[0], len(p))
}

// stringPtr returns a pointer to s.
func (d *decoder) stringPtr(s string) *string {
	if len(d.cells) == 0 {
		d.cells = make([]string, min(cellChunk, max(4, (len(d.data)-d.pos)/16)))
	}
	p := &d.cells[0]
	d.cells = d.cells[1:]
	*p = s
	return p
}

// setString stores s into string member v of type t.
func (d *decoder) setString(v reflect.Value, t *shape.Type, s string) {
	if t.Ptr && t.Go == stringType {
		v.Set(reflect.ValueOf(d.stringPtr(s)))
		return
	}
	shape.SetString(v, t, s)
}

var (
	stringType = reflect.TypeFor[string]()
	bytesType  = reflect.TypeFor[[]byte]()
)

// setBlob stores b into blob member v of type t.
func setBlob(v reflect.Value, t *shape.Type, b []byte) {
	if !t.Ptr && t.Go == bytesType {
		v.SetBytes(b) // no boxing of the slice, unlike reflect.ValueOf
		return
	}
	shape.SetBlob(v, t, b)
}

func (d *decoder) skipWS() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func syntaxErr() error { return SerializationError("") }

// token names the JSON value starting at the cursor as Coral does.
func (d *decoder) token() string {
	switch c := d.data[d.pos]; {
	case c == '"':
		return "STRING_VALUE"
	case c == 't' || c == 'f':
		return "BOOLEAN_VALUE"
	default:
		return "NUMBER_VALUE"
	}
}

func convertMsg(token string, k shape.Kind) string {
	article := "an "
	if k == shape.KindBlob || k == shape.KindTimestamp {
		article = "a "
	}
	return token + " can not be converted to " + article + k.String()
}

// javaClass names the Java class Coral reads the JSON value starting with
// c into.
func javaClass(c byte) string {
	switch c {
	case '"':
		return "class java.lang.String"
	case 't', 'f':
		return "class java.lang.Boolean"
	}
	return "class com.amazon.coral.value.json.numbers.TruncatingBigNumber"
}

// javaConvertMsg is Coral's (DialectJava) text for a value of class class
// given for a member of kind k.
func javaConvertMsg(class string, k shape.Kind) string {
	switch k {
	case shape.KindTimestamp:
		return class + " can not be converted to milliseconds since epoch"
	case shape.KindBlob:
		return class + " can not be converted to a Blob"
	}
	return class + " can not be converted to an " + k.String()
}

// mismatch returns the error for the value at the cursor not fitting k.
func (d *decoder) mismatch(k shape.Kind) error {
	switch d.data[d.pos] {
	case '{':
		return SerializationError(msgStructNotExpected)
	case '[':
		return SerializationError(msgListNotExpected)
	}
	switch k {
	case shape.KindList:
		return SerializationError("Expected list or null")
	case shape.KindMap:
		return SerializationError("Expected map or null")
	case shape.KindStruct:
		return SerializationError("Expected null")
	}
	if d.opts.Dialect == DialectJava {
		return SerializationError(javaConvertMsg(javaClass(d.data[d.pos]), k))
	}
	return SerializationError(convertMsg(d.token(), k))
}

// numberError is the error for a number that cannot be held by a member
// of kind k (DialectTokens only: Java narrows instead).
func numberError(k shape.Kind) error {
	return SerializationError(convertMsg("NUMBER_VALUE", k))
}

func (d *decoder) literal(word string) error {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return syntaxErr()
	}
	d.pos += len(word)
	return nil
}

// object decodes a JSON object into struct value v.
func (d *decoder) object(plan *shape.Type, v reflect.Value) error {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxDepth {
		return syntaxErr()
	}
	d.pos++ // '{'
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return nil
	}
	// Members of the commonest types are stored through their offsets
	// (see decodeOps), others through reflect.
	var base unsafe.Pointer
	var ops []decodeOp
	if len(plan.Fields) <= maxLinearFields && v.CanAddr() {
		base, ops = v.Addr().UnsafePointer(), d.decodeOps(plan)
	}
	for {
		d.skipWS()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return syntaxErr()
		}
		f, i := d.matchKey(plan, ops)
		if f == nil {
			key, err := d.keyBytes()
			if err != nil {
				return err
			}
			f, i = lookup(plan, key)
		}
		if err := d.colon(); err != nil {
			return err
		}
		if f != nil && d.opts.BodyOnly && (f.Location != shape.LocBody || f == plan.Payload) {
			f = nil
		}
		op := decodeReflect
		if f != nil && ops != nil && d.data[d.pos] == '"' {
			op = ops[i].kind
		}
		var err error
		switch {
		case f == nil:
			err = d.skipValue()
		case op == decodeBytes:
			b, ok := d.blob()
			if !ok {
				var raw []byte
				if raw, err = d.strBytes(); err == nil {
					b, err = decodeBase64(raw)
				}
			}
			if err == nil {
				*(*[]byte)(unsafe.Add(base, ops[i].off)) = b
			}
		case op == decodeStringPtr:
			var s string
			if s, err = d.str(); err == nil {
				*(**string)(unsafe.Add(base, ops[i].off)) = d.stringPtr(s)
			}
		case d.opts.KeepEmptyEnums && f.Type.Kind == shape.KindString && !f.Type.Ptr && d.data[d.pos] == '"':
			err = d.enumMember(f, v.Field(f.Index))
		default:
			err = d.value(f, f.Type, v.Field(f.Index))
		}
		if err != nil {
			return err
		}
		d.skipWS()
		if d.pos >= len(d.data) {
			return syntaxErr()
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return nil
		default:
			return syntaxErr()
		}
	}
}

// listCap is the capacity a list of elements of size bytes grows to from
// n. Lists of a thousand records are the norm in batch APIs: after the
// first element, the rest of the input divided by its length estimates
// how many follow, so that a uniform list is allocated about once instead
// of doubling its way up; the guess is bounded by listGuessBytes, and the
// list doubles as usual when that is not enough.
func (d *decoder) listCap(n, first int, size uintptr) int {
	c := max(4, 2*n)
	if n == 1 && first > 0 && size > 0 {
		guess := 1 + (len(d.data)-d.pos)/(first+1) + 1
		c = max(c, min(guess, int(listGuessBytes/size)))
	}
	return c
}

// listGuessBytes bounds the memory a list's capacity guess may take.
const listGuessBytes = 64 << 10

// maxLinearFields bounds the structures whose members lookup finds by
// comparing names rather than hashing.
const maxLinearFields = 16

// lookup returns the member of plan whose wire name is key, as
// plan.Lookup does, and its index in plan.Fields (-1 in large
// structures). Small structures are searched without hashing, from the
// last member so that, like the plan's map, a later member wins.
func lookup(plan *shape.Type, key []byte) (*shape.Field, int) {
	fs := plan.Fields
	if len(fs) > maxLinearFields {
		f, _ := plan.Lookup(string(key)) // no allocation for map lookups
		return f, -1
	}
	for i := len(fs) - 1; i >= 0; i-- {
		if w := fs[i].Wire; len(w) == len(key) && w == string(key) {
			return fs[i], i
		}
	}
	return nil, -1
}

// matchKey reads the key at the cursor when it is, without escapes, the
// wire name of one of plan's members (ops holds which names need none),
// and returns that member as lookup would; otherwise it returns nil and
// leaves the cursor.
func (d *decoder) matchKey(plan *shape.Type, ops []decodeOp) (*shape.Field, int) {
	if ops == nil {
		return nil, -1
	}
	p := d.pos + 1
	rest := d.data[p:]
	for i := len(ops) - 1; i >= 0; i-- {
		w := plan.Fields[i].Wire
		if ops[i].plainWire && len(rest) > len(w) && rest[len(w)] == '"' && string(rest[:len(w)]) == w {
			d.pos = p + len(w) + 1
			return plan.Fields[i], i
		}
	}
	return nil, -1
}

// plainWire reports whether w reads as itself between quotes: no
// backslash, quote or control character.
func plainWire(w string) bool {
	for i := 0; i < len(w); i++ {
		if c := w[i]; c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// decodeKind is how object stores a member without reflect.
type decodeKind uint8

const (
	decodeReflect   decodeKind = iota
	decodeBytes                // a []byte blob
	decodeStringPtr            // a *string
)

// decodeOp is the fast store of one member: its kind and offset, and
// whether matchKey may match its wire name.
type decodeOp struct {
	kind      decodeKind
	off       uintptr
	plainWire bool
}

// decodeOps returns the fast stores of plan's members (aligned with
// plan.Fields), built once per Unmarshal and kept for the last structure
// type seen (list elements repeat it).
func (d *decoder) decodeOps(plan *shape.Type) []decodeOp {
	if d.opsPlan == plan {
		return d.ops
	}
	if d.opsCache == nil {
		d.opsCache = map[*shape.Type][]decodeOp{}
	}
	ops, ok := d.opsCache[plan]
	if !ok {
		ops = make([]decodeOp, len(plan.Fields))
		for i, f := range plan.Fields {
			sf := plan.Go.Field(f.Index)
			ops[i].off = sf.Offset
			ops[i].plainWire = plainWire(f.Wire)
			switch {
			case f.Type.Kind == shape.KindBlob && sf.Type == bytesType:
				ops[i].kind = decodeBytes
			case f.Type.Kind == shape.KindString && sf.Type == stringPtrType:
				ops[i].kind = decodeStringPtr
			}
		}
		d.opsCache[plan] = ops
	}
	d.opsPlan, d.ops = plan, ops
	return ops
}

// value decodes the JSON value at the cursor into member v of type t. f is
// the enclosing field (for its timestamp format), or nil.
func (d *decoder) value(f *shape.Field, t *shape.Type, v reflect.Value) error {
	c := d.data[d.pos]
	if c == 'n' {
		// null means absent.
		return d.literal("null")
	}
	switch t.Kind {
	case shape.KindString:
		if c != '"' {
			return d.mismatch(t.Kind)
		}
		s, err := d.str()
		if err != nil {
			return err
		}
		d.setString(v, t, s)
	case shape.KindBool:
		switch c {
		case 't':
			if err := d.literal("true"); err != nil {
				return err
			}
			shape.SetBool(v, t, true)
		case 'f':
			if err := d.literal("false"); err != nil {
				return err
			}
			shape.SetBool(v, t, false)
		case '"':
			if d.opts.Dialect != DialectJava {
				return d.mismatch(t.Kind)
			}
			s, err := d.str()
			if err != nil {
				return err
			}
			b, err := javaBoolean(s)
			if err != nil {
				return err
			}
			shape.SetBool(v, t, b)
		default:
			return d.mismatch(t.Kind)
		}
	case shape.KindInt32, shape.KindInt64:
		if !isNumStart(c) {
			return d.mismatch(t.Kind)
		}
		raw, isInt, err := d.number()
		if err != nil {
			return err
		}
		if d.opts.Dialect == DialectJava {
			n := int64(narrow(raw, 0))
			if t.Kind == shape.KindInt32 {
				n = int64(int32(n))
			}
			shape.SetInt(v, t, n)
			return nil
		}
		var n int64
		if isInt {
			n, err = strconv.ParseInt(string(raw), 10, 64)
		} else {
			var fl float64
			fl, err = strconv.ParseFloat(string(raw), 64)
			fl = math.Floor(fl)
			if err == nil && (fl > math.MaxInt64 || fl < math.MinInt64) {
				err = strconv.ErrRange
			}
			n = int64(fl)
		}
		if err != nil || !shape.RangeInt(t.Kind, n) {
			return numberError(t.Kind)
		}
		shape.SetInt(v, t, n)
	case shape.KindFloat32, shape.KindFloat64:
		if !isNumStart(c) {
			return d.mismatch(t.Kind)
		}
		raw, _, err := d.number()
		if err != nil {
			return err
		}
		bits := 64
		if t.Kind == shape.KindFloat32 {
			bits = 32
		}
		fl, err := strconv.ParseFloat(string(raw), bits)
		// Java's BigDecimal.doubleValue and floatValue give an infinity
		// for a number out of range.
		if err != nil && !(d.opts.Dialect == DialectJava && math.IsInf(fl, 0)) {
			return numberError(t.Kind)
		}
		shape.SetFloat(v, t, fl)
	case shape.KindTimestamp:
		return d.timestamp(f, t, v)
	case shape.KindBlob:
		if c != '"' {
			return d.mismatch(t.Kind)
		}
		if b, ok := d.blob(); ok {
			setBlob(v, t, b)
			return nil
		}
		raw, err := d.strBytes()
		if err != nil {
			return err
		}
		b, err := decodeBase64(raw)
		if err != nil {
			return err
		}
		setBlob(v, t, b)
	case shape.KindDocument:
		start := d.pos
		if err := d.skipValue(); err != nil {
			return err
		}
		var x any
		if err := json.Unmarshal(d.data[start:d.pos], &x); err != nil {
			return syntaxErr()
		}
		v.Set(reflect.ValueOf(&x).Elem())
	case shape.KindStruct:
		if c != '{' {
			return d.mismatch(t.Kind)
		}
		return d.object(t.Struct(), shape.StructValue(v, t))
	case shape.KindList:
		if c != '[' {
			return d.mismatch(t.Kind)
		}
		return d.list(f, t, v)
	case shape.KindMap:
		if c != '{' {
			return d.mismatch(t.Kind)
		}
		return d.mapValue(f, t, v)
	default:
		return d.skipValue()
	}
	return nil
}

// timestamp decodes a timestamp member: epoch seconds, or a date string.
// Coral's Java dialect reads only numbers, unless the model gives the
// member a string format (timestampFormat iso8601 or rfc822).
func (d *decoder) timestamp(f *shape.Field, t *shape.Type, v reflect.Value) error {
	c := d.data[d.pos]
	stringsOK := d.opts.Dialect != DialectJava || f != nil && f.TimestampFormat != "" && f.TimestampFormat != shape.TSUnix
	switch {
	case isNumStart(c):
		raw, _, err := d.number()
		if err != nil {
			return err
		}
		fl, err := strconv.ParseFloat(string(raw), 64)
		tm, ok := shape.FromEpochSeconds(fl)
		if err != nil || !ok {
			if d.opts.Dialect != DialectJava {
				return numberError(t.Kind)
			}
			// Coral turns the seconds into a long of milliseconds, as
			// Java narrows: far out of range, they wrap.
			tm = time.UnixMilli(int64(narrow(raw, 3))).UTC()
		}
		shape.SetTime(v, t, tm)
	case c == '"' && stringsOK:
		s, err := d.str()
		if err != nil {
			return err
		}
		tm, ok := shape.ParseTimestamp(s)
		if !ok {
			return SerializationError(convertMsg("STRING_VALUE", t.Kind))
		}
		shape.SetTime(v, t, tm)
	default:
		return d.mismatch(t.Kind)
	}
	return nil
}

func (d *decoder) list(f *shape.Field, t *shape.Type, v reflect.Value) error {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxDepth {
		return syntaxErr()
	}
	d.pos++ // '['
	// The elements are decoded in place into an addressable slice (v
	// itself, unless it is a pointer): slicing a slice Value that is not
	// addressable allocates.
	slice := v
	if t.Ptr {
		slice = reflect.New(t.Go).Elem()
	}
	slice.Set(reflect.MakeSlice(t.Go, 0, 0))
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		if t.Ptr {
			shape.Set(v, t, slice)
		}
		return nil
	}
	first := 0 // the length in the input of the first element
	for i := 0; ; i++ {
		d.skipWS()
		if d.pos >= len(d.data) {
			return syntaxErr()
		}
		if d.data[d.pos] == 'n' {
			// null elements are dropped.
			if err := d.literal("null"); err != nil {
				return err
			}
		} else {
			n := slice.Len()
			if n == slice.Cap() {
				// MakeSlice zeroes the new capacity, so elements start
				// out zero.
				grown := reflect.MakeSlice(t.Go, n, d.listCap(n, first, t.Go.Elem().Size()))
				reflect.Copy(grown, slice)
				slice.Set(grown)
			}
			slice.SetLen(n + 1)
			start := d.pos
			if err := d.value(f, t.Elem, slice.Index(n)); err != nil {
				return err
			}
			if n == 0 {
				first = d.pos - start
			}
		}
		d.skipWS()
		if d.pos >= len(d.data) {
			return syntaxErr()
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			if t.Ptr {
				shape.Set(v, t, slice)
			}
			return nil
		default:
			return syntaxErr()
		}
	}
}

func (d *decoder) mapValue(f *shape.Field, t *shape.Type, v reflect.Value) error {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxDepth {
		return syntaxErr()
	}
	d.pos++ // '{'
	m := reflect.MakeMap(t.Go)
	elem := reflect.New(t.Go.Elem()).Elem()
	zero := reflect.Zero(t.Go.Elem())
	d.skipWS()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		shape.Set(v, t, m)
		return nil
	}
	for {
		d.skipWS()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return syntaxErr()
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		if err := d.colon(); err != nil {
			return err
		}
		if d.data[d.pos] == 'n' {
			if err := d.literal("null"); err != nil {
				return err
			}
		} else {
			elem.Set(zero)
			if err := d.value(f, t.Elem, elem); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(key).Convert(t.Go.Key()), elem)
		}
		d.skipWS()
		if d.pos >= len(d.data) {
			return syntaxErr()
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			shape.Set(v, t, m)
			return nil
		default:
			return syntaxErr()
		}
	}
}

// enumMember decodes the JSON string at the cursor into enum member v
// (options KeepEmptyEnums): "" becomes ExplicitEmptyEnum, and text that is
// not valid UTF-8 has U+FFFD for its bad bytes, as Java decodes it.
func (d *decoder) enumMember(f *shape.Field, v reflect.Value) error {
	s, err := d.str()
	if err != nil {
		return err
	}
	switch {
	case s == "":
		s = ExplicitEmptyEnum
	case !utf8.ValidString(s):
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	d.setString(v, f.Type, s)
	return nil
}

// javaBoolean reads a JSON string given for a boolean member as Coral
// does: kinesalite found true, false, yes, no, 1 and 0 accepted in any
// case, and anything else refused with the text upper-cased ("'HELLOWTF'
// can not be converted to an Boolean", validations/index.js; "'23' ..."
// recorded in test/helpers.js).
func javaBoolean(s string) (bool, error) {
	up := strings.ToUpper(s)
	switch up {
	case "TRUE", "YES", "1":
		return true, nil
	case "FALSE", "NO", "0":
		return false, nil
	}
	return false, SerializationError("'" + up + "' can not be converted to an Boolean")
}

// narrow returns the integer part of the JSON number raw times 10^shift,
// truncated toward zero, modulo 2^64: the bits Java's narrowing of a
// BigDecimal (intValue, longValue) keeps. Arithmetic on uint64 wraps
// exactly as the narrowing drops high bits, so any length of input takes
// linear time; 10^64 is a multiple of 2^64, so larger powers add nothing.
func narrow(raw []byte, shift int) uint64 {
	neg := len(raw) > 0 && raw[0] == '-'
	if neg {
		raw = raw[1:]
	}
	mant, exp := raw, []byte(nil)
	if i := indexByte2(raw, 'e', 'E'); i >= 0 {
		mant, exp = raw[:i], raw[i+1:]
	}
	intPart, frac := mant, []byte(nil)
	if i := indexByte2(mant, '.', '.'); i >= 0 {
		intPart, frac = mant[:i], mant[i+1:]
	}
	// The digits are intPart followed by frac; the value is digits times
	// 10^e.
	e := shift - len(frac)
	if len(exp) > 0 {
		expNeg := exp[0] == '-'
		if exp[0] == '-' || exp[0] == '+' {
			exp = exp[1:]
		}
		x := 0
		for _, c := range exp {
			if x < 1<<20 {
				x = x*10 + int(c-'0')
			}
		}
		if expNeg {
			x = -x
		}
		e += x
	}
	digits := len(intPart) + len(frac)
	at := func(i int) byte {
		if i < len(intPart) {
			return intPart[i]
		}
		return frac[i-len(intPart)]
	}
	keep := digits
	if e < 0 {
		keep = digits + e // drop the fraction's digits
		e = 0
	}
	var u uint64
	for i := 0; i < keep; i++ {
		u = u*10 + uint64(at(i)-'0')
	}
	for i := 0; i < e && i < 64 && u != 0; i++ {
		u *= 10
	}
	if e >= 64 {
		u = 0
	}
	if neg {
		u = -u
	}
	return u
}

// indexByte2 returns the index of the first a or b in s, or -1.
func indexByte2(s []byte, a, b byte) int {
	for i, c := range s {
		if c == a || c == b {
			return i
		}
	}
	return -1
}

func isNumStart(c byte) bool { return c == '-' || (c >= '0' && c <= '9') }

// number scans a JSON number and reports whether it is an integer.
func (d *decoder) number() ([]byte, bool, error) {
	start := d.pos
	p := d.pos
	if p < len(d.data) && d.data[p] == '-' {
		p++
	}
	if p >= len(d.data) {
		return nil, false, syntaxErr()
	}
	switch {
	case d.data[p] == '0':
		p++
	case d.data[p] >= '1' && d.data[p] <= '9':
		for p < len(d.data) && d.data[p] >= '0' && d.data[p] <= '9' {
			p++
		}
	default:
		return nil, false, syntaxErr()
	}
	isInt := true
	if p < len(d.data) && d.data[p] == '.' {
		isInt = false
		p++
		q := p
		for p < len(d.data) && d.data[p] >= '0' && d.data[p] <= '9' {
			p++
		}
		if p == q {
			return nil, false, syntaxErr()
		}
	}
	if p < len(d.data) && (d.data[p] == 'e' || d.data[p] == 'E') {
		isInt = false
		p++
		if p < len(d.data) && (d.data[p] == '+' || d.data[p] == '-') {
			p++
		}
		q := p
		for p < len(d.data) && d.data[p] >= '0' && d.data[p] <= '9' {
			p++
		}
		if p == q {
			return nil, false, syntaxErr()
		}
	}
	d.pos = p
	return d.data[start:p], isInt, nil
}

// keyBytes returns an object key; the slice is only valid until the next
// read.
func (d *decoder) keyBytes() ([]byte, error) {
	return d.strBytes()
}

// str reads a JSON string.
func (d *decoder) str() (string, error) {
	b, err := d.strBytes()
	if err != nil {
		return "", err
	}
	return d.string(b), nil
}

// strBytes reads a JSON string and returns its unescaped bytes, which alias
// the input or the decoder's scratch buffer.
func (d *decoder) strBytes() ([]byte, error) {
	d.pos++ // opening quote
	start := d.pos
	for p := start; p < len(d.data); p++ {
		c := d.data[p]
		switch {
		case c == '"':
			d.pos = p + 1
			return d.data[start:p], nil
		case c == '\\':
			return d.strEscaped(start, p)
		case c < 0x20:
			return nil, syntaxErr()
		}
	}
	return nil, syntaxErr()
}

func (d *decoder) strEscaped(start, p int) ([]byte, error) {
	buf := append(d.buf[:0], d.data[start:p]...)
	for p < len(d.data) {
		c := d.data[p]
		switch {
		case c == '"':
			d.pos = p + 1
			d.buf = buf
			return buf, nil
		case c < 0x20:
			return nil, syntaxErr()
		case c != '\\':
			buf = append(buf, c)
			p++
			continue
		}
		p++
		if p >= len(d.data) {
			return nil, syntaxErr()
		}
		switch d.data[p] {
		case '"', '\\', '/':
			buf = append(buf, d.data[p])
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, n, ok := hex4(d.data, p+1)
			if !ok {
				return nil, syntaxErr()
			}
			p += n
			if utf16.IsSurrogate(r) {
				r2, n2, ok2 := rune(0), 0, false
				if p+2 < len(d.data) && d.data[p+1] == '\\' && d.data[p+2] == 'u' {
					r2, n2, ok2 = hex4(d.data, p+3)
				}
				if dec := utf16.DecodeRune(r, r2); ok2 && dec != utf8.RuneError {
					r = dec
					p += 2 + n2
				} else {
					r = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return nil, syntaxErr()
		}
		p++
	}
	return nil, syntaxErr()
}

// hex4 reads 4 hex digits at i; n is how many bytes past the 'u' were read.
func hex4(b []byte, i int) (rune, int, bool) {
	if i+4 > len(b) {
		return 0, 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, 4, true
}

// skipValue validates and skips the value at the cursor.
func (d *decoder) skipValue() error {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxDepth {
		return syntaxErr()
	}
	d.skipWS()
	if d.pos >= len(d.data) {
		return syntaxErr()
	}
	switch c := d.data[d.pos]; {
	case c == '"':
		_, err := d.strBytes()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case isNumStart(c):
		_, _, err := d.number()
		return err
	case c == '[':
		d.pos++
		d.skipWS()
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			return nil
		}
		for {
			if err := d.skipValue(); err != nil {
				return err
			}
			d.skipWS()
			if d.pos >= len(d.data) {
				return syntaxErr()
			}
			switch d.data[d.pos] {
			case ',':
				d.pos++
			case ']':
				d.pos++
				return nil
			default:
				return syntaxErr()
			}
		}
	case c == '{':
		d.pos++
		d.skipWS()
		if d.pos < len(d.data) && d.data[d.pos] == '}' {
			d.pos++
			return nil
		}
		for {
			d.skipWS()
			if d.pos >= len(d.data) || d.data[d.pos] != '"' {
				return syntaxErr()
			}
			if _, err := d.strBytes(); err != nil {
				return err
			}
			d.skipWS()
			if d.pos >= len(d.data) || d.data[d.pos] != ':' {
				return syntaxErr()
			}
			d.pos++
			if err := d.skipValue(); err != nil {
				return err
			}
			d.skipWS()
			if d.pos >= len(d.data) {
				return syntaxErr()
			}
			switch d.data[d.pos] {
			case ',':
				d.pos++
			case '}':
				d.pos++
				return nil
			default:
				return syntaxErr()
			}
		}
	}
	return syntaxErr()
}

// decodeBase64 decodes a blob the way Coral validates it, with its
// messages.
func decodeBase64(raw []byte) ([]byte, error) {
	if len(raw)%4 != 0 {
		return nil, SerializationError("'" + string(raw) + "' can not be converted to a Blob: " +
			"Base64 encoded length is expected a multiple of 4 bytes but found: " + strconv.Itoa(len(raw)))
	}
	for i, c := range raw {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/'
		if c == '=' {
			ok = i+1 == len(raw) || raw[i+1] == '='

		}
		if !ok {
			return nil, SerializationError("'" + string(raw) + "' can not be converted to a Blob: " +
				"Invalid Base64 character: '" + string(rune(c)) + "'")
		}
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(raw)))
	n, err := base64.StdEncoding.Strict().Decode(out, raw)
	if err != nil {
		return nil, SerializationError("'" + string(raw) + "' can not be converted to a Blob: " +
			"Invalid last non-pad Base64 character dectected")
	}
	return out[:n], nil
}

// colon consumes the ':' after an object key and the white space around
// it, and checks that a value follows.
func (d *decoder) colon() error {
	d.skipWS()
	if d.pos >= len(d.data) || d.data[d.pos] != ':' {
		return syntaxErr()
	}
	d.pos++
	d.skipWS()
	if d.pos >= len(d.data) {
		return syntaxErr()
	}
	return nil
}

// b64Dec maps a byte to its standard base64 value, or 0xff for anything
// else ('=' included).
var b64Dec = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// blob decodes, in one pass, a JSON string at the cursor that is plain
// canonical base64 (no escapes, padded, zero pad bits), which is what
// clients send. For anything else it reports false and leaves the cursor:
// the general path then reads the string and words the error.
func (d *decoder) blob() ([]byte, bool) {
	src := d.data[d.pos+1:]
	end := bytes.IndexByte(src, '"')
	if end < 0 || end%4 != 0 {
		return nil, false
	}
	if end == 0 {
		d.pos += 2
		return []byte{}, true
	}
	s := src[:end]
	n := end / 4 * 3
	if s[end-1] == '=' {
		n--
		if s[end-2] == '=' {
			n--
		}
	}
	arena := d.arena
	out := d.alloc(n)
	if !decodeBase64Into(out, s) {
		if n <= arenaMax && len(arena) >= n {
			d.arena = arena // give the bytes back
		}
		return nil, false
	}
	d.pos += end + 2
	return out, true
}

// decodeBase64Into decodes s, whose length is a multiple of 4, into out,
// sized for it; it reports false unless s is canonical padded base64 (as
// base64.StdEncoding.Strict accepts, without its skipping of CR and LF).
func decodeBase64Into(out, s []byte) bool {
	// Every quartet but the last has no padding. Eight digits to six
	// bytes (of an eight-byte store, the last two rewritten next) at a
	// time while there is room.
	for len(s) >= 12 && len(out) >= 8 {
		a, b, c, e := b64Dec[s[0]], b64Dec[s[1]], b64Dec[s[2]], b64Dec[s[3]]
		f, g, h, k := b64Dec[s[4]], b64Dec[s[5]], b64Dec[s[6]], b64Dec[s[7]]
		if (a|b|c|e|f|g|h|k)&0xc0 != 0 {
			return false
		}
		binary.BigEndian.PutUint64(out, uint64(a)<<58|uint64(b)<<52|uint64(c)<<46|uint64(e)<<40|
			uint64(f)<<34|uint64(g)<<28|uint64(h)<<22|uint64(k)<<16)
		out, s = out[6:], s[8:]
	}
	for len(s) > 4 {
		a, b, c, e := b64Dec[s[0]], b64Dec[s[1]], b64Dec[s[2]], b64Dec[s[3]]
		if (a|b|c|e)&0xc0 != 0 {
			return false
		}
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(e)
		out[0], out[1], out[2] = byte(v>>16), byte(v>>8), byte(v)
		out, s = out[3:], s[4:]
	}
	a, b := b64Dec[s[0]], b64Dec[s[1]]
	if (a|b)&0xc0 != 0 {
		return false
	}
	switch {
	case s[2] == '=' && s[3] == '=':
		if b&0x0f != 0 || len(out) != 1 {
			return false
		}
		out[0] = a<<2 | b>>4
	case s[3] == '=':
		c := b64Dec[s[2]]
		if c&0xc0 != 0 || c&0x03 != 0 || len(out) != 2 {
			return false
		}
		out[0], out[1] = a<<2|b>>4, b<<4|c>>2
	default:
		c, e := b64Dec[s[2]], b64Dec[s[3]]
		if (c|e)&0xc0 != 0 || len(out) != 3 {
			return false
		}
		out[0], out[1], out[2] = a<<2|b>>4, b<<4|c>>2, c<<6|e
	}
	return true
}
