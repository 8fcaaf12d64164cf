; Time: the sleep list and this CPU's one-shot timer.
;
; Sleeping tasks (nanosleep, futex waits with a timeout, and the process's interval
; timer, sys/itimer.asm) sit in one list sorted by deadline. The earliest deadline is
; armed as a one-shot timer on the CPU that last changed the head of the list; any
; timer interrupt on any CPU wakes every task whose deadline has passed. The VMM's
; own periodic tick (TICK_NS of running time) raises the same vector and gives
; preemption.

section .text

; -----------------------------------------------------------------------------
; monotonic_now -- CLOCK_MONOTONIC in nanoseconds
;  OUT: RAX = ns
;  Clobbers: RCX, RDX, RDI
monotonic_now:
	mov edi, 1
	jmp clock_now

; -----------------------------------------------------------------------------
; arm_timer -- set this CPU's one-shot timer
;  IN:  RDI = deadline (CLOCK_MONOTONIC ns; 0 disarms)
;  Clobbers: RAX, RCX, RDX
arm_timer:
	mov rcx, [gs:Percpu.self]
	lea rcx, [rcx + Percpu.hc]
	mov [rcx + HcTimer.deadline_ns], rdi
	HYPERCALL PORT_TIMER, ecx
	ret

; -----------------------------------------------------------------------------
; sleep_insert -- put the current task on the sleep list (sched_lock held)
;  IN:  RDI = Task (its deadline already set)
;  Clobbers: RAX, RCX, RDX, RSI
sleep_insert:
	mov rax, [rdi + Task.deadline]
	lea rsi, [sleep_head]              ; rsi = address of the link to update
.walk:	mov rcx, [rsi]
	test rcx, rcx
	jz .here
	cmp [rcx + Task.deadline], rax
	ja .here
	lea rsi, [rcx + Task.sleep_next]
	jmp .walk
.here:	mov [rdi + Task.sleep_next], rcx
	mov [rsi], rdi
	cmp rdi, [sleep_head]
	jne .done
	push rdi
	mov rdi, rax                       ; a new earliest deadline: arm it here
	call arm_timer
	pop rdi
.done:	ret

; -----------------------------------------------------------------------------
; sleep_remove -- take a task off the sleep list if it is there (sched_lock held)
;  IN:  RDI = Task
;  Clobbers: RAX, RSI
sleep_remove:
	lea rsi, [sleep_head]
.walk:	mov rax, [rsi]
	test rax, rax
	jz .done
	cmp rax, rdi
	je .unlink
	lea rsi, [rax + Task.sleep_next]
	jmp .walk
.unlink:
	mov rax, [rdi + Task.sleep_next]
	mov [rsi], rax
	mov qword [rdi + Task.sleep_next], 0
	mov qword [rdi + Task.deadline], 0
.done:	ret

; -----------------------------------------------------------------------------
; wake_sleepers -- wake every task whose deadline has passed (sched_lock held)
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8, R9
wake_sleepers:
	cmp qword [sleep_head], 0
	je .done
	push rbx
	push r12
	call monotonic_now
	mov r12, rax
.next:	mov rbx, [sleep_head]
	test rbx, rbx
	jz .rearm
	cmp [rbx + Task.deadline], r12
	ja .rearm
	mov rax, [rbx + Task.sleep_next]
	mov [sleep_head], rax
	mov qword [rbx + Task.sleep_next], 0
	mov qword [rbx + Task.deadline], 0
	lea rax, [itimer_entry]
	cmp rbx, rax
	je .itimer
	mov qword [rbx + Task.wait_result], -ETIMEDOUT
	mov rdi, rbx
	call futex_unqueue                 ; a timed futex wait ends here
	mov rdi, rbx
	call event_unqueue                 ; ... and a timed wait for events
	mov rdi, rbx
	call wake_task
	jmp .next
.itimer:
	mov rdi, r12
	call itimer_expired                ; SIGALRM (sys/itimer.asm); not a thread to wake
	jmp .next
.rearm:	test rbx, rbx
	jz .out
	mov rdi, [rbx + Task.deadline]
	call arm_timer
.out:	pop r12
	pop rbx
.done:	ret

; -----------------------------------------------------------------------------
; sleep_until -- block the current task until a CLOCK_MONOTONIC deadline, or until
; a signal it takes arrives (sys/signal.asm)
;  IN:  RDI = deadline (ns)
;  OUT: RAX = 0 (the wait ended at the deadline) or -EINTR (a signal)
;  Clobbers: everything but RBX, RBP, R12-R15
sleep_until:
	push rbx
	mov rbx, rdi
	SPIN_LOCK [sched_lock]
	call signal_pending
	jnz .interrupted
	mov rdi, [gs:Percpu.current]
	mov [rdi + Task.deadline], rbx
	mov qword [rdi + Task.wait_result], 0
	mov qword [rdi + Task.sig_interruptible], 1
	mov qword [rdi + Task.state], TASK_BLOCKED
	call sleep_insert
	call schedule_locked
	mov rax, [gs:Percpu.current]
	mov qword [rax + Task.sig_interruptible], 0
	cmp qword [rax + Task.wait_result], -EINTR
	je .eintr
	xor eax, eax
	pop rbx
	ret
.interrupted:
	SPIN_UNLOCK [sched_lock]
.eintr:	mov rax, -EINTR
	pop rbx
	ret

section .bss
alignb 8
sleep_head: resq 1        ; earliest deadline first
section .text
