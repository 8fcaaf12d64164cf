; File-system system calls (Linux x86-64 ABI and errno semantics, so musl's stdio,
; dirent and POSIX file functions work unchanged).
;
; Locking: one lock, fs_lock, is held for the whole of every call below; the sys_fs_*
; entry points take it and call the fs_* body. System calls run with IF off and
; nothing here waits, so the lock is never held across a block. The console is the
; exception: read and write on a console descriptor go to sys/console.asm without
; the lock (console Files are static, so looking at one needs no lock).
;
; The plain calls (open, stat, mkdir, ...) are the *at calls with AT_FDCWD.

AT_SYMLINK_NOFOLLOW equ 0x100
AT_REMOVEDIR        equ 0x200
AT_SYMLINK_FOLLOW   equ 0x400
AT_EMPTY_PATH       equ 0x1000
SEEK_SET equ 0
SEEK_CUR equ 1
SEEK_END equ 2
F_DUPFD  equ 0
F_GETFD  equ 1
F_SETFD  equ 2
F_GETFL  equ 3
F_SETFL  equ 4
F_GETLK  equ 5
F_SETLK  equ 6
F_SETLKW equ 7
F_DUPFD_CLOEXEC equ 1030
F_UNLCK  equ 2

section .text

; LOCKED name -- sys_fs_<name>: fs_<name> under fs_lock (arguments pass through)
%macro LOCKED 1
sys_fs_%1:
	SPIN_LOCK [fs_lock]
	call fs_%1
	SPIN_UNLOCK [fs_lock]
	ret
%endmacro

LOCKED openat
LOCKED close
LOCKED rw
LOCKED lseek
LOCKED fstat
LOCKED newfstatat
LOCKED faccessat
LOCKED mkdirat
LOCKED unlinkat
LOCKED renameat2
LOCKED linkat
LOCKED symlinkat
LOCKED readlinkat
LOCKED truncate
LOCKED ftruncate
LOCKED fsync
LOCKED getdents64
LOCKED dup
LOCKED dup3
LOCKED fcntl
LOCKED getcwd
LOCKED chdir
LOCKED fchdir
LOCKED fchmodat
LOCKED fchmod
LOCKED umask

; -----------------------------------------------------------------------------
; init_fs -- the root directory, /host when the VMM shares a directory, the
; console descriptors and the --preload tree
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
init_fs:
	push rbx
	mov edi, S_IFDIR | 0o755
	call inode_new
	test rax, rax
	jz .nomem
	mov [root_inode], rax
	mov [rax + Inode.parent], rax
	mov dword [rax + Inode.refs], 1    ; held by the working directory
	mov [cwd_inode], rax
	mov dword [umask_value], 0o022
	lea rax, [console_files]
	mov [fd_table], rax
	add rax, File_size
	mov [fd_table + 8], rax
	add rax, File_size
	mov [fd_table + 16], rax
	mov rsi, [boot_info]
	test dword [rsi + BootInfo.flags], BOOT_FLAG_HOST_SHARE
	jz .no_share
	mov edi, S_IFDIR | 0o755
	call inode_new
	test rax, rax
	jz .nomem
	mov rbx, rax
	mov dword [rbx + Inode.flags], INODE_HOSTMOUNT
	mov rax, [root_inode]
	mov [rbx + Inode.parent], rax
	mov rdi, rax
	lea rsi, [host_name]
	mov edx, 4
	mov rcx, rbx
	call dir_insert
	test rax, rax
	jz .nomem
	mov [rbx + Inode.dent], rax
	mov rax, [root_inode]
	inc dword [rax + Inode.nlink]
	mov [host_mount], rbx
.no_share:
	call preload_unpack
	pop rbx
	ret
.nomem:	lea rsi, [msg_fs_nomem]
	call kprint_cstr
	mov eax, 125
	mov edx, PORT_PANIC
	out dx, eax
	hlt

; -----------------------------------------------------------------------------
; console_of -- the console stream behind a descriptor, if it is one
;  IN:  EDI = fd
;  OUT: RAX = stream (0, 1, 2), or -1
;  Clobbers: RCX
console_of:
	cmp edi, FD_MAX
	jae .no
	mov eax, edi
	mov rax, [fd_table + rax * 8]
	lea rcx, [console_files]
	sub rax, rcx
	cmp rax, 3 * File_size             ; (also catches a closed slot: 0 - base wraps high)
	jae .no
	mov rax, [rcx + rax + File.inode]
	ret
.no:	mov rax, -1
	ret

; -----------------------------------------------------------------------------
; sys_fs_read / sys_fs_write / pread64 / pwrite64 -- console or file
;  IN:  RDI = fd, RSI = buffer, RDX = length (RCX = offset for the p- calls)
;  OUT: RAX = bytes or -errno
sys_fs_read:
	call console_of
	test rax, rax
	js .file
	mov rdi, rax
	jmp sys_read
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

sys_fs_readv:
	lea r8, [sys_fs_read]
	jmp vector_io
sys_fs_writev:
	lea r8, [sys_fs_write]
	jmp vector_io

; sys_fs_ioctl -- terminals only: the console answers as sys_ioctl does, files ENOTTY
sys_fs_ioctl:
	call console_of
	test rax, rax
	js .file
	mov rdi, rax
	jmp sys_ioctl
