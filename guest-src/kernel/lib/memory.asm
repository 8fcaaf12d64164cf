; Clearing memory. Under emulation every guest store is slow, so large clears go to
; the VMM (FILL hypercall: a host fill of guest RAM); small ones, and any the VMM
; refuses, stay in the guest.

KZERO_HOST_MIN equ 256

section .text

; -----------------------------------------------------------------------------
; kzero -- clear bytes
;  IN:  RDI = destination, RDX = length
;  OUT: RDI advanced by the length, as rep stos leaves it
;  Clobbers: RAX, RCX
kzero:
	cmp rdx, KZERO_HOST_MIN
	jb .emulated
	push rdx
	mov rcx, [gs:Percpu.self]
	lea rcx, [rcx + Percpu.hc]
	mov [rcx + HcFill.dst], rdi
	mov [rcx + HcFill.len], rdx
	mov qword [rcx + HcFill.value], 0
	HYPERCALL PORT_FILL, ecx
	mov rax, [rcx + HcFill.ret]
	pop rdx
	test rax, rax
	jnz .emulated
	add rdi, rdx
	xor ecx, ecx
	ret
.emulated:
	xor eax, eax
	mov rcx, rdx
	shr rcx, 3
	rep stosq
	mov ecx, edx
	and ecx, 7
	rep stosb
	ret
