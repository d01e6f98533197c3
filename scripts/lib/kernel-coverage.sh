#!/usr/bin/env bash
# scripts/lib/kernel-coverage.sh BUILD TIMEOUT_S HTML_DIR SUITE: the --kernel mode of
# scripts/coverage (its header says what it does). BUILD is 1 to build the image first, HTML_DIR
# may be empty, SUITE is "all" (the whole in-OS suite: bastion-kcov-os-all.iso, the programs of
# test/os/expected.txt, 4 CPUs and 2 GiB as the os-tests boot) or "quick" (a share:
# bastion-kcov-os.iso, test/os/kcov-os-expected.txt, 2 CPUs and 512 MiB).
# Prints "kernel-coverage: N records" and the table; the last line is the total of kern/.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
build=$1 timeout_s=$2 html=$3 suite=${4:-all}
case $suite in
  all) target=iso-kcov-os-all iso_name=bastion-kcov-os-all.iso expected=expected.txt cpus=4 mem=2G ;;
  quick) target=iso-kcov-os iso_name=bastion-kcov-os.iso expected=kcov-os-expected.txt cpus=2 mem=512M ;;
  *) echo "kernel-coverage: unknown suite $suite" >&2; exit 2 ;;
esac
source "$ROOT/scripts/lib/qemu.sh"
command -v gcovr >/dev/null || { echo "kernel-coverage: gcovr is missing (scripts/deps installs it)" >&2; exit 1; }

if ((build)); then
  [[ -f $BUILD_DIR/CMakeCache.txt ]] || BASTION_SKIP_DEPS=1 "$ROOT/scripts/build" --quiet
  cmake --build "$BUILD_DIR" --target "$target" >/dev/null
fi
iso=$BUILD_DIR/$iso_name
objdir=$BUILD_DIR/kern/CMakeFiles/kernel-kcov-objs.dir
[[ -f $iso && -d $objdir ]] || { echo "kernel-coverage: no $iso or $objdir (build target $target)" >&2; exit 1; }

out=$BUILD_DIR/kernel-coverage
mkdir -p "$out"
log=$out/kcov-os-$suite.log
mapfile -t programs < <(grep -vE '^(#|re:|not:|$)' "$ROOT/test/os/$expected")

echo "kernel-coverage: booting $iso (tcg, -smp $cpus, -m $mem, ${#programs[@]} programs, up to ${timeout_s}s; log: $log)"
bastion_boot_start kcov-os "$iso" "$log" bios tcg pc "$cpus" "$mem" "$timeout_s" ||
  { echo "kernel-coverage: $BASTION_BOOT_ERROR" >&2; exit 1; }

# The records to take: the first flush that ends after the last program's result line (the
# counters are live, so that flush holds all the programs' work). cut = its line number.
fatal='^(PANIC|EXCEPTION)|^security: the KSM .* is gone|os_gcov_flush: flush [0-9]+ failed'
cut='' start=$SECONDS
while :; do
  mapfile -t lines < <(tr -d '\r' <"$log" 2>/dev/null)
  if printf '%s\n' "${lines[@]}" | grep -E "$fatal" >/dev/null; then
    printf '%s\n' "${lines[@]}" | grep -E "$fatal" | head -n 3 >&2
    echo "kernel-coverage: FAIL: the boot failed (log: $log)" >&2
    exit 1
  fi
  last=-1 missing=0
  for p in "${programs[@]}"; do
    n=$(printf '%s\n' "${lines[@]}" | grep -nE "^\[[^]]*\] $p: [0-9]+ passed, [0-9]+ failed" | head -n 1 | cut -d: -f1 || true)
    if [[ -z $n ]]; then missing=1; break; fi
    ((n > last)) && last=$n
  done
  if ((!missing)); then
    cut=$(printf '%s\n' "${lines[@]}" | awk -v from="$last" 'NR > from && /\] os_gcov_flush: flush [0-9]+ done$/ { print NR; exit }')
    [[ -n $cut ]] && break
  fi
  kill -0 "$BASTION_BOOT_PID" 2>/dev/null || break
  ((SECONDS - start < timeout_s + 10)) || break
  sleep 2
