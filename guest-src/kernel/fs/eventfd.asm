; Eventfds: eventfd and eventfd2, a 64-bit counter behind a descriptor. A write adds
; to it (waiting while the sum would pass 2^64 - 2); a read takes the whole counter,
; or 1 in semaphore mode (waiting while it is 0). Runs under fs_lock; waits in
; event_wait and announces changes with event_notify, as pipes do.

EFD_SEMAPHORE equ 1
EFD_MAX       equ 0xfffffffffffffffe   ; the largest value the counter may hold

struc Eventfd
	.in_gen:  resq 1      ; moves when the counter grows (OBJ_IN_GEN)
	.out_gen: resq 1      ; moves when the counter shrinks (OBJ_OUT_GEN)
	.count:   resq 1
	.flags:   resq 1      ; EFD_SEMAPHORE
endstruc

section .text

; -----------------------------------------------------------------------------
; sys_eventfd -- eventfd(initval): eventfd2 without flags
; sys_eventfd2 -- eventfd2(initval, flags)
;  IN:  EDI = initial value, ESI = EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC
;  OUT: RAX = fd, or -EINVAL, -EMFILE, -ENOMEM
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_eventfd:
	xor esi, esi
sys_eventfd2:
	test esi, ~(EFD_SEMAPHORE | O_NONBLOCK | O_CLOEXEC)
	jnz .einval
	push rbx
	push r12
	push r13
	mov ebx, edi                       ; (an unsigned int)
	mov r12d, esi
	SPIN_LOCK [fs_lock]
	mov edi, Eventfd_size
	call kmalloc
	test rax, rax
	jz .enomem
	mov r13, rax
	mov [r13 + Eventfd.count], rbx
	mov eax, r12d
	and eax, EFD_SEMAPHORE
	mov [r13 + Eventfd.flags], rax
	mov edi, FILE_EVENTFD
	mov esi, r12d
	and esi, O_NONBLOCK
	or esi, O_RDWR
	call file_new
	test rax, rax
	jz .free
	mov [rax + File.inode], r13
	mov rdi, rax
	mov esi, r12d
	call install_file
	jmp .out
.free:	mov rdi, r13
	mov esi, Eventfd_size
	call kfree
.enomem:
	mov rax, -ENOMEM
.out:	SPIN_UNLOCK [fs_lock]
	pop r13
	pop r12
	pop rbx
	ret
.einval:
	mov rax, -EINVAL
	ret

; -----------------------------------------------------------------------------
; eventfd_poll -- readable while the counter is above 0, writable while 1 more fits
;  IN:  RDI = File
;  OUT: EAX = POLL* bits
;  Clobbers: RCX, RDX
eventfd_poll:
	mov rdx, [rdi + File.inode]
	mov rcx, [rdx + Eventfd.count]
	xor eax, eax
	test rcx, rcx
	jz .empty
	mov eax, POLLIN | POLLRDNORM
.empty:	mov rdx, EFD_MAX
	cmp rcx, rdx
	jae .full
	or eax, POLLOUT | POLLWRNORM
.full:	ret

; -----------------------------------------------------------------------------
; eventfd_release -- the File is going: free the counter
;  IN:  RDI = File
;  Clobbers: RAX, RCX, RDX, RSI, RDI
eventfd_release:
	mov rdi, [rdi + File.inode]
	mov esi, Eventfd_size
	jmp kfree

; -----------------------------------------------------------------------------
; eventfd_rw -- read or write an eventfd (fs_lock held on entry and exit; released
; while the call waits). The buffer is checked.
;  IN:  RDI = File, RSI = buffer, RDX = length, ECX = 0 read, 1 write
;  OUT: RAX = 8, or -EINVAL (fewer than 8 bytes; writing 2^64 - 1), -EAGAIN
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
eventfd_rw:
	cmp rdx, 8
	jb .einval
	push rbx
	push r12
	push r13
	push r14
	mov rbx, rdi                       ; File (a reference is held while we may wait)
	mov r12, rsi                       ; buffer
	mov r13d, ecx                      ; direction
	test r13d, r13d
	jz .hold
	cmp qword [r12], -1
	je .einval_pop
.hold:	inc qword [rbx + File.refs]
.again:	mov r14, [event_seq]
	mov rdi, [rbx + File.inode]
	mov rax, [rdi + Eventfd.count]
	test r13d, r13d
	jnz .write
	test rax, rax
	jz .wait
	cmp qword [rdi + Eventfd.flags], 0
	je .take
	mov eax, 1                         ; semaphore: one at a time
.take:	sub [rdi + Eventfd.count], rax
	mov [r12], rax
	inc qword [rdi + Eventfd.out_gen]
	jmp .moved
.write:	mov rcx, EFD_MAX
	sub rcx, rax                       ; what still fits
	mov rdx, [r12]
	cmp rdx, rcx
	ja .wait
	add [rdi + Eventfd.count], rdx
	test rdx, rdx
	jz .wrote
	inc qword [rdi + Eventfd.in_gen]
.moved:	call event_notify
.wrote:	mov r14d, 8
	jmp .done
.wait:	test dword [rbx + File.flags], O_NONBLOCK
	jnz .eagain
	SPIN_UNLOCK [fs_lock]
	mov rdi, r14
	mov esi, DEADLINE_NONE
	call event_wait
	mov rdx, rax
	SPIN_LOCK [fs_lock]
	test rdx, rdx
	jz .again
	mov r14, rdx                       ; an interrupted wait says why
	jmp .done
.eagain:
	mov r14, -EAGAIN
.done:	mov rdi, rbx
	call file_put
	mov rax, r14
	pop r14
	pop r13
	pop r12
	pop rbx
	ret
.einval_pop:
	pop r14
	pop r13
	pop r12
	pop rbx
.einval:
	mov rax, -EINVAL
	ret
