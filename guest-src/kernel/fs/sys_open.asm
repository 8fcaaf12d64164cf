; File-system calls that open and close descriptors: open, openat, creat, close,
; dup, dup2, dup3, fcntl. All run under fs_lock (fs/init.asm).

section .text

; -----------------------------------------------------------------------------
; sys_fs_open -- open(path, flags, mode): openat from the working directory
; sys_fs_creat -- creat(path, mode): open with O_CREAT | O_WRONLY | O_TRUNC
;  IN:  the call's arguments (RDI, RSI, RDX)
;  OUT: RAX = fd or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_fs_open:                           ; open(path, flags, mode)
	mov rcx, rdx
	mov rdx, rsi
	mov rsi, rdi
	mov edi, AT_FDCWD
	jmp sys_fs_openat
sys_fs_creat:                          ; creat(path, mode)
	mov rcx, rsi
	mov rsi, rdi
	mov edx, O_CREAT | O_WRONLY | O_TRUNC
	mov edi, AT_FDCWD
	jmp sys_fs_openat

LOCKED openat

; -----------------------------------------------------------------------------
; fs_openat -- openat(dirfd, path, flags, mode)
;  IN:  EDI = dirfd, RSI = path, EDX = flags, ECX = mode
;  OUT: RAX = fd or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_openat:
	push r12
	push r13
	mov r12d, edx                      ; flags
	mov r13d, ecx                      ; mode
	mov eax, r12d
	and eax, O_TMPFILE & ~O_DIRECTORY
	jnz .eopnotsupp                    ; (O_TMPFILE: unnamed files are not supported)
	and r13d, 0o7777
	mov eax, [umask_value]
	not eax
	and r13d, eax
	xor ecx, ecx
	test r12d, O_NOFOLLOW
	jnz .walk
	mov eax, r12d
	and eax, O_CREAT | O_EXCL
	cmp eax, O_CREAT | O_EXCL
	je .walk                           ; O_EXCL never follows a final link
	mov ecx, WALK_FOLLOW
.walk:	mov rdx, rsi                       ; walk_at(ctx, dirfd, path, follow)
	mov esi, edi
	lea rdi, [walk_a]
	call walk_at
	test rax, rax
	js .out
	mov rdi, [walk_a + Walk.host]
	test rdi, rdi
	jnz .host
	mov rdi, [walk_a + Walk.inode]
	test rdi, rdi
	jnz .exists
	test r12d, O_CREAT
	jz .enoent
	mov edi, r13d
	or edi, S_IFREG
	call walk_create
	test rax, rax
	js .out
	mov rdi, rax
	jmp .open
.exists:
	cmp rdi, [fd_link_inode]
	je .fdlink
	mov esi, r12d
	call openat_check
	test rax, rax
	js .out
	mov rdi, [walk_a + Walk.inode]
.open:	mov esi, r12d
	call open_ram_inode
	jmp .out
.host:	mov esi, r12d                      ; RDI = path inside the share
	mov edx, r13d
	mov r9, [walk_a + Walk.inode]      ; its mount point
	call open_host_path
	jmp .out
.fdlink:	; /proc/self/fd/N (or /dev/fd/N) of a console or share descriptor: a duplicate
	test r12d, O_NOFOLLOW
	jnz .eloop
	mov eax, r12d
	and eax, O_CREAT | O_EXCL
	cmp eax, O_CREAT | O_EXCL
	je .eexist
	mov edi, [walk_a + Walk.fd]
	call fd_get
	inc qword [rax + File.refs]
	push rax
	xor edi, edi
	mov rsi, rax
	mov edx, r12d
	call fd_alloc
	pop rdi
	test rax, rax
	jns .out
	dec qword [rdi + File.refs]
	jmp .out
.eloop:	mov rax, -ELOOP
	jmp .out
.eexist:
	mov rax, -EEXIST
	jmp .out
.enoent:
	mov rax, -ENOENT
	jmp .out
.eopnotsupp:
	mov rax, -EOPNOTSUPP
.out:	pop r13
	pop r12
	ret

