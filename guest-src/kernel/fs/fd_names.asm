; /proc/self/fd (and /dev/fd, a link to it): a directory whose entries are the open
; descriptors. Each is a link (fd_link_inode, fs/special.asm; the walk notes the
; number in Walk.fd) whose text names what the descriptor refers to:
;
;   a RAM object    its path ("(deleted)" once it has no name)
;   a share object  its mount point's path, / and its path in the share
;   a device        /dev/ and its name
;   the console     /dev/console
;
; Following one reaches the object itself for RAM objects (as on Linux, an open
; makes a new open file description); for the console and the share, an open
; duplicates the descriptor.

section .text

; -----------------------------------------------------------------------------
; fd_describe -- the text of /proc/self/fd/N
;  IN:  EDI = an open fd
;  OUT: RSI = the text (in walk_b.buf1, not NUL-terminated), RAX = its length
;  Clobbers: RCX, RDX, RDI, R8-R11
fd_describe:
	push rbx
	mov eax, edi
	mov rbx, [fd_table + rax * 8]
	lea rdi, [walk_b + Walk.buf1 + PATH_MAX]   ; built backwards from here
	mov eax, [rbx + File.kind]
	cmp eax, FILE_RAM
	je .ram
	cmp eax, FILE_DEV
	je .dev
	cmp eax, FILE_HOST
	je .host
	lea rsi, [s_console]
	jmp .prefix
.dev:	mov rax, [rbx + File.inode]
	mov rax, [rax + Inode.rdev]
	lea rsi, [n_null]
	cmp rax, DEV_NULL
	je .devname
	lea rsi, [n_zero]
	cmp rax, DEV_ZERO
	je .devname
	lea rsi, [n_full]
	cmp rax, DEV_FULL
	je .devname
	lea rsi, [n_random]
	cmp rax, DEV_RANDOM
	je .devname
	lea rsi, [n_urandom]
.devname:
	call .prepend
	lea rsi, [s_dev]
	jmp .prefix
.host:	mov rsi, [rbx + File.hpath]
	test rsi, rsi
	jz .host_root
	call .prepend
	cmp byte [rsi], 0
	je .host_root
	dec rdi
	mov byte [rdi], '/'
.host_root:
	mov rsi, [rbx + File.mount]
	call dir_path_before
	jmp .out
.ram:	mov rdi, [rbx + File.inode]
	call inode_path
	jmp .out
.prefix:
	call .prepend
	mov rsi, rdi
	lea rax, [walk_b + Walk.buf1 + PATH_MAX]
	sub rax, rdi
.out:	pop rbx
	ret
; .prepend: the NUL-terminated RSI in front of RDI (RDI moves back). Clobbers RCX, RDX.
.prepend:
	xor ecx, ecx
.len:	cmp byte [rsi + rcx], 0
	je .measured
	inc rcx
	jmp .len
.measured:
	lea rdx, [walk_b + Walk.buf1 + 1]
	add rdx, rcx
	cmp rdi, rdx
	jb .full                           ; (PATH_MAX bounds every name here)
	sub rdi, rcx
	push rsi
	push rdi
	rep movsb
	pop rdi
	pop rsi
.full:	ret

