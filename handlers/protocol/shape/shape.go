// Package shape reads the struct tags of generated API shapes (see
// emulator/awsapi/doc.go) into per-type plans that the protocol codecs walk
// with reflection. Plans are built once per Go type and kept in a Cache.
package shape

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
)

// Kind is the wire kind of a member.
type Kind uint8

// Member kinds.
const (
	KindInvalid Kind = iota
	KindString
	KindBool
	KindInt32
	KindInt64
	KindFloat32
	KindFloat64
	KindTimestamp
	KindBlob
	KindList
	KindMap
	KindStruct
	KindDocument
)

// String names the kind as the Coral error messages do.
func (k Kind) String() string {
	switch k {
	case KindString:
		return "String"
	case KindBool:
		return "Boolean"
	case KindInt32:
		return "Integer"
	case KindInt64:
		return "Long"
	case KindFloat32:
		return "Float"
	case KindFloat64:
		return "Double"
	case KindTimestamp:
		return "Timestamp"
	case KindBlob:
		return "Blob"
	case KindList:
		return "List"
	case KindMap:
		return "Map"
	case KindStruct:
		return "Structure"
	case KindDocument:
		return "Document"
	}
	return "Invalid"
}

// Location values of the location tag.
const (
	LocBody       = ""
	LocURI        = "uri"
	LocQuery      = "querystring"
	LocHeader     = "header"
	LocHeaders    = "headers"
	LocStatusCode = "statusCode"
)

// Timestamp formats of the timestampFormat tag.
const (
	TSUnix    = "unixTimestamp"
	TSISO8601 = "iso8601"
	TSRFC822  = "rfc822"
)

// Type is the plan of one Go type as it appears in a shape.
type Type struct {
	Kind Kind
	// Go is the Go type the plan describes (pointer stripped when Ptr).
	Go reflect.Type
	// Ptr is set when values are held through a pointer (*string, *T).
	Ptr bool
	// Elem is the element plan of lists and the value plan of maps.
	Elem *Type
	// Fields are the members of a structure, in declaration order.
	Fields []*Field
	// Payload is the member bound to the whole REST body, or nil.
	Payload *Field

	byWire map[string]*Field
}

// Field is one member of a structure.
type Field struct {
	// Name is the Go field name.
	Name  string
	Index int
	// Wire is locationName, or Name when the tag is absent.
	Wire            string
	Location        string
	TimestampFormat string
	Flattened       bool
	// ListMember is locationNameList ("member" when absent).
	ListMember string
	// HasListMember reports whether locationNameList was set.
	HasListMember bool
	// MapKey and MapValue are locationNameKey / locationNameValue
	// ("key"/"value" when absent).
	MapKey   string
	MapValue string
	Required bool
	Type     *Type
}

// Lookup returns the member whose wire name is name.
func (t *Type) Lookup(name string) (*Field, bool) {
	f, ok := t.byWire[name]
	return f, ok
}

// Cache holds the plans of the types a codec has seen. The zero value is
// ready to use; a Cache is safe for concurrent use.
type Cache struct {
	// Query makes plans prefer the query-only tags a model overlay adds
	// (queryName, queryFlattened, queryLocationNameList,
	// queryLocationNameKey, queryLocationNameValue) over locationName,
	// flattened, locationNameList, locationNameKey and locationNameValue.
	// Set it before the first Plan.
	Query bool

	mu    sync.RWMutex
	types map[reflect.Type]*Type
}

// lookup returns the tag key, or its query-only variant when c.Query and
// the field carries it.
func (c *Cache) lookup(tag reflect.StructTag, key string) (string, bool) {
	if c.Query {
		qk := "query" + strings.ToUpper(key[:1]) + key[1:]
		if key == "locationName" {
			qk = "queryName"
		}
		if v, ok := tag.Lookup(qk); ok {
			return v, true
		}
	}
	return tag.Lookup(key)
}

func (c *Cache) get(tag reflect.StructTag, key string) string {
	v, _ := c.lookup(tag, key)
	return v
}

var (
	timeType  = reflect.TypeFor[time.Time]()
	bytesType = reflect.TypeFor[[]byte]()
)

// Plan returns the plan of t, which must be a struct type or a pointer to
// one.
func (c *Cache) Plan(t reflect.Type) (*Type, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("shape: %v is not a struct", t)
	}
	c.mu.RLock()
	p, ok := c.types[t]
	c.mu.RUnlock()
	if ok {
		return p, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.types == nil {
		c.types = make(map[reflect.Type]*Type)
	}
	return c.structPlan(t)
}

