; --preload: the VMM packs a host tree into an archive at the top of guest RAM
; (BootInfo.preload_addr/size) and the kernel unpacks it into the RAM file system
; before the program starts, then gives the archive's pages to the allocator.
;
; Archive (little-endian, vmm/files/preload.ts writes it):
;   u64 PRELOAD_MAGIC
;   records, each 8-byte aligned:
;     u8 type (0 end, 1 directory, 2 file, 3 symbolic link), u8 0, u16 path length,
;     u32 permission bits, u64 data length, path bytes (relative to /, no NUL),
;     data bytes (file contents or link target)
;   Parents come before their children.

PRELOAD_END  equ 0
PRELOAD_DIR  equ 1
PRELOAD_FILE equ 2
PRELOAD_LINK equ 3

section .text

; -----------------------------------------------------------------------------
; reserve_pages -- mark pages in use without handing them out (the archive's)
;  IN:  RDI = address (page aligned), RSI = page count
;  Clobbers: RAX, RCX
reserve_pages:
	mov rax, rdi
	shr rax, 12
	mov rcx, rsi
.page:	test rcx, rcx
	jz .done
	bts [page_bitmap], rax
	inc rax
	dec rcx
	jmp .page
.done:	ret

; -----------------------------------------------------------------------------
; preload_unpack -- create the archive's directories, files and links, free it
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
preload_unpack:
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov rbx, [boot_info]
	mov r12, [rbx + BootInfo.preload_addr]
	test r12, r12
	jz .none
	mov r13, [rbx + BootInfo.preload_size]
	lea r15, [r12 + r13]               ; end of the archive
	mov rdi, r12
	lea rsi, [r13 + PAGE_SIZE - 1]
	shr rsi, 12
	call reserve_pages                 ; nothing may allocate over it while we read
	mov rax, PRELOAD_MAGIC
	cmp r13, 8
	jb .bad
	cmp [r12], rax
	jne .bad
	lea r14, [r12 + 8]
.record:
	lea rax, [r14 + 16]
	cmp rax, r15
	ja .bad
	movzx eax, byte [r14]
	cmp eax, PRELOAD_END
	je .free
	movzx ecx, word [r14 + 2]          ; path length
	test ecx, ecx
	jz .bad
	cmp ecx, PATH_MAX - 1
	jae .bad
	mov rdx, [r14 + 8]                 ; data length
	lea rax, [r14 + 16 + rcx]
	mov r8, r15
	sub r8, rax
	cmp rdx, r8
	ja .bad
	lea rsi, [r14 + 16]                ; path -> walk_a.buf0 with a NUL
	lea rdi, [walk_a + Walk.buf0]
	rep movsb
	mov byte [rdi], 0
	lea rdi, [walk_a]
	mov rsi, [root_inode]
	xor edx, edx
	call walk
	test rax, rax
	js .bad
	cmp qword [walk_a + Walk.inode], 0
	jne .next                          ; already there (a repeated directory)
	cmp qword [walk_a + Walk.host], 0
	jne .next
	mov eax, [r14 + 4]
	and eax, 0o7777
	movzx ecx, byte [r14]
	cmp ecx, PRELOAD_DIR
	je .dir
	cmp ecx, PRELOAD_FILE
	je .file
	cmp ecx, PRELOAD_LINK
	jne .bad
	mov eax, 0o777
	or eax, S_IFLNK
	jmp .make
.dir:	or eax, S_IFDIR
	jmp .make
.file:	or eax, S_IFREG
.make:	mov edi, eax
	call inode_new
	test rax, rax
	jz .nomem
	mov rbx, rax
	mov eax, [rbx + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFLNK
	jne .insert
	mov rdi, [r14 + 8]                 ; link: keep the target
	inc rdi
	call kmalloc
	test rax, rax
	jz .nomem
	mov [rbx + Inode.target], rax
	mov rdi, rax
	movzx eax, word [r14 + 2]
	lea rsi, [r14 + 16 + rax]
	mov rcx, [r14 + 8]
	mov [rbx + Inode.size], rcx
	rep movsb
	mov byte [rdi], 0
.insert:
	mov rdi, [walk_a + Walk.dir]
	mov rsi, [walk_a + Walk.name]
	mov rdx, [walk_a + Walk.len]
	mov rcx, rbx
	call dir_insert
	test rax, rax
	jz .nomem
	mov ecx, [rbx + Inode.mode]
	and ecx, S_IFMT
	cmp ecx, S_IFDIR
	jne .not_dir
	mov [rbx + Inode.dent], rax
	mov rax, [walk_a + Walk.dir]
	mov [rbx + Inode.parent], rax
	inc dword [rax + Inode.nlink]
	jmp .next
.not_dir:
	cmp ecx, S_IFREG
	jne .next
	mov rdi, rbx                       ; file contents
	movzx eax, word [r14 + 2]
	lea rsi, [r14 + 16 + rax]
	mov rdx, [r14 + 8]
	xor ecx, ecx
	push rdx
	call file_write
	pop rdx
	test rdx, rdx
	jz .next
	cmp rax, rdx
	jne .nomem
.next:	movzx eax, word [r14 + 2]          ; next record: 8-byte aligned
	mov rcx, [r14 + 8]
	lea r14, [r14 + 16 + rax]
	add r14, rcx
	add r14, 7
	and r14, ~7
	jmp .record
.bad:	lea rsi, [msg_preload_bad]
	call kprint_cstr
	jmp .free
.nomem:	lea rsi, [msg_preload_nomem]
	call kprint_cstr
.free:	; The pages lie above the allocator's zero mark, where it assumes zeros: clear them.
	mov rdi, r12
	lea rcx, [r13 + PAGE_SIZE - 1]
	and rcx, ~(PAGE_SIZE - 1)
	shr rcx, 3
	xor eax, eax
	rep stosq
	mov rdi, r12
	lea rsi, [r13 + PAGE_SIZE - 1]
	shr rsi, 12
	call free_pages
.none:	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

section .rodata
msg_preload_bad:   db 'kernel: the --preload archive is malformed; unpacking stopped', 10, 0
msg_preload_nomem: db 'kernel: guest RAM ran out while unpacking --preload (raise --mem)', 10, 0
section .text
