; File-system calls about an object's times and owner, and statx: utimensat (and
; musl's futimens, utimes and utime, which call it), chown, fchown, lchown,
; fchownat, statx; the extended-attribute calls, refused. All run under fs_lock
; (fs/init.asm).
;
; Times are kept in nanoseconds since the epoch (CLOCK_REALTIME) in every RAM inode;
; on /host they are the host file's own (HOST_UTIMENS sets them). Owners are
; recorded on RAM objects (stat reports them; nothing is enforced: the program is
; root) and accepted without effect on /host (the host's owners stay).

UTIME_NOW  equ (1 << 30) - 1
UTIME_OMIT equ (1 << 30) - 2
TIME_OMIT  equ 0x8000000000000000      ; HcUtimens: leave this time as it is
AT_STATX_SYNC_TYPE equ 0x6000
STATX_BASIC_STATS  equ 0x7ff
STATX_RESERVED     equ 0x80000000
STATX_SIZE         equ 256

section .text

; -----------------------------------------------------------------------------
; attr_target -- what a *at call on times or owners acts on
;  IN:  EDI = dirfd, RSI = path (0: dirfd itself, for utimensat), ECX = flags
;       (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH)
;  OUT: RAX = 0 and RDX = RAM inode, or RAX = 1 and RDX = share path (walk_a's),
;       or RAX = 2 and EDX = share handle, or RAX = 3 (the console: nothing kept),
;       or -errno; R8 = the share's mount point when RAX is 1 or 2
;  Clobbers: RCX, RSI, RDI, R8-R11
attr_target:
	push rbx
	push r12
	mov ebx, edi
	mov r12d, ecx
	test rsi, rsi
	jz .fd
	test r12d, AT_EMPTY_PATH
	jz .walk
	push rsi
	mov rdi, rsi
	lea rsi, [walk_a + Walk.buf0]
	call copy_user_path
	pop rsi
	cmp rax, -ENOENT
	je .fd                             ; "" with AT_EMPTY_PATH: dirfd itself
.walk:	mov rdx, rsi
	mov esi, ebx
	lea rdi, [walk_a]
	xor ecx, ecx
	test r12d, AT_SYMLINK_NOFOLLOW
	jnz .go
	mov ecx, WALK_FOLLOW
.go:	call walk_at
	test rax, rax
	js .out
	mov rdx, [walk_a + Walk.host]
	mov r8, [walk_a + Walk.inode]
	mov eax, 1
	test rdx, rdx
	jnz .out
	mov rdi, [walk_a + Walk.inode]
	call check_found
	test rax, rax
	js .out
	mov rdx, rdi
	jmp .out
.fd:	cmp ebx, AT_FDCWD
	je .cwd
	mov edi, ebx
	call fd_get
	test rax, rax
	jz .ebadf
	mov ecx, [rax + File.kind]
	mov rdx, [rax + File.inode]
	cmp ecx, FILE_RAM
	je .zero
	cmp ecx, FILE_DEV
	je .zero
	mov edx, [rax + File.handle]
	mov r8, [rax + File.mount]
	mov eax, 2
	cmp ecx, FILE_HOST
	je .out
	mov eax, 3
	jmp .out
.cwd:	mov rdx, [cwd_host]
	mov r8, [cwd_inode]
	mov eax, 1
	test rdx, rdx
	jnz .out
	mov rdx, [cwd_inode]
.zero:	xor eax, eax
	jmp .out
.ebadf:	mov rax, -EBADF
.out:	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; utime_value -- one time of a utimensat request, in nanoseconds
;  IN:  RDI = struct timespec (checked), RSI = now
;  OUT: RAX = nanoseconds, TIME_OMIT, or -EINVAL in RDX (RDX = 0 when valid)
;  Clobbers: RCX
utime_value:
	mov rcx, [rdi + 8]
	cmp rcx, UTIME_NOW
	je .now
	cmp rcx, UTIME_OMIT
	je .omit
	cmp rcx, NS_PER_S
	jae .einval                        ; (negative too)
	mov rax, [rdi]
	imul rax, rax, NS_PER_S
	add rax, rcx
	xor edx, edx
	ret
.now:	mov rax, rsi
	xor edx, edx
	ret
.omit:	mov rax, TIME_OMIT
	xor edx, edx
	ret
.einval:
	mov rdx, -EINVAL
	ret

LOCKED utimensat

; -----------------------------------------------------------------------------
; fs_utimensat -- utimensat(dirfd, path, times[2], flags); path 0: dirfd itself
; (futimens); times 0: both now; UTIME_NOW, UTIME_OMIT per time
;  IN:  EDI = dirfd, RSI = path, RDX = times, ECX = flags
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_utimensat:
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov ebx, edi
	mov r12, rsi
	mov r13, rdx
	mov r14d, ecx
	test r14d, ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)
	jnz .einval
	test r12, r12
	jnz .times
	test r14d, AT_SYMLINK_NOFOLLOW
	jnz .einval                        ; (no path: no link to leave unfollowed)
	cmp ebx, AT_FDCWD
	je .efault
.times:	mov edi, CLOCK_REALTIME
	call clock_now
	mov rsi, rax
	mov r15, rax                       ; atime
	mov [utime_mtime], rax
	test r13, r13
	jz .target
	mov rdi, r13
	push rsi
	mov esi, 32
	call check_user_write
	pop rsi
	jc .efault
	mov rdi, r13
	call utime_value
	test rdx, rdx
	jnz .error
	mov r15, rax
	lea rdi, [r13 + 16]
	call utime_value
	test rdx, rdx
	jnz .error
	mov [utime_mtime], rax
.target:
	mov edi, ebx
	mov rsi, r12
	mov ecx, r14d
	call attr_target
	test rax, rax
	js .out
	mov r9, r8                         ; a share's mount point (host_utimens)
	mov rcx, TIME_OMIT                 ; both omitted: nothing changes, not even ctime
	cmp r15, rcx
	jne .apply
	cmp [utime_mtime], rcx
	je .zero
.apply:	cmp eax, 1
	je .host_path
	cmp eax, 2
	je .host_fd
	cmp eax, 3
	je .zero
	mov rdi, rdx                       ; a RAM object
	mov rcx, TIME_OMIT
	cmp r15, rcx
	je .m
	mov [rdi + Inode.atime], r15
.m:	mov rax, [utime_mtime]
	cmp rax, rcx
	je .c
	mov [rdi + Inode.mtime], rax
.c:	mov esi, TOUCH_C
	call inode_touch
.zero:	xor eax, eax
	jmp .out
.host_path:
	mov rdi, rdx
	xor esi, esi
	xor edx, edx
	test r14d, AT_SYMLINK_NOFOLLOW
	setnz dl
	jmp .host
.host_fd:
	xor edi, edi
	mov esi, edx
	xor edx, edx
.host:	mov rcx, r15
	mov r8, [utime_mtime]
	call host_utimens
	jmp .out
.error:	mov rax, rdx
	jmp .out
.efault:
	mov rax, -EFAULT
	jmp .out
.einval:
	mov rax, -EINVAL
.out:	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; sys_fs_chown / sys_fs_lchown -- chown(path, uid, gid), lchown: fchownat from the
; working directory (lchown: AT_SYMLINK_NOFOLLOW)
; sys_fs_fchown -- fchown(fd, uid, gid): fchownat(fd, "", ..., AT_EMPTY_PATH)
;  IN:  the call's arguments (RDI, RSI, RDX)
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_fs_chown:
	xor r8d, r8d
	jmp plain_chown
sys_fs_lchown:
	mov r8d, AT_SYMLINK_NOFOLLOW
plain_chown:
	mov rcx, rdx
	mov rdx, rsi
	mov rsi, rdi
	mov edi, AT_FDCWD
	jmp sys_fs_fchownat
sys_fs_fchown:
	mov rcx, rdx
	mov rdx, rsi
	xor esi, esi                       ; (no path: the descriptor itself)
	mov r8d, AT_EMPTY_PATH
	jmp sys_fs_fchownat

LOCKED fchownat

; -----------------------------------------------------------------------------
; fs_fchownat -- fchownat(dirfd, path, uid, gid, flags): -1 keeps an id
;  IN:  EDI = dirfd, RSI = path (0 from fchown), EDX = uid, ECX = gid, R8D = flags
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_fchownat:
	push rbx
	push r12
	push r13
	mov ebx, edx
	mov r12d, ecx
	mov r13d, r8d
	test r13d, ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)
	jnz .einval
	test rsi, rsi
	jnz .named
	cmp edi, AT_FDCWD
	je .ebadf
