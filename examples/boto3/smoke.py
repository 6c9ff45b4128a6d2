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
import urllib.parse
import urllib.request

import boto3
from botocore.exceptions import ClientError

import events_checks
import schemas_checks
from common import ACCOUNT, ENDPOINT, KIND_ORDER, client, error_of, marker, receive_marked


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


def sns_provisioned():
    """The topics init.yaml declares: order-events fans out to an enveloped and a raw queue."""
    s, q = client("sns"), client("sqs")
    arns = [t["TopicArn"] for page in s.get_paginator("list_topics").paginate() for t in page["Topics"]]
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:order-events"
    assert topic in arns and f"arn:aws:sns:us-east-1:{ACCOUNT}:payments.fifo" in arns, arns
    attrs = s.get_topic_attributes(TopicArn=topic)["Attributes"]
    assert attrs["DisplayName"] == "Order events" and attrs["SignatureVersion"] == "2", attrs
    subs = s.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    endpoints = {x["Endpoint"]: x for x in subs}
    assert endpoints.get("orders@example.com", {}).get("SubscriptionArn") == "PendingConfirmation", subs
    raw_arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:order-events-raw"
    got = s.get_subscription_attributes(SubscriptionArn=endpoints[raw_arn]["SubscriptionArn"])["Attributes"]
    assert got["RawMessageDelivery"] == "true" and json.loads(got["FilterPolicy"]) == {"kind": ["order"]}, got
    assert json.loads(got["RedrivePolicy"])["deadLetterTargetArn"].endswith(":orders-dlq"), got

    # The raw subscription's filter policy (kind: [order]) refuses a refund.
    refund = marker() + "-refund"
    s.publish(TopicArn=topic, Message=json.dumps({"id": refund}),
              MessageAttributes={"kind": {"DataType": "String", "StringValue": "refund"}})
    mark = marker()
    message = json.dumps({"id": mark})
    msg_id = s.publish(TopicArn=topic, Message=message, Subject="from boto3", MessageAttributes=KIND_ORDER)["MessageId"]
    env, refund_env = (json.loads(m["Body"]) for m in
                       receive_marked(q, q.get_queue_url(QueueName="order-events")["QueueUrl"], mark, refund))
    assert refund in refund_env["Message"], refund_env  # the enveloped queue has no filter: it gets every message
    assert env["Type"] == "Notification" and env["MessageId"] == msg_id and env["Message"] == message, env
    assert env["Subject"] == "from boto3" and env["MessageAttributes"]["kind"] == {"Type": "String", "Value": "order"}, env
    assert env["SigningCertURL"].startswith(ENDPOINT), env
    raw = receive_marked(q, q.get_queue_url(QueueName="order-events-raw")["QueueUrl"], mark, absent=[refund])[0]
    assert raw["Body"] == message and raw["MessageAttributes"]["kind"]["StringValue"] == "order", raw


