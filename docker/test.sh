#!/usr/bin/env bash
# End-to-end container test (also `make docker-test`). Needs root (podman with runc) and network access
# to the Debian mirror and PyPI. Steps:
#   1. installs podman/runc/debootstrap when missing; builds a local Debian base image (cached in
#      docker/.base/) unless TOLK_BASE_IMAGE names one that can be pulled; builds the tolk and lb images;
#   2. runs one container, waits for gRPC health (cold start), streams the LibriVox sample through it with
#      `tolk translate --server` and checks finals + Spanish translations; then the same with the neural
#      engines (random-weight Whisper + Marian built here) from a read-only model store volume;
#   3. runs two replicas behind the nginx load balancer, streams through it (baseline), streams again in
#      real time and stops the replica serving it mid-stream: the client must reconnect and lose no final;
#   4. the compose wiring on a bridge network: two replicas under the DNS name "backend" behind the
#      balancer (TOLK_BACKENDS=backend:50051), which must spread calls over both.
# Prints image size and cold-start-to-healthy time; artifacts (jsonl, logs) go to $TOLK_TEST_OUT.
#
# Environment: TOLK_BASE_IMAGE (default: local debootstrap image), TOLK_TORCH_VARIANT (cpu|cuda|none,
# default cpu), TOLK_WHEEL_DIR (where a torch wheel for offline builds is, default /opt/wheels),
# TOLK_TEST_PORT (first of 5 loopback ports, default 50751), TOLK_TEST_OUT (default /tmp/tolk-docker-test).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

IMAGE="localhost/tolk:test"
LB_IMAGE="localhost/tolk-lb:test"
BASE_IMAGE="${TOLK_BASE_IMAGE:-localhost/debian:bookworm-slim}"
TORCH_VARIANT="${TOLK_TORCH_VARIANT:-cpu}"
WHEEL_DIR="${TOLK_WHEEL_DIR:-/opt/wheels}"
PORT0="${TOLK_TEST_PORT:-50751}"  # PORT0..PORT0+4; metrics on +100
SINGLE_PORT=$PORT0 REPLICA1_PORT=$((PORT0 + 1)) REPLICA2_PORT=$((PORT0 + 2)) LB_PORT=$((PORT0 + 3))
COMPOSE_PORT=$((PORT0 + 4))
OUT="${TOLK_TEST_OUT:-/tmp/tolk-docker-test}"
SAMPLE=samples/sense-and-sensibility.wav
TRANSCRIPT=samples/sense-and-sensibility.txt
HEALTH_TIMEOUT_S=180
STOP_AFTER_S=12
# Like the Kubernetes pod: read-only root filesystem (tmpfs /tmp), no capabilities, no privilege gain.
HARDENED=(--read-only --cap-drop ALL --security-opt no-new-privileges)
RUN=(podman run --runtime runc --network=host --detach)
CONTAINERS=()

say() { printf '\033[1m[docker-test] %s\033[0m\n' "$*" >&2; }
die() { say "FAIL: $*"; exit 1; }

cleanup() {
  local name
  for name in "${CONTAINERS[@]}"; do
    podman logs "$name" >"$OUT/$name.log" 2>&1 || true
    podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
  done
  podman network rm tolk-test-net >/dev/null 2>&1 || true
}
trap cleanup EXIT

ensure_tools() {
  local missing=() tool
  for tool in podman runc debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if ! grep -qs default_ulimits /etc/containers/containers.conf; then
    # runc in an unprivileged VM cannot raise RLIMIT_NOFILE to podman's default; keep the inherited one.
    mkdir -p /etc/containers
    printf '[containers]\ndefault_ulimits = []\n' >>/etc/containers/containers.conf
  fi
  [ -x .venv/bin/tolk ] || ./dev setup
}

stage_build_inputs() {
  # Offline torch wheel and this machine's CA bundle (for a TLS-intercepting proxy), builder stage only.
  local wheel cert
  wheel="$(ls "$WHEEL_DIR"/torch-*+"$TORCH_VARIANT"-*.whl 2>/dev/null | head -n1 || true)"
  if [ -n "$wheel" ] && [ ! -e "docker/wheels/$(basename "$wheel")" ]; then
    cp "$wheel" docker/wheels/
  fi
  cert="${PIP_CERT:-$(sed -n 's/^ *cert *= *//p' /etc/pip.conf 2>/dev/null | head -n1)}"
  if [ -n "$cert" ] && [ -f "$cert" ]; then cp "$cert" docker/certs/build-host-ca.crt; fi
}

build_images() {
  [ -n "${TOLK_BASE_IMAGE:-}" ] || docker/build-base.sh "$BASE_IMAGE"
  stage_build_inputs
  local args=(--runtime runc --network=host --format docker --build-arg "BASE_IMAGE=$BASE_IMAGE")
  say "building $IMAGE (TORCH_VARIANT=$TORCH_VARIANT)"
  podman build "${args[@]}" --build-arg "TORCH_VARIANT=$TORCH_VARIANT" -f docker/Dockerfile -t "$IMAGE" . \
    >"$OUT/build.log" 2>&1 || { tail -n 30 "$OUT/build.log" >&2; die "image build failed"; }
  say "building $LB_IMAGE"
  podman build "${args[@]}" -f docker/lb/Dockerfile -t "$LB_IMAGE" . >"$OUT/build-lb.log" 2>&1 \
    || { tail -n 30 "$OUT/build-lb.log" >&2; die "lb image build failed"; }
  say "image size: $(podman image inspect --format '{{.Size}}' "$IMAGE" | numfmt --to=si)B"
}

