# EventBridge Schemas checks, sourced by aws-cli.sh (which defines aws, step, admin_get and $account).
# Every operation of the schemas API is called at least once; names carry the PID, and everything made is
# deleted, so the script passes again on the same stack.

# sch_want GOT WANT [WHAT]: stops the script when GOT is not WANT.
sch_want() { [ "$1" = "$2" ] || { echo "${3:-value}: got '$1', want '$2'" >&2; exit 1; }; }
# sch_fails CODE TEXT ARGS...: runs aws ARGS, which must fail with error CODE and a message holding TEXT.
sch_fails() {
  local code=$1 text=$2 err
  shift 2
  if err=$(aws "$@" 2>&1); then
    echo "aws $* succeeded, want $code" >&2; exit 1
  fi
  echo "$err" | sed '/^$/d'
  case "$err" in *"($code)"*"$text"*) ;; *) echo "unexpected error, want $code: $text" >&2; exit 1 ;; esac
}
# sch_tags ARN: the tags of ARN as sorted key=value words.
sch_tags() {
  aws schemas list-tags-for-resource --resource-arn "$1" --output json |
    python3 -c 'import json, sys; print(" ".join(f"{k}={v}" for k, v in sorted(json.load(sys.stdin)["Tags"].items())))'
}
# sch_sorted: the tab-separated words of stdin, sorted, on one line.
sch_sorted() { tr '\t' '\n' | sort | tr '\n' ' ' | sed 's/ $//'; }

step "EventBridge Schemas: this script calls every operation of the API model (cmd/apigen/models/schemas.json)"
sch_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python3 -c '
import json, re, sys
ops = json.load(open(sys.argv[1]))["operations"]
script = open(sys.argv[2]).read()
cmds = [re.sub(r"(?<!^)(?=[A-Z])", "-", op).lower() for op in ops]
missing = [c for c in cmds if not re.search(r"\bschemas " + c + r"(\s|$)", script)]
assert not missing, f"schemas.sh never calls: {missing}"
print(len(cmds), "operations, all called below")' "$sch_dir/../../cmd/apigen/models/schemas.json" "$sch_dir/schemas.sh"

step "EventBridge Schemas: a registry (list by prefix and scope, update, describe, tags), a policy and its revisions"
reg="cli-registry-$$"
regarn=$(aws schemas create-registry --registry-name "$reg" --description "from the CLI" --tags by=cli --query RegistryArn --output text)
echo "registry: $regarn"
sch_want "$regarn" "arn:aws:schemas:$AWS_REGION:$account:registry/$reg" RegistryArn
sch_fails ConflictException "Registry with name $reg already exists." schemas create-registry --registry-name "$reg"
sch_want "$(aws schemas list-registries --registry-name-prefix "$reg" --query 'Registries[].[RegistryName, Tags.by]' --output text)" \
  "$reg	cli" "list-registries --registry-name-prefix"
# Scope AWS lists the AWS-owned registries only, LOCAL the account's.
aws_regs=$(aws schemas list-registries --scope AWS --query 'Registries[].RegistryName' --output text | sch_sorted)
sch_want "$aws_regs" aws.events "list-registries --scope AWS"
sch_want "$(aws schemas list-registries --scope LOCAL \
  --query "[length(Registries[?RegistryName=='$reg']), length(Registries[?RegistryName=='aws.events'])]" --output text)" \
  "1	0" "list-registries --scope LOCAL"
sch_want "$(aws schemas update-registry --registry-name "$reg" --description "updated by the CLI" \
  --query Description --output text)" "updated by the CLI" update-registry
sch_want "$(aws schemas describe-registry --registry-name "$reg" --query '[RegistryName, Description, RegistryArn]' --output text)" \
  "$reg	updated by the CLI	$regarn" describe-registry
sch_fails NotFoundException "Registry with name no-such-registry-$$ does not exist." schemas describe-registry --registry-name "no-such-registry-$$"
sch_fails ForbiddenException "" schemas update-registry --registry-name aws.events --description mine

