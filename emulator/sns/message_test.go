package sns

import (
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// wantAWSErr checks that err is an AWS error with code and message ("" for
// no error).
func wantAWSErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %s %q", code, msg)
	}
	if v, ok := awsapi.AsValidationErrors(err); ok {
		ae := v.AWSError("ValidationError")
		if ae.Code != code || ae.Message != msg {
			t.Fatalf("got %s %q, want %s %q", ae.Code, ae.Message, code, msg)
		}
		return
	}
	ae, ok := awsapi.AsError(err)
	if !ok {
		t.Fatalf("got %v, want %s %q", err, code, msg)
	}
	if ae.Code != code || ae.Message != msg {
		t.Fatalf("got %s %q, want %s %q", ae.Code, ae.Message, code, msg)
	}
}

func TestValidateSubject(t *testing.T) {
	t.Parallel()
	const bad = "Invalid parameter: Subject"
	for _, tc := range []struct {
		name    string
		subject *string
		want    string
	}{
		{"absent", nil, ""},
		{"plain", ptr("Order shipped"), ""},
		{"punctuation first", ptr("[alert] disk"), ""},
		{"99 chars", ptr(strings.Repeat("a", 99)), ""},
		{"empty", ptr(""), bad},
		{"100 chars", ptr(strings.Repeat("a", 100)), bad},
		{"newline", ptr("a\nb"), bad},
		{"carriage return", ptr("a\rb"), bad},
		{"tab", ptr("a\tb"), bad},
		{"non-ASCII", ptr("café"), bad},
		{"leading space", ptr(" a"), bad},
		{"DEL", ptr("a\x7f"), bad},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code := ""
			if tc.want != "" {
				code = "InvalidParameter"
			}
			wantAWSErr(t, validateSubject(tc.subject), code, tc.want)
		})
	}
}

func TestValidateMessageBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		msg  *string
		bad  bool
	}{
		{"nil", nil, true},
		{"empty", ptr(""), true},
		{"text", ptr("hi"), false},
		{"space", ptr(" "), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.bad {
				wantAWSErr(t, validateMessageBody(tc.msg), "InvalidParameter", "Invalid parameter: Empty message")
			} else {
				wantAWSErr(t, validateMessageBody(tc.msg), "", "")
			}
		})
	}
}

func TestPublishSize(t *testing.T) {
	t.Parallel()
	attrs := map[string]MessageAttributeValue{
		"ab":  {DataType: ptr("String"), StringValue: ptr("xyz")},
		"bin": {DataType: ptr("Binary"), BinaryValue: []byte{1, 2, 3, 4}},
	}
	// body 5 + ("ab" 2 + "String" 6 + "xyz" 3) + ("bin" 3 + "Binary" 6 + 4)
	if got, want := publishSize("héllo"[:5], attrs), 5+11+13; got != want {
		t.Fatalf("size %d, want %d", got, want)
	}
	if got := publishSize("é", nil); got != 2 {
		t.Fatalf("UTF-8 size %d, want 2", got)
	}
}

