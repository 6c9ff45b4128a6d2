package kinesis

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// heartbeat is how often a subscription sends an event when no records
// arrive (virtual time).
const heartbeat = 5 * time.Second

// consumer is an enhanced fan-out consumer of a stream.
type consumer struct {
	name     string
	arn      string
	created  time.Time
	status   ConsumerStatus
	readyAt  time.Time
	deleteAt time.Time
	done     bool
	tags     map[string]string
}

// settle applies the consumer's due transitions and reports whether
// there were any.
func (c *consumer) settle(now time.Time) bool {
	switch c.status {
	case ConsumerStatusCreating:
		if !now.Before(c.readyAt) {
			c.status = ConsumerStatusActive
			c.readyAt = time.Time{}
			return true
		}
	case ConsumerStatusDeleting:
		if !c.done && !now.Before(c.deleteAt) {
			c.done = true
			return true
		}
	}
	return false
}

func (c *consumer) describe() Consumer {
	return Consumer{ConsumerName: new(c.name), ConsumerARN: new(c.arn), ConsumerStatus: c.status, ConsumerCreationTimestamp: new(c.created)}
}

// deleteDone drops consumers whose deletion finished.
func deleteDone(cs []*consumer) []*consumer {
	out := cs[:0]
	for _, c := range cs {
		if !c.done {
			out = append(out, c)
		}
	}
	clear(cs[len(out):])
	return out
}

// consumerByARN returns the live consumer with arn. st.mu is held.
func (st *stream) consumerByARN(arn string, now time.Time) *consumer {
	st.settle(now)
	for _, c := range st.consumers {
		if c.arn == arn {
			return c
		}
	}
	return nil
}

// consumerByName returns the live consumer named name. st.mu is held.
func (st *stream) consumerByName(name string) *consumer {
	for _, c := range st.consumers {
		if c.name == name {
			return c
		}
	}
	return nil
}

// streamOfConsumerARN returns the stream a consumer ARN belongs to.
func (s *Service) streamOfConsumerARN(arn string) (*stream, error) {
	name, ok := s.nameFromARN(arn)
	if !ok || !strings.Contains(arn, "/consumer/") {
		return nil, awsapi.Errorf(ErrCodeResourceNotFoundException, "Consumer %s not found.", arn)
	}
	st, err := s.lookup(name)
	if err != nil {
		return nil, awsapi.Errorf(ErrCodeResourceNotFoundException, "Consumer %s not found.", arn)
	}
	return st, nil
}

// findConsumer resolves a consumer by ARN, or by stream ARN and name, and
// returns it with its stream locked.
func (s *Service) findConsumer(streamARN, name, arn *string) (*stream, *consumer, error) {
	now := s.now()
	if arn != nil && *arn != "" {
		st, err := s.streamOfConsumerARN(*arn)
		if err != nil {
			return nil, nil, err
		}
		st.mu.Lock()
		c := st.consumerByARN(*arn, now)
		if c == nil {
			st.mu.Unlock()
			return nil, nil, awsapi.Errorf(ErrCodeResourceNotFoundException, "Consumer %s not found.", *arn)
		}
		return st, c, nil
	}
	if streamARN == nil || name == nil || *streamARN == "" || *name == "" {
		return nil, nil, invalidArg("Either ConsumerARN or both StreamARN and ConsumerName must be provided.")
	}
	st, err := s.resolve(nil, streamARN)
	if err != nil {
		return nil, nil, err
	}
	st.mu.Lock()
	st.settle(now)
	c := st.consumerByName(*name)
	if c == nil {
		st.mu.Unlock()
		return nil, nil, awsapi.Errorf(ErrCodeResourceNotFoundException, "Consumer %s under stream %s not found.", *name, st.arn)
	}
	return st, c, nil
}

// RegisterStreamConsumer registers an enhanced fan-out consumer.
func (s *Service) RegisterStreamConsumer(ctx context.Context, in *RegisterStreamConsumerInput) (*RegisterStreamConsumerOutput, error) {
	st, err := s.resolve(nil, in.StreamARN)
	if err != nil {
		return nil, err
	}
	delay := s.Options().ConsumerDelay
	now := s.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.readable() {
		return nil, s.errNotActive(st)
	}
	name := *in.ConsumerName
	if st.consumerByName(name) != nil {
		return nil, awsapi.Errorf(ErrCodeResourceInUseException, "Consumer %s under stream %s already exists for account %s.", name, st.name, s.account())
	}
	if len(st.consumers) >= maxConsumersPerStream {
		return nil, awsapi.Errorf(ErrCodeLimitExceededException, "Consumer limit of %d has been reached for stream %s under account %s.", maxConsumersPerStream, st.name, s.account())
	}
	if len(in.Tags) > maxTagsPerStream {
		return nil, invalidArg("Failed to register consumer %s because a given consumer cannot have more than %d tags associated with it.", name, maxTagsPerStream)
	}
	c := &consumer{
		name:    name,
		arn:     fmt.Sprintf("%s/consumer/%s:%d", st.arn, name, now.Unix()),
		created: now,
		status:  ConsumerStatusActive,
		tags:    map[string]string{},
	}
	for k, v := range in.Tags {
		c.tags[k] = v
	}
	if delay > 0 {
		c.status = ConsumerStatusCreating
		c.readyAt = now.Add(delay)
	}
	st.consumers = append(st.consumers, c)
	st.save()
	out := c.describe()
	return &RegisterStreamConsumerOutput{Consumer: &out}, nil
}

