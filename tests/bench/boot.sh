#!/bin/bash
# `make bench-boot`: time to /init through initstack.efi and through the
# loaders users run today, on the same Debian kernel and the same stack,
# under QEMU+OVMF (TCG). See docs/benchmarks.md for the results and how to
# read them.
#
# The stack: an uncompressed early cpio (a synthetic microcode file where
# initramfs-tools puts Intel's), the kernel camp's archive (handover,
# busybox, one hook) and the distribution's archive, gzip -6: /init,
# busybox and a part of the `make bench` corpus (tests/bench/corpus.sh) at
# three sizes. Loaders, each from its own FAT32 image:
#   initstack        decompress auto (the loader inflates the gzip archive)
#   initstack-never  decompress never (the kernel inflates it)
#   initstack-defer  the distribution's archive `defer`red: handover
#                    unpacks it after the hook, then execs its /init
#   systemd-boot     Debian's systemd-boot-efi, three initrd lines
#   grub             Debian's grub-efi-amd64-bin (grub-mkstandalone), one
#                    initrd command with three files
#   stub             the kernel started by the firmware from a boot option
#                    whose load options carry three initrd= (made once per
#                    image in the firmware's shell with bcfg)
# and, on the largest stack compressed with zstd -3, initstack with
# decompress auto (the kernel decodes zstd) against always (the loader does).
#
# /init reads /proc/uptime first, counts the files it got and prints the
# kernel's unpack lines from dmesg; the host stamps every serial line with
# the time since QEMU started. BENCH_BOOT_ROUNDS (default 5) interleaved
# rounds; BENCH_BOOT_SIZES (default "small 40 140", MB of the corpus);
# BENCH_BOOT_LOADERS (default all six above; the zstd pair runs with
# initstack); BENCH_BOOT_SMP (default 1: the vCPUs of every boot, on TCG
# threads of their own; at 2 initstack.efi splits the inflate across both);
# BENCH_BOOT_DIR (default build/bench-boot).
# Results: build/bench-boot/runs.tsv (one line a boot), summary.md (the
# tables), docs/bench-boot.{png,svg} (the plot) when BENCH_BOOT_PLOT=docs.
set -eu
cd "$(dirname "$0")/../.."
export LC_ALL=C
. tests/boot/lib.sh
rm -rf "$T"
trap - EXIT

rounds=${BENCH_BOOT_ROUNDS:-5}
smp=${BENCH_BOOT_SMP:-1}
sizes=${BENCH_BOOT_SIZES:-small 40 140}
loaders=${BENCH_BOOT_LOADERS:-initstack initstack-never initstack-defer systemd-boot grub stub}
W=${BENCH_BOOT_DIR:-build/bench-boot}
SDBOOT=/usr/lib/systemd/boot/efi/systemd-bootx64.efi
HANDOVER=build/handover/handover
OPTS="console=ttyS0 quiet panic=-1"
mkdir -p "$W/parts" "$W/img" "$W/logs"

K=$(fetch_kernel) || { echo "bench-boot: no Debian kernel" >&2; exit 1; }
for f in "$EFI_IMAGE" "$HANDOVER" "$INITSTACK" "$SDBOOT" /usr/lib/grub/x86_64-efi/linux.mod; do
	[ -e "$f" ] || { echo "bench-boot: $f missing (make deps all)" >&2; exit 1; }
done
bash tests/bench/corpus.sh
corpus=build/cache/bench/corpus.cpio

# ---- the stack ---------------------------------------------------------------

P=$W/parts
# early: what initramfs-tools prepends on a machine with Intel microcode
rm -rf "$P/early" && mkdir -p "$P/early/kernel/x86/microcode"
head -c 196608 /dev/urandom >"$P/early/kernel/x86/microcode/GenuineIntel.bin"
(cd "$P/early" && find . | sort | cpio -o -H newc --quiet --owner 0:0) >"$P/early.cpio"

