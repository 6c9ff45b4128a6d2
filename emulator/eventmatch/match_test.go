package eventmatch

import (
	"errors"
	"slices"
	"testing"
)

// checkEvent asserts that the rule, a one-rule Set and the reference
// evaluator all give want for a JSON event.
func checkEvent(t *testing.T, r *Rule, event string, want bool) {
	t.Helper()
	if got := r.Match([]byte(event)); got != want {
		t.Errorf("Rule.Match(%s) = %v, want %v (rule %s)", event, got, want, r)
	}
	var s Set
	s.Add("r", r)
	ids, err := s.Match([]byte(event))
	if err != nil {
		t.Fatalf("Set.Match(%s): %v", event, err)
	}
	if got := len(ids) == 1; got != want {
		t.Errorf("Set.Match(%s) = %v, want match %v", event, ids, want)
	}
	leaves, ok := refFlatten([]byte(event))
	if !ok {
		t.Fatalf("reference cannot read %s", event)
	}
	if got := refMatch(r, leaves); got != want {
		t.Errorf("reference(%s) = %v, want %v", event, got, want)
	}
}

type matchCase struct {
	name    string
	pattern string
	event   string
	want    bool
}

func TestPatternMatch(t *testing.T) {
	t.Parallel()
	tests := []matchCase{
		{"exact string", `{"source":["aws.ec2"]}`, `{"source":"aws.ec2"}`, true},
		{"exact string other", `{"source":["aws.ec2"]}`, `{"source":"aws.s3"}`, false},
		{"exact is case sensitive", `{"source":["aws.ec2"]}`, `{"source":"AWS.EC2"}`, false},
		{"one of list", `{"source":["a","b","c"]}`, `{"source":"b"}`, true},
		{"missing field", `{"source":["a"]}`, `{"other":"a"}`, false},
		{"and of fields", `{"a":["1"],"b":["2"]}`, `{"a":"1","b":"2"}`, true},
		{"and of fields one fails", `{"a":["1"],"b":["2"]}`, `{"a":"1","b":"3"}`, false},
		{"nested", `{"detail":{"state":["running"]}}`, `{"detail":{"state":"running"}}`, true},
		{"nested wrong level", `{"detail":{"state":["running"]}}`, `{"state":"running"}`, false},
		{"dotted key equals nesting", `{"detail":{"state":["on"]}}`, `{"detail.state":"on"}`, true},
		{"dotted pattern key", `{"detail.state":["on"]}`, `{"detail":{"state":"on"}}`, true},
		{"empty string", `{"name":[""]}`, `{"name":""}`, true},
		{"empty string vs missing", `{"name":[""]}`, `{}`, false},
		{"string is not number", `{"n":["5"]}`, `{"n":5}`, false},
		{"number is not string", `{"n":[5]}`, `{"n":"5"}`, false},
		{"number equal forms", `{"n":[5]}`, `{"n":5.0}`, true},
		{"number exponent", `{"n":[1000]}`, `{"n":1e3}`, true},
		{"number other", `{"n":[5]}`, `{"n":6}`, false},
		{"number six decimals", `{"n":[1.0000001]}`, `{"n":1.0000002}`, true},
		{"big number literal", `{"n":[123456789012345]}`, `{"n":123456789012345}`, true},
		{"big number other form", `{"n":[123456789012345]}`, `{"n":1.23456789012345e14}`, false},
		{"null", `{"n":[null]}`, `{"n":null}`, true},
		{"null vs missing", `{"n":[null]}`, `{}`, false},
		{"null vs string", `{"n":[null]}`, `{"n":"null"}`, false},
		{"true", `{"b":[true]}`, `{"b":true}`, true},
		{"true vs false", `{"b":[true]}`, `{"b":false}`, false},
		{"true vs string", `{"b":[true]}`, `{"b":"true"}`, false},
		{"array any element", `{"r":["x"]}`, `{"r":["a","x"]}`, true},
		{"array none", `{"r":["x"]}`, `{"r":["a","b"]}`, false},
		{"empty array", `{"r":["x"]}`, `{"r":[]}`, false},
		{"nested arrays", `{"r":["x"]}`, `{"r":[["a"],["x"]]}`, true},
		{"prefix", `{"t":[{"prefix":"2017-10"}]}`, `{"t":"2017-10-02T18:43:48Z"}`, true},
		{"prefix no", `{"t":[{"prefix":"2017-10"}]}`, `{"t":"2018-10-02"}`, false},
		{"prefix on number", `{"n":[{"prefix":"1"}]}`, `{"n":123}`, false},
		{"empty prefix matches strings", `{"n":[{"prefix":""}]}`, `{"n":"x"}`, true},
		{"prefix ignore case", `{"s":[{"prefix":{"equals-ignore-case":"EventB"}}]}`, `{"s":"eventbridge"}`, true},
		{"prefix ignore case no", `{"s":[{"prefix":{"equals-ignore-case":"EventB"}}]}`, `{"s":"events"}`, false},
		{"suffix", `{"f":[{"suffix":".png"}]}`, `{"f":"a.png"}`, true},
		{"suffix no", `{"f":[{"suffix":".png"}]}`, `{"f":"a.PNG"}`, false},
		{"suffix ignore case", `{"f":[{"suffix":{"equals-ignore-case":".png"}}]}`, `{"f":"a.PNG"}`, true},
		{"equals ignore case", `{"n":[{"equals-ignore-case":"alice"}]}`, `{"n":"ALICE"}`, true},
		{"equals ignore case unicode", `{"n":[{"equals-ignore-case":"ÄRGER"}]}`, `{"n":"ärger"}`, true},
		{"equals ignore case no", `{"n":[{"equals-ignore-case":"alice"}]}`, `{"n":"alicia"}`, false},
		{"wildcard", `{"p":[{"wildcard":"dir/*.png"}]}`, `{"p":"dir/a/b.png"}`, true},
		{"wildcard no", `{"p":[{"wildcard":"dir/*.png"}]}`, `{"p":"dir/a/b.jpg"}`, false},
		{"wildcard star only", `{"p":[{"wildcard":"*"}]}`, `{"p":""}`, true},
		{"wildcard many", `{"p":[{"wildcard":"*a*b*"}]}`, `{"p":"xxaxxbxx"}`, true},
		{"wildcard order", `{"p":[{"wildcard":"*a*b*"}]}`, `{"p":"bxa"}`, false},
		{"wildcard escaped star", `{"p":[{"wildcard":"a\\*b"}]}`, `{"p":"a*b"}`, true},
		{"wildcard escaped star literal", `{"p":[{"wildcard":"a\\*b"}]}`, `{"p":"axb"}`, false},
		{"wildcard escaped backslash", `{"p":[{"wildcard":"a\\\\*"}]}`, `{"p":"a\\zz"}`, true},
		{"wildcard on number", `{"p":[{"wildcard":"*"}]}`, `{"p":5}`, false},
		{"anything-but string", `{"s":[{"anything-but":"init"}]}`, `{"s":"run"}`, true},
		{"anything-but string same", `{"s":[{"anything-but":"init"}]}`, `{"s":"init"}`, false},
		{"anything-but missing", `{"s":[{"anything-but":"init"}]}`, `{}`, false},
		{"anything-but list", `{"s":[{"anything-but":["a","b"]}]}`, `{"s":"b"}`, false},
		{"anything-but list other", `{"s":[{"anything-but":["a","b"]}]}`, `{"s":"c"}`, true},
		{"anything-but number", `{"n":[{"anything-but":123}]}`, `{"n":123.0}`, false},
		{"anything-but number other", `{"n":[{"anything-but":123}]}`, `{"n":456}`, true},
		{"anything-but numbers vs string", `{"n":[{"anything-but":[1,2]}]}`, `{"n":"1"}`, true},
		{"anything-but in array one other", `{"s":[{"anything-but":"a"}]}`, `{"s":["a","b"]}`, true},
		{"anything-but in array all same", `{"s":[{"anything-but":"a"}]}`, `{"s":["a","a"]}`, false},
		{"anything-but prefix", `{"r":[{"anything-but":{"prefix":"us-"}}]}`, `{"r":"eu-west-1"}`, true},
		{"anything-but prefix no", `{"r":[{"anything-but":{"prefix":"us-"}}]}`, `{"r":"us-east-1"}`, false},
		{"anything-but suffix", `{"f":[{"anything-but":{"suffix":".png"}}]}`, `{"f":"a.png"}`, false},
		{"anything-but suffix other", `{"f":[{"anything-but":{"suffix":".png"}}]}`, `{"f":"a.jpg"}`, true},
		{"anything-but ignore case", `{"s":[{"anything-but":{"equals-ignore-case":"init"}}]}`, `{"s":"INIT"}`, false},
		{"anything-but ignore case list", `{"s":[{"anything-but":{"equals-ignore-case":["a","b"]}}]}`, `{"s":"C"}`, true},
		{"anything-but wildcard", `{"p":[{"anything-but":{"wildcard":"*/lib/*"}}]}`, `{"p":"/usr/lib/x"}`, false},
		{"anything-but wildcard other", `{"p":[{"anything-but":{"wildcard":"*/lib/*"}}]}`, `{"p":"/usr/bin/x"}`, true},
		{"numeric gt", `{"n":[{"numeric":[">",0]}]}`, `{"n":1}`, true},
		{"numeric gt bound", `{"n":[{"numeric":[">",0]}]}`, `{"n":0}`, false},
		{"numeric ge bound", `{"n":[{"numeric":[">=",0]}]}`, `{"n":0}`, true},
		{"numeric range in", `{"n":[{"numeric":[">",0,"<=",5]}]}`, `{"n":5}`, true},
		{"numeric range out", `{"n":[{"numeric":[">",0,"<=",5]}]}`, `{"n":5.5}`, false},
		{"numeric lt", `{"n":[{"numeric":["<",10]}]}`, `{"n":-3}`, true},
		{"numeric le", `{"n":[{"numeric":["<=",10]}]}`, `{"n":10}`, true},
		{"numeric eq", `{"n":[{"numeric":["=",3.018e2]}]}`, `{"n":301.8}`, true},
		{"numeric on string", `{"n":[{"numeric":[">",0]}]}`, `{"n":"5"}`, false},
		{"numeric out of range event", `{"n":[{"numeric":[">",0]}]}`, `{"n":6e9}`, false},
		{"numeric array any", `{"n":[{"numeric":[">",10]}]}`, `{"n":[1,20]}`, true},
		{"numeric two ranges", `{"n":[{"numeric":["<",0]},{"numeric":[">",100]}]}`, `{"n":50}`, false},
		{"numeric two ranges hit", `{"n":[{"numeric":["<",0]},{"numeric":[">",100]}]}`, `{"n":101}`, true},
		{"exists true", `{"c":[{"exists":true}]}`, `{"c":"x"}`, true},
		{"exists true null", `{"c":[{"exists":true}]}`, `{"c":null}`, true},
		{"exists true absent", `{"c":[{"exists":true}]}`, `{"d":"x"}`, false},
		{"exists true object", `{"c":[{"exists":true}]}`, `{"c":{"d":1}}`, false},
		{"exists true empty array", `{"c":[{"exists":true}]}`, `{"c":[]}`, false},
		{"exists false absent", `{"c":[{"exists":false}]}`, `{"d":"x"}`, true},
		{"exists false present", `{"c":[{"exists":false}]}`, `{"c":"x"}`, false},
		{"exists false object", `{"c":[{"exists":false}]}`, `{"c":{"d":1}}`, true},
		{"exists false with other", `{"a":["x"],"c":[{"exists":false}]}`, `{"a":"x"}`, true},
		{"exists false with other fails", `{"a":["x"],"c":[{"exists":false}]}`, `{"a":"y"}`, false},
		{"value or absent absent", `{"c":["v",{"exists":false}]}`, `{}`, true},
		{"value or absent value", `{"c":["v",{"exists":false}]}`, `{"c":"v"}`, true},
		{"value or absent other", `{"c":["v",{"exists":false}]}`, `{"c":"w"}`, false},
		{"cidr v4", `{"ip":[{"cidr":"10.0.0.0/24"}]}`, `{"ip":"10.0.0.255"}`, true},
		{"cidr v4 out", `{"ip":[{"cidr":"10.0.0.0/24"}]}`, `{"ip":"10.0.1.0"}`, false},
		{"cidr v4 not ip", `{"ip":[{"cidr":"10.0.0.0/24"}]}`, `{"ip":"host"}`, false},
		{"cidr v6", `{"ip":[{"cidr":"2001:db8::/32"}]}`, `{"ip":"2001:db8:1::1"}`, true},
		{"cidr v6 out", `{"ip":[{"cidr":"2001:db8::/32"}]}`, `{"ip":"2001:db9::1"}`, false},
		{"ip exact other spelling", `{"ip":["2001:db8::1"]}`, `{"ip":"2001:DB8:0:0:0:0:0:1"}`, true},
		{"ip exact", `{"ip":["10.0.0.1"]}`, `{"ip":"10.0.0.1"}`, true},
		{"ip exact other", `{"ip":["10.0.0.1"]}`, `{"ip":"10.0.0.2"}`, false},
		{"or top", `{"$or":[{"a":["1"]},{"b":["2"]}]}`, `{"b":"2"}`, true},
		{"or top none", `{"$or":[{"a":["1"]},{"b":["2"]}]}`, `{"a":"2","b":"1"}`, false},
		{"or with and", `{"s":["x"],"$or":[{"a":["1"]},{"b":["2"]}]}`, `{"s":"x","a":"1"}`, true},
		{"or with and fails", `{"s":["x"],"$or":[{"a":["1"]},{"b":["2"]}]}`, `{"s":"y","a":"1"}`, false},
		{"or nested", `{"detail":{"$or":[{"c":[{"numeric":[">",0,"<=",5]}]},{"d":[{"numeric":["<",10]}]}]}}`, `{"detail":{"d":3}}`, true},
		{"or in or", `{"$or":[{"a":["1"]},{"$or":[{"b":["2"]},{"c":["3"]}]}]}`, `{"c":"3"}`, true},
		{"array of objects same element", `{"p":{"name":["a"],"v":["1"]}}`, `{"p":[{"name":"a","v":"2"},{"name":"b","v":"1"}]}`, false},
		{"array of objects same element ok", `{"p":{"name":["a"],"v":["1"]}}`, `{"p":[{"name":"b","v":"2"},{"name":"a","v":"1"}]}`, true},
		{"different arrays independent", `{"a":{"x":["1"]},"b":{"y":["2"]}}`, `{"a":[{"x":"1"}],"b":[{"y":"0"},{"y":"2"}]}`, true},
		{"escaped event string", `{"s":["a\"b"]}`, `{"s":"a\u0022b"}`, true},
		{"escaped key", `{"k\"ey":["v"]}`, `{"k\u0022ey":"v"}`, true},
		{"unicode", `{"s":["日本"]}`, `{"s":"\u65e5\u672c"}`, true},
		{"other fields ignored", `{"a":["1"]}`, `{"z":[{"q":[1,2,{"r":null}]}],"a":"1","y":true}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := CompilePattern([]byte(tc.pattern))
			if err != nil {
				t.Fatalf("CompilePattern(%s): %v", tc.pattern, err)
			}
			checkEvent(t, r, tc.event, tc.want)
		})
	}
}

func TestFilterPolicyBodyMatch(t *testing.T) {
	t.Parallel()
	tests := []matchCase{
		{"exact", `{"store":["example_corp"]}`, `{"store":"example_corp"}`, true},
		{"nested", `{"object":{"key":[{"prefix":"auto-"}]}}`, `{"object":{"key":"auto-1"}}`, true},
		{"nested no", `{"object":{"key":[{"prefix":"auto-"}]}}`, `{"object":{"key":"man-1"}}`, false},
		{"numeric", `{"price":[{"numeric":[">=",100,"<",200]}]}`, `{"price":150.5}`, true},
		{"numeric float semantics", `{"price":[{"numeric":["=",0.1]}]}`, `{"price":0.1}`, true},
		{"numeric out of EventBridge range", `{"price":[{"numeric":[">",1]}]}`, `{"price":6e9}`, true},
		{"number exact", `{"n":[5]}`, `{"n":5.0}`, true},
		{"anything-but number", `{"n":[{"anything-but":[100]}]}`, `{"n":100}`, false},
		{"anything-but prefix", `{"s":[{"anything-but":{"prefix":"x"}}]}`, `{"s":"yz"}`, true},
		{"exists false", `{"s":[{"exists":false}]}`, `{"t":"1"}`, true},
		{"or", `{"$or":[{"a":["1"]},{"b":["2"]}]}`, `{"a":"1"}`, true},
		{"array body", `{"interests":["rugby"]}`, `{"interests":["soccer","rugby"]}`, true},
		{"equals ignore case", `{"s":[{"equals-ignore-case":"ABC"}]}`, `{"s":"aBc"}`, true},
		{"suffix", `{"s":[{"suffix":"-prod"}]}`, `{"s":"db-prod"}`, true},
		{"cidr", `{"ip":[{"cidr":"192.168.0.0/16"}]}`, `{"ip":"192.168.3.4"}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := CompileFilterPolicy([]byte(tc.pattern), ScopeMessageBody)
			if err != nil {
				t.Fatalf("CompileFilterPolicy(%s): %v", tc.pattern, err)
			}
			checkEvent(t, r, tc.event, tc.want)
		})
	}
}