def sns_topic_lifecycle():
    """A topic of our own: attributes, tags, an SQS subscription, publish_batch, unsubscribe, delete."""
    s, q = client("sns"), client("sqs")
    name = f"boto3-{os.getpid()}"
    topic = s.create_topic(Name=name, Attributes={"DisplayName": "boto3"}, Tags=[{"Key": "by", "Value": "boto3"}])["TopicArn"]
    assert topic == f"arn:aws:sns:us-east-1:{ACCOUNT}:{name}", topic
    assert s.create_topic(Name=name)["TopicArn"] == topic  # idempotent
    url = q.create_queue(QueueName=f"boto3-sns-{os.getpid()}")["QueueUrl"]
    try:
        s.set_topic_attributes(TopicArn=topic, AttributeName="DisplayName", AttributeValue="renamed")
        assert s.get_topic_attributes(TopicArn=topic)["Attributes"]["DisplayName"] == "renamed"
        s.tag_resource(ResourceArn=topic, Tags=[{"Key": "env", "Value": "test"}])
        s.untag_resource(ResourceArn=topic, TagKeys=["by"])
        assert s.list_tags_for_resource(ResourceArn=topic)["Tags"] == [{"Key": "env", "Value": "test"}]

        qarn = q.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sub = s.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn, ReturnSubscriptionArn=True,
                          Attributes={"RawMessageDelivery": "true"})["SubscriptionArn"]
        assert sub.startswith(topic + ":"), sub
        s.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                      AttributeValue=json.dumps({"kind": ["order"]}))
        attrs = s.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
        assert attrs["RawMessageDelivery"] == "true" and attrs["PendingConfirmation"] == "false", attrs
        assert json.loads(attrs["FilterPolicy"]) == {"kind": ["order"]}, attrs
        assert any(x["SubscriptionArn"] == sub for p in s.get_paginator("list_subscriptions").paginate()
                   for x in p["Subscriptions"])

        mark = marker()
        out = s.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
            {"Id": "one", "Message": f"{mark}-1", "MessageAttributes": KIND_ORDER},
            {"Id": "two", "Message": f"{mark}-2", "MessageAttributes": KIND_ORDER},
        ])
        assert sorted(x["Id"] for x in out["Successful"]) == ["one", "two"] and not out.get("Failed"), out
        for i, m in zip(("1", "2"), receive_marked(q, url, f"{mark}-1", f"{mark}-2")):
            assert m["Body"] == f"{mark}-{i}" and m["MessageAttributes"]["kind"]["StringValue"] == "order", m

        s.unsubscribe(SubscriptionArn=sub)
        assert s.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []
        assert error_of(s.get_subscription_attributes, SubscriptionArn=sub)["Code"] == "NotFound"
    finally:
        s.delete_topic(TopicArn=topic)
        q.delete_queue(QueueUrl=url)
    assert error_of(s.get_topic_attributes, TopicArn=topic)["Code"] == "NotFound"


def sns_confirm_flow():
    """An HTTP subscription waits for ConfirmSubscription with the token of its SubscriptionConfirmation,
    read from the deliveries evolvestack records (GET /_evolvestack/sns/deliveries)."""
    s = client("sns")
    topic = s.create_topic(Name=f"boto3-confirm-{os.getpid()}")["TopicArn"]
    endpoint = f"http://127.0.0.1:9/boto3-{os.getpid()}"
    try:
        assert s.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint)["SubscriptionArn"] == "pending confirmation"
        token = None
        for _ in range(20):
            with urllib.request.urlopen(ENDPOINT + "/_evolvestack/sns/deliveries", timeout=5) as r:
                deliveries = json.load(r)["deliveries"]
            for d in deliveries:
                if d["endpoint"] == endpoint and d.get("topicArn") == topic:
                    body = json.loads(d["body"])
                    if body.get("Type") == "SubscriptionConfirmation":
                        token = body["Token"]
            if token:
                break
            time.sleep(0.1)
        assert token, "no SubscriptionConfirmation was recorded"
        err = error_of(s.confirm_subscription, TopicArn=topic, Token="0" * len(token))
        assert err["Code"] == "InvalidParameter", err
        sub = s.confirm_subscription(TopicArn=topic, Token=token)["SubscriptionArn"]
        assert sub.startswith(topic + ":"), sub
        assert s.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["PendingConfirmation"] == "false"
    finally:
        s.delete_topic(TopicArn=topic)


