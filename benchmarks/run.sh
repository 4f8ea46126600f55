#!/usr/bin/env bash
# The speed of the real server next to the bare grpc-dotnet server (the limit of the stack), all in one run
# on this machine; see benchmarks/README.md for what each number means and the latest results.
#
#   bash benchmarks/run.sh
#
# Settings (environment):
#   DURATION=20        seconds of each h2load measurement (after WARMUP=10 seconds of warm-up: tiered JIT)
#   CLIENTS=4 STREAMS=16   h2load connections and streams per connection (64 concurrent streams)
#   WRITES_DURATION=20 seconds of RecordViolation load; WRITES_CONCURRENCY=64
#   IMPORT_ROWS=200000 rows of the ImportViolations run; IMPORT_OPERATORS=10000
#   SCALE_N=200000     operators of the scale run (the goal is 1,000,000: SCALE_N=1000000 takes a few
#                      minutes more and about 10 GiB); SCALE_N=0 skips it
#   LOG_WRITES=200000  RecordViolation calls of the bounded-log run (over LOG_OPERATORS=1000 operators): the
#                      data dir against the live data, and the restart after kill -9; LOG_WRITES=0 skips it
#   AUDIT_ROUNDS=2     alternating rounds of GetCreditStatus with the access log off and on
#   SKIP_READS=1 SKIP_WRITES=1 SKIP_IMPORT=1 SKIP_HISTORY=1 SKIP_UNKNOWN=1 SKIP_AUDIT=1 to leave a part out;
#   SKIP_POLICY=1 leaves out the policy part of the scale run (SimulatePolicy over SCALE_N operators, reads
#                      during a rollout: POLICY_READ_SECONDS=15 each); SCALE_ACTIVATE=N activates only N
#                      operators in the cold phase (default all)
#   HISTORY_LONG=10000 violations of the long-history operator; UNKNOWN_N=100000 never-seen operators per round
#   OUT=dir            where logs and summary.md go (default a fresh /tmp/wj-bench.*)
set -euo pipefail
# Failures inside $(...) (a probe that fails) must stop the run too.
shopt -s inherit_errexit

root=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-10}
CLIENTS=${CLIENTS:-4}
STREAMS=${STREAMS:-16}
WRITES_DURATION=${WRITES_DURATION:-20}
WRITES_CONCURRENCY=${WRITES_CONCURRENCY:-64}
IMPORT_ROWS=${IMPORT_ROWS:-200000}
IMPORT_OPERATORS=${IMPORT_OPERATORS:-10000}
SCALE_N=${SCALE_N:-200000}
LOG_WRITES=${LOG_WRITES:-200000}
LOG_OPERATORS=${LOG_OPERATORS:-1000}
OUT=${OUT:-$(mktemp -d /tmp/wj-bench.XXXXXX)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
summary="$OUT/summary.md"
: >"$summary"

say() { echo "== $*" >&2; }
note() { echo "$*" | tee -a "$summary"; }

if ! command -v h2load >/dev/null; then
  say "installing h2load (Debian nghttp2-client)"
  apt-get update -qq && apt-get install -y -qq nghttp2-client >/dev/null
fi

say "building (Release)"
for p in src/WangJian.Credit.Server benchmarks/WangJian.Credit.BareServer benchmarks/WangJian.Credit.LoadGen; do
  dotnet build "$root/$p" -c Release -v q -nologo >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
done
server_dll="$root/src/WangJian.Credit.Server/bin/Release/net10.0/WangJian.Credit.Server.dll"
bare_dll="$root/benchmarks/WangJian.Credit.BareServer/bin/Release/net10.0/WangJian.Credit.BareServer.dll"
loadgen() { dotnet "$root/benchmarks/WangJian.Credit.LoadGen/bin/Release/net10.0/WangJian.Credit.LoadGen.dll" "$@"; }

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# start NAME LOG DLL ARGS...: starts a server on a free loopback port, waits for its "listening on" line,
# and sets $pid and $url.
start() {
  local name=$1 log=$2 dll=$3
  shift 3
  (cd "$(dirname "$dll")" && exec dotnet "$dll" --urls http://127.0.0.1:0 --Http:Urls http://127.0.0.1:0 "$@") >"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  local t0=$SECONDS
  until grep -q "listening on " "$log"; do
    if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; echo "$name exited" >&2; exit 1; fi
    if ((SECONDS - t0 > 600)); then cat "$log"; echo "$name did not start" >&2; exit 1; fi
    sleep 0.2
  done
  url=$(grep -o "listening on http://[0-9.:]*" "$log" | head -1 | sed 's/listening on //')
  say "$name: $url (pid $pid, ready in $((SECONDS - t0)) s)"
}

stop() {
  kill "$1" 2>/dev/null || true
  while kill -0 "$1" 2>/dev/null; do sleep 0.2; done
}

real_args() {
  echo --Storage:DataDir "$1" --Orleans:SiloPort 0 --Observability:MetricsUrl= --Logging:LogLevel:Default Warning
}

# p50 and p99 in ms of an h2load --log-file (third column: microseconds until the end of the response)
percentiles() {
  awk '$2 == 200 { print $3 }' "$1" | sort -n | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "- -"; exit }
      i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999)
      printf "%.2f %.2f\n", v[i50] / 1000, v[i99] / 1000
    }'
}

