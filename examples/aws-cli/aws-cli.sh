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
# --endpoint-url too, for CLI versions older than AWS_ENDPOINT_URL support.
aws() { command aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }

step() { printf '\n== %s\n' "$*"; }

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

step "Another account and region (scopes: in init.yaml)"
AWS_ACCESS_KEY_ID=111111111111 aws --region eu-west-1 sqs list-queues --query QueueUrls --output text

printf '\nall AWS CLI checks passed\n'