func TestValidateMessageAttributes(t *testing.T) {
	t.Parallel()
	str := func(dt, v string) MessageAttributeValue {
		return MessageAttributeValue{DataType: ptr(dt), StringValue: ptr(v)}
	}
	const pvi = "ParameterValueInvalid"
	for _, tc := range []struct {
		name     string
		attrs    map[string]MessageAttributeValue
		position int
		code     string
		msg      string
	}{
		{"none", nil, 0, "", ""},
		{"string", map[string]MessageAttributeValue{"a": str("String", "x")}, 0, "", ""},
		{"custom string", map[string]MessageAttributeValue{"a": str("String.json", "{}")}, 0, "", ""},
		{"number int", map[string]MessageAttributeValue{"a": str("Number", "-12")}, 0, "", ""},
		{"number float exp", map[string]MessageAttributeValue{"a": str("Number", "1.5e3")}, 0, "", ""},
		{"custom number", map[string]MessageAttributeValue{"a": str("Number.int", "7")}, 0, "", ""},
		{"binary", map[string]MessageAttributeValue{"a": {DataType: ptr("Binary"), BinaryValue: []byte{0}}}, 0, "", ""},
		{"string array", map[string]MessageAttributeValue{"a": str("String.Array", `["x", 1, true, null]`)}, 0, "", ""},
		{"dots and dashes", map[string]MessageAttributeValue{"a.b-c_d": str("String", "x")}, 0, "", ""},
		{"name 256", map[string]MessageAttributeValue{strings.Repeat("n", 256): str("String", "x")}, 0, "", ""},
		{"name 257", map[string]MessageAttributeValue{strings.Repeat("n", 257): str("String", "x")}, 0, pvi,
			"Length of message attribute name must be less than 256 bytes."},
		{"leading dot", map[string]MessageAttributeValue{".a": str("String", "x")}, 0, pvi,
			"Invalid message attribute name starting with character '.' was found."},
		{"trailing dot", map[string]MessageAttributeValue{"a.": str("String", "x")}, 0, pvi,
			"Invalid message attribute name ending with character '.' was found."},
		{"successive dots", map[string]MessageAttributeValue{"a..b": str("String", "x")}, 0, pvi,
			"Message attribute name can not have successive '.' character."},
		{"bad character", map[string]MessageAttributeValue{"a b": str("String", "x")}, 0, pvi,
			"Invalid non-alphanumeric character '#x20' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots."},
		{"non-ASCII character", map[string]MessageAttributeValue{"aé": str("String", "x")}, 0, pvi,
			"Invalid non-alphanumeric character '#xE9' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots."},
		{"reserved AWS.", map[string]MessageAttributeValue{"aws.x": str("String", "x")}, 0, pvi,
			"The message attribute name 'aws.x' is reserved: names must not start with AWS. or Amazon."},
		{"reserved Amazon.", map[string]MessageAttributeValue{"Amazon.x": str("String", "x")}, 0, pvi,
			"The message attribute name 'Amazon.x' is reserved: names must not start with AWS. or Amazon."},
		{"null data type", map[string]MessageAttributeValue{"a": {StringValue: ptr("x")}}, 0, "ValidationError",
			"1 validation error detected: Value null at 'messageAttributes.a.member.dataType' failed to satisfy constraint: Member must not be null"},
		{"null data type in batch", map[string]MessageAttributeValue{"a": {StringValue: ptr("x")}}, 2, "ValidationError",
			"1 validation error detected: Value null at 'publishBatchRequestEntries.2.member.messageAttributes.a.member.dataType' failed to satisfy constraint: Member must not be null"},
		{"bad type", map[string]MessageAttributeValue{"a": str("Integer", "1")}, 0, pvi,
			"The message attribute 'a' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String."},
		{"empty custom type", map[string]MessageAttributeValue{"a": str("String.", "1")}, 0, pvi,
			"The message attribute 'a' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String."},
		{"no value", map[string]MessageAttributeValue{"a": {DataType: ptr("String")}}, 0, pvi,
			"The message attribute 'a' must contain non-empty message attribute value for message attribute type 'String'."},
		{"string with binary field", map[string]MessageAttributeValue{"a": {DataType: ptr("String"), BinaryValue: []byte{1}}}, 0, pvi,
			"The message attribute 'a' with type 'String' must use field 'String'."},
		{"binary with string field", map[string]MessageAttributeValue{"a": {DataType: ptr("Binary"), StringValue: ptr("x")}}, 0, pvi,
			"The message attribute 'a' with type 'Binary' must use field 'Binary'."},
		{"empty string", map[string]MessageAttributeValue{"a": str("String", "")}, 0, pvi,
			"The message attribute 'a' must contain non-empty message attribute value for message attribute type 'String'."},
		{"not a number", map[string]MessageAttributeValue{"a": str("Number", "12a")}, 0, pvi,
			"Could not cast message attribute 'a' value to number."},
		{"NaN", map[string]MessageAttributeValue{"a": str("Number", "NaN")}, 0, pvi,
			"Could not cast message attribute 'a' value to number."},
		{"hex number", map[string]MessageAttributeValue{"a": str("Number", "0x10")}, 0, pvi,
			"Could not cast message attribute 'a' value to number."},
		{"array not JSON", map[string]MessageAttributeValue{"a": str("String.Array", "x,y")}, 0, pvi,
			"The message attribute 'a' with type 'String.Array' has an invalid value: it must be a JSON array of strings, numbers, booleans or nulls."},
		{"array of objects", map[string]MessageAttributeValue{"a": str("String.Array", `[{"x":1}]`)}, 0, pvi,
			"The message attribute 'a' with type 'String.Array' has an invalid value: it must be a JSON array of strings, numbers, booleans or nulls."},
		{"first name in order reported", map[string]MessageAttributeValue{"b": str("Nope", "1"), "a": str("Number", "x")}, 0, pvi,
			"Could not cast message attribute 'a' value to number."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wantAWSErr(t, validateMessageAttributes(tc.attrs, tc.position), tc.code, tc.msg)
		})
	}
}