# h2 NAME BASEURL PATH BODY [TOKEN]: probe once (grpc-status 0), then h2load; prints "rps p50 p99"
h2() {
  local name=$1 base=$2 path=$3 body=$4 token=${5:-}
  local auth=()
  [[ -n $token ]] && auth=(-H "authorization: Bearer $token")
  loadgen probe --url "$base$path" --body "$body" ${token:+--token "$token"} >&2 || return 1
  h2load -c "$CLIENTS" -m "$STREAMS" -D "$DURATION" --warm-up-time="$WARMUP" \
    -H 'content-type: application/grpc' -H 'te: trailers' "${auth[@]}" \
    -d "$body" --log-file="$OUT/$name.log" "$base$path" >"$OUT/$name.out"
  local rps failed
  rps=$(awk '/^finished in/ { gsub(",", "", $4); print $4 }' "$OUT/$name.out")
  # requests: N total, N started, N done, N succeeded, N failed, N errored, N timeout
  failed=$(awk '/^requests:/ { print $10 + $12 + $14 }' "$OUT/$name.out")
  [[ $failed == 0 ]] || { cat "$OUT/$name.out" >&2; echo "$name: $failed failed requests" >&2; exit 1; }
  echo "$rps $(percentiles "$OUT/$name.log")"
}

note "# WangJian.Credit benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"
note ""
note "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(dotnet --version) SDK; h2load -c $CLIENTS -m $STREAMS ($((CLIENTS * STREAMS)) streams), ${DURATION} s each after ${WARMUP} s warm-up"
note ""

