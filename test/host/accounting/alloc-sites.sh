#!/usr/bin/env bash
# test/host/accounting/alloc-sites.sh: every call of a kernel allocator in kern/**/*.c, one line
# each: "<function>\t<allocator>\t<file>" (file relative to the repository), sorted. The function
# is the one whose body holds the call (the kernel's style: a definition starts at column 0 and
# its body is the lines between "{" and "}" at column 0). Calls inside an allocator's own body
# (kmalloc calling kmem_cache_alloc, pmm_alloc calling buddy_alloc, ...) are its workings, not
# sites, and are left out.
#
# Usage: alloc-sites.sh <repository root>
set -euo pipefail
root=${1:?usage: alloc-sites.sh <repository root>}
cd "$root"

# The allocators: the slab caches and heap (kern/mm/slab.h), the page allocator (kern/mm/pmm.h),
# the buddy allocator under it (kern/mm/buddy.h) and the kernel-object allocator (kobj_new).
allocators='kmalloc|kzalloc|kmalloc_charged|kmem_cache_alloc|kmem_cache_alloc_charged|pmm_alloc|pmm_alloc_zeroed|pmm_alloc_user|buddy_alloc|buddy_alloc_zeroed|kobj_new'

find kern -name '*.c' | LC_ALL=C sort | while read -r f; do
  awk -v file="$f" -v allocs="$allocators" '
    BEGIN { n = split(allocs, a, "|"); for (i = 1; i <= n; i++) is_alloc[a[i]] = 1 }
    {
      line = $0
      # Comments and strings never hold a call: drop them (block comments across lines too).
      if (in_comment) { if (sub(/.*\*\//, "", line)) in_comment = 0; else next }
      gsub(/\/\*([^*]|\*+[^*\/])*\*+\//, "", line)
      if (sub(/\/\*.*/, "", line)) in_comment = 1
      sub(/\/\/.*/, "", line)
      gsub(/"([^"\\]|\\.)*"/, "\"\"", line)
    }
    /^[A-Za-z_]/ && line ~ /\(/ && line !~ /;[ \t]*$/ && !body {
      h = line; sub(/\(.*/, "", h); k = split(h, w, /[^A-Za-z0-9_]+/); fn = w[k]; next
    }
    /^\{/ { body = 1; next }
    /^\}/ { body = 0; fn = ""; next }
    body {
      s = line
      while (match(s, /[A-Za-z0-9_]+[ \t]*\(/)) {
        name = substr(s, RSTART, RLENGTH); sub(/[ \t]*\($/, "", name)
        if (name in is_alloc && !(fn in is_alloc)) printf "%s\t%s\t%s\n", fn, name, file
        s = substr(s, RSTART + RLENGTH)
      }
    }' "$f"
done | LC_ALL=C sort
