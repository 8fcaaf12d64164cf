; Small-object allocator: power-of-two size classes from 32 to 4096 bytes, each a
; free list of objects carved out of whole pages; bigger requests go straight to
; the page allocator. Callers give the size back when they free (they always know
; it: every kernel object has a fixed size or stores its length), so objects need
; no header and a 32-byte directory entry costs 32 bytes.
;
; Pages given to a size class stay with it (no reclaim): the file system frees and
; reallocates objects of the same few sizes, so the lists stay warm.

KMALLOC_MIN_SHIFT equ 5                ; 32 bytes, the smallest class
KMALLOC_CLASSES   equ 8                ; 32, 64, ..., 4096

section .text

; -----------------------------------------------------------------------------
; kmalloc_class -- the size class of a request (internal)
;  IN:  RDI = size (1 .. 4096)
;  OUT: RCX = class index (0 = 32 bytes), RAX = class size in bytes
kmalloc_class:
	lea rax, [rdi - 1]
	or rax, (1 << KMALLOC_MIN_SHIFT) - 1   ; sizes up to 32 land in class 0
	bsr rcx, rax                       ; highest set bit of size-1
	inc ecx                            ; log2 of the class size
	mov eax, 1
	shl eax, cl
	sub ecx, KMALLOC_MIN_SHIFT
	ret

; -----------------------------------------------------------------------------
; kmalloc -- a zeroed block of at least `size` bytes
;  IN:  RDI = size (> 0)
;  OUT: RAX = address, or 0 when memory ran out
;  Clobbers: RCX, RDX, RSI, RDI, R8
kmalloc:
	cmp rdi, PAGE_SIZE
	ja .pages
	push rbx
	call kmalloc_class                 ; RCX = class, RAX = size
	mov rbx, rax
	SPIN_LOCK [kmalloc_lock]
	mov rax, [kmalloc_free + rcx * 8]
	test rax, rax
	jnz .pop
	; Empty list: carve a fresh page into objects of this class.
	push rcx
	mov edi, 1
	call alloc_pages                   ; (already zeroed)
	pop rcx
	test rax, rax
	jz .out                            ; no memory: RAX = 0
	mov rdx, rax                       ; link objects 1..n-1 into the list
	lea rsi, [rax + PAGE_SIZE]
.carve:	add rdx, rbx
	cmp rdx, rsi
	jae .carved
	mov r8, [kmalloc_free + rcx * 8]
	mov [rdx], r8
	mov [kmalloc_free + rcx * 8], rdx
	jmp .carve
.carved:
	jmp .out                           ; object 0 is the caller's, still zero
.pop:	mov rdx, [rax]
	mov [kmalloc_free + rcx * 8], rdx
	SPIN_UNLOCK [kmalloc_lock]
	; A freed object holds old data: clear it outside the lock (it is ours now).
	push rax
	mov rdi, rax
	mov rdx, rbx
	call kzero
	pop rax
	pop rbx
	ret
.out:	SPIN_UNLOCK [kmalloc_lock]
	pop rbx
	ret
.pages:	add rdi, PAGE_SIZE - 1
	shr rdi, 12
	jmp alloc_pages

; -----------------------------------------------------------------------------
; kfree -- give back a block from kmalloc
;  IN:  RDI = address (0 is ignored), RSI = the size asked for at kmalloc
;  Clobbers: RAX, RCX, RDX, RSI, RDI
kfree:
	test rdi, rdi
	jz .done
	cmp rsi, PAGE_SIZE
	ja .pages
	push rdi
	mov rdi, rsi
	call kmalloc_class
	pop rdi
	SPIN_LOCK [kmalloc_lock]
	mov rdx, [kmalloc_free + rcx * 8]
	mov [rdi], rdx
	mov [kmalloc_free + rcx * 8], rdi
	SPIN_UNLOCK [kmalloc_lock]
.done:	ret
.pages:	add rsi, PAGE_SIZE - 1
	shr rsi, 12
	jmp free_pages

section .bss
alignb 8
kmalloc_lock: resq 1
kmalloc_free: resq KMALLOC_CLASSES     ; head of each class's free list
section .text
