#!/bin/bash
# initstack entry add with /etc/initstack/devicetree (an arm64 board): the
# kernel package's blob and the overlays copied beside the kernel on the ESP,
# their lines in the entry in order, the overlays applied at install time
# (one that does not apply fails `entry add` with the loader's message),
# stale blobs removed when the file changes, and its errors by line.
. "$(dirname "$0")/../sh/lib.sh"
I=$INITSTACK
command -v dtc >/dev/null || { notok "entry dt: dtc missing (tests/deps.sh installs device-tree-compiler)"; exit 0; }
K=6.1.0-99-arm64
R=$T/root
ESP=$R/boot/efi
KD=$R/usr/lib/linux-image-$K
mkdir -p "$ESP/EFI" "$R/etc/kernel" "$R/etc/initstack/overlays" "$R/boot" "$R/proc" "$KD/vendor" "$T/main"
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n' >"$R/etc/os-release"
echo debian >"$R/etc/kernel/entry-token"
echo 'root=/dev/vda2 ro' >"$R/etc/kernel/cmdline"
head -c 3000 /dev/urandom >"$R/boot/vmlinuz-$K"
echo '#!/bin/sh' >"$T/main/init"
(cd "$T/main" && find . | cpio -o -H newc --quiet | gzip -n) >"$R/boot/initrd.img-$K"

cat >"$T/board.dts" <<'DTS'
/dts-v1/;
/ {
	compatible = "vendor,board";
	#address-cells = <1>;
	#size-cells = <1>;
	soc {
		#address-cells = <1>;
		#size-cells = <1>;
		uart2: serial@2000 { reg = <0x2000 0x100>; status = "disabled"; };
	};
};
DTS
dtc -q -@ -I dts -O dtb -o "$KD/vendor/board.dtb" "$T/board.dts"
overlay() { # NAME TARGET BODY
	printf '/dts-v1/;\n/plugin/;\n&{%s} { %s };\n' "$2" "$3" | dtc -q -@ -I dts -O dtb -o "$1" -
}
overlay "$R/etc/initstack/overlays/uart2.dtbo" /soc/serial@2000 'status = "okay";'
# absolute names are the system's (under --root)
mkdir -p "$R/usr/local/share/dtbo"
overlay "$R/usr/local/share/dtbo/flash.dtbo" /soc 'flash@3000 { reg = <0x3000 0x100>; compatible = "jedec,spi-nor"; };'
overlay "$R/usr/local/share/dtbo/bad.dtbo" /soc/nope 'x = <1>;'
printf '# the board\ndevicetree vendor/board.dtb\noverlay uart2.dtbo\n\noverlay /usr/local/share/dtbo/flash.dtbo\n' \
	>"$R/etc/initstack/devicetree"

E=$ESP/loader/entries/debian-$K-initstack.conf
D=$ESP/debian/$K/initstack
REL=/debian/$K/initstack
expect_exit "entry dt: entry add exits 0" 0 $I entry add --root "$R" "$K"
check "entry dt: the entry's devicetree is the package's blob, copied beside the kernel" \
	sh -c "grep -qx 'devicetree     $REL/devicetree.dtb' '$E' && cmp -s '$KD/vendor/board.dtb' '$D/devicetree.dtb'"
check "entry dt: the overlays in the order listed" \
	test "$(awk '$1 == "devicetree-overlay" { printf "%s;", $2 }' "$E")" = \
	"$REL/overlay-01-uart2.dtbo;$REL/overlay-02-flash.dtbo;"
check "entry dt: the overlays copied as they are" \
	sh -c "cmp -s '$R/etc/initstack/overlays/uart2.dtbo' '$D/overlay-01-uart2.dtbo' && cmp -s '$R/usr/local/share/dtbo/flash.dtbo' '$D/overlay-02-flash.dtbo'"
expect_exit "entry dt: initstack dtb builds the entry's devicetree" 0 $I dtb "$E" --esp "$ESP" -o "$T/got.dtb"
check "entry dt: ... with the first overlay applied" test "$(fdtget "$T/got.dtb" /soc/serial@2000 status)" = okay
check "entry dt: ... and the second" test "$(fdtget "$T/got.dtb" /soc/flash@3000 compatible)" = jedec,spi-nor
check "entry dt: ... and /chosen names both" \
	test "$(fdtget "$T/got.dtb" /chosen initstack,overlays)" = "$REL/overlay-01-uart2.dtbo $REL/overlay-02-flash.dtbo"

