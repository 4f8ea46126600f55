#!/usr/bin/env bash
# Paired A/B rounds of GetCreditStatus (or RPC/BODY) against several configurations of the Release server, one
# server each, all running at once and measured in turn, the order reversed every round: on a shared machine
# whose speed drifts between rounds, only rounds next to each other compare. Each server is seeded alike.
#
#   bash benchmarks/ab.sh "on||--Audit:Enabled true" "off||--Audit:Enabled false"
#
# A configuration is "name|ENV=value ...|server arguments"; DLL=path in its environment runs another build of the
# server (a git worktree of another commit, built in Release). Prints one line per round:
#   round | name req/s server-CPU-µs-per-call h2load-CPU-µs-per-call idle% | ...
# and at the end the median ratio of each configuration's req/s to the last one's, over rounds 1.. (round 0 warms
# up, W seconds). Settings: ROUNDS=12, D=4 seconds a round, W=10, RATE=N for a fixed rate per client (then
# compare the CPU per call), OUT=dir (default a fresh /tmp/wj-ab.*), ROLE=the dev token's name (default platform;
# agency:NDRC with RPC=/wangjian.credit.v1.AgencyService/CheckOperator BODY=check-clean.bin). Needs h2load.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$(mktemp -d /tmp/wj-ab.XXXXXX)}
D=${D:-4}; W=${W:-10}; ROUNDS=${ROUNDS:-12}
RPC=${RPC:-/wangjian.credit.v1.CreditService/GetCreditStatus}
BODY=${BODY:-status.bin}
ROLE=${ROLE:-platform}
dll=$root/src/WangJian.Credit.Server/bin/Release/net10.0/WangJian.Credit.Server.dll
loadgen=$root/benchmarks/WangJian.Credit.LoadGen/bin/Release/net10.0/WangJian.Credit.LoadGen.dll
for p in src/WangJian.Credit.Server benchmarks/WangJian.Credit.LoadGen; do
  dotnet build "$root/$p" -c Release -v q -nologo >/dev/null
done

declare -a names urls pids tokens
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
i=0
for config in "$@"; do
  IFS='|' read -r name envs args <<<"$config"
  d=$OUT/$name; mkdir -p "$d"
  server=$dll
  for kv in $envs; do [[ $kv == DLL=* ]] && server=${kv#DLL=}; done
  # shellcheck disable=SC2086
  (cd "$(dirname "$server")" && exec env $envs dotnet "$server" --urls http://127.0.0.1:0 --Http:Urls http://127.0.0.1:0 \
    --Storage:DataDir "$d/data" --Orleans:SiloPort 0 --Observability:MetricsUrl= --Logging:LogLevel:Default Warning $args) >"$d/server.log" 2>&1 &
  pids[i]=$!; names[i]=$name
  until grep -q "listening on " "$d/server.log"; do kill -0 "${pids[i]}" || { cat "$d/server.log"; exit 1; }; sleep 0.2; done
  urls[i]=$(grep -o "listening on http://[0-9.:]*" "$d/server.log" | head -1 | sed 's/listening on //')
  dotnet "$loadgen" seed --server "${urls[i]}" --tokens "$d/data/dev-tokens.json" --histories 1000 >"$d/seed.out"
  tokens[i]=$(awk -v k="\"$ROLE\"" -F'"' '$0 ~ k { print $4 }' "$d/data/dev-tokens.json")
  i=$((i + 1))
done
dotnet "$loadgen" bodies --out "$OUT/bodies" >/dev/null

cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
idle() { awk '/^cpu / { print $5 + $6 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat; }
hz=$(getconf CLK_TCK)
for round in $(seq 0 "$ROUNDS"); do
  line="$round"
  order=$(seq 0 $((i - 1))); ((round % 2)) && order=$(seq $((i - 1)) -1 0)
  for k in $order; do
    seconds=$D; ((round == 0)) && seconds=$W
    c0=$(cpu "${pids[k]}"); read -r i0 t0 < <(idle)
    h2load -c4 -m16 -D "$seconds" ${RATE:+--rps=$RATE} -H 'content-type: application/grpc' -H 'te: trailers' \
      -H "authorization: Bearer ${tokens[k]}" -d "$OUT/bodies/$BODY" "${urls[k]}$RPC" >"$OUT/h2-$round-$k.out" &
    h=$!; sleep 0.3; h0=$(cpu $h); h1=$h0
    while kill -0 $h 2>/dev/null; do h1=$(cpu $h 2>/dev/null || echo "$h1"); sleep 0.5; done
    c1=$(cpu "${pids[k]}"); read -r i1 t1 < <(idle)
    rps=$(awk '/^finished in/ { gsub(",", "", $4); print $4 }' "$OUT/h2-$round-$k.out")
    n=$(awk '/^requests:/ { print $8 }' "$OUT/h2-$round-$k.out")
    line="$line | ${names[k]} $(awk -v a="$rps" -v c0="$c0" -v c1="$c1" -v n="$n" -v hz="$hz" -v h0="$h0" -v h1="$h1" -v i0="$i0" -v i1="$i1" -v t0="$t0" -v t1="$t1" \
      'BEGIN { printf "%.0f %.1f %.1f %.0f", a, (c1 - c0) / hz * 1e6 / n, (h1 - h0) / hz * 1e6 / n, (i1 - i0) * 100 / (t1 - t0) }')"
  done
  echo "$line" | tee -a "$OUT/rounds.txt"
done

# Median over rounds 1.. of each configuration's req/s (and CPU per call) against the last configuration's.
last=${names[i - 1]}
for name in "${names[@]:0:i-1}"; do
  awk -v a="$name" -v b="$last" -F' [|] ' '
    $1 > 0 { for (f = 2; f <= NF; f++) { split($f, x, " "); rps[x[1]] = x[2]; cpu[x[1]] = x[3] }
             r[++n] = rps[a] / rps[b]; c[n] = cpu[b] / cpu[a] }
    function median(v, m,   j, k, t) { for (j = 1; j <= m; j++) for (k = j + 1; k <= m; k++) if (v[k] < v[j]) { t = v[j]; v[j] = v[k]; v[k] = t }
                                         return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2 }
    END { printf "%s / %s: req/s median %.3f, CPU per call (%s / %s) median %.3f, %d rounds\n", a, b, median(r, n), b, a, median(c, n), n }' "$OUT/rounds.txt"
done