// TestEmptyFilterPolicy checks SNS's {} (no filter) matches every message
// while EventBridge refuses an empty pattern.
func TestEmptyFilterPolicy(t *testing.T) {
	t.Parallel()
	for _, sc := range []Scope{ScopeMessageAttributes, ScopeMessageBody} {
		r, err := CompileFilterPolicy([]byte(` { } `), sc)
		if err != nil {
			t.Fatalf("scope %d: %v", sc, err)
		}
		if !r.Match([]byte(`{"a":1}`)) || !r.MatchAttributes(nil) {
			t.Errorf("scope %d: {} does not match everything", sc)
		}
	}
	if _, err := CompileFilterPolicy([]byte(`{"a":{}}`), ScopeMessageBody); err == nil {
		t.Error("nested {} accepted")
	}
	if _, err := CompilePattern([]byte(`{}`)); err == nil {
		t.Error("EventBridge accepted {}")
	}
	_, err := CompileFilterPolicy([]byte(""), ScopeMessageAttributes)
	var e *Error
	if !errors.As(err, &e) || e.SNSMessage(false) != "Invalid parameter: FilterPolicy: Filter is not an object" {
		t.Errorf("empty policy: %v", err)
	}
}

func TestMatchNotObject(t *testing.T) {
	t.Parallel()
	r, err := CompileFilterPolicy([]byte(`{"s":[{"exists":false}]}`), ScopeMessageBody)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`plain text`, `[1]`, `"s"`, `{"a":1`, `{"a":01}`, `{"a":"\x"}`, ``} {
		if r.Match([]byte(body)) {
			t.Errorf("Match(%q) = true", body)
		}
		var s Set
		s.Add("x", r)
		if _, err := s.Match([]byte(body)); !errors.Is(err, ErrInvalidEvent) {
			t.Errorf("Set.Match(%q) = %v, want ErrInvalidEvent", body, err)
		}
	}
}

