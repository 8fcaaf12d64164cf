; Signals, as Linux x86-64 has them: per-process actions, per-thread masks, pending
; sets (per thread for tkill/tgkill, per process for kill), alternate stacks, and
; delivery through Linux's rt_sigframe on the program's stack.
;
; A signal is delivered on the way back to the program: at the end of a system call
; (syscall_entry), of an interrupt that stopped program code (irq_common), or at once
; for a CPU fault in program code (arch/exceptions.asm). "Program code" is a RIP
; outside the kernel image: a thread stopped in the vDSO takes its signal at its next
; return from the kernel. Senders set a pending bit under sched_lock and kick the
; chosen thread: an IPI when it runs on another CPU, a wake-up when it waits in an
; interruptible wait (futex, sleeps, rt_sigsuspend, rt_sigtimedwait).
;
; Interruptible waits follow one pattern: under sched_lock, call signal_pending; if
; it answers 0, set Task.sig_interruptible (and Task.wait_cancel when the task also
; sits on a queue of the waiter's own) and block. A sender takes the task off the
; futex table and the sleep list, calls wait_cancel, sets Task.wait_result to -EINTR
; and wakes it; the waiter clears both fields and returns -ERESTARTSYS,
; -ERESTARTNOHAND or -EINTR (macros.inc), which signal_exit_work settles as Linux
; does (SA_RESTART).
;
; One instance of each signal is pending at a time (real-time signals do not queue).
; Stop signals are ignored: there is no job control.

SIG_DFL        equ 0
SIG_IGN        equ 1
SIGKILL        equ 9
SIGSEGV        equ 11
SIGPIPE        equ 13
SIGSTOP        equ 19
NSIG           equ 64
KSIGSET_SIZE   equ 8                   ; the kernel's sigset_t: 64 bits

SA_NOCLDSTOP   equ 0x00000001
SA_NOCLDWAIT   equ 0x00000002
SA_SIGINFO     equ 0x00000004
SA_RESTORER    equ 0x04000000
SA_ONSTACK     equ 0x08000000
SA_RESTART     equ 0x10000000
SA_NODEFER     equ 0x40000000
SA_RESETHAND   equ 0x80000000
SA_KNOWN       equ SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_RESTORER | SA_ONSTACK | SA_RESTART | SA_NODEFER | SA_RESETHAND

SIG_BLOCK      equ 0
SIG_UNBLOCK    equ 1
SIG_SETMASK    equ 2

SS_ONSTACK     equ 1
SS_DISABLE     equ 2
SS_AUTODISARM  equ 0x80000000
MINSIGSTKSZ    equ 2048

SI_USER        equ 0
SI_KERNEL      equ 0x80
SI_TKILL       equ -6

; Signal sets (bit n-1 = signal n).
SIGBIT_KILL_STOP equ (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1))
; Ignored by default: SIGCHLD, SIGCONT, SIGURG, SIGWINCH, and the stop signals
; (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU: no job control here).
SIG_DEFAULT_IGNORE equ (1 << 16) | (1 << 17) | (1 << 18) | (1 << 19) | (1 << 20) | (1 << 21) | (1 << 22) | (1 << 27)
; Terminate "with a core dump" by default: SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS,
; SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS.
SIG_DEFAULT_CORE equ (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 10) | (1 << 23) | (1 << 24) | (1 << 30)

; struct sigaction as the kernel takes it (rt_sigaction).
struc KSigaction
	.handler:  resq 1
	.flags:    resq 1
	.restorer: resq 1
	.mask:     resq 1
endstruc

; stack_t (sigaltstack).
struc StackT
	.sp:    resq 1
	.flags: resd 1
	.pad:   resd 1
	.size:  resq 1
endstruc

; struct ucontext with Linux's struct sigcontext as uc_mcontext and the kernel's
; 8-byte sigset_t as uc_sigmask.
struc Ucontext
	.flags:    resq 1
	.link:     resq 1
	.ss_sp:    resq 1
	.ss_flags: resq 1                  ; an int and padding
	.ss_size:  resq 1
	.r8:       resq 1                  ; uc_mcontext (struct sigcontext) from here
	.r9:       resq 1
	.r10:      resq 1
	.r11:      resq 1
	.r12:      resq 1
	.r13:      resq 1
	.r14:      resq 1
	.r15:      resq 1
	.rdi:      resq 1
	.rsi:      resq 1
	.rbp:      resq 1
	.rbx:      resq 1
	.rdx:      resq 1
	.rax:      resq 1
	.rcx:      resq 1
	.rsp:      resq 1
	.rip:      resq 1
	.eflags:   resq 1
	.csgsfs:   resq 1                  ; cs, gs, fs, ss: four words
	.err:      resq 1
	.trapno:   resq 1
	.oldmask:  resq 1
	.cr2:      resq 1
	.fpstate:  resq 1                  ; a 512-byte fxsave image, 16-byte aligned
	.reserved: resq 8
	.sigmask:  resq 1
endstruc

; siginfo_t: 128 bytes; the union starts at 16.
SIGINFO_SIZE equ 128
struc Siginfo
	.signo: resd 1
	.errno: resd 1
	.code:  resd 1
	.pad:   resd 1
	.pid:   resd 1                     ; kill family: sender pid and uid
	.uid:   resd 1
endstruc
SIGINFO_ADDR equ 16                    ; faults: si_addr
SIGINFO_VALUE equ 24                   ; rt_sigqueueinfo: si_value

; struct rt_sigframe: the return address (sa_restorer), the ucontext, the siginfo.
SIGFRAME_UC     equ 8
SIGFRAME_INFO   equ SIGFRAME_UC + Ucontext_size
SIGFRAME_SIZE   equ SIGFRAME_INFO + SIGINFO_SIZE
FPSTATE_SIZE    equ 512
FXSAVE_SW_BYTES equ 464                ; fxsave leaves bytes 464..511 alone: cleared here

; The RFLAGS bits a handler may change through the ucontext.
EFLAGS_FROM_UC equ 0x40cd5             ; CF PF AF ZF SF DF OF AC

; What signal_build_frame needs to know about one delivery (built on the stack).
struc SigDelivery
	.handler:  resq 1                  ; the action, as it was when the signal was taken
	.flags:    resq 1
	.restorer: resq 1
	.mask:     resq 1
	.signo:    resq 1
	.code:     resq 1
	.addr:     resq 1                  ; faults: si_addr
	.trapno:   resq 1
	.err:      resq 1
	.cr2:      resq 1
	.pid_uid:  resq 1                  ; kill family: si_pid | si_uid << 32
	.value:    resq 1                  ; rt_sigqueueinfo: si_value
endstruc

section .text

; -----------------------------------------------------------------------------
; signal_pending -- is there a signal the current thread would take now?
;
; The test every interruptible wait makes under sched_lock before it blocks (and may
; make again after it wakes): when it answers non-zero, the wait ends with -EINTR (or
; a restart code) instead of blocking.
;  OUT: RAX = the deliverable set (pending and not blocked), ZF set when empty
;  Clobbers: RCX
signal_pending:
	mov rcx, [gs:Percpu.current]
	mov rax, [rcx + Task.sig_pending]
	or rax, [sig_proc_pending]
	mov rcx, [rcx + Task.sig_blocked]
	not rcx
	and rax, rcx
	ret

; -----------------------------------------------------------------------------
; task_list_add / task_list_remove -- the program's threads (sched_lock held)
;  IN:  RDI = Task
;  Clobbers: RAX, RCX
task_list_add:
	mov rax, [all_tasks]
	mov [rdi + Task.all_next], rax
	mov [all_tasks], rdi
	ret
task_list_remove:
	lea rcx, [all_tasks]
.walk:	mov rax, [rcx]
	test rax, rax
	jz .done
	cmp rax, rdi
	je .unlink
	lea rcx, [rax + Task.all_next]
	jmp .walk
.unlink:
	mov rax, [rdi + Task.all_next]
	mov [rcx], rax
.done:	ret

; -----------------------------------------------------------------------------
; task_by_tid -- the live thread with an id (sched_lock held)
;  IN:  RDI = thread id
;  OUT: RAX = Task or 0
task_by_tid:
	mov rax, [all_tasks]
.walk:	test rax, rax
	jz .done
	cmp [rax + Task.tid], rdi
	je .done
	mov rax, [rax + Task.all_next]
	jmp .walk
.done:	ret

; -----------------------------------------------------------------------------
; signal_kick -- make a thread notice a signal now (sched_lock held): wake it from an
; interruptible wait, or interrupt it with an IPI when it runs on another CPU
;  IN:  RDI = Task
;  Clobbers: RAX, RCX, RDX, RSI, R8-R11 (and what a wait_cancel routine clobbers)
signal_kick:
	cmp qword [rdi + Task.state], TASK_BLOCKED
	jne .running
	cmp qword [rdi + Task.sig_interruptible], 0
	je .done
	mov qword [rdi + Task.sig_interruptible], 0
	mov qword [rdi + Task.wait_result], -EINTR
	push rdi
	call futex_unqueue
	mov rdi, [rsp]
	call sleep_remove
	mov rdi, [rsp]
	mov rax, [rdi + Task.wait_cancel]
	test rax, rax
	jz .wake
	mov qword [rdi + Task.wait_cancel], 0
	call rax
.wake:	pop rdi
	jmp wake_task
.running:
	cmp qword [rdi + Task.state], TASK_RUNNING
	jne .done
	mov rax, [rdi + Task.cpu]
	cmp rax, [gs:Percpu.cpu_id]
	je .done
	mov edx, PORT_IPI
	out dx, eax
.done:	ret

; -----------------------------------------------------------------------------
; signal_ignored -- would a thread throw this signal away on arrival? (SIG_IGN, or
; the default action ignores it, and the thread neither blocks nor waits for it)
;  IN:  RDI = Task, ESI = signal (1..64)
;  OUT: CF set when ignored
;  Clobbers: RAX, RCX
signal_ignored:
	lea ecx, [esi - 1]
	mov rax, [rdi + Task.sig_blocked]
	or rax, [rdi + Task.sig_real_blocked]
	bt rax, rcx
	jc .wanted
	mov eax, esi
	shl eax, 5
	lea rax, [sig_actions + rax]
	mov rax, [rax + KSigaction.handler]
	cmp rax, SIG_IGN
	je .ignored
	test rax, rax
	jnz .wanted
	mov rax, SIG_DEFAULT_IGNORE
	bt rax, rcx                        ; CF = ignored by default
	ret
.ignored:
	stc
	ret
.wanted:
	clc
	ret

; -----------------------------------------------------------------------------
; signal_send_thread -- make a signal pending for one thread (sched_lock held)
;  IN:  RDI = Task, ESI = signal (1..64), EDX = si_code
;  Clobbers: RAX, RCX, RDX, RSI, R8, R9
signal_send_thread:
	call signal_ignored
	jc .done
	lea ecx, [esi - 1]
	bts [rdi + Task.sig_pending], rcx
	jc .coded                          ; already pending: its first si_code stays
	mov [rdi + Task.sig_codes + rcx * 4], edx
.coded:	bt [rdi + Task.sig_blocked], rcx
	jc .done
	jmp signal_kick
.done:	ret

; -----------------------------------------------------------------------------
; signal_sigpipe -- SIGPIPE for the calling thread: a write to a pipe without a
; reader or a send on a closed connection (its default action ends the program, as
; on Linux; a program that ignores it sees EPIPE)
;  Clobbers: nothing
signal_sigpipe:
	SAVE_REGS rax, rcx, rdx, rsi, rdi, r8, r9
	SPIN_LOCK [sched_lock]
	mov rdi, [gs:Percpu.current]
	mov esi, SIGPIPE
	xor edx, edx                       ; SI_USER, as Linux's send_sig
	call signal_send_thread
	SPIN_UNLOCK [sched_lock]
	RESTORE_REGS rax, rcx, rdx, rsi, rdi, r8, r9
	ret

; -----------------------------------------------------------------------------
; signal_send_process -- make a signal pending for the process (sched_lock held):
; any thread that does not block it takes it, the current thread first. A signal
; already pending keeps its first siginfo (one instance at a time).
;  IN:  ESI = signal (1..64), EDX = si_code, R10 = si_pid | si_uid << 32, R11 = si_value
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
signal_send_process:
	mov rdi, [gs:Percpu.current]
	cmp rdi, [gs:Percpu.idle_task]
	jne .check
	mov rdi, [all_tasks]               ; from an interrupt on an idle CPU
	test rdi, rdi
	jz .done
.check:	call signal_ignored
	jc .done
	lea ecx, [esi - 1]
	bts [sig_proc_pending], rcx
	jc .chosen
	mov [sig_proc_codes + rcx * 4], edx
	mov rax, rcx
	shl rax, 4
	mov [sig_proc_info + rax], r10
	mov [sig_proc_info + rax + 8], r11
.chosen:
	; Who takes it: the current thread if it can, else the first that can.
	mov rdi, [gs:Percpu.current]
	cmp rdi, [gs:Percpu.idle_task]
	je .first
	bt [rdi + Task.sig_blocked], rcx
	jnc .kick
.first:	mov rdi, [all_tasks]
.scan:	test rdi, rdi
	jz .done                           ; every thread blocks it: it stays pending
	bt [rdi + Task.sig_blocked], rcx
	jnc .kick
	mov rdi, [rdi + Task.all_next]
	jmp .scan
.kick:	jmp signal_kick
.done:	ret

; -----------------------------------------------------------------------------
; signal_flush -- forget a pending signal everywhere (its action became "ignore")
;  IN:  ESI = signal (1..64), sched_lock held
;  Clobbers: RAX, RCX
signal_flush:
	lea ecx, [esi - 1]
	btr [sig_proc_pending], rcx
	mov rax, [all_tasks]
.walk:	test rax, rax
	jz .done
	btr [rax + Task.sig_pending], rcx
	mov rax, [rax + Task.all_next]
	jmp .walk
.done:	ret

; -----------------------------------------------------------------------------
; sys_kill -- kill(pid, sig): the process is pid 1 (0 names its group, the same)
;  IN:  RDI = pid, RSI = signal
;  OUT: RAX = 0 or -errno
sys_kill:
	cmp esi, NSIG
	ja .einval
	movsxd rdi, edi
	cmp rdi, 1
	ja .esrch
	cmp rdi, 0
	jl .esrch                          ; -1 spares the caller; no other process exists
	test esi, esi
	jz .zero                           ; signal 0: the process exists
	SPIN_LOCK [sched_lock]
	mov edx, SI_USER
	mov r10d, 1                        ; from process 1, uid 0
	xor r11d, r11d
	call signal_send_process
	SPIN_UNLOCK [sched_lock]
.zero:	xor eax, eax
	ret
.einval:
	mov rax, -EINVAL
	ret
.esrch:	mov rax, -ESRCH
	ret

; -----------------------------------------------------------------------------
; sys_rt_sigqueueinfo -- rt_sigqueueinfo(pid, sig, info): kill with the caller's
; si_code, si_pid, si_uid and si_value (sigqueue)
;  IN:  RDI = pid (1: the process), RSI = signal, RDX = siginfo
;  OUT: RAX = 0 or -errno
sys_rt_sigqueueinfo:
	push rbx
	push r12
	mov ebx, esi
	mov r12, rdx
	cmp edi, 1
	jne .esrch
	mov rdi, r12
	mov esi, SIGINFO_SIZE
	call check_user_write
	jc .efault
	cmp ebx, NSIG
	ja .einval
	test ebx, ebx
	jz .done                           ; signal 0: the process exists
	SPIN_LOCK [sched_lock]
	mov esi, ebx
	mov edx, [r12 + Siginfo.code]
	mov r10, [r12 + Siginfo.pid]
	mov r11, [r12 + SIGINFO_VALUE]
	call signal_send_process
	SPIN_UNLOCK [sched_lock]
.done:	xor eax, eax
	jmp .out
.esrch:	mov rax, -ESRCH
	jmp .out
.efault:
	mov rax, -EFAULT
	jmp .out
.einval:
	mov rax, -EINVAL
.out:	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; sys_tgkill / sys_tkill -- a signal to one thread of the process
;  IN:  tgkill: RDI = tgid, RSI = tid, RDX = signal; tkill: RDI = tid, RSI = signal
;  OUT: RAX = 0 or -errno (EINVAL for ids <= 0 or a bad signal, ESRCH for no thread)
sys_tgkill:
	movsxd rdi, edi
	test rdi, rdi
	jle sys_tkill.einval
	cmp rdi, 1
	jne sys_tkill.esrch_early
	mov rdi, rsi
	mov rsi, rdx
sys_tkill:
	movsxd rdi, edi
	test rdi, rdi
	jle .einval
	push rbx
	mov ebx, esi
	SPIN_LOCK [sched_lock]
	call task_by_tid
	test rax, rax
	jz .esrch
	cmp ebx, NSIG
	ja .einval_locked
	test ebx, ebx
	jz .sent                           ; signal 0: the thread exists
	mov rdi, rax
	mov esi, ebx
	mov edx, SI_TKILL
	call signal_send_thread
.sent:	SPIN_UNLOCK [sched_lock]
	pop rbx
	xor eax, eax
	ret
.esrch:	SPIN_UNLOCK [sched_lock]
	pop rbx
.esrch_early:
	mov rax, -ESRCH
	ret
.einval_locked:
	SPIN_UNLOCK [sched_lock]
	pop rbx
.einval:
	mov rax, -EINVAL
	ret

; -----------------------------------------------------------------------------
; sys_rt_sigaction -- rt_sigaction(sig, act, oact, sigsetsize)
;  IN:  RDI = signal, RSI = new action or 0, RDX = old action out or 0, RCX = 8
;  OUT: RAX = 0 or -errno
sys_rt_sigaction:
	cmp rcx, KSIGSET_SIZE
	jne .einval
	lea eax, [edi - 1]
	cmp eax, NSIG - 1
	ja .einval
	push rbx
	push r12
	push r13
	sub rsp, KSigaction_size
	mov ebx, edi                       ; signal
	mov r12, rsi                       ; act
	mov r13, rdx                       ; oact
	test r12, r12
	jz .no_new
	cmp ebx, SIGKILL
	je .einval_pop
	cmp ebx, SIGSTOP
	je .einval_pop
	mov rdi, r12
	mov esi, KSigaction_size
	call check_user_write
	jc .efault_pop
	mov rsi, r12                       ; read it first: oact may be the same memory
	mov rdi, rsp
	mov ecx, KSigaction_size / 8
	rep movsq
	mov eax, SA_KNOWN
	and [rsp + KSigaction.flags], rax
	mov rax, ~SIGBIT_KILL_STOP
	and [rsp + KSigaction.mask], rax
.no_new:
	test r13, r13
	jz .locked
	mov rdi, r13
	mov esi, KSigaction_size
	call check_user_write
	jc .efault_pop
.locked:
	SPIN_LOCK [sched_lock]
	mov eax, ebx
	shl eax, 5
	lea rsi, [sig_actions + rax]
	test r13, r13
	jz .set
	mov rdi, r13
	mov ecx, KSigaction_size / 8
	push rsi
	rep movsq
	pop rsi
.set:	test r12, r12
	jz .unlock
	mov rdi, rsi
	mov rsi, rsp
	mov ecx, KSigaction_size / 8
	rep movsq
	; An action that ignores the signal discards it wherever it is pending.
	mov rax, [rsp + KSigaction.handler]
	cmp rax, SIG_IGN
	je .flush
	test rax, rax
	jnz .unlock
	mov rax, SIG_DEFAULT_IGNORE
	lea ecx, [ebx - 1]
	bt rax, rcx
	jnc .unlock
.flush:	mov esi, ebx
	call signal_flush
.unlock:
	SPIN_UNLOCK [sched_lock]
	xor eax, eax
	jmp .out
.einval_pop:
	mov rax, -EINVAL
	jmp .out
.efault_pop:
	mov rax, -EFAULT
.out:	add rsp, KSigaction_size
	pop r13
	pop r12
	pop rbx
	ret
.einval:
	mov rax, -EINVAL
	ret

; -----------------------------------------------------------------------------
; sys_rt_sigprocmask -- rt_sigprocmask(how, set, oset, sigsetsize)
;  IN:  RDI = SIG_BLOCK/SIG_UNBLOCK/SIG_SETMASK, RSI = set or 0, RDX = old set out or 0,
;       RCX = 8
;  OUT: RAX = 0 or -errno
sys_rt_sigprocmask:
	cmp rcx, KSIGSET_SIZE
	jne .einval
	push rbx
	push r12
	mov r12, rdx                       ; oset
	xor ebx, ebx                       ; the new set (read before oset is written)
	test rsi, rsi
	jz .check_old
	cmp edi, SIG_SETMASK
	ja .einval_pop
	push rdi
	push rsi
	mov rdi, rsi
	mov esi, KSIGSET_SIZE
	call check_user_write
	pop rsi
	pop rdi
	jc .efault_pop
	mov rbx, [rsi]
.check_old:
	test r12, r12
	jz .apply
	push rdi
	push rsi
	mov rdi, r12
	mov esi, KSIGSET_SIZE
	call check_user_write
	pop rsi
	pop rdi
	jc .efault_pop
.apply:	mov r8, [gs:Percpu.current]
	mov rax, [r8 + Task.sig_blocked]
	test r12, r12
	jz .no_old
	mov [r12], rax
.no_old:
	test rsi, rsi
	jz .done
	mov rcx, rbx
	cmp edi, SIG_BLOCK
	jne .not_block
	or rcx, rax
	jmp .store
.not_block:
	cmp edi, SIG_UNBLOCK
	jne .store                         ; SIG_SETMASK: the set itself
	not rbx
	mov rcx, rax
	and rcx, rbx
.store:	mov rdx, ~SIGBIT_KILL_STOP
	and rcx, rdx
	mov [r8 + Task.sig_blocked], rcx
	; Process-wide signals this thread now blocks go to a thread that can take them.
	not rax
	and rax, rcx                       ; newly blocked
	and rax, [sig_proc_pending]
	jz .done
	call signal_retarget
.done:	xor eax, eax
.out:	pop r12
	pop rbx
	ret
.einval_pop:
	mov rax, -EINVAL
	jmp .out
.efault_pop:
	mov rax, -EFAULT
	jmp .out
.einval:
	mov rax, -EINVAL
	ret

; -----------------------------------------------------------------------------
; signal_retarget -- kick a thread that can take process-wide signals the caller
; has just blocked
;  IN:  RAX = those signals
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8, R9
signal_retarget:
	push rbx
	mov rbx, rax
	SPIN_LOCK [sched_lock]
	mov rdi, [all_tasks]
.scan:	test rdi, rdi
	jz .done
	mov rax, [rdi + Task.sig_blocked]
	not rax
	test rax, rbx
	jz .next
	cmp qword [rdi + Task.state], TASK_DEAD
	je .next
	push rdi
	call signal_kick
	pop rdi
	jmp .done
.next:	mov rdi, [rdi + Task.all_next]
	jmp .scan
.done:	SPIN_UNLOCK [sched_lock]
	pop rbx
	ret

; -----------------------------------------------------------------------------
; sys_rt_sigpending -- rt_sigpending(set, sigsetsize): pending and blocked signals
;  IN:  RDI = set out, RSI = bytes to write (at most 8)
;  OUT: RAX = 0 or -errno
sys_rt_sigpending:
	cmp rsi, KSIGSET_SIZE
	ja .einval
	push rdi
	push rsi
	call check_user_write
	pop rcx
	pop rdi
	jc .efault
	mov rdx, [gs:Percpu.current]
	mov rax, [rdx + Task.sig_pending]
	or rax, [sig_proc_pending]
	and rax, [rdx + Task.sig_blocked]
	push rax
	mov rsi, rsp
	rep movsb
	pop rax
	xor eax, eax
	ret
.einval:
	mov rax, -EINVAL
	ret
.efault:
	mov rax, -EFAULT
	ret

; -----------------------------------------------------------------------------
; sys_rt_sigsuspend -- rt_sigsuspend(mask, sigsetsize): wait for a signal under a
; temporary mask; the old mask comes back once the handler has run (uc_sigmask)
;  IN:  RDI = mask, RSI = 8
;  OUT: RAX = -EINTR (through -ERESTARTNOHAND) or -errno
sys_rt_sigsuspend:
	cmp rsi, KSIGSET_SIZE
	jne .einval
	push rdi
	call check_user_write
	pop rdi
	jc .efault
	push rbx
	mov rbx, [gs:Percpu.current]
	mov rdx, [rdi]
	mov rax, ~SIGBIT_KILL_STOP
	and rdx, rax
	SPIN_LOCK [sched_lock]
	mov rax, [rbx + Task.sig_blocked]
	mov [rbx + Task.sig_saved_mask], rax
	mov qword [rbx + Task.sig_saved_valid], 1
	mov [rbx + Task.sig_blocked], rdx
	call wait_for_signal_locked
	pop rbx
	ret
.einval:
	mov rax, -EINVAL
	ret
.efault:
	mov rax, -EFAULT
	ret

; -----------------------------------------------------------------------------
; signal_wait_mask -- the mask ppoll, pselect6, epoll_pwait and epoll_pwait2 wait
; with: installed now, the thread's own mask restored on the way back to the program
; (after any handler the wait let in has its frame: Task.sig_saved_mask)
;  IN:  RDI = the program's sigset (0: keep the mask), RSI = its size
;  OUT: RAX = 0, or -EINVAL (size), -EFAULT
;  Clobbers: RCX, RDX
signal_wait_mask:
	xor eax, eax
	test rdi, rdi
	jz .out
	cmp rsi, KSIGSET_SIZE
	jne .einval
	push rsi
	mov esi, KSIGSET_SIZE
	call check_user_read
	pop rsi
	jc .efault
	mov rdx, [rdi]
	mov rax, ~SIGBIT_KILL_STOP
	and rdx, rax
	push rbx
	mov rbx, [gs:Percpu.current]
	SPIN_LOCK [sched_lock]
	mov rax, [rbx + Task.sig_blocked]
	mov [rbx + Task.sig_saved_mask], rax
	mov qword [rbx + Task.sig_saved_valid], 1
	mov [rbx + Task.sig_blocked], rdx
	SPIN_UNLOCK [sched_lock]
	pop rbx
	xor eax, eax
.out:	ret
.einval:
	mov rax, -EINVAL
	ret
.efault:
	mov rax, -EFAULT
	ret

; -----------------------------------------------------------------------------
; sys_pause -- pause(): wait for a signal that runs a handler or ends the program
;  OUT: RAX = -EINTR (through -ERESTARTNOHAND)
sys_pause:
	push rbx
	mov rbx, [gs:Percpu.current]
	SPIN_LOCK [sched_lock]
	call wait_for_signal_locked
	pop rbx
	ret

; -----------------------------------------------------------------------------
; wait_for_signal_locked -- block until a signal the thread takes is pending
;  IN:  RBX = current Task, sched_lock held
;  OUT: RAX = -ERESTARTNOHAND, sched_lock released
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
wait_for_signal_locked:
	call signal_pending
	jnz .signalled
	mov qword [rbx + Task.sig_interruptible], 1
	mov qword [rbx + Task.state], TASK_BLOCKED
	call schedule_locked
	mov qword [rbx + Task.sig_interruptible], 0
	SPIN_LOCK [sched_lock]
	jmp wait_for_signal_locked
.signalled:
	SPIN_UNLOCK [sched_lock]
	mov rax, -ERESTARTNOHAND
	ret

; -----------------------------------------------------------------------------
; signal_dequeue -- take the lowest pending signal of a set (sched_lock held):
; the thread's own first, then the process's
;  IN:  RDI = Task, RSI = the set to take from
;  OUT: EAX = signal (0: none), EDX = its si_code, R8 = si_pid | si_uid << 32,
;       R9 = si_value
;  Clobbers: RCX
signal_dequeue:
	mov rax, [rdi + Task.sig_pending]
	and rax, rsi
	jz .process
	bsf rcx, rax
	btr [rdi + Task.sig_pending], rcx
	mov edx, [rdi + Task.sig_codes + rcx * 4]
	mov r8d, 1                         ; tkill, tgkill: from process 1, uid 0
	xor r9d, r9d
	lea eax, [ecx + 1]
	ret
.process:
	mov rax, [sig_proc_pending]
	and rax, rsi
	jz .none
	bsf rcx, rax
	btr [sig_proc_pending], rcx
	mov edx, [sig_proc_codes + rcx * 4]
	mov rax, rcx
	shl rax, 4
	mov r8, [sig_proc_info + rax]
	mov r9, [sig_proc_info + rax + 8]
	lea eax, [ecx + 1]
	ret
.none:	xor eax, eax
	xor edx, edx
	xor r8d, r8d
	xor r9d, r9d
	ret

; -----------------------------------------------------------------------------
; sys_rt_sigtimedwait -- rt_sigtimedwait(set, info, timeout, sigsetsize): take a
; signal of the set without running its handler, waiting up to the timeout
;  IN:  RDI = set, RSI = siginfo out or 0, RDX = timespec or 0 (forever), RCX = 8
;  OUT: RAX = the signal, -EAGAIN (timeout), -EINTR (another signal), -errno
sys_rt_sigtimedwait:
	cmp rcx, KSIGSET_SIZE
	jne .einval
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov r12, rsi                       ; info
	mov r13, rdx                       ; timeout
	push rdi
	mov esi, KSIGSET_SIZE
	call check_user_write
	pop rdi
	jc .efault
	mov r14, [rdi]
	mov rax, ~SIGBIT_KILL_STOP
	and r14, rax                       ; r14 = the set
	test r12, r12
	jz .info_ok
	mov rdi, r12
	mov esi, SIGINFO_SIZE
	call check_user_write
	jc .efault
.info_ok:
	xor r15d, r15d                     ; r15 = deadline (0: none)
	test r13, r13
	jz .first
	mov rdi, r13
	mov esi, 16
	call check_user_write
	jc .efault
	mov rax, [r13]
	test rax, rax
	js .einval_pop
	mov rcx, [r13 + 8]
	cmp rcx, NS_PER_S
	jae .einval_pop
	mov rdx, NS_PER_S
	mul rdx
	jo .first                          ; absurdly far: no deadline
	add rax, rcx
	jc .first
	mov r15, rax
	call monotonic_now
	add r15, rax
	jnc .have_deadline
	xor r15d, r15d
	jmp .first
.have_deadline:
	test r15, r15
	jnz .first
	inc r15                            ; a deadline of exactly 0 still means "now"
.first:	mov rbx, [gs:Percpu.current]
	SPIN_LOCK [sched_lock]
	mov qword [rbx + Task.wait_result], 0
	mov rax, [rbx + Task.sig_blocked]
	mov [rbx + Task.sig_real_blocked], rax ; the mask to restore (and "wanted" while waiting)
.look:	mov rdi, rbx
	mov rsi, r14
	call signal_dequeue
	test eax, eax
	jnz .got
	call signal_pending                ; another signal the thread takes: EINTR
	jnz .eintr
	test r13, r13
	jz .block
	mov rax, [r13]
	or rax, [r13 + 8]
	jz .eagain                         ; a zero timeout: only a poll
	cmp qword [rbx + Task.wait_result], -ETIMEDOUT
	je .eagain
.block:	; The set's signals wake the thread while it waits.
	mov rax, r14
	not rax
	and [rbx + Task.sig_blocked], rax
	mov qword [rbx + Task.wait_result], 0
	mov qword [rbx + Task.sig_interruptible], 1
	mov qword [rbx + Task.state], TASK_BLOCKED
	test r15, r15
	jz .sleep
	mov [rbx + Task.deadline], r15
	mov rdi, rbx
	call sleep_insert
.sleep:	call schedule_locked
	mov qword [rbx + Task.sig_interruptible], 0
	SPIN_LOCK [sched_lock]
	mov rdi, rbx
	call sleep_remove
	mov rax, [rbx + Task.sig_real_blocked]
	mov [rbx + Task.sig_blocked], rax
	jmp .look
.got:	mov r13d, eax                      ; the signal
	mov r15d, edx                      ; its code
	push r9
	push r8
	call .restore
	pop r8
	pop r9
	test r12, r12
	jz .got_out
	mov rdi, r12
	mov ecx, SIGINFO_SIZE / 8
	xor eax, eax
	rep stosq
	mov [r12 + Siginfo.signo], r13d
	mov [r12 + Siginfo.code], r15d
	mov [r12 + Siginfo.pid], r8        ; si_pid, si_uid
	mov [r12 + SIGINFO_VALUE], r9
.got_out:
	mov eax, r13d
	jmp .out
.eintr:	call .restore
	mov rax, -EINTR
	jmp .out
.eagain:
	call .restore
	mov rax, -EAGAIN
	jmp .out
; (local) the real mask back, the lock released
.restore:
	mov rax, [rbx + Task.sig_real_blocked]
	mov [rbx + Task.sig_blocked], rax
	mov qword [rbx + Task.sig_real_blocked], 0
	mov qword [rbx + Task.wait_result], 0
	SPIN_UNLOCK [sched_lock]
	ret
.einval_pop:
	mov rax, -EINVAL
	jmp .out
.efault:
	mov rax, -EFAULT
.out:	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret
.einval:
	mov rax, -EINVAL
	ret

; -----------------------------------------------------------------------------
; on_altstack -- does an address lie on the thread's alternate stack?
;  IN:  RDI = address, R14 = Task
;  OUT: CF set when it does
;  Clobbers: RAX
on_altstack:
	mov rax, rdi
	sub rax, [r14 + Task.altstack_sp]
	jbe .no                            ; at or below the base: not on it
	cmp rax, [r14 + Task.altstack_size]
	ja .no
	stc
	ret
.no:	clc
	ret

; -----------------------------------------------------------------------------
; sys_sigaltstack -- sigaltstack(ss, old_ss): the calling thread's alternate stack
;  IN:  RDI = new stack_t or 0, RSI = old stack_t out or 0
;  OUT: RAX = 0 or -errno (EPERM while on it, EINVAL bad flags, ENOMEM too small)
sys_sigaltstack:
	push rbx
	push r12
	push r13
	push r14
	mov r12, rdi
	mov r13, rsi
	mov r14, [gs:Percpu.current]
	mov rbx, [gs:Percpu.kstack_top]
	mov rbx, [rbx - ExcFrame_size + ExcFrame.rsp]   ; the program's RSP
	test r12, r12
	jz .check_old
	mov esi, StackT_size
	call check_user_write
	jc .efault
.check_old:
	test r13, r13
	jz .old_ok
	mov rdi, r13
	mov esi, StackT_size
	call check_user_write
	jc .efault
.old_ok:
	; The old one, as it is now (read before the change, written after it).
	mov r8, [r14 + Task.altstack_sp]
	mov r9, [r14 + Task.altstack_size]
	mov r10d, SS_DISABLE
	test r9, r9
	jz .old_flags
	xor r10d, r10d
	mov rdi, rbx
	call on_altstack
	jnc .old_flags
	mov r10d, SS_ONSTACK
.old_flags:
	mov rax, [r14 + Task.altstack_flags]
	and eax, SS_AUTODISARM
	or r10d, eax
	test r12, r12
	jz .write_old
	mov rdi, rbx
	call on_altstack
	jc .eperm
	mov ecx, [r12 + StackT.flags]
	mov eax, ecx
	and eax, ~SS_AUTODISARM
	cmp eax, SS_DISABLE
	je .disable
	cmp eax, SS_ONSTACK
	je .enable
	test eax, eax
	jnz .einval
.enable:
	mov rdx, [r12 + StackT.size]
	cmp rdx, MINSIGSTKSZ
	jb .enomem
	mov rax, [r12 + StackT.sp]
	jmp .store
.disable:
	xor eax, eax
	xor edx, edx
.store:	mov [r14 + Task.altstack_sp], rax
	mov [r14 + Task.altstack_size], rdx
	mov [r14 + Task.altstack_flags], rcx
.write_old:
	test r13, r13
	jz .done
	mov [r13 + StackT.sp], r8
	mov [r13 + StackT.flags], r10d
	mov dword [r13 + StackT.pad], 0
	mov [r13 + StackT.size], r9
.done:	xor eax, eax
	jmp .out
.efault:
	mov rax, -EFAULT
	jmp .out
.eperm:	mov rax, -EPERM
	jmp .out
.einval:
	mov rax, -EINVAL
	jmp .out
.enomem:
	mov rax, -ENOMEM
.out:	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; signal_on_syscall_return -- the end of every system call: anything for signals?
;  IN:  RAX = the call's result (already in the Frame)
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11 (the Frame is restored afterwards)
signal_on_syscall_return:
	mov rcx, [gs:Percpu.current]
	mov rdx, [rcx + Task.sig_pending]
	or rdx, [sig_proc_pending]
	mov r8, [rcx + Task.sig_blocked]
	not r8
	and rdx, r8
	or rdx, [rcx + Task.sig_saved_valid]
	jnz .work
	add rax, ERESTARTNOHAND            ; -514..-512 become 0..2
	cmp rax, ERESTARTNOHAND - ERESTARTSYS
	jbe .work
	ret
.work:	mov edi, 1
	jmp signal_exit_work

; -----------------------------------------------------------------------------
; signal_on_irq_return -- the end of an interrupt: a signal for the interrupted program?
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
signal_on_irq_return:
	mov rcx, [gs:Percpu.current]
	mov rdx, [rcx + Task.sig_pending]
	or rdx, [sig_proc_pending]
	mov r8, [rcx + Task.sig_blocked]
	not r8
	and rdx, r8
	jnz .work
	ret
.work:	xor edi, edi
	jmp signal_exit_work

; -----------------------------------------------------------------------------
; signal_exit_work -- deliver the current thread's signals before it returns to the
; program through the Frame at the top of its kernel stack: default actions, handler
; frames, and a system call's restart code settled
;  IN:  EDI = 1 when the Frame ends a system call (RAX may hold -ERESTART*), else 0
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
signal_exit_work:
	push rbx
	push r12
	push r13
	push r14
	push r15
	sub rsp, SigDelivery_size
	mov r15d, edi
	mov rbx, [gs:Percpu.kstack_top]
	sub rbx, ExcFrame_size             ; the Frame
	mov r14, [gs:Percpu.current]
	cmp r14, [gs:Percpu.idle_task]
	je .settle
	cmp qword [rbx + ExcFrame.vector], -1
	jne .where
	xor r15d, r15d                     ; rt_sigreturn: its RAX is the program's own
.where:	mov rax, [rbx + ExcFrame.rip]
	mov rcx, [boot_info]
	cmp rax, [rcx + BootInfo.kernel_start]
	jb .next
	cmp rax, [rcx + BootInfo.kernel_end]
	jb .settle                         ; kernel code (the vDSO): at the next return
.next:	SPIN_LOCK [sched_lock]
	mov rdi, r14
	mov rsi, [r14 + Task.sig_blocked]
	not rsi
	call signal_dequeue
	test eax, eax
	jz .none
	mov r12d, eax
	mov [rsp + SigDelivery.signo], rax
	movsxd rdx, edx
	mov [rsp + SigDelivery.code], rdx
	mov [rsp + SigDelivery.pid_uid], r8
	mov [rsp + SigDelivery.value], r9
	mov eax, r12d
	shl eax, 5
	lea rsi, [sig_actions + rax]
	mov rax, [rsi + KSigaction.handler]
	cmp rax, SIG_IGN
	je .skip
	test rax, rax
	jnz .handler
	lea ecx, [r12d - 1]
	mov rax, SIG_DEFAULT_IGNORE
	bt rax, rcx
	jc .skip
	SPIN_UNLOCK [sched_lock]
	mov edi, r12d
	jmp signal_terminate
.skip:	SPIN_UNLOCK [sched_lock]
	jmp .next
.handler:
	mov rdi, rsp
	call signal_take_action
	SPIN_UNLOCK [sched_lock]
	xor eax, eax
	mov [rsp + SigDelivery.addr], rax
	mov [rsp + SigDelivery.trapno], rax
	mov [rsp + SigDelivery.err], rax
	mov [rsp + SigDelivery.cr2], rax
	test r15d, r15d
	jz .build
	mov rsi, [rsp + SigDelivery.flags]
	call signal_settle_restart
	xor r15d, r15d
.build:	mov rdi, rsp
	call signal_build_frame
	jnc .next                          ; more signals nest their frames on this one
	mov edi, SIGSEGV                   ; no room for the frame: Linux's force_sigsegv
	jmp signal_terminate
.none:	SPIN_UNLOCK [sched_lock]
.settle:
	test r15d, r15d
	jz .mask
	mov rsi, -1                        ; no handler ran
	call signal_settle_restart
.mask:	cmp qword [r14 + Task.sig_saved_valid], 0
	je .out
	mov qword [r14 + Task.sig_saved_valid], 0
	mov rax, [r14 + Task.sig_saved_mask]
	mov [r14 + Task.sig_blocked], rax
.out:	add rsp, SigDelivery_size
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; signal_take_action -- copy a signal's action for delivery; SA_RESETHAND resets it
; (sched_lock held)
;  IN:  RDI = SigDelivery (its signo set), RSI = the action in sig_actions
;  Clobbers: RAX, RCX
signal_take_action:
	mov rax, [rsi + KSigaction.handler]
	mov [rdi + SigDelivery.handler], rax
	mov rax, [rsi + KSigaction.flags]
	mov [rdi + SigDelivery.flags], rax
	mov rcx, [rsi + KSigaction.restorer]
	mov [rdi + SigDelivery.restorer], rcx
	mov rcx, [rsi + KSigaction.mask]
	mov [rdi + SigDelivery.mask], rcx
	test eax, SA_RESETHAND
	jz .done
	mov qword [rsi + KSigaction.handler], SIG_DFL
	and qword [rsi + KSigaction.flags], ~SA_SIGINFO
.done:	ret

; -----------------------------------------------------------------------------
; signal_settle_restart -- a system call interrupted by a signal: -EINTR or run again
;  IN:  RBX = Frame, RSI = the handler's sa_flags, or -1 when no handler runs
;  Clobbers: RAX
signal_settle_restart:
	mov rax, [rbx + ExcFrame.rax]
	cmp rax, -ERESTARTNOHAND
	jl .done
	cmp rax, -ERESTARTSYS
	jg .done
	cmp rsi, -1
	je .restart
	cmp rax, -ERESTARTNOINTR
	je .restart
	cmp rax, -ERESTARTNOHAND
	je .eintr
	test esi, SA_RESTART
	jnz .restart
.eintr:	mov qword [rbx + ExcFrame.rax], -EINTR
	ret
.restart:
	mov rax, [rbx + ExcFrame.vector]   ; the call number, as the program passed it
	mov [rbx + ExcFrame.rax], rax
	sub qword [rbx + ExcFrame.rip], 2  ; back onto the `syscall` instruction
.done:	ret

; -----------------------------------------------------------------------------
; signal_build_frame -- make the Frame resume in the program's handler, with Linux's
; rt_sigframe (return address, ucontext, siginfo) and the FP state on its stack
;  IN:  RBX = Frame, R14 = current Task, RDI = SigDelivery
;  OUT: CF set when the frame cannot be written (bad stack, no sa_restorer)
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
signal_build_frame:
	push rbp
	push r12
	push r13
	push r15
	mov rbp, rdi
	mov r12, [rbx + ExcFrame.rsp]      ; the interrupted stack
	test qword [rbp + SigDelivery.flags], SA_RESTORER
	jz .fail
	; Where: below the red zone, or at the top of the alternate stack.
	lea r13, [r12 - 128]
	test qword [rbp + SigDelivery.flags], SA_ONSTACK
	jz .placed
	cmp qword [r14 + Task.altstack_size], 0
	je .placed
	mov rdi, r12
	call on_altstack
	jc .placed                         ; already on it: go on below
	mov r13, [r14 + Task.altstack_sp]
	add r13, [r14 + Task.altstack_size]
.placed:
	sub r13, FPSTATE_SIZE
	and r13, ~63
	mov r15, r13                       ; r15 = fpstate
	sub r13, SIGFRAME_SIZE
	and r13, ~15
	sub r13, 8                         ; r13 = frame: (RSP + 8) % 16 == 0 in the handler
	mov rdi, r13
	lea rsi, [r15 + FPSTATE_SIZE]
	sub rsi, r13
	call check_user_write              ; (a frame wrapped below 0 lies far beyond RAM)
	jc .fail

	; FP state: saved for sigreturn; the handler starts from a clean one.
	fxsave [r15]
	lea rdi, [r15 + FXSAVE_SW_BYTES]
	mov ecx, (FPSTATE_SIZE - FXSAVE_SW_BYTES) / 8
	xor eax, eax
	rep stosq
	fxrstor [fpu_template]

	mov rdi, r13
	mov ecx, SIGFRAME_SIZE / 8
	xor eax, eax
	rep stosq
	mov rax, [rbp + SigDelivery.restorer]
	mov [r13], rax                     ; pretcode
	lea r8, [r13 + SIGFRAME_UC]        ; r8 = ucontext
	; uc_stack: the alternate stack as it was; SS_AUTODISARM disarms it for the handler.
	mov rax, [r14 + Task.altstack_sp]
	mov [r8 + Ucontext.ss_sp], rax
	mov rax, [r14 + Task.altstack_size]
	mov [r8 + Ucontext.ss_size], rax
	mov ecx, SS_DISABLE
	test rax, rax
	jz .ss_flags
	mov rcx, [r14 + Task.altstack_flags]
	test ecx, SS_AUTODISARM
	jz .ss_flags
	xor eax, eax
	mov [r14 + Task.altstack_sp], rax
	mov [r14 + Task.altstack_size], rax
	mov [r14 + Task.altstack_flags], rax
.ss_flags:
	mov [r8 + Ucontext.ss_flags], ecx
	; uc_mcontext: the interrupted registers.
	mov rax, [rbx + ExcFrame.r8]
	mov [r8 + Ucontext.r8], rax
	mov rax, [rbx + ExcFrame.r9]
	mov [r8 + Ucontext.r9], rax
	mov rax, [rbx + ExcFrame.r10]
	mov [r8 + Ucontext.r10], rax
	mov rax, [rbx + ExcFrame.r11]
	mov [r8 + Ucontext.r11], rax
	mov rax, [rbx + ExcFrame.r12]
	mov [r8 + Ucontext.r12], rax
	mov rax, [rbx + ExcFrame.r13]
	mov [r8 + Ucontext.r13], rax
	mov rax, [rbx + ExcFrame.r14]
	mov [r8 + Ucontext.r14], rax
	mov rax, [rbx + ExcFrame.r15]
	mov [r8 + Ucontext.r15], rax
	mov rax, [rbx + ExcFrame.rdi]
	mov [r8 + Ucontext.rdi], rax
	mov rax, [rbx + ExcFrame.rsi]
	mov [r8 + Ucontext.rsi], rax
	mov rax, [rbx + ExcFrame.rbp]
	mov [r8 + Ucontext.rbp], rax
	mov rax, [rbx + ExcFrame.rbx]
	mov [r8 + Ucontext.rbx], rax
	mov rax, [rbx + ExcFrame.rdx]
	mov [r8 + Ucontext.rdx], rax
	mov rax, [rbx + ExcFrame.rax]
	mov [r8 + Ucontext.rax], rax
	mov rax, [rbx + ExcFrame.rcx]
	mov [r8 + Ucontext.rcx], rax
	mov [r8 + Ucontext.rsp], r12
	mov rax, [rbx + ExcFrame.rip]
	mov [r8 + Ucontext.rip], rax
	mov rax, [rbx + ExcFrame.rflags]
	mov [r8 + Ucontext.eflags], rax
	mov rax, KERNEL_CS | (KERNEL_DS << 48)
	mov [r8 + Ucontext.csgsfs], rax
	mov rax, [rbp + SigDelivery.err]
	mov [r8 + Ucontext.err], rax
	mov rax, [rbp + SigDelivery.trapno]
	mov [r8 + Ucontext.trapno], rax
	mov rax, [rbp + SigDelivery.cr2]
	mov [r8 + Ucontext.cr2], rax
	mov [r8 + Ucontext.fpstate], r15
	; The mask sigreturn restores: rt_sigsuspend's saved one, if it waits.
	mov rax, [r14 + Task.sig_blocked]
	cmp qword [r14 + Task.sig_saved_valid], 0
	je .old_mask
	mov rax, [r14 + Task.sig_saved_mask]
	mov qword [r14 + Task.sig_saved_valid], 0
.old_mask:
	mov [r8 + Ucontext.sigmask], rax
	mov [r8 + Ucontext.oldmask], rax
	; siginfo
	lea r9, [r13 + SIGFRAME_INFO]
	mov rax, [rbp + SigDelivery.signo]
	mov [r9 + Siginfo.signo], eax
	mov rax, [rbp + SigDelivery.code]
	mov [r9 + Siginfo.code], eax
	test eax, eax
	jg .fault_info
	mov rax, [rbp + SigDelivery.pid_uid]   ; the kill family, rt_sigqueueinfo
	mov [r9 + Siginfo.pid], rax
	mov rax, [rbp + SigDelivery.value]
	mov [r9 + SIGINFO_VALUE], rax
	jmp .mask
.fault_info:
	cmp eax, SI_KERNEL
	je .mask
	mov rax, [rbp + SigDelivery.addr]
	mov [r9 + SIGINFO_ADDR], rax
.mask:	; The handler's mask: the current one, sa_mask, and the signal unless SA_NODEFER.
	mov rax, [r14 + Task.sig_blocked]
	or rax, [rbp + SigDelivery.mask]
	test qword [rbp + SigDelivery.flags], SA_NODEFER
	jnz .nodefer
	mov rcx, [rbp + SigDelivery.signo]
	dec ecx
	bts rax, rcx
.nodefer:
	mov rcx, ~SIGBIT_KILL_STOP
	and rax, rcx
	mov [r14 + Task.sig_blocked], rax
	; The Frame now enters the handler.
	mov rax, [rbp + SigDelivery.handler]
	mov [rbx + ExcFrame.rip], rax
	mov [rbx + ExcFrame.rsp], r13
	mov rax, [rbp + SigDelivery.signo]
	mov [rbx + ExcFrame.rdi], rax
	mov [rbx + ExcFrame.rsi], r9
	mov [rbx + ExcFrame.rdx], r8
	mov qword [rbx + ExcFrame.rax], 0
	and qword [rbx + ExcFrame.rflags], ~0x10500   ; DF, TF, RF off
	clc
	jmp .out
.fail:	stc
.out:	pop r15
	pop r13
	pop r12
	pop rbp
	ret

; -----------------------------------------------------------------------------
; sys_rt_sigreturn -- the end of a handler (sa_restorer): the program continues
; from the ucontext, with whatever the handler changed in it
;  IN:  the Frame: its RSP points at the ucontext (sa_restorer's return popped pretcode)
;  OUT: RAX = the restored RAX (syscall_entry stores it back into the Frame)
sys_rt_sigreturn:
	push rbx
	push r12
	push r14
	mov rbx, [gs:Percpu.kstack_top]
	sub rbx, ExcFrame_size
	mov r14, [gs:Percpu.current]
	mov r12, [rbx + ExcFrame.rsp]      ; the ucontext
	mov rdi, r12
	mov esi, Ucontext_size
	call check_user_write
	jc .bad
	mov rax, [r12 + Ucontext.rip]
	shr rax, 47
	jnz .bad                           ; a RIP the return jump could not reach
	mov rdi, [r12 + Ucontext.fpstate]
	test rdi, rdi
	jz .regs
	test dil, 15
	jnz .bad
	mov esi, FPSTATE_SIZE
	call check_user_write
	jc .bad
.regs:	mov rax, [r12 + Ucontext.r8]
	mov [rbx + ExcFrame.r8], rax
	mov rax, [r12 + Ucontext.r9]
	mov [rbx + ExcFrame.r9], rax
	mov rax, [r12 + Ucontext.r10]
	mov [rbx + ExcFrame.r10], rax
	mov rax, [r12 + Ucontext.r11]
	mov [rbx + ExcFrame.r11], rax
	mov rax, [r12 + Ucontext.r12]
	mov [rbx + ExcFrame.r12], rax
	mov rax, [r12 + Ucontext.r13]
	mov [rbx + ExcFrame.r13], rax
	mov rax, [r12 + Ucontext.r14]
	mov [rbx + ExcFrame.r14], rax
	mov rax, [r12 + Ucontext.r15]
	mov [rbx + ExcFrame.r15], rax
	mov rax, [r12 + Ucontext.rdi]
	mov [rbx + ExcFrame.rdi], rax
	mov rax, [r12 + Ucontext.rsi]
	mov [rbx + ExcFrame.rsi], rax
	mov rax, [r12 + Ucontext.rbp]
	mov [rbx + ExcFrame.rbp], rax
	mov rax, [r12 + Ucontext.rbx]
	mov [rbx + ExcFrame.rbx], rax
	mov rax, [r12 + Ucontext.rdx]
	mov [rbx + ExcFrame.rdx], rax
	mov rax, [r12 + Ucontext.rcx]
	mov [rbx + ExcFrame.rcx], rax
	mov rax, [r12 + Ucontext.rsp]
	mov [rbx + ExcFrame.rsp], rax
	mov rax, [r12 + Ucontext.rip]
	mov [rbx + ExcFrame.rip], rax
	mov rax, [r12 + Ucontext.eflags]
	and rax, EFLAGS_FROM_UC
	mov rcx, [rbx + ExcFrame.rflags]
	and rcx, ~EFLAGS_FROM_UC
	or rax, rcx
	mov [rbx + ExcFrame.rflags], rax
	mov qword [rbx + ExcFrame.vector], -1   ; no restart for this "call"
	; FP state: through the Task's save area (aligned, MXCSR's reserved bits cleared).
	mov rsi, [r12 + Ucontext.fpstate]
	test rsi, rsi
	jz .clean_fpu
	lea rdi, [r14 + Task.fpu]
	mov ecx, FPSTATE_SIZE / 8
	rep movsq
	and dword [r14 + Task.fpu + 24], 0xffff
	fxrstor [r14 + Task.fpu]
	jmp .mask
.clean_fpu:
	fxrstor [fpu_template]
.mask:	mov rax, [r12 + Ucontext.sigmask]
	mov rcx, ~SIGBIT_KILL_STOP
	and rax, rcx
	mov [r14 + Task.sig_blocked], rax
	; The alternate stack as it was, unless the handler still runs on the current one.
	mov rdi, r12
	call on_altstack
	jc .done
	mov ecx, [r12 + Ucontext.ss_flags]
	mov eax, ecx
	and eax, ~SS_AUTODISARM
	cmp eax, SS_DISABLE
	je .ss_off
	cmp eax, SS_ONSTACK
	je .ss_on
	test eax, eax
	jnz .done
.ss_on:	mov rdx, [r12 + Ucontext.ss_size]
	cmp rdx, MINSIGSTKSZ
	jb .done
	mov rax, [r12 + Ucontext.ss_sp]
	jmp .ss_store
.ss_off:
	xor eax, eax
	xor edx, edx
.ss_store:
	mov [r14 + Task.altstack_sp], rax
	mov [r14 + Task.altstack_size], rdx
	mov [r14 + Task.altstack_flags], rcx
.done:	mov rax, [r12 + Ucontext.rax]
	pop r14
	pop r12
	pop rbx
	ret
.bad:	mov edi, SIGSEGV                   ; as Linux: a frame it cannot read kills
	jmp signal_terminate

; -----------------------------------------------------------------------------
; signal_terminate -- a signal's default action ends the program: one line on
; stderr, exit status 128 + the signal
;  IN:  EDI = signal (1..64)
;  OUT: does not return
signal_terminate:
	mov ebx, edi
	lea rsi, [msg_terminated]
	call kprint_cstr
	cmp ebx, 31
	ja .realtime
	lea rsi, [signal_names]
	lea eax, [ebx - 1]
	imul eax, eax, SIGNAME_LEN
	add rsi, rax
	call kprint_cstr
	jmp .number
.realtime:
	lea rsi, [msg_sigrt]
	call kprint_cstr
.number:
	lea rsi, [msg_open]
	call kprint_cstr
	mov edi, ebx
	call kprint_dec
	lea rsi, [msg_close]
	call kprint_cstr
	mov rax, SIG_DEFAULT_CORE
	lea ecx, [ebx - 1]
	bt rax, rcx
	jnc .end
	lea rsi, [msg_no_core]
	call kprint_cstr
.end:	lea rsi, [msg_newline]
	call kprint_cstr
	lea edi, [ebx + 128]
	jmp sys_exit

section .rodata
msg_terminated: db 'kernel: terminated by signal ', 0
msg_sigrt:      db 'SIGRT', 0
msg_no_core:    db ' (core dump not written)', 0
SIGNAME_LEN equ 10
%macro SIGNAME 1
%%start: db %1, 0
	times SIGNAME_LEN - ($ - %%start) db 0
%endmacro
signal_names:
	SIGNAME 'SIGHUP'
	SIGNAME 'SIGINT'
	SIGNAME 'SIGQUIT'
	SIGNAME 'SIGILL'
	SIGNAME 'SIGTRAP'
	SIGNAME 'SIGABRT'
	SIGNAME 'SIGBUS'
	SIGNAME 'SIGFPE'
	SIGNAME 'SIGKILL'
	SIGNAME 'SIGUSR1'
	SIGNAME 'SIGSEGV'
	SIGNAME 'SIGUSR2'
	SIGNAME 'SIGPIPE'
	SIGNAME 'SIGALRM'
	SIGNAME 'SIGTERM'
	SIGNAME 'SIGSTKFLT'
	SIGNAME 'SIGCHLD'
	SIGNAME 'SIGCONT'
	SIGNAME 'SIGSTOP'
	SIGNAME 'SIGTSTP'
	SIGNAME 'SIGTTIN'
	SIGNAME 'SIGTTOU'
	SIGNAME 'SIGURG'
	SIGNAME 'SIGXCPU'
	SIGNAME 'SIGXFSZ'
	SIGNAME 'SIGVTALRM'
	SIGNAME 'SIGPROF'
	SIGNAME 'SIGWINCH'
	SIGNAME 'SIGIO'
	SIGNAME 'SIGPWR'
	SIGNAME 'SIGSYS'

section .bss
alignb 8
sig_actions:      resb (NSIG + 1) * KSigaction_size  ; indexed by signal; entry 0 unused
sig_proc_pending: resq 1                  ; signals sent to the process (kill)
all_tasks:        resq 1                  ; the program's live threads, by Task.all_next
sig_proc_info:    resq NSIG * 2           ; si_pid | si_uid << 32 and si_value of each
sig_proc_codes:   resd NSIG               ; si_code of each process-wide pending signal
section .text
