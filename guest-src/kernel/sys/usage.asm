; What the process has used: CPU time per thread and for the whole process, memory,
; uptime. clock_gettime's CPU clocks (sys_clock_gettime calls cpu_thread_ns and
; cpu_process_ns), times, getrusage, sysinfo.
;
; A thread's run time is counted in TSC ticks from the switch that gives it a CPU to
; the switch that takes the CPU away (switch_to calls cpu_charge_switch: a few
; instructions, as switches run in counted slices), and turned into nanoseconds
; when read, at the rate lib/clock.asm measures (each reading at least the one before:
; a newly measured rate may be a little lower). Time a CPU spends in its idle task
; is nobody's, so a sleeping or blocked thread's clock stands still. The vCPUs take
; turns on one host thread and the TSC is the host's, so while several vCPUs are
; busy each running thread is charged for the others' turns too: CPU time then runs
; ahead of the work done, never behind.

CLOCK_PROCESS_CPUTIME_ID equ 2
CLOCK_THREAD_CPUTIME_ID  equ 3
USER_HZ                  equ 100            ; clock ticks per second (times, sysconf(_SC_CLK_TCK))
NS_PER_TICK              equ 1000000000 / USER_HZ
NS_PER_US                equ 1000
RUSAGE_SELF              equ 0
RUSAGE_CHILDREN          equ -1
RUSAGE_THREAD            equ 1
RUSAGE_SIZE              equ 144            ; struct rusage: two timevals, fourteen longs
RUSAGE_MAXRSS            equ 32             ; ru_maxrss, in KiB
TMS_SIZE                 equ 32             ; struct tms: four clock_t
SYSINFO_SIZE             equ 112            ; struct sysinfo on x86-64
SYSINFO_UPTIME           equ 0
SYSINFO_TOTALRAM         equ 32
SYSINFO_FREERAM          equ 40
SYSINFO_PROCS            equ 80             ; u16
SYSINFO_MEM_UNIT         equ 104            ; u32
CPU_RATE_WAIT_NS         equ 50000000       ; longest wait for the clock's rate (it needs 10 ms)

; RDTSC64 reg -- the TSC into a register (RDX:RAX clobbered)
%macro RDTSC64 1
	rdtsc
	shl rdx, 32
	or rax, rdx
%ifnidni %1, rax
	mov %1, rax
%endif
%endmacro

section .text

