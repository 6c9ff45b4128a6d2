package kinesis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unsafe"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// putResult is where one record went: its shard and counter, or, with a
// zero counter (counters start at 1), the shard whose throughput limit
// refused it (or, for a record an injected fault failed, the shard it was
// meant for).
type putResult struct {
	sh      *shard
	counter uint64
}

// errThroughput is the message of a write or read over a shard's limit.
func (s *Service) throughputMessage(sh *shard, st *stream) string {
	return fmt.Sprintf("Rate exceeded for shard %s in stream %s under account %s.", sh.id, st.name, s.account())
}

// recordSizeErrors is the ValidationException for records whose data and
// partition key together exceed the stream's maximum record size, worded as
// the data member's length constraint (records.N.member.data for
// PutRecords, data for PutRecord), nil when every record fits.
func recordSizeErrors(recs []PutRecordsRequestEntry, maxBytes int, batch bool) error {
	var v awsapi.ValidationErrors
	for i := range recs {
		if len(recs[i].Data)+len(*recs[i].PartitionKey) <= maxBytes {
			continue
		}
		path := "data"
		if batch {
			path = "records." + strconv.Itoa(i+1) + ".member.data"
		}
		v.Add(path, awsapi.Sensitive{}, awsapi.MaxLengthConstraint(int64(maxBytes)))
	}
	if v.Len() == 0 {
		return nil
	}
	return v.AWSError(awsapi.ValidationExceptionCode)
}

// put stores records in st, all-or-nothing on stream errors and per
// record on throughput limits, and returns their arrival time (Unix ms).
// batch tells PutRecords from PutRecord; ordering is PutRecord's
// SequenceNumberForOrdering, if any; refused (nil, or one entry per record)
// names the records the schema guard refused, which are skipped and keep
// a zero result. For PutRecords, once the request has passed validation,
// the records that injected faults fail (env.EntryFaults) are skipped as
// well and returned by index. The encryption type is KMS for an
// encrypted stream and empty otherwise: Kinesis leaves EncryptionType out
// of an unencrypted stream's responses (kinesalite's PutRecord and
// PutRecords tests, recorded against AWS).
func (s *Service) put(ctx context.Context, st *stream, recs []PutRecordsRequestEntry, results []putResult, batch bool, ordering *string, refused []string) (EncryptionType, int64, map[int]awsapi.EntryFault, error) {
	// Hashing needs no stream lock.
	hashes := make([]hashKey, len(recs))
	for i := range recs {
		if r := &recs[i]; r.ExplicitHashKey != nil {
			h, ok := parseHashKey(*r.ExplicitHashKey)
			if !ok {
				return "", 0, nil, invalidArg("Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was %s", *r.ExplicitHashKey)
			}
			hashes[i] = h
		}
	}
	st.keyHashes.partitionHashes(recs, hashes)
	now := s.now()
	ms := now.UnixMilli()
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.readable() {
		return "", 0, nil, s.errStreamNotFound(st.name)
	}
	var order decodedSeq
	if ordering != nil {
		d, err := s.orderingSeq(st, *ordering, now)
		if err != nil {
			return "", 0, nil, err
		}
		order = d
	}
	if err := recordSizeErrors(recs, int(st.maxRecKiB)*1024, batch); err != nil {
		return "", 0, nil, err
	}
	if ordering != nil {
		st.honourOrdering(order)
	}
	var faulted map[int]awsapi.EntryFault
	if batch && s.env.Faults != nil && s.env.Faults.Active() {
		faulted = s.env.EntryFaults(ctx, "kinesis", "PutRecords", len(recs), st.name, st.arn)
	}
	throttle := s.throttled(st)
	kms := st.encType == EncryptionTypeKms
	var flags uint16
	if kms {
		flags = flagKMS
	}
	st.putGen++
	var touched []*shard
	for i := range recs {
		if refused != nil && refused[i] != "" {
			continue
		}
		sh := st.shardFor(hashes[i])
		if sh == nil {
			return "", 0, nil, fmt.Errorf("kinesis: no open shard owns hash key %s in stream %s", hashes[i], st.name)
		}
		if faulted != nil {
			if _, ok := faulted[i]; ok {
				results[i] = putResult{sh: sh}
				continue
			}
		}
		r := &recs[i]
		key := *r.PartitionKey
		if throttle && !sh.write.take(now, len(r.Data)+len(key)) {
			results[i] = putResult{sh: sh}
			continue
		}
		sh.counter++
		if sh.putGen != st.putGen {
			sh.putGen = st.putGen
			sh.batchPos, sh.batchBytes = sh.log.end(), sh.log.bytes
			touched = append(touched, sh)
			sh.log.add(sh.counter, ms, key, r.Data, flags|flagBatch)
		} else {
			sh.log.add(sh.counter, ms, key, r.Data, flags)
		}
		results[i] = putResult{sh: sh, counter: sh.counter}
	}
	if s.journal != nil && len(touched) > 0 {
		st.journalBatches(touched)
	}
	for _, sh := range touched {
		st.trim(sh, now)
		sh.wake()
	}
	if kms {
		return EncryptionTypeKms, ms, faulted, nil
	}
	return "", ms, faulted, nil
}

