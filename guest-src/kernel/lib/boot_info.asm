; The BootInfo block the VMM writes before the first instruction.

section .text

; -----------------------------------------------------------------------------
; init_boot_info -- check the BootInfo and keep the facts the kernel needs
;  IN:  RDI = BootInfo address (from the VMM)
;  OUT: boot_info and ram_size set; stops the VM on a mismatch
;  Clobbers: RAX, RDX
init_boot_info:
	mov [boot_info], rdi
	mov rax, BOOT_MAGIC
	cmp [rdi + BootInfo.magic], rax
	jne .bad
	cmp dword [rdi + BootInfo.abi_version], ABI_VERSION
	jne .bad
	mov rax, [rdi + BootInfo.ram_size]
	mov [ram_size], rax
	ret
.bad:	; No console yet (no per-CPU area): report through the exit status alone.
	mov eax, STATUS_CANNOT_START
	mov edx, PORT_PANIC
	out dx, eax
	hlt
	jmp .bad

section .bss
boot_info:	resq 1     ; address of the VMM's BootInfo
ram_size:	resq 1     ; bytes of guest RAM
section .text