done
bastion_boot_cleanup
BASTION_BOOT_PID='' BASTION_BOOT_WORKDIR=''
if [[ -z $cut && $suite == all ]]; then
  # The whole suite: a program that never ends on this kernel must not cost the report of the
  # others; the last complete flush is taken, and the missing programs named.
  cut=$(printf '%s\n' "${lines[@]}" | awk '/\] os_gcov_flush: flush [0-9]+ done$/ { n = NR } END { if (n) print n }')
  if [[ -n $cut ]]; then
    absent=()
    for p in "${programs[@]}"; do
      printf '%s\n' "${lines[@]}" | grep -E "^\[[^]]*\] $p: [0-9]+ passed, [0-9]+ failed" >/dev/null || absent+=("$p")
    done
    echo "kernel-coverage: warning: no result line within ${timeout_s}s from: ${absent[*]}; taking the last flush" >&2
  fi
fi
if [[ -z $cut ]]; then
  echo "kernel-coverage: FAIL: no flush of the kernel's records after every program's result line within ${timeout_s}s (programs: ${programs[*]}; log: $log)" >&2
  exit 1
fi
printf '%s\n' "${lines[@]}" | grep -E "^\[[^]]*\] ($(IFS='|'; echo "${programs[*]}")): [0-9]+ passed" | sed 's/^/kernel-coverage: /' || true

records=$out/gcda
rm -rf "$records"
head -n "$cut" "$log" >"$out/flush.log"
python3 "$ROOT/scripts/gcov-extract" "$out/flush.log" "$records" >"$out/extract.txt" 2>&1 || {
  cat "$out/extract.txt" >&2
  echo "kernel-coverage: FAIL: a frame of the flush was cut or corrupt" >&2
  exit 1
}
# The records are named after gcc's .gcda path without its leading "/": the objects' folder
# again under $records. The .gcno files the compiler wrote go beside them.
gcda_dir=$records/${objdir#/}
n=$(find "$gcda_dir" -name '*.gcda' 2>/dev/null | wc -l)
((n > 0)) || { echo "kernel-coverage: FAIL: no kernel gcda record in the flush (log: $log)" >&2; exit 1; }
(cd "$objdir" && find . -name '*.gcno' -exec cp --parents {} "$gcda_dir/" \;)
echo "kernel-coverage: $n records of the kernel's objects"

filters=(-r "$ROOT" --object-directory "$gcda_dir" --filter "$ROOT/kern/" --gcov-ignore-parse-errors
         --exclude-unreachable-branches)
summary=$out/summary.json
(cd "$gcda_dir" && gcovr "${filters[@]}" --json-summary "$summary" "$gcda_dir" >/dev/null)
if [[ -n $html ]]; then
  mkdir -p "$html"
  (cd "$gcda_dir" && gcovr "${filters[@]}" --html-details "$(realpath "$html")/index.html" "$gcda_dir" >/dev/null)
  echo "kernel-coverage: HTML report in $html/index.html"
fi

python3 - "$summary" <<'PY'
import json, os, sys
files = json.load(open(sys.argv[1]))["files"]
folders = {}
for f in files:
    d = os.path.dirname(f["filename"]) or "."
    c, t = folders.get(d, (0, 0))
    folders[d] = (c + f["line_covered"], t + f["line_total"])

def pct(c, t):
    return 100.0 * c / t if t else 100.0

print(f"{'folder':40} {'lines':>7} {'run':>7} {'cover':>7}")
for d in sorted(folders):
    c, t = folders[d]
    print(f"{d:40} {t:7} {c:7} {pct(c, t):6.1f}%")
c = sum(v[0] for v in folders.values())
t = sum(v[1] for v in folders.values())
print(f"{'total kern/':40} {t:7} {c:7} {pct(c, t):6.1f}%")
PY
