package awsquery

import (
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/sqs"
	"github.com/evolvestack/evolvestack/handlers/protocol"
	"github.com/evolvestack/evolvestack/handlers/protocol/shape"
)

// FuzzParseForm checks parseForm against url.ParseQuery: the same
// parameters when it accepts the input, and url.ParseQuery refusing
// whatever it leaves to it (but the limit on parameters).
func FuzzParseForm(f *testing.F) {
	for _, s := range []string{
		"", "a=1&b=2&a=3", "a", "=x", "&&a=&", "a%20b=c+d", "a=%zz", "%=1", "a=1;b=2", "k=v%", "x=%E2%82%AC&y=+",
		"Action=SendMessageBatch&SendMessageBatchRequestEntry.1.Id=m1&SendMessageBatchRequestEntry.1.MessageBody=hello+world",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, wantErr := url.ParseQuery(s)
		got, ok := parseForm(s)
		if !ok {
			if wantErr == nil {
				t.Fatalf("parseForm(%q) refused what url.ParseQuery accepts", s)
			}
			return
		}
		if wantErr != nil {
			t.Fatalf("parseForm(%q) accepted what url.ParseQuery refuses: %v", s, wantErr)
		}
		if !reflect.DeepEqual(map[string][]string(got), map[string][]string(want)) {
			t.Fatalf("parseForm(%q) = %v, want %v", s, got, want)
		}
	})
}

// FuzzDecodeValuesReference checks the decoder against the reference
// decoder it replaced, on every input shape of the tests.
func FuzzDecodeValuesReference(f *testing.F) {
	for _, s := range []string{
		"", "Action=CreateTopic&Name=a&Attributes.entry.1.key=k&Attributes.entry.1.value=v&Tags.member.1.Key=x",
		"MessageAttributes.entry.1.Name=a&MessageAttributes.entry.1.Value.DataType=String",
		"AttributeName.1=All&Attribute.1.Name=n&Attribute.1.Value=v&MaxNumberOfMessages=x",
		"Inner.Inner.Inner.Names.member.1=a&When=2024-01-01T00:00:00Z&Blob=%zz&Names=",
		"Tags.member.2.Key=x&Tags.member.1.Key=y&Tags=&Attributes=&Attributes.entry.2.key=k",
		"Attributes.entry.1.value=v&Attributes.entry.2.key=k2&Attributes.entry.2.value=v2",
		"SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=b&SendMessageBatchRequestEntry.2.Id=c" +
			"&SendMessageBatchRequestEntry.2.MessageAttribute.1.Name=n&SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.DataType=String" +
			"&SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue=v&SendMessageBatchRequestEntry.2.DelaySeconds=x",
		"Entries.1.Id=a&Attribute.1.Name=VisibilityTimeout&Attribute.1.Value=5&MessageAttributeName.1=All&AttributeName.2=x",
	} {
		f.Add(s)
	}
	var cache shape.Cache
	cache.Query = true
	f.Fuzz(func(t *testing.T, s string) {
		vals, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		for _, in := range []any{&createTopicInput{}, &publishInput{}, &sqsReceiveInput{}, &misc{},
			&sqs.SendMessageBatchInput{}, &sqs.SendMessageInput{}, &sqs.SetQueueAttributesInput{}, &sqs.ReceiveMessageInput{}} {
			plan, err := cache.Plan(reflect.TypeOf(in))
			if err != nil {
				t.Fatal(err)
			}
			got := reflect.New(reflect.TypeOf(in).Elem())
			want := reflect.New(reflect.TypeOf(in).Elem())
			gotErr := DecodeValues(vals, plan, got.Elem())
			wantErr := refDecodeValues(vals, plan, want.Elem())
			if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
				t.Fatalf("%q into %T: error %v, want %v", s, in, gotErr, wantErr)
			}
			if gotErr == nil && !reflect.DeepEqual(got.Interface(), want.Interface()) {
				t.Fatalf("%q into %T: %+v, want %+v", s, in, got.Elem().Interface(), want.Elem().Interface())
			}
		}
	})
}

// refDecodeValues is the decoder before its path buffer: a reference
// for the differential fuzz test. It decodes vals into struct value v (plan plan).
func refDecodeValues(vals url.Values, plan *shape.Type, v reflect.Value) error {
	d := refDecoder{vals: vals, keys: make([]string, 0, len(vals))}
	for k := range vals {
		d.keys = append(d.keys, k)
	}
	sort.Strings(d.keys)
	return d.structure(plan, v, "", 0)
}

type refDecoder struct {
	vals url.Values
	keys []string
	buf  []byte // scratch for member names probed with hasTree
}

