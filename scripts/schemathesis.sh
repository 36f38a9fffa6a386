#!/usr/bin/env bash
# Runs schemathesis (PyPI) against the OpenAPI document of a real server with a throwaway store:
# no 5xx, every status, content type, header and body as documented. Needs `pip install schemathesis`.
#   scripts/schemathesis.sh [MAX_EXAMPLES]   (default 50)
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-50}"
cargo build --quiet
bin="$PWD/target/debug/frontdesk"
work="$(mktemp -d)"
cleanup() { [ -n "${svc:-}" ] && kill "$svc" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export FRONTDESK_DATA_DIR="$work/data"
unset FRONTDESK_DATABASE_URL
"$bin" agents add anna --uri sip:anna@127.0.0.1 >/dev/null
token=$("$bin" users add schemathesis --role admin 2>/dev/null)
"$bin" serve --prompts-dir "$PWD/prompts" --http-listen 127.0.0.1:0 --sip-listen 127.0.0.1:0 \
  > "$work/ready" 2> "$work/serve.log" &
svc=$!
for _ in $(seq 1 100); do grep -q ready "$work/ready" 2>/dev/null && break; sleep 0.1; done
http=$(sed -n 's/.*http=\([^ ]*\).*/\1/p' "$work/ready")
st run "http://$http/api/v1/openapi.json" \
  -H "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --max-examples "$examples" --workers 1 --seed 1
