; Facts about the process that runtimes ask for at start: which CPUs it may use, its
; resource limits, its groups, its children (none), the CPU a thread runs on, its
; scheduling policy and priorities, the time in seconds, memory barriers.

RLIMIT_STACK     equ 3
RLIMIT_NOFILE    equ 7
RLIM_NLIMITS     equ 16
STACK_LIMIT      equ 8 * 1024 * 1024     ; what Linux gives a program by default
RLIM_INFINITY    equ -1
CPU_MASK_BYTES   equ 8                   ; one 64-bit word covers MAX_CPUS
SCHED_OTHER      equ 0
SCHED_FIFO       equ 1
SCHED_RR         equ 2
SCHED_BATCH      equ 3
SCHED_IDLE       equ 5
SCHED_DEADLINE   equ 6
PRIO_PROCESS     equ 0
PRIO_USER        equ 2
MEMBARRIER_CMD_GLOBAL                              equ 1
MEMBARRIER_CMD_GLOBAL_EXPEDITED                    equ 2
MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED           equ 4
MEMBARRIER_CMD_PRIVATE_EXPEDITED                   equ 8
MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED          equ 16
MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE         equ 32
MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE equ 64
MEMBARRIER_SUPPORTED equ 127                      ; the seven above

section .text

; -----------------------------------------------------------------------------
; sys_sched_getaffinity -- the CPUs a thread may run on: every vCPU of the machine
;  IN:  RDI = pid (any thread of this process), RSI = buffer size, RDX = mask
;  OUT: RAX = bytes written (CPU_MASK_BYTES), -EINVAL for a buffer too small, -EFAULT
;  Clobbers: RCX, RDI, RSI
sys_sched_getaffinity:
	cmp rsi, CPU_MASK_BYTES
	jb sys_fail_einval
	mov rdi, rdx
	mov esi, CPU_MASK_BYTES
	call check_user_write
	jc sys_fail_efault
	mov rax, [boot_info]
	mov ecx, [rax + BootInfo.cpu_count]
	mov rax, -1
	cmp ecx, 64
	jae .store                         ; all 64 bits
	mov eax, 1
	shl rax, cl
	dec rax                            ; bits 0 .. cpu_count - 1
.store:	mov [rdi], rax
	mov eax, CPU_MASK_BYTES
	ret

; -----------------------------------------------------------------------------
; sys_sched_setaffinity -- accepted and not enforced: the scheduler places threads
;  IN:  RDI = pid, RSI = buffer size, RDX = mask
;  OUT: RAX = 0, -EINVAL for an empty buffer, -EFAULT
;  Clobbers: RDI, RSI
sys_sched_setaffinity:
	test rsi, rsi
	jz sys_fail_einval
	mov rdi, rdx
	call check_user_read
	jc sys_fail_efault
	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; sys_getrlimit -- getrlimit(resource, rlim): the limit of one resource
;  IN:  RDI = resource, RSI = struct rlimit * {cur, max} (NULL is -EFAULT, as on Linux)
;  OUT: RAX = 0, -EINVAL, -EFAULT
;  Clobbers: RCX, RDX, RDI, RSI, R10
sys_getrlimit:
	test rsi, rsi
	jz sys_fail_efault
	mov r10, rsi                       ; prlimit64(0, resource, NULL, rlim)
	mov rsi, rdi
	xor edi, edi
	xor edx, edx
	jmp sys_prlimit64

; sys_setrlimit -- accepted for a known resource and not enforced
;  IN:  RDI = resource, RSI = struct rlimit * (NULL is -EFAULT, as on Linux)
;  OUT: RAX = 0, -EINVAL, -EFAULT
sys_setrlimit:
	test rsi, rsi
	jz sys_fail_efault
	mov rdx, rsi
	mov rsi, rdi
	xor edi, edi
	xor r10d, r10d                     ; prlimit64(0, resource, rlim, NULL)
	jmp sys_prlimit64

; -----------------------------------------------------------------------------
; sys_prlimit64 -- a resource's limits: the stack 8 MiB (max unlimited), open files
; FD_MAX, everything else unlimited; new limits are checked, accepted, not enforced
;  IN:  RDI = pid (0 or this process), RSI = resource, RDX = new (may be NULL),
;       R10 = old (may be NULL)
;  OUT: RAX = 0, -EINVAL for an unknown resource, -EFAULT
;  Clobbers: RCX, RDX, RDI, RSI
sys_prlimit64:
	cmp rsi, RLIM_NLIMITS
	jae sys_fail_einval
	test rdx, rdx
	jz .old
	push rsi
	mov rdi, rdx
	mov esi, 16
	call check_user_read
	pop rsi
	jc sys_fail_efault
	mov rax, [rdx]
	cmp rax, [rdx + 8]
	ja sys_fail_einval                         ; cur above max
