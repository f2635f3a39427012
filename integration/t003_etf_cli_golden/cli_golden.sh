#!/usr/bin/env bash
# The enode command on the golden vectors of proto/etf (made by a real BEAM):
#   - `enode etf roundtrip` (with the vector's compression) is byte-identical for every
#     canonical vector;
#   - `enode etf decode` prints exactly OTP's ~p text for every vector that has one;
#   - `enode etf encode` of every parseable text reproduces a canonical vector's bytes.
# With ENODE_TEST_SCALE=small (sanitizer builds, where each of the ~800 runs of enode
# costs a sanitized process start) every third vector is taken, the same checks on each.
# usage: cli_golden.sh ENODE_BINARY PROTO_ETF_DIR
set -uo pipefail
enode=$1
dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

vectors=0 roundtrips=0 prints=0 encodes=0 failures=0
every=1 seen=0
[ "${ENODE_TEST_SCALE:-}" = small ] && every=3
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

while IFS=$'\t' read -r name opts flags; do
  case $name in '#'*|'') continue ;; esac
  seen=$((seen + 1))
  [ $((seen % every)) -eq 0 ] || [ "$every" -eq 1 ] || continue
  vectors=$((vectors + 1))
  level=()
  case $opts in
    *'{compressed,'*) l=${opts#*\{compressed,}; level=(--compressed="${l%%\}*}") ;;
    *compressed*) level=(--compressed) ;;
  esac
  if [[ ",$flags," == *,canonical,* ]]; then
    "$enode" etf roundtrip "${level[@]}" < "$dir/$name.etf" > "$tmp/out" || fail "$name: roundtrip exited $?"
    cmp -s "$tmp/out" "$dir/$name.etf" && roundtrips=$((roundtrips + 1)) || fail "$name: roundtrip bytes differ"
    if [[ ",$flags," == *,parse,* ]]; then
      "$enode" etf encode "${level[@]}" < "$dir/$name.txt" > "$tmp/enc" || fail "$name: encode exited $?"
      cmp -s "$tmp/enc" "$dir/$name.etf" && encodes=$((encodes + 1)) || fail "$name: encode of the text differs"
    fi
  fi
  if [[ ",$flags," == *,pform,* ]]; then
    "$enode" etf decode < "$dir/$name.etf" > "$tmp/txt" || fail "$name: decode exited $?"
    cmp -s "$tmp/txt" "$dir/$name.p" && prints=$((prints + 1)) || fail "$name: printed form differs from ~p"
  fi
done < "$dir/MANIFEST"

# Bad input: a message on stderr and a non-zero exit.
printf '\x83\x6c\xff\xff\xff\xff\x61\x01\x6a\x00' | "$enode" etf decode > "$tmp/out" 2> "$tmp/err"
rc=$?
{ [ $rc -eq 1 ] && grep -q 'length exceeds' "$tmp/err" && [ ! -s "$tmp/out" ]; } || fail "hostile list header: rc=$rc $(cat "$tmp/err")"
echo '{unterminated' | "$enode" etf encode > "$tmp/out" 2> "$tmp/err"
rc=$?
{ [ $rc -eq 1 ] && grep -qE 'line [0-9]+, column [0-9]+: ' "$tmp/err"; } || fail "bad syntax: rc=$rc $(cat "$tmp/err")"
"$enode" etf decode --no-such-flag < /dev/null > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 2 ] || fail "unknown flag: rc=$rc"

echo "cli_golden: $vectors vectors, $roundtrips byte-identical roundtrips, $encodes encodes, $prints ~p prints, $failures failures"
[ "$failures" -eq 0 ] && [ "$roundtrips" -gt $((300 / every)) ] && [ "$prints" -gt $((200 / every)) ]
