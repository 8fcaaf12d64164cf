; The socket system calls: each checks the program's pointers (sys/user.asm) and
; passes the checked values to net_fd_call or net_new_call (net/socket.asm), which
; fill an HcNet block on the kernel stack and hand it to the VMM.
; Addresses reach the VMM only after their check; values the VMM must not see change
; (a length the program passes by pointer, an iovec array) are read once and passed
; by value or as a kernel copy.

section .text

; -----------------------------------------------------------------------------
; sys_socket -- socket(domain, type, protocol)
;  IN:  EDI = domain, ESI = type | SOCK_NONBLOCK | SOCK_CLOEXEC, EDX = protocol
;  OUT: RAX = fd, or -EAFNOSUPPORT, -EINVAL, -EPROTONOSUPPORT, -EMFILE, -ENOBUFS, -ENOMEM
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_socket:
	SAVE_REGS rbx, r12, r13, r14
	mov ebx, edi
	mov r12d, esi
	mov r13d, edx
	call net_state_new
	test rax, rax
	jz .enomem
	mov r14, rax
	mov edi, NET_SOCKET
	mov esi, ebx
	mov edx, r12d
	and edx, ~SOCK_FLAGS
	mov ecx, r13d
	mov r8, r14
	call net_new_call
	test rax, rax
	js .fail
	mov edi, eax
	mov rsi, r14
	mov edx, r12d
	and edx, SOCK_FLAGS
	call net_install
	jmp .out
.fail:	mov rdi, r14
	call net_state_free
	jmp .out
.enomem:
	mov rax, -ENOMEM
.out:	RESTORE_REGS rbx, r12, r13, r14
	ret

; -----------------------------------------------------------------------------
; sys_socketpair -- socketpair(domain, type, protocol, sv[2]): two connected sockets
;  IN:  EDI = domain, ESI = type | flags, EDX = protocol, RCX = int sv[2]
;  OUT: RAX = 0, or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_socketpair:
	SAVE_REGS rbx, r12, r13, r14, r15, rbp
	mov ebx, edi
	mov r12d, esi
	mov r15, rcx
	test edx, edx
	jnz .eproto
	mov rdi, rcx
	mov esi, 8
	call check_user_write
	jc .efault
	call net_state_new
	test rax, rax
	jz .enomem
	mov r13, rax
	call net_state_new
	test rax, rax
	jz .enomem_one
	mov r14, rax
	mov edi, NET_PAIR
	mov esi, ebx
	mov edx, r12d
	and edx, ~SOCK_FLAGS
	mov rcx, r13
	mov r8, r14
	call net_new_call
	test rax, rax
	js .fail_both
	mov rbp, rdx                       ; the second handle
	mov edi, eax
	mov rsi, r13
	mov edx, r12d
	and edx, SOCK_FLAGS
	call net_install
	test rax, rax
	js .fail_second
	mov rbx, rax                       ; first fd
	mov edi, ebp
	mov rsi, r14
	mov edx, r12d
	and edx, SOCK_FLAGS
	call net_install
	test rax, rax
	js .close_first
	mov [r15], ebx
	mov [r15 + 4], eax
	xor eax, eax
	jmp .out
.close_first:
	mov rbp, rax
	mov edi, ebx
	call sys_fs_close
	mov rax, rbp
	jmp .out
.fail_second:
	mov rbx, rax
	mov edi, ebp
	mov rsi, r14
	call net_forget
	mov rax, rbx
	jmp .out
.fail_both:
	mov rdi, r14
	call net_state_free
	mov rdi, r13
	call net_state_free
	jmp .out
.enomem_one:
	mov rdi, r13
	call net_state_free
.enomem:
	mov rax, -ENOMEM
	jmp .out
.eproto:
	mov rax, -EPROTONOSUPPORT
	jmp .out
.efault:
	mov rax, -EFAULT
.out:	RESTORE_REGS rbx, r12, r13, r14, r15, rbp
	ret

; -----------------------------------------------------------------------------
; sys_bind -- bind(fd, addr, len); an AF_UNIX path becomes a socket file
; sys_connect -- connect(fd, addr, len): waits for the connection unless O_NONBLOCK
; (then -EINPROGRESS, and SO_ERROR tells the outcome); an AF_UNIX path must name a
; socket file (net/unix_files.asm)
;  IN:  EDI = fd, RSI = sockaddr, EDX = its length
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_bind:
	mov ecx, NET_BIND
	xor r8d, r8d
	jmp net_addr_call
