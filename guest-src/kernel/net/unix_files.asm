; AF_UNIX path names as socket files in the RAM file system, as on Linux: bind makes
; the file (S_IFSOCK; EADDRINUSE when the path exists, stale or not), stat shows it,
; unlink removes it, and connect finds the path in the file system first (ENOENT
; when it is gone, ECONNREFUSED when it names something else). The VMM's socket
; table still pairs sockets by the name (vmm/net/stack.ts). Abstract names, unnamed
; sockets and paths inside a share stay names of the table only.

S_IFSOCK     equ 0xc000
AF_UNIX      equ 1
SUN_PATH_MAX equ 108                   ; sizeof(sockaddr_un.sun_path)
EADDRINUSE   equ 98
ECONNREFUSED equ 111

section .text

; -----------------------------------------------------------------------------
; unix_walk -- walk an AF_UNIX sockaddr's path in the RAM file system (fs_lock held)
;  IN:  RDI = sockaddr (checked readable), ESI = its length, EDX = WALK_FOLLOW or 0
;  OUT: RAX = 1 (walk_a filled), 0 (not a path the file system holds: another
;       family, an abstract or empty name, a path inside a share), or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
unix_walk:
	cmp esi, 3
	jb .none                           ; family only: unnamed
	cmp word [rdi], AF_UNIX
	jne .none
	cmp byte [rdi + 2], 0
	je .none                           ; the abstract namespace
	sub esi, 2
	cmp esi, SUN_PATH_MAX
	jbe .sized
	mov esi, SUN_PATH_MAX
.sized:	lea r8, [walk_a + Walk.buf0]
	xor ecx, ecx
.copy:	cmp ecx, esi
	je .copied
	mov al, [rdi + 2 + rcx]
	test al, al
	jz .copied
	mov [r8 + rcx], al
	inc ecx
	jmp .copy
.copied:
	mov byte [r8 + rcx], 0
	mov rsi, [root_inode]
	cmp byte [r8], '/'
	je .walk
	cmp qword [cwd_host], 0
	jne .none                          ; the working directory lies in a share
	mov rsi, [cwd_inode]
.walk:	lea rdi, [walk_a]
	call walk
	test rax, rax
	js .out
	cmp qword [walk_a + Walk.host], 0
	jne .none                          ; the path enters a share
	mov eax, 1
.out:	ret
.none:	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; unix_bind_check -- before bind: may an AF_UNIX path become a socket file?
;  IN:  RDI = sockaddr (checked readable), ESI = its length
;  OUT: RAX = 0, or -EADDRINUSE (the path exists), -ENOENT, -ENOTDIR (the walk's)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
unix_bind_check:
	SPIN_LOCK [fs_lock]
	xor edx, edx
	call unix_walk
	test rax, rax
	jle .out
	xor eax, eax
	cmp qword [walk_a + Walk.inode], 0
	je .out
	mov rax, -EADDRINUSE
.out:	SPIN_UNLOCK [fs_lock]
	ret

; -----------------------------------------------------------------------------
; unix_bind_file -- after a bind the VMM accepted: the socket file at the path (left
; out when another thread made the name meanwhile, or memory is short: the bind holds)
;  IN:  RDI = sockaddr (checked readable), ESI = its length
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
unix_bind_file:
	push rbx                           ; keeps the stack 16-byte aligned for the calls
	SPIN_LOCK [fs_lock]
	xor edx, edx
	call unix_walk
	cmp rax, 1
	jne .out
	cmp qword [walk_a + Walk.inode], 0
	jne .out
	mov edi, S_IFSOCK | 0o755
	call walk_create                   ; its failures leave the bind without a file
.out:	SPIN_UNLOCK [fs_lock]
	pop rbx
	ret

; -----------------------------------------------------------------------------
; unix_connect_check -- before connect: does an AF_UNIX path name a socket file?
;  IN:  RDI = sockaddr (checked readable), ESI = its length
;  OUT: RAX = 0, or -ENOENT, -ECONNREFUSED (not a socket), or the walk's -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
unix_connect_check:
	SPIN_LOCK [fs_lock]
	mov edx, WALK_FOLLOW
	call unix_walk
	test rax, rax
	jle .out
	mov rcx, [walk_a + Walk.inode]
	mov rax, -ENOENT
	test rcx, rcx
	jz .out
	mov eax, [rcx + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFSOCK
	mov eax, 0
	je .out
	mov rax, -ECONNREFUSED
.out:	SPIN_UNLOCK [fs_lock]
	ret
