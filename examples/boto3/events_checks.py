"""boto3 checks of EventBridge (the events client): every operation botocore knows is called at least once with its
result checked (events_every_operation proves it). Run by smoke.py.

The API destination and OAuth checks serve HTTPS from a thread of this process with the test-only certificate below;
the emulator must trust it (Go reads SSL_CERT_FILE) and reach it:

    /usr/bin/python3 examples/boto3/events_checks.py ca > /tmp/boto3-ca.pem
    SSL_CERT_FILE=/tmp/boto3-ca.pem evolvestack --init examples/provisioning/init.yaml

EVOLVESTACK_CALLBACK_HOST (default 127.0.0.1; the certificate also names localhost and host.docker.internal) is the
host name the emulator uses to reach this process; any other value makes the server listen on every interface.
"""
import base64
import datetime
import http.server
import json
import os
import queue
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import boto3
from botocore.exceptions import ClientError

from common import ACCOUNT, CFG, ENDPOINT, client, error_of, marker, receive_marked

# Accounts other than the caller's: a 12-digit access key id selects the account.
OTHER = "111122223333"
PARTNER = "222233334444"
CALLBACK_HOST = os.environ.get("EVOLVESTACK_CALLBACK_HOST", "127.0.0.1")

# The EventBridge operations this process has called (events_every_operation checks that none is left out).
CALLED = set()

# A self-signed certificate for 127.0.0.1, localhost and host.docker.internal, valid 2000-2125, and its key.
# For tests only: the key is public.
TEST_CERT = """-----BEGIN CERTIFICATE-----
MIIBtzCCAV2gAwIBAgIUNct/HEhJS+cOlOur7hpuJN0Tnh8wCgYIKoZIzj0EAwIw
LjEsMCoGA1UEAwwjZXZvbHZlc3RhY2sgYm90bzMgY2hlY2sgKHRlc3Qgb25seSkw
IBcNMDAwMTAxMDAwMDAwWhgPMjEyNTAxMDEwMDAwMDBaMC4xLDAqBgNVBAMMI2V2
b2x2ZXN0YWNrIGJvdG8zIGNoZWNrICh0ZXN0IG9ubHkpMFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAELQerhpxqFgiaKCFpD/Vc0NFVuWAf8NYnnvs9N2YrVtZiwRz4
w+BNZ2Da6X9prOmhH6czdGifgTTL9ZNp8vUMx6NXMFUwMAYDVR0RBCkwJ4cEfwAA
AYIJbG9jYWxob3N0ghRob3N0LmRvY2tlci5pbnRlcm5hbDAMBgNVHRMBAf8EAjAA
MBMGA1UdJQQMMAoGCCsGAQUFBwMBMAoGCCqGSM49BAMCA0gAMEUCIQCefHUYUtbb
2ibxdM+GA38HhNBRqhTvUXvyBp9sYtH6wwIgHm50A9icrbx3XdPJpcV7k8KRRKMR
UD9OoAEX+T7SSoo=
-----END CERTIFICATE-----
"""
TEST_KEY = """-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgULyLwGZJHoWOxqmE
G5XEALZrGfvvtavmJk6+ZBnpJUOhRANCAAQtB6uGnGoWCJooIWkP9VzQ0VW5YB/w
1iee+z03ZitW1mLBHPjD4E1nYNrpf2ms6aEfpzN0aJ+BNMv1k2ny9QzH
-----END PRIVATE KEY-----
"""


def _record(model, **_):
    CALLED.add(model.name)


def events(account=None, region="us-east-1"):
    """An events client of account (the default one when None) that records the operations it calls."""
    c = boto3.client("events", endpoint_url=ENDPOINT, region_name=region, aws_access_key_id=account or "test",
                     aws_secret_access_key="test", config=CFG)
    c.meta.events.register("before-call.events.*", _record)
    return c


def queue_of(q, name):
    """Creates a queue and returns its URL and ARN."""
    url = q.create_queue(QueueName=name)["QueueUrl"]
    return url, q.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def expect_error(call, code, message, **kwargs):
    """Calls and checks AWS's error code and exact message."""
    err = error_of(call, **kwargs)
    assert err["Code"] == code and err["Message"] == message, (call.__name__, kwargs, err)
    return err


def quietly(call, **kwargs):
    """Clean-up: ignores the error of a resource already gone."""
    try:
        call(**kwargs)
    except ClientError:
        pass


def deliveries(event_id, account=None):
    """The emulator's delivery attempts of an event (GET /_evolvestack/events/deliveries), for failure messages."""
    url = ENDPOINT + "/_evolvestack/events/deliveries?eventId=" + urllib.parse.quote(event_id)
    if account:
        url += "&account=" + account
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.load(r)["deliveries"]
    except Exception as e:  # noqa: BLE001 - only a diagnostic
        return f"(deliveries unavailable: {e})"


