// Package delivery is the emulator's delivery engine: it attempts
// deliveries on the emulator's virtual clock, retries them on a policy's
// schedule and reports how they end, so that Lambda's asynchronous
// invocations, SNS subscriptions and EventBridge targets share one
// implementation of retries, event ages, dead-lettering and FIFO order.
// It knows nothing of HTTP or of the services' types: a delivery is an
// opaque payload, a target name and a Policy.
//
// # Using it
//
// Make one Queue per owner (a Lambda function, an SNS topic or
// subscription, an EventBridge bus) with New, giving the emulator's clock
// and an attempt function, and Close it when the owner goes away:
//
//	q, err := delivery.New(delivery.Options[*message]{
//		Clock:   env.Clock,
//		Attempt: func(ctx context.Context, a delivery.Attempt[*message]) delivery.Outcome {
//			if err := send(ctx, a.Target, a.Payload); err != nil {
//				return delivery.Retry(err.Error())
//			}
//			return delivery.Delivered()
//		},
//		DeadLetter: func(r delivery.Result[*message]) { sendToDLQ(r.Payload, r.Status, r.Reason) },
//	})
//	...
//	q.Enqueue(delivery.Delivery[*message]{Target: sub.arn, Payload: m, Policy: policy})
//
// The attempt function returns an Outcome: Delivered, Retry (the policy
// decides whether and when to try again), Fail (dead-letter at once),
// Throttle (back off without using a retry, under a ThrottlePolicy; else
// a retry) or Drop (the target is gone: end silently). Attempts run in
// clock callbacks, so after moving the clock a test calls clock.Settle
// (emulator's Settle helpers do) and then sees every attempt that fell
// due, each run as if at its due time (Attempt.Due) even when the clock
// jumped past several. At most Options.MaxConcurrent attempts run at once.
// A worker with nothing due waits up to a millisecond of real time for the
// next delivery before it ends (a fan-out then reuses workers instead of
// starting a goroutine per delivery), so Settle may return that much later.
//
// When a delivery ends, OnSuccess runs, or OnFailure then DeadLetter with
// the Status (RetriesExhausted, EventAgeExceeded, Failed) and the last
// failure's reason. Records keeps the last Options.MaxRecords attempts
// (time, number, outcome, error), for admin APIs and tests.
//
// # Policies
//
// LambdaPolicy (async invocations), EventBridgePolicy (a target's
// RetryPolicy) and SNSPolicy (a subscription's delivery policy; use
// SNSManagedPolicy for SQS, Lambda and Firehose endpoints,
// SNSCustomerManagedPolicy for email, SMS and push, and
// SNSDefaultHTTPPolicy or the parsed policy for HTTP/S) are values whose
// RetryDelay gives the schedule; their Validate checks AWS's ranges and
// returns plain errors that the service words as AWS does. A policy may
// also be any type of the caller's that reads live settings (Lambda's
// reads the event invoke config at every attempt). SNSPolicy's
// MaxReceivesPerSecond spaces the attempts to one Target.
//
// # FIFO
//
// Deliveries with the same OrderingKey are attempted one at a time in
// enqueue order: the next starts only when the one before has ended
// (delivered, dead-lettered or dropped), so a failing head blocks its group
// through all its retries. SNS FIFO topics use the message group ID as the
// key (per subscription queue).//
// # Persistence
//
// With Options.Journal (an awsapi.Journal), a queue keeps a row per
// delivery that has not ended, under the key RowKey(KeyPrefix, seq): Put
// when it is enqueued and when a failed, throttled or postponed attempt
// reschedules it, Delete when it ends (delivered, dead-lettered, dropped,
// cancelled). The value is a Stored in JSON: target, ordering key, enqueue
// and due times (Unix nanoseconds), attempts, throttles, last reason and
// the payload as Options.Encode made it (JSON; Encode is required with a
// journal, and Enqueue fails when it does). Policies are not stored: the
// owner derives them again from its own state. Close ends no delivery
// for good, so rows survive it (an emulator shutting down); an attempt
// running at a crash is made again after the restart (at least once).
//
// The owner's awsapi.Persistent methods delegate: DumpState calls
// Queue.DumpState; RestoreState keeps the rows under KeyPrefix (decode
// them with ParseStored; nil deletes); RestoreDone makes the queue (same
// KeyPrefix, the restored journal) and calls Queue.Restore once, before
// any Enqueue, with a function that rebuilds each delivery's payload and
// policy, or drops it:
//
//	q, _ := delivery.New(delivery.Options[*job]{..., Journal: env.Journal, KeyPrefix: "d/",
//		Encode: func(j *job) ([]byte, error) { return json.Marshal(j.row()) }})
//	err := q.Restore(rows, func(r delivery.Stored) (delivery.Delivery[*job], bool) {
//		j, err := decodeJob(r.Payload)
//		if err != nil || !targetExists(r.Target) {
//			return delivery.Delivery[*job]{}, false
//		}
//		return delivery.Delivery[*job]{Payload: j, Policy: policyOf(j)}, true
//	})
//
// Restored deliveries keep their enqueue numbers, IDs, ages and attempt
// counts; those already due are attempted at once. Rate limits
// (RatePolicy) and a FIFO group's wait for its previous delivery are
// derived again, not stored.
package delivery
