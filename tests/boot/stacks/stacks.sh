# The stacks the boot oracle unpacks with the kernel and with `initstack
# tree`. Each stack_NAME DIR writes its archives into DIR and prints their
# paths, in stack order, one a line; the oracle puts the base archive (/init
# and /bin/busybox) first. STACK_APPEND[NAME] adds kernel parameters and
# STACK_TREE[NAME] options for `initstack tree`.
#
# Every top-level name a stack uses is its own, so a stack can be read as a
# list of independent cases; the comments say what the kernel does
# (init/initramfs.c: do_name, clean_path, maybe_link, do_symlink).
. "$(dirname "${BASH_SOURCE[0]}")/newc.sh"

declare -A STACK_APPEND STACK_TREE
STACKS="overwrite paths links archivers edge owner slash ramfs"

# --- overwrite: same-name entries across archives, type changes, modes -----
stack_overwrite() {
	local d=$1
	newc_begin "$d/1.cpio"
	nf ow 0644 0:0 "first version, longer than the second"
	nf f2d 0644 0:0 "a file, then a directory"
	nd d2f_empty 0755 0:0
	nd d2f_full 0755 0:0
	nf d2f_full/keep 0644 0:0 "keeps its directory"
	nf f2l 0644 0:0 "a file, then a symlink"
	nl l2f ow
	nd l2f_dir_target 0755 0:0
	nl l2f_dir l2f_dir_target
	nd dd 0755 0:0
	nf dd/inner 0600 0:0 "inner 1"
	nl l2l ow
	nd d2l_full 0755 0:0
	nf d2l_full/x 0644 0:0 "x"
	nd d2l_empty 0755 0:0
	nl l2d dd
	nf f2p 0644 0:0 "a file, then a fifo"
	nc c2f 0600 0:0 1 3
	nd modes 0755 0:0
	nd modes/sticky 1777 0:0
	nd modes/sgid 2750 10:20
	nf modes/suid 4755 0:0 "setuid root"
	nf modes/suidu 4711 1000:1000 "setuid 1000"
	nf modes/sgidf 2711 1000:100 "setgid"
	nf modes/none 0000 0:0 "no permissions"
	nf modes/owned 0640 1000:100 "owned"
	nf modes/big 0644 65534:65534 "nobody"
	nf modes/big2 0644 123456:654321 "large ids"
	ntrailer
	echo "$d/1.cpio"

	newc_begin "$d/2.cpio"
	nf ow 0600 5:6 "v2"                      # truncated and rewritten, new mode/owner
	nd f2d 0700 0:0                          # the file is unlinked
	nf d2f_empty 0644 0:0 "now a file"       # rmdir succeeds
	nf d2f_full 0644 0:0 "dropped"           # rmdir fails, open fails: dropped
	nl f2l ow                                # unlink, symlink
	nf l2f 0644 0:0 "replaces the symlink, not ow"
	nf l2f_dir 0644 0:0 "replaces the symlink to a dir"
	nd dd 0700 7:8                           # kept, mode and owner applied
	nf dd/inner 0644 2:2 "inner 2"
	nl l2l f2l                               # symlink over symlink
	nl d2l_full ow                           # rmdir fails: the directory stays
	nl d2l_empty ow                          # rmdir, symlink
	nd l2d 0711 0:0                          # the symlink is unlinked, a real dir made
	np f2p 0640 0:0
	nf c2f 0644 0:0 "a file over a device"
	nd root 0750 1:1                         # over the kernel's built-in /root
	nd dev 0711 0:0                          # over the built-in /dev (console stays)
	nf modes/suid 0755 0:0 "no longer setuid"
	nd modes/sticky 0755 3:3                 # sticky bit dropped
	ntrailer
	echo "$d/2.cpio"

	newc_begin "$d/3.cpio"
	nf ow 4750 0:9 "v3: last wins"
	nd f2d/sub 0755 0:0                      # inside the new directory
	nf d2f_full/keep 0600 0:0 "rewritten inside the directory that stayed"
	nf l2l/through 0644 0:0 "dropped: a symlink to a file is not a directory"
	ntrailer
	echo "$d/3.cpio"
}