aws schemas tag-resource --resource-arn "$regarn" --tags team=shop,env=test
sch_want "$(sch_tags "$regarn")" "by=cli env=test team=shop" "registry tags"
aws schemas untag-resource --resource-arn "$regarn" --tag-keys env by
sch_want "$(sch_tags "$regarn")" "team=shop" "registry tags after untag"
sch_fails NotFoundException "" schemas list-tags-for-resource --resource-arn "arn:aws:schemas:$AWS_REGION:$account:registry/no-such-registry-$$"

policy='{"Version":"2012-10-17","Statement":[{"Sid":"read","Effect":"Allow",'\
'"Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"schemas:DescribeSchema","Resource":"*"}]}'
sch_fails NotFoundException "" schemas get-resource-policy --registry-name "$reg"
rev1=$(aws schemas put-resource-policy --registry-name "$reg" --policy "$policy" --query RevisionId --output text)
echo "policy revision: $rev1"
read -r got_sid got_rev < <(aws schemas get-resource-policy --registry-name "$reg" --output json |
  python3 -c 'import json, sys; d = json.load(sys.stdin); p = d["Policy"]
p = json.loads(p) if isinstance(p, str) else p
print(p["Statement"][0]["Sid"], d["RevisionId"])')
sch_want "$got_sid $got_rev" "read $rev1" get-resource-policy
# A put naming the revision in force replaces it; one naming an older revision is refused.
rev2=$(aws schemas put-resource-policy --registry-name "$reg" --policy "${policy/\"read\"/\"read2\"}" --revision-id "$rev1" \
  --query RevisionId --output text)
[ "$rev2" != "$rev1" ] || { echo "put-resource-policy kept revision $rev1" >&2; exit 1; }
sch_fails PreconditionFailedException "" schemas put-resource-policy --registry-name "$reg" --policy "$policy" --revision-id "$rev1"
sch_want "$(aws schemas get-resource-policy --registry-name "$reg" --query RevisionId --output text)" "$rev2" "revision after the refused put"
sch_fails BadRequestException "" schemas put-resource-policy --registry-name "$reg" --policy '{"Version":'
aws schemas delete-resource-policy --registry-name "$reg"
sch_fails NotFoundException "" schemas get-resource-policy --registry-name "$reg"
sch_fails NotFoundException "" schemas delete-resource-policy --registry-name "$reg"

step "EventBridge Schemas: schemas and their versions (list, search, describe, delete-schema-version), tags, export"
openapi() { # $1: the properties of the detail
  local head='{"openapi":"3.0.0","info":{"title":"Order","version":"1.0.0"},"paths":{},'
  printf '%s"components":{"schemas":{"Order":{"type":"object","properties":%s}}}}' "$head" "$1"
}
sch_want "$(aws schemas create-schema --registry-name "$reg" --schema-name Order --type OpenApi3 --tags by=cli \
  --content "$(openapi '{"id":{"type":"string"}}')" --query '[SchemaVersion, SchemaArn]' --output text)" \
  "1	arn:aws:schemas:$AWS_REGION:$account:schema/$reg/Order" create-schema
sch_fails ConflictException "Schema with name Order already exists." schemas create-schema --registry-name "$reg" --schema-name Order \
  --type OpenApi3 --content "$(openapi '{}')"
sch_want "$(aws schemas update-schema --registry-name "$reg" --schema-name Order --type OpenApi3 \
  --content "$(openapi '{"id":{"type":"string"},"qty":{"type":"integer"}}')" --query SchemaVersion --output text)" 2
# The same content again makes no new version.
sch_want "$(aws schemas update-schema --registry-name "$reg" --schema-name Order --type OpenApi3 \
  --content "$(openapi '{"qty":{"type":"integer"},"id":{"type":"string"}}')" --query SchemaVersion --output text)" 2
sch_want "$(aws schemas update-schema --registry-name "$reg" --schema-name Order --description "orders" \
  --query '[SchemaVersion, Description]' --output text)" "2	orders" "update-schema --description"
sch_want "$(aws schemas create-schema --registry-name "$reg" --schema-name Shipment --type OpenApi3 \
  --content "$(openapi '{"carrier":{"type":"string"}}')" --query SchemaVersion --output text)" 1 "create-schema Shipment"
sch_want "$(aws schemas list-schema-versions --registry-name "$reg" --schema-name Order --query 'SchemaVersions[].SchemaVersion' --output text)" "1	2"
sch_want "$(aws schemas list-schemas --registry-name "$reg" --query 'Schemas[].SchemaName' --output text | sch_sorted)" "Order Shipment" list-schemas
sch_want "$(aws schemas list-schemas --registry-name "$reg" --schema-name-prefix Ord \
  --query 'Schemas[].[SchemaName, VersionCount, Tags.by]' --output text)" \
  "Order	2	cli" "list-schemas --schema-name-prefix"
# search-schemas: a keyword in one schema's name only.
sch_want "$(aws schemas search-schemas --registry-name "$reg" --keywords shipment \
  --query 'Schemas[].[SchemaName, SchemaVersions[0].SchemaVersion, SchemaVersions[0].Type]' --output text)" \
  "Shipment	1	OpenApi3" search-schemas
sch_want "$(aws schemas describe-schema --registry-name "$reg" --schema-name Order --schema-version 1 \
  --query '[SchemaVersion, Type]' --output text)" "1	OpenApi3" "describe-schema --schema-version 1"
aws schemas describe-schema --registry-name "$reg" --schema-name Order --query Content --output text |
  python3 -c 'import json, sys; p = json.load(sys.stdin)["components"]["schemas"]["Order"]["properties"]; assert sorted(p) == ["id", "qty"], p'
aws schemas delete-schema-version --registry-name "$reg" --schema-name Order --schema-version 1
sch_want "$(aws schemas list-schema-versions --registry-name "$reg" --schema-name Order --query 'SchemaVersions[].SchemaVersion' --output text)" 2 \
  "versions after delete-schema-version"
sch_fails NotFoundException "" schemas describe-schema --registry-name "$reg" --schema-name Order --schema-version 1
sch_fails NotFoundException "" schemas delete-schema-version --registry-name "$reg" --schema-name Order --schema-version 1

schemaarn="arn:aws:schemas:$AWS_REGION:$account:schema/$reg/Order"
aws schemas tag-resource --resource-arn "$schemaarn" --tags team=shop
aws schemas untag-resource --resource-arn "$schemaarn" --tag-keys by
sch_want "$(sch_tags "$schemaarn")" "team=shop" "schema tags"
sch_want "$(aws schemas export-schema --registry-name aws.events --schema-name 'aws.events@ScheduledEvent' --type JSONSchemaDraft4 \
  --query '[Type, SchemaName]' --output text)" "JSONSchemaDraft4	aws.events@ScheduledEvent" export-schema
# Only discovered and AWS schemas export (the text AWS answers, as quoted in event-catalog/eventcatalog#270).
sch_fails ForbiddenException "You cannot export non discovered or non aws managed schemas." schemas export-schema --registry-name "$reg" --schema-name Order --type JSONSchemaDraft4
sch_fails NotFoundException "Schema with name Nothing does not exist." schemas describe-schema --registry-name "$reg" --schema-name Nothing
aws schemas delete-schema --registry-name "$reg" --schema-name Order
aws schemas delete-schema --registry-name "$reg" --schema-name Shipment
sch_want "$(aws schemas list-schemas --registry-name "$reg" --query 'length(Schemas)' --output text)" 0
aws schemas delete-registry --registry-name "$reg"
sch_fails NotFoundException "" schemas describe-registry --registry-name "$reg"

step "EventBridge Schemas: a discoverer on a bus of our own (describe, update, list, tags, stop and start)"
schbus="cli-schemas-bus-$$"
schbusarn=$(aws events create-event-bus --name "$schbus" --query EventBusArn --output text)
read -r did darn dstate dcross < <(aws schemas create-discoverer --source-arn "$schbusarn" --description "orders" --tags by=cli \
  --query '[DiscovererId, DiscovererArn, State, CrossAccount]' --output text)
echo "discoverer: $did ($darn)"
sch_want "$did" "events-event-bus-$schbus" DiscovererId
sch_want "$darn $dstate $dcross" "arn:aws:schemas:$AWS_REGION:$account:discoverer/$did STARTED True" "create-discoverer"
sch_fails ConflictException "" schemas create-discoverer --source-arn "$schbusarn"
# The discoverer's rule on the bus, managed by the schemas service; disabled while the discoverer is stopped.
sch_rule() {
  aws events describe-rule --event-bus-name "$schbus" --name "Schemas-events-event-bus-$schbus" --query '[ManagedBy, State]' --output text
}
sch_want "$(sch_rule)" "schemas.amazonaws.com	ENABLED" "the discoverer's managed rule"
sch_want "$(aws schemas describe-discoverer --discoverer-id "$did" --query '[SourceArn, Description, State, Tags.by]' --output text)" \
  "$schbusarn	orders	STARTED	cli" describe-discoverer
sch_want "$(aws schemas update-discoverer --discoverer-id "$did" --description "orders, this account only" --no-cross-account \
  --query '[Description, CrossAccount]' --output text)" "orders, this account only	False" update-discoverer
sch_want "$(aws schemas describe-discoverer --discoverer-id "$did" --query CrossAccount --output text)" False "CrossAccount after update"
sch_want "$(aws schemas update-discoverer --discoverer-id "$did" --cross-account --query CrossAccount --output text)" True \
  "update-discoverer --cross-account"
sch_want "$(aws schemas list-discoverers --discoverer-id-prefix "$did" --query 'Discoverers[].[DiscovererId, State, CrossAccount]' --output text)" \
  "$did	STARTED	True" "list-discoverers --discoverer-id-prefix"
sch_want "$(aws schemas list-discoverers --source-arn-prefix "$schbusarn" --query 'Discoverers[].DiscovererArn' --output text)" "$darn" \
  "list-discoverers --source-arn-prefix"
aws schemas tag-resource --resource-arn "$darn" --tags team=shop
aws schemas untag-resource --resource-arn "$darn" --tag-keys by
sch_want "$(sch_tags "$darn")" "team=shop" "discoverer tags"
sch_want "$(aws schemas stop-discoverer --discoverer-id "$did" --query '[DiscovererId, State]' --output text)" "$did	STOPPED" stop-discoverer
sch_want "$(sch_rule)" "schemas.amazonaws.com	DISABLED" "the managed rule of a stopped discoverer"
sch_want "$(aws schemas start-discoverer --discoverer-id "$did" --query State --output text)" STARTED start-discoverer
sch_fails NotFoundException "" schemas describe-discoverer --discoverer-id "no-such-discoverer-$$"

step "EventBridge Schemas: discovery writes v1, then v2 of an event that drops a field; the admin findings say it breaks consumers"
src="cli.discovery.$$"
name="$src@OrderPlaced"
# sch_put DETAIL: puts an "Order Placed" event with DETAIL on the bus.
sch_put() {
  sch_want "$(aws events put-events --entries "$(python3 -c 'import json, sys; print(json.dumps([{"EventBusName": sys.argv[1],
    "Source": sys.argv[2], "DetailType": "Order Placed", "Detail": sys.argv[3]}]))' "$schbus" "$src" "$1")" \
    --query FailedEntryCount --output text)" 0 "put-events FailedEntryCount"
}
# sch_wait_version V: waits until discovery has written version V of the schema (it drains on the clock).
sch_wait_version() {
  local got=""
  for _ in $(seq 1 40); do
    got=$(aws schemas describe-schema --registry-name discovered-schemas --schema-name "$name" \
      --query SchemaVersion --output text 2>/dev/null || true)
    [ "$got" = "$1" ] && { echo "discovered $name version $got"; return 0; }
    sleep 0.25
  done
  echo "discovery did not write version $1 of $name (latest: ${got:-none})" >&2; exit 1
}
sch_put '{"orderId":"o-1","total":3,"coupon":"WELCOME"}'
sch_wait_version 1
sch_put '{"orderId":"o-2","total":4}'
sch_wait_version 2
aws schemas describe-schema --registry-name discovered-schemas --schema-name "$name" --schema-version 1 --query Content --output text |
  python3 -c 'import json, sys; c = json.load(sys.stdin)["components"]["schemas"]; assert "coupon" in json.dumps(c), c'
