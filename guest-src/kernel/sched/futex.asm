; Futexes: the kernel half of musl's mutexes, condition variables, barriers and
; pthread_join. Waiters hang in a small hash table keyed by the futex's address;
; everything happens under sched_lock, so "check the value, then sleep" is atomic
; with respect to every waker.

FUTEX_WAIT          equ 0
FUTEX_WAKE          equ 1
FUTEX_REQUEUE       equ 3
FUTEX_CMP_REQUEUE   equ 4
FUTEX_WAIT_BITSET   equ 9
FUTEX_WAKE_BITSET   equ 10
FUTEX_PRIVATE       equ 128
FUTEX_CLOCK_REALTIME equ 256
FUTEX_BUCKETS       equ 64

section .text

; -----------------------------------------------------------------------------
; futex_bucket -- the hash bucket (address of its list head) for a futex address
;  IN:  RDI = futex address
;  OUT: RAX = bucket head address
futex_bucket:
	mov eax, edi
	shr eax, 2
	imul eax, eax, -1640531535         ; 0x9e3779b1: Fibonacci hashing
	shr eax, 26                        ; top 6 bits of the 32-bit product
	lea rax, [futex_table + rax * 8]
	ret

; -----------------------------------------------------------------------------
; futex_unqueue -- take a task off its futex bucket, if it is on one (lock held)
;  IN:  RDI = Task
;  Clobbers: RAX, RSI
futex_unqueue:
	push rdi
	mov rdi, [rdi + Task.wait_addr]
	test rdi, rdi
	pop rdi
	jz .done
	push rdi
	mov rdi, [rdi + Task.wait_addr]
	call futex_bucket
	pop rdi
	mov rsi, rax
.walk:	mov rax, [rsi]
	test rax, rax
	jz .cleared
	cmp rax, rdi
	je .unlink
	lea rsi, [rax + Task.wait_next]
	jmp .walk
.unlink:
	mov rax, [rdi + Task.wait_next]
	mov [rsi], rax
.cleared:
	mov qword [rdi + Task.wait_next], 0
	mov qword [rdi + Task.wait_addr], 0
.done:	ret

; -----------------------------------------------------------------------------
; futex_wake_locked -- wake up to N waiters on a futex (sched_lock held)
;  IN:  RDI = futex address, RSI = most to wake
;  OUT: RAX = tasks woken
;  Clobbers: RCX, RDX, RSI, RDI, R8, R9
futex_wake_locked:
	push rbx
	push r12
	push r13
	push r14
	mov r12, rdi                       ; address
	mov r13, rsi                       ; budget
	xor r14d, r14d                     ; woken
	call futex_bucket
	mov rbx, rax                       ; rbx = address of the link being examined
.walk:	cmp r14, r13
	jae .out
	mov rdi, [rbx]
	test rdi, rdi
	jz .out
	cmp [rdi + Task.wait_addr], r12
	je .wake
	lea rbx, [rdi + Task.wait_next]
	jmp .walk
.wake:	mov rax, [rdi + Task.wait_next]
	mov [rbx], rax                     ; unlink; rbx now names the next one
	mov qword [rdi + Task.wait_next], 0
	mov qword [rdi + Task.wait_addr], 0
	mov qword [rdi + Task.wait_result], 0
	push rdi
	call sleep_remove                  ; a timed waiter leaves the sleep list too
	pop rdi
	call wake_task
	inc r14
	jmp .walk
