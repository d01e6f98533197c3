#!/usr/bin/env bash
# test/boot/os_result.sh: judge ONE in-OS test program from the serial log of the boot that ran
# them all (ctest os-tests writes build/test/os/os-tests.log; the ctests os/<program> read it),
# so that a failure names its program without a boot per program.
#
# Usage: os_result.sh --log LOG --expect-file FILE --program NAME
#
# The program's entries in FILE (test/os/expected.txt, format in os_tests.sh) are
#   - the result names NAME and NAME<digits> (os_ipc_many starts os_ipc_many1..4): each needs
#     its line "[<task>] <name>: N passed, 0 failed" with N > 0;
#   - the "re:" and "not:" lines that follow one of those names in FILE, up to the next name:
#     a "re:" regex must match some log line, a "not:" regex none.
# Fails, naming the entry, when one does not hold, when the program has no entry at all (a
# ctest that could never fail), and when the log is missing or shows a kernel PANIC. Prints the
# program's FAIL lines on failure.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$ROOT/scripts/lib/bootlog.sh"

log='' expect_file='' program=''
while (($#)); do
  case $1 in
    --log) log=$2; shift 2 ;;
    --expect-file) expect_file=$2; shift 2 ;;
    --program) program=$2; shift 2 ;;
    *) echo "os_result: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n $log && -n $expect_file && -n $program ]] || { echo "os_result: --log, --expect-file and --program are required" >&2; exit 2; }
[[ -r $log ]] || { echo "FAIL $program: no log $log (the boot test os-tests writes it)"; exit 1; }

# The program's entries: its result names, and the re:/not: lines grouped under them.
names=() regexes=() forbidden=()
mine=0
while IFS= read -r line; do
  if [[ $line == re:* || $line == not:* || $line == no:* ]]; then
    ((mine)) || continue
    case $line in
      re:*) regexes+=("${line#re:}") ;;
      not:*) forbidden+=("${line#not:}") ;;
      no:*) forbidden+=("${line#no:}") ;;
    esac
    continue
  fi
  line=${line%%#*}
  line=${line//[[:space:]]/}
  [[ -n $line ]] || continue
  if [[ $line =~ ^${program}[0-9]*$ ]]; then mine=1; names+=("$line"); else mine=0; fi
done <"$expect_file"
((${#names[@]})) || { echo "FAIL $program: no result name for it in $expect_file"; exit 1; }

text=$(bastion_log_text "$log")
problems=()
panic=$(grep -m1 -E '^PANIC' <<<"$text")
[[ -z $panic ]] || problems+=("the kernel panicked during the boot: $panic")
for n in "${names[@]}"; do
  line=$(grep -m1 -E "$BASTION_USER_LINE$n: [0-9]+ passed, [0-9]+ failed" <<<"$text")
  if [[ -z $line ]]; then problems+=("$n: no result line"); continue; fi
  echo "$line"
  [[ $line =~ :\ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]
  if ((BASH_REMATCH[1] == 0)); then problems+=("$n: nothing passed"); fi
  if ((BASH_REMATCH[2] > 0)); then problems+=("$n: ${BASH_REMATCH[2]} failed"); fi
done
for r in "${regexes[@]}"; do
  grep -qE -- "$r" <<<"$text" || problems+=("no line matches $r")
done
for r in "${forbidden[@]}"; do
  line=$(grep -m1 -E -- "$r" <<<"$text")
  [[ -z $line ]] || problems+=("a forbidden line matches $r: $line")
done

if ((${#problems[@]} == 0)); then
  echo "PASS $program: ${#names[@]} result line(s), ${#regexes[@]} expected and ${#forbidden[@]} forbidden line(s) checked"
  exit 0
fi
echo "---- $program's FAIL lines ----"
for n in "${names[@]}"; do grep -E "$BASTION_USER_LINE$n: FAIL" <<<"$text"; done | head -n 60
for p in "${problems[@]}"; do echo "FAIL $program: $p"; done
echo "serial log: $log"
exit 1
