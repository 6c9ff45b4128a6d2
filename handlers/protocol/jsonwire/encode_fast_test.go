package jsonwire

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/handlers/protocol/shape"
)

type fastEnum string

type fastInner struct {
	Name  *string    `locationName:"Name"`
	When  time.Time  `locationName:"When" type:"timestamp"`
	Self  *fastInner `locationName:"Self"`
	Count int32      `locationName:"Count"`
}

// fastAll has a member of every kind, by value and through a pointer,
// with REST bindings for BodyOnly.
type fastAll struct {
	_        struct{}              `payload:"Payload"`
	Str      *string               `locationName:"str"`
	StrV     string                `locationName:"strV"`
	Enum     fastEnum              `locationName:"enum"`
	Bool     *bool                 `locationName:"bool"`
	BoolV    bool                  `locationName:"boolV"`
	I32      *int32                `locationName:"i32"`
	I32V     int32                 `locationName:"i32V"`
	Int      int                   `locationName:"int"`
	I64      *int64                `locationName:"i64"`
	I64V     int64                 `locationName:"i64V"`
	F32      *float32              `locationName:"f32"`
	F64      *float64              `locationName:"f64"`
	TS       *time.Time            `locationName:"ts" type:"timestamp"`
	TSV      time.Time             `locationName:"tsV" type:"timestamp"`
	ISO      *time.Time            `locationName:"iso" type:"timestamp" timestampFormat:"iso8601"`
	RFC      time.Time             `locationName:"rfc" type:"timestamp" timestampFormat:"rfc822"`
	UnixTS   *time.Time            `locationName:"unix" type:"timestamp" timestampFormat:"unixTimestamp"`
	Blob     []byte                `locationName:"blob" type:"blob"`
	List     []string              `locationName:"list"`
	Inner    fastInner             `locationName:"inner"`
	InnerP   *fastInner            `locationName:"innerP"`
	Inners   []fastInner           `locationName:"inners"`
	InnerPs  []*fastInner          `locationName:"innerPs"`
	Map      map[string]string     `locationName:"map"`
	MapInner map[string]*fastInner `locationName:"mapInner"`
	Doc      any                   `locationName:"doc" type:"document"`
	Header   *string               `location:"header" locationName:"X-Header"`
	Query    *string               `location:"querystring" locationName:"q"`
	Payload  []byte                `locationName:"Payload" type:"blob"`
	Quoted   *string               `locationName:"we\"ird"`
}

func randFastAll(rng *rand.Rand, depth int) *fastAll {
	str := func() string {
		const pool = "ab\"\\\n\x01é😀 \xff"
		n := rng.IntN(12)
		b := make([]byte, n)
		for i := range b {
			b[i] = pool[rng.IntN(len(pool))]
		}
		return string(b)
	}
	maybe := func() bool { return rng.IntN(3) > 0 }
	tm := func() time.Time {
		switch rng.IntN(4) {
		case 0:
			return time.Time{}
		case 1:
			return time.UnixMilli(rng.Int64N(1 << 45)).In(time.FixedZone("X", 3600))
		}
		return time.UnixMilli(1_600_000_000_000 + rng.Int64N(1e12))
	}
	inner := func() fastInner {
		in := fastInner{When: tm(), Count: rng.Int32()}
		if maybe() {
			in.Name = new(str())
		}
		if depth > 0 && maybe() {
			in.Self = &fastInner{Count: 7}
		}
		return in
	}
	a := &fastAll{StrV: str(), Enum: fastEnum(str()), BoolV: maybe(), I32V: rng.Int32(), Int: rng.IntN(1000) - 500, I64V: rng.Int64(), TSV: tm(), RFC: tm(), Inner: inner()}
	if maybe() {
		a.Str = new(str())
	}
	if maybe() {
		a.Bool = new(maybe())
	}
	if maybe() {
		a.I32 = new(rng.Int32() - 1<<30)
	}
	if maybe() {
		a.I64 = new(-rng.Int64())
	}
	if maybe() {
		a.F32 = new(float32(rng.NormFloat64()))
	}
	if maybe() {
		a.F64 = new(rng.NormFloat64() * 1e9)
	}
	if maybe() {
		a.TS = new(tm())
	}
	if maybe() {
		a.ISO = new(tm())
	}
	if maybe() {
		a.UnixTS = new(tm())
	}
	if maybe() {
		a.Blob = make([]byte, rng.IntN(20))
		for i := range a.Blob {
			a.Blob[i] = byte(rng.Uint32())
		}
	}
	if maybe() {
		a.List = []string{str(), str()}
	}
	if maybe() {
		a.InnerP = new(inner())
	}
	if maybe() {
		a.Inners = make([]fastInner, rng.IntN(4))
		for i := range a.Inners {
			a.Inners[i] = inner()
		}
	}
	if maybe() {
		a.InnerPs = []*fastInner{new(inner()), nil}
	}
	if maybe() {
		a.Map = map[string]string{str(): str(), "k": str()}
	}
	if maybe() {
		a.MapInner = map[string]*fastInner{"a": new(inner()), "b": nil}
	}
	if maybe() {
		a.Doc = map[string]any{"x": []any{1.5, "y", nil}}
	}
	if maybe() {
		a.Header, a.Query = new(str()), new(str())
	}
	if maybe() {
		a.Payload = []byte(str())
	}
	if maybe() {
		a.Quoted = new(str())
	}
	return a
}

// TestFastEncoderMatchesReflect checks Marshal's fast path against the
// general encoder on random values of every member kind.
func TestFastEncoderMatchesReflect(t *testing.T) {
	t.Parallel()
	var c shape.Cache
	plan, err := c.Plan(reflect.TypeFor[fastAll]())
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for i := range 3000 {
		a := randFastAll(rng, 1)
		v := reflect.ValueOf(a).Elem()
		for _, opts := range []Options{{}, {BodyOnly: true}} {
			got := Marshal([]byte("x"), plan, v, opts)
			e := encoder{opts: opts}
			want := e.object([]byte("x"), plan, v)
			if !bytes.Equal(got, want) {
				t.Fatalf("value %d, %+v:\nfast    %s\ngeneral %s", i, opts, got, want)
			}
		}
	}
	// A value that is not addressable takes the general path.
	a := randFastAll(rng, 1)
	if got, want := Marshal(nil, plan, reflect.ValueOf(*a), Options{}), Marshal(nil, plan, reflect.ValueOf(a).Elem(), Options{}); !bytes.Equal(got, want) {
		t.Fatalf("unaddressable:\n%s\n%s", got, want)
	}
}
