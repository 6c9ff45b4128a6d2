package kinesis

import (
	"strconv"

	"github.com/evolvestack/evolvestack/internal/jsonstr"
)

// AppendJSON appends o as the JSON protocol's encoder renders it, the
// same bytes (TestGetRecordsAppendJSON compares them), without going
// through the encoder's per-member plan: a GetRecords answer carries up
// to 10,000 records, and rendering them is most of its cost. It reports
// false, having appended nothing, for what it does not cover (arrival
// times outside 1970-04-26 to the year 5138), which the encoder renders.
func (o *GetRecordsOutput) AppendJSON(b []byte) ([]byte, bool) {
	start := len(b)
	b = append(b, '{')
	top := len(b)
	if o.Records != nil {
		b = append(b, `"Records":[`...)
		// The records of a batch share their arrival time: its text is
		// rendered once.
		var lastAt int64
		var atText []byte
		var atBuf [32]byte
		for i := range o.Records {
			r := &o.Records[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '{')
			n := len(b)
			if r.SequenceNumber != nil {
				b = append(b, `"SequenceNumber":`...)
				b = jsonstr.Append(b, *r.SequenceNumber)
			}
			if r.ApproximateArrivalTimestamp != nil {
				b = appendSep(b, n)
				b = append(b, `"ApproximateArrivalTimestamp":`...)
				ms := r.ApproximateArrivalTimestamp.UnixMilli()
				if atText == nil || ms != lastAt {
					var ok bool
					if atText, ok = jsonstr.AppendEpochMillis(atBuf[:0], ms); !ok {
						return b[:start], false
					}
					lastAt = ms
				}
				b = append(b, atText...)
			}
			if r.Data != nil {
				b = appendSep(b, n)
				b = append(b, `"Data":"`...)
				b = jsonstr.AppendBase64(b, r.Data)
				b = append(b, '"')
			}
			if r.PartitionKey != nil {
				b = appendSep(b, n)
				b = append(b, `"PartitionKey":`...)
				b = jsonstr.Append(b, *r.PartitionKey)
			}
			if r.EncryptionType != "" {
				b = appendSep(b, n)
				b = append(b, `"EncryptionType":`...)
				b = jsonstr.Append(b, string(r.EncryptionType))
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if o.NextShardIterator != nil {
		b = appendSep(b, top)
		b = append(b, `"NextShardIterator":`...)
		b = jsonstr.Append(b, *o.NextShardIterator)
	}
	if o.MillisBehindLatest != nil {
		b = appendSep(b, top)
		b = append(b, `"MillisBehindLatest":`...)
		b = strconv.AppendInt(b, *o.MillisBehindLatest, 10)
	}
	if o.ChildShards != nil {
		b = appendSep(b, top)
		b = append(b, `"ChildShards":[`...)
		for i := range o.ChildShards {
			if i > 0 {
				b = append(b, ',')
			}
			b = o.ChildShards[i].appendJSON(b)
		}
		b = append(b, ']')
	}
	return append(b, '}'), true
}

// appendJSON appends c as the JSON protocol's encoder renders it.
func (c *ChildShard) appendJSON(b []byte) []byte {
	b = append(b, '{')
	n := len(b)
	if c.ShardId != nil {
		b = append(b, `"ShardId":`...)
		b = jsonstr.Append(b, *c.ShardId)
	}
	if c.ParentShards != nil {
		b = appendSep(b, n)
		b = append(b, `"ParentShards":[`...)
		for i, p := range c.ParentShards {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonstr.Append(b, p)
		}
		b = append(b, ']')
	}
	if r := c.HashKeyRange; r != nil {
		b = appendSep(b, n)
		b = append(b, `"HashKeyRange":{`...)
		m := len(b)
		if r.StartingHashKey != nil {
			b = append(b, `"StartingHashKey":`...)
			b = jsonstr.Append(b, *r.StartingHashKey)
		}
		if r.EndingHashKey != nil {
			b = appendSep(b, m)
			b = append(b, `"EndingHashKey":`...)
			b = jsonstr.Append(b, *r.EndingHashKey)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendSep appends the comma before an object's member unless the
// member is the first, the object's content starting at start.
func appendSep(b []byte, start int) []byte {
	if len(b) > start {
		return append(b, ',')
	}
	return b
}
