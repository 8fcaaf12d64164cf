; CPU exceptions. The VMM delivers them through this IDT on IST2 (unicorn does not),
; pushing an error code for the vectors that have one. A fault in program code whose
; signal (SIGSEGV, SIGFPE, SIGILL, SIGTRAP, SIGBUS) has a handler the thread does not
; block runs that handler (fault_to_signal). Every other exception is fatal: the
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
	call fault_to_signal               ; returns only when the fault stays fatal
	call exception_report
	mov edi, eax
	HYPERCALL PORT_PANIC, edi
.stop:	hlt                               ; the VMM never resumes a panicked guest
	jmp .stop

; -----------------------------------------------------------------------------
; fault_to_signal -- a fault in program code goes to the program's handler: the
; Frame moves to the thread's kernel stack (empty while the program runs), the
; handler's frame is built on the program's stack, and the thread resumes there
;  IN:  RBX = ExcFrame on the exception stack
;  OUT: returns only when the fault stays fatal (kernel code, no handler, the
;       signal blocked or ignored: Linux then kills with the default action)
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R12, R14
fault_to_signal:
	mov rax, [rbx + ExcFrame.rip]
	mov rcx, [boot_info]
	cmp rax, [rcx + BootInfo.kernel_start]
	jb .program
	cmp rax, [rcx + BootInfo.kernel_end]
	jb .kernel
.program:
	mov rcx, [rbx + ExcFrame.vector]
	cmp rcx, 32
	jae .kernel
	movzx r12d, byte [fault_signal + rcx]
	test r12d, r12d
	jz .kernel
	mov r14, [gs:Percpu.current]
	cmp r14, [gs:Percpu.idle_task]
	je .kernel
	SPIN_LOCK [sched_lock]
	lea eax, [r12d - 1]
	bt [r14 + Task.sig_blocked], rax
	jc .fatal
	mov eax, r12d
	shl eax, 5
	cmp qword [sig_actions + rax + KSigaction.handler], SIG_IGN
	jbe .fatal
	; Deliver: the Frame to the task's kernel stack, the delivery record below it.
	mov rsi, rbx
	mov rdi, [gs:Percpu.kstack_top]
	sub rdi, ExcFrame_size
	mov rbx, rdi
	mov ecx, ExcFrame_size / 8
	rep movsq
	lea rsp, [rbx - SigDelivery_size]
	mov [rsp + SigDelivery.signo], r12
	mov eax, r12d
	shl eax, 5
	lea rsi, [sig_actions + rax]
	mov rdi, rsp
	call signal_take_action
	SPIN_UNLOCK [sched_lock]
	mov rcx, [rbx + ExcFrame.vector]
	mov [rsp + SigDelivery.trapno], rcx
	mov rax, [rbx + ExcFrame.error]
	mov [rsp + SigDelivery.err], rax
	movzx eax, byte [fault_code + rcx]
	mov [rsp + SigDelivery.code], rax
	xor eax, eax
	mov [rsp + SigDelivery.cr2], rax
	movzx edx, byte [fault_addr + rcx]
	test edx, edx
	jz .addr
	mov rax, [rbx + ExcFrame.rip]      ; 1: the faulting instruction
	cmp edx, 1
	je .addr
	mov rax, cr2                       ; 2: the faulting access
	mov [rsp + SigDelivery.cr2], rax
	test byte [rbx + ExcFrame.error], 1
	jz .addr
	mov qword [rsp + SigDelivery.code], SEGV_ACCERR   ; the page was there: a protection fault
.addr:	mov [rsp + SigDelivery.addr], rax
	cmp ecx, 16
	je .fp_code
	cmp ecx, 19
	jne .build
.fp_code:
	call fp_fault_code
	mov [rsp + SigDelivery.code], rax
.build:	mov rdi, rsp
	call signal_build_frame
	jc .no_room
	mov rsp, rbx
	call signal_on_irq_return          ; other signals may be due as well
	jmp return_to_context
.no_room:
	mov edi, SIGSEGV                   ; no room for the frame: Linux's force_sigsegv
	jmp signal_terminate
.fatal:	SPIN_UNLOCK [sched_lock]
.kernel:
	ret

; -----------------------------------------------------------------------------
; fp_fault_code -- si_code of a floating-point fault, from the unmasked exception
; flags (MXCSR for #XM, the x87 status word for #MF), in Linux's order
;  IN:  ECX = vector (16 or 19)
;  OUT: RAX = FPE_*
;  Clobbers: RDX
fp_fault_code:
	sub rsp, 8
	cmp ecx, 19
	jne .x87
	stmxcsr [rsp]
	mov eax, [rsp]
	mov edx, eax
	shr edx, 7                         ; the mask bits, lined up with the flags
	jmp .decode
.x87:	fnstsw [rsp]
	fnstcw [rsp + 2]
	movzx eax, word [rsp]
	movzx edx, word [rsp + 2]
.decode:
	not edx
	and eax, edx
	mov edx, FPE_FLTINV
	test eax, 0x01
	jnz .done
	mov edx, FPE_FLTDIV
	test eax, 0x04
	jnz .done
	mov edx, FPE_FLTOVF
	test eax, 0x08
	jnz .done
	mov edx, FPE_FLTUND
	test eax, 0x12
	jnz .done
	mov edx, FPE_FLTRES
	test eax, 0x20
	jnz .done
	xor edx, edx
.done:	mov eax, edx
	add rsp, 8
	ret

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

; Faults a program handler may take: signal, si_code and what si_addr holds (0:
; nothing, 1: the faulting instruction, 2: CR2), per vector.
SEGV_MAPERR equ 1
SEGV_ACCERR equ 2
ILL_ILLOPN  equ 2
FPE_INTDIV  equ 1
FPE_FLTDIV  equ 3
FPE_FLTOVF  equ 4
FPE_FLTUND  equ 5
FPE_FLTRES  equ 6
FPE_FLTINV  equ 7
BUS_ADRALN  equ 1
fault_signal:
	db 8, 0, 0, 5, 11, 11, 4, 0, 0, 0, 11, 11, 7, 11, 11, 0
	db 8, 7, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
fault_code:
	db FPE_INTDIV, 0, 0, SI_KERNEL, SI_KERNEL, SI_KERNEL, ILL_ILLOPN, 0
	db 0, 0, SI_KERNEL, SI_KERNEL, SI_KERNEL, SI_KERNEL, SEGV_MAPERR, 0
	db FPE_FLTINV, BUS_ADRALN, 0, FPE_FLTINV, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
fault_addr:
	db 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0
	db 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0

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
