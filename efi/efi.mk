# initstack.efi: the core and efi/ built with gnu-efi for x86_64.
# Included by the top Makefile; `make efi` builds build/efi-x86_64/initstack.efi.

EFI_ARCH    ?= x86_64
EFI_BUILD   := build/efi-$(EFI_ARCH)
EFI_INC     := /usr/include/efi
EFI_LIB     := /usr/lib
EFI_CFLAGS  := -std=c11 -Wall -Wextra -Werror -Iinclude -I$(EFI_INC) -I$(EFI_INC)/$(EFI_ARCH) \
	-O2 -fpic -fshort-wchar -ffreestanding -fno-stack-protector -fno-stack-check \
	-fno-strict-aliasing -mno-red-zone -maccumulate-outgoing-args -DGNU_EFI_USE_MS_ABI
EFI_LDFLAGS := -nostdlib -znocombreloc -z defs -shared -Bsymbolic \
	-T $(EFI_LIB)/elf_$(EFI_ARCH)_efi.lds $(EFI_LIB)/crt0-efi-$(EFI_ARCH).o -L$(EFI_LIB)
EFI_SRC     := $(sort $(wildcard efi/*.c))
EFI_OBJ     := $(EFI_SRC:%.c=$(EFI_BUILD)/%.o) $(CORE_SRC:%.c=$(EFI_BUILD)/%.o) \
	$(EFI_BUILD)/kernel/kdec.o
# The kernel's decompressors (see the top Makefile) with the loader's code
# generation flags (no red zone, no stack protector, PIC) but the kernel's
# language and warning flags; the adapter with the loader's own.
EFI_KFLAGS  := $(KDEC_KFLAGS) $(filter-out -std=c11 -Wall -Wextra -Werror,$(EFI_CFLAGS))
EFI_KDEC_OBJ := $(KDEC_KSRC:%.c=$(EFI_BUILD)/kernel/%.o) $(EFI_BUILD)/kernel/kernel_decoders.o \
	$(EFI_BUILD)/kernel/loader_decoders.o

.PHONY: efi
efi: $(EFI_BUILD)/initstack.efi

$(EFI_BUILD)/efi/%.o: efi/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  EFICC   $@")
	$(Q)$(CC) $(EFI_CFLAGS) -Iefi -MMD -MP -c $< -o $@

$(EFI_BUILD)/loader/%.o: loader/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  EFICC   $@")
	$(Q)$(CC) $(EFI_CFLAGS) -MMD -MP -c $< -o $@

$(EFI_BUILD)/kernel/lib/%.o: $(KSTAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  EFIKCC  $@")
	$(Q)$(CC) $(EFI_KFLAGS) -MMD -MP -MT $@ -c $(KSRC)/lib/$*.c -o $@

$(EFI_BUILD)/kernel/kernel_decoders.o: decoders/kernel/kernel_decoders.c $(KSTAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  EFICC   $@")
	$(Q)$(CC) $(EFI_CFLAGS) -I$(KSRC)/include -MMD -MP -c $< -o $@

$(EFI_BUILD)/kernel/loader_decoders.o: decoders/loader_decoders.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  EFICC   $@")
	$(Q)$(CC) $(EFI_CFLAGS) -MMD -MP -c $< -o $@

$(EFI_BUILD)/kernel/kdec.o: $(EFI_KDEC_OBJ)
	@$(if $(Q),echo "  EFILD   $@")
	$(Q)$(LD) -r $^ -o $@.tmp && objcopy --localize-hidden $@.tmp $@ && rm -f $@.tmp

$(EFI_BUILD)/initstack.so: $(EFI_OBJ)
	@$(if $(Q),echo "  EFILD   $@")
	$(Q)$(LD) $(EFI_LDFLAGS) $^ -o $@ -lefi -lgnuefi

$(EFI_BUILD)/initstack.efi: $(EFI_BUILD)/initstack.so
	@$(if $(Q),echo "  OBJCOPY $@")
	$(Q)objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
		-j .rel.* -j .rela.* -j .reloc --target efi-app-$(EFI_ARCH) --subsystem=10 $< $@

-include $(shell find $(EFI_BUILD) -name '*.d' 2>/dev/null)
