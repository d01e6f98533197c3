#!/usr/bin/env bash
# bench/linux/mkinitramfs.sh OUT BENCH EXIT0: the Linux baseline's initramfs, a cpio "newc"
# archive (uncompressed: the kernel takes it as is) holding /init = BENCH, /exit0 = EXIT0 (the
# exec target of fork_exec_wait) and an empty /dev (init mounts devtmpfs there for its console;
# a /dev/console node would need mknod rights when building).
set -euo pipefail
out=$1 bench=$2 exit0=$3
command -v cpio >/dev/null || { echo "mkinitramfs: cpio is missing (scripts/bench installs it)" >&2; exit 1; }
stage=$(mktemp -d "${out}.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/dev"
cp "$bench" "$stage/init"
cp "$exit0" "$stage/exit0"
chmod 0755 "$stage/init" "$stage/exit0"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$out.tmp"
mv "$out.tmp" "$out"
