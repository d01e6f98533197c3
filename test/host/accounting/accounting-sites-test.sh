#!/usr/bin/env bash
# test/host/accounting/accounting-sites-test.sh: docs/accounting.md lists every kernel allocation
# site, and only those. The sites come from the code (alloc-sites.sh: one per allocator call, by
# enclosing function); the page's rows from its table under "## Every allocation site"
# ("| `function` | `allocator` | file | what | account |"). Rows and calls are matched by
# function and allocator, counted (a function with three calls needs three rows); the file
# column is not compared, so moving a file breaks nothing, while a new call, a removed one or a
# renamed function fails until the page says so.
#
# Usage: accounting-sites-test.sh <repository root> [<page>]   (page: default docs/accounting.md)
set -euo pipefail
root=${1:?usage: accounting-sites-test.sh <repository root> [page]}
page=${2:-$root/docs/accounting.md}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ -r $page ]] || { echo "FAIL accounting_sites: cannot read $page"; exit 1; }

code=$(bash "$here/alloc-sites.sh" "$root" | cut -f1,2 | LC_ALL=C sort)
[[ -n $code ]] || { echo "FAIL accounting_sites: found no allocator call in $root/kern (is the path right?)"; exit 1; }
doc=$(awk '
  /^## / { in_table = ($0 == "## Every allocation site"); next }
  in_table && /^\| `/ {
    n = split($0, c, "|")
    f = c[2]; a = c[3]
    gsub(/[ `]/, "", f); gsub(/[ `]/, "", a)
    print f "\t" a
  }' "$page" | LC_ALL=C sort)
[[ -n $doc ]] || { echo "FAIL accounting_sites: $page has no rows under \"## Every allocation site\""; exit 1; }

status=0
# comm on sorted lists with repeats compares them as multisets.
while IFS=$'\t' read -r f a; do
  [[ -n $f ]] || continue
  echo "FAIL accounting_sites: $f calls $a, and $page has no row for it (or one row too few)"
  status=1
done < <(LC_ALL=C comm -23 <(printf '%s\n' "$code") <(printf '%s\n' "$doc"))
while IFS=$'\t' read -r f a; do
  [[ -n $f ]] || continue
  echo "FAIL accounting_sites: $page lists $f calling $a, which the code no longer does (or one row too many)"
  status=1
done < <(LC_ALL=C comm -13 <(printf '%s\n' "$code") <(printf '%s\n' "$doc"))
if ((status == 0)); then
  echo "accounting_sites: $(printf '%s\n' "$code" | wc -l) allocation sites, each listed in $(basename "$page")"
fi
exit $status