# one overlay fewer: its copy goes
printf 'devicetree vendor/board.dtb\noverlay /usr/local/share/dtbo/flash.dtbo\n' >"$R/etc/initstack/devicetree"
expect_exit "entry dt: entry add again exits 0" 0 $I entry add --root "$R" "$K"
check "entry dt: the entry has the one overlay left" \
	test "$(awk '$1 == "devicetree-overlay" { printf "%s;", $2 }' "$E")" = "$REL/overlay-01-flash.dtbo;"
check "entry dt: the stale overlay files are gone" \
	sh -c "[ \"\$(cd '$D' && ls overlay-* | tr '\n' ' ')\" = 'overlay-01-flash.dtbo ' ]"

# overlays only: the loader applies them to the firmware's devicetree
printf 'overlay uart2.dtbo\n' >"$R/etc/initstack/devicetree"
expect_exit "entry dt: overlays without a devicetree line exit 0" 0 $I entry add --root "$R" "$K"
check "entry dt: ... no devicetree line, the overlay, the old base gone" \
	sh -c "! grep -q '^devicetree ' '$E' && grep -qx 'devicetree-overlay $REL/overlay-01-uart2.dtbo' '$E' && [ ! -e '$D/devicetree.dtb' ]"

# errors, each with the file and line or the loader's words; the entry and
# its archives stay as they were, though the initrd has changed meanwhile
cp "$E" "$T/entry.before"
cp "$D/initrd" "$T/initrd.before"
echo 'echo regenerated' >>"$T/main/init"
(cd "$T/main" && find . | cpio -o -H newc --quiet | gzip -n) >"$R/boot/initrd.img-$K"
err() { # NAME CONTENT MESSAGE
	printf '%b' "$2" >"$R/etc/initstack/devicetree"
	expect_exit "entry dt: $1: exit 1" 1 $I entry add --root "$R" "$K"
	check "entry dt: $1: says \"$3\"" grep -qF -- "$3" "$T/err"
	check "entry dt: $1: the entry and its archives are left as they were" \
		sh -c "cmp -s '$T/entry.before' '$E' && cmp -s '$T/initrd.before' '$D/initrd'"
}
C=$R/etc/initstack/devicetree
err "unknown key" 'devicetree vendor/board.dtb\ndtbo x\n' "$C:2: \"dtbo\" is not a devicetree key (devicetree, overlay)"
err "missing blob" 'devicetree vendor/nope.dtb\n' "$C:1: $KD/vendor/nope.dtb: No such file or directory"
err "missing overlay" 'devicetree vendor/board.dtb\n# x\noverlay gone.dtbo\n' \
	"$C:3: $R/etc/initstack/overlays/gone.dtbo: No such file or directory"
err "two bases" 'devicetree vendor/board.dtb\ndevicetree vendor/board.dtb\n' "$C:2: a second devicetree line"
err "no file name" 'overlay\n' "$C:1: overlay needs a file name"
err "an overlay that does not apply" "devicetree vendor/board.dtb\noverlay /usr/local/share/dtbo/bad.dtbo\n" \
	"the devicetree would not apply: $R/usr/local/share/dtbo/bad.dtbo: fragment@0: target-path \"/soc/nope\" not in the base"
err "a blob given as an overlay" "overlay /usr/lib/linux-image-$K/vendor/board.dtb\n" \
	"$KD/vendor/board.dtb: not an overlay: no fragment with an __overlay__ node"

# no file: no devicetree lines, no blobs left on the ESP
rm "$C"
expect_exit "entry dt: without /etc/initstack/devicetree exits 0" 0 $I entry add --root "$R" "$K"
check "entry dt: ... the entry has no devicetree lines and the blobs are gone" \
	sh -c "! grep -q '^devicetree' '$E' && ! ls '$D' | grep -q 'dtb'"