; -----------------------------------------------------------------------------
; walk_create -- create the RAM object a walk (walk_a) found missing: openat's
; regular file, bind's socket file
;  IN:  EDI = mode: the type (S_IFREG, S_IFSOCK) and permission bits (umask applied)
;  OUT: RAX = the new inode (named, no reference held), or -EISDIR ("name/"),
;       -ENOENT (the directory was removed), -ENOSPC
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
walk_create:
	push rbx
	test qword [walk_a + Walk.flags], WALK_TRAILING
	jnz .eisdir
	mov rax, [walk_a + Walk.dir]
	cmp dword [rax + Inode.nlink], 0
	je .enoent                         ; the directory was removed
	call inode_new
	test rax, rax
	jz .enospc
	mov rbx, rax
	mov rdi, [walk_a + Walk.dir]
	mov rsi, [walk_a + Walk.name]
	mov rdx, [walk_a + Walk.len]
	mov rcx, rbx
	call dir_insert
	test rax, rax
	jz .undo
	mov rax, rbx
	jmp .out
.undo:	mov dword [rbx + Inode.nlink], 0
	mov rdi, rbx
	call inode_release
.enospc:
	mov rax, -ENOSPC
	jmp .out
.eisdir:
	mov rax, -EISDIR
	jmp .out
.enoent:
	mov rax, -ENOENT
.out:	pop rbx
	ret