# kernel camp: its hook prints the uptime at which it runs
rm -rf "$P/camp" && mkdir -p "$P/camp/kernel/hooks" "$P/camp/kernel/bin"
cp "$HANDOVER" "$P/camp/kernel/handover"
cp /bin/busybox "$P/camp/kernel/bin/busybox"
cat >"$P/camp/kernel/hooks/10-mark" <<'EOF'
#!/kernel/bin/busybox sh
B=/kernel/bin/busybox
$B mkdir -p /proc
[ -r /proc/uptime ] || $B mount -t proc proc /proc
read up idle </proc/uptime
echo "@@BENCH@@ hook uptime $up" >/dev/console
EOF
chmod 0755 "$P/camp/kernel/hooks/10-mark"
"$INITSTACK" build --mtime 0 --owner 0:0 -o "$P/kernel.cpio" "$P/camp"

# the distribution's /init
rm -rf "$P/init" && mkdir -p "$P/init/bin"
cp /bin/busybox "$P/init/bin/busybox"
cat >"$P/init/init" <<'EOF'
#!/bin/busybox sh
B=/bin/busybox
$B mkdir -p /proc
[ -r /proc/uptime ] || $B mount -t proc proc /proc
read up idle </proc/uptime
echo "@@BENCH@@ init uptime $up"
echo "@@BENCH@@ files $($B find /lib /usr -type f 2>/dev/null | $B wc -l)"
$B dmesg | $B grep -e 'Trying to unpack rootfs' -e 'Freeing initrd memory' | $B sed 's/^/@@BENCH@@ dmesg /'
echo "@@BENCH@@ done"
$B poweroff -f
EOF
chmod 0755 "$P/init/init"

# the corpus unpacked once; each size takes its files in name order
if [ ! -d "$P/corpus" ] || [ "$P/corpus" -ot "$corpus" ]; then
	rm -rf "$P/corpus" && mkdir -p "$P/corpus"
	(cd "$P/corpus" && cpio -id --quiet --no-absolute-filenames <"$OLDPWD/$corpus")
	rm -f "$P/corpus/bin/busybox"
fi

# distro SIZE: $P/distro-SIZE.cpio (uncompressed) with /init and up to SIZE
# MB of the corpus (none for "small"); prints its expected file count
distro() {
	local s=$1 d=$P/stage-$1 budget
	rm -rf "$d" && cp -a "$P/init" "$d"
	if [ "$s" != small ]; then
		budget=$((s * 1000 * 1000 - $(stat -c %s /bin/busybox)))
		(cd "$P/corpus" && find lib usr -type f -printf '%s %p\n' | sort -k2) |
			awk -v b="$budget" '{ if (t + $1 <= b) { t += $1; print $2 } }' >"$d.files"
		(cd "$P/corpus" && cpio -pdm --quiet "$OLDPWD/$d" <"$OLDPWD/$d.files")
	fi
	(cd "$d" && find . -mindepth 1 | sort | cpio -o -H newc --quiet --owner 0:0) >"$P/distro-$s.cpio"
	(cd "$d" && find lib usr -type f 2>/dev/null | wc -l) >"$P/distro-$s.count"
	rm -rf "$d"
}

# ---- the images -------------------------------------------------------------