declare -A rps p50 p99
run() {
  say "h2load $1"
  local line
  line=$(h2 "$@")
  read -r rps[$1] p50[$1] p99[$1] <<<"$line"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

data="$OUT/data"
if [[ ${SKIP_READS:-} != 1 || ${SKIP_WRITES:-} != 1 || ${SKIP_IMPORT:-} != 1 || ${SKIP_HISTORY:-} != 1 ]]; then
  # shellcheck disable=SC2046
  start server "$OUT/server.log" "$server_dll" $(real_args "$data")
  real=$url
  real_pid=$pid
  tokens="$data/dev-tokens.json"
fi

if [[ ${SKIP_READS:-} != 1 ]]; then
  start bare "$OUT/bare.log" "$bare_dll"
  bare=$url
  say "seeding"
  loadgen seed --server "$real" --tokens "$tokens" --histories 1000 | tee -a "$OUT/seed.out" >&2
  loadgen bodies --out "$OUT/bodies" >&2
  token() { awk -v k="\"$1\"" -F'"' '$0 ~ k { print $4 }' "$tokens"; }
  agency=$(token agency:NDRC)
  platform=$(token platform)
  check=/wangjian.credit.v1.AgencyService/CheckOperator
  status=/wangjian.credit.v1.CreditService/GetCreditStatus
  batch=/wangjian.credit.v1.CreditService/BatchGetCreditStatus

  run bare-check "$bare" $check "$OUT/bodies/check-clean.bin"
  run bare-status "$bare" $status "$OUT/bodies/status.bin"
  run bare-batch "$bare" $batch "$OUT/bodies/batch.bin"
  run check-clean "$real" $check "$OUT/bodies/check-clean.bin" "$agency"
  run check-listed "$real" $check "$OUT/bodies/check-listed.bin" "$agency"
  run status "$real" $status "$OUT/bodies/status.bin" "$platform"
  run batch "$real" $batch "$OUT/bodies/batch.bin" "$platform"

  note "| call | req/s | p50 ms | p99 ms | × bare |"
  note "|---|---:|---:|---:|---:|"
  note "| bare CheckOperator (constant) | ${rps[bare-check]} | ${p50[bare-check]} | ${p99[bare-check]} | 1 |"
  note "| bare GetCreditStatus (constant) | ${rps[bare-status]} | ${p50[bare-status]} | ${p99[bare-status]} | 1 |"
  note "| bare BatchGetCreditStatus ×100 (constant) | ${rps[bare-batch]} | ${p50[bare-batch]} | ${p99[bare-batch]} | 1 |"
  note "| CheckOperator, clean operator | ${rps[check-clean]} | ${p50[check-clean]} | ${p99[check-clean]} | $(ratio "${rps[check-clean]}" "${rps[bare-check]}") |"
  note "| CheckOperator, listed operator | ${rps[check-listed]} | ${p50[check-listed]} | ${p99[check-listed]} | $(ratio "${rps[check-listed]}" "${rps[bare-check]}") |"
  note "| GetCreditStatus (2 violations) | ${rps[status]} | ${p50[status]} | ${p99[status]} | $(ratio "${rps[status]}" "${rps[bare-status]}") |"
  note "| BatchGetCreditStatus of 100 | ${rps[batch]} | ${p50[batch]} | ${p99[batch]} | $(ratio "${rps[batch]}" "${rps[bare-batch]}") |"
  note ""
  stop "$pid"
fi

if [[ ${SKIP_AUDIT:-} != 1 ]]; then
  # What the access log costs reads: GetCreditStatus on two servers alike but for Audit:Enabled, seeded the
  # same, measured alternately (off, on) AUDIT_ROUNDS times so that drift of the shared machine hits both.
  say "access log overhead"
  declare -A audit_url audit_tokens audit_pid
  for mode in on off; do
    d="$OUT/audit-$mode"
    flag=true
    [[ $mode == off ]] && flag=false
    # shellcheck disable=SC2046
    start "audit-$mode" "$OUT/audit-$mode.log" "$server_dll" $(real_args "$d") --Audit:Enabled $flag
    audit_url[$mode]=$url
    audit_pid[$mode]=$pid
    audit_tokens[$mode]="$d/dev-tokens.json"
    loadgen seed --server "$url" --tokens "$d/dev-tokens.json" --histories 1000 >"$OUT/audit-seed-$mode.out"
  done
  [[ -f $OUT/bodies/status.bin ]] || loadgen bodies --out "$OUT/bodies" >&2
  status=/wangjian.credit.v1.CreditService/GetCreditStatus
  sum_on=0 sum_off=0
  # Round 0 warms both servers up (the JIT's later tiers are still compiling after the first seconds) and is
  # not counted; the order alternates between rounds, so that neither server always runs first.
  for round in $(seq 0 "${AUDIT_ROUNDS:-2}"); do
    order="off on"
    ((round % 2 == 0)) && order="on off"
    for mode in $order; do
      token=$(awk -v k='"platform"' -F'"' '$0 ~ k { print $4 }' "${audit_tokens[$mode]}")
      run "status-audit-$mode-$round" "${audit_url[$mode]}" $status "$OUT/bodies/status.bin" "$token"
      note "- GetCreditStatus, access log $mode, round $round$( ((round == 0)) && echo ' (warm-up, not counted)'): ${rps[status-audit-$mode-$round]} req/s, p50 ${p50[status-audit-$mode-$round]} ms, p99 ${p99[status-audit-$mode-$round]} ms"
    done
    ((round == 0)) && continue
    sum_on=$(awk -v a="$sum_on" -v b="${rps[status-audit-on-$round]}" 'BEGIN { print a + b }')
    sum_off=$(awk -v a="$sum_off" -v b="${rps[status-audit-off-$round]}" 'BEGIN { print a + b }')
  done
  note "- access log on / off, GetCreditStatus at $((CLIENTS * STREAMS)) streams (mean of ${AUDIT_ROUNDS:-2} rounds): $(ratio "$sum_on" "$sum_off")"
  note ""
  stop "${audit_pid[on]}"
  stop "${audit_pid[off]}"
fi

if [[ ${SKIP_WRITES:-} != 1 ]]; then
  say "writes"
  loadgen writes --server "$real" --tokens "$tokens" --duration "$WRITES_DURATION" --warmup 10 --concurrency "$WRITES_CONCURRENCY" | tee "$OUT/writes.out" >&2
  note "- $(cat "$OUT/writes.out")"
fi

if [[ ${SKIP_IMPORT:-} != 1 ]]; then
  say "import"
  loadgen import --server "$real" --tokens "$tokens" --rows "$IMPORT_ROWS" --operators "$IMPORT_OPERATORS" | tee "$OUT/import.out" >&2
  note "- $(cat "$OUT/import.out")"
fi

if [[ ${SKIP_HISTORY:-} != 1 ]]; then
  say "long history"
  loadgen long-history --server "$real" --tokens "$tokens" --data-dir "$data" --long "${HISTORY_LONG:-10000}" --samples 200 | tee "$OUT/long-history.out" >&2
  sed 's/^/- /' "$OUT/long-history.out" >>"$summary"
fi

if [[ -n ${real_pid:-} ]]; then
  note "- server RSS after the runs above: $(awk '/VmRSS/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$real_pid/status")"
  stop "$real_pid"
