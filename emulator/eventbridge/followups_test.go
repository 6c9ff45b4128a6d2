package eventbridge_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdkeb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// advanceSettle moves e's frozen clock by d and waits for what came due.
func advanceSettle(t *testing.T, e *emulator.Emulator, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.Clock().Advance(d); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := e.Clock().Settle(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRemovedTargetStopsRetrying checks that a failing target's queued
// retries are cancelled (not retried, not dead-lettered) once the target
// is removed or its bus deleted.
func TestRemovedTargetStopsRetrying(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		bus    string
		remove func(ctx context.Context, c *sdkeb.Client) error
	}{
		{"RemoveTargets", "", func(ctx context.Context, c *sdkeb.Client) error {
			out, err := c.RemoveTargets(ctx, &sdkeb.RemoveTargetsInput{Rule: aws.String("r"), Ids: []string{"api"}})
			if err == nil && out.FailedEntryCount != 0 {
				t.Errorf("RemoveTargets failed entries %+v", out.FailedEntries)
			}
			return err
		}},
		{"DeleteEventBus", "shop", func(ctx context.Context, c *sdkeb.Client) error {
			_, err := c.DeleteEventBus(ctx, &sdkeb.DeleteEventBusInput{Name: aws.String("shop")})
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, e := cpSetup(t)
			ctx := context.Background()
			var calls atomic.Int32
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.WriteHeader(http.StatusInternalServerError)
			}))
			t.Cleanup(srv.Close)
			e.EventBridge().SetAPIDestinationClient(srv.Client())
			conn := cpMust[*sdkeb.CreateConnectionOutput](t)(c.CreateConnection(ctx, &sdkeb.CreateConnectionInput{Name: aws.String("c"),
				AuthorizationType: types.ConnectionAuthorizationTypeBasic, AuthParameters: &types.CreateConnectionAuthRequestParameters{
					BasicAuthParameters: &types.CreateConnectionBasicAuthRequestParameters{Username: aws.String("u"), Password: aws.String("p")}}}))
			dest := cpMust[*sdkeb.CreateApiDestinationOutput](t)(c.CreateApiDestination(ctx, &sdkeb.CreateApiDestinationInput{Name: aws.String("d"),
				ConnectionArn: conn.ConnectionArn, InvocationEndpoint: aws.String(srv.URL), HttpMethod: types.ApiDestinationHttpMethodPost}))
			var bus *string
			if tc.bus != "" {
				bus = aws.String(tc.bus)
				cpMust[*sdkeb.CreateEventBusOutput](t)(c.CreateEventBus(ctx, &sdkeb.CreateEventBusInput{Name: bus}))
			}
			cpRule(t, c, tc.bus, "r")
			cpMust[*sdkeb.PutTargetsOutput](t)(c.PutTargets(ctx, &sdkeb.PutTargetsInput{Rule: aws.String("r"), EventBusName: bus,
				Targets: []types.Target{{Id: aws.String("api"), Arn: dest.ApiDestinationArn, RoleArn: aws.String("arn:aws:iam::000000000000:role/r"),
					DeadLetterConfig: &types.DeadLetterConfig{Arn: aws.String("arn:aws:sqs:us-east-1:000000000000:dlq")}}}}))
			put := cpMust[*sdkeb.PutEventsOutput](t)(c.PutEvents(ctx, &sdkeb.PutEventsInput{Entries: []types.PutEventsRequestEntry{{
				Source: aws.String("app"), DetailType: aws.String("t"), Detail: aws.String(`{}`), EventBusName: bus}}}))
			if put.FailedEntryCount != 0 {
				t.Fatalf("PutEvents %+v", put.Entries)
			}
			advanceSettle(t, e, 0)
			advanceSettle(t, e, time.Second)
			if n := calls.Load(); n != 2 {
				t.Fatalf("%d calls before the removal, want 2 (first attempt and one retry)", n)
			}
			if n := e.EventBridge().PendingDeliveries(); n != 1 {
				t.Fatalf("%d pending deliveries before the removal, want 1", n)
			}
			if err := tc.remove(ctx, c); err != nil {
				t.Fatal(err)
			}
			advanceSettle(t, e, time.Hour)
			advanceSettle(t, e, 24*time.Hour)
			if n := calls.Load(); n != 2 {
				t.Errorf("%d calls after the removal, want still 2", n)
			}
			if n := e.EventBridge().PendingDeliveries(); n != 0 {
				t.Errorf("%d deliveries still pending", n)
			}
			if n := e.EventBridge().DroppedEvents(); n != 0 {
				t.Errorf("%d events dropped; a cancelled retry is neither dropped nor dead-lettered", n)
			}
		})
	}
}

