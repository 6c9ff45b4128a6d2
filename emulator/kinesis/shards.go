package kinesis

import (
	"context"
	"encoding/binary"
	"slices"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// nextTokenLifetime is how long a ListShards or ListStreamConsumers
// NextToken stays valid.
const nextTokenLifetime = 300 * time.Second

// listToken is the decoded content of a ListShards NextToken.
type listToken struct {
	issued   int64 // Unix ms
	after    int64 // last shard index (or consumer position) returned
	max      int32
	created  int64 // stream creation, Unix ns
	filter   ShardFilterType
	filterTs int64 // the filter's timestamp, Unix ns
	stream   string
}

// listTokenFixed is the size of a token's fixed-width fields.
const listTokenFixed = 37

// filterCodes numbers the ShardFilter types a NextToken carries; 0 is no
// filter.
func filterCodes() []ShardFilterType {
	return []ShardFilterType{"", ShardFilterTypeAfterShardId, ShardFilterTypeAtTrimHorizon, ShardFilterTypeFromTrimHorizon, ShardFilterTypeAtLatest, ShardFilterTypeAtTimestamp, ShardFilterTypeFromTimestamp}
}

func (s *Service) sealToken(kind string, t listToken) string {
	plain := make([]byte, 0, listTokenFixed+len(t.stream))
	plain = binary.BigEndian.AppendUint64(plain, uint64(t.issued))
	plain = binary.BigEndian.AppendUint64(plain, uint64(t.after))
	plain = binary.BigEndian.AppendUint32(plain, uint32(t.max))
	plain = binary.BigEndian.AppendUint64(plain, uint64(t.created))
	plain = append(plain, byte(max(0, slices.Index(filterCodes(), t.filter))))
	plain = binary.BigEndian.AppendUint64(plain, uint64(t.filterTs))
	plain = append(plain, t.stream...)
	return s.seal(kind, plain)
}

func (s *Service) openToken(kind, str string) (listToken, bool) {
	plain, ok := s.open(kind, str)
	codes := filterCodes()
	if !ok || len(plain) < listTokenFixed || int(plain[28]) >= len(codes) {
		return listToken{}, false
	}
	return listToken{
		issued:   int64(binary.BigEndian.Uint64(plain)),
		after:    int64(binary.BigEndian.Uint64(plain[8:])),
		max:      int32(binary.BigEndian.Uint32(plain[16:])),
		created:  int64(binary.BigEndian.Uint64(plain[20:])),
		filter:   codes[plain[28]],
		filterTs: int64(binary.BigEndian.Uint64(plain[29:])),
		stream:   string(plain[listTokenFixed:]),
	}, true
}

// tokenFilter is the ShardFilter a NextToken carries on to later pages;
// AFTER_SHARD_ID already lives in the token's position.
func tokenFilter(f *ShardFilter) (ShardFilterType, int64) {
	if f == nil || f.Type == ShardFilterTypeAfterShardId {
		return "", 0
	}
	if f.Timestamp != nil {
		return f.Type, f.Timestamp.UnixNano()
	}
	return f.Type, 0
}

// ListShards lists a stream's shards, optionally filtered, a page at a
// time.
func (s *Service) ListShards(ctx context.Context, in *ListShardsInput) (*ListShardsOutput, error) {
	hasName := in.StreamName != nil && *in.StreamName != ""
	hasARN := in.StreamARN != nil && *in.StreamARN != ""
	hasToken := in.NextToken != nil && *in.NextToken != ""
	if hasToken {
		// NextToken names the stream and carries the listing's position
		// and filter; nothing else that does may come with it.
		for _, other := range []struct {
			name string
			set  bool
		}{
			{"StreamName", hasName},
			{"StreamARN", hasARN},
			{"ExclusiveStartShardId", in.ExclusiveStartShardId != nil},
			{"ShardFilter", in.ShardFilter != nil},
			{"StreamCreationTimestamp", in.StreamCreationTimestamp != nil},
		} {
			if other.set {
				return nil, invalidArg("NextToken and %s cannot be provided together.", other.name)
			}
		}
	} else if !hasName && !hasARN {
		return nil, invalidArg("Either NextToken or StreamName should be provided.")
	}
	now := s.now()
	limit := int32(maxListShardsPage)
	after := int64(-1)
	var st *stream
	var err error
	filter := in.ShardFilter
	if hasToken {
		tok, ok := s.openToken("shards", *in.NextToken)
		if !ok {
			return nil, invalidArg("Invalid NextToken.")
		}
		if now.Sub(time.UnixMilli(tok.issued)) > nextTokenLifetime {
			return nil, awsapi.Errorf(ErrCodeExpiredNextTokenException, "The timestamp of the nextToken %d is older than the limit of %d seconds.", tok.issued, int(nextTokenLifetime.Seconds()))
		}
		st, err = s.lookup(tok.stream)
		if err != nil {
			return nil, err
		}
		if st.created.UnixNano() != tok.created {
			return nil, s.errStreamNotFound(tok.stream)
		}
		after, limit = tok.after, tok.max
		if tok.filter != "" {
			filter = &ShardFilter{Type: tok.filter}
			if tok.filter == ShardFilterTypeAtTimestamp || tok.filter == ShardFilterTypeFromTimestamp {
				filter.Timestamp = new(time.Unix(0, tok.filterTs))
			}
		}
	} else {
		st, err = s.resolve(in.StreamName, in.StreamARN)
		if err != nil {
			return nil, err
		}
		if in.ExclusiveStartShardId != nil {
			if i, ok := parseShardID(*in.ExclusiveStartShardId); ok {
				after = int64(i)
			}
		}
	}
	if in.MaxResults != nil {
		limit = int32(pageSize(in.MaxResults, maxListShardsPage))
	}
	if filter != nil {
		switch filter.Type {
		case ShardFilterTypeAfterShardId:
			if filter.ShardId == nil {
				return nil, invalidArg("ShardId must be provided for ShardFilter type AFTER_SHARD_ID.")
			}
			if i, ok := parseShardID(*filter.ShardId); ok {
				after = max(after, int64(i))
			}
		case ShardFilterTypeAtTimestamp, ShardFilterTypeFromTimestamp:
			if filter.Timestamp == nil {
				return nil, invalidArg("Timestamp must be provided for ShardFilter type %s.", filter.Type)
			}
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.expireClosedShards(now)
	out := &ListShardsOutput{Shards: []Shard{}}
	if !st.visible() {
		return out, nil
	}
	horizon := now.Add(-time.Duration(st.retention) * time.Hour)
	if horizon.Before(st.created) {
		horizon = st.created
	}
	for _, sh := range st.shards {
		if int64(sh.index) <= after || !shardMatches(sh, filter, horizon) {
			continue
		}
		if int32(len(out.Shards)) == limit {
			last := out.Shards[len(out.Shards)-1]
			i, _ := parseShardID(*last.ShardId)
			ft, fts := tokenFilter(filter)
			out.NextToken = new(s.sealToken("shards", listToken{issued: now.UnixMilli(), after: int64(i), max: limit, created: st.created.UnixNano(), filter: ft, filterTs: fts, stream: st.name}))
			break
		}
		out.Shards = append(out.Shards, sh.toShard())
	}
	return out, nil
}

// shardMatches applies a ListShards filter. horizon is the trim horizon:
// the older of now less the retention period and the stream's creation.
// Timestamps before the horizon count as the horizon.
func shardMatches(sh *shard, f *ShardFilter, horizon time.Time) bool {
	if f == nil {
		return true
	}
	// Timestamps travel in milliseconds.
	// openAt reports whether sh existed and was still open at t.
	openAt := func(t time.Time) bool {
		return sh.createdAt.UnixMilli() <= t.UnixMilli() && (!sh.closed || sh.closedAt.UnixMilli() >= t.UnixMilli())
	}
	// openSince reports whether sh was open at t or later.
	openSince := func(t time.Time) bool {
		return !sh.closed || sh.closedAt.UnixMilli() >= t.UnixMilli()
	}
	clamp := func(t *time.Time) time.Time {
		if t == nil || t.Before(horizon) {
			return horizon
		}
		return *t
	}
	switch f.Type {
	case ShardFilterTypeAtLatest:
		return !sh.closed
	case ShardFilterTypeAtTrimHorizon:
		return openAt(horizon)
	case ShardFilterTypeFromTrimHorizon:
		return openSince(horizon)
	case ShardFilterTypeAtTimestamp:
		return openAt(clamp(f.Timestamp))
	case ShardFilterTypeFromTimestamp:
		return openSince(clamp(f.Timestamp))
	}
	return true
}

// reshardIDs resolves the shard ids of a SplitShard or MergeShards call,
// in order, before its stream is looked up, as Kinesis does: an id that
// names no shard index is reported as given, in stream name (kinesalite's
// SplitShard and MergeShards tests, recorded against AWS).
func (s *Service) reshardIDs(name string, ids ...string) ([]int, error) {
	out := make([]int, len(ids))
	for i, id := range ids {
		idx, _, ok := resolveShardID(id)
		if !ok {
			return nil, s.errShardNotFound(id, name)
		}
		out[i] = idx
	}
	return out, nil
}

// mutableShard returns the open shard of st with index idx for
// resharding. st.mu is held.
func (s *Service) mutableShard(st *stream, idx int) (*shard, error) {
	sh := st.shardByIndex(idx)
	if sh == nil {
		return nil, s.errShardNotFound(shardIDFor(idx), st.name)
	}
	if sh.closed {
		return nil, awsapi.Errorf(ErrCodeResourceInUseException, "Shard %s in stream %s under account %s has already been merged or split, and thus is not eligible for merging or splitting.", sh.id, st.name, s.account())
	}
	return sh, nil
}

// SplitShard splits an open shard in two at NewStartingHashKey.
func (s *Service) SplitShard(ctx context.Context, in *SplitShardInput) (*SplitShardOutput, error) {
	opts := s.Options()
	name, err := s.streamNameOf(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	idx, err := s.reshardIDs(name, *in.ShardToSplit)
	if err != nil {
		return nil, err
	}
	st, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	open, _ := s.openShardTotal(st)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.status != StreamStatusActive {
		return nil, s.errNotActive(st)
	}
	sh, err := s.mutableShard(st, idx[0])
	if err != nil {
		return nil, err
	}
	// As the message says, StartingHashKey+1 < NewStartingHashKey <
	// EndingHashKey: each child gets two hash keys or more (kinesalite's
	// SplitShard tests, recorded against AWS, refuse 1 on a shard from 0
	// and the shard's EndingHashKey).
	h, ok := parseHashKey(*in.NewStartingHashKey)
	if !ok || h.cmp(sh.start) <= 0 || h == sh.start.add1() || h.cmp(sh.end) >= 0 {
		return nil, invalidArg("NewStartingHashKey %s used in SplitShard() on shard %s in stream %s under account %s is not both greater than one plus the shard's StartingHashKey %s and less than the shard's EndingHashKey %s.", *in.NewStartingHashKey, sh.id, st.name, s.account(), sh.startStr, sh.endStr)
	}
	if cur := open + st.openShardCount(); cur+1 > opts.ShardLimit {
		return nil, s.errShardLimit(cur, 1, opts.ShardLimit)
	}
	st.beginUpdate(s.now(), opts.UpdateDelay, 1, &pendingChange{Kind: changeSplit, Shard: sh.index, Hash: h.String()})
	return &SplitShardOutput{}, nil
}

// MergeShards merges two adjacent open shards.
func (s *Service) MergeShards(ctx context.Context, in *MergeShardsInput) (*MergeShardsOutput, error) {
	name, err := s.streamNameOf(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	idx, err := s.reshardIDs(name, *in.ShardToMerge, *in.AdjacentShardToMerge)
	if err != nil {
		return nil, err
	}
	st, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.status != StreamStatusActive {
		return nil, s.errNotActive(st)
	}
	a, err := s.mutableShard(st, idx[0])
	if err != nil {
		return nil, err
	}
	b, err := s.mutableShard(st, idx[1])
	if err != nil {
		return nil, err
	}
	lo, hi := a, b
	if b.start.cmp(a.start) < 0 {
		lo, hi = b, a
	}
	if a == b || lo.end.add1() != hi.start {
		return nil, invalidArg("Shards %s and %s in stream %s under account %s are not an adjacent pair of shards eligible for merging", a.id, b.id, st.name, s.account())
	}
	st.beginUpdate(s.now(), s.Options().UpdateDelay, 0, &pendingChange{Kind: changeMerge, Shard: a.index, Other: b.index})
	return &MergeShardsOutput{}, nil
}

// UpdateShardCount reshards a provisioned stream to TargetShardCount
// shards of equal hash key ranges, by splits and merges that keep the
// lineage.
func (s *Service) UpdateShardCount(ctx context.Context, in *UpdateShardCountInput) (*UpdateShardCountOutput, error) {
	opts := s.Options()
	st, err := s.resolve(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	others, _ := s.openShardTotal(st)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.status != StreamStatusActive {
		return nil, s.errNotActive(st)
	}
	if st.mode == StreamModeOnDemand {
		return nil, invalidArg("UpdateShardCount is not supported for stream %s under account %s because it is in ON_DEMAND mode.", st.name, s.account())
	}
	target := int(*in.TargetShardCount)
	open := st.openShardCount()
	switch {
	case target > opts.ShardLimit || others+target > opts.ShardLimit:
		return nil, awsapi.Errorf(ErrCodeLimitExceededException, "Target shard count or number of open shards cannot be greater than %d. Current open shard count: %d, Target shard count: %d", opts.ShardLimit, open, target)
	case target > 2*open:
		return nil, awsapi.Errorf(ErrCodeLimitExceededException, "UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: %d, Target shard count: %d", open, target)
	case 2*target < open:
		return nil, awsapi.Errorf(ErrCodeLimitExceededException, "UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: %d, Target shard count: %d", open, target)
	}
	st.beginUpdate(s.now(), opts.UpdateDelay, max(0, target-open), &pendingChange{Kind: changeShardCount, Target: target})
	return &UpdateShardCountOutput{
		StreamName:        new(st.name),
		StreamARN:         new(st.arn),
		CurrentShardCount: new(int32(open)),
		TargetShardCount:  new(int32(target)),
	}, nil
}

// reshardUniform turns the open shards into n shards of even ranges: it
// splits shards at every target boundary inside them, then merges the
// pieces of each target range pairwise. Intermediate shards close at once,
// so every shard keeps at most two parents. st.mu is held.
func (st *stream) reshardUniform(n int, at time.Time) {
	targets := evenRanges(n)
	// Split at the target boundaries.
	var pieces []*shard
	open := st.openShards()
	slices.SortFunc(open, func(a, b *shard) int { return a.start.cmp(b.start) })
	for _, sh := range open {
		cur := sh
		for _, t := range targets {
			b := t[0]
			if b.cmp(cur.start) <= 0 || b.cmp(cur.end) > 0 {
				continue
			}
			st.closeShard(cur, at)
			left := st.newShard(at, cur.start, b.sub1(), cur.id, "")
			right := st.newShard(at, b, cur.end, cur.id, "")
			pieces = append(pieces, left)
			cur = right
		}
		pieces = append(pieces, cur)
	}
	// Merge the pieces of each target range.
	i := 0
	for _, t := range targets {
		acc := pieces[i]
		i++
		for i < len(pieces) && pieces[i].end.cmp(t[1]) <= 0 {
			next := pieces[i]
			i++
			st.closeShard(acc, at)
			st.closeShard(next, at)
			acc = st.newShard(at, acc.start, next.end, acc.id, next.id)
		}
	}
}
