#!/bin/bash
# The host tool's commands, exit statuses, messages and JSON.
. "$(dirname "$0")/../sh/lib.sh"
I=$INITSTACK

# has NAME FILE TEXT: the file has the exact line TEXT
has() {
	if grep -qxF -- "$3" "$2"; then ok "$1"; else notok "$1"; echo "    wanted: $3"; sed 's/^/    got: /' "$2" | head -8; fi
}

mkdir -p "$T/k/kernel/hooks" "$T/d/kernel" "$T/d/bin" "$T/c/etc"
printf 'real\n' >"$T/k/kernel/handover"
printf '#!/bin/sh\n' >"$T/k/kernel/hooks/10-a"
printf 'evil\n' >"$T/d/kernel/handover"
printf 'sh\n' >"$T/d/bin/sh"
printf 'x\n' >"$T/c/etc/x"
$I build --mtime 0 --owner 0:0 -o "$T/k.cpio" "$T/k"
$I build --mtime 0 --owner 0:0 -o "$T/d.cpio" "$T/d"
$I build --mtime 0 --owner 0:0 -o "$T/c.cpio" "$T/c"
gzip -n -c "$T/d.cpio" >"$T/d.img"

expect_exit "check: a clean stack exits 0" 0 $I check --kernel "$T/k.cpio" "$T/c.cpio"
has "check: a clean stack says so" "$T/out" "2 archives: 0 errors, 0 warnings"

expect_exit "check: a distribution archive overwriting /kernel exits 1" 1 $I check --kernel "$T/k.cpio" "$T/d.img"
has "check: the violation names file, member, offset, name and why" "$T/out" \
	"error: $T/d.img: gzip member at offset 0, decoded offset 360: \"kernel/handover\": protected: extra /kernel/handover is under a protected prefix"
has "check: the summary counts it" "$T/out" "2 archives: 1 error, 0 warnings"

expect_exit "check: --protect elsewhere makes it clean" 0 $I check --protect /usr --kernel "$T/k.cpio" "$T/d.img"
expect_exit "check: --on protected=warn makes it a warning" 0 $I check --on protected=warn --kernel "$T/k.cpio" "$T/d.img"
has "check: ... counted as a warning" "$T/out" "2 archives: 0 errors, 1 warning"

expect_exit "check: a missing file exits 2" 2 $I check "$T/nope.cpio"
has "check: ... and says which and why" "$T/err" "initstack: $T/nope.cpio: cannot open: No such file or directory"

head -c 250 "$T/k.cpio" >"$T/trunc.cpio"
expect_exit "check: a truncated archive exits 2" 2 $I check "$T/trunc.cpio"
has "check: ... with the offset and the member" "$T/err" \
	"initstack: $T/trunc.cpio: offset 250: truncated in the data of \"kernel/handover\" (2 of 5 bytes)"

head -c 40 "$T/d.img" >"$T/trunc.img"
expect_exit "list: a truncated gzip member exits 2" 2 $I list "$T/trunc.img"
grep -q "gzip member at offset 0: " "$T/err" && ok "list: ... naming the member" || notok "list: ... naming the member"

# type change under --on-clash error
mkdir -p "$T/e/bin"
printf 'file\n' >"$T/e/bin-file"
$I build --mtime 0 -o "$T/bin-dir.cpio" "$T/e"
printf 'file bin 0644 0 0\n' >/dev/null
printf 'file bin %s 0644 0 0\n' "$T/e/bin-file" >"$T/list"
$I build -o "$T/bin-file.cpio" --list "$T/list"
expect_exit "check: a type change warns by default" 0 $I check "$T/bin-dir.cpio" "$T/bin-file.cpio"
expect_exit "check: --on-clash error makes the file over a directory an error" 1 $I check --on-clash error "$T/bin-dir.cpio" "$T/bin-file.cpio"
grep -q '^error: .*"bin": type-change: file replaces a directory from archive 0$' "$T/out" &&
	ok "check: ... reported as a type change" || { notok "check: ... reported as a type change"; cat "$T/out"; }

# deferred: refused entries are not in the tree
expect_exit "tree: exits 0 with a refused deferred entry" 0 $I tree --kernel "$T/k.cpio" --deferred "$T/d.img"
has "tree: the kernel's file survives a deferred overwrite" "$T/out" \
	"f 0644 0:0 5 $(sha256sum <"$T/k/kernel/handover" | cut -d' ' -f1) /kernel/handover"
grep -q "(refused: not unpacked)" "$T/err" && ok "tree: the refusal is reported on stderr" || notok "tree: the refusal is reported on stderr"
expect_exit "tree: as an extra archive the overwrite happens" 0 $I tree --kernel "$T/k.cpio" "$T/d.img"
has "tree: ... and the tree shows the distribution's file" "$T/out" \
	"f 0644 0:0 5 $(sha256sum <"$T/d/kernel/handover" | cut -d' ' -f1) /kernel/handover"