start_backend() {  # NAME PORT [PODMAN RUN ARGS...] (default: the tolk-test-models volume on /models)
  local name=$1 port=$2
  shift 2
  [ $# -gt 0 ] || set -- -v tolk-test-models:/models
  CONTAINERS+=("$name")
  podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
  "${RUN[@]}" "${HARDENED[@]}" --name "$name" -e TOLK_PORT="$port" -e TOLK_METRICS_PORT=$((port + 100)) \
    -e TOLK_GRACE_S=3 -e TOLK_AUTH_TOKENS= -e TOLK_INSECURE=1 "$@" "$IMAGE" >/dev/null 2>>"$OUT/podman.err"
}

elapsed_ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

wait_healthy() {  # NAME START_NS -> prints seconds from START_NS until the image's HEALTHCHECK passed
  while ! podman healthcheck run "$1" >/dev/null 2>&1; do
    [ "$(podman inspect --format '{{.State.Running}}' "$1")" = true ] \
      || { podman logs "$1" 2>&1 | tail -n 20 >&2; die "$1 exited before becoming healthy"; }
    [ "$(elapsed_ms "$2")" -lt $((HEALTH_TIMEOUT_S * 1000)) ] || die "$1 not healthy after ${HEALTH_TIMEOUT_S}s"
    sleep 0.2
  done
  local ms
  ms=$(elapsed_ms "$2")
  printf '%d.%d\n' $((ms / 1000)) $((ms % 1000 / 100))
}

translate() {  # PORT OUTFILE [extra args]
  local port=$1 out=$2
  shift 2
  .venv/bin/tolk translate "$SAMPLE" --server "127.0.0.1:$port" --from en --to es --format jsonl "$@" \
    >"$out" 2>"$out.err" || { cat "$out.err" >&2; die "tolk translate through :$port failed"; }
}

check() {
  .venv/bin/python tests/container/captions_check.py "$@" || die "caption check failed: $*"
}

check_metrics() {  # PORT: the Prometheus endpoint answers from outside the container and counted the stream
  local sessions
  sessions=$(.venv/bin/python - "$1" <<'PY'
import sys
import urllib.request

text = urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=5).read().decode()
print(sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith("tolk_sessions_total")))
PY
  ) || die "no metrics on :$1"
  [ "${sessions%.*}" -ge 1 ] || die "metrics on :$1 counted $sessions sessions, want >= 1"
  say "metrics on :$1: tolk_sessions_total=$sessions"
}

single_container() {
  say "single container on :$SINGLE_PORT"
  local start
  start=$(date +%s%N)
  start_backend tolk-test-single "$SINGLE_PORT"
  COLD_START_S=$(wait_healthy tolk-test-single "$start")
  say "cold start to healthy: ${COLD_START_S}s"
  translate "$SINGLE_PORT" "$OUT/single.jsonl"
  check single "$OUT/single.jsonl" --transcript "$TRANSCRIPT" --to es
  check_metrics $((SINGLE_PORT + 100))
  podman rm -f -t 5 tolk-test-single >/dev/null 2>&1
}

build_test_store() {  # DIR: random-weight Whisper + Marian checkpoints (no download) in a model store
  local store=$1 ckpt="$OUT/checkpoints"
  rm -rf "$store" "$ckpt"
  .venv/bin/python - "$ckpt" >"$OUT/synthetic.log" 2>&1 <<'PY' || die "building test checkpoints failed"
import sys
from pathlib import Path

from tolk.models.synthetic import build_marian, build_whisper

build_whisper(Path(sys.argv[1]) / "whisper")
build_marian(Path(sys.argv[1]) / "marian")
PY
  .venv/bin/tolk models --store "$store" import "$ckpt/whisper" --name whisper-test >/dev/null
  .venv/bin/tolk models --store "$store" import "$ckpt/marian" --name opus-mt-en-es >/dev/null
  chmod -R a+rX "$store"
}

neural_engines() {
  # The neural stack in the image (torch, transformers) with models from a read-only store volume.
  if [ "$TORCH_VARIANT" = none ]; then say "TORCH_VARIANT=none: no neural engines to check"; return; fi
  say "neural engines (random-weight Whisper + Marian) from a read-only model store on :$SINGLE_PORT"
  local store="$OUT/model-store" start
  build_test_store "$store"
  start=$(date +%s%N)
  start_backend tolk-test-neural "$SINGLE_PORT" -v "$store:/models:ro" \
    -e TOLK_ASR=whisper:whisper-test -e TOLK_MT=seq2seq:opus-mt-en-es
  NEURAL_START_S=$(wait_healthy tolk-test-neural "$start")
  say "neural engines: cold start to healthy ${NEURAL_START_S}s"
  translate "$SINGLE_PORT" "$OUT/neural.jsonl"
  check structure "$OUT/neural.jsonl" --to es
  podman rm -f -t 5 tolk-test-neural >/dev/null 2>&1
}

