package sns

// Validation of what Publish and PublishBatch carry: the message, its
// subject, structure and attributes, and the FIFO parameters. These are
// pure functions over the request; the operations call them in the order
// AWS reports problems.

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Limits of a published message.
const (
	// MaxMessageBytes caps a message: its body plus every attribute's name,
	// data type and value, in UTF-8 bytes (262,144 bytes).
	MaxMessageBytes = 256 * 1024
	// maxSubjectChars caps a subject (it must be shorter than 100).
	maxSubjectChars = 100
	// maxAttributeNameBytes caps a message attribute's name.
	maxAttributeNameBytes = 256
	// maxDataTypeBytes caps a message attribute's data type.
	maxDataTypeBytes = 256
	// maxFIFOIDChars caps MessageGroupId and MessageDeduplicationId.
	maxFIFOIDChars = 128
)

// errParameterValueInvalid is the InvalidParameterValue error (wire code
// ParameterValueInvalid) with AWS's text.
func errParameterValueInvalid(format string, args ...any) *awsapi.Error {
	return &awsapi.Error{Code: "ParameterValueInvalid", Message: fmt.Sprintf(format, args...)}
}

// validateSubject checks a subject: present means non-empty, under 100
// characters, printable ASCII starting with a letter, digit or
// punctuation, no line breaks or control characters.
func validateSubject(subject *string) error {
	if subject == nil {
		return nil
	}
	s := *subject
	// AWS answers every subject problem with the same text (an empty one
	// verified by localstack's AWS snapshots; the other cases unverified).
	bad := errInvalidParameter("Invalid parameter: Subject")
	if s == "" || utf8.RuneCountInString(s) >= maxSubjectChars {
		return bad
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return bad
		}
	}
	if s[0] == ' ' {
		return bad
	}
	return nil
}

// validateMessageBody checks that a message is present and not empty.
func validateMessageBody(message *string) error {
	if message == nil || *message == "" {
		return errInvalidParameter("Invalid parameter: Empty message")
	}
	return nil
}

// publishSize is the size AWS counts against MaxMessageBytes: the body and,
// for every attribute, its name, data type and value.
func publishSize(message string, attrs map[string]MessageAttributeValue) int {
	n := len(message)
	for name, a := range attrs {
		n += len(name) + len(deref(a.DataType)) + len(deref(a.StringValue)) + len(a.BinaryValue)
	}
	return n
}