.old:	test r10, r10
	jz .done
	mov rdi, r10
	push rsi
	mov esi, 16
	call check_user_write
	pop rsi
	jc sys_fail_efault
	mov rax, RLIM_INFINITY
	mov rcx, rax
	cmp esi, RLIMIT_STACK
	jne .files
	mov eax, STACK_LIMIT
	jmp .write
.files:	cmp esi, RLIMIT_NOFILE
	jne .write
	mov eax, FD_MAX
	mov ecx, FD_MAX
.write:	mov [r10], rax                     ; cur
	mov [r10 + 8], rcx                 ; max
.done:	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; sys_getgroups -- no supplementary groups
;  OUT: RAX = 0
sys_getgroups:
	xor eax, eax
	ret

; sys_wait4 / sys_waitid -- the program has no children
;  OUT: RAX = -ECHILD
sys_wait4:
sys_waitid:
	mov rax, -ECHILD
	ret

; sys_sched_getscheduler -- every thread runs under SCHED_OTHER (0)
;  OUT: RAX = 0
sys_sched_getscheduler:
	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; sys_sched_getparam -- SCHED_OTHER threads have priority 0
;  IN:  RSI = struct sched_param * (one int)
;  OUT: RAX = 0 or -EFAULT
;  Clobbers: RDI, RSI
sys_sched_getparam:
	mov rdi, rsi
	mov esi, 4
	call check_user_write
	jc sys_fail_efault
	mov dword [rdi], 0
	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; sys_getcpu -- the vCPU the calling thread runs on, and NUMA node 0
;  IN:  RDI = unsigned *cpu (may be NULL), RSI = unsigned *node (may be NULL)
;  OUT: RAX = 0 or -EFAULT
;  Clobbers: RCX, RDI, RSI
sys_getcpu:
	mov rcx, rsi
	test rdi, rdi
	jz .node
	mov esi, 4
	call check_user_write
	jc sys_fail_efault
	mov rax, [gs:Percpu.cpu_id]
	mov [rdi], eax
.node:	test rcx, rcx
	jz .done
	mov rdi, rcx
	mov esi, 4
	call check_user_write
	jc sys_fail_efault
	mov dword [rdi], 0
.done:	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; sys_time -- seconds since the epoch, also stored at tloc when it is not NULL
;  IN:  RDI = time_t *tloc (may be NULL)
;  OUT: RAX = seconds or -EFAULT
;  Clobbers: RCX, RDX, RSI, RDI
sys_time:
	mov rsi, rdi
	test rsi, rsi
	jz .read
	mov esi, 8
	call check_user_write
	jc sys_fail_efault
	mov rsi, rdi
.read:	xor edi, edi                       ; CLOCK_REALTIME
	call clock_now
	xor edx, edx
	mov ecx, NS_PER_S
	div rcx
	test rsi, rsi
	jz .done
	mov [rsi], rax
.done:	ret

; -----------------------------------------------------------------------------
; sys_gettimeofday -- CLOCK_REALTIME in seconds and microseconds; the time zone is UTC
;  IN:  RDI = struct timeval * (may be NULL), RSI = struct timezone * (may be NULL)
;  OUT: RAX = 0 or -EFAULT
;  Clobbers: RCX, RDX, RSI, RDI, R8
sys_gettimeofday:
	mov r8, rsi
	test rdi, rdi
	jz .zone
	mov esi, 16
	call check_user_write
	jc sys_fail_efault
	mov rsi, rdi
	xor edi, edi                       ; CLOCK_REALTIME
	call clock_now
	xor edx, edx
	mov ecx, NS_PER_S
	div rcx
	mov [rsi], rax                     ; tv_sec
	mov rax, rdx
	xor edx, edx
	mov ecx, 1000
	div rcx
	mov [rsi + 8], rax                 ; tv_usec
.zone:	test r8, r8
	jz .done
	mov rdi, r8
	mov esi, 8
	call check_user_write
	jc sys_fail_efault
	mov qword [rdi], 0                 ; minutes west of Greenwich, no DST
.done:	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; sys_sched_get_priority_max / sys_sched_get_priority_min -- the priority range of a
; scheduling policy: 1..99 for the real-time ones, 0 for the others
;  IN:  RDI = policy
;  OUT: RAX = the bound, or -EINVAL for an unknown policy
sys_sched_get_priority_max:
	mov eax, 99
	jmp sched_priority_bound
sys_sched_get_priority_min:
	mov eax, 1