aws schemas describe-schema --registry-name discovered-schemas --schema-name "$name" --query Content --output text |
  python3 -c 'import json, sys; c = json.dumps(json.load(sys.stdin)["components"]["schemas"])
assert "coupon" not in c and "orderId" in c, c'
admin_get "/_evolvestack/schemas/discovered/$name" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["schema"] == sys.argv[1] and r["version"] == "2" and r["previousVersion"] == "1", r
assert r["backwardCompatible"] is False and r["backwardFindings"], r
assert r["fields"] == ["/detail/coupon"], r
print("finding: version 2 is not backward compatible with 1:", r["fields"])' "$name"
admin_get "/_evolvestack/schemas/discovered/$name/versions/1" |
  python3 -c 'import json, sys; r = json.load(sys.stdin); assert r["version"] == "1" and "previousVersion" not in r and r["backwardCompatible"], r'
admin_get /_evolvestack/schemas/discovered |
  python3 -c 'import json, sys; vs = [r["version"] for r in json.load(sys.stdin)["versions"] if r["schema"] == sys.argv[1]]
assert sorted(vs) == ["1", "2"], vs' "$name"
sch_want "$(aws schemas export-schema --registry-name discovered-schemas --schema-name "$name" --type JSONSchemaDraft4 --query Content --output text |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["$schema"])')" "http://json-schema.org/draft-04/schema#" \
  "export-schema of a discovered schema"
