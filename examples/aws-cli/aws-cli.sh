#!/usr/bin/env bash
# Talks to the compose stack (`make up`) with the AWS CLI: the resources
# examples/provisioning/init.yaml declares are there, and messages, records
# and schema versions go through them as on AWS.
#
#   ./examples/aws-cli/aws-cli.sh              # against http://127.0.0.1:4566
#   AWS_ENDPOINT_URL=http://127.0.0.1:4600 ./examples/aws-cli/aws-cli.sh
set -euo pipefail

export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-$AWS_REGION}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_PAGER=""
# A parameter that starts with https:// is a value (an API destination's endpoint), not a file for the CLI to
# fetch: AWS CLI v1 fetches such URLs unless its config says otherwise (v2 does not by default).
cli_config=$(mktemp)
trap 'rm -f "$cli_config"' EXIT
printf '[default]\ncli_follow_urlparam = false\n' >"$cli_config"
export AWS_CONFIG_FILE="$cli_config"
# --endpoint-url too, for CLI versions older than AWS_ENDPOINT_URL support.
aws() { command aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }

step() { printf '\n== %s\n' "$*"; }
# admin_get PATH prints the body of a GET of evolvestack's admin API (python3, as the
# CLI needs it anyway; no curl on a bare machine).
admin_get() { python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' "$AWS_ENDPOINT_URL$1"; }

step "Glue Schema Registry: registries and the Order schema's latest version"
aws glue list-registries --query 'Registries[].RegistryName' --output text
aws glue get-schema-version \
  --schema-id RegistryName=shop,SchemaName=Order \
  --schema-version-number LatestVersion=true \
  --query '{version: VersionNumber, status: Status}' --output text

step "A version that adds a field without a default breaks BACKWARD: Glue keeps it with status FAILURE"
status=$(aws glue register-schema-version \
  --schema-id RegistryName=shop,SchemaName=Order \
  --schema-definition '{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long"},{"name":"currency","type":"string","default":"EUR"},{"name":"customer","type":"string"}]}' \
  --query Status --output text)
echo "status: $status"
[ "$status" = FAILURE ]

step "SQS: send to and receive from orders"
url=$(aws sqs get-queue-url --queue-name orders --query QueueUrl --output text)
echo "queue url: $url"
aws sqs send-message --queue-url "$url" --message-body '{"id":"cli-1","amount":42}' --query MessageId --output text
read -r body handle < <(aws sqs receive-message --queue-url "$url" --wait-time-seconds 2 \
  --query 'Messages[0].[Body, ReceiptHandle]' --output text)
echo "received: $body"
[ "$body" = '{"id":"cli-1","amount":42}' ]
aws sqs delete-message --queue-url "$url" --receipt-handle "$handle"
aws sqs get-queue-attributes --queue-url "$url" --attribute-names RedrivePolicy --query Attributes.RedrivePolicy --output text

step "Kinesis: the orders stream's shards and a record"
aws kinesis list-shards --stream-name orders --query 'Shards[].ShardId' --output text
aws kinesis put-record --stream-name orders --partition-key cli \
  --data "$(printf 'hello from the CLI' | base64)" --query '{shard: ShardId, seq: SequenceNumber}' --output text

# first_match MARKER: reads receive-message JSON on stdin and prints, tab-separated, the
# body, receipt handle and "kind" message attribute of the first message whose body holds
# MARKER (jq may be missing: python3 parses).
first_match() {
  python3 -c '
import json, sys
marker = sys.argv[1]
doc = json.loads(sys.stdin.read() or "{}")
for m in doc.get("Messages") or []:
    if marker in m["Body"]:
        kind = (m.get("MessageAttributes") or {}).get("kind", {}).get("StringValue", "-")
        print(m["Body"].replace("\n", " "), m["ReceiptHandle"], kind, sep="\t")
        break
' "$1"
}

# receive_marked URL MARKER: receives from URL until a message holding MARKER arrives
# (other clients may have left messages), deletes it and prints first_match's line.
receive_marked() {
  local line="" handle
  for _ in 1 2 3 4 5; do
    line=$(aws sqs receive-message --queue-url "$1" --max-number-of-messages 10 --wait-time-seconds 1 \
      --visibility-timeout 2 --message-attribute-names All --output json | first_match "$2")
    [ -n "$line" ] && break
  done
  [ -n "$line" ] || { echo "no message holding $2 arrived in $1" >&2; return 1; }
  handle=$(printf '%s' "$line" | cut -f2)
  aws sqs delete-message --queue-url "$1" --receipt-handle "$handle"
  printf '%s\n' "$line"
}

# field NAME: prints one field of the SNS envelope (JSON) on stdin.
field() { python3 -c 'import json, sys; v = json.loads(sys.stdin.read())
for k in sys.argv[1].split("."): v = v[k]
print(v)' "$1"; }

step "SNS: the provisioned topics, order-events' attributes and subscriptions"
account="${EVOLVESTACK_ACCOUNT:-000000000000}"   # the stack's default account (--account)
topic=$(aws sns list-topics --query "Topics[?ends_with(TopicArn, ':order-events')].TopicArn | [0]" --output text)
echo "topic: $topic"
[ "$topic" = "arn:aws:sns:$AWS_REGION:$account:order-events" ]
aws sns list-topics --query 'Topics[].TopicArn' --output text | grep -q ':payments.fifo'
display=$(aws sns get-topic-attributes --topic-arn "$topic" --query Attributes.DisplayName --output text)
echo "display name: $display"
[ "$display" = "Order events" ]
aws sns list-subscriptions-by-topic --topic-arn "$topic" --query 'Subscriptions[].[Protocol, Endpoint, SubscriptionArn]' --output text
[ "$(aws sns list-subscriptions-by-topic --topic-arn "$topic" --query 'length(Subscriptions)' --output text)" = 3 ]

step "SNS: publish with a message attribute; order-events gets the envelope, order-events-raw the bare message"
marker="cli-$$-$RANDOM"
message="{\"id\":\"$marker\",\"amount\":7}"
msgid=$(aws sns publish --topic-arn "$topic" --message "$message" --subject "from the CLI" \
  --message-attributes '{"kind":{"DataType":"String","StringValue":"order"}}' --query MessageId --output text)
echo "message id: $msgid"
env_url=$(aws sqs get-queue-url --queue-name order-events --query QueueUrl --output text)
raw_url=$(aws sqs get-queue-url --queue-name order-events-raw --query QueueUrl --output text)
envelope=$(receive_marked "$env_url" "$marker" | cut -f1)
echo "envelope: $envelope"
[ "$(printf '%s' "$envelope" | field Type)" = Notification ]
[ "$(printf '%s' "$envelope" | field MessageId)" = "$msgid" ]
[ "$(printf '%s' "$envelope" | field Message)" = "$message" ]
[ "$(printf '%s' "$envelope" | field Subject)" = "from the CLI" ]
[ "$(printf '%s' "$envelope" | field MessageAttributes.kind.Value)" = order ]
[ "$(printf '%s' "$envelope" | field SignatureVersion)" = 2 ]
IFS=$'\t' read -r body _ kind < <(receive_marked "$raw_url" "$marker")
echo "raw: $body (attribute kind=$kind)"
[ "$body" = "$message" ]
[ "$kind" = order ]

step "SNS: a topic of our own, a queue subscribed with raw delivery, publish-batch"
own=$(aws sns create-topic --name "cli-topic-$$" --attributes DisplayName=cli --tags Key=by,Value=cli --query TopicArn --output text)
echo "topic: $own"
qurl=$(aws sqs create-queue --queue-name "cli-sns-$$" --query QueueUrl --output text)
qarn=$(aws sqs get-queue-attributes --queue-url "$qurl" --attribute-names QueueArn --query Attributes.QueueArn --output text)
sub=$(aws sns subscribe --topic-arn "$own" --protocol sqs --notification-endpoint "$qarn" \
  --return-subscription-arn --query SubscriptionArn --output text)
echo "subscription: $sub"
aws sns set-subscription-attributes --subscription-arn "$sub" --attribute-name RawMessageDelivery --attribute-value true
[ "$(aws sns get-subscription-attributes --subscription-arn "$sub" --query Attributes.RawMessageDelivery --output text)" = true ]
[ "$(aws sns list-tags-for-resource --resource-arn "$own" --query 'Tags[?Key==`by`].Value | [0]' --output text)" = cli ]
ok=$(aws sns publish-batch --topic-arn "$own" --publish-batch-request-entries \
  "[{\"Id\":\"one\",\"Message\":\"$marker-1\"},{\"Id\":\"two\",\"Message\":\"$marker-2\",\"MessageAttributes\":{\"kind\":{\"DataType\":\"String\",\"StringValue\":\"order\"}}}]" \
  --query 'length(Successful)' --output text)
echo "publish-batch: $ok successful"
[ "$ok" = 2 ]
[ "$(receive_marked "$qurl" "$marker-1" | cut -f1)" = "$marker-1" ]
[ "$(receive_marked "$qurl" "$marker-2" | cut -f3)" = order ]

step "SNS: set-topic-attributes, tag-resource, untag-resource, add-permission, remove-permission"
aws sns set-topic-attributes --topic-arn "$own" --attribute-name DisplayName --attribute-value "cli renamed"
[ "$(aws sns get-topic-attributes --topic-arn "$own" --query Attributes.DisplayName --output text)" = "cli renamed" ]
aws sns tag-resource --resource-arn "$own" --tags Key=team,Value=shop Key=env,Value=test
[ "$(aws sns list-tags-for-resource --resource-arn "$own" --query 'Tags[].Key | sort(@)' --output text | tr '\t' ' ')" = "by env team" ]
aws sns untag-resource --resource-arn "$own" --tag-keys env by
[ "$(aws sns list-tags-for-resource --resource-arn "$own" --query 'Tags[].[Key, Value]' --output text | tr '\t' '=')" = "team=shop" ]
aws sns add-permission --topic-arn "$own" --label "cli-$$" --aws-account-id 111111111111 --action-name Publish Subscribe
# sids: the Sids of the statements of $own's policy, space-separated.
sids() { aws sns get-topic-attributes --topic-arn "$own" --query Attributes.Policy --output text |
  python3 -c 'import json, sys; print(" ".join(s.get("Sid", "") for s in json.load(sys.stdin)["Statement"]))'; }
policy_sids=$(sids)
echo "policy statements: $policy_sids"
case " $policy_sids " in *" cli-$$ "*) ;; *) echo "add-permission left no statement cli-$$" >&2; exit 1 ;; esac
aws sns get-topic-attributes --topic-arn "$own" --query Attributes.Policy --output text | python3 -c '
import json, sys
s = [s for s in json.load(sys.stdin)["Statement"] if s.get("Sid") == sys.argv[1]][0]
assert s["Principal"]["AWS"] in ("arn:aws:iam::111111111111:root", ["arn:aws:iam::111111111111:root"]), s
assert sorted(s["Action"]) == ["SNS:Publish", "SNS:Subscribe"], s' "cli-$$"
aws sns remove-permission --topic-arn "$own" --label "cli-$$"
case " $(sids) " in *" cli-$$ "*) echo "remove-permission left statement cli-$$" >&2; exit 1 ;; esac

