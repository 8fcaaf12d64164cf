; CPU exceptions. The VMM delivers them through this IDT on IST1 (unicorn does not),
; pushing an error code for the vectors that have one. Every exception is fatal: the
; handler prints a report on stderr and ends the VM with the status a Linux shell
; shows for the matching signal (128 + signal number).

section .text

; EXC_STUB vector, has_error_code -- entry for one vector: make every frame alike
; (a dummy error code where the CPU pushes none), push the vector, join the common path.
%macro EXC_STUB 2
exc_stub_%1:
%if %2 == 0
	push 0
%endif
	push %1
	jmp exception_common
%endmacro

EXC_STUB 0, 0
EXC_STUB 1, 0
EXC_STUB 2, 0
EXC_STUB 3, 0
EXC_STUB 4, 0
EXC_STUB 5, 0
EXC_STUB 6, 0
EXC_STUB 7, 0
EXC_STUB 8, 1
EXC_STUB 9, 0
EXC_STUB 10, 1
EXC_STUB 11, 1
EXC_STUB 12, 1
EXC_STUB 13, 1
EXC_STUB 14, 1
EXC_STUB 15, 0
EXC_STUB 16, 0
EXC_STUB 17, 1
EXC_STUB 18, 0
EXC_STUB 19, 0
EXC_STUB 20, 0
EXC_STUB 21, 1
EXC_STUB 22, 0
EXC_STUB 23, 0
EXC_STUB 24, 0
EXC_STUB 25, 0
EXC_STUB 26, 0
EXC_STUB 27, 0
EXC_STUB 28, 0
EXC_STUB 29, 1
EXC_STUB 30, 1
EXC_STUB 31, 0

; An interrupt on a vector nobody installed: report it like an exception.
unexpected_interrupt:
	push 0
	push 255
	jmp exception_common

; The frame every stub leaves, from RSP upwards after exception_common's pushes.
struc ExcFrame
	.r15: resq 1
	.r14: resq 1
	.r13: resq 1
	.r12: resq 1
	.r11: resq 1
	.r10: resq 1
	.r9:  resq 1
	.r8:  resq 1
	.rbp: resq 1
	.rdi: resq 1
	.rsi: resq 1
	.rdx: resq 1
	.rcx: resq 1
	.rbx: resq 1
	.rax: resq 1
	.vector: resq 1
	.error: resq 1
	.rip: resq 1
	.cs: resq 1
	.rflags: resq 1
	.rsp: resq 1
	.ss: resq 1
endstruc

exception_common:
	PUSH_GPRS                          ; the register half of a Frame (ExcFrame)
	mov rbx, rsp
	call exception_report
	mov edi, eax
	HYPERCALL PORT_PANIC, edi
.stop:	hlt                               ; the VMM never resumes a panicked guest
	jmp .stop

; -----------------------------------------------------------------------------
; exception_report -- print vector, error code, RIP, CR2 and the registers
;  IN:  RBX = ExcFrame
;  OUT: EAX = exit status for the VM (128 + the matching Linux signal)
;  Clobbers: everything but RBX
exception_report:
	lea rsi, [msg_exc_head]
	call kprint_cstr
	mov rdi, [rbx + ExcFrame.vector]
	call kprint_dec
	mov rcx, [rbx + ExcFrame.vector]
	cmp rcx, 32
	jb .named
	mov ecx, 32                        ; "unexpected interrupt"
.named:	mov rsi, [exception_names + rcx * 8]
	call kprint_cstr
	lea rsi, [msg_on_cpu]
	call kprint_cstr
	mov rdi, [gs:Percpu.cpu_id]
	call kprint_dec

	lea rsi, [msg_error]
	call kprint_cstr
	mov rdi, [rbx + ExcFrame.error]
	call kprint_hex
	lea rsi, [msg_rip]
	call kprint_cstr
	mov rdi, [rbx + ExcFrame.rip]
	call kprint_hex
	lea rsi, [msg_cr2]
	call kprint_cstr
	mov rdi, cr2
	call kprint_hex

	; Registers, four to a line, in the order of register_names.
	xor r12d, r12d
