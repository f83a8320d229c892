#!/bin/bash
# handover's PID 1 flow in its test mode (not PID 1): `handover --root DIR
# --no-exec` runs DIR/kernel/hooks/*, unpacks DIR/.initstack/deferred/* as
# DIR/.initstack/manifest says, deletes /.initstack and reports what it
# would exec; without --no-exec it execs DIR/init with argv[0] "/init".
# Exit statuses: 0 on to /init, 2 panic, 3 shell.
cd "$(dirname "$0")/../.."
. tests/sh/lib.sh
HANDOVER=${HANDOVER:-build/handover/handover}
case $HANDOVER in /*) ;; *) HANDOVER=$PWD/$HANDOVER ;; esac
export LC_ALL=C

# newroot DIR: a kernel camp's tree: /kernel/bin/tool, two hooks that
# record what they see, an /init that prints its argv.
newroot() {
	local r=$1
	mkdir -p "$r/kernel/bin" "$r/kernel/hooks" "$r/.initstack/deferred" "$r/etc"
	echo tool > "$r/kernel/bin/tool"
	cat > "$r/kernel/hooks/10-first" <<'H'
#!/bin/sh
{ echo "10-first pwd=$PWD env=$(env | grep -v '^PWD=\|^SHLVL=\|^_=' | sort | tr '\n' ' ')"
  ls .initstack/deferred | tr '\n' ' '; echo; if [ -e etc/distro ]; then echo "distro visible"; fi; } >> hooks.log
H
	cat > "$r/kernel/hooks/20-second" <<'H'
#!/bin/sh
echo "20-second" >> hooks.log
H
	printf '#!/bin/sh\n' > "$r/kernel/hooks/.hidden"
	chmod 755 "$r/kernel/hooks/"*
	printf '#!/bin/sh\necho "init: $0 $*"\n' > "$r/init"
	chmod 755 "$r/init"
}

# defer DIR NN-NAME FILE: add an archive to the manifest (written by seal).
defer() {
	cp "$3" "$1/.initstack/deferred/$2"
	local c
	case $(od -An -tx1 -N2 "$3" | tr -d ' ') in
	1f8b) c=gzip ;; 28b5) c=zstd ;; fd37) c=xz ;; *) c=cpio ;;
	esac
	echo "deferred $2 $(stat -c %s "$3") $(sha256sum < "$3" | cut -d' ' -f1) $c" >> "$1/deferred.lines"
}

# seal DIR [POLICY LINES...]: write the manifest.
seal() {
	local r=$1; shift
	{ echo "initstack-manifest 1"; echo "protect /kernel"; [ $# = 0 ] || printf '%s\n' "$@"; cat "$r/deferred.lines" 2>/dev/null; } > "$r/.initstack/manifest"
	rm -f "$r/deferred.lines"
}

# archive OUT DIR: newc of DIR's contents (GNU cpio).
archive() { (cd "$2" && find . -mindepth 1 | sort | cpio -o -H newc --quiet) > "$1"; }

mkdir -p "$T/d1/etc" "$T/d2/etc" "$T/evil/kernel/bin"
echo one > "$T/d1/etc/distro"; echo base > "$T/d1/etc/base"
echo two > "$T/d2/etc/distro"
echo evil > "$T/evil/kernel/bin/tool"; echo fine > "$T/evil/fine"
archive "$T/d1.cpio" "$T/d1"; gzip -c "$T/d1.cpio" > "$T/d1.cpio.gz"
archive "$T/d2.cpio" "$T/d2"
archive "$T/evil.cpio" "$T/evil"

# 1. hooks first, then two archives in order, /.initstack gone
R=$T/r1; newroot "$R"
defer "$R" 01-d1.cpio.gz "$T/d1.cpio.gz"; defer "$R" 02-d2.cpio "$T/d2.cpio"
seal "$R" "on-clash warn" "handover-error panic"
"$HANDOVER" --root "$R" --no-exec > "$T/out1" 2>&1; rc=$?
check "happy path exits 0" [ "$rc" = 0 ]
cat > "$T/want1" <<W
handover: hook 10-first: done
handover: hook 20-second: done
handover: 01-d1.cpio.gz: 3 entries: 3 written, 0 dropped, 0 refused, 0 warnings, 0 failed
handover: 02-d2.cpio: 2 entries: 2 written, 0 dropped, 0 refused, 0 warnings, 0 failed
handover: would exec $R/init
W
same "happy path report" "$T/want1" "$T/out1"
cat > "$T/wanthooks" <<W
10-first pwd=$R env=HANDOVER_READY_FD=3 HOME=/ PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=linux 
01-d1.cpio.gz 02-d2.cpio 
20-second
W
same "hooks ran first, in order, with a clean environment" "$T/wanthooks" "$R/hooks.log"
check "later archive wins" [ "$(cat "$R/etc/distro")" = two ]
check "earlier archive's other files stay" [ "$(cat "$R/etc/base")" = base ]
check "/.initstack deleted" [ ! -e "$R/.initstack" ]

# 2. a violation under each handover-error
for mode in continue panic shell; do
	R=$T/r2-$mode; newroot "$R"
	mkdir -p "$R/bin"; cp /bin/true "$R/bin/sh"
	defer "$R" 01-evil.cpio "$T/evil.cpio"; seal "$R" "handover-error $mode"
	"$HANDOVER" --root "$R" --no-exec 2>&1 | grep -v ': hook ' > "$T/out2"; rc=${PIPESTATUS[0]}
	case $mode in
	continue) want=0 last="handover: would exec $R/init" ;;
	panic) want=2 last="" ;;
	shell) want=3 last="" ;;
	esac
	{
		echo "handover: 01-evil.cpio: kernel/bin/tool: /kernel/bin/tool is under a protected prefix (refused)"
		echo "handover: 01-evil.cpio: 4 entries: 1 written, 0 dropped, 1 refused, 0 warnings, 0 failed"
		case $mode in
		continue) echo "handover: 1 problem; handover-error continue: going on to /init" ;;
		panic) echo "handover: 1 problem; handover-error panic: stopping (the kernel panics)" ;;
		shell) echo "handover: 1 problem; handover-error shell: starting /bin/sh (exit it to go on to /init)" ;;
		esac
		[ -n "$last" ] && echo "$last"
	} > "$T/want2"
	check "violation, handover-error $mode: exit $want" [ "$rc" = "$want" ]
	same "violation, handover-error $mode: report" "$T/want2" "$T/out2"
	check "violation, handover-error $mode: kernel file intact" [ "$(cat "$R/kernel/bin/tool")" = tool ]
	check "violation, handover-error $mode: the rest unpacked" [ "$(cat "$R/fine")" = fine ]
done

# 3. digest mismatch: not unpacked, still deleted
R=$T/r3; newroot "$R"
defer "$R" 01-d1.cpio "$T/d1.cpio"; seal "$R" "handover-error panic"
echo tampered >> "$R/.initstack/deferred/01-d1.cpio"
"$HANDOVER" --root "$R" --no-exec > "$T/out3" 2>&1; rc=$?
check "digest mismatch panics" [ "$rc" = 2 ]
check "digest mismatch reported" grep -q "^handover: 01-d1.cpio: size [0-9]*, the manifest says [0-9]* (not unpacked)$" "$T/out3"
check "digest mismatch: nothing unpacked" [ ! -e "$R/etc/distro" ]
check "digest mismatch: /.initstack deleted" [ ! -e "$R/.initstack" ]
R=$T/r3b; newroot "$R"
defer "$R" 01-d1.cpio "$T/d1.cpio"; seal "$R"
printf 'X' | dd of="$R/.initstack/deferred/01-d1.cpio" bs=1 seek=200 conv=notrunc status=none
"$HANDOVER" --root "$R" --no-exec > "$T/out3b" 2>&1; rc=$?
check "same size, other bytes: continue exits 0" [ "$rc" = 0 ]
check "same size, other bytes: sha256 reported" grep -q "^handover: 01-d1.cpio: sha256 [0-9a-f]\{64\}, the manifest says [0-9a-f]\{64\} (not unpacked)$" "$T/out3b"

# 4. a failing hook, a hanging hook, a hook that signals readiness
R=$T/r4; newroot "$R"
printf '#!/bin/sh\nexit 3\n' > "$R/kernel/hooks/30-fails"
printf '#!/bin/sh\necho $$ > hang.pid\nexec sleep 100\n' > "$R/kernel/hooks/40-hangs"
printf '#!/bin/sh\necho $$ > ready.pid\nexec 3>&- sleep 100\n' > "$R/kernel/hooks/50-ready"
chmod 755 "$R/kernel/hooks/"*
seal "$R" "handover-error continue"
start=$(date +%s%N)
"$HANDOVER" --root "$R" --no-exec --hook-timeout 500 > "$T/out4" 2>&1; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ -f "$R/ready.pid" ] && kill "$(cat "$R/ready.pid")" 2>/dev/null
cat > "$T/want4" <<W
handover: hook 10-first: done
handover: hook 20-second: done
handover: hook 30-fails: exited with status 3 (failed)
handover: hook 40-hangs: no exit and no readiness after 500 ms, killed (failed)
handover: hook 50-ready: ready, left running
handover: 2 problems; handover-error continue: going on to /init
handover: would exec $R/init
W
same "hooks: failure, timeout, readiness" "$T/want4" "$T/out4"
check "hooks: the hanging hook cost about the timeout ($ms ms)" [ "$ms" -lt 3000 ]
check "hooks: the hanging hook was killed" bash -c "! kill -0 $(cat "$R/hang.pid") 2>/dev/null"

# 5. exec: argv[0] "/init", the rest as given
R=$T/r5; newroot "$R"; seal "$R"
out=$("$HANDOVER" --root "$R" -- single quiet 2>/dev/null)
# (a script's $0 is the path execve got; as PID 1 that is /init)
check "exec /init with the original arguments" [ "$out" = "init: $R/init single quiet" ]

# 6. a bad manifest: its line named, nothing unpacked, everything deleted
R=$T/r6; newroot "$R"
defer "$R" 01-d1.cpio "$T/d1.cpio"; seal "$R" "on-clash sometimes"
"$HANDOVER" --root "$R" --no-exec > "$T/out6" 2>&1; rc=$?
check "bad manifest: continue exits 0" [ "$rc" = 0 ]
check "bad manifest: line named" grep -qx 'handover: /.initstack/manifest:3: on-clash takes error, warn or allow, not "sometimes"' "$T/out6"
check "bad manifest: nothing unpacked" [ ! -e "$R/etc/distro" ]
check "bad manifest: /.initstack deleted" [ ! -e "$R/.initstack" ]

# 7. no manifest: hooks, then /init
R=$T/r7; newroot "$R"; rm -rf "$R/.initstack"
"$HANDOVER" --root "$R" --no-exec > "$T/out7" 2>&1; rc=$?
check "no manifest: exits 0" [ "$rc" = 0 ]
check "no manifest: said so" grep -qx 'handover: no /.initstack/manifest: nothing deferred' "$T/out7"

# 8. the binary is static
check "handover is statically linked" bash -c "file '$HANDOVER' | grep -q 'statically linked'"
