package sqs_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/sqs"
	"github.com/evolvestack/evolvestack/handlers/protocol"
	"github.com/evolvestack/evolvestack/handlers/protocol/awsquery"
)

// plainSendMessageBatchOutput has SendMessageBatchOutput's members and
// none of its methods: the codec's writer renders it.
type plainSendMessageBatchOutput sqs.SendMessageBatchOutput

// queryAnswers renders out through the awsQuery codec, as it renders
// itself and as the codec's writer renders it.
func queryAnswers(t testing.TB, out *sqs.SendMessageBatchOutput) (self, writer []byte) {
	t.Helper()
	c, desc := awsquery.New(), sqs.Descriptor()
	op, ok := desc.Operation("SendMessageBatch")
	if !ok {
		t.Fatal("no SendMessageBatch")
	}
	render := func(out any) []byte {
		rec := httptest.NewRecorder()
		if err := c.WriteOutput(rec, &protocol.Request{RequestID: "req-1"}, desc, op, out); err != nil {
			t.Fatal(err)
		}
		return rec.Body.Bytes()
	}
	return render(out), render((*plainSendMessageBatchOutput)(out))
}

// randomBatchOutput builds an answer with every member present or absent
// and texts that need escaping, from rng.
func randomBatchOutput(rng *rand.Rand) *sqs.SendMessageBatchOutput {
	str := func() *string {
		if rng.IntN(5) == 0 {
			return nil
		}
		s := []string{"", "e-1", "a0048c40-2634-48ee-be0a-3720f2a08d68", "5d41402abc4b2a76b9719d911017c592",
			`<&"'>`, "cr\r\x01", "ü€😀", "bad\xff", "18000000000000000001"}[rng.IntN(9)]
		return &s
	}
	out := &sqs.SendMessageBatchOutput{}
	if rng.IntN(6) > 0 {
		out.Successful = []sqs.SendMessageBatchResultEntry{}
		for range rng.IntN(11) {
			out.Successful = append(out.Successful, sqs.SendMessageBatchResultEntry{Id: str(), MessageId: str(), MD5OfMessageBody: str(),
				MD5OfMessageAttributes: str(), MD5OfMessageSystemAttributes: str(), SequenceNumber: str()})
		}
	}
	if rng.IntN(3) == 0 {
		for range rng.IntN(4) {
			e := sqs.BatchResultErrorEntry{Id: str(), Code: str(), Message: str()}
			if rng.IntN(4) > 0 {
				f := rng.IntN(2) == 0
				e.SenderFault = &f
			}
			out.Failed = append(out.Failed, e)
		}
	}
	return out
}

// TestSendMessageBatchAppendQueryResult checks that SendMessageBatch
// answers render themselves exactly as the awsQuery writer renders them.
func TestSendMessageBatchAppendQueryResult(t *testing.T) {
	t.Parallel()
	id, mid, md5 := "0", "a0048c40-2634-48ee-be0a-3720f2a08d68", "5d41402abc4b2a76b9719d911017c592"
	fault, code := true, "InvalidParameterValue"
	tests := []struct {
		name string
		out  *sqs.SendMessageBatchOutput
		want string // the result element, when given
	}{
		{"empty", &sqs.SendMessageBatchOutput{}, "<SendMessageBatchResult/>"},
		{"one sent", &sqs.SendMessageBatchOutput{Successful: []sqs.SendMessageBatchResultEntry{{Id: &id, MessageId: &mid, MD5OfMessageBody: &md5}}},
			"<SendMessageBatchResult><SendMessageBatchResultEntry><Id>0</Id><MessageId>" + mid + "</MessageId><MD5OfMessageBody>" + md5 +
				"</MD5OfMessageBody></SendMessageBatchResultEntry></SendMessageBatchResult>"},
		{"one failed", &sqs.SendMessageBatchOutput{Failed: []sqs.BatchResultErrorEntry{{Id: &id, SenderFault: &fault, Code: &code}}},
			"<SendMessageBatchResult><BatchResultErrorEntry><Id>0</Id><SenderFault>true</SenderFault><Code>InvalidParameterValue</Code></BatchResultErrorEntry></SendMessageBatchResult>"},
		{"an entry with nothing", &sqs.SendMessageBatchOutput{Successful: []sqs.SendMessageBatchResultEntry{{}}},
			"<SendMessageBatchResult><SendMessageBatchResultEntry/></SendMessageBatchResult>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			self, writer := queryAnswers(t, tt.out)
			if !bytes.Equal(self, writer) {
				t.Fatalf("rendered itself:\n%s\nwriter:\n%s", self, writer)
			}
			if !bytes.Contains(self, []byte("</RequestId></ResponseMetadata></SendMessageBatchResponse>")) || !bytes.Contains(self, []byte(tt.want)) {
				t.Fatalf("answer %s, want it to hold %s", self, tt.want)
			}
		})
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 2000 {
		out := randomBatchOutput(rng)
		self, writer := queryAnswers(t, out)
		if !bytes.Equal(self, writer) {
			t.Fatalf("output %d (%s): rendered itself:\n%s\nwriter:\n%s", i, fmt.Sprint(out), self, writer)
		}
		if own := out.AppendQueryResult(nil, "SendMessageBatchResult"); !bytes.Contains(writer, own) {
			t.Fatalf("output %d: AppendQueryResult %s is not in the writer's answer %s", i, own, writer)
		}
	}
}

// FuzzSendMessageBatchAppendQueryResult compares the answer's own
// rendering with the writer's over answers built from the fuzzer's seed.
func FuzzSendMessageBatchAppendQueryResult(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Fuzz(func(t *testing.T, a, b uint64) {
		out := randomBatchOutput(rand.New(rand.NewPCG(a, b)))
		if self, writer := queryAnswers(t, out); !bytes.Equal(self, writer) {
			t.Fatalf("rendered itself:\n%s\nwriter:\n%s", self, writer)
		}
	})
}
