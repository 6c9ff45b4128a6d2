package eventmatch

import (
	"errors"
	"strings"
	"testing"
)

// loc is Jackson's location suffix for src at a 1-based column on line 1.
func loc(src string, col int) string {
	return "\n at [Source: (String)\"" + src + "\"; line: 1, column: " + itoa(col) + "]"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestCompileFilterPolicyErrors checks SNS's messages (as Subscribe returns
// them) for invalid policies, columns included.
func TestCompileFilterPolicyErrors(t *testing.T) {
	t.Parallel()
	const pre = "Invalid parameter: Attributes Reason: FilterPolicy: "
	tests := []struct {
		policy string
		scope  Scope
		reason string
		col    int // 0: no location
	}{
		{`{"key":[["value"]]}`, ScopeMessageAttributes, "Match value must be String, number, true, false, or null", 10},
		{`{"key":[{"wrong-operator":true}]}`, ScopeMessageAttributes, "Unrecognized match type wrong-operator", 31},
		{`{"key":[{"suffix":"value","prefix":"value2"}]}`, ScopeMessageAttributes, "Only one key allowed in match expression", 37},
		{`{"key":[{"suffix":100}]}`, ScopeMessageAttributes, "suffix match pattern must be a string", 22},
		{`{"key":[{"suffix":null}]}`, ScopeMessageAttributes, "suffix match pattern must be a string", 23},
		{`{"key":{"suffix":"value"}}`, ScopeMessageBody, `"suffix" must be an object or an array`, 19},
		{`{"key":[{"suffix":[]}]}`, ScopeMessageAttributes, "suffix match pattern must be a string", 20},
		{`{"key":[{"suffix":["test","test2"]}]}`, ScopeMessageAttributes, "suffix match pattern must be a string", 20},
		{`{"key":{"suffix":"value","prefix":"value"}}`, ScopeMessageBody, `"suffix" must be an object or an array`, 19},
		{`{"key":{"not-an-operator":"value"}}`, ScopeMessageBody, `"not-an-operator" must be an object or an array`, 28},
		{`{"key":[{"numeric":[]}]}`, ScopeMessageAttributes, "Invalid member in numeric match: ]", 22},
		{`{"key":[{"numeric":["operator"]}]}`, ScopeMessageAttributes, "Unrecognized numeric range operator: operator", 32},
		{`{"key":[{"numeric":[1,"<="]}]}`, ScopeMessageAttributes, "Invalid member in numeric match: 1", 22},
		{`{"key":[{"numeric":["=","000"]}]}`, ScopeMessageAttributes, "Value of equals must be numeric", 26},
		{`{"key":[{"numeric":[">="]}]}`, ScopeMessageAttributes, "Value of >= must be numeric", 26},
		{`{"key":[{"numeric":["<",100,">",10]}]}`, ScopeMessageAttributes, "Too many elements in numeric expression", 30},
		{`{"key":[{"numeric":[">=",1,">",2]}]}`, ScopeMessageAttributes, "Bad numeric range operator: >", 31},
		{`{"key":[{"numeric":[">",3,"<",1]}]}`, ScopeMessageAttributes, "Bottom must be less than top", 33},
		{`{"key":[{"numeric":[">",20,"<="]}]}`, ScopeMessageAttributes, "Value of <= must be numeric", 33},
		{`{"key":[{"numeric":[">",20,30]}]}`, ScopeMessageAttributes, "Bad value in numeric range: 30", 30},
		{`{"key":[{"numeric":[">",20,"test"]}]}`, ScopeMessageAttributes, "Bad numeric range operator: test", 34},
		{`{"key":[{"numeric":[">","20","<","30"]}]}`, ScopeMessageAttributes, "Value of > must be numeric", 26},
		{`{"key":[{"numeric":[">",20,"<","30"]}]}`, ScopeMessageAttributes, "Value of < must be numeric", 33},
		{`{"key":[{"numeric":[">",20,"<",30,"<",50]}]}`, ScopeMessageAttributes, "Too many terms in numeric range expression", 36},
		{`{"key":[{"exists":null}]}`, ScopeMessageAttributes, "exists match pattern must be either true or false.", 23},
		{`{"key":[{"exists":"no"}]}`, ScopeMessageAttributes, "exists match pattern must be either true or false.", 20},
		{`{"key_a":"value_one"}`, ScopeMessageBody, `"key_a" must be an object or an array`, 11},
		{`{"key":[]}`, ScopeMessageAttributes, "Empty arrays are not allowed", 10},
		{`{"key":[{"anything-but":{"suffix":"x"}}]}`, ScopeMessageAttributes, "Unsupported anything-but pattern: suffix", 36},
		{`{"key":[{"wildcard":"a*"}]}`, ScopeMessageAttributes, "Unrecognized match type wildcard", 22},
		// Limits, found after reading: no location.
		{`{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}`, ScopeMessageAttributes, "Filter policy can not have more than 5 keys", 0},
		{`{"a":["1","2","3","4","5","6","7","8","9","10","11","12","13"],"b":["1","2","3","4","5","6","7","8","9","10","11","12"]}`, ScopeMessageAttributes, "Filter policy is too complex", 0},
		// Nesting multiplies by depth: 4 values at depth 3 times 3 at depth 2 is 72.
		{`{"a":{"b":{"c":["1","2","3","4","5","6","7"]}},"d":{"e":["1","2","3","4"]}}`, ScopeMessageBody, "Filter policy is too complex", 0},
		{`{"$or":[{"a":["1","2","3","4","5","6","7","8","9","10"],"b":["1","2","3","4","5","6","7","8","9","10"]},{"c":["1","2","3","4","5","6","7","8","9","10"],"d":["1","2","3","4","5","6"]}]}`, ScopeMessageAttributes, "Filter policy is too complex", 0},
	}
	for _, tc := range tests {
		t.Run(tc.policy, func(t *testing.T) {
			t.Parallel()
			_, err := CompileFilterPolicy([]byte(tc.policy), tc.scope)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			want := pre + tc.reason
			if tc.col > 0 {
				want += loc(tc.policy, tc.col)
			}
			if got := e.SNSMessage(true); got != want {
				t.Errorf("message\n got %q\nwant %q", got, want)
			}
		})
	}
}

func TestFilterPolicyNestedAttributes(t *testing.T) {
	t.Parallel()
	_, err := CompileFilterPolicy([]byte(`{"object":{"key":[{"prefix":"auto-"}]}}`), ScopeMessageAttributes)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	if got, want := e.SNSMessage(false), "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := CompileFilterPolicy([]byte(`{"object":{"key":[{"prefix":"auto-"}]}}`), ScopeMessageBody); err != nil {
		t.Errorf("body scope: %v", err)
	}
}

