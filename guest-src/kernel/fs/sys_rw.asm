; File-system calls that move data: read, write, pread64, pwrite64, readv, writev,
; lseek, fsync, and ioctl (terminals, FIONREAD on pipes). A console descriptor goes
; to sys/console.asm without fs_lock; everything else runs under it (fs/init.asm).

FIONREAD equ 0x541b

section .text

; -----------------------------------------------------------------------------
; sys_fs_read / sys_fs_write -- read(fd, buf, len), write(fd, buf, len): the console
; or a file at its position
; sys_fs_pread64 / sys_fs_pwrite64 -- the same at an offset (RCX); never the console
; (positioned: their shared part, R8D = 0 read, 1 write)
;  IN:  EDI = fd, RSI = buffer, RDX = length (RCX = offset for the p- calls)
;  OUT: RAX = bytes or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_fs_read:
	call console_of
	test rax, rax
	js .file
	jnz .console
	push rdi                           ; stdin: wait here, not in the VMM
	push rsi
	push rdx
	mov eax, edi
	mov rdi, [fd_table + rax * 8]
	call stdin_wait
	pop rdx
	pop rsi
	pop rdi
	test rax, rax
	jnz .out
.console:
	mov rdi, rax
	jmp sys_read
.out:	ret
.file:	mov rcx, -1
	xor r8d, r8d
	jmp sys_fs_rw

sys_fs_write:
	call console_of
	test rax, rax
	js .file
	mov rdi, rax
	jmp sys_write
.file:	mov rcx, -1
	mov r8d, 1
	jmp sys_fs_rw

sys_fs_pread64:
	xor r8d, r8d
	jmp positioned
sys_fs_pwrite64:
	mov r8d, 1
positioned:
	test rcx, rcx
	js .einval                         ; (also keeps -1, "the file position", out)
	push rcx
	call console_of
	pop rcx
	test rax, rax
	jns .espipe
	jmp sys_fs_rw
.einval:
	mov rax, -EINVAL
	ret
.espipe:
	mov rax, -ESPIPE
	ret

; -----------------------------------------------------------------------------
; sys_fs_readv / sys_fs_writev -- readv(fd, iov, n), writev(fd, iov, n): one
; sys_fs_read or sys_fs_write per vector (vector_io, sys/console.asm)
;  IN:  EDI = fd, RSI = iovec array, RDX = count
;  OUT: RAX = bytes or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_fs_readv:
	lea r8, [sys_fs_read]
	xor ecx, ecx
	jmp net_vector_io                  ; (a socket takes every iovec at once)
sys_fs_writev:
	lea r8, [sys_fs_write]
	mov ecx, 1
	jmp net_vector_io

; -----------------------------------------------------------------------------
; sys_fs_ioctl -- ioctl(fd, request, arg): terminals, and FIONREAD on a pipe (the
; bytes waiting); the console answers as sys_ioctl does, any other file -ENOTTY
;  IN:  EDI = fd, ESI = request, RDX = arg
;  OUT: RAX = the console's answer, 0, or -ENOTTY, -EBADF, -EFAULT
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_fs_ioctl:
	call console_of
	test rax, rax
	js .file
	mov rdi, rax
	jmp sys_ioctl
.file:	SPIN_LOCK [fs_lock]
	call fd_get
	test rax, rax
	jz .ebadf
	cmp dword [rax + File.kind], FILE_SOCKET
	jne .not_socket
	call net_ioctl_locked
	jmp .out
.not_socket:
	cmp esi, FIONREAD
	jne .enotty
	cmp dword [rax + File.kind], FILE_PIPE
	jne .enotty
	mov rcx, [rax + File.inode]
	mov rcx, [rcx + Pipe.count]        ; (the write end answers the same)
	mov rdi, rdx
	mov esi, 4
	call check_user_write
	jc .efault
	mov [rdi], ecx
	xor eax, eax
	jmp .out
.enotty:
	mov rax, -ENOTTY
	jmp .out
.efault:
	mov rax, -EFAULT
	jmp .out
.ebadf:	mov rax, -EBADF
.out:	SPIN_UNLOCK [fs_lock]
	ret

LOCKED rw

