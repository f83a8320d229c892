#!/bin/bash
# handover as PID 1, as the kernel starts it: in a new PID namespace,
# chrooted into a scratch rootfs laid out as docs/protocol.md says (the
# kernel camp's /kernel with handover, busybox and two hooks; /.initstack
# with the manifest and two deferred archives, one of which tries to
# overwrite a kernel file). Checks the console report, that the hooks ran
# before anything deferred was unpacked, the refusal, that /init got the
# arguments and environment handover was given and runs as PID 1, and that
# /.initstack is gone. Needs root (chroot, unshare) and busybox-static.
cd "$(dirname "$0")/../.."
. tests/sh/lib.sh
HANDOVER=${HANDOVER:-build/handover/handover}
BUSYBOX=${BUSYBOX:-/bin/busybox}
CHROOT=$(command -v chroot)
if [ "$(id -u)" != 0 ] || ! unshare --pid --fork --mount true 2>/dev/null; then
	ok "# skip: needs root and PID namespaces"; exit 0
fi
if ! file -L "$BUSYBOX" | grep -q 'statically linked'; then
	ok "# skip: needs a static busybox ($BUSYBOX)"; exit 0
fi

# rootfs DIR MODE: a rootfs as the kernel leaves it; MODE is handover-error
rootfs() {
	local r=$1 mode=$2
	mkdir -p "$r/kernel/bin" "$r/kernel/hooks" "$r/.initstack/deferred" "$r/dev" "$r/root"
	cp "$HANDOVER" "$r/kernel/handover"
	cp "$BUSYBOX" "$r/kernel/bin/busybox"
	echo "kernel tool" > "$r/kernel/bin/tool"
	cat > "$r/kernel/hooks/10-record" <<'H'
#!/kernel/bin/busybox sh
echo "hook 10 sees: $(/kernel/bin/busybox ls /.initstack/deferred | /kernel/bin/busybox tr '\n' ' ')init=$([ -e /init ] && echo yes || echo no)" > /kernel-hook.log
H
	cat > "$r/kernel/hooks/20-second" <<'H'
#!/kernel/bin/busybox sh
echo "hook 20 ran" >> /kernel-hook.log
H
	chmod 755 "$r/kernel/hooks/"*
	# the distribution: /init and an attempt on the kernel camp's file
	local d=$T/dist-$mode
	mkdir -p "$d/kernel/bin" "$d/etc"
	printf '#!/kernel/bin/busybox sh\necho "init: $0 $* pid=$$ FOO=$FOO"\n/kernel/bin/busybox cat /kernel-hook.log\n' > "$d/init"
	chmod 755 "$d/init"
	echo "distro" > "$d/etc/os-release"
	echo "evil" > "$d/kernel/bin/tool"
	(cd "$d" && find . -mindepth 1 | sort | cpio -o -H newc --quiet) | gzip -n -c > "$T/dist-$mode.gz"
	mkdir -p "$T/extra-$mode/etc"; echo "extra" > "$T/extra-$mode/etc/extra"
	(cd "$T/extra-$mode" && find . -mindepth 1 | sort | cpio -o -H newc --quiet) > "$T/extra-$mode.cpio"
	cp "$T/dist-$mode.gz" "$r/.initstack/deferred/01-dist.gz"
	cp "$T/extra-$mode.cpio" "$r/.initstack/deferred/02-extra.cpio"
	{
		echo "initstack-manifest 1"
		echo "protect /kernel"
		echo "on-clash warn"
		echo "handover-error $mode"
		echo "deferred 01-dist.gz $(stat -c %s "$T/dist-$mode.gz") $(sha256sum < "$T/dist-$mode.gz" | cut -d' ' -f1) gzip"
		echo "deferred 02-extra.cpio $(stat -c %s "$T/extra-$mode.cpio") $(sha256sum < "$T/extra-$mode.cpio" | cut -d' ' -f1) cpio"
	} > "$r/.initstack/manifest"
	chmod 0400 "$r/.initstack/manifest" "$r/.initstack/deferred/"*
	chmod 0700 "$r/.initstack" "$r/.initstack/deferred"
}

R=$T/continue; rootfs "$R" continue
env -i FOO=bar TERM=linux unshare --pid --fork --mount "$CHROOT" "$R" /kernel/handover single quiet > "$T/out" 2>&1
rc=$?
cat > "$T/want" <<'W'
handover: hook 10-record: done
handover: hook 20-second: done
handover: 01-dist.gz: kernel/bin/tool: /kernel/bin/tool is under a protected prefix (refused)
handover: 01-dist.gz: 6 entries: 3 written, 0 dropped, 1 refused, 0 warnings, 0 failed
handover: 02-extra.cpio: 2 entries: 2 written, 0 dropped, 0 refused, 0 warnings, 0 failed
handover: 1 problem; handover-error continue: going on to /init
init: /init single quiet pid=1 FOO=bar
hook 10 sees: 01-dist.gz 02-extra.cpio init=no
hook 20 ran
W
check "PID 1: exit status of /init" [ "$rc" = 0 ]
same "PID 1: console report, hooks first, /init as PID 1 with argv and env" "$T/want" "$T/out"
check "PID 1: kernel file intact" [ "$(cat "$R/kernel/bin/tool")" = "kernel tool" ]
check "PID 1: distribution unpacked" [ "$(cat "$R/etc/os-release")" = distro ] && [ "$(cat "$R/etc/extra")" = extra ]
check "PID 1: /.initstack deleted" [ ! -e "$R/.initstack" ]

R=$T/panic; rootfs "$R" panic
env -i unshare --pid --fork --mount "$CHROOT" "$R" /kernel/handover > "$T/out" 2>&1
rc=$?
check "PID 1, handover-error panic: PID 1 exits (the kernel would panic)" [ "$rc" = 1 ]
check "PID 1, handover-error panic: said so" grep -qx 'handover: 1 problem; handover-error panic: stopping (the kernel panics)' "$T/out"
check "PID 1, handover-error panic: /init never ran" bash -c "! grep -q '^init:' '$T/out'"
