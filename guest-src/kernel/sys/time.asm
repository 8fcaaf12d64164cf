; Clocks (lib/clock.asm): CLOCK_MONOTONIC and CLOCK_REALTIME, each in nanoseconds;
; the CPU-time clocks count run time (sys/usage.asm).
; Sleeping waits for the monotonic clock to pass a deadline.

TIMER_ABSTIME         equ 1
NS_PER_S              equ 1000000000

section .text

; -----------------------------------------------------------------------------
; valid_clock -- CF clear when RDI names a clock the kernel reads
;  Clobbers: nothing
valid_clock:
	cmp rdi, CLOCK_BOOTTIME_ALARM
	ja .bad
	clc
	ret
.bad:	stc
	ret

; -----------------------------------------------------------------------------
; sys_clock_gettime -- clock_gettime(clock, ts)
;  IN:  RDI = clock id, RSI = struct timespec *
;  OUT: RAX = 0 or -errno
sys_clock_gettime:
	call valid_clock
	jc .einval
	push rdi
	push rsi
	mov rdi, rsi
	mov esi, 16
	call check_user_write
	pop rsi
	pop rdi
	jc .efault
	cmp rdi, CLOCK_PROCESS_CPUTIME_ID
	je .process
	cmp rdi, CLOCK_THREAD_CPUTIME_ID
	je .thread
	call clock_now
.split:	xor edx, edx
	mov ecx, NS_PER_S
	div rcx
	mov [rsi], rax                     ; tv_sec
	mov [rsi + 8], rdx                 ; tv_nsec
	xor eax, eax
	ret
.process:
	push rsi
	call cpu_process_ns                ; run time, not wall time (sys/usage.asm)
	pop rsi
	jmp .split
.thread:
	call cpu_thread_ns
	jmp .split
.einval:
	mov rax, -EINVAL
	ret
.efault:
	mov rax, -EFAULT
	ret

; -----------------------------------------------------------------------------
; sys_clock_getres -- every clock ticks in nanoseconds
;  IN:  RDI = clock id, RSI = struct timespec * (may be NULL)
;  OUT: RAX = 0 or -errno
sys_clock_getres:
	call valid_clock
	jc .einval
	test rsi, rsi
	jz .done
	mov rdi, rsi
	mov esi, 16
	push rdi
	call check_user_write
	pop rdi
	jc .efault
	mov qword [rdi], 0
	mov qword [rdi + 8], 1
.done:	xor eax, eax
	ret
.einval:
	mov rax, -EINVAL
	ret
.efault:
	mov rax, -EFAULT
	ret

; -----------------------------------------------------------------------------
; sys_nanosleep -- nanosleep(req, rem): clock_nanosleep on CLOCK_MONOTONIC, relative
;  IN:  RDI = req, RSI = rem
;  OUT: RAX = as sys_clock_nanosleep
sys_nanosleep:
	mov rcx, rsi                       ; becomes clock_nanosleep(MONOTONIC, 0, req, rem)
	mov rdx, rdi
	mov edi, 1
	xor esi, esi
	; fall through

; -----------------------------------------------------------------------------
; sys_clock_nanosleep -- block the calling thread until the clock passes a time;
; a signal with a handler ends the sleep with EINTR and the time left in *rem
;  IN:  RDI = clock id, RSI = flags (TIMER_ABSTIME), RDX = request timespec *,
;       RCX = remaining timespec * (or 0; unused with TIMER_ABSTIME)
;  OUT: RAX = 0 or -errno
sys_clock_nanosleep:
	call net_flush                     ; deferred sends go before the sleep
	call valid_clock
	jc .einval
	cmp rdi, CLOCK_THREAD_CPUTIME_ID
	je .einval                         ; as Linux
	cmp rdi, CLOCK_PROCESS_CPUTIME_ID
	je .unsupported                    ; sleeping on CPU time is not implemented
	push rbx
	push r12
	push r13
	push r14
	mov r12, rdi                       ; clock
	mov r13, rsi                       ; flags
	mov rbx, rdx                       ; request
	mov r14, rcx                       ; rem
	mov rdi, rdx
	mov esi, 16
	call check_user_read
	jc .efault
	mov rax, [rbx]                     ; tv_sec
	test rax, rax
	js .einval_pop
	mov rcx, [rbx + 8]                 ; tv_nsec
	cmp rcx, NS_PER_S
	jae .einval_pop
	mov rdx, NS_PER_S
	mul rdx
	jo .forever                        ; beyond 2^64 ns: as good as forever
	add rax, rcx
	jc .forever
	mov rbx, rax                       ; duration, or an absolute time on `clock`
	test r13, TIMER_ABSTIME
	jz .relative
	; Absolute: move it onto the monotonic clock the timers run on.
	mov rdi, r12
	call clock_now
	cmp rbx, rax
	jbe .done                          ; already past
	sub rbx, rax                       ; what is left to wait
.relative:
	call monotonic_now
	add rbx, rax
	jnc .sleep
.forever:
	mov rbx, -1
.sleep:	mov rdi, rbx
	call sleep_until
	test rax, rax
	jnz .interrupted
.done:	xor eax, eax
.out:	pop r14
	pop r13
	pop r12
	pop rbx
	ret
.interrupted:
	; Linux: EINTR once a handler runs (else the sleep goes on), the rest in *rem.
	test r13, TIMER_ABSTIME
	jnz .restart
	test r14, r14
	jz .restart
	mov rdi, r14
	mov esi, 16
	call check_user_write
	jc .restart
	call monotonic_now
	sub rbx, rax
	jae .left
	xor ebx, ebx
.left:	mov rax, rbx
	xor edx, edx
	mov ecx, NS_PER_S
	div rcx
	mov [r14], rax
	mov [r14 + 8], rdx
.restart:
	mov rax, -ERESTARTNOHAND
	jmp .out
.efault:
	mov rax, -EFAULT
	jmp .out
.einval_pop:
	mov rax, -EINVAL
	jmp .out
.einval:
	mov rax, -EINVAL
	ret
.unsupported:
	mov rax, -EOPNOTSUPP
	ret
