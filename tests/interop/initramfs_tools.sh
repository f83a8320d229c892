#!/bin/bash
# Real distribution archives: Debian's initramfs-tools image and a dracut
# image for Debian's kernel, built in a private mount namespace (nothing
# installed for the kernel system-wide; tests/boot/lib.sh), stacked under a
# hand-made kernel-camp archive. initstack must list and check them and give
# the tree that the distributions' own extractors make.
. "$(dirname "$0")/../sh/lib.sh"
. "$(dirname "$0")/../boot/lib.sh"
I=$INITSTACK

if ! K=$(fetch_kernel) || [ ! -f "$K" ]; then
	notok "distribution images: no kernel (Debian's linux-image package could not be fetched)"
	exit 0
fi
ver=${K##*/vmlinuz-}
mkdir -p "$T/k/kernel/hooks"
printf '#!/bin/sh\n' >"$T/k/kernel/hooks/10-a"
"$I" build --mtime 0 --owner 0:0 -o "$T/kernel.cpio" "$T/k"

# image_checks NAME IMAGE EXTRACT-CMD: list, check, tree, and the tree of
# what EXTRACT-CMD (run with the image and a target directory) unpacks
image_checks() {
	local name=$1 img=$2 extract=$3
	ok "$name: built ($(stat -c %s "$img") bytes)"
	"$I" list --json "$img" >"$T/list.json"
	check "$name: list reads it to its end without error" test $? = 0
	check "$name: it has a compressed segment with the modules" \
		sh -c "jq -e '[.[0].segments[] | select(.kind == \"compressed\") | .entries[].name | select(test(\"/modules/$ver/kernel/\"))] | length > 100' '$T/list.json' >/dev/null"
	"$I" check --kernel "$T/kernel.cpio" "$img" >"$T/check.out" 2>&1
	check "$name: check finds no violation of /kernel" test $? = 0
	"$I" tree --no-builtin --kernel "$T/kernel.cpio" "$img" >"$T/tree.out" 2>"$T/tree.err"
	check "$name: tree of the stack has the kernel camp's hook" grep -q ' /kernel/hooks/10-a$' "$T/tree.out"
	check "$name: ... and the distribution's /init" grep -qE '^f 0755 0:0 [0-9]+ [0-9a-f]{64} /init$' "$T/tree.out"
	rm -rf "$T/x" && mkdir "$T/x"
	$extract "$img" "$T/x" 2>/dev/null
	local src=$T/x
	[ -d "$T/x/main" ] && src=$T/x/main
	dumptree "$src" >"$T/x.tree"
	"$I" tree --no-builtin --kernel "$img" 2>/dev/null | grep -v ' /$' | sed 's/ => .*$//' | sort >"$T/ist.tree"
	same "$name: tree equals what its extractor unpacks" "$T/x.tree" "$T/ist.tree"
}

if img=$(debian_initrd "$K" "$T/mkinitramfs.log"); then
	image_checks "initramfs-tools image" "$img" unmkinitramfs
else
	notok "initramfs-tools image: mkinitramfs built an image"
	tail -10 "$T/mkinitramfs.log" | sed 's/^/    /'
fi

# dracut writes one gzip (pigz) member: GNU cpio after zcat is its extractor
zcat_cpio() { (cd "$2" && zcat "$1" | cpio -idm --quiet --no-absolute-filenames); }
if img=$(dracut_initrd "$K" "$T/dracut.log"); then
	image_checks "dracut image" "$img" zcat_cpio
else
	notok "dracut image: dracut built an image"
	tail -10 "$T/dracut.log" | sed 's/^/    /'
fi
