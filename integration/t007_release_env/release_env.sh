#!/usr/bin/env bash
# `enode run` configured as a release is, from RELEASE_NODE, RELEASE_COOKIE,
# RELEASE_DISTRIBUTION and ERL_EPMD_PORT (as in the Docker image), and `--connect` keeping
# it connected to a BEAM node that comes later and restarts. The BEAM side checks.
# usage: release_env.sh ENODE    (ERL_EPMD_PORT: a port where nothing listens)
set -u
enode=$1
export ERL_EPMD_PORT=${ERL_EPMD_PORT:-4491}
host=$(hostname -s)
source "$(dirname "$0")/../common/checks.sh"
# erl on this host with a cookie, evaluating an expression that prints its answer.
beam() { # sname cookie expr
  erl -noshell -sname "$1" -setcookie "$2" -eval "$3" -s init stop 2>&1
}

# The name and cookie from the environment; --connect to a BEAM node not there yet.
RELEASE_NODE=relenv RELEASE_COOKIE=relcookie \
  "$enode" run --ticktime 10 --connect "relpeer@$host" >"$work/enode.log" 2>&1 &
pids+=($!)
check "enode run takes its name from RELEASE_NODE (short names by default)" \
  wait_for "$work/enode.log" "enode relenv@$host ready" 20

answer=$(beam probe1 relcookie "io:format(\"~p~n\", [net_adm:ping('relenv@$host')])")
check "an Erlang node with RELEASE_COOKIE's cookie gets pong ($answer)" test "$answer" = pong
answer=$(beam probe2 othercookie "io:format(\"~p~n\", [net_adm:ping('relenv@$host')])")
check "an Erlang node with another cookie gets pang ($answer)" test "$answer" = pang

answer=$(RELEASE_COOKIE=relcookie "$enode" ping relenv)
check "enode ping NAME: this host, RELEASE_COOKIE's cookie ($answer)" test "$answer" = pong
answer=$(RELEASE_COOKIE=othercookie "$enode" ping relenv)
check "enode ping with another RELEASE_COOKIE: pang ($answer)" test "$answer" = pang

# --connect: a BEAM node that starts later sees enode connect to it, by itself; and again
# after it restarts.
peer_expr="
  Target = 'relenv@$host',
  Wait = fun W(0) -> timeout; W(N) -> case lists:member(Target, nodes()) of true -> connected; false -> timer:sleep(100), W(N - 1) end end,
  io:format(\"~p~n\", [Wait(200)])."
answer=$(beam relpeer relcookie "$peer_expr")
check "--connect: enode connects to a BEAM node that comes later ($answer)" test "$answer" = connected
answer=$(beam relpeer relcookie "$peer_expr")
check "--connect: and again when it restarts ($answer)" test "$answer" = connected

# Bad environment: a clear error, exit 2, nothing started.
out=$(RELEASE_NODE=x RELEASE_DISTRIBUTION=none "$enode" run 2>&1)
rc=$?
check "RELEASE_DISTRIBUTION=none is refused (exit $rc: $out)" \
  test $rc -eq 2 -a "${out#*needs distribution}" != "$out"
out=$(RELEASE_NODE=x RELEASE_DISTRIBUTION=longnames "$enode" run 2>&1)
rc=$?
check "RELEASE_DISTRIBUTION=longnames is refused (exit $rc: $out)" \
  test $rc -eq 2 -a "${out#*must be sname or name}" != "$out"
out=$(env -u RELEASE_NODE "$enode" run 2>&1)
rc=$?
check "no name at all: usage, exit 2 (exit $rc)" test $rc -eq 2
out=$("$enode" run --sname x --connect nohost 2>&1)
rc=$?
check "--connect with a malformed node name is refused (exit $rc: $out)" test $rc -eq 2

# A long name by address, as releases on Kubernetes name their nodes (NAME@POD_IP).
RELEASE_NODE=relip@127.0.0.1 RELEASE_DISTRIBUTION=name RELEASE_COOKIE=relcookie \
  "$enode" run >"$work/enode_ip.log" 2>&1 &
pids+=($!)
check "RELEASE_NODE=NAME@IP with RELEASE_DISTRIBUTION=name" wait_for "$work/enode_ip.log" "enode relip@127.0.0.1 ready" 20
answer=$(erl -noshell -name probe3@127.0.0.1 -setcookie relcookie \
  -eval "io:format(\"~p~n\", [net_adm:ping('relip@127.0.0.1')])" -s init stop 2>&1)
check "an Erlang node with a long name reaches it by address ($answer)" test "$answer" = pong

# A long name on a host whose name has no domain (a container's, often): a message that
# says what to do. (A UTS namespace of its own gives this run such a host name.)
if unshare -u true 2>/dev/null; then
  out=$(unshare -u sh -c "hostname nodomain && RELEASE_NODE=x RELEASE_DISTRIBUTION=name '$enode' run" 2>&1)
  rc=$?
  check "a long name without a domain says to use NAME@IP or short names (exit $rc: $out)" \
    test $rc -eq 1 -a "${out#*RELEASE_NODE=app@}" != "$out" -a "${out#*RELEASE_DISTRIBUTION=sname}" != "$out"
else
  echo "skipped: a host name without a domain (unshare -u is not permitted here)"
fi

if [ $failed -ne 0 ]; then
  echo "--- enode's log"
  cat "$work/enode.log"
  exit 1
fi
echo "all release_env checks passed"
