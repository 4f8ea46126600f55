#!/usr/bin/env bash
# REST/JSON, watchlists and webhooks, measured in one run on this machine (benchmarks/README.md):
#   1. GetCreditStatus over HTTP/1.1 JSON (h2load --h1) next to the same call over gRPC (h2load, h2c),
#   2. 1,000,000 sellers added with `wjcredit sellers add` (batches of 10,000, 4 in flight),
#   3. webhook delivery rate to one fast receiver on loopback (node:http answering 204).
#
#   bash benchmarks/rest.sh
#
# Settings (environment): DURATION=20 WARMUP=5 CLIENTS=4 STREAMS=16 (h2load; --h1 uses CLIENTS*STREAMS
# connections, one request in flight each), SELLERS=1000000, EVENTS=5000, OUT=dir.
set -euo pipefail
shopt -s inherit_errexit
root=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
CLIENTS=${CLIENTS:-4}
STREAMS=${STREAMS:-16}
SELLERS=${SELLERS:-1000000}
EVENTS=${EVENTS:-5000}
OUT=${OUT:-$(mktemp -d /tmp/wj-rest-bench.XXXXXX)}
mkdir -p "$OUT"
say() { echo "== $*" >&2; }

for p in src/WangJian.Credit.Server src/WangJian.Credit.Cli benchmarks/WangJian.Credit.LoadGen; do
  dotnet build "$root/$p" -c Release -v q -nologo >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
done
server_dll="$root/src/WangJian.Credit.Server/bin/Release/net10.0/WangJian.Credit.Server.dll"
cli() { dotnet "$root/src/WangJian.Credit.Cli/bin/Release/net10.0/wjcredit.dll" "$@"; }
loadgen() { dotnet "$root/benchmarks/WangJian.Credit.LoadGen/bin/Release/net10.0/WangJian.Credit.LoadGen.dll" "$@"; }

data="$OUT/data"
(cd "$(dirname "$server_dll")" && exec dotnet "$server_dll" --urls http://127.0.0.1:0 --Http:Urls http://127.0.0.1:0 \
  --Storage:DataDir "$data" --Orleans:SiloPort 0 --Observability:MetricsUrl= --Logging:LogLevel:Default Warning \
  --Webhooks:AllowLoopback true) >"$OUT/server.log" 2>&1 &
server_pid=$!
receiver_pid=
trap 'kill $server_pid ${receiver_pid:-} 2>/dev/null || true' EXIT
until grep -q "listening on " "$OUT/server.log"; do kill -0 $server_pid || { cat "$OUT/server.log"; exit 1; }; sleep 0.2; done
grpc=$(grep -o "listening on http://[0-9.:]*" "$OUT/server.log" | sed 's/listening on //')
rest=$(grep -o "REST/JSON on http://[0-9.:]*" "$OUT/server.log" | sed 's/REST\/JSON on //')
tokens="$data/dev-tokens.json"
token() { awk -v k="\"$1\"" -F'"' '$0 ~ k { print $4 }' "$tokens"; }
platform=$(token platform)
say "server: gRPC $grpc, REST $rest"

loadgen seed --server "$grpc" --tokens "$tokens" --histories 1000 >"$OUT/seed.out"
loadgen bodies --out "$OUT/bodies" >&2
# The same operator as the gRPC body (a seeded one with 2 violations): its USCC is the body's one string field.
op=$(grep -ao '[0-9A-Z]\{18\}' "$OUT/bodies/status.bin" | head -1)
say "operator $op"

rps() { awk '/^finished in/ { gsub(",", "", $4); print $4 }' "$1"; }
failed() { awk '/^requests:/ { print $10 + $12 + $14 }' "$1"; }
say "h2load gRPC GetCreditStatus"
h2load -c "$CLIENTS" -m "$STREAMS" -D "$DURATION" --warm-up-time="$WARMUP" -H 'content-type: application/grpc' -H 'te: trailers' \
  -H "authorization: Bearer $platform" -d "$OUT/bodies/status.bin" "$grpc/wangjian.credit.v1.CreditService/GetCreditStatus" >"$OUT/grpc.out"
say "h2load --h1 REST GetCreditStatus"
h2load --h1 -c $((CLIENTS * STREAMS)) -D "$DURATION" --warm-up-time="$WARMUP" \
  -H "authorization: Bearer $platform" "$rest/v1/operators/$op/credit-status" >"$OUT/rest.out"
[[ $(failed "$OUT/grpc.out") == 0 && $(failed "$OUT/rest.out") == 0 ]] || { cat "$OUT/grpc.out" "$OUT/rest.out"; exit 1; }
g=$(rps "$OUT/grpc.out"); r=$(rps "$OUT/rest.out")
echo "GetCreditStatus: gRPC $g req/s, REST/JSON HTTP/1.1 $r req/s, ratio $(awk -v a="$r" -v b="$g" 'BEGIN { printf "%.2f", a / b }')"

say "$SELLERS sellers"
python3 - "$SELLERS" >"$OUT/sellers.csv" <<'PY'
import sys
alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
print("seller_id")
for i in range(int(sys.argv[1])):
    body = "9133010%010d" % i
    s = sum(alphabet.index(c) * w[k] for k, c in enumerate(body))
    print(body + alphabet[(31 - s % 31) % 31])
PY
start=$(date +%s.%N)
cli --server "$grpc" --token "$platform" sellers add "$OUT/sellers.csv" --json >"$OUT/sellers.out"
end=$(date +%s.%N)
echo "sellers add $SELLERS: $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s ($(cat "$OUT/sellers.out"))"

say "webhook delivery rate, $EVENTS events"
cat >"$OUT/receiver.mjs" <<'JS'
import http from 'node:http';
let n = 0, first = 0;
const target = Number(process.argv[2]);
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (n === 0) first = performance.now();
    n++;
    res.writeHead(204).end();
    if (n === target) console.log(`received ${n} in ${((performance.now() - first) / 1000).toFixed(2)} s`);
  });
});
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
JS
node "$OUT/receiver.mjs" "$EVENTS" >"$OUT/receiver.out" &
receiver_pid=$!
until grep -q port "$OUT/receiver.out"; do sleep 0.1; done
port=$(awk '/port/ { print $2 }' "$OUT/receiver.out")
curl -s -X POST -H "authorization: Bearer $platform" -H 'content-type: application/json' \
  -d "{\"url\":\"http://127.0.0.1:$port/hook\"}" "$rest/v1/platform/webhooks" >"$OUT/webhook.json"
python3 - "$EVENTS" >"$OUT/events.csv" <<'PY'
import sys
alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
print("operator_id,offense_code,severity,decision_number,authority_code,authority_name,decided_at,fine_fen,illegal_gains_fen,heavier_penalty,penalty_kinds,description")
for i in range(int(sys.argv[1])):
    body = "9144030%010d" % i
    s = sum(alphabet.index(c) * w[k] for k, c in enumerate(body))
    print(f"{body + alphabet[(31 - s % 31) % 31]},FAKE_REVIEW_ORGANIZING,GENERAL,粤深市监处罚〔2026〕hook-{i}号,440300-SAMR,深圳市市场监督管理局,2026-11-01,100,0,false,FINE,刷单")
PY
cli --server "$grpc" --token "$(token regulator)" import "$OUT/events.csv" --json >"$OUT/import.out" || true
for _ in $(seq 1 600); do grep -q received "$OUT/receiver.out" && break; sleep 0.5; done
echo "webhook: $(grep received "$OUT/receiver.out" || echo "not all $EVENTS received in 300 s")"
