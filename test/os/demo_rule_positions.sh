#!/usr/bin/env bash
# test/os/demo_rule_positions.sh: the rule positions of the demo's denials, without a boot
# (ctest demo-rule-positions; the boot test `demo` checks the kernel prints them).
#
# Usage: demo_rule_positions.sh --policy einit.psl --expect-file demo-expected.txt DOC...
#
# Fails, naming the position, when
#   - a "rule at einit.psl:L:C" quoted in a DOC is not pinned in the expect file (the docs would
#     quote a position no test checks);
#   - a position pinned in the expect file ("einit\.psl:L:C") does not point at a rule's verdict
#     in the policy (deny, grant or assert, or a stateful model's rule "<object>.<rule> {",
#     starts at line L, column C): the policy was edited
#     and the pins and the docs must move with it.
set -uo pipefail

policy='' expect=''
while (($#)); do
  case $1 in
    --policy) policy=$2; shift 2 ;;
    --expect-file) expect=$2; shift 2 ;;
    --) shift; break ;;
    -*) echo "demo_rule_positions: unknown argument '$1'" >&2; exit 2 ;;
    *) break ;;
  esac
done
[[ -r $policy && -r $expect && $# -gt 0 ]] || { echo "demo_rule_positions: --policy, --expect-file and docs are required" >&2; exit 2; }

mapfile -t pinned < <(grep -v forged "$expect" | grep -oE 'einit\\\.psl:[0-9]+:[0-9]+' | sed 's/\\//' | sort -u)
((${#pinned[@]})) || { echo "FAIL demo-rule-positions: $expect pins no einit.psl position"; exit 1; }
problems=0
for p in "${pinned[@]}"; do
  lc=${p#einit.psl:} l=${lc%:*} c=${lc#*:}
  text=$(sed -n "${l}p" "$policy")
  word=${text:c-1}
  if ! [[ $word =~ ^(deny|grant|assert)[[:space:]]*\( ||
    $word =~ ^[A-Za-z_][A-Za-z0-9_]*\.(init|fini|enter|allow|add|remove|set|commit|rollback)[[:space:]]*\{ ]]; then
    echo "$expect: $p does not point at a rule's verdict in $policy (line $l: '$text')"
    problems=$((problems + 1))
  fi
done
for doc in "$@"; do
  while IFS=: read -r line q; do
    q=${q#rule at }
    if ! printf '%s\n' "${pinned[@]}" | grep -xF "$q" >/dev/null; then
      echo "$doc:$line: quotes $q, which $expect does not pin"
      problems=$((problems + 1))
    fi
  done < <(grep -noE 'rule at einit\.psl:[0-9]+:[0-9]+' "$doc")
done
if ((problems)); then echo "FAIL demo-rule-positions: $problems problem(s)"; exit 1; fi
echo "PASS demo-rule-positions: ${#pinned[@]} pinned positions point at verdicts; every one the docs quote is pinned"
