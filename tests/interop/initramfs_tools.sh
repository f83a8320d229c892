#!/bin/bash
# A real distribution archive: Debian's initramfs-tools image for Debian's
# kernel, built in a private mount namespace (nothing installed for the
# kernel system-wide), stacked under a hand-made kernel-camp archive.
# initstack must list it, check it, and give the tree that unmkinitramfs
# extracts.
. "$(dirname "$0")/../sh/lib.sh"
. "$(dirname "$0")/../boot/lib.sh"
I=$INITSTACK

if ! K=$(fetch_kernel) || [ ! -f "$K" ]; then
	notok "initramfs-tools: no kernel (Debian's linux-image package could not be fetched)"
	exit 0
fi
ver=${K##*/vmlinuz-}
pkgdir=${K%/boot/*}
deb=$(ls "$CACHE"/linux-image-"$ver"_*.deb 2>/dev/null | head -1)
img=$CACHE/initrd.img-$ver
exec 9>"$CACHE/.initramfs.lock"
flock 9
if [ ! -s "$img" ]; then
	# the modules, once, beside the kernel in the cache
	if [ ! -d "$pkgdir/lib/modules/$ver" ] && [ ! -d "$pkgdir/usr/lib/modules/$ver" ]; then
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$pkgdir" ./lib/modules ./usr/lib/modules 2>/dev/null ||
			dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$pkgdir" ./lib/modules 2>/dev/null
	fi
	mods=$pkgdir/lib/modules/$ver
	[ -d "$mods" ] || mods=$pkgdir/usr/lib/modules/$ver
	mkdir -p /lib/modules
	# a private mount namespace: /lib/modules/VER and /boot/config-VER are
	# the package's only for mkinitramfs
	unshare -m sh -c '
		mount -t tmpfs none /lib/modules && mkdir /lib/modules/'"$ver"' &&
		mount --bind '"$mods"' /lib/modules/'"$ver"' &&
		mount -t tmpfs none /boot && cp '"$pkgdir"'/boot/config-'"$ver"' /boot/ &&
		mkinitramfs -o '"$img.tmp"' '"$ver"'' >"$T/mkinitramfs.log" 2>&1 && mv "$img.tmp" "$img"
fi
flock -u 9
if [ ! -s "$img" ]; then
	notok "initramfs-tools: mkinitramfs built an image"
	sed 's/^/    /' "$T/mkinitramfs.log" | tail -10
	exit 0
fi
ok "initramfs-tools: mkinitramfs built an image ($(stat -c %s "$img") bytes)"

"$I" list --json "$img" >"$T/list.json"
check "list: the image reads to its end without error" test $? = 0
check "list: it has a compressed segment with the modules" \
	sh -c "jq -e '[.[0].segments[] | select(.kind == \"compressed\") | .entries[].name | select(test(\"/modules/$ver/kernel/\"))] | length > 100' '$T/list.json' >/dev/null"

mkdir -p "$T/k/kernel/hooks"
printf '#!/bin/sh\n' >"$T/k/kernel/hooks/10-a"
"$I" build --mtime 0 --owner 0:0 -o "$T/kernel.cpio" "$T/k"
"$I" check --kernel "$T/kernel.cpio" "$img" >"$T/check.out" 2>&1
check "check: Debian's image does not touch /kernel" test $? = 0
"$I" tree --no-builtin --kernel "$T/kernel.cpio" "$img" >"$T/tree.out" 2>"$T/tree.err"
check "tree: the stack's tree has the kernel camp's hook" grep -q ' /kernel/hooks/10-a$' "$T/tree.out"
check "tree: ... and Debian's /init" grep -qE '^f 0755 0:0 [0-9]+ [0-9a-f]{64} /init$' "$T/tree.out"

mkdir "$T/x"
unmkinitramfs "$img" "$T/x" 2>/dev/null
# unmkinitramfs puts an early part in early/ and the main archive in main/
src=$T/x
[ -d "$T/x/main" ] && src=$T/x/main
dumptree "$src" >"$T/x.tree"
"$I" tree --no-builtin --kernel "$img" 2>/dev/null | grep -v ' /$' | sed 's/ => .*$//' | sort >"$T/ist.tree"
same "tree: equals what unmkinitramfs extracts from Debian's image" "$T/x.tree" "$T/ist.tree"