active_streams() {  # PORT -> established connections to it (the lb keeps none idle)
  ss -Htn state established "( sport = :$1 )" | wc -l
}

serving_replica() {  # -> NAME of the replica with the open stream, waits up to 10 s
  local _
  for _ in $(seq 1 20); do
    if [ "$(active_streams "$REPLICA1_PORT")" -gt 0 ]; then echo tolk-test-replica1; return; fi
    if [ "$(active_streams "$REPLICA2_PORT")" -gt 0 ]; then echo tolk-test-replica2; return; fi
    sleep 0.5
  done
  die "no replica has an open stream"
}

failover() {
  say "two replicas (:$REPLICA1_PORT, :$REPLICA2_PORT) behind the load balancer on :$LB_PORT"
  start_backend tolk-test-replica1 "$REPLICA1_PORT"
  start_backend tolk-test-replica2 "$REPLICA2_PORT"
  CONTAINERS+=(tolk-test-lb)
  podman rm -f -t 0 tolk-test-lb >/dev/null 2>&1 || true
  "${RUN[@]}" --name tolk-test-lb -e TOLK_LB_PORT="$LB_PORT" \
    -e TOLK_BACKENDS="127.0.0.1:$REPLICA1_PORT 127.0.0.1:$REPLICA2_PORT" "$LB_IMAGE" >/dev/null
  wait_healthy tolk-test-replica1 "$(date +%s%N)" >/dev/null
  wait_healthy tolk-test-replica2 "$(date +%s%N)" >/dev/null
  translate "$LB_PORT" "$OUT/baseline.jsonl"
  check single "$OUT/baseline.jsonl" --transcript "$TRANSCRIPT" --to es

  say "streaming in real time through the balancer; stopping the serving replica after ${STOP_AFTER_S}s"
  translate "$LB_PORT" "$OUT/interrupted.jsonl" --realtime &
  local client=$! victim
  sleep "$STOP_AFTER_S"
  victim=$(serving_replica)
  say "stopping $victim (SIGTERM: NOT_SERVING, streams get TOLK_GRACE_S, then cancelled)"
  podman stop -t 10 "$victim" >/dev/null 2>&1
  wait "$client" || die "client failed after $victim stopped"
  check failover "$OUT/baseline.jsonl" "$OUT/interrupted.jsonl" --to es --client-log "$OUT/interrupted.jsonl.err"
}

compose_topology() {
  # docker-compose.yml's wiring on a bridge network: replicas share the DNS name "backend", the balancer
  # gets TOLK_BACKENDS=backend:50051 and must spread streams over every address behind that name.
  local net=tolk-test-net name i
  say "compose topology: 2 replicas named 'backend' on network $net, balancer published on :$COMPOSE_PORT"
  podman network exists "$net" || podman network create "$net" >/dev/null
  for i in 1 2; do
    name=tolk-test-compose$i
    CONTAINERS+=("$name")
    podman rm -f -t 0 "$name" >/dev/null 2>&1 || true
    podman run --runtime runc --detach "${HARDENED[@]}" --name "$name" --network "$net" \
      --network-alias backend -v tolk-test-models:/models "$IMAGE" >/dev/null 2>>"$OUT/podman.err"
  done
  CONTAINERS+=(tolk-test-compose-lb)
  podman rm -f -t 0 tolk-test-compose-lb >/dev/null 2>&1 || true
  podman run --runtime runc --detach --name tolk-test-compose-lb --network "$net" \
    -p "127.0.0.1:$COMPOSE_PORT:50051" -e TOLK_BACKENDS=backend:50051 -e TOLK_LB_PORT=50051 \
    "$LB_IMAGE" >/dev/null
  wait_healthy tolk-test-compose1 "$(date +%s%N)" >/dev/null
  wait_healthy tolk-test-compose2 "$(date +%s%N)" >/dev/null
  for i in 1 2 3 4; do
    .venv/bin/python -m tolk.backend.healthcheck --target "127.0.0.1:$COMPOSE_PORT" || die "health through the balancer"
  done
  local spread
  spread=$(podman logs tolk-test-compose-lb 2>/dev/null | grep -o 'upstream=[0-9.:]*' | sort -u | wc -l)
  [ "$spread" -ge 2 ] || die "the balancer used $spread replica(s) behind 'backend', want 2"
  say "balancer spread calls over $spread replicas behind the name 'backend'"
}

mkdir -p "$OUT"
ensure_tools
build_images
single_container
neural_engines
failover
compose_topology
say "PASS  image $(podman image inspect --format '{{.Size}}' "$IMAGE" | numfmt --to=si)B," \
  "cold start to healthy ${COLD_START_S}s (neural engines ${NEURAL_START_S:-n/a}s); artifacts in $OUT"
