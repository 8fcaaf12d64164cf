; Physical page allocator: one bit per 4 KiB page of guest RAM (1 = in use).
; Memory is identity mapped, so a run of free bits is directly a usable address
; range. Allocation is first fit from the lowest page that may be free.
; Pages that have never been handed out are still zero (the VMM gives zeroed RAM),
; so only pages below the high-water mark need clearing when they are reused.
;
; Single pages (file data, index pages, kmalloc slabs: nearly every request) come
; and go through a free list threaded through the pages themselves: O(1) both ways,
; where a bitmap search through a fragmented heap cost thousands of instructions.
; Listed pages stay marked in the bitmap; a multi-page request that finds no run
; gives them back to the bitmap (drain_free_list) and searches again.
; One lock, pages_lock, guards all of it: vCPUs may be switched at any instruction.
;
; Owner: a page the program asked for (mmap, its main stack) is marked in
; user_bitmap as well; every other allocation is the kernel's. The system-call
; pointer checks (sys/user.asm) accept only marked pages above heap_start, and
; munmap frees only marked pages.

section .text

; -----------------------------------------------------------------------------
; init_pages -- mark the kernel, the program, the VMM's areas and the brk window used
;
; Low RAM holds the VMM's boot area, the program and its brk window; the top holds
; the argument area and the kernel image (from BootInfo.argv to kernel_end).
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
	mov rcx, [rsi + BootInfo.argv]     ; the window ends below the argument area
	and rcx, ~0xfff
	cmp rax, rcx
	jbe .fits
	mov rax, rcx
.fits:	mov [brk_limit], rax
	mov [heap_start], rax
	; Everything below heap_start is taken.
	shr rax, 12
	mov [alloc_hint], rax
	mov [zero_mark], rax
	mov rcx, rax
	xor edx, edx
.mark:	cmp rdx, rcx
	jae .top
	bts [page_bitmap], rdx
	inc rdx
	jmp .mark
.top:	mov rsi, [boot_info]               ; the argument area and the kernel
	mov rdi, [rsi + BootInfo.argv]
	and rdi, ~0xfff
	mov rsi, [rsi + BootInfo.kernel_end]
	sub rsi, rdi
	shr rsi, 12
	jmp reserve_pages

; -----------------------------------------------------------------------------
; count_free_pages -- pages the allocator could hand out now (listed pages are free)
;  OUT: RAX = page count
;  Clobbers: RCX, RDX, RSI, RDI, R8
count_free_pages:
	push r9
	SPIN_LOCK [pages_lock]
	mov r8, [total_pages]
	add r8, 63
	shr r8, 6                          ; bitmap words
	xor ecx, ecx
	xor r9d, r9d                       ; pages in use
.word:	cmp rcx, r8
	jae .done
	mov rdx, [page_bitmap + rcx * 8]
	call popcount_rdx
	add r9, rdx
	mov rdx, [listed_bitmap + rcx * 8]
	call popcount_rdx
	sub r9, rdx
	inc rcx
	jmp .word
.done:	SPIN_UNLOCK [pages_lock]
	mov rax, [total_pages]
	sub rax, r9
	pop r9
	ret

; popcount_rdx -- set bits in RDX, without the popcnt instruction (the engine's CPU
; model may not offer it)
;  IN:  RDX  OUT: RDX = its set bits  Clobbers: RSI, RDI
popcount_rdx:
	mov rsi, rdx
	shr rsi, 1
	mov rdi, 0x5555555555555555
	and rsi, rdi
	sub rdx, rsi                       ; pairs
	mov rdi, 0x3333333333333333
	mov rsi, rdx
	shr rsi, 2
	and rsi, rdi
	and rdx, rdi
	add rdx, rsi                       ; nibbles
	mov rsi, rdx
	shr rsi, 4
	add rdx, rsi
	mov rdi, 0x0f0f0f0f0f0f0f0f
	and rdx, rdi                       ; bytes
	mov rdi, 0x0101010101010101
	imul rdx, rdi
	shr rdx, 56
	ret

; -----------------------------------------------------------------------------
; alloc_pages -- take `count` contiguous zeroed pages
;
; Bitmap search: first fit from alloc_hint, hopping from hole to hole a bitmap
; word at a time (bitmap_next_clear, bitmap_next_set), so each hole costs a few
; instructions however many pages it has.
;  IN:  RDI = page count (> 0)
;  OUT: RAX = address, or 0 when no run that long is free
;  Clobbers: RCX, RDX, RSI, RDI, R8
alloc_pages:
	push r9
	push r10
	push qword 0                       ; clear the pages
.common:
	SPIN_LOCK [pages_lock]
	cmp rdi, 1
	jne .run
	mov rax, [free_list]
	test rax, rax
	jz .run
	mov rcx, [rax]                     ; pop a listed page: it held someone's data
	mov [free_list], rcx
	mov rcx, rax
	shr rcx, 12
	btr [listed_bitmap], rcx
	mov edx, PAGE_SIZE
	jmp .unlock
