#!/bin/bash
# handover on Debian's kernel in QEMU (issue 5, the boot tests): the kernel
# camp's hooks run before anything deferred exists, several deferred
# archives unpack in manifest order, a failing and a hanging hook under
# handover-error continue and panic, a digest (and size) mismatch, and
# Debian's own initramfs-tools image as the deferred archive, booted through
# initstack.efi to its break=top shell.
#
# The first four boot the kernel directly (no firmware, ~5-10 s each) with
# the initrd the loader would hand over, built here per docs/protocol.md:
# the kernel camp's archive, then a generated newc with /.initstack/,
# /.initstack/deferred/, the manifest and /.initstack/deferred/NN-NAME, and
# rdinit=/kernel/handover on the command line. The last goes through OVMF
# and initstack.efi, since there the loader builds the initrd.
. "$(dirname "$0")/lib.sh"

if ! why=$(boot_prereqs); then
	notok "handover boots: $why"
	exit 0
fi
HANDOVER=${HANDOVER:-build/handover/handover}
case $HANDOVER in /*) ;; *) HANDOVER=$PWD/$HANDOVER ;; esac
[ -x "$HANDOVER" ] || { notok "handover boots: $HANDOVER not built (make handover)"; exit 0; }
if ! K=$(fetch_kernel) || [ ! -f "$K" ]; then
	notok "handover boots: no kernel (Debian's linux-image package could not be fetched)"
	exit 0
fi
VM=$(boot_image "$K")
I=$INITSTACK
BB=/bin/busybox
export BOOT_TIMEOUT=${BOOT_TIMEOUT:-90}

# ---- building blocks --------------------------------------------------------

# kernel_camp NAME HOOK...: $T/NAME.cpio, the kernel camp's archive:
# /kernel/handover, /kernel/bin/busybox and the hooks (files in $T/hooks,
# each installed as /kernel/hooks/HOOK)
kernel_camp() {
	local name=$1 h d=$T/camp-$1
	shift
	rm -rf "$d" && mkdir -p "$d/kernel/hooks" "$d/kernel/bin"
	cp "$HANDOVER" "$d/kernel/handover"
	cp "$BB" "$d/kernel/bin/busybox"
	for h in "$@"; do install -m 0755 "$T/hooks/$h" "$d/kernel/hooks/$h"; done
	"$I" build --mtime 0 --owner 0:0 -o "$T/$name.cpio" "$d"
}

# hook NAME BODY: a hook script (busybox sh from the kernel camp; the hooks
# get PATH=/usr/sbin:/usr/bin:/sbin:/bin, where nothing exists yet)
mkdir -p "$T/hooks"
hook() {
	printf '#!/kernel/bin/busybox sh\nB=/kernel/bin/busybox\n%s\n' "$2" >"$T/hooks/$1"
}

# archive OUT COMPRESSOR 'list lines': a deferred archive from gen_init_cpio
# lines, compressed with COMPRESSOR (cat, gzip -n, zstd -q, ...)
archive() {
	printf '%b' "$3" >"$T/$1.list"
	"$I" build --mtime 0 -o "$T/$1.raw" --list "$T/$1.list"
	$2 <"$T/$1.raw" >"$T/$1"
}

# compression FILE: the manifest's name for what the file starts with
compression() {
	case $(head -c 6 "$1" | od -An -tx1 | tr -d ' \n') in
	1f8b*) echo gzip ;;
	28b52ffd*) echo zstd ;;
	fd377a585a00) echo xz ;;
	303730373031 | 303730373032) echo cpio ;;
	*) echo unknown ;;
	esac
}

# manifest_line FILE [NN]: the deferred record for $T/FILE at position NN
manifest_line() {
	echo "deferred $2-$1 $(stat -c %s "$T/$1") $(sha256sum <"$T/$1" | cut -d' ' -f1) $(compression "$T/$1")"
}

# deferred OUT MANIFEST FILE...: the generated archive of docs/protocol.md,
# holding the manifest (a file) and $T/FILE as .initstack/deferred/NN-FILE
deferred() {
	local out=$1 man=$2 n=0 f
	shift 2
	{
		printf 'dir .initstack 0700 0 0\ndir .initstack/deferred 0700 0 0\n'
		printf 'file .initstack/manifest %s 0400 0 0\n' "$man"
		for f in "$@"; do
			n=$((n + 1))
			printf 'file .initstack/deferred/%02d-%s %s 0400 0 0\n' "$n" "$f" "$T/$f"
		done
	} >"$T/$out.list"
	"$I" build --mtime 0 -o "$T/$out" --list "$T/$out.list"
}

# policy MODE: the manifest's policy lines
policy() {
	printf 'initstack-manifest 1\nprotect /kernel\non-clash warn\nhandover-error %s\n' "$1"
}

# log LOG: the serial log without carriage returns
log() { tr -d '\r' <"$1"; }
# has LOG TEXT: a line of the log contains TEXT
has() { log "$1" | grep -qaF -- "$2"; }
# line LOG TEXT: the number of the first line containing TEXT (0: none)
line() { log "$1" | grep -naF -- "$2" | head -1 | cut -d: -f1 | grep . || echo 0; }
# show LOG: the lines handover, the hooks and /init printed (on a failure)
show() { log "$1" | grep -aE 'handover|@@|Kernel panic|initstack' | head -30 | sed 's/^/    /'; }
# expect NAME LOG TEXT: ok if a line contains TEXT, else show the log
expect() {
	if has "$2" "$3"; then ok "$1"; else notok "$1"; echo "    wanted: $3"; show "$2"; fi
}

# The distribution's /init, shared by every direct boot: says what it sees,
# then powers off. It uses the kernel camp's busybox (the distribution
# archives here carry only what the tests look at).
cat >"$T/init" <<'SH'
#!/kernel/bin/busybox sh
B=/kernel/bin/busybox
seen=
for f in /a /b /c /ab /bad /short /.initstack; do [ -e "$f" ] && seen="$seen $f"; done
$B echo "@@INIT@@ pid=$$ args=$* env=$handover_hook_timeout order=$($B cat /order 2>/dev/null) ab=$($B cat /ab 2>/dev/null) seen:$seen"
$B echo "@@INIT@@ hooks ran: $($B cat /kernel/hooks.ran 2>/dev/null | $B tr '\n' ' ')"
# hooks still running (a ready hook is left running; a hung one is killed)
$B mkdir -p /proc && $B mount -t proc proc /proc
$B echo "@@INIT@@ hook sleepers: $($B grep -l '^/kernel/bin/busybox.sleep.1000' /proc/[0-9]*/cmdline 2>/dev/null | $B wc -l)"
$B poweroff -f
SH
echo A >"$T/A"; echo B >"$T/B"; echo C >"$T/C"

