# initstack.efi: the core, dt/, libfdt and efi/ built with gnu-efi.
# Included by the top Makefile; `make efi` builds build/efi-x86_64/initstack.efi,
# `make efi ARCH=aarch64` (or EFI_ARCH=aarch64) build/efi-aarch64/initstack.efi
# with Debian's cross compiler and gnu-efi:arm64, which efi/fetch-foreign.sh
# unpacks into the cache (never installed, never in the tree).

EFI_ARCH    ?= $(or $(ARCH),x86_64)
EFI_BUILD   := build/efi-$(EFI_ARCH)
ifeq ($(EFI_ARCH),x86_64)
EFI_CROSS   :=
EFI_ROOT    :=
EFI_STAMP   :=
EFI_ACFLAGS := -mno-red-zone -maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI
EFI_ALDFLAGS :=
# x86_64's binutils write the PE header; aarch64's crt0 carries its own
EFI_FORMAT  := --target efi-app-x86_64 --subsystem=10
else ifeq ($(EFI_ARCH),aarch64)
EFI_CROSS   := aarch64-linux-gnu-
EFI_ROOT    := $(INITSTACK_CACHE)/gnu-efi-arm64
EFI_STAMP   := $(EFI_ROOT)/.complete
# no calls into libgcc for atomics (the kernel code uses xchg)
EFI_ACFLAGS := -mno-outline-atomics
EFI_ALDFLAGS := --defsym=EFI_SUBSYSTEM=0xa --no-warn-rwx-segments
EFI_FORMAT  := -O binary
else
$(error EFI_ARCH=$(EFI_ARCH): initstack.efi builds for x86_64 and aarch64)
endif
EFI_CC      := $(if $(EFI_CROSS),$(EFI_CROSS)gcc,$(CC))
EFI_LD      := $(EFI_CROSS)ld
EFI_OBJCOPY := $(EFI_CROSS)objcopy
EFI_INC     := $(EFI_ROOT)/usr/include/efi
EFI_LIB     := $(EFI_ROOT)/usr/lib
# libfdt from the kernel's source (decoders/kernel/fetch.sh libfdt), built
# with these flags and efi/fdt-env/libfdt_env.h, not Debian's libfdt.a
# (built with stack canaries and for the host's libc)
FDT_SRC     := $(INITSTACK_CACHE)/linux-6.1-libfdt/scripts/dtc/libfdt
FDT_STAMP   := $(INITSTACK_CACHE)/linux-6.1-libfdt/.complete
FDT_FILES   := fdt.c fdt_ro.c fdt_rw.c fdt_sw.c fdt_wip.c fdt_strerror.c fdt_overlay.c
EFI_FDT_OBJ := $(FDT_FILES:%.c=$(EFI_BUILD)/libfdt/%.o)
EFI_GFLAGS  := -O2 -fpic -fshort-wchar -ffreestanding -fno-stack-protector -fno-stack-check \
	-fno-strict-aliasing $(EFI_ACFLAGS)
EFI_CFLAGS  := -std=c11 -Wall -Wextra -Werror -Iinclude -I$(EFI_INC) -I$(EFI_INC)/$(EFI_ARCH) \
	-Iefi/fdt-env -I$(FDT_SRC) $(EFI_GFLAGS)
# libfdt as the kernel builds it: no strict overflow, its own warnings
EFI_FDTFLAGS := -std=gnu11 -Wall -Wno-sign-compare -fno-strict-overflow -Iefi/fdt-env \
	-I$(FDT_SRC) $(EFI_GFLAGS)
EFI_LDFLAGS := -nostdlib -znocombreloc -z defs -shared -Bsymbolic $(EFI_ALDFLAGS) \
	-T $(EFI_LIB)/elf_$(EFI_ARCH)_efi.lds $(EFI_LIB)/crt0-efi-$(EFI_ARCH).o -L$(EFI_LIB)
