#!/usr/bin/env bash
# test/structure/no_tracker_refs.sh: comments and docs state reasons, never a tracker's numbers
# ("issue 4", "point 9", "H3's"): a reader has no tracker, and numbers outlive their meaning.
#
# Usage: no_tracker_refs.sh <source root>
set -uo pipefail
root=${1:?usage: no_tracker_refs.sh <source root>}
cd "$root" || exit 2
hits=$(git ls-files -- '*.c' '*.h' '*.asm' '*.sh' '*.py' '*.cmake' 'CMakeLists.txt' '*.md' '*.psl' \
         '*.edl' '*.idl' '*.cdl' '*.yaml' '*.txt' 2>/dev/null |
       grep -v '^test/structure/no_tracker_refs.sh$' |
       xargs -d '\n' grep -nE "\b[Ii]ssues? #?[0-9]+|\bfinding [0-9]+|(^|[^d])\b[Pp]oint [0-9]+\b|\bH[0-9]+('s|\))|\(H[0-9]+\)" 2>/dev/null)
if [[ -n $hits ]]; then
  echo "FAIL no-tracker-refs: these lines cite a tracker; say the reason itself:"
  echo "$hits"
  exit 1
fi
echo "no-tracker-refs: no comment or doc cites a tracker"
