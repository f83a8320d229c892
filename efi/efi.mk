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
EFI_OBJ     := $(EFI_SRC:%.c=$(EFI_BUILD)/%.o) $(CORE_SRC:%.c=$(EFI_BUILD)/%.o)

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

$(EFI_BUILD)/initstack.so: $(EFI_OBJ)
	@$(if $(Q),echo "  EFILD   $@")
	$(Q)$(LD) $(EFI_LDFLAGS) $^ -o $@ -lefi -lgnuefi

$(EFI_BUILD)/initstack.efi: $(EFI_BUILD)/initstack.so
	@$(if $(Q),echo "  OBJCOPY $@")
	$(Q)objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
		-j .rel.* -j .rela.* -j .reloc --target efi-app-$(EFI_ARCH) --subsystem=10 $< $@

-include $(shell find $(EFI_BUILD) -name '*.d' 2>/dev/null)