sched_priority_bound:
	cmp rdi, SCHED_FIFO
	je .done
	cmp rdi, SCHED_RR
	je .done
	xor eax, eax
	cmp rdi, SCHED_OTHER
	je .done
	cmp rdi, SCHED_BATCH
	je .done
	cmp rdi, SCHED_IDLE
	je .done
	cmp rdi, SCHED_DEADLINE
	je .done
	mov rax, -EINVAL
.done:	ret

; -----------------------------------------------------------------------------
; sys_getpriority -- getpriority(which, who): the nice value as the system call gives
; it, 20 - nice (the C library turns it back); one value for the whole process
;  IN:  RDI = PRIO_PROCESS, PRIO_PGRP or PRIO_USER, RSI = who (0: the caller)
;  OUT: RAX = 20 - nice, -EINVAL, -ESRCH
sys_getpriority:
	call priority_target
	jc .out
	mov eax, 20
	sub rax, [process_nice]
.out:	ret

; -----------------------------------------------------------------------------
; sys_setpriority -- setpriority(which, who, nice): kept (clamped to -20..19) and
; reported back; the scheduler treats every thread alike
;  IN:  RDI = which, RSI = who, RDX = nice
;  OUT: RAX = 0, -EINVAL, -ESRCH
sys_setpriority:
	call priority_target
	jc .out
	movsxd rdx, edx                    ; an int
	cmp rdx, -20
	jge .low_ok
	mov rdx, -20
.low_ok:
	cmp rdx, 19
	jle .high_ok
	mov rdx, 19
.high_ok:
	mov [process_nice], rdx
	xor eax, eax
.out:	ret

; priority_target -- CF clear when (which, who) names this process (who 0, its pid,
; a thread id, user 0, group 0); else CF set and RAX = -EINVAL or -ESRCH
;  Clobbers: RAX
priority_target:
	cmp rdi, PRIO_USER
	ja .einval
	test rsi, rsi
	jz .ok
	cmp rdi, PRIO_PROCESS
	jne .esrch                         ; a group or a user other than ours
	cmp rsi, [next_tid]
	ja .esrch                          ; a thread id never handed out
.ok:	clc
	ret
.einval:
	mov rax, -EINVAL
	stc
	ret
.esrch:
	mov rax, -ESRCH
	stc
	ret

; -----------------------------------------------------------------------------
; sys_membarrier -- membarrier(cmd, flags, cpu_id)
;
; Every vCPU runs on the one host thread, one after another, and the engine has no
; store buffer: a store is in RAM when the instruction that makes it ends, and a
; vCPU's turn ends only between instructions. So by the time this call runs, every
; other thread has seen everything its own vCPU did, and every later read on any
; vCPU sees the caller's stores: the barrier the commands ask for already holds, and
; each command is answered at once. SYNC_CORE holds too: changed code reaches the
; engine through mprotect(PROT_EXEC) (CODE_CHANGED), not through a barrier.
;  IN:  RDI = command, RSI = flags (0), RDX = cpu_id (unused)
;  OUT: RAX = for QUERY the supported commands, else 0; -EINVAL, -EPERM
sys_membarrier:
	test rsi, rsi
	jnz .einval
	test rdi, rdi
	jz .query
	cmp rdi, MEMBARRIER_CMD_GLOBAL
	je .ok
	cmp rdi, MEMBARRIER_CMD_GLOBAL_EXPEDITED
	je .ok
	cmp rdi, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED
	je .ok
	cmp rdi, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED
	je .register
	cmp rdi, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE
	je .register
	cmp rdi, MEMBARRIER_CMD_PRIVATE_EXPEDITED
	je .private
	cmp rdi, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE
	je .private
.einval:
	mov rax, -EINVAL
	ret
.query:	mov eax, MEMBARRIER_SUPPORTED
	ret
.register:
	mov rax, rdi
	shr rax, 1                         ; the command it registers for
	or [membarrier_registered], rax
.ok:	xor eax, eax
	ret
.private:
	test [membarrier_registered], rdi  ; Linux: EPERM before registration
	jz .eperm
	xor eax, eax
	ret
.eperm:	mov rax, -EPERM
	ret

; -----------------------------------------------------------------------------
; sys_fail_efault / sys_fail_einval -- the last step of a call that fails
;  OUT: RAX = -EFAULT / -EINVAL
sys_fail_efault:
	mov rax, -EFAULT
	ret
sys_fail_einval:
	mov rax, -EINVAL
	ret

section .data
align 8
process_nice:          dq 0    ; setpriority's value, -20 .. 19
membarrier_registered: dq 0    ; MEMBARRIER_CMD_PRIVATE_EXPEDITED* bits registered
section .text