.named:	mov ecx, r13d
	call attr_target
	test rax, rax
	js .out
	jz .ram
	cmp eax, 3
	je .zero
	mov r9, r8
	push rax
	push rdx
	mov rdi, r9
	call share_writable                ; (EROFS on a read-only share)
	pop rdx
	pop rcx
	test rax, rax
	jnz .out
	cmp ecx, 1
	jne .zero
	mov rdi, rdx                       ; a share path: it must exist
	xor esi, esi
	xor edx, edx
	test r13d, AT_SYMLINK_NOFOLLOW
	setnz dl
	lea rcx, [stat_scratch]
	call host_stat
	jmp .out
.ram:	mov rdi, rdx
	cmp ebx, -1
	je .gid
	mov [rdi + Inode.uid], ebx
.gid:	cmp r12d, -1
	je .touch
	mov [rdi + Inode.gid], r12d
.touch:	mov esi, TOUCH_C
	call inode_touch
.zero:	xor eax, eax
	jmp .out
.ebadf:	mov rax, -EBADF
	jmp .out
.einval:
	mov rax, -EINVAL
.out:	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; sys_fs_no_xattr -- setxattr, getxattr, listxattr, removexattr and their l- and f-
; forms: the file systems here keep no extended attributes
;  OUT: RAX = -EOPNOTSUPP
sys_fs_no_xattr:
	mov rax, -EOPNOTSUPP
	ret