.file:	SPIN_LOCK [fs_lock]
	call fd_get
	SPIN_UNLOCK [fs_lock]
	test rax, rax
	jz .ebadf
	mov rax, -ENOTTY
	ret
.ebadf:	mov rax, -EBADF
	ret

; The plain calls: the *at calls from the working directory.
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
sys_fs_mkdir:                          ; mkdir(path, mode)
	mov rdx, rsi
	mov rsi, rdi
	mov edi, AT_FDCWD
	jmp sys_fs_mkdirat
sys_fs_rmdir:
	mov edx, AT_REMOVEDIR
	jmp plain_unlink
sys_fs_unlink:
	xor edx, edx
plain_unlink:
	mov rsi, rdi
	mov edi, AT_FDCWD
	jmp sys_fs_unlinkat
sys_fs_rename:                         ; rename(old, new)
	mov rcx, rsi
	mov rsi, rdi
	mov edi, AT_FDCWD
	mov edx, AT_FDCWD
	xor r8d, r8d
	jmp sys_fs_renameat2
sys_fs_renameat:                       ; renameat(olddirfd, old, newdirfd, new)
	xor r8d, r8d
	jmp sys_fs_renameat2
sys_fs_link:                           ; link(old, new)
	mov rcx, rsi
	mov rsi, rdi
	mov edi, AT_FDCWD
	mov edx, AT_FDCWD
	xor r8d, r8d
	jmp sys_fs_linkat
sys_fs_symlink:                        ; symlink(target, linkpath)
	mov rdx, rsi
	mov esi, AT_FDCWD
	jmp sys_fs_symlinkat
sys_fs_readlink:                       ; readlink(path, buf, size)
	mov rcx, rdx
	mov rdx, rsi
	mov rsi, rdi
	mov edi, AT_FDCWD
	jmp sys_fs_readlinkat
sys_fs_chmod:                          ; chmod(path, mode)
	mov rdx, rsi
	mov rsi, rdi
	mov edi, AT_FDCWD
	jmp sys_fs_fchmodat
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

; -----------------------------------------------------------------------------
; fs_openat -- openat(dirfd, path, flags, mode)
;  OUT: RAX = fd or -errno
fs_openat:
	push rbx
	push r12
	push r13
	push r14
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
	mov rbx, [walk_a + Walk.inode]
	test rbx, rbx
	jnz .exists
	; Create a regular file.
	test r12d, O_CREAT
	jz .enoent
	test qword [walk_a + Walk.flags], WALK_TRAILING
	jnz .eisdir
	mov rax, [walk_a + Walk.dir]
	cmp dword [rax + Inode.nlink], 0
	je .enoent                         ; the directory was removed
	lea edi, [r13d + S_IFREG]
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
	jnz .ready
	mov dword [rbx + Inode.nlink], 0
	mov rdi, rbx
	call inode_release
	jmp .enospc