func TestFilterPolicyAttributes(t *testing.T) {
	t.Parallel()
	str := func(v string) Attribute { return Attribute{Type: "String", Value: v} }
	num := func(v string) Attribute { return Attribute{Type: "Number", Value: v} }
	arr := func(v string) Attribute { return Attribute{Type: "String.Array", Value: v} }
	tests := []struct {
		name   string
		policy string
		attrs  map[string]Attribute
		want   bool
	}{
		{"exact", `{"store":["example_corp"]}`, map[string]Attribute{"store": str("example_corp")}, true},
		{"exact other", `{"store":["example_corp"]}`, map[string]Attribute{"store": str("other")}, false},
		{"absent attribute", `{"store":["example_corp"]}`, map[string]Attribute{"event": str("x")}, false},
		{"no attributes", `{"store":["example_corp"]}`, nil, false},
		{"all keys", `{"a":["1"],"b":["2"]}`, map[string]Attribute{"a": str("1")}, false},
		{"string array any", `{"customer_interests":["rugby","tennis"]}`, map[string]Attribute{"customer_interests": arr(`["baseball","tennis"]`)}, true},
		{"string array none", `{"customer_interests":["rugby","tennis"]}`, map[string]Attribute{"customer_interests": arr(`["baseball"]`)}, false},
		{"string array numbers", `{"n":[{"numeric":[">",10]}]}`, map[string]Attribute{"n": arr(`[1, 20]`)}, true},
		{"string array invalid", `{"n":["a"]}`, map[string]Attribute{"n": arr(`["a"`)}, false},
		{"number attribute", `{"price":[{"numeric":[">=",100]}]}`, map[string]Attribute{"price": num("150")}, true},
		{"number attribute exact", `{"price":[100]}`, map[string]Attribute{"price": num("100.0")}, true},
		{"string attribute not numeric", `{"price":[{"numeric":[">=",100]}]}`, map[string]Attribute{"price": str("150")}, false},
		{"custom number type", `{"price":[{"numeric":[">=",100]}]}`, map[string]Attribute{"price": {Type: "Number.float", Value: "150.5"}}, true},
		{"binary ignored", `{"b":[{"exists":true}]}`, map[string]Attribute{"b": {Type: "Binary", Value: "AAE="}}, false},
		{"binary is absent", `{"b":[{"exists":false}]}`, map[string]Attribute{"b": {Type: "Binary", Value: "AAE="}}, true},
		{"exists true", `{"store":[{"exists":true}]}`, map[string]Attribute{"store": num("99")}, true},
		{"exists false", `{"store":[{"exists":false}]}`, map[string]Attribute{"other": str("x")}, true},
		{"exists false present", `{"store":[{"exists":false}]}`, map[string]Attribute{"store": str("x")}, false},
		{"anything-but", `{"s":[{"anything-but":["a","b"]}]}`, map[string]Attribute{"s": str("c")}, true},
		{"anything-but absent", `{"s":[{"anything-but":["a","b"]}]}`, nil, false},
		{"anything-but prefix", `{"s":[{"anything-but":{"prefix":"ord"}}]}`, map[string]Attribute{"s": str("order")}, false},
		{"prefix", `{"s":[{"prefix":"ord"}]}`, map[string]Attribute{"s": str("order")}, true},
		{"suffix", `{"s":[{"suffix":"der"}]}`, map[string]Attribute{"s": str("order")}, true},
		{"equals ignore case", `{"s":[{"equals-ignore-case":"ORDER"}]}`, map[string]Attribute{"s": str("order")}, true},
		{"cidr", `{"ip":[{"cidr":"10.0.0.0/8"}]}`, map[string]Attribute{"ip": str("10.1.2.3")}, true},
		{"or", `{"$or":[{"a":["1"]},{"b":["2"]}]}`, map[string]Attribute{"b": str("2")}, true},
		{"dotted name", `{"a.b":["1"]}`, map[string]Attribute{"a.b": str("1")}, true},
		{"quote escaped twice", `{"q":["say \\\"hi\\\""]}`, map[string]Attribute{"q": str(`say "hi"`)}, true},
		{"quote escaped once", `{"q":["say \"hi\""]}`, map[string]Attribute{"q": str(`say "hi"`)}, false},
		{"backslash escaped twice", `{"q":["a\\\\b"]}`, map[string]Attribute{"q": str(`a\b`)}, true},
		{"null policy value", `{"a":[null]}`, map[string]Attribute{"a": str("null")}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := CompileFilterPolicy([]byte(tc.policy), ScopeMessageAttributes)
			if err != nil {
				t.Fatalf("CompileFilterPolicy(%s): %v", tc.policy, err)
			}
			if got := r.MatchAttributes(tc.attrs); got != tc.want {
				t.Errorf("MatchAttributes = %v, want %v", got, tc.want)
			}
			var s Set
			s.Add("p", r)
			if got := len(s.MatchAttributes(tc.attrs)) == 1; got != tc.want {
				t.Errorf("Set.MatchAttributes = %v, want %v", got, tc.want)
			}
			if got := refMatch(r, refAttributes(tc.attrs)); got != tc.want {
				t.Errorf("reference = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSetAddRemove(t *testing.T) {
	t.Parallel()
	mk := func(p string) *Rule {
		r, err := CompilePattern([]byte(p))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	var s Set
	s.Add("ec2", mk(`{"source":["aws.ec2"]}`))
	s.Add("any", mk(`{"source":[{"prefix":"aws."}]}`))
	s.Add("s3", mk(`{"source":["aws.s3"]}`))
	ev := []byte(`{"source":"aws.ec2"}`)
	got, err := s.Match(ev)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"any", "ec2"}; !slices.Equal(got, want) {
		t.Fatalf("Match = %v, want %v", got, want)
	}
	if !s.Remove("ec2") || s.Remove("ec2") {
		t.Fatal("Remove reported wrongly")
	}
	s.Add("any", mk(`{"source":["aws.s3"]}`)) // replaced
	got, _ = s.Match(ev)
	if len(got) != 0 {
		t.Fatalf("after remove/replace: %v", got)
	}
	if s.Len() != 2 {
		t.Fatalf("Len = %d", s.Len())
	}
	got, _ = s.AppendMatches([]string{"x"}, []byte(`{"source":"aws.s3"}`))
	if want := []string{"x", "any", "s3"}; !slices.Equal(got, want) {
		t.Fatalf("AppendMatches = %v, want %v", got, want)
	}
}

// TestSetConcurrent matches from many goroutines while rules change.
func TestSetConcurrent(t *testing.T) {
	t.Parallel()
	var s Set
	r, err := CompilePattern([]byte(`{"a":["1"]}`))
	if err != nil {
		t.Fatal(err)
	}
	s.Add("keep", r)
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 200; i++ {
				ids, err := s.Match([]byte(`{"a":"1"}`))
				if err != nil || !slices.Contains(ids, "keep") {
					t.Errorf("Match = %v, %v", ids, err)
					return
				}
			}
		}()
	}
	for i := 0; i < 100; i++ {
		s.Add("tmp", r)
		s.Remove("tmp")
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}