# fat IMG DIR: a FAT32 image holding DIR's files
fat() {
	local kb
	kb=$(du -sk "$2" | cut -f1)
	kb=$(((kb + 24 * 1024) / 1024 * 1024))
	[ "$kb" -ge 65536 ] || kb=65536
	rm -f "$1"
	mkfs.vfat -F 32 -n BENCH -C "$1" "$kb" >/dev/null
	MTOOLS_SKIP_CHECK=1 mcopy -s -i "$1" "$2"/* ::/
}

GRUB_CFG=$W/grub.cfg
# esp LOADER SIZE COMP: the image for one loader and one stack
esp() {
	local l=$1 s=$2 c=$3 e=$W/esp files dist
	dist=distro.cpio.$c
	rm -rf "$e" && mkdir -p "$e/EFI/BOOT"
	cp "$K" "$e/vmlinuz"
	cp "$P/early.cpio" "$P/kernel.cpio" "$e/"
	cp "$P/distro-$s.cpio.$c" "$e/$dist"
	for f in early.cpio kernel.cpio "$dist"; do pad4 "$e/$f"; done
	files="/early.cpio /kernel.cpio /$dist"
	case $l in
	initstack*)
		cp "$EFI_IMAGE" "$e/EFI/BOOT/BOOTX64.EFI"
		{
			echo "title bench"
			echo "linux /vmlinuz"
			echo "early /early.cpio"
			echo "kernel-initrd /kernel.cpio"
			case $l in
			initstack-defer) echo "defer /$dist"; echo "options $OPTS" ;;
			*) echo "initrd /$dist"; echo "options $OPTS rdinit=/init" ;;
			esac
			case $l in
			initstack-never) echo "decompress never" ;;
			initstack-always) echo "decompress always" ;;
			*) echo "decompress auto" ;;
			esac
		} >"$e/EFI/BOOT/initstack.conf"
		;;
	systemd-boot)
		cp "$SDBOOT" "$e/EFI/BOOT/BOOTX64.EFI"
		mkdir -p "$e/loader/entries"
		printf 'timeout 0\ndefault bench.conf\n' >"$e/loader/loader.conf"
		{
			echo "title bench"
			echo "linux /vmlinuz"
			for f in $files; do echo "initrd $f"; done
			echo "options $OPTS rdinit=/init"
		} >"$e/loader/entries/bench.conf"
		;;
	grub)
		printf 'set timeout=0\nsearch --no-floppy --file --set=root /vmlinuz\nlinux /vmlinuz %s rdinit=/init\ninitrd %s\nboot\n' \
			"$OPTS" "$files" >"$GRUB_CFG"
		grub-mkstandalone -O x86_64-efi -o "$e/EFI/BOOT/BOOTX64.EFI" --locales= --fonts= --themes= \
			--install-modules="fat part_msdos part_gpt search search_fs_file linux normal echo" \
			"boot/grub/grub.cfg=$GRUB_CFG"
		;;
	stub)
		rmdir "$e/EFI/BOOT" "$e/EFI"
		# the boot option's load options: UCS-2, NUL-terminated
		printf '%s\0' "$(for f in $files; do printf 'initrd=%s ' "${f//\//\\}"; done)$OPTS rdinit=/init" |
			iconv -f UTF-8 -t UTF-16LE >"$e/opts.bin"
		# (bcfg -opt refuses index 0 here: add at 1, then move to the front)
		printf 'fs0:\r\nbcfg boot add 1 fs0:\\vmlinuz "stub"\r\nbcfg boot -opt 1 fs0:\\opts.bin\r\nbcfg boot mv 1 0\r\nbcfg boot dump -v\r\nreset -s\r\n' >"$e/startup.nsh"
		;;
	esac
	fat "$W/img/$l-$s-$c.img" "$e"
	rm -rf "$e"
	if [ "$l" = stub ]; then
		# once: the shell writes the boot option into this image's variables
		local v=$W/img/$l-$s-$c.vars
		cp "$OVMF_VARS" "$v"
		timeout -k 5 120 qemu-system-x86_64 -machine q35,accel=tcg -smp 1 -m 1024 \
			-display none -no-reboot -nodefaults -serial stdio -net none \
			-drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE" \
			-drive if=pflash,format=raw,unit=1,file="$v" \
			-drive format=raw,file="$W/img/$l-$s-$c.img" </dev/null >"$W/logs/setup-$s-$c.log" 2>&1 || true
		tr -d '\r' <"$W/logs/setup-$s-$c.log" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' | grep -A3 '^Option: 00\.' | grep -q 'Optional- Y' ||
			{ echo "bench-boot: bcfg did not add the stub's boot option (see $W/logs/setup-$s-$c.log)" >&2; exit 1; }
		MTOOLS_SKIP_CHECK=1 mdel -i "$W/img/$l-$s-$c.img" ::/startup.nsh
	fi
}

# ---- the boots --------------------------------------------------------------

# boot IMG LOG: boot the image, every serial line stamped with the seconds
# since QEMU started; stops at poweroff or after 240 s
boot() {
	local img=$1 log=$2 v=$W/run.vars
	case $img in
	*/stub-*) cp "${img%.img}.vars" "$v" ;;
	*) cp "$OVMF_VARS" "$v" ;;
	esac
	timeout -k 5 240 qemu-system-x86_64 -machine q35,accel=tcg -smp "$smp" -m 1024 \
		-display none -no-reboot -nodefaults -serial stdio -net none \
		-drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE" \
		-drive if=pflash,format=raw,unit=1,file="$v" \
		-drive format=raw,snapshot=on,file="$img" </dev/null 2>&1 |
		perl -MTime::HiRes=time -e '$t0 = time; $| = 1; while (<STDIN>) { s/\r//g; printf "%.3f %s", time - $t0, $_ }' >"$log"
}

