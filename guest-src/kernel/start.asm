; Entering the program: a Linux-style initial stack, as execve would leave it.
;
;   RSP -> argc
;          argv[0] .. argv[argc-1], NULL
;          envp[0] .. envp[envc-1], NULL
;          auxv: (type, value) pairs ending with AT_NULL
;
; The argument and environment strings stay where the VMM wrote them (BootInfo.argv,
; just below the kernel at the top of RAM);
; AT_RANDOM points at the 16 random bytes inside the BootInfo; AT_SYSINFO_EHDR at the
; vDSO (sys/vdso.asm).

AT_NULL   equ 0
AT_PHDR   equ 3
AT_PHENT  equ 4
AT_PHNUM  equ 5
AT_PAGESZ equ 6
AT_BASE   equ 7
AT_FLAGS  equ 8
AT_ENTRY  equ 9
AT_UID    equ 11
AT_EUID   equ 12
AT_GID    equ 13
AT_EGID   equ 14
AT_SECURE equ 23
AT_CLKTCK equ 17
AT_RANDOM equ 25
AUX_PAIRS equ 16                   ; entries written below, AT_NULL included

section .text

; AUX type, value -- append one auxiliary-vector pair at RDI
%macro AUX 2
	mov qword [rdi], %1
	mov rax, %2
	mov [rdi + 8], rax
	add rdi, 16
%endmacro

; -----------------------------------------------------------------------------
; start_application -- make thread 1, build its initial stack, enter the program
;  IN:  boot_info
;  OUT: does not return
start_application:
	call task_alloc
	test rax, rax
	jz .no_stack
	mov r13, rax                       ; thread 1
	mov qword [r13 + Task.tid], 1
	mov qword [next_tid], 1
	mov qword [live_threads], 1
	mov qword [r13 + Task.state], TASK_RUNNING
	mov rdi, r13
	call task_list_add                 ; (sys/signal.asm: the threads signals reach)
	mov [gs:Percpu.current], r13
	call cpu_start_clock               ; thread 1's run time starts (sys/usage.asm)
	mov rdi, r13
	mov rsi, [boot_info]
	mov rsi, [rsi + BootInfo.argv]
	mov rsi, [rsi]                     ; argv[0]: the image's file name
	call task_set_name
	lea rax, [r13 + TASK_SIZE]
	mov [gs:Percpu.kstack_top], rax
	mov edi, USER_STACK_SIZE / PAGE_SIZE
	call alloc_user_pages              ; the program's own: its pointers may lie there
	test rax, rax
	jz .no_stack
	mov [main_stack], rax              ; (for /proc/self/maps)
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
	AUX AT_BASE, 0                     ; no interpreter: a static PIE relocates itself
	AUX AT_FLAGS, 0
	AUX AT_CLKTCK, USER_HZ
	AUX AT_ENTRY, [rbx + BootInfo.app_entry]
	AUX AT_UID, 0
	AUX AT_EUID, 0
	AUX AT_GID, 0
	AUX AT_EGID, 0
	AUX AT_SECURE, 0
	lea rax, [rbx + BootInfo.random]
	AUX AT_RANDOM, rax
	lea rax, [vdso_image]
	AUX AT_SYSINFO_EHDR, rax           ; clock_gettime without a system call (sys/vdso.asm)
	AUX AT_NULL, 0

	; Thread 1 enters the program the way every thread returns to it: through a
	; Frame at the top of its kernel stack (all registers zero, RDX = 0: no
	; dynamic-linker destructor).
	lea rdi, [r13 + TASK_SIZE - ExcFrame_size]
	mov rsp, rdi
	xor eax, eax
	mov ecx, ExcFrame_size / 8
	rep stosq
	mov rax, [rbx + BootInfo.app_entry]
	mov [rsp + ExcFrame.rip], rax
	mov qword [rsp + ExcFrame.cs], KERNEL_CS
	mov qword [rsp + ExcFrame.rflags], 0x202
	mov [rsp + ExcFrame.rsp], r12
	mov qword [rsp + ExcFrame.ss], KERNEL_DS
	call announce_online               ; the other CPUs may start now
	jmp return_to_context

.no_stack:
	lea rsi, [msg_no_stack]
	call kprint_cstr
	mov eax, STATUS_CANNOT_START
	mov edx, PORT_PANIC
	out dx, eax
	hlt

section .rodata
msg_no_stack: db 'kernel: no memory for the program', 39, 's stack (raise --mem)', 10, 0
section .text
