; Pipes: pipe and pipe2, and reads, writes and readiness of their two ends.
;
; A Pipe is a ring of PIPE_SIZE bytes shared by two Files: the read end (O_RDONLY)
; and the write end (O_WRONLY), each File.inode pointing at it. An end closes when
; its File goes (the last descriptor on it closes): readers then see end of file,
; writers EPIPE. Everything here runs under fs_lock; a read on an empty pipe or a
; write to a full one waits in event_wait with the lock released, and every change
; is announced with event_notify.

PIPE_SIZE equ 65536                    ; capacity, as Linux's default
PIPE_BUF  equ 4096                     ; writes up to this size are never split

struc Pipe
	.in_gen:  resq 1      ; moves when data arrives or the last writer goes (OBJ_IN_GEN)
	.out_gen: resq 1      ; moves when room is freed or the last reader goes (OBJ_OUT_GEN)
	.buf:     resq 1      ; PIPE_SIZE bytes (whole pages)
	.head:    resq 1      ; offset of the first unread byte
	.count:   resq 1      ; bytes held
	.readers: resq 1      ; Files on the read end (0 or 1)
	.writers: resq 1      ; Files on the write end (0 or 1)
endstruc

OBJ_IN_GEN  equ 0                      ; where file_gen finds an object's counters
OBJ_OUT_GEN equ 8

section .text

; -----------------------------------------------------------------------------
; sys_pipe -- pipe(fds): pipe2 without flags
; sys_pipe2 -- pipe2(fds, flags): a new pipe, read end in fds[0], write end in fds[1]
;  IN:  RDI = int fds[2], ESI = O_CLOEXEC | O_NONBLOCK
;  OUT: RAX = 0, or -EINVAL (other flags), -EFAULT, -EMFILE, -ENOMEM
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_pipe:
	xor esi, esi
sys_pipe2:
	test esi, ~(O_CLOEXEC | O_NONBLOCK)
	jnz .einval
	push rdi
	push rsi
	mov esi, 8
	call check_user_write
	pop rsi
	pop rdi
	jc .efault
	SPIN_LOCK [fs_lock]
	call fs_pipe2
	SPIN_UNLOCK [fs_lock]
	ret
.einval:
	mov rax, -EINVAL
	ret
.efault:
	mov rax, -EFAULT
	ret

; -----------------------------------------------------------------------------
; fs_pipe2 -- pipe2's work under fs_lock (arguments checked)
;  IN:  RDI = int fds[2], ESI = flags
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_pipe2:
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov r12, rdi                       ; fds
	mov r13d, esi                      ; flags
	mov edi, Pipe_size
	call kmalloc
	test rax, rax
	jz .enomem
	mov rbx, rax                       ; the Pipe
	mov edi, PIPE_SIZE / PAGE_SIZE
	call alloc_pages
	test rax, rax
	jz .free_pipe
	mov [rbx + Pipe.buf], rax
	mov qword [rbx + Pipe.readers], 1
	mov qword [rbx + Pipe.writers], 1
	mov edi, FILE_PIPE                 ; the read end
	mov esi, r13d
	and esi, O_NONBLOCK
	call file_new
	test rax, rax
	jz .free_buf
	mov r14, rax
	mov [r14 + File.inode], rbx
	mov edi, FILE_PIPE                 ; the write end
	mov esi, r13d
	and esi, O_NONBLOCK
	or esi, O_WRONLY
	call file_new
	test rax, rax
	jz .free_reader
	mov r15, rax
	mov [r15 + File.inode], rbx
	; From here the Files own the Pipe: file_put undoes everything.
	xor edi, edi
	mov rsi, r14
	mov edx, r13d
	call fd_alloc
	test rax, rax
	js .put_both
	mov [r12], eax
	mov rbx, rax                       ; the read descriptor
	xor edi, edi
	mov rsi, r15
	mov edx, r13d
	call fd_alloc
	test rax, rax
	js .put_writer
	mov [r12 + 4], eax
	xor eax, eax
	jmp .out
