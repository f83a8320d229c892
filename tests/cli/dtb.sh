#!/bin/bash
# initstack dtb: the devicetree the loader installs for an entry, checked
# against device-tree-compiler's own tools: the overlays applied as
# fdtoverlay applies them (same tree, as dtc prints both), the /chosen
# properties as fdtget reads them, and precise errors for broken blobs,
# missing targets and tampered archives.
. "$(dirname "$0")/../sh/lib.sh"
I=$INITSTACK
E=$T/esp
mkdir -p "$E/loader/entries" "$E/dtbs" "$E/k"
cat >"$T/board.dts" <<'DTS'
/dts-v1/;
/ {
	compatible = "initstack,test-board";
	#address-cells = <1>;
	#size-cells = <1>;
	chosen { bootargs = "from the firmware"; };
	soc {
		#address-cells = <1>;
		#size-cells = <1>;
		uart0: serial@1000 { reg = <0x1000 0x100>; status = "okay"; };
		i2c0: i2c@2000 { reg = <0x2000 0x100>; status = "disabled"; };
	};
};
DTS
# by label (a fixup resolved through the base's __symbols__) and by path
cat >"$T/a.dts" <<'DTS'
/dts-v1/;
/plugin/;
&i2c0 {
	status = "okay";
	sensor@48 { compatible = "ti,tmp102"; reg = <0x48>; };
};
DTS
cat >"$T/b.dts" <<'DTS'
/dts-v1/;
/plugin/;
/ { fragment@0 { target-path = "/soc"; __overlay__ { led@3000 { reg = <0x3000 0x10>; label = "b"; }; }; }; };
DTS
cat >"$T/missing.dts" <<'DTS'
/dts-v1/;
/plugin/;
/ { fragment@0 { target-path = "/soc/spi@9000"; __overlay__ { status = "okay"; }; }; };
DTS
cat >"$T/nolabel.dts" <<'DTS'
/dts-v1/;
/plugin/;
&spi9 { status = "okay"; };
DTS
dtc -q -@ -I dts -O dtb -o "$E/dtbs/board.dtb" "$T/board.dts"
dtc -q -I dts -O dtb -o "$E/dtbs/plain.dtb" "$T/board.dts"
for o in a b missing nolabel; do dtc -q -@ -I dts -O dtb -o "$E/dtbs/$o.dtbo" "$T/$o.dts"; done
head -c 5000 /dev/urandom >"$E/k/linux"
head -c 1000 /dev/urandom >"$E/k/early.cpio"
head -c 3000 /dev/urandom >"$E/k/initrd"
sha() { sha256sum <"$1" | cut -d' ' -f1; }
entry() { # entry NAME BASE OVERLAYS...
	local name=$1 base=$2; shift 2
	{
		echo "title dtb test"
		echo "linux /k/linux"
		[ -n "$base" ] && echo "devicetree $base"
		[ $# -gt 0 ] && echo "devicetree-overlay $*"
		echo "early /k/early.cpio"
		echo "defer /k/initrd"
		echo "sha256 /k/early.cpio $(sha "$E/k/early.cpio")"
		echo "sha256 /k/initrd $(sha "$E/k/initrd")"
	} >"$E/loader/entries/$name.conf"
}
dts() { dtc -q -s -I dtb -O dts "$1"; }

entry good /dtbs/board.dtb /dtbs/a.dtbo /dtbs/b.dtbo
expect_exit "dtb: an entry with a base and two overlays" 0 $I dtb "$E/loader/entries/good.conf" -o "$T/out.dtb"
check "dtb: it says what it made" grep -q '^initstack dtb: /dtbs/board.dtb: [0-9]* bytes, 2 overlays applied, /chosen: 2 archives (1 deferred)$' "$T/out"
fdtoverlay -i "$E/dtbs/board.dtb" -o "$T/want.dtb" "$E/dtbs/a.dtbo" "$E/dtbs/b.dtbo"
cp "$T/out.dtb" "$T/got.dtb"
for p in entry archives roles sizes sha256 deferred overlays; do fdtput -d "$T/got.dtb" /chosen "initstack,$p"; done
dts "$T/got.dtb" >"$T/got.dts"
dts "$T/want.dtb" >"$T/want.dts"
check "dtb: the overlays applied as fdtoverlay applies them (dtc -s of both)" cmp -s "$T/got.dts" "$T/want.dts"
[ -s "$T/got.dts" ] && ! cmp -s "$T/got.dts" "$T/want.dts" && diff "$T/got.dts" "$T/want.dts" | head -10 | sed 's/^/    /'
check "dtb: the label overlay reached i2c@2000" sh -c "[ \"\$(fdtget '$T/out.dtb' /soc/i2c@2000/sensor@48 compatible)\" = ti,tmp102 ]"
check "dtb: the path overlay added /soc/led@3000" sh -c "[ \"\$(fdtget '$T/out.dtb' /soc/led@3000 label)\" = b ]"
check "dtb: the firmware's /chosen properties stay" sh -c "[ \"\$(fdtget '$T/out.dtb' /chosen bootargs)\" = 'from the firmware' ]"
get() { fdtget "$@" "$T/out.dtb" /chosen "initstack,$p" 2>&1; }
p=entry; check "dtb: /chosen initstack,entry is the entry's path on the ESP" sh -c "[ \"\$(fdtget '$T/out.dtb' /chosen initstack,entry)\" = /loader/entries/good.conf ]"
p=archives; check "dtb: /chosen initstack,archives in unpack order" sh -c "[ \"$(get)\" = '/k/early.cpio /k/initrd' ]"
p=roles; check "dtb: /chosen initstack,roles" sh -c "[ \"$(get)\" = 'early deferred' ]"
p=sizes; check "dtb: /chosen initstack,sizes as 64-bit cells" sh -c "[ \"$(get -t u)\" = '0 1000 0 3000' ]"
p=sha256; check "dtb: /chosen initstack,sha256 the digests checked" sh -c "[ \"$(get)\" = '$(sha "$E/k/early.cpio") $(sha "$E/k/initrd")' ]"
p=deferred; check "dtb: /chosen initstack,deferred" sh -c "[ \"$(get)\" = /k/initrd ]"
p=overlays; check "dtb: /chosen initstack,overlays in order" sh -c "[ \"$(get)\" = '/dtbs/a.dtbo /dtbs/b.dtbo' ]"
check "dtb: the result is a valid blob (dtc reads it)" sh -c "dtc -q -I dtb -O dts '$T/out.dtb' >/dev/null"

# no devicetree line: the firmware's, here --base
entry fw "" /dtbs/b.dtbo
expect_exit "dtb: no devicetree line and no --base is a usage error" 64 $I dtb "$E/loader/entries/fw.conf"
check "dtb: ... which says the loader would take the firmware's" grep -q "fw.conf: no devicetree line: the loader would take the firmware's" "$T/err"
expect_exit "dtb: --base stands in for the firmware's" 0 $I dtb "$E/loader/entries/fw.conf" --base "$E/dtbs/board.dtb" -o "$T/fw.dtb"
check "dtb: ... and gets the overlay" sh -c "fdtget '$T/fw.dtb' /soc/led@3000 reg >/dev/null"

# errors, each naming the blob and what was wrong
err() { # err NAME WANT-EXIT PATTERN
	expect_exit "dtb: $1: exit $2" "$2" $I dtb "$E/loader/entries/bad.conf"
	check "dtb: $1: \"$3\"" grep -qF -- "$3" "$T/err"
}
printf 'not a dtb at all, but long enough for a header..........' >"$E/dtbs/junk.dtb"
entry bad /dtbs/junk.dtb; err "bad magic" 1 "initstack dtb: /dtbs/junk.dtb: bad magic 0x6e6f7420 (a DTB starts with 0xd00dfeed)"
head -c 500 "$E/dtbs/board.dtb" >"$E/dtbs/cut.dtb"
entry bad /dtbs/cut.dtb; err "truncated" 1 "/dtbs/cut.dtb: truncated: the header says $(stat -c %s "$E/dtbs/board.dtb") bytes, the file has 500"
head -c 20 "$E/dtbs/board.dtb" >"$E/dtbs/tiny.dtb"
entry bad /dtbs/tiny.dtb; err "shorter than a header" 1 "/dtbs/tiny.dtb: 20 bytes, shorter than a devicetree header (40)"
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[20:24]=(16).to_bytes(4,'big'); open(sys.argv[2],'wb').write(b)" "$E/dtbs/board.dtb" "$E/dtbs/v16.dtb"
entry bad /dtbs/v16.dtb; err "an old version" 1 "/dtbs/v16.dtb: devicetree version 16, compatible with 16: initstack reads version 17 (what dtc writes)"
# a string offset past the strings block: the structure check catches it
python3 - "$E/dtbs/board.dtb" "$E/dtbs/badoff.dtb" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
off_struct = struct.unpack('>I', b[8:12])[0]
i = off_struct
while True:  # the first FDT_PROP (3): its nameoff, past the strings
	tag = struct.unpack('>I', b[i:i+4])[0]
	if tag == 3:
		b[i+8:i+12] = struct.pack('>I', 0x7fff0000); break
	i += 4
open(sys.argv[2], 'wb').write(b)
PY
entry bad /dtbs/badoff.dtb; err "bad string offset" 1 "/dtbs/badoff.dtb: malformed structure: FDT_ERR_"
entry bad /dtbs/board.dtb /dtbs/board.dtb; err "a DTB given as an overlay" 1 "/dtbs/board.dtb: not an overlay: no fragment with an __overlay__ node"
entry bad /dtbs/board.dtb /dtbs/missing.dtbo; err "target-path missing" 1 "/dtbs/missing.dtbo: fragment@0: target-path \"/soc/spi@9000\" not in the base"
entry bad /dtbs/board.dtb /dtbs/nolabel.dtbo; err "label missing" 1 "/dtbs/nolabel.dtbo: fragment@0: target &spi9: no such label in the base"
entry bad /dtbs/plain.dtb /dtbs/a.dtbo; err "base without __symbols__" 1 "/dtbs/a.dtbo: fragment@0: target &i2c0: the base has no __symbols__ (compile it with dtc -@)"
entry bad /dtbs/board.dtb /dtbs/gone.dtbo; err "overlay missing" 2 "/dtbs/gone.dtbo: No such file or directory"
entry bad /dtbs/board.dtb
printf 'x' | dd of="$E/k/initrd" bs=1 seek=100 conv=notrunc status=none
err "tampered archive" 1 "/k/initrd: sha256 $(sha "$E/k/initrd"), but $E/loader/entries/bad.conf:7 says"
expect_exit "dtb: no entry is a usage error" 64 $I dtb