; -----------------------------------------------------------------------------
; fs_rw -- read or write a file at its position or at an offset
;  IN:  EDI = fd, RSI = buffer, RDX = length, RCX = offset (-1: the file position,
;       which then advances), R8D = 0 read, 1 write
;  OUT: RAX = bytes or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_rw:
	call fd_get
	test rax, rax
	jnz file_rw
	mov rax, -EBADF
	ret

; -----------------------------------------------------------------------------
; file_rw -- fs_rw on an open File rather than a descriptor (fs_lock held): what a
; shared file mapping writes back with after its descriptor may be gone
;  IN:  RAX = File, the rest as fs_rw
;  OUT: RAX = bytes or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
file_rw:
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov r12, rsi
	mov r13, rdx
	mov r14, rcx
	mov r15d, r8d
	mov rbx, rax
	mov rdi, rax
	mov esi, r15d
	call file_may
	test rax, rax
	js .out
	mov rdi, r12
	mov rsi, r13
	test r15d, r15d
	jnz .source
	call check_user_write              ; read: the buffer receives the data
	jmp .checked
.source:
	call check_user_read               ; write: the buffer is only read
.checked:
	jc .efault
	mov rdi, rbx
	mov rsi, r12
	mov rdx, r13
	mov rcx, r14
	mov r8d, r15d
	call file_transfer
	jmp .out
.efault:
	mov rax, -EFAULT
.out:	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; file_may -- was a File opened for this direction?
;  IN:  RDI = File, ESI = 0 read, 1 write
;  OUT: RAX = 0 or -EBADF
;  Clobbers: nothing but RAX
file_may:
	mov eax, [rdi + File.flags]
	and eax, O_ACCMODE
	test esi, esi
	jnz .writing
	cmp eax, O_WRONLY
	je .ebadf
	xor eax, eax
	ret
.writing:
	test eax, eax                      ; O_RDONLY
	jz .ebadf
	xor eax, eax
	ret
.ebadf:	mov rax, -EBADF
	ret

; -----------------------------------------------------------------------------
; file_transfer -- move bytes between an open file and memory the kernel may touch
; (a checked program buffer, or kernel memory: sendfile's bounce buffer; mmap of a
; file can read pages with it). The console is not handled here (sys/console.asm).
;  IN:  RDI = File, RSI = buffer, RDX = length, RCX = offset (-1: the file position,
;       which then advances), R8D = 0 read, 1 write; fs_lock held
;  OUT: RAX = bytes or -errno (-ESPIPE for a kind without data, -EISDIR)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
file_transfer:
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov rbx, rdi
	mov r12, rsi
	mov r13, rdx
	mov r14, rcx
	mov r15d, r8d
	mov eax, [rbx + File.kind]
	cmp eax, FILE_RAM
	je .ram
	cmp eax, FILE_DEV
	je .dev
	cmp eax, FILE_HOST
	je .host
	cmp r14, -1
	jne .espipe                        ; pipes, eventfds and epoll sets have no offset
	mov rdi, rbx
	mov rsi, r12
	mov rdx, r13
	mov ecx, r15d
	cmp eax, FILE_PIPE
	jne .not_pipe
	call pipe_rw
	jmp .out
.not_pipe:
	cmp eax, FILE_SOCKET
	jne .not_socket
	call net_transfer_locked
	jmp .out
.not_socket:
	cmp eax, FILE_EVENTFD
	jne .einval                        ; an epoll set is neither read nor written
	call eventfd_rw
	jmp .out
.host:	cmp r14, -1
	jne .host_at
	call .host_transfer
	jmp .out
.host_at:	; Positioned on the share: seek there, transfer, seek back.
	mov edi, [rbx + File.handle]
	xor esi, esi
	mov edx, SEEK_CUR
	call host_lseek
	test rax, rax
	js .out
	push rax
	mov edi, [rbx + File.handle]
	mov rsi, r14
	mov edx, SEEK_SET
	call host_lseek
	test rax, rax
	js .unwind
	call .host_transfer
.unwind:
	pop rsi
	push rax
	mov edi, [rbx + File.handle]
	mov edx, SEEK_SET
	call host_lseek
	pop rax
	jmp .out
.host_transfer:
	mov edi, [rbx + File.handle]
	mov rsi, r12
	mov rdx, r13
	test r15d, r15d
	jnz host_write
	jmp host_read
