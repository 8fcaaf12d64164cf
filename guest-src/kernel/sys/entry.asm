; System-call entry and dispatch (the Linux x86-64 ABI: number in RAX, arguments in
; RDI, RSI, RDX, R10, R8, R9, result in RAX; every other register survives).
;
; The program runs in ring 0 beside the kernel, and unicorn does not implement
; `syscall` itself: the VMM's hook puts the return address in RCX and jumps to LSTAR,
; leaving RFLAGS alone (vmm/cpu/syscall.ts). The entry's first instruction turns
; interrupts off; until it runs, nothing is on the kernel stack, so an interrupt
; there is as harmless as one in the program. The entry then saves the whole
; register file as a Frame at the top of the task's kernel stack (clone copies it,
; a blocked call keeps it) and returns through it (return_to_context restores RSP,
; RFLAGS and RIP; sysret would drop to ring 3).
;
; The dispatch table, syscall_table, is generated from toolchain/abi/spec.ts
; (generated/syscall_table.inc): each number's handler, sys_unknown for the rest.

section .text

; -----------------------------------------------------------------------------
; syscall_entry -- where the program's `syscall` lands (LSTAR)
;  IN:  RAX = number, RDI/RSI/RDX/R10/R8/R9 = arguments, RCX = return address
;  OUT: RAX = result or -errno; all other registers as they were, but RCX
syscall_entry:
	cli
	mov [gs:Percpu.user_rsp], rsp
	mov rsp, [gs:Percpu.kstack_top]
	push KERNEL_DS                     ; Frame: SS
	push qword [gs:Percpu.user_rsp]    ;        RSP
	pushfq                             ;        RFLAGS (IF is set again below)
	or qword [rsp], 0x200
	push KERNEL_CS                     ;        CS
	push rcx                           ;        RIP: the return address
	push 0                             ;        error code (unused)
	push rax                           ;        vector slot: the call number
	PUSH_GPRS                          ; the register half of a Frame (ExcFrame)
	mov rcx, r10                       ; 4th argument where the kernel's ABI wants it
	cmp rax, SYSCALL_TABLE_SIZE
	jae .unknown
	call [syscall_table + rax * 8]
.done:	mov [rsp + ExcFrame.rax], rax     ; every result passes here: --strace hooks syscall_entry.done
	call signal_on_syscall_return      ; signals due, restarts (sys/signal.asm)
	jmp return_to_context
.unknown:
	call sys_unknown
	jmp .done

; -----------------------------------------------------------------------------
; preempt_entry -- where a `syscall` lands instead of LSTAR when the vCPU's time
; slice is over (the VMM's hook chooses; CSTAR holds this address). The 8-bit port
; write lets the VMM end the slice at an exact instruction boundary, clobbering no
; register; the VMM resumes the vCPU at syscall_entry.
;  IN/OUT: as syscall_entry
preempt_entry:
	out PORT_PREEMPT, al
	jmp syscall_entry

; -----------------------------------------------------------------------------
; sys_unknown -- a call the kernel does not have: -ENOSYS, reported once per number
;  by name where the number has one (generated/syscall_names.inc), else by number
;  IN:  RAX = the number
;  OUT: RAX = -ENOSYS
;  Clobbers: RCX, RDX, RSI, RDI, R8
sys_unknown:
	push rbx
	mov rbx, rax
	cmp rax, SYSCALL_TABLE_SIZE
	jb .check
	mov rax, SYSCALL_TABLE_SIZE        ; every out-of-table number shares one bit
.check:	bts [unknown_reported], rax
	jc .quiet
	lea rsi, [msg_unknown]
	call kprint_cstr
	cmp rbx, SYSCALL_TABLE_SIZE
	jae .number
	mov rsi, [syscall_names + rbx * 8]
	test rsi, rsi
	jz .number
	call kprint_cstr                   ; "fork (57)"
	lea rsi, [msg_open]
	call kprint_cstr
	mov rdi, rbx
	call kprint_dec
	lea rsi, [msg_close]
	call kprint_cstr
	jmp .tail
.number:	mov rdi, rbx                       ; "999"
	call kprint_dec
.tail:	lea rsi, [msg_unknown_tail]
	call kprint_cstr
.quiet:	pop rbx
	mov rax, -ENOSYS
	ret

; -----------------------------------------------------------------------------
; sys_refuse_quietly -- a call refused on purpose where a report would be noise
;  (rseq: glibc registers it at start and goes on without it); with --strict-abi
;  (BOOT_FLAG_STRICT_ABI) reported like an unknown call
;  IN:  RAX = the number
;  OUT: RAX = -ENOSYS
;  Clobbers: nothing but RAX; with --strict-abi what sys_unknown clobbers
sys_refuse_quietly:
	push rsi
	mov rsi, [boot_info]
	test dword [rsi + BootInfo.flags], BOOT_FLAG_STRICT_ABI
	pop rsi
	jnz sys_unknown
	mov rax, -ENOSYS
	ret

; -----------------------------------------------------------------------------
; sys_zero -- calls that need no work here (ids): return 0
;  OUT: RAX = 0
;  Clobbers: nothing but RAX
sys_zero:
	xor eax, eax
	ret

section .rodata
msg_unknown:      db 'kernel: unknown system call ', 0
msg_unknown_tail: db ' returns -ENOSYS (reported once)', 10, 0
msg_open:         db ' (', 0
msg_close:        db ')', 0

section .bss
unknown_reported: resb SYSCALL_TABLE_SIZE / 8 + 8
section .text
