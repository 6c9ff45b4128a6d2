"""boto3 checks of EventBridge Schemas (the schemas client): every operation botocore knows is called at least once
with its answer checked (schemas_every_operation proves it). Names carry the PID and everything made is deleted, so
the checks pass again on the same stack. Run by smoke.py."""
import io
import json
import os
import time
import urllib.parse
import urllib.request
import zipfile

import boto3

from common import ACCOUNT, CFG, ENDPOINT, client, error_of

REGION = "us-east-1"
DISCOVERED = "discovered-schemas"
DRAFT4 = "http://json-schema.org/draft-04/schema#"

# The Schemas operations this process has called (schemas_every_operation checks that none is left out).
CALLED = set()


def _record(model, **_):
    CALLED.add(model.name)


def schemas():
    """A schemas client that records the operations it calls."""
    c = boto3.client("schemas", endpoint_url=ENDPOINT, region_name=REGION, aws_access_key_id="test",
                     aws_secret_access_key="test", config=CFG)
    c.meta.events.register("before-call.schemas.*", _record)
    return c


def openapi(properties):
    return json.dumps({"openapi": "3.0.0", "info": {"title": "Order", "version": "1.0.0"}, "paths": {},
                       "components": {"schemas": {"Order": {"type": "object", "properties": properties}}}})


def fails(code, call, text=None, **kwargs):
    """Calls call(**kwargs), which must fail with error code and, when given, message text."""
    err = error_of(call, **kwargs)
    assert err["Code"] == code, (call.__name__, kwargs, err)
    assert text is None or err["Message"] == text, (call.__name__, kwargs, err)


def policy_doc(policy):
    """The Policy member, parsed (botocore may hand over the JSON text or the document)."""
    return json.loads(policy) if isinstance(policy, str) else policy


def schemas_registries():
    """create/describe/update/list (prefix, scope, paginator)/delete_registry, tags on a registry, errors."""
    sc = schemas()
    reg = f"boto3-registry-{os.getpid()}"
    arn = f"arn:aws:schemas:{REGION}:{ACCOUNT}:registry/{reg}"
    out = sc.create_registry(RegistryName=reg, Description="from boto3", Tags={"by": "boto3"})
    assert (out["RegistryArn"], out["RegistryName"], out["Tags"]) == (arn, reg, {"by": "boto3"}), out
    try:
        fails("ConflictException", sc.create_registry, f"Registry with name {reg} already exists.", RegistryName=reg)
        got = sc.list_registries(RegistryNamePrefix=reg)["Registries"]
        assert got == [{"RegistryArn": arn, "RegistryName": reg, "Tags": {"by": "boto3"}}], got
        managed = [r["RegistryName"] for r in sc.list_registries(Scope="AWS")["Registries"]]
        assert managed == ["aws.events"], managed
        local = sc.list_registries(Scope="LOCAL", RegistryNamePrefix="boto3-registry-")["Registries"]
        assert reg in [r["RegistryName"] for r in local] and "aws.events" not in [r["RegistryName"] for r in local], local
        pages = sc.get_paginator("list_registries").paginate(Scope="LOCAL", PaginationConfig={"PageSize": 1})
        assert reg in [r["RegistryName"] for p in pages for r in p["Registries"]]

        out = sc.update_registry(RegistryName=reg, Description="updated by boto3")
        assert (out["Description"], out["RegistryArn"]) == ("updated by boto3", arn), out
        got = sc.describe_registry(RegistryName=reg)
        assert (got["Description"], got["RegistryArn"], got["Tags"]) == ("updated by boto3", arn, {"by": "boto3"}), got

        sc.tag_resource(ResourceArn=arn, Tags={"team": "shop", "env": "test"})
        assert sc.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"by": "boto3", "team": "shop", "env": "test"}
        sc.untag_resource(ResourceArn=arn, TagKeys=["env", "by"])
        assert sc.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "shop"}

        missing = f"no-such-registry-{os.getpid()}"
        fails("NotFoundException", sc.describe_registry, f"Registry with name {missing} does not exist.",
              RegistryName=missing)
        fails("NotFoundException", sc.list_tags_for_resource,
              ResourceArn=f"arn:aws:schemas:{REGION}:{ACCOUNT}:registry/{missing}")
        fails("ForbiddenException", sc.update_registry, RegistryName="aws.events", Description="mine")
        fails("BadRequestException", sc.list_registries, Scope="EVERYWHERE")
    finally:
        sc.delete_registry(RegistryName=reg)
    fails("NotFoundException", sc.describe_registry, RegistryName=reg)


