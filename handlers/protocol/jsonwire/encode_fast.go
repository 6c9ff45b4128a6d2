package jsonwire

import (
	"reflect"
	"strconv"
	"time"
	"unsafe"

	"github.com/evolvestack/evolvestack/handlers/protocol/shape"
	"github.com/evolvestack/evolvestack/internal/jsonstr"
)

// The fast encoder renders addressable structures by reading their
// members through field offsets instead of reflect.Value, for the member
// types that dominate large responses (strings, blobs, numbers, times,
// nested structures and lists of structures); any other member goes
// through the general encoder. Its output is the general encoder's, byte
// for byte. Its plans are built once per Marshal call and type (a response
// of thousands of records pays for them once), so the package keeps no
// state between calls.

// fastOp is how the fast encoder renders one member.
type fastOp uint8

const (
	opReflect    fastOp = iota // the general encoder
	opString                   // string kind by value; absent when ""
	opStringPtr                // *string
	opBytes                    // []byte kind; absent when nil
	opTime                     // time.Time by value
	opTimePtr                  // *time.Time
	opInt64                    // int64 by value
	opInt64Ptr                 // *int64
	opInt32                    // int32 by value
	opInt32Ptr                 // *int32
	opBool                     // bool by value
	opBoolPtr                  // *bool
	opStruct                   // a structure by value
	opStructPtr                // *structure
	opStructList               // a slice of structures by value
)

// fastField is one member of a fastStruct.
type fastField struct {
	f    *shape.Field
	op   fastOp
	off  uintptr
	typ  reflect.Type // the member's Go type (opReflect)
	key  string       // "Wire":
	sub  *fastStruct  // opStruct, opStructPtr, opStructList
	size uintptr      // element size (opStructList)
	unix bool         // a timestamp rendered as epoch seconds
}

// fastStruct is the fast plan of a structure.
type fastStruct struct {
	plan   *shape.Type
	fields []fastField
}

// fastPlans builds and keeps the plans of one Marshal call, and the
// rendering of the last epoch time (the records of a batch share theirs).
type fastPlans struct {
	plans    map[*shape.Type]*fastStruct
	lastTime time.Time
	lastText []byte
}

var (
	stringPtrType = reflect.TypeFor[*string]()
	timeType      = reflect.TypeFor[time.Time]()
	timePtrType   = reflect.TypeFor[*time.Time]()
	int64PtrType  = reflect.TypeFor[*int64]()
	int32PtrType  = reflect.TypeFor[*int32]()
	boolPtrType   = reflect.TypeFor[*bool]()
)

// plan returns the fast plan of structure plan p (a KindStruct plan whose
// Go type is the structure).
func (fp *fastPlans) plan(p *shape.Type) *fastStruct {
	if s, ok := fp.plans[p]; ok {
		return s
	}
	if fp.plans == nil {
		fp.plans = map[*shape.Type]*fastStruct{}
	}
	s := &fastStruct{plan: p, fields: make([]fastField, len(p.Fields))}
	fp.plans[p] = s // before the members: recursive shapes terminate
	for i, f := range p.Fields {
		sf := p.Go.Field(f.Index)
		ff := fastField{f: f, off: sf.Offset, typ: sf.Type, key: string(AppendString(nil, f.Wire)) + ":"}
		ff.op = fp.classify(&ff, sf.Type, f.Type)
		if f.Type.Kind == shape.KindTimestamp {
			ff.unix = f.TimestampFormat == "" || f.TimestampFormat == shape.TSUnix
		}
		s.fields[i] = ff
	}
	return s
}

// classify picks the operation for a member of Go type gt and plan t.
func (fp *fastPlans) classify(ff *fastField, gt reflect.Type, t *shape.Type) fastOp {
	switch t.Kind {
	case shape.KindString:
		switch {
		case gt == stringPtrType:
			return opStringPtr
		case gt.Kind() == reflect.String:
			return opString
		}
	case shape.KindBlob:
		if gt.Kind() == reflect.Slice && gt.Elem().Kind() == reflect.Uint8 {
			return opBytes
		}
	case shape.KindTimestamp:
		switch gt {
		case timeType:
			return opTime
		case timePtrType:
			return opTimePtr
		}
	case shape.KindInt64:
		switch {
		case gt == int64PtrType:
			return opInt64Ptr
		case gt.Kind() == reflect.Int64:
			return opInt64
		}
	case shape.KindInt32:
		switch {
		case gt == int32PtrType:
			return opInt32Ptr
		case gt.Kind() == reflect.Int32:
			return opInt32
		}
	case shape.KindBool:
		switch {
		case gt == boolPtrType:
			return opBoolPtr
		case gt.Kind() == reflect.Bool:
			return opBool
		}
	case shape.KindStruct:
		st := t.Struct()
		switch {
		case gt.Kind() == reflect.Struct && gt == st.Go:
			ff.sub = fp.plan(st)
			return opStruct
		case gt.Kind() == reflect.Pointer && gt.Elem() == st.Go:
			ff.sub = fp.plan(st)
			return opStructPtr
		}
	case shape.KindList:
		e := t.Elem
		if !t.Ptr && gt.Kind() == reflect.Slice && e.Kind == shape.KindStruct && !e.Ptr && gt.Elem() == e.Struct().Go {
			ff.sub = fp.plan(e.Struct())
			ff.size = gt.Elem().Size()
			return opStructList
		}
	}
	return opReflect
}

