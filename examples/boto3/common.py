"""Helpers shared by the boto3 checks (smoke.py and the per-service check modules)."""
import os
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


ENDPOINT = os.environ.get("EVOLVESTACK_ENDPOINT", "http://127.0.0.1:4566")
CFG = Config(retries={"max_attempts": 2, "mode": "standard"})


def client(service):
    return boto3.client(service, endpoint_url=ENDPOINT, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test", config=CFG)


ACCOUNT = os.environ.get("EVOLVESTACK_ACCOUNT", "000000000000")
KIND_ORDER = {"kind": {"DataType": "String", "StringValue": "order"}}


def marker():
    return f"boto3-{os.getpid()}-{time.monotonic_ns()}"


def receive_marked(q, url, *marks, attempts=5, absent=()):
    """Receives from url until, for each mark, a message whose body holds it
    has arrived (other clients may have left messages); deletes them and
    returns them in the order of marks. A message holding one of the absent
    marks fails the check."""
    found = {}
    for _ in range(attempts):
        msgs = q.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=2,
                                 MessageAttributeNames=["All"]).get("Messages", [])
        for m in msgs:
            bad = [a for a in absent if a in m["Body"]]
            if bad:
                q.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                raise AssertionError(f"{url} received {m['Body']}, which its filter policy refuses")
            for mark in marks:
                if mark in m["Body"] and mark not in found:
                    q.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                    found[mark] = m
                    break
        if len(found) == len(marks):
            return [found[m] for m in marks]
    raise AssertionError(f"messages holding {[m for m in marks if m not in found]} did not arrive in {url}")


def error_of(call, **kwargs):
    try:
        call(**kwargs)
    except ClientError as e:
        return e.response["Error"]
    raise AssertionError(f"{call.__name__} succeeded")
