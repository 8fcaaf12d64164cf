; Bringing CPUs up. The VMM starts vCPU 0 at kernel_entry; every other vCPU k is
; started there too, with RSI = k, once the BootInfo's cpu_online count reaches k
; (as uhyve does it: no INIT/SIPI). So CPUs come up one at a time, in order.

section .text

; -----------------------------------------------------------------------------
; init_sched -- the boot CPU's scheduler state: FPU template, its idle task, online
;  Clobbers: RAX, RCX, RSI, RDI
init_sched:
	call init_fpu_template
	call init_idle_task
	; CPU 0 leaves its idle task before ever running it: give it a context that
	; switch_to can resume (six zeroed registers, then idle_loop).
	mov rdi, [gs:Percpu.idle_task]
	lea rax, [rdi + TASK_SIZE - 7 * 8]
	mov [rdi + Task.rsp], rax
	lea rcx, [idle_loop]
	mov [rax + 6 * 8], rcx
	mov qword [cpus_online], 1
	mov rax, [boot_info]
	lea rcx, [idle_resume]
	mov [rax + BootInfo.idle_resume], rcx
	ret

; -----------------------------------------------------------------------------
; init_idle_task -- this CPU's idle task: clean FPU state, marked running
;  Clobbers: RCX, RSI, RDI
init_idle_task:
	mov rdi, [gs:Percpu.idle_task]
	mov qword [rdi + Task.state], TASK_RUNNING
	mov rax, [gs:Percpu.cpu_id]
	mov [rdi + Task.cpu], rax
	lea rsi, [fpu_template]
	mov ecx, 512 / 8
	rep movsq
	ret

; -----------------------------------------------------------------------------
; announce_online -- tell the VMM this CPU is up, so it starts the next one
;  Clobbers: RAX
announce_online:
	mov rax, [boot_info]
	lock inc dword [rax + BootInfo.cpu_online]
	ret

; -----------------------------------------------------------------------------
; ap_entry -- an application processor's way in
;  IN:  RSI = CPU number (> 0), interrupts off
;  OUT: does not return: the CPU idles until there is work
ap_entry:
	mov r12, rsi
	imul rsp, r12, TASK_SIZE
	lea rax, [idle_tasks + TASK_SIZE]
	add rsp, rax                       ; top of this CPU's idle stack
	mov rdi, r12
	call init_cpu
	call init_idle_task
	lock inc qword [cpus_online]       ; its run queue exists from here on
	call announce_online
	jmp idle_loop
