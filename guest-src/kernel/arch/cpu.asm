; Descriptor tables and per-CPU data.
;
; One GDT shared by all CPUs: null, 64-bit code (0x08), data (0x10), then one
; 16-byte TSS descriptor per CPU. Each CPU's TSS names two interrupt stacks: IST1
; for device interrupts (timer, IPI, I/O) and IST2 for CPU exceptions, so a fault
; inside an interrupt handler cannot overwrite the frame it is reporting. The VMM
; delivers everything on an IST because the program keeps live data in the 128-byte
; red zone below its RSP, which a frame pushed there would destroy.
; GS base points at the CPU's Percpu block for the whole run (programs built with
; musl never touch GS), so kernel code reaches per-CPU data with gs: operands.

struc Percpu
	.self:        resq 1      ; address of this block (gs: operands give offsets only)
	.cpu_id:      resq 1
	.user_rsp:    resq 1      ; program RSP while a system call saves its frame
	.kstack_top:  resq 1      ; top of the current task's kernel stack
	.current:     resq 1      ; the Task running on this CPU
	.idle_task:   resq 1      ; this CPU's idle Task
	.dead_task:   resq 1      ; a Task that exited here, freed after the switch away
	.rq_head:     resq 1      ; run queue (FIFO of READY tasks), under sched_lock
	.rq_tail:     resq 1
	.rq_len:      resq 1
	.return_rip:  resq 1      ; where return_to_context's final jump goes
	.hc:          resb 64     ; hypercall argument block for this CPU
	.text:        resb 32     ; number-formatting scratch for the console
endstruc

TSS_SIZE equ 104
TSS_IST1 equ 0x24                ; offset of IST1 in a 64-bit TSS
IST_IRQ  equ 1                   ; device interrupts
IST_EXC  equ 2                   ; CPU exceptions

section .text

; -----------------------------------------------------------------------------
; init_cpu -- make the calling CPU ready to run the kernel and the program
;  IN:  RDI = CPU number (0 .. MAX_CPUS-1)
;  OUT: own GDT/TSS/IDT loaded, GS base = its Percpu, SSE on, syscall MSRs set
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8, R9
init_cpu:
	mov r8, rdi                        ; r8 = cpu number
	; Per-CPU block.
	imul r9, r8, Percpu_size
	lea rax, [percpu + r9]
	mov [rax + Percpu.self], rax
	mov [rax + Percpu.cpu_id], r8
	imul r9, r8, TASK_SIZE             ; this CPU's idle task: a static block
	lea rcx, [idle_tasks + r9]
	mov [rax + Percpu.idle_task], rcx
	mov [rax + Percpu.current], rcx
	add rcx, TASK_SIZE
	mov [rax + Percpu.kstack_top], rcx
	WRMSR64 MSR_GS_BASE, rax

	; TSS: IST1 and IST2, this CPU's interrupt and exception stacks.
	imul rsi, r8, TSS_SIZE
	lea rsi, [tss_table + rsi]
	mov rax, r8
	shl rax, 1
	inc rax
	imul rax, rax, IST_STACK_SIZE      ; top of stack 2*cpu (IST1)
	lea rax, [ist_stacks + rax]
	mov [rsi + TSS_IST1], rax
	add rax, IST_STACK_SIZE            ; top of stack 2*cpu+1 (IST2)
	mov [rsi + TSS_IST1 + 8], rax
	mov word [rsi + 0x66], TSS_SIZE    ; I/O map base past the end: no I/O bitmap

	; TSS descriptor (16 bytes) in the GDT.
	mov rdi, r8
	shl rdi, 4
	lea rdi, [gdt + TSS_SEL0 + rdi]
	mov word [rdi], TSS_SIZE - 1       ; limit 15:0
	mov rax, rsi
	mov [rdi + 2], ax                  ; base 15:0
	shr rax, 16
	mov [rdi + 4], al                  ; base 23:16
	mov byte [rdi + 5], 0x89           ; present, 64-bit available TSS
	mov byte [rdi + 6], 0
	mov [rdi + 7], ah                  ; base 31:24
	mov rax, rsi
	shr rax, 32
	mov [rdi + 8], eax                 ; base 63:32
	mov dword [rdi + 12], 0

	lgdt [gdt_pointer]
	push KERNEL_CS                     ; reload CS with a far return
	lea rax, [.cs_loaded]
	push rax
	retfq