# ---- 1 and 2: hooks before anything deferred; three archives in order -------
# Three deferred archives (gzip, zstd, plain newc) write /order (A, B, C) and
# /ab (A, B): order=C and ab=B pin the unpack order to a, b, c. The hooks
# record what exists while they run.
hook 10-first 'seen=
for f in /init /order /a /b /c; do [ -e "$f" ] && seen="$seen $f"; done
echo "@@HOOK@@ 10-first sees:${seen:- nothing} deferred: $($B ls /.initstack/deferred | $B tr "\n" " ")"
echo 10-first >>/kernel/hooks.ran'
hook 15-ready 'echo 15-ready >>/kernel/hooks.ran
exec 3>&-
echo "@@HOOK@@ 15-ready: ready, going on"
exec $B sleep 1000'
hook 20-second 'seen=
for f in /init /order /a /b /c; do [ -e "$f" ] && seen="$seen $f"; done
echo "@@HOOK@@ 20-second sees:${seen:- nothing} after: $($B cat /kernel/hooks.ran | $B tr "\n" " ")"
echo 20-second >>/kernel/hooks.ran'
kernel_camp order 10-first 15-ready 20-second
archive a.cpio.gz "gzip -n" "file init $T/init 0755 0 0\nfile order $T/A 0644 0 0\nfile ab $T/A 0644 0 0\nfile a $T/A 0644 0 0\n"
archive b.cpio.zst "zstd -q" "file order $T/B 0644 0 0\nfile ab $T/B 0644 0 0\nfile b $T/B 0644 0 0\n"
archive c.cpio cat "file order $T/C 0644 0 0\nfile c $T/C 0644 0 0\n"
{
	policy continue
	manifest_line a.cpio.gz 01
	manifest_line b.cpio.zst 02
	manifest_line c.cpio 03
} >"$T/order.manifest"
deferred order-deferred.cpio "$T/order.manifest" a.cpio.gz b.cpio.zst c.cpio
make_initrd "$T/order.initrd" "$T/order.cpio" "$T/order-deferred.cpio"