// hasTree reports whether some key starts with prefix.
func (d *refDecoder) hasTree(prefix string) bool {
	i := sort.SearchStrings(d.keys, prefix)
	return i < len(d.keys) && strings.HasPrefix(d.keys[i], prefix)
}

func (d *refDecoder) get(key string) (string, bool) {
	vs, ok := d.vals[key]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

func (d *refDecoder) structure(plan *shape.Type, v reflect.Value, prefix string, depth int) error {
	if depth > maxDepth {
		return MalformedInput("Maximum nesting depth exceeded")
	}
	for _, f := range plan.Fields {
		// Most members are absent: probe with a scratch buffer, and build
		// the name string only for those present.
		d.buf = append(append(d.buf[:0], prefix...), f.Wire...)
		if !d.hasTree(unsafe.String(unsafe.SliceData(d.buf), len(d.buf))) &&
			!(f.Type.Kind == shape.KindList && f.Flattened && f.HasListMember && d.hasTree(prefix+f.ListMember)) {
			continue
		}
		name := prefix + f.Wire
		if err := d.member(f, f.Type, v.Field(f.Index), name, depth); err != nil {
			return err
		}
	}
	return nil
}

func (d *refDecoder) member(f *shape.Field, t *shape.Type, v reflect.Value, name string, depth int) error {
	switch t.Kind {
	case shape.KindStruct:
		if !d.hasTree(name + ".") {
			return nil
		}
		return d.structure(t.Struct(), shape.StructValue(v, t), name+".", depth+1)
	case shape.KindList:
		return d.list(f, t, v, name, depth)
	case shape.KindMap:
		return d.mapValue(f, t, v, name, depth)
	case shape.KindDocument:
		return nil
	}
	s, ok := d.get(name)
	if !ok {
		return nil
	}
	if !shape.ParseText(v, t, s) {
		return MalformedInput("'" + s + "' can not be converted to an " + t.Kind.String())
	}
	return nil
}

func (d *refDecoder) list(f *shape.Field, t *shape.Type, v reflect.Value, name string, depth int) error {
	base := name + "." + f.ListMember
	if f.Flattened {
		base = name
		if f.HasListMember && strings.HasSuffix(name, f.Wire) {
			base = name[:len(name)-len(f.Wire)] + f.ListMember
		}
	}
	slice := reflect.MakeSlice(t.Go, 0, 0)
	for i := 1; ; i++ {
		key := base + "." + strconv.Itoa(i)
		_, exact := d.vals[key]
		if !exact && !d.hasTree(key+".") {
			break
		}
		slice = reflect.Append(slice, reflect.Zero(t.Go.Elem()))
		ev := slice.Index(i - 1)
		if err := d.member(f, t.Elem, ev, key, depth+1); err != nil {
			return err
		}
	}
	if slice.Len() == 0 {
		// "Name=" is how clients send an empty list.
		if s, ok := d.get(name); !ok || s != "" {
			return nil
		}
	}
	shape.Set(v, t, slice)
	return nil
}

func (d *refDecoder) mapValue(f *shape.Field, t *shape.Type, v reflect.Value, name string, depth int) error {
	base := name + ".entry"
	if f.Flattened {
		base = name
	}
	m := reflect.MakeMap(t.Go)
	for i := 1; ; i++ {
		entry := base + "." + strconv.Itoa(i) + "."
		if !d.hasTree(entry) {
			break
		}
		k, ok := d.get(entry + f.MapKey)
		if !ok {
			continue
		}
		ev := reflect.New(t.Go.Elem()).Elem()
		if err := d.member(f, t.Elem, ev, entry+f.MapValue, depth+1); err != nil {
			return err
		}
		m.SetMapIndex(reflect.ValueOf(k).Convert(t.Go.Key()), ev)
	}
	if m.Len() == 0 {
		if s, ok := d.get(name); !ok || s != "" {
			return nil
		}
	}
	shape.Set(v, t, m)
	return nil
}

// FuzzParseParams checks parseParams against url.ParseQuery: it refuses
// the same inputs (but the limit on parameters), and otherwise lists
// every name once per value, sorted by name, each name's values in the
// order given.
func FuzzParseParams(f *testing.F) {
	for _, s := range []string{
		"", "a=1&b=2&a=3", "a", "=x", "&&a=&", "a%20b=c+d", "a=%zz", "%=1", "a=1;b=2", "k=v%", "x=%E2%82%AC&y=+",
		"b=1&a=2&b=3&a=4&c", "Version=1&Action=A&Entry.10.Id=x&Entry.2.Id=y&Entry.1.Id=z",
		"Action=SendMessageBatch&SendMessageBatchRequestEntry.1.Id=m1&SendMessageBatchRequestEntry.1.MessageBody=hello+world",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, wantErr := url.ParseQuery(s)
		got, ok := parseParams([]byte(s), nil)
		if !ok {
			if wantErr == nil {
				t.Fatalf("parseParams(%q) refused what url.ParseQuery accepts", s)
			}
			return
		}
		if wantErr != nil {
			t.Fatalf("parseParams(%q) accepted what url.ParseQuery refuses: %v", s, wantErr)
		}
		if !sort.SliceIsSorted(got, func(i, j int) bool { return got[i].key < got[j].key }) {
			t.Fatalf("parseParams(%q) = %v: not sorted", s, got)
		}
		back := url.Values{}
		for _, p := range got {
			back[p.key] = append(back[p.key], p.value)
		}
		if !reflect.DeepEqual(back, want) {
			t.Fatalf("parseParams(%q) = %v, want %v", s, got, want)
		}
		for k, vs := range want {
			if g := (Params{list: got}).Get(k); g != vs[0] {
				t.Fatalf("parseParams(%q).Get(%q) = %q, want %q", s, k, g, vs[0])
			}
		}
	})
}