.dev:	mov rdi, [rbx + File.inode]
	mov rsi, r12
	mov rdx, r13
	mov r8d, r15d
	call dev_transfer
	jmp .out
.ram:	mov rdi, [rbx + File.inode]
	mov eax, [rdi + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFDIR
	je .eisdir
	mov rcx, r14
	cmp rcx, -1
	jne .at
	mov rcx, [rbx + File.pos]
	test r15d, r15d
	jz .at
	test dword [rbx + File.flags], O_APPEND
	jz .at
	mov rcx, [rdi + Inode.size]        ; O_APPEND: every write goes to the end
.at:	push rcx
	mov rsi, r12
	mov rdx, r13
	test r15d, r15d
	jnz .write
	call file_read
	jmp .moved
.write:	call file_write
.moved:	pop rcx
	test rax, rax
	js .out
	cmp r14, -1
	jne .out
	add rcx, rax
	mov [rbx + File.pos], rcx
	jmp .out
.espipe:
	mov rax, -ESPIPE
	jmp .out
.eisdir:
	mov rax, -EISDIR
	jmp .out
.einval:
	mov rax, -EINVAL
.out:	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

LOCKED lseek

; -----------------------------------------------------------------------------
; fs_lseek -- lseek(fd, offset, whence); on a directory only back to a position
; getdents64 handed out (SEEK_SET)
;  IN:  EDI = fd, RSI = offset, EDX = whence
;  OUT: RAX = the new position, or -EBADF, -ESPIPE, -EINVAL
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_lseek:
	push rbx
	mov rbx, rsi
	call fd_get
	test rax, rax
	jz .ebadf
	mov ecx, [rax + File.kind]
	cmp ecx, FILE_HOST
	je .host
	cmp ecx, FILE_DEV
	je .dev
	cmp ecx, FILE_RAM
	jne .espipe
	mov rdi, [rax + File.inode]
	mov ecx, [rdi + Inode.mode]
	and ecx, S_IFMT
	cmp ecx, S_IFDIR
	jne .file
	; Directories: only back to a position getdents handed out (or 0).
	cmp edx, SEEK_SET
	jne .einval
	test rbx, rbx
	js .einval
	mov qword [rax + File.dgen], -1    ; the cursor no longer matches: rescan
	jmp .set
.file:	cmp edx, SEEK_SET
	je .check
	cmp edx, SEEK_CUR
	jne .end
	add rbx, [rax + File.pos]
	jmp .check
.end:	cmp edx, SEEK_END
	jne .einval
	add rbx, [rdi + Inode.size]
.check:	test rbx, rbx
	js .einval
.set:	mov [rax + File.pos], rbx
	mov rax, rbx
	pop rbx
	ret
.host:	mov edi, [rax + File.handle]
	mov rsi, rbx
	call host_lseek
	pop rbx
	ret
.dev:	xor eax, eax                       ; devices have no position
	pop rbx
	ret
.ebadf:	mov rax, -EBADF
	pop rbx
	ret
.espipe:
	mov rax, -ESPIPE
	pop rbx
	ret
.einval:
	mov rax, -EINVAL
	pop rbx
	ret

LOCKED fsync
LOCKED fdatasync
LOCKED syncfs

; -----------------------------------------------------------------------------
; fs_fsync, fs_fdatasync, fs_syncfs -- fsync(fd), fdatasync(fd), syncfs(fd): a
; share file's data (and metadata) reach the host's disk before the call returns
; (HOST_FSYNC); RAM needs no flushing
;  IN:  EDI = fd
;  OUT: RAX = 0, or -EBADF (or the host's -errno)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_fsync:
	xor esi, esi
	jmp sync_fd
fs_fdatasync:
	mov esi, HOST_SYNC_DATA
	jmp sync_fd
fs_syncfs:
	mov esi, HOST_SYNC_FS
sync_fd:
	call fd_get
	test rax, rax
	jz .ebadf
	cmp dword [rax + File.kind], FILE_HOST
	jne .zero
	mov edi, [rax + File.handle]
	jmp host_sync
.zero:	xor eax, eax
	ret
.ebadf:	mov rax, -EBADF
	ret