// TestFilterPolicyLimitsAccepted checks policies right at the limits compile.
func TestFilterPolicyLimitsAccepted(t *testing.T) {
	t.Parallel()
	tests := []string{
		`{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"]}`,
		`{"a":["1","2","3","4","5","6","7","8","9","10"],"b":["1","2","3","4","5","6","7","8","9","10","11","12","13","14","15"]}`,
		`{"a":{"b":{"c":["1","2","3","4"]}},"d":{"e":["1","2","3"]}}`,
		`{"store":["example_corp"],"$or":[{"price":[{"numeric":[">",100]}]},{"kind":["x","y"]}]}`,
	}
	for _, p := range tests {
		if _, err := CompileFilterPolicy([]byte(p), ScopeMessageBody); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// TestCompilePatternErrors checks EventBridge's reasons.
func TestCompilePatternErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		reason  string
		col     int // 0: no location; -1: location repeated (event-ruler rethrows)
		dupCol  int
	}{
		{`[1]`, "Filter is not an object", 2, 0},
		{`{}`, "Empty objects are not allowed", 3, 0},
		{`{"a":{}}`, "Empty objects are not allowed", 8, 0},
		{`{"source":"aws.ec2"}`, `"source" must be an object or an array`, 12, 0},
		{`{"a":[{}]}`, "Match expression name not found", 9, 0},
		{`{"a":[{"foo":1}]}`, "Unrecognized match type foo", 15, 0},
		{`{"a":[{"prefix":1}]}`, "prefix match pattern must be a string", 18, 0},
		{`{"a":[{"prefix":{"bogus":"x"}}]}`, "Unsupported prefix pattern: bogus", 27, 0},
		{`{"a":[{"equals-ignore-case":5}]}`, "equals-ignore-case match pattern must be a string", 30, 0},
		{`{"a":[{"wildcard":5}]}`, "wildcard match pattern must be a string", 20, 0},
		{`{"a":[{"wildcard":"a**b"}]}`, "Consecutive wildcard characters at pos 2", 0, 0},
		{`{"a":[{"wildcard":"a\\b"}]}`, "Invalid escape character at pos 2", 0, 0},
		{`{"a":[{"wildcard":"*a*b*c*d*e*f"}]}`, tooComplexWildcard, 0, 0},
		{`{"a":[{"numeric":5}]}`, "Value of numeric must be an array.", 19, 0},
		{`{"a":[{"numeric":[">",5000000001]}]}`, ebRangeError, 34, 0},
		{`{"a":[{"numeric":["=",1],"x":2}]}`, "Too many elements in numeric expression", 31, 0},
		{`{"a":[{"exists":1}]}`, "exists match pattern must be either true or false.", 18, 0},
		{`{"a":[{"anything-but":true}]}`, "Value of anything-but must be an array or single string/number value.", 27, 0},
		{`{"a":[{"anything-but":{}}]}`, "Anything-But expression name not found", 25, 0},
		{`{"a":[{"anything-but":{"numeric":[1]}}]}`, "Unsupported anything-but pattern: numeric", 35, 0},
		{`{"a":[{"anything-but":{"prefix":""}}]}`, "Null prefix/suffix not allowed", 35, 0},
		{`{"a":[{"anything-but":{"prefix":5}}]}`, "prefix/suffix match pattern must be a string", 34, 0},
		{`{"a":[{"anything-but":["x",1]}]}`, "Inside anything but list, either all values are number or string, mixed type is not supported", 30, 0},
		{`{"a":[{"anything-but":[]}]}`, "Inside anything but list, either all values are number or string, mixed type is not supported", 25, 0},
		{`{"a":[{"anything-but":[null]}]}`, "Inside anything but list, start|null|boolean is not supported.", -1, 28},
		{`{"a":[{"anything-but":{"equals-ignore-case":5}}]}`, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.", 46, 0},
		{`{"a":[{"anything-but":{"equals-ignore-case":[5]}}]}`, "Inside anything-but/equals-ignore-case list, numberic|start|null|boolean is not supported.", -1, 47},
		{`{"a":[{"anything-but":5000000001}]}`, ebRangeError, 0, 0},
		{`{"a":[{"cidr":"10.0.0.0"}]}`, "Malformed CIDR, one '/' required", 0, 0},
		{`{"a":[{"cidr":"10.0.0.0/x"}]}`, "Malformed CIDR, mask bits must be an integer", 0, 0},
		{`{"a":[{"cidr":"10.0.0.0/-1"}]}`, "Malformed CIDR, mask bits must not be negative", 0, 0},
		{`{"a":[{"cidr":"10.0.0.0/32"}]}`, "IPv4 mask bits must be < 32", 0, 0},
		{`{"a":[{"cidr":"::/128"}]}`, "IPv6 mask bits must be < 128", 0, 0},
		{`{"a":[{"cidr":"foo/8"}]}`, "Nonstandard IP address: foo", 0, 0},
		{`{"a":[{"cidr":5}]}`, "prefix match pattern must be a string", 16, 0},
		{`{"$or":{"a":["b"]}}`, "It must be an Array followed with $or.", 9, 0},
		{`{"$or":[{"a":["b"]}]}`, "There must have at least 2 Objects in $or relationship.", 21, 0},
		{`{"$or":[{"a":["b"]},"x"]}`, "Only JSON object is allowed in array of $or relationship.", 22, 0},
		{`{"$or":[{"a":["b"]},{"prefix":["x"]}]}`, "prefix is Ruler reserved fieldName which cannot be used inside $or.", 32, 0},
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			t.Parallel()
			_, err := CompilePattern([]byte(tc.pattern))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			want := "Event pattern is not valid. Reason: " + tc.reason
			switch {
			case tc.col > 0:
				want += loc(tc.pattern, tc.col)
			case tc.col < 0:
				want += loc(tc.pattern, tc.dupCol) + loc(tc.pattern, tc.dupCol)
			}
			if got := e.EventBridgeMessage(); got != want {
				t.Errorf("message\n got %q\nwant %q", got, want)
			}
		})
	}
}