# --- paths: symlinks in parents, .., absolute names, ./, missing parents ----
stack_paths() {
	local d=$1
	newc_begin "$d/1.cpio"
	nd usr 0755 0:0
	nd usr/lib 0755 0:0
	nl lib usr/lib
	nd opt 0755 0:0
	nl abs /opt
	nl up ../usr
	nl chain lib
	nl loop1 loop2
	nl loop2 loop1
	nl dangling nonexistent
	nf plainfile 0644 0:0 "plain"
	nd "with space" 0755 0:0
	# a chain of 41 symlinks: c40 -> realdir, c39 -> c40, ..., c0 -> c1;
	# the kernel follows at most 40 in one lookup (MAXSYMLINKS)
	nd realdir 0755 0:0
	nl c40 realdir
	local i
	for ((i = 39; i >= 0; i--)); do nl "c$i" "c$((i + 1))"; done
	ntrailer
	echo "$d/1.cpio"

	newc_begin "$d/2.cpio"
	nf lib/x 0644 0:0 "lands in /usr/lib/x"
	nd lib/sub 0750 0:0
	nf lib/sub/y 0644 0:0 "lands in /usr/lib/sub/y"
	nf abs/y 0644 0:0 "lands in /opt/y"
	nd abs/dir 0755 0:0
	nf up/lib/z 0644 0:0 "lands in /usr/lib/z"
	nf chain/c 0644 0:0 "two symlinks deep"
	nl lib/sl ../../opt/y                    # a symlink made through a symlink
	nf ../dotdot 0644 0:0 ".. of the root is the root"
	nf ../../usr/dotdot2 0644 0:0 "lands in /usr/dotdot2"
	nf usr/lib/../../dotdot3 0644 0:0 "lands in /dotdot3"
	nf /absname 0644 0:0 "an absolute name"
	nd /absdir 0755 0:0
	nf /absdir/f 0644 0:0 "under an absolute dir"
	nf ./dotslash 0644 0:0 "a ./ name"
	nf usr/./lib/../lib/w 0644 0:0 "lands in /usr/lib/w"
	nf usr//double 0644 0:0 "a double slash"
	nf missing/x 0644 0:0 "dropped: no parent"
	nf missing/deeper/x 0644 0:0 "dropped: no parent"
	nf plainfile/x 0644 0:0 "dropped: parent is a file"
	nf loop1/x 0644 0:0 "dropped: symlink loop"
	nf dangling/x 0644 0:0 "dropped: dangling symlink"
	nf "with space/a file" 0644 0:0 "spaces"
	nf c1/forty 0644 0:0 "through 40 symlinks: lands in /realdir"
	nf c0/fortyone 0644 0:0 "through 41 symlinks: ELOOP, dropped"
	nd . 0750 0:0                            # chmods the root, as find . | cpio does
	nd usr/lib/ 0700 4:4                     # a trailing slash: dir over dir
	ntrailer
	echo "$d/2.cpio"

	newc_begin "$d/3.cpio"
	nf lib 0644 0:0 "replaces the symlink lib, not /usr/lib"
	nf lib/after 0644 0:0 "dropped: lib is a file now"
	nf abs/dir/deep 0644 0:0 "lands in /opt/dir/deep"
	ntrailer
	echo "$d/3.cpio"
}

