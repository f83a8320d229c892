# Shared helpers for the shell tests. Each test prints "ok - NAME" or
# "not ok - NAME" lines; tests/run.sh counts them.
set -u
export LC_ALL=C
INITSTACK=${INITSTACK:-build/host/initstack}
case $INITSTACK in /*) ;; *) INITSTACK=$PWD/$INITSTACK ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/initstack-test.XXXXXX")
trap 'rm -rf "$T"' EXIT

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; }

# expect_exit NAME STATUS CMD...: ok if the command exits with STATUS; its
# output is left in $T/out and $T/err.
expect_exit() {
	local name=$1 want=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	local rc=$?
	if [ "$rc" = "$want" ]; then ok "$name"; else notok "$name (exit $rc, expected $want)"; sed 's/^/    /' "$T/err" | head -5; fi
}

# check NAME CMD...: ok if the command succeeds.
check() {
	local name=$1; shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}

# same NAME FILE1 FILE2: ok if equal, else show the difference.
same() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		notok "$1"
		diff -u "$2" "$3" | head -40 | sed 's/^/    /'
	fi
}

# dumptree DIR: the directory in `initstack tree` format, sorted by line,
# without the root and without hard-link annotations.
dumptree() {
	(cd "$1" && find . -mindepth 1 | sed 's|^\./||' | sort | while IFS= read -r p; do
		local t m u g s what size
		read -r t m u g s <<<"$(stat -c '%F|%a|%u|%g|%s' -- "$p" | tr ' |' '_ ')"
		m=$(printf '%04o' "0$m")
		what=- size=-
		case $t in
		regular_file|regular_empty_file) t=f; size=$s; what=$(sha256sum <"$p" | cut -d' ' -f1) ;;
		directory) t=d ;;
		symbolic_link) t=l; size=$s ;;
		character_special_file) t=c; what=$(stat -c '%t %T' -- "$p" | { read -r a b; echo "$((16#$a)):$((16#$b))"; }) ;;
		block_special_file) t=b; what=$(stat -c '%t %T' -- "$p" | { read -r a b; echo "$((16#$a)):$((16#$b))"; }) ;;
		fifo) t=p ;;
		socket) t=s ;;
		esac
		if [ "$t" = l ]; then
			echo "$t $m $u:$g $size $what /$p -> $(readlink -- "$p")"
		else
			echo "$t $m $u:$g $size $what /$p"
		fi
	done) | sort
}

# treeof FILE: `initstack tree` of one archive (as the kernel camp's, so its
# own /kernel is no violation), without the root line and link annotations.
treeof() {
	"$INITSTACK" tree --no-builtin --kernel "$1" | grep -v ' /$' | sed 's/ => .*$//' | sort
}

# fetch_bootctl: the path of systemd's bootctl, from Debian's systemd-boot
# package unpacked once into the cache (not installed: its postinst would
# put systemd-boot on any ESP it finds).
fetch_bootctl() {
	local c=${INITSTACK_CACHE:-/var/tmp/initstack-cache}/systemd-boot
	if [ ! -x "$c/root/usr/bin/bootctl" ]; then
		mkdir -p "$c"
		(
			flock 9 && cd "$c" && [ -x root/usr/bin/bootctl ] && exit 0
			rm -f systemd-boot_*.deb
			{ apt-get download systemd-boot || { apt-get update -q && apt-get download systemd-boot; }; } &&
				rm -rf root && dpkg-deb -x systemd-boot_*.deb root
		) 9>"$c.lock" >&2 || return 1
	fi
	echo "$c/root/usr/bin/bootctl"
}
