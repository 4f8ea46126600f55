#!/usr/bin/env bash
# Runs every test of the repository on a fresh machine with only the .NET SDK:
#   1. buf lint of protos/ (Buf STANDARD),
#   2. dotnet test WangJian.Credit.sln (unit, rules, grain, gRPC API and crash tests),
#   3. redocly lint of the OpenAPI document the built server generates (/openapi/v1.json),
#   4. the independent end-to-end clients (@grpc/grpc-js, and fetch for REST/JSON) against the built server.
# It installs what those need (Node.js and redis-server from Debian if absent — the store-outage
# and cluster tests start their own redis-server processes on free ports —, the TrueType CJK font
# fonts-wqy-zenhei for the Chinese PDF credit reports, chromium and the Noto CJK fonts from Debian for the
# console's browser tests (Playwright drives /usr/bin/chromium; its own browser download is not used), and
# the npm packages from the lockfile) and ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
log_dir=$(mktemp -d)

need_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "== installing Node.js (Debian)"
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  fi
}

need_redis() {
  if ! command -v redis-server >/dev/null && [ ! -x /usr/bin/redis-server ]; then
    echo "== installing redis-server (Debian)"
    apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
  fi
}

# The credit-report tests render Chinese PDFs with a TrueType CJK font (Reports:FontPath default).
need_cjk_font() {
  if [ ! -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]; then
    echo "== installing fonts-wqy-zenhei (Debian)"
    apt-get update -qq && apt-get install -y -qq fonts-wqy-zenhei >/dev/null
  fi
}

need_chromium() {
  if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then
    echo "== installing chromium and fonts-noto-cjk (Debian)"
    apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  fi
}

need_redis
need_cjk_font
need_chromium
echo "== npm ci (tests/e2e-node: @bufbuild/buf, @grpc/grpc-js, @grpc/proto-loader, @redocly/cli, standardwebhooks)"
need_node
(cd tests/e2e-node && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed"; exit 1; }

echo "== buf lint protos/"
if tests/e2e-node/node_modules/.bin/buf lint protos; then
  passed=$((passed + 1)); echo "buf lint: passed"
else
  failed=$((failed + 1)); echo "buf lint: FAILED"
fi

echo "== dotnet build"
dotnet build WangJian.Credit.sln -nologo -v minimal || { echo "build failed"; echo "$passed passed, $((failed + 1)) failed"; exit 1; }

echo "== redocly lint of /openapi/v1.json"
if node tests/e2e-node/openapi-fetch.mjs "$log_dir/openapi.json" \
  && tests/e2e-node/node_modules/.bin/redocly lint --config tests/e2e-node/redocly.yaml "$log_dir/openapi.json"; then
  passed=$((passed + 1)); echo "openapi lint: passed"
else
  failed=$((failed + 1)); echo "openapi lint: FAILED"
fi

echo "== dotnet test WangJian.Credit.sln"
dotnet test WangJian.Credit.sln --no-build -nologo 2>&1 | tee "$log_dir/dotnet.log"
dotnet_rc=${PIPESTATUS[0]}
while read -r f p; do
  failed=$((failed + f)); passed=$((passed + p))
done < <(grep -oE 'Failed: +[0-9]+, Passed: +[0-9]+' "$log_dir/dotnet.log" | sed -E 's/Failed: +([0-9]+), Passed: +([0-9]+)/\1 \2/')
if [ "$dotnet_rc" -ne 0 ] && ! grep -qE 'Failed: +[1-9]' "$log_dir/dotnet.log"; then
  # A crashed test host reports no counts; it must still fail the run.
  failed=$((failed + 1)); echo "dotnet test exited $dotnet_rc without a failed-test count"
fi

echo "== node e2e (independent gRPC and REST/JSON clients)"
(cd tests/e2e-node && node --test --test-reporter=tap) 2>&1 | tee "$log_dir/node.log"
node_rc=${PIPESTATUS[0]}
node_pass=$(grep -E '^# pass [0-9]+' "$log_dir/node.log" | awk '{print $3}' | tail -1)
node_fail=$(grep -E '^# fail [0-9]+' "$log_dir/node.log" | awk '{print $3}' | tail -1)
passed=$((passed + ${node_pass:-0})); failed=$((failed + ${node_fail:-0}))
if [ "$node_rc" -ne 0 ] && [ "${node_fail:-0}" -eq 0 ]; then
  failed=$((failed + 1)); echo "node --test exited $node_rc without a failed-test count"
fi

rm -rf "$log_dir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
