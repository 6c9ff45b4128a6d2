// Drives a running evolvestack with the AWS SDK for JavaScript v3 and exits
// non-zero on any difference from what AWS would answer. The Kinesis client
// speaks HTTP/2 (h2c) to an http:// endpoint, SubscribeToShard included.
//
//   EVOLVESTACK_ENDPOINT=http://127.0.0.1:4566 node smoke.mjs
import assert from "node:assert/strict";
import { SQSClient, CreateQueueCommand, SendMessageCommand, ReceiveMessageCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { KinesisClient, waitUntilStreamExists, CreateStreamCommand, PutRecordsCommand, ListShardsCommand, GetShardIteratorCommand, GetRecordsCommand, DescribeStreamSummaryCommand, RegisterStreamConsumerCommand, SubscribeToShardCommand } from "@aws-sdk/client-kinesis";
import { GlueClient, CreateSchemaCommand, RegisterSchemaVersionCommand } from "@aws-sdk/client-glue";
import { LambdaClient, GetFunctionCommand } from "@aws-sdk/client-lambda";
import { EventBridgeClient, CreateEventBusCommand, DescribeEventBusCommand, UpdateEventBusCommand, DeleteEventBusCommand, CreateArchiveCommand, DescribeArchiveCommand, UpdateArchiveCommand, DeleteArchiveCommand, CreateConnectionCommand, DescribeConnectionCommand, UpdateConnectionCommand, DeleteConnectionCommand } from "@aws-sdk/client-eventbridge";

const endpoint = process.env.EVOLVESTACK_ENDPOINT ?? "http://127.0.0.1:4566";
const cfg = { endpoint, region: "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" }, maxAttempts: 1 };
const suffix = Date.now().toString(36);
const enc = (s) => new TextEncoder().encode(s);
const dec = (b) => new TextDecoder().decode(b);

async function rejects(promise, name) {
  await assert.rejects(promise, (e) => { assert.equal(e.name, name); return true; });
}

// SQS over awsJson 1.0: the SDK checks the MD5s of body and attributes.
const sqs = new SQSClient(cfg);
const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `js-${suffix}` }));
await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: "hello", MessageAttributes: { k: { DataType: "String", StringValue: "v" } } }));
const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ["All"], MessageSystemAttributeNames: ["All"] }));
assert.equal(got.Messages.length, 1);
assert.equal(got.Messages[0].Body, "hello");
assert.equal(got.Messages[0].MessageAttributes.k.StringValue, "v");
assert.equal(got.Messages[0].Attributes.ApproximateReceiveCount, "1");
await rejects(sqs.send(new GetQueueAttributesCommand({ QueueUrl: QueueUrl + "-missing", AttributeNames: ["All"] })), "QueueDoesNotExist");
console.log("ok   sqs: send, receive with MD5 checks, QueueDoesNotExist");

// Kinesis over HTTP/2.
const kin = new KinesisClient(cfg);
const stream = `js-${suffix}`;
await kin.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
// A new stream is CREATING for a moment, as on AWS: wait until it is ACTIVE.
await waitUntilStreamExists({ client: kin, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { StreamName: stream });
const put = await kin.send(new PutRecordsCommand({ StreamName: stream, Records: [{ Data: enc("a"), PartitionKey: "p1" }, { Data: enc("b"), PartitionKey: "p2" }] }));
assert.equal(put.FailedRecordCount, 0);
const datas = [];
for (const s of (await kin.send(new ListShardsCommand({ StreamName: stream }))).Shards) {
  const it = await kin.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: s.ShardId, ShardIteratorType: "TRIM_HORIZON" }));
  for (const r of (await kin.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }))).Records) {
    assert.ok(r.ApproximateArrivalTimestamp instanceof Date);
    datas.push(dec(r.Data));
  }
}
assert.deepEqual(datas.sort(), ["a", "b"]);
const arn = (await kin.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary.StreamARN;
const { Consumer } = await kin.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "js" }));
const shard = put.Records[0].ShardId;
const sub = await kin.send(new SubscribeToShardCommand({ ConsumerARN: Consumer.ConsumerARN, ShardId: shard, StartingPosition: { Type: "TRIM_HORIZON" } }));
for await (const ev of sub.EventStream) {
  if (ev.SubscribeToShardEvent) {
    assert.deepEqual(ev.SubscribeToShardEvent.Records.map((r) => dec(r.Data)), ["a"]);
    break;
  }
}
console.log("ok   kinesis (HTTP/2): put, get, SubscribeToShard");

// Glue Schema Registry: an incompatible version is a FAILURE version.
const glue = new GlueClient(cfg);
const schema = await glue.send(new CreateSchemaCommand({ SchemaName: `js-${suffix}`, DataFormat: "AVRO", SchemaDefinition: '{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}' }));
assert.equal(schema.SchemaVersionStatus, "AVAILABLE");
const v2 = await glue.send(new RegisterSchemaVersionCommand({ SchemaId: { SchemaArn: schema.SchemaArn }, SchemaDefinition: '{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string"}]}' }));
assert.equal(v2.Status, "FAILURE");
console.log("ok   glue: BACKWARD refuses a new field without a default");