# ---- 3: a failing and a hanging hook, under continue and under panic ---------
hook 10-fail 'echo "@@HOOK@@ 10-fail: failing"; exit 1'
hook 20-hang 'echo "@@HOOK@@ 20-hang: hanging"; exec $B sleep 1000'
hook 30-after 'echo "@@HOOK@@ 30-after ran"; echo 30-after >>/kernel/hooks.ran'
kernel_camp bad-hooks 10-fail 20-hang 30-after
archive init.cpio cat "file init $T/init 0755 0 0\nfile a $T/A 0644 0 0\n"
for mode in continue panic; do
	{ policy $mode; manifest_line init.cpio 01; } >"$T/hooks-$mode.manifest"
	deferred hooks-$mode-deferred.cpio "$T/hooks-$mode.manifest" init.cpio
	make_initrd "$T/hooks-$mode.initrd" "$T/bad-hooks.cpio" "$T/hooks-$mode-deferred.cpio"
done

# ---- 4: a digest and a size mismatch -----------------------------------------
# 01 is sound (/init, /a); 02's manifest digest is another file's; 03's size
# is one byte short. Neither 02 nor 03 may be unpacked.
archive bad.cpio cat "file bad $T/B 0644 0 0\n"
archive short.cpio cat "file short $T/C 0644 0 0\n"
wrong=$(sha256sum <"$T/c.cpio" | cut -d' ' -f1)
{
	policy continue
	manifest_line init.cpio 01
	echo "deferred 02-bad.cpio $(stat -c %s "$T/bad.cpio") $wrong cpio"
	echo "deferred 03-short.cpio $(($(stat -c %s "$T/short.cpio") - 1)) $(sha256sum <"$T/short.cpio" | cut -d' ' -f1) cpio"
} >"$T/digest.manifest"
deferred digest-deferred.cpio "$T/digest.manifest" init.cpio bad.cpio short.cpio
kernel_camp plain 10-first
make_initrd "$T/digest.initrd" "$T/plain.cpio" "$T/digest-deferred.cpio"

# ---- 5: Debian's initramfs-tools image, deferred, through initstack.efi -----
# The kernel camp's archive (handover, busybox, a hook) and Debian's image
# (zstd) as the one deferred archive; options break=top: Debian's /init
# stops at its first break point with a shell on the serial console. No
# panic= here: with it, Debian's panic() reboots instead of starting the
# shell ("Rebooting automatically due to panic= boot argument").
efi_why=
[ -s "$EFI_IMAGE" ] || efi_why="$EFI_IMAGE not built (make efi)"
[ -f "$OVMF_CODE" ] || efi_why="no OVMF at $OVMF_CODE (tests/deps.sh installs ovmf)"
if [ -z "$efi_why" ] && ! IMG=$(debian_initrd "$K" "$T/mkinitramfs.log"); then
	efi_why="no initramfs-tools image for $K and mkinitramfs could not build one: $(tail -3 "$T/mkinitramfs.log" | tr '\n' ' ')"
