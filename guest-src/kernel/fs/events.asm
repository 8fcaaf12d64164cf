; Readiness and waiting: what poll, select, epoll and the blocking reads and writes
; of pipes and eventfds share.
;
; Three operations make the model; a new kind of descriptor (sockets) plugs into each:
;  - file_poll: what a File is ready for now (POLL* bits), one case per kind, and
;    file_gen: its change counters, which edge-triggered epoll compares;
;  - event_wait: block the calling thread until any object announces a change, or
;    until a deadline;
;  - event_notify: an object announces a change (data arrived, room freed, an end
;    closed); every waiting thread wakes and looks again.
;
; A waiter reads event_seq before it looks at the objects (under fs_lock, where the
; objects change) and hands it to event_wait, which blocks only if no announcement
; came in between; so no wake-up is lost, and one list of waiters serves every
; object. The list and event_seq are guarded by sched_lock (lock order: fs_lock, then
; sched_lock).

POLLIN     equ 0x001
POLLPRI    equ 0x002
POLLOUT    equ 0x004
POLLERR    equ 0x008
POLLHUP    equ 0x010
POLLNVAL   equ 0x020
POLLRDNORM equ 0x040
POLLRDBAND equ 0x080
POLLWRNORM equ 0x100
POLLWRBAND equ 0x200
POLLRDHUP  equ 0x2000

POLL_IN_SIDE  equ POLLIN | POLLRDNORM | POLLRDBAND | POLLPRI | POLLHUP | POLLRDHUP
POLL_OUT_SIDE equ POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR

EVENT_RECHECK_NS equ 10000000          ; how soon a waiter on stdin looks again (10 ms)
DEADLINE_NONE equ 0                    ; event_wait deadlines: wait as long as it takes
DEADLINE_NOW  equ 1                    ; ... or not at all (a timeout of 0)
POLL_MAX_DEPTH equ 4                   ; epoll sets inside epoll sets, at most this deep

section .text