step "SNS: put-data-protection-policy, get-data-protection-policy"
[ -z "$(aws sns get-data-protection-policy --resource-arn "$own" --query DataProtectionPolicy --output text | grep -v '^None$' || true)" ]
dpp='{"Name":"cli","Description":"","Version":"2021-06-01","Statement":[{"Sid":"deny-email","DataDirection":"Inbound","Principal":["*"],"DataIdentifier":["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],"Operation":{"Deny":{}}}]}'
aws sns put-data-protection-policy --resource-arn "$own" --data-protection-policy "$dpp"
got=$(aws sns get-data-protection-policy --resource-arn "$own" --query DataProtectionPolicy --output text)
[ "$(printf '%s' "$got" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Statement"][0]["Sid"])')" = deny-email ]
if err=$(aws sns put-data-protection-policy --resource-arn "$own" --data-protection-policy '{"Name":' 2>&1); then
  echo "put-data-protection-policy with bad JSON succeeded" >&2; exit 1
fi
case "$err" in *"(InvalidParameter)"*) ;; *) echo "unexpected error text: $err" >&2; exit 1 ;; esac

step "SNS: an http subscription's confirmation token, confirm-subscription, list-subscriptions"
hook="http://127.0.0.1:9/cli-$$"
pending=$(aws sns subscribe --topic-arn "$own" --protocol http --notification-endpoint "$hook" --query SubscriptionArn --output text)
echo "subscribe: $pending"
[ "$pending" = "pending confirmation" ]
token=""
for _ in $(seq 1 20); do
  token=$(admin_get /_evolvestack/sns/deliveries | python3 -c '
import json, sys
for d in json.load(sys.stdin)["deliveries"]:
    if d.get("endpoint") == sys.argv[1] and d.get("topicArn") == sys.argv[2]:
        b = json.loads(d["body"])
        if b.get("Type") == "SubscriptionConfirmation":
            print(b["Token"])
' "$hook" "$own" | tail -n1)
  [ -n "$token" ] && break
  sleep 0.25
done
[ -n "$token" ] || { echo "no SubscriptionConfirmation recorded for $hook" >&2; exit 1; }
hooksub=$(aws sns confirm-subscription --topic-arn "$own" --token "$token" --query SubscriptionArn --output text)
echo "confirmed: $hooksub"
case "$hooksub" in "$own":*) ;; *) echo "unexpected subscription arn" >&2; exit 1 ;; esac
[ "$(aws sns get-subscription-attributes --subscription-arn "$hooksub" --query Attributes.PendingConfirmation --output text)" = false ]
# list-subscriptions pages through every subscription of the account (the CLI follows NextToken).
aws sns list-subscriptions --query "Subscriptions[?TopicArn=='$own'].Endpoint" --output text | tr '\t' '\n' | grep -qxF "$hook"
aws sns list-subscriptions --query "Subscriptions[?TopicArn=='$own'].Endpoint" --output text | tr '\t' '\n' | grep -qxF "$qarn"
aws sns unsubscribe --subscription-arn "$hooksub"

