; Kernel messages: bytes to the host's stderr through the WRITE hypercall.
; Each CPU builds its hypercall struct in its own per-CPU area (arch/cpu.asm), so
; CPUs never share an argument block.

section .text

; -----------------------------------------------------------------------------
; kprint -- write bytes to the console's stderr
;  IN:  RSI = address, RDX = length
;  OUT: nothing
;  Clobbers: RAX, RDX, RDI
kprint:
	mov rdi, [gs:Percpu.self]
	lea rdi, [rdi + Percpu.hc]
	mov dword [rdi + HcWrite.fd], 2
	mov [rdi + HcWrite.buf], rsi
	mov [rdi + HcWrite.len], rdx
	HYPERCALL PORT_WRITE, edi
	ret

; -----------------------------------------------------------------------------
; kprint_cstr -- write a NUL-terminated string to stderr
;  IN:  RSI = string
;  Clobbers: RAX, RCX, RDX, RDI
kprint_cstr:
	xor ecx, ecx
.len:	cmp byte [rsi + rcx], 0
	je .out
	inc rcx
	jmp .len
.out:	mov rdx, rcx
	jmp kprint

; -----------------------------------------------------------------------------
; kprint_hex -- write a 64-bit value as 0x followed by 16 hex digits
;  IN:  RDI = value
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8
kprint_hex:
	mov r8, [gs:Percpu.self]
	lea rsi, [r8 + Percpu.text]
	mov word [rsi], '0x'
	mov ecx, 16
.digit:	mov rax, rdi
	and eax, 0xf
	mov al, [hex_digits + rax]
	mov [rsi + rcx + 1], al
	shr rdi, 4
	dec ecx
	jnz .digit
	mov edx, 18
	jmp kprint

; -----------------------------------------------------------------------------
; kprint_dec -- write an unsigned value in decimal
;  IN:  RDI = value
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8
kprint_dec:
	mov r8, [gs:Percpu.self]
	lea rsi, [r8 + Percpu.text + 24]  ; fill backwards from the end of the buffer
	mov rax, rdi
	mov ecx, 10
.digit:	xor edx, edx
	div rcx
	add dl, '0'
	dec rsi
	mov [rsi], dl
	test rax, rax
	jnz .digit
	lea rdx, [r8 + Percpu.text + 24]
	sub rdx, rsi
	jmp kprint

section .rodata
hex_digits: db '0123456789abcdef'
section .text
