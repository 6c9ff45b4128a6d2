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
//   - the services' own deliveries ask [MatchDelivery] about the call
//     they make into the target, named as a client's call would be, in
//     the target's account and region, with the target's ARN as resource
//     (so one rule fails client calls and deliveries alike): SNS to SQS
//     and EventBridge to SQS are sqs SendMessage, SNS and EventBridge to
//     Lambda lambda Invoke, EventBridge to SNS sns Publish, to Kinesis
//     kinesis PutRecord, to another bus events PutEvents, to an API
//     destination events InvokeApiDestination (the destination's ARN),
//     and SNS to an HTTP(S) endpoint sns Deliver (the subscription ARN or
//     the endpoint URL).
//     An error, an empty 5xx or a reset fails the attempt ([FailBefore];
//     with when "after", [FailAfter]: the target got the payload and the
//     sender retries it), which the service classifies, retries and
//     dead-letters as a real failure. A latency before the call postpones
//     an EventBridge target's attempt by that much virtual time; SNS's
//     deliveries and latency after the call ignore it. Dead-letter moves
//     are not faulted;
//   - Lambda invocations call env.LambdaFaultFor(ctx, how, function) with
//     the function's unqualified ARN and how Invoke (RequestResponse),
//     InvokeAsync (each attempt of an asynchronous event, SNS's and
//     EventBridge's included) or ESM (each event source mapping batch). A
//     throttle refuses the invocation with TooManyRequestsException (429 to
//     Invoke; asynchronous events and pollers back off and retry it without
//     using up a retry); timeout runs the handler and reports
//     Sandbox.Timedout; crash, oom and error fail without running it, as
//     function errors (retried, dead-lettered, sent to on-failure
//     destinations like any other). The invocation records name the rule.
//
// Each rule keeps its own counters and its own PCG generator seeded with
// its seed, so the same rules and the same sequence of calls give the same
// faults. Rules are tried in the order they were added; the first that
// fires wins, and the rules tried before it count the call as a match.
//
// Presets ([Expand]) are named scenarios that expand into rules:
// throttled-stream, flaky-network and poison-lambda.
package faults
