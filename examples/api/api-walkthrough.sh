#!/usr/bin/env bash
# Drives a running `vigil run` through the admin API as interfaces.md describes, checking every
# answer: 401 without a token, 422 for a broken rule file, 200 for a valid and then a changed file,
# 202 for NDJSON ingest, signed webhooks from the old and then the new rule version, alert history,
# /ready and Prometheus metrics. Needs only Java, curl and the built jar (./vigil builds it).
# Usage: examples/api/api-walkthrough.sh      (exit 0 when every check passed)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
port=${VIGIL_PORT:-18080}
hook_port=${HOOK_PORT:-18081}
token=walkthrough-token
secret=$("$root/vigil" secret)   # whsec_ and the base64 of 32 random bytes, the Standard Webhooks form
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
failures=0
check() { # check WHAT EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok    $1 ($3)"; else echo "FAIL  $1: expected $2, got $3"; failures=$((failures + 1)); fi
}

mkdir -p "$work/rules"
cat > "$work/vigil.yaml" <<YAML
rules: { dir: rules }
time: { mode: event, lateness: 0s }
server: { port: $port, adminToken: "$token" }
channels:
  hook: { type: webhook, url: "http://127.0.0.1:$hook_port/hook", secret: "$secret" }
routes:
  - { notify: [hook] }
store: { path: data/vigil.db }
YAML

java "$root/examples/api/WebhookReceiver.java" "$hook_port" "$secret" "$work/hooks.txt" 2>/dev/null &
pids+=($!)
"$root/vigil" run --config "$work/vigil.yaml" > "$work/stdout.txt" 2> "$work/vigil.log" &
pids+=($!)
for _ in $(seq 1 300); do
  curl -s -o /dev/null "http://127.0.0.1:$port/ready" && break
  sleep 0.2
done
api="http://127.0.0.1:$port"
auth=(-H "Authorization: Bearer $token")

check "GET /api/rules without a token" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$api/api/rules")"
check "GET /api/rules with a wrong token" 403 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer nope' "$api/api/rules")"

broken='event Tx { card string  amount double  at timestamp }
rule big { when Tx(amout > 100) key card }'
check "PUT a broken rule file" 422 "$(curl -s -o "$work/422.json" -w '%{http_code}' -X PUT "${auth[@]}" --data-binary "$broken" "$api/api/rule-files/fraud.rules")"
echo "      $(cat "$work/422.json")"

v1='event Tx { card string  amount double  at timestamp }
rule big "Big purchase" { when Tx(amount > 100) key card message "v1: {card} spent {amount}" }'
check "PUT a valid rule file" 200 "$(curl -s -o "$work/put1.json" -w '%{http_code}' -X PUT "${auth[@]}" --data-binary "$v1" "$api/api/rule-files/fraud.rules")"
echo "      $(cat "$work/put1.json")"

now=$(($(date +%s%3N)))
events="{\"type\":\"Tx\",\"id\":\"t1\",\"data\":{\"card\":\"c1\",\"amount\":500,\"at\":$now}}
{\"type\":\"Tx\",\"id\":\"t2\",\"data\":{\"card\":\"c2\",\"amount\":5,\"at\":$((now + 1))}}"
check "POST NDJSON events" 202 "$(curl -s -o "$work/ingest.json" -w '%{http_code}' -H 'Content-Type: application/x-ndjson' --data-binary "$events" "$api/events")"
echo "      $(cat "$work/ingest.json")"
for _ in $(seq 1 100); do grep -q 'v1: c1 spent 500' "$work/hooks.txt" 2>/dev/null && break; sleep 0.1; done
check "webhook from the first rule version" "valid" "$(grep 'v1: c1 spent 500' "$work/hooks.txt" | cut -d' ' -f1 || true)"

v2='event Tx { card string  amount double  at timestamp }
rule big "Big purchase" { when Tx(amount > 100) key card message "v2: {card} spent {amount}" }'
check "PUT a changed rule file" 200 "$(curl -s -o "$work/put2.json" -w '%{http_code}' -X PUT "${auth[@]}" --data-binary "$v2" "$api/api/rule-files/fraud.rules")"
echo "      $(cat "$work/put2.json")"
events="{\"type\":\"Tx\",\"id\":\"t3\",\"data\":{\"card\":\"c3\",\"amount\":700,\"at\":$((now + 2))}}"
check "POST NDJSON events again" 202 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-ndjson' --data-binary "$events" "$api/events")"
for _ in $(seq 1 100); do grep -q 'v2: c3 spent 700' "$work/hooks.txt" 2>/dev/null && break; sleep 0.1; done
check "webhook from the changed rule version" "valid" "$(grep 'v2: c3 spent 700' "$work/hooks.txt" | cut -d' ' -f1 || true)"

history=$(curl -s "${auth[@]}" "$api/api/alerts?rule=big")
check "alert history has both alerts" 2 "$(echo "$history" | grep -o '"rule":"big"' | wc -l | tr -d ' ')"
check "GET /ready" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$api/ready")"
check "GET /metrics is Prometheus text" 1 "$(curl -s "$api/metrics" | grep -c '^vigil_alerts_raised_total{rule="big",status="firing"}' || true)"

echo
if [ "$failures" -eq 0 ]; then echo "every check passed"; else echo "$failures checks failed (log: $work/vigil.log)"; cat "$work/vigil.log" | tail -20; exit 1; fi
