; The program's view of memory: brk and anonymous mmap. One identity-mapped address
; space: mapping memory means taking pages from the allocator (RAM) or, for large
; PROT_NONE reservations, chunks of the reservation area above RAM (mm/reserve.asm);
; protection changes are accepted without effect.

MAP_FIXED     equ 0x10
MAP_ANONYMOUS equ 0x20
PROT_NONE     equ 0x0
PROT_EXEC     equ 0x4
MADV_DONTNEED equ 4

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
	jz mmap_file
	test ecx, MAP_FIXED
	jnz .fixed
	test edx, edx                      ; PROT_NONE of 2 MiB or more: a reservation
	jnz .ram
	cmp rsi, RESERVE_CHUNK
	jb .ram
	mov rax, RESERVE_END               ; more than the whole space (and no rounding
	cmp rsi, rax                       ; past 2^64 below)
	ja .enomem
	mov rdi, rsi
	call reserve_range
	test rax, rax
	jz .enomem
	ret
.ram:	mov rax, [ram_size]
	cmp rsi, rax
	ja .enomem
	lea rdi, [rsi + 0xfff]
	shr rdi, 12
	call alloc_user_pages
	test rax, rax
	jz .enomem
	ret
.fixed:	; MAP_FIXED only over memory the allocator or a reservation already handed
	; out: a new mapping reads as zero.
	test edi, 0xfff
	jnz .einval
	call check_user_write              ; the program's own pages, or reserved chunks
	jc .enomem
	push rdi
	lea rdx, [rsi + 0xfff]
	and rdx, ~0xfff
	call kzero
	pop rax
	ret
.einval:
	mov rax, -EINVAL
	ret
.enomem:
	mov rax, -ENOMEM
	ret

; -----------------------------------------------------------------------------
; sys_munmap -- give the program's pages in a range back to the allocator (or
; chunks to the reservation area); pages that are not the program's (the kernel's,
; unmapped ones) stay as they are, as Linux ignores holes in the range; shared file
; mappings in the range are written back first
;  IN:  RDI = address (page aligned), RSI = length
;  OUT: RAX = 0 or -EINVAL
sys_munmap:
	test edi, 0xfff
	jnz .einval
	test rsi, rsi
	jz .einval
	mov rax, rdi
	add rax, rsi
	jc .einval
	push rdi
	push rsi
	mov edx, 1                         ; shared file mappings go back to their files
	call shared_maps_sync
	mov rdi, [rsp + 8]
	mov rsi, [rsp]
	call reserve_covers
	pop rsi
	pop rdi
	jc .ram
	call release_range
	xor eax, eax
	ret
