; Tasks: one per thread of the program, plus one idle task per CPU.
;
; A task is one TASK_SIZE block: the Task record at the bottom (FPU/SSE area first,
; because fxsave needs 16-byte alignment and blocks are page aligned) and the task's
; kernel stack growing down from the top. While a task runs the program, its kernel
; stack is empty; a system call or an interrupt builds a Frame (the register file,
; see arch/exceptions.asm: ExcFrame) at the very top, and the return path restores
; the program from that Frame (sched/irq.asm: return_to_context).

TASK_RUNNING equ 1
TASK_READY   equ 2
TASK_BLOCKED equ 3
TASK_DEAD    equ 4

struc Task
	.fpu:         resb 512    ; fxsave image (16-byte aligned: first in a page-aligned block)
	.rsp:         resq 1      ; kernel RSP saved by switch_to while the task is off-CPU
	.state:       resq 1      ; TASK_*
	.tid:         resq 1
	.cpu:         resq 1      ; CPU whose run queue holds it / where it last ran
	.next:        resq 1      ; run-queue link
	.wait_addr:   resq 1      ; futex word it waits on (0: not waiting on a futex)
	.wait_next:   resq 1      ; futex bucket link
	.sleep_next:  resq 1      ; sleep-list link
	.deadline:    resq 1      ; CLOCK_MONOTONIC ns to wake at (0: none)
	.wait_result: resq 1      ; what the blocking call returns: 0 or -ETIMEDOUT
	.fs_base:     resq 1      ; the thread pointer (TLS), restored on every switch
	.clear_tid:   resq 1      ; CLONE_CHILD_CLEARTID / set_tid_address word
	.kv_next:     resq 1      ; link in the list of key-value requests in flight
	.kv:          resb HcKv_size  ; this thread's key-value request (one at a time)
	.ev_next:     resq 1      ; link in event_waiters (fs/events.asm)
	.ev_waiting:  resq 1      ; 1 while on event_waiters
	.ev_recheck:  resq 1      ; 1: something watched cannot announce changes (stdin)
	.net_batching: resq 1     ; 1 while the thread handles several events its last epoll_wait reported (net/)
	; Signals (sys/signal.asm). Masks: bit n-1 stands for signal n.
	.all_next:        resq 1  ; link in all_tasks, the program's threads (sched_lock)
	.sig_blocked:     resq 1  ; the thread's signal mask
	.sig_pending:     resq 1  ; signals sent to this thread (tkill, tgkill)
	.sig_real_blocked: resq 1 ; rt_sigtimedwait: the mask before the wait (still "wanted")
	.sig_saved_mask:  resq 1  ; the mask to restore after rt_sigsuspend/rt_sigtimedwait
	.sig_saved_valid: resq 1  ; 1 while sig_saved_mask waits to be restored
	.sig_interruptible: resq 1 ; 1 while BLOCKED in a wait a signal may end (wait_result -EINTR)
	.wait_cancel:     resq 1  ; 0, or a routine signal_kick calls to take the task off its
	                          ; waiter's own queue (RDI = Task, sched_lock held)
	.altstack_sp:     resq 1  ; sigaltstack: base, size (0: none), SS_AUTODISARM
	.altstack_size:   resq 1
	.altstack_flags:  resq 1
	.sig_codes:       resd 64 ; si_code of each pending thread signal
	.run_start:   resq 1      ; TSC when it last got a CPU (sys/usage.asm)
	.cpu_ticks:   resq 1      ; its run time before that, in TSC ticks
	.cpu_seen:    resq 1      ; the last run time in ns it was told (its clock never goes back)
	.comm:        resb 16     ; its name (prctl PR_SET_NAME), NUL-terminated
endstruc

section .text

; -----------------------------------------------------------------------------
; init_fpu_template -- a clean FPU/SSE state for the first task (fninit, default MXCSR)
;  Clobbers: RAX
init_fpu_template:
	fninit
	mov dword [default_mxcsr], 0x1f80
	ldmxcsr [default_mxcsr]
	fxsave [fpu_template]
	ret

; -----------------------------------------------------------------------------
; task_alloc -- a zeroed task block with a clean FPU state
;  OUT: RAX = Task, or 0 when memory or the task limit ran out
;  Clobbers: RCX, RDX, RSI, RDI, R8
task_alloc:
	mov eax, 1
	lock xadd [task_count], rax
	cmp rax, MAX_TASKS
	jae .limit
	mov edi, TASK_SIZE / PAGE_SIZE
	call alloc_pages
	test rax, rax
	jz .no_memory
	push rax
	mov rdi, rax
	lea rsi, [fpu_template]
	mov ecx, 512 / 8
	rep movsq
	pop rax
	ret
.no_memory:
.limit:	lock dec qword [task_count]
	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; task_free -- return a dead task's block
;  IN:  RDI = Task
;  Clobbers: RAX, RCX, RDX, RSI
task_free:
	mov esi, TASK_SIZE / PAGE_SIZE
	call free_pages
	lock dec qword [task_count]
	ret

section .bss
alignb 16
fpu_template:  resb 512
default_mxcsr: resd 1
alignb 8
task_count:    resq 1     ; tasks alive (idle tasks excluded)
next_tid:      resq 1     ; last thread id handed out
live_threads:  resq 1     ; threads of the program not yet exited
section .text