sys_connect:
	mov ecx, NET_CONNECT
	mov r8d, NET_MAY_WAIT
net_addr_call:                         ; ECX = op, R8D = NET_MAY_WAIT or 0
	cmp edx, SOCKADDR_MAX
	ja sys_fail_einval
	SAVE_REGS rbx, r12, r13, r14, r15
	mov ebx, edi                       ; fd
	mov r12, rsi                       ; the sockaddr
	mov r13d, edx                      ; its length
	mov r14d, ecx                      ; op
	mov r15d, r8d                      ; NET_MAY_WAIT or 0
	mov rdi, rsi
	mov esi, edx
	call check_user_read
	jc .efault
	mov rdi, r12
	mov esi, r13d
	cmp r14d, NET_BIND
	jne .connecting
	call unix_bind_check
	jmp .checked
.connecting:
	call unix_connect_check
.checked:
	test rax, rax
	jnz .out
	mov edi, ebx
	mov esi, r14d
	or esi, r15d
	xor edx, edx
	mov r10, r12
	mov r11d, r13d
	call net_fd_addr_call
	test rax, rax
	jnz .out
	cmp r14d, NET_BIND
	jne .out
	mov rdi, r12
	mov esi, r13d
	call unix_bind_file
	xor eax, eax
.out:	RESTORE_REGS rbx, r12, r13, r14, r15
	ret
.efault:
	mov rax, -EFAULT
	jmp .out

; -----------------------------------------------------------------------------
; sys_listen -- listen(fd, backlog)
; sys_shutdown -- shutdown(fd, how)
;  IN:  EDI = fd, ESI = the number
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_listen:
	mov ecx, NET_LISTEN
	jmp net_value_call
sys_shutdown:
	mov ecx, NET_SHUTDOWN
net_value_call:                        ; ECX = op
	movsxd rdx, esi
	mov esi, ecx
	xor r10d, r10d
	xor r11d, r11d
	jmp net_fd_addr_call

; -----------------------------------------------------------------------------
; net_room -- the room of an output sockaddr (or option value) passed with a
; length by pointer: both checked, the length read once
;  IN:  RDI = buffer (0: none), RSI = int *length
;  OUT: RAX = the room (0 without a buffer), or -EFAULT, -EINVAL
;  Clobbers: RCX
net_room:
	test rdi, rdi
	jz .none
	push rdi
	mov rdi, rsi
	mov esi, 4
	call check_user_write
	mov rsi, rdi
	pop rdi
	jc sys_fail_efault
	movsxd rcx, dword [rsi]
	test rcx, rcx
	js sys_fail_einval
	push rsi
	mov rsi, rcx
	call check_user_write
	pop rsi
	jc sys_fail_efault
	mov rax, rcx
	ret
.none:	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; sys_net_accept -- accept(fd, addr, len)
; sys_net_accept4 -- accept4(fd, addr, len, flags): waits for a connection unless
; O_NONBLOCK; the peer's address into addr (cut to *len), its length into *len
;  IN:  EDI = fd, RSI = sockaddr or 0, RDX = int *len, ECX = SOCK_NONBLOCK | SOCK_CLOEXEC
;  OUT: RAX = the new fd, or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_net_accept:
	xor ecx, ecx
sys_net_accept4:
	test ecx, ~SOCK_FLAGS
	jnz sys_fail_einval
	SAVE_REGS rbx, r12, r13, r14, r15, rbp
	mov ebx, edi
	mov r12, rsi
	mov r13, rdx
	mov r14d, ecx
	mov rdi, rsi
	mov rsi, rdx
	call net_room
	test rax, rax
	js .out
	mov rbp, rax
	call net_state_new
	test rax, rax
	jz .enomem
	mov r15, rax
	mov edi, ebx
	mov esi, NET_ACCEPT | NET_MAY_WAIT
	mov rdx, r15
	mov r10, r12
	mov r11d, ebp
	call net_fd_addr_call
	test rax, rax
	js .free
	test r12, r12
	jz .install
	mov [r13], edx
.install:
	mov edi, eax
	mov rsi, r15
	mov edx, r14d
	call net_install
	jmp .out
.free:	mov rdi, r15
	call net_state_free
	jmp .out
.enomem:
	mov rax, -ENOMEM
.out:	RESTORE_REGS rbx, r12, r13, r14, r15, rbp
	ret