// TestArchiveRetentionWithoutNewEvents checks that DescribeArchive and
// ListArchives apply the retention on the virtual clock by themselves.
func TestArchiveRetentionWithoutNewEvents(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		count func(ctx context.Context, c *sdkeb.Client) (int64, error)
	}{
		{"DescribeArchive", func(ctx context.Context, c *sdkeb.Client) (int64, error) {
			d, err := c.DescribeArchive(ctx, &sdkeb.DescribeArchiveInput{ArchiveName: aws.String("day")})
			if err != nil {
				return 0, err
			}
			if (d.EventCount == 0) != (d.SizeBytes == 0) {
				t.Errorf("EventCount %d with SizeBytes %d", d.EventCount, d.SizeBytes)
			}
			return d.EventCount, nil
		}},
		{"ListArchives", func(ctx context.Context, c *sdkeb.Client) (int64, error) {
			l, err := c.ListArchives(ctx, &sdkeb.ListArchivesInput{})
			if err != nil {
				return 0, err
			}
			if len(l.Archives) != 1 {
				t.Fatalf("ListArchives %+v", l.Archives)
			}
			return l.Archives[0].EventCount, nil
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, e := cpSetup(t)
			ctx := context.Background()
			cpMust[*sdkeb.CreateArchiveOutput](t)(c.CreateArchive(ctx, &sdkeb.CreateArchiveInput{ArchiveName: aws.String("day"),
				EventSourceArn: aws.String(cpDefaultBus), RetentionDays: aws.Int32(1)}))
			entry := types.PutEventsRequestEntry{Source: aws.String("app"), DetailType: aws.String("t"), Detail: aws.String(`{}`)}
			cpMust[*sdkeb.PutEventsOutput](t)(c.PutEvents(ctx, &sdkeb.PutEventsInput{Entries: []types.PutEventsRequestEntry{entry, entry}}))
			advanceSettle(t, e, 0)
			if n := cpMust[int64](t)(tc.count(ctx, c)); n != 2 {
				t.Fatalf("EventCount %d, want 2", n)
			}
			advanceSettle(t, e, 23*time.Hour)
			if n := cpMust[int64](t)(tc.count(ctx, c)); n != 2 {
				t.Fatalf("EventCount %d within the retention, want 2", n)
			}
			advanceSettle(t, e, 2*time.Hour)
			if n := cpMust[int64](t)(tc.count(ctx, c)); n != 0 {
				t.Errorf("EventCount %d after the retention with no new event, want 0", n)
			}
		})
	}
}

// TestSoftQuotas checks that rules per bus and custom buses are not capped
// by default and follow Limits.MaxResourcesPerAccount when it is set.
func TestSoftQuotas(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		limit int
		rules int // rules that must fit on the default bus
		buses int // custom buses that must fit
	}{
		{"generous default", 0, 310, 110},
		{"limit 3", 3, 3, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := emulator.Start(t, emulator.WithClock(clock.New(clock.WithScale(0))),
				emulator.WithLimits(awsapi.Limits{MaxResourcesPerAccount: tc.limit}))
			c := sdkeb.NewFromConfig(e.AWSConfig())
			ctx := context.Background()
			for i := range tc.rules {
				cpRule(t, c, "", "r"+strconv.Itoa(i))
			}
			for i := range tc.buses {
				cpMust[*sdkeb.CreateEventBusOutput](t)(c.CreateEventBus(ctx, &sdkeb.CreateEventBusInput{Name: aws.String("b" + strconv.Itoa(i))}))
			}
			if tc.limit == 0 {
				return
			}
			// Replacing a rule is not a new one.
			cpRule(t, c, "", "r0")
			_, err := c.PutRule(ctx, &sdkeb.PutRuleInput{Name: aws.String("one-more"), EventPattern: aws.String(`{"source":["app"]}`)})
			cpErr(t, err, "LimitExceededException", "The requested resource exceeds the maximum number allowed.")
			_, err = c.CreateEventBus(ctx, &sdkeb.CreateEventBusInput{Name: aws.String("one-more")})
			cpErr(t, err, "LimitExceededException", "The requested resource exceeds the maximum number allowed.")
			// A custom bus has its own rule quota.
			cpRule(t, c, "b0", "r0")
			// Freeing a place makes room.
			cpMust[*sdkeb.DeleteRuleOutput](t)(c.DeleteRule(ctx, &sdkeb.DeleteRuleInput{Name: aws.String("r1")}))
			cpRule(t, c, "", "one-more")
		})
	}
}
