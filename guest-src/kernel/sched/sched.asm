; The scheduler: per-CPU FIFO run queues, one lock, and the context switch.
;
; One lock (sched_lock) guards every run queue, task state, the futex table and the
; sleep list. With at most MAX_CPUS vCPUs taking turns on one host thread, a finer
; split would buy nothing and cost clarity. Interrupts are off everywhere in the
; kernel, so a CPU never takes an interrupt while holding the lock.
;
; Blocking follows one pattern: take sched_lock, record why the task waits (futex
; bucket, sleep list), set TASK_BLOCKED, call schedule_locked. switch_to releases
; the lock only after the old task's registers are saved, so a waker on another CPU
; can never pick up a task whose context is still being written.
;
; Load balancing: a woken task goes to an idle CPU if there is one (and that CPU is
; sent an IPI), else to the CPU with the shortest queue; a CPU whose queue is empty
; steals the head of the longest queue before it idles.

section .text

; -----------------------------------------------------------------------------
; percpu_of -- the Percpu block of a CPU
;  IN:  RDI = CPU number
;  OUT: RAX = Percpu address
percpu_of:
	imul rax, rdi, Percpu_size
	lea rax, [percpu + rax]
	ret

; -----------------------------------------------------------------------------
; enqueue -- append a READY task to a CPU's run queue (sched_lock held)
;  IN:  RDI = Task, RSI = Percpu of the CPU
;  Clobbers: RAX
enqueue:
	mov rax, [rsi + Percpu.cpu_id]
	mov [rdi + Task.cpu], rax
	mov qword [rdi + Task.next], 0
	mov rax, [rsi + Percpu.rq_tail]
	test rax, rax
	jz .empty
	mov [rax + Task.next], rdi
	jmp .tail
.empty:	mov [rsi + Percpu.rq_head], rdi
.tail:	mov [rsi + Percpu.rq_tail], rdi
	inc qword [rsi + Percpu.rq_len]
	mov rax, [boot_info]
	inc qword [rax + BootInfo.ready_tasks]   ; the VMM preempts exactly while this is > 0
	ret

; -----------------------------------------------------------------------------
; dequeue -- take the head of a CPU's run queue (sched_lock held)
;  IN:  RSI = Percpu
;  OUT: RAX = Task or 0
;  Clobbers: RCX
dequeue:
	mov rax, [rsi + Percpu.rq_head]
	test rax, rax
	jz .done
	mov rcx, [rax + Task.next]
	mov [rsi + Percpu.rq_head], rcx
	test rcx, rcx
	jnz .more
	mov qword [rsi + Percpu.rq_tail], 0
.more:	dec qword [rsi + Percpu.rq_len]
	mov rcx, [boot_info]
	dec qword [rcx + BootInfo.ready_tasks]
.done:	ret

; -----------------------------------------------------------------------------
; pick_next -- the next task for this CPU: its own queue, else stolen work
;  OUT: RAX = Task or 0 (sched_lock held)
;  Clobbers: RCX, RDX, RSI, RDI, R8
pick_next:
	mov rsi, [gs:Percpu.self]
	call dequeue
	test rax, rax
	jnz .done
	; Steal from the CPU with the longest queue.
	xor r8d, r8d                       ; best Percpu
	xor edx, edx                       ; its queue length
	xor edi, edi
.scan:	cmp rdi, [cpus_online]
	jae .chosen
	call percpu_of
	mov rcx, [rax + Percpu.rq_len]
	cmp rcx, rdx
	jbe .next_cpu
	mov rdx, rcx
	mov r8, rax
.next_cpu:
	inc rdi
	jmp .scan
.chosen:
	xor eax, eax
	test r8, r8
	jz .done
	mov rsi, r8
	call dequeue
.done:	ret

; -----------------------------------------------------------------------------
; wake_task -- make a blocked or new task READY on the best CPU (sched_lock held)
;  IN:  RDI = Task
;  Clobbers: RAX, RCX, RDX, RSI, R8, R9
wake_task:
	mov qword [rdi + Task.state], TASK_READY
	; Prefer an idle CPU with an empty queue; else the shortest queue.
	xor r8d, r8d                       ; chosen Percpu
	mov r9, -1                         ; its load
	xor ecx, ecx
.scan:	cmp rcx, [cpus_online]
	jae .chosen
	imul rax, rcx, Percpu_size
	lea rax, [percpu + rax]
	mov rdx, [rax + Percpu.rq_len]
	mov rsi, [rax + Percpu.current]
	cmp rsi, [rax + Percpu.idle_task]
	je .load_known
	inc rdx                            ; a busy CPU counts its running task
.load_known:
	cmp rdx, r9
	jae .next_cpu
	mov r9, rdx
	mov r8, rax
