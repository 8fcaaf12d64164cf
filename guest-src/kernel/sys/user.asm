; Checks on addresses the program hands to the kernel. The program shares the
; kernel's address space, but a wild pointer must get -EFAULT, never a kernel fault.

section .text

; -----------------------------------------------------------------------------
; check_user_range -- is [addr, addr+len) inside guest RAM and above the NULL page?
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
	ja .bad
.ok:	clc
	ret
.bad:	stc
	ret