// structPlan builds the plan of struct type t; c.mu must be held.
func (c *Cache) structPlan(t reflect.Type) (*Type, error) {
	if p, ok := c.types[t]; ok {
		return p, nil
	}
	p := &Type{Kind: KindStruct, Go: t, byWire: map[string]*Field{}}
	c.types[t] = p // before members, so recursive shapes terminate
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Name == "_" {
			continue
		}
		if !sf.IsExported() {
			continue
		}
		f, err := c.field(sf, i)
		if err != nil {
			delete(c.types, t)
			return nil, fmt.Errorf("shape: %v.%s: %w", t, sf.Name, err)
		}
		p.Fields = append(p.Fields, f)
		p.byWire[f.Wire] = f
	}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Name != "_" {
			continue
		}
		if name, ok := sf.Tag.Lookup("payload"); ok {
			for _, f := range p.Fields {
				if f.Name == name {
					p.Payload = f
				}
			}
			if p.Payload == nil {
				delete(c.types, t)
				return nil, fmt.Errorf("shape: %v: payload member %q not found", t, name)
			}
		}
	}
	return p, nil
}

func (c *Cache) field(sf reflect.StructField, index int) (*Field, error) {
	tag := sf.Tag
	f := &Field{
		Name:            sf.Name,
		Index:           index,
		Wire:            sf.Name,
		Location:        tag.Get("location"),
		TimestampFormat: tag.Get("timestampFormat"),
		Flattened:       c.get(tag, "flattened") == "true",
		ListMember:      "member",
		MapKey:          "key",
		MapValue:        "value",
		Required:        tag.Get("required") == "true",
	}
	if v, ok := c.lookup(tag, "locationName"); ok && v != "" {
		f.Wire = v
	}
	if v := c.get(tag, "locationNameList"); v != "" {
		f.ListMember, f.HasListMember = v, true
	}
	if v := c.get(tag, "locationNameKey"); v != "" {
		f.MapKey = v
	}
	if v := c.get(tag, "locationNameValue"); v != "" {
		f.MapValue = v
	}
	typ, err := c.typeOf(sf.Type)
	if err != nil {
		return nil, err
	}
	f.Type = typ
	return f, nil
}

// typeOf builds the plan of a member type. The type tag is implied by the
// Go type (time.Time, []byte, any), so only the Go type is read.
func (c *Cache) typeOf(t reflect.Type) (*Type, error) {
	ptr := false
	if t.Kind() == reflect.Pointer {
		ptr = true
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return &Type{Kind: KindTimestamp, Go: t, Ptr: ptr}, nil
	case t == bytesType || (t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8):
		return &Type{Kind: KindBlob, Go: t, Ptr: ptr}, nil
	}
	switch t.Kind() {
	case reflect.Interface:
		return &Type{Kind: KindDocument, Go: t, Ptr: ptr}, nil
	case reflect.String:
		return &Type{Kind: KindString, Go: t, Ptr: ptr}, nil
	case reflect.Bool:
		return &Type{Kind: KindBool, Go: t, Ptr: ptr}, nil
	case reflect.Int32, reflect.Int, reflect.Int16, reflect.Int8:
		return &Type{Kind: KindInt32, Go: t, Ptr: ptr}, nil
	case reflect.Int64:
		return &Type{Kind: KindInt64, Go: t, Ptr: ptr}, nil
	case reflect.Float32:
		return &Type{Kind: KindFloat32, Go: t, Ptr: ptr}, nil
	case reflect.Float64:
		return &Type{Kind: KindFloat64, Go: t, Ptr: ptr}, nil
	case reflect.Struct:
		p, err := c.structPlan(t)
		if err != nil {
			return nil, err
		}
		return &Type{Kind: KindStruct, Go: t, Ptr: ptr, Elem: p}, nil
	case reflect.Slice:
		e, err := c.typeOf(t.Elem())
		if err != nil {
			return nil, err
		}
		return &Type{Kind: KindList, Go: t, Ptr: ptr, Elem: e}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("map key %v is not a string", t.Key())
		}
		e, err := c.typeOf(t.Elem())
		if err != nil {
			return nil, err
		}
		return &Type{Kind: KindMap, Go: t, Ptr: ptr, Elem: e}, nil
	}
	return nil, fmt.Errorf("unsupported Go type %v", t)
}

// Struct returns the structure plan of a KindStruct type: members refer
// to it through Elem, top-level plans are it.
func (t *Type) Struct() *Type {
	if t.Kind == KindStruct && t.Elem != nil {
		return t.Elem
	}
	return t
}

// HasBodyMembers reports whether the structure has members bound to the
// body (no location), payload aside.
func (t *Type) HasBodyMembers() bool {
	for _, f := range t.Fields {
		if f.Location == LocBody && f != t.Payload {
			return true
		}
	}
	return false
}

// EqualFoldPrefix reports whether s begins with prefix, ignoring ASCII case.
func EqualFoldPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