class HTTPSRecorder:
    """An HTTPS server on a thread, with TEST_CERT: it records every request (method, path, lower-case headers,
    body) and answers POST /token with an OAuth access token, anything else with 200 {}."""

    def __init__(self):
        self.requests = queue.Queue()
        self.kept = []
        self.token = f"token-{os.getpid()}-{time.monotonic_ns()}"
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def serve(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                rec.requests.put({"method": self.command, "path": self.path, "body": body,
                                  "headers": {k.lower(): v for k, v in self.headers.items()}})
                out = b"{}"
                if self.path.startswith("/token"):
                    out = json.dumps({"access_token": rec.token, "token_type": "Bearer", "expires_in": 3600}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = serve

            def log_message(self, *args):
                pass

        bind = "127.0.0.1" if CALLBACK_HOST in ("127.0.0.1", "localhost") else "0.0.0.0"
        self.server = http.server.ThreadingHTTPServer((bind, 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as d:
            cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
            for path, text in ((cert, TEST_CERT), (key, TEST_KEY)):
                with open(path, "w") as f:
                    f.write(text)
            ctx.load_cert_chain(cert, key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://{CALLBACK_HOST}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self, what, pred, event_id=None, timeout=10):
        """The first request received for which pred holds (requests that did not match are kept for later calls);
        fails after timeout, with the emulator's delivery records of event_id."""
        deadline = time.monotonic() + timeout
        while True:
            for r in self.kept:
                if pred(r):
                    self.kept.remove(r)
                    return r
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{self.url} received no {what} (the emulator must trust the check's certificate: "
                                     f"SSL_CERT_FILE, see events_checks.py); other requests: {self.kept}; "
                                     f"delivery attempts: {deliveries(event_id) if event_id else 'n/a'}")
            try:
                self.kept.append(self.requests.get(timeout=left))
            except queue.Empty:
                pass

    def event(self, event_id):
        """The API destination call that carries event event_id."""
        return self.take(f"call with event {event_id}", lambda r: event_id in r["body"], event_id)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def events_bus_rule_targets():
    """A bus, a rule with an event pattern, an SQS target and an input transformer; put_events with a per-entry
    failure; the envelope and the transformed body arrive; an archive counts the bus's events; tags."""
    ev, q = events(), client("sqs")
    name = f"boto3-{os.getpid()}"
    url = q.create_queue(QueueName=f"boto3-events-{os.getpid()}")["QueueUrl"]
    qarn = q.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = ev.create_event_bus(Name=name, Tags=[{"Key": "by", "Value": "boto3"}])["EventBusArn"]
    assert bus == f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/{name}", bus
    try:
        pattern = {"source": ["boto3.shop"], "detail": {"amount": [{"numeric": [">", 10]}]}}
        rule = ev.put_rule(Name=name, EventBusName=name, EventPattern=json.dumps(pattern))["RuleArn"]
        assert rule == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{name}/{name}", rule
        out = ev.put_targets(Rule=name, EventBusName=name, Targets=[
            {"Id": "whole", "Arn": qarn},
            {"Id": "shaped", "Arn": qarn, "InputTransformer": {
                "InputPathsMap": {"order": "$.detail.id"}, "InputTemplate": '{"shaped": <order>}'}},
        ])
        assert out["FailedEntryCount"] == 0 and out["FailedEntries"] == [], out
        archive = ev.create_archive(ArchiveName=name, EventSourceArn=bus, RetentionDays=1)
        assert archive["State"] == "ENABLED" and archive["ArchiveArn"].endswith(f":archive/{name}"), archive

        mark = marker()
        out = ev.put_events(Entries=[
            {"EventBusName": name, "Source": "boto3.shop", "DetailType": "OrderPlaced",
             "Detail": json.dumps({"id": mark, "amount": 42})},
            {"EventBusName": name, "Source": "boto3.shop", "DetailType": "OrderPlaced",
             "Detail": json.dumps({"id": mark + "-small", "amount": 1})},
            {"EventBusName": name, "Source": "boto3.shop", "DetailType": "OrderPlaced", "Detail": "[1, 2]"},
        ])
        entries = out["Entries"]
        assert out["FailedEntryCount"] == 1 and len(entries) == 3, out
        assert entries[0]["EventId"] and entries[1]["EventId"], out
        assert entries[2] == {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}, out
        whole, shaped = receive_marked(q, url, f'"detail":{{"id":"{mark}"', f'"shaped": "{mark}"',
                                       absent=[mark + "-small"])
        env = json.loads(whole["Body"])
        assert env["id"] == entries[0]["EventId"] and env["version"] == "0" and env["source"] == "boto3.shop", env
        assert env["detail-type"] == "OrderPlaced" and env["account"] == ACCOUNT and env["region"] == "us-east-1", env
        assert env["resources"] == [] and env["detail"] == {"id": mark, "amount": 42}, env
        assert shaped["Body"] == f'{{"shaped": "{mark}"}}', shaped

        # The archive keeps every event the bus accepted (it has no pattern): the two good entries.
        got = ev.describe_archive(ArchiveName=name)
        assert got["EventSourceArn"] == bus and got["RetentionDays"] == 1 and got["EventCount"] == 2, got

        ev.tag_resource(ResourceARN=rule, Tags=[{"Key": "env", "Value": "test"}])
        assert ev.list_tags_for_resource(ResourceARN=rule)["Tags"] == [{"Key": "env", "Value": "test"}]
        ev.untag_resource(ResourceARN=rule, TagKeys=["env"])
        assert ev.list_tags_for_resource(ResourceARN=rule)["Tags"] == []
        assert ev.list_tags_for_resource(ResourceARN=bus)["Tags"] == [{"Key": "by", "Value": "boto3"}]

        # The archive brought a managed rule of its own, as on AWS.
        rules = {r["Name"]: r for r in ev.list_rules(EventBusName=name)["Rules"]}
        assert sorted(rules) == [f"Events-Archive-{name}", name], rules
        assert rules[f"Events-Archive-{name}"].get("ManagedBy") and not rules[name].get("ManagedBy"), rules
        assert sorted(t["Id"] for t in ev.list_targets_by_rule(Rule=name, EventBusName=name)["Targets"]) == \
            ["shaped", "whole"]
        assert ev.list_rule_names_by_target(TargetArn=qarn, EventBusName=name)["RuleNames"] == [name]
        assert ev.remove_targets(Rule=name, EventBusName=name, Ids=["whole", "shaped"])["FailedEntryCount"] == 0
        ev.delete_rule(Name=name, EventBusName=name)
        ev.delete_archive(ArchiveName=name)
    finally:
        for call, kwargs in ((ev.delete_archive, {"ArchiveName": name}),
                             (ev.remove_targets, {"Rule": name, "EventBusName": name, "Ids": ["whole", "shaped"]}),
                             (ev.delete_rule, {"Name": name, "EventBusName": name})):
            try:
                call(**kwargs)
            except ClientError:
                pass  # already gone
        ev.delete_event_bus(Name=name)
        q.delete_queue(QueueUrl=url)
    assert error_of(ev.describe_event_bus, Name=name)["Code"] == "ResourceNotFoundException"


def events_rules_state_buses():
    """enable_rule / disable_rule (a disabled rule delivers nothing), a schedule on the default bus, list_event_buses
    by prefix, tags on a bus, a rule of the default bus and a rule of a custom bus."""
    ev, q = events(), client("sqs")
    name = f"boto3-state-{os.getpid()}"
    url, qarn = queue_of(q, name)
    bus = ev.create_event_bus(Name=name, Tags=[{"Key": "team", "Value": "shop"}])["EventBusArn"]
    sched = f"boto3-sched-{os.getpid()}"
    try:
        rule = ev.put_rule(Name=name, EventBusName=name, EventPattern='{"source":["boto3.state"]}',
                           Description="state check", Tags=[{"Key": "kind", "Value": "pattern"}])["RuleArn"]
        ev.put_targets(Rule=name, EventBusName=name, Targets=[{"Id": "q", "Arn": qarn}])
        ev.disable_rule(Name=name, EventBusName=name)
        got = ev.describe_rule(Name=name, EventBusName=name)
        assert got["State"] == "DISABLED" and got["Arn"] == rule and got["EventBusName"] == name, got
        assert got["Description"] == "state check" and got["CreatedBy"] == ACCOUNT, got
        off, on = marker() + "-off", marker() + "-on"
        ev.put_events(Entries=[{"EventBusName": name, "Source": "boto3.state", "DetailType": "t",
                                "Detail": json.dumps({"id": off})}])
        ev.enable_rule(Name=name, EventBusName=name)
        assert ev.describe_rule(Name=name, EventBusName=name)["State"] == "ENABLED"
        ev.put_events(Entries=[{"EventBusName": name, "Source": "boto3.state", "DetailType": "t",
                                "Detail": json.dumps({"id": on})}])
        receive_marked(q, url, on, absent=[off])

        # A schedule (default bus only), its rule tagged on creation.
        srule = ev.put_rule(Name=sched, ScheduleExpression="rate(5 minutes)", State="DISABLED",
                            Tags=[{"Key": "kind", "Value": "schedule"}])["RuleArn"]
        assert srule == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{sched}", srule
        got = ev.describe_rule(Name=sched)
        assert got["ScheduleExpression"] == "rate(5 minutes)" and got["State"] == "DISABLED", got
        assert got["EventBusName"] == "default" and "EventPattern" not in got, got
        assert [r["Name"] for r in ev.list_rules(NamePrefix=sched)["Rules"]] == [sched]
        expect_error(ev.put_rule, "ValidationException", "ScheduleExpression is supported only on the default event bus.",
                     Name=sched, EventBusName=name, ScheduleExpression="rate(5 minutes)")
        expect_error(ev.put_rule, "ValidationException", "Parameter ScheduleExpression is not valid.",
                     Name=sched, ScheduleExpression="rate(5 fortnights)")

        # Tags per resource type: a bus, a rule of the default bus, a rule of a custom bus.
        for arn, before in ((bus, [{"Key": "team", "Value": "shop"}]), (srule, [{"Key": "kind", "Value": "schedule"}]),
                            (rule, [{"Key": "kind", "Value": "pattern"}])):
            assert ev.list_tags_for_resource(ResourceARN=arn)["Tags"] == before, arn
            ev.tag_resource(ResourceARN=arn, Tags=[{"Key": "env", "Value": "ci"}, {"Key": before[0]["Key"], "Value": "x"}])
            assert ev.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": before[0]["Key"], "Value": "x"},
                                                                          {"Key": "env", "Value": "ci"}], arn
            ev.untag_resource(ResourceARN=arn, TagKeys=["env", before[0]["Key"]])
            assert ev.list_tags_for_resource(ResourceARN=arn)["Tags"] == [], arn
        missing = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{name}/no-such-rule"
        expect_error(ev.list_tags_for_resource, "ResourceNotFoundException",
                     f"Rule no-such-rule does not exist on EventBus {name}.", ResourceARN=missing)

        buses = ev.list_event_buses(NamePrefix=name)["EventBuses"]
        assert [b["Name"] for b in buses] == [name] and buses[0]["Arn"] == bus and "Policy" not in buses[0], buses
        assert "default" in [b["Name"] for b in ev.list_event_buses()["EventBuses"]]
        expect_error(ev.enable_rule, "ResourceNotFoundException", f"Rule no-such-rule does not exist on EventBus {name}.",
                     Name="no-such-rule", EventBusName=name)
    finally:
        quietly(ev.remove_targets, Rule=name, EventBusName=name, Ids=["q"])
        quietly(ev.delete_rule, Name=name, EventBusName=name)
        quietly(ev.delete_rule, Name=sched)
        ev.delete_event_bus(Name=name)
        q.delete_queue(QueueUrl=url)


def policy_of(ev, bus):
    """The bus's policy document, parsed (None without one)."""
    p = ev.describe_event_bus(Name=bus).get("Policy")
    return json.loads(p) if p else None


def events_permissions_cross_account():
    """put_permission with the statement parameters (an account, and '*' with a Condition) and with a whole Policy;
    describe_event_bus and list_event_buses show the document; another account's put_events reaches the bus while
    the policy allows it and fails per entry once remove_permission took the statement out."""
    ev, q = events(), client("sqs")
    other = events(OTHER)
    name = f"boto3-perm-{os.getpid()}"
    url, qarn = queue_of(q, name)
    bus = ev.create_event_bus(Name=name)["EventBusArn"]
    try:
        ev.put_rule(Name=name, EventBusName=name, EventPattern='{"source":["boto3.cross"]}')
        ev.put_targets(Rule=name, EventBusName=name, Targets=[{"Id": "q", "Arn": qarn}])
        assert policy_of(ev, name) is None
        ev.put_permission(EventBusName=name, Action="events:PutEvents", Principal=OTHER, StatementId="other")
        ev.put_permission(EventBusName=name, Action="events:PutEvents", Principal="*", StatementId="org",
                          Condition={"Type": "StringEquals", "Key": "aws:PrincipalOrgID", "Value": "o-1234567890"})
        assert policy_of(ev, name) == {"Version": "2012-10-17", "Statement": [
            {"Sid": "other", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
             "Action": "events:PutEvents", "Resource": bus},
            {"Sid": "org", "Effect": "Allow", "Principal": "*", "Action": "events:PutEvents", "Resource": bus,
             "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1234567890"}}},
        ]}, policy_of(ev, name)

        mark = marker()
        out = other.put_events(Entries=[{"EventBusName": bus, "Source": "boto3.cross", "DetailType": "t",
                                         "Detail": json.dumps({"id": mark})}])
        assert out["FailedEntryCount"] == 0 and out["Entries"][0]["EventId"], out
        env = json.loads(receive_marked(q, url, mark)[0]["Body"])
        assert env["account"] == OTHER and env["id"] == out["Entries"][0]["EventId"], env

        ev.remove_permission(EventBusName=name, StatementId="org")
        ev.remove_permission(EventBusName=name, StatementId="other")
        assert policy_of(ev, name) is None
        out = other.put_events(Entries=[{"EventBusName": bus, "Source": "boto3.cross", "DetailType": "t",
                                         "Detail": json.dumps({"id": mark + "-refused"})}])
        assert out["FailedEntryCount"] == 1 and out["Entries"][0]["ErrorCode"] == "AccessDeniedException", out
        expect_error(ev.remove_permission, "ResourceNotFoundException", "EventBus does not have a policy.",
                     EventBusName=name, StatementId="other")

        doc = {"Version": "2012-10-17", "Statement": [{"Sid": "whole", "Effect": "Allow",
                                                       "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                                                       "Action": "events:PutEvents", "Resource": bus}]}
        ev.put_permission(EventBusName=name, Policy=json.dumps(doc, indent=2))
        assert policy_of(ev, name) == doc
        listed = ev.list_event_buses(NamePrefix=name)["EventBuses"]
        assert json.loads(listed[0]["Policy"]) == doc, listed
        expect_error(ev.remove_permission, "ResourceNotFoundException", "Statement with the provided id does not exist.",
                     EventBusName=name, StatementId="no-such-statement")
        ev.remove_permission(EventBusName=name, RemoveAllPermissions=True)
        assert policy_of(ev, name) is None
        expect_error(ev.put_permission, "ValidationException", "Provided value in parameter 'action' is not supported.",
                     EventBusName=name, Action="events:PutRule", Principal=OTHER, StatementId="x")
        expect_error(ev.put_permission, "ResourceNotFoundException", f"Event bus {name}-missing does not exist.",
                     EventBusName=name + "-missing", Action="events:PutEvents", Principal=OTHER, StatementId="x")
    finally:
        quietly(ev.remove_targets, Rule=name, EventBusName=name, Ids=["q"])
        quietly(ev.delete_rule, Name=name, EventBusName=name)
        ev.delete_event_bus(Name=name)
        q.delete_queue(QueueUrl=url)


def wait_replay(ev, name, states, timeout=15):
    """Polls describe_replay until the replay is in one of states."""
    deadline = time.monotonic() + timeout
    while True:
        got = ev.describe_replay(ReplayName=name)
        if got["State"] in states:
            return got
        assert time.monotonic() < deadline, f"replay {name} stayed {got['State']}: {got}"
        time.sleep(0.2)


def events_archives_replays():
    """create/update/describe/list_archives; start_replay of the archive to its bus, limited to one rule: the event
    arrives again with replay-name, describe_replay goes to COMPLETED; list_replays; cancel_replay of a finished
    replay (IllegalStatusException) and of a starting one (CANCELLING, then CANCELLED)."""
    ev, q = events(), client("sqs")
    name = f"boto3-replay-{os.getpid()}-{time.monotonic_ns() % 100000}"
    url, qarn = queue_of(q, name)
    bus = ev.create_event_bus(Name=name)["EventBusArn"]
    try:
        rule = ev.put_rule(Name=name, EventBusName=name, EventPattern='{"source":["boto3.replay"]}')["RuleArn"]
        ev.put_targets(Rule=name, EventBusName=name, Targets=[{"Id": "q", "Arn": qarn}])
        archive = ev.create_archive(ArchiveName=name, EventSourceArn=bus, Description="first",
                                    EventPattern='{"source":["boto3.replay"]}')["ArchiveArn"]
        assert archive == f"arn:aws:events:us-east-1:{ACCOUNT}:archive/{name}", archive
        expect_error(ev.create_archive, "ResourceAlreadyExistsException", f"Archive {name} already exists.",
                     ArchiveName=name, EventSourceArn=bus)
        out = ev.update_archive(ArchiveName=name, Description="second", RetentionDays=7,
                                EventPattern='{"source":["boto3.replay"],"detail-type":["kept"]}')
        assert out["ArchiveArn"] == archive and out["State"] == "ENABLED", out

        start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
        mark = marker()
        ev.put_events(Entries=[
            {"EventBusName": name, "Source": "boto3.replay", "DetailType": "kept", "Detail": json.dumps({"id": mark})},
            {"EventBusName": name, "Source": "boto3.replay", "DetailType": "other",
             "Detail": json.dumps({"id": mark + "-not-archived"})},
        ])
        first = json.loads(receive_marked(q, url, f'"{mark}"', mark + "-not-archived")[0]["Body"])
        assert "replay-name" not in first, first
        got = ev.describe_archive(ArchiveName=name)
        assert got["Description"] == "second" and got["RetentionDays"] == 7 and got["EventCount"] == 1, got
        assert json.loads(got["EventPattern"]) == {"source": ["boto3.replay"], "detail-type": ["kept"]}, got
        assert got["SizeBytes"] > 0 and got["EventSourceArn"] == bus and got["State"] == "ENABLED", got
        for kwargs in ({"NamePrefix": name}, {"EventSourceArn": bus}):
            listed = ev.list_archives(**kwargs)["Archives"]
            assert [a["ArchiveName"] for a in listed] == [name] and listed[0]["EventCount"] == 1, (kwargs, listed)
        assert name in [a["ArchiveName"] for a in ev.list_archives(State="ENABLED")["Archives"]]
        expect_error(ev.list_archives, "ValidationException",
                     "At most one filter is allowed for ListArchives. Use either : State, EventSourceArn, or NamePrefix.",
                     NamePrefix=name, State="ENABLED")

        end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=1)
        out = ev.start_replay(ReplayName=name, Description="boto3", EventSourceArn=archive, EventStartTime=start,
                              EventEndTime=end, Destination={"Arn": bus, "FilterArns": [rule]})
        assert out["State"] == "STARTING" and out["ReplayArn"] == f"arn:aws:events:us-east-1:{ACCOUNT}:replay/{name}", out
        replayed = json.loads(receive_marked(q, url, f'"{mark}"', attempts=10)[0]["Body"])
        assert replayed["replay-name"] == name, replayed
        assert replayed["detail"] == first["detail"] and replayed["time"] == first["time"], replayed
        got = wait_replay(ev, name, {"COMPLETED", "FAILED"})
        assert got["State"] == "COMPLETED" and got["EventSourceArn"] == archive, got
        assert got["Destination"] == {"Arn": bus, "FilterArns": [rule]} and got["Description"] == "boto3", got
        assert got["ReplayEndTime"] >= got["ReplayStartTime"] and got["EventLastReplayedTime"], got
        listed = ev.list_replays(NamePrefix=name)["Replays"]
        assert [(r["ReplayName"], r["State"]) for r in listed] == [(name, "COMPLETED")], listed
        assert name in [r["ReplayName"] for r in ev.list_replays(EventSourceArn=archive)["Replays"]]
        expect_error(ev.cancel_replay, "IllegalStatusException",
                     f"Replay {name} is not in a valid state for this operation.", ReplayName=name)
        expect_error(ev.start_replay, "ResourceAlreadyExistsException", f"Replay {name} already exists.",
                     ReplayName=name, EventSourceArn=archive, EventStartTime=start, EventEndTime=end,
                     Destination={"Arn": bus})

        second = name + "-cancelled"
        ev.start_replay(ReplayName=second, EventSourceArn=archive, EventStartTime=start, EventEndTime=end,
                        Destination={"Arn": bus})
        out = ev.cancel_replay(ReplayName=second)
        assert out["State"] == "CANCELLING" and out["ReplayArn"].endswith(f":replay/{second}"), out
        assert wait_replay(ev, second, {"CANCELLED", "COMPLETED", "FAILED"})["State"] == "CANCELLED"
        expect_error(ev.list_replays, "ValidationException",
                     "At most one filter is allowed for ListReplays. Use either : State, EventSourceArn, or NamePrefix.",
                     NamePrefix=name, State="COMPLETED")
        expect_error(ev.describe_replay, "ResourceNotFoundException", f"Replay {name}-missing does not exist.",
                     ReplayName=name + "-missing")
        expect_error(ev.start_replay, "ValidationException",
                     "Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.",
                     ReplayName=name + "-backwards", EventSourceArn=archive, EventStartTime=end, EventEndTime=start,
                     Destination={"Arn": bus})
        ev.delete_archive(ArchiveName=name)
        expect_error(ev.delete_archive, "ResourceNotFoundException", f"Archive {name} does not exist.", ArchiveName=name)
    finally:
        quietly(ev.delete_archive, ArchiveName=name)
        quietly(ev.remove_targets, Rule=name, EventBusName=name, Ids=["q"])
        quietly(ev.delete_rule, Name=name, EventBusName=name)
        ev.delete_event_bus(Name=name)
        q.delete_queue(QueueUrl=url)


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def wait_connection(ev, name, state, timeout=10):
    """Polls describe_connection until the connection is in state (AUTHORIZING and DEAUTHORIZING are steps)."""
    deadline = time.monotonic() + timeout
    while True:
        got = ev.describe_connection(Name=name)
        if got["ConnectionState"] == state:
            return got
        assert time.monotonic() < deadline, f"connection {name} stayed {got['ConnectionState']}: {got}"
        time.sleep(0.2)


def connection_missing(name):
    """AWS's ResourceNotFoundException text for a connection (LocalStack's AWS recording)."""
    return f"Failed to describe the connection(s). Connection '{name}' does not exist."


def events_connections_api_destinations():
    """Connections (API key, basic, OAuth client credentials, whose token request reaches this check's HTTPS server
    after creation) and an API destination whose rule target really calls that server: method, path with a path
    parameter, query, the connection's and the target's headers, each connection type's credentials, and the event
    as body. Then describe/list/update/deauthorize/delete of both kinds, with AWS's states and errors."""
    ev = events()
    srv = HTTPSRecorder()
    name = f"boto3-api-{os.getpid()}"
    conns = {"key": name + "-key", "basic": name + "-basic", "oauth": name + "-oauth"}
    try:
        out = ev.create_connection(Name=conns["key"], Description="api key", AuthorizationType="API_KEY", AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "key-secret"},
            "InvocationHttpParameters": {
                "HeaderParameters": [{"Key": "x-conn", "Value": "from-connection", "IsValueSecret": False},
                                     {"Key": "x-conn-secret", "Value": "hidden", "IsValueSecret": True}],
                "QueryStringParameters": [{"Key": "conn", "Value": "1", "IsValueSecret": False}]}})
        key_arn = out["ConnectionArn"]
        assert key_arn.startswith(f"arn:aws:events:us-east-1:{ACCOUNT}:connection/{conns['key']}/"), out
        assert out["ConnectionState"] == "AUTHORIZED", out
        out = ev.create_connection(Name=conns["basic"], AuthorizationType="BASIC", AuthParameters={
            "BasicAuthParameters": {"Username": "user", "Password": "pass"}})
        basic_arn = out["ConnectionArn"]
        assert out["ConnectionState"] == "AUTHORIZED", out
        out = ev.create_connection(Name=conns["oauth"], AuthorizationType="OAUTH_CLIENT_CREDENTIALS", AuthParameters={
            "OAuthParameters": {"AuthorizationEndpoint": srv.url + "/token", "HttpMethod": "POST",
                                "ClientParameters": {"ClientID": "client-id", "ClientSecret": "client-secret"},
                                "OAuthHttpParameters": {"BodyParameters": [
                                    {"Key": "grant_type", "Value": "client_credentials", "IsValueSecret": False}]}}})
        oauth_arn = out["ConnectionArn"]
        assert out["ConnectionState"] == "AUTHORIZING", out
        # The OAuth connection asks the authorization endpoint for a token on its own, then is AUTHORIZED.
        try:
            tok = srv.take("token request", lambda r: r["path"] == "/token")
        except AssertionError as e:
            got = ev.describe_connection(Name=conns["oauth"])
            raise AssertionError(f"{e}; the connection is {got['ConnectionState']}: {got.get('StateReason')}") from None
        assert tok["method"] == "POST" and tok["headers"]["authorization"] == basic("client-id", "client-secret"), tok
        assert urllib.parse.parse_qs(tok["body"]) == {"grant_type": ["client_credentials"]}, tok
        got = wait_connection(ev, conns["oauth"], "AUTHORIZED")
        assert got["LastAuthorizedTime"] and "StateReason" not in got, got
        ap = got["AuthParameters"]["OAuthParameters"]
        assert ap["ClientParameters"] == {"ClientID": "client-id"} and ap["AuthorizationEndpoint"] == srv.url + "/token", ap

        got = ev.describe_connection(Name=conns["key"])
        assert got["ConnectionArn"] == key_arn and got["AuthorizationType"] == "API_KEY", got
        assert got["Description"] == "api key" and got["ConnectionState"] == "AUTHORIZED", got
        assert got["SecretArn"].startswith(
            f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:events!connection/{conns['key']}/"), got
        ap = got["AuthParameters"]
        assert ap["ApiKeyAuthParameters"] == {"ApiKeyName": "x-api-key"}, ap  # the value is not echoed
        assert ap["InvocationHttpParameters"]["HeaderParameters"] == [
            {"Key": "x-conn", "Value": "from-connection", "IsValueSecret": False},
            {"Key": "x-conn-secret", "IsValueSecret": True}], ap
        listed = ev.list_connections(NamePrefix=name)["Connections"]
        assert [(c["Name"], c["ConnectionState"]) for c in listed] == \
            [(c, "AUTHORIZED") for c in sorted(conns.values())], listed

        dest = ev.create_api_destination(Name=name, Description="orders", ConnectionArn=key_arn,
                                         InvocationEndpoint=srv.url + "/orders/*", HttpMethod="POST",
                                         InvocationRateLimitPerSecond=10)
        dest_arn = dest["ApiDestinationArn"]
        assert dest_arn.startswith(f"arn:aws:events:us-east-1:{ACCOUNT}:api-destination/{name}/"), dest
        assert dest["ApiDestinationState"] == "ACTIVE", dest
        got = ev.describe_api_destination(Name=name)
        assert (got["ConnectionArn"], got["HttpMethod"], got["InvocationRateLimitPerSecond"], got["Description"]) == \
            (key_arn, "POST", 10, "orders"), got
        assert got["InvocationEndpoint"] == srv.url + "/orders/*" and got["ApiDestinationState"] == "ACTIVE", got
        listed = ev.list_api_destinations(NamePrefix=name)["ApiDestinations"]
        assert [d["ApiDestinationArn"] for d in listed] == [dest_arn], listed
        assert [d["Name"] for d in ev.list_api_destinations(ConnectionArn=key_arn)["ApiDestinations"]] == [name]

        ev.put_rule(Name=name, EventPattern=json.dumps({"source": ["boto3.api"], "detail": {"run": [name]}}))
        ev.put_targets(Rule=name, Targets=[{
            "Id": "api", "Arn": dest_arn, "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/boto3-invoke",
            "HttpParameters": {"PathParameterValues": ["$.detail.id"], "HeaderParameters": {"x-target": "t"},
                               "QueryStringParameters": {"src": "$.source"}}}])

        def send():
            mark = marker()
            out = ev.put_events(Entries=[{"Source": "boto3.api", "DetailType": "Order",
                                          "Detail": json.dumps({"id": mark, "run": name})}])
            assert out["FailedEntryCount"] == 0, out
            return mark, srv.event(out["Entries"][0]["EventId"])

        mark, req = send()
        url = urllib.parse.urlsplit(req["path"])
        assert req["method"] == "POST" and url.path == f"/orders/{mark}", req
        assert urllib.parse.parse_qs(url.query) == {"conn": ["1"], "src": ["boto3.api"]}, req
        h = req["headers"]
        assert h["x-api-key"] == "key-secret" and h["x-conn"] == "from-connection" and h["x-conn-secret"] == "hidden", h
        assert h["x-target"] == "t" and h["content-type"] == "application/json; charset=utf-8", h
        assert h["user-agent"] == "Amazon/EventBridge/ApiDestinations", h
        body = json.loads(req["body"])
        assert body["detail"] == {"id": mark, "run": name} and body["source"] == "boto3.api", body
        assert body["detail-type"] == "Order" and body["account"] == ACCOUNT, body

        # A new key value is used from the next call.
        out = ev.update_connection(Name=conns["key"], AuthParameters={"ApiKeyAuthParameters": {"ApiKeyValue": "rotated"}})
        assert out["ConnectionArn"] == key_arn and out["ConnectionState"] == "AUTHORIZED", out
        assert send()[1]["headers"]["x-api-key"] == "rotated"

        # Basic: the destination moved to the basic connection, and to PUT.
        out = ev.update_api_destination(Name=name, ConnectionArn=basic_arn, HttpMethod="PUT",
                                        InvocationRateLimitPerSecond=20)
        assert out["ApiDestinationArn"] == dest_arn and out["ApiDestinationState"] == "ACTIVE", out
        got = ev.describe_api_destination(Name=name)
        assert (got["ConnectionArn"], got["HttpMethod"], got["InvocationRateLimitPerSecond"]) == (basic_arn, "PUT", 20), got
        _, req = send()
        assert req["method"] == "PUT" and req["headers"]["authorization"] == basic("user", "pass"), req
        assert "x-api-key" not in req["headers"], req

        # OAuth client credentials: the token the connection obtained, as a bearer token.
        ev.update_api_destination(Name=name, ConnectionArn=oauth_arn, HttpMethod="POST")
        mark, req = send()
        assert req["path"].startswith(f"/orders/{mark}") and req["headers"]["authorization"] == f"Bearer {srv.token}", req

        # Deauthorizing a connection makes the destinations that use it INACTIVE.
        out = ev.deauthorize_connection(Name=conns["basic"])
        assert out["ConnectionArn"] == basic_arn and out["ConnectionState"] == "DEAUTHORIZING", out
        wait_connection(ev, conns["basic"], "DEAUTHORIZED")
        listed = ev.list_connections(NamePrefix=name, ConnectionState="DEAUTHORIZED")["Connections"]
        assert [c["Name"] for c in listed] == [conns["basic"]], listed
        out = ev.update_api_destination(Name=name, ConnectionArn=basic_arn)
        assert out["ApiDestinationState"] == "INACTIVE", out

        # Errors of both families.
        expect_error(ev.describe_connection, "ResourceNotFoundException", connection_missing(name + "-missing"),
                     Name=name + "-missing")
        expect_error(ev.describe_api_destination, "ResourceNotFoundException",
                     f"Failed to describe the api-destination(s). An api-destination '{name}-missing' does not exist.",
                     Name=name + "-missing")
        err = error_of(ev.create_api_destination, Name=name + "-plain", ConnectionArn=key_arn,
                       InvocationEndpoint="http://example.com/x", HttpMethod="POST")
        assert err["Code"] == "ValidationException" and "InvocationEndpoint" in err["Message"], err
        err = error_of(ev.create_connection, Name=name + "-bad", AuthorizationType="BASIC", AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}})
        assert err["Code"] == "ValidationException", err

        ev.remove_targets(Rule=name, Ids=["api"])
        ev.delete_rule(Name=name)
        ev.delete_api_destination(Name=name)
        err = error_of(ev.delete_api_destination, Name=name)
        assert err["Code"] == "ResourceNotFoundException" and f"An api-destination '{name}' does not exist." in \
            err["Message"], err
        for c in conns.values():
            out = ev.delete_connection(Name=c)
            assert out["ConnectionState"] == "DELETING", out
        deadline = time.monotonic() + 10
        while ev.list_connections(NamePrefix=name)["Connections"]:
            assert time.monotonic() < deadline, ev.list_connections(NamePrefix=name)
            time.sleep(0.2)
        expect_error(ev.describe_connection, "ResourceNotFoundException", connection_missing(conns["key"]),
                     Name=conns["key"])
    finally:
        quietly(ev.remove_targets, Rule=name, Ids=["api"])
        quietly(ev.delete_rule, Name=name)
        quietly(ev.delete_api_destination, Name=name)
        for c in conns.values():
            quietly(ev.delete_connection, Name=c)
        srv.close()


def events_partner_sources():
    """A partner account offers an event source to this account (create/describe/list_partner_event_source(s),
    list_partner_event_source_accounts); this account sees it (list/describe_event_source(s)), creates the partner
    bus (the source becomes ACTIVE), and put_partner_events reaches its rule; deactivate_event_source stops delivery,
    activate_event_source resumes it; delete_partner_event_source leaves the source DELETED."""
    ev, partner, q = events(), events(PARTNER), client("sqs")
    prefix = f"aws.partner/boto3.example.com/{os.getpid()}"
    src = f"{prefix}/{time.monotonic_ns() % 1000000}"
    url, qarn = queue_of(q, f"boto3-partner-{os.getpid()}")
    rule = f"boto3-partner-{os.getpid()}"
    bus_made = False
    try:
        arn = partner.create_partner_event_source(Name=src, Account=ACCOUNT)["EventSourceArn"]
        assert arn == f"arn:aws:events:us-east-1::event-source/{src}", arn
        err = error_of(partner.create_partner_event_source, Name=src, Account=ACCOUNT)
        assert err["Code"] == "ResourceAlreadyExistsException" and src in err["Message"], err  # text unverified
        got = partner.describe_partner_event_source(Name=src)
        assert (got["Arn"], got["Name"]) == (arn, src), got
        listed = partner.list_partner_event_sources(NamePrefix=prefix)["PartnerEventSources"]
        assert listed == [{"Arn": arn, "Name": src}], listed
        accounts = partner.list_partner_event_source_accounts(EventSourceName=src)["PartnerEventSourceAccounts"]
        assert [(a["Account"], a["State"]) for a in accounts] == [(ACCOUNT, "PENDING")], accounts
        assert accounts[0]["CreationTime"] and accounts[0]["ExpirationTime"] > accounts[0]["CreationTime"], accounts

        got = ev.describe_event_source(Name=src)
        assert (got["Arn"], got["Name"], got["State"], got["CreatedBy"]) == \
            (arn, src, "PENDING", "aws.partner/boto3.example.com"), got
        assert [s["Name"] for s in ev.list_event_sources(NamePrefix=prefix)["EventSources"]] == [src]

        bus = ev.create_event_bus(Name=src, EventSourceName=src)["EventBusArn"]
        bus_made = True
        assert bus == f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/{src}", bus
        assert ev.describe_event_source(Name=src)["State"] == "ACTIVE"
        ev.put_rule(Name=rule, EventBusName=src, EventPattern=json.dumps({"source": [src]}))
        ev.put_targets(Rule=rule, EventBusName=src, Targets=[{"Id": "q", "Arn": qarn}])

        def put(mark):
            out = partner.put_partner_events(Entries=[{"Source": src, "DetailType": "Partner Event",
                                                      "Detail": json.dumps({"id": mark})}])
            assert out["FailedEntryCount"] == 0 and out["Entries"][0]["EventId"], out
            return out["Entries"][0]["EventId"]

        mark = marker()
        event_id = put(mark)
        env = json.loads(receive_marked(q, url, mark)[0]["Body"])
        assert env["id"] == event_id and env["source"] == src and env["account"] == ACCOUNT, env
        assert env["detail-type"] == "Partner Event" and env["detail"] == {"id": mark}, env

        ev.deactivate_event_source(Name=src)
        assert ev.describe_event_source(Name=src)["State"] == "PENDING"
        paused = marker() + "-paused"
        put(paused)
        ev.activate_event_source(Name=src)
        assert ev.describe_event_source(Name=src)["State"] == "ACTIVE"
        resumed = marker() + "-resumed"
        put(resumed)
        receive_marked(q, url, resumed, absent=[paused])

        out = partner.put_partner_events(Entries=[{"Source": src, "DetailType": "Partner Event", "Detail": "[1]"}])
        assert out["FailedEntryCount"] == 1 and out["Entries"][0] == {
            "ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}, out

        partner.delete_partner_event_source(Name=src, Account=ACCOUNT)
        assert ev.describe_event_source(Name=src)["State"] == "DELETED"
        expect_error(partner.describe_partner_event_source, "ResourceNotFoundException",
                     f"Event source {src} does not exist.", Name=src)
        expect_error(partner.list_partner_event_source_accounts, "ResourceNotFoundException",
                     f"Event source {src} does not exist.", EventSourceName=src)
        expect_error(ev.describe_event_source, "ResourceNotFoundException", f"Event source {src}-missing does not exist.",
                     Name=src + "-missing")
        err = error_of(partner.create_partner_event_source, Name="not-a-partner-name", Account=ACCOUNT)
        assert err["Code"] == "ValidationException" and "'name'" in err["Message"], err
    finally:
        quietly(partner.delete_partner_event_source, Name=src, Account=ACCOUNT)
        if bus_made:
            quietly(ev.remove_targets, Rule=rule, EventBusName=src, Ids=["q"])
            quietly(ev.delete_rule, Name=rule, EventBusName=src)
            ev.delete_event_bus(Name=src)
        q.delete_queue(QueueUrl=url)


def events_endpoints():
    """A global endpoint over buses of the same name in two regions: create (CREATING), describe (ACTIVE, its id
    and URL), update (UPDATING), list, delete; AWS's errors."""
    east, west = events(), events(region="us-west-2")
    name = f"boto3-ep-{os.getpid()}"
    buses = [east.create_event_bus(Name=name)["EventBusArn"], west.create_event_bus(Name=name)["EventBusArn"]]
    assert buses[1] == f"arn:aws:events:us-west-2:{ACCOUNT}:event-bus/{name}", buses
    routing = {"FailoverConfig": {"Primary": {"HealthCheck": f"arn:aws:route53:::healthcheck/{name}"},
                                  "Secondary": {"Route": "us-west-2"}}}
    role = f"arn:aws:iam::{ACCOUNT}:role/boto3-replication"
    try:
        out = east.create_endpoint(Name=name, Description="first", RoutingConfig=routing,
                                   ReplicationConfig={"State": "ENABLED"},
                                   EventBuses=[{"EventBusArn": b} for b in buses], RoleArn=role)
        assert out["Arn"] == f"arn:aws:events:us-east-1:{ACCOUNT}:endpoint/{name}" and out["State"] == "CREATING", out
        assert out["RoutingConfig"] == routing and out["EventBuses"] == [{"EventBusArn": b} for b in buses], out
        got = east.describe_endpoint(Name=name)
        assert got["State"] == "ACTIVE" and got["Description"] == "first" and got["RoleArn"] == role, got
        assert got["EndpointUrl"] == f"https://{got['EndpointId']}.endpoint.events.amazonaws.com", got
        out = east.update_endpoint(Name=name, Description="second", ReplicationConfig={"State": "DISABLED"})
        assert out["State"] == "UPDATING" and out["EndpointId"] == got["EndpointId"], out
        got = east.describe_endpoint(Name=name)
        assert got["Description"] == "second" and got["ReplicationConfig"] == {"State": "DISABLED"}, got
        listed = east.list_endpoints(NamePrefix=name)["Endpoints"]
        assert [(e["Name"], e["EndpointId"]) for e in listed] == [(name, got["EndpointId"])], listed
        err = error_of(east.create_endpoint, Name=name, RoutingConfig=routing, RoleArn=role,
                       EventBuses=[{"EventBusArn": b} for b in buses])
        assert err["Code"] == "ResourceAlreadyExistsException" and name in err["Message"], err  # text unverified
        err = error_of(east.create_endpoint, Name=name + "-x", RoutingConfig=routing, RoleArn=role,
                       EventBuses=[{"EventBusArn": buses[0]}, {"EventBusArn": buses[0]}])
        assert err["Code"] == "ValidationException" and "EventBuses" in err["Message"], err
        east.delete_endpoint(Name=name)
        err = error_of(east.describe_endpoint, Name=name)
        assert err["Code"] == "ResourceNotFoundException" and name in err["Message"], err  # text unverified
        assert east.list_endpoints(NamePrefix=name)["Endpoints"] == []
    finally:
        quietly(east.delete_endpoint, Name=name)
        east.delete_event_bus(Name=name)
        west.delete_event_bus(Name=name)


def events_errors():
    """One not-found and one validation error per family (buses, rules, targets, archives; the other families check
    theirs in their own checks), with AWS's codes and texts; test_event_pattern both ways."""
    ev = events()
    bus = f"no-such-bus-{os.getpid()}"
    tests = [
        (ev.describe_rule, {"Name": "no-such-rule"}, "ResourceNotFoundException",
         "Rule no-such-rule does not exist on EventBus default."),
        (ev.describe_event_bus, {"Name": bus}, "ResourceNotFoundException", f"Event bus {bus} does not exist."),
        (ev.create_event_bus, {"Name": "a/b"}, "ValidationException", "Event bus name must not contain '/'."),
        (ev.delete_event_bus, {"Name": "default"}, "ValidationException", "Cannot delete event bus default."),
        (ev.put_rule, {"Name": "bad-pattern", "EventPattern": '{"source":"shop"}'}, "InvalidEventPatternException",
         'Event pattern is not valid. Reason: "source" must be an object or an array\n'
         ' at [Source: (String)"{"source":"shop"}"; line: 1, column: 12]'),
        (ev.put_rule, {"Name": "no-pattern"}, "ValidationException",
         "Parameter(s) EventPattern or ScheduleExpression must be specified."),
        (ev.put_targets, {"Rule": "no-such-rule", "Targets": [{"Id": "a", "Arn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"}]},
         "ResourceNotFoundException", "Rule no-such-rule does not exist on EventBus default."),
        (ev.list_targets_by_rule, {"Rule": "no-such-rule"}, "ResourceNotFoundException",
         "Rule no-such-rule does not exist on EventBus default."),
        (ev.describe_archive, {"ArchiveName": "no-such-archive"}, "ResourceNotFoundException",
         "Archive no-such-archive does not exist."),
        (ev.list_rules, {"NextToken": "not-a-token"}, "ValidationException", "The NextToken provided is invalid."),
    ]
    for call, kwargs, code, text in tests:
        err = error_of(call, **kwargs)
        assert err["Code"] == code and err["Message"] == text, (call.__name__, err)
    err = error_of(ev.put_targets, Rule="no-such-rule", Targets=[{"Id": "a", "Arn": "not-an-arn"}])
    assert err["Code"] == "ValidationException" and "Provided Arn is not in correct format." in err["Message"], err
    event = {"id": "1", "account": "123456789012", "source": "shop", "time": "2026-01-01T00:00:00Z",
             "region": "us-east-1", "resources": [], "detail-type": "x", "detail": {"n": 5}}
    assert ev.test_event_pattern(EventPattern='{"source":["shop"]}', Event=json.dumps(event))["Result"] is True
    assert ev.test_event_pattern(EventPattern='{"detail":{"n":[{"numeric":[">",9]}]}}',
                                 Event=json.dumps(event))["Result"] is False


def events_every_operation():
    """Every operation of botocore's events model was called by the checks above (run them all first)."""
    ops = set(events().meta.service_model.operation_names)
    missing = sorted(ops - CALLED)
    assert not missing, f"not called: {missing}"


CHECKS = [events_bus_rule_targets, events_rules_state_buses, events_permissions_cross_account, events_archives_replays,
          events_connections_api_destinations, events_partner_sources, events_endpoints, events_errors,
          events_every_operation]


if __name__ == "__main__":
    # `events_checks.py ca` prints the certificate the emulator must trust (SSL_CERT_FILE) for the HTTPS checks.
    if sys.argv[1:] == ["ca"]:
        sys.stdout.write(TEST_CERT)
    else:
        sys.exit("usage: events_checks.py ca   (the checks themselves run from smoke.py)")
