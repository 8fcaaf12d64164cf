; getrandom: bytes from the host's cryptographic generator.

GRND_NONBLOCK equ 1
GRND_RANDOM   equ 2
GRND_INSECURE equ 4

section .text

; -----------------------------------------------------------------------------
; sys_getrandom -- getrandom(buf, len, flags)
;  IN:  RDI = buf, RSI = len, RDX = flags: GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE
;       (accepted without effect: the host's generator never blocks); other bits,
;       or GRND_RANDOM with GRND_INSECURE, are -EINVAL as on Linux
;  OUT: RAX = bytes written or -errno
sys_getrandom:
	test rdx, ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)
	jnz .einval
	mov eax, edx
	and eax, GRND_RANDOM | GRND_INSECURE
	cmp eax, GRND_RANDOM | GRND_INSECURE
	je .einval
	call check_user_write
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
.einval:
	mov rax, -EINVAL
	ret