; -----------------------------------------------------------------------------
; inode_path -- the path of a RAM object: a directory through its parents, anything
; else through a search of the tree for an entry naming it
;  IN:  RDI = inode
;  OUT: RSI = the path (in walk_b.buf1, not NUL-terminated), RAX = its length
;  Clobbers: RCX, RDX, RDI, R8-R11
inode_path:
	push rbx
	push r12
	mov r12, rdi
	lea rdi, [walk_b + Walk.buf1 + PATH_MAX]
	mov eax, [r12 + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFDIR
	jne .search
	cmp dword [r12 + Inode.nlink], 0
	je .deleted
	mov rbx, r12
	jmp .up
.search:	; depth first, in creation order; R8 = directory, R9 = entry
	cmp dword [r12 + Inode.nlink], 0
	je .deleted
	mov r8, [root_inode]
	mov r9, [r8 + Inode.head]
.visit:	test r9, r9
	jnz .entry
	cmp r8, [root_inode]
	je .deleted                        ; (not found: treated as removed)
	mov r9, [r8 + Inode.dent]          ; back up: the entry after this directory's
	mov r9, [r9 + Dent.next]
	mov r8, [r8 + Inode.parent]
	jmp .visit
.entry:	mov rax, [r9 + Dent.inode]
	cmp rax, r12
	je .found
	mov ecx, [rax + Inode.mode]
	and ecx, S_IFMT
	cmp ecx, S_IFDIR
	jne .sibling
	test dword [rax + Inode.flags], INODE_HOSTMOUNT
	jnz .sibling
	mov r8, rax                        ; down into a subdirectory
	mov r9, [r8 + Inode.head]
	jmp .visit
.sibling:
	mov r9, [r9 + Dent.next]
	jmp .visit
.found:	mov rbx, r8                        ; the name, then the directory's path
	mov rdx, r9
	call .name
	jmp .up
.up:	cmp rbx, [root_inode]
	je .rooted
	mov rdx, [rbx + Inode.dent]
	call .name
	mov rbx, [rbx + Inode.parent]
	jmp .up
.rooted:
	lea rax, [walk_b + Walk.buf1 + PATH_MAX]
	cmp rdi, rax
	jne .done
	dec rdi                            ; the root itself: "/"
	mov byte [rdi], '/'
.done:	mov rsi, rdi
	lea rax, [walk_b + Walk.buf1 + PATH_MAX]
	sub rax, rdi
	pop r12
	pop rbx
	ret
.deleted:
	lea rsi, [s_deleted]
	mov eax, s_deleted_len
	pop r12
	pop rbx
	ret
; .name: "/" and the entry RDX's name in front of RDI. Clobbers RCX, RSI.
.name:	mov rcx, [rdx + Dent.len]
	lea rsi, [walk_b + Walk.buf1 + 2]
	add rsi, rcx
	cmp rdi, rsi
	jb .no_room
	sub rdi, rcx
	lea rsi, [rdx + Dent.name]
	push rdi
	rep movsb
	pop rdi
	dec rdi
	mov byte [rdi], '/'
.no_room:
	ret

; -----------------------------------------------------------------------------
; dir_path_before -- a RAM directory's path in front of text built backwards in
; walk_b.buf1 (as inode_path's; RDI = where that text starts)
;  IN:  RDI = the text's start, RSI = directory inode (linked)
;  OUT: RSI = the whole text, RAX = its length
;  Clobbers: RCX, RDX, RDI, R8-R11
dir_path_before:
	push rbx
	push r12
	mov rbx, rsi
	jmp inode_path.up

; -----------------------------------------------------------------------------
; fd_dir_entries -- getdents64 of /proc/self/fd: ".", "..", then one link per open
; descriptor. Positions: 0 ".", 1 "..", then 2 + fd.
;  IN:  RDI = File (the directory), RSI = buffer (checked), RDX = its size
;  OUT: RAX = bytes written (0 at the end) or -EINVAL (not even one record fits)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fd_dir_entries:
	push rbx
	push r12
	push r13
	push r14
	push r15
	sub rsp, 16                        ; the name being written
	mov rbx, rdi
	mov r12, rsi
	mov r13, rdx
	xor r15d, r15d                     ; bytes written
.next:	mov r14, [rbx + File.pos]
	cmp r14, 2
	jae .fd
	mov r8, [rbx + File.inode]
	test r14, r14
	jz .dot_ino
	mov r8, [r8 + Inode.parent]
.dot_ino:
	mov r8, [r8 + Inode.ino]
	lea rsi, [dot_names]
	lea rcx, [r14 + 1]
	mov r9d, S_IFDIR >> 12
	lea r10, [r14 + 1]
	jmp .emit
.fd:	lea rax, [r14 - 2]                 ; the next open descriptor from here
.scan:	cmp rax, FD_MAX
	jae .end
	cmp qword [fd_table + rax * 8], 0
	jne .open
	inc rax
	jmp .scan
.open:	lea r10, [rax + 3]                 ; the position after it
	lea rsi, [rsp + 16]                ; its number in decimal
	mov ecx, 10
.digit:	xor edx, edx
	div rcx
	add dl, '0'
	dec rsi
	mov [rsi], dl
	test rax, rax
	jnz .digit
	lea rcx, [rsp + 16]
	sub rcx, rsi
	mov r8, [fd_link_inode]
	mov r8, [r8 + Inode.ino]
	mov r9d, S_IFLNK >> 12
.emit:	lea r11, [rcx + 19 + 1 + 7]
	and r11, ~7                        ; record length
	cmp r11, r13
	jbe .fits
	test r15, r15
	jnz .end
	mov rax, -EINVAL
	jmp .out
.fits:	push rsi
	push rcx
	mov rdi, r12
	mov rdx, r11
	call kzero
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
	jmp .next
.end:	mov rax, r15
.out:	add rsp, 16
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

section .rodata
s_console: db '/dev/console', 0
s_dev:     db '/dev/', 0
s_deleted: db '(deleted)'
s_deleted_len equ $ - s_deleted
section .text