has "tree: the built-in /dev/console is there" "$T/out" "c 0600 0:0 - 5:1 /dev/console"
expect_exit "tree: --no-builtin --rootfs ramfs" 0 $I tree --no-builtin --rootfs ramfs "$T/c.cpio"
has "tree: ... root is 0755" "$T/out" "d 0755 0:0 - - /"

# JSON
expect_exit "list --json" 0 $I list --json "$T/k.cpio" "$T/d.img"
check "list --json is valid JSON with segments and entries" \
	test "$(jq -r '.[1].segments[0].compression + " " + (.[1].segments[0].entries | map(.name) | join(","))' "$T/out")" = "gzip bin,bin/sh,kernel,kernel/handover,TRAILER!!!"
expect_exit "check --json" 1 $I check --json --kernel "$T/k.cpio" "$T/d.img"
check "check --json has the event, counts and status" \
	test "$(jq -r '.events[0].class + " " + .events[0].path + " " + (.errors|tostring) + " " + .status' "$T/out")" = "protected /kernel/handover 1 violation"
expect_exit "tree --json" 0 $I tree --json "$T/c.cpio"
check "tree --json has paths, types and digests" \
	test "$(jq -r '.[] | select(.path == "/etc/x") | .type + " " + .sha256' "$T/out")" = "file $(sha256sum <"$T/c/etc/x" | cut -d' ' -f1)"

# usage errors
expect_exit "an unknown command exits 64" 64 $I frobnicate
expect_exit "--on-clash with a bad action exits 64" 64 $I check --on-clash maybe "$T/k.cpio"
has "... and says what it takes" "$T/err" 'initstack check: --on-clash takes error, warn or allow, not "maybe"'
expect_exit "--protect with a relative prefix exits 64" 64 $I check --protect kernel "$T/k.cpio"
expect_exit "--help exits 0" 0 $I --help

# build from a list: errors name the line
printf 'dir kernel 0755 0 0\n# comment\nfrob x\n' >"$T/bad.list"
expect_exit "build: an unknown list entry exits 2" 2 $I build -o "$T/x.cpio" --list "$T/bad.list"
has "build: ... naming file and line" "$T/err" "initstack build: $T/bad.list:3: unknown entry type \"frob\" (file, dir, nod, slink, pipe, sock)"
printf 'dir kernel 0755 0 0\nslink kernel/sh busybox 0777 0 0\nnod dev/null 0666 0 0 c 1 3\nfile kernel/x %s 0600 0 0\n' "$T/c/etc/x" >"$T/good.list"
expect_exit "build: a list builds" 0 $I build --mtime 0 -o "$T/list.cpio" --list "$T/good.list"
$I tree --no-builtin "$T/list.cpio" >"$T/out" 2>/dev/null
has "build: ... the symlink is there" "$T/out" "l 0777 0:0 7 - /kernel/sh -> busybox"
has "build: ... the file is there" "$T/out" "f 0600 0:0 2 $(sha256sum <"$T/c/etc/x" | cut -d' ' -f1) /kernel/x"
grep -q "/dev/null" "$T/out" && notok "build: ... the device under a missing /dev is dropped, as the kernel does" || ok "build: ... the device under a missing /dev is dropped, as the kernel does"

# build --kernel-archive: handover, hooks and extra files, owned by root
printf '#!/bin/sh\nexit 0\n' >"$T/10-first"
printf '#!/bin/sh\nexit 0\n' >"$T/20-second"
printf 'handover stand-in\n' >"$T/handover"
mkdir -p "$T/extra/kernel/bin"
printf 'tool\n' >"$T/extra/kernel/bin/tool"
expect_exit "build --kernel-archive makes the kernel camp's archive" 0 \
	$I build --kernel-archive --handover "$T/handover" --hook "$T/10-first" --hook "$T/20-second" \
	--mtime 0 -o "$T/kernel-camp.cpio" "$T/extra"
$I tree --no-builtin --kernel "$T/kernel-camp.cpio" >"$T/out" 2>&1
has "build --kernel-archive: handover at /kernel/handover, 0755, root's" "$T/out" \
	"f 0755 0:0 18 $(sha256sum <"$T/handover" | cut -d' ' -f1) /kernel/handover"
has "build --kernel-archive: the hooks in /kernel/hooks" "$T/out" \
	"f 0755 0:0 17 $(sha256sum <"$T/20-second" | cut -d' ' -f1) /kernel/hooks/20-second"
grep -q ' /kernel/bin/tool$' "$T/out" && ok "build --kernel-archive: the directory's files are added" ||
	notok "build --kernel-archive: the directory's files are added"
mkdir -p "$T/clash/kernel"
printf 'x\n' >"$T/clash/kernel/handover"
expect_exit "build --kernel-archive: a handover in the directory too is an error" 2 \
	$I build --kernel-archive --handover "$T/handover" -o "$T/x.cpio" "$T/clash"
has "build --kernel-archive: ... saying which" "$T/err" \
	"initstack build: kernel/handover: given twice (by --handover/--hook and in the directory)"
expect_exit "build: --hook without --kernel-archive is a usage error" 2 $I build --hook "$T/10-first" -o "$T/x.cpio" "$T/extra"
