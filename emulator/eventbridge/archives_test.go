package eventbridge_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkeb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

const cpDefaultBus = "arn:aws:events:us-east-1:000000000000:event-bus/default"

func TestArchives(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	out := cpMust[*sdkeb.CreateArchiveOutput](t)(c.CreateArchive(ctx, &sdkeb.CreateArchiveInput{ArchiveName: aws.String("orders"),
		EventSourceArn: aws.String(cpDefaultBus), EventPattern: aws.String(`{"source":["orders"]}`), RetentionDays: aws.Int32(7), Description: aws.String("d")}))
	if *out.ArchiveArn != "arn:aws:events:us-east-1:000000000000:archive/orders" || out.State != types.ArchiveStateEnabled {
		t.Fatalf("CreateArchive = %+v", out)
	}
	errCases := []struct {
		name      string
		in        *sdkeb.CreateArchiveInput
		code, msg string
	}{
		{"exists", &sdkeb.CreateArchiveInput{ArchiveName: aws.String("orders"), EventSourceArn: aws.String(cpDefaultBus)}, "ResourceAlreadyExistsException", "Archive orders already exists."},
		{"no-bus", &sdkeb.CreateArchiveInput{ArchiveName: aws.String("x"), EventSourceArn: aws.String("arn:aws:events:us-east-1:000000000000:event-bus/nope")}, "ResourceNotFoundException", "Event bus nope does not exist."},
		{"bad-pattern", &sdkeb.CreateArchiveInput{ArchiveName: aws.String("x"), EventSourceArn: aws.String(cpDefaultBus), EventPattern: aws.String(`{"a":1}`)}, "InvalidEventPatternException", ""},
		{"long-name", &sdkeb.CreateArchiveInput{ArchiveName: aws.String("a123456789012345678901234567890123456789012345678"), EventSourceArn: aws.String(cpDefaultBus)}, "ValidationException", ""},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateArchive(ctx, tc.in)
			cpErr(t, err, tc.code, tc.msg)
		})
	}
	// The archive is fed by a managed rule on its bus.
	r := cpMust[*sdkeb.DescribeRuleOutput](t)(c.DescribeRule(ctx, &sdkeb.DescribeRuleInput{Name: aws.String("Events-Archive-orders")}))
	if aws.ToString(r.ManagedBy) != "prod.vhs.events.aws.internal" || aws.ToString(r.EventPattern) != `{"source":["orders"],"replay-name":[{"exists":false}]}` {
		t.Fatalf("archive rule %+v", r)
	}
	_, err := c.DeleteRule(ctx, &sdkeb.DeleteRuleInput{Name: aws.String("Events-Archive-orders")})
	cpErr(t, err, "ManagedRuleException", "")
	_, err = c.PutRule(ctx, &sdkeb.PutRuleInput{Name: aws.String("Events-Archive-orders"), EventPattern: aws.String(`{"source":["x"]}`)})
	cpErr(t, err, "ManagedRuleException", "")
	rm := cpMust[*sdkeb.RemoveTargetsOutput](t)(c.RemoveTargets(ctx, &sdkeb.RemoveTargetsInput{Rule: aws.String("Events-Archive-orders"), Ids: []string{"Events-Archive-orders"}}))
	if rm.FailedEntryCount != 1 || *rm.FailedEntries[0].ErrorCode != "ManagedRuleException" {
		t.Fatalf("RemoveTargets on a managed rule = %+v", rm)
	}

	d := cpMust[*sdkeb.DescribeArchiveOutput](t)(c.DescribeArchive(ctx, &sdkeb.DescribeArchiveInput{ArchiveName: aws.String("orders")}))
	if aws.ToInt32(d.RetentionDays) != 7 || d.EventCount != 0 || d.SizeBytes != 0 || aws.ToString(d.EventSourceArn) != cpDefaultBus {
		t.Fatalf("DescribeArchive = %+v", d)
	}
	cpMust[*sdkeb.UpdateArchiveOutput](t)(c.UpdateArchive(ctx, &sdkeb.UpdateArchiveInput{ArchiveName: aws.String("orders"), EventPattern: aws.String(`{"source":["b"]}`), RetentionDays: aws.Int32(0)}))
	r = cpMust[*sdkeb.DescribeRuleOutput](t)(c.DescribeRule(ctx, &sdkeb.DescribeRuleInput{Name: aws.String("Events-Archive-orders")}))
	if aws.ToString(r.EventPattern) != `{"source":["b"],"replay-name":[{"exists":false}]}` {
		t.Fatalf("archive rule after update %s", aws.ToString(r.EventPattern))
	}
	_, err = c.UpdateArchive(ctx, &sdkeb.UpdateArchiveInput{ArchiveName: aws.String("nope")})
	cpErr(t, err, "ResourceNotFoundException", "Archive nope does not exist.")

	cpMust[*sdkeb.CreateArchiveOutput](t)(c.CreateArchive(ctx, &sdkeb.CreateArchiveInput{ArchiveName: aws.String("all"), EventSourceArn: aws.String(cpDefaultBus)}))
	r = cpMust[*sdkeb.DescribeRuleOutput](t)(c.DescribeRule(ctx, &sdkeb.DescribeRuleInput{Name: aws.String("Events-Archive-all")}))
	if aws.ToString(r.EventPattern) != `{"replay-name":[{"exists":false}]}` {
		t.Fatalf("pattern of an archive of all events %s", aws.ToString(r.EventPattern))
	}
	list := cpMust[*sdkeb.ListArchivesOutput](t)(c.ListArchives(ctx, &sdkeb.ListArchivesInput{NamePrefix: aws.String("or")}))
	if len(list.Archives) != 1 || *list.Archives[0].ArchiveName != "orders" {
		t.Fatalf("ListArchives = %+v", list.Archives)
	}
	_, err = c.ListArchives(ctx, &sdkeb.ListArchivesInput{NamePrefix: aws.String("or"), State: types.ArchiveStateEnabled})
	cpErr(t, err, "ValidationException", "At most one filter is allowed for ListArchives. Use either : State, EventSourceArn, or NamePrefix.")
	_, err = c.ListArchives(ctx, &sdkeb.ListArchivesInput{EventSourceArn: aws.String("arn:aws:events:us-east-1:000000000000:event-bus/nope")})
	cpErr(t, err, "ResourceNotFoundException", "Event bus nope does not exist.")

	cpMust[*sdkeb.DeleteArchiveOutput](t)(c.DeleteArchive(ctx, &sdkeb.DeleteArchiveInput{ArchiveName: aws.String("all")}))
	_, err = c.DescribeArchive(ctx, &sdkeb.DescribeArchiveInput{ArchiveName: aws.String("all")})
	cpErr(t, err, "ResourceNotFoundException", "Archive all does not exist.")
	_, err = c.DescribeRule(ctx, &sdkeb.DescribeRuleInput{Name: aws.String("Events-Archive-all")})
	cpErr(t, err, "ResourceNotFoundException", "Rule Events-Archive-all does not exist on EventBus default.")
	_, err = c.DeleteArchive(ctx, &sdkeb.DeleteArchiveInput{ArchiveName: aws.String("all")})
	cpErr(t, err, "ResourceNotFoundException", "Archive all does not exist.")
}

