#!/usr/bin/env bash
# End-to-end check of a sharded run in containers (make e2e-shards): the
# llmrec image (scripts/image/build.sh) runs three shards of one run,
# `llmrec run --shard i/3 --start-at T`, as three containers on the host's
# network against the built-in simulator on a loopback port, each writing
# /runs/shard-i.parquet to one shared directory; then llmrep analyzes the
# three files as one run and the script checks the merge: three shards
# listed, nothing missing, start times together, every shard's rows there.
#
#   scripts/e2e-shards.sh            (make e2e-shards)
#
# Uses podman, or docker when podman is missing (ENGINE=docker forces it);
# without either it says so and exits 0 (skipped). KEEP=1 keeps the files.
set -euo pipefail
cd "$(dirname "$0")/.."

engine=${ENGINE:-}
if [ -z "$engine" ]; then
  if command -v podman >/dev/null 2>&1; then engine=podman
  elif command -v docker >/dev/null 2>&1; then engine=docker
  else
    echo "e2e-shards: SKIPPED: no container engine (podman or docker) on this machine; install one (apt-get install -y podman runc) to run it" >&2
    exit 0
  fi
fi
if [ "$engine" = podman ] && [ -z "${CONTAINERS_CONF:-}" ]; then
  export CONTAINERS_CONF=$PWD/deploy/image/containers.conf
fi

image=${IMAGE:-llmrec:e2e-shards}
work=$(mktemp -d)
runs=$work/runs
mkdir -p "$runs"
# The image runs as USER 65532: the shared volume must be writable by it.
chmod 0777 "$runs"
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  if [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "e2e-shards: files kept in $work"; fi
}
trap cleanup EXIT

echo "e2e-shards: building the image $image and llmrep with $engine"
ENGINE=$engine scripts/image/build.sh "$image"
CGO_ENABLED=0 go build -o "$work/llmrec" ./cmd/llmrec
go build -o "$work/llmrep" ./cmd/llmrep

# The server: the built-in simulator, linear profile, on a free loopback port.
port=$(( 20000 + RANDOM % 20000 ))
"$work/llmrec" sim --profile linear --jitter 0 --addr "127.0.0.1:$port" >"$work/sim.log" 2>&1 &
sim_pid=$!
for _ in $(seq 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.1
done

# Every shard gets the same flags and the same absolute start time, far
# enough ahead for three containers to start.
start_at=$(date -u -d '+12 seconds' +%Y-%m-%dT%H:%M:%SZ)
pids=()
for i in 0 1 2; do
  "$engine" run --rm --network host -v "$runs:/runs" "$image" run \
    --target "http://127.0.0.1:$port" --max-tokens 16 \
    --step-users 6 --step-time 4s --max-users 18 --wait-min 10ms --wait-max 30ms --seed 11 \
    --shard "$i/3" --start-at "$start_at" -o "/runs/shard-$i.parquet" >"$work/shard-$i.log" 2>&1 &
  pids+=($!)
done
status=0
for i in 0 1 2; do
  if ! wait "${pids[$i]}"; then
    echo "e2e-shards: FAIL: shard $i exited with an error:" >&2
    cat "$work/shard-$i.log" >&2
    status=1
  fi
done
[ "$status" = 0 ] || exit 1
for i in 0 1 2; do sed 's/^/  /' "$work/shard-$i.log"; done

"$work/llmrep" analyze "$runs/shard-*.parquet" --warmup 0s --window 4s --format text -o - >"$work/report.txt"
"$work/llmrep" analyze "$runs/shard-*.parquet" --warmup 0s --window 4s --format json -o - >"$work/report.json"
sed -n '1,12p' "$work/report.txt"

fail() { echo "e2e-shards: FAIL: $*" >&2; exit 1; }
grep -q 'shards *3 of 3: 0 .* rows, 1 .* rows, 2 .* rows' "$work/report.txt" || fail "the report does not list the three shards"
if grep -Eq 'is missing|start times differ|joined the schedule' "$work/report.txt"; then
  grep -E 'is missing|start times differ|joined the schedule' "$work/report.txt" >&2
  fail "shard warnings on a clean run"
fi
run_ids=$(grep -ho '^run [^:]*' "$work"/shard-*.log | sort -u | wc -l)
[ "$run_ids" = 1 ] || fail "the shards wrote $run_ids different run ids"
for i in 0 1 2; do
  grep -q "shard $i/3: ran 6 of the schedule's 18 users" "$work/shard-$i.log" || fail "shard $i did not report its share"
done
echo "e2e-shards: PASS: three containers ($engine, image $image) wrote one run of $(grep -o '"rows": *[0-9]*' "$work/report.json" | head -1 | grep -o '[0-9]*$') rows; llmrep merged them with no shard warning"