.exists:
	mov eax, r12d
	and eax, O_CREAT | O_EXCL
	cmp eax, O_CREAT | O_EXCL
	je .eexist
	mov eax, [rbx + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFLNK
	je .eloop                          ; O_NOFOLLOW on a link
	cmp eax, S_IFDIR
	je .dir
	test r12d, O_DIRECTORY
	jnz .enotdir
	test qword [walk_a + Walk.flags], WALK_TRAILING
	jnz .enotdir
	jmp .ready
.dir:	test r12d, O_CREAT
	jnz .eisdir
	mov eax, r12d
	and eax, O_ACCMODE
	jnz .eisdir                        ; directories open read-only
.ready:	mov edi, FILE_RAM
	mov esi, r12d
	call file_new
	test rax, rax
	jz .enomem_inode
	mov r14, rax
	mov [r14 + File.inode], rbx
	inc dword [rbx + Inode.refs]
	xor edi, edi
	mov rsi, r14
	mov edx, r12d
	call fd_alloc
	test rax, rax
	js .drop_file
	mov r14, rax                       ; the descriptor
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
.done:	mov rax, r14
	jmp .out
.drop_file:
	push rax
	mov rdi, r14
	call file_put                      ; (drops the inode reference too)
	pop rax
	jmp .out
.enomem_inode:
	mov rdi, rbx
	call inode_release                 ; a file created just now has a name: stays
	mov rax, -ENOMEM
	jmp .out
.host:	; RDI = path inside the share.
	mov rbx, rdi
	mov esi, r12d
	and esi, ~O_CLOEXEC
	mov edx, r13d
	call host_open
	test rax, rax
	js .out
	mov r14, rax                       ; handle
	mov edi, FILE_HOST
	mov esi, r12d
	call file_new
	test rax, rax
	jz .host_nomem
	mov [rax + File.handle], r14
	mov r14, rax
	test r12d, O_DIRECTORY
	jz .host_fd
	mov rsi, rbx                       ; keep the path: openat(dirfd, ...) and fchdir need it
	call kstrdup
	mov [r14 + File.hpath], rax
.host_fd:
	xor edi, edi
	mov rsi, r14
	mov edx, r12d
	call fd_alloc
	test rax, rax
	js .drop_file
	jmp .out
.host_nomem:
	mov edi, r14d
	call host_close
	mov rax, -ENOMEM
	jmp .out
.enoent:
	mov rax, -ENOENT
	jmp .out
.eisdir:
	mov rax, -EISDIR
	jmp .out
.enotdir:
	mov rax, -ENOTDIR
	jmp .out
.eexist:
	mov rax, -EEXIST
	jmp .out
.eloop:	mov rax, -ELOOP
	jmp .out
.enospc:
	mov rax, -ENOSPC
	jmp .out
.eopnotsupp:
	mov rax, -EOPNOTSUPP
.out:	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; fs_close -- close(fd)
fs_close:
	cmp edi, FD_MAX
	jae .ebadf
	mov eax, edi
	mov rdi, [fd_table + rax * 8]
	test rdi, rdi
	jz .ebadf
	mov qword [fd_table + rax * 8], 0
	call file_put
	xor eax, eax
	ret
.ebadf:	mov rax, -EBADF
	ret

; -----------------------------------------------------------------------------
; fs_rw -- read or write a file at its position or at an offset
;  IN:  EDI = fd, RSI = buffer, RDX = length, RCX = offset (-1: the file position,
;       which then advances), R8D = 0 read, 1 write
;  OUT: RAX = bytes or -errno
fs_rw:
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov r12, rsi
	mov r13, rdx
	mov r14, rcx
	mov r15d, r8d
	call fd_get
	test rax, rax
	jz .ebadf
	mov rbx, rax
	mov eax, [rbx + File.flags]
	and eax, O_ACCMODE
	test r15d, r15d
	jnz .writing
	cmp eax, O_WRONLY
	je .ebadf
	jmp .allowed
.writing:
	test eax, eax                      ; O_RDONLY
	jz .ebadf
.allowed:
	mov rdi, r12
	mov rsi, r13
	call check_user_range
	jc .efault
	mov eax, [rbx + File.kind]
	cmp eax, FILE_RAM
	je .ram
	cmp eax, FILE_HOST
	jne .espipe
	cmp r14, -1
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
.ebadf:	mov rax, -EBADF
	jmp .out
.efault:
	mov rax, -EFAULT
	jmp .out
.espipe:
	mov rax, -ESPIPE
	jmp .out
.eisdir:
	mov rax, -EISDIR
.out:	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; fs_lseek -- lseek(fd, offset, whence)
fs_lseek:
	push rbx
	mov rbx, rsi
	call fd_get
	test rax, rax
	jz .ebadf
	mov ecx, [rax + File.kind]
	cmp ecx, FILE_HOST
	je .host
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
	mov rax, [rdi + Inode.size]
	mov [rsi + ST_SIZE], rax
	mov qword [rsi + ST_BLKSIZE], PAGE_SIZE
	add rax, 511
	shr rax, 9
	mov [rsi + ST_BLOCKS], rax
	ret

; -----------------------------------------------------------------------------
; fs_fstat -- fstat(fd, buf)
fs_fstat:
	push rbx
	push r12
	mov ebx, edi
	mov r12, rsi
	mov rdi, rsi
	mov esi, STAT_SIZE
	call check_user_range
	jc .efault
	mov edi, ebx
	call fd_get
	test rax, rax
	jz .ebadf
	mov ecx, [rax + File.kind]
	cmp ecx, FILE_RAM
	je .ram
	cmp ecx, FILE_HOST
	je .host
	mov rdi, r12                       ; the console: a character device
	mov edx, STAT_SIZE
	call kzero
	mov dword [r12 + ST_MODE], S_IFCHR | 0o620
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
.efault:
	mov rax, -EFAULT
	jmp .out
.ebadf:	mov rax, -EBADF
.out:	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; fs_newfstatat -- newfstatat(dirfd, path, buf, flags): stat and lstat
fs_newfstatat:
	push rbx
	push r12
	push r13
	push r14
	mov ebx, edi
	mov r14, rsi
	mov r12, rdx
	mov r13d, ecx
	mov rdi, rdx
	mov esi, STAT_SIZE
	call check_user_range
	jc .efault
	test r13d, AT_EMPTY_PATH
	jz .walk
	mov rdi, r14
	lea rsi, [walk_a + Walk.buf0]
	call copy_user_path
	cmp rax, -ENOENT
	jne .walk
	mov edi, ebx                       ; "" with AT_EMPTY_PATH: the descriptor itself
	mov rsi, r12
	call fs_fstat
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
	mov rsi, r12
	call fill_stat
	xor eax, eax
	jmp .out
.efault:
	mov rax, -EFAULT
.out:	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; check_found -- does the walked path name an object ("x/" must be a directory)?
;  IN:  RDI = walk_a.inode
;  OUT: RAX = 0, -ENOENT or -ENOTDIR
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

; -----------------------------------------------------------------------------
; fs_faccessat -- faccessat(dirfd, path, mode, flags): existence (the program is
; root, so every permission is granted)
fs_faccessat:
	test edx, ~7
	jnz .einval
	push rbx
	mov ebx, ecx
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
	xor esi, esi
	xor edx, edx
	test ebx, AT_SYMLINK_NOFOLLOW
	setnz dl
	lea rcx, [stat_scratch]
	call host_stat
	jmp .out
.ram:	mov rdi, [walk_a + Walk.inode]
	call check_found
.out:	pop rbx
	ret
.einval:
	mov rax, -EINVAL
	ret

; -----------------------------------------------------------------------------
; fs_mkdirat -- mkdirat(dirfd, path, mode)
fs_mkdirat:
	push rbx
	push r12
	mov r12d, edx
	and r12d, 0o7777
	mov eax, [umask_value]
	not eax
	and r12d, eax
	mov rdx, rsi
	mov esi, edi
	lea rdi, [walk_a]
	xor ecx, ecx
	call walk_at
	test rax, rax
	js .out
	mov rdi, [walk_a + Walk.host]
	test rdi, rdi
	jz .ram
	mov esi, r12d
	call host_mkdir
	jmp .out
.ram:	cmp qword [walk_a + Walk.inode], 0
	jne .eexist
	mov rax, [walk_a + Walk.dir]
	cmp dword [rax + Inode.nlink], 0
	je .enoent
	lea edi, [r12d + S_IFDIR]
	call inode_new
	test rax, rax
	jz .enospc
	mov rbx, rax
	mov rdi, [walk_a + Walk.dir]
	mov [rbx + Inode.parent], rdi
	mov rsi, [walk_a + Walk.name]
	mov rdx, [walk_a + Walk.len]
	mov rcx, rbx
	call dir_insert
	test rax, rax
	jz .undo
	mov [rbx + Inode.dent], rax
	mov rax, [walk_a + Walk.dir]
	inc dword [rax + Inode.nlink]      ; the new directory's ".."
	xor eax, eax
	jmp .out
.undo:	mov dword [rbx + Inode.nlink], 0
	mov rdi, rbx
	call inode_release
.enospc:
	mov rax, -ENOSPC
	jmp .out
.eexist:
	mov rax, -EEXIST
	jmp .out
.enoent:
	mov rax, -ENOENT
.out:	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; fs_unlinkat -- unlinkat(dirfd, path, flags): unlink, or rmdir with AT_REMOVEDIR
fs_unlinkat:
	push rbx
	push r12
	test edx, ~AT_REMOVEDIR
	jnz .einval
	mov r12d, edx
	mov rdx, rsi
	mov esi, edi
	lea rdi, [walk_a]
	xor ecx, ecx
	call walk_at
	test rax, rax
	js .out
	mov rdi, [walk_a + Walk.host]
	test rdi, rdi
	jz .ram
	test r12d, r12d
	jnz .host_rmdir
	call host_unlink
	jmp .out
.host_rmdir:
	call host_rmdir
	jmp .out
.ram:	mov rbx, [walk_a + Walk.inode]
	test rbx, rbx
	jz .enoent
	mov eax, [rbx + Inode.mode]
	and eax, S_IFMT
	test r12d, r12d
	jnz .rmdir
	cmp eax, S_IFDIR
	je .eisdir
	test qword [walk_a + Walk.flags], WALK_TRAILING
	jnz .enotdir
	mov rdi, [walk_a + Walk.dir]
	mov rsi, [walk_a + Walk.dent]
	call dir_remove
	dec dword [rbx + Inode.nlink]
	mov rdi, rbx
	call inode_release                 ; open descriptors keep it alive
	xor eax, eax
	jmp .out
.rmdir:	cmp eax, S_IFDIR
	jne .enotdir
	test qword [walk_a + Walk.flags], WALK_DOT
	jz .named
	cmp qword [walk_a + Walk.len], 1
	je .einval                         ; rmdir(".")
	ja .enotempty                      ; rmdir("..")
	jmp .ebusy                         ; rmdir("/")
.named:	test dword [rbx + Inode.flags], INODE_HOSTMOUNT
	jnz .ebusy
	cmp qword [rbx + Inode.count], 0
	jne .enotempty
	mov rdi, [walk_a + Walk.dir]
	mov rsi, [walk_a + Walk.dent]
	call dir_remove
	mov rax, [walk_a + Walk.dir]
	dec dword [rax + Inode.nlink]
	mov dword [rbx + Inode.nlink], 0
	mov rdi, rbx
	call inode_release
	xor eax, eax
	jmp .out
.einval:
	mov rax, -EINVAL
	jmp .out
.enoent:
	mov rax, -ENOENT
	jmp .out
.eisdir:
	mov rax, -EISDIR
	jmp .out
.enotdir:
	mov rax, -ENOTDIR
	jmp .out
.enotempty:
	mov rax, -ENOTEMPTY
	jmp .out
.ebusy:	mov rax, -EBUSY
.out:	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; walk_two -- walk two paths (rename, link): the first into walk_a, the second walk_b
;  IN:  EDI = dirfd 1, RSI = path 1, EDX = dirfd 2, RCX = path 2, R8D = walk flags 1
;  OUT: RAX = 0 or -errno
walk_two:
	push rbx
	push r12
	mov ebx, edx
	mov r12, rcx
	mov rdx, rsi
	mov esi, edi
	lea rdi, [walk_a]
	mov ecx, r8d
	call walk_at
	test rax, rax
	js .out
	lea rdi, [walk_b]
	mov esi, ebx
	mov rdx, r12
	xor ecx, ecx
	call walk_at
.out:	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; fs_renameat2 -- renameat2(olddirfd, old, newdirfd, new, flags): flags must be 0
fs_renameat2:
	test r8d, r8d
	jnz .einval
	push rbx
	push r12
	push r13
	push r14
	call walk_two
	test rax, rax
	js .out
	mov rdi, [walk_a + Walk.host]
	mov rsi, [walk_b + Walk.host]
	mov rax, rdi
	or rax, rsi
	jz .ram
	test rdi, rdi
	jz .exdev
	test rsi, rsi
	jz .exdev
	call host_rename
	jmp .out
.ram:	mov rbx, [walk_a + Walk.inode]     ; RBX = what moves
	test rbx, rbx
	jz .enoent
	mov r12, [walk_b + Walk.inode]     ; R12 = what it replaces (or 0)
	mov rax, [walk_a + Walk.flags]
	or rax, [walk_b + Walk.flags]
	test rax, WALK_DOT
	jnz .ebusy
	test dword [rbx + Inode.flags], INODE_HOSTMOUNT
	jnz .ebusy
	mov rax, [walk_b + Walk.dir]
	cmp dword [rax + Inode.nlink], 0
	je .enoent
	cmp rbx, r12
	je .done                           ; two names of one file: nothing to do
	mov r13d, [rbx + Inode.mode]
	and r13d, S_IFMT
	cmp r13d, S_IFDIR
	jne .not_dir
	test r12, r12
	jz .cycle
	mov eax, [r12 + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFDIR
	jne .enotdir
	cmp qword [r12 + Inode.count], 0
	jne .enotempty
.cycle:	mov rax, [walk_b + Walk.dir]       ; a directory cannot move below itself
.up:	cmp rax, rbx
	je .einval_pop
	cmp rax, [root_inode]
	je .checked
	mov rax, [rax + Inode.parent]
	jmp .up
.not_dir:
	mov rax, [walk_a + Walk.flags]
	or rax, [walk_b + Walk.flags]
	test rax, WALK_TRAILING
	jnz .enotdir
	test r12, r12
	jz .checked
	mov eax, [r12 + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFDIR
	je .eisdir
.checked:
	test r12, r12
	jz .insert
	mov r14, [walk_b + Walk.dent]      ; replace: the entry now names the mover
	mov [r14 + Dent.inode], rbx
	mov eax, [r12 + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFDIR
	jne .file_replaced
	mov dword [r12 + Inode.nlink], 0
	mov rax, [walk_b + Walk.dir]
	dec dword [rax + Inode.nlink]
	jmp .unlink_old
.file_replaced:
	dec dword [r12 + Inode.nlink]
	jmp .unlink_old
.insert:
	mov rdi, [walk_b + Walk.dir]
	mov rsi, [walk_b + Walk.name]
	mov rdx, [walk_b + Walk.len]
	mov rcx, rbx
	call dir_insert
	test rax, rax
	jz .enospc                         ; nothing changed yet
	mov r14, rax
.unlink_old:
	mov rdi, [walk_a + Walk.dir]
	mov rsi, [walk_a + Walk.dent]
	call dir_remove
	cmp r13d, S_IFDIR
	jne .moved
	mov rax, [walk_b + Walk.dir]
	mov [rbx + Inode.parent], rax
	mov [rbx + Inode.dent], r14
	inc dword [rax + Inode.nlink]
	mov rax, [walk_a + Walk.dir]
	dec dword [rax + Inode.nlink]
.moved:	test r12, r12
	jz .done
	mov rdi, r12
	call inode_release
.done:	xor eax, eax
	jmp .out
.exdev:	mov rax, -EXDEV
	jmp .out
.enoent:
	mov rax, -ENOENT
	jmp .out
.ebusy:	mov rax, -EBUSY
	jmp .out
.enotdir:
	mov rax, -ENOTDIR
	jmp .out
.enotempty:
	mov rax, -ENOTEMPTY
	jmp .out
.eisdir:
	mov rax, -EISDIR
	jmp .out
.enospc:
	mov rax, -ENOSPC
	jmp .out
.einval_pop:
	mov rax, -EINVAL
.out:	pop r14
	pop r13
	pop r12
	pop rbx
	ret
.einval:
	mov rax, -EINVAL
	ret

; -----------------------------------------------------------------------------
; fs_linkat -- linkat(olddirfd, old, newdirfd, new, flags): a second name
fs_linkat:
	test r8d, ~AT_SYMLINK_FOLLOW
	jnz .einval
	push rbx
	xor eax, eax
	test r8d, AT_SYMLINK_FOLLOW
	setnz al                           ; (WALK_FOLLOW is 1)
	mov r8d, eax
	call walk_two
	test rax, rax
	js .out
	mov rax, [walk_a + Walk.host]
	or rax, [walk_b + Walk.host]
	jnz .exdev                         ; no hard links on or into the share
	mov rbx, [walk_a + Walk.inode]
	test rbx, rbx
	jz .enoent
	mov eax, [rbx + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFDIR
	je .eperm
	cmp qword [walk_b + Walk.inode], 0
	jne .eexist
	mov rax, [walk_b + Walk.dir]
	cmp dword [rax + Inode.nlink], 0
	je .enoent
	mov rdi, rax
	mov rsi, [walk_b + Walk.name]
	mov rdx, [walk_b + Walk.len]
	mov rcx, rbx
	call dir_insert
	test rax, rax
	jz .enospc
	inc dword [rbx + Inode.nlink]
	xor eax, eax
	jmp .out
.exdev:	mov rax, -EXDEV
	jmp .out
.enoent:
	mov rax, -ENOENT
	jmp .out
.eperm:	mov rax, -EPERM
	jmp .out
.eexist:
	mov rax, -EEXIST
	jmp .out
.enospc:
	mov rax, -ENOSPC
.out:	pop rbx
	ret
.einval:
	mov rax, -EINVAL
	ret

; -----------------------------------------------------------------------------
; fs_symlinkat -- symlinkat(target, newdirfd, linkpath)
fs_symlinkat:
	push rbx
	push r12
	push r13
	mov r12d, esi
	mov r13, rdx
	lea rsi, [walk_b + Walk.buf0]      ; walk_b is free: keep the target there
	call copy_user_path
	test rax, rax
	js .out
	mov rbx, rax                       ; target length
	lea rdi, [walk_a]
	mov esi, r12d
	mov rdx, r13
	xor ecx, ecx
	call walk_at
	test rax, rax
	js .out
	cmp qword [walk_a + Walk.host], 0
	jne .eperm                         ; the share does not take symbolic links
	cmp qword [walk_a + Walk.inode], 0
	jne .eexist
	mov rax, [walk_a + Walk.dir]
	cmp dword [rax + Inode.nlink], 0
	je .enoent
	lea rdi, [rbx + 1]
	call kmalloc
	test rax, rax
	jz .enospc
	mov r12, rax
	mov rdi, rax
	lea rsi, [walk_b + Walk.buf0]
	lea rcx, [rbx + 1]
	rep movsb
	mov edi, S_IFLNK | 0o777
	call inode_new
	test rax, rax
	jz .free_target
	mov r13, rax
	mov [r13 + Inode.target], r12
	mov [r13 + Inode.size], rbx
	mov rdi, [walk_a + Walk.dir]
	mov rsi, [walk_a + Walk.name]
	mov rdx, [walk_a + Walk.len]
	mov rcx, r13
	call dir_insert
	test rax, rax
	jz .undo
	xor eax, eax
	jmp .out
.undo:	mov dword [r13 + Inode.nlink], 0
	mov rdi, r13
	call inode_release                 ; (frees the target too)
	jmp .enospc
.free_target:
	mov rdi, r12
	lea rsi, [rbx + 1]
	call kfree
.enospc:
	mov rax, -ENOSPC
	jmp .out
.eperm:	mov rax, -EPERM
	jmp .out
.eexist:
	mov rax, -EEXIST
	jmp .out
.enoent:
	mov rax, -ENOENT
.out:	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; fs_readlinkat -- readlinkat(dirfd, path, buf, size): the target, not NUL-terminated
fs_readlinkat:
	push rbx
	push r12
	mov rbx, rdx
	mov r12, rcx
	test r12d, r12d
	jle .einval
	movsxd r12, r12d
	mov rdx, rsi
	mov esi, edi
	lea rdi, [walk_a]
	xor ecx, ecx
	call walk_at
	test rax, rax
	js .out
	cmp qword [walk_a + Walk.host], 0
	jne .einval
	mov rsi, [walk_a + Walk.inode]
	test rsi, rsi
	jz .enoent
	mov eax, [rsi + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFLNK
	jne .einval
	mov rax, [rsi + Inode.size]
	cmp r12, rax
	jbe .sized
	mov r12, rax
.sized:	mov rdi, rbx
	mov rsi, r12
	call check_user_range
	jc .efault
	mov rsi, [walk_a + Walk.inode]
	mov rsi, [rsi + Inode.target]
	mov rdi, rbx
	mov rcx, r12
	rep movsb
	mov rax, r12
	jmp .out
.einval:
	mov rax, -EINVAL
	jmp .out
.enoent:
	mov rax, -ENOENT
	jmp .out
.efault:
	mov rax, -EFAULT
.out:	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; fs_truncate -- truncate(path, length)
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

; truncate_inode -- RDI = inode, RSI = length: regular files only (EISDIR, EINVAL)
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

; -----------------------------------------------------------------------------
; fs_ftruncate -- ftruncate(fd, length): the descriptor must be open for writing
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
	jmp host_truncate
.ram:	mov rdi, [rax + File.inode]
	jmp truncate_inode
.einval:
	mov rax, -EINVAL
	ret
.ebadf:	mov rax, -EBADF
	ret

; fs_fsync -- fsync and fdatasync: RAM needs no flushing; the share writes through
fs_fsync:
	call fd_get
	test rax, rax
	jz .ebadf
	xor eax, eax
	ret
.ebadf:	mov rax, -EBADF
	ret

; -----------------------------------------------------------------------------
; fs_getdents64 -- getdents64(fd, buf, len): linux_dirent64 records
;   {u64 d_ino; i64 d_off; u16 d_reclen; u8 d_type; char d_name[]} 8-byte aligned.
;   Positions: 0 is ".", 1 is "..", then each entry's cookie; d_off is the next.
fs_getdents64:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	mov r12, rsi
	mov r13, rdx
	call fd_get
	test rax, rax
	jz .ebadf
	mov rbx, rax
	mov rdi, r12
	mov rsi, r13
	call check_user_range
	jc .efault
	mov eax, [rbx + File.kind]
	cmp eax, FILE_HOST
	je .host
	cmp eax, FILE_RAM
	jne .enotdir
	mov r14, [rbx + File.inode]
	mov eax, [r14 + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFDIR
	jne .enotdir
	xor r15d, r15d                     ; bytes written
	; The cursor: still valid if nothing was removed since the last call.
	mov rbp, [rbx + File.dnext]
	test rbp, rbp
	jz .rescan
	mov rax, [r14 + Inode.gen]
	cmp rax, [rbx + File.dgen]
	je .next
.rescan:
	mov rax, [rbx + File.pos]
	mov rbp, [r14 + Inode.head]
.find:	test rbp, rbp
	jz .next
	cmp [rbp + Dent.cookie], rax
	jae .next
	mov rbp, [rbp + Dent.next]
	jmp .find
.next:	mov rax, [rbx + File.pos]
	cmp rax, 2
	jae .entry
	lea rsi, [dot_names]               ; "." or ".."
	lea rcx, [rax + 1]
	mov r8, r14
	test rax, rax
	jz .self
	mov r8, [r14 + Inode.parent]
.self:	mov r8, [r8 + Inode.ino]
	mov r9d, S_IFDIR >> 12
	lea r10, [rax + 1]
	jmp .emit
.entry:	test rbp, rbp
	jz .end
	lea rsi, [rbp + Dent.name]
	mov rcx, [rbp + Dent.len]
	mov r8, [rbp + Dent.inode]
	mov r9d, [r8 + Inode.mode]
	shr r9d, 12                        ; DT_* = S_IF* >> 12
	mov r8, [r8 + Inode.ino]
	mov r10, [rbp + Dent.cookie]
	inc r10
.emit:	lea r11, [rcx + 19 + 1 + 7]
	and r11, ~7                        ; record length
	cmp r11, r13
	jbe .fits
	test r15, r15
	jnz .end
	mov rax, -EINVAL                   ; not even one record fits
	jmp .out
.fits:	push rsi
	push rcx
	mov rdi, r12
	mov rdx, r11
	call kzero                      ; padding bytes must not leak
	pop rcx
	pop rsi
	mov [r12], r8
	mov [r12 + 8], r10
	mov [r12 + 16], r11w
	mov [r12 + 18], r9b
	lea rdi, [r12 + 19]
	rep movsb
	add r12, r11
	sub r13, r11
	add r15, r11
	mov [rbx + File.pos], r10
	cmp r10, 2
	jbe .next
	mov rbp, [rbp + Dent.next]
	jmp .next
.end:	mov [rbx + File.dnext], rbp
	mov rax, [r14 + Inode.gen]
	mov [rbx + File.dgen], rax
	mov rax, r15
	jmp .out
.host:	mov edi, [rbx + File.handle]
	mov rsi, r12
	mov rdx, r13
	call host_getdents
	jmp .out
.ebadf:	mov rax, -EBADF
	jmp .out
.efault:
	mov rax, -EFAULT
	jmp .out
.enotdir:
	mov rax, -ENOTDIR
.out:	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

; -----------------------------------------------------------------------------
; fs_dup -- dup(fd): the lowest free descriptor
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
; fs_dup3 -- dup3(old, new, flags) and dup2 (flags 0, old != new): new is closed first
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

; -----------------------------------------------------------------------------
; fs_fcntl -- fcntl(fd, cmd, arg): descriptor flags, status flags, duplication;
; locks always succeed (one process: nobody to conflict with)
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
	je .getlk
	cmp esi, F_SETLK
	je .zero
	cmp esi, F_SETLKW
	je .zero
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
.getlk:	mov rdi, rdx
	mov esi, 32                        ; struct flock
	call check_user_range
	jc .efault
	mov word [rdi], F_UNLCK
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

; -----------------------------------------------------------------------------
; fs_getcwd -- getcwd(buf, size): the path up through the parents' entries
;  OUT: RAX = length with the NUL, or -ERANGE, -ENOENT (directory removed), -EFAULT
fs_getcwd:
	push rbx
	push r12
	push r13
	mov r12, rdi
	mov r13, rsi
	lea rdi, [walk_b + Walk.buf1 + PATH_MAX]   ; build backwards from the end
	mov byte [rdi], 0
	mov rsi, [cwd_host]
	test rsi, rsi
	jnz .host
	mov rbx, [cwd_inode]
	cmp dword [rbx + Inode.nlink], 0
	je .enoent
	cmp rbx, [root_inode]
	jne .up
	dec rdi
	mov byte [rdi], '/'
	jmp .built
.up:	cmp rbx, [root_inode]
	je .built
	mov rdx, [rbx + Inode.dent]
	mov rcx, [rdx + Dent.len]
	lea rax, [walk_b + Walk.buf1 + 1]
	add rax, rcx
	cmp rdi, rax
	jb .toolong
	sub rdi, rcx
	lea rsi, [rdx + Dent.name]
	push rdi
	rep movsb
	pop rdi
	dec rdi
	mov byte [rdi], '/'
	mov rbx, [rbx + Inode.parent]
	jmp .up
.host:	; "/host" + "/" + the share path (when not the share's root)
	xor ecx, ecx
.hlen:	cmp byte [rsi + rcx], 0
	je .hmeasured
	inc rcx
	jmp .hlen
.hmeasured:
	cmp rcx, PATH_MAX - 8
	ja .toolong
	sub rdi, rcx
	push rdi
	rep movsb
	pop rdi
	cmp byte [rdi], 0
	je .hroot
	dec rdi
	mov byte [rdi], '/'
.hroot:	sub rdi, 5
	mov dword [rdi], '/hos'
	mov byte [rdi + 4], 't'
.built:	lea rbx, [walk_b + Walk.buf1 + PATH_MAX + 1]
	sub rbx, rdi                       ; length with the NUL
	cmp rbx, r13
	ja .erange
	push rdi
	mov rdi, r12
	mov rsi, rbx
	call check_user_range
	pop rsi
	jc .efault
	mov rdi, r12
	mov rcx, rbx
	rep movsb
	mov rax, rbx
	jmp .out
.enoent:
	mov rax, -ENOENT
	jmp .out
.toolong:
	mov rax, -ENAMETOOLONG
	jmp .out
.erange:
	mov rax, -ERANGE
	jmp .out
.efault:
	mov rax, -EFAULT
.out:	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; fs_chdir -- chdir(path); fs_fchdir -- fchdir(fd)
fs_chdir:
	mov rdx, rdi
	mov esi, AT_FDCWD
	lea rdi, [walk_a]
	mov ecx, WALK_FOLLOW
	call walk_at
	test rax, rax
	js .out
	mov rsi, [walk_a + Walk.host]
	test rsi, rsi
	jnz set_cwd_host
	mov rdi, [walk_a + Walk.inode]
	test rdi, rdi
	jz .enoent
	jmp set_cwd
.enoent:
	mov rax, -ENOENT
.out:	ret

fs_fchdir:
	call fd_get
	test rax, rax
	jz .ebadf
	cmp dword [rax + File.kind], FILE_RAM
	je .ram
	mov rsi, [rax + File.hpath]
	test rsi, rsi
	jnz set_cwd_host
	mov rax, -ENOTDIR
	ret
.ram:	mov rdi, [rax + File.inode]
	jmp set_cwd
.ebadf:	mov rax, -EBADF
	ret

; set_cwd -- RDI = RAM inode: must be a directory; moves the working directory's reference
set_cwd:
	mov eax, [rdi + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFDIR
	jne .enotdir
	inc dword [rdi + Inode.refs]
	push rdi
	call drop_cwd
	pop rdi
	mov [cwd_inode], rdi
	xor eax, eax
	ret
.enotdir:
	mov rax, -ENOTDIR
	ret

; set_cwd_host -- RSI = path inside the share: must be a directory there
set_cwd_host:
	push rbx
	mov rbx, rsi
	mov rdi, rsi
	xor esi, esi
	xor edx, edx
	lea rcx, [stat_scratch]
	call host_stat
	test rax, rax
	js .out
	mov eax, [stat_scratch + ST_MODE]
	and eax, S_IFMT
	cmp eax, S_IFDIR
	jne .enotdir
	mov rsi, rbx
	call kstrdup
	test rax, rax
	jz .enomem
	mov rbx, rax
	mov rdi, [host_mount]
	inc dword [rdi + Inode.refs]
	call drop_cwd
	mov rax, [host_mount]
	mov [cwd_inode], rax
	mov [cwd_host], rbx
	xor eax, eax
	jmp .out
.enotdir:
	mov rax, -ENOTDIR
	jmp .out
.enomem:
	mov rax, -ENOMEM
.out:	pop rbx
	ret

; drop_cwd -- release the current working directory (inode reference and share path)
drop_cwd:
	mov rdi, [cwd_host]
	mov qword [cwd_host], 0
	call kfree_string
	mov rdi, [cwd_inode]
	dec dword [rdi + Inode.refs]
	jmp inode_release

; -----------------------------------------------------------------------------
; fs_fchmodat -- fchmodat(dirfd, path, mode) and chmod; fs_fchmod -- fchmod(fd, mode)
; Permission bits are kept and reported; the share ignores them (the host's own
; permissions apply there).
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
	cmp qword [walk_a + Walk.host], 0
	jne .zero
	mov rdi, [walk_a + Walk.inode]
	call check_found
	test rax, rax
	js .out
	mov esi, ebx
	call set_mode
.zero:	xor eax, eax
.out:	pop rbx
	ret

fs_fchmod:
	call fd_get
	test rax, rax
	jz .ebadf
	cmp dword [rax + File.kind], FILE_RAM
	jne .zero
	mov rdi, [rax + File.inode]
	call set_mode
.zero:	xor eax, eax
	ret
.ebadf:	mov rax, -EBADF
	ret

; set_mode -- RDI = inode, ESI = new permission bits
set_mode:
	and esi, 0o7777
	mov eax, [rdi + Inode.mode]
	and eax, S_IFMT
	or eax, esi
	mov [rdi + Inode.mode], eax
	ret

; fs_umask -- umask(mask): the old mask
fs_umask:
	mov eax, [umask_value]
	and edi, 0o777
	mov [umask_value], edi
	ret

section .bss
alignb 8
fs_lock:      resq 1
umask_value:  resd 1
alignb 8
stat_scratch: resb STAT_SIZE
section .rodata
host_name:    db 'host', 0, 0, 0, 0        ; a whole word: name_hash reads words
dot_names:    db '..', 0
msg_fs_nomem: db 'kernel: no memory for the file system', 10, 0
section .text