; -----------------------------------------------------------------------------
; sys_getsockname -- getsockname(fd, addr, len)
; sys_getpeername -- getpeername(fd, addr, len)
;  IN:  EDI = fd, RSI = sockaddr, RDX = int *len
;  OUT: RAX = 0 or -errno (-ENOTCONN without a peer)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_getsockname:
	xor ecx, ecx
	jmp net_name_call
sys_getpeername:
	mov ecx, 1
net_name_call:                         ; ECX = 0 local, 1 peer
	test rsi, rsi
	jz sys_fail_efault
	SAVE_REGS rbx, r12, r13, r14
	mov ebx, edi
	mov r12, rsi
	mov r13, rdx
	mov r14d, ecx
	mov rdi, rsi
	mov rsi, rdx
	call net_room
	test rax, rax
	js .out
	mov edi, ebx
	mov esi, NET_NAME
	mov rdx, r14
	mov r10, r12
	mov r11d, eax
	call net_fd_addr_call
	test rax, rax
	js .out
	mov [r13], edx
	xor eax, eax
.out:	RESTORE_REGS rbx, r12, r13, r14
	ret

; -----------------------------------------------------------------------------
; sys_setsockopt -- setsockopt(fd, level, name, value, len)
;  IN:  EDI = fd, ESI = level, EDX = name, RCX = value, R8D = its length
;  OUT: RAX = 0 or -errno (-ENOPROTOOPT for options the VMM does not know)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_setsockopt:
	test r8d, r8d
	js sys_fail_einval
	push rdi
	push rsi
	mov rdi, rcx
	mov esi, r8d
	call check_user_read
	pop rsi
	pop rdi
	jc sys_fail_efault
	mov r9d, r8d                       ; len
	mov r8, rcx                        ; buf: the value
	mov ecx, edx                       ; a1: name
	mov edx, esi                       ; a0: level
	mov esi, NET_SETOPT
	jmp net_fd_value_call

; -----------------------------------------------------------------------------
; sys_getsockopt -- getsockopt(fd, level, name, value, len)
;  IN:  EDI = fd, ESI = level, EDX = name, RCX = value, R8 = int *len
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_getsockopt:
	test rcx, rcx
	jz sys_fail_efault
	SAVE_REGS rbx, r12, r13, r14, r15
	mov ebx, edi
	mov r12d, esi
	mov r13d, edx
	mov r14, rcx
	mov r15, r8
	mov rdi, rcx
	mov rsi, r8
	call net_room
	test rax, rax
	js .out
	mov edi, ebx
	mov esi, NET_GETOPT
	mov rdx, r12
	mov rcx, r13
	mov r8, r14
	mov r9, rax
	call net_fd_value_call
	test rax, rax
	js .out
	mov [r15], eax
	xor eax, eax
.out:	RESTORE_REGS rbx, r12, r13, r14, r15
	ret

; -----------------------------------------------------------------------------
; net_check_user -- check a program's buffer for the way a transfer moves its bytes:
; readable for a send, writable for a receive (sys/user.asm)
;  IN:  RDI = address, RSI = length, ECX = NET_SEND or NET_RECV
;  OUT: CF clear when allowed, set when not
;  Clobbers: RAX
net_check_user:
	cmp ecx, NET_SEND
	je check_user_read
	jmp check_user_write

; -----------------------------------------------------------------------------
; net_msg_call -- send or receive through checked iovecs in kernel memory; a send
; that finds the connection closed raises SIGPIPE unless MSG_NOSIGNAL
;  IN:  EDI = fd, RSI = iovecs (kernel copy, each checked), RDX = count, R8D = NET_SEND
;       or NET_RECV, ECX = MSG_* flags, R9 = checked sockaddr or 0, R10D = its length
;       (send) or room (receive)
;  OUT: RAX = bytes or -errno, RDX = the address's whole length (receive)
;  Clobbers: RCX, RSI, RDI, R8-R11
net_msg_call:
	SAVE_REGS rbx, r12
	mov ebx, ecx                       ; flags
	mov r12d, r8d                      ; op
	mov eax, ecx
	mov r8, rsi                        ; buf: the iovecs
	mov r11d, r10d
	mov r10, r9
	mov r9, rdx                        ; len: their count
	mov esi, r12d
	or esi, NET_MAY_WAIT
	xor edx, edx
	xor ecx, ecx
	call net_fd_call
	cmp rax, -EPIPE
	jne .done
	cmp r12d, NET_SEND
	jne .done
	test ebx, MSG_NOSIGNAL
	jnz .done
	call signal_sigpipe