; -----------------------------------------------------------------------------
; file_poll -- what a File is ready for now (fs_lock held)
;  IN:  RDI = File, ESI = nesting depth (0 from poll, select and epoll_wait)
;  OUT: EAX = POLL* bits
;  Clobbers: RCX, RDX, RSI, RDI, R8
file_poll:
	mov eax, [rdi + File.kind]
	cmp eax, FILE_PIPE
	je pipe_poll
	cmp eax, FILE_EVENTFD
	je eventfd_poll
	cmp eax, FILE_EPOLL
	je epoll_poll
	cmp eax, FILE_SOCKET
	je net_poll
	cmp eax, FILE_CONSOLE
	je .console
	; RAM and host files, directories too: always ready (Linux's default mask).
	mov eax, POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM
	ret
.console:
	cmp qword [rdi + File.inode], 0
	je stdin_poll
	mov eax, POLLOUT | POLLWRNORM      ; stdout and stderr take every write
	ret

; -----------------------------------------------------------------------------
; file_gen -- a File's change counters: the first moves when its reading side may
; have become ready (data, a closed writer), the second for the writing side
; (fs_lock held). Files that never change answer 0, 0.
;  IN:  RDI = File
;  OUT: RAX = reading-side counter, RDX = writing-side counter
file_gen:
	mov eax, [rdi + File.kind]
	cmp eax, FILE_PIPE
	je .object
	cmp eax, FILE_EVENTFD
	je .object
	cmp eax, FILE_SOCKET
	je .object                         ; (NetState keeps them first too)
	cmp eax, FILE_EPOLL
	je .epoll
	xor eax, eax
	xor edx, edx
	ret
.object:	; Pipe and Eventfd keep both counters first (OBJ_IN_GEN, OBJ_OUT_GEN)
	mov rdx, [rdi + File.inode]
	mov rax, [rdx + OBJ_IN_GEN]
	mov rdx, [rdx + OBJ_OUT_GEN]
	ret
.epoll:	mov rax, [event_seq]               ; any change anywhere may change a set
	xor edx, edx
	ret

; -----------------------------------------------------------------------------
; event_wait -- block the calling thread until an object announces a change after
; `seq` was read, or until the deadline. The one place a thread waits for events:
; a signal that should interrupt the wait is a change here (callers return any
; result other than 0 and -ETIMEDOUT as it is). A thread that watches something
; unable to announce its changes (Task.ev_recheck, set by stdin_poll) waits at most
; EVENT_RECHECK_NS, then looks again.
;  IN:  RDI = event_seq as read before the objects were examined, RSI = deadline
;       (CLOCK_MONOTONIC ns, DEADLINE_NONE, or DEADLINE_NOW)
;  OUT: RAX = 0 (something may have changed: look again) or -ETIMEDOUT; a signal
;       for the thread: -ERESTARTSYS (no deadline) or -EINTR
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
event_wait:
	call net_flush                     ; deferred sends go before the thread sleeps
	push rbx
	push r12
	push r13
	mov rbx, rdi
	mov r12, rsi
	xor r13d, r13d                     ; 1: the deadline is only a re-check
	mov rdi, [gs:Percpu.current]
	xor eax, eax
	xchg rax, [rdi + Task.ev_recheck]
	test rax, rax
	jz .deadline
	call monotonic_now
	add rax, EVENT_RECHECK_NS
	cmp r12, DEADLINE_NONE
	je .recheck
	cmp rax, r12
	jae .deadline
.recheck:
	mov r12, rax
	mov r13d, 1
.deadline:
	cmp r12, DEADLINE_NONE
	je .lock
	call monotonic_now
	cmp rax, r12
	jae .timedout
.lock:	SPIN_LOCK [sched_lock]
	cmp [event_seq], rbx
	jne .changed
	call signal_pending                ; a signal first: do not sleep
	jnz .interrupted_locked
	mov rdi, [gs:Percpu.current]
	mov qword [rdi + Task.sig_interruptible], 1
	lea rax, [event_unqueue]           ; what signal_kick calls to take us off the list
	mov [rdi + Task.wait_cancel], rax
	mov rax, [event_waiters]
	mov [rdi + Task.ev_next], rax
	mov [event_waiters], rdi
	mov qword [rdi + Task.ev_waiting], 1
	mov qword [rdi + Task.wait_result], 0
	mov qword [rdi + Task.state], TASK_BLOCKED
	test r12, r12
	jz .sleep
	mov [rdi + Task.deadline], r12
	call sleep_insert
.sleep:	call schedule_locked
	mov rax, [gs:Percpu.current]
	mov qword [rax + Task.sig_interruptible], 0
	mov qword [rax + Task.wait_cancel], 0
	mov rax, [rax + Task.wait_result]
	cmp rax, -ETIMEDOUT
	je .timedout
	cmp rax, -EINTR
	je .interrupted
	jmp .out
.interrupted_locked:
	SPIN_UNLOCK [sched_lock]
.interrupted:
	; As Linux: an untimed wait restarts under SA_RESTART, a timed one ends with EINTR
	; (poll, select and epoll turn this into "not after a handler").
	mov rax, -EINTR
	test r13d, r13d
	jnz .restart
	cmp r12, DEADLINE_NONE
	jne .out
.restart:
	mov rax, -ERESTARTSYS
	jmp .out
.changed:
	SPIN_UNLOCK [sched_lock]
	xor eax, eax
	jmp .out
.timedout:
	mov rax, -ETIMEDOUT
	test r13d, r13d
	jz .out
	xor eax, eax                       ; time to look again, not the caller's timeout
.out:	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; event_notify -- an object changed: wake every thread in event_wait
;  Clobbers: RAX only
event_notify:
	push rcx
	push rdx
	push rsi
	push rdi
	push r8
	push r9
	push rbx
	SPIN_LOCK [sched_lock]
	call event_notify_locked
	SPIN_UNLOCK [sched_lock]
	pop rbx
	pop r9
	pop r8
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	ret

; -----------------------------------------------------------------------------
; event_notify_locked -- event_notify with sched_lock already held (interrupts)
;  Clobbers: RAX, RBX, RCX, RDX, RSI, RDI, R8, R9
event_notify_locked:
	inc qword [event_seq]
.next:	mov rbx, [event_waiters]
	test rbx, rbx
	jz .done
	mov rax, [rbx + Task.ev_next]
	mov [event_waiters], rax
	mov qword [rbx + Task.ev_next], 0
	mov qword [rbx + Task.ev_waiting], 0
	mov qword [rbx + Task.wait_result], 0
	mov rdi, rbx
	call sleep_remove                  ; a waiter with a timeout leaves the sleep list
	mov rdi, rbx
	call wake_task
	jmp .next
.done:	ret

; -----------------------------------------------------------------------------
; event_unqueue -- take a task off the waiter list if it is there (sched_lock held;
; wake_sleepers calls it when the deadline comes first)
;  IN:  RDI = Task
;  Clobbers: RAX, RSI
event_unqueue:
	cmp qword [rdi + Task.ev_waiting], 0
	je .done
	lea rsi, [event_waiters]
.walk:	mov rax, [rsi]
	test rax, rax
	jz .cleared
	cmp rax, rdi
	je .unlink
	lea rsi, [rax + Task.ev_next]
	jmp .walk
.unlink:
	mov rax, [rdi + Task.ev_next]
	mov [rsi], rax
.cleared:
	mov qword [rdi + Task.ev_next], 0
	mov qword [rdi + Task.ev_waiting], 0
.done:	ret

; -----------------------------------------------------------------------------
; deadline_after_ns -- the deadline `ns` from now
;  IN:  RDI = nanoseconds (0: DEADLINE_NOW)
;  OUT: RAX = deadline (DEADLINE_NONE when beyond 2^64)
;  Clobbers: RCX, RDX, RDI
deadline_after_ns:
	test rdi, rdi
	jz .now
	push rdi
	call monotonic_now
	pop rdi
	add rax, rdi
	jc .none
	cmp rax, DEADLINE_NOW
	jbe .now
	ret
.none:	xor eax, eax
	ret
.now:	mov eax, DEADLINE_NOW
	ret

; -----------------------------------------------------------------------------
; deadline_from_ms -- poll and epoll_wait's timeout: milliseconds, negative = none
;  IN:  EDI = timeout (int)
;  OUT: RAX = deadline
;  Clobbers: RCX, RDX, RDI
deadline_from_ms:
	test edi, edi
	js .none
	movsxd rax, edi
	imul rdi, rax, 1000000
	jmp deadline_after_ns
.none:	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; deadline_from_timespec -- ppoll and pselect6's timeout (NULL: none)
; deadline_from_timeval -- select's timeout (NULL: none)
;  IN:  RDI = struct timespec * or struct timeval *
;  OUT: RAX = deadline, or -EFAULT, -EINVAL (a negative or out-of-range field)
;  Clobbers: RCX, RDX, RSI, RDI
deadline_from_timespec:
	mov esi, NS_PER_S
	mov ecx, 1
	jmp deadline_from_pair
deadline_from_timeval:
	mov esi, 1000000
	mov ecx, 1000
deadline_from_pair:                    ; RSI = units per second, RCX = ns per unit
	test rdi, rdi
	jz .none
	push rsi
	push rdi
	mov esi, 16
	call check_user_write
	pop rdi
	pop rsi
	jc .efault
	mov rax, [rdi + 8]                 ; the fraction
	cmp rax, rsi
	jae .einval                        ; (a negative one too)
	imul rcx, rax                      ; fraction in ns
	mov rax, [rdi]                     ; seconds
	test rax, rax
	js .einval
	mov rdx, NS_PER_S
	mul rdx
	jo .none                           ; beyond 2^64 ns: as good as none
	add rax, rcx
	jc .none
	mov rdi, rax
	jmp deadline_after_ns
.none:	xor eax, eax
	ret
.efault:
	mov rax, -EFAULT
	ret
.einval:
	mov rax, -EINVAL
	ret

section .bss
alignb 8
event_seq:     resq 1     ; announcements so far (sched_lock)
event_waiters: resq 1     ; tasks in event_wait, linked by Task.ev_next (sched_lock)
section .text
