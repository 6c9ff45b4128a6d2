package awsjson

import (
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Hand-written shapes following the generated-shape tag convention.

type putRecordsRequestEntry struct {
	Data            []byte  `locationName:"Data" type:"blob" required:"true"`
	ExplicitHashKey *string `locationName:"ExplicitHashKey"`
	PartitionKey    *string `locationName:"PartitionKey" required:"true"`
}

type putRecordsInput struct {
	Records    []putRecordsRequestEntry `locationName:"Records" required:"true"`
	StreamARN  *string                  `locationName:"StreamARN"`
	StreamName *string                  `locationName:"StreamName"`
}

type putRecordsResultEntry struct {
	ErrorCode      *string `locationName:"ErrorCode"`
	ErrorMessage   *string `locationName:"ErrorMessage"`
	SequenceNumber *string `locationName:"SequenceNumber"`
	ShardId        *string `locationName:"ShardId"`
}

type encryptionType string

type putRecordsOutput struct {
	EncryptionType    encryptionType          `locationName:"EncryptionType"`
	FailedRecordCount *int32                  `locationName:"FailedRecordCount"`
	Records           []putRecordsResultEntry `locationName:"Records" required:"true"`
}

type streamModeDetails struct {
	StreamMode string `locationName:"StreamMode" required:"true"`
}

type streamSummary struct {
	StreamARN               *string            `locationName:"StreamARN" required:"true"`
	StreamCreationTimestamp *time.Time         `locationName:"StreamCreationTimestamp" type:"timestamp"`
	StreamModeDetails       *streamModeDetails `locationName:"StreamModeDetails"`
	StreamName              *string            `locationName:"StreamName" required:"true"`
	StreamStatus            string             `locationName:"StreamStatus" required:"true"`
}

type listStreamsInput struct {
	ExclusiveStartStreamName *string `locationName:"ExclusiveStartStreamName"`
	Limit                    *int32  `locationName:"Limit"`
	NextToken                *string `locationName:"NextToken"`
}

type listStreamsOutput struct {
	HasMoreStreams  *bool           `locationName:"HasMoreStreams" required:"true"`
	NextToken       *string         `locationName:"NextToken"`
	StreamNames     []string        `locationName:"StreamNames" required:"true"`
	StreamSummaries []streamSummary `locationName:"StreamSummaries"`
}

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
}

type listQueuesInput struct {
	MaxResults      *int32  `locationName:"MaxResults"`
	NextToken       *string `locationName:"NextToken"`
	QueueNamePrefix *string `locationName:"QueueNamePrefix"`
}

type listQueuesOutput struct {
	NextToken *string  `locationName:"NextToken"`
	QueueUrls []string `locationName:"QueueUrls" locationNameList:"QueueUrl" flattened:"true"`
}

func kinesisDesc() *awsapi.ServiceDescriptor {
	return &awsapi.ServiceDescriptor{
		Name: "kinesis", Protocol: awsapi.ProtocolJSON, JSONVersion: "1.1",
		TargetPrefix: "Kinesis_20131202", EndpointPrefix: "kinesis",
		Operations: []awsapi.Operation{
			{Name: "ListStreams", InputShape: "ListStreamsInput", OutputShape: "ListStreamsOutput"},
			{Name: "PutRecords", InputShape: "PutRecordsInput", OutputShape: "PutRecordsOutput"},
			{Name: "CreateStream", InputShape: "CreateStreamInput"},
		},
		Errors: []awsapi.ErrorShape{
			{Name: "ResourceNotFoundException", MessageMember: "message"},
			{Name: "LimitExceededException", MessageMember: "message"},
		},
	}
}

func sqsDesc() *awsapi.ServiceDescriptor {
	return &awsapi.ServiceDescriptor{
		Name: "sqs", Protocol: awsapi.ProtocolJSON, JSONVersion: "1.0",
		TargetPrefix: "AmazonSQS", EndpointPrefix: "sqs", QueryCompatible: true,
		Operations: []awsapi.Operation{
			{Name: "ListQueues", InputShape: "ListQueuesRequest", OutputShape: "ListQueuesResult"},
			{Name: "GetQueueUrl", InputShape: "GetQueueUrlRequest", OutputShape: "GetQueueUrlResult"},
		},
		Errors: []awsapi.ErrorShape{
			{Name: "QueueDoesNotExist", Code: "AWS.SimpleQueueService.NonExistentQueue", HTTPStatus: 400, SenderFault: true, MessageMember: "message"},
		},
	}
}

func glueDesc() *awsapi.ServiceDescriptor {
	return &awsapi.ServiceDescriptor{
		Name: "glue", Protocol: awsapi.ProtocolJSON, JSONVersion: "1.1",
		TargetPrefix: "AWSGlue", EndpointPrefix: "glue",
		Errors: []awsapi.ErrorShape{{Name: "EntityNotFoundException", MessageMember: "Message"}},
	}
}
