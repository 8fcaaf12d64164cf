; File-system calls about directories: mkdir, mkdirat, rmdir (through unlinkat,
; fs/sys_names.asm), getdents64, getcwd, chdir, fchdir. All run under fs_lock
; (fs/init.asm).

section .text

; -----------------------------------------------------------------------------
; sys_fs_mkdir -- mkdir(path, mode): mkdirat from the working directory
; sys_fs_rmdir -- rmdir(path): unlinkat(AT_FDCWD, path, AT_REMOVEDIR)
;  IN:  the call's arguments (RDI, RSI)
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_fs_mkdir:                          ; mkdir(path, mode)
	mov rdx, rsi
	mov rsi, rdi
	mov edi, AT_FDCWD
	jmp sys_fs_mkdirat
sys_fs_rmdir:
	mov edx, AT_REMOVEDIR
	jmp plain_unlink

LOCKED mkdirat

; -----------------------------------------------------------------------------
; fs_mkdirat -- mkdirat(dirfd, path, mode)
;  IN:  EDI = dirfd, RSI = path, EDX = mode
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
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
	mov r9, [walk_a + Walk.inode]
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

LOCKED getdents64

; -----------------------------------------------------------------------------
; fs_getdents64 -- getdents64(fd, buf, len): linux_dirent64 records
;   {u64 d_ino; i64 d_off; u16 d_reclen; u8 d_type; char d_name[]} 8-byte aligned.
;   Positions: 0 is ".", 1 is "..", then each entry's cookie; d_off is the next.
;  IN:  EDI = fd, RSI = buffer, RDX = its size
;  OUT: RAX = bytes written (0 at the end), or -EBADF, -EFAULT, -ENOTDIR, -EINVAL
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
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
	call check_user_write
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
	test dword [r14 + Inode.flags], INODE_FDDIR
	jnz .fds
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
.fds:	mov rdi, rbx
	mov rsi, r12
	mov rdx, r13
	call fd_dir_entries
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

LOCKED getcwd

; -----------------------------------------------------------------------------
; fs_getcwd -- getcwd(buf, size): the path up through the parents' entries
;  IN:  RDI = buffer, RSI = its size
;  OUT: RAX = length with the NUL, or -ERANGE, -ENOENT (directory removed), -EFAULT,
;       -ENAMETOOLONG
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
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
.host:	; the mount point's path + "/" + the share path (when not the share's root)
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
.hroot:	mov rbx, [cwd_inode]               ; the mount point, then up to the root
	jmp .up
.built:	lea rbx, [walk_b + Walk.buf1 + PATH_MAX + 1]
	sub rbx, rdi                       ; length with the NUL
	cmp rbx, r13
	ja .erange
	mov rsi, rdi
	mov rdi, r12
	mov rdx, rbx
	call copy_to_user
	test rax, rax
	jnz .out                           ; -EFAULT
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
.out:	pop r13
	pop r12
	pop rbx
	ret

LOCKED chdir

; -----------------------------------------------------------------------------
; fs_chdir -- chdir(path)
;  IN:  RDI = path
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_chdir:
	mov rdx, rdi
	mov esi, AT_FDCWD
	lea rdi, [walk_a]
	mov ecx, WALK_FOLLOW
	call walk_at
	test rax, rax
	js .out
	mov rsi, [walk_a + Walk.host]
	mov rdi, [walk_a + Walk.inode]
	test rsi, rsi
	jnz set_cwd_host
	test rdi, rdi
	jz .enoent
	jmp set_cwd
.enoent:
	mov rax, -ENOENT
.out:	ret

LOCKED fchdir

; -----------------------------------------------------------------------------
; fs_fchdir -- fchdir(fd): a RAM directory, or a share directory opened with
; O_DIRECTORY (its path is kept)
;  IN:  EDI = fd
;  OUT: RAX = 0, or -EBADF, -ENOTDIR, -ENOMEM
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_fchdir:
	call fd_get
	test rax, rax
	jz .ebadf
	cmp dword [rax + File.kind], FILE_RAM
	je .ram
	mov rsi, [rax + File.hpath]
	mov rdi, [rax + File.mount]
	test rsi, rsi
	jnz set_cwd_host
	mov rax, -ENOTDIR
	ret
.ram:	mov rdi, [rax + File.inode]
	jmp set_cwd
.ebadf:	mov rax, -EBADF
	ret

; -----------------------------------------------------------------------------
; set_cwd -- make a RAM inode the working directory (moves the reference)
;  IN:  RDI = inode
;  OUT: RAX = 0 or -ENOTDIR
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
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

; -----------------------------------------------------------------------------
; set_cwd_host -- make a share directory the working directory
;  IN:  RSI = path inside the share, RDI = the share's mount point
;  OUT: RAX = 0, or -ENOTDIR, -ENOMEM (or the share's -errno)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
set_cwd_host:
	push rbx
	push r12
	mov rbx, rsi
	mov r12, rdi
	mov r9, rdi
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
	inc dword [r12 + Inode.refs]
	call drop_cwd
	mov [cwd_inode], r12
	mov [cwd_host], rbx
	xor eax, eax
	jmp .out
.enotdir:
	mov rax, -ENOTDIR
	jmp .out
.enomem:
	mov rax, -ENOMEM
.out:	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; drop_cwd -- release the current working directory (inode reference and share path)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
drop_cwd:
	mov rdi, [cwd_host]
	mov qword [cwd_host], 0
	call kfree_string
	mov rdi, [cwd_inode]
	dec dword [rdi + Inode.refs]
	jmp inode_release
