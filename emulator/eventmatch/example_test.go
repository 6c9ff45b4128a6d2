package eventmatch_test

import (
	"errors"
	"fmt"

	"github.com/evolvestack/evolvestack/emulator/eventmatch"
)

func ExampleSet() {
	var rules eventmatch.Set
	for id, pattern := range map[string]string{
		"ec2-stopped": `{"source":["aws.ec2"],"detail":{"state":["stopped","terminated"]}}`,
		"big-orders":  `{"detail":{"amount":[{"numeric":[">=",100]}]}}`,
	} {
		r, err := eventmatch.CompilePattern([]byte(pattern))
		if err != nil {
			panic(err)
		}
		rules.Add(id, r)
	}
	ids, err := rules.Match([]byte(`{"source":"aws.ec2","detail":{"state":"stopped","amount":250}}`))
	fmt.Println(ids, err)
	// Output: [big-orders ec2-stopped] <nil>
}

func ExampleCompileFilterPolicy() {
	r, err := eventmatch.CompileFilterPolicy([]byte(`{"store":["example_corp"],"price":[{"numeric":[">",10]}]}`), eventmatch.ScopeMessageAttributes)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.MatchAttributes(map[string]eventmatch.Attribute{
		"store": {Type: "String", Value: "example_corp"},
		"price": {Type: "Number", Value: "12.5"},
	}))

	_, err = eventmatch.CompileFilterPolicy([]byte(`{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}`), eventmatch.ScopeMessageAttributes)
	var e *eventmatch.Error
	if errors.As(err, &e) {
		fmt.Println(e.SNSMessage(false))
	}
	// Output:
	// true
	// Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys
}
