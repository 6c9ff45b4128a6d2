#!/usr/bin/env python3
"""boto3 smoke check of a running evolvestack provisioned with
examples/provisioning/init.yaml: every service answers a second SDK (boto3,
Debian's python3-boto3 in CI) as it answers aws-sdk-go-v2.

    EVOLVESTACK_ENDPOINT=http://127.0.0.1:4566 python3 examples/boto3/smoke.py
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ.get("EVOLVESTACK_ENDPOINT", "http://127.0.0.1:4566")
CFG = Config(retries={"max_attempts": 2, "mode": "standard"})


def client(service):
    return boto3.client(service, endpoint_url=ENDPOINT, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test", config=CFG)


def kinesis():
    k = client("kinesis")
    names = k.list_streams()["StreamNames"]
    assert "orders" in names, names
    put = k.put_record(StreamName="orders", Data=b"hello from boto3", PartitionKey="p")
    assert put["ShardId"].startswith("shardId-"), put
    it = k.get_shard_iterator(StreamName="orders", ShardId=put["ShardId"], ShardIteratorType="AT_SEQUENCE_NUMBER",
                              StartingSequenceNumber=put["SequenceNumber"])["ShardIterator"]
    recs = k.get_records(ShardIterator=it)["Records"]
    assert recs and recs[0]["Data"] == b"hello from boto3", recs
    try:
        k.describe_stream(StreamName="no-such-stream")
        raise AssertionError("describe_stream of a missing stream succeeded")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "ResourceNotFoundException", e.response


def sqs():
    q = client("sqs")
    url = q.get_queue_url(QueueName="orders")["QueueUrl"]
    attrs = q.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    policy = json.loads(attrs["RedrivePolicy"])
    assert policy["maxReceiveCount"] == 3 and policy["deadLetterTargetArn"].endswith(":orders-dlq"), attrs
    q.send_message(QueueUrl=url, MessageBody="hello", MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "greeting"}})
    msgs = q.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=1,
                             MessageAttributeNames=["All"]).get("Messages", [])
    assert msgs and msgs[0]["Body"] == "hello", msgs
    assert msgs[0]["MessageAttributes"]["kind"]["StringValue"] == "greeting", msgs
    q.delete_message(QueueUrl=url, ReceiptHandle=msgs[0]["ReceiptHandle"])
    try:
        q.get_queue_url(QueueName="no-such-queue")
        raise AssertionError("get_queue_url of a missing queue succeeded")
    except ClientError as e:
        assert e.response["Error"]["Code"] in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"), e.response


def glue():
    g = client("glue")
    v = g.get_schema_version(SchemaId={"RegistryName": "shop", "SchemaName": "Order"},
                             SchemaVersionNumber={"LatestVersion": True})
    assert v["Status"] == "AVAILABLE" and v["DataFormat"] == "AVRO", v
    schemas = g.list_schemas(RegistryId={"RegistryName": "shop"})["Schemas"]
    assert any(s["SchemaName"] == "Order" for s in schemas), schemas


def lambda_():
    fns = client("lambda").list_functions()["Functions"]
    assert isinstance(fns, list), fns


def sns_events_schemas():
    assert isinstance(client("sns").list_topics().get("Topics", []), list)
    assert isinstance(client("events").list_rules()["Rules"], list)
    assert isinstance(client("schemas").list_discoverers()["Discoverers"], list)


def cross_site_refused():
    req = urllib.request.Request(ENDPOINT + "/?Action=ListQueues", headers={"Origin": "https://evil.example"})
    try:
        urllib.request.urlopen(req, timeout=5)
        raise AssertionError("a cross-site request was served")
    except urllib.error.HTTPError as e:
        assert e.code == 403, e.code


CHECKS = [kinesis, sqs, glue, lambda_, sns_events_schemas, cross_site_refused]


def main():
    passed = failed = 0
    for check in CHECKS:
        start = time.monotonic()
        try:
            check()
            passed += 1
            print(f"ok   {check.__name__} ({(time.monotonic() - start) * 1000:.0f} ms)")
        except Exception as e:  # noqa: BLE001 - report every failure
            failed += 1
            print(f"FAIL {check.__name__}: {type(e).__name__}: {e}")
    print(f"boto3 {boto3.__version__}: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
