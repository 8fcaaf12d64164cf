; The shares' mount points (--share HOST[:GUEST][:ro]). The VMM writes a table of
; BootInfo.share_count ShareMount entries at SHARE_TABLE_ADDR: each names an
; absolute, normalised guest path and whether the share is read-only. At boot each
; path's directories are made in RAM as needed and the last one becomes a mount
; point (INODE_HOSTMOUNT, its index in Inode.share, INODE_SHARE_RO when read-only):
; a walk that reaches it forwards the rest of the path to that share (fs/path.asm),
; and every call that would change a read-only share returns EROFS before it leaves
; the kernel (fs/host.asm); the VMM refuses the same calls again on its side.

section .text

; -----------------------------------------------------------------------------
; shares_mount -- make every share's mount point
;  A path the kernel cannot mount (not absolute, not normalised, through a file,
;  into another share or a non-empty directory) stops the boot with a message; the
;  VMM checks the same before it boots, so this is a second line.
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
shares_mount:
	push rbx
	push r12
	push r13
	push r14
	push r15
	xor ebx, ebx                       ; share index
.next:	mov rax, [boot_info]
	cmp rbx, [rax + BootInfo.share_count]
	jae .done
	cmp rbx, MAX_SHARES
	jae .bad
	imul r12, rbx, ShareMount_size
	add r12, SHARE_TABLE_ADDR
	mov byte [walk_a + Walk.buf0], 0   ; (the message names whatever was copied)
	mov ecx, [r12 + ShareMount.path_len]
	cmp ecx, SHARE_PATH_MAX
	jae .bad
	lea rsi, [r12 + ShareMount.path]
	lea rdi, [walk_a + Walk.buf0]
	rep movsb
	mov qword [rdi], 0                 ; a NUL and the spare word name_hash reads
	cmp byte [walk_a + Walk.buf0], '/'
	jne .bad
	lea r13, [walk_a + Walk.buf0 + 1]  ; the next component
	mov r14, [root_inode]              ; the directory it lies in
.component:
	mov r15, r13
.scan:	mov al, [r15]
	test al, al
	jz .scanned
	cmp al, '/'
	je .scanned
	inc r15
	jmp .scan
.scanned:
	mov rdx, r15
	sub rdx, r13
	jz .bad                            ; "//" or a trailing slash
	cmp rdx, NAME_MAX
	ja .bad
	cmp byte [r13], '.'
	jne .lookup
	cmp rdx, 2
	ja .lookup
	je .dotdot
	jmp .bad                           ; "."
.dotdot:
	cmp byte [r13 + 1], '.'
	je .bad                            ; ".."
.lookup:
	mov rdi, r14
	mov rsi, r13
	call dir_lookup
	test rax, rax
	jz .make
	mov rax, [rax + Dent.inode]
	mov ecx, [rax + Inode.mode]
	and ecx, S_IFMT
	cmp ecx, S_IFDIR
	jne .bad
	test dword [rax + Inode.flags], INODE_HOSTMOUNT | INODE_FDDIR
	jnz .bad                           ; inside another share, or /proc/self/fd
	jmp .have
.make:	mov edi, S_IFDIR | 0o755
	call inode_new
	test rax, rax
	jz .nomem
	mov [rax + Inode.parent], r14
	push rax
	mov rcx, rax
	mov rdi, r14
	mov rsi, r13
	mov rdx, r15
	sub rdx, r13
	call dir_insert
	pop rcx
	test rax, rax
	jz .nomem
	mov [rcx + Inode.dent], rax
	inc dword [r14 + Inode.nlink]      ; the new directory's ".."
	mov rax, rcx
.have:	mov r14, rax
	lea r13, [r15 + 1]
	cmp byte [r15], 0
	jne .component
	; R14 = the last directory: empty, it becomes the mount point.
	cmp qword [r14 + Inode.count], 0
	jne .bad
	mov eax, INODE_HOSTMOUNT
	test dword [r12 + ShareMount.flags], SHARE_READ_ONLY
	jz .flags
	or eax, INODE_SHARE_RO
.flags:	or [r14 + Inode.flags], eax
	mov [r14 + Inode.share], rbx
	inc rbx
	jmp .next
.done:	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret
.nomem:	lea rsi, [msg_fs_nomem]
	call kprint_cstr
	jmp .stop
.bad:	lea rsi, [msg_share_bad]
	call kprint_cstr
	lea rsi, [walk_a + Walk.buf0]
	call kprint_cstr
	lea rsi, [msg_newline]
	call kprint_cstr
.stop:	mov eax, STATUS_CANNOT_START
	mov edx, PORT_PANIC
	out dx, eax
	hlt

; -----------------------------------------------------------------------------
; share_writable -- may a share be changed?
;  IN:  RDI = its mount point
;  OUT: RAX = 0, or -EROFS for a read-only share
;  Clobbers: nothing else
share_writable:
	xor eax, eax
	test dword [rdi + Inode.flags], INODE_SHARE_RO
	jz .ok
	mov rax, -EROFS
.ok:	ret

section .rodata
msg_share_bad: db 'kernel: cannot mount a share at ', 0
section .text
