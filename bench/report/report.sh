#!/usr/bin/env bash
# bench/report/report.sh: merge the Bastion and Linux benchmark logs into one table (terminal),
# a JSON file and a PNG chart of the Bastion/Linux ratios (gnuplot).
#
# Usage: bench/report/report.sh --linux LOG [--bastion LOG] [--out DIR] [--require-all]
#   --linux LOG     serial log of the Linux baseline (bench/linux/run.sh)
#   --bastion LOG   serial log of Bastion's benchmark programs; missing or absent file: every
#                   Bastion number is "n/a"
#   --out DIR       where bench.json and bench-ratios.png go (default: current folder)
#   --require-all   exit 1 when any row lacks a number (default: only a missing Linux number,
#                   or a malformed line, fails)
#   --kvm           the logs come from runs under KVM (scripts/bench --kvm): ticks are TSC
#                   cycles of the host's CPU, not instructions, so no row is judged against its
#                   target (the targets are path lengths under -icount)
#   --linux and --bastion may be given more than once (the network runs have logs of their own)
# Both logs hold lines "BENCH <name> median=<ticks> min=<ticks> n=<samples>" (anything else,
# such as kernel messages, is ignored). The rows come from operations.tsv beside this script.
# Needs bash, awk, and gnuplot for the chart only (skipped with a warning when missing).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

linux=() bastion=() out=. require_all=0 kvm=0
while (($#)); do
  case $1 in
    --linux) linux+=("$2"); shift 2 ;;
    --bastion) bastion+=("$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --require-all) require_all=1; shift ;;
    --kvm) kvm=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "report: unknown option '$1'" >&2; exit 2 ;;
  esac
