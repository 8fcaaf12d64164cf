; mmap of files. The address space is one identity mapping, so a file's pages cannot
; appear at a second address: a file mapping is memory of its own that the kernel
; fills from the file (a pread through the file system, so RAM files, /host files
; and anything else pread can read). MAP_PRIVATE is then exactly Linux's. MAP_SHARED
; with PROT_WRITE is a copy that goes back to the file on msync, on munmap and when
; the program exits: enough for a program that works through its one mapping (SQLite's
; WAL index, a memory-mapped database), not coherent with read() and write() of the
; same bytes, or with a second mapping, in between (docs/files.md).

MAP_SHARED          equ 0x01
MAP_PRIVATE         equ 0x02
MAP_SHARED_VALIDATE equ 0x03
MAP_TYPE            equ 0x0f
PROT_WRITE          equ 0x2
MS_ASYNC            equ 1
MS_INVALIDATE       equ 2
MS_SYNC             equ 4
SHARED_MAPS_MAX     equ 64

; One shared, writable file mapping.
struc SharedMap
	.addr:   resq 1      ; 0: a free slot
	.len:    resq 1      ; bytes mapped (whole pages)
	.file:   resq 1      ; the File, one reference held
	.offset: resq 1      ; file offset of .addr
endstruc

section .text

; -----------------------------------------------------------------------------
; mmap_file -- sys_mmap for a file: memory filled from the file at `offset`; bytes
; past the file's end read as zero
;  IN:  RDI = address (MAP_FIXED) or hint, RSI = length (> 0), EDX = prot,
;       ECX = flags, R8D = fd, R9 = offset
;  OUT: RAX = address, or -EINVAL, -EBADF, -EACCES, -ENODEV, -ENOMEM
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
mmap_file:
	test r9d, 0xfff
	jnz .einval
	cmp rsi, [ram_size]                ; larger than RAM: ENOMEM (and no rounding wraps)
	ja .enomem
	mov eax, ecx
	and eax, MAP_TYPE
	cmp eax, MAP_SHARED
	je .type_ok
	cmp eax, MAP_PRIVATE
	je .type_ok
	cmp eax, MAP_SHARED_VALIDATE
	jne .einval
.type_ok:
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi                           ; [rsp]: the address asked for
	mov r12, rsi
	add r12, 0xfff
	and r12, ~0xfff                    ; whole pages
	mov r13d, r8d                      ; fd
	mov r14, r9                        ; offset
	xor ebx, ebx                       ; the SharedMap to fill in, if any
	mov r15d, ecx
	; A shared writable mapping needs a descriptor open for reading and writing.
	and eax, MAP_SHARED
	jz .where
	test edx, PROT_WRITE
	jz .where
	SPIN_LOCK [fs_lock]
	mov edi, r13d
	call fd_get
	test rax, rax
	jz .ebadf_locked
	mov ecx, [rax + File.flags]
	and ecx, O_ACCMODE
	cmp ecx, O_RDWR
	jne .eacces_locked
	mov rbx, rax                       ; the File, for now
	SPIN_UNLOCK [fs_lock]
.where:	test r15d, MAP_FIXED
	jz .alloc
	mov rdi, [rsp]
	test edi, 0xfff
	jnz .einval_pop
	mov rsi, r12
	call check_user_write
	jc .enomem_pop
	push rdi
	mov rdx, r12
	call kzero                         ; what was there is gone, as with Linux
	pop rdi
	mov r15, rdi
	jmp .fill
.alloc:	mov rdi, r12
	shr rdi, 12
	call alloc_user_pages
	test rax, rax
	jz .enomem_pop
	mov r15, rax                       ; the mapping
.fill:	mov edi, r13d
	mov rsi, r15
	mov rdx, r12
	mov rcx, r14
	call sys_fs_pread64
	test rax, rax
	js .read_failed
	test rbx, rbx
	jz .done
	mov rdi, r15                       ; shared and writable: remember it
	mov rsi, r12
	mov rdx, rbx
	mov rcx, r14
	call shared_map_add
	test rax, rax
	jnz .done
	mov rax, -ENOMEM
	jmp .undo
.done:	mov rax, r15
.out:	add rsp, 8
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret
.read_failed:
	cmp rax, -ESPIPE                   ; the console cannot be mapped
	jne .undo
	mov rax, -ENODEV
.undo:	push rax
	mov rdi, r15
	mov rsi, r12
	shr rsi, 12
	call free_pages
	pop rax
	jmp .out
.ebadf_locked:
	SPIN_UNLOCK [fs_lock]
	mov rax, -EBADF
	jmp .out
.eacces_locked:
	SPIN_UNLOCK [fs_lock]
	mov rax, -EACCES
	jmp .out
.einval_pop:
	mov rax, -EINVAL
	jmp .out
.enomem_pop:
	mov rax, -ENOMEM
	jmp .out
.einval:
	mov rax, -EINVAL
	ret
.enomem:
	mov rax, -ENOMEM
	ret

