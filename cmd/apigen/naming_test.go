package main

import (
	"reflect"
	"regexp"
	"testing"
)

func TestGoName(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"StreamName":        "StreamName",
		"streamName":        "StreamName",
		"__listOfString":    "ListOfString",
		"__string":          "String",
		"X-Amz-Target":      "XAmzTarget",
		"1stThing":          "X1stThing",
		"":                  "X",
		"KMSKeyArn":         "KMSKeyArn",
		"GetSchemaResponse": "GetSchemaResponse",
	}
	for in, want := range cases {
		if got := goName(in); got != want {
			t.Errorf("goName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEnumValueName(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"ACTIVE":                      "Active",
		"ON_DEMAND":                   "OnDemand",
		"AT_SEQUENCE_NUMBER":          "AtSequenceNumber",
		"python3.9":                   "Python39",
		"nodejs18.x":                  "Nodejs18x",
		"java8.al2":                   "Java8al2",
		"x86_64":                      "X8664",
		"ApproximateNumberOfMessages": "ApproximateNumberOfMessages",
		"RequestResponse":             "RequestResponse",
		"nodejs4.3-edge":              "Nodejs43Edge",
		"":                            "Value",
	}
	for in, want := range cases {
		if got := enumValueName(in); got != want {
			t.Errorf("enumValueName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLowerFirstAndPackage(t *testing.T) {
	t.Parallel()
	if got := lowerFirst("SSEKMSKeyId"); got != "sSEKMSKeyId" {
		t.Errorf("lowerFirst = %q", got)
	}
	if got := lowerFirst(""); got != "" {
		t.Errorf("lowerFirst empty = %q", got)
	}
	if packageName("events") != "eventbridge" || packageName("kinesis") != "kinesis" {
		t.Error("packageName mapping wrong")
	}
}

func TestNamerResolvesCollisions(t *testing.T) {
	t.Parallel()
	n := newNamer("Descriptor")
	got := []string{n.claim("Descriptor"), n.claim("Tag"), n.claim("Tag"), n.claim("Tag")}
	want := []string{"Descriptor_", "Tag", "Tag_", "Tag__"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("claims = %q, want %q", got, want)
	}
}

func TestJavaHashOrder(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want []string }{
		// Orders seen in AWS messages.
		{[]string{"None", "Tail"}, []string{"Tail", "None"}},
		{[]string{"OFF", "ON", "OPTIONAL"}, []string{"OPTIONAL", "OFF", "ON"}},
		{[]string{"EmailAddress", "Domain"}, []string{"Domain", "EmailAddress"}},
		{
			[]string{"nodejs12.x", "provided", "nodejs16.x", "nodejs14.x", "ruby2.7", "java11", "dotnet6", "go1.x", "provided.al2", "java8", "java8.al2", "dotnetcore3.1", "python3.7", "python3.8", "python3.9"},
			[]string{"nodejs12.x", "provided", "nodejs16.x", "nodejs14.x", "ruby2.7", "java11", "dotnet6", "go1.x", "provided.al2", "java8", "java8.al2", "dotnetcore3.1", "python3.7", "python3.8", "python3.9"},
		},
	}
	for _, c := range cases {
		if got := javaHashOrder(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("javaHashOrder(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if h := javaStringHash("hello"); h != 99162322 {
		t.Errorf("hash(hello) = %d", h)
	}
}

func TestTranslatePattern(t *testing.T) {
	t.Parallel()
	cases := []struct {
		java     string
		ok       bool
		accept   []string
		rejected []string
	}{
		{"[a-zA-Z0-9_.-]+", true, []string{"abc", "a.b-c_1"}, []string{"", "a b", "x!"}},
		{"0|([1-9]\\d{0,38})", true, []string{"0", "12"}, []string{"", "012", "a"}},
		{"(?!^[0-9]+$)([a-zA-Z0-9-_]+)", true, []string{"abc1", "1a"}, []string{"123", ""}},
		{"^(?!\\s*$).+", true, []string{"x", " x"}, []string{"", "   "}},
		{"[0-9A-Za-z\\.\\-_]*(?<!\\.)", true, []string{"", "bucket", "a.b"}, []string{"bucket.", "a b"}},
		{"(^(?!(system\\x2e)))(^[_a-zA-Z0-9])([^$]*)", true, []string{"coll", "_x.y"}, []string{"system.x", "$x"}},
		{"[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF\\r\\n\\t]*", true, []string{"hi\n", "😀"}, []string{"\x01"}},
		{".*\\S.*", true, []string{"{\n  \"a\": 1\n}"}, []string{" \n "}},
		{"(a)\\1", false, nil, nil},
	}
	for _, c := range cases {
		p, ok, _ := translatePattern(c.java)
		if ok != c.ok {
			t.Errorf("%q: ok = %v, want %v", c.java, ok, c.ok)
			continue
		}
		if !ok {
			continue
		}
		match := func(s string) bool {
			if !regexp.MustCompile(p.Match).MatchString(s) {
				return false
			}
			for _, r := range p.Reject {
				if regexp.MustCompile(r).MatchString(s) {
					return false
				}
			}
			return true
		}
		for _, s := range c.accept {
			if !match(s) {
				t.Errorf("%q rejects %q", c.java, s)
			}
		}
		for _, s := range c.rejected {
			if match(s) {
				t.Errorf("%q accepts %q", c.java, s)
			}
		}
	}
}

func TestPathExpr(t *testing.T) {
	t.Parallel()
	p := pathExpr{"prefix()", lit("records")}.plus(lit("."), "strconv.Itoa(i0+1)", lit(".member."))
	if got, want := p.String(), `prefix() + "records." + strconv.Itoa(i0+1) + ".member."`; got != want {
		t.Errorf("path = %s, want %s", got, want)
	}
	if got, want := p.lazy(), `func() string { return prefix() + "records." + strconv.Itoa(i0+1) + ".member." }`; got != want {
		t.Errorf("lazy path = %s, want %s", got, want)
	}
	if got := (pathExpr{}).String(); got != `""` {
		t.Errorf("empty path = %s", got)
	}
}

func TestNumBounds(t *testing.T) {
	t.Parallel()
	dbl := &shape{Type: "double"}
	if got := numText(dbl, "1"); got != "1.0" {
		t.Errorf("double bound text = %q", got)
	}
	in := &shape{Type: "integer"}
	if got := numText(in, "1"); got != "1" {
		t.Errorf("int bound text = %q", got)
	}
	if _, ok := numLiteral(in, "-2147483648", true); ok {
		t.Error("min at int32 floor should be dropped")
	}
	if lit, ok := numLiteral(in, "0.5", true); !ok || lit != "1" {
		t.Errorf("fractional min literal = %q %v", lit, ok)
	}
}
