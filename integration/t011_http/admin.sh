#!/usr/bin/env bash
# The admin endpoints as an operator uses them, as the README shows: `enode run --http`
# with a token file, curl, promtool, `enode info` and `enode processes`, with an Erlang
# node connected so that per-peer series appear; and the CLI's refusals.
# usage: admin.sh ENODE   (ERL_EPMD_PORT: a port where nothing listens)
set -u
enode=$1
source "$(dirname "$0")/../common/checks.sh"
command -v promtool >/dev/null || { echo "skip: promtool (Debian's prometheus) is not installed"; exit 77; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
name=adm_$RANDOM$$
host=$(hostname -s)
echo "s3cret-token" >"$work/token"
"$enode" run --sname "$name" --cookie c --http "127.0.0.1:$port" --http-token-file "$work/token" >"$work/enode.log" 2>&1 &
pids+=($!)
wait_for "$work/enode.log" "^enode $name@" 20 || { cat "$work/enode.log"; echo "FAIL: the node did not start"; exit 1; }
url=http://127.0.0.1:$port
auth=(-H "Authorization: Bearer s3cret-token")

health=$(curl -s -w ' %{http_code}' "$url/health")
check "/health answers 200 without the token, with the node's name: $health" has "$health" "\"node\":\"$name@$host\""
check "/health is 200" has "$health" "} 200"
check "/metrics without the token is 401" [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/metrics")" = 401 ]
check "/metrics with a wrong token is 401" \
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer nope' "$url/metrics")" = 401 ]

# An Erlang node that talks to enode, so that the distribution's series have a peer.
erl -noshell -start_epmd false -sname "peer_$name" -setcookie c -eval "
  N = list_to_atom(\"$name@$host\"), pong = net_adm:ping(N),
  [ok = gen_server:call({kv, N}, {put, I, I}) || I <- lists:seq(1, 100)],
  io:format(\"peer ready~n\"), receive after infinity -> ok end." >"$work/peer.log" 2>&1 &
pids+=($!)
wait_for "$work/peer.log" "peer ready" 30 || { cat "$work/peer.log"; echo "FAIL: the Erlang peer"; exit 1; }

curl -s "${auth[@]}" "$url/metrics" >"$work/metrics"
check "curl /metrics | promtool check metrics" bash -c "promtool check metrics <'$work/metrics'"
metrics=$(cat "$work/metrics")
check "enode_processes is there" has "$metrics" "enode_processes "
check "the peer's received messages are counted" has "$metrics" "enode_dist_messages_received_total{peer=\"peer_$name@$host\"}"
check "connections up: 1" has "$metrics" "enode_dist_connections 1"
check "scheduler busy time is there" has "$metrics" "enode_scheduler_busy_seconds_total "

procs=$(curl -s "${auth[@]}" "$url/api/processes?sort=mq&limit=5")
check "/api/processes lists kv's supervisor and sorts by mq" python3 -c "
import json, sys; d = json.loads(sys.argv[1])
assert d['total'] >= 10 and d['sort'] == 'mq' and len(d['processes']) == 5, d
q = [p['message_queue_len'] for p in d['processes']]; assert q == sorted(q, reverse=True), q" "$procs"
kv=$(curl -s "${auth[@]}" "$url/api/processes?sort=pid&limit=100" |
  python3 -c "import json, sys; print([p['pid'] for p in json.load(sys.stdin)['processes'] if p['name'] == 'kv'][0])")
one=$(curl -s "${auth[@]}" "$url/api/processes/$(python3 -c "import urllib.parse, sys; print(urllib.parse.quote(sys.argv[1]))" "$kv")")
check "/api/processes/$kv has kv's links and dictionary" python3 -c "
import json, sys; d = json.loads(sys.argv[1]); assert d['name'] == 'kv' and len(d['links']) == 1 and d['dictionary'], d" "$one"
check "/api/processes/<0.99999.0> is 404" \
  [ "$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$url/api/processes/%3C0.99999.0%3E")" = 404 ]
conns=$(curl -s "$url/api/connections?access_token=s3cret-token")
check "/api/connections (token as a query parameter) lists the peer" has "$conns" "\"node\":\"peer_$name@$host\""
nodes=$(curl -s "${auth[@]}" "$url/api/nodes")
check "/api/nodes lists it as visible" has "$nodes" "\"visible\":[\"peer_$name@$host\"]"
check "a POST is 405" [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "${auth[@]}" "$url/metrics")" = 405 ]
check "an unknown path is 404" [ "$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" "$url/nope")" = 404 ]

info=$("$enode" info "$name" --cookie c)
check "enode info: uptime, processes, the peer" bash -c "[[ '$info' == *uptime* && '$info' == *processes* && '$info' == *peer_$name@$host* ]]"
list=$("$enode" processes "$name" --cookie c --sort reductions --limit 5)
check "enode processes --sort reductions --limit 5: a header and 5 rows" \
  [ "$(printf '%s\n' "$list" | grep -c '^<0\.')" = 5 ]
check "enode processes shows its (5 of N) total" has "$list" "processes)"
beam=$("$enode" info "peer_$name" --cookie c)
check "enode info works on a BEAM node too" has "$beam" "peer_$name@$host"

bad=$("$enode" run --sname x --http nonsense 2>&1)
check "--http nonsense is refused (exit 2) and says why" bash -c "'$enode' run --sname x --http nonsense >/dev/null 2>&1; [ \$? = 2 ] && [[ '$bad' == *'bad --http'* ]]"
bad=$("$enode" run --sname x --http 9 --http-token-file "$work/missing" 2>&1)
check "a missing token file is refused" has "$bad" "cannot read the token file"
bad=$("$enode" run --sname x --http-token-file "$work/token" 2>&1)
check "--http-token-file without --http is refused" has "$bad" "needs --http"
exit $failed
