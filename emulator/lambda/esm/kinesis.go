package esm

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"slices"
	"sync"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/emulator/lambda"
)

// kinesisAPI is what the poller needs of the Kinesis service.
type kinesisAPI interface {
	ListShards(context.Context, *kinesis.ListShardsInput) (*kinesis.ListShardsOutput, error)
	GetShardIterator(context.Context, *kinesis.GetShardIteratorInput) (*kinesis.GetShardIteratorOutput, error)
	GetRecords(context.Context, *kinesis.GetRecordsInput) (*kinesis.GetRecordsOutput, error)
	DescribeStreamSummary(context.Context, *kinesis.DescribeStreamSummaryInput) (*kinesis.DescribeStreamSummaryOutput, error)
}

// kinesisSource polls the shards of one stream for one mapping. Only the
// mapping's running poll touches it.
type kinesisSource struct {
	mp        *mapping
	env       awsapi.Env
	sourceARN string // the mapping's EventSourceArn
	streamARN string
	scope     awsapi.Scope

	// ckMu guards the shards map and the shards' checkpoint fields
	// against dumps (persist.go); the poll is the only writer.
	ckMu      sync.Mutex
	dead      bool // stopped: journals nothing more
	shards    map[string]*shard
	listed    bool // the first listing (which applies StartingPosition) is done
	listedAt  time.Time
	relist    bool
	retention time.Duration
}

func newKinesisSource(mp *mapping, cfg lambda.EventSourceMappingConfiguration) (*kinesisSource, error) {
	src := str(cfg.EventSourceArn)
	arn, _, err := streamARN(src)
	if err != nil {
		return nil, err
	}
	_, scope, _, _ := arnParts(arn)
	k := &kinesisSource{mp: mp, env: mp.mgr.env, sourceARN: src, streamARN: arn, scope: scope, shards: map[string]*shard{}}
	if rows := mp.mgr.restored[mp.uuid]; len(rows) > 0 { // mp.mgr.mu is held
		k.restoreShards(rows)
	}
	return k, nil
}

func (k *kinesisSource) api() (kinesisAPI, error) {
	if k.env.Services == nil {
		return nil, errors.New("esm: no Kinesis service in this emulator")
	}
	svc, ok := k.env.Services("kinesis", k.scope).(kinesisAPI)
	if !ok {
		return nil, errors.New("esm: the Kinesis service cannot be polled")
	}
	return svc, nil
}

func (k *kinesisSource) rctx(ctx context.Context) context.Context {
	return requestContext(ctx, k.env, k.scope)
}

func (k *kinesisSource) now() time.Time { return k.env.Clock.Now() }

// init takes the starting positions.
func (k *kinesisSource) init(ctx context.Context, cfg lambda.EventSourceMappingConfiguration) {
	if err := k.refresh(ctx, cfg); err != nil {
		k.mp.mgr.log.Debug("event source mapping: listing shards failed", "uuid", k.mp.uuid, "error", err)
	}
}