EFI_SRC     := $(sort $(wildcard efi/*.c))
EFI_OBJ     := $(EFI_SRC:%.c=$(EFI_BUILD)/%.o) $(CORE_SRC:%.c=$(EFI_BUILD)/%.o) \
	$(EFI_BUILD)/dt/dt.o $(EFI_FDT_OBJ) $(EFI_BUILD)/kernel/kdec.o
# The kernel's decompressors (see the top Makefile) with the loader's code
# generation flags (no red zone, no stack protector, PIC) but the kernel's
# language and warning flags; the adapter with the loader's own.
EFI_KFLAGS  := $(KDEC_KFLAGS) $(filter-out -std=c11 -Wall -Wextra -Werror,$(EFI_CFLAGS))
EFI_KDEC_OBJ := $(KDEC_KSRC:%.c=$(EFI_BUILD)/kernel/%.o) $(EFI_BUILD)/kernel/kernel_decoders.o \
	$(EFI_BUILD)/kernel/loader_decoders.o

.PHONY: efi
efi: $(EFI_BUILD)/initstack.efi

ifneq ($(EFI_STAMP),)
$(EFI_STAMP):
	@$(if $(Q),echo "  FETCH   $(EFI_ROOT)")
	$(Q)efi/fetch-foreign.sh arm64 $(EFI_ROOT) gnu-efi
endif

$(FDT_STAMP):
	@$(if $(Q),echo "  FETCH   libfdt")
	$(Q)INITSTACK_CACHE=$(INITSTACK_CACHE) decoders/kernel/fetch.sh $(INITSTACK_CACHE)/linux-6.1-libfdt libfdt

# every object includes gnu-efi's or libfdt's headers: fetched first
$(EFI_OBJ): | $(EFI_STAMP) $(FDT_STAMP)

# a static pattern: a rule for any libfdt/%.o with only the stamp as its
# prerequisite would let make chain built-in rules through it (it tried to
# remake libfdt/fdt.d from a "fdt.d.o")
$(EFI_FDT_OBJ): $(EFI_BUILD)/libfdt/%.o: $(FDT_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  EFICC   $@")
	$(Q)$(EFI_CC) $(EFI_FDTFLAGS) -MMD -MP -MT $@ -c $(FDT_SRC)/$*.c -o $@

$(EFI_BUILD)/dt/%.o: dt/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  EFICC   $@")
	$(Q)$(EFI_CC) $(EFI_CFLAGS) -MMD -MP -c $< -o $@

$(EFI_BUILD)/efi/%.o: efi/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  EFICC   $@")
	$(Q)$(EFI_CC) $(EFI_CFLAGS) -Iefi -MMD -MP -c $< -o $@

$(EFI_BUILD)/loader/%.o: loader/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  EFICC   $@")
	$(Q)$(EFI_CC) $(EFI_CFLAGS) -MMD -MP -c $< -o $@

$(EFI_BUILD)/kernel/lib/%.o: $(KSTAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  EFIKCC  $@")
	$(Q)$(EFI_CC) $(EFI_KFLAGS) -MMD -MP -MT $@ -c $(KSRC)/lib/$*.c -o $@

$(EFI_BUILD)/kernel/kernel_decoders.o: decoders/kernel/kernel_decoders.c $(KSTAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  EFICC   $@")
	$(Q)$(EFI_CC) $(EFI_CFLAGS) -I$(KSRC)/include -MMD -MP -c $< -o $@

$(EFI_BUILD)/kernel/loader_decoders.o: decoders/loader_decoders.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  EFICC   $@")
	$(Q)$(EFI_CC) $(EFI_CFLAGS) -MMD -MP -c $< -o $@

$(EFI_BUILD)/kernel/kdec.o: $(EFI_KDEC_OBJ)
	@$(if $(Q),echo "  EFILD   $@")
	$(Q)$(EFI_LD) -r $^ -o $@.tmp && $(EFI_OBJCOPY) --localize-hidden $@.tmp $@ && rm -f $@.tmp

$(EFI_BUILD)/initstack.so: $(EFI_OBJ)
	@$(if $(Q),echo "  EFILD   $@")
	$(Q)$(EFI_LD) $(EFI_LDFLAGS) $^ -o $@ -lefi -lgnuefi

$(EFI_BUILD)/initstack.efi: $(EFI_BUILD)/initstack.so
	@$(if $(Q),echo "  OBJCOPY $@")
	$(Q)$(EFI_OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
		-j .rel.* -j .rela.* -j .reloc $(EFI_FORMAT) $< $@

-include $(shell find $(EFI_BUILD) -name '*.d' 2>/dev/null)
