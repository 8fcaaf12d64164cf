; The one process: its exit, its ids, its thread pointer, uname.

ARCH_SET_FS equ 0x1002
ARCH_GET_FS equ 0x1003
UTSNAME_FIELD equ 65

section .text

; -----------------------------------------------------------------------------
; sys_exit -- exit_group (and the last thread's exit): end the VM with the low 8
; bits of the status
;  IN:  RDI = status
;  OUT: does not return
sys_exit:
	call net_flush                     ; deferred sends go before the VM ends
	push rdi
	xor edi, edi                       ; shared file mappings go back to their files
	mov rsi, RESERVE_END
	mov edx, 1
	call shared_maps_sync
	pop rdi
	movzx eax, dil
	mov edx, PORT_EXIT
	out dx, eax
.stop:	hlt                               ; the VMM never resumes an exited guest
	jmp .stop

; sys_getpid -- the program is process 1 (its main thread is thread 1)
sys_getpid:
	mov eax, 1
	ret

; -----------------------------------------------------------------------------
; sys_arch_prctl -- the thread pointer (FS base) musl's TLS hangs off
;  IN:  RDI = code, RSI = address
;  OUT: RAX = 0 or -errno
sys_arch_prctl:
	cmp edi, ARCH_SET_FS
	je .set
	cmp edi, ARCH_GET_FS
	je .get
	mov rax, -EINVAL
	ret
.set:	mov rax, [gs:Percpu.current]
	mov [rax + Task.fs_base], rsi      ; restored on every switch to this thread
	WRMSR64 MSR_FS_BASE, rsi
	xor eax, eax
	ret
.get:	push rsi
	mov rdi, rsi
	mov esi, 8
	call check_user_write
	pop rdi
	jc .efault
	mov ecx, MSR_FS_BASE
	rdmsr
	mov [rdi], eax
	mov [rdi + 4], edx
	xor eax, eax
	ret
.efault:
	mov rax, -EFAULT
	ret

; -----------------------------------------------------------------------------
; sys_uname -- fill struct utsname (six 65-byte strings)
;  IN:  RDI = buffer
;  OUT: RAX = 0 or -EFAULT
sys_uname:
	lea rsi, [utsname]
	mov edx, UTSNAME_FIELD * 6
	jmp copy_to_user                   ; 0 or -EFAULT

section .rodata
; "Linux" as sysname so that programs probing for it keep working; the release
; string says what is really underneath.
%macro UTS_FIELD 1
%%start: db %1
	times UTSNAME_FIELD - ($ - %%start) db 0
%endmacro
utsname:
	UTS_FIELD 'Linux'
	UTS_FIELD 'unikv'
	UTS_FIELD '6.1.0-unikv'
	UTS_FIELD '#1 unikv unikernel'
	UTS_FIELD 'x86_64'
	UTS_FIELD '(none)'
section .text