# record LOADER SIZE COMP ROUND LOG: one line of runs.tsv
record() {
	perl -e '
	my ($l, $s, $c, $r, undef, $want, $raw, $gz) = @ARGV;
	my %v = (wall => "", bds => "", up => "", hook => "", files => "", own => "", peak => "", unpack => "", lf2 => "");
	my ($t1, $t2);
	while (<STDIN>) {
		my ($t, $m) = /^(\S+) (.*)$/ or next;
		$v{bds} = $t if $v{bds} eq "" && $m =~ /^BdsDxe: starting /;
		if ($m =~ /^\@\@BENCH\@\@ init uptime (\S+)/) { $v{wall} = $t; $v{up} = $1 }
		$v{hook} = $1 if $m =~ /^\@\@BENCH\@\@ hook uptime (\S+)/;
		$v{files} = $1 if $m =~ /^\@\@BENCH\@\@ files (\d+)/;
		$t1 = $1 if $m =~ /dmesg \[\s*([\d.]+)\] Trying to unpack rootfs/;
		$t2 = $1 if $m =~ /dmesg \[\s*([\d.]+)\] Freeing initrd memory/;
		$v{own} = $1 / 1000 if $m =~ /^initstack: timing: .*StartImage at (\d+) ms/;
		$v{peak} = $1 if $m =~ /^initstack: memory: peak (\d+) KiB/;
		$v{lf2} = $1 / 1000 if $m =~ /^initstack: LoadFile2: \d+ bytes to the kernel in (\d+) ms/;
	}
	$v{unpack} = sprintf "%.3f", $t2 - $t1 if defined $t1 && defined $t2;
	my $ok = $v{wall} ne "" && $v{files} eq $want ? "ok" : "FAILED";
	my $kstart = $v{wall} ne "" && $v{bds} ne "" ? sprintf("%.3f", $v{wall} - $v{up} - $v{bds}) : "";
	print join("\t", $l, $s, $c, $r, $ok, $raw, $gz, $v{wall}, $v{bds}, $kstart, $v{own}, $v{up}, $v{hook}, $v{unpack}, $v{peak}, $v{lf2}), "\n";
	' "$@" "$(cat "$P/distro-$2.count")" "$(stat -c %s "$P/distro-$2.cpio")" "$(stat -c %s "$P/distro-$2.cpio.$3")" <"$5"
}

cases=()
for s in $sizes; do
	distro "$s"
	[ -s "$P/distro-$s.cpio.gz" ] && [ "$P/distro-$s.cpio.gz" -nt "$P/distro-$s.cpio" ] ||
		gzip -6 -n -c "$P/distro-$s.cpio" >"$P/distro-$s.cpio.gz"
	for l in $loaders; do cases+=("$l $s gz"); done
done
big=${sizes##* }
if [ "$big" != small ] && [[ " $loaders " = *" initstack "* ]]; then
	zstd -q -f -3 "$P/distro-$big.cpio" -o "$P/distro-$big.cpio.zst"
	cases+=("initstack $big zst" "initstack-always $big zst")
fi
for c in "${cases[@]}"; do
	set -- $c
	echo "bench-boot: image $1 $2 $3" >&2
	esp "$1" "$2" "$3"
done

runs=$W/runs.tsv
printf 'loader\tsize\tcomp\tround\tresult\traw\tcompressed\twall\tfirmware\tloader_stub\tloader_own\tinit_uptime\thook_uptime\tkernel_unpack\tpeak_kib\tloadfile2\n' >"$runs"
for r in $(seq "$rounds"); do
	for c in "${cases[@]}"; do
		set -- $c
		log=$W/logs/$1-$2-$3-$r.log
		boot "$W/img/$1-$2-$3.img" "$log"
		record "$1" "$2" "$3" "$r" "$log" | tee -a "$runs" >&2
	done
done
{
	echo "QEMU $(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p'), TCG, $smp vCPU(s), $rounds rounds"
	echo
	perl tests/bench/boot-summary.pl "$runs" "$W"
} >"$W/summary.md"
cat "$W/summary.md"
if [ "${BENCH_BOOT_PLOT:-}" = docs ]; then
	cp "$W/bench-boot.png" "$W/bench-boot.svg" docs/
fi
