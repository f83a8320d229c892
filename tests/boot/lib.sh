# Helpers for the boot tests (tests/boot/*.sh): a Debian kernel fetched once
# into a cache outside the repository, initrds built from a stack of files,
# QEMU runs with a hard timeout, marked sections of the serial log.
#
# Environment:
#   INITSTACK_CACHE     cache directory (default /var/tmp/initstack-cache),
#                       shared by every clone on the machine
#   INITSTACK_VMLINUZ   use this kernel instead of Debian's
#   INITSTACK_KERNEL_PKG  the Debian package to fetch (default: what
#                       linux-image-$BOOT_ARCH depends on)
#   BOOT_ARCH           Debian architecture of the fetched kernel and
#                       busybox (default amd64; tests/boot/arm64.sh: arm64)
#   BOOT_TIMEOUT        seconds before a boot is killed (default 120)
#   BOOT_KEEP=DIR       keep the stacks, initrds and serial logs in DIR
#   BOOT_BZIMAGE=1      boot the bzImage, not the vmlinux inside it
#   BOOT_SMP=N          boot_efi: N virtual CPUs (default 1), multi-threaded
#                       TCG when N > 1
# tests/run.sh runs every tests/boot/*.sh: run on its own, this file does nothing.
[ "${BASH_SOURCE[0]}" = "$0" ] && exit 0
. "$(dirname "${BASH_SOURCE[0]}")/../sh/lib.sh"

BOOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${INITSTACK_CACHE:-/var/tmp/initstack-cache}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
if [ -n "${BOOT_KEEP:-}" ]; then
	mkdir -p "$BOOT_KEEP"
	rm -rf "$T"
	T=$(cd "$BOOT_KEEP" && pwd)
	trap - EXIT
fi

# boot_log MSG: progress on stderr (tests/run.sh keeps it in the log)
boot_log() { echo "# $*" >&2; }

BOOT_ARCH=${BOOT_ARCH:-amd64}