// appendStruct appends the JSON object of the structure at p. With
// bodyOnly, members bound to REST locations and the payload are left out.
func (fp *fastPlans) appendStruct(b []byte, s *fastStruct, p unsafe.Pointer, bodyOnly bool) []byte {
	b = append(b, '{')
	first := true
	for i := range s.fields {
		ff := &s.fields[i]
		f := ff.f
		if bodyOnly && (f.Location != shape.LocBody || f == s.plan.Payload) {
			continue
		}
		mp := unsafe.Add(p, ff.off)
		if absent(ff.op, mp) {
			continue
		}
		start := len(b)
		if !first {
			b = append(b, ',')
		}
		b = append(b, ff.key...)
		var ok bool
		b, ok = fp.appendMember(b, ff, mp)
		if !ok {
			b = b[:start] // absent
			continue
		}
		first = false
	}
	return append(b, '}')
}

// absent reports whether a member of a fast kind at p is absent, before
// its key is written (appendMember has the final word, for all kinds).
func absent(op fastOp, p unsafe.Pointer) bool {
	switch op {
	case opString:
		return *(*string)(p) == ""
	case opStringPtr, opTimePtr, opInt64Ptr, opInt32Ptr, opBoolPtr, opStructPtr:
		return *(*unsafe.Pointer)(p) == nil
	case opBytes, opStructList:
		return *(*[]byte)(p) == nil
	}
	return false
}

// appendMember appends the value of member ff at p, or reports false when
// it is absent.
func (fp *fastPlans) appendMember(b []byte, ff *fastField, p unsafe.Pointer) ([]byte, bool) {
	switch ff.op {
	case opString:
		s := *(*string)(p)
		if s == "" {
			return b, false
		}
		return AppendString(b, s), true
	case opStringPtr:
		s := *(**string)(p)
		if s == nil {
			return b, false
		}
		return AppendString(b, *s), true
	case opBytes:
		v := *(*[]byte)(p)
		if v == nil {
			return b, false
		}
		b = append(b, '"')
		b = jsonstr.AppendBase64(b, v)
		return append(b, '"'), true
	case opTime:
		return fp.appendTime(b, ff, (*time.Time)(p)), true
	case opTimePtr:
		t := *(**time.Time)(p)
		if t == nil {
			return b, false
		}
		return fp.appendTime(b, ff, t), true
	case opInt64:
		return strconv.AppendInt(b, *(*int64)(p), 10), true
	case opInt64Ptr:
		n := *(**int64)(p)
		if n == nil {
			return b, false
		}
		return strconv.AppendInt(b, *n, 10), true
	case opInt32:
		return strconv.AppendInt(b, int64(*(*int32)(p)), 10), true
	case opInt32Ptr:
		n := *(**int32)(p)
		if n == nil {
			return b, false
		}
		return strconv.AppendInt(b, int64(*n), 10), true
	case opBool:
		return strconv.AppendBool(b, *(*bool)(p)), true
	case opBoolPtr:
		v := *(**bool)(p)
		if v == nil {
			return b, false
		}
		return strconv.AppendBool(b, *v), true
	case opStruct:
		return fp.appendStruct(b, ff.sub, p, false), true
	case opStructPtr:
		sp := *(*unsafe.Pointer)(p)
		if sp == nil {
			return b, false
		}
		return fp.appendStruct(b, ff.sub, sp, false), true
	case opStructList:
		hdr := *(*[]byte)(p) // the slice header; its length counts elements
		if hdr == nil {
			return b, false
		}
		data := unsafe.Pointer(unsafe.SliceData(hdr))
		b = append(b, '[')
		for i := range len(hdr) {
			if i > 0 {
				b = append(b, ',')
			}
			b = fp.appendStruct(b, ff.sub, unsafe.Add(data, uintptr(i)*ff.size), false)
		}
		return append(b, ']'), true
	}
	v, ok := shape.Deref(reflect.NewAt(ff.typ, p).Elem(), ff.f.Type)
	if !ok {
		return b, false
	}
	var e encoder // nested values have no REST bindings
	return e.value(b, ff.f, ff.f.Type, v), true
}

// appendTime renders a timestamp member as the general encoder does.
func (fp *fastPlans) appendTime(b []byte, ff *fastField, t *time.Time) []byte {
	if ff.unix {
		if fp.lastText == nil || !t.Equal(fp.lastTime) {
			fp.lastTime, fp.lastText = *t, appendEpochSeconds(fp.lastText[:0], *t)
		}
		return append(b, fp.lastText...)
	}
	return AppendString(b, shape.FormatTimestamp(*t, ff.f.TimestampFormat))
}