def schemas_resource_policy():
    """put/get/delete_resource_policy on a registry; a put naming a stale RevisionId is refused."""
    sc = schemas()
    reg = f"boto3-policy-{os.getpid()}"
    sc.create_registry(RegistryName=reg)
    try:
        fails("NotFoundException", sc.get_resource_policy, RegistryName=reg)
        doc = {"Version": "2012-10-17", "Statement": [{
            "Sid": "read", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Action": "schemas:DescribeSchema", "Resource": "*"}]}
        put = sc.put_resource_policy(RegistryName=reg, Policy=json.dumps(doc))
        rev1 = put["RevisionId"]
        assert rev1 and policy_doc(put["Policy"]) == doc, put
        got = sc.get_resource_policy(RegistryName=reg)
        assert got["RevisionId"] == rev1 and policy_doc(got["Policy"]) == doc, got

        doc["Statement"][0]["Sid"] = "read2"
        rev2 = sc.put_resource_policy(RegistryName=reg, Policy=json.dumps(doc), RevisionId=rev1)["RevisionId"]
        assert rev2 and rev2 != rev1, (rev1, rev2)
        fails("PreconditionFailedException", sc.put_resource_policy, RegistryName=reg, Policy=json.dumps(doc),
              RevisionId=rev1)
        got = sc.get_resource_policy(RegistryName=reg)
        assert got["RevisionId"] == rev2 and policy_doc(got["Policy"])["Statement"][0]["Sid"] == "read2", got
        fails("BadRequestException", sc.put_resource_policy, RegistryName=reg, Policy='{"Version":')

        sc.delete_resource_policy(RegistryName=reg)
        fails("NotFoundException", sc.get_resource_policy, RegistryName=reg)
        fails("NotFoundException", sc.delete_resource_policy, RegistryName=reg)
        fails("NotFoundException", sc.get_resource_policy, RegistryName=f"no-such-registry-{os.getpid()}")
    finally:
        sc.delete_registry(RegistryName=reg)


def schemas_versions():
    """create/update/describe/list_schemas (prefix, paging)/search/list_schema_versions/delete_schema_version/
    delete_schema, tags on a schema, export_schema, errors."""
    sc = schemas()
    reg = f"boto3-schemas-{os.getpid()}"
    sc.create_registry(RegistryName=reg)
    try:
        arn = f"arn:aws:schemas:{REGION}:{ACCOUNT}:schema/{reg}/Order"
        out = sc.create_schema(RegistryName=reg, SchemaName="Order", Type="OpenApi3", Description="orders",
                               Content=openapi({"id": {"type": "string"}}), Tags={"by": "boto3"})
        assert (out["SchemaArn"], out["SchemaVersion"], out["Type"], out["Description"]) == (
            arn, "1", "OpenApi3", "orders"), out
        fails("ConflictException", sc.create_schema, "Schema with name Order already exists.",
              RegistryName=reg, SchemaName="Order", Type="OpenApi3", Content=openapi({}))
        fails("BadRequestException", sc.create_schema, RegistryName=reg, SchemaName="Bad", Type="OpenApi3",
              Content="{not json")

        def update(content):
            return sc.update_schema(RegistryName=reg, SchemaName="Order", Type="OpenApi3", Content=content)

        assert update(openapi({"id": {"type": "string"}, "qty": {"type": "integer"}}))["SchemaVersion"] == "2"
        # The same content, members reordered, makes no new version.
        assert update(openapi({"qty": {"type": "integer"}, "id": {"type": "string"}}))["SchemaVersion"] == "2"
        sc.create_schema(RegistryName=reg, SchemaName="Shipment", Type="OpenApi3",
                         Content=openapi({"carrier": {"type": "string"}}))

        names = sorted(s["SchemaName"] for s in sc.list_schemas(RegistryName=reg)["Schemas"])
        assert names == ["Order", "Shipment"], names
        got = sc.list_schemas(RegistryName=reg, SchemaNamePrefix="Ord")["Schemas"]
        assert [(s["SchemaName"], s["VersionCount"], s["Tags"]) for s in got] == [("Order", 2, {"by": "boto3"})], got
        first = sc.list_schemas(RegistryName=reg, Limit=1)
        assert len(first["Schemas"]) == 1 and first["NextToken"], first
        second = sc.list_schemas(RegistryName=reg, Limit=1, NextToken=first["NextToken"])
        paged = sorted(p["Schemas"][0]["SchemaName"] for p in (first, second))
        assert paged == ["Order", "Shipment"] and not second.get("NextToken"), (first, second)

        # A keyword in one schema's name only.
        found = sc.search_schemas(RegistryName=reg, Keywords="shipment")["Schemas"]
        assert [s["SchemaName"] for s in found] == ["Shipment"], found
        assert found[0]["RegistryName"] == reg and found[0]["SchemaArn"].endswith(f":schema/{reg}/Shipment"), found
        assert [(v["SchemaVersion"], v["Type"]) for v in found[0]["SchemaVersions"]] == [("1", "OpenApi3")], found

        d = sc.describe_schema(RegistryName=reg, SchemaName="Order", SchemaVersion="1")
        props = json.loads(d["Content"])["components"]["schemas"]["Order"]["properties"]
        assert d["SchemaVersion"] == "1" and props == {"id": {"type": "string"}}, d
        latest = sc.describe_schema(RegistryName=reg, SchemaName="Order")
        assert latest["SchemaVersion"] == "2" and latest["Tags"] == {"by": "boto3"}, latest

        def versions():
            got = sc.list_schema_versions(RegistryName=reg, SchemaName="Order")["SchemaVersions"]
            assert all(v["SchemaArn"] == arn and v["Type"] == "OpenApi3" for v in got), got
            return [v["SchemaVersion"] for v in got]

        assert versions() == ["1", "2"]
        sc.delete_schema_version(RegistryName=reg, SchemaName="Order", SchemaVersion="1")
        assert versions() == ["2"]
        fails("NotFoundException", sc.describe_schema, RegistryName=reg, SchemaName="Order", SchemaVersion="1")
        fails("NotFoundException", sc.delete_schema_version, RegistryName=reg, SchemaName="Order", SchemaVersion="1")
        fails("NotFoundException", sc.describe_schema, "Schema with name Nothing does not exist.",
              RegistryName=reg, SchemaName="Nothing")

        sc.tag_resource(ResourceArn=arn, Tags={"team": "shop"})
        sc.untag_resource(ResourceArn=arn, TagKeys=["by"])
        assert sc.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "shop"}

        ex = sc.export_schema(RegistryName="aws.events", SchemaName="aws.events@ScheduledEvent", Type="JSONSchemaDraft4")
        assert (ex["Type"], ex["SchemaName"]) == ("JSONSchemaDraft4", "aws.events@ScheduledEvent"), ex
        assert json.loads(ex["Content"])["$schema"] == DRAFT4, ex
        # Only discovered and AWS schemas export (the text AWS answers, as quoted in event-catalog/eventcatalog#270).
        fails("ForbiddenException", sc.export_schema, "You cannot export non discovered or non aws managed schemas.",
              RegistryName=reg, SchemaName="Order", Type="JSONSchemaDraft4")

        sc.delete_schema(RegistryName=reg, SchemaName="Order")
        sc.delete_schema(RegistryName=reg, SchemaName="Shipment")
        assert sc.list_schemas(RegistryName=reg)["Schemas"] == []
        fails("NotFoundException", sc.delete_schema, RegistryName=reg, SchemaName="Order")
    finally:
        for s in sc.list_schemas(RegistryName=reg)["Schemas"]:
            sc.delete_schema(RegistryName=reg, SchemaName=s["SchemaName"])
        sc.delete_registry(RegistryName=reg)


def admin_findings(path):
    """GET /_evolvestack/schemas/discovered... : evolvestack's compatibility findings of discovered versions."""
    with urllib.request.urlopen(ENDPOINT + "/_evolvestack/schemas/discovered" + path, timeout=5) as r:
        return json.load(r)


def wait_for(what, probe, attempts=40, pause=0.25):
    """Calls probe until it returns something truthy (discovery and code generation run on the clock)."""
    for _ in range(attempts):
        got = probe()
        if got:
            return got
        time.sleep(pause)
    raise AssertionError(f"{what} did not happen in {attempts * pause:.0f}s")


def schemas_discovery():
    """A discoverer on a bus of its own (create/describe/update/list/stop/start/delete, tags); discovery writes v1
    and then v2 of an event that drops a field, which evolvestack's findings call not backward compatible;
    get_discovered_schema, export of a discovered schema; a Go code binding and its zip."""
    sc, ev = schemas(), client("events")
    pid = os.getpid()
    bus = f"boto3-schemas-bus-{pid}"
    src = f"boto3.discovery.{pid}"
    name = f"{src}@OrderPlaced"
    busarn = ev.create_event_bus(Name=bus)["EventBusArn"]
    did = None
    try:
        d = sc.create_discoverer(SourceArn=busarn, Description="orders", Tags={"by": "boto3"})
        did = d["DiscovererId"]
        darn = f"arn:aws:schemas:{REGION}:{ACCOUNT}:discoverer/{did}"
        assert did == f"events-event-bus-{bus}" and d["DiscovererArn"] == darn, d
        assert (d["SourceArn"], d["State"], d["CrossAccount"], d["Tags"]) == (
            busarn, "STARTED", True, {"by": "boto3"}), d
        fails("ConflictException", sc.create_discoverer, SourceArn=busarn)
        fails("BadRequestException", sc.create_discoverer, f"Event bus {busarn}-missing does not exist.",
              SourceArn=busarn + "-missing")
        # The discoverer's rule on the bus, managed by the schemas service; disabled while the discoverer is stopped.
        rule = f"Schemas-events-event-bus-{bus}"

        def rule_state():
            r = ev.describe_rule(EventBusName=bus, Name=rule)
            assert r["ManagedBy"] == "schemas.amazonaws.com", r
            return r["State"]

        assert rule_state() == "ENABLED"
        fails("BadRequestException", sc.create_discoverer, SourceArn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:nope")
        got = sc.describe_discoverer(DiscovererId=did)
        assert (got["Description"], got["State"], got["SourceArn"]) == ("orders", "STARTED", busarn), got
        up = sc.update_discoverer(DiscovererId=did, Description="this account only", CrossAccount=False)
        assert (up["Description"], up["CrossAccount"]) == ("this account only", False), up
        assert sc.describe_discoverer(DiscovererId=did)["CrossAccount"] is False
        listed = sc.list_discoverers(DiscovererIdPrefix=did)["Discoverers"]
        assert [(x["DiscovererId"], x["State"], x["CrossAccount"]) for x in listed] == [(did, "STARTED", False)], listed
        assert [x["DiscovererArn"] for x in sc.list_discoverers(SourceArnPrefix=busarn)["Discoverers"]] == [darn]
        sc.tag_resource(ResourceArn=darn, Tags={"team": "shop"})
        sc.untag_resource(ResourceArn=darn, TagKeys=["by"])
        assert sc.list_tags_for_resource(ResourceArn=darn)["Tags"] == {"team": "shop"}
        stopped = sc.stop_discoverer(DiscovererId=did)
        assert (stopped["DiscovererId"], stopped["State"]) == (did, "STOPPED"), stopped
        assert sc.describe_discoverer(DiscovererId=did)["State"] == "STOPPED"
        assert rule_state() == "DISABLED"
        assert sc.start_discoverer(DiscovererId=did)["State"] == "STARTED"
        assert rule_state() == "ENABLED"
        fails("NotFoundException", sc.describe_discoverer, f"Discoverer with id no-such-discoverer-{pid} does not exist.",
              DiscovererId=f"no-such-discoverer-{pid}")

        def put(detail):
            out = ev.put_events(Entries=[{"EventBusName": bus, "Source": src, "DetailType": "Order Placed",
                                          "Detail": json.dumps(detail)}])
            assert out["FailedEntryCount"] == 0, out

        def latest_is(v):
            try:
                return sc.describe_schema(RegistryName=DISCOVERED, SchemaName=name)["SchemaVersion"] == v
            except sc.exceptions.NotFoundException:
                return False

        def content(v):
            return sc.describe_schema(RegistryName=DISCOVERED, SchemaName=name, SchemaVersion=v)["Content"]

        put({"orderId": "o-1", "total": 3, "coupon": "WELCOME"})
        wait_for(f"version 1 of {name}", lambda: latest_is("1"))
        put({"orderId": "o-2", "total": 4})
        wait_for(f"version 2 of {name}", lambda: latest_is("2"))
        v1, v2 = content("1"), content("2")
        assert '"coupon"' in v1 and '"coupon"' not in v2 and '"orderId"' in v2, (v1, v2)

        quoted = urllib.parse.quote(name)
        rep = admin_findings("/" + quoted)
        assert (rep["schema"], rep["version"], rep["previousVersion"]) == (name, "2", "1"), rep
        assert rep["backwardCompatible"] is False and rep["backwardFindings"], rep
        assert rep["fields"] == ["/detail/coupon"], rep
        first = admin_findings(f"/{quoted}/versions/1")
        assert first["version"] == "1" and "previousVersion" not in first and first["backwardCompatible"], first
        mine = sorted(r["version"] for r in admin_findings("")["versions"] if r["schema"] == name)
        assert mine == ["1", "2"], mine

        ex = sc.export_schema(RegistryName=DISCOVERED, SchemaName=name, Type="JSONSchemaDraft4")
        assert ex["SchemaVersion"] == "2" and json.loads(ex["Content"])["$schema"] == DRAFT4, ex
        event = {"version": "0", "id": "1", "detail-type": "Order Placed", "source": src, "account": ACCOUNT,
                 "time": "2026-12-06T22:00:00Z", "region": REGION, "resources": [], "detail": {"orderId": "o-1"}}
        got = json.loads(sc.get_discovered_schema(Type="OpenApi3", Events=[json.dumps(event)])["Content"])
        assert got["openapi"].startswith("3.") and "OrderPlaced" in got["components"]["schemas"], got
        fails("BadRequestException", sc.get_discovered_schema, "Event 1 is not a valid JSON object.",
              Type="OpenApi3", Events=["not json"])

        binding = {"RegistryName": DISCOVERED, "SchemaName": name}
        put_cb = sc.put_code_binding(Language="Go1", **binding)
        assert (put_cb["SchemaVersion"], put_cb["Status"]) == ("2", "CREATE_IN_PROGRESS"), put_cb
        wait_for("the Go code binding", lambda: sc.describe_code_binding(
            Language="Go1", **binding)["Status"] == "CREATE_COMPLETE")
        body = sc.get_code_binding_source(Language="Go1", **binding)["Body"]
        files = zipfile.ZipFile(io.BytesIO(body.read() if hasattr(body, "read") else body)).namelist()
        assert files and all(f.startswith("schema/") for f in files), files
        assert any(f.endswith("/OrderPlaced.go") for f in files), files
        assert any(f.endswith("/marshaller.go") for f in files), files
        fails("BadRequestException", sc.put_code_binding, Language="Cobol", **binding)
        fails("NotFoundException", sc.describe_code_binding, Language="Java8", **binding)
        fails("NotFoundException", sc.get_code_binding_source, Language="Java8", **binding)

        assert sc.stop_discoverer(DiscovererId=did)["State"] == "STOPPED"
        sc.delete_discoverer(DiscovererId=did)
        did = None
        assert sc.list_discoverers(SourceArnPrefix=busarn)["Discoverers"] == []
        fails("ResourceNotFoundException", ev.describe_rule, EventBusName=bus, Name=rule)
        fails("NotFoundException", sc.delete_discoverer, DiscovererId=f"events-event-bus-{bus}")
    finally:
        if did:
            sc.delete_discoverer(DiscovererId=did)
        try:
            sc.delete_schema(RegistryName=DISCOVERED, SchemaName=name)
        except sc.exceptions.NotFoundException:
            pass
        ev.delete_event_bus(Name=bus)
    fails("NotFoundException", sc.describe_schema, RegistryName=DISCOVERED, SchemaName=name)


def schemas_every_operation():
    """Every operation of botocore's schemas model was called by the checks above (run them all first)."""
    missing = sorted(set(schemas().meta.service_model.operation_names) - CALLED)
    assert not missing, f"not called: {missing}"


CHECKS = [schemas_registries, schemas_resource_policy, schemas_versions, schemas_discovery, schemas_every_operation]
