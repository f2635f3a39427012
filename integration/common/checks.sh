# What the shell scenarios share; `source` it after `set -u`. It gives a scenario:
#   work   a directory of its own, removed at exit
#   pids   the background processes to kill at exit (append with pids+=($!))
#   failed 1 once a check failed: `exit $failed` at the end
#   cleanup_extra   called first at exit; a scenario redefines it for its own teardown
#   check DESCRIPTION COMMAND...   "ok: ..." or "FAIL: ..." by the command's status
#   has TEXT PART                  whether TEXT contains PART
#   wait_for FILE PATTERN SECONDS  until a line of FILE matches
#   wait_gone PID SECONDS          until a child ends; its status in $gone_status
work=$(mktemp -d)
pids=()
failed=0
gone_status=
cleanup_extra() { :; }
checks_cleanup() {
  cleanup_extra
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap checks_cleanup EXIT
check() {
  local what=$1
  shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failed=1; fi
}
has() { [ "${1#*"$2"}" != "$1" ]; }
wait_for() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
wait_gone() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    if ! kill -0 "$1" 2>/dev/null; then
      wait "$1"
      gone_status=$?
      return 0
    fi
    sleep 0.1
  done
  return 1
}