.out:	mov rax, r14
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; futex_wake -- futex_wake_locked, taking the lock (for exit's CLEARTID wake)
;  IN:  RDI = futex address, RSI = most to wake
;  OUT: RAX = tasks woken
futex_wake:
	push rdi
	SPIN_LOCK [sched_lock]
	pop rdi
	call futex_wake_locked
	SPIN_UNLOCK [sched_lock]
	ret

; -----------------------------------------------------------------------------
; sys_futex -- futex(uaddr, op, val, timeout | val2, uaddr2, val3)
;  IN:  RDI = uaddr, RSI = op, RDX = val, RCX = timeout / val2, R8 = uaddr2, R9 = val3
;  OUT: RAX = per op (woken count, 0) or -errno
sys_futex:
	call net_flush                     ; deferred sends go before a wait
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov rbx, rdi                       ; uaddr
	mov r12d, esi
	and r12d, ~(FUTEX_PRIVATE | FUTEX_CLOCK_REALTIME)   ; the operation
	mov r13, rdx                       ; val
	mov r14, rcx                       ; timeout / val2
	mov r15, r8                        ; uaddr2
	test bl, 3
	jnz .einval                        ; futex words are 32-bit aligned
	mov rdi, rbx
	mov esi, 4
	call check_user_read
	jc .efault
	cmp r12d, FUTEX_WAKE
	je .wake
	cmp r12d, FUTEX_WAKE_BITSET
	je .wake
	cmp r12d, FUTEX_WAIT
	je .wait
	cmp r12d, FUTEX_WAIT_BITSET
	je .wait
	cmp r12d, FUTEX_REQUEUE
	je .requeue
	cmp r12d, FUTEX_CMP_REQUEUE
	je .requeue
	mov rax, -ENOSYS
	jmp .out

.wake:	SPIN_LOCK [sched_lock]
	mov rdi, rbx
	mov rsi, r13
	call futex_wake_locked
	push rax
	SPIN_UNLOCK [sched_lock]
	pop rax
	jmp .out

.wait:	; Deadline first (reading the timespec may fault: no lock yet).
	xor r8d, r8d                       ; r8 = deadline (0: none)
	test r14, r14
	jz .check
	mov rdi, r14
	mov esi, 16
	call check_user_read
	jc .efault
	mov rax, [r14]                     ; tv_sec
	test rax, rax
	js .einval
	mov rcx, [r14 + 8]                 ; tv_nsec
	cmp rcx, NS_PER_S
	jae .einval
	mov rdx, NS_PER_S
	mul rdx
	jo .check                          ; absurdly far: wait without a deadline
	add rax, rcx
	jc .check
	mov r15, rax                       ; relative ns (WAIT) or absolute (BITSET)
	call monotonic_now
	cmp r12d, FUTEX_WAIT_BITSET
	je .absolute
	add r15, rax                       ; FUTEX_WAIT: relative to now
	jnc .have_deadline
	xor r15d, r15d
	jmp .check_deadline
.absolute:
	cmp r15, rax
	jbe .timedout                      ; already past
.have_deadline:
.check_deadline:
	mov r8, r15
.check:	mov r14, r8                        ; r14 = deadline from here on
	SPIN_LOCK [sched_lock]
	mov eax, [rbx]
	cmp eax, r13d
	jne .eagain_locked                 ; the value moved on: do not sleep
	call signal_pending
	jnz .interrupted_locked            ; a signal first: do not sleep either
	mov rdi, [gs:Percpu.current]
	mov [rdi + Task.wait_addr], rbx
	mov qword [rdi + Task.wait_result], 0
	mov qword [rdi + Task.sig_interruptible], 1
	push rdi
	mov rdi, rbx
	call futex_bucket
	pop rdi
	mov rcx, [rax]
	mov [rdi + Task.wait_next], rcx
	mov [rax], rdi
	mov qword [rdi + Task.state], TASK_BLOCKED
	test r14, r14
	jz .sleep
	mov [rdi + Task.deadline], r14
	call sleep_insert
.sleep:	call schedule_locked
	mov rax, [gs:Percpu.current]
	mov qword [rax + Task.sig_interruptible], 0
	mov rax, [rax + Task.wait_result]
	cmp rax, -EINTR
	jne .out
	jmp .interrupted
.interrupted_locked:
	SPIN_UNLOCK [sched_lock]
.interrupted:
	; As Linux: an untimed wait restarts under SA_RESTART, a timed one ends with EINTR.
	mov rax, -EINTR
	test r14, r14
	jnz .out
	mov rax, -ERESTARTSYS
	jmp .out
.eagain_locked:
	SPIN_UNLOCK [sched_lock]
	mov rax, -EAGAIN
	jmp .out
.timedout:
	mov rax, -ETIMEDOUT
	jmp .out

.requeue:
	; Wake up to val waiters, move up to val2 more to uaddr2.
	mov rdi, r15
	mov esi, 4
	call check_user_read
	jc .efault
	SPIN_LOCK [sched_lock]
	cmp r12d, FUTEX_CMP_REQUEUE
	jne .do_requeue
	mov eax, [rbx]
	cmp eax, r9d
	jne .eagain_locked
.do_requeue:
	mov rdi, rbx
	mov rsi, r13
	call futex_wake_locked
	push rax                           ; woken so far
	xor r13d, r13d                     ; moved
	mov rdi, rbx
	call futex_bucket
	mov r12, rax                       ; link being examined
.move:	cmp r13, r14
	jae .moved
	mov rdi, [r12]
	test rdi, rdi
	jz .moved
	cmp [rdi + Task.wait_addr], rbx
	je .take
	lea r12, [rdi + Task.wait_next]
	jmp .move
.take:	mov rax, [rdi + Task.wait_next]
	mov [r12], rax
	mov [rdi + Task.wait_addr], r15
	push rdi
	mov rdi, r15
	call futex_bucket
	pop rdi
	mov rcx, [rax]
	mov [rdi + Task.wait_next], rcx
	mov [rax], rdi
	inc r13
	jmp .move
.moved:	SPIN_UNLOCK [sched_lock]
	pop rax
	add rax, r13
	jmp .out

.einval:
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

section .bss
alignb 8
futex_table: resq FUTEX_BUCKETS
section .text
