# EventBridge checks, sourced by aws-cli.sh (which defines aws, step, admin_get and $account).
step "EventBridge: a bus of our own, a rule with an event pattern, two SQS targets (one with an input transformer)"
bus="cli-bus-$$"
rule="cli-rule-$$"
ebq=$(aws sqs create-queue --queue-name "cli-events-$$" --query QueueUrl --output text)
ebqarn=$(aws sqs get-queue-attributes --queue-url "$ebq" --attribute-names QueueArn --query Attributes.QueueArn --output text)
busarn=$(aws events create-event-bus --name "$bus" --query EventBusArn --output text)
echo "bus: $busarn"
[ "$busarn" = "arn:aws:events:$AWS_REGION:$account:event-bus/$bus" ]
pattern='{"source":["cli.shop"],"detail-type":["OrderPlaced"],"detail":{"amount":[{"numeric":[">",10]}]}}'
rulearn=$(aws events put-rule --name "$rule" --event-bus-name "$bus" --event-pattern "$pattern" \
  --description "orders over 10" --query RuleArn --output text)
echo "rule: $rulearn"
[ "$rulearn" = "arn:aws:events:$AWS_REGION:$account:rule/$bus/$rule" ]
targets=$(python3 -c 'import json, sys; print(json.dumps([
  {"Id": "whole", "Arn": sys.argv[1]},
  {"Id": "shaped", "Arn": sys.argv[1], "InputTransformer": {
    "InputPathsMap": {"order": "$.detail.id", "src": "$.source"},
    "InputTemplate": "{\"order\": <order>, \"from\": <src>, \"note\": \"transformed\"}"}}]))' "$ebqarn")
[ "$(aws events put-targets --rule "$rule" --event-bus-name "$bus" --targets "$targets" --query FailedEntryCount --output text)" = 0 ]

step "EventBridge: put-events with a matching and a non-matching entry; the queue gets the envelope and the transformed input"
marker="cli-$$-$RANDOM"
entries=$(python3 -c 'import json, sys; bus, m = sys.argv[1:]; print(json.dumps([
  {"EventBusName": bus, "Source": "cli.shop", "DetailType": "OrderPlaced", "Detail": json.dumps({"id": m, "amount": 42})},
  {"EventBusName": bus, "Source": "cli.shop", "DetailType": "OrderPlaced", "Detail": json.dumps({"id": m + "-small", "amount": 3})}]))' "$bus" "$marker")
read -r failed evid < <(aws events put-events --entries "$entries" --query '[FailedEntryCount, Entries[0].EventId]' --output text)
echo "put-events: $failed failed, event $evid"
[ "$failed" = 0 ]
envelope=$(receive_marked "$ebq" "\"detail\":{\"id\":\"$marker\"" | cut -f1)
echo "envelope: $envelope"
[ "$(printf '%s' "$envelope" | field id)" = "$evid" ]
[ "$(printf '%s' "$envelope" | field version)" = 0 ]
[ "$(printf '%s' "$envelope" | field source)" = cli.shop ]
[ "$(printf '%s' "$envelope" | field detail-type)" = OrderPlaced ]
[ "$(printf '%s' "$envelope" | field account)" = "$account" ]
[ "$(printf '%s' "$envelope" | field region)" = "$AWS_REGION" ]
[ "$(printf '%s' "$envelope" | field detail.amount)" = 42 ]
shaped=$(receive_marked "$ebq" "\"note\": \"transformed\"" | cut -f1)
echo "transformed: $shaped"
[ "$shaped" = "{\"order\": \"$marker\", \"from\": \"cli.shop\", \"note\": \"transformed\"}" ]
# The non-matching entry (amount 3) reached no target: nothing else is left in the queue.
left=$(aws sqs receive-message --queue-url "$ebq" --max-number-of-messages 10 --wait-time-seconds 1 --output json | first_match "$marker")
if [ -n "$left" ]; then echo "an event the pattern refuses arrived: $left" >&2; exit 1; fi

step "EventBridge: test-event-pattern, list-rules, list-targets-by-rule, describe-rule"
event=$(python3 -c 'import json; print(json.dumps({"id": "1", "account": "123456789012", "source": "cli.shop",
  "time": "2026-01-01T00:00:00Z", "region": "us-east-1", "resources": [], "detail-type": "OrderPlaced", "detail": {"amount": 42}}))')
[ "$(aws events test-event-pattern --event-pattern "$pattern" --event "$event" --query Result --output text)" = True ]
[ "$(aws events test-event-pattern --event-pattern '{"source":["elsewhere"]}' --event "$event" --query Result --output text)" = False ]
[ "$(aws events list-rules --event-bus-name "$bus" --query 'Rules[].Name' --output text)" = "$rule" ]
[ "$(aws events list-targets-by-rule --rule "$rule" --event-bus-name "$bus" --query 'Targets[].Id' --output text | tr '\t' ' ')" = "shaped whole" ]
read -r state desc < <(aws events describe-rule --name "$rule" --event-bus-name "$bus" --query '[State, Description]' --output text)
echo "rule state: $state ($desc)"
[ "$state" = ENABLED ]
[ "$desc" = "orders over 10" ]

step "EventBridge: errors as AWS words them"
if err=$(aws events put-rule --name "$rule-bad" --event-bus-name "$bus" --event-pattern '{"source":"cli.shop"}' 2>&1); then
  echo "put-rule with a malformed pattern succeeded" >&2; exit 1
fi
echo "$err"
case "$err" in *"(InvalidEventPatternException)"*"Event pattern is not valid. Reason: \"source\" must be an object or an array"*) ;;
  *) echo "unexpected error text" >&2; exit 1 ;; esac
if err=$(aws events describe-rule --name "no-such-rule-$$" --event-bus-name "$bus" 2>&1); then
  echo "describe-rule of a missing rule succeeded" >&2; exit 1
fi
echo "$err"
case "$err" in *"(ResourceNotFoundException)"*"Rule no-such-rule-$$ does not exist on EventBus $bus."*) ;;
  *) echo "unexpected error text" >&2; exit 1 ;; esac

step "EventBridge: remove-targets, delete-rule, delete-event-bus"
[ "$(aws events remove-targets --rule "$rule" --event-bus-name "$bus" --ids whole shaped --query FailedEntryCount --output text)" = 0 ]
[ "$(aws events list-targets-by-rule --rule "$rule" --event-bus-name "$bus" --query 'length(Targets)' --output text)" = 0 ]
aws events delete-rule --name "$rule" --event-bus-name "$bus"
[ "$(aws events list-rules --event-bus-name "$bus" --query 'length(Rules)' --output text)" = 0 ]
aws events delete-event-bus --name "$bus"
aws sqs delete-queue --queue-url "$ebq"
if err=$(aws events describe-event-bus --name "$bus" 2>&1); then
  echo "the deleted bus still answers" >&2; exit 1
fi
case "$err" in *"(ResourceNotFoundException)"*"Event bus $bus does not exist."*) ;; *) echo "unexpected error text: $err" >&2; exit 1 ;; esac
echo "deleted $busarn"

