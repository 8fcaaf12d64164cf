; poll, ppoll, select and pselect6: look at every descriptor asked about (file_poll);
; if none is ready and time is left, wait in event_wait for any change and look
; again. Runs under fs_lock, released while waiting.

SELECT_WORDS equ FD_MAX / 64           ; an fd_set as 64-bit words

section .text

; -----------------------------------------------------------------------------
; sys_poll -- poll(fds, nfds, timeout_ms)
; sys_ppoll -- ppoll(fds, nfds, timespec *, sigmask, sigsetsize)
;  IN:  RDI = struct pollfd *, RSI = nfds, EDX = timeout (ms) or RDX = timespec *
;  OUT: RAX = descriptors with events (0 when the timeout passed), or -EINVAL,
;       -EFAULT
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_poll:
	push rdi
	push rsi
	mov edi, edx
	call deadline_from_ms
	mov rdx, rax
	pop rsi
	pop rdi
	jmp poll_until
sys_ppoll:
	push rdi
	push rsi
	push rdx
	mov rdi, rcx
	mov rsi, r8
	call signal_wait_mask
	pop rdx
	pop rsi
	pop rdi
	test rax, rax
	jnz .out_rax
	push rdi
	push rsi
	mov rdi, rdx
	call deadline_from_timespec
	mov rdx, rax
	pop rsi
	pop rdi
	test rdx, rdx
	js .out
	jmp poll_until
.out:	mov rax, rdx
.out_rax:
	ret

; -----------------------------------------------------------------------------
; poll_until -- what poll and ppoll share
;  IN:  RDI = struct pollfd *, RSI = nfds, RDX = deadline
;  OUT: RAX = count or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
poll_until:
	call net_flush                     ; deferred sends go before any wait
	cmp rsi, FD_MAX
	ja .einval
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rbp
	mov r12, rdi                       ; fds
	mov r13, rsi                       ; nfds
	mov r14, rdx                       ; deadline
	xor ebp, ebp                       ; 1 once the deadline has passed
	shl rsi, 3                         ; struct pollfd: int fd, short events, revents
	call check_user_write
	jc .efault
.look:	SPIN_LOCK [fs_lock]
	mov r15, [event_seq]
	xor ebx, ebx                       ; index
	xor r11d, r11d                     ; descriptors with events
.next:	cmp rbx, r13
	jae .looked
	mov edi, [r12 + rbx * 8]
	xor eax, eax
	test edi, edi
	js .store                          ; a negative fd is skipped: revents 0
	call fd_get
	test rax, rax
	jz .nval
	mov rdi, rax
	xor esi, esi
	push r11
	call file_poll
	pop r11
	movzx ecx, word [r12 + rbx * 8 + 4]
	or ecx, POLLERR | POLLHUP
	and eax, ecx
	jmp .store
.nval:	mov eax, POLLNVAL
.store:	mov [r12 + rbx * 8 + 6], ax
	test eax, eax
	jz .counted
	inc r11d
.counted:
	inc rbx
	jmp .next
.looked:
	SPIN_UNLOCK [fs_lock]
	mov eax, r11d
	test eax, eax
	jnz .out
	test ebp, ebp
	jnz .out
	cmp r14, DEADLINE_NOW
	je .out
	mov rdi, r15
	mov rsi, r14
	call event_wait
	test rax, rax
	jz .look
	cmp rax, -ERESTARTSYS              ; a signal: poll and select are not
	jne .why                           ; restarted after a handler ran (as Linux)
	mov rax, -ERESTARTNOHAND
.why:	cmp rax, -ETIMEDOUT
	jne .out                           ; an interrupted wait says why
	mov ebp, 1                         ; look once more, then answer
	jmp .look
.efault:
	mov rax, -EFAULT
.out:	pop rbp
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret
.einval:
	mov rax, -EINVAL
	ret

; -----------------------------------------------------------------------------
; sys_select -- select(nfds, readfds, writefds, exceptfds, timeval *)
; sys_pselect6 -- pselect6(nfds, readfds, writefds, exceptfds, timespec *, sigdata *)
; (the timeout is not updated with the time left)
;  IN:  EDI = nfds, RSI, RDX, RCX = fd_set * (each may be NULL), R8 = timeout
;  OUT: RAX = bits set in the three sets, or -EBADF, -EINVAL, -EFAULT
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_select:
	push rdi
	push rsi
	push rdx
	push rcx
	mov rdi, r8
	call deadline_from_timeval
	jmp select_deadline
sys_pselect6:
	push rdi
	push rsi
	push rdx
	push rcx
	push r8
	test r9, r9                        ; { const sigset_t *, size_t } or NULL
	jz .no_mask
	mov rdi, r9
	mov esi, 16
	call check_user_read
	mov rax, -EFAULT
	jc .mask_failed
	mov rdi, [r9]
	mov rsi, [r9 + 8]
	call signal_wait_mask
	test rax, rax
	jnz .mask_failed
.no_mask:
	pop r8
	mov rdi, r8
	call deadline_from_timespec
	jmp select_deadline
.mask_failed:
	add rsp, 5 * 8
	ret
select_deadline:
	mov r8, rax
	pop rcx
	pop rdx
	pop rsi
	pop rdi
	test r8, r8
	js .out
	jmp select_until
.out:	mov rax, r8
	ret