.done:	RESTORE_REGS rbx, r12
	ret

; -----------------------------------------------------------------------------
; net_iov_call -- net_msg_call with the program's iovec array: copied into the
; kernel, each buffer checked for the direction
;  IN:  EDI = fd, RSI = iovec array, RDX = count, R8D = NET_SEND or NET_RECV,
;       ECX = MSG_* flags, R9 = checked sockaddr or 0, R10D = its length or room
;  OUT: RAX = bytes or -errno, RDX = the address's whole length
;  Clobbers: RCX, RSI, RDI, R8-R11
net_iov_call:
	cmp rdx, IOV_MAX
	ja sys_fail_einval
	SAVE_REGS rbx, r12, r13, r14, r15, rbp
	sub rsp, 40
	mov [rsp], edi
	mov [rsp + 4], r8d
	mov [rsp + 8], ecx
	mov [rsp + 16], r9
	mov [rsp + 24], r10
	mov r12, rsi                       ; program's array
	mov r13, rdx                       ; count
	mov r14, rdx
	shl r14, 4                         ; bytes
	mov rdi, rsi
	mov rsi, r14
	call check_user_read
	jc .efault
	xor r15d, r15d                     ; kernel copy (none for 0 iovecs)
	test r13, r13
	jz .call
	mov rdi, r14
	call kmalloc
	test rax, rax
	jz .enomem
	mov r15, rax
	mov rdi, r15
	mov rsi, r12
	mov rdx, r14
	call copy_from_user
	test rax, rax
	jnz .free
	xor ebx, ebx
.check:	cmp rbx, r13
	jae .call
	mov rbp, rbx
	shl rbp, 4
	mov rdi, [r15 + rbp]
	mov rsi, [r15 + rbp + 8]
	test rsi, rsi
	js .einval_free                    ; (Linux: a length above SSIZE_MAX)
	mov ecx, [rsp + 4]
	call net_check_user
	jc .efault_free
	inc rbx
	jmp .check
.call:	mov edi, [rsp]
	mov rsi, r15
	mov rdx, r13
	mov r8d, [rsp + 4]
	mov ecx, [rsp + 8]
	mov r9, [rsp + 16]
	mov r10, [rsp + 24]
	call net_msg_call
	mov [rsp + 32], rdx
	jmp .free
.einval_free:
	mov rax, -EINVAL
	jmp .free
.efault_free:
	mov rax, -EFAULT
.free:	test r15, r15
	jz .out
	mov rbx, rax
	mov rdi, r15
	mov rsi, r14
	call kfree
	mov rax, rbx
	jmp .out
.enomem:
	mov rax, -ENOMEM
	jmp .out
.efault:
	mov rax, -EFAULT
.out:	mov rdx, [rsp + 32]
	add rsp, 40
	RESTORE_REGS rbx, r12, r13, r14, r15, rbp
	ret

; -----------------------------------------------------------------------------
; sys_sendto -- sendto(fd, buf, len, flags, addr, addrlen)
;  IN:  EDI = fd, RSI = buffer, RDX = length, ECX = flags, R8 = sockaddr or 0, R9D = its length
;  OUT: RAX = bytes or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_sendto:
	push rdi
	mov rdi, rsi
	mov rsi, rdx
	call check_user_read
	mov rdx, rsi
	mov rsi, rdi
	pop rdi
	jc sys_fail_efault
	xor r10d, r10d
	test r8, r8
	jz .send
	cmp r9d, SOCKADDR_MAX
	ja sys_fail_einval
	push rdi
	push rsi
	mov rdi, r8
	mov esi, r9d
	call check_user_read
	pop rsi
	pop rdi
	jc sys_fail_efault
	mov r10d, r9d
.send:	sub rsp, 24
	mov [rsp], rsi
	mov [rsp + 8], rdx
	mov rsi, rsp
	mov edx, 1
	mov r9, r8
	mov r8d, NET_SEND
	call net_msg_call
	add rsp, 24
	ret

