"""boto3 checks of EventBridge Schemas (the schemas client)."""

from common import client


def events_schemas():
    assert isinstance(client("events").list_rules()["Rules"], list)
    assert isinstance(client("schemas").list_discoverers()["Discoverers"], list)


CHECKS = [events_schemas]