# --- links: hard links within and across archives, devices, fifos -----------
stack_links() {
	local d=$1
	newc_begin "$d/1.cpio"
	nd hl 0755 0:0
	nf hl/a 0644 0:0 "" 500 2                # GNU cpio: data on the last name
	nf hl/b 0644 0:0 "shared by a and b" 500 2
	nf hl/t1 0644 0:0 "" 501 3
	nf hl/t2 0644 0:0 "" 501 3
	nf hl/t3 0755 1:1 "three names" 501 3
	nf hl/f1 0644 0:0 "data on the first name" 502 2
	nf hl/f2 0644 0:0 "" 502 2               # no data: keeps the inode's content
	nf hl/s1 0644 0:0 "a long first body" 503 2
	nf hl/s2 0600 0:0 "short" 503 2          # linked, no O_TRUNC, truncated to 5
	nf hl/pre 0644 0:0 "pre-existing file"
	nf hl/o1 0644 0:0 "" 505 2
	nf hl/pre 0644 0:0 "over" 505 2          # pre is unlinked and linked to o1
	nf hl/same 0644 0:0 "one" 506 2
	nf hl/same 0644 0:0 "two" 506 2          # unlinks itself, link fails: gone
	nf hl/ty 0644 0:0 "type" 508 2
	nc hl/tyc 0600 0:0 4 4 508 2             # same ino, other type: no link
	nraw 100644 hl/dev1 0:0 "dev one" 509 2 0 0 8 1
	nraw 100644 hl/dev2 0:0 "dev two" 509 2 0 0 8 2   # other st_dev: no link
	nf nodir/a 0644 0:0 "" 510 2             # dropped, but remembered
	nf hl/x2 0644 0:0 "link to a missing name" 510 2
	nf hl/r1 0644 0:0 "" 511 2
	nd hl/r1 0755 0:0                        # r1 becomes a directory
	nf hl/r2 0644 0:0 "link to a directory fails" 511 2
	nraw 120777 hl/sl1 0:0 "a" 512 2
	nraw 120777 hl/sl2 0:0 "b" 512 2         # symlinks are never linked
	nd dev/hl 0755 0:0
	nc dev/hl/c1 0600 0:0 1 3 520 2
	nc dev/hl/c2 0666 5:5 9 9 520 2          # a link of c1
	np dev/hl/p1 0644 0:0 521 2
	np dev/hl/p2 0600 1:1 521 2              # a link of p1
	nf hl/across 0644 0:0 "first archive" 530 2
	nf hl/q1 0644 0:0 "" 513 2
	nraw 000644 hl/q1 0:0 "" 998 1           # type 0: q1 is unlinked
	nf hl/q1 0644 0:0 "another inode named q1"
	nf hl/q2 0644 0:0 "" 513 2               # links by name: to the new q1
	nd hl/p1 0755 0:0
	nd hl/p2 0755 0:0
	nl hl/cur p1
	nf hl/cur/h 0644 0:0 "" 514 2            # hl/p1/h, remembered as "hl/cur/h"
	nl hl/cur p2
	nf hl/p2/h 0640 0:0 "p2's own h"
	nf hl/other 0644 0:0 "" 514 2            # "hl/cur/h" is now hl/p2/h
	nf hl/k1 0644 0:0 "" 515 2
	nl hl/k1 ktarget                         # k1 is now a symlink
	nf hl/k2 0600 4:4 "written through the linked symlink" 515 2
	nc hl/dk1 0600 0:0 1 3 516 2
	nl hl/dk1 dtarget
	nc hl/dk2 0600 0:0 1 3 516 2             # a link of the symlink, nothing else
	ntrailer
	echo "$d/1.cpio"

	newc_begin "$d/2.cpio"
	nf hl/a 0600 7:7 "written over a: b changes too"  # O_TRUNC on the shared inode
	nf hl/t2 0644 0:0 "new t" 501 3          # table reset: not a link, but O_TRUNC
	nf hl/across2 0644 0:0 "second archive" 530 2   # same ino: table was reset
	nb dev/sda 0660 0:6 8 0
	nc dev/null 0666 0:0 1 3
	nc dev/c3 0600 0:0 1 3
	np dev/fifo 0620 0:5
	ns dev/sock 0755 0:0
	nd run 0755 0:0
	np run/fifo 0600 0:0
	nf run/f2p 0644 0:0 "then a fifo"
	nf run/f2s 0644 0:0 "then a socket"
	nc run/c2b 0600 0:0 1 1
	nd nt 0755 0:0
	nf nt/a 0644 0:0 "" 540 2                # no TRAILER!!! after this archive
	echo "$d/2.cpio"

	newc_begin "$d/3.cpio"
	nf nt/b 0644 0:0 "linked across files without a trailer" 540 2
	nc dev/c3 0666 5:5 1 5                   # mknod fails: 1:3 stays, mode/owner change
	np run/fifo 0644 2:2                     # same: the fifo stays, chmod/chown
	np run/f2p 0600 0:0
	ns run/f2s 0600 0:0
	nb run/c2b 0600 0:0 7 7
	ntrailer
	echo "$d/3.cpio"
}

