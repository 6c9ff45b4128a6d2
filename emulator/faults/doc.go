// Package faults is evolvestack's fault injection: rules that make chosen
// calls fail on purpose, the same way every run, so that tests can watch
// retries, partial batch failures, timeouts and dead-letter queues.
//
// A [Rule] matches calls (service, operation, resource, account, region,
// access key; globs with * and ?), says when it fires (probability with a
// seed, the next N matches, every Kth match, a window on the emulator's
// virtual clock) and what happens: an AWS error in the service's own
// shape, an empty-bodied HTTP status, a dropped connection, latency before
// or after the operation, failed entries of a batch, or a Lambda handler
// fault. [Faults] holds the rules of one emulator and logs what fired.
//
// Hooks. Services and the HTTP router ask through the awsapi.Faults
// interface (on awsapi.Env), which costs one atomic load when no rule is
// set:
//
//   - the router calls Match with the request's service, operation and
//     resources before invoking an operation (errors, statuses, resets and
//     latency of any operation over the wire);
//   - batch operations (Kinesis PutRecords, SQS SendMessageBatch and
//     DeleteMessageBatch, SNS PublishBatch, EventBridge PutEvents) call
//     env.EntryFaults(ctx, service, op, n, resources...) and fail the
//     returned indexes with the returned codes;
//   - deliveries (SNS to SQS, EventBridge to targets, ESM to Lambda) call
//     env.MatchFault(ctx, service, "Deliver", resources...) with the
//     source's service and the target's ARN and treat a non-nil fault as a
//     failed attempt;
//   - Lambda invocations call env.LambdaFaultFor(ctx, how, function) with
//     how Invoke, InvokeAsync or ESM.
//
// Each rule keeps its own counters and its own PCG generator seeded with
// its seed, so the same rules and the same sequence of calls give the same
// faults. Rules are tried in the order they were added; the first that
// fires wins, and the rules tried before it count the call as a match.
//
// Presets ([Expand]) are named scenarios that expand into rules:
// throttled-stream, flaky-network and poison-lambda.
package faults
