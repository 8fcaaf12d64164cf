; File-system calls about names: unlink, unlinkat (and rmdir), rename, renameat,
; renameat2, link, linkat, symlink, symlinkat, readlink, readlinkat. All run under
; fs_lock (fs/init.asm).

section .text

; -----------------------------------------------------------------------------
; sys_fs_unlink -- unlink(path): unlinkat from the working directory
; plain_unlink -- unlinkat(AT_FDCWD, RDI, EDX) (rmdir shares it)
; sys_fs_rename / sys_fs_renameat -- rename(old, new), renameat(olddirfd, old,
; newdirfd, new): renameat2 with flags 0
; sys_fs_link -- link(old, new): linkat from the working directory, flags 0
; sys_fs_symlink -- symlink(target, linkpath): symlinkat from the working directory
; sys_fs_readlink -- readlink(path, buf, size): readlinkat from the working directory
;  IN:  the call's arguments (RDI, RSI, RDX, RCX)
;  OUT: RAX = as the *at call
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
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

LOCKED unlinkat

; -----------------------------------------------------------------------------
; fs_unlinkat -- unlinkat(dirfd, path, flags): unlink, or rmdir with AT_REMOVEDIR
;  IN:  EDI = dirfd, RSI = path, EDX = flags
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
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
	mov r9, [walk_a + Walk.inode]
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
	mov rsi, [walk_a + Walk.dent]
	test rsi, rsi
	jz .eacces                         ; /proc/self/fd/N: not a name to remove
	mov rdi, [walk_a + Walk.dir]
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
.eacces:
	mov rax, -EACCES
	jmp .out
.ebusy:	mov rax, -EBUSY
.out:	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; walk_two -- walk two paths (rename, link): the first into walk_a, the second walk_b
;  IN:  EDI = dirfd 1, RSI = path 1, EDX = dirfd 2, RCX = path 2, R8D = walk flags 1
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
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

LOCKED renameat2

; -----------------------------------------------------------------------------
; fs_renameat2 -- renameat2(olddirfd, old, newdirfd, new, flags): flags must be 0
;  IN:  EDI = olddirfd, RSI = old, EDX = newdirfd, RCX = new, R8D = flags
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
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
	mov r9, [walk_a + Walk.inode]
	cmp r9, [walk_b + Walk.inode]
	jne .exdev                         ; two shares: two file systems
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

LOCKED linkat

; -----------------------------------------------------------------------------
; fs_linkat -- linkat(olddirfd, old, newdirfd, new, flags): a second name
;  IN:  EDI = olddirfd, RSI = old, EDX = newdirfd, RCX = new, R8D = flags
;       (AT_SYMLINK_FOLLOW)
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
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
	cmp qword [walk_b + Walk.host], 0
	je .not_share
	mov rdi, [walk_b + Walk.inode]
	call share_writable
	test rax, rax
	jnz .out                           ; EROFS into a read-only share
.not_share:
	mov rax, [walk_a + Walk.host]
	or rax, [walk_b + Walk.host]
	jnz .exdev                         ; no hard links on or into a share
	mov rbx, [walk_a + Walk.inode]
	test rbx, rbx
	jz .enoent
	cmp rbx, [fd_link_inode]
	je .exdev                          ; (a descriptor's link: on Linux, another file system)
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

LOCKED symlinkat

; -----------------------------------------------------------------------------
; fs_symlinkat -- symlinkat(target, newdirfd, linkpath)
;  IN:  RDI = target, ESI = newdirfd, RDX = linkpath
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
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
	jne .share                         ; a share takes no symbolic links
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
.share:	mov rdi, [walk_a + Walk.inode]
	call share_writable                ; (EROFS on a read-only one)
	test rax, rax
	jnz .out
	mov rax, -EPERM
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

LOCKED readlinkat

; -----------------------------------------------------------------------------
; fs_readlinkat -- readlinkat(dirfd, path, buf, size): the target, not NUL-terminated
;  IN:  EDI = dirfd, RSI = path, RDX = buffer, ECX = its size
;  OUT: RAX = bytes copied, or -EINVAL, -ENOENT, -EFAULT (or the walk's -errno)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
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
	cmp rsi, [fd_link_inode]
	je .fdlink
	mov eax, [rsi + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFLNK
	jne .einval
	mov rax, [rsi + Inode.size]
	mov rsi, [rsi + Inode.target]
.text:	cmp r12, rax                       ; RSI = the text, RAX = its length
	jbe .sized
	mov r12, rax
.sized:	mov rdi, rbx
	mov rdx, r12
	call copy_to_user                  ; RSI = the text
	test rax, rax
	jnz .out                           ; -EFAULT
	mov rax, r12
	jmp .out
.fdlink:
	mov edi, [walk_a + Walk.fd]
	call fd_describe
	jmp .text
.einval:
	mov rax, -EINVAL
	jmp .out
.enoent:
	mov rax, -ENOENT
.out:	pop r12
	pop rbx
	ret
