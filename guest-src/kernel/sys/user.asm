; Checks on addresses the program hands to the kernel. The program shares the
; kernel's address space, but a wild pointer must get -EFAULT, never a kernel fault.

section .text

; -----------------------------------------------------------------------------
; check_user_range -- is [addr, addr+len) inside guest RAM and above the NULL page,
; or inside one run of reserved chunks (mm/reserve.asm)?
;  IN:  RDI = address, RSI = length
;  OUT: CF clear when usable, set when not (an empty range is always usable)
;  Clobbers: RAX
check_user_range:
	test rsi, rsi
	jz .ok
	cmp rdi, NULL_GUARD_END
	jb .bad
	mov rax, rdi
	add rax, rsi
	jc .bad                            ; wrapped past 2^64
	cmp rax, [ram_size]
	ja .reserved
.ok:	clc
	ret
.bad:	stc
	ret
.reserved:
	push rcx
	call user_region_end
	pop rcx
	sub rax, rdi                       ; bytes from addr to the region's end (0: none)
	cmp rax, rsi
	jb .bad
	clc
	ret

; -----------------------------------------------------------------------------
; user_region_end -- the end of the program memory that holds `addr`: RAM's end for
; an address in RAM above the NULL page, the end of its run of reserved chunks
; above RAM
;  IN:  RDI = address
;  OUT: RAX = the first address past the region, or RDI itself when `addr` is not
;       program memory
;  Clobbers: RCX
user_region_end:
	mov rax, rdi
	cmp rdi, NULL_GUARD_END
	jb .out
	mov rax, [ram_size]
	cmp rdi, rax
	jb .out
	call reserve_run_end
	test rax, rax
	jnz .out
	mov rax, rdi
.out:	ret

; -----------------------------------------------------------------------------
; copy_user_string -- copy the program's NUL-terminated string into a kernel buffer
;
; The one way a string (a path, a name, a key) crosses from the program into the
; kernel. Every byte read lies in the one region of program memory that holds the
; string's start (user_region_end), the rule of check_user_range, applied as the scan
; goes since the length is not known before the NUL. The comparisons are on byte
; counts from the string's start (region left, the limit), so no address sum can
; wrap. Eight bytes a turn while a whole word lies inside the region and the limit, byte by byte only near either end: under the
; engine every turn of a loop costs translated blocks. Bytes copied past the NUL
; land inside the buffer and mean nothing.
;  IN:  RDI = program address, RSI = buffer, RDX = limit: the buffer's size, the
;       most bytes the string may take with its NUL
;  OUT: RAX = length (0 for ""), or -EFAULT (not program memory, or the region
;       ends before the NUL), -ENAMETOOLONG (no NUL within the limit)
;  Clobbers: RCX, RDX
copy_user_string:
	push rax
	call user_region_end
	mov rcx, rax
	pop rax
	sub rcx, rdi                       ; bytes before the end of the region
	jz .efault
	xor eax, eax
	push r8
	push r9
	push r10
	mov r10, rdx                       ; the limit
	mov r9, 0x0101010101010101
.word:	lea rdx, [rax + 8]
	cmp rdx, rcx
	ja .tail
	cmp rdx, r10
	ja .tail
	mov rdx, [rdi + rax]
	mov [rsi + rax], rdx
	ZERO_BYTES r8, rdx, r9             ; a NUL in the word?
	mov rdx, r9
	shl rdx, 7
	and r8, rdx
	jnz .nul
	add rax, 8
	jmp .word
.nul:	bsf r8, r8                         ; the lowest flagged byte is the first NUL
	shr r8, 3
	add rax, r8
	jmp .out
.byte:	inc rax
.tail:	cmp rax, rcx                       ; near the end of RAM or of the limit
	jae .efault_pop
	cmp rax, r10
	jae .toolong                       ; the limit counts the NUL
	mov dl, [rdi + rax]
	mov [rsi + rax], dl
	test dl, dl
	jnz .byte
.out:	pop r10
	pop r9
	pop r8
	ret
.efault_pop:
	mov rax, -EFAULT
	jmp .out
.toolong:
	mov rax, -ENAMETOOLONG
	jmp .out
.efault:
	mov rax, -EFAULT
	ret
