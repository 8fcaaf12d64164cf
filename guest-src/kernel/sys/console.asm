; The console: stdin (fd 0), stdout (fd 1) and stderr (fd 2) are the host's own
; streams, reached with the READ and WRITE hypercalls. Output reaches the host byte
; for byte; the VMM writes all of it before the hypercall returns.

IOV_MAX equ 1024

section .text

; -----------------------------------------------------------------------------
; sys_write -- write(fd, buf, len) on stdout or stderr
;  IN:  RDI = fd, RSI = buf, RDX = len
;  OUT: RAX = bytes written or -errno
sys_write:
	lea eax, [rdi - 1]
	cmp eax, 1
	ja .ebadf                          ; only fds 1 and 2
	xchg rdi, rsi                      ; check_user_read wants (addr, len)
	xchg rsi, rdx
	push rdx
	call check_user_read
	pop rdx                            ; RDX = fd again
	jc .efault
	mov rcx, [gs:Percpu.self]
	lea rcx, [rcx + Percpu.hc]
	mov [rcx + HcWrite.fd], edx
	mov [rcx + HcWrite.buf], rdi
	mov [rcx + HcWrite.len], rsi
	HYPERCALL PORT_WRITE, ecx
	mov rax, [rcx + HcWrite.len]
	ret
.ebadf:	mov rax, -EBADF
	ret
.efault:
	mov rax, -EFAULT
	ret

; -----------------------------------------------------------------------------
; sys_read -- read(fd, buf, len) from stdin
;  IN:  RDI = fd, RSI = buf, RDX = len
;  OUT: RAX = bytes read (0 at end of input) or -errno
sys_read:
	test edi, edi
	jnz .ebadf
	mov rdi, rsi
	mov rsi, rdx
	call check_user_write
	jc .efault
	mov rcx, [gs:Percpu.self]
	lea rcx, [rcx + Percpu.hc]
	mov dword [rcx + HcRead.fd], 0
	mov [rcx + HcRead.buf], rdi
	mov [rcx + HcRead.len], rsi
	HYPERCALL PORT_READ, ecx
	mov rax, [rcx + HcRead.ret]
	ret
.ebadf:	mov rax, -EBADF
	ret
.efault:
	mov rax, -EFAULT
	ret

; -----------------------------------------------------------------------------
; vector_io -- readv/writev: run `op` over each iovec until one comes up short
; (the file-system calls sys_fs_readv and sys_fs_writev, fs/sys_rw.asm)
;  IN:  RDI = fd, RSI = iov array, RDX = count, R8 = sys_read or sys_write
;  OUT: RAX = total bytes, or -errno when the first transfer fails
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
vector_io:
	cmp rdx, IOV_MAX
	ja .einval
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov r12, rdi                       ; fd
	mov r13, rsi                       ; iov
	mov r14, rdx                       ; count
	mov r15, r8                        ; op
	xor ebx, ebx                       ; total
	mov rdi, rsi
	mov rsi, rdx
	shl rsi, 4
	call check_user_read
	jc .efault
.next:	test r14, r14
	jz .done
	mov rdx, [r13 + 8]                 ; iov_len
	test rdx, rdx
	jnz .move
	; An empty iovec moves nothing: skip it (musl's stdio passes one in most of its
	; writev calls), unless it is the last and nothing has moved, so that the call
	; still answers for the descriptor (EBADF, EINVAL) as Linux does.
	cmp r14, 1
	ja .skip
	test rbx, rbx
	jnz .skip
.move:	mov rdi, r12
	mov rsi, [r13]                     ; iov_base
	push rdx
	call r15
	pop rdx
	test rax, rax
	js .failed
	add rbx, rax
	cmp rax, rdx
	jb .done                           ; short transfer: stop here, like Linux
.skip:	add r13, 16
	dec r14
	jmp .next
.failed:
	test rbx, rbx
	jnz .done
	mov rbx, rax                       ; nothing moved yet: report the error
.done:	mov rax, rbx
.out:	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret
.efault:
	mov rax, -EFAULT
	jmp .out
.einval:
	mov rax, -EINVAL
	ret

; -----------------------------------------------------------------------------
; sys_ioctl -- the console is not a terminal the program can configure
;  IN:  RDI = fd
;  OUT: RAX = -ENOTTY on fds 0-2 (TIOCGWINSZ included), -EBADF elsewhere
sys_ioctl:
	cmp rdi, 2
	ja .ebadf
	mov rax, -ENOTTY
	ret
.ebadf:	mov rax, -EBADF
	ret

; -----------------------------------------------------------------------------
; stdin_poll -- readiness of the console's stdin (file_poll, fs/events.asm): the VMM
; says whether a read would return at once. Nothing announces input arriving on the
; host, so when there is none the calling thread is marked to look again soon
; (Task.ev_recheck: its next event_wait lasts at most EVENT_RECHECK_NS).
;  IN:  RDI = File
;  OUT: EAX = POLLIN | POLLRDNORM, or 0
;  Clobbers: RCX, RDX
stdin_poll:
	mov rcx, [gs:Percpu.self]
	lea rcx, [rcx + Percpu.hc]
	mov dword [rcx + HcStdinReady.ready], 1
	HYPERCALL PORT_STDIN_READY, ecx
	cmp dword [rcx + HcStdinReady.ready], 0
	je .waiting
	mov eax, POLLIN | POLLRDNORM
	ret
.waiting:
	mov rax, [gs:Percpu.current]
	mov qword [rax + Task.ev_recheck], 1
	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; stdin_wait -- before a read of the console's stdin: wait, blocking only the
; calling thread, until the read would return at once
;  IN:  RDI = File (a console File on stream 0)
;  OUT: RAX = 0 (ready), or -EAGAIN (O_NONBLOCK and no input yet)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
stdin_wait:
	push rbx
	push r12
	mov rbx, rdi
.look:	mov r12, [event_seq]
	mov rdi, rbx
	call stdin_poll
	test eax, eax
	jnz .ready
	mov rax, -EAGAIN
	test dword [rbx + File.flags], O_NONBLOCK
	jnz .out
	mov rdi, r12
	mov esi, DEADLINE_NONE             ; (ev_recheck makes it a short wait)
	call event_wait
	test rax, rax
	jz .look
	jmp .out                           ; (a wait that was interrupted)
.ready:	xor eax, eax
.out:	pop r12
	pop rbx
	ret
