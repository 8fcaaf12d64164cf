; The program's view of memory: brk and anonymous mmap. With one identity-mapped
; address space there are no page tables to edit: mapping memory means taking pages
; from the allocator, and protection changes are accepted without effect.

MAP_FIXED     equ 0x10
MAP_ANONYMOUS equ 0x20
PROT_EXEC     equ 0x4

section .text

; -----------------------------------------------------------------------------
; sys_brk -- move the program break inside the brk window
;  IN:  RDI = requested break (0: query)
;  OUT: RAX = the break now in force (unchanged when the request is refused)
sys_brk:
	mov rax, [brk_current]
	cmp rdi, [brk_start]
	jb .done
	cmp rdi, [brk_limit]
	ja .done
	cmp rdi, rax
	jbe .set
	; Growing: the new bytes must read as zero even if an earlier break covered them.
	mov rcx, rdi
	sub rcx, rax
	mov rdx, rdi
	mov rdi, rax
	xor eax, eax
	rep stosb
	mov rdi, rdx
.set:	mov [brk_current], rdi
	mov rax, rdi
.done:	ret

; -----------------------------------------------------------------------------
; sys_mmap -- anonymous private mappings from the page allocator
;  IN:  RDI = addr hint, RSI = length, RDX = prot, RCX = flags, R8 = fd, R9 = offset
;  OUT: RAX = address, or -errno
sys_mmap:
	test rsi, rsi
	jz .einval
	test ecx, MAP_ANONYMOUS
	jz .enodev
	test ecx, MAP_FIXED
	jnz .fixed
	mov rax, [ram_size]
	cmp rsi, rax
	ja .enomem
	lea rdi, [rsi + 0xfff]
	shr rdi, 12
	call alloc_user_pages
	test rax, rax
	jz .enomem
	ret
.fixed:	; MAP_FIXED only over pages the program already mapped: clear them.
	test edi, 0xfff
	jnz .einval
	push rdi
	push rsi
	call check_user_write
	pop rsi
	pop rdi
	jc .enomem
	cmp rdi, [heap_start]
	jb .enomem
	mov rdx, rdi
	lea rcx, [rsi + 0xfff]
	and rcx, ~0xfff
	shr rcx, 3
	xor eax, eax
	rep stosq
	mov rax, rdx
	ret
.einval:
	mov rax, -EINVAL
	ret
.enodev:
	mov rax, -ENODEV
	ret
.enomem:
	mov rax, -ENOMEM
	ret

; -----------------------------------------------------------------------------
; sys_munmap -- give the program's pages in a range back to the allocator; pages that
; are not the program's (the kernel's, unmapped ones) stay as they are, as Linux
; ignores holes in the range
;  IN:  RDI = address (page aligned), RSI = length
;  OUT: RAX = 0 or -EINVAL
sys_munmap:
	test edi, 0xfff
	jnz .einval
	test rsi, rsi
	jz .einval
	add rsi, 0xfff
	jc .einval
	shr rsi, 12
	mov rax, rsi
	shl rax, 12
	add rax, rdi
	jc .einval                         ; the range wraps past 2^64
	call unmap_user_pages
	xor eax, eax
	ret
.einval:
	mov rax, -EINVAL
	ret

; -----------------------------------------------------------------------------
; sys_mprotect -- one flat RWX mapping, so protections have no effect; but a
; program that makes memory executable has usually just written code there (a JIT),
; and the engine does not watch stores into code it has translated
; (vmm/engine/libunicorn-fixes.ts): ask every vCPU to drop its translations of
; the range.
;  IN:  RDI = start, RSI = length, RDX = prot
;  OUT: RAX = 0
;  Clobbers: RCX, RDX
sys_mprotect:
	test edx, PROT_EXEC
	jz sys_accept
	mov rcx, [gs:Percpu.self]
	lea rcx, [rcx + Percpu.hc]
	mov [rcx + HcCodeRange.start], rdi
	mov [rcx + HcCodeRange.len], rsi
	HYPERCALL PORT_CODE_CHANGED, ecx   ; then return 0, below

; sys_accept -- madvise: accepted, no effect
;  OUT: RAX = 0
sys_accept:
	xor eax, eax
	ret
