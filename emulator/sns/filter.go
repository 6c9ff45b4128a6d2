package sns

import (
	"encoding/json"
	"errors"
)

// maxFilterPolicyBytes is AWS's cap on a FilterPolicy's size.
const maxFilterPolicyBytes = 256 * 1024

// errFilterNotJSON is the reason a filter policy that is not a JSON object
// is refused (AWS appends its JSON parser's complaint).
var errFilterNotJSON = errors.New("failed to parse JSON.") //nolint:staticcheck // AWS's text ends with a period

// defaultCompileFilter is the permissive filter-policy check used until the
// shared matcher is wired in: a JSON object. It returns the decoded object.
//
// A compiler's error text is the reason SNS gives after "FilterPolicy: "
// (Subscribe prefixes "Invalid parameter: Attributes Reason: ", the Set
// operation "Invalid parameter: "); an *awsapi.Error is returned as is.
func defaultCompileFilter(policy []byte, scope string) (any, error) {
	var m map[string]any
	if err := json.Unmarshal(policy, &m); err != nil || m == nil {
		return nil, errFilterNotJSON
	}
	return m, nil
}
