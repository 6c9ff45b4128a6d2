package awsapi

// HasNonSpace reports whether s has a character other than RE2's \s (tab,
// newline, form feed, carriage return, space): the meaning of the models'
// pattern `.*\S.*` as a regexp with (?s) matches it.
func HasNonSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\t', '\n', '\f', '\r', ' ':
		default:
			return true
		}
	}
	return false
}
