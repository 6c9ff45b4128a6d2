package shape

import (
	"reflect"
	"sync"
	"testing"
	"time"
)

func TestAppendJavaDouble(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		f    float64
		bits int
		want string
	}{
		{1681224803, 64, "1.681224803E9"},
		{1700000000.123, 64, "1.700000000123E9"},
		{1e9, 64, "1.0E9"},
		{0, 64, "0.0"},
		{1.5, 64, "1.5"},
		{100, 64, "100.0"},
		{9999999, 64, "9999999.0"},
		{1e7, 64, "1.0E7"},
		{0.001, 64, "0.001"},
		{0.0001, 64, "1.0E-4"},
		{-2.5e-5, 64, "-2.5E-5"},
		{1e21, 64, "1.0E21"},
		{0.1, 32, "0.1"},
	} {
		if got := string(AppendJavaDouble(nil, tc.f, tc.bits)); got != tc.want {
			t.Errorf("AppendJavaDouble(%v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	t.Parallel()
	want := time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC)
	for _, s := range []string{
		"2015-10-21T07:28:00Z", "2015-10-21T07:28:00.000Z", "2015-10-21T09:28:00+02:00",
		"Wed, 21 Oct 2015 07:28:00 GMT", "1445412480", "1445412480.000", "2015-10-21T07:28:00",
	} {
		got, ok := ParseTimestamp(s)
		if !ok || !got.Equal(want) {
			t.Errorf("ParseTimestamp(%q) = %v, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "soon", "1e400", "2015-13-45T00:00:00Z"} {
		if _, ok := ParseTimestamp(s); ok {
			t.Errorf("ParseTimestamp(%q) succeeded", s)
		}
	}
	if got := FormatISO8601(want.Add(5 * time.Millisecond)); got != "2015-10-21T07:28:00.005Z" {
		t.Errorf("FormatISO8601 = %q", got)
	}
}

type enum string

type node struct {
	Name     *string           `locationName:"name" required:"true"`
	Kind     enum              `locationName:"Kind"`
	Children []node            `locationName:"Children" locationNameList:"child" flattened:"true"`
	Next     *node             `locationName:"Next"`
	Attrs    map[string]string `locationName:"Attrs" locationNameKey:"K" locationNameValue:"V"`
	When     *time.Time        `locationName:"When" type:"timestamp" timestampFormat:"iso8601"`
	Data     []byte            `location:"header" locationName:"X-Data" type:"blob"`
	Doc      any               `type:"document"`
	hidden   int
	_        struct{} `payload:"Data"`
}

func TestPlan(t *testing.T) {
	t.Parallel()
	var c Cache
	var wg sync.WaitGroup
	plans := make([]*Type, 8)
	for i := range plans {
		wg.Go(func() {
			p, err := c.Plan(reflect.TypeFor[*node]())
			if err != nil {
				t.Error(err)
			}
			plans[i] = p
		})
	}
	wg.Wait()
	p := plans[0]
	for _, q := range plans {
		if q != p {
			t.Fatal("plans differ between calls")
		}
	}
	if len(p.Fields) != 8 {
		t.Fatalf("fields = %d, want 8 (unexported skipped)", len(p.Fields))
	}
	name, _ := p.Lookup("name")
	if name.Name != "Name" || !name.Required || name.Type.Kind != KindString || !name.Type.Ptr {
		t.Errorf("name field %+v", name)
	}
	if f, _ := p.Lookup("Kind"); f.Type.Kind != KindString || f.Type.Ptr {
		t.Errorf("enum field %+v", f.Type)
	}
	ch, _ := p.Lookup("Children")
	if ch.Type.Kind != KindList || !ch.Flattened || ch.ListMember != "child" || !ch.HasListMember || ch.Type.Elem.Struct() != p {
		t.Errorf("children field %+v", ch)
	}
	if next, _ := p.Lookup("Next"); next.Type.Kind != KindStruct || next.Type.Struct() != p {
		t.Errorf("recursive member not resolved")
	}
	if a, _ := p.Lookup("Attrs"); a.MapKey != "K" || a.MapValue != "V" || a.Type.Kind != KindMap {
		t.Errorf("attrs field %+v", a)
	}
	if w, _ := p.Lookup("When"); w.Type.Kind != KindTimestamp || w.TimestampFormat != TSISO8601 {
		t.Errorf("when field %+v", w)
	}
	if p.Payload == nil || p.Payload.Wire != "X-Data" || p.Payload.Type.Kind != KindBlob || p.Payload.Location != LocHeader {
		t.Errorf("payload %+v", p.Payload)
	}
	if d, _ := p.Lookup("Doc"); d.Type.Kind != KindDocument {
		t.Errorf("doc kind %v", d.Type.Kind)
	}
	if p.HasBodyMembers() != true {
		t.Error("HasBodyMembers = false")
	}
}

func TestPlanErrors(t *testing.T) {
	t.Parallel()
	var c Cache
	type badMap struct {
		M map[int]string
	}
	type badPayload struct {
		A *string
		_ struct{} `payload:"B"`
	}
	type badType struct {
		C chan int
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[int](), reflect.TypeFor[badMap](), reflect.TypeFor[badPayload](), reflect.TypeFor[badType]()} {
		if _, err := c.Plan(typ); err == nil {
			t.Errorf("Plan(%v) succeeded", typ)
		}
	}
}

func TestParseFormatText(t *testing.T) {
	t.Parallel()
	var c Cache
	type s struct {
		I *int32
		B *bool
		F *float32
		T *time.Time
		X []byte
		E enum
	}
	p, err := c.Plan(reflect.TypeFor[s]())
	if err != nil {
		t.Fatal(err)
	}
	var v s
	rv := reflect.ValueOf(&v).Elem()
	for i, text := range []string{"42", "False", "1.25", "2015-10-21T07:28:00Z", "aGk=", "x"} {
		if !ParseText(rv.Field(i), p.Fields[i].Type, text) {
			t.Fatalf("ParseText(%q) failed", text)
		}
	}
	if *v.I != 42 || *v.B || *v.F != 1.25 || v.T.Unix() != 1445412480 || string(v.X) != "hi" || v.E != "x" {
		t.Fatalf("parsed %+v", v)
	}
	for i, want := range []string{"42", "false", "1.25", "Wed, 21 Oct 2015 07:28:00 GMT", "aGk=", "x"} {
		fv, ok := Deref(rv.Field(i), p.Fields[i].Type)
		if got := FormatText(fv, p.Fields[i].Type, TSRFC822); !ok || got != want {
			t.Errorf("FormatText field %d = %q, want %q", i, got, want)
		}
	}
	if ParseText(rv.Field(0), p.Fields[0].Type, "3000000000") {
		t.Error("int32 overflow accepted")
	}
}
