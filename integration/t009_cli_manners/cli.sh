#!/usr/bin/env bash
# The enode command's manners: help for every command (`enode CMD --help`, `enode help
# CMD`), the exit codes in the top-level help, `--version`, unknown options pointing at
# --help, Erlang-syntax errors with line and column, and a refusal by a BEAM node with
# another cookie named as probably a cookie mismatch (by ping and by call).
# usage: cli.sh ENODE     (ERL_EPMD_PORT: a port where nothing listens)
set -u
enode=$1
export ERL_EPMD_PORT=${ERL_EPMD_PORT:-4497}
host=$(hostname -s)
source "$(dirname "$0")/../common/checks.sh"

for cmd in run ping call names epmd etf; do
  out=$("$enode" "$cmd" --help 2>&1)
  rc=$?
  check "enode $cmd --help: its usage, exit 0 (exit $rc)" test $rc -eq 0
  check "enode $cmd --help: a usage naming enode $cmd" bash -c "grep -q 'usage:' <<<\"\$0\" && grep -q \"enode $cmd \" <<<\"\$0\"" "$out"
  out2=$("$enode" help "$cmd" 2>&1)
  check "enode help $cmd: the same text" test "$out2" = "$out"
done
out=$("$enode" help 2>&1)
check "the top-level help lists the exit codes" has "$out" "exit status:"
out=$("$enode" --version 2>&1)
check "enode --version ($out)" grep -qxE 'enode [0-9]+\.[0-9]+\.[0-9]+' <<<"$out"
check "enode version: the same" test "$("$enode" version)" = "$out"

for cmd in run ping call names epmd; do
  out=$("$enode" "$cmd" --bogus x 2>&1)
  rc=$?
  check "enode $cmd --bogus: exit 2 ($rc)" test $rc -eq 2
  check "enode $cmd --bogus: points at --help ($out)" has "$out" "enode $cmd --help"
done
out=$("$enode" call "x@$host" m f '[1,
  {a b}]' 2>&1)
rc=$?
check "a malformed ARGS: exit 2 ($rc)" test $rc -eq 2
check "a malformed ARGS: line and column ($out)" has "$out" "line 2, column 6"
out=$(printf '{ok, [1,\n2 3]}' | "$enode" etf encode 2>&1)
check "etf encode of a malformed term: line and column ($out)" has "$out" "line 2, column 3"

# A BEAM node with another cookie refuses us: say it is probably the cookie.
"$enode" epmd >"$work/epmd.log" 2>&1 &
pids+=($!)
erl -noshell -sname cookieside -setcookie right -eval 'timer:sleep(infinity)' >"$work/erl.log" 2>&1 &
pids+=($!)
for ((i = 0; i < 100; i++)); do
  "$enode" names 2>/dev/null | grep -q cookieside && break
  sleep 0.1
done
out=$("$enode" ping cookieside --cookie wrong 2>&1)
rc=$?
check "ping with another cookie: pang, exit 1 ($rc)" bash -c "[ $rc -eq 1 ] && grep -qx pang <<<\"\$0\"" "$out"
check "ping with another cookie: probably a cookie mismatch ($out)" has "$out" "probably a cookie mismatch"
out=$("$enode" call cookieside erlang node '[]' --cookie wrong 2>&1)
rc=$?
check "call with another cookie: exit 1 ($rc)" test $rc -eq 1
check "call with another cookie: probably a cookie mismatch ($out)" has "$out" "probably a cookie mismatch"
out=$("$enode" call cookieside erlang node '[]' --cookie right 2>&1)
check "and with the right cookie, the answer ($out)" test "$out" = "cookieside@$host"

exit $failed