// DescribeStreamConsumer describes a consumer.
func (s *Service) DescribeStreamConsumer(ctx context.Context, in *DescribeStreamConsumerInput) (*DescribeStreamConsumerOutput, error) {
	st, c, err := s.findConsumer(in.StreamARN, in.ConsumerName, in.ConsumerARN)
	if err != nil {
		return nil, err
	}
	defer st.mu.Unlock()
	return &DescribeStreamConsumerOutput{ConsumerDescription: &ConsumerDescription{
		ConsumerName:              new(c.name),
		ConsumerARN:               new(c.arn),
		ConsumerStatus:            c.status,
		ConsumerCreationTimestamp: new(c.created),
		StreamARN:                 new(st.arn),
	}}, nil
}

// ListStreamConsumers lists a stream's consumers, a page at a time.
func (s *Service) ListStreamConsumers(ctx context.Context, in *ListStreamConsumersInput) (*ListStreamConsumersOutput, error) {
	st, err := s.resolve(nil, in.StreamARN)
	if err != nil {
		return nil, err
	}
	now := s.now()
	limit := int32(pageSize(in.MaxResults, maxListConsumersPage))
	after := int64(-1)
	if in.NextToken != nil && *in.NextToken != "" {
		tok, ok := s.openToken("consumers", *in.NextToken)
		if !ok || tok.stream != st.name {
			return nil, invalidArg("Invalid NextToken.")
		}
		if now.Sub(time.UnixMilli(tok.issued)) > nextTokenLifetime {
			return nil, awsapi.Errorf(ErrCodeExpiredNextTokenException, "The timestamp of the nextToken %d is older than the limit of %d seconds.", tok.issued, int(nextTokenLifetime.Seconds()))
		}
		after = tok.after
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.settle(now)
	out := &ListStreamConsumersOutput{Consumers: []Consumer{}}
	for i, c := range st.consumers {
		if int64(i) <= after {
			continue
		}
		if int32(len(out.Consumers)) == limit {
			out.NextToken = new(s.sealToken("consumers", listToken{issued: now.UnixMilli(), after: int64(i - 1), created: st.created.UnixNano(), stream: st.name}))
			break
		}
		out.Consumers = append(out.Consumers, c.describe())
	}
	return out, nil
}

// DeregisterStreamConsumer deregisters a consumer; its subscriptions end.
func (s *Service) DeregisterStreamConsumer(ctx context.Context, in *DeregisterStreamConsumerInput) (*DeregisterStreamConsumerOutput, error) {
	st, c, err := s.findConsumer(in.StreamARN, in.ConsumerName, in.ConsumerARN)
	if err != nil {
		return nil, err
	}
	delay := s.Options().ConsumerDelay
	now := s.now()
	defer st.mu.Unlock()
	if c.status == ConsumerStatusDeleting {
		return nil, awsapi.Errorf(ErrCodeResourceInUseException, "Consumer %s is already being deleted.", c.arn)
	}
	c.status = ConsumerStatusDeleting
	c.deleteAt = now.Add(delay)
	st.save()
	st.settle(now)
	st.wakeAll()
	s.deletePolicies(c.arn)
	return &DeregisterStreamConsumerOutput{}, nil
}

// subscription is the state behind a SubscribeToShardOutput's event
// stream.
type subscription struct {
	svc      *Service
	st       *stream
	sh       *shard
	consumer string // ARN
	pos      uint64
	expires  time.Time
	sent     bool // an event went out
	lastBeat time.Time
	ended    bool

	closeOnce sync.Once
}

// NextEvent blocks until the subscription's next SubscribeToShardEvent.
// It returns io.EOF when the subscription's five minutes are over, the
// shard has been read to its end, or the consumer or stream went away.
func (sub *subscription) NextEvent(ctx context.Context) (string, any, error) {
	return sub.next(ctx)
}

// Close ends the subscription, freeing its consumer's slot on the shard.
func (sub *subscription) Close() error {
	sub.close()
	return nil
}

func (sub *subscription) close() {
	sub.closeOnce.Do(func() {
		sub.st.mu.Lock()
		delete(sub.sh.subs, sub.consumer)
		sub.st.mu.Unlock()
	})
}

// next produces the next event.
func (sub *subscription) next(ctx context.Context) (string, any, error) {
	s := sub.svc
	clk := s.env.Clock
	for {
		if sub.ended {
			return "", nil, io.EOF
		}
		if err := ctx.Err(); err != nil {
			return "", nil, ctxErr(ctx)
		}
		now := clk.Now()
		if !now.Before(sub.expires) {
			return "", nil, io.EOF
		}
		s.mu.RLock()
		closed := s.closed
		s.mu.RUnlock()
		st := sub.st
		st.mu.Lock()
		st.settle(now)
		c := st.consumerByARN(sub.consumer, now)
		if closed || st.gone || st.status == StreamStatusDeleting || c == nil || c.status != ConsumerStatusActive || st.shardByIndex(sub.sh.index) == nil {
			st.mu.Unlock()
			return "", nil, io.EOF
		}
		b := st.read(sub.sh, sub.pos, 10000, now)
		due := !sub.sent || b.view.len() > 0 || b.atEnd || now.Sub(sub.lastBeat) >= heartbeat
		if !due {
			wait := sub.sh.notify
			st.mu.Unlock()
			beat := clk.NewTimer(heartbeat - now.Sub(sub.lastBeat))
			expiry := clk.NewTimer(sub.expires.Sub(now))
			select {
			case <-wait:
			case <-beat.C:
			case <-expiry.C:
			case <-ctx.Done():
			}
			beat.Stop()
			expiry.Stop()
			continue
		}
		var cont *string
		if !b.atEnd {
			var marker seqNum
			if b.view.len() > 0 {
				e := b.view.last()
				marker = sub.sh.seqFor(e.counter, e.arrival)
			} else {
				c := sub.sh.counter
				if b.next < sub.sh.log.end() {
					c = sub.sh.log.at(b.next).counter - 1
				}
				marker = sub.sh.seqFor(c, now.UnixMilli())
			}
			cont = new(marker.String())
		}
		sub.pos = b.next
		sub.sent = true
		sub.lastBeat = now
		sub.ended = b.atEnd
		st.mu.Unlock()
		ev := &SubscribeToShardEvent{
			Records:                    sub.sh.records(&b.view, nil),
			ContinuationSequenceNumber: cont,
			MillisBehindLatest:         new(b.behindMs),
			ChildShards:                b.children,
		}
		return "SubscribeToShardEvent", ev, nil
	}
}

// SubscribeToShard streams a shard's records to an enhanced fan-out
// consumer for five minutes. The output is an event stream: the handler
// drains it with NextEvent.
func (s *Service) SubscribeToShard(ctx context.Context, in *SubscribeToShardInput) (*SubscribeToShardOutput, error) {
	st, err := s.streamOfConsumerARN(*in.ConsumerARN)
	if err != nil {
		return nil, err
	}
	now := s.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	c := st.consumerByARN(*in.ConsumerARN, now)
	if c == nil {
		return nil, awsapi.Errorf(ErrCodeResourceNotFoundException, "Consumer %s not found.", *in.ConsumerARN)
	}
	if c.status != ConsumerStatusActive {
		return nil, awsapi.Errorf(ErrCodeResourceInUseException, "Consumer %s with creation timestamp %d under stream: %s , account %s is not in ACTIVE status.", c.name, c.created.Unix(), st.name, s.account())
	}
	if !st.readable() {
		return nil, s.errNotActive(st)
	}
	st.expireClosedShards(now)
	idx, ok := parseShardID(*in.ShardId)
	var sh *shard
	if ok {
		sh = st.shardByIndex(idx)
	}
	if sh == nil {
		return nil, s.shardMissing(*in.ShardId, st.name)
	}
	if sh.subs[c.arn] {
		return nil, awsapi.Errorf(ErrCodeResourceInUseException, "Another active subscription exists for this consumer: %s:%s:%s:%s", s.account(), st.name, sh.id, c.name)
	}
	sp := in.StartingPosition
	pos, err := s.startPosition(st, sh, sp.Type, sp.SequenceNumber, sp.Timestamp, "SubscribeToShard", now)
	if err != nil {
		return nil, err
	}
	if sh.subs == nil {
		sh.subs = map[string]bool{}
	}
	sh.subs[c.arn] = true
	sub := &subscription{
		svc:      s,
		st:       st,
		sh:       sh,
		consumer: c.arn,
		pos:      pos,
		expires:  now.Add(subscriptionLifetime),
		lastBeat: now,
	}
	return &SubscribeToShardOutput{EventStream: sub}, nil
}