def sns_errors():
    s = client("sns")
    missing = f"arn:aws:sns:us-east-1:{ACCOUNT}:no-such-topic"
    tests = [
        (s.get_topic_attributes, {"TopicArn": missing}, "NotFound", "Topic does not exist"),
        (s.publish, {"TopicArn": missing, "Message": "x"}, "NotFound", "Topic does not exist"),
        (s.create_topic, {"Name": "no spaces"}, "InvalidParameter", "Invalid parameter: Topic Name"),
        (s.subscribe, {"TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:order-events", "Protocol": "pigeon", "Endpoint": "x"},
         "InvalidParameter", "Amazon SNS does not support this protocol string: pigeon"),
        (s.publish_batch, {"TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:order-events", "PublishBatchRequestEntries": []},
         "EmptyBatchRequest", ""),
    ]
    for call, kwargs, code, text in tests:
        err = error_of(call, **kwargs)
        assert err["Code"] == code and text in err["Message"], (call.__name__, err)


def statements(s, topic):
    """The statements of a topic's access policy, by Sid."""
    policy = json.loads(s.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"])
    return {x["Sid"]: x for x in policy["Statement"]}


def sns_permissions_data_protection():
    """add_permission / remove_permission edit the topic's Policy; a data protection policy is put, read, removed."""
    s = client("sns")
    topic = s.create_topic(Name=f"boto3-perm-{os.getpid()}")["TopicArn"]
    label = f"boto3-{os.getpid()}"
    try:
        s.add_permission(TopicArn=topic, Label=label, AWSAccountId=["111122223333"], ActionName=["Publish"])
        st = statements(s, topic)[label]
        assert st["Effect"] == "Allow" and st["Action"] == "SNS:Publish" and st["Resource"] == topic, st
        assert st["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}, st
        err = error_of(s.add_permission, TopicArn=topic, Label=label + "-x", AWSAccountId=["111122223333"],
                       ActionName=["Fly"])
        assert err["Code"] == "InvalidParameter" and \
            err["Message"] == "Invalid parameter: Policy statement action out of service scope!", err
        s.remove_permission(TopicArn=topic, Label=label)
        assert label not in statements(s, topic)

        assert not s.get_data_protection_policy(ResourceArn=topic).get("DataProtectionPolicy")
        policy = json.dumps({"Name": "boto3", "Description": "", "Version": "2021-06-01", "Statement": [{
            "Sid": "deny", "DataDirection": "Inbound", "Principal": ["*"],
            "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],
            "Operation": {"Deny": {}}}]})
        s.put_data_protection_policy(ResourceArn=topic, DataProtectionPolicy=policy)
        assert json.loads(s.get_data_protection_policy(ResourceArn=topic)["DataProtectionPolicy"]) == json.loads(policy)
        err = error_of(s.put_data_protection_policy, ResourceArn=topic, DataProtectionPolicy="{not json")
        assert err["Code"] == "InvalidParameter" and "DataProtectionPolicy" in err["Message"], err
        s.put_data_protection_policy(ResourceArn=topic, DataProtectionPolicy="")
        assert not s.get_data_protection_policy(ResourceArn=topic).get("DataProtectionPolicy")
    finally:
        s.delete_topic(TopicArn=topic)
    missing = f"arn:aws:sns:us-east-1:{ACCOUNT}:no-such-topic"
    for call, kwargs in ((s.add_permission, {"TopicArn": missing, "Label": "l", "AWSAccountId": ["111122223333"],
                                             "ActionName": ["Publish"]}),
                         (s.remove_permission, {"TopicArn": missing, "Label": "l"}),
                         (s.get_data_protection_policy, {"ResourceArn": missing})):
        err = error_of(call, **kwargs)
        assert err["Code"] == "NotFound", (call.__name__, err)


def sns_platform():
    """A GCM platform application and a device endpoint: attributes, listings, deletion."""
    s = client("sns")
    name = f"boto3-{os.getpid()}"
    app = s.create_platform_application(Name=name, Platform="GCM", Attributes={
        "PlatformCredential": "server-key", "EventEndpointCreated": f"arn:aws:sns:us-east-1:{ACCOUNT}:order-events"}
    )["PlatformApplicationArn"]
    assert app == f"arn:aws:sns:us-east-1:{ACCOUNT}:app/GCM/{name}", app
    try:
        attrs = s.get_platform_application_attributes(PlatformApplicationArn=app)["Attributes"]
        assert attrs["Enabled"] == "true" and "PlatformCredential" not in attrs, attrs
        assert attrs["EventEndpointCreated"] == f"arn:aws:sns:us-east-1:{ACCOUNT}:order-events", attrs
        s.set_platform_application_attributes(PlatformApplicationArn=app, Attributes={"Enabled": "false"})
        assert s.get_platform_application_attributes(PlatformApplicationArn=app)["Attributes"]["Enabled"] == "false"
        apps = [a for p in s.get_paginator("list_platform_applications").paginate() for a in p["PlatformApplications"]]
        assert any(a["PlatformApplicationArn"] == app and a["Attributes"]["Enabled"] == "false" for a in apps), apps

        token = f"device-token-{os.getpid()}"
        ep = s.create_platform_endpoint(PlatformApplicationArn=app, Token=token, CustomUserData="user-1")["EndpointArn"]
        assert ep.startswith(f"arn:aws:sns:us-east-1:{ACCOUNT}:endpoint/GCM/{name}/"), ep
        assert s.create_platform_endpoint(PlatformApplicationArn=app, Token=token,
                                          CustomUserData="user-1")["EndpointArn"] == ep  # idempotent
        err = error_of(s.create_platform_endpoint, PlatformApplicationArn=app, Token=token, CustomUserData="other")
        assert err["Code"] == "InvalidParameter" and err["Message"] == f"Invalid parameter: Token Reason: Endpoint {ep} " \
            "already exists with the same Token, but different attributes.", err
        got = s.get_endpoint_attributes(EndpointArn=ep)["Attributes"]
        assert got == {"Enabled": "true", "Token": token, "CustomUserData": "user-1"}, got
        s.set_endpoint_attributes(EndpointArn=ep, Attributes={"Enabled": "false", "CustomUserData": "user-2"})
        got = s.get_endpoint_attributes(EndpointArn=ep)["Attributes"]
        assert got["Enabled"] == "false" and got["CustomUserData"] == "user-2", got
        eps = s.list_endpoints_by_platform_application(PlatformApplicationArn=app)["Endpoints"]
        assert [e["EndpointArn"] for e in eps] == [ep] and eps[0]["Attributes"]["Token"] == token, eps

        s.delete_endpoint(EndpointArn=ep)
        s.delete_endpoint(EndpointArn=ep)  # deleting a missing endpoint is not an error
        err = error_of(s.get_endpoint_attributes, EndpointArn=ep)
        assert err["Code"] == "NotFound" and err["Message"] == "Endpoint does not exist", err
        assert s.list_endpoints_by_platform_application(PlatformApplicationArn=app)["Endpoints"] == []
        err = error_of(s.create_platform_application, Name=name, Platform="PIGEON",
                       Attributes={"PlatformCredential": "k"})
        assert err["Code"] == "InvalidParameter" and err["Message"] == \
            "Invalid parameter: Platform Reason: PIGEON is not supported", err
    finally:
        s.delete_platform_application(PlatformApplicationArn=app)
    err = error_of(s.get_platform_application_attributes, PlatformApplicationArn=app)
    assert err["Code"] == "NotFound" and err["Message"] == "PlatformApplication does not exist", err


def sns_sms():
    """Account SMS settings, opt-outs, the SMS sandbox and origination numbers. The sandbox's one-time password
    is only readable from Go (sns.Service.SandboxOneTimePassword), so a wrong one is checked to be refused."""
    s = client("sns")
    before = s.get_sms_attributes()["attributes"]
    assert before.get("MonthlySpendLimit"), before
    s.set_sms_attributes(attributes={"DefaultSMSType": "Transactional"})
    try:
        assert s.get_sms_attributes(attributes=["DefaultSMSType"])["attributes"] == {"DefaultSMSType": "Transactional"}
    finally:
        s.set_sms_attributes(attributes={"DefaultSMSType": before.get("DefaultSMSType", "Transactional")})
    err = error_of(s.set_sms_attributes, attributes={"DefaultSMSType": "Bulk"})
    assert err["Code"] == "InvalidParameter" and err["Message"] == "DefaultSMSType is invalid", err

    number = f"+1555{os.getpid() % 10_000_000:07d}"
    assert s.check_if_phone_number_is_opted_out(phoneNumber=number)["isOptedOut"] is False
    s.opt_in_phone_number(phoneNumber=number)
    opted = [n for p in s.get_paginator("list_phone_numbers_opted_out").paginate() for n in p["phoneNumbers"]]
    assert number not in opted, opted
    err = error_of(s.check_if_phone_number_is_opted_out, phoneNumber="555-0100")
    assert err["Code"] == "InvalidParameter" and \
        err["Message"] == "Invalid parameter: PhoneNumber Reason: input incorrectly formatted", err

    assert s.get_sms_sandbox_account_status()["IsInSandbox"] is True
    s.create_sms_sandbox_phone_number(PhoneNumber=number, LanguageCode="en-US")
    try:
        nums = [n for p in s.get_paginator("list_sms_sandbox_phone_numbers").paginate() for n in p["PhoneNumbers"]]
        assert {"PhoneNumber": number, "Status": "Pending"} in nums, nums
        # The password is six digits: seven never match.
        err = error_of(s.verify_sms_sandbox_phone_number, PhoneNumber=number, OneTimePassword="1234567")
        assert err["Code"] == "VerificationException", err
        err = error_of(s.verify_sms_sandbox_phone_number, PhoneNumber=number, OneTimePassword="not-digits")
        assert err["Code"] == "ValidationError" and "regular expression pattern: ^[0-9]+$" in err["Message"], err
        nums = s.list_sms_sandbox_phone_numbers()["PhoneNumbers"]
        assert {"PhoneNumber": number, "Status": "Pending"} in nums, nums
        # The password the number's owner would receive by SMS, from evolvestack's admin API.
        with urllib.request.urlopen(ENDPOINT + "/_evolvestack/sns/sms-sandbox?phoneNumber=" +
                                    urllib.parse.quote(number), timeout=5) as r:
            otp = json.load(r)["oneTimePassword"]
        s.verify_sms_sandbox_phone_number(PhoneNumber=number, OneTimePassword=otp)
        nums = s.list_sms_sandbox_phone_numbers()["PhoneNumbers"]
        assert {"PhoneNumber": number, "Status": "Verified"} in nums, nums
    finally:
        s.delete_sms_sandbox_phone_number(PhoneNumber=number)
    assert number not in [n["PhoneNumber"] for n in s.list_sms_sandbox_phone_numbers()["PhoneNumbers"]]
    for call, kwargs in ((s.delete_sms_sandbox_phone_number, {"PhoneNumber": number}),
                         (s.verify_sms_sandbox_phone_number, {"PhoneNumber": number, "OneTimePassword": "123456"})):
        err = error_of(call, **kwargs)
        assert err["Code"] == "ResourceNotFound", (call.__name__, err)
    assert s.list_origination_numbers()["PhoneNumbers"] == []


def cross_site_refused():
    req = urllib.request.Request(ENDPOINT + "/?Action=ListQueues", headers={"Origin": "https://evil.example"})
    try:
        urllib.request.urlopen(req, timeout=5)
        raise AssertionError("a cross-site request was served")
    except urllib.error.HTTPError as e:
        assert e.code == 403, e.code


CHECKS = [kinesis, sqs, glue, lambda_, sns_provisioned, sns_topic_lifecycle, sns_confirm_flow, sns_errors,
          sns_permissions_data_protection, sns_platform, sns_sms,
          *events_checks.CHECKS, *schemas_checks.CHECKS, cross_site_refused]


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
