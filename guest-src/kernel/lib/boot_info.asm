; The BootInfo block the VMM writes before the first instruction.

section .text

; -----------------------------------------------------------------------------
; init_boot_info -- check the BootInfo and keep the facts the kernel needs
;  IN:  RDI = BootInfo address (from the VMM)
;  OUT: boot_info, ram_size, cpu_count set; stops the VM on a mismatch
;  Clobbers: RAX, RCX, RDX
init_boot_info:
	mov [boot_info], rdi
	mov rax, BOOT_MAGIC
	cmp [rdi + BootInfo.magic], rax
	jne .bad
	cmp dword [rdi + BootInfo.abi_version], ABI_VERSION
	jne .bad
	mov rax, [rdi + BootInfo.ram_size]
	mov [ram_size], rax
	mov eax, [rdi + BootInfo.cpu_count]
	mov [cpu_count], rax
	ret
.bad:	; No console yet (no per-CPU area): report through the exit status alone.
	mov eax, 125
	mov edx, PORT_PANIC
	out dx, eax
	hlt
	jmp .bad

section .bss
boot_info:	resq 1     ; address of the VMM's BootInfo
ram_size:	resq 1     ; bytes of guest RAM
cpu_count:	resq 1     ; vCPUs the VMM created
section .text
