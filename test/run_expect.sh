#!/usr/bin/env bash
# test/run_expect.sh: run a command and pass only when it ended with the expected exit status AND
# its output (stdout and stderr together) matches every --match regex. ctest's
# PASS_REGULAR_EXPRESSION alone ignores the exit status, and WILL_FAIL passes on any failure;
# this passes for the right reason only.
#
# Usage: run_expect.sh --status N [--match REGEX]... [--no-match REGEX]...
#                      [--skip-status S --skip-why TEXT] -- CMD...
#
# --match: an extended regex (bash =~) over the whole output, so it may span lines ($'\n');
# --no-match: one that must match no part of it.
# --skip-status: the status with which CMD says it could not run here (user-run: 124, no
# ptrace); the script then prints a loud SKIPPED line with --skip-why and exits with S, which the
# ctest's SKIP_RETURN_CODE reports as skipped, never as passed.
set -uo pipefail

status='' skip_status='' skip_why='' matches=() nomatches=()
while (($#)); do
  case $1 in
    --status) status=$2; shift 2 ;;
    --match) matches+=("$2"); shift 2 ;;
    --no-match) nomatches+=("$2"); shift 2 ;;
    --skip-status) skip_status=$2; shift 2 ;;
    --skip-why) skip_why=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "run_expect: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ -n $status && $# -gt 0 ]] || { echo "run_expect: --status and a command are required" >&2; exit 2; }

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$@" >"$tmp" 2>&1
rc=$?
out=$(cat "$tmp"; echo .) # the dot keeps the output's last newlines, which a pattern may end with
out=${out%.}
printf '%s' "$out"

if [[ -n $skip_status && $rc == "$skip_status" ]]; then
  echo "SKIPPED (NOT TESTED): ${skip_why:-the command could not run here} (command: $*)"
  echo "SKIPPED (NOT TESTED): ${skip_why:-the command could not run here}" >&2
  exit "$skip_status"
fi
fail=0
if [[ $rc != "$status" ]]; then
  echo "FAIL: exit status $rc, expected $status"
  fail=1
fi
for m in "${matches[@]}"; do
  if ! [[ $out =~ $m ]]; then
    echo "FAIL: the output does not match: $m"
    fail=1
  fi
done
for m in "${nomatches[@]}"; do
  if [[ $out =~ $m ]]; then
    echo "FAIL: the output matches what it must not: $m (${BASH_REMATCH[0]})"
    fail=1
  fi
done
((fail)) && exit 1
echo "PASS: exit status $rc${matches[*]:+, output matches ${#matches[@]} pattern(s)}"
exit 0