; -----------------------------------------------------------------------------
; sys_recvfrom -- recvfrom(fd, buf, len, flags, addr, addrlen)
;  IN:  EDI = fd, RSI = buffer, RDX = length, ECX = flags, R8 = sockaddr or 0, R9 = int *len
;  OUT: RAX = bytes (0 at the end of the stream) or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_recvfrom:
	SAVE_REGS rbx, r12, r13
	sub rsp, 16
	mov r12, r8
	mov r13, r9
	mov [rsp], rsi
	mov [rsp + 8], rdx
	mov ebx, ecx
	push rdi
	mov rdi, rsi
	mov rsi, rdx
	call check_user_write
	pop rdi
	jc .efault
	push rdi
	mov rdi, r12
	mov rsi, r13
	call net_room
	pop rdi
	test rax, rax
	js .out
	mov r10, rax
	mov rsi, rsp
	mov edx, 1
	mov ecx, ebx
	mov r8d, NET_RECV
	mov r9, r12
	call net_msg_call
	test rax, rax
	js .out
	test r12, r12
	jz .out
	mov [r13], edx
	jmp .out
.efault:
	mov rax, -EFAULT
.out:	add rsp, 16
	RESTORE_REGS rbx, r12, r13
	ret

; -----------------------------------------------------------------------------
; sys_sendmsg -- sendmsg(fd, msg, flags): msg_name and msg_iov (ancillary data is
; ignored)
; sys_recvmsg -- recvmsg(fd, msg, flags): msg_namelen, msg_controllen (0) and
; msg_flags (0) are answered
;  IN:  EDI = fd, RSI = struct msghdr *, EDX = flags
;  OUT: RAX = bytes or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
MSGHDR_SIZE equ 56
sys_sendmsg:
	mov r8d, NET_SEND
	jmp net_msghdr_call
sys_recvmsg:
	mov r8d, NET_RECV
net_msghdr_call:
	SAVE_REGS rbx, r12, r13
	mov ebx, edi
	mov r12, rsi
	mov r13d, r8d
	mov rdi, rsi
	mov esi, MSGHDR_SIZE
	mov ecx, r13d
	call net_check_user                ; (recvmsg answers in it)
	jc .efault
	mov rdi, [r12]                     ; msg_name
	xor r10d, r10d
	test rdi, rdi
	jz .named
	mov r10d, [r12 + 8]                ; msg_namelen
	cmp r10d, SOCKADDR_MAX
	jbe .fits
	cmp r13d, NET_SEND
	je .einval
	mov r10d, SOCKADDR_MAX             ; (receive: more room than any address needs)
.fits:	mov esi, r10d
	mov ecx, r13d
	call net_check_user
	jc .efault
.named:	mov r9, rdi
	mov ecx, edx
	mov edi, ebx
	mov rsi, [r12 + 16]                ; msg_iov
	mov rdx, [r12 + 24]                ; msg_iovlen
	mov r8d, r13d
	push r9
	call net_iov_call
	pop r9
	test rax, rax
	js .out
	cmp r13d, NET_RECV
	jne .out
	test r9, r9
	jz .nameless
	mov [r12 + 8], edx
.nameless:
	mov qword [r12 + 40], 0            ; msg_controllen
	mov dword [r12 + 48], 0            ; msg_flags
	jmp .out
.einval:
	mov rax, -EINVAL
	jmp .out
.efault:
	mov rax, -EFAULT
.out:	RESTORE_REGS rbx, r12, r13
	ret

; -----------------------------------------------------------------------------
; sys_sendmmsg -- sendmmsg(fd, vec, vlen, flags): sendmsg for each struct mmsghdr
; in turn, its msg_len answered, until one fails
; sys_recvmmsg -- recvmmsg(fd, vec, vlen, flags, timeout): recvmsg likewise; with
; MSG_WAITFORONE only the first waits. A timeout is looked at after each message, as
; Linux does (the first still waits as long as it takes): once it has passed, the
; call answers what it has, and the time left is written back into *timeout.
;  IN:  EDI = fd, RSI = struct mmsghdr *, EDX = vlen, ECX = flags, R8 = struct
;       timespec * or 0 (recvmmsg)
;  OUT: RAX = messages moved, or the first one's -errno (-EINVAL: a bad timeout)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
MMSGHDR_SIZE   equ 64                 ; struct msghdr, then unsigned msg_len (padded)
MSG_WAITFORONE equ 0x10000
NS_PER_SECOND  equ 1000000000
sys_sendmmsg:
	mov r8d, NET_SEND
	xor r9d, r9d                       ; no timeout
	jmp net_mmsg_call
sys_recvmmsg:
	mov r9, r8
	mov r8d, NET_RECV
