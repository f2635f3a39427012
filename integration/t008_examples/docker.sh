#!/usr/bin/env bash
# examples/docker as a user runs it: the Elixir release (app.Dockerfile) and the workers
# example (Dockerfile) in one compose project, configured by RELEASE_*; the release calls
# the C++ node by name (`bin/app rpc 'App.check()'`), which answers from its container.
# The workers image is the Dockerfile's runtime stage with the example built on this
# (bookworm) host put in, as the compose suite does with enode: no compile in Docker.
# Exit status 77 (skipped) when no Docker engine answers.
# usage: docker.sh SOURCE_DIR WORKERS ENODE
set -uo pipefail
src=$1 workers=$2 enode=$3
say() { echo "examples_docker: $*" >&2; }
if ! docker info >/dev/null 2>&1; then
  say "NO DOCKER ENGINE ANSWERS: SKIPPED"
  exit 77
fi
if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
dir=$src/examples/docker
project=enode_example_test
dc() { "${compose[@]}" -f "$dir/docker-compose.yml" -p "$project" "$@"; }
source "$(dirname "$0")/../common/checks.sh"
cleanup_extra() { dc down -v --remove-orphans >/dev/null 2>&1; }

"$src/scripts/docker-base" bookworm >/dev/null || { say "cannot make the Debian base image"; exit 1; }
strip -o "$work/workers" "$workers" && strip -o "$work/enode" "$enode" || exit 1
printf 'FROM enode-example-workers:runtime\nCOPY workers enode /usr/local/bin/\n' >"$work/Dockerfile"
check "the workers image: the Dockerfile's runtime stage" \
  bash -c "docker build -q --target runtime -t enode-example-workers:runtime -f '$dir/Dockerfile' '$dir' >'$work/runtime.log' 2>&1"
check "with the example built on this host" \
  bash -c "docker build -q -t enode-example-workers '$work' >'$work/prebuilt.log' 2>&1"
check "the Elixir release's image (mix release)" \
  bash -c "docker build -q -t enode-example-app -f '$dir/app.Dockerfile' '$dir' >'$work/app.log' 2>&1" ||
  cat "$work/app.log"

check "docker compose up: workers healthy, then the release" dc up -d --no-build
answer=""
for ((i = 0; i < 60; i++)); do
  answer=$(dc exec -T app /opt/app/bin/app rpc 'IO.inspect(App.check())' 2>&1) && break
  sleep 1
done
check "the release calls the C++ node by name ($answer)" \
  test "$answer" = '%{counter: 5, mul: 42, stats: %{max: 10, mean: 4.125}}'
if [ $failed -ne 0 ]; then dc logs --no-color 2>&1 | tail -40; fi
exit $failed
