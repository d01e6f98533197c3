#!/usr/bin/env bash
# test/bench/bench-report-test.sh ROOT DIR: bench/report/report.sh on made-up logs: a Bastion
# number missing is "n/a" and fails only with --require-all; ratios, targets and the JSON are
# right; a missing Linux number always fails; --kvm judges no target.
set -uo pipefail
root=$1 dir=$2
rm -rf "$dir"; mkdir -p "$dir"
report=$root/bench/report/report.sh
fails=0 passes=0
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then passes=$((passes + 1)); else echo "FAIL: $what" >&2; fails=$((fails + 1)); fi
}

# Every Linux operation, with CRs and kernel noise as on a serial console.
{
  echo "[    0.1] Linux version 6.1"
  while IFS=$'\t' read -r _ l _ _; do
    [[ -z $l || $l == \#* || $l == - ]] && continue
    printf 'BENCH %s median=1000 min=900 n=10\r\n' "$l"
  done < "$root/bench/report/operations.tsv"
} >"$dir/linux.log"
printf 'BENCH null_syscall median=90 min=80 n=100\r\nBENCH ipc_rtt median=5000 min=4000 n=10\r\n' \
  >"$dir/bastion.log"
# As scripts/bench merges them: the monitored image's log, then the nomon image's, each with the
# boot row bench/bastion/run.sh appends.
printf 'BENCH boot median=500 min=500 n=1\nBENCH ipc_rtt_nomon median=2000 min=1900 n=10\n' >>"$dir/bastion.log"
printf 'BENCH boot_nomon median=400 min=400 n=1\n' >>"$dir/bastion.log"
printf 'BENCH core_call_flood median=3000 min=2000 n=10\n' >>"$dir/bastion.log"

"$report" --linux "$dir/linux.log" --bastion "$dir/bastion.log" --out "$dir/a" >"$dir/a.txt" 2>&1
check "partial Bastion numbers pass without --require-all" test $? -eq 0
check "null_syscall row: 90/80, 1000/900, ratio 0.090, target met" \
  grep -qE '^null_syscall +90/80 +1000/900 +0\.090 +100 met' "$dir/a.txt"
check "ipc_rtt row misses its relative target 0.25x" \
  grep -qE '^ipc_rtt +5000/4000 +1000/900 +5\.000 +0\.25x missed' "$dir/a.txt"
check "boot row beside Linux's boot_to_init, ratio 0.500, its target met" \
  grep -qE '^boot +500/500 +1000/900 +0\.500 +20000000 met' "$dir/a.txt"
check "boot_nomon row beside boot_to_init" grep -qE '^boot_nomon +400/400 +1000/900 +0\.400 ' "$dir/a.txt"
check "ipc_rtt_nomon row beside pipe_rtt, its target 1200 missed" \
  grep -qE '^ipc_rtt_nomon +2000/1900 +1000/900 +2\.000 +1200 missed' "$dir/a.txt"
check "core_call_nomon without a number says n/a" grep -qE '^core_call_nomon +n/a +1000/900 +n/a' "$dir/a.txt"
check "futex_rtt without a Bastion number says n/a" grep -qE '^futex_rtt +n/a +1000/900 +n/a +6000 n/a' "$dir/a.txt"
check "core_call_flood: a Bastion-only row, no Linux number asked for" \
  grep -qE '^core_call_flood +3000/2000 +- +- +- +-' "$dir/a.txt"
check "JSON has the ratio" grep -q '"ratio": 0.090' "$dir/a/bench.json"
check "JSON says null for a missing Bastion median" grep -q '"bastion": {"median": null' "$dir/a/bench.json"

# The network rows, as scripts/bench passes them: a second log per side.
printf 'BENCH http_get median=90000 min=88000 n=5\r\nBENCH tcp_bulk median=5120 min=5000 n=3\r\n' >"$dir/linux-net.log"
printf '[NetServer] BENCH http_get median=135000 min=130000 n=5\nBENCH tcp_bulk median=10240 min=10000 n=3\n' \
  >"$dir/bastion-net.log"
grep -v -e http_get -e tcp_bulk "$dir/linux.log" >"$dir/linux-base.log"
"$report" --linux "$dir/linux-base.log" --linux "$dir/linux-net.log" --bastion "$dir/bastion.log" \
  --bastion "$dir/bastion-net.log" --out "$dir/n" >"$dir/n.txt" 2>&1
check "two logs per side pass" test $? -eq 0
check "http_get at exactly 1.5x Linux meets its relative target" \
  grep -qE '^http_get +135000/130000 +90000/88000 +1\.500 +1\.5x met' "$dir/n.txt"
check "tcp_bulk row in ticks per KiB, no target" grep -qE '^tcp_bulk +10240/10000 +5120/5000 +2\.000 +- +-' "$dir/n.txt"
check "tcp_bulk throughput in MB/s (1,024,000 / ticks per KiB)" \
  grep -q 'MB/s of busy virtual time: Bastion 100.0, Linux 200.0' "$dir/n.txt"
check "JSON: the relative target as a string" grep -q '"target": "1.5x", "target_status": "met"' "$dir/n/bench.json"
printf 'BENCH http_get median=135001 min=130000 n=5\n' >"$dir/bastion-net2.log"
"$report" --linux "$dir/linux-base.log" --linux "$dir/linux-net.log" --bastion "$dir/bastion-net2.log" \
  --out "$dir/m" >"$dir/m.txt" 2>&1
check "http_get one tick over 1.5x misses it" grep -qE '^http_get +135001/130000 .* 1\.5x missed' "$dir/m.txt"

if command -v gnuplot >/dev/null; then
  check "the chart is a PNG" bash -c "head -c 4 '$dir/a/bench-ratios.png' | grep PNG >/dev/null"
fi

"$report" --linux "$dir/linux.log" --bastion "$dir/bastion.log" --out "$dir/b" --require-all >/dev/null 2>&1
check "--require-all fails while Bastion numbers are missing" test $? -ne 0

"$report" --linux "$dir/linux.log" --out "$dir/c" >/dev/null 2>&1
check "no Bastion log at all: still passes" test $? -eq 0

# Under KVM the ticks are cycles: the numbers and ratios stay, no row is judged by its target.
"$report" --linux "$dir/linux.log" --bastion "$dir/bastion.log" --out "$dir/k" --kvm >"$dir/k.txt" 2>&1
check "--kvm: null_syscall keeps its numbers, no verdict" \
  grep -qE '^null_syscall +90/80 +1000/900 +0\.090 +100 +-' "$dir/k.txt"
check "--kvm: the unit says TSC cycles under KVM" grep -q 'TSC cycles on the host CPU under KVM' "$dir/k.txt"
check "--kvm: JSON says the unit and no target status" \
  bash -c "grep -q '\"unit\": \"TSC cycles' '$dir/k/bench.json' && ! grep -q '\"target_status\": \"met\"' '$dir/k/bench.json'"

grep -v pipe_rtt "$dir/linux.log" >"$dir/linux-short.log"
"$report" --linux "$dir/linux-short.log" --out "$dir/d" >/dev/null 2>&1
check "a missing Linux number fails" test $? -ne 0

printf 'BENCH null_syscall median=abc min=1 n=1\n' >>"$dir/linux.log"
"$report" --linux "$dir/linux.log" --out "$dir/e" >/dev/null 2>&1
check "a malformed line fails" test $? -ne 0

echo "$passes passed, $fails failed"
((fails == 0))