net_mmsg_call:                         ; R8D = op, R9 = the program's timeout or 0
	SAVE_REGS rbx, r12, r13, r14, r15, rbp
	sub rsp, 16                        ; [rsp]: the deadline (DEADLINE_NONE), [rsp + 8]: the timeout
	mov ebx, edi                       ; fd
	mov r12, rsi                       ; the vector
	mov r13d, edx                      ; its length
	mov r14d, ecx                      ; flags
	mov r15d, r8d                      ; op
	mov qword [rsp], DEADLINE_NONE
	mov [rsp + 8], r9
	test r9, r9
	jz .untimed
	mov rdi, r9
	call mmsg_deadline
	test rax, rax
	js .out
	mov [rsp], rax
.untimed:
	cmp r13d, IOV_MAX
	jbe .counted
	mov r13d, IOV_MAX                  ; (Linux's cap as well)
.counted:
	xor ebp, ebp                       ; messages moved
.next:	cmp ebp, r13d
	jae .done
	mov eax, ebp
	shl rax, 6
	lea rdi, [r12 + rax + MSGHDR_SIZE] ; msg_len is answered: it must be writable
	mov esi, 4
	call check_user_write
	jc .efault
	mov edx, r14d
	test ebp, ebp
	jz .call
	test edx, MSG_WAITFORONE
	jz .call
	or edx, MSG_DONTWAIT               ; after the first, take only what is there
.call:	and edx, ~MSG_WAITFORONE
	mov eax, ebp
	shl rax, 6
	lea rsi, [r12 + rax]
	mov edi, ebx
	mov r8d, r15d
	call net_msghdr_call
	test rax, rax
	js .failed
	mov ecx, ebp
	shl rcx, 6
	mov [r12 + rcx + MSGHDR_SIZE], eax
	inc ebp
	cmp qword [rsp], DEADLINE_NONE
	je .next
	call monotonic_now
	cmp rax, [rsp]
	jb .next                           ; the timeout has not passed yet
	jmp .done
.efault:
	mov rax, -EFAULT
.failed:
	test ebp, ebp
	jz .out                            ; the first failed: its error
.done:	mov eax, ebp
	cmp qword [rsp + 8], 0
	je .out
	mov rdi, [rsp + 8]
	mov rsi, [rsp]
	call mmsg_time_left
	test rax, rax
	js .out
	mov eax, ebp
.out:	add rsp, 16
	RESTORE_REGS rbx, r12, r13, r14, r15, rbp
	ret

; -----------------------------------------------------------------------------
; mmsg_deadline -- the deadline recvmmsg's timeout sets
;  IN:  RDI = struct timespec * (the program's)
;  OUT: RAX = deadline (DEADLINE_NONE beyond 2^64 ns), or -EFAULT, -EINVAL
;  Clobbers: RCX, RDX, RSI, RDI
mmsg_deadline:
	mov esi, 16
	call check_user_read
	jc sys_fail_efault
	mov rax, [rdi]                     ; tv_sec
	test rax, rax
	js sys_fail_einval
	mov rcx, [rdi + 8]                 ; tv_nsec
	cmp rcx, NS_PER_SECOND
	jae sys_fail_einval
	mov edx, NS_PER_SECOND
	mul rdx
	jo .none
	add rax, rcx
	jc .none
	mov rdi, rax
	jmp deadline_after_ns
.none:	mov eax, DEADLINE_NONE
	ret

; -----------------------------------------------------------------------------
; mmsg_time_left -- write what is left of recvmmsg's timeout back into it (0 once
; passed), as Linux does
;  IN:  RDI = struct timespec * (the program's), RSI = deadline (DEADLINE_NONE: unchanged)
;  OUT: RAX = 0, or -EFAULT
;  Clobbers: RCX, RDX, RSI, RDI, R8
mmsg_time_left:
	xor eax, eax
	cmp rsi, DEADLINE_NONE
	je .out
	mov r8, rdi
	push rsi
	mov esi, 16
	call check_user_write
	pop rsi
	jc sys_fail_efault
	push rsi
	call monotonic_now
	pop rsi
	mov rcx, rsi
	sub rcx, rax
	jae .left
	xor ecx, ecx                       ; passed
.left:	mov rax, rcx
	xor edx, edx
	mov ecx, NS_PER_SECOND
	div rcx
	mov [r8], rax                      ; tv_sec
	mov [r8 + 8], rdx                  ; tv_nsec
	xor eax, eax
.out:	ret
