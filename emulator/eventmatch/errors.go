package eventmatch

import (
	"strconv"
	"strings"
)

// Error is a rejected filter policy or event pattern. Reason is the text AWS
// gives after its fixed prefix; Location is Jackson's "\n at [Source: ...;
// line: L, column: C]" suffix that AWS appends to errors found while reading
// the JSON (empty for errors found later, such as the key and complexity
// limits).
type Error struct {
	Reason   string
	Location string
	// Unscoped marks the SNS error that AWS reports without the
	// "FilterPolicy: " field prefix (a nested policy with scope
	// MessageAttributes).
	Unscoped bool
}

// Error returns the reason followed by the location, as AWS prints it.
func (e *Error) Error() string { return e.Reason + e.Location }

// SNSMessage is the InvalidParameter message SNS returns for this error.
// inSubscribe selects the form Subscribe uses ("Attributes Reason: ");
// SetSubscriptionAttributes uses the short form.
func (e *Error) SNSMessage(inSubscribe bool) string {
	if e.Unscoped {
		return "Invalid parameter: " + e.Error()
	}
	if inSubscribe {
		return "Invalid parameter: Attributes Reason: FilterPolicy: " + e.Error()
	}
	return "Invalid parameter: FilterPolicy: " + e.Error()
}

// EventBridgeMessage is the InvalidEventPatternException message
// EventBridge returns for this error.
func (e *Error) EventBridgeMessage() string {
	return "Event pattern is not valid. Reason: " + e.Error()
}

// maxSourceSnippet is how much of the source Jackson quotes in a location.
// unverified: Jackson's default snippet length (500) as used by AWS.
const maxSourceSnippet = 500

// jacksonLocation renders Jackson's JsonLocation for a parse error at byte
// offset pos (the parser's input pointer) of src.
func jacksonLocation(src []byte, pos int) string {
	if pos > len(src) {
		pos = len(src)
	}
	line, rowStart := 1, 0
	for i := 0; i < pos; i++ {
		if src[i] == '\n' {
			line++
			rowStart = i + 1
		}
	}
	var b strings.Builder
	b.WriteString("\n at [Source: (String)\"")
	// Jackson counts characters, not bytes; the policy is UTF-8.
	s := string(src)
	runes := 0
	cut := len(s)
	for i := range s {
		if runes == maxSourceSnippet {
			cut = i
			break
		}
		runes++
	}
	b.WriteString(s[:cut])
	b.WriteByte('"')
	if cut < len(s) {
		b.WriteString("[truncated ")
		b.WriteString(strconv.Itoa(len([]rune(s[cut:]))))
		b.WriteString(" chars]")
	}
	b.WriteString("; line: ")
	b.WriteString(strconv.Itoa(line))
	b.WriteString(", column: ")
	b.WriteString(strconv.Itoa(len([]rune(string(src[rowStart:pos]))) + 1))
	b.WriteByte(']')
	return b.String()
}