.next_cpu:
	inc rcx
	jmp .scan
.chosen:
	mov rsi, r8
	call enqueue
	; An idle CPU sleeps in hlt: wake it unless it is this one.
	cmp r8, [gs:Percpu.self]
	je .done
	mov rax, [r8 + Percpu.current]
	cmp rax, [r8 + Percpu.idle_task]
	jne .done
	mov eax, [r8 + Percpu.cpu_id]
	mov edx, PORT_IPI
	out dx, eax
.done:	ret

; -----------------------------------------------------------------------------
; schedule_locked -- give this CPU to the next task
;  IN:  sched_lock held; the current task's state says why: RUNNING (preempted or
;       yielding: it goes back to the queue), BLOCKED (waiting), DEAD (exiting)
;  OUT: sched_lock released; returns when the current task next runs
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
schedule_locked:
	push rbx
	push r12
	mov rbx, [gs:Percpu.current]
	cmp qword [rbx + Task.state], TASK_RUNNING
	jne .pick
	cmp rbx, [gs:Percpu.idle_task]
	je .pick
	mov qword [rbx + Task.state], TASK_READY
	mov rdi, rbx
	mov rsi, [gs:Percpu.self]
	call enqueue
.pick:	call pick_next
	test rax, rax
	jnz .have
	mov rax, [gs:Percpu.idle_task]
.have:	mov r12, rax
	mov qword [r12 + Task.state], TASK_RUNNING
	mov rax, [gs:Percpu.cpu_id]
	mov [r12 + Task.cpu], rax
	cmp r12, rbx
	je .same
	mov [gs:Percpu.current], r12
	lea rax, [r12 + TASK_SIZE]
	mov [gs:Percpu.kstack_top], rax
	WRMSR64 MSR_FS_BASE, [r12 + Task.fs_base]
	cmp qword [rbx + Task.state], TASK_DEAD
	jne .switch
	mov [gs:Percpu.dead_task], rbx     ; freed by whoever runs next here
.switch:
	mov rdi, rbx
	mov rsi, r12
	call switch_to
	call reap_dead
	pop r12
	pop rbx
	ret
.same:	SPIN_UNLOCK [sched_lock]
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; switch_to -- save this task's kernel context, release sched_lock, resume another
;  IN:  RDI = current Task, RSI = next Task (sched_lock held)
;  OUT: returns in the next task's context, sched_lock released
;  Clobbers: RAX, RDX
switch_to:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	call cpu_charge_switch             ; the run time so far is the leaving task's
	fxsave [rdi + Task.fpu]
	mov [rdi + Task.rsp], rsp
	SPIN_UNLOCK [sched_lock]           ; our context is saved: others may run us now
	; While the VMM runs this vCPU without counting instructions it cannot end the
	; time slice by itself, and the next task might never make a system call. If
	; other tasks still wait for a CPU, say so here, with no lock held: the VMM ends
	; the slice, and the next one counts (docs/architecture.md).
	mov rax, [boot_info]
	cmp qword [rax + BootInfo.switch_exit], 0
	je .load
	cmp qword [rax + BootInfo.ready_tasks], 0
	je .load
	mov eax, .load                     ; where to continue (the kernel lies below 4 GiB)
	mov edx, PORT_SWITCH
	out dx, eax
.load:	mov rsp, [rsi + Task.rsp]
	fxrstor [rsi + Task.fpu]
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

; -----------------------------------------------------------------------------
; reap_dead -- free a task that exited on this CPU before the last switch
;  Clobbers: RAX, RCX, RDX, RSI, RDI
reap_dead:
	mov rdi, [gs:Percpu.dead_task]
	test rdi, rdi
	jz .done
	mov qword [gs:Percpu.dead_task], 0
	call task_free
.done:	ret

; -----------------------------------------------------------------------------
; yield_cpu -- let other tasks run; the caller stays runnable
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
yield_cpu:
	SPIN_LOCK [sched_lock]
	jmp schedule_locked

; -----------------------------------------------------------------------------
; idle_loop -- what a CPU runs when no task is ready: pick up work or halt until
; an interrupt. Entered with RSP at the top of the idle task's stack, IF off; at the
; hlt nothing lives on that stack, so an interrupt's Frame may be built there.
idle_loop:
	call yield_cpu                     ; runs queued or stolen work, if any
	call net_flush                     ; (a batch left by a thread that stopped without waiting)
	sti
	hlt
idle_resume:                               ; (BootInfo.idle_resume: "this vCPU is idle")
	cli
	jmp idle_loop

section .bss
alignb 8
sched_lock:   resq 1
cpus_online:  resq 1      ; CPUs that have finished init_cpu (their queues exist)
section .text