; -----------------------------------------------------------------------------
; select_until -- what select and pselect6 share
;  IN:  EDI = nfds, RSI = readfds, RDX = writefds, RCX = exceptfds, R8 = deadline
;  OUT: RAX = count or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
;  Stack frame: the three sets as asked (in), then the three answers (out)
SEL_IN  equ 0
SEL_OUT equ 3 * SELECT_WORDS * 8
SEL_FRAME equ 6 * SELECT_WORDS * 8
select_until:
	call net_flush                     ; deferred sends go before any wait
	test edi, edi
	js .einval
	cmp edi, FD_MAX
	jbe .sized
	mov edi, FD_MAX                    ; descriptors past the table cannot be open
.sized:	push rbx
	push r12
	push r13
	push r14
	push r15
	push rbp
	sub rsp, SEL_FRAME + 32
	mov [rsp + SEL_FRAME], rsi         ; the program's three sets
	mov [rsp + SEL_FRAME + 8], rdx
	mov [rsp + SEL_FRAME + 16], rcx
	mov r14, r8                        ; deadline
	lea r13d, [edi + 63]
	shr r13d, 6                        ; words per set
	mov r12d, edi                      ; nfds
	xor ebp, ebp                       ; 1 once the deadline has passed
	; Check the sets and copy them in (a NULL set asks about nothing).
	xor ebx, ebx
.copy_set:
	cmp ebx, 3
	jae .look
	mov rsi, [rsp + SEL_FRAME + rbx * 8]
	test rsi, rsi
	jz .fill
	push rsi
	mov rdi, rsi
	mov esi, r13d
	shl esi, 3
	call check_user_write
	pop rsi
	jc .efault
.fill:	imul rdi, rbx, SELECT_WORDS * 8
	lea rdi, [rsp + SEL_IN + rdi]
	xor ecx, ecx
.copy_word:
	cmp ecx, r13d
	jae .copied
	xor eax, eax
	test rsi, rsi
	jz .put_word
	mov rax, [rsi + rcx * 8]
.put_word:
	mov [rdi + rcx * 8], rax
	inc ecx
	jmp .copy_word
.copied:
	inc ebx
	jmp .copy_set

.look:	SPIN_LOCK [fs_lock]
	mov r15, [event_seq]
	lea rdi, [rsp + SEL_OUT]
	xor eax, eax
	mov ecx, 3 * SELECT_WORDS
	rep stosq
	xor r11d, r11d                     ; bits set
	xor ebx, ebx                       ; fd
.fd:	cmp ebx, r12d
	jae .looked
	mov ecx, ebx
	shr ecx, 6                         ; word
	mov rax, [rsp + SEL_IN + rcx * 8]
	or rax, [rsp + SEL_IN + SELECT_WORDS * 8 + rcx * 8]
	or rax, [rsp + SEL_IN + 2 * SELECT_WORDS * 8 + rcx * 8]
	bt rax, rbx
	jc .asked
	test rax, rax
	jnz .skip_one
	or ebx, 63                         ; nothing asked in this word: skip it
.skip_one:
	inc ebx
	jmp .fd
.asked:	mov edi, ebx
	call fd_get
	test rax, rax
	jz .ebadf
	mov rdi, rax
	xor esi, esi
	push r11
	call file_poll
	pop r11
	test eax, POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR
	jz .not_read
	bt [rsp + SEL_IN], rbx
	jnc .not_read
	bts [rsp + SEL_OUT], rbx
	inc r11d
.not_read:
	test eax, POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR
	jz .not_write
	bt [rsp + SEL_IN + SELECT_WORDS * 8], rbx
	jnc .not_write
	bts [rsp + SEL_OUT + SELECT_WORDS * 8], rbx
	inc r11d
.not_write:
	test eax, POLLPRI
	jz .not_except
	bt [rsp + SEL_IN + 2 * SELECT_WORDS * 8], rbx
	jnc .not_except
	bts [rsp + SEL_OUT + 2 * SELECT_WORDS * 8], rbx
	inc r11d
.not_except:
	inc ebx
	jmp .fd
.looked:
	SPIN_UNLOCK [fs_lock]
	test r11d, r11d
	jnz .answer
	test ebp, ebp
	jnz .answer
	cmp r14, DEADLINE_NOW
	je .answer
	mov rdi, r15
	mov rsi, r14
	call event_wait
	test rax, rax
	jz .look
	cmp rax, -ERESTARTSYS              ; a signal: poll and select are not
	jne .why                           ; restarted after a handler ran (as Linux)
	mov rax, -ERESTARTNOHAND
.why:	cmp rax, -ETIMEDOUT
	jne .out                           ; an interrupted wait says why
	mov ebp, 1                         ; look once more, then answer
	jmp .look
.answer:	; Each set the program passed becomes the answer for it.
	xor ebx, ebx
.out_set:
	cmp ebx, 3
	jae .counted
	mov rdi, [rsp + SEL_FRAME + rbx * 8]
	test rdi, rdi
	jz .out_next
	imul rsi, rbx, SELECT_WORDS * 8
	lea rsi, [rsp + SEL_OUT + rsi]
	mov ecx, r13d
	rep movsq
.out_next:
	inc ebx
	jmp .out_set
.counted:
	mov eax, r11d
	jmp .out
.ebadf:	SPIN_UNLOCK [fs_lock]
	mov rax, -EBADF
	jmp .out
.efault:
	mov rax, -EFAULT
.out:	add rsp, SEL_FRAME + 32
	pop rbp
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret
.einval:
	mov rax, -EINVAL
	ret