.cs_loaded:
	mov ax, KERNEL_DS
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rax, r8
	shl rax, 4
	add rax, TSS_SEL0
	ltr ax

	cmp r8, 0
	jne .idt_built
	call build_idt                     ; CPU 0 builds the shared IDT
.idt_built:
	lidt [idt_pointer]

	; SSE: CR0.MP on, EM off; CR4.OSFXSR and OSXMMEXCPT on.
	mov rax, cr0
	and rax, ~(1 << 2)
	or rax, (1 << 1)
	mov cr0, rax
	mov rax, cr4
	or rax, (1 << 9) | (1 << 10)
	mov cr4, rax

	; syscall: the VMM emulates the instruction's jump to LSTAR (see vmm/cpu/syscall.ts).
	mov ecx, MSR_EFER
	rdmsr
	or eax, 1                          ; SCE
	wrmsr
	lea rax, [syscall_entry]
	WRMSR64 MSR_LSTAR, rax
	lea rax, [preempt_entry]
	WRMSR64 MSR_CSTAR, rax             ; unused by 64-bit code: the VMM's preemption target
	mov rax, (KERNEL_CS << 32)
	WRMSR64 MSR_STAR, rax
	WRMSR64 MSR_FMASK, 0x200           ; IF off on entry
	ret

; -----------------------------------------------------------------------------
; build_idt -- fill all 256 gates: exception stubs for 0-31 on IST2, the device
; interrupts (timer, IPI, I/O) on IST1, a fatal stub for everything else
;  Clobbers: RAX, RCX, RDX, RSI, RDI
build_idt:
	xor ecx, ecx
.gate:	mov edx, IST_EXC
	cmp ecx, 32
	jae .device
	mov rax, [exception_stubs + rcx * 8]
	jmp .set
.device:
	lea rax, [unexpected_interrupt]
	cmp ecx, VEC_TIMER
	jb .set
	cmp ecx, VEC_IO
	ja .set
	mov edx, IST_IRQ
	mov rax, rcx
	sub rax, VEC_TIMER
	mov rax, [irq_stubs + rax * 8]
.set:	mov rdi, rcx
	shl rdi, 4
	lea rdi, [idt + rdi]
	mov [rdi], ax                      ; offset 15:0
	mov word [rdi + 2], KERNEL_CS
	mov [rdi + 4], dl                  ; IST index
	mov byte [rdi + 5], 0x8e           ; present, DPL 0, interrupt gate
	shr rax, 16
	mov [rdi + 6], ax                  ; offset 31:16
	shr rax, 16
	mov [rdi + 8], eax                 ; offset 63:32
	mov dword [rdi + 12], 0
	inc ecx
	cmp ecx, 256
	jb .gate
	ret

section .data
align 16
gdt:
	dq 0                               ; null
	dq 0x00209a0000000000              ; 0x08: 64-bit code, ring 0
	dq 0x0000920000000000              ; 0x10: data, ring 0
	times MAX_CPUS * 2 dq 0            ; 0x18..: one TSS descriptor per CPU
gdt_end:
gdt_pointer:
	dw gdt_end - gdt - 1
	dq gdt
idt_pointer:
	dw 256 * 16 - 1
	dq idt

section .bss
alignb 4096
idt:           resb 256 * 16
tss_table:     resb TSS_SIZE * MAX_CPUS
alignb 64
percpu:        resb Percpu_size * MAX_CPUS
alignb 16
ist_stacks:    resb IST_STACK_SIZE * 2 * MAX_CPUS
alignb 4096
idle_tasks:    resb TASK_SIZE * MAX_CPUS    ; Task block + kernel stack per CPU
section .text