func TestCompileInvalidJSON(t *testing.T) {
	t.Parallel()
	for _, src := range []string{``, `{`, `{"a":[1,]}`, `nope`} {
		if _, err := CompilePattern([]byte(src)); err == nil {
			t.Errorf("CompilePattern(%q) succeeded", src)
		}
		if _, err := CompileFilterPolicy([]byte(src), ScopeMessageBody); err == nil {
			t.Errorf("CompileFilterPolicy(%q) succeeded", src)
		}
	}
}

func TestJacksonLocationTruncates(t *testing.T) {
	t.Parallel()
	src := `{"k":"` + strings.Repeat("x", 600) + `"}`
	_, err := CompilePattern([]byte(src))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(e.Location, `"[truncated 108 chars]; line: 1, column: 7]`) {
		t.Errorf("location = %q", e.Location)
	}
}

func TestParseScope(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want Scope
		ok   bool
	}{{"", ScopeMessageAttributes, true}, {"MessageAttributes", ScopeMessageAttributes, true}, {"MessageBody", ScopeMessageBody, true}, {"Body", 0, false}} {
		got, ok := ParseScope(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseScope(%q) = %v, %v", tc.in, got, ok)
		}
	}
}

func TestErrorLocationMultiline(t *testing.T) {
	t.Parallel()
	src := "{\n  \"a\": \"x\"\n}"
	_, err := CompilePattern([]byte(src))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	want := "\"a\" must be an object or an array\n at [Source: (String)\"" + src + "\"; line: 2, column: 9]"
	if e.Error() != want {
		t.Errorf("got %q, want %q", e.Error(), want)
	}
}