done
((${#linux[@]})) || { echo "report: --linux LOG is required" >&2; exit 2; }
for f in "${linux[@]}"; do
  [[ -r $f ]] || { echo "report: cannot read the Linux log $f" >&2; exit 1; }
done
mkdir -p "$out"
# The logs of each side as one stream each (a missing or unreadable Bastion log: nothing).
linux_all=$(mktemp) bastion_all=$(mktemp)
trap 'rm -f "$linux_all" "$bastion_all"' EXIT
cat "${linux[@]}" >"$linux_all"
for f in "${bastion[@]}"; do [[ -r $f ]] && cat "$f" >>"$bastion_all"; done

json=$out/bench.json
data=$out/bench-ratios.dat
png=$out/bench-ratios.png

# One awk pass: read both logs (CRs of the serial console stripped), then the rows.
# Writes the table to stdout, the JSON to $json, the chart data to $data; exit status 3 when a
# row lacks a number that --require-all (or, for Linux, always) demands.
set +e
chart_title='Bastion vs Linux 6.1 (path length in instructions, QEMU -icount)'
if ((kvm)); then
  chart_title='Bastion vs Linux 6.1 (TSC cycles under KVM)'
  unit='TSC cycles on the host CPU under KVM (real time; targets not judged: they are -icount path lengths)'
else
  unit='ticks (guest instructions under QEMU TCG -icount shift=0)'
fi
awk -v require_all="$require_all" -v kvm="$kvm" -v unit="$unit" -v json="$json" -v data="$data" -F'\t' '
  function parse(line, side,    f, i, name, kv, ok) {
    sub(/\r$/, "", line)
    sub(/^\[[^]]*\] /, "", line) # the kernel marker of a process line (Bastion logs)
    if (line !~ /^BENCH /) return
    split(line, f, " ")
    name = f[2]; ok = 0
    for (i = 3; i in f; i++) {
      if (f[i] ~ /^median=[0-9]+$/) { med[side, name] = substr(f[i], 8); ok++ }
      else if (f[i] ~ /^min=[0-9]+$/) { mn[side, name] = substr(f[i], 5); ok++ }
      else if (f[i] ~ /^n=[0-9]+$/) { cnt[side, name] = substr(f[i], 3) }
    }
    if (ok != 2) { printf "report: malformed line in the %s log: %s\n", side, line > "/dev/stderr"; bad = 1 }
  }
  function jstr(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
  function jnum(side, name) { return ((side, name) in med) ? med[side, name] : "null" }
  function cell(side, name) {
    if (name == "-") return "-"
    return ((side, name) in med) ? med[side, name] "/" mn[side, name] : "n/a"
  }
  FILENAME == ARGV[1] { parse($0, "linux"); next }
  FILENAME == ARGV[2] { parse($0, "bastion"); next }
  /^#/ || NF < 4 { next }
  {
    rows++; b = $1; l = $2; tgt = $3; title = $4
    have_b = (b != "-") && ((("bastion", b) in med))
    have_l = (("linux", l) in med)
    if (!have_l && l != "-") { missing_l = missing_l " " l }
    if (b != "-" && !have_b) { missing_b = missing_b " " b }
    ratio = "n/a"; rnum = "null"
    if (b == "-" || l == "-") ratio = "-"
    else if (have_b && have_l && med["linux", l] > 0) {
      rnum = sprintf("%.3f", med["bastion", b] / med["linux", l]); ratio = rnum
      nratio++
      printf "%s\t%s\n", b, rnum > data
    }
    verdict = "-"
    if (kvm) verdict = "-" # cycles, not the path lengths the targets are
    else if (tgt ~ /^[0-9.]+x$/) # relative: at most that many times the Linux median
      verdict = (rnum != "null") ? (med["bastion", b] + 0 <= substr(tgt, 1, length(tgt) - 1) * med["linux", l] ? "met" : "missed") : "n/a"
    else if (tgt != "-") verdict = have_b ? (med["bastion", b] + 0 <= tgt + 0 ? "met" : "missed") : "n/a"
    # tcp_bulk is ticks per KiB; its throughput (1 tick = 1 ns of virtual time under -icount
    # shift=0: MB/s = 1024 bytes / ticks ns = 1,024,000 / ticks) goes below the table.
    if ((b == "tcp_bulk" || l == "tcp_bulk") && !kvm)
      mbps = sprintf("tcp_bulk throughput, MB/s of busy virtual time: Bastion %s, Linux %s",
                     have_b ? sprintf("%.1f", 1024000 / med["bastion", b]) : "n/a",
                     have_l ? sprintf("%.1f", 1024000 / med["linux", l]) : "n/a")
    line[rows] = sprintf("%-20s %21s %21s %8s %7s %-6s", (b == "-" ? l : b), cell("bastion", b),
                         cell("linux", l), ratio, tgt, verdict)
    js[rows] = sprintf("    {\"operation\": %s, \"title\": %s, \"bastion_name\": %s, \"linux_name\": %s,\n" \
                       "     \"bastion\": {\"median\": %s, \"min\": %s, \"n\": %s},\n" \
                       "     \"linux\": {\"median\": %s, \"min\": %s, \"n\": %s},\n" \
                       "     \"ratio\": %s, \"target\": %s, \"target_status\": %s}",
                       jstr(b == "-" ? l : b), jstr(title), (b == "-" ? "null" : jstr(b)), jstr(l),
                       jnum("bastion", b), (("bastion", b) in mn) ? mn["bastion", b] : "null",
                       (("bastion", b) in cnt) ? cnt["bastion", b] : "null",
                       jnum("linux", l), (("linux", l) in mn) ? mn["linux", l] : "null",
                       (("linux", l) in cnt) ? cnt["linux", l] : "null",
                       rnum, (tgt == "-" ? "null" : (tgt ~ /x$/ ? jstr(tgt) : tgt)), jstr(verdict))
    legend[rows] = sprintf("  %-20s %s", (b == "-" ? l : b), title)
  }
  END {
    printf "%-20s %21s %21s %8s %7s %-6s\n", "operation", "Bastion median/min", "Linux median/min",
           "ratio", "target", ""
    for (i = 1; i <= rows; i++) print line[i]
    print ""
    print unit "; ratio = Bastion median / Linux median"
    if (mbps != "") print mbps
    for (i = 1; i <= rows; i++) print legend[i]
    printf "{\n  \"unit\": %s,\n  \"rows\": [\n", jstr(unit) > json
    for (i = 1; i <= rows; i++) printf "%s%s\n", js[i], (i < rows ? "," : "") > json
    printf "  ]\n}\n" > json
    if (nratio == 0) printf "" > data
    if (missing_l != "") printf "report: no Linux number for:%s\n", missing_l > "/dev/stderr"
    if (missing_b != "") printf "report: no Bastion number yet for:%s\n", missing_b > "/dev/stderr"
    if (bad || missing_l != "" || (require_all && missing_b != "")) exit 3
  }
' "$linux_all" "$bastion_all" "$HERE/operations.tsv"
status=$?
set -e
((status == 0 || status == 3)) || { echo "report: awk failed ($status)" >&2; exit 1; }
echo "report: JSON in $json"

# The chart: one bar per operation that has both numbers, Bastion median / Linux median, with
# the line ratio = 1. Until Bastion has numbers, it shows that instead of failing.
if command -v gnuplot >/dev/null 2>&1; then
  if [[ -s $data ]]; then
    plot="set yrange [0:*]; set style fill solid 0.6; set boxwidth 0.6; set rmargin 10;
          set xtics rotate by -30; set ylabel 'Bastion / Linux (median)';
          plot '$data' using 0:2:xtic(1) with boxes notitle, 1 with lines dashtype 2 title 'Linux'"
  else
    plot="unset xtics; unset ytics; unset border;
          set label 1 'no operation has a Bastion number yet' at graph 0.5,0.5 center;
          plot [0:1][0:1] NaN notitle"
  fi
  if gnuplot -e "set terminal png noenhanced size 900,500; set output '$png';
                 set title '$chart_title';
                 $plot" 2>"$out/gnuplot.log"; then
    echo "report: chart in $png"
  else
    echo "report: gnuplot failed (see $out/gnuplot.log)" >&2
    status=3
  fi
else
  echo "report: gnuplot is missing; no chart (scripts/bench installs gnuplot-nox)" >&2
fi
rm -f "$data"
((status == 0)) || exit 1
exit 0
