; File-system calls about an object rather than its data: stat, lstat, fstat,
; newfstatat, access, faccessat, truncate, ftruncate, chmod, fchmod, fchmodat, umask.
; All run under fs_lock (fs/init.asm).

section .text

; -----------------------------------------------------------------------------
; sys_fs_stat / sys_fs_lstat -- stat(path, buf), lstat(path, buf): newfstatat from
; the working directory (lstat: AT_SYMLINK_NOFOLLOW)
; sys_fs_access -- access(path, mode): faccessat from the working directory
; sys_fs_chmod -- chmod(path, mode): fchmodat from the working directory
;  IN:  the call's arguments (RDI, RSI)
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_fs_stat:                           ; stat(path, buf)
	xor ecx, ecx
	jmp plain_stat
sys_fs_lstat:
	mov ecx, AT_SYMLINK_NOFOLLOW
plain_stat:
	mov rdx, rsi
	mov rsi, rdi
	mov edi, AT_FDCWD
	jmp sys_fs_newfstatat
sys_fs_access:                         ; access(path, mode)
	mov rdx, rsi
	mov rsi, rdi
	mov edi, AT_FDCWD
	xor ecx, ecx
	jmp sys_fs_faccessat
sys_fs_chmod:                          ; chmod(path, mode)
	mov rdx, rsi
	mov rsi, rdi
	mov edi, AT_FDCWD
	jmp sys_fs_fchmodat

; -----------------------------------------------------------------------------
; fill_stat -- struct stat of a RAM inode
;  IN:  RDI = inode, RSI = struct stat (checked)
;  Clobbers: RAX, RCX, RDX
fill_stat:
	push rdi
	mov rdi, rsi
	mov edx, STAT_SIZE
	call kzero
	pop rdi
	mov qword [rsi + ST_DEV], 1
	mov rax, [rdi + Inode.ino]
	mov [rsi + ST_INO], rax
	mov eax, [rdi + Inode.nlink]
	mov [rsi + ST_NLINK], rax
	mov eax, [rdi + Inode.mode]
	mov [rsi + ST_MODE], eax
	mov eax, [rdi + Inode.uid]
	mov [rsi + ST_UID], eax
	mov eax, [rdi + Inode.gid]
	mov [rsi + ST_GID], eax
	mov rax, [rdi + Inode.rdev]
	mov [rsi + ST_RDEV], rax
	mov rax, [rdi + Inode.size]
	mov [rsi + ST_SIZE], rax
	mov qword [rsi + ST_BLKSIZE], PAGE_SIZE
	add rax, 511
	shr rax, 9
	mov [rsi + ST_BLOCKS], rax
	push rdi
	mov rax, [rdi + Inode.atime]
	lea rdx, [rsi + ST_ATIME]
	call store_timespec
	mov rdi, [rsp]
	mov rax, [rdi + Inode.mtime]
	lea rdx, [rsi + ST_MTIME]
	call store_timespec
	mov rdi, [rsp]
	mov rax, [rdi + Inode.ctime]
	lea rdx, [rsi + ST_CTIME]
	call store_timespec
	pop rdi
	ret

LOCKED fstat