; -----------------------------------------------------------------------------
; openat_check -- may an existing RAM object be opened with these flags?
;  IN:  RDI = inode (walk_a's), ESI = open flags
;  OUT: RAX = 0, or -EEXIST (O_CREAT | O_EXCL), -ELOOP (a link under O_NOFOLLOW),
;       -EISDIR (a directory to create or to write), -ENOTDIR (O_DIRECTORY or
;       "name/" on a non-directory), -ENXIO (a socket file)
;  Clobbers: nothing but RAX
openat_check:
	mov eax, esi
	and eax, O_CREAT | O_EXCL
	cmp eax, O_CREAT | O_EXCL
	je .eexist
	mov eax, [rdi + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFLNK
	je .eloop                          ; O_NOFOLLOW on a link
	cmp eax, S_IFDIR
	je .dir
	cmp eax, 0xc000                    ; S_IFSOCK: a socket file opens as on Linux, not at all
	je .enxio
	test esi, O_DIRECTORY
	jnz .enotdir
	test qword [walk_a + Walk.flags], WALK_TRAILING
	jnz .enotdir
	xor eax, eax
	ret
.dir:	test esi, O_CREAT
	jnz .eisdir
	mov eax, esi
	and eax, O_ACCMODE
	jnz .eisdir                        ; directories open read-only
	ret
.eexist:
	mov rax, -EEXIST
	ret
.eloop:	mov rax, -ELOOP
	ret
.enxio:	mov rax, -ENXIO
	ret
.enotdir:
	mov rax, -ENOTDIR
	ret
.eisdir:
	mov rax, -EISDIR
	ret

; -----------------------------------------------------------------------------
; open_ram_inode -- a descriptor on a RAM inode; O_TRUNC empties a regular file
; opened for writing
;  A character device gets a FILE_DEV File; a made file (INODE_MADE) a fresh copy
;  with its contents.
;  IN:  RDI = inode, ESI = open flags
;  OUT: RAX = fd, or -ENOMEM, -EMFILE, -EACCES (a made file opened for writing)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
open_ram_inode:
	push rbx
	push r12
	push r13
	mov rbx, rdi
	mov r12d, esi
	test dword [rbx + Inode.flags], INODE_MADE
	jz .kind
	call make_opened
	test rax, rax
	js .out
	mov rbx, rax
.kind:	mov edi, FILE_RAM
	mov eax, [rbx + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFCHR
	jne .new
	mov edi, FILE_DEV
.new:	call file_new
	test rax, rax
	jz .enomem
	mov [rax + File.inode], rbx
	inc dword [rbx + Inode.refs]
	mov rdi, rax
	mov esi, r12d
	call install_file
	test rax, rax
	js .out
	mov r13, rax                       ; the descriptor
	test r12d, O_TRUNC
	jz .done
	mov eax, r12d
	and eax, O_ACCMODE
	jz .done
	mov eax, [rbx + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFREG
	jne .done
	mov rdi, rbx
	xor esi, esi
	call file_truncate
.done:	mov rax, r13
	jmp .out
.enomem:
	mov rdi, rbx
	call inode_release                 ; a file created just now has a name: stays
	mov rax, -ENOMEM
.out:	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; open_host_path -- open a path inside the share and give it a descriptor; a
; directory keeps its path (openat(dirfd, ...) and fchdir need it)
;  IN:  RDI = path inside the share, ESI = open flags, EDX = creation mode, R9 =
;       the share's mount point
;  OUT: RAX = fd, or -ENOMEM, -EMFILE (or the share's -errno)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
open_host_path:
	push rbx
	push r12
	push r13
	push r14
	mov rbx, rdi
	mov r12d, esi
	mov r14, r9
	and esi, ~O_CLOEXEC
	call host_open
	test rax, rax
	js .out
	mov r13, rax                       ; handle
	mov edi, FILE_HOST
	mov esi, r12d
	call file_new
	test rax, rax
	jz .nomem
	mov [rax + File.handle], r13
	mov [rax + File.mount], r14
	mov r13, rax                       ; the File
	mov rsi, rbx                       ; its path: *at calls, fchdir, /proc/self/fd
	call kstrdup
	mov [r13 + File.hpath], rax
.fd:	mov rdi, r13
	mov esi, r12d
	call install_file
	jmp .out
.nomem:	mov edi, r13d
	call host_close
	mov rax, -ENOMEM
.out:	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; install_file -- give a new File the lowest free descriptor, or drop it
;  IN:  RDI = File (its one reference passes to the descriptor), ESI = open flags
;       (O_CLOEXEC is kept for the descriptor)
;  OUT: RAX = fd, or -EMFILE (the File is put)
;  Clobbers: RCX, RDX, RSI, RDI, R8
install_file:
	push rbx
	mov rbx, rdi
	mov edx, esi
	mov rsi, rdi
	xor edi, edi
	call fd_alloc
	test rax, rax
	jns .out
	push rax
	mov rdi, rbx
	call file_put                      ; (drops the inode reference too)
	pop rax
.out:	pop rbx
	ret

LOCKED close

; -----------------------------------------------------------------------------
; fs_close -- close(fd)
;  IN:  EDI = fd
;  OUT: RAX = 0 or -EBADF
;  Clobbers: RCX, RDX, RSI, RDI, R8
fs_close:
	cmp edi, FD_MAX
	jae .ebadf
	mov eax, edi
	mov rdi, [fd_table + rax * 8]
	test rdi, rdi
	jz .ebadf
	mov qword [fd_table + rax * 8], 0
	push rdi
	call file_close_posix              ; POSIX: any close releases the file's locks
	pop rdi
	call file_put
	xor eax, eax
	ret
.ebadf:	mov rax, -EBADF
	ret

LOCKED dup

; -----------------------------------------------------------------------------
; fs_dup -- dup(fd): the lowest free descriptor
;  IN:  EDI = fd
;  OUT: RAX = new fd, or -EBADF, -EMFILE
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_dup:
	call fd_get
	test rax, rax
	jz .ebadf
	inc qword [rax + File.refs]
	push rax
	xor edi, edi
	mov rsi, rax
	xor edx, edx
	call fd_alloc
	pop rdi
	test rax, rax
	jns .ok
	dec qword [rdi + File.refs]
.ok:	ret
.ebadf:	mov rax, -EBADF
	ret

; -----------------------------------------------------------------------------
; sys_fs_dup2 -- dup2(old, new): dup3 without its checks (old == new: old, if open)
;  IN:  EDI = old, ESI = new
;  OUT: RAX = new or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_fs_dup2:                           ; dup2(old, new): dup3 without its checks
	cmp edi, esi
	jne .move
	SPIN_LOCK [fs_lock]
	call fd_get
	SPIN_UNLOCK [fs_lock]
	test rax, rax
	jz .ebadf
	mov eax, esi                       ; same descriptor: nothing to do
	ret
.move:	xor edx, edx
	jmp sys_fs_dup3
.ebadf:	mov rax, -EBADF
	ret

LOCKED dup3

; -----------------------------------------------------------------------------
; fs_dup3 -- dup3(old, new, flags) and dup2 (flags 0, old != new): new is closed first
;  IN:  EDI = old, ESI = new, EDX = O_CLOEXEC or 0
;  OUT: RAX = new, or -EINVAL, -EBADF
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_dup3:
	test edx, ~O_CLOEXEC
	jnz .einval
	cmp edi, esi
	je .einval
	cmp esi, FD_MAX
	jae .ebadf
	push rsi
	push rdx
	call fd_get
	pop rdx
	pop rsi
	test rax, rax
	jz .ebadf
	inc qword [rax + File.refs]
	mov ecx, esi
	mov rdi, [fd_table + rcx * 8]      ; what new held
	mov [fd_table + rcx * 8], rax
	test edx, O_CLOEXEC
	setnz byte [fd_cloexec + rcx]
	push rsi
	test rdi, rdi
	jz .installed
	push rdi
	call file_close_posix              ; new was closed: as close does
	pop rdi
	call file_put
.installed:
	pop rax
	mov eax, eax
	ret
.einval:
	mov rax, -EINVAL
	ret
.ebadf:	mov rax, -EBADF
	ret

LOCKED fcntl

; -----------------------------------------------------------------------------
; fs_fcntl -- fcntl(fd, cmd, arg): descriptor flags, status flags, duplication,
; record locks (fs/locks.asm)
;  IN:  EDI = fd, ESI = cmd, RDX = arg
;  OUT: RAX = the command's result, or -EBADF, -EINVAL, -EFAULT, -EMFILE
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_fcntl:
	push rbx
	mov ebx, edi
	call fd_get
	test rax, rax
	jz .ebadf
	cmp esi, F_DUPFD
	je .dupfd
	cmp esi, F_DUPFD_CLOEXEC
	je .dupfd
	cmp esi, F_GETFD
	je .getfd
	cmp esi, F_SETFD
	je .setfd
	cmp esi, F_GETFL
	je .getfl
	cmp esi, F_SETFL
	je .setfl
	cmp esi, F_GETLK
	je .lock
	cmp esi, F_SETLK
	je .lock
	cmp esi, F_SETLKW
	je .lock
	cmp esi, F_OFD_GETLK
	je .lock
	cmp esi, F_OFD_SETLK
	je .lock
	cmp esi, F_OFD_SETLKW
	je .lock
	mov rax, -EINVAL
	jmp .out
.dupfd:	cmp rdx, FD_MAX
	jae .einval
	inc qword [rax + File.refs]
	push rax
	mov edi, edx
	mov rdx, rsi                       ; cmd: O_CLOEXEC only for F_DUPFD_CLOEXEC
	xor ecx, ecx
	cmp edx, F_DUPFD_CLOEXEC
	mov edx, 0
	jne .plain
	mov edx, O_CLOEXEC
.plain:	mov rsi, rax
	call fd_alloc
	pop rdi
	test rax, rax
	jns .out
	dec qword [rdi + File.refs]
	jmp .out
.getfd:	movzx eax, byte [fd_cloexec + rbx]
	jmp .out
.setfd:	and edx, 1
	mov [fd_cloexec + rbx], dl
	jmp .zero
.getfl:	mov eax, [rax + File.flags]
	and eax, ~(O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW | O_CLOEXEC)
	jmp .out
.setfl:	mov ecx, [rax + File.flags]
	and ecx, ~(O_APPEND | O_NONBLOCK)
	and edx, O_APPEND | O_NONBLOCK
	or ecx, edx
	mov [rax + File.flags], ecx
	jmp .zero
.lock:	mov rdi, rax
	call fcntl_lock
	jmp .out
.zero:	xor eax, eax
	jmp .out
.einval:
	mov rax, -EINVAL
	jmp .out
.efault:
	mov rax, -EFAULT
	jmp .out
.ebadf:	mov rax, -EBADF
.out:	pop rbx
	ret
