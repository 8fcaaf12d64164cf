; Threads: clone as pthread_create calls it, thread exit with the CLEARTID wake that
; pthread_join waits for, and the small calls around them.

CLONE_VM             equ 0x00000100
CLONE_SETTLS         equ 0x00080000
CLONE_PARENT_SETTID  equ 0x00100000
CLONE_CHILD_CLEARTID equ 0x00200000
CLONE_CHILD_SETTID   equ 0x01000000
CLONE_THREAD         equ 0x00010000

section .text

; -----------------------------------------------------------------------------
; sys_clone -- clone(flags, stack, parent_tid, child_tid, tls): a new thread
;  IN:  RDI = flags, RSI = new stack, RDX = parent_tid *, RCX = child_tid *, R8 = tls
;  OUT: RAX = the new thread's id in the caller (the new thread sees 0), or -errno
sys_clone:
	mov eax, edi
	and eax, CLONE_VM | CLONE_THREAD
	cmp eax, CLONE_VM | CLONE_THREAD
	jne .no_processes                  ; one process: threads only
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov r12, rdi                       ; flags
	mov r13, rsi                       ; stack
	mov r14, rdx                       ; parent_tid
	mov r15, rcx                       ; child_tid
	push r8                            ; tls
	; The id words must be writable before anything changes.
	test r12d, CLONE_PARENT_SETTID
	jz .ptid_ok
	mov rdi, r14
	mov esi, 4
	call check_user_write
	jc .efault
.ptid_ok:
	test r12d, CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID
	jz .ctid_ok
	mov rdi, r15
	mov esi, 4
	call check_user_write
	jc .efault
.ctid_ok:
	call task_alloc
	test rax, rax
	jz .eagain
	mov rbx, rax                       ; the new task
	; Its program state: the caller's Frame, with RAX = 0 and the new stack.
	mov rdi, [gs:Percpu.current]
	lea rsi, [rdi + TASK_SIZE - ExcFrame_size]
	lea rdi, [rbx + TASK_SIZE - ExcFrame_size]
	mov ecx, ExcFrame_size / 8
	rep movsq
	lea rdi, [rbx + TASK_SIZE - ExcFrame_size]
	mov qword [rdi + ExcFrame.rax], 0
	test r13, r13
	jz .same_stack
	mov [rdi + ExcFrame.rsp], r13
.same_stack:
	; Its kernel context: switch_to pops six registers, then returns to ret_from_clone.
	lea rax, [rdi - 7 * 8]
	mov [rbx + Task.rsp], rax
	mov rcx, 6
.zero:	mov qword [rax + rcx * 8 - 8], 0
	loop .zero
	lea rcx, [ret_from_clone]
	mov [rax + 6 * 8], rcx
	fxsave [rbx + Task.fpu]            ; the caller's FPU/SSE state, as Linux copies it
	pop r8
	mov rax, [gs:Percpu.current]
	mov rax, [rax + Task.fs_base]
	test r12d, CLONE_SETTLS
	jz .tls
	mov rax, r8
.tls:	mov [rbx + Task.fs_base], rax
	mov rax, [gs:Percpu.current]       ; the creator's name, as Linux copies it
	mov rcx, [rax + Task.comm]
	mov [rbx + Task.comm], rcx
	mov rcx, [rax + Task.comm + 8]
	mov [rbx + Task.comm + 8], rcx
	xor eax, eax
	test r12d, CLONE_CHILD_CLEARTID
	jz .cleartid
	mov rax, r15
.cleartid:
	mov [rbx + Task.clear_tid], rax
	mov rax, [gs:Percpu.current]
	mov rax, [rax + Task.sig_blocked]
	mov [rbx + Task.sig_blocked], rax  ; the mask is inherited; pending and altstack are not
	SPIN_LOCK [sched_lock]
	inc qword [next_tid]
	mov rax, [next_tid]
	mov [rbx + Task.tid], rax
	inc qword [live_threads]
	test r12d, CLONE_PARENT_SETTID
	jz .no_ptid
	mov [r14], eax
.no_ptid:
	test r12d, CLONE_CHILD_SETTID
	jz .no_ctid
	mov [r15], eax
.no_ctid:
	mov rdi, rbx
	call task_list_add
	mov rdi, rbx
	call wake_task
	SPIN_UNLOCK [sched_lock]
	mov rax, [rbx + Task.tid]
	jmp .out
.efault:
	pop r8
	mov rax, -EFAULT
	jmp .out
.eagain:
	pop r8
	mov rax, -EAGAIN
.out:	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret
.no_processes:
	mov rax, -ENOSYS
	ret

; A new thread's first instructions: after switch_to into it (the lock released by
; the CPU that switched), it returns to the program through its Frame.
ret_from_clone:
	call reap_dead
	mov rsp, [gs:Percpu.kstack_top]
	sub rsp, ExcFrame_size
	call signal_on_irq_return          ; a signal sent before its first run
	jmp return_to_context

; -----------------------------------------------------------------------------
; sys_exit_thread -- exit(status): end the calling thread; the last one ends the VM
;  IN:  RDI = status
;  OUT: does not return
sys_exit_thread:
	push rdi
	mov rbx, [gs:Percpu.current]
	mov rdi, [rbx + Task.clear_tid]
	test rdi, rdi
	jz .cleared
	mov esi, 4
	call check_user_write
	jc .cleared
	mov rdi, [rbx + Task.clear_tid]
	mov dword [rdi], 0                 ; pthread_join waits for this word to clear
	mov esi, 1
	call futex_wake
.cleared:
	pop rdi
	SPIN_LOCK [sched_lock]
	dec qword [live_threads]
	jz .last
	mov rdi, rbx
	call task_list_remove              ; signals can no longer reach it
	mov qword [rbx + Task.state], TASK_DEAD
	call schedule_locked
	ud2                                ; a dead task is never resumed
.last:	SPIN_UNLOCK [sched_lock]
	jmp sys_exit

; sys_set_tid_address -- remember the CLEARTID word; return the caller's id
;  IN:  RDI = the word
;  OUT: RAX = the calling thread's id
sys_set_tid_address:
	mov rax, [gs:Percpu.current]
	mov [rax + Task.clear_tid], rdi
	mov rax, [rax + Task.tid]
	ret

; sys_gettid -- the calling thread's id
;  OUT: RAX = the id
sys_gettid:
	mov rax, [gs:Percpu.current]
	mov rax, [rax + Task.tid]
	ret

; sys_sched_yield -- let other ready threads run first
;  OUT: RAX = 0
sys_sched_yield:
	call yield_cpu
	xor eax, eax
	ret