// Lambda (restJson1): errors carry the AWS type and status.
await assert.rejects(new LambdaClient(cfg).send(new GetFunctionCommand({ FunctionName: `missing-${suffix}` })), (e) => {
  assert.equal(e.name, "ResourceNotFoundException");
  assert.equal(e.$metadata.httpStatusCode, 404);
  return true;
});
console.log("ok   lambda: ResourceNotFoundException 404");

// EventBridge: what Debian's boto3 1.26 cannot send (examples/boto3/events_checks.py covers the rest):
// UpdateEventBus, and the members added since to buses (Description, KmsKeyIdentifier, DeadLetterConfig,
// LogConfig), archives and connections (KmsKeyIdentifier).
const eb = new EventBridgeClient(cfg);
const busName = `js-${suffix}`;
const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }))).Attributes.QueueArn;
const made = await eb.send(new CreateEventBusCommand({ Name: busName, Description: "first", DeadLetterConfig: { Arn: dlqArn }, LogConfig: { IncludeDetail: "NONE", Level: "ERROR" } }));
assert.match(made.EventBusArn, new RegExp(`^arn:aws:events:us-east-1:\\d{12}:event-bus/${busName}$`));
assert.equal(made.Description, "first");
assert.deepEqual(made.DeadLetterConfig, { Arn: dlqArn });
assert.deepEqual(made.LogConfig, { IncludeDetail: "NONE", Level: "ERROR" });
const before = await eb.send(new DescribeEventBusCommand({ Name: busName }));
assert.ok(before.CreationTime instanceof Date && before.LastModifiedTime instanceof Date);
assert.equal(before.Description, "first");
const kms = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const updated = await eb.send(new UpdateEventBusCommand({ Name: busName, Description: "second", KmsKeyIdentifier: kms, DeadLetterConfig: { Arn: dlqArn }, LogConfig: { IncludeDetail: "FULL", Level: "TRACE" } }));
assert.equal(updated.Arn, made.EventBusArn);
assert.equal(updated.Name, busName);
assert.equal(updated.Description, "second");
assert.equal(updated.KmsKeyIdentifier, kms);
assert.deepEqual(updated.DeadLetterConfig, { Arn: dlqArn });
assert.deepEqual(updated.LogConfig, { IncludeDetail: "FULL", Level: "TRACE" });
const after = await eb.send(new DescribeEventBusCommand({ Name: busName }));
assert.equal(after.Description, "second");
assert.equal(after.KmsKeyIdentifier, kms);
assert.deepEqual(after.LogConfig, { IncludeDetail: "FULL", Level: "TRACE" });
assert.ok(after.LastModifiedTime >= before.LastModifiedTime && after.CreationTime.getTime() === before.CreationTime.getTime());
await assert.rejects(eb.send(new UpdateEventBusCommand({ Name: `${busName}-missing`, Description: "x" })), (e) => {
  assert.equal(e.name, "ResourceNotFoundException");
  assert.equal(e.message, `Event bus ${busName}-missing does not exist.`);
  return true;
});
await rejects(eb.send(new UpdateEventBusCommand({ Name: busName, DeadLetterConfig: { Arn: "arn:aws:sns:us-east-1:111122223333:not-a-queue" } })), "ValidationException");
const archiveName = `js-${suffix}`;
await eb.send(new CreateArchiveCommand({ ArchiveName: archiveName, EventSourceArn: made.EventBusArn, KmsKeyIdentifier: kms }));
assert.equal((await eb.send(new DescribeArchiveCommand({ ArchiveName: archiveName }))).KmsKeyIdentifier, kms);
await eb.send(new UpdateArchiveCommand({ ArchiveName: archiveName, KmsKeyIdentifier: `${kms}0` }));
assert.equal((await eb.send(new DescribeArchiveCommand({ ArchiveName: archiveName }))).KmsKeyIdentifier, `${kms}0`);
await eb.send(new DeleteArchiveCommand({ ArchiveName: archiveName }));
const connName = `js-${suffix}`;
await eb.send(new CreateConnectionCommand({ Name: connName, AuthorizationType: "API_KEY", KmsKeyIdentifier: kms, AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: "x-api-key", ApiKeyValue: "v" } } }));
assert.equal((await eb.send(new DescribeConnectionCommand({ Name: connName }))).KmsKeyIdentifier, kms);
await eb.send(new UpdateConnectionCommand({ Name: connName, KmsKeyIdentifier: `${kms}0` }));
assert.equal((await eb.send(new DescribeConnectionCommand({ Name: connName }))).KmsKeyIdentifier, `${kms}0`);
await eb.send(new DeleteConnectionCommand({ Name: connName }));
await eb.send(new DeleteEventBusCommand({ Name: busName }));
await rejects(eb.send(new DescribeEventBusCommand({ Name: busName })), "ResourceNotFoundException");
console.log("ok   eventbridge: UpdateEventBus; Description, KmsKeyIdentifier, DeadLetterConfig, LogConfig of buses; KMS keys of archives and connections");
process.exit(0);
