; Physical page allocator: one bit per 4 KiB page of guest RAM (1 = in use).
; Memory is identity mapped, so a run of free bits is directly a usable address
; range. Allocation is first fit from the lowest page that may be free.
; Pages that have never been handed out are still zero (the VMM gives zeroed RAM),
; so only pages below the high-water mark need clearing when they are reused.

section .text

; -----------------------------------------------------------------------------
; init_pages -- mark the kernel, the program, the VMM's areas and the brk window used
;  IN:  boot_info, ram_size
;  OUT: heap_start (first page the allocator may hand out), free bitmap
;  Clobbers: RAX, RCX, RDX, RSI, RDI
init_pages:
	mov rax, [ram_size]
	shr rax, 12
	mov [total_pages], rax
	; brk window: RAM/16, at least 1 MiB and at most 64 MiB, right above the program.
	mov rsi, [boot_info]
	mov rax, [rsi + BootInfo.app_end]
	add rax, 0xfff
	and rax, ~0xfff
	mov [brk_start], rax
	mov [brk_current], rax
	mov rcx, [ram_size]
	shr rcx, 4
	cmp rcx, 0x100000
	jae .not_small
	mov rcx, 0x100000
.not_small:
	cmp rcx, 0x4000000
	jbe .not_big
	mov rcx, 0x4000000
.not_big:
	add rax, rcx
	mov [brk_limit], rax
	mov [heap_start], rax
	; Everything below heap_start is taken.
	shr rax, 12
	mov [alloc_hint], rax
	mov [zero_mark], rax
	mov rcx, rax
	xor edx, edx
.mark:	cmp rdx, rcx
	jae .done
	bts [page_bitmap], rdx
	inc rdx
	jmp .mark
.done:	ret

; -----------------------------------------------------------------------------
; alloc_pages -- take `count` contiguous zeroed pages
;  IN:  RDI = page count (> 0)
;  OUT: RAX = address, or 0 when no run that long is free
;  Clobbers: RCX, RDX, RSI, RDI, R8
alloc_pages:
	mov rcx, [alloc_hint]
	mov r8, [total_pages]
.restart:
	mov rsi, rcx                       ; candidate run start
	xor edx, edx                       ; run length so far
.scan:	cmp rcx, r8
	jae .none
	test ecx, 63                       ; at a qword boundary, skip whole used qwords
	jnz .bit
	mov rax, rcx
	shr rax, 6
	cmp qword [page_bitmap + rax * 8], -1
	jne .bit
	add rcx, 64
	jmp .restart
.bit:	bt [page_bitmap], rcx
	jc .used
	inc rcx
	inc rdx
	cmp rdx, rdi
	jb .scan
	; Found [rsi, rsi + rdi): mark it.
	mov rcx, rsi
.take:	bts [page_bitmap], rcx
	inc rcx
	dec rdx
	jnz .take
	cmp rsi, [alloc_hint]
	jne .zero
	mov [alloc_hint], rcx              ; the run started at the hint: move past it
.zero:	; Clear only pages below the high-water mark; the rest were never used.
	mov rax, rcx                       ; run end (page)
	mov rdx, [zero_mark]
	cmp rax, rdx
	jbe .mark_ok
	mov [zero_mark], rax
.mark_ok:
	cmp rdx, rcx
	jbe .clip
	mov rdx, rcx
.clip:	; clear [rsi, min(end, old mark)) pages
	mov r8, rsi
	cmp rdx, r8
	jbe .zeroed
	mov rcx, rdx
	sub rcx, r8
	shl rcx, 9                         ; pages -> qwords
	mov rdi, r8
	shl rdi, 12
	shl rcx, 3                         ; qwords -> bytes
	mov rdx, rcx
	call kzero
.zeroed:
	mov rax, rsi
	shl rax, 12
	ret
.used:	inc rcx
	jmp .restart
.none:	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; free_pages -- return pages to the allocator (ignores pages outside the heap)
;  IN:  RDI = address (page aligned), RSI = page count
;  Clobbers: RAX, RCX, RDX
free_pages:
	mov rcx, rdi
	shr rcx, 12
	mov rdx, rcx
	add rdx, rsi                       ; end page
	mov rax, [heap_start]
	shr rax, 12
	cmp rcx, rax
	jae .low_ok
	mov rcx, rax
.low_ok:
	cmp rdx, [total_pages]
	jbe .high_ok
	mov rdx, [total_pages]
.high_ok:
	cmp rcx, [alloc_hint]
	jae .loop
	mov [alloc_hint], rcx
.loop:	cmp rcx, rdx
	jae .done
	btr [page_bitmap], rcx
	inc rcx
	jmp .loop
.done:	ret

section .bss
total_pages:  resq 1
alloc_hint:   resq 1     ; no free page lies below this one
zero_mark:    resq 1     ; pages at or above this one have never been handed out
heap_start:   resq 1     ; first address the allocator owns
brk_start:    resq 1
brk_current:  resq 1
brk_limit:    resq 1
alignb 8
page_bitmap:  resb MAX_RAM / PAGE_SIZE / 8
section .text