LOCKED statx

; -----------------------------------------------------------------------------
; fs_statx -- statx(dirfd, path, flags, mask, buf): the basic fields (stx_mask
; STATX_BASIC_STATS whatever was asked, as Linux's file systems answer); no birth time
;  IN:  EDI = dirfd, RSI = path, EDX = flags, ECX = mask, R8 = struct statx
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_statx:
	push rbx
	mov rbx, r8
	test edx, ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)
	jnz .einval
	mov eax, edx
	and eax, AT_STATX_SYNC_TYPE
	cmp eax, AT_STATX_SYNC_TYPE
	je .einval
	test ecx, STATX_RESERVED
	jnz .einval
	push rdi
	push rsi
	push rdx
	mov rdi, rbx
	mov esi, STATX_SIZE
	call check_user_write
	pop rcx
	pop rsi
	pop rdi
	jc .efault
	and ecx, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH
	lea rdx, [stat_scratch]
	test rsi, rsi
	jnz .path
	test ecx, AT_EMPTY_PATH
	jz .efault
	mov rsi, rdx                       ; NULL with AT_EMPTY_PATH: the descriptor
	call stat_fd
	jmp .got
.path:	call stat_at
.got:	test rax, rax
	js .out
	mov rdi, rbx
	mov edx, STATX_SIZE
	call kzero
	lea rsi, [stat_scratch]
	mov dword [rbx + 0], STATX_BASIC_STATS
	mov eax, [rsi + ST_BLKSIZE]
	mov [rbx + 4], eax
	mov eax, [rsi + ST_NLINK]
	mov [rbx + 16], eax
	mov eax, [rsi + ST_UID]
	mov [rbx + 20], eax
	mov eax, [rsi + ST_GID]
	mov [rbx + 24], eax
	mov eax, [rsi + ST_MODE]
	mov [rbx + 28], ax
	mov rax, [rsi + ST_INO]
	mov [rbx + 32], rax
	mov rax, [rsi + ST_SIZE]
	mov [rbx + 40], rax
	mov rax, [rsi + ST_BLOCKS]
	mov [rbx + 48], rax
	mov rax, [rsi + ST_ATIME]          ; statx_timestamp {i64 sec, u32 nsec}
	mov [rbx + 64], rax
	mov eax, [rsi + ST_ATIME + 8]
	mov [rbx + 72], eax
	mov rax, [rsi + ST_CTIME]
	mov [rbx + 96], rax
	mov eax, [rsi + ST_CTIME + 8]
	mov [rbx + 104], eax
	mov rax, [rsi + ST_MTIME]
	mov [rbx + 112], rax
	mov eax, [rsi + ST_MTIME + 8]
	mov [rbx + 120], eax
	mov rax, [rsi + ST_RDEV]
	mov ecx, eax
	shr ecx, 8
	and ecx, 0xfff
	mov [rbx + 128], ecx               ; rdev major, minor
	movzx eax, al
	mov [rbx + 132], eax
	mov rax, [rsi + ST_DEV]
	mov [rbx + 140], eax               ; dev minor (major 0)
	xor eax, eax
	jmp .out
.efault:
	mov rax, -EFAULT
	jmp .out
.einval:
	mov rax, -EINVAL
.out:	pop rbx
	ret

section .bss
alignb 8
utime_mtime: resq 1        ; utimensat's second time (fs_lock held)
section .text