# --- archivers: GNU cpio (with ".", 070702), bsdtar, every compressor, padding
stack_archivers() {
	local d=$1 g=$1/gnu
	mkdir -p "$g/bin" "$g/etc/sub" "$g/var/tmp"
	printf 'gnu one\n' >"$g/etc/one"
	printf 'linked\n' >"$g/etc/hard1"
	ln "$g/etc/hard1" "$g/etc/hard2"
	ln "$g/etc/hard1" "$g/etc/sub/hard3"
	ln -s ../etc/one "$g/bin/one"
	printf 'suid\n' >"$g/bin/suid"
	chmod 1777 "$g/var/tmp"
	chmod 0751 "$g"
	chown -R 0:0 "$g"
	chown 1000:1000 "$g/etc/one"
	chown -h 33:33 "$g/bin/one"
	chmod 4755 "$g/bin/suid"
	mknod "$g/etc/null" c 1 3 && chmod 0666 "$g/etc/null"
	mkfifo -m 0600 "$g/etc/fifo"
	# GNU `find . | cpio`: starts with ".", which chmods the root
	(cd "$g" && find . | LC_ALL=C sort | cpio --quiet -o -H newc >"$d/gnu.cpio")
	echo "$d/gnu.cpio"

	# 070702 (checksummed) from GNU cpio, gzip-compressed
	local c=$d/crc
	mkdir -p "$c/crc"
	printf 'checksummed\n' >"$c/crc/file"
	(cd "$c" && find crc | LC_ALL=C sort | cpio --quiet -o -H crc | gzip -n -9 >"$d/crc.cpio.gz")
	echo "$d/crc.cpio.gz"

	head -c 513 /dev/zero >"$d/nul.pad"      # padding between archives
	echo "$d/nul.pad"

	# bsdtar's newc writer
	local b=$d/bsd
	mkdir -p "$b/bsd"
	printf 'bsd\n' >"$b/bsd/f"
	ln "$b/bsd/f" "$b/bsd/g"
	ln -s f "$b/bsd/l"
	chown -R 0:0 "$b/bsd"
	(cd "$b" && bsdtar --format newc -cf - bsd | zstd -q -19 >"$d/bsd.cpio.zst")
	echo "$d/bsd.cpio.zst"

	# the same small archive through every compressor the kernel knows; each
	# overwrites /comp/f, so the last one must win. A legacy lz4 stream has
	# no end mark: it ends at the end of the initrd or at a zero chunk size,
	# so NULs follow it.
	local z
	for z in xz bzip2 lzma lz4 lzo gzip; do
		newc_begin "$d/$z.cpio"
		nd comp 0755 0:0
		nf comp/f 0644 0:0 "from $z"
		nf "comp/$z" 0644 0:0 "$z"
		ntrailer
		case $z in
		xz) xz -z -c --check=crc32 "$d/$z.cpio" >"$d/$z.cpio.z" ;;
		lz4) lz4 -q -l -c "$d/$z.cpio" >"$d/$z.cpio.z" ;;
		bzip2) bzip2 -c "$d/$z.cpio" >"$d/$z.cpio.z" ;;
		lzma) xz -z -c --format=lzma "$d/$z.cpio" >"$d/$z.cpio.z" ;;
		lzo) lzop -c "$d/$z.cpio" >"$d/$z.cpio.z" ;;
		gzip) gzip -n -c "$d/$z.cpio" >"$d/$z.cpio.z" ;;
		esac
		echo "$d/$z.cpio.z"
		if [ "$z" = lz4 ]; then
			head -c 8 /dev/zero >"$d/lz4.end"
			echo "$d/lz4.end"
		fi
	done

	# a compressed member holding two archives, each with its trailer
	newc_begin "$d/two.cpio"
	nd two 0755 0:0
	nf two/f 0644 0:0 "one" 700 2
	ntrailer
	nf two/g 0644 0:0 "two: not a link of f" 700 2
	ntrailer
	gzip -n -c "$d/two.cpio" >"$d/two.cpio.gz"
	echo "$d/two.cpio.gz"
}