.run:	push rdi
	call .alloc
	pop rdi
	test rax, rax
	jnz .unlock
	cmp qword [free_list], 0           ; no run: give listed pages back, try again
	je .unlock
	push rdi
	call drain_free_list
	pop rdi
	call .alloc
.unlock:
	SPIN_UNLOCK [pages_lock]
	; Clear outside the lock: the pages are already ours.
	test rax, rax
	jz .out
	cmp qword [rsp], 0
	jne .out
	test rdx, rdx
	jz .out
	push rax
	mov rdi, rax
	call kzero
	pop rax
.out:	add rsp, 8
	pop r10
	pop r9
	ret

; .alloc: the bitmap search (pages_lock held). IN: RDI = count.
; OUT: RAX = address or 0; RDX = bytes from RAX that may hold old data (below the
; high-water mark) and need clearing.
.alloc:	mov rcx, [alloc_hint]
	mov r8, [total_pages]
.hole:	call bitmap_next_clear             ; RCX = the next free page
	cmp rcx, r8
	jae .none
	mov rsi, rcx                       ; candidate run start
	lea rdx, [rsi + rdi]               ; look no further than the run needs
	cmp rdx, r8
	jbe .limit
	mov rdx, r8
.limit:	call bitmap_next_set               ; RCX = the end of this hole (or RDX)
	mov rax, rcx
	sub rax, rsi
	cmp rax, rdi
	jae .found
	cmp rcx, r8
	jb .hole
.none:	xor eax, eax
	ret
.found:	; [rsi, rsi + rdi): mark it.
	mov rdx, rdi
	mov rcx, rsi
.take:	bts [page_bitmap], rcx
	inc rcx
	dec rdx
	jnz .take
	cmp rsi, [alloc_hint]
	jne .mark
	mov [alloc_hint], rcx              ; the run started at the hint: move past it
.mark:	; Pages at or above the old high-water mark were never used: still zero.
	mov rdx, [zero_mark]
	cmp rcx, rdx
	jbe .dirty
	mov [zero_mark], rcx
	jmp .span
.dirty:	mov rdx, rcx                       ; the whole run lies below the mark
.span:	sub rdx, rsi                       ; pages from the start that may be dirty
	jae .bytes
	xor edx, edx                       ; (the run starts above the old mark)
.bytes:	shl rdx, 12
	mov rax, rsi
	shl rax, 12
	ret

; -----------------------------------------------------------------------------
; alloc_page_uncleared -- one page whose old contents may remain (the caller is
; about to overwrite all of it: a whole page of file data)
;  OUT: RAX = address, or 0 when memory ran out
;  Clobbers: RCX, RDX, RSI, RDI, R8
alloc_page_uncleared:
	push r9
	push r10
	push qword 1
	mov edi, 1
	jmp alloc_pages.common

