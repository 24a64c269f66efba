#!/usr/bin/env bash
# The image as users run it (CI's `image` job; needs Docker): with its
# defaults, with `--listen` on another port, and under `docker run --init`,
# its HEALTHCHECK must turn healthy, and `docker stop` must end it with
# status 0 (SIGTERM handled as PID 1 and under an init).
#
#   bash .ci/container-smoke.sh localelements:ci
set -euo pipefail
image=${1:?usage: $0 <image>}
names=()
cleanup() {
  for name in "${names[@]}"; do
    docker rm -f "$name" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

fail() {
  local name=$1
  shift
  echo "$name: $*" >&2
  docker inspect --format '{{json .State.Health}}' "$name" >&2 || true
  docker logs "$name" >&2 || true
  exit 1
}

# check NAME DOCKER-RUN-ARGUMENTS...
check() {
  local name=$1 status=
  shift
  names+=("$name")
  docker run --detach --name "$name" "$@" >/dev/null
  # The image checks every 10 s after a 10 s start period and gives up
  # after 3 failures: healthy or unhealthy well within 90 s.
  for _ in $(seq 90); do
    status=$(docker inspect --format '{{.State.Health.Status}}' "$name")
    case $status in
      healthy) break ;;
      unhealthy) fail "$name" "unhealthy" ;;
    esac
    sleep 1
  done
  [ "$status" = healthy ] || fail "$name" "still $status after 90 s"
  echo "$name: healthy"
  docker stop "$name" >/dev/null
  local code
  code=$(docker inspect --format '{{.State.ExitCode}}' "$name")
  [ "$code" = 0 ] || fail "$name" "exit status $code after docker stop"
  echo "$name: stopped with status 0"
}

check le-defaults "$image" --database :memory:
check le-listen "$image" --listen 0.0.0.0:9000 --database :memory:
check le-init --init "$image" --listen 0.0.0.0:9001 --database :memory:
