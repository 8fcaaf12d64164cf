; The process's real-time interval timer: alarm, setitimer and getitimer
; (ITIMER_REAL only). It sends SIGALRM to the process when it expires, and again
; every interval if one is set. Its expiry sits in the sleep list like a sleeping
; thread's deadline: itimer_entry is a Task-shaped record that is never run, and
; wake_sleepers (sched/timer.asm) hands it to itimer_expired instead of waking it.

ITIMER_REAL equ 0
SIGALRM     equ 14
NS_PER_US   equ 1000

; struct itimerval: the interval, then the value (each a struct timeval).
struc Itimerval
	.interval_sec:  resq 1
	.interval_usec: resq 1
	.value_sec:     resq 1
	.value_usec:    resq 1
endstruc

section .text

; -----------------------------------------------------------------------------
; itimer_expired -- the timer's deadline passed: SIGALRM, and the next period
; (sched_lock held; called by wake_sleepers, which took it off the sleep list)
;  IN:  RDI = CLOCK_MONOTONIC now (ns)
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8, R9
itimer_expired:
	push rbx
	mov rbx, rdi
	mov esi, SIGALRM
	mov edx, SI_KERNEL
	xor r10d, r10d
	xor r11d, r11d
	call signal_send_process
	mov rax, [itimer_interval]
	test rax, rax
	jz .done
	mov rcx, [itimer_expiry]
	add rcx, rax
	cmp rcx, rbx
	ja .arm
	lea rcx, [rbx + rax]               ; periods missed: the next one from now
.arm:	mov [itimer_expiry], rcx
	mov [itimer_entry + Task.deadline], rcx
	lea rdi, [itimer_entry]
	call sleep_insert
	pop rbx
	ret
.done:	mov qword [itimer_expiry], 0
	pop rbx
	ret

; -----------------------------------------------------------------------------
; itimer_read -- the timer as a struct itimerval (time left, interval)
;  IN:  RDI = itimerval out (checked), RSI = now (ns); sched_lock held
;  Clobbers: RAX, RCX, RDX
itimer_read:
	push rdi
	mov rax, [itimer_interval]
	call ns_to_timeval
	pop rdi
	mov [rdi + Itimerval.interval_sec], rax
	mov [rdi + Itimerval.interval_usec], rdx
	xor eax, eax
	mov rcx, [itimer_expiry]
	test rcx, rcx
	jz .value
	mov rax, rcx
	sub rax, rsi
	ja .value
	mov eax, 1                         ; due now: one nanosecond left, not "disarmed"
.value:	push rdi
	call ns_to_timeval
	pop rdi
	test rax, rax
	jnz .store
	test rdx, rdx
	jnz .store
	cmp qword [itimer_expiry], 0
	je .store
	mov edx, 1                         ; armed: never reported as zero
.store:	mov [rdi + Itimerval.value_sec], rax
	mov [rdi + Itimerval.value_usec], rdx
	ret

; -----------------------------------------------------------------------------
; ns_to_timeval -- nanoseconds as seconds and microseconds (rounded up)
;  IN:  RAX = ns
;  OUT: RAX = seconds, RDX = microseconds
;  Clobbers: RCX
ns_to_timeval:
	add rax, NS_PER_US - 1
	xor edx, edx
	mov ecx, NS_PER_US
	div rcx                            ; microseconds
	xor edx, edx
	mov ecx, 1000000
	div rcx
	ret

; -----------------------------------------------------------------------------
; timeval_to_ns -- a program's struct timeval as nanoseconds
;  IN:  RDI = the timeval (checked)
;  OUT: RAX = ns (saturated); CF set when it is invalid (negative, usec >= 10^6)
;  Clobbers: RCX, RDX
timeval_to_ns:
	mov rax, [rdi]
	test rax, rax
	js .bad
	mov rcx, [rdi + 8]
	cmp rcx, 1000000
	jae .bad
	mov edx, NS_PER_S
	mul rdx
	jo .far
	imul rcx, rcx, NS_PER_US
	add rax, rcx
	jc .far
	mov rcx, 0x3fffffffffffffff        ; far enough: now + it must not wrap
	cmp rax, rcx
	ja .far
	clc
	ret
.far:	mov rax, 0x3fffffffffffffff
	clc
	ret
.bad:	stc
	ret

; -----------------------------------------------------------------------------
; itimer_set -- arm (value > 0) or disarm (0) the timer; the old setting out first
;  IN:  RDI = value ns, RSI = interval ns, RDX = itimerval out for the old one or 0
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8, R9
itimer_set:
	push rbx
	push r12
	push r13
	push r14
	mov rbx, rdi
	mov r12, rsi
	mov r13, rdx
	call monotonic_now
	mov r14, rax
	SPIN_LOCK [sched_lock]
	test r13, r13
	jz .set
	mov rdi, r13
	mov rsi, r14
	call itimer_read
.set:	lea rdi, [itimer_entry]
	call sleep_remove
	mov qword [itimer_expiry], 0
	mov [itimer_interval], r12
	test rbx, rbx
	jz .unlock
	lea rax, [r14 + rbx]
	mov [itimer_expiry], rax
	mov [itimer_entry + Task.deadline], rax
	lea rdi, [itimer_entry]
	call sleep_insert
.unlock:
	SPIN_UNLOCK [sched_lock]
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; sys_setitimer -- setitimer(which, new, old): ITIMER_REAL only
;  IN:  RDI = which, RSI = new itimerval (0: disarm), RDX = old itimerval out or 0
;  OUT: RAX = 0 or -errno
sys_setitimer:
	cmp rdi, ITIMER_REAL
	jne .einval
	push rbx
	push r12
	push r13
	mov rbx, rsi
	mov r12, rdx
	test r12, r12
	jz .new
	mov rdi, r12
	mov esi, Itimerval_size
	call check_user_write
	jc .efault
.new:	xor r13d, r13d                     ; value
	xor esi, esi                       ; interval
	test rbx, rbx
	jz .apply
	mov rdi, rbx
	mov esi, Itimerval_size
	call check_user_write
	jc .efault
	lea rdi, [rbx + Itimerval.value_sec]
	call timeval_to_ns
	jc .einval_pop
	mov r13, rax
	mov rdi, rbx
	call timeval_to_ns
	jc .einval_pop
	mov rsi, rax
.apply:	mov rdi, r13
	mov rdx, r12
	call itimer_set
	xor eax, eax
	jmp .out
.efault:
	mov rax, -EFAULT
	jmp .out
.einval_pop:
	mov rax, -EINVAL
.out:	pop r13
	pop r12
	pop rbx
	ret
.einval:
	mov rax, -EINVAL
	ret

; -----------------------------------------------------------------------------
; sys_getitimer -- getitimer(which, cur): ITIMER_REAL only
;  IN:  RDI = which, RSI = itimerval out
;  OUT: RAX = 0 or -errno
sys_getitimer:
	cmp rdi, ITIMER_REAL
	jne .einval
	push rbx
	mov rbx, rsi
	mov rdi, rsi
	mov esi, Itimerval_size
	call check_user_write
	jc .efault
	call monotonic_now
	mov rsi, rax
	SPIN_LOCK [sched_lock]
	mov rdi, rbx
	call itimer_read
	SPIN_UNLOCK [sched_lock]
	xor eax, eax
	pop rbx
	ret
.efault:
	pop rbx
	mov rax, -EFAULT
	ret
.einval:
	mov rax, -EINVAL
	ret

; -----------------------------------------------------------------------------
; sys_alarm -- alarm(seconds): SIGALRM after that many seconds (0 disarms)
;  IN:  RDI = seconds
;  OUT: RAX = seconds the previous alarm had left (rounded as Linux: up to 1, to
;       the nearest second above that)
sys_alarm:
	sub rsp, Itimerval_size
	mov eax, edi                       ; unsigned int
	mov ecx, NS_PER_S
	mul rcx
	mov rdi, rax
	xor esi, esi
	mov rdx, rsp
	call itimer_set
	mov rax, [rsp + Itimerval.value_sec]
	mov rdx, [rsp + Itimerval.value_usec]
	test rax, rax
	jnz .round
	test rdx, rdx
	jz .done
	mov eax, 1
	jmp .done
.round:	cmp rdx, 500000
	jb .done
	inc rax
.done:	add rsp, Itimerval_size
	ret

section .bss
alignb 16
itimer_entry:    resb Task_size   ; the timer's place in the sleep list (never run)
alignb 8
itimer_expiry:   resq 1           ; CLOCK_MONOTONIC ns of the next SIGALRM (0: disarmed)
itimer_interval: resq 1           ; ns between SIGALRMs (0: once)
section .text
