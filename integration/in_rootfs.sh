#!/usr/bin/env bash
# Runs an integration scenario under another Erlang/OTP release: inside ROOTFS (made by
# scripts/otp-rootfs), with copies of the enode binary and of integration/.
# usage: in_rootfs.sh ROOTFS ENODE_BINARY SCENARIO_FILE [ARGS...]
#   SCENARIO_FILE is relative to integration/, e.g. t001_etf_differential/roundtrip.escript;
#   it runs as `escript SCENARIO_FILE ENODE ARGS...` (`bash ...` for a .sh) and its exit
#   status is ours. An ARG that is an executable file (another helper program) is copied
#   in as well.
#   The environment (ERL_EPMD_PORT, ...) passes through.
set -euo pipefail
rootfs=$1 enode=$2 scenario=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$rootfs/usr/bin/escript" ] || { echo "in_rootfs: no Erlang in $rootfs" >&2; exit 1; }
# The chroot shares this host's network: its names must resolve as here (distribution
# dials node names' hosts; EPMD clients dial localhost).
cp /etc/hosts "$rootfs/etc/hosts"
work=$(mktemp -d "$rootfs/tmp/enode-it.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$enode" "$work/enode"
cp -r "$here" "$work/integration"
inside=${work#"$rootfs"}
echo "OTP $(chroot "$rootfs" erl -noshell -eval 'io:put_chars(erlang:system_info(otp_release)), halt().') in $rootfs"
args=()
for a in "$@"; do
  if [ -f "$a" ] && [ -x "$a" ]; then
    cp "$a" "$work/$(basename "$a")"
    args+=("$inside/$(basename "$a")")
  else
    args+=("$a")
  fi
done
runner=escript
[[ $scenario == *.sh ]] && runner=bash
chroot "$rootfs" "$runner" "$inside/integration/$scenario" "$inside/enode" "${args[@]}"