; -----------------------------------------------------------------------------
; cpu_charge_switch -- the leaving task's run time since it got this CPU goes to it
; (and to the process, unless it is the CPU's idle task); the arriving task's starts
;  IN:  RDI = leaving Task, RSI = arriving Task (sched_lock held, interrupts off)
;  Clobbers: RAX, RDX
cpu_charge_switch:
	RDTSC64 rax
	mov [rsi + Task.run_start], rax
	sub rax, [rdi + Task.run_start]
	add [rdi + Task.cpu_ticks], rax
	cmp rdi, [gs:Percpu.idle_task]
	je .idle
	add [process_cpu_ticks], rax
.idle:	ret

; -----------------------------------------------------------------------------
; cpu_start_clock -- the calling task's run time starts now (thread 1, before it
; first enters the program; later tasks start at their first switch_to); so does
; the uptime
;  Clobbers: RAX, RCX, RDX, RDI
cpu_start_clock:
	call monotonic_now                 ; (also the clock's first calibration point)
	mov [boot_mono_ns], rax
	RDTSC64 rax
	mov rcx, [gs:Percpu.current]
	mov [rcx + Task.run_start], rax
	ret

; -----------------------------------------------------------------------------
; cpu_thread_ns -- the calling thread's run time (interrupts off: it cannot move)
;  OUT: RAX = ns
;  Clobbers: RCX, RDX, RDI
cpu_thread_ns:
	RDTSC64 rax
	mov rcx, [gs:Percpu.current]
	sub rax, [rcx + Task.run_start]
	add rax, [rcx + Task.cpu_ticks]
	call ticks_to_ns
	mov rcx, [gs:Percpu.current]
	cmp rax, [rcx + Task.cpu_seen]
	jae .new
	mov rax, [rcx + Task.cpu_seen]
.new:	mov [rcx + Task.cpu_seen], rax
	ret

; -----------------------------------------------------------------------------
; cpu_process_ns -- the run time of every thread, exited ones included: what the
; switches charged plus the slices running now on each CPU
;  OUT: RAX = ns
;  Clobbers: RCX, RDX, RDI, RSI
cpu_process_ns:
	push rbx
	SPIN_LOCK [sched_lock]
	RDTSC64 rbx                        ; now
	mov rax, [process_cpu_ticks]
	mov rcx, [boot_info]
	mov ecx, [rcx + BootInfo.cpu_count]
	lea rdx, [percpu]
.cpu:	mov rdi, [rdx + Percpu.current]
	test rdi, rdi
	jz .next                           ; not booted yet
	cmp rdi, [rdx + Percpu.idle_task]
	je .next
	mov rsi, rbx
	sub rsi, [rdi + Task.run_start]
	add rax, rsi
.next:	add rdx, Percpu_size
	dec ecx
	jnz .cpu
	call ticks_to_ns
	cmp rax, [process_cpu_seen]
	jae .new
	mov rax, [process_cpu_seen]
.new:	mov [process_cpu_seen], rax
	SPIN_UNLOCK [sched_lock]
	pop rbx
	ret

; -----------------------------------------------------------------------------
; ticks_to_ns -- TSC ticks in nanoseconds, at the clock's measured rate. The clock
; measures it over its first CLOCK_CALIBRATE_NS of host time (from the program's
; start); a reading before then waits for it, reading the host until the rate is
; known (CPU_RATE_WAIT_NS at most, then a tick counts as a nanosecond), so that
; every reading uses one rate and the process never reads less than a thread.
;  IN:  RAX = ticks
;  OUT: RAX = ns
;  Clobbers: RCX, RDX, RDI
ticks_to_ns:
	mov rcx, [clock_rate]
	test rcx, rcx
	jnz .convert
	push rax
	push rsi
	call monotonic_now
	lea rsi, [rax + CPU_RATE_WAIT_NS]  ; how long to wait at most
.wait:	mov rcx, [clock_rate]
	test rcx, rcx
	jnz .measured
	pause
	call monotonic_now                 ; a host reading, which measures the rate when due
	cmp rax, rsi
	jb .wait
	mov ecx, 1                         ; never measured: a tick for a nanosecond
	shl rcx, 32
.measured:
	pop rsi
	pop rax
.convert:
	mul rcx                            ; rdx:rax = ticks * rate (32.32)
	shrd rax, rdx, 32
	shr rdx, 32
	jz .done
	mov rax, -1                        ; past 2^64 ns: saturate
.done:	ret

; -----------------------------------------------------------------------------
; rss_kib -- memory the program uses, in KiB, and the most it has used so far: every
; page the allocator has out, less the pages below the program, the unused part of
; the brk window and the argument area and kernel at the top of RAM
;  OUT: RAX = KiB now, RDX = the peak in KiB
;  Clobbers: RCX, RSI, RDI, R8
rss_kib:
	call count_free_pages
	mov rcx, [total_pages]
	sub rcx, rax                       ; pages in use
	mov rsi, [boot_info]
	mov rax, [rsi + BootInfo.app_start]
	shr rax, 12
	sub rcx, rax
	mov rax, [brk_limit]
	sub rax, [brk_current]
	shr rax, 12
	sub rcx, rax
	mov rax, [rsi + BootInfo.kernel_end]
	mov rdi, [rsi + BootInfo.argv]
	shr rdi, 12
	shr rax, 12
	sub rax, rdi
	sub rcx, rax
	jns .peak
	xor ecx, ecx
.peak:	shl rcx, 2                         ; KiB
	mov rax, rcx
	mov rdx, [peak_rss_kib]
	cmp rax, rdx
	jbe .out
	mov [peak_rss_kib], rax            ; (a racing CPU may lower it by a little)
	mov rdx, rax
.out:	ret

; -----------------------------------------------------------------------------
; sys_times -- times(buf): the process's CPU time in clock ticks (all of it user
; time; no children)
;  IN:  RDI = struct tms * (may be NULL)
;  OUT: RAX = clock ticks since boot, or -EFAULT
;  Clobbers: RCX, RDX, RSI, RDI, R8
sys_times:
	push rbx
	mov rbx, rdi
	test rbx, rbx
	jz .clock
	mov esi, TMS_SIZE
	call check_user_write
	jc .efault
	call cpu_process_ns
	xor edx, edx
	mov ecx, NS_PER_TICK
	div rcx
	mov [rbx], rax                     ; tms_utime
	xor eax, eax
	mov [rbx + 8], rax                 ; tms_stime
	mov [rbx + 16], rax                ; tms_cutime
	mov [rbx + 24], rax                ; tms_cstime