fi
hook 10-look 'echo "@@HOOK@@ 10-look sees: init=$([ -e /init ] && echo yes || echo no) scripts=$([ -e /scripts ] && echo yes || echo no) deferred: $($B ls /.initstack/deferred | $B tr "\n" " ")"'
kernel_camp debian 10-look
PROMPT="(initramfs)"
if [ -z "$efi_why" ]; then
	E=$T/esp
	make_esp "$E" "$EFI_IMAGE"
	cp "$K" "$E/boot/vmlinuz"
	cp "$T/debian.cpio" "$E/boot/kernel.cpio"
	cp "$IMG" "$E/boot/${IMG##*/}"
	cat >"$E/EFI/BOOT/initstack.conf" <<CONF
title          handover: Debian's initramfs-tools image, deferred
linux          /boot/vmlinuz
kernel-initrd  /boot/kernel.cpio
defer          /boot/${IMG##*/}
options        console=ttyS0 loglevel=4 break=top
handover-error continue
CONF
	# in the background, beside the direct boots (two QEMUs for two cores)
	efi_start=$SECONDS
	(BOOT_TIMEOUT=180 boot_efi "$E" "$T/debian.log" "$PROMPT"; echo $? >"$T/debian.rc") &
	efi_pid=$!
fi

# ---- the direct boots --------------------------------------------------------
HO="rdinit=/kernel/handover handover_hook_timeout=2"
start=$SECONDS
if [ -n "$efi_why" ]; then
	# nothing in the background: two at a time
	boot_qemu "$VM" "$T/order.initrd" "$T/order.log" $HO initarg &
	boot_qemu "$VM" "$T/hooks-continue.initrd" "$T/hooks-continue.log" $HO
	wait
	boot_qemu "$VM" "$T/hooks-panic.initrd" "$T/hooks-panic.log" $HO &
	p=$!
	boot_qemu "$VM" "$T/digest.initrd" "$T/digest.log" $HO
	wait $p
	panic_rc=$?
else
	boot_qemu "$VM" "$T/order.initrd" "$T/order.log" $HO initarg
	boot_qemu "$VM" "$T/hooks-continue.initrd" "$T/hooks-continue.log" $HO
	boot_qemu "$VM" "$T/hooks-panic.initrd" "$T/hooks-panic.log" $HO
	panic_rc=$?
	boot_qemu "$VM" "$T/digest.initrd" "$T/digest.log" $HO
fi
boot_log "direct boots: $((SECONDS - start)) s"

# 1. hooks first
L=$T/order.log
expect "hooks first: hook 10-first sees no deferred file unpacked, only the opaque ones" "$L" \
	"@@HOOK@@ 10-first sees: nothing deferred: 01-a.cpio.gz 02-b.cpio.zst 03-c.cpio "
expect "hooks first: hook 20-second runs after 10-first and still sees nothing unpacked" "$L" \
	"@@HOOK@@ 20-second sees: nothing after: 10-first 15-ready "
expect "hooks first: handover reports each hook done" "$L" "handover: hook 20-second: done"
h=$(line "$L" "handover: hook 20-second: done")
u=$(line "$L" "handover: 01-a.cpio.gz: ")
n=$(line "$L" "@@INIT@@ pid=")
check "hooks first: console order is hooks, then the unpack, then /init (lines $h < $u < $n)" \
	test "$h" -gt 0 -a "$u" -gt "$h" -a "$n" -gt "$u"
expect "hooks first: /init runs as PID 1 with the kernel's arguments and environment" "$L" "@@INIT@@ pid=1 args=initarg env=2 "
# the line ends after /ab: no /.initstack
check "hooks first: /init sees every deferred archive's files, and /.initstack gone" \
	sh -c "tr -d '\r' <'$L' | grep -qa '@@INIT@@ pid=1 .* seen: /a /b /c /ab\$'"
expect "hooks first: /init sees the hooks' record of their order" "$L" "@@INIT@@ hooks ran: 10-first 15-ready 20-second "
expect "hooks first: a hook that closes fd 3 is ready and left running" "$L" "handover: hook 15-ready: ready, left running"
expect "hooks first: ... and still runs under /init" "$L" "@@INIT@@ hook sleepers: 1"

# 2. order
expect "order: 01 (gzip) unpacked" "$L" \
	"handover: 01-a.cpio.gz: 4 entries: 4 written, 0 dropped, 0 refused, 0 warnings, 0 failed"
expect "order: 02 (zstd) unpacked" "$L" \
	"handover: 02-b.cpio.zst: 3 entries: 3 written, 0 dropped, 0 refused, 0 warnings, 0 failed"
expect "order: 03 (newc) unpacked" "$L" \
	"handover: 03-c.cpio: 2 entries: 2 written, 0 dropped, 0 refused, 0 warnings, 0 failed"
check "order: summaries in manifest order" \
	test "$(line "$L" "handover: 01-a.cpio.gz: ")" -lt "$(line "$L" "handover: 02-b.cpio.zst: ")" -a \
	"$(line "$L" "handover: 02-b.cpio.zst: ")" -lt "$(line "$L" "handover: 03-c.cpio: ")"
expect "order: the last archive wins (/order is C, /ab is B: a, then b, then c)" "$L" "order=C ab=B "
check "order: no problem reported" sh -c "! tr -d '\r' <'$L' | grep -qa 'handover: .*problem'"

# 3. failing and hanging hooks
for mode in continue panic; do
	L=$T/hooks-$mode.log
	expect "bad hooks ($mode): the failing hook is reported" "$L" "handover: hook 10-fail: exited with status 1 (failed)"
	expect "bad hooks ($mode): the hanging hook is killed after handover_hook_timeout=2" "$L" \
		"handover: hook 20-hang: no exit and no readiness after 2000 ms, killed (failed)"
	expect "bad hooks ($mode): the next hook still runs" "$L" "handover: hook 30-after: done"
done
L=$T/hooks-continue.log
expect "bad hooks (continue): two problems, going on" "$L" "handover: 2 problems; handover-error continue: going on to /init"
expect "bad hooks (continue): the deferred archive is unpacked" "$L" \
	"handover: 01-init.cpio: 2 entries: 2 written, 0 dropped, 0 refused, 0 warnings, 0 failed"
expect "bad hooks (continue): /init runs" "$L" "@@INIT@@ pid=1 "
expect "bad hooks (continue): the hung hook is gone when /init runs" "$L" "@@INIT@@ hook sleepers: 0"
L=$T/hooks-panic.log
expect "bad hooks (panic): handover stops" "$L" "handover: 2 problems; handover-error panic: stopping (the kernel panics)"
expect "bad hooks (panic): the kernel panics" "$L" "Kernel panic - not syncing: Attempted to kill init!"
check "bad hooks (panic): /init never runs" sh -c "! grep -qa '@@INIT@@' '$L'"
check "bad hooks (panic): the VM ends by itself (panic=-1)" test "$panic_rc" != 124

# 4. digest and size mismatch
L=$T/digest.log
expect "digest: the sound archive is unpacked" "$L" \
	"handover: 01-init.cpio: 2 entries: 2 written, 0 dropped, 0 refused, 0 warnings, 0 failed"
expect "digest: a wrong sha256 is refused with both digests" "$L" \
	"handover: 02-bad.cpio: sha256 $(sha256sum <"$T/bad.cpio" | cut -d' ' -f1), the manifest says $wrong (not unpacked)"
expect "digest: a wrong size is refused" "$L" \
	"handover: 03-short.cpio: size $(stat -c %s "$T/short.cpio"), the manifest says $(($(stat -c %s "$T/short.cpio") - 1)) (not unpacked)"
expect "digest: handover-error continue counts both" "$L" "handover: 2 problems; handover-error continue: going on to /init"
check "digest: /init runs and sees neither refused archive's file, nor /.initstack" \
	sh -c "tr -d '\r' <'$L' | grep -qa '@@INIT@@ pid=1 .* seen: /a\$'"

# 5. Debian's image
if [ -n "$efi_why" ]; then
	notok "debian: $efi_why"
	exit 0
fi
wait "$efi_pid"
boot_log "efi boot with Debian's image: $((SECONDS - efi_start)) s"
L=$T/debian.log
name=01-${IMG##*/}
entries=$("$I" list --json "$IMG" | jq '[.[0].segments[].entries[] | select(.type != "trailer")] | length')
expect "debian: the loader defers the image (rdinit=/kernel/handover added)" "$L" "rdinit=/kernel/handover"
expect "debian: the hook runs before the image is unpacked (no /init, no /scripts)" "$L" \
	"@@HOOK@@ 10-look sees: init=no scripts=no deferred: $name "
expect "debian: handover reports the hook done" "$L" "handover: hook 10-look: done"
expect "debian: handover unpacks all $entries entries of the zstd image" "$L" \
	"handover: $name: $entries entries: $entries written, 0 dropped, 0 refused, 0 warnings, 0 failed"
check "debian: no problem reported" sh -c "! tr -d '\r' <'$L' | grep -qa 'handover: .*problem'"
check "debian: Debian's /init reaches its break=top shell prompt $PROMPT" has "$L" "$PROMPT"
check "debian: console order is hook, unpack, prompt" \
	test "$(line "$L" "handover: hook 10-look: done")" -gt 0 -a \
	"$(line "$L" "handover: $name: ")" -gt "$(line "$L" "handover: hook 10-look: done")" -a \
	"$(line "$L" "$PROMPT")" -gt "$(line "$L" "handover: $name: ")"
check "debian: the VM was stopped at the prompt, not by the timeout" \
	sh -c "test \"\$(cat '$T/debian.rc')\" = 0 && tr -d '\r' <'$L' | grep -qaF '$PROMPT'"

# 6. a dracut image, deferred, through initstack.efi, to its rd.break shell
#    (dracut-core is run from where it is unpacked: it conflicts with
#    initramfs-tools in Debian; see tests/boot/lib.sh dracut_initrd)
if ! DIMG=$(dracut_initrd "$K" "$T/dracut.log"); then
	notok "dracut: no dracut image for $K: $(tail -3 "$T/dracut.log" | tr '\n' ' ')"
	exit 0
fi
E=$T/esp-dracut
make_esp "$E" "$EFI_IMAGE"
cp "$K" "$E/boot/vmlinuz"
cp "$T/debian.cpio" "$E/boot/kernel.cpio"
cp "$DIMG" "$E/boot/${DIMG##*/}"
cat >"$E/EFI/BOOT/initstack.conf" <<CONF
title          handover: a dracut image, deferred
linux          /boot/vmlinuz
kernel-initrd  /boot/kernel.cpio
defer          /boot/${DIMG##*/}
options        console=ttyS0 loglevel=4 rd.break=cmdline
handover-error continue
CONF
DPROMPT="cmdline:/#"
BOOT_TIMEOUT=180 boot_efi "$E" "$T/dracut-boot.log" "$DPROMPT"
drc=$?
L=$T/dracut-boot.log
name=01-${DIMG##*/}
entries=$("$I" list --json "$DIMG" | jq '[.[0].segments[].entries[] | select(.type != "trailer")] | length')
expect "dracut: the hook runs before the image is unpacked (no /init)" "$L" \
	"@@HOOK@@ 10-look sees: init=no scripts=no deferred: $name "
expect "dracut: handover unpacks all $entries entries of the gzip image" "$L" \
	"handover: $name: $entries entries: $entries written, 0 dropped, 0 refused, 0 warnings, 0 failed"
check "dracut: dracut's /init reaches its rd.break=cmdline shell ($DPROMPT)" \
	sh -c "test '$drc' = 0 && tr -d '\r' <'$L' | grep -qaF '$DPROMPT'"