.reg:	mov rax, r12
	and eax, 3
	jnz .same_line
	lea rsi, [msg_newline_indent]
	call kprint_cstr
	jmp .name
.same_line:
	lea rsi, [msg_space]
	call kprint_cstr
.name:	lea rsi, [register_names + r12 * 4]
	mov edx, 4
	call kprint
	movzx eax, byte [register_slots + r12]
	mov rdi, [rbx + rax * 8]
	call kprint_hex
	inc r12
	cmp r12, 18
	jb .reg
	lea rsi, [msg_newline]
	call kprint_cstr

	mov rcx, [rbx + ExcFrame.vector]
	mov eax, 134                       ; SIGABRT for anything without a closer match
	cmp rcx, 32
	jae .done
	movzx eax, byte [exception_status + rcx]
.done:	ret

section .rodata
msg_exc_head:       db 10, 'kernel: CPU exception ', 0
msg_on_cpu:         db ' on cpu ', 0
msg_error:          db 10, '  error code ', 0
msg_rip:            db '  RIP ', 0
msg_cr2:            db '  CR2 ', 0
msg_newline_indent: db 10, '  ', 0
msg_space:          db '  ', 0
msg_newline:        db 10, 0

; Register labels (4 bytes each) and their qword slots in ExcFrame.
register_names: db 'RAX RBX RCX RDX RSI RDI RBP RSP R8  R9  R10 R11 R12 R13 R14 R15 RFL CS  '
register_slots: db ExcFrame.rax/8, ExcFrame.rbx/8, ExcFrame.rcx/8, ExcFrame.rdx/8
                db ExcFrame.rsi/8, ExcFrame.rdi/8, ExcFrame.rbp/8, ExcFrame.rsp/8
                db ExcFrame.r8/8, ExcFrame.r9/8, ExcFrame.r10/8, ExcFrame.r11/8
                db ExcFrame.r12/8, ExcFrame.r13/8, ExcFrame.r14/8, ExcFrame.r15/8
                db ExcFrame.rflags/8, ExcFrame.cs/8

; Exit status per vector: 128 + SIGFPE(8), SIGTRAP(5), SIGILL(4), SIGSEGV(11), SIGBUS(7).
exception_status:
	db 136, 133, 134, 133, 139, 139, 132, 136, 134, 136, 139, 139, 139, 139, 139, 134
	db 136, 135, 134, 136, 134, 139, 134, 134, 134, 134, 134, 134, 134, 134, 134, 134

%macro EXC_NAME 2
exc_name_%1: db %2, 0
%endmacro
EXC_NAME 0, ' (#DE divide error)'
EXC_NAME 1, ' (#DB debug)'
EXC_NAME 2, ' (NMI)'
EXC_NAME 3, ' (#BP breakpoint)'
EXC_NAME 4, ' (#OF overflow)'
EXC_NAME 5, ' (#BR bound range)'
EXC_NAME 6, ' (#UD invalid opcode)'
EXC_NAME 7, ' (#NM device not available)'
EXC_NAME 8, ' (#DF double fault)'
EXC_NAME 9, ' (coprocessor segment overrun)'
EXC_NAME 10, ' (#TS invalid TSS)'
EXC_NAME 11, ' (#NP segment not present)'
EXC_NAME 12, ' (#SS stack fault)'
EXC_NAME 13, ' (#GP general protection)'
EXC_NAME 14, ' (#PF page fault)'
EXC_NAME 15, ' (reserved)'
EXC_NAME 16, ' (#MF x87 floating point)'
EXC_NAME 17, ' (#AC alignment check)'
EXC_NAME 18, ' (#MC machine check)'
EXC_NAME 19, ' (#XM SIMD floating point)'
EXC_NAME 20, ' (#VE virtualization)'
EXC_NAME 21, ' (#CP control protection)'
EXC_NAME 32, ' (unexpected interrupt)'
exc_name_reserved: db ' (reserved)', 0

section .data
exception_stubs:
%assign v 0
%rep 32
	dq exc_stub_ %+ v
%assign v v + 1
%endrep
exception_names:
%assign v 0
%rep 22
	dq exc_name_ %+ v
%assign v v + 1
%endrep
	times 10 dq exc_name_reserved
	dq exc_name_32
section .text
