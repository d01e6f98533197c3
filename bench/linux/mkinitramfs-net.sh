#!/usr/bin/env bash
# bench/linux/mkinitramfs-net.sh OUT INIT SERVER [KERNEL_RELEASE]: the Linux network benchmark's
# initramfs, a cpio "newc" archive (uncompressed) holding /init = INIT (bench/linux/net_init.c),
# /http_bench_server = SERVER (bench/net/http_bench_server.c), an empty /dev and /proc, and in
# /lib the virtio-net driver's modules of the cloud kernel KERNEL_RELEASE (uncompressed .ko
# files from /lib/modules/<release>; net_init.c loads them in dependency order). Default
# release: that of the newest /boot/vmlinuz-*-cloud-amd64, the kernel bench/net/run.sh boots.
set -euo pipefail
out=$1 init=$2 server=$3 release=${4:-}
if [[ -z $release ]]; then
  kernel=$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n $kernel ]] || { echo "mkinitramfs-net: no /boot/vmlinuz-*-cloud-amd64 (package linux-image-cloud-amd64)" >&2; exit 1; }
  release=${kernel#/boot/vmlinuz-}
fi
command -v cpio >/dev/null || { echo "mkinitramfs-net: cpio is missing (scripts/bench installs it)" >&2; exit 1; }
moddir=/lib/modules/$release
modules=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover
         net_failover virtio_net)
stage=$(mktemp -d "${out}.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/dev" "$stage/proc" "$stage/lib"
for m in "${modules[@]}"; do
  f=$(find "$moddir/kernel" -name "$m.ko" -print -quit 2>/dev/null || true)
  [[ -n $f ]] || { echo "mkinitramfs-net: no $m.ko under $moddir (package linux-image-cloud-amd64)" >&2; exit 1; }
  cp "$f" "$stage/lib/$m.ko"
done
cp "$init" "$stage/init"
cp "$server" "$stage/http_bench_server"
chmod 0755 "$stage/init" "$stage/http_bench_server"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$out.tmp"
mv "$out.tmp" "$out"
