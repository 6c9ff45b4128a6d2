package awscbor

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
)

// Hand-written shapes following the generated-shape tag convention, for
// the member kinds Kinesis does not use.

type streamModeDetails struct {
	StreamMode string `locationName:"StreamMode" required:"true"`
}

type encryptionType string

// allTypes exercises every member kind.
type allTypes struct {
	Str     *string                      `locationName:"str"`
	Enum    encryptionType               `locationName:"enum"`
	Bool    *bool                        `locationName:"bool"`
	I32     *int32                       `locationName:"i32"`
	I64     *int64                       `locationName:"i64"`
	F32     *float32                     `locationName:"f32"`
	F64     *float64                     `locationName:"f64"`
	TS      *time.Time                   `locationName:"ts" type:"timestamp"`
	ISO     *time.Time                   `locationName:"iso" type:"timestamp" timestampFormat:"iso8601"`
	Blob    []byte                       `locationName:"blob" type:"blob"`
	List    []string                     `locationName:"list"`
	Nested  []*allTypes                  `locationName:"nested"`
	Map     map[string]string            `locationName:"map"`
	MapList map[string][]int64           `locationName:"mapList"`
	Struct  *streamModeDetails           `locationName:"struct"`
	Doc     any                          `locationName:"doc" type:"document"`
	Structs map[string]streamModeDetails `locationName:"structs"`
	Header  *string                      `location:"header" locationName:"X-Hdr"`
}

func ptr[T any](v T) *T { return &v }

// unhex decodes a golden vector written as hex with spaces and newlines
// between items.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad golden hex: %v", err)
	}
	return b
}

func kinesisDesc() *awsapi.ServiceDescriptor { return kinesis.Descriptor() }

func sqsDesc() *awsapi.ServiceDescriptor {
	return &awsapi.ServiceDescriptor{
		Name: "sqs", Protocol: awsapi.ProtocolJSON, JSONVersion: "1.0",
		TargetPrefix: "AmazonSQS", EndpointPrefix: "sqs", QueryCompatible: true,
		Errors: []awsapi.ErrorShape{
			{Name: "QueueDoesNotExist", Code: "AWS.SimpleQueueService.NonExistentQueue", HTTPStatus: 400, SenderFault: true, MessageMember: "message"},
		},
	}
}

func op(t testing.TB, name string) *awsapi.Operation {
	t.Helper()
	o, ok := kinesisDesc().Operation(name)
	if !ok {
		t.Fatalf("kinesis has no operation %s", name)
	}
	return o
}