; -----------------------------------------------------------------------------
; alloc_user_pages -- as alloc_pages, for the program: the pages are marked its own
; in user_bitmap (mmap, the main thread's stack)
;  IN:  RDI = page count (> 0)
;  OUT: RAX = address, or 0 when no run that long is free
;  Clobbers: RCX, RDX, RSI, RDI, R8
alloc_user_pages:
	push rdi
	call alloc_pages
	pop rcx
	test rax, rax
	jz .out
	mov rdx, rax
	shr rdx, 12
.mark:	bts [user_bitmap], rdx
	inc rdx
	dec rcx
	jnz .mark
.out:	ret

; -----------------------------------------------------------------------------
; bitmap_next_clear -- the first free page at or after a page
;  IN:  RCX = page, R8 = total pages
;  OUT: RCX = first free page >= RCX, or a value >= R8 when there is none
;  Clobbers: RAX, R9, R10
bitmap_next_clear:
	cmp rcx, r8
	jae .done
	mov r9, rcx
	shr r9, 6                          ; bitmap word
	mov rax, [page_bitmap + r9 * 8]
	not rax                            ; set bits: free pages
	push rcx
	and ecx, 63
	mov r10, -1
	shl r10, cl
	pop rcx
	and rax, r10                       ; ... at or after RCX
.word:	bsf rax, rax
	jnz .hit
	inc r9
	mov rcx, r9
	shl rcx, 6
	cmp rcx, r8
	jae .done
	mov rax, [page_bitmap + r9 * 8]
	not rax
	jmp .word
.hit:	mov rcx, r9
	shl rcx, 6
	add rcx, rax
.done:	ret

; -----------------------------------------------------------------------------
; bitmap_next_set -- the first used page after a free one (the end of its hole)
;  IN:  RCX = page, RDX = where to stop looking (<= total pages)
;  OUT: RCX = first used page in [RCX, RDX), or RDX when there is none
;  Clobbers: RAX, R9, R10
bitmap_next_set:
	mov r9, rcx
	shr r9, 6
	mov rax, [page_bitmap + r9 * 8]
	push rcx
	and ecx, 63
	mov r10, -1
	shl r10, cl
	pop rcx
	and rax, r10
.word:	bsf rax, rax
	jnz .hit
	inc r9
	mov rcx, r9
	shl rcx, 6
	cmp rcx, rdx
	jae .end
	mov rax, [page_bitmap + r9 * 8]
	jmp .word
.hit:	mov rcx, r9
	shl rcx, 6
	add rcx, rax
	cmp rcx, rdx
	jbe .done
.end:	mov rcx, rdx
.done:	ret

; -----------------------------------------------------------------------------
; free_pages -- return pages to the allocator (ignores pages outside the heap)
;  IN:  RDI = address (page aligned), RSI = page count
;  Clobbers: RAX, RCX, RDX
free_pages:
	SPIN_LOCK [pages_lock]
	call free_pages_locked
	SPIN_UNLOCK [pages_lock]
	ret

; free_pages_locked -- free_pages with pages_lock held
;  IN, Clobbers: as free_pages
free_pages_locked:
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
	cmp rcx, rdx
	jae .done
	mov rax, rcx
.disown:
	btr [user_bitmap], rax             ; no longer the program's
	inc rax
	cmp rax, rdx
	jb .disown
	lea rax, [rcx + 1]
	cmp rax, rdx
	jne .bits
	bt [page_bitmap], rcx              ; one page: onto the free list, unless it is
	jnc .done                          ; free or listed already (a repeated munmap)
	bts [listed_bitmap], rcx
	jc .done
	shl rcx, 12
	mov rax, [free_list]
	mov [rcx], rax
	mov [free_list], rcx
	jmp .done
.bits:	call release_bits
.done:	ret

; -----------------------------------------------------------------------------
; unmap_user_pages -- munmap: free the program's pages in a range; pages that are not
; its own (the kernel's, free ones, below the heap) stay as they are
;  IN:  RDI = address (page aligned), RSI = page count (the range does not wrap)
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8, R9
unmap_user_pages:
	SPIN_LOCK [pages_lock]
	mov r8, rdi
	shr r8, 12                         ; page
	lea r9, [r8 + rsi]                 ; end page
	cmp r9, [total_pages]
	jbe .find
	mov r9, [total_pages]
.find:	cmp r8, r9
	jae .done
	bt [user_bitmap], r8
	jc .run
	inc r8
	jmp .find
.run:	mov rdi, r8                        ; a run of the program's pages
.more:	inc r8
	cmp r8, r9
	jae .free
	bt [user_bitmap], r8
	jc .more
.free:	mov rsi, r8
	sub rsi, rdi
	shl rdi, 12
	call free_pages_locked
	jmp .find
.done:	SPIN_UNLOCK [pages_lock]
	ret

; -----------------------------------------------------------------------------
; release_bits -- mark pages free in the bitmap (pages_lock held)
;  IN:  RCX = first page, RDX = end page (both inside the heap); listed pages
;       are skipped (drain_free_list unlists before it releases)
;  Clobbers: RCX
release_bits:
	cmp rcx, [alloc_hint]
	jae .loop
	mov [alloc_hint], rcx
.loop:	cmp rcx, rdx
	jae .done
	bt [listed_bitmap], rcx
	jc .skip
	btr [page_bitmap], rcx
.skip:	inc rcx
	jmp .loop
.done:	ret

; -----------------------------------------------------------------------------
; drain_free_list -- give every listed page back to the bitmap (pages_lock held)
;  Clobbers: RAX, RCX, RDX
drain_free_list:
	mov rax, [free_list]
.next:	test rax, rax
	jz .done
	mov rcx, rax
	shr rcx, 12
	btr [listed_bitmap], rcx
	lea rdx, [rcx + 1]
	mov rax, [rax]                     ; the next listed page
	call release_bits
	jmp .next
.done:	mov qword [free_list], 0
	ret

section .bss
total_pages:  resq 1
alloc_hint:   resq 1     ; no free page lies below this one
zero_mark:    resq 1     ; pages at or above this one have never been handed out
heap_start:   resq 1     ; first address the allocator owns
brk_start:    resq 1
brk_current:  resq 1
brk_limit:    resq 1
free_list:    resq 1     ; freed single pages, each holding the next one's address
pages_lock:   resq 1
alignb 8
page_bitmap:  resb MAX_RAM / PAGE_SIZE / 8
listed_bitmap: resb MAX_RAM / PAGE_SIZE / 8  ; 1 = on free_list (and still set above)
user_bitmap:  resb MAX_RAM / PAGE_SIZE / 8  ; 1 = the program's (alloc_user_pages)
section .text
