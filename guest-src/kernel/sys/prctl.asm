; prctl: each thread's name (PR_SET_NAME, PR_GET_NAME; a new thread takes its
; creator's, thread 1 the image's file name), and the process flags runtimes set at
; start, kept and reported back but enforcing nothing (there is no parent to
; signal, no core dump, no privilege to gain). Any other option is -EINVAL, as
; Linux answers options it does not know.

PR_SET_PDEATHSIG        equ 1
PR_GET_PDEATHSIG        equ 2
PR_GET_DUMPABLE         equ 3
PR_SET_DUMPABLE         equ 4
PR_GET_KEEPCAPS         equ 7
PR_SET_KEEPCAPS         equ 8
PR_SET_NAME             equ 15
PR_GET_NAME             equ 16
PR_GET_SECCOMP          equ 21
PR_SET_TIMERSLACK       equ 29
PR_GET_TIMERSLACK       equ 30
PR_SET_CHILD_SUBREAPER  equ 36
PR_GET_CHILD_SUBREAPER  equ 37
PR_SET_NO_NEW_PRIVS     equ 38
PR_GET_NO_NEW_PRIVS     equ 39
PR_SET_THP_DISABLE      equ 41
PR_GET_THP_DISABLE      equ 42
TASK_COMM_LEN           equ 16             ; name bytes with the NUL
MAX_SIGNAL              equ 64
DEFAULT_TIMERSLACK_NS   equ 50000          ; Linux's default

section .text

; -----------------------------------------------------------------------------
; task_set_name -- a thread's name from a kernel string (at most 15 bytes kept)
;  IN:  RDI = Task, RSI = NUL-terminated string the kernel trusts
;  Clobbers: RAX, RCX
task_set_name:
	xor ecx, ecx
.byte:	mov al, [rsi + rcx]
	mov [rdi + Task.comm + rcx], al
	test al, al
	jz .pad
	inc ecx
	cmp ecx, TASK_COMM_LEN - 1
	jb .byte
.pad:	mov byte [rdi + Task.comm + rcx], 0
	inc ecx
	cmp ecx, TASK_COMM_LEN
	jb .pad
	ret

; -----------------------------------------------------------------------------
; sys_prctl -- prctl(option, arg2, arg3, arg4, arg5)
;  IN:  RDI = option, RSI = arg2, RDX = arg3, R10 = arg4, R8 = arg5
;  OUT: RAX = the option's result, or -EINVAL, -EFAULT
;  Clobbers: RCX, RDX, RSI, RDI, R8
sys_prctl:
	cmp rdi, PR_SET_NAME
	je .set_name
	cmp rdi, PR_GET_NAME
	je .get_name
	cmp rdi, PR_SET_PDEATHSIG
	je .set_pdeathsig
	cmp rdi, PR_GET_PDEATHSIG
	je .get_pdeathsig
	cmp rdi, PR_GET_DUMPABLE
	je .get_dumpable
	cmp rdi, PR_SET_DUMPABLE
	je .set_dumpable
	cmp rdi, PR_GET_KEEPCAPS
	je .zero
	cmp rdi, PR_SET_KEEPCAPS
	je .set_bool
	cmp rdi, PR_GET_SECCOMP
	je .zero
	cmp rdi, PR_GET_TIMERSLACK
	je .get_timerslack
	cmp rdi, PR_SET_TIMERSLACK
	je .zero                           ; accepted: timers are as exact as they are
	cmp rdi, PR_SET_CHILD_SUBREAPER
	je .zero
	cmp rdi, PR_GET_CHILD_SUBREAPER
	je .get_subreaper
	cmp rdi, PR_SET_NO_NEW_PRIVS
	je .set_no_new_privs
	cmp rdi, PR_GET_NO_NEW_PRIVS
	je .get_no_new_privs
	cmp rdi, PR_SET_THP_DISABLE
	je .set_bool
	cmp rdi, PR_GET_THP_DISABLE
	je .zero
.einval:
	mov rax, -EINVAL
	ret
.efault:
	mov rax, -EFAULT
	ret

	; PR_SET_NAME: up to 15 bytes of the program's string; a longer one is cut,
	; as Linux does. Each byte is checked before it is read.
.set_name:
	push rbx
	push r12
	sub rsp, TASK_COMM_LEN
	mov rbx, rsi
	xor r12d, r12d
.name_byte:
	lea rdi, [rbx + r12]
	mov esi, 1
	call check_user_write
	jc .name_fault
	mov al, [rbx + r12]
	mov [rsp + r12], al
	test al, al
	jz .name_done
	inc r12d
	cmp r12d, TASK_COMM_LEN - 1
	jb .name_byte
	mov byte [rsp + r12], 0
.name_done:
	mov rdi, [gs:Percpu.current]
	mov rsi, rsp
	call task_set_name
	xor eax, eax
	jmp .name_out
.name_fault:
	mov rax, -EFAULT
.name_out:
	add rsp, TASK_COMM_LEN
	pop r12
	pop rbx
	ret

.get_name:
	mov rdi, rsi
	mov esi, TASK_COMM_LEN
	call check_user_write
	jc .efault
	mov rax, [gs:Percpu.current]
	mov rcx, [rax + Task.comm]
	mov [rdi], rcx
	mov rcx, [rax + Task.comm + 8]
	mov [rdi + 8], rcx
	xor eax, eax
	ret

.set_pdeathsig:
	cmp rsi, MAX_SIGNAL
	ja .einval
	mov [prctl_pdeathsig], rsi
	xor eax, eax
	ret

.get_pdeathsig:
	mov rax, [prctl_pdeathsig]
	jmp .store_int

.get_subreaper:
	xor eax, eax
	; fall through: an int the program asked for
.store_int:
	mov rcx, rax
	mov rdi, rsi
	mov esi, 4
	call check_user_write
	jc .efault
	mov [rdi], ecx
	xor eax, eax
	ret

.get_dumpable:
	mov rax, [prctl_dumpable]
	ret

.set_dumpable:
	cmp rsi, 1
	ja .einval                         ; 0 or 1 (SUID_DUMP_USER)
	mov [prctl_dumpable], rsi
	xor eax, eax
	ret

.set_bool:
	cmp rsi, 1
	ja .einval
	xor eax, eax
	ret

.get_timerslack:
	mov eax, DEFAULT_TIMERSLACK_NS
	ret

.set_no_new_privs:
	cmp rsi, 1                         ; it can only be set, and the other arguments are 0
	jne .einval
	or rdx, r10
	or rdx, r8
	jnz .einval
	mov qword [prctl_no_new_privs], 1
	xor eax, eax
	ret

.get_no_new_privs:
	or rsi, rdx
	or rsi, r10
	or rsi, r8
	jnz .einval
	mov rax, [prctl_no_new_privs]
	ret

.zero:	xor eax, eax
	ret

section .data
align 8
prctl_pdeathsig:    dq 0       ; PR_SET_PDEATHSIG's signal (never sent: no parent)
prctl_dumpable:     dq 1       ; PR_SET_DUMPABLE (no core is ever written)
prctl_no_new_privs: dq 0       ; PR_SET_NO_NEW_PRIVS (nothing to gain)
section .text
