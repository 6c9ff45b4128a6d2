package sns

import (
	"github.com/evolvestack/evolvestack/emulator/eventmatch"
)

// maxFilterPolicyBytes is AWS's cap on a FilterPolicy's size.
const maxFilterPolicyBytes = eventmatch.MaxFilterPolicyBytes

// snsFilter is a compiled FilterPolicy: the shared matcher's rule and the
// scope it was compiled for.
type snsFilter struct {
	rule  *eventmatch.Rule
	scope eventmatch.Scope
}

// compileFilterPolicy compiles a FilterPolicy for scope
// ("MessageAttributes" or "MessageBody") with the shared matcher. Its
// errors are *eventmatch.Error, which Service.compile words as SNS does.
func compileFilterPolicy(policy []byte, scope string) (any, error) {
	sc, ok := eventmatch.ParseScope(scope)
	if !ok {
		sc = eventmatch.ScopeMessageAttributes
	}
	r, err := eventmatch.CompileFilterPolicy(policy, sc)
	if err != nil {
		return nil, err
	}
	return &snsFilter{rule: r, scope: sc}, nil
}

// Match implements messageFilter: the MessageBody scope matches the body
// as JSON (anything else matches nothing), the MessageAttributes scope the
// message attributes.
func (f *snsFilter) Match(attrs map[string]MessageAttributeValue, body []byte) bool {
	if f.scope == eventmatch.ScopeMessageBody {
		return f.rule.Match(body)
	}
	m := make(map[string]eventmatch.Attribute, len(attrs))
	for name, a := range attrs {
		m[name] = eventmatch.Attribute{Type: deref(a.DataType), Value: deref(a.StringValue)}
	}
	return f.rule.MatchAttributes(m)
}
