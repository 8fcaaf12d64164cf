; Device interrupts: the timer, IPIs and I/O completions.
;
; The VMM delivers them on IST1 with interrupts off. Interrupts are only ever on
; while the program runs or while a CPU idles in hlt, and in both cases the current
; task's kernel stack is empty; so the handler moves the interrupted register file
; (a Frame) to the top of that stack and runs from there. The task can then be
; switched away like any other, and resumes through return_to_context.
;
; Any interrupt means "look around": the handler wakes sleepers whose time has come
; and lets this CPU switch if others are waiting, whatever the vector. The VMM may
; therefore fold several pending reasons into one interrupt.

section .text

%macro IRQ_STUB 1
irq_stub_%1:
	push 0                             ; no error code: keep the Frame layout
	push %1
	jmp irq_common
%endmacro

IRQ_STUB VEC_TIMER
IRQ_STUB VEC_IPI
IRQ_STUB VEC_IO

section .data
irq_stubs:                                 ; indexed by vector - VEC_TIMER
	dq irq_stub_ %+ VEC_TIMER
	dq irq_stub_ %+ VEC_IPI
	dq irq_stub_ %+ VEC_IO
section .text

irq_common:
	PUSH_GPRS                          ; the register half of a Frame (ExcFrame)
	call finish_interrupted_return
	mov rsi, rsp                       ; the Frame on IST1
	mov rdi, [gs:Percpu.kstack_top]
	sub rdi, ExcFrame_size
	mov rsp, rdi                       ; ... moves to the task's kernel stack
	mov ecx, ExcFrame_size / 8
	rep movsq
	call handle_interrupt
	call signal_on_irq_return          ; a signal for the interrupted program?
	jmp return_to_context

; -----------------------------------------------------------------------------
; return_to_context -- resume whatever a Frame describes (program or idle loop)
;
; Not with iretq: the engine runs iretq as a descriptor-checking helper that costs
; about 0.8 us, more than the rest of a system call. Every context here is ring 0
; with the kernel's CS and SS, so restoring RFLAGS, RSP and RIP is enough: popfq,
; a load of RSP, and a jump through a per-CPU slot. Once popfq has turned
; interrupts back on, two instructions remain; an interrupt landing on one of them
; is completed by finish_interrupted_return, so the window needs no other care.
; (Nothing is written below the resumed RSP: the program's red zone stays intact.)
;  IN:  RSP = Frame
;  OUT: does not return
return_to_context:
	mov rax, [rsp + ExcFrame.rip]
	mov [gs:Percpu.return_rip], rax
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, ExcFrame.rflags - ExcFrame.vector
	popfq                              ; RSP now at the Frame's RSP slot
return_window_load_rsp:
	mov rsp, [rsp]
return_window_jump:
	jmp [gs:Percpu.return_rip]

; -----------------------------------------------------------------------------
; finish_interrupted_return -- an interrupt that hit the last two instructions of
; return_to_context finishes them in the saved Frame: RSP as the load would set it,
; RIP where the jump goes. Later the Frame resumes the context directly.
;  IN:  RSP + 8 = Frame (just pushed on IST1)
;  Clobbers: RAX
finish_interrupted_return:
	lea rax, [return_window_load_rsp]
	cmp [rsp + 8 + ExcFrame.rip], rax
	jne .jump
	mov rax, [rsp + 8 + ExcFrame.rsp]  ; the interrupted stack points at the RSP slot
	mov rax, [rax]
	mov [rsp + 8 + ExcFrame.rsp], rax
	jmp .finish
.jump:	lea rax, [return_window_jump]
	cmp [rsp + 8 + ExcFrame.rip], rax
	jne .done
.finish:
	mov rax, [gs:Percpu.return_rip]
	mov [rsp + 8 + ExcFrame.rip], rax
.done:	ret

; -----------------------------------------------------------------------------
; handle_interrupt -- wake due sleepers, finish I/O, switch if others are waiting
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
handle_interrupt:
	SPIN_LOCK [sched_lock]
	call wake_sleepers
	call io_complete_locked
	call net_irq_locked                ; host-side socket changes: waiters look again
	mov rax, [gs:Percpu.self]
	cmp qword [rax + Percpu.rq_len], 0
	je .stay
	jmp schedule_locked                ; preempt: the current task goes to the back
.stay:	SPIN_UNLOCK [sched_lock]
	ret

