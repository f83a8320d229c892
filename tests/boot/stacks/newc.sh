# A newc writer in bash for hand-made test archives: every header field under
# the test's control (inode numbers, link counts, odd names, bodies on
# entries that should not have one), which no archiver gives.
#
#   newc_begin FILE                 start an archive (truncates FILE)
#   nf NAME MODE U:G DATA [INO [NLINK]]   regular file (DATA: a string)
#   nd NAME MODE U:G [DATA]         directory (DATA: a body, which the kernel skips)
#   nl NAME TARGET [U:G [MODE]]     symlink (mode 0777 unless given)
#   nc|nb NAME MODE U:G MAJ MIN [INO [NLINK]]   character/block device
#   np NAME MODE U:G [INO [NLINK]]  fifo
#   ns NAME MODE U:G                socket
#   nraw TYPEMODE NAME U:G DATA INO NLINK [RMAJ RMIN [DEVMAJ DEVMIN]]
#                                   TYPEMODE in octal, file type included
#   ntrailer                        TRAILER!!! (resets the kernel's link table)
#
# Names are written as given (no leading "/" or "./" is stripped). Inode
# numbers default to a counter; NLINK to 1. mtime is 0.
NEWC_OUT= NEWC_OFF=0 NEWC_INO=100

newc_begin() {
	NEWC_OUT=$1 NEWC_OFF=0
	: >"$NEWC_OUT"
}

# _newc_pad: NULs up to the next multiple of 4 of NEWC_OFF
_newc_pad() {
	local n=$(((4 - NEWC_OFF % 4) % 4))
	[ "$n" = 0 ] || head -c "$n" /dev/zero >>"$NEWC_OUT"
	NEWC_OFF=$((NEWC_OFF + n))
}

nraw() {
	local mode=$1 name=$2 ug=$3 data=$4 ino=$5 nlink=$6
	local rmaj=${7:-0} rmin=${8:-0} dmaj=${9:-0} dmin=${10:-0}
	local LC_ALL=C
	local nsize=$((${#name} + 1)) fsize=${#data}
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		"$ino" "$((8#$mode))" "${ug%%:*}" "${ug##*:}" "$nlink" 0 "$fsize" \
		"$dmaj" "$dmin" "$rmaj" "$rmin" "$nsize" 0 >>"$NEWC_OUT"
	printf '%s\0' "$name" >>"$NEWC_OUT"
	NEWC_OFF=$((NEWC_OFF + 110 + nsize))
	_newc_pad
	printf '%s' "$data" >>"$NEWC_OUT"
	NEWC_OFF=$((NEWC_OFF + fsize))
	_newc_pad
}

_newc_ino() { NEWC_INO=$((NEWC_INO + 1)); }
# _m TYPE PERM: the octal mode word, e.g. _m 10 0644 -> 100644
_m() { printf '%s%04o' "$1" "$((8#$2))"; }

nf() { _newc_ino; nraw "$(_m 10 "$2")" "$1" "$3" "$4" "${5:-$NEWC_INO}" "${6:-1}"; }
nd() { _newc_ino; nraw "$(_m 04 "$2")" "$1" "$3" "${4:-}" "$NEWC_INO" 2; }
nl() { _newc_ino; nraw "$(_m 12 "${4:-0777}")" "$1" "${3:-0:0}" "$2" "$NEWC_INO" 1; }
nc() { _newc_ino; nraw "$(_m 02 "$2")" "$1" "$3" "" "${6:-$NEWC_INO}" "${7:-1}" "$4" "$5"; }
nb() { _newc_ino; nraw "$(_m 06 "$2")" "$1" "$3" "" "${6:-$NEWC_INO}" "${7:-1}" "$4" "$5"; }
np() { _newc_ino; nraw "$(_m 01 "$2")" "$1" "$3" "" "${4:-$NEWC_INO}" "${5:-1}"; }
ns() { _newc_ino; nraw "$(_m 14 "$2")" "$1" "$3" "" "$NEWC_INO" 1; }
ntrailer() { nraw 0 'TRAILER!!!' 0:0 "" 0 1; }
