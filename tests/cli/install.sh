#!/bin/bash
# initstack install / entry / remove on a system root made here (--root):
# the loader on the ESP, the entry of a kernel with early microcode, its
# digests against sha256sum, hooks and policy from /etc and /usr/lib,
# errors, idempotence, removal; and systemd's bootctl reading the entry.
. "$(dirname "$0")/../sh/lib.sh"
I=$INITSTACK
EFI=build/efi-x86_64/initstack.efi
[ -s "$EFI" ] || { notok "install: $EFI not built (make efi)"; exit 0; }
K=6.1.0-99-amd64
R=$T/root
ESP=$R/boot/efi
mkdir -p "$ESP/EFI" "$R/etc/kernel" "$R/etc/initstack/hooks" "$R/usr/lib/initstack/hooks" "$R/proc" \
	"$R/boot" "$T/ucode/kernel/x86/microcode" "$T/main/usr/bin"
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n' >"$R/etc/os-release"
printf '0123456789abcdef0123456789abcdef\n' >"$R/etc/machine-id"
head -c 3000 /dev/urandom >"$R/boot/vmlinuz-$K"
# an initramfs-tools image with early microcode: uncompressed cpio, then zstd
head -c 6000 /dev/urandom >"$T/ucode/kernel/x86/microcode/GenuineIntel.bin"
(cd "$T/ucode" && find kernel | cpio -o -H newc --quiet) >"$T/early.cpio"
echo '#!/bin/sh' >"$T/main/init"
(cd "$T/main" && find . | cpio -o -H newc --quiet | zstd -q -c) >"$T/main.zst"
cat "$T/early.cpio" "$T/main.zst" >"$R/boot/initrd.img-$K"
echo 'root=UUID=1b2c ro  console=ttyS0' >"$R/etc/kernel/cmdline"
printf 'BOOT_IMAGE=/vmlinuz root=/dev/sda2 initrd=/x quiet\n' >"$R/proc/cmdline"
for h in 10-net 20-keys 30-gone; do printf '#!/bin/sh\necho %s\n' "$h" >"$R/usr/lib/initstack/hooks/$h"; done
printf '#!/bin/sh\necho local\n' >"$R/etc/initstack/hooks/20-keys"
ln -s /dev/null "$R/etc/initstack/hooks/30-gone"
chmod +x "$R"/usr/lib/initstack/hooks/* "$R/etc/initstack/hooks/20-keys"
echo 'notes' >"$R/etc/initstack/hooks/README"
printf '# ours\non-clash error\nprotect /kernel\nprotect /usr/lib/firmware\n' >"$R/etc/initstack/policy"

# install
expect_exit "install: exits 0" 0 $I install --root "$R" --loader "$EFI" --no-variables
check "install: the loader is EFI/initstack/initstackx64.efi" cmp -s "$EFI" "$ESP/EFI/initstack/initstackx64.efi"
check "install: and the free fallback path EFI/BOOT/BOOTX64.EFI" cmp -s "$EFI" "$ESP/EFI/BOOT/BOOTX64.EFI"
check "install: the entry token is fixed in /etc/kernel/entry-token (the machine ID)" \
	grep -qx 0123456789abcdef0123456789abcdef "$R/etc/kernel/entry-token"
expect_exit "install: again exits 0" 0 $I install --root "$R" --loader "$EFI" --no-variables
check "install: again, everything is up to date" sh -c "[ \$(grep -c ': up to date' '$T/out') = 2 ]"
echo debian >"$R/etc/kernel/entry-token" # the names below are shorter

# entry add
E=$ESP/loader/entries/debian-$K-initstack.conf
D=$ESP/debian/$K/initstack
expect_exit "entry add: exits 0" 0 $I entry add --root "$R" "$K"
check "entry add: the entry is loader/entries/TOKEN-KVER-initstack.conf" test -f "$E"
key() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ +/, ""); print }' "$E"; }
check "entry add: title from os-release" test "$(key title)" = "Debian GNU/Linux 12 (bookworm) (initstack)"
check "entry add: version, machine-id, sort-key" \
	test "$(key version)/$(key machine-id)/$(key sort-key)" = "$K/0123456789abcdef0123456789abcdef/debian"
check "entry add: the archives in role order" \
	test "$(awk '$1 ~ /^(linux|early|kernel-initrd|initrd|defer)$/ { printf "%s %s;", $1, $2 }' "$E")" = \
	"linux /debian/$K/initstack/linux;early /debian/$K/initstack/early.cpio;kernel-initrd /debian/$K/initstack/kernel.cpio;defer /debian/$K/initstack/initrd;"
check "entry add: options from /etc/kernel/cmdline, blanks joined" test "$(key options)" = "root=UUID=1b2c ro console=ttyS0"
check "entry add: the policy lines of /etc/initstack/policy" \
	test "$(key on-clash)/$(key protect | tr '\n' ' ')" = "error//kernel /usr/lib/firmware "
check "entry add: the kernel copied" cmp -s "$R/boot/vmlinuz-$K" "$D/linux"
n=$(stat -c %s "$D/early.cpio")
check "entry add: early.cpio is the leading microcode cpio (cpio's NUL padding left out)" \
	sh -c "cmp -s -n $n '$T/early.cpio' '$D/early.cpio' && [ -z \"\$(tail -c +$((n + 1)) '$T/early.cpio' | tr -d '\\0')\" ] && [ $n -lt \$(stat -c %s '$T/early.cpio') ]"
check "entry add: the deferred initrd is the zstd part" cmp -s "$T/main.zst" "$D/initrd"
bad=0
for f in early.cpio kernel.cpio initrd; do
	want=$(sha256sum <"$D/$f" | cut -d' ' -f1)
	grep -qx "sha256 *//*debian/$K/initstack/$f $want" "$E" || bad=1
done
check "entry add: a sha256 line per archive, as sha256sum has it" test "$bad" = 0
$I list "$D/kernel.cpio" >"$T/k.list"
check "entry add: the kernel camp's archive has handover" grep -q ' kernel/handover$' "$T/k.list"
check "entry add: hooks from /usr/lib, /etc's own overriding, /dev/null masking" \
	test "$(awk '$NF ~ /^kernel\/hooks\// { printf "%s ", $NF }' "$T/k.list")" = "kernel/hooks/10-net kernel/hooks/20-keys "
bsdtar -xOf "$D/kernel.cpio" kernel/hooks/20-keys >"$T/h20"
check "entry add: 20-keys is /etc's" grep -qx 'echo local' "$T/h20"
check "entry add: a file that is not executable is no hook, and says so" \
	grep -q 'etc/initstack/hooks/README: not an executable file, not a hook (skipped)' "$T/err"
rm "$R/etc/initstack/hooks/README"

# the files are written only when they change
touch -d @1000000000 "$D"/* "$E"
expect_exit "entry add: again exits 0" 0 $I entry add --root "$R" "$K"
check "entry add: again, no archive is rewritten" \
	sh -c "[ \$(stat -c %Y '$D/linux' '$D/initrd' '$D/early.cpio' '$D/kernel.cpio' '$E' | sort -u) = 1000000000 ]"

# a regenerated initrd without microcode: no early line, no early.cpio
cp "$T/main.zst" "$R/boot/initrd.img-$K"
expect_exit "entry add: an initrd without microcode" 0 $I entry add --root "$R" "$K"
check "entry add: ... has no early line and no early.cpio" sh -c "! grep -q '^early' '$E' && [ ! -e '$D/early.cpio' ]"
check "entry add: ... and the new digest" \
	grep -q "^sha256 *//*debian/$K/initstack/initrd $(sha256sum <"$T/main.zst" | cut -d' ' -f1)" "$E"

# without /etc/kernel/cmdline: the running kernel's, less the loader's words
rm "$R/etc/kernel/cmdline"
$I entry add --root "$R" --dry-run "$K" >"$T/dry" 2>&1
check "entry add: /proc/cmdline without BOOT_IMAGE= and initrd=" grep -qx 'options        root=/dev/sda2 quiet' "$T/dry"
check "entry add --dry-run: prints the entry" grep -q "^defer  *//*debian/$K/initstack/initrd" "$T/dry"

# errors
expect_exit "entry add: a hostile version is a usage error" 64 $I entry add --root "$R" ../x
expect_exit "entry add: a kernel with no initrd" 2 $I entry add --root "$R" 6.1.0-1-amd64 "$R/boot/vmlinuz-$K"
check "entry add: ... names the initrd it looked for" grep -q "boot/initrd.img-6.1.0-1-amd64: cannot read the initrd" "$T/err"
printf 'on-clash error\ntitle x\n' >"$R/etc/initstack/policy"
expect_exit "entry add: a policy file with another key" 1 $I entry add --root "$R" "$K"
check "entry add: ... names the file and line" grep -q 'etc/initstack/policy:2: "title" is not a policy key' "$T/err"
printf '\non-clash sometimes\n' >"$R/etc/initstack/policy"
expect_exit "entry add: a bad policy value" 1 $I entry add --root "$R" "$K"
check "entry add: ... the parser's message with the file's line" \
	grep -q 'etc/initstack/policy:2: on-clash takes error, warn or allow, not "sometimes"' "$T/err"
rm "$R/etc/initstack/policy"
mkdir -p "$T/bare/boot/efi/EFI"
expect_exit "entry add --if-installed: nothing where install was not run" 0 \
	$I entry add --if-installed --root "$T/bare" "$K" "$R/boot/vmlinuz-$K" "$T/main.zst"
check "entry add --if-installed: ... and writes nothing" test ! -e "$T/bare/boot/efi/loader"
expect_exit "entry add: no ESP" 2 $I entry add --root "$T/none" "$K"
check "entry add: ... says where it looked" grep -q 'no ESP: none of .*/efi, .*/boot/efi, .*/boot' "$T/err"

