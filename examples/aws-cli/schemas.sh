# EventBridge Schemas checks, sourced by aws-cli.sh (which defines aws, step, admin_get and $account).
step "EventBridge Schemas: a registry, a schema and its versions, export, a policy"
reg="cli-registry-$$"
aws schemas create-registry --registry-name "$reg" --description "from the CLI" --query RegistryArn --output text
openapi() { # $1: the properties of the detail
  printf '{"openapi":"3.0.0","info":{"title":"Order","version":"1.0.0"},"paths":{},"components":{"schemas":{"Order":{"type":"object","properties":%s}}}}' "$1"
}
aws schemas create-schema --registry-name "$reg" --schema-name Order --type OpenApi3 \
  --content "$(openapi '{"id":{"type":"string"}}')" --query SchemaVersion --output text
[ "$(aws schemas update-schema --registry-name "$reg" --schema-name Order --type OpenApi3 \
  --content "$(openapi '{"id":{"type":"string"},"qty":{"type":"integer"}}')" --query SchemaVersion --output text)" = 2 ]
# The same content again makes no new version.
[ "$(aws schemas update-schema --registry-name "$reg" --schema-name Order --type OpenApi3 \
  --content "$(openapi '{"qty":{"type":"integer"},"id":{"type":"string"}}')" --query SchemaVersion --output text)" = 2 ]
[ "$(aws schemas list-schema-versions --registry-name "$reg" --schema-name Order --query 'length(SchemaVersions)' --output text)" = 2 ]
aws schemas describe-schema --registry-name "$reg" --schema-name Order --schema-version 1 --query '{version: SchemaVersion, type: Type}' --output text
aws schemas export-schema --registry-name aws.events --schema-name 'aws.events@ScheduledEvent' --type JSONSchemaDraft4 \
  --query Type --output text
aws schemas put-resource-policy --registry-name "$reg" \
  --policy '{"Version":"2012-10-17","Statement":[{"Sid":"read","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"schemas:DescribeSchema","Resource":"*"}]}' \
  --query RevisionId --output text
if err=$(aws schemas describe-registry --registry-name "no-such-registry-$$" 2>&1); then
  echo "describe-registry of a missing registry succeeded" >&2; exit 1
fi
echo "$err"
case "$err" in *"(NotFoundException)"*) ;; *) echo "unexpected error: $err" >&2; exit 1 ;; esac
aws schemas delete-schema --registry-name "$reg" --schema-name Order
aws schemas delete-registry --registry-name "$reg"

step "EventBridge Schemas: discovery on the default bus, get-discovered-schema, a Go code binding"
default_bus=$(aws events describe-event-bus --query Arn --output text)
did=$(aws schemas create-discoverer --source-arn "$default_bus" --query DiscovererId --output text 2>/dev/null || true)
if [ -z "$did" ] || [ "$did" = None ]; then
  # One discoverer per bus: an earlier run's may still be there.
  did=$(aws schemas list-discoverers --source-arn-prefix "$default_bus" --query 'Discoverers[0].DiscovererId' --output text)
  aws schemas start-discoverer --discoverer-id "$did" >/dev/null
fi
echo "discoverer: $did"
src="cli.discovery.$$"
aws events put-events --entries "[{\"Source\":\"$src\",\"DetailType\":\"Order Placed\",\"Detail\":\"{\\\"orderId\\\":\\\"o-1\\\",\\\"total\\\":3}\"}]" \
  --query FailedEntryCount --output text
name="$src@OrderPlaced"
found=""
for _ in $(seq 1 20); do
  if found=$(aws schemas describe-schema --registry-name discovered-schemas --schema-name "$name" --query SchemaVersion --output text 2>/dev/null); then
    break
  fi
  sleep 0.5
done
echo "discovered $name version: $found"
[ "$found" = 1 ]
aws schemas get-discovered-schema --type OpenApi3 \
  --events "{\"version\":\"0\",\"id\":\"1\",\"detail-type\":\"Order Placed\",\"source\":\"$src\",\"account\":\"000000000000\",\"time\":\"2026-12-06T22:00:00Z\",\"region\":\"us-east-1\",\"resources\":[],\"detail\":{\"orderId\":\"o-1\"}}" \
  --query Content --output text | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["openapi"].startswith("3."), d; print("get-discovered-schema:", sorted(d["components"]["schemas"]))'
aws schemas put-code-binding --registry-name discovered-schemas --schema-name "$name" --language Go1 --query Status --output text
aws schemas describe-code-binding --registry-name discovered-schemas --schema-name "$name" --language Go1 --query Status --output text
aws schemas stop-discoverer --discoverer-id "$did" --query State --output text
aws schemas delete-discoverer --discoverer-id "$did"
aws schemas delete-schema --registry-name discovered-schemas --schema-name "$name"