.put_writer:
	push rax
	mov qword [fd_table + rbx * 8], 0
	mov rdi, r14
	call file_put
	mov rdi, r15
	call file_put
	pop rax
	jmp .out
.put_both:
	push rax
	mov rdi, r14
	call file_put
	mov rdi, r15
	call file_put
	pop rax
	jmp .out
.free_reader:
	mov rdi, r14
	mov esi, File_size
	call kfree
.free_buf:
	mov rdi, [rbx + Pipe.buf]
	mov esi, PIPE_SIZE / PAGE_SIZE
	call free_pages
.free_pipe:
	mov rdi, rbx
	mov esi, Pipe_size
	call kfree
.enomem:
	mov rax, -ENOMEM
.out:	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; pipe_poll -- readiness of a pipe end (fs_lock held): the read end is readable
; while data waits and hangs up when no writer is left; the write end is writable
; while PIPE_BUF bytes fit and reports an error when no reader is left
;  IN:  RDI = File
;  OUT: EAX = POLL* bits
;  Clobbers: RCX, RDX
pipe_poll:
	mov rdx, [rdi + File.inode]
	xor eax, eax
	mov ecx, [rdi + File.flags]
	and ecx, O_ACCMODE
	jnz .writer
	cmp qword [rdx + Pipe.count], 0
	je .no_data
	mov eax, POLLIN | POLLRDNORM
.no_data:
	cmp qword [rdx + Pipe.writers], 0
	jne .done
	or eax, POLLHUP
	ret
.writer:
	mov rcx, PIPE_SIZE
	sub rcx, [rdx + Pipe.count]
	cmp rcx, PIPE_BUF
	jb .full
	mov eax, POLLOUT | POLLWRNORM
.full:	cmp qword [rdx + Pipe.readers], 0
	jne .done
	or eax, POLLERR
.done:	ret

; -----------------------------------------------------------------------------
; pipe_release -- an end's File is going: the end closes (fs_lock held); the Pipe
; goes with its last end
;  IN:  RDI = File
;  Clobbers: RAX, RCX, RDX, RSI, RDI
pipe_release:
	push rbx
	mov rbx, [rdi + File.inode]
	mov eax, [rdi + File.flags]
	and eax, O_ACCMODE
	jnz .writer
	dec qword [rbx + Pipe.readers]
	inc qword [rbx + Pipe.out_gen]
	jmp .announce
.writer:
	dec qword [rbx + Pipe.writers]
	inc qword [rbx + Pipe.in_gen]
.announce:
	call event_notify
	cmp qword [rbx + Pipe.readers], 0
	jne .out
	cmp qword [rbx + Pipe.writers], 0
	jne .out
	mov rdi, [rbx + Pipe.buf]
	mov esi, PIPE_SIZE / PAGE_SIZE
	call free_pages
	mov rdi, rbx
	mov esi, Pipe_size
	call kfree
.out:	pop rbx
	ret

; -----------------------------------------------------------------------------
; pipe_rw -- read or write a pipe end (fs_lock held on entry and exit; released
; while the call waits). The buffer is checked, the access mode too.
;  IN:  RDI = File, RSI = buffer, RDX = length, ECX = 0 read, 1 write
;  OUT: RAX = bytes, 0 at end of file, or -EAGAIN, -EPIPE
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
pipe_rw:
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rbp
	mov rbx, rdi                       ; File (a reference is held while we may wait)
	mov r12, rsi                       ; buffer
	mov r13, rdx                       ; length
	xor r14d, r14d                     ; bytes moved
	mov r15d, ecx                      ; direction
	inc qword [rbx + File.refs]
.again:	mov rbp, [event_seq]
	mov rdi, [rbx + File.inode]
	test r15d, r15d
	jnz .write

	; Reading: whatever is there, at most the length; nothing yet: wait.
	test r13, r13
	jz .done
	mov rax, [rdi + Pipe.count]
	test rax, rax
	jnz .take
	cmp qword [rdi + Pipe.writers], 0
	je .done                           ; no writer left: end of file
	jmp .wait
