; getrandom: bytes from the host's cryptographic generator.

section .text

; -----------------------------------------------------------------------------
; sys_getrandom -- getrandom(buf, len, flags)
;  IN:  RDI = buf, RSI = len, RDX = flags (ignored: the host never blocks)
;  OUT: RAX = bytes written or -errno
sys_getrandom:
	call check_user_range
	jc .efault
	mov rcx, [gs:Percpu.self]
	lea rcx, [rcx + Percpu.hc]
	mov [rcx + HcRandom.buf], rdi
	mov [rcx + HcRandom.len], rsi
	HYPERCALL PORT_RANDOM, ecx
	mov rax, [rcx + HcRandom.ret]
	ret
.efault:
	mov rax, -EFAULT
	ret
