#!/bin/bash
# Interop: archives made by GNU cpio and bsdtar read by initstack, and
# archives made by initstack read by GNU cpio and bsdtar, entry by entry.
. "$(dirname "$0")/../sh/lib.sh"

src=$T/src
mkdir -p "$src/usr/bin" "$src/etc/empty" "$src/kernel/hooks" "$src/sticky"
printf 'hello\n' >"$src/etc/hello"
: >"$src/etc/empty-file"
head -c 200000 /bin/busybox >"$src/usr/bin/big"
ln "$src/usr/bin/big" "$src/usr/bin/big-link"
ln -s ../usr/bin/big "$src/etc/to-big"
ln -s /nonexistent "$src/etc/dangling"
printf '#!/bin/sh\nexit 0\n' >"$src/kernel/hooks/10-ok"
chmod 4755 "$src/usr/bin/big"
chmod 1777 "$src/sticky"
chmod 0640 "$src/etc/hello"
long=$(printf 'n%.0s' $(seq 1 200))
echo long >"$src/etc/$long"
mknod "$src/etc/null" c 1 3
mknod "$src/etc/loop0" b 7 0
mkfifo "$src/etc/fifo"
chown 1000:100 "$src/etc/hello"

dumptree "$src" >"$T/src.tree"

# GNU cpio -> initstack
(cd "$src" && find . | cpio -o -H newc --quiet >"$T/gnu.cpio")
treeof "$T/gnu.cpio" >"$T/gnu.tree"
same "GNU cpio archive: initstack tree equals the source tree" "$T/src.tree" "$T/gnu.tree"
(cd "$src" && find . | cpio -o -H crc --quiet >"$T/gnu-crc.cpio")
treeof "$T/gnu-crc.cpio" >"$T/gnu-crc.tree"
same "GNU cpio 070702 (crc) archive: checksums verified, same tree" "$T/src.tree" "$T/gnu-crc.tree"
cpio -it --quiet <"$T/gnu.cpio" | sort >"$T/gnu.names"
"$INITSTACK" list --json "$T/gnu.cpio" | grep -o '"name":"[^"]*"' | sed 's/"name":"//; s/"$//' |
	grep -vx 'TRAILER!!!' | sort >"$T/ist.names"
same "GNU cpio archive: initstack list names equal cpio -t" "$T/gnu.names" "$T/ist.names"

# bsdtar -> initstack
(cd "$src" && bsdtar --format newc -cf "$T/bsd.cpio" .)
treeof "$T/bsd.cpio" >"$T/bsd.tree"
same "bsdtar newc archive: initstack tree equals the source tree" "$T/src.tree" "$T/bsd.tree"

# compressed copies read the same
for z in "gzip -9" "zstd -q -19" "xz --check=crc32" "lzma" "bzip2" "lz4 -l -q" "lzop -q"; do
	$z -c <"$T/gnu.cpio" >"$T/gnu.z"
	treeof "$T/gnu.z" >"$T/z.tree"
	same "GNU cpio archive compressed with ${z%% *}: same tree" "$T/src.tree" "$T/z.tree"
done

# initstack build -> GNU cpio and bsdtar
"$INITSTACK" build -o "$T/ours.cpio" "$src"
mkdir "$T/x-gnu" "$T/x-bsd"
(cd "$T/x-gnu" && cpio -idm --quiet --no-absolute-filenames <"$T/ours.cpio")
dumptree "$T/x-gnu" >"$T/x-gnu.tree"
same "initstack build: GNU cpio extracts the source tree" "$T/src.tree" "$T/x-gnu.tree"
(cd "$T/x-bsd" && bsdtar -xpf "$T/ours.cpio")
dumptree "$T/x-bsd" >"$T/x-bsd.tree"
same "initstack build: bsdtar extracts the source tree" "$T/src.tree" "$T/x-bsd.tree"
treeof "$T/ours.cpio" >"$T/ours.tree"
same "initstack build: initstack tree of it equals the source tree" "$T/src.tree" "$T/ours.tree"
"$INITSTACK" build -o "$T/ours2.cpio" "$src"
check "initstack build is deterministic" cmp -s "$T/ours.cpio" "$T/ours2.cpio"
links=$(cpio -itv --quiet <"$T/ours.cpio" | awk '$NF ~ /^usr\/bin\/big(-link)?$/ {print $2}' | sort -u)
check "initstack build keeps hard links (nlink 2 on both names)" test "$links" = 2