sch_event=$(python3 -c 'import json, sys; print(json.dumps({"version": "0", "id": "1", "detail-type": "Order Placed",
  "source": sys.argv[1], "account": sys.argv[2], "time": "2026-12-06T22:00:00Z", "region": sys.argv[3], "resources": [],
  "detail": {"orderId": "o-1"}}))' "$src" "$account" "$AWS_REGION")
sch_want "$(aws schemas get-discovered-schema --type OpenApi3 --events "$sch_event" --query Content --output text |
  python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["openapi"].startswith("3."), d
print(" ".join(sorted(d["components"]["schemas"])))')" "AWSEvent OrderPlaced" get-discovered-schema
sch_fails BadRequestException "Event 1 is not a valid JSON object." schemas get-discovered-schema --type OpenApi3 --events 'not json'

step "EventBridge Schemas: a Go code binding (put, describe until complete, get-code-binding-source writes the zip)"
sch_want "$(aws schemas put-code-binding --registry-name discovered-schemas --schema-name "$name" --language Go1 \
  --query '[SchemaVersion, Status]' --output text)" "2	CREATE_IN_PROGRESS" put-code-binding
status=""
for _ in $(seq 1 40); do
  status=$(aws schemas describe-code-binding --registry-name discovered-schemas --schema-name "$name" --language Go1 --query Status --output text)
  [ "$status" = CREATE_COMPLETE ] && break
  sleep 0.25
