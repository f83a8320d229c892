# initstack — one entry point: all, check, demo, bench, fuzz, deps.
# Quiet unless V=1; CC, CFLAGS, LDFLAGS honoured. Variants are built by
# re-invoking this Makefile with BUILD= and SAN= (see `check`).

CC      ?= cc
CFLAGS  ?= -O2 -g
LDFLAGS ?=
BUILD   ?= build/host
SAN     ?=

ifeq ($(V),1)
Q :=
else
Q := @
endif

WARN     := -std=c11 -Wall -Wextra -Werror
INC      := -Iinclude
# The core is freestanding C: no libc headers, no builtins assumed beyond the
# documented memcpy/memmove/memset/memcmp (see docs/design.md).
CORE_CFLAGS := $(WARN) $(INC) -ffreestanding $(CFLAGS) $(SAN)
HOST_CFLAGS := $(WARN) $(INC) -D_GNU_SOURCE $(CPPFLAGS) $(CFLAGS) $(SAN)
HOST_LIBS   := -lz -lzstd -llzma -lbz2 -llz4 -llzo2 -lfdt -lpthread

CORE_SRC  := $(sort $(wildcard loader/*.c))
CORE_OBJ  := $(CORE_SRC:%.c=$(BUILD)/%.o)
# decoders/: library/ (Debian's libraries, any chunking: the tool and the
# handover), kernel/ (the kernel's own decompressors, below) and
# loader_decoders.c (the loader's set, our inflate and the kernel's; in
# initstack.efi and in the tool's list, check and tree)
LIBDEC_OBJ := $(BUILD)/decoders/library/library_decoders.o
DEC_INC   := -Idecoders -Idecoders/library -Idecoders/kernel
CLI_SRC   := $(sort $(wildcard cli/*.c))
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
# cli objects other than main are shared with tests and fuzz replays
# dt/: the devicetree edits over libfdt, the loader's and the tool's (here
# Debian's libfdt; efi/efi.mk builds libfdt from source for the loader)
DT_OBJ    := $(BUILD)/dt/dt.o
CLI_LIB_OBJ := $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ)) $(LIBDEC_OBJ) $(DT_OBJ)
TEST_SRC  := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN  := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TLIB_SRC  := $(sort $(wildcard tests/lib/*.c))
TLIB_OBJ  := $(TLIB_SRC:%.c=$(BUILD)/%.o)
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/replay/%)
LIBCORE   := $(BUILD)/libinitstack.a

# ---- the kernel's own decompressors (decoders/kernel/) -----------------------
# Fetched once into the cache by decoders/kernel/fetch.sh, never into the
# tree. The kernel's C is built as the kernel builds it (gnu11, gnu89 inline,
# no strict aliasing or overflow) with Debian's amd64 Kconfig choices
# (decoders/kernel/shim/kconfig.h) and our shim headers; our adapter with
# the project's warnings. kdec.o is the whole of it linked into one object
# whose only global definitions are the adapter's (the kernel's ZSTD_*,
# LZ4_*, lzo1x_* ... are made local: the host binaries also link Debian's
# libzstd, liblz4 and liblzo2, which define the same names).
INITSTACK_CACHE ?= /var/tmp/initstack-cache
KSRC      := $(INITSTACK_CACHE)/linux-6.1-decompress
KSTAMP    := $(KSRC)/.complete
KDEC_KSRC := lib/decompress_unzstd.c lib/decompress_unxz.c lib/decompress_unlzma.c \
	lib/decompress_bunzip2.c lib/decompress_unlz4.c lib/decompress_unlzo.c \
	lib/xz/xz_dec_stream.c lib/xz/xz_dec_lzma2.c lib/xz/xz_dec_bcj.c \
	lib/lz4/lz4_decompress.c lib/lzo/lzo1x_decompress_safe.c lib/xxhash.c \
	lib/zstd/zstd_decompress_module.c lib/zstd/common/debug.c \
	lib/zstd/common/entropy_common.c lib/zstd/common/error_private.c \
	lib/zstd/common/fse_decompress.c lib/zstd/common/zstd_common.c \
	lib/zstd/decompress/huf_decompress.c lib/zstd/decompress/zstd_ddict.c \
	lib/zstd/decompress/zstd_decompress.c lib/zstd/decompress/zstd_decompress_block.c
# -Wno-*: what the kernel's own build does not warn about in this code
KDEC_KFLAGS := -std=gnu11 -fgnu89-inline -ffreestanding -fno-strict-aliasing \
	-fno-strict-overflow -fno-delete-null-pointer-checks -fvisibility=hidden \
	-Wall -Wno-pointer-sign -Wno-maybe-uninitialized -Wno-unknown-warning-option \
	-Wno-unused-function -Wno-unused-but-set-variable \
	-include decoders/kernel/shim/kconfig.h -Idecoders/kernel/shim -I$(KSRC)/include
KDEC_AFLAGS := $(WARN) $(INC) -ffreestanding -I$(KSRC)/include
KDEC_OBJ  := $(KDEC_KSRC:%.c=$(BUILD)/kernel/%.o) $(BUILD)/kernel/kernel_decoders.o \
	$(BUILD)/kernel/loader_decoders.o
KDEC      := $(BUILD)/kernel/kdec.o
LIBKDEC   := $(BUILD)/libinitstack-kernel.a

$(KSTAMP):
	@$(if $(Q),echo "  FETCH   $(KSRC)")
	$(Q)INITSTACK_CACHE=$(INITSTACK_CACHE) decoders/kernel/fetch.sh $(KSRC)

$(BUILD)/kernel/lib/%.o: $(KSTAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  KCC     $@")
	$(Q)$(CC) $(KDEC_KFLAGS) $(CFLAGS) $(SAN) -MMD -MP -MT $@ -c $(KSRC)/lib/$*.c -o $@

$(BUILD)/kernel/kernel_decoders.o: decoders/kernel/kernel_decoders.c $(KSTAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(KDEC_AFLAGS) $(CFLAGS) $(SAN) -MMD -MP -c $< -o $@

$(BUILD)/kernel/loader_decoders.o: decoders/loader_decoders.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CORE_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/decoders/library/%.o: decoders/library/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/kernel/host_alloc.o: decoders/kernel/host_alloc.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

$(KDEC): $(KDEC_OBJ)
	@$(if $(Q),echo "  LD -r   $@")
	$(Q)$(LD) -r $^ -o $@.tmp && objcopy --localize-hidden $@.tmp $@ && rm -f $@.tmp

$(LIBKDEC): $(KDEC) $(BUILD)/kernel/host_alloc.o
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

.SECONDARY:
.PHONY: all core kernel-decoders cli tests check deps fuzz fuzzers bench bench-boot demo clean freestanding asan deb system-check
all: cli tests efi handover

core: $(LIBCORE)
kernel-decoders: $(LIBKDEC)
cli: $(BUILD)/initstack
tests: $(TEST_BIN) $(REPLAY_BIN)

$(BUILD)/loader/%.o: loader/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CORE_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/cli/%.o: cli/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(HOST_CFLAGS) -Icli $(DEC_INC) -MMD -MP -c $< -o $@

$(BUILD)/tests/lib/%.o: tests/lib/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(HOST_CFLAGS) -Icli -Itests/lib $(DEC_INC) -MMD -MP -c $< -o $@

$(LIBCORE): $(CORE_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/dt/%.o: dt/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/initstack: $(CLI_OBJ) $(LIBDEC_OBJ) $(DT_OBJ) $(LIBKDEC) $(LIBCORE)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(HOST_CFLAGS) $(LDFLAGS) $^ $(HOST_LIBS) -o $@

$(BUILD)/tests/%: tests/unit/%.c $(TLIB_OBJ) $(CLI_LIB_OBJ) $(LIBKDEC) $(LIBCORE)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(HOST_CFLAGS) -Icli -Itests/lib $(DEC_INC) -MMD -MP $(LDFLAGS) $(filter-out %.h,$^) $(HOST_LIBS) -o $@

# Each fuzz target also builds as a plain main() replaying its corpus.
$(BUILD)/replay/%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $(TLIB_OBJ) $(CLI_LIB_OBJ) $(LIBKDEC) $(LIBCORE)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(HOST_CFLAGS) -Icli -Itests/lib $(DEC_INC) -MMD -MP $(LDFLAGS) $(filter-out %.h,$^) $(HOST_LIBS) -o $@

# libFuzzer binaries (built by tests/fuzz/run.sh with CC=clang and SAN set).
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=$(BUILD)/fuzzer/%)
fuzzers: $(FUZZ_BIN)
$(BUILD)/fuzzer/%: tests/fuzz/fuzz_%.c $(TLIB_OBJ) $(CLI_LIB_OBJ) $(LIBKDEC) $(LIBCORE)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(CC) $(HOST_CFLAGS) -Icli -Itests/lib $(DEC_INC) -fsanitize=fuzzer $(LDFLAGS) $^ $(HOST_LIBS) -o $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

include efi/efi.mk
include handover/handover.mk

# ---- variants -------------------------------------------------------------

SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SAN="$(SANFLAGS)" all

# The core compiled with -ffreestanding -fno-builtin for the nm check.
freestanding:
	$(Q)$(MAKE) --no-print-directory BUILD=build/free CFLAGS="-O2 -fno-builtin" core

check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory asan
	$(Q)$(MAKE) --no-print-directory freestanding
	$(Q)$(MAKE) --no-print-directory efi
	$(Q)$(MAKE) --no-print-directory efi handover ARCH=aarch64
	$(Q)tests/run.sh

# ---- fuzzing (libFuzzer, clang) -------------------------------------------

FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps
	$(Q)tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# ---- dependencies ---------------------------------------------------------

deps:
	$(Q)tests/deps.sh

bench: deps all
	$(Q)tests/bench/run.sh

# boots under QEMU+OVMF against systemd-boot, GRUB and the kernel's stub
# (about 15 minutes here); BENCH_BOOT_PLOT=docs copies the plot to docs/,
# BENCH_BOOT_SMP=2 boots with two vCPUs
bench-boot: deps all
	$(Q)tests/bench/boot.sh

demo: deps all
	$(Q)tests/demo.sh

# ---- the Debian package (debian/) -------------------------------------------
# Built by dpkg-buildpackage from a copy of the tree in build/deb/ (so its
# build and clean never touch this one), then held to lintian.
DEB_DIR := build/deb
deb:
	$(Q)tests/deps.sh system
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/initstack
	$(Q)tar --exclude=./build --exclude=./.git -cf - . | tar -xf - -C $(DEB_DIR)/initstack
	$(Q)cd $(DEB_DIR)/initstack && dpkg-buildpackage -b -us -uc >../build.log 2>&1 || \
		{ tail -30 ../build.log; exit 1; }
	$(Q)lintian --fail-on error,warning --info $(DEB_DIR)/initstack_*_amd64.deb
	$(Q)ls $(DEB_DIR)/initstack_*_amd64.deb

# A whole Debian 12 system (mmdebstrap, cached) gets the package in a chroot
# and boots through initstack to multi-user.target (tests/system/check.sh)
system-check: deb
	$(Q)tests/system/check.sh $(DEB_DIR)/initstack_*_amd64.deb

clean:
	rm -rf build