// validateMessageAttributes checks attributes in name order (so the error
// reported is stable) with AWS's texts. position is the 1-based batch entry
// (0 for Publish), used in the null-DataType validation path.
func validateMessageAttributes(attrs map[string]MessageAttributeValue, position int) error {
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		a := attrs[name]
		if len(name) > maxAttributeNameBytes {
			return errParameterValueInvalid("Length of message attribute name must be less than 256 bytes.")
		}
		if err := validateAttributeName(name); err != nil {
			return err
		}
		if a.DataType == nil {
			at := "messageAttributes." + name + ".member.dataType"
			if position > 0 {
				at = "publishBatchRequestEntries." + strconv.Itoa(position) + ".member." + at
			}
			var v awsapi.ValidationErrors
			v.Null(at)
			return v.Err()
		}
		dt := *a.DataType
		base, _, custom := strings.Cut(dt, ".")
		if (base != "String" && base != "Number" && base != "Binary") || (custom && len(dt) == len(base)+1) {
			return errParameterValueInvalid("The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
		}
		if len(dt) > maxDataTypeBytes {
			// unverified: AWS's text for an over-long data type.
			return errParameterValueInvalid("The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
		}
		if a.StringValue == nil && a.BinaryValue == nil {
			return errParameterValueInvalid("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, dt)
		}
		field := "String"
		if base == "Binary" {
			field = "Binary"
		}
		if (field == "String" && a.StringValue == nil) || (field == "Binary" && a.BinaryValue == nil) {
			return errParameterValueInvalid("The message attribute '%s' with type '%s' must use field '%s'.", name, dt, field)
		}
		if (field == "String" && *a.StringValue == "") || (field == "Binary" && len(a.BinaryValue) == 0) {
			return errParameterValueInvalid("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, dt)
		}
		switch {
		case base == "Number":
			if !validNumberAttribute(*a.StringValue) {
				// unverified: moto's recording of AWS's text.
				return errParameterValueInvalid("Could not cast message attribute '%s' value to number.", name)
			}
		case dt == "String.Array":
			if !validStringArray(*a.StringValue) {
				// unverified: AWS's text for a String.Array that is not a
				// JSON array of strings, numbers, booleans and nulls.
				return errParameterValueInvalid("The message attribute '%s' with type 'String.Array' has an invalid value: it must be a JSON array of strings, numbers, booleans or nulls.", name)
			}
		}
	}
	return nil
}

// validateAttributeName checks a message attribute name's characters: A-Z,
// a-z, 0-9, '_', '-' and '.', not starting or ending with '.', no '..',
// and no reserved AWS. or Amazon. prefix (any case).
func validateAttributeName(name string) error {
	if name == "" {
		// unverified: the query protocol cannot send an empty map key; a Go
		// caller can.
		return errParameterValueInvalid("The message attribute name must not be empty.")
	}
	if name[0] == '.' {
		return errParameterValueInvalid("Invalid message attribute name starting with character '.' was found.")
	}
	if name[len(name)-1] == '.' {
		return errParameterValueInvalid("Invalid message attribute name ending with character '.' was found.")
	}
	for i, r := range name {
		ok := r == '_' || r == '-' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			return errParameterValueInvalid("Invalid non-alphanumeric character '#x%X' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.", r)
		}
		if r == '.' && name[i-1] == '.' {
			return errParameterValueInvalid("Message attribute name can not have successive '.' character.")
		}
	}
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon.") {
		// unverified: AWS's text for a reserved prefix.
		return errParameterValueInvalid("The message attribute name '%s' is reserved: names must not start with AWS. or Amazon.", name)
	}
	return nil
}

// validNumberAttribute reports whether s is a decimal number (integer or
// floating point, optional sign and exponent).
func validNumberAttribute(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "xXpP_") {
		return false
	}
	low := strings.ToLower(s)
	if strings.Contains(low, "inf") || strings.Contains(low, "nan") {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	// A value outside float64's range is still a number.
	return err == nil || errors.Is(err, strconv.ErrRange)
}

// validStringArray reports whether s is a JSON array of strings, numbers,
// booleans and nulls.
func validStringArray(s string) bool {
	var items []json.RawMessage
	if err := json.Unmarshal([]byte(s), &items); err != nil {
		return false
	}
	for _, it := range items {
		switch it[0] {
		case '{', '[':
			return false
		}
	}
	return true
}

// parseMessageStructure reads a MessageStructure=json body: a JSON object
// whose string members are the per-protocol messages (other members are
// ignored) and which must hold "default" unless requireDefault is false
// (a publish to a platform endpoint). It returns nil for other structures.
func parseMessageStructure(message string, structure *string, requireDefault bool) (map[string]string, error) {
	if structure == nil || *structure == "" {
		return nil, nil
	}
	if *structure != "json" {
		// unverified: AWS's text for a structure other than json.
		return nil, errInvalidParameter("Invalid parameter: MessageStructure")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(message), &obj); err != nil || obj == nil {
		// A body that is JSON but not an object gets the parse text too
		// (unverified).
		return nil, errInvalidParameter("Invalid parameter: Message Structure - JSON message body failed to parse")
	}
	out := make(map[string]string, len(obj))
	for k, raw := range obj {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil && len(raw) > 0 && raw[0] == '"' {
			out[k] = s
		}
	}
	if _, ok := out["default"]; !ok && requireDefault {
		return nil, errInvalidParameter("Invalid parameter: Message Structure - No default entry in JSON message body")
	}
	return out, nil
}

// validateFIFOParams checks MessageGroupId and MessageDeduplicationId
// against the topic type: both belong to FIFO topics (a group id is also
// accepted on standard topics, as AWS does since SQS fair queues), a FIFO
// topic needs a group id, and a dedup id unless the topic has
// content-based deduplication.
func validateFIFOParams(fifo, contentDedup bool, groupID, dedupID *string) error {
	if !fifo {
		if dedupID != nil {
			return errInvalidParameter("Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type")
		}
		if groupID != nil && !validFIFOID(*groupID) {
			return errInvalidFIFOID("MessageGroupId")
		}
		return nil
	}
	if groupID == nil || *groupID == "" {
		return errInvalidParameter("Invalid parameter: The MessageGroupId parameter is required for FIFO topics")
	}
	if !validFIFOID(*groupID) {
		return errInvalidFIFOID("MessageGroupId")
	}
	if dedupID == nil || *dedupID == "" {
		if !contentDedup {
			return errInvalidParameter("Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
		}
		return nil
	}
	if !validFIFOID(*dedupID) {
		return errInvalidFIFOID("MessageDeduplicationId")
	}
	return nil
}

// errInvalidFIFOID is the error for a malformed group or deduplication id.
func errInvalidFIFOID(param string) *awsapi.Error {
	// unverified: AWS's SNS text (this is SQS's reason, in SNS's shape).
	return errInvalidParameter("Invalid parameter: " + param + " Reason: " + param + " can only include alphanumeric and punctuation characters. 1 to 128 in length.")
}

// validFIFOID reports whether id is 1-128 ASCII alphanumeric or
// punctuation characters.
func validFIFOID(id string) bool {
	if id == "" || len(id) > maxFIFOIDChars {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// validPhoneNumber reports whether p is an E.164 number: '+', then 1 to 15
// digits, the first not 0.
func validPhoneNumber(p string) bool {
	if len(p) < 2 || len(p) > 16 || p[0] != '+' || p[1] == '0' {
		return false
	}
	for i := 1; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// validBatchEntryID reports whether id is 1-80 characters of A-Z, a-z,
// 0-9, '-' and '_'.
func validBatchEntryID(id string) bool {
	if id == "" || len(id) > 80 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c == '-' || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			return false
		}
	}
	return true
}

// deref returns *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