done
sch_want "$status" CREATE_COMPLETE describe-code-binding
zipfile=$(mktemp "${TMPDIR:-/tmp}/cli-binding-$$-XXXX.zip")
aws schemas get-code-binding-source --registry-name discovered-schemas --schema-name "$name" --language Go1 "$zipfile"
python3 -c '
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
go = [n for n in names if n.endswith(".go")]
assert go and all(n.startswith("schema/") for n in names), names
assert any(n.endswith("/OrderPlaced.go") for n in go) and any(n.endswith("/marshaller.go") for n in go), names
print("code binding zip:", " ".join(sorted(names)))' "$zipfile"
rm -f "$zipfile"
sch_fails BadRequestException "" schemas put-code-binding --registry-name discovered-schemas --schema-name "$name" --language Cobol
sch_fails NotFoundException "" schemas describe-code-binding --registry-name discovered-schemas --schema-name "$name" --language Java8

step "EventBridge Schemas: stop and delete the discoverer, the discovered schema and the bus"
sch_want "$(aws schemas stop-discoverer --discoverer-id "$did" --query State --output text)" STOPPED
aws schemas delete-discoverer --discoverer-id "$did"
sch_fails NotFoundException "" schemas describe-discoverer --discoverer-id "$did"
sch_fails ResourceNotFoundException "" events describe-rule --event-bus-name "$schbus" --name "Schemas-events-event-bus-$schbus"
aws schemas delete-schema --registry-name discovered-schemas --schema-name "$name"
sch_fails NotFoundException "" schemas describe-schema --registry-name discovered-schemas --schema-name "$name"
aws events delete-event-bus --name "$schbus"
echo "deleted $did, $name and $schbus"
