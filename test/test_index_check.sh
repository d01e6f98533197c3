#!/usr/bin/env bash
# test/test_index_check.sh: docs/testing.md's index, from every source file to the tests that
# exercise it, against the tree and the tests ctest knows (ctest test-index).
#
# Usage: test_index_check.sh --doc docs/testing.md --root SOURCE_DIR --build BUILD_DIR
#
# The index is the doc's table rows "| `<path>` | `<test>`, `<test>` ... |". Fails, naming the
# file or the row, when
#   - a .c file under kern/, idl/, ksm/, services/ or userland/ has no row (a new or moved file);
#   - a row names a file that does not exist (a file moved or removed: update its row);
#   - a row names no test, or a test that ctest does not list (a renamed or removed test);
#   - a file has two rows.
set -uo pipefail

doc='' root='' build=''
while (($#)); do
  case $1 in
    --doc) doc=$2; shift 2 ;;
    --root) root=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) echo "test_index_check: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -r $doc && -d $root && -d $build ]] || { echo "test_index_check: --doc, --root and --build are required" >&2; exit 2; }

# Every test ctest knows in this build.
declare -A known=()
while IFS= read -r t; do known[$t]=1; done < <(ctest --test-dir "$build" -N 2>/dev/null |
  sed -n 's/^ *Test *#[0-9]*: //p')
((${#known[@]})) || { echo "FAIL test-index: ctest lists no tests in $build"; exit 1; }

problems=0
declare -A row_of=()
lineno=0
while IFS= read -r line; do
  lineno=$((lineno + 1))
  [[ $line =~ ^\|\ \`([^\`]+\.c)\`\ \|(.*)\|[[:space:]]*$ ]] || continue
  file=${BASH_REMATCH[1]} rest=${BASH_REMATCH[2]}
  where="$doc:$lineno"
  if [[ -n ${row_of[$file]-} ]]; then
    echo "$where: $file has a second row (the first is line ${row_of[$file]})"; problems=$((problems + 1))
  fi
  row_of[$file]=$lineno
  [[ -f $root/$file ]] || { echo "$where: $file does not exist (moved or removed? update or drop its row)"; problems=$((problems + 1)); }
  ntests=0
  while [[ $rest =~ \`([^\`]+)\`(.*) ]]; do
    t=${BASH_REMATCH[1]} rest=${BASH_REMATCH[2]}
    ntests=$((ntests + 1))
    [[ -n ${known[$t]-} ]] || { echo "$where: $file names test '$t', which ctest does not list"; problems=$((problems + 1)); }
  done
  ((ntests)) || { echo "$where: $file names no test"; problems=$((problems + 1)); }
done <"$doc"

nfiles=0
while IFS= read -r f; do
  nfiles=$((nfiles + 1))
  [[ -n ${row_of[$f]-} ]] || { echo "$doc: no entry for $f (add a row: | \`$f\` | \`<a test that exercises it>\` |)"; problems=$((problems + 1)); }
done < <(cd "$root" && find kern idl ksm services userland -name '*.c' -type f | LC_ALL=C sort)

if ((problems)); then
  echo "FAIL test-index: $problems problem(s) in $doc"
  exit 1
fi
echo "PASS test-index: $nfiles source files, each with a row naming tests that exist (${#known[@]} tests known)"