// PutRecord writes one record.
func (s *Service) PutRecord(ctx context.Context, in *PutRecordInput) (*PutRecordOutput, error) {
	st, err := s.resolve(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	if c := s.guard(st); c != nil {
		if msg := c.Check(ctx, in.Data); msg != "" {
			return nil, invalidArg("%s", msg)
		}
	}
	recs := []PutRecordsRequestEntry{{Data: in.Data, PartitionKey: in.PartitionKey, ExplicitHashKey: in.ExplicitHashKey}}
	var res [1]putResult
	enc, ms, _, err := s.put(ctx, st, recs, res[:], false, in.SequenceNumberForOrdering, nil)
	if err != nil {
		return nil, err
	}
	if res[0].counter == 0 {
		return nil, awsapi.Errorf(ErrCodeProvisionedThroughputExceededException, "%s", s.throughputMessage(res[0].sh, st))
	}
	seq := res[0].sh.seqFor(res[0].counter, ms).String()
	return &PutRecordOutput{ShardId: new(res[0].sh.id), SequenceNumber: new(seq), EncryptionType: enc}, nil
}

// guard returns the schema guard's checker for st, nil when st is not
// guarded.
func (s *Service) guard(st *stream) awsapi.PayloadChecker {
	if s.env.Guard == nil {
		return nil
	}
	st.mu.Lock()
	schemaTag, modeTag := st.tags[awsapi.GuardSchemaTag], st.tags[awsapi.GuardModeTag]
	st.mu.Unlock()
	return s.env.GuardFor(st.arn, schemaTag, modeTag)
}

// orderingSeq decodes a SequenceNumberForOrdering as Kinesis does: any
// valid layout is accepted unless its record time is in the future,
// whichever shard or stream it came from (kinesalite's PutRecord tests,
// recorded against AWS). st.mu is held.
func (s *Service) orderingSeq(st *stream, seq string, now time.Time) (decodedSeq, error) {
	d, ok := decodeSeq(seq)
	if !ok || int64(d.seqTime) > now.UnixMilli()/1000 {
		return decodedSeq{}, invalidArg("ExclusiveMinimumSequenceNumber %s used in PutRecord on stream %s under account %s is invalid.", seq, st.name, s.account())
	}
	return d, nil
}

// honourOrdering makes the next record of the shard that issued d come
// after it. st.mu is held.
func (st *stream) honourOrdering(d decodedSeq) {
	if d.version != 2 || d.shardIndex < 0 {
		return
	}
	if sh := st.shardByIndex(int(d.shardIndex)); sh != nil && sh.created == d.shardCreate && !sh.closed && d.counter > sh.counter && d.counter < maxCounter {
		sh.counter = d.counter
		st.saveShard(sh)
	}
}

// PutRecords writes up to 500 records, reporting failures per record.
func (s *Service) PutRecords(ctx context.Context, in *PutRecordsInput) (*PutRecordsOutput, error) {
	total := 0
	for i := range in.Records {
		r := &in.Records[i]
		total += len(r.Data) + len(*r.PartitionKey)
	}
	if total > maxPutRecordsBytes {
		return nil, invalidArg("Records size exceeds 5 MB limit")
	}
	st, err := s.resolve(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	var refused []string
	if c := s.guard(st); c != nil {
		for i := range in.Records {
			if msg := c.Check(ctx, in.Records[i].Data); msg != "" {
				if refused == nil {
					refused = make([]string, len(in.Records))
				}
				refused[i] = msg
			}
		}
	}
	results := make([]putResult, len(in.Records))
	enc, ms, faulted, err := s.put(ctx, st, in.Records, results, true, nil, refused)
	if err != nil {
		return nil, err
	}
	out := &PutRecordsOutput{Records: make([]PutRecordsResultEntry, len(results)), EncryptionType: enc}
	// The sequence numbers share one buffer; a string taken from it stays
	// valid, as bytes once written are never written again (a reallocation
	// leaves them to the strings that use them).
	buf := make([]byte, 0, len(results)*maxSeqDigits)
	strs := make([]string, len(results))
	// A shard's records of one call have consecutive counters: each
	// shard's numbers follow on from its previous one.
	var writers [8]seqWriter
	failed := int32(0)
	for i := range results {
		r := &results[i]
		e := &out.Records[i]
		if refused != nil && refused[i] != "" {
			// Not one of the codes Kinesis documents for a record (it
			// has no schema guard): the code of a refused argument.
			failed++
			e.ErrorCode = new(ErrCodeInvalidArgumentException)
			e.ErrorMessage = new(refused[i])
			continue
		}
		if faulted != nil {
			if ef, ok := faulted[i]; ok {
				failed++
				e.ErrorCode = new(ef.Code)
				if ef.Message == "" {
					ef.Message = s.throughputMessage(r.sh, st)
				}
				e.ErrorMessage = new(ef.Message)
				continue
			}
		}
		if r.counter == 0 {
			failed++
			e.ErrorCode = new(ErrCodeProvisionedThroughputExceededException)
			e.ErrorMessage = new(s.throughputMessage(r.sh, st))
			continue
		}
		start := len(buf)
		w := &writers[r.sh.index%len(writers)]
		if w.sh != r.sh {
			*w = seqWriter{sh: r.sh}
		}
		buf = w.append(buf, r.counter, ms)
		strs[i] = bytesString(buf[start:])
		e.SequenceNumber = &strs[i]
		e.ShardId = &r.sh.id
	}
	out.FailedRecordCount = &failed
	return out, nil
}

// bytesString returns b as a string without copying; b must not change
// afterwards.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// amzTime renders t as Java's Date.toString does in Kinesis messages.
func amzTime(t time.Time) string { return t.UTC().Format("Mon Jan 02 15:04:05 MST 2006") }

// shardMissing is the error for a shard a stream does not have (any
// more).
func (s *Service) shardMissing(id, stream string) *awsapi.Error {
	return awsapi.Errorf(ErrCodeResourceNotFoundException, "Shard %s in stream %s under account %s does not exist", id, stream, s.account())
}

// startPosition computes where an iterator of the given type starts in
// sh. st.mu is held.
func (s *Service) startPosition(st *stream, sh *shard, typ ShardIteratorType, seq *string, ts *time.Time, op string, now time.Time) (uint64, error) {
	hasSeq := seq != nil && *seq != ""
	switch typ {
	case ShardIteratorTypeTrimHorizon, ShardIteratorTypeLatest:
		if hasSeq {
			return 0, invalidArg("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and also a StartingSequenceNumber.", typ)
		}
		if typ == ShardIteratorTypeTrimHorizon {
			return sh.log.base, nil
		}
		return sh.log.end(), nil
	case ShardIteratorTypeAtSequenceNumber, ShardIteratorTypeAfterSequenceNumber:
		if !hasSeq {
			return 0, invalidArg("Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified %s and no StartingSequenceNumber.", typ)
		}
		// Checked as Kinesis checks it (kinesalite's GetShardIterator
		// tests, recorded against AWS): the layout, then the shard it
		// encodes, then the shard's creation; a valid number of an older
		// layout never comes from a shard of today's. (For "0" those
		// recordings show a bare InternalFailure; like any version-0
		// number of the right shard, it is refused as not from this
		// stream instead.)
		sn, ok := decodeSeq(*seq)
		if !ok {
			return 0, invalidArg("StartingSequenceNumber %s used in %s on shard %s in stream %s under account %s is invalid.", *seq, op, sh.id, st.name, s.account())
		}
		if int(sn.shardIndex) != sh.index {
			return 0, invalidArg("Invalid StartingSequenceNumber. It encodes %s, while it was used in a call to a shard with %s", shardIDFor(int(sn.shardIndex)), sh.id)
		}
		if sn.version != 2 || sn.shardCreate != sh.created {
			return 0, invalidArg("StartingSequenceNumber %s used in %s on shard %s in stream %s under account %s is invalid because it did not come from this stream.", sn.text, op, sh.id, st.name, s.account())
		}
		c := sn.counter
		if typ == ShardIteratorTypeAfterSequenceNumber {
			if c == maxCounter {
				return sh.log.end(), nil
			}
			c++
		}
		return sh.log.search(c), nil
	case ShardIteratorTypeAtTimestamp:
		if ts == nil {
			return 0, invalidArg("Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.")
		}
		if ts.After(now) {
			return 0, invalidArg("The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: %d, currentTimestampInMillis: %d", ts.UnixMilli(), now.UnixMilli())
		}
		return sh.log.searchTime(ts.UnixMilli()), nil
	}
	return 0, invalidArg("Invalid ShardIteratorType %s.", typ)
}

// GetShardIterator returns an iterator into a shard, valid for five
// minutes. As on Kinesis, the shard id is resolved before the stream is
// looked up, and a missing stream is worded as a missing shard.
func (s *Service) GetShardIterator(ctx context.Context, in *GetShardIteratorInput) (*GetShardIteratorOutput, error) {
	name, err := s.streamNameOf(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	idx, id, ok := resolveShardID(*in.ShardId)
	if !ok {
		return nil, s.errShardNotFound(*in.ShardId, name)
	}
	st, err := s.lookup(name)
	if err != nil {
		// lookup fails only for a stream that does not exist.
		return nil, s.shardMissing(id, name)
	}
	now := s.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.expireClosedShards(now)
	sh := st.shardByIndex(idx)
	if sh == nil || !st.visible() || st.status == StreamStatusDeleting {
		return nil, s.shardMissing(id, st.name)
	}
	st.trim(sh, now)
	pos, err := s.startPosition(st, sh, in.ShardIteratorType, in.StartingSequenceNumber, in.Timestamp, "GetShardIterator", now)
	if err != nil {
		return nil, err
	}
	it := s.sealIterator(iterator{issued: now.UnixMilli(), shard: uint32(sh.index), pos: pos, created: st.created.UnixNano(), stream: st.name})
	return &GetShardIteratorOutput{ShardIterator: new(it)}, nil
}

// readBatch is what GetRecords and SubscribeToShard read under the lock.
type readBatch struct {
	view     view
	next     uint64
	behindMs int64
	atEnd    bool // the shard is closed and fully read
	children []ChildShard
}

// read takes up to limit records (at most maxGetRecordsBytes) from pos.
// st.mu is held.
func (st *stream) read(sh *shard, pos uint64, limit int, now time.Time) readBatch {
	st.trim(sh, now)
	if pos < sh.log.base {
		pos = sh.log.base
	}
	end := sh.log.end()
	n := 0
	size := 0
	for p := pos; p < end && n < limit; p++ {
		e := sh.log.at(p)
		sz := int(e.keyLen) + int(e.dataLen)
		if n > 0 && size+sz > maxGetRecordsBytes {
			break
		}
		size += sz
		n++
	}
	b := readBatch{view: sh.log.slice(pos, pos+uint64(n)), next: pos + uint64(n)}
	if b.next < end {
		b.behindMs = max(0, now.UnixMilli()-sh.log.at(b.next).arrival)
	}
	if sh.closed && b.next >= end {
		b.atEnd = true
		b.children = st.childShards(sh)
	}
	return b
}

// recordBuffers are the arrays a batch's records are rendered into, kept
// for reuse between GetRecords calls (see Service.ReleaseOutput).
type recordBuffers struct {
	recs []Record
	strs []string
	buf  []byte
}

// records renders a batch's records, into rb's arrays when rb is not nil
// (growing them as needed). It runs without the stream lock.
func (sh *shard) records(v *view, rb *recordBuffers) []Record {
	n := v.len()
	if n == 0 {
		return []Record{}
	}
	if rb == nil {
		rb = &recordBuffers{}
	}
	if cap(rb.recs) < n {
		rb.recs = make([]Record, n)
		rb.strs = make([]string, 2*n)
		rb.buf = make([]byte, 0, n*maxSeqDigits)
	}
	recs := rb.recs[:n]
	// Records that arrived in the same millisecond (a batch's) share their
	// arrival time, as records share their shard's id.
	var times []time.Time
	var at *time.Time
	strs := rb.strs[:2*n]
	// As in PutRecords, strings taken from buf stay valid: it has room for
	// every sequence number and never grows.
	buf := rb.buf[:0]
	w := seqWriter{sh: sh}
	i := 0
	for _, seg := range v.segs {
		for j := range seg {
			e := &seg[j]
			k, d := v.keyData(e)
			start := len(buf)
			buf = w.append(buf, e.counter, e.arrival)
			strs[2*i] = bytesString(buf[start:])
			strs[2*i+1] = bytesString(k)
			if at == nil || e.arrival != at.UnixMilli() {
				if len(times) == cap(times) {
					times = make([]time.Time, 0, min(n-i, max(8, 2*cap(times))))
				}
				times = append(times, time.UnixMilli(e.arrival))
				at = &times[len(times)-1]
			}
			r := &recs[i]
			r.SequenceNumber = &strs[2*i]
			r.PartitionKey = &strs[2*i+1]
			r.Data = d
			r.ApproximateArrivalTimestamp = at
			if e.flags&flagKMS != 0 {
				r.EncryptionType = EncryptionTypeKms
			}
			i++
		}
	}
	return recs
}

// Record buffers kept for reuse: at most maxSpareRecords spare sets, and
// at most maxLentRecords lent to answers being written (more are not
// reused), so a front end that never gives them back costs little.
const (
	maxSpareRecords = 4
	maxLentRecords  = 16
)

// borrowRecords returns spare record buffers, or empty ones.
func (s *Service) borrowRecords() *recordBuffers {
	s.recMu.Lock()
	defer s.recMu.Unlock()
	if n := len(s.spareRecs); n > 0 {
		rb := s.spareRecs[n-1]
		s.spareRecs = s.spareRecs[:n-1]
		return rb
	}
	return &recordBuffers{}
}

// lendRecords notes that recs, the answer to a call, were rendered into
// rb, to be given back by ReleaseOutput.
func (s *Service) lendRecords(recs []Record, rb *recordBuffers) {
	if len(recs) == 0 {
		return
	}
	s.recMu.Lock()
	defer s.recMu.Unlock()
	if s.lentRecs == nil {
		s.lentRecs = map[*Record]*recordBuffers{}
	}
	if len(s.lentRecs) < maxLentRecords {
		s.lentRecs[&recs[0]] = rb
	}
}

// ReleaseOutput is called by the HTTP front end once it has written out,
// the answer to op, and nothing refers to it any more: the buffers of a
// GetRecords answer are cleared (so they keep no records' data alive) and
// kept for the next call.
func (s *Service) ReleaseOutput(op string, out any) {
	o, ok := out.(*GetRecordsOutput)
	if op != "GetRecords" || !ok || len(o.Records) == 0 {
		return
	}
	s.recMu.Lock()
	rb := s.lentRecs[&o.Records[0]]
	delete(s.lentRecs, &o.Records[0])
	s.recMu.Unlock()
	if rb == nil {
		return
	}
	clear(rb.recs)
	clear(rb.strs)
	s.recMu.Lock()
	defer s.recMu.Unlock()
	if len(s.spareRecs) < maxSpareRecords {
		s.spareRecs = append(s.spareRecs, rb)
	}
}

// GetRecords reads records from a shard iterator.
func (s *Service) GetRecords(ctx context.Context, in *GetRecordsInput) (*GetRecordsOutput, error) {
	it, err := s.openIterator(*in.ShardIterator)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if it.issued > now.UnixMilli() {
		// Issued in the future: not one of this clock's iterators.
		return nil, errInvalidIterator()
	}
	if issued := time.UnixMilli(it.issued); now.UnixMilli()-it.issued > iteratorLifetime.Milliseconds() {
		return nil, awsapi.Errorf(ErrCodeExpiredIteratorException,
			"Iterator expired. The iterator was created at time %s while right now it is %s which is further in the future than the tolerated delay of %d milliseconds.",
			amzTime(issued), amzTime(now), iteratorLifetime.Milliseconds())
	}
	shardID := shardIDFor(int(it.shard))
	st, err := s.lookup(it.stream)
	if err != nil {
		var ae *awsapi.Error
		if errors.As(err, &ae) && ae.Code == ErrCodeResourceNotFoundException {
			return nil, s.shardMissing(shardID, it.stream)
		}
		return nil, err
	}
	if in.StreamARN != nil && *in.StreamARN != st.arn {
		return nil, invalidArg("StreamARN %s does not match the stream of the ShardIterator.", *in.StreamARN)
	}
	limit := 10000
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	st.mu.Lock()
	st.expireClosedShards(now)
	sh := st.shardByIndex(int(it.shard))
	if sh == nil || st.created.UnixNano() != it.created || !st.readable() {
		st.mu.Unlock()
		return nil, s.shardMissing(shardID, it.stream)
	}
	throttle := s.throttled(st)
	if throttle && !sh.read.allow(now) {
		st.mu.Unlock()
		return nil, awsapi.Errorf(ErrCodeProvisionedThroughputExceededException, "%s", s.throughputMessage(sh, st))
	}
	b := st.read(sh, it.pos, limit, now)
	if throttle {
		sh.read.spend(b.view.bytes())
	}
	st.mu.Unlock()

	// Answers to HTTP clients are rendered into buffers the front end
	// gives back once it has written them (ReleaseOutput); those of
	// in-process callers, who may keep them, are not.
	var rb *recordBuffers
	if awsapi.Request(ctx).Protocol != "" {
		rb = s.borrowRecords()
	}
	out := &GetRecordsOutput{
		Records:            sh.records(&b.view, rb),
		MillisBehindLatest: new(b.behindMs),
		ChildShards:        b.children,
	}
	if rb != nil {
		s.lendRecords(out.Records, rb)
	}
	if !b.atEnd {
		out.NextShardIterator = new(s.sealIterator(iterator{issued: now.UnixMilli(), shard: it.shard, pos: b.next, created: it.created, stream: it.stream}))
	}
	return out, nil
}
