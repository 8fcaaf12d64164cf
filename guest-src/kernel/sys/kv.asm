; The key-value store's frontend driver: put and get from <kv.h>.
;
; Each call checks every parameter as the contract says (a bad one returns -1 and
; changes nothing), fills the calling thread's HcKv block, hands its address to the
; VMM with one `out`, and blocks the thread: the vCPU runs other threads while the
; request travels VMM -> channel -> proxy -> backend. The VMM marks the block done
; and raises VEC_IO; the interrupt handler wakes every thread whose block is done.
; The key is copied into the kernel (on the calling thread's kernel stack) while it
; is checked, and that copy is what the VMM reads. The VMM copies key and value out
; of guest memory when the request arrives, and writes a get's value into the
; caller's buffer before it marks the block done.

KV_FAIL equ -1
KV_KEY_BUF equ (KV_KEY_MAX + 1 + 15) & ~15  ; a key and its NUL, on the kernel stack

section .text

; -----------------------------------------------------------------------------
; kv_copy_key -- copy the program's NUL-terminated key into a kernel buffer
;  IN:  RDI = key, RSI = buffer (KV_KEY_BUF bytes)
;  OUT: RAX = length (0 .. KV_KEY_MAX), or -1 when NULL, unmapped or too long
;  Clobbers: RCX, RDX
kv_copy_key:
	mov edx, KV_KEY_MAX + 1            ; a NUL must come within KV_KEY_MAX + 1 bytes
	call copy_user_string
	test rax, rax
	jns .ok
	mov rax, -1
.ok:	ret

; -----------------------------------------------------------------------------
; sys_kv_put -- put(key, value, len): store, or delete when len is 0
;  IN:  RDI = key, RSI = value, RDX = len
;  OUT: RAX = 0 or -1
sys_kv_put:
	push rbx
	push r12
	push r13
	sub rsp, KV_KEY_BUF
	mov r12, rsi                       ; value
	mov r13, rdx                       ; len
	mov rsi, rsp
	call kv_copy_key
	test rax, rax
	js .fail
	mov rbx, rax                       ; key length
	mov rdi, rsp                       ; from here on the key is the kernel's copy
	cmp r13, KV_VALUE_MAX
	ja .fail
	test r13, r13
	jz .delete
	push rdi
	mov rdi, r12
	mov rsi, r13
	call check_user_read
	pop rdi
	jc .fail
	test r12, r12
	jz .fail
	mov ecx, KV_OP_PUT
	jmp .submit
.delete:
	mov ecx, KV_OP_DELETE
.submit:
	mov rsi, rbx
	mov rdx, r12
	mov r8, r13
	mov r9d, PORT_KV_PUT
	call kv_request
	jmp .out
.fail:	mov rax, KV_FAIL
.out:	add rsp, KV_KEY_BUF
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; sys_kv_get -- get(key, value, &len)
;  IN:  RDI = key, RSI = value buffer, RDX = size_t *len (buffer size on entry)
;  OUT: RAX = 0 (copied, *len = length), -1 (absent or invalid), -2 (too small,
;       *len = length)
sys_kv_get:
	push rbx
	push r12
	push r13
	push r14
	sub rsp, KV_KEY_BUF
	mov r12, rsi                       ; buffer
	mov r14, rdx                       ; len pointer
	mov rsi, rsp
	call kv_copy_key
	test rax, rax
	js .fail
	mov rbx, rax
	mov rdi, rsp                       ; from here on the key is the kernel's copy
	push rdi
	mov rdi, r14
	mov esi, 8
	call check_user_write
	pop rdi
	jc .fail
	test r14, r14
	jz .fail
	mov r13, [r14]                     ; the buffer's size
	test r13, r13
	jz .checked                        ; size 0: asking for the length (value may be NULL)
	test r12, r12
	jz .fail
	push rdi
	mov rdi, r12
	mov rsi, r13
	call check_user_write
	pop rdi
	jc .fail
.checked:
	mov rsi, rbx
	mov rdx, r12
	mov r8, r13
	mov ecx, KV_OP_GET
	mov r9d, PORT_KV_GET
	call kv_request
	cmp rax, KV_OK
	je .length
	cmp rax, KV_TOO_SMALL
	jne .out
.length:
	mov rcx, [gs:Percpu.current]
	mov rcx, [rcx + Task.kv + HcKv.result_len]
	mov [r14], rcx
	jmp .out
.fail:	mov rax, KV_FAIL
.out:	add rsp, KV_KEY_BUF
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; kv_request -- send one request to the VMM and block until it is answered
;  IN:  RDI = key, RSI = key length, RDX = value, RCX = op, R8 = value length
;       (put) or buffer size (get), R9 = port
;  OUT: RAX = the request's status
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
kv_request:
	push rbx
	mov rbx, [gs:Percpu.current]
	lea r10, [rbx + Task.kv]
	mov [r10 + HcKv.key], rdi
	mov [r10 + HcKv.key_len], esi
	mov [r10 + HcKv.op], ecx
	mov [r10 + HcKv.value], rdx
	mov [r10 + HcKv.value_len], r8
	mov qword [r10 + HcKv.result_len], 0
	mov dword [r10 + HcKv.status], KV_FAIL
	mov dword [r10 + HcKv.done], 0
	mov rax, [gs:Percpu.cpu_id]
	mov [r10 + HcKv.cpu], eax
	SPIN_LOCK [sched_lock]
	mov eax, r10d
	mov edx, r9d
	out dx, eax                        ; the VMM takes the request (it may answer at once)
	cmp dword [r10 + HcKv.done], 0
	jne .answered
	; Wait in the in-flight list; the VEC_IO handler wakes us.
	mov rax, [kv_in_flight]
	mov [rbx + Task.kv_next], rax
	mov [kv_in_flight], rbx
	mov qword [rbx + Task.state], TASK_BLOCKED
	call schedule_locked
	jmp .result
.answered:
	SPIN_UNLOCK [sched_lock]
.result:
	movsxd rax, dword [rbx + Task.kv + HcKv.status]
	pop rbx
	ret

; -----------------------------------------------------------------------------
; io_complete_locked -- wake every thread whose request the VMM has answered
;  IN:  sched_lock held
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8, R9
io_complete_locked:
	push rbx
	lea rbx, [kv_in_flight]            ; rbx = address of the link being examined
.next:	mov rdi, [rbx]
	test rdi, rdi
	jz .done
	cmp dword [rdi + Task.kv + HcKv.done], 0
	jne .wake
	lea rbx, [rdi + Task.kv_next]
	jmp .next
.wake:	mov rax, [rdi + Task.kv_next]
	mov [rbx], rax                     ; unlink; rbx now names the next one
	call wake_task
	jmp .next
.done:	pop rbx
	ret

section .bss
alignb 8
kv_in_flight: resq 1      ; threads waiting for the VMM to answer their request
section .text
