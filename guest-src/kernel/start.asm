; Entering the program: a Linux-style initial stack, as execve would leave it.
;
;   RSP -> argc
;          argv[0] .. argv[argc-1], NULL
;          envp[0] .. envp[envc-1], NULL
;          auxv: (type, value) pairs ending with AT_NULL
;
; The argument and environment strings stay where the VMM wrote them (ARGS_ADDR);
; AT_RANDOM points at the 16 random bytes inside the BootInfo.

AT_NULL   equ 0
AT_PHDR   equ 3
AT_PHENT  equ 4
AT_PHNUM  equ 5
AT_PAGESZ equ 6
AT_ENTRY  equ 9
AT_UID    equ 11
AT_EUID   equ 12
AT_GID    equ 13
AT_EGID   equ 14
AT_SECURE equ 23
AT_RANDOM equ 25
AUX_PAIRS equ 12                   ; entries written below, AT_NULL included

section .text

; AUX type, value -- append one auxiliary-vector pair at RDI
%macro AUX 2
	mov qword [rdi], %1
	mov rax, %2
	mov [rdi + 8], rax
	add rdi, 16
%endmacro

; -----------------------------------------------------------------------------
; start_application -- build the initial stack and jump to the program's entry
;  IN:  boot_info
;  OUT: does not return
start_application:
	mov edi, USER_STACK_SIZE / PAGE_SIZE
	call alloc_pages
	test rax, rax
	jz .no_stack
	lea r12, [rax + USER_STACK_SIZE]   ; top of the program's stack
	mov rbx, [boot_info]
	mov rcx, [rbx + BootInfo.argc]
	mov rdx, [rbx + BootInfo.envc]
	lea rax, [rcx + rdx + 3 + 2 * AUX_PAIRS]
	shl rax, 3
	sub r12, rax
	and r12, ~15                       ; the ABI wants RSP 16-byte aligned at entry
	mov rdi, r12
	mov [rdi], rcx                     ; argc
	add rdi, 8
	mov rsi, [rbx + BootInfo.argv]
	rep movsq                          ; argv pointers
	mov qword [rdi], 0
	add rdi, 8
	mov rcx, [rbx + BootInfo.envc]
	mov rsi, [rbx + BootInfo.envp]
	rep movsq                          ; envp pointers
	mov qword [rdi], 0
	add rdi, 8
	mov r8d, [rbx + BootInfo.app_phent]
	mov r9d, [rbx + BootInfo.app_phnum]
	AUX AT_PHDR, [rbx + BootInfo.app_phdr]
	AUX AT_PHENT, r8
	AUX AT_PHNUM, r9
	AUX AT_PAGESZ, PAGE_SIZE
	AUX AT_ENTRY, [rbx + BootInfo.app_entry]
	AUX AT_UID, 0
	AUX AT_EUID, 0
	AUX AT_GID, 0
	AUX AT_EGID, 0
	AUX AT_SECURE, 0
	lea rax, [rbx + BootInfo.random]
	AUX AT_RANDOM, rax
	AUX AT_NULL, 0

	mov rsp, r12
	mov rax, [rbx + BootInfo.app_entry]
	push 0x202                         ; IF on, nothing else
	popfq
	xor ebx, ebx                       ; a fresh process starts with clean registers
	xor ecx, ecx
	xor edx, edx                       ; RDX = 0: no dynamic-linker destructor
	xor esi, esi
	xor edi, edi
	xor ebp, ebp
	xor r8d, r8d
	xor r9d, r9d
	xor r10d, r10d
	xor r11d, r11d
	xor r12d, r12d
	xor r13d, r13d
	xor r14d, r14d
	xor r15d, r15d
	jmp rax

.no_stack:
	lea rsi, [msg_no_stack]
	call kprint_cstr
	mov eax, 125
	mov edx, PORT_PANIC
	out dx, eax
	hlt

section .rodata
msg_no_stack: db 'kernel: no memory for the program', 39, 's stack (raise --mem)', 10, 0
section .text