# apt_download PKG[:ARCH]: download the package into the current directory;
# for another architecture, add it to dpkg first, and `apt-get update` when
# the lists lack the package (a fresh machine has no lists at all)
apt_download() {
	apt-get download "$1" >&2 && return 0
	local a=${1##*:}
	if [ "$a" != "$1" ] && ! dpkg --print-foreign-architectures | grep -qx "$a" &&
		[ "$a" != "$(dpkg --print-architecture)" ]; then
		boot_log "adding the $a architecture to dpkg"
		dpkg --add-architecture "$a" || return 1
	fi
	boot_log "apt-get download $1 failed; trying apt-get update"
	apt-get -o DPkg::Lock::Timeout=600 update -q >&2 && apt-get download "$1" >&2
}

# kernel_pkg: the versioned package linux-image-$BOOT_ARCH depends on
kernel_pkg() {
	if [ -n "${INITSTACK_KERNEL_PKG:-}" ]; then
		echo "$INITSTACK_KERNEL_PKG"
		return
	fi
	apt-cache depends "linux-image-$BOOT_ARCH:$BOOT_ARCH" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { sub(/:.*/, "", $2); print $2; exit }'
}

# fetch_kernel: print the path of a vmlinuz, downloading and unpacking the
# Debian package into $CACHE/PKG/ the first time. Safe against concurrent
# runs (flock) and idempotent; installs nothing.
fetch_kernel() {
	if [ -n "${INITSTACK_VMLINUZ:-}" ]; then
		echo "$INITSTACK_VMLINUZ"
		return
	fi
	local pkg v
	pkg=$(kernel_pkg)
	if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
		# a fresh machine may have no package lists yet, or not for $BOOT_ARCH
		[ "$BOOT_ARCH" = "$(dpkg --print-architecture)" ] ||
			dpkg --print-foreign-architectures | grep -qx "$BOOT_ARCH" ||
			dpkg --add-architecture "$BOOT_ARCH"
		apt-get -o DPkg::Lock::Timeout=600 update -q >&2
		pkg=$(kernel_pkg)
	fi
	if [ -n "$pkg" ]; then
		v=$(ls "$CACHE/$pkg"/boot/vmlinuz-* 2>/dev/null | head -1)
		[ -n "$v" ] && { echo "$v"; return; }
		mkdir -p "$CACHE" || return 1
		if (
			flock 9 || exit 1
			# another run may have finished while we waited
			ls "$CACHE/$pkg"/boot/vmlinuz-* >/dev/null 2>&1 && exit 0
			cd "$CACHE" || exit 1
			deb=$(ls "${pkg}"_*.deb 2>/dev/null | head -1)
			if [ -z "$deb" ]; then
				rm -rf dl && mkdir dl && cd dl || exit 1
				apt_download "$pkg:$BOOT_ARCH" || exit 1
				cd .. && mv dl/"${pkg}"_*.deb . && rm -rf dl || exit 1
				deb=$(ls "${pkg}"_*.deb | head -1)
			fi
			rm -rf "$pkg.tmp" && mkdir "$pkg.tmp" || exit 1
			dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$pkg.tmp" ./boot || exit 1
			ls "$pkg.tmp"/boot/vmlinuz-* >/dev/null || exit 1
			mv "$pkg.tmp" "$pkg"
		) 9>"$CACHE/.lock"; then
			ls "$CACHE/$pkg"/boot/vmlinuz-* | head -1
			return
		fi
		boot_log "fetching $pkg failed"
	else
		boot_log "cannot tell which kernel package linux-image-$BOOT_ARCH needs"
	fi
	# offline or no apt metadata: any kernel already in the cache will do
	v=$(ls "$CACHE"/linux-image-*-"$BOOT_ARCH"/boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
	[ -n "$v" ] || return 1
	boot_log "using the cached $v"
	echo "$v"
}

# boot_image VMLINUZ: the image to hand QEMU's -kernel. By default the ELF
# vmlinux inside the bzImage, unpacked once beside it (QEMU boots it through
# its PVH entry; CONFIG_PVH=y in Debian's kernels): under TCG this saves the
# guest-side xz decompression of the kernel, about 8 s a boot here. The
# initrd is handed over and unpacked the same way. BOOT_BZIMAGE=1, or a
# kernel whose payload cannot be found, boots the bzImage itself.
boot_image() {
	local z=$1 out=${1%/*}/vmlinux
	if [ -n "${BOOT_BZIMAGE:-}" ]; then
		echo "$z"
		return
	fi
	if [ ! -s "$out" ]; then
		(
			flock 9 || exit 1
			[ -s "$out" ] && exit 0
			local off magic
			# xz, then gzip, then zstd payloads; the first offset that
			# decompresses to an ELF file wins
			for magic in $'\xfd7zXZ' $'\x1f\x8b\x08' $'\x28\xb5\x2f\xfd'; do
				for off in $(LC_ALL=C grep -obUa -- "$magic" "$z" | cut -d: -f1 | head -5); do
					case $magic in
					$'\xfd7zXZ') tail -c +$((off + 1)) "$z" | xz -dc --single-stream ;;
					$'\x1f\x8b\x08') tail -c +$((off + 1)) "$z" | gzip -dc ;;
					*) tail -c +$((off + 1)) "$z" | zstd -dcq ;;
					esac >"$out.tmp" 2>/dev/null
					if [ "$(head -c 4 "$out.tmp")" = $'\x7fELF' ]; then
						mv "$out.tmp" "$out"
						exit 0
					fi
				done
			done
			rm -f "$out.tmp"
			exit 1
		) 9>>"${1%/*}/.lock" || { echo "$z"; return; }
	fi
	echo "$out"
}

# list_archive NAME 'list lines': $T/NAME, a newc archive made by
# `initstack build` from gen_init_cpio-style lines (printf %b escapes)
list_archive() {
	printf '%b' "$2" >"$T/$1.list"
	"$INITSTACK" build --mtime 0 -o "$T/$1" --list "$T/$1.list"
}

# pad4 FILE: append NULs up to a multiple of 4 bytes
pad4() {
	local n
	n=$(stat -c %s -- "$1")
	head -c $(((4 - n % 4) % 4)) /dev/zero >>"$1"
}

# make_initrd OUT FILE...: concatenate the files as a boot loader does, each
# padded to 4 bytes (the kernel looks for a cpio magic only at aligned
# offsets), nothing after the last.
make_initrd() {
	local out=$1 f
	shift
	: >"$out"
	for f in "$@"; do
		pad4 "$out"
		cat -- "$f" >>"$out"
	done
}

# boot_qemu VMLINUZ INITRD LOG [APPEND...]: boot with the initrd, serial
# console to LOG, killed after $BOOT_TIMEOUT seconds. Returns QEMU's status
# (124 on timeout). Direct kernel boot: no firmware, no disk, no network.
boot_qemu() {
	local k=$1 i=$2 log=$3
	shift 3
	timeout -k 5 "$BOOT_TIMEOUT" qemu-system-x86_64 \
		-machine q35,accel=tcg -m 512 -smp 1 -nographic -no-reboot \
		-nodefaults -serial stdio -net none \
		-kernel "$k" -initrd "$i" \
		-append "console=ttyS0 panic=-1 quiet loglevel=1 rdinit=/init $*" \
		</dev/null >"$log" 2>&1
}

# section LOG BEGIN END: the lines strictly between the two marker lines,
# without the serial console's carriage returns.
section() {
	tr -d '\r' <"$1" | awk -v b="$2" -v e="$3" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }'
}

# has_marker LOG MARKER: the log has the marker line
has_marker() {
	tr -d '\r' <"$1" | grep -qxF -- "$2"
}

# boot_prereqs: ok or the reason the boot tests cannot run
boot_prereqs() {
	command -v qemu-system-x86_64 >/dev/null || { echo "qemu-system-x86_64 missing (tests/deps.sh installs qemu-system-x86)"; return 1; }
	# ldd fails on a static executable
	[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 ||
		{ echo "no static /bin/busybox (busybox-static)"; return 1; }
	[ -x "$INITSTACK" ] || { echo "$INITSTACK not built (make check builds it)"; return 1; }
	return 0
}

# ---- UEFI boots (QEMU + OVMF) ----------------------------------------------

OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
EFI_IMAGE=${EFI_IMAGE:-build/efi-x86_64/initstack.efi}

# make_esp DIR LOADER: an ESP folder whose default boot path is LOADER
make_esp() {
	mkdir -p "$1/EFI/BOOT" "$1/boot"
	cp "$2" "$1/EFI/BOOT/BOOTX64.EFI"
}

# boot_efi ESP LOG [UNTIL]: boot the ESP folder under OVMF with a fresh copy
# of the variables, serial console to LOG. Killed after $BOOT_TIMEOUT
# seconds, or as soon as the log has a line containing UNTIL (for loaders
# that return to the firmware, which would then wait in its boot menu).
# Returns QEMU's status (124 on timeout, 0 when stopped at UNTIL).
# BOOT_SMP=2 gives the firmware a second CPU (MP services) on its own host
# thread.
boot_efi() {
	local esp=$1 log=$2 until=${3:-} smp=${BOOT_SMP:-1} cpus
	cpus=(-machine q35,accel=tcg -smp 1)
	[ "$smp" -gt 1 ] && cpus=(-machine q35 -accel tcg,thread=multi -smp "$smp")
	cp "$OVMF_VARS" "$esp.vars"
	: >"$log"
	timeout -k 5 "$BOOT_TIMEOUT" qemu-system-x86_64 \
		"${cpus[@]}" -m 1024 -display none -no-reboot \
		-nodefaults -serial stdio -net none \
		-drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF_CODE" \
		-drive if=pflash,format=raw,unit=1,file="$esp.vars" \
		-drive format=raw,file=fat:rw:"$esp" \
		</dev/null >"$log" 2>&1 &
	wait_until $! "$log" "$until"
}

# wait_until PID LOG [UNTIL]: wait for the QEMU of PID; with UNTIL, stop it
# as soon as LOG has a line containing UNTIL (status 0). Else QEMU's status.
wait_until() {
	local pid=$1 log=$2 until=${3:-}
	if [ -n "$until" ]; then
		while kill -0 "$pid" 2>/dev/null; do
			if tr -d '\r' <"$log" | grep -qF -- "$until"; then
				sleep 1
				kill "$pid" 2>/dev/null
				wait "$pid" 2>/dev/null
				return 0
			fi
			sleep 0.5
		done
	fi
	wait "$pid"
}

# ---- arm64: QEMU's virt machine under AAVMF or U-Boot ------------------------

AAVMF_CODE=${AAVMF_CODE:-/usr/share/AAVMF/AAVMF_CODE.fd}
AAVMF_VARS=${AAVMF_VARS:-/usr/share/AAVMF/AAVMF_VARS.fd}
UBOOT_ARM64=${UBOOT_ARM64:-/usr/lib/u-boot/qemu_arm64/u-boot.bin}
# acpi=off: the firmware hands the kernel QEMU's devicetree (EFI_DTB_TABLE);
# pauth-impdef: TCG's cheap pointer authentication, about 3x faster here
ARM64_MACHINE=(-machine virt,acpi=off -cpu max,pauth-impdef=on -m 1024 -smp 1)

# fetch_busybox ARCH: the path of busybox-static:ARCH's binary, unpacked once
# into the cache by efi/fetch-foreign.sh (installs nothing)
fetch_busybox() {
	local dir=$CACHE/busybox-static-$1
	"$BOOT_DIR/../../efi/fetch-foreign.sh" "$1" "$dir" busybox-static >&2 &&
		[ -x "$dir/bin/busybox" ] && echo "$dir/bin/busybox"
}

# boot_arm64 FIRMWARE ESP LOG [UNTIL]: as boot_efi, on QEMU's arm64 virt
# machine with FIRMWARE aavmf (EDK2, with fresh variables) or uboot (U-Boot's
# UEFI, which finds EFI/BOOT/BOOTAA64.EFI itself); the ESP is a virtio disk,
# the console the PL011 (ttyAMA0). `dumpdtb=FILE` in BOOT_MACHINE_EXTRA
# writes the machine's devicetree instead of booting.
boot_arm64() {
	local fw=$1 esp=$2 log=$3 until=${4:-} firmware
	case $fw in
	aavmf)
		cp "$AAVMF_VARS" "$esp.vars"
		firmware=(-drive if=pflash,format=raw,unit=0,readonly=on,file="$AAVMF_CODE"
			-drive if=pflash,format=raw,unit=1,file="$esp.vars") ;;
	uboot) firmware=(-bios "$UBOOT_ARM64") ;;
	*) echo "boot_arm64: firmware aavmf or uboot, not $fw" >&2; return 2 ;;
	esac
	: >"$log"
	timeout -k 5 "$BOOT_TIMEOUT" qemu-system-aarch64 "${ARM64_MACHINE[@]}" \
		-display none -no-reboot -nodefaults -serial stdio -net none "${firmware[@]}" \
		-drive if=none,id=esp,format=raw,file=fat:rw:"$esp" -device virtio-blk-device,drive=esp \
		</dev/null >"$log" 2>&1 &
	wait_until $! "$log" "$until"
}

# arm64_dtb OUT: the devicetree QEMU's virt machine (as boot_arm64 runs it)
# hands its firmware
arm64_dtb() {
	qemu-system-aarch64 -machine virt,acpi=off,dumpdtb="$1" -cpu max,pauth-impdef=on \
		-m 1024 -smp 1 -display none -nodefaults -net none >/dev/null 2>&1
	[ -s "$1" ]
}

# ---- Debian's initramfs-tools image ------------------------------------------

# kernel_modules VMLINUZ: the package's /lib/modules/VER for that kernel,
# unpacked once beside it in the cache.
kernel_modules() {
	local k=$1 ver pkgdir deb
	ver=${k##*/vmlinuz-}
	pkgdir=${k%/boot/*}
	if [ ! -d "$pkgdir/lib/modules/$ver" ] && [ ! -d "$pkgdir/usr/lib/modules/$ver" ]; then
		deb=$(ls "$CACHE"/linux-image-"$ver"_*.deb 2>/dev/null | head -1)
		[ -n "$deb" ] || { echo "no $CACHE/linux-image-${ver}_*.deb for the modules" >&2; return 1; }
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$pkgdir" ./lib/modules ./usr/lib/modules 2>/dev/null ||
			dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$pkgdir" ./lib/modules 2>/dev/null
	fi
	local dir=$pkgdir/usr/lib/modules/$ver
	[ -d "$pkgdir/lib/modules/$ver" ] && dir=$pkgdir/lib/modules/$ver
	# the package has no modules.dep (its postinst makes it); dracut needs it
	# (mkinitramfs makes it itself, so a suite that ran it first hid this)
	if [ ! -f "$dir/modules.dep" ]; then
		depmod -b "${dir%/lib/modules/*}" "$ver" >&2 || return 1
	fi
	echo "$dir"
}

# with_kernel VMLINUZ CMD: run the shell command CMD in a private mount
# namespace where /lib/modules/VER and /boot/config-VER are the package's
# (nothing is installed for the kernel on the machine).
with_kernel() {
	local k=$1 cmd=$2 ver pkgdir mods
	ver=${k##*/vmlinuz-}
	pkgdir=${k%/boot/*}
	mods=$(kernel_modules "$k") || return 1
	mkdir -p /lib/modules
	unshare -m sh -c '
		mount -t tmpfs none /lib/modules && mkdir /lib/modules/'"$ver"' &&
		mount --bind '"$mods"' /lib/modules/'"$ver"' &&
		mount -t tmpfs none /boot && cp '"$pkgdir"'/boot/config-'"$ver"' /boot/ && '"$cmd"
}

# debian_initrd VMLINUZ LOG: Debian's initramfs-tools image for that kernel,
# built once by mkinitramfs (with_kernel) and cached; its path, or fail with
# the reason in LOG.
debian_initrd() {
	local k=$1 mlog=$2 ver img
	ver=${k##*/vmlinuz-}
	img=$CACHE/initrd.img-$ver
	: >"$mlog"
	[ -s "$img" ] && { echo "$img"; return 0; }
	command -v mkinitramfs >/dev/null || { echo "mkinitramfs missing (initramfs-tools)" >"$mlog"; return 1; }
	(
		flock 9 || exit 1
		[ -s "$img" ] && exit 0
		with_kernel "$k" "mkinitramfs -o '$img.tmp' '$ver'" && mv "$img.tmp" "$img"
	) 9>"$CACHE/.initramfs.lock" >>"$mlog" 2>&1
	[ -s "$img" ] || return 1
	echo "$img"
}

# dracut_initrd VMLINUZ LOG: a dracut image for that kernel (modules base,
# rootfs-block, kernel-modules; not host-only), built once and cached.
# dracut conflicts with initramfs-tools in Debian, so dracut-core is
# downloaded and run from where it is unpacked (dracutbasedir), not
# installed.
dracut_initrd() {
	local k=$1 mlog=$2 ver img d
	ver=${k##*/vmlinuz-}
	img=$CACHE/dracut.img-$ver
	d=$CACHE/dracut/root
	: >"$mlog"
	[ -s "$img" ] && { echo "$img"; return 0; }
	(
		flock 9 || exit 1
		[ -s "$img" ] && exit 0
		if [ ! -x "$d/usr/bin/dracut" ]; then
			mkdir -p "$CACHE/dracut" && cd "$CACHE/dracut" &&
				{ apt-get download dracut-core || { apt-get update -q && apt-get download dracut-core; }; } &&
				rm -rf root && mkdir root && dpkg-deb -x dracut-core_*.deb root || exit 1
		fi
		with_kernel "$k" "dracutbasedir=$d/usr/lib/dracut $d/usr/bin/dracut --no-hostonly \
			--no-early-microcode -m 'base rootfs-block kernel-modules' --kver '$ver' \
			--force '$img.tmp'" && mv "$img.tmp" "$img"
	) 9>"$CACHE/.dracut.lock" >>"$mlog" 2>&1
	[ -s "$img" ] || return 1
	echo "$img"
}
