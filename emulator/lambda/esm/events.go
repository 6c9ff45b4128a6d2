package esm

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/evolvestack/evolvestack/emulator/sqs"
)

// kinesisRecord is one record read from a shard.
type kinesisRecord struct {
	seq       string
	key       string
	data      []byte
	arrival   time.Time
	encrypted bool
	read      time.Time // when the poller read it (virtual)
}

// size estimates the record's share of an event payload.
func (r *kinesisRecord) size() int {
	return base64.StdEncoding.EncodedLen(len(r.data)) + len(r.key) + 2*len(r.seq) + 512
}

// kinesisEventRecord is one element of a Kinesis event's Records, with
// the members in the order Lambda writes them.
type kinesisEventRecord struct {
	Kinesis           kinesisPayload `json:"kinesis"`
	EventSource       string         `json:"eventSource"`
	EventVersion      string         `json:"eventVersion"`
	EventID           string         `json:"eventID"`
	EventName         string         `json:"eventName"`
	InvokeIdentityArn string         `json:"invokeIdentityArn"`
	AwsRegion         string         `json:"awsRegion"`
	EventSourceARN    string         `json:"eventSourceARN"`
}

type kinesisPayload struct {
	KinesisSchemaVersion        string          `json:"kinesisSchemaVersion"`
	PartitionKey                string          `json:"partitionKey"`
	SequenceNumber              string          `json:"sequenceNumber"`
	Data                        []byte          `json:"data"`
	ApproximateArrivalTimestamp json.RawMessage `json:"approximateArrivalTimestamp"`
	EncryptionType              string          `json:"encryptionType,omitempty"`
}

// windowInfo is the tumbling window an invocation belongs to.
type windowInfo struct {
	start, end time.Time
	state      json.RawMessage
	final      bool
}

type windowJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// kinesisEvent is the payload of one invocation for a Kinesis batch.
type kinesisEvent struct {
	Records []kinesisEventRecord `json:"Records"`
	// Tumbling window members, present when the mapping has a window.
	Window                  *windowJSON     `json:"window,omitempty"`
	State                   json.RawMessage `json:"state,omitempty"`
	ShardID                 string          `json:"shardId,omitempty"`
	EventSourceARN          string          `json:"eventSourceARN,omitempty"`
	IsFinalInvokeForWindow  *bool           `json:"isFinalInvokeForWindow,omitempty"`
	IsWindowTerminatedEarly *bool           `json:"isWindowTerminatedEarly,omitempty"`
}

// kinesisMeta is what every record of a mapping's events shares.
type kinesisMeta struct {
	shardID   string
	sourceARN string
	region    string
	role      string
}

// buildKinesisEvent renders a batch as Lambda's Kinesis event.
func buildKinesisEvent(meta kinesisMeta, recs []*kinesisRecord, win *windowInfo) ([]byte, error) {
	ev := kinesisEvent{Records: make([]kinesisEventRecord, len(recs))}
	for i, r := range recs {
		p := kinesisPayload{
			KinesisSchemaVersion:        "1.0",
			PartitionKey:                r.key,
			SequenceNumber:              r.seq,
			Data:                        r.data,
			ApproximateArrivalTimestamp: json.RawMessage(epochSeconds(r.arrival)),
		}
		if p.Data == nil {
			p.Data = []byte{}
		}
		if r.encrypted {
			p.EncryptionType = "KMS"
		}
		ev.Records[i] = kinesisEventRecord{
			Kinesis:           p,
			EventSource:       "aws:kinesis",
			EventVersion:      "1.0",
			EventID:           meta.shardID + ":" + r.seq,
			EventName:         "aws:kinesis:record",
			InvokeIdentityArn: meta.role,
			AwsRegion:         meta.region,
			EventSourceARN:    meta.sourceARN,
		}
	}
	if win != nil {
		f := false
		final := win.final
		ev.Window = &windowJSON{Start: win.start.UTC().Format(time.RFC3339), End: win.end.UTC().Format(time.RFC3339)}
		ev.State = win.state
		if len(ev.State) == 0 {
			ev.State = json.RawMessage("{}")
		}
		ev.ShardID = meta.shardID
		ev.EventSourceARN = meta.sourceARN
		ev.IsFinalInvokeForWindow = &final
		ev.IsWindowTerminatedEarly = &f
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// sqsEventRecord is one element of an SQS event's Records, with the
// members in the order Lambda writes them.
type sqsEventRecord struct {
	MessageID              string                       `json:"messageId"`
	ReceiptHandle          string                       `json:"receiptHandle"`
	Body                   string                       `json:"body"`
	Attributes             map[string]string            `json:"attributes"`
	MessageAttributes      map[string]sqsEventAttribute `json:"messageAttributes"`
	MD5OfMessageAttributes string                       `json:"md5OfMessageAttributes,omitempty"`
	MD5OfBody              string                       `json:"md5OfBody"`
	EventSource            string                       `json:"eventSource"`
	EventSourceARN         string                       `json:"eventSourceARN"`
	AwsRegion              string                       `json:"awsRegion"`
}

type sqsEventAttribute struct {
	StringValue      *string  `json:"stringValue,omitempty"`
	BinaryValue      []byte   `json:"binaryValue,omitempty"`
	StringListValues []string `json:"stringListValues"`
	BinaryListValues [][]byte `json:"binaryListValues"`
	DataType         string   `json:"dataType"`
}

type sqsEvent struct {
	Records []sqsEventRecord `json:"Records"`
}

// sqsRecord renders a received message as an SQS event record.
func sqsRecord(m *sqs.Message, queueARN, region string) sqsEventRecord {
	r := sqsEventRecord{
		MessageID:              str(m.MessageId),
		ReceiptHandle:          str(m.ReceiptHandle),
		Body:                   str(m.Body),
		Attributes:             map[string]string{},
		MessageAttributes:      map[string]sqsEventAttribute{},
		MD5OfMessageAttributes: str(m.MD5OfMessageAttributes),
		MD5OfBody:              str(m.MD5OfBody),
		EventSource:            "aws:sqs",
		EventSourceARN:         queueARN,
		AwsRegion:              region,
	}
	for k, v := range m.Attributes {
		r.Attributes[k] = v
	}
	for k, v := range m.MessageAttributes {
		a := sqsEventAttribute{
			StringValue:      v.StringValue,
			BinaryValue:      v.BinaryValue,
			StringListValues: v.StringListValues,
			BinaryListValues: v.BinaryListValues,
			DataType:         str(v.DataType),
		}
		if a.StringListValues == nil {
			a.StringListValues = []string{}
		}
		if a.BinaryListValues == nil {
			a.BinaryListValues = [][]byte{}
		}
		r.MessageAttributes[k] = a
	}
	return r
}

// sqsRecordSize estimates a message's share of an event payload.
func sqsRecordSize(m *sqs.Message) int {
	n := len(str(m.Body)) + len(str(m.ReceiptHandle)) + 512
	for k, v := range m.MessageAttributes {
		n += len(k) + len(str(v.StringValue)) + base64.StdEncoding.EncodedLen(len(v.BinaryValue)) + 64
	}
	return n
}