.ram:	add rsi, 0xfff
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
; the range. The arguments are checked as Linux checks them, and only the program's
; own memory reaches the VMM: the engine cannot drop translations of a page the page
; tables do not map (page 0, a free reservation chunk) without faulting at the `out`.
;  IN:  RDI = start, RSI = length, RDX = prot
;  OUT: RAX = 0; -EINVAL (start not page aligned, unknown prot bits), -ENOMEM (the
;       range wraps or is not all the program's memory)
;  Clobbers: RCX, RDX, RSI
PROT_KNOWN equ 0x7 | 0x8 | 0x01000000 | 0x02000000  ; READ WRITE EXEC, SEM, GROWSDOWN, GROWSUP
sys_mprotect:
	test edi, 0xfff
	jnz .einval
	mov rax, ~PROT_KNOWN
	test rdx, rax
	jnz .einval
	test rsi, rsi
	jz sys_accept                      ; an empty range: nothing to do
	add rsi, 0xfff                     ; whole pages
	jc .enomem
	and rsi, ~0xfff
	call check_user_read               ; the program's memory (clobbers RAX)
	jc .enomem
	test edx, PROT_EXEC
	jz sys_accept
	mov rcx, [gs:Percpu.self]
	lea rcx, [rcx + Percpu.hc]
	mov [rcx + HcCodeRange.start], rdi
	mov [rcx + HcCodeRange.len], rsi
	HYPERCALL PORT_CODE_CHANGED, ecx   ; then return 0, below
	jmp sys_accept
.einval:
	mov rax, -EINVAL
	ret
.enomem:
	mov rax, -ENOMEM
	ret

; sys_accept -- accepted, no effect
;  OUT: RAX = 0
sys_accept:
	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; sys_mremap -- mremap(old, old_size, new_size, flags): shrinking unmaps the tail in
; place; growing needs MREMAP_MAYMOVE and moves the bytes to a new anonymous mapping
; (the old one is unmapped); MREMAP_FIXED and MREMAP_DONTUNMAP are not offered
;  IN:  RDI = old address (page aligned), RSI = old size, RDX = new size, ECX = flags
;  OUT: RAX = the address now, or -EINVAL, -EFAULT (old range not the program's),
;       -ENOMEM (growing without MREMAP_MAYMOVE, or no memory)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
MREMAP_MAYMOVE equ 1
sys_mremap:
	test edi, 0xfff
	jnz .einval
	test ecx, ~MREMAP_MAYMOVE
	jnz .einval
	test rdx, rdx
	jz .einval
	mov rax, RESERVE_END               ; sizes past the whole space: no rounding can wrap
	cmp rsi, rax
	ja .einval
	cmp rdx, rax
	ja .einval
	push rbx
	push r12
	push r13
	push r14
	mov rbx, rdi                       ; old
	lea r12, [rsi + 0xfff]
	and r12, ~0xfff                    ; old size, whole pages
	lea r13, [rdx + 0xfff]
	and r13, ~0xfff                    ; new size, whole pages
	mov r14d, ecx
	mov rsi, r12
	call check_user_write
	jc .efault
	cmp r13, r12
	ja .grow
	mov rax, rbx                       ; shrinking (or the same): unmap the tail
	je .out
	lea rdi, [rbx + r13]
	mov rsi, r12
	sub rsi, r13
	call sys_munmap
	mov rax, rbx
	jmp .out
.grow:	test r14d, MREMAP_MAYMOVE
	jz .enomem
	xor edi, edi
	mov rsi, r13
	mov edx, 3                         ; PROT_READ | PROT_WRITE
	mov ecx, MAP_ANONYMOUS | 2         ; MAP_PRIVATE
	call sys_mmap
	test rax, rax
	js .out
	mov r14, rax
	mov rdi, rax
	mov rsi, rbx
	mov rdx, r12
	call kmemcpy
	mov rdi, rbx
	mov rsi, r12
	call sys_munmap
	mov rax, r14
	jmp .out
.efault:
	mov rax, -EFAULT
	jmp .out
.enomem:
	mov rax, -ENOMEM
.out:	pop r14
	pop r13
	pop r12
	pop rbx
	ret
.einval:
	mov rax, -EINVAL
	ret

; -----------------------------------------------------------------------------
; sys_madvise -- MADV_DONTNEED clears the range, as Linux does for private
; anonymous memory (and the host takes the pages back: kzero's FILL); every other
; advice is accepted without effect
;  IN:  RDI = start (page aligned), RSI = length, RDX = advice
;  OUT: RAX = 0, -EINVAL (unaligned start), -ENOMEM (not the program's memory)
;  Clobbers: RCX, RDX, RSI, RDI, R8
sys_madvise:
	test edi, 0xfff
	jnz .einval
	cmp edx, MADV_DONTNEED
	jne sys_accept
	add rsi, 0xfff
	jc .einval
	and rsi, ~0xfff
	jz sys_accept
	call check_user_write              ; the program's own pages, or reserved chunks
	jc .enomem
	mov rdx, rsi
	call kzero
	xor eax, eax
	ret
.einval:
	mov rax, -EINVAL
	ret
.enomem:
	mov rax, -ENOMEM
	ret
