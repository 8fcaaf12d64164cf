; Copying and clearing memory. Under emulation every guest memory access is slow,
; so large copies and clears go to the VMM (COPY and FILL hypercalls: a host memmove
; or fill within guest RAM); small ones, and any the VMM refuses, stay in the guest.

; From these sizes the VMM beat emulated rep movs/stos, which costs about 3.5 ns
; per 8 bytes (1 KiB: 450 ns; the loops below, which replaced rep, are quicker, so
; the thresholds are if anything a little low). COPY is handled in the engine's OUT hook by machine
; code (vmm/engine/copy-fast-path.ts): 11 ns for 8 bytes, 59 ns for 4 KiB on a bare
; engine, so it pays from about 128 bytes (PostMark, best of five alternating runs:
; 12,400 against 11,300 tps with HermiTux's configuration, 40,300 against 37,200 with
; the defaults, than from 1 KiB). Clears from 1 KiB go to the VMM too (PostMark's
; defaults, alternating: 27,200-33,000 tps at 1024 against 20,700-28,400 at 256,
; measured when everything went through JavaScript). Below 64 KiB they are COPYs from
; zero_page, a page at a time, so that they stay in the machine-code hook; FILL goes
; through JavaScript (about 500 ns a call) and is kept for larger clears, where one
; call beats many.
HOST_FILL_MIN equ 1024
HOST_FILL_ONE_CALL equ 0x10000
HOST_COPY_MIN equ 128

section .text

; -----------------------------------------------------------------------------
; kzero -- clear bytes
;  IN:  RDI = destination, RDX = length
;  OUT: RDI advanced by the length, as rep stos leaves it
;  Clobbers: RAX, RCX
kzero:
	cmp rdx, HOST_FILL_MIN
	jb .emulated
	cmp rdx, HOST_FILL_ONE_CALL
	jae .fill
	push rsi
	push rdx
	push r8
	mov r8, rdx                        ; bytes left
.page:	mov edx, PAGE_SIZE                 ; this piece: at most the zero page
	cmp r8, rdx
	cmovb rdx, r8
	sub r8, rdx
	lea rsi, [zero_page]
	call kmemcpy                       ; a COPY (in the guest if refused); advances RDI
	test r8, r8
	jnz .page
	pop r8
	pop rdx
	pop rsi
	ret
.fill:	push rdx
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
.emulated:	; 32 bytes a turn: `rep stos` is one translated-block pass per repetition
	xor eax, eax
	mov rcx, rdx
	cmp rcx, 32
	jb .words
.wide:	mov [rdi], rax
	mov [rdi + 8], rax
	mov [rdi + 16], rax
	mov [rdi + 24], rax
	add rdi, 32
	sub rcx, 32
	cmp rcx, 32
	jae .wide
.words:	cmp rcx, 8
	jb .bytes
	mov [rdi], rax
	add rdi, 8
	sub rcx, 8
	jmp .words
.bytes:	rep stosb
	ret

; -----------------------------------------------------------------------------
; kmemcpy -- copy bytes. Large copies go to the VMM (COPY hypercall): every guest
; memory access is slow under emulation, a host memmove is not. Small ones, and any
; the VMM refuses, stay in the guest (16 bytes a turn, then the tail).
;  IN:  RDI = destination, RSI = source, RDX = length
;  OUT: RDI and RSI advanced by the length, as rep movs leaves them
;  Clobbers: RCX
kmemcpy:
	cmp rdx, HOST_COPY_MIN
	jb .emulated
	push rax
	push rdx
	mov rcx, [gs:Percpu.self]
	lea rcx, [rcx + Percpu.hc]
	mov [rcx + HcCopy.dst], rdi
	mov [rcx + HcCopy.src], rsi
	mov [rcx + HcCopy.len], rdx
	HYPERCALL PORT_COPY, ecx
	mov rax, [rcx + HcCopy.ret]
	pop rdx
	test rax, rax
	pop rax
	jnz .emulated
	add rdi, rdx
	add rsi, rdx
	xor ecx, ecx
	ret
.emulated:	; 16 bytes a turn (front to back, like rep movs), then the tail
	push rax
	push r8
	mov rcx, rdx
	cmp rcx, 16
	jb .tail
.wide:	mov rax, [rsi]
	mov r8, [rsi + 8]
	mov [rdi], rax
	mov [rdi + 8], r8
	add rsi, 16
	add rdi, 16
	sub rcx, 16
	cmp rcx, 16
	jae .wide
.tail:	pop r8
	pop rax
	rep movsb                          ; fewer than 16
	ret

section .rodata
align PAGE_SIZE
zero_page: times PAGE_SIZE db 0          ; the source of kzero's COPYs; nothing writes it
section .text