.clock:	call monotonic_now
	sub rax, [boot_mono_ns]
	xor edx, edx
	mov ecx, NS_PER_TICK
	div rcx
	pop rbx
	ret
.efault:
	mov rax, -EFAULT
	pop rbx
	ret

; -----------------------------------------------------------------------------
; sys_getrusage -- getrusage(who, usage): CPU time of the process or the calling
; thread as user time, the peak memory use; nothing for children (there are none)
;  IN:  RDI = RUSAGE_SELF, RUSAGE_THREAD or RUSAGE_CHILDREN, RSI = struct rusage *
;  OUT: RAX = 0, -EINVAL, -EFAULT
;  Clobbers: RCX, RDX, RSI, RDI, R8
sys_getrusage:
	push rbx
	push r12
	mov r12, rdi
	mov rbx, rsi
	cmp r12, RUSAGE_SELF
	je .who_ok
	cmp r12, RUSAGE_THREAD
	je .who_ok
	cmp r12, RUSAGE_CHILDREN
	jne .einval
.who_ok:
	mov rdi, rbx
	mov esi, RUSAGE_SIZE
	call check_user_write
	jc .efault
	mov rdi, rbx
	mov ecx, RUSAGE_SIZE / 8
	xor eax, eax
	rep stosq
	cmp r12, RUSAGE_CHILDREN
	je .done
	call rss_kib
	mov [rbx + RUSAGE_MAXRSS], rdx
	cmp r12, RUSAGE_THREAD
	je .thread
	call cpu_process_ns
	jmp .time
.thread:
	call cpu_thread_ns
.time:	xor edx, edx
	mov ecx, NS_PER_S
	div rcx
	mov [rbx], rax                     ; ru_utime.tv_sec
	mov rax, rdx
	xor edx, edx
	mov ecx, NS_PER_US
	div rcx
	mov [rbx + 8], rax                 ; ru_utime.tv_usec
.done:	xor eax, eax
.out:	pop r12
	pop rbx
	ret
.einval:
	mov rax, -EINVAL
	jmp .out
.efault:
	mov rax, -EFAULT
	jmp .out

; -----------------------------------------------------------------------------
; sys_sysinfo -- sysinfo(info): uptime, RAM and free RAM from the page allocator,
; threads as processes; no load averages, no swap; sizes in bytes (mem_unit 1)
;  IN:  RDI = struct sysinfo *
;  OUT: RAX = 0 or -EFAULT
;  Clobbers: RCX, RDX, RSI, RDI, R8
sys_sysinfo:
	push rbx
	mov rbx, rdi
	mov esi, SYSINFO_SIZE
	call check_user_write
	jc .efault
	mov rdi, rbx
	mov ecx, SYSINFO_SIZE / 8
	xor eax, eax
	rep stosq
	call monotonic_now
	sub rax, [boot_mono_ns]
	xor edx, edx
	mov ecx, NS_PER_S
	div rcx
	mov [rbx + SYSINFO_UPTIME], rax
	mov rax, [ram_size]
	mov [rbx + SYSINFO_TOTALRAM], rax
	call count_free_pages
	shl rax, 12
	mov [rbx + SYSINFO_FREERAM], rax
	mov rax, [live_threads]
	cmp rax, 0xffff
	jbe .procs
	mov eax, 0xffff
.procs:	mov [rbx + SYSINFO_PROCS], ax
	mov dword [rbx + SYSINFO_MEM_UNIT], 1
	xor eax, eax
	pop rbx
	ret
.efault:
	mov rax, -EFAULT
	pop rbx
	ret

section .bss
alignb 8
process_cpu_ticks: resq 1  ; run time of every thread up to its last switch away, TSC ticks
process_cpu_seen:  resq 1     ; the last process run time in ns a reader was told (sched_lock)
boot_mono_ns:      resq 1     ; CLOCK_MONOTONIC when the program started (uptime, times)
peak_rss_kib:      resq 1     ; the most memory rss_kib has seen in use
section .text
