"""boto3 checks of EventBridge (the events client)."""
import json
import os

from botocore.exceptions import ClientError

from common import ACCOUNT, client, error_of, marker, receive_marked


def events_bus_rule_targets():
    """A bus, a rule with an event pattern, an SQS target and an input transformer; put_events with a per-entry
    failure; the envelope and the transformed body arrive; an archive counts the bus's events; tags."""
    ev, q = client("events"), client("sqs")
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


def events_errors():
    ev = client("events")
    bus = f"no-such-bus-{os.getpid()}"
    tests = [
        (ev.describe_rule, {"Name": "no-such-rule"}, "ResourceNotFoundException",
         "Rule no-such-rule does not exist on EventBus default."),
        (ev.describe_event_bus, {"Name": bus}, "ResourceNotFoundException", f"Event bus {bus} does not exist."),
        (ev.put_rule, {"Name": "bad-pattern", "EventPattern": '{"source":"shop"}'}, "InvalidEventPatternException",
         'Event pattern is not valid. Reason: "source" must be an object or an array'),
        (ev.describe_archive, {"ArchiveName": "no-such-archive"}, "ResourceNotFoundException",
         "Archive no-such-archive does not exist."),
    ]
    for call, kwargs, code, text in tests:
        err = error_of(call, **kwargs)
        assert err["Code"] == code and text in err["Message"], (call.__name__, err)
    assert ev.test_event_pattern(EventPattern='{"source":["shop"]}', Event=json.dumps({
        "id": "1", "account": "123456789012", "source": "shop", "time": "2026-01-01T00:00:00Z", "region": "us-east-1",
        "resources": [], "detail-type": "x", "detail": {}}))["Result"] is True


CHECKS = [events_bus_rule_targets, events_errors]