func TestParseMessageStructure(t *testing.T) {
	t.Parallel()
	const inv = "InvalidParameter"
	for _, tc := range []struct {
		name           string
		message        string
		structure      *string
		requireDefault bool
		want           map[string]string
		msg            string
	}{
		{"no structure", "x", nil, true, nil, ""},
		{"default only", `{"default":"d"}`, ptr("json"), true, map[string]string{"default": "d"}, ""},
		{"per protocol", `{"default":"d","sqs":"q","lambda":"l"}`, ptr("json"), true, map[string]string{"default": "d", "sqs": "q", "lambda": "l"}, ""},
		{"non-string members ignored", `{"default":"d","sqs":{"a":1},"http":2}`, ptr("json"), true, map[string]string{"default": "d"}, ""},
		{"no default", `{"sqs":"q"}`, ptr("json"), true, nil, "Invalid parameter: Message Structure - No default entry in JSON message body"},
		{"default not a string", `{"default":{"a":1}}`, ptr("json"), true, nil, "Invalid parameter: Message Structure - No default entry in JSON message body"},
		{"no default for an endpoint", `{"GCM":"{}"}`, ptr("json"), false, map[string]string{"GCM": "{}"}, ""},
		{"not JSON", `hello`, ptr("json"), true, nil, "Invalid parameter: Message Structure - JSON message body failed to parse"},
		{"JSON array", `["default"]`, ptr("json"), true, nil, "Invalid parameter: Message Structure - JSON message body failed to parse"},
		{"JSON null", `null`, ptr("json"), true, nil, "Invalid parameter: Message Structure - JSON message body failed to parse"},
		{"other structure", `{}`, ptr("xml"), true, nil, "Invalid parameter: MessageStructure"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseMessageStructure(tc.message, tc.structure, tc.requireDefault)
			if tc.msg != "" {
				wantAWSErr(t, err, inv, tc.msg)
				return
			}
			wantAWSErr(t, err, "", "")
			if len(got) != len(tc.want) || (got == nil) != (tc.want == nil) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestValidateFIFOParams(t *testing.T) {
	t.Parallel()
	const inv = "InvalidParameter"
	long := strings.Repeat("g", 129)
	for _, tc := range []struct {
		name               string
		fifo, contentDedup bool
		group, dedup       *string
		msg                string
	}{
		{"standard plain", false, false, nil, nil, ""},
		{"standard with group", false, false, ptr("g"), nil, ""},
		{"standard with dedup", false, false, nil, ptr("d"),
			"Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type"},
		{"standard with bad group", false, false, ptr(long), nil,
			"Invalid parameter: MessageGroupId Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length."},
		{"fifo without group", true, true, nil, nil, "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"},
		{"fifo empty group", true, true, ptr(""), nil, "Invalid parameter: The MessageGroupId parameter is required for FIFO topics"},
		{"fifo no dedup", true, false, ptr("g"), nil,
			"Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"},
		{"fifo content dedup", true, true, ptr("g"), nil, ""},
		{"fifo explicit dedup", true, false, ptr("g"), ptr("d-1"), ""},
		{"fifo group 128", true, true, ptr(long[:128]), nil, ""},
		{"fifo group 129", true, true, ptr(long), nil,
			"Invalid parameter: MessageGroupId Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length."},
		{"fifo group with space", true, true, ptr("a b"), nil,
			"Invalid parameter: MessageGroupId Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length."},
		{"fifo dedup 129", true, false, ptr("g"), ptr(long),
			"Invalid parameter: MessageDeduplicationId Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code := ""
			if tc.msg != "" {
				code = inv
			}
			wantAWSErr(t, validateFIFOParams(tc.fifo, tc.contentDedup, tc.group, tc.dedup), code, tc.msg)
		})
	}
}

func TestValidPhoneAndBatchID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in           string
		phone, batch bool
	}{
		{"+15555550100", true, false},
		{"+1", true, false},
		{"+123456789012345", true, false},
		{"+1234567890123456", false, false},
		{"+0123", false, false},
		{"15555550100", false, true},
		{"+1-555", false, false},
		{"id_1-A", false, true},
		{strings.Repeat("i", 80), false, true},
		{strings.Repeat("i", 81), false, false},
		{"a.b", false, false},
		{"", false, false},
	} {
		if got := validPhoneNumber(tc.in); got != tc.phone {
			t.Errorf("validPhoneNumber(%q) = %v, want %v", tc.in, got, tc.phone)
		}
		if got := validBatchEntryID(tc.in); got != tc.batch {
			t.Errorf("validBatchEntryID(%q) = %v, want %v", tc.in, got, tc.batch)
		}
	}
}