# systemd's own reader sees the entry (bootctl from Debian's systemd-boot,
# unpacked into the cache; the ESP a tmpfs mount point, as it insists)
if BOOTCTL=$(fetch_bootctl); then
	unshare -m sh -c "mount -t tmpfs none '$T/sd' 2>/dev/null || { mkdir -p '$T/sd' && mount -t tmpfs none '$T/sd'; }
		cp -a '$ESP/.' '$T/sd/' && SYSTEMD_RELAX_ESP_CHECKS=1 '$BOOTCTL' --esp-path='$T/sd' --no-pager list" >"$T/bootctl" 2>&1
	check "bootctl list: shows the entry with its version and kernel" \
		sh -c "grep -q 'id: debian-$K-initstack.conf' '$T/bootctl' && grep -q 'version: $K' '$T/bootctl' && grep -q 'linux: /debian/$K/initstack/linux' '$T/bootctl'"
else
	notok "bootctl list: systemd-boot could not be fetched"
fi

# a second kernel, then remove
cp "$R/boot/vmlinuz-$K" "$R/boot/vmlinuz-6.1.0-100-amd64"
cp "$T/main.zst" "$R/boot/initrd.img-6.1.0-100-amd64"
$I entry add --root "$R" 6.1.0-100-amd64 >/dev/null
echo 'title foreign' >"$ESP/loader/entries/other.conf"
expect_exit "entry remove: exits 0" 0 $I entry remove --root "$R" "$K"
check "entry remove: its entry and files are gone, the other kernel's stay" \
	sh -c "[ ! -e '$E' ] && [ ! -e '$ESP/debian/$K' ] && [ -f '$ESP/debian/6.1.0-100-amd64/initstack/linux' ]"
