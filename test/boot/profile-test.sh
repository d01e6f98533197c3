#!/usr/bin/env bash
# ctest profile: scripts/profile in a quick form (the status server under a few seconds of
# requests, the image already built) must print a list of hottest functions whose every named
# entry is a function of the status server's own ELF file (nm of build/user/httpd), with at
# least one named, and write folded stacks `StatusServer;<callers...>;<function> <count>`
# whose every frame is a function of that file and that add up to the samples it reported.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
fail() { echo "profile-test: FAIL: $*" >&2; exit 1; }

out_dir=$BUILD_DIR/test/profile
mkdir -p "$out_dir"
folded=$out_dir/StatusServer.folded
rm -f "$folded"
# Under TCG, as every boot test: scripts/profile's default is KVM wherever /dev/kvm opens, and
# under some nested KVM the firmware's disk reads make GRUB alone take minutes to load the image
# (seen: no kernel line within 150 s, where TCG boots it in seconds).
out=$(BUILD_DIR=$BUILD_DIR bash "$ROOT/scripts/profile" --no-build --seconds 5 --cpus 2 \
  --accel tcg --boot-timeout 150 --log "$out_dir/serial.log" --folded "$folded") ||
  fail "scripts/profile failed (log: $out_dir/serial.log)"
echo "$out"

total=$(sed -n 's/^profile of StatusServer (httpd, pid [0-9]*): \([0-9]*\) samples.*/\1/p' <<<"$out")
[[ -n $total ]] || fail "no report header for StatusServer"
funcs=$(nm --defined-only "$BUILD_DIR/user/httpd" | awk '$2 ~ /^[tTwW]$/ { print $3 }' | sort -u)
named=0
while read -r share count name; do
  [[ $share == *% ]] || continue
  [[ $name == "[unknown]" ]] && continue
  grep -qxF -- "$name" <<<"$funcs" || fail "'$name' is not a function of build/user/httpd"
  named=$((named + 1))
done <<<"$out"
((named > 0)) || fail "no sample was named"
[[ -s $folded ]] || fail "no folded stacks in $folded"
# Every frame of every stack, callers included, is one of the program's functions too.
while read -r frame; do
  [[ $frame == StatusServer || $frame == "[unknown]" ]] && continue
  grep -qxF -- "$frame" <<<"$funcs" || fail "folded frame '$frame' is not a function of build/user/httpd"
done < <(awk '{ $NF = ""; print }' "$folded" | tr ';' '\n' | sed 's/ *$//' | sort -u)
sum=$(awk '$1 !~ /^StatusServer;/ { bad = 1 } { s += $NF } END { print bad ? -1 : s }' "$folded")
((sum == total)) || fail "folded stacks hold $sum samples, the report $total"
echo "profile-test: ok: $named functions named, $total samples"