; -----------------------------------------------------------------------------
; fs_fstat -- fstat(fd, buf)
;  IN:  EDI = fd, RSI = struct stat
;  OUT: RAX = 0, or -EFAULT, -EBADF (or the share's -errno)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_fstat:
	push rdi
	push rsi
	mov rdi, rsi
	mov esi, STAT_SIZE
	call check_user_write
	pop rsi
	pop rdi
	jc .efault
	jmp stat_fd
.efault:
	mov rax, -EFAULT
	ret

; -----------------------------------------------------------------------------
; stat_fd -- struct stat of what a descriptor refers to, into kernel memory or a
; checked program buffer
;  IN:  EDI = fd, RSI = struct stat
;  OUT: RAX = 0, or -EBADF (or the share's -errno)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
stat_fd:
	push r12
	mov r12, rsi
	call fd_get
	test rax, rax
	jz .ebadf
	mov ecx, [rax + File.kind]
	cmp ecx, FILE_RAM
	je .ram
	cmp ecx, FILE_DEV
	je .ram
	cmp ecx, FILE_HOST
	je .host
	push rcx
	mov rdi, r12                       ; the console: a character device
	mov edx, STAT_SIZE
	call kzero
	pop rcx
	mov eax, S_IFCHR | 0o620
	cmp ecx, FILE_CONSOLE
	jne .not_console
	mov qword [r12 + ST_RDEV], (136 << 8)   ; /dev/pts/0
	jmp .mode
.not_console:
	mov eax, S_IFIFO | 0o600
	cmp ecx, FILE_PIPE
	je .mode
	mov eax, 0o140777                  ; S_IFSOCK, as Linux shows a socket
	cmp ecx, FILE_SOCKET
	je .mode
	mov eax, 0o600                     ; eventfds and epoll sets: anonymous inodes
.mode:	mov [r12 + ST_MODE], eax
	mov qword [r12 + ST_NLINK], 1
	mov qword [r12 + ST_BLKSIZE], PAGE_SIZE
	xor eax, eax
	jmp .out
.ram:	mov rdi, [rax + File.inode]
	mov rsi, r12
	call fill_stat
	xor eax, eax
	jmp .out
.host:	xor edi, edi
	mov esi, [rax + File.handle]
	xor edx, edx
	mov rcx, r12
	call host_stat
	jmp .out
.ebadf:	mov rax, -EBADF
.out:	pop r12
	ret

LOCKED newfstatat

; -----------------------------------------------------------------------------
; fs_newfstatat -- newfstatat(dirfd, path, buf, flags): stat and lstat
;  IN:  EDI = dirfd, RSI = path, RDX = struct stat, ECX = AT_SYMLINK_NOFOLLOW,
;       AT_EMPTY_PATH
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_newfstatat:
	push rdi
	push rsi
	push rdx
	push rcx
	mov rdi, rdx
	mov esi, STAT_SIZE
	call check_user_write
	pop rcx
	pop rdx
	pop rsi
	pop rdi
	jc .efault
	test ecx, ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)
	jnz .einval
	jmp stat_at
.efault:
	mov rax, -EFAULT
	ret
.einval:
	mov rax, -EINVAL
	ret

; -----------------------------------------------------------------------------
; stat_at -- struct stat of a path (from dirfd), into kernel memory or a checked
; program buffer
;  IN:  EDI = dirfd, RSI = path, RDX = struct stat, ECX = AT_SYMLINK_NOFOLLOW,
;       AT_EMPTY_PATH
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
stat_at:
	push rbx
	push r12
	push r13
	push r14
	mov ebx, edi
	mov r14, rsi
	mov r12, rdx
	mov r13d, ecx
	test r13d, AT_EMPTY_PATH
	jz .walk
	mov rdi, r14
	lea rsi, [walk_a + Walk.buf0]
	call copy_user_path
	cmp rax, -ENOENT
	jne .walk
	mov edi, ebx                       ; "" with AT_EMPTY_PATH: the descriptor itself
	cmp edi, AT_FDCWD
	je .cwd
	mov rsi, r12
	call stat_fd
	jmp .out
.cwd:	mov rdi, [cwd_inode]               ; (AT_FDCWD: the working directory)
	cmp qword [cwd_host], 0
	je .have
	mov rdi, [cwd_host]
	mov r9, [cwd_inode]
	xor esi, esi
	xor edx, edx
	mov rcx, r12
	call host_stat
	jmp .out
.walk:	lea rdi, [walk_a]
	mov esi, ebx
	mov rdx, r14
	xor ecx, ecx
	test r13d, AT_SYMLINK_NOFOLLOW
	jnz .go
	mov ecx, WALK_FOLLOW
.go:	call walk_at
	test rax, rax
	js .out
	mov rdi, [walk_a + Walk.host]
	test rdi, rdi
	jz .ram
	mov r9, [walk_a + Walk.inode]
	xor esi, esi
	xor edx, edx
	test r13d, AT_SYMLINK_NOFOLLOW
	setnz dl
	mov rcx, r12
	call host_stat
	jmp .out
.ram:	mov rdi, [walk_a + Walk.inode]
	call check_found
	test rax, rax
	js .out
	cmp rdi, [fd_link_inode]
	je .fdlink
.have:	mov rsi, r12
	call fill_stat
	xor eax, eax
	jmp .out
.fdlink:
	test r13d, AT_SYMLINK_NOFOLLOW     ; /proc/self/fd/N: the link, or what it names
	jnz .have
	mov edi, [walk_a + Walk.fd]
	mov rsi, r12
	call stat_fd
.out:	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; check_found -- does the walked path name an object ("x/" must be a directory)?
;  IN:  RDI = walk_a.inode
;  OUT: RAX = 0, -ENOENT or -ENOTDIR
;  Clobbers: RCX
check_found:
	test rdi, rdi
	jz .enoent
	xor eax, eax
	test qword [walk_a + Walk.flags], WALK_TRAILING
	jz .ok
	mov ecx, [rdi + Inode.mode]
	and ecx, S_IFMT
	cmp ecx, S_IFDIR
	jne .enotdir
.ok:	ret
.enoent:
	mov rax, -ENOENT
	ret
.enotdir:
	mov rax, -ENOTDIR
	ret

W_OK equ 2                             ; faccessat: may the program write?

LOCKED faccessat

; -----------------------------------------------------------------------------
; fs_faccessat -- faccessat(dirfd, path, mode, flags): existence (the program is
; root, so every permission is granted), and W_OK on a read-only share is EROFS
;  IN:  EDI = dirfd, RSI = path, EDX = mode (R_OK | W_OK | X_OK), ECX = flags
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_faccessat:
	test edx, ~7
	jnz .einval
	push rbx
	push r12
	mov ebx, ecx
	mov r12d, edx
	mov rdx, rsi
	mov esi, edi
	lea rdi, [walk_a]
	xor ecx, ecx
	test ebx, AT_SYMLINK_NOFOLLOW
	jnz .go
	mov ecx, WALK_FOLLOW
.go:	call walk_at
	test rax, rax
	js .out
	mov rdi, [walk_a + Walk.host]
	test rdi, rdi
	jz .ram
	mov r9, [walk_a + Walk.inode]
	xor esi, esi
	xor edx, edx
	test ebx, AT_SYMLINK_NOFOLLOW
	setnz dl
	lea rcx, [stat_scratch]
	call host_stat
	test rax, rax
	jnz .out
	test r12d, W_OK
	jz .out
	mov rdi, [walk_a + Walk.inode]
	call share_writable
	jmp .out
.ram:	mov rdi, [walk_a + Walk.inode]
	call check_found
.out:	pop r12
	pop rbx
	ret
.einval:
	mov rax, -EINVAL
	ret

LOCKED truncate

; -----------------------------------------------------------------------------
; fs_truncate -- truncate(path, length)
;  IN:  RDI = path, RSI = length
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_truncate:
	push rbx
	mov rbx, rsi
	test rbx, rbx
	js .einval
	mov rdx, rdi
	mov esi, AT_FDCWD
	lea rdi, [walk_a]
	mov ecx, WALK_FOLLOW
	call walk_at
	test rax, rax
	js .out
	mov rdi, [walk_a + Walk.host]
	test rdi, rdi
	jz .ram
	xor esi, esi
	mov rdx, rbx
	mov r9, [walk_a + Walk.inode]
	call host_truncate
	jmp .out
.ram:	mov rdi, [walk_a + Walk.inode]
	call check_found
	test rax, rax
	js .out
	mov rsi, rbx
	call truncate_inode
.out:	pop rbx
	ret
.einval:
	mov rax, -EINVAL
	pop rbx
	ret

; -----------------------------------------------------------------------------
; truncate_inode -- set a RAM inode's size: regular files only
;  IN:  RDI = inode, RSI = length
;  OUT: RAX = 0, or -EISDIR, -EINVAL, -ENOSPC
;  Clobbers: RCX, RDX, RSI, RDI, R8 (file_truncate's)
truncate_inode:
	mov eax, [rdi + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFREG
	je file_truncate
	cmp eax, S_IFDIR
	je .eisdir
	mov rax, -EINVAL
	ret
.eisdir:
	mov rax, -EISDIR
	ret

LOCKED ftruncate

; -----------------------------------------------------------------------------
; fs_ftruncate -- ftruncate(fd, length): the descriptor must be open for writing
;  IN:  EDI = fd, RSI = length
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_ftruncate:
	test rsi, rsi
	js .einval
	push rsi
	call fd_get
	pop rsi
	test rax, rax
	jz .ebadf
	mov ecx, [rax + File.flags]
	and ecx, O_ACCMODE
	jz .einval
	mov ecx, [rax + File.kind]
	cmp ecx, FILE_RAM
	je .ram
	cmp ecx, FILE_HOST
	jne .einval
	xor edi, edi
	mov rdx, rsi
	mov esi, [rax + File.handle]
	mov r9, [rax + File.mount]
	jmp host_truncate
.ram:	mov rdi, [rax + File.inode]
	jmp truncate_inode
.einval:
	mov rax, -EINVAL
	ret
.ebadf:	mov rax, -EBADF
	ret

LOCKED fchmodat

; -----------------------------------------------------------------------------
; fs_fchmodat -- fchmodat(dirfd, path, mode) and chmod. Permission bits are kept
; and reported; a share ignores them (the host's own permissions apply there), a
; read-only share refuses them (EROFS).
;  IN:  EDI = dirfd, RSI = path, EDX = mode
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_fchmodat:
	push rbx
	mov ebx, edx
	mov rdx, rsi
	mov esi, edi
	lea rdi, [walk_a]
	mov ecx, WALK_FOLLOW
	call walk_at
	test rax, rax
	js .out
	mov rdi, [walk_a + Walk.inode]
	cmp qword [walk_a + Walk.host], 0
	jne .share
	call check_found
	test rax, rax
	js .out
	mov esi, ebx
	call set_mode
	xor eax, eax
	jmp .out
.share:	call share_writable
.out:	pop rbx
	ret

LOCKED fchmod

; -----------------------------------------------------------------------------
; fs_fchmod -- fchmod(fd, mode): as fchmodat, for an open descriptor
;  IN:  EDI = fd, ESI = mode
;  OUT: RAX = 0, -EBADF or -EROFS
;  Clobbers: RSI, RDI
fs_fchmod:
	call fd_get
	test rax, rax
	jz .ebadf
	cmp dword [rax + File.kind], FILE_RAM
	je .inode
	cmp dword [rax + File.kind], FILE_HOST
	je .share
	cmp dword [rax + File.kind], FILE_DEV
	jne .zero
.inode:	mov rdi, [rax + File.inode]
	call set_mode
.zero:	xor eax, eax
	ret
.share:	mov rdi, [rax + File.mount]
	jmp share_writable
.ebadf:	mov rax, -EBADF
	ret

; -----------------------------------------------------------------------------
; set_mode -- replace an inode's permission bits (its type stays); ctime moves
;  IN:  RDI = inode, ESI = new permission bits
;  Clobbers: RAX, RSI
set_mode:
	and esi, 0o7777
	mov eax, [rdi + Inode.mode]
	and eax, S_IFMT
	or eax, esi
	mov [rdi + Inode.mode], eax
	mov esi, TOUCH_C
	jmp inode_touch

LOCKED umask

; -----------------------------------------------------------------------------
; fs_umask -- umask(mask): the old mask
;  IN:  EDI = mask
;  OUT: RAX = the previous mask
;  Clobbers: RDI
fs_umask:
	mov eax, [umask_value]
	and edi, 0o777
	mov [umask_value], edi
	ret
