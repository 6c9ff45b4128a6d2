package kinesis

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// CreateStream creates a stream with ShardCount shards (provisioned) or
// four shards (on-demand, also when neither is given).
func (s *Service) CreateStream(ctx context.Context, in *CreateStreamInput) (*CreateStreamOutput, error) {
	name := *in.StreamName
	mode := StreamModeOnDemand
	if in.StreamModeDetails != nil && in.StreamModeDetails.StreamMode != "" {
		mode = in.StreamModeDetails.StreamMode
	} else if in.ShardCount != nil {
		mode = StreamModeProvisioned
	}
	var count int
	switch mode {
	case StreamModeProvisioned:
		if in.ShardCount == nil {
			return nil, invalidArg("ShardCount is required for a stream in PROVISIONED mode.")
		}
		count = int(*in.ShardCount)
		if count < 1 {
			return nil, invalidArg("ShardCount must be at least 1.")
		}
	case StreamModeOnDemand:
		if in.ShardCount != nil {
			return nil, invalidArg("ShardCount is not expected when StreamMode=ON_DEMAND")
		}
		count = onDemandShards
	}
	if in.WarmThroughputMiBps != nil && mode != StreamModeOnDemand {
		return nil, invalidArg("WarmThroughputMiBps is only supported for a stream in ON_DEMAND mode.")
	}
	if err := checkTagMap(in.Tags); err != nil {
		return nil, err
	}
	if len(in.Tags) > maxTagsPerStream {
		return nil, invalidArg("Failed to create stream %s under account %s because a given stream cannot have more than %d tags associated with it.", name, s.account(), maxTagsPerStream)
	}
	opts := s.Options()
	now := s.now()
	open, onDemand := s.openShardTotal(nil)
	if open+count > opts.ShardLimit {
		return nil, s.errShardLimit(open, count, opts.ShardLimit)
	}
	if mode == StreamModeOnDemand && onDemand >= opts.OnDemandStreamLimit {
		return nil, awsapi.Errorf(ErrCodeLimitExceededException, "This request would exceed the on-demand stream limit for the account %s in %s. Current on-demand stream count for the account: %d. Limit: %d.", s.account(), s.region(), onDemand, opts.OnDemandStreamLimit)
	}

	inUse := awsapi.Errorf(ErrCodeResourceInUseException, "Stream %s under account %s already exists.", name, s.account())
	s.mu.RLock()
	old := s.streams[name]
	s.mu.RUnlock()
	if old != nil {
		// A stream's lock is never taken while holding s.mu.
		old.mu.Lock()
		old.settle(now)
		gone := old.gone
		old.mu.Unlock()
		if !gone {
			return nil, inUse
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := s.streams[name]; cur != nil && cur != old {
		return nil, inUse
	}
	if lim := s.env.Limits.MaxResourcesPerAccount; lim > 0 && len(s.streams) >= lim {
		return nil, awsapi.Errorf(ErrCodeLimitExceededException, "This request would exceed the stream limit for the account %s in %s. Limit: %d.", s.account(), s.region(), lim)
	}
	st := &stream{
		name:      name,
		arn:       s.streamARN(name),
		created:   now,
		svc:       s,
		status:    StreamStatusActive,
		mode:      mode,
		retention: defaultRetentionHours,
		tags:      map[string]string{},
		encType:   EncryptionTypeNone,
		maxRecKiB: defaultMaxRecordKiB,
		warmMiBps: in.WarmThroughputMiBps,
	}
	if in.MaxRecordSizeInKiB != nil {
		st.maxRecKiB = *in.MaxRecordSizeInKiB
	}
	for k, v := range in.Tags {
		st.tags[k] = v
	}
	if opts.CreateDelay > 0 {
		st.status = StreamStatusCreating
		st.readyAt = now.Add(opts.CreateDelay)
	}
	for _, r := range evenRanges(count) {
		st.newShard(now, r[0], r[1], "", "")
	}
	// The stream is not published yet: s.mu guards it.
	st.save()
	s.streams[name] = st
	return &CreateStreamOutput{}, nil
}

// DeleteStream starts deleting a stream.
func (s *Service) DeleteStream(ctx context.Context, in *DeleteStreamInput) (*DeleteStreamOutput, error) {
	st, err := s.resolve(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	opts := s.Options()
	now := s.now()
	st.mu.Lock()
	if st.status == StreamStatusDeleting {
		st.mu.Unlock()
		return nil, s.errStreamNotFound(st.name)
	}
	if len(st.consumers) > 0 && (in.EnforceConsumerDeletion == nil || !*in.EnforceConsumerDeletion) {
		st.mu.Unlock()
		return nil, awsapi.Errorf(ErrCodeResourceInUseException, "DeleteStream can’t delete %s:%s because there are consumers associated with this data stream. To delete %s anyway, set the EnforceConsumerDeletion parameter to true to force the deletion of all the consumers that are associated with it.", s.account(), st.name, st.name)
	}
	var arns []string
	for _, c := range st.consumers {
		arns = append(arns, c.arn)
	}
	st.consumers = nil
	st.pending = nil
	st.status = StreamStatusDeleting
	st.readyAt = time.Time{}
	st.deleteAt = now.Add(opts.DeleteDelay)
	st.save()
	st.settle(now)
	gone := st.gone
	st.wakeAll()
	st.mu.Unlock()
	s.deletePolicies(append(arns, st.arn)...)
	if gone {
		s.drop(st)
	}
	return &DeleteStreamOutput{}, nil
}

// pageSize is a request's page size: its limit, or max when the limit is
// absent or larger (Kinesis returns at most max items and ignores the
// rest of the limit).
func pageSize(limit *int32, max int) int {
	if limit == nil || int(*limit) > max {
		return max
	}
	return int(*limit)
}

// enhancedMonitoring renders the enabled shard-level metrics. st.mu is
// held.
func (st *stream) enhancedMonitoring() []EnhancedMetrics {
	return []EnhancedMetrics{{ShardLevelMetrics: append([]MetricsName{}, st.metrics...)}}
}

// modeDetails renders the capacity mode. st.mu is held.
func (st *stream) modeDetails() *StreamModeDetails {
	return &StreamModeDetails{StreamMode: st.mode}
}

// DescribeStream describes a stream and a page of its shards.
func (s *Service) DescribeStream(ctx context.Context, in *DescribeStreamInput) (*DescribeStreamOutput, error) {
	st, err := s.resolve(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	limit := pageSize(in.Limit, maxDescribeShards)
	now := s.now()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.expireClosedShards(now)
	d := &StreamDescription{
		StreamName:              new(st.name),
		StreamARN:               new(st.arn),
		StreamStatus:            st.status,
		StreamModeDetails:       st.modeDetails(),
		Shards:                  []Shard{},
		HasMoreShards:           new(false),
		RetentionPeriodHours:    new(st.retention),
		StreamCreationTimestamp: new(st.created),
		EnhancedMonitoring:      st.enhancedMonitoring(),
		EncryptionType:          st.encType,
	}
	if st.keyID != "" {
		d.KeyId = new(st.keyID)
	}
	if st.visible() {
		after := -1
		if in.ExclusiveStartShardId != nil {
			if i, ok := parseShardID(*in.ExclusiveStartShardId); ok {
				after = i
			}
		}
		for _, sh := range st.shards {
			if sh.index <= after {
				continue
			}
			if len(d.Shards) == limit {
				d.HasMoreShards = new(true)
				break
			}
			d.Shards = append(d.Shards, sh.toShard())
		}
	}
	return &DescribeStreamOutput{StreamDescription: d}, nil
}

// DescribeStreamSummary describes a stream without its shards.
func (s *Service) DescribeStreamSummary(ctx context.Context, in *DescribeStreamSummaryInput) (*DescribeStreamSummaryOutput, error) {
	st, err := s.resolve(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	open := 0
	if st.visible() {
		open = st.openShardCount()
	}
	d := &StreamDescriptionSummary{
		StreamName:              new(st.name),
		StreamARN:               new(st.arn),
		StreamStatus:            st.status,
		StreamModeDetails:       st.modeDetails(),
		RetentionPeriodHours:    new(st.retention),
		StreamCreationTimestamp: new(st.created),
		EnhancedMonitoring:      st.enhancedMonitoring(),
		EncryptionType:          st.encType,
		OpenShardCount:          new(int32(open)),
		ConsumerCount:           new(int32(len(st.consumers))),
		MaxRecordSizeInKiB:      new(st.maxRecKiB),
	}
	if st.keyID != "" {
		d.KeyId = new(st.keyID)
	}
	if st.mode == StreamModeOnDemand && st.warmMiBps != nil {
		d.WarmThroughput = &WarmThroughputObject{TargetMiBps: new(*st.warmMiBps), CurrentMiBps: new(*st.warmMiBps)}
	}
	return &DescribeStreamSummaryOutput{StreamDescriptionSummary: d}, nil
}

// ListStreams lists the streams by name, a page at a time.
func (s *Service) ListStreams(ctx context.Context, in *ListStreamsInput) (*ListStreamsOutput, error) {
	limit := pageSize(in.Limit, maxListStreamsPage)
	after := ""
	if in.ExclusiveStartStreamName != nil {
		after = *in.ExclusiveStartStreamName
	}
	if in.NextToken != nil && *in.NextToken != "" {
		if in.ExclusiveStartStreamName != nil {
			return nil, invalidArg("ExclusiveStartStreamName and NextToken cannot be provided together.")
		}
		raw, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		if err != nil || !strings.HasPrefix(string(raw), "streams:") {
			return nil, invalidArg("Invalid NextToken.")
		}
		after = strings.TrimPrefix(string(raw), "streams:")
	}
	out := &ListStreamsOutput{StreamNames: []string{}, StreamSummaries: []StreamSummary{}, HasMoreStreams: new(false)}
	for _, st := range s.sortedStreams() {
		if after != "" && st.name <= after {
			continue
		}
		if len(out.StreamNames) == limit {
			out.HasMoreStreams = new(true)
			last := out.StreamNames[len(out.StreamNames)-1]
			out.NextToken = new(base64.RawURLEncoding.EncodeToString([]byte("streams:" + last)))
			break
		}
		st.mu.Lock()
		out.StreamNames = append(out.StreamNames, st.name)
		out.StreamSummaries = append(out.StreamSummaries, StreamSummary{
			StreamName:              new(st.name),
			StreamARN:               new(st.arn),
			StreamStatus:            st.status,
			StreamModeDetails:       st.modeDetails(),
			StreamCreationTimestamp: new(st.created),
		})
		st.mu.Unlock()
	}
	return out, nil
}

// activeStream resolves a stream that must be ACTIVE and returns it
// locked.
func (s *Service) activeStream(name, arn *string) (*stream, error) {
	st, err := s.resolve(name, arn)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	if st.status != StreamStatusActive {
		st.mu.Unlock()
		return nil, s.errNotActive(st)
	}
	return st, nil
}

// UpdateStreamMode switches a stream between provisioned and on-demand.
func (s *Service) UpdateStreamMode(ctx context.Context, in *UpdateStreamModeInput) (*UpdateStreamModeOutput, error) {
	mode := in.StreamModeDetails.StreamMode
	if mode == StreamModeOnDemand {
		_, onDemand := s.openShardTotal(nil)
		if opts := s.Options(); onDemand >= opts.OnDemandStreamLimit {
			return nil, awsapi.Errorf(ErrCodeLimitExceededException, "This request would exceed the on-demand stream limit for the account %s in %s. Current on-demand stream count for the account: %d. Limit: %d.", s.account(), s.region(), onDemand, opts.OnDemandStreamLimit)
		}
	}
	st, err := s.activeStream(nil, in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer st.mu.Unlock()
	if st.mode == mode {
		return nil, invalidArg("Stream %s under account %s is already in %s mode.", st.name, s.account(), mode)
	}
	if in.WarmThroughputMiBps != nil && mode != StreamModeOnDemand {
		return nil, invalidArg("WarmThroughputMiBps is only supported for a stream in ON_DEMAND mode.")
	}
	st.mode = mode
	if mode == StreamModeOnDemand {
		st.warmMiBps = in.WarmThroughputMiBps
	} else {
		st.warmMiBps = nil
	}
	st.beginUpdate(s.now(), s.Options().UpdateDelay, 0, nil)
	return &UpdateStreamModeOutput{}, nil
}

// IncreaseStreamRetentionPeriod lengthens the retention period.
func (s *Service) IncreaseStreamRetentionPeriod(ctx context.Context, in *IncreaseStreamRetentionPeriodInput) (*IncreaseStreamRetentionPeriodOutput, error) {
	if err := s.setRetention(in.StreamName, in.StreamARN, *in.RetentionPeriodHours, true); err != nil {
		return nil, err
	}
	return &IncreaseStreamRetentionPeriodOutput{}, nil
}

// DecreaseStreamRetentionPeriod shortens the retention period; older
// records become unavailable.
func (s *Service) DecreaseStreamRetentionPeriod(ctx context.Context, in *DecreaseStreamRetentionPeriodInput) (*DecreaseStreamRetentionPeriodOutput, error) {
	if err := s.setRetention(in.StreamName, in.StreamARN, *in.RetentionPeriodHours, false); err != nil {
		return nil, err
	}
	return &DecreaseStreamRetentionPeriodOutput{}, nil
}

func (s *Service) setRetention(name, arn *string, hours int32, increase bool) error {
	st, err := s.activeStream(name, arn)
	if err != nil {
		return err
	}
	defer st.mu.Unlock()
	switch {
	case hours < minRetentionHours:
		return invalidArg("Minimum allowed retention period is %d hours. Requested retention period (%d hours) is too short.", minRetentionHours, hours)
	case hours > maxRetentionHours:
		return invalidArg("Maximum allowed retention period is %d hours. Requested retention period (%d hours) is too long.", maxRetentionHours, hours)
	case increase && hours < st.retention:
		return invalidArg("Requested retention period (%d hours) for stream %s can not be shorter than existing retention period (%d hours). Use DecreaseRetentionPeriod API.", hours, st.name, st.retention)
	case !increase && hours > st.retention:
		return invalidArg("Requested retention period (%d hours) for stream %s can not be longer than existing retention period (%d hours). Use IncreaseRetentionPeriod API.", hours, st.name, st.retention)
	}
	st.retention = hours
	st.save()
	now := s.now()
	for _, sh := range st.shards {
		st.trim(sh, now)
	}
	return nil
}

// StartStreamEncryption turns on server-side encryption: records put from
// then on report EncryptionType KMS.
func (s *Service) StartStreamEncryption(ctx context.Context, in *StartStreamEncryptionInput) (*StartStreamEncryptionOutput, error) {
	if in.EncryptionType != EncryptionTypeKms {
		return nil, invalidArg("Invalid EncryptionType %s. Supported EncryptionType: KMS.", in.EncryptionType)
	}
	st, err := s.activeStream(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer st.mu.Unlock()
	if st.encType == EncryptionTypeKms && st.keyID == *in.KeyId {
		return nil, invalidArg("Stream %s under account %s is already encrypted with the same KMS key.", st.name, s.account())
	}
	st.beginUpdate(s.now(), s.Options().UpdateDelay, 0, &pendingChange{Kind: changeEncrypt, KeyID: *in.KeyId})
	return &StartStreamEncryptionOutput{}, nil
}

// StopStreamEncryption turns server-side encryption off.
func (s *Service) StopStreamEncryption(ctx context.Context, in *StopStreamEncryptionInput) (*StopStreamEncryptionOutput, error) {
	if in.EncryptionType != EncryptionTypeKms {
		return nil, invalidArg("Invalid EncryptionType %s. Supported EncryptionType: KMS.", in.EncryptionType)
	}
	st, err := s.activeStream(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer st.mu.Unlock()
	if st.encType != EncryptionTypeKms {
		return nil, invalidArg("Stream %s under account %s is not encrypted.", st.name, s.account())
	}
	st.beginUpdate(s.now(), s.Options().UpdateDelay, 0, &pendingChange{Kind: changeDecrypt})
	return &StopStreamEncryptionOutput{}, nil
}

// allMetrics lists the shard-level metrics "ALL" stands for.
func allMetrics() []MetricsName {
	return []MetricsName{MetricsNameIncomingBytes, MetricsNameIncomingRecords, MetricsNameOutgoingBytes, MetricsNameOutgoingRecords, MetricsNameWriteProvisionedThroughputExceeded, MetricsNameReadProvisionedThroughputExceeded, MetricsNameIteratorAgeMilliseconds}
}

func expandMetrics(in []MetricsName) []MetricsName {
	var out []MetricsName
	for _, m := range in {
		if m == MetricsNameAll {
			out = append(out, allMetrics()...)
		} else {
			out = append(out, m)
		}
	}
	return out
}

// EnableEnhancedMonitoring turns on shard-level metrics.
func (s *Service) EnableEnhancedMonitoring(ctx context.Context, in *EnableEnhancedMonitoringInput) (*EnableEnhancedMonitoringOutput, error) {
	cur, desired, st, err := s.changeMetrics(in.StreamName, in.StreamARN, in.ShardLevelMetrics, true)
	if err != nil {
		return nil, err
	}
	return &EnableEnhancedMonitoringOutput{StreamName: new(st.name), StreamARN: new(st.arn), CurrentShardLevelMetrics: cur, DesiredShardLevelMetrics: desired}, nil
}

// DisableEnhancedMonitoring turns off shard-level metrics.
func (s *Service) DisableEnhancedMonitoring(ctx context.Context, in *DisableEnhancedMonitoringInput) (*DisableEnhancedMonitoringOutput, error) {
	cur, desired, st, err := s.changeMetrics(in.StreamName, in.StreamARN, in.ShardLevelMetrics, false)
	if err != nil {
		return nil, err
	}
	return &DisableEnhancedMonitoringOutput{StreamName: new(st.name), StreamARN: new(st.arn), CurrentShardLevelMetrics: cur, DesiredShardLevelMetrics: desired}, nil
}

func (s *Service) changeMetrics(name, arn *string, metrics []MetricsName, enable bool) (cur, desired []MetricsName, st *stream, err error) {
	if len(metrics) == 0 {
		return nil, nil, nil, invalidArg("ShardLevelMetrics must contain at least one metric.")
	}
	st, err = s.activeStream(name, arn)
	if err != nil {
		return nil, nil, nil, err
	}
	defer st.mu.Unlock()
	cur = slices.Clone(st.metrics)
	set := map[MetricsName]bool{}
	for _, m := range st.metrics {
		set[m] = true
	}
	for _, m := range expandMetrics(metrics) {
		set[m] = enable
	}
	desired = []MetricsName{}
	for _, m := range allMetrics() {
		if set[m] {
			desired = append(desired, m)
		}
	}
	st.metrics = desired
	st.save()
	if cur == nil {
		cur = []MetricsName{}
	}
	return cur, slices.Clone(desired), st, nil
}

// DescribeLimits reports the account's shard and on-demand stream limits
// and use.
func (s *Service) DescribeLimits(ctx context.Context, in *DescribeLimitsInput) (*DescribeLimitsOutput, error) {
	opts := s.Options()
	open, onDemand := s.openShardTotal(nil)
	return &DescribeLimitsOutput{
		ShardLimit:               new(int32(opts.ShardLimit)),
		OpenShardCount:           new(int32(open)),
		OnDemandStreamCount:      new(int32(onDemand)),
		OnDemandStreamCountLimit: new(int32(opts.OnDemandStreamLimit)),
	}, nil
}

// DescribeAccountSettings returns the minimum throughput billing
// commitment.
func (s *Service) DescribeAccountSettings(ctx context.Context, in *DescribeAccountSettingsInput) (*DescribeAccountSettingsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &DescribeAccountSettingsOutput{MinimumThroughputBillingCommitment: s.commitmentLocked()}, nil
}

// commitmentLocked returns the commitment as of now. s.mu is held.
func (s *Service) commitmentLocked() *MinimumThroughputBillingCommitmentOutput {
	c := s.settings
	if c == nil {
		return &MinimumThroughputBillingCommitmentOutput{Status: MinimumThroughputBillingCommitmentOutputStatusDisabled}
	}
	if c.Status == MinimumThroughputBillingCommitmentOutputStatusEnabledUntilEarliestAllowedEnd && !s.now().Before(*c.EarliestAllowedEndAt) {
		c.Status = MinimumThroughputBillingCommitmentOutputStatusDisabled
		s.saveSettings()
	}
	out := *c
	return &out
}

// UpdateAccountSettings enables or disables the minimum throughput billing
// commitment; a commitment runs at least a day.
func (s *Service) UpdateAccountSettings(ctx context.Context, in *UpdateAccountSettingsInput) (*UpdateAccountSettingsOutput, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.commitmentLocked()
	cur0 := s.settings
	switch in.MinimumThroughputBillingCommitment.Status {
	case MinimumThroughputBillingCommitmentInputStatusEnabled:
		if cur.Status != MinimumThroughputBillingCommitmentOutputStatusEnabled {
			s.settings = &MinimumThroughputBillingCommitmentOutput{
				Status:               MinimumThroughputBillingCommitmentOutputStatusEnabled,
				StartedAt:            new(now),
				EarliestAllowedEndAt: new(now.Add(24 * time.Hour)),
			}
		}
	case MinimumThroughputBillingCommitmentInputStatusDisabled:
		if cur.Status == MinimumThroughputBillingCommitmentOutputStatusEnabled {
			c := *s.settings
			if now.Before(*c.EarliestAllowedEndAt) {
				c.Status = MinimumThroughputBillingCommitmentOutputStatusEnabledUntilEarliestAllowedEnd
				c.EndedAt = new(*c.EarliestAllowedEndAt)
			} else {
				c.Status = MinimumThroughputBillingCommitmentOutputStatusDisabled
				c.EndedAt = new(now)
			}
			s.settings = &c
		}
	}
	if s.settings != nil && s.settings != cur0 {
		s.saveSettings()
	}
	return &UpdateAccountSettingsOutput{MinimumThroughputBillingCommitment: s.commitmentLocked()}, nil
}

// UpdateMaxRecordSize sets the largest record the stream accepts.
func (s *Service) UpdateMaxRecordSize(ctx context.Context, in *UpdateMaxRecordSizeInput) (*UpdateMaxRecordSizeOutput, error) {
	st, err := s.activeStream(nil, in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer st.mu.Unlock()
	st.maxRecKiB = *in.MaxRecordSizeInKiB
	st.save()
	return &UpdateMaxRecordSizeOutput{}, nil
}

// UpdateStreamWarmThroughput sets an on-demand stream's warm throughput.
func (s *Service) UpdateStreamWarmThroughput(ctx context.Context, in *UpdateStreamWarmThroughputInput) (*UpdateStreamWarmThroughputOutput, error) {
	st, err := s.activeStream(in.StreamName, in.StreamARN)
	if err != nil {
		return nil, err
	}
	defer st.mu.Unlock()
	if st.mode != StreamModeOnDemand {
		return nil, invalidArg("WarmThroughputMiBps is only supported for a stream in ON_DEMAND mode.")
	}
	st.warmMiBps = new(*in.WarmThroughputMiBps)
	st.save()
	return &UpdateStreamWarmThroughputOutput{
		StreamName:     new(st.name),
		StreamARN:      new(st.arn),
		WarmThroughput: &WarmThroughputObject{TargetMiBps: new(*st.warmMiBps), CurrentMiBps: new(*st.warmMiBps)},
	}, nil
}