fi

if [[ ${SKIP_UNKNOWN:-} != 1 ]]; then
  say "never-seen operators"
  unknown="$OUT/unknown-data"
  mport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)))
  # shellcheck disable=SC2046
  start server "$OUT/unknown-server.log" "$server_dll" $(real_args "$unknown") --Observability:MetricsUrl "http://127.0.0.1:$mport/"
  loadgen unknown-reads --server "$url" --tokens "$unknown/dev-tokens.json" --server-pid "$pid" --metrics-url "http://127.0.0.1:$mport/metrics" \
    --operators "${UNKNOWN_N:-100000}" | tee "$OUT/unknown-reads.out" >&2
  sed 's/^/- /' "$OUT/unknown-reads.out" >>"$summary"
  stop "$pid"
fi

if ((SCALE_N > 0)); then
  say "scale: $SCALE_N operators"
  scale="$OUT/scale-data"
  # shellcheck disable=SC2046
  start server "$OUT/scale-server.log" "$server_dll" $(real_args "$scale")
  loadgen scale --phase load --operators "$SCALE_N" --server "$url" --tokens "$scale/dev-tokens.json" --server-pid "$pid" | tee "$OUT/scale-load.out" >&2
  stop "$pid"
  note "- store on disk after loading $SCALE_N operators: $(du -sh "$scale/garnet" | cut -f1)"
  t0=$SECONDS
  # shellcheck disable=SC2046
  start server "$OUT/scale-server2.log" "$server_dll" $(real_args "$scale")
  note "- restart on that store (AOF replay) until serving: $((SECONDS - t0)) s"
  loadgen scale --phase cold --operators "$SCALE_N" --server "$url" --tokens "$scale/dev-tokens.json" --server-pid "$pid" \
    ${SCALE_ACTIVATE:+--activate "$SCALE_ACTIVATE"} | tee "$OUT/scale-cold.out" >&2
  sed 's/^/- /' "$OUT/scale-load.out" "$OUT/scale-cold.out" >>"$summary"
  if [[ ${SKIP_POLICY:-} != 1 ]]; then
    say "policy: SimulatePolicy over $SCALE_N operators; reads with and without a rollout"
    loadgen policy --operators "$SCALE_N" --server "$url" --tokens "$scale/dev-tokens.json" --policy "$root/rules/policy/policy.json" \
      --read-seconds "${POLICY_READ_SECONDS:-15}" | tee "$OUT/policy.out" >&2
    sed 's/^/- /' "$OUT/policy.out" >>"$summary"
  fi
  stop "$pid"
fi

if ((LOG_WRITES > 0)); then
  say "bounded log: $LOG_WRITES writes over $LOG_OPERATORS operators"
  logdata="$OUT/log-data"
  # shellcheck disable=SC2046
  start server "$OUT/log-server.log" "$server_dll" $(real_args "$logdata")
  port=$(grep -o "Embedded Garnet on 127.0.0.1:[0-9]*" "$OUT/log-server.log" | head -1 | cut -d: -f2)
  loadgen writes --server "$url" --tokens "$logdata/dev-tokens.json" --total "$LOG_WRITES" --warmup 0 \
    --operators "$LOG_OPERATORS" --concurrency "$WRITES_CONCURRENCY" | tee "$OUT/log-writes.out" >&2
  loadgen store --data "$logdata" --port "$port" | tee "$OUT/log-store.out" >&2
  note "- bounded log, $(cat "$OUT/log-writes.out")"
  note "- right after the last write: $(cat "$OUT/log-store.out")"
  # The worst restart: killed, so it replays all the log written since the last checkpoint.
  kill -9 "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  t0=$(date +%s.%N)
  # shellcheck disable=SC2046
  start server "$OUT/log-server2.log" "$server_dll" $(real_args "$logdata")
  note "- restart after kill -9 until serving: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s, of which the store's recovery (checkpoint and log replay) $(grep -o "recovered in [0-9]* ms" "$OUT/log-server2.log" | head -1 | cut -d' ' -f3) ms"
  stop "$pid"
fi

echo >&2
cat "$summary"
echo "(logs in $OUT)" >&2
