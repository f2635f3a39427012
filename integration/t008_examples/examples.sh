#!/usr/bin/env bash
# The examples run against a real Elixir node, asserting on the BEAM side (examples.exs)
# and on what the programs print:
#   - `workers` starts first and serves EPMD; an Elixir node registers with it and calls
#     mathx:mul/2, mathx:stats/1 and the counter gen_server;
#   - `client` calls a GenServer of that Elixir node and prints the answer;
#   - `workers` with ELIXIR_NODE calls String.upcase/1 there at start;
#   - `workers` stopped with SIGTERM hands its EPMD over: the Elixir node stays reachable
#     by name (`enode ping`, and Node.ping from a new node).
# usage: examples.sh ENODE WORKERS CLIENT     (ERL_EPMD_PORT: a port where nothing listens)
set -u
enode=$1 workers=$2 client=$3
here=$(cd "$(dirname "$0")" && pwd)
export ERL_EPMD_PORT=${ERL_EPMD_PORT:-4493}
host=$(hostname -s)
cookie=excookie
source "$here/../common/checks.sh"
cleanup_extra() { RELEASE_COOKIE=$cookie timeout 10 "$enode" call "ex@$host" init stop '[]' >/dev/null 2>&1; }

RELEASE_NODE=workers RELEASE_COOKIE=$cookie "$workers" >"$work/workers.log" 2>&1 &
wpid=$!
pids+=($wpid)
check "workers starts, named by RELEASE_NODE" wait_for "$work/workers.log" "workers workers@$host ready" 30
check "workers serves EPMD (none ran on $ERL_EPMD_PORT)" grep -q "serving EPMD" "$work/workers.log"

elixir --erl "-start_epmd false" --sname ex --cookie "$cookie" "$here/examples.exs" "workers@$host" >"$work/ex.log" 2>&1 &
pids+=($!)
check "the Elixir node registers with workers' EPMD and runs its checks" wait_for "$work/ex.log" "greeter ready" 60
cat "$work/ex.log"
check "every check of the Elixir node passed" bash -c "! grep -q FAIL '$work/ex.log' && grep -q '^ok: ' '$work/ex.log'"

answer=$(RELEASE_COOKIE=$cookie "$client" "ex@$host" Greeter '{greet, <<"Ada">>}' 2>"$work/client.err")
check "client: GenServer.call of the Elixir Greeter ($answer)" test "$answer" = '<<"Hello, Ada">>'
answer=$(RELEASE_COOKIE=$cookie "$client" "ex@$host" Greeter count 2>"$work/client.err")
check "the Elixir side counted one greeting ($answer)" test "$answer" = 1
answer=$(RELEASE_COOKIE=$cookie "$client" "ex@$host" Nobody count 2>&1)
rc=$?
check "client: a server that is not there fails (exit $rc: $answer)" test $rc -eq 1

RELEASE_NODE=workers2 RELEASE_COOKIE=$cookie ELIXIR_NODE=ex@$host "$workers" >"$work/workers2.log" 2>&1 &
w2=$!
pids+=($w2)
check "workers calls an Elixir function at start" \
  wait_for "$work/workers2.log" "ex@$host answered <<\"HELLO FROM C++\">>" 30
kill -TERM "$w2"

kill -TERM "$wpid"
check "workers stops on SIGTERM" wait_gone "$wpid" 30
check "with status 0 (${gone_status:-none})" test "${gone_status:-1}" = 0
cat "$work/workers.log"
check "workers handed its EPMD over" grep -q "EPMD handed over" "$work/workers.log"
answer=$(RELEASE_COOKIE=$cookie "$enode" ping ex 2>&1)
check "the Elixir node is still reachable by name: enode ping ($answer)" test "$answer" = pong
answer=$(elixir --erl "-start_epmd false" --sname probe --cookie "$cookie" -e "IO.puts(Node.ping(:\"ex@$host\"))" 2>&1)
check "and from a new Elixir node ($answer)" test "$answer" = pong

exit $failed