func TestReplays(t *testing.T) {
	t.Parallel()
	c, _ := cpSetup(t)
	ctx := context.Background()
	cpMust[*sdkeb.CreateEventBusOutput](t)(c.CreateEventBus(ctx, &sdkeb.CreateEventBusInput{Name: aws.String("other")}))
	archive := *cpMust[*sdkeb.CreateArchiveOutput](t)(c.CreateArchive(ctx, &sdkeb.CreateArchiveInput{ArchiveName: aws.String("a"), EventSourceArn: aws.String(cpDefaultBus)})).ArchiveArn
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.Add(time.Hour)
	in := func(name, src, dest string, s, e time.Time) *sdkeb.StartReplayInput {
		return &sdkeb.StartReplayInput{ReplayName: aws.String(name), EventSourceArn: aws.String(src), EventStartTime: aws.Time(s), EventEndTime: aws.Time(e),
			Destination: &types.ReplayDestination{Arn: aws.String(dest)}}
	}
	cases := []struct {
		name      string
		in        *sdkeb.StartReplayInput
		code, msg string
	}{
		{"not-bus", in("x", archive, archive, start, end), "ValidationException", "Parameter Destination.Arn is not valid. Reason: Must contain an event bus ARN."},
		{"times", in("x", archive, cpDefaultBus, end, start), "ValidationException", "Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime."},
		{"same-times", in("x", archive, cpDefaultBus, start, start), "ValidationException", "Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime."},
		{"no-archive", in("x", "arn:aws:events:us-east-1:000000000000:archive/nope", cpDefaultBus, start, end), "ValidationException", "Parameter EventSourceArn is not valid. Reason: Archive nope does not exist."},
		{"cross-bus", in("x", archive, "arn:aws:events:us-east-1:000000000000:event-bus/other", start, end), "ValidationException", "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.StartReplay(ctx, tc.in)
			cpErr(t, err, tc.code, tc.msg)
		})
	}
	out := cpMust[*sdkeb.StartReplayOutput](t)(c.StartReplay(ctx, in("r1", archive, cpDefaultBus, start, end)))
	if *out.ReplayArn != "arn:aws:events:us-east-1:000000000000:replay/r1" || out.State != types.ReplayStateStarting || out.ReplayStartTime == nil {
		t.Fatalf("StartReplay = %+v", out)
	}
	_, err := c.StartReplay(ctx, in("r1", archive, cpDefaultBus, start, end))
	cpErr(t, err, "ResourceAlreadyExistsException", "Replay r1 already exists.")
	d := cpMust[*sdkeb.DescribeReplayOutput](t)(c.DescribeReplay(ctx, &sdkeb.DescribeReplayInput{ReplayName: aws.String("r1")}))
	if aws.ToString(d.EventSourceArn) != archive || aws.ToString(d.Destination.Arn) != cpDefaultBus || !d.EventStartTime.Equal(start) || !d.EventEndTime.Equal(end) {
		t.Fatalf("DescribeReplay = %+v", d)
	}
	_, err = c.DescribeReplay(ctx, &sdkeb.DescribeReplayInput{ReplayName: aws.String("nope")})
	cpErr(t, err, "ResourceNotFoundException", "Replay nope does not exist.")
	list := cpMust[*sdkeb.ListReplaysOutput](t)(c.ListReplays(ctx, &sdkeb.ListReplaysInput{EventSourceArn: aws.String(archive)}))
	if len(list.Replays) != 1 || *list.Replays[0].ReplayName != "r1" {
		t.Fatalf("ListReplays = %+v", list.Replays)
	}
	_, err = c.ListReplays(ctx, &sdkeb.ListReplaysInput{EventSourceArn: aws.String(archive), NamePrefix: aws.String("r")})
	cpErr(t, err, "ValidationException", "At most one filter is allowed for ListReplays. Use either : State, EventSourceArn, or NamePrefix.")

	cancel := cpMust[*sdkeb.CancelReplayOutput](t)(c.CancelReplay(ctx, &sdkeb.CancelReplayInput{ReplayName: aws.String("r1")}))
	if cancel.State != types.ReplayStateCancelling || *cancel.ReplayArn != *out.ReplayArn {
		t.Fatalf("CancelReplay = %+v", cancel)
	}
	_, err = c.CancelReplay(ctx, &sdkeb.CancelReplayInput{ReplayName: aws.String("r1")})
	cpErr(t, err, "IllegalStatusException", "Replay r1 is not in a valid state for this operation.")
	_, err = c.CancelReplay(ctx, &sdkeb.CancelReplayInput{ReplayName: aws.String("nope")})
	cpErr(t, err, "ResourceNotFoundException", "Replay nope does not exist.")
}