step "SNS: a platform application and endpoint (GCM), their attributes, listing, deletion"
app=$(aws sns create-platform-application --name "cli-app-$$" --platform GCM \
  --attributes PlatformCredential=cli-server-key,EventEndpointCreated="$own" --query PlatformApplicationArn --output text)
echo "application: $app"
[ "$app" = "arn:aws:sns:$AWS_REGION:$account:app/GCM/cli-app-$$" ]
[ "$(aws sns get-platform-application-attributes --platform-application-arn "$app" --query Attributes.EventEndpointCreated --output text)" = "$own" ]
aws sns set-platform-application-attributes --platform-application-arn "$app" --attributes EventEndpointDeleted="$own"
[ "$(aws sns get-platform-application-attributes --platform-application-arn "$app" --query Attributes.EventEndpointDeleted --output text)" = "$own" ]
aws sns list-platform-applications --query 'PlatformApplications[].PlatformApplicationArn' --output text | tr '\t' '\n' | grep -qxF "$app"
endpoint=$(aws sns create-platform-endpoint --platform-application-arn "$app" --token "device-$$" \
  --custom-user-data "user $$" --query EndpointArn --output text)
echo "endpoint: $endpoint"
case "$endpoint" in "arn:aws:sns:$AWS_REGION:$account:endpoint/GCM/cli-app-$$/"*) ;; *) echo "unexpected endpoint arn" >&2; exit 1 ;; esac
read -r enabled token_back < <(aws sns get-endpoint-attributes --endpoint-arn "$endpoint" --query 'Attributes.[Enabled, Token]' --output text)
[ "$enabled" = true ]
[ "$token_back" = "device-$$" ]
aws sns set-endpoint-attributes --endpoint-arn "$endpoint" --attributes Enabled=false,CustomUserData=changed
read -r enabled data < <(aws sns get-endpoint-attributes --endpoint-arn "$endpoint" --query 'Attributes.[Enabled, CustomUserData]' --output text)
[ "$enabled" = false ]
[ "$data" = changed ]
[ "$(aws sns list-endpoints-by-platform-application --platform-application-arn "$app" --query 'Endpoints[].EndpointArn' --output text)" = "$endpoint" ]
aws sns delete-endpoint --endpoint-arn "$endpoint"
[ "$(aws sns list-endpoints-by-platform-application --platform-application-arn "$app" --query 'length(Endpoints)' --output text)" = 0 ]
aws sns delete-platform-application --platform-application-arn "$app"
if aws sns get-platform-application-attributes --platform-application-arn "$app" >/dev/null 2>&1; then
  echo "the deleted platform application still answers" >&2; exit 1