; -----------------------------------------------------------------------------
; shared_map_add -- remember a shared writable mapping, holding a File reference
;  IN:  RDI = address, RSI = length, RDX = File, RCX = offset
;  OUT: RAX = the SharedMap, or 0 when the table is full
;  Clobbers: RCX, R8
shared_map_add:
	SPIN_LOCK [fs_lock]
	lea rax, [shared_maps]
	lea r8, [shared_maps + SHARED_MAPS_MAX * SharedMap_size]
.slot:	cmp qword [rax + SharedMap.addr], 0
	je .take
	add rax, SharedMap_size
	cmp rax, r8
	jb .slot
	xor eax, eax
	jmp .out
.take:	mov [rax + SharedMap.addr], rdi
	mov [rax + SharedMap.len], rsi
	mov [rax + SharedMap.file], rdx
	mov [rax + SharedMap.offset], rcx
	inc qword [rdx + File.refs]
.out:	SPIN_UNLOCK [fs_lock]
	ret

; -----------------------------------------------------------------------------
; shared_maps_sync -- write back every shared mapping that overlaps a range, and
; with `forget` also drop it (munmap; the program's exit passes the whole space)
;  IN:  RDI = address, RSI = length, EDX = 1 to forget the mappings, 0 to keep them
;  OUT: RAX = 0, or the first -errno a write-back gave
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
shared_maps_sync:
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov r12, rdi
	lea r13, [rdi + rsi]               ; end of the range
	mov r14d, edx
	xor r15d, r15d                     ; the result
	SPIN_LOCK [fs_lock]
	lea rbx, [shared_maps]
.each:	mov rax, [rbx + SharedMap.addr]
	test rax, rax
	jz .next
	cmp rax, r13                       ; starts at or past the range's end
	jae .next
	add rax, [rbx + SharedMap.len]
	cmp rax, r12                       ; ends at or before its start
	jbe .next
	call shared_map_write_back
	test rax, rax
	jns .kept
	test r15, r15
	jnz .kept
	mov r15, rax
.kept:	test r14d, r14d
	jz .next
	mov rdi, [rbx + SharedMap.file]
	call file_put
	mov qword [rbx + SharedMap.addr], 0
.next:	add rbx, SharedMap_size
	lea rax, [shared_maps + SHARED_MAPS_MAX * SharedMap_size]
	cmp rbx, rax
	jb .each
	SPIN_UNLOCK [fs_lock]
	mov rax, r15
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; shared_map_write_back -- RBX = SharedMap (fs_lock held): the mapping's bytes
; that lie inside the file go back to it. OUT: RAX = bytes or -errno.
; Clobbers: RCX, RDX, RSI, RDI, R8-R11.
shared_map_write_back:
	mov rdi, [rbx + SharedMap.file]
	call file_size
	test rax, rax
	js .done
	sub rax, [rbx + SharedMap.offset]  ; bytes of the file from the offset on
	jbe .none
	mov rdx, [rbx + SharedMap.len]
	cmp rdx, rax
	cmova rdx, rax
	mov rax, [rbx + SharedMap.file]
	mov rsi, [rbx + SharedMap.addr]
	mov rcx, [rbx + SharedMap.offset]
	mov r8d, 1
	jmp file_rw
.none:	xor eax, eax
.done:	ret

; -----------------------------------------------------------------------------
; file_size -- the size of an open file (fs_lock held)
;  IN:  RDI = File
;  OUT: RAX = bytes, or -errno
;  Clobbers: RCX, RDX, RDI
file_size:
	mov eax, [rdi + File.kind]
	cmp eax, FILE_RAM
	jne .host
	mov rax, [rdi + File.inode]
	mov rax, [rax + Inode.size]
	ret
.host:	cmp eax, FILE_HOST
	jne .none
	mov esi, [rdi + File.handle]
	xor edi, edi                       ; by handle
	xor edx, edx
	lea rcx, [stat_scratch]
	call host_stat
	test rax, rax
	jnz .done
	mov rax, [stat_scratch + ST_SIZE]
.done:	ret
.none:	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; sys_msync -- msync(addr, len, flags): shared file mappings in the range go back to
; their files (MS_ASYNC does the same: the copy is the kernel's own)
;  IN:  RDI = address (page aligned), RSI = length, EDX = flags
;  OUT: RAX = 0, or -EINVAL (bad flags or alignment), -ENOMEM (not program memory),
;       or what a write-back gave
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_msync:
	test edi, 0xfff
	jnz .einval
	test edx, ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)
	jnz .einval
	mov eax, edx
	and eax, MS_ASYNC | MS_SYNC
	cmp eax, MS_ASYNC | MS_SYNC
	je .einval
	test rsi, rsi
	jz .zero
	call check_user_write
	jc .enomem
	xor edx, edx
	jmp shared_maps_sync
.zero:	xor eax, eax
	ret
.einval:
	mov rax, -EINVAL
	ret
.enomem:
	mov rax, -ENOMEM
	ret

section .bss
alignb 8
shared_maps: resb SHARED_MAPS_MAX * SharedMap_size
section .text