# --- edge: what the kernel skips or does oddly -----------------------------
stack_edge() {
	local d=$1 long
	long=$(printf 'n%.0s' {1..256})
	newc_begin "$d/1.cpio"
	nd e 0755 0:0
	nf e/ftype0 0644 0:0 "removed by a type-0 entry"
	nf e/withbody 0644 0:0 "stays: the directory entry with a body is skipped"
	nf e/devbody 0644 0:0 "stays: the device entry with a body is skipped"
	nf e/emptyt 0644 0:0 "replaced by a symlink with an empty target"
	nf e/lmode 0644 0:0 "replaced by a symlink of mode 0755"
	nd e/full 0755 0:0
	nf e/full/x 0644 0:0 "x"
	nd e/dotdot 0755 0:0
	nf e/weird 0644 0:0 "removed by an entry of file type 017"
	nd e/fifo_full 0755 0:0
	nf e/fifo_full/x 0644 0:0 "x"
	nd e/sym_full 0755 0:0
	nf e/sym_full/x 0644 0:0 "x"
	ntrailer
	echo "$d/1.cpio"

	newc_begin "$d/2.cpio"
	nraw 000644 e/ftype0 0:0 "" 900 1
	nd e/withbody 0755 0:0 "body"
	nraw 020600 e/devbody 0:0 "xx" 901 1 1 3
	nraw 010600 e/fifobody 0:0 "xx" 902 1
	nl e/emptyt ""                           # init_symlink() takes "" (6.1)
	nl e/lmode target 0:0 0755
	nl e/lowner target 12:34
	nl e/full ow                             # the directory is not empty: stays
	nf "e/$long" 0644 0:0 "dropped: component over 255 bytes"
	nd e/dotdot/.. 0710 0:0                  # chmods e itself
	nc e/cmax 0600 0:0 4095 1048575          # largest new_encode_dev numbers
	nf "" 0644 0:0 "an empty name"
	nraw 170644 e/weird 0:0 "" 903 1
	nf . 0644 0:0 "a file named ."           # rmdir(".") and open fail
	nl .. e                                  # rmdir("..") and symlink fail
	np e/fifo_full 0600 8:8                  # mknod fails, chown/chmod hit the dir
	nl e/sym_full ow 7:7                     # symlink fails, lchown hits the dir
	nd / 0701 3:3                            # chmods and chowns the root
	ntrailer
	echo "$d/2.cpio"
}

# --- owner: uid or gid 0xFFFFFFFF is chown's "leave unchanged" -------------
stack_owner() {
	local d=$1
	newc_begin "$d/1.cpio"
	nd o 0755 0:0
	nf o/own 0644 5:6 "owned by 5:6"
	ntrailer
	echo "$d/1.cpio"

	newc_begin "$d/2.cpio"
	nf o/uidmax 0644 4294967295:4294967295 "uid -1: chown changes nothing"
	nf o/gidmax 0644 3:4294967295 "gid -1"
	nd o/dmax 0755 4294967295:7
	nl o/lmax target 4294967295:9
	nc o/cmaxo 0600 4294967295:4294967295 1 7
	nf o/own 0600 4294967295:4294967295 "owner unchanged: still 5:6"
	ntrailer
	echo "$d/2.cpio"
}

# --- slash: names with a trailing "/" (the VFS wants a directory there and
# follows a symlink to one; nothing else is created with such a name) ------
stack_slash() {
	local d=$1
	newc_begin "$d/1.cpio"
	nd s 0755 0:0
	nd s/tdirT 0755 0:0
	nl s/ltd tdirT
	nf s/fs 0644 0:0 "a file, then a file entry fs/"
	nf s/ds 0644 0:0 "a file, then a directory entry ds/"
	nl s/lfs fs
	nl s/dangle nowhere
	nd s/pde 0755 0:0
	nd s/pdf 0755 0:0
	nf s/pdf/x 0644 0:0 "x"
	ntrailer
	echo "$d/1.cpio"

	newc_begin "$d/2.cpio"
	nf s/tslash/ 0644 0:0 "a file name with a trailing slash"
	nd s/tdir/ 0700 0:0                      # a directory: fine
	nd s/tdir/./ 0750 0:0                    # chmods tdir
	nd s/ltd/ 0700 5:5                       # lstat("ltd/") follows: tdirT changes
	nl s/sslash/ target
	np s/pslash/ 0644 0:0
	nf s/fs/ 0600 0:0 "ENOTDIR: fs is unchanged"
	nd s/ds/ 0700 0:0                        # ENOTDIR: ds stays a file
	nd s/lfs/ 0700 0:0                       # ENOTDIR through the symlink
	nd s/dangle/ 0700 0:0                    # EEXIST, then ENOENT: nothing
	np s/pde/ 0644 0:0                       # rmdir("pde/") succeeds, mknod fails
	np s/pdf/ 0600 9:9                       # mknod fails, chown/chmod follow
	ntrailer
	echo "$d/2.cpio"
}

# --- ramfs: root= makes the rootfs ramfs (root 0755) ----------------------
STACK_APPEND[ramfs]="root=/dev/nonexistent"
STACK_TREE[ramfs]="--rootfs ramfs"
stack_ramfs() {
	local d=$1
	newc_begin "$d/1.cpio"
	nd r 0755 0:0
	nf r/f 0644 0:0 "on ramfs"
	ntrailer
	gzip -n -c "$d/1.cpio" >"$d/1.cpio.gz"
	echo "$d/1.cpio.gz"
}