fi
if aws sns list-platform-applications --query 'PlatformApplications[].PlatformApplicationArn' --output text | tr '\t' '\n' | grep -qxF "$app"; then
  echo "the deleted platform application is still listed" >&2; exit 1
fi
echo "deleted $app"

step "SNS: SMS attributes, opt-outs, the SMS sandbox, origination numbers"
aws sns set-sms-attributes --attributes DefaultSenderID=CLI$(( $$ % 1000 )),DefaultSMSType=Transactional
read -r sender smstype < <(aws sns get-sms-attributes --attributes DefaultSenderID DefaultSMSType \
  --query 'attributes.[DefaultSenderID, DefaultSMSType]' --output text)
echo "sms attributes: $sender $smstype"
[ "$sender" = "CLI$(( $$ % 1000 ))" ]
[ "$smstype" = Transactional ]
phone=$(printf '+1206555%04d' $(( $$ % 10000 )))
[ "$(aws sns check-if-phone-number-is-opted-out --phone-number "$phone" --query isOptedOut --output text)" = False ]
aws sns opt-in-phone-number --phone-number "$phone"
if aws sns list-phone-numbers-opted-out --query 'phoneNumbers' --output text | tr '\t' '\n' | grep -qxF "$phone"; then
  echo "$phone is listed as opted out" >&2; exit 1
