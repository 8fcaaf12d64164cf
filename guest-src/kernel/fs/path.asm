; Path names: copying them in from the program and walking them.
;
; A walk works in a Walk context (two static ones: walk_a and walk_b, enough for
; rename and link). The path sits in buf0; following a symbolic link splices its
; target in front of the rest of the path in the other buffer, so a walk needs no
; recursion and no allocation. A walk stops at the last component and reports the
; directory that holds it, its name and its entry, so one walk serves lookups and
; creations alike. A path that enters a share's mount point stops there: the rest
; of it is forwarded to the VMM, which resolves it inside that shared directory.

WALK_FOLLOW   equ 1                    ; walk flag: follow a symbolic link in the last component
WALK_TRAILING equ 1                    ; Walk.flags: the path ended with '/'
WALK_DOT      equ 2                    ; Walk.flags: the last component is . or ..
SYMLOOP_MAX   equ 40                   ; as Linux: more links than this is ELOOP
AT_FDCWD      equ -100

struc Walk
	.buf0:   resb PATH_MAX + 8
	.buf1:   resb PATH_MAX + 8
	.inode:  resq 1      ; the object named (0: the last component does not exist)
	.dir:    resq 1      ; the directory holding the last component
	.dent:   resq 1      ; its entry (0 for . and .. and for /)
	.name:   resq 1      ; the last component (not NUL-terminated)
	.len:    resq 1
	.host:   resq 1      ; when the path enters a share: the rest, relative to it
	                     ; (.inode is then the share's mount point)
	.flags:  resq 1      ; WALK_TRAILING, WALK_DOT
	.links:  resq 1      ; symbolic links followed so far
	.other:  resq 1      ; the buffer a splice writes next
	.fd:     resq 1      ; when .inode is fd_link_inode: the descriptor it names
endstruc

section .text

; -----------------------------------------------------------------------------
; copy_user_path -- copy the program's NUL-terminated path into a kernel buffer
;  IN:  RDI = program address, RSI = buffer (PATH_MAX bytes)
;  OUT: RAX = length, or -EFAULT, -ENAMETOOLONG, -ENOENT (empty path)
;  Clobbers: RCX, RDX
copy_user_path:
	mov edx, PATH_MAX
	call copy_user_string
	test rax, rax
	jz .enoent
	ret
.enoent:
	mov rax, -ENOENT
	ret

; -----------------------------------------------------------------------------
; walk -- resolve the path in ctx.buf0
;  IN:  RDI = Walk context, RSI = directory for a relative path, EDX = WALK_FOLLOW or 0
;  OUT: RAX = 0 (ctx filled; ctx.inode may be 0 when only the last component is
;       missing) or -ENOENT, -ENOTDIR, -ENAMETOOLONG, -ELOOP
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
walk:
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov rbx, rdi
	mov r12, rsi
	mov r14d, edx
	xor eax, eax
	mov [rbx + Walk.inode], rax
	mov [rbx + Walk.dent], rax
	mov [rbx + Walk.host], rax
	mov [rbx + Walk.flags], rax
	mov [rbx + Walk.links], rax
	mov [rbx + Walk.len], rax
	lea r13, [rbx + Walk.buf0]
	lea rax, [rbx + Walk.buf1]
	mov [rbx + Walk.other], rax
.restart:
	cmp byte [r13], '/'
	jne .component
	mov r12, [root_inode]
.slash:	cmp byte [r13], '/'
	jne .after_slash
	inc r13
	jmp .slash
.after_slash:
	cmp byte [r13], 0
	jne .component
	; The path was "/" (or only slashes): the root itself.
	mov [rbx + Walk.inode], r12
	mov [rbx + Walk.dir], r12
	mov [rbx + Walk.name], r13
	mov qword [rbx + Walk.len], 0
	mov qword [rbx + Walk.flags], WALK_DOT
	jmp .ok
.component:
	; [r13, r15) is the component; RDX skips the slashes after it. The end (a NUL or
	; a '/') is found a word at a time, like the NUL in copy_user_string: the zero-byte
	; test on the word and on the word XOR '/' in every byte; the lowest flagged
	; byte of either is the first end. The path is NUL-terminated within PATH_MAX
	; and the buffers have 8 spare bytes, so no word read leaves the buffer.
	mov r15, r13
	mov r9, 0x0101010101010101
	mov r10, 0x2f2f2f2f2f2f2f2f
	mov r11, r9
	shl r11, 7                         ; 0x80 in every byte
.scan:	mov rax, [r15]
	mov rdx, rax
	ZERO_BYTES rcx, rdx, r9            ; NUL bytes
	xor rax, r10
	ZERO_BYTES rdx, rax, r9            ; '/' bytes
	or rcx, rdx
	and rcx, r11
	jnz .end
	add r15, 8
	jmp .scan
.end:	bsf rcx, rcx
	shr ecx, 3
	add r15, rcx
.scanned:
	mov rcx, r15
	sub rcx, r13
	cmp rcx, NAME_MAX
	ja .toolong
	mov rdx, r15
	xor r8d, r8d                       ; trailing-slash flag
.skip:	cmp byte [rdx], '/'
	jne .skipped
	inc rdx
	mov r8d, WALK_TRAILING
	jmp .skip
.skipped:
	mov eax, [r12 + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFDIR
	jne .enotdir
	mov [rbx + Walk.dir], r12
	mov [rbx + Walk.name], r13
	mov [rbx + Walk.len], rcx
	mov qword [rbx + Walk.dent], 0
	mov qword [rbx + Walk.flags], 0
	cmp byte [rdx], 0
	jne .inner
	mov [rbx + Walk.flags], r8         ; last component: remember a trailing slash
.inner:	push rdx
	; "." and ".." never reach the directory index.
	cmp byte [r13], '.'
	jne .lookup
	cmp rcx, 1
	je .dot
	cmp rcx, 2
	jne .lookup
	cmp byte [r13 + 1], '.'
	jne .lookup
	mov rax, [r12 + Inode.parent]
	jmp .dots
.dot:	mov rax, r12
.dots:	or qword [rbx + Walk.flags], WALK_DOT
	pop rdx
	jmp .found
.lookup:
	test dword [r12 + Inode.flags], INODE_FDDIR
	jnz .fdname
	mov rdi, r12
	mov rsi, r13
	mov rdx, rcx
	call dir_lookup
	pop rdx
	test rax, rax
	jz .missing
	mov [rbx + Walk.dent], rax
	mov rax, [rax + Dent.inode]
.found:	; RAX = the object, RDX = the rest of the path.
	mov ecx, [rax + Inode.mode]
	and ecx, S_IFMT
	cmp ecx, S_IFLNK
	jne .not_link
	cmp byte [rdx], 0
	jne .follow                        ; a link in the middle is always followed
	test r14d, WALK_FOLLOW
	jnz .follow
	test qword [rbx + Walk.flags], WALK_TRAILING
	jnz .follow                        ; "link/" means the directory it names
	jmp .last
.not_link:
	test dword [rax + Inode.flags], INODE_HOSTMOUNT
	jnz .host
	cmp byte [rdx], 0
	je .last
	mov r12, rax
	mov r13, rdx
	jmp .component
.last:	mov [rbx + Walk.inode], rax
.ok:	xor eax, eax
	jmp .out
.host:	; The rest goes to the share, unless it climbs out of it with "..": then the
	; walk goes on here, from the directory holding the mount point.
	push rax
	mov rdi, rdx
	call host_rest_escape
	mov rdx, rdi
	pop rcx
	test rax, rax
	jnz .climbed
	mov [rbx + Walk.inode], rcx
	mov [rbx + Walk.host], rdx
	jmp .ok
.climbed:
	mov r12, [rcx + Inode.parent]
	mov r13, rdx
	cmp byte [r13], 0
	jne .component
	mov [rbx + Walk.inode], r12        ; "MOUNT/..": the directory holding it
	mov [rbx + Walk.dir], r12
	mov qword [rbx + Walk.dent], 0
	mov qword [rbx + Walk.flags], WALK_DOT
	jmp .ok
.fdname:
	; /proc/self/fd: a name is an open descriptor's number.
	pop rdx
	push rdx
	mov rdi, r13
	mov rsi, rcx
	call parse_fd_name
	pop rdx
	test rax, rax
	js .fd_enoent
	mov [rbx + Walk.fd], rax
	mov rax, [fd_link_inode]
.fdlink:
	; RAX = fd_link_inode: a link to what descriptor Walk.fd refers to. Followed (in
	; the middle of a path, or at the end under WALK_FOLLOW), a RAM object stands
	; for itself; anything else stays the link (open duplicates the descriptor).
	or qword [rbx + Walk.flags], WALK_DOT   ; (rename refuses it; it has no Dent)
	mov rdi, [rbx + Walk.fd]
	mov rdi, [fd_table + rdi * 8]
	cmp byte [rdx], 0
	jne .fd_middle
	test r14d, WALK_FOLLOW
	jz .last
	mov ecx, [rdi + File.kind]
	cmp ecx, FILE_RAM
	je .fd_object
	cmp ecx, FILE_DEV
	jne .last
.fd_object:
	mov rax, [rdi + File.inode]
	jmp .last
.fd_middle:
	cmp dword [rdi + File.kind], FILE_RAM
	jne .enotdir
	mov r12, [rdi + File.inode]
	mov r13, rdx
	jmp .component
.fd_enoent:
	mov rax, -ENOENT
	jmp .out
.missing:
	cmp byte [rdx], 0
	je .ok                             ; only the last component is missing
	mov rax, -ENOENT
	jmp .out
.follow:
	; New path = target + the rest from the end of this component (its slashes too).
	inc qword [rbx + Walk.links]
	cmp qword [rbx + Walk.links], SYMLOOP_MAX
	ja .eloop
	mov rsi, [rax + Inode.target]
	mov r8, [rax + Inode.size]
	xor ecx, ecx                       ; length of the rest
.restlen:
	cmp byte [r15 + rcx], 0
	je .counted
	inc rcx
	jmp .restlen
.counted:
	lea r9, [r8 + rcx]
	cmp r9, PATH_MAX - 1
	ja .toolong
	mov rdi, [rbx + Walk.other]
	mov r10, rdi                       ; the new path's start
	mov r11, rcx
	mov rcx, r8
	rep movsb                          ; target
	mov rsi, r15
	lea rcx, [r11 + 1]
	rep movsb                          ; rest and its NUL
	; Swap buffers: the one just read becomes the next splice's destination.
	lea rax, [rbx + Walk.buf0]
	cmp r10, rax
	jne .to_buf1
	lea rax, [rbx + Walk.buf1]
.to_buf1:
	mov [rbx + Walk.other], rax
	mov r13, r10
	jmp .restart                       ; relative targets continue from R12
.enotdir:
	mov rax, -ENOTDIR
	jmp .out
.toolong:
	mov rax, -ENAMETOOLONG
	jmp .out
.eloop:	mov rax, -ELOOP
.out:	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; parse_fd_name -- the open descriptor a /proc/self/fd name stands for
;  IN:  RDI = name, RSI = length
;  OUT: RAX = fd, or -ENOENT (not a number in Linux's spelling, or not open)
;  Clobbers: RCX, RDX
parse_fd_name:
	test rsi, rsi
	jz .enoent
	cmp rsi, 4
	ja .enoent
	cmp rsi, 1
	je .digits
	cmp byte [rdi], '0'
	je .enoent                         ; no leading zeros
.digits:
	xor eax, eax
	xor ecx, ecx
.next:	movzx edx, byte [rdi + rcx]
	sub edx, '0'
	cmp edx, 9
	ja .enoent
	imul eax, eax, 10
	add eax, edx
	inc rcx
	cmp rcx, rsi
	jb .next
	cmp eax, FD_MAX
	jae .enoent
	cmp qword [fd_table + rax * 8], 0
	je .enoent
	ret
.enoent:
	mov rax, -ENOENT
	ret

; -----------------------------------------------------------------------------
; host_rest_escape -- does a path inside the share climb out of it with ".."?
;  Reads the components lexically ("a/../.." climbs out; "a/.." does not).
;  IN:  RDI = the rest of a path after a mount point (NUL-terminated)
;  OUT: RAX = 1 and RDI = what follows the ".." that leaves the share (slashes
;       skipped), or RAX = 0 and RDI unchanged
;  Clobbers: RCX, RDX, RSI
host_rest_escape:
	mov rsi, rdi                       ; the scan
	xor edx, edx                       ; depth inside the share
.comp:	cmp byte [rsi], '/'
	jne .start
	inc rsi
	jmp .comp
.start:	cmp byte [rsi], 0
	je .stays
	xor ecx, ecx                       ; component length
.len:	mov al, [rsi + rcx]
	test al, al
	jz .measured
	cmp al, '/'
	je .measured
	inc rcx
	jmp .len
.measured:
	cmp rcx, 1
	jne .two
	cmp byte [rsi], '.'
	je .skip
	jmp .down
.two:	cmp rcx, 2
	jne .down
	cmp word [rsi], '..'
	jne .down
	test rdx, rdx
	jz .escape
	dec rdx
	jmp .skip
.down:	inc rdx
.skip:	add rsi, rcx
	jmp .comp
.escape:
	lea rdi, [rsi + 2]
.after:	cmp byte [rdi], '/'
	jne .found
	inc rdi
	jmp .after
.found:	mov eax, 1
	ret
.stays:	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; walk_at -- copy the program's path in and walk it from dirfd (the *at calls)
;  IN:  RDI = Walk context, ESI = dirfd (AT_FDCWD: the working directory),
;       RDX = program's path, ECX = WALK_FOLLOW or 0
;  OUT: RAX = 0 or -errno (as walk, plus -EFAULT, -EBADF)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
walk_at:
	push rbx
	push r12
	push r13
	push r14
	mov rbx, rdi
	mov r12d, esi
	mov r14d, ecx
	mov rdi, rdx
	lea rsi, [rbx + Walk.buf0]
	call copy_user_path
	test rax, rax
	js .out
	mov r13, rax                       ; length
	cmp byte [rbx + Walk.buf0], '/'
	je .absolute
	cmp r12d, AT_FDCWD
	jne .dirfd
	mov rsi, [cwd_inode]
	mov rdx, [cwd_host]
	jmp .start
.dirfd:	mov edi, r12d
	call fd_get
	test rax, rax
	jz .ebadf
	cmp dword [rax + File.kind], FILE_RAM
	je .ramdir
	cmp dword [rax + File.kind], FILE_HOST
	jne .enotdir
	mov rdx, [rax + File.hpath]
	test rdx, rdx
	jz .enotdir
	mov rsi, [rax + File.mount]
	jmp .start
.ramdir:
	mov rsi, [rax + File.inode]
	mov eax, [rsi + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFDIR
	jne .enotdir
	xor edx, edx
.start:	; RSI = start directory; RDX = its path inside the share when it lies there
	; (RSI is then the share's mount point, and the walk enters it by its name).
	test rdx, rdx
	jz .walk
	push rsi
	mov rcx, rsi
	mov rdi, rbx
	mov rsi, rdx
	mov rdx, r13
	call prefix_host_path
	pop rsi
	test rax, rax
	js .out
	mov rsi, [rsi + Inode.parent]
	jmp .walk
.absolute:
	mov rsi, [root_inode]
.walk:	mov rdi, rbx
	mov edx, r14d
	call walk
.out:	pop r14
	pop r13
	pop r12
	pop rbx
	ret
.ebadf:	mov rax, -EBADF
	jmp .out
.enotdir:
	mov rax, -ENOTDIR
	jmp .out

; -----------------------------------------------------------------------------
; prefix_host_path -- turn a path relative to a share directory into "MOUNT/DIR/path",
; MOUNT being the mount point's name in the directory that holds it
;  IN:  RDI = Walk context (relative path in buf0), RSI = DIR (NUL-terminated,
;       relative to the share), RDX = length of the path in buf0, RCX = mount point
;  OUT: RAX = 0 or -ENAMETOOLONG; buf0 holds the path, relative to the mount
;       point's parent
;  Clobbers: RCX, RDX, RSI, RDI, R8, R9
prefix_host_path:
	push rbx
	mov rbx, rdi
	mov r9, [rcx + Inode.dent]
	xor ecx, ecx
.dirlen:
	cmp byte [rsi + rcx], 0
	je .measured
	inc rcx
	jmp .dirlen
.measured:
	lea rax, [rcx + rdx + 2]           ; MOUNT + "/" + DIR + "/" + path
	add rax, [r9 + Dent.len]
	cmp rax, PATH_MAX - 1
	ja .toolong
	mov r8, rcx
	lea rdi, [rbx + Walk.buf1]         ; build in buf1, then copy back
	push rsi
	lea rsi, [r9 + Dent.name]
	mov rcx, [r9 + Dent.len]
	rep movsb
	pop rsi
	mov byte [rdi], '/'
	inc rdi
	mov rcx, r8
	rep movsb
	mov byte [rdi], '/'
	inc rdi
	lea rsi, [rbx + Walk.buf0]
	lea rcx, [rdx + 1]
	rep movsb
	lea rdi, [rbx + Walk.buf0]
	lea rsi, [rbx + Walk.buf1]
	mov rcx, PATH_MAX
	rep movsb
	xor eax, eax
	pop rbx
	ret
.toolong:
	mov rax, -ENAMETOOLONG
	pop rbx
	ret

section .bss
alignb 8
walk_a:      resb Walk_size
walk_b:      resb Walk_size
cwd_inode:   resq 1     ; the working directory (a reference is held)
cwd_host:    resq 1     ; its path inside a share when it lies there (kmalloc), else 0;
                        ; cwd_inode is then that share's mount point
section .text