expect_exit "entry remove: again exits 0" 0 $I entry remove --root "$R" "$K"
check "entry remove: again says there is no such entry" grep -q 'no such entry' "$T/out"
cp "$ESP/EFI/BOOT/BOOTX64.EFI" "$T/ours.efi"
expect_exit "remove: exits 0" 0 $I remove --root "$R" --no-variables
check "remove: the loader, the fallback copy and initstack's entries are gone" \
	sh -c "[ ! -e '$ESP/EFI/initstack' ] && [ ! -e '$ESP/EFI/BOOT/BOOTX64.EFI' ] && [ ! -e '$ESP/debian' ] && [ -z \"\$(ls '$ESP/loader/entries' | grep initstack)\" ]"
check "remove: another loader's entry stays" test -f "$ESP/loader/entries/other.conf"
# a foreign fallback loader is neither replaced nor removed
echo other >"$ESP/EFI/BOOT/BOOTX64.EFI"
$I install --root "$R" --loader "$EFI" --no-variables >"$T/out" 2>&1
check "install: a foreign EFI/BOOT/BOOTX64.EFI is left alone" sh -c "grep -qx other '$ESP/EFI/BOOT/BOOTX64.EFI' && grep -q 'left alone' '$T/out'"
$I remove --root "$R" --no-variables >/dev/null
check "remove: ... and not removed" grep -qx other "$ESP/EFI/BOOT/BOOTX64.EFI"
expect_exit "install: an unknown option is a usage error" 64 $I install --frobnicate