.take:	cmp rax, r13
	jbe .take_n
	mov rax, r13
.take_n:
	mov r14, rax
	mov rdx, rax
	mov rsi, r12
	call pipe_copy_out
	inc qword [rdi + Pipe.out_gen]
	call event_notify
	jmp .done

.write:	cmp qword [rdi + Pipe.readers], 0
	je .epipe
	mov rdx, r13
	sub rdx, r14                       ; still to write
	jz .done
	mov rax, PIPE_SIZE
	sub rax, [rdi + Pipe.count]        ; room
	cmp r13, PIPE_BUF
	ja .split
	cmp rax, r13                       ; small writes go in whole or wait
	jb .wait
.split:	test rax, rax
	jz .wait
	cmp rdx, rax
	jbe .put
	mov rdx, rax
.put:	lea rsi, [r12 + r14]
	add r14, rdx
	call pipe_copy_in
	inc qword [rdi + Pipe.in_gen]
	call event_notify
	jmp .again

.wait:	test dword [rbx + File.flags], O_NONBLOCK
	jnz .nonblock
	SPIN_UNLOCK [fs_lock]
	mov rdi, rbp
	mov esi, DEADLINE_NONE
	call event_wait
	mov rdx, rax
	SPIN_LOCK [fs_lock]
	test rdx, rdx
	jz .again
	test r14, r14                      ; an interrupted wait: what moved, or why not
	jnz .done
	mov r14, rdx
	jmp .done
.epipe:	call signal_sigpipe                ; no reader
	test r14, r14
	jnz .done
	mov r14, -EPIPE
	jmp .done
.nonblock:
	test r14, r14
	jnz .done                          ; a write that moved some bytes says so
	mov r14, -EAGAIN
.done:	mov rdi, rbx
	call file_put
	mov rax, r14
	pop rbp
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; pipe_copy_out -- move bytes from the ring to a buffer (they must be there)
; pipe_copy_in -- move bytes from a buffer into the ring (they must fit)
;  IN:  RDI = Pipe, RSI = buffer, RDX = count
;  OUT: RDI = Pipe still
;  Clobbers: RAX, RCX, RDX, RSI, R8-R10
pipe_copy_out:
	push rdi
	mov r8, rdi
	mov r9, rsi                        ; destination
	mov r10, rdx                       ; left
	sub [r8 + Pipe.count], rdx
.piece:	test r10, r10
	jz .out
	mov rax, [r8 + Pipe.head]
	mov rdx, PIPE_SIZE
	sub rdx, rax                       ; up to the end of the ring
	cmp rdx, r10
	jbe .sized
	mov rdx, r10
.sized:	sub r10, rdx
	mov rsi, [r8 + Pipe.buf]
	add rsi, rax
	add rax, rdx
	and eax, PIPE_SIZE - 1
	mov [r8 + Pipe.head], rax
	mov rdi, r9
	add r9, rdx
	call kmemcpy
	jmp .piece
.out:	pop rdi
	ret

pipe_copy_in:
	push rdi
	mov r8, rdi
	mov r9, rsi                        ; source
	mov r10, rdx                       ; left
.piece:	test r10, r10
	jz .out
	mov rax, [r8 + Pipe.head]
	add rax, [r8 + Pipe.count]
	and eax, PIPE_SIZE - 1             ; the first free byte
	mov rdx, PIPE_SIZE
	sub rdx, rax
	cmp rdx, r10
	jbe .sized
	mov rdx, r10
.sized:	sub r10, rdx
	add [r8 + Pipe.count], rdx
	mov rdi, [r8 + Pipe.buf]
	add rdi, rax
	mov rsi, r9
	add r9, rdx
	call kmemcpy
	jmp .piece
.out:	pop rdi
	ret
