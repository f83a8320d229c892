# handover: the static early-userspace program (docs/handover.md).
# Included from the top Makefile, after its variables and rules:
#     include handover/handover.mk
# Targets: `handover` (the static binary, build/handover/handover); the
# unit tests test_unpack and test_manifest and the manifest fuzz replay get
# the unpacker objects through the prerequisites added below.

HO_SRC     := $(sort $(wildcard handover/*.c))
HO_LIB_SRC := $(filter-out handover/main.c,$(HO_SRC))
HO_LIB_OBJ := $(HO_LIB_SRC:%.c=$(BUILD)/%.o)

$(BUILD)/handover/%.o: handover/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(HOST_CFLAGS) -Icli -Idecoders/library -MMD -MP -c $< -o $@

# The pattern rules link $^, so these extra prerequisites join the link.
$(BUILD)/tests/test_unpack $(BUILD)/tests/test_manifest: $(HO_LIB_OBJ)
$(BUILD)/replay/manifest $(BUILD)/fuzzer/manifest: $(HO_LIB_OBJ)

# ---- the static binary ------------------------------------------------------
# Always without sanitizers (they cannot link -static), in its own tree, so
# every variant (host, asan) shares one build/handover/handover.

# `make handover ARCH=aarch64` cross-builds build/handover-aarch64/handover
# with Debian's cross compiler and glibc (libc6-dev-arm64-cross) and the
# arm64 static libraries efi/fetch-foreign.sh unpacks into the cache.
HO_ARCH ?= $(or $(ARCH),$(shell uname -m))
ifeq ($(HO_ARCH),$(shell uname -m))
HO_BUILD        := build/handover
HO_CC           := $(CC)
HO_AR           := ar
HO_STAMP        :=
HO_XFLAGS       :=
HO_XLDFLAGS     :=
else ifeq ($(HO_ARCH),aarch64)
HO_BUILD        := build/handover-aarch64
HO_CC           := aarch64-linux-gnu-gcc
HO_AR           := aarch64-linux-gnu-ar
HO_LIBROOT      := $(INITSTACK_CACHE)/handover-libs-arm64
HO_STAMP        := $(HO_LIBROOT)/.complete
HO_XFLAGS       := -I$(HO_LIBROOT)/usr/include
HO_XLDFLAGS     := -L$(HO_LIBROOT)/usr/lib/aarch64-linux-gnu
else
$(error ARCH=$(HO_ARCH): handover builds for this machine and for aarch64)
endif
HO_CFLAGS       := $(WARN) $(INC) -Icli -Idecoders/library -D_GNU_SOURCE $(HO_XFLAGS) $(CFLAGS)
HO_CORE_CFLAGS  := $(WARN) $(INC) -ffreestanding $(CFLAGS)
HO_STATIC_LIBS  := -lz -lzstd -llzma -lbz2 -llz4 -llzo2
HO_OBJ          := $(HO_BUILD)/obj
HO_BIN_OBJ      := $(HO_SRC:%.c=$(HO_OBJ)/%.o) $(HO_OBJ)/cli/stack.o \
	$(HO_OBJ)/decoders/library/library_decoders.o
HO_CORE_OBJ     := $(CORE_SRC:%.c=$(HO_OBJ)/%.o)

.PHONY: handover
handover: $(HO_BUILD)/handover

ifneq ($(HO_STAMP),)
$(HO_STAMP):
	@$(if $(Q),echo "  FETCH   $(HO_LIBROOT)")
	$(Q)efi/fetch-foreign.sh arm64 $(HO_LIBROOT) zlib1g-dev libzstd-dev liblzma-dev \
		libbz2-dev liblz4-dev liblzo2-dev
$(HO_BIN_OBJ) $(HO_CORE_OBJ): | $(HO_STAMP)
endif

$(HO_OBJ)/handover/%.o: handover/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(HO_CC) $(HO_CFLAGS) -MMD -MP -c $< -o $@

$(HO_OBJ)/cli/%.o: cli/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(HO_CC) $(HO_CFLAGS) -MMD -MP -c $< -o $@

$(HO_OBJ)/decoders/%.o: decoders/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(HO_CC) $(HO_CFLAGS) -MMD -MP -c $< -o $@

$(HO_OBJ)/loader/%.o: loader/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(HO_CC) $(HO_CORE_CFLAGS) -MMD -MP -c $< -o $@

$(HO_OBJ)/libinitstack.a: $(HO_CORE_OBJ)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(HO_AR) rcs $@ $^

$(HO_BUILD)/handover: $(HO_BIN_OBJ) $(HO_OBJ)/libinitstack.a
	@$(if $(Q),echo "  LD      $@ (static)")
	$(Q)$(HO_CC) $(HO_CFLAGS) -static $(LDFLAGS) $(HO_XLDFLAGS) $^ $(HO_STATIC_LIBS) -o $@

ifneq ($(BUILD),$(HO_BUILD))
-include $(shell find $(HO_OBJ) -name '*.d' 2>/dev/null)
endif