// refresh lists the stream's shards and adds the new ones: on the first
// listing at the mapping's starting position, later (children of a
// resharding) from their beginning.
func (k *kinesisSource) refresh(ctx context.Context, cfg lambda.EventSourceMappingConfiguration) error {
	api, err := k.api()
	if err != nil {
		return err
	}
	now := k.now()
	sum, err := api.DescribeStreamSummary(k.rctx(ctx), &kinesis.DescribeStreamSummaryInput{StreamARN: ptr(k.streamARN)})
	if err != nil {
		return err
	}
	k.retention = time.Duration(i32(sum.StreamDescriptionSummary.RetentionPeriodHours, 24)) * time.Hour
	var all []kinesis.Shard
	in := &kinesis.ListShardsInput{StreamARN: ptr(k.streamARN)}
	for {
		out, err := api.ListShards(k.rctx(ctx), in)
		if err != nil {
			return err
		}
		all = append(all, out.Shards...)
		if out.NextToken == nil || *out.NextToken == "" {
			break
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
	initial := !k.listed
	for _, s := range all {
		id := str(s.ShardId)
		if k.shards[id] != nil {
			continue
		}
		sh := &shard{id: id, startType: kinesis.ShardIteratorTypeTrimHorizon}
		for _, p := range []*string{s.ParentShardId, s.AdjacentParentShardId} {
			if str(p) != "" {
				sh.parents = append(sh.parents, str(p))
			}
		}
		closed := s.SequenceNumberRange != nil && s.SequenceNumberRange.EndingSequenceNumber != nil
		if initial {
			switch cfg.StartingPosition {
			case lambda.EventSourcePositionLatest:
				if closed {
					sh.finished = true
				} else {
					sh.startType = kinesis.ShardIteratorTypeLatest
				}
			case lambda.EventSourcePositionAtTimestamp:
				sh.startType = kinesis.ShardIteratorTypeAtTimestamp
				if cfg.StartingPositionTimestamp != nil {
					sh.startTS = *cfg.StartingPositionTimestamp
				}
			}
		}
		sh.readAt = now
		if sh.startType == kinesis.ShardIteratorTypeLatest {
			// Take the position now, not at the first read.
			_ = k.openIterator(ctx, api, sh)
			sh.startIter, sh.openedAt = sh.iter, now
		}
		k.addShard(sh)
	}
	k.listed = true
	k.listedAt = now
	k.relist = false
	return nil
}

// openIterator gets sh an iterator at its checkpoint.
func (k *kinesisSource) openIterator(ctx context.Context, api kinesisAPI, sh *shard) error {
	in := &kinesis.GetShardIteratorInput{StreamARN: ptr(k.streamARN), ShardId: ptr(sh.id)}
	switch {
	case sh.after != "":
		in.ShardIteratorType = kinesis.ShardIteratorTypeAfterSequenceNumber
		in.StartingSequenceNumber = ptr(sh.after)
	case sh.startType == kinesis.ShardIteratorTypeLatest && sh.opened:
		// The LATEST iterator expired unused: resume at the time of the
		// last read so that nothing written since is skipped.
		in.ShardIteratorType = kinesis.ShardIteratorTypeAtTimestamp
		in.Timestamp = ptr(sh.readAt)
	case sh.startType == kinesis.ShardIteratorTypeAtTimestamp:
		in.ShardIteratorType = kinesis.ShardIteratorTypeAtTimestamp
		in.Timestamp = ptr(sh.startTS)
	default:
		in.ShardIteratorType = sh.startType
	}
	out, err := api.GetShardIterator(k.rctx(ctx), in)
	if err != nil && sh.after != "" {
		// The checkpoint was trimmed away: go on from the oldest record.
		in = &kinesis.GetShardIteratorInput{StreamARN: ptr(k.streamARN), ShardId: ptr(sh.id), ShardIteratorType: kinesis.ShardIteratorTypeTrimHorizon}
		out, err = api.GetShardIterator(k.rctx(ctx), in)
	}
	if err != nil {
		return err
	}
	sh.iter = str(out.ShardIterator)
	sh.opened = true
	return nil
}

// poll reads the shards that are due and invokes the function for the
// batches that are ready.
func (k *kinesisSource) poll(ctx context.Context, cfg lambda.EventSourceMappingConfiguration) time.Duration {
	now := k.now()
	if !k.listed || k.relist || now.Sub(k.listedAt) >= shardListInterval {
		if err := k.refresh(ctx, cfg); err != nil {
			k.mp.mgr.log.Debug("event source mapping: listing shards failed", "uuid", k.mp.uuid, "error", err)
		}
	}
	if !k.listed {
		return pollInterval
	}
	api, err := k.api()
	if err != nil {
		return pollInterval
	}
	fnArn := str(cfg.FunctionArn)
	run := &kinesisRun{
		k: k, api: api, cfg: cfg, now: now, fnArn: fnArn,
		region: k.scope.Region, role: k.mp.role(ctx, fnArn),
	}
	ids := make([]string, 0, len(k.shards))
	for id, sh := range k.shards {
		if !sh.finished && k.ready(sh) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	nexts := make([]time.Time, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nexts[i] = run.shard(ctx, k.shards[id])
		}()
	}
	wg.Wait()
	next := k.listedAt.Add(shardListInterval)
	for _, t := range nexts {
		if !t.IsZero() && t.Before(next) {
			next = t
		}
	}
	again := false
	for _, id := range ids {
		sh := k.shards[id]
		// A shard read to its end has children to list; once it is
		// done they start.
		if sh.ended && !sh.announced {
			sh.announced = true
			k.relist = true
		}
		if sh.finished {
			again = true
		}
	}
	if k.relist || again {
		return 0
	}
	return max(next.Sub(k.now()), 0)
}

// ready reports whether sh's parents are fully processed.
func (k *kinesisSource) ready(sh *shard) bool {
	for _, p := range sh.parents {
		if ps := k.shards[p]; ps != nil && !ps.finished {
			return false
		}
	}
	return true
}

// shard is the poller's state of one shard.
type shard struct {
	id        string
	parents   []string
	startType kinesis.ShardIteratorType
	startTS   time.Time
	iter      string
	opened    bool      // an iterator was taken: its position is known
	after     string    // the last sequence number read
	readAt    time.Time // the last successful read (virtual)
	due       time.Time // the next read
	ended     bool      // closed and read to its end
	finished  bool      // ended and every record processed
	announced bool      // its end triggered a listing
	lanes     []*lane
	// The checkpoint (persist.go; k.ckMu guards them): done is the last
	// sequence number up to which every record is processed, reads the
	// records read after it in order, doneSet those of them processed.
	// startIter is the LATEST position taken at openedAt.
	done      string
	reads     []string
	doneSet   map[string]bool
	startIter string
	openedAt  time.Time
}

// queued counts the records read and not yet done.
func (sh *shard) queued() int {
	n := 0
	for _, l := range sh.lanes {
		n += len(l.queue)
		if l.cur != nil {
			n += len(l.cur.recs)
		}
		for _, b := range l.pending {
			n += len(b.recs)
		}
	}
	return n
}

// idle reports whether no lane has a batch under way.
func (sh *shard) idle() bool {
	for _, l := range sh.lanes {
		if l.cur != nil || len(l.pending) > 0 || l.win != nil {
			return false
		}
	}
	return true
}

// relane distributes the queued records over n lanes (the
// ParallelizationFactor), keeping each partition key's records in order.
func (sh *shard) relane(n int) {
	if len(sh.lanes) == n {
		return
	}
	if len(sh.lanes) > 0 && !sh.idle() {
		return // change once the lanes are idle
	}
	var recs []*kinesisRecord
	for _, l := range sh.lanes {
		recs = append(recs, l.queue...)
	}
	slices.SortFunc(recs, func(a, b *kinesisRecord) int {
		switch {
		case seqLess(a.seq, b.seq):
			return -1
		case seqLess(b.seq, a.seq):
			return 1
		}
		return 0
	})
	sh.lanes = make([]*lane, n)
	for i := range sh.lanes {
		sh.lanes[i] = &lane{}
	}
	for _, r := range recs {
		l := sh.laneOf(r.key)
		l.queue = append(l.queue, r)
	}
}

// laneOf returns the lane of a partition key.
func (sh *shard) laneOf(key string) *lane {
	if len(sh.lanes) == 1 {
		return sh.lanes[0]
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return sh.lanes[int(h.Sum32()%uint32(len(sh.lanes)))]
}

// lane is one of a shard's concurrent batch sequences: records of a
// partition key always go to the same lane, and a lane retries its batch
// before it moves on.
type lane struct {
	queue   []*kinesisRecord
	cur     *batch
	pending []*batch // bisected halves still to run, in order
	win     *window  // the open tumbling window
}

// batch is a batch under way.
type batch struct {
	recs      []*kinesisRecord
	final     bool // the final invocation of a tumbling window
	half      bool // a half of a bisected batch
	retries   int
	invokes   int // invocations of exactly these records
	throttles int
	due       time.Time
	last      *lambda.InvocationResult
}

// window is a tumbling window with its state.
type window struct {
	start, end time.Time
	state      json.RawMessage
}

// kinesisRun is one poll of a mapping's shards.
type kinesisRun struct {
	k      *kinesisSource
	api    kinesisAPI
	cfg    lambda.EventSourceMappingConfiguration
	now    time.Time
	fnArn  string
	region string
	role   string
}

// shard reads sh if due and advances its lanes; it returns when the shard
// next needs attention.
func (r *kinesisRun) shard(ctx context.Context, sh *shard) time.Time {
	sh.relane(max(i32(r.cfg.ParallelizationFactor, 1), 1))
	batchSize := max(i32(r.cfg.BatchSize, 100), 1)
	limit := min(maxRecordsPerRead, max(2*batchSize*len(sh.lanes), 100)) - sh.queued()
	if !sh.ended && !sh.due.After(r.now) && limit > 0 {
		r.read(ctx, sh, limit)
	}
	nexts := make([]time.Time, len(sh.lanes))
	var wg sync.WaitGroup
	for i, l := range sh.lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nexts[i] = r.lane(ctx, sh, l)
		}()
	}
	wg.Wait()
	var next time.Time
	if !sh.ended {
		next = sh.due
	}
	busy := false
	for i, t := range nexts {
		l := sh.lanes[i]
		if l.cur != nil || len(l.pending) > 0 || len(l.queue) > 0 || l.win != nil {
			busy = true
		}
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if sh.ended && !busy {
		r.k.finish(sh)
	}
	return next
}

// read takes up to limit records from the shard into its lanes.
func (r *kinesisRun) read(ctx context.Context, sh *shard, limit int) {
	sh.due = r.now.Add(pollInterval)
	if sh.iter == "" {
		if err := r.k.openIterator(ctx, r.api, sh); err != nil {
			r.k.mp.mgr.log.Debug("event source mapping: shard iterator failed", "uuid", r.k.mp.uuid, "shard", sh.id, "error", err)
			return
		}
	}
	out, err := r.api.GetRecords(r.k.rctx(ctx), &kinesis.GetRecordsInput{ShardIterator: ptr(sh.iter), Limit: ptr(int32(limit)), StreamARN: ptr(r.k.streamARN)})
	if err != nil {
		var ae *awsapi.Error
		if errors.As(err, &ae) && ae.Code == kinesis.ErrCodeExpiredIteratorException {
			// Re-open at the checkpoint and read again at once.
			if r.k.openIterator(ctx, r.api, sh) == nil {
				sh.due = r.now
			}
			return
		}
		sh.iter = ""
		return
	}
	for i := range out.Records {
		rec := &out.Records[i]
		kr := &kinesisRecord{
			seq:       str(rec.SequenceNumber),
			key:       str(rec.PartitionKey),
			data:      rec.Data,
			encrypted: rec.EncryptionType == kinesis.EncryptionTypeKms,
			read:      r.now,
		}
		if rec.ApproximateArrivalTimestamp != nil {
			kr.arrival = *rec.ApproximateArrivalTimestamp
		}
		if !r.k.readRecord(sh, kr.seq) {
			sh.after = kr.seq // processed before a restart
			continue
		}
		l := sh.laneOf(kr.key)
		l.queue = append(l.queue, kr)
		sh.after = kr.seq
	}
	r.k.afterRead(sh)
	sh.readAt = r.now
	if out.NextShardIterator == nil {
		sh.ended = true
		sh.iter = ""
		return
	}
	sh.iter = *out.NextShardIterator
	if len(out.Records) == limit && out.MillisBehindLatest != nil && *out.MillisBehindLatest > 0 {
		sh.due = r.now // more is waiting
	}
}

// lane advances one lane by at most one invocation and returns when it
// next needs attention (zero when it has nothing to do).
func (r *kinesisRun) lane(ctx context.Context, sh *shard, l *lane) time.Time {
	if l.cur == nil {
		if len(l.pending) > 0 {
			l.cur, l.pending = l.pending[0], l.pending[1:]
			l.cur.due = r.now
		} else {
			b, wait := r.nextBatch(sh, l)
			if b == nil {
				return wait
			}
			l.cur = b
		}
	}
	if l.cur.due.After(r.now) {
		return l.cur.due
	}
	r.attempt(ctx, sh, l)
	if l.cur != nil {
		return l.cur.due
	}
	if len(l.pending) > 0 || len(l.queue) > 0 || l.win != nil {
		return r.now
	}
	return time.Time{}
}

// windowStart is the start of the tumbling window a record falls in.
func windowStart(t time.Time, size time.Duration) time.Time {
	return time.UnixMilli(t.UnixMilli() - t.UnixMilli()%size.Milliseconds()).UTC()
}

// nextBatch cuts the lane's next batch, or says when to look again.
func (r *kinesisRun) nextBatch(sh *shard, l *lane) (*batch, time.Time) {
	tw := time.Duration(i32(r.cfg.TumblingWindowInSeconds, 0)) * time.Second
	if tw > 0 && l.win != nil {
		sameWindow := len(l.queue) > 0 && windowStart(l.queue[0].arrival, tw).Equal(l.win.start)
		if !sameWindow {
			if !r.now.Before(l.win.end) || (sh.ended && len(l.queue) == 0) {
				return &batch{final: true, due: r.now}, time.Time{}
			}
			return nil, l.win.end
		}
	}
	if len(l.queue) == 0 {
		return nil, time.Time{}
	}
	size := max(i32(r.cfg.BatchSize, 100), 1)
	n, bytes := 0, 2048
	var start time.Time
	if tw > 0 {
		start = windowStart(l.queue[0].arrival, tw)
	}
	cutByWindow := false
	for n < len(l.queue) && n < size {
		rec := l.queue[n]
		if tw > 0 && !windowStart(rec.arrival, tw).Equal(start) {
			cutByWindow = true
			break
		}
		if n > 0 && bytes+rec.size() > maxPayload {
			break
		}
		bytes += rec.size()
		n++
	}
	full := n == size || n < len(l.queue) || cutByWindow
	if wait := time.Duration(i32(r.cfg.MaximumBatchingWindowInSeconds, 0)) * time.Second; wait > 0 && !full && !sh.ended {
		if at := l.queue[0].read.Add(wait); r.now.Before(at) {
			return nil, at
		}
	}
	b := &batch{recs: slices.Clone(l.queue[:n]), due: r.now}
	l.queue = l.queue[n:]
	if tw > 0 && l.win == nil {
		l.win = &window{start: start, end: start.Add(tw), state: json.RawMessage("{}")}
	}
	return b, time.Time{}
}

// attempt makes one invocation of the lane's current batch and decides
// what follows: done, retry later, bisect or discard.
func (r *kinesisRun) attempt(ctx context.Context, sh *shard, l *lane) {
	b := l.cur
	if !b.final {
		if expired, keep := r.expired(b.recs); len(expired) > 0 {
			r.discard(ctx, sh, b, expired, conditionRecordAge)
			r.k.processed(sh, expired)
			b.recs = keep
			if len(keep) == 0 {
				l.cur = nil
				return
			}
		}
	}
	var win *windowInfo
	if l.win != nil {
		win = &windowInfo{start: l.win.start, end: l.win.end, state: l.win.state, final: b.final}
	}
	payload, err := buildKinesisEvent(kinesisMeta{shardID: sh.id, sourceARN: r.k.sourceARN, region: r.region, role: r.role}, b.recs, win)
	if err != nil {
		r.k.mp.mgr.log.Warn("event source mapping: building event failed", "uuid", r.k.mp.uuid, "error", err)
		b.due = r.now.Add(pollInterval)
		return
	}
	res, err := r.k.mp.invoke(ctx, r.fnArn, payload, b.invokes+1, len(b.recs), b.half)
	if ctx.Err() != nil {
		return // the mapping stopped; the batch stays for a restart
	}
	if err != nil {
		// Throttled, or the function is gone: retry without counting.
		b.throttles++
		b.due = r.now.Add(backoff(b.throttles))
		r.k.mp.setResult(resultFailed)
		r.k.mp.mgr.log.Debug("event source mapping: invocation failed", "uuid", r.k.mp.uuid, "error", err)
		return
	}
	b.throttles = 0
	b.invokes++
	b.last = res
	rbif := reportsItemFailures(r.cfg)
	whole := res.FunctionError != ""
	var resp batchResponse
	if !whole && (rbif || win != nil) {
		valid := make(map[string]bool, len(b.recs))
		for _, rec := range b.recs {
			valid[rec.seq] = true
		}
		resp = parseBatchResponse(res.Payload, valid)
		if !rbif {
			resp.whole, resp.failed = false, nil
		}
		whole = resp.whole
	}
	if !whole && len(resp.failed) == 0 {
		r.k.mp.setResult(resultOK)
		if l.win != nil {
			if resp.state != nil {
				l.win.state = resp.state
			}
			if b.final {
				l.win = nil
			}
		}
		r.k.processed(sh, b.recs)
		l.cur = nil
		return
	}
	r.k.mp.setResult(resultFailed)
	maxRetries := i32(r.cfg.MaximumRetryAttempts, -1)
	exhausted := maxRetries >= 0 && b.retries >= maxRetries
	if !whole {
		// Checkpoint at the lowest failed sequence number: the records
		// before it are done, the rest is retried.
		lowest := resp.failed[0]
		for _, id := range resp.failed[1:] {
			if seqLess(id, lowest) {
				lowest = id
			}
		}
		for i, rec := range b.recs {
			if rec.seq == lowest {
				r.k.processed(sh, b.recs[:i])
				b.recs = b.recs[i:]
				break
			}
		}
	} else if i32Bool(r.cfg.BisectBatchOnFunctionError) && len(b.recs) > 1 {
		half := (len(b.recs) + 1) / 2
		first := &batch{recs: b.recs[:half], retries: b.retries, due: r.now, half: true}
		second := &batch{recs: b.recs[half:], retries: b.retries, half: true}
		l.cur = first
		l.pending = append([]*batch{second}, l.pending...)
		return
	}
	if exhausted {
		r.discard(ctx, sh, b, b.recs, conditionRetriesExhausted)
		r.k.processed(sh, b.recs)
		if b.final {
			l.win = nil
		}
		l.cur = nil
		return
	}
	b.retries++
	b.due = r.now.Add(backoff(b.retries))
}

func i32Bool(p *bool) bool { return p != nil && *p }

// expired splits off the records past MaximumRecordAgeInSeconds or the
// stream's retention.
func (r *kinesisRun) expired(recs []*kinesisRecord) (expired, keep []*kinesisRecord) {
	maxAge := time.Duration(i32(r.cfg.MaximumRecordAgeInSeconds, -1)) * time.Second
	for _, rec := range recs {
		age := r.now.Sub(rec.arrival)
		if (maxAge > 0 && age > maxAge) || (r.k.retention > 0 && age >= r.k.retention) {
			expired = append(expired, rec)
		} else {
			keep = append(keep, rec)
		}
	}
	return expired, keep
}

// discard gives up on recs of batch b, sending the on-failure record when
// the mapping has a destination.
func (r *kinesisRun) discard(ctx context.Context, sh *shard, b *batch, recs []*kinesisRecord, condition string) {
	if len(recs) == 0 {
		return
	}
	var target string
	if d := r.cfg.DestinationConfig; d != nil && d.OnFailure != nil {
		target = str(d.OnFailure.Destination)
	}
	r.k.mp.mgr.log.Debug("event source mapping discarded records", "uuid", r.k.mp.uuid, "shard", sh.id, "records", len(recs), "condition", condition)
	if target == "" {
		return
	}
	first, last := recs[0], recs[len(recs)-1]
	info := &kinesisBatchInfo{
		ShardID:                         sh.id,
		StartSequenceNumber:             first.seq,
		EndSequenceNumber:               last.seq,
		ApproximateArrivalOfFirstRecord: isoMillis(first.arrival),
		ApproximateArrivalOfLastRecord:  isoMillis(last.arrival),
		BatchSize:                       len(recs),
		StreamArn:                       r.k.streamARN,
	}
	body := newFailureRecord(r.fnArn, condition, b.invokes, b.last, r.now, info)
	if err := (destination{env: r.k.env}).send(ctx, target, body); err != nil {
		r.k.mp.mgr.log.Warn("event source mapping on-failure delivery failed", "uuid", r.k.mp.uuid, "destination", target, "error", err)
	}
}