fi
[ "$(aws sns get-sms-sandbox-account-status --query IsInSandbox --output text)" = True ]
aws sns create-sms-sandbox-phone-number --phone-number "$phone" --language-code en-US
[ "$(aws sns list-sms-sandbox-phone-numbers --query "PhoneNumbers[?PhoneNumber=='$phone'].Status | [0]" --output text)" = Pending ]
# A wrong one-time password (7 digits: never a sent one) is refused.
if err=$(aws sns verify-sms-sandbox-phone-number --phone-number "$phone" --one-time-password 0000000 2>&1); then
  echo "verify-sms-sandbox-phone-number with a wrong password succeeded" >&2; exit 1
fi
echo "$err"
case "$err" in *"(VerificationException)"*) ;; *) echo "unexpected error text" >&2; exit 1 ;; esac
# The password the phone's owner would receive, from evolvestack's admin API.
otp=$(admin_get "/_evolvestack/sns/sms-sandbox?phoneNumber=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$phone")" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["oneTimePassword"])')
aws sns verify-sms-sandbox-phone-number --phone-number "$phone" --one-time-password "$otp"
[ "$(aws sns list-sms-sandbox-phone-numbers --query "PhoneNumbers[?PhoneNumber=='$phone'].Status | [0]" --output text)" = Verified ]
aws sns delete-sms-sandbox-phone-number --phone-number "$phone"
[ "$(aws sns list-sms-sandbox-phone-numbers --query "length(PhoneNumbers[?PhoneNumber=='$phone'])" --output text)" = 0 ]
# The emulator provisions no origination numbers (an account has none until it buys one).
[ "$(aws sns list-origination-numbers --query 'length(PhoneNumbers)' --output text)" = 0 ]

step "SNS: errors as AWS words them"
missing="arn:aws:sns:$AWS_REGION:$account:no-such-topic-$$"
if err=$(aws sns get-topic-attributes --topic-arn "$missing" 2>&1); then
  echo "get-topic-attributes of a missing topic succeeded" >&2; exit 1
fi
echo "$err"
case "$err" in *"(NotFound)"*"Topic does not exist"*) ;; *) echo "unexpected error text" >&2; exit 1 ;; esac
if err=$(aws sns subscribe --topic-arn "$own" --protocol carrier-pigeon --notification-endpoint x 2>&1); then
  echo "subscribe with a bad protocol succeeded" >&2; exit 1
fi
echo "$err"
case "$err" in *"(InvalidParameter)"*) ;; *) echo "unexpected error text" >&2; exit 1 ;; esac

step "SNS: unsubscribe, delete-topic"
aws sns unsubscribe --subscription-arn "$sub"
[ "$(aws sns list-subscriptions-by-topic --topic-arn "$own" --query 'length(Subscriptions)' --output text)" = 0 ]
aws sns delete-topic --topic-arn "$own"
aws sqs delete-queue --queue-url "$qurl"
if aws sns get-topic-attributes --topic-arn "$own" >/dev/null 2>&1; then
  echo "the deleted topic still answers" >&2; exit 1
fi
echo "deleted $own"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=events.sh
. "$here/events.sh"
# shellcheck source=schemas.sh
. "$here/schemas.sh"

step "Another account and region (scopes: in init.yaml)"
AWS_ACCESS_KEY_ID=111111111111 aws --region eu-west-1 sqs list-queues --query QueueUrls --output text

printf '\nall AWS CLI checks passed\n'