// FuzzDecodeParamsReference checks the router's path (a body parsed by
// the codec's ParseParams into a pooled list, decoded by DecodeParams)
// against the reference decoder on url.ParseQuery's parameters.
func FuzzDecodeParamsReference(f *testing.F) {
	for _, s := range []string{
		"", "Action=CreateTopic&Name=a&Attributes.entry.1.key=k&Attributes.entry.1.value=v&Tags.member.1.Key=x",
		"AttributeName.1=All&Attribute.1.Name=n&Attribute.1.Value=v&MaxNumberOfMessages=x&AttributeName.1=Other",
		"Tags.member.2.Key=x&Tags.member.1.Key=y&Tags=&Attributes=&Attributes.entry.2.key=k&Tags.member.1-=z&Tags.member.1=w",
		"SendMessageBatchRequestEntry.10.Id=j&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=b" +
			"&SendMessageBatchRequestEntry.2.MessageAttribute.1.Name=n&SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.DataType=String" +
			"&SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue=v&SendMessageBatchRequestEntry.2.DelaySeconds=x" +
			"&SendMessageBatchRequestEntry.1!=q&SendMessageBatchRequestEntry.3=&SendMessageBatchRequestEntry.4.Id=late",
		"SendMessageBatchRequestEntry.1.IdX=a&SendMessageBatchRequestEntry.1.Id.y=b&SendMessageBatchRequestEntry.1.MessageAttribute=" +
			"&SendMessageBatchRequestEntry.1.MessageAttribute.1.Name=n&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType=Number" +
			"&SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue=1&SendMessageBatchRequestEntry.1.DelaySeconds=5" +
			"&SendMessageBatchRequestEntry.1.MessageSystemAttribute.1.Name=AWSTraceHeader&SendMessageBatchRequestEntry.1.Id=x",
	} {
		f.Add(s)
	}
	c := New()
	op := &awsapi.Operation{Name: "Fuzz"}
	f.Fuzz(func(t *testing.T, s string) {
		vals, err := url.ParseQuery(s)
		if err != nil {
			return
		}
		for _, in := range []any{&createTopicInput{}, &publishInput{}, &sqsReceiveInput{}, &misc{},
			&sqs.SendMessageBatchInput{}, &sqs.SendMessageInput{}, &sqs.SetQueueAttributesInput{}, &sqs.ReceiveMessageInput{}} {
			plan, err := c.cache.Plan(reflect.TypeOf(in))
			if err != nil {
				t.Fatal(err)
			}
			p, err := c.ParseParams(&protocol.Request{HTTP: httptest.NewRequest("POST", "/", nil), Body: []byte(s)})
			if err != nil {
				t.Fatalf("%q: %v", s, err)
			}
			got := reflect.New(reflect.TypeOf(in).Elem())
			want := reflect.New(reflect.TypeOf(in).Elem())
			gotErr := c.DecodeParams(p, op, got.Interface())
			c.ReleaseParams(p)
			wantErr := refDecodeValues(vals, plan, want.Elem())
			if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
				t.Fatalf("%q into %T: error %v, want %v", s, in, gotErr, wantErr)
			}
			if gotErr == nil && !reflect.DeepEqual(got.Interface(), want.Interface()) {
				t.Fatalf("%q into %T: %+v, want %+v", s, in, got.Elem().Interface(), want.Elem().Interface())
			}
		}
	})
}
