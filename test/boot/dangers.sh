#!/usr/bin/env bash
# test/boot/dangers.sh: the danger table (docs/dangers.tsv) against the spec, the kernel and the
# attack tests that actually passed, read from the in-OS tests' serial log.
#
# Usage: dangers.sh --table docs/dangers.tsv --spec docs/spec/core-methods.tsv --log os-tests.log
#                   [--log drivers.log ...]
#
# Every --log is read, in order, as one log (the in-OS tests' and the driver image's boots: each
# lists the methods its kernel serves, and each runs its own attack programs). From the logs it
# takes the methods the kernel serves ("kl.core: serves <method>", printed at
# boot with the kernel parameter coreserved, counted from the kernel's handler tables), the
# kernel's own count ("kl.core: N of M methods served"), the attack lines the in-OS programs
# printed ("[<task>] <program>: attack <method>: stopped", printed only when that attack was
# stopped and a bystander still served) and each program's result line ("[<task>] <program>: N
# passed, M failed"). Kernel lines are read only at a line's start, process lines only with the
# kernel's "[<task>] " mark, so no process can forge either kind.
#
# Prints, computed from those:
#   kl.core: N of 146 methods served
#   dangers: N of 72 attack-tested, M not served yet
# Fails when a dangerous method the kernel serves has no attack test that passed (its row names
# no test, or the test printed no attack line for it, or the test failed), when the table does
# not list exactly the spec's dangerous methods, when an attack line's program is not the one
# its row names, or when the log has no served list: every served danger must be shown stopped.
set -uo pipefail

table='' spec='' logs=()
while (($#)); do
  case $1 in
    --table) table=$2; shift 2 ;;
    --spec) spec=$2; shift 2 ;;
    --log) logs+=("$2"); shift 2 ;;
    *) echo "dangers: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -r $table && -r $spec ]] && ((${#logs[@]})) || { echo "FAIL dangers: --table, --spec and --log must be readable files" >&2; exit 2; }
for l in "${logs[@]}"; do
  [[ -r $l ]] || { echo "FAIL dangers: --log $l is not a readable file" >&2; exit 2; }
done

cat "${logs[@]}" | tr -d '\r' | awk -v table="$table" -v spec="$spec" '
  BEGIN {
    FS = "\t"
    while ((getline line < spec) > 0) {
      n = split(line, f, "\t")
      if (f[1] == "interface" || n < 5) continue
      if (f[5] == "yes") { dangerous[f[1] "." f[3]] = 1; ndangerous++ }
    }
    while ((getline line < table) > 0) {
      if (line ~ /^#/ || line ~ /^method\t/ || line == "") continue
      n = split(line, f, "\t")
      if (n != 3) { printf "FAIL dangers: %s: a row needs 3 tab-separated columns: %s\n", table, line; bad = 1; continue }
      if (f[1] in row) { printf "FAIL dangers: %s: %s is listed twice\n", table, f[1]; bad = 1 }
      row[f[1]] = 1; stopped_by[f[1]] = f[2]; test[f[1]] = f[3]
      if (!(f[1] in dangerous)) { printf "FAIL dangers: %s: %s is not a dangerous method of the spec\n", table, f[1]; bad = 1 }
    }
    for (m in dangerous)
      if (!(m in row)) { printf "FAIL dangers: %s: no row for %s\n", table, m; bad = 1 }
    FS = " "
  }
  # Kernel lines are read at the start of a line only; every process line starts with the mark
  # "[<task>] ", so no process can print a line that counts as one of the kernel.
  /^kl\.core: serves kl\.core\./ { sub(/^kl\.core: serves /, ""); served[$1] = 1; nserved_listed++; next }
  /^kl\.core: [0-9]+ of [0-9]+ methods served/ { s = $0; sub(/^kl\.core: /, "", s); kernel_count = s; next }
  /^\[[^]]*\] [A-Za-z0-9_]+: attack kl\.core\.[A-Za-z]+\.[A-Za-z]+: stopped/ {
    s = $0; sub(/: attack kl\.core\..*/, "", s); n = split(s, w, " "); prog = w[n]
    m = $0; sub(/.*: attack /, "", m); sub(/: stopped.*/, "", m)
    attacked[m] = attacked[m] " " prog
    next
  }
  /^\[[^]]*\] [A-Za-z0-9_]+: [0-9]+ passed, [0-9]+ failed/ {
    s = $0; sub(/: [0-9]+ passed, [0-9]+ failed.*/, "", s); n = split(s, w, " "); prog = w[n]
    r = $0; sub(/.*[A-Za-z0-9_]+: /, "", r); split(r, c, " ")   # c[1]: passed, c[3]: failed
    if (c[1] + 0 > 0 && c[3] + 0 == 0) passed[prog] = 1; else failedprog[prog] = 1
  }
  END {
    if (nserved_listed == 0) { print "FAIL dangers: the log lists no served methods (boot with the kernel parameter coreserved)"; exit 1 }
    tested = 0; unserved = 0; gap = ""
    for (m in dangerous) {
      if (!(m in served)) { unserved++; continue }
      t = test[m]
      if (t == "-" || t == "") { gap = gap " " m; continue }
      if (index(attacked[m] " ", " " t " ") == 0) { printf "FAIL dangers: %s: %s prints no \"attack %s: stopped\" line\n", m, t, m; bad = 1; continue }
      if (!(t in passed) || (t in failedprog)) { printf "FAIL dangers: %s: its test %s did not pass\n", m, t; bad = 1; continue }
      if (stopped_by[m] == "-" || stopped_by[m] == "") { printf "FAIL dangers: %s: the table does not say what stops it\n", m; bad = 1; continue }
      tested++
    }
    for (m in attacked) {
      split(attacked[m], ps, " ")
      for (i in ps) if (ps[i] != "" && test[m] != ps[i]) {
        printf "FAIL dangers: %s printed \"attack %s: stopped\" but the table names %s\n", ps[i], m, (m in test ? test[m] : "no such row"); bad = 1
      }
    }
    if (kernel_count != "") print "kl.core: " kernel_count
    printf "dangers: %d of %d attack-tested, %d not served yet\n", tested, ndangerous, unserved
    if (gap != "") { print "FAIL dangers: served without an attack test:" gap; bad = 1 }
    exit bad ? 1 : 0
  }'
