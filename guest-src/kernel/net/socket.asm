; Sockets: the kernel's half of the split network driver (docs/networking.md). A
; socket is a File of kind FILE_SOCKET whose File.handle names the VMM's socket
; (vmm/ports/net.ts) and whose File.inode is a NetState block the VMM keeps current:
; the POLL* bits ready now and two change counters, so poll, select and epoll read a
; socket's readiness without a VM exit. A connected stream's bytes wait in the
; socket's receive ring, where the VMM puts them as they arrive, and a plain recv
; takes them from there without a VM exit. A plain send made while an event loop
; handles a batch of ready sockets joins the send batch, which the next NET
; hypercall carries, at the latest when a thread waits (net_flush). Every other
; operation is one NET hypercall that the VMM answers before the `out` returns; one
; that would wait answers -EAGAIN and the thread waits in event_wait until an
; announcement: from another socket's operation (HcNet.notify) or from the host
; (VEC_IO, net_irq_locked).

ENOTSOCK     equ 88
EPROTONOSUPPORT equ 93
EINPROGRESS  equ 115
MSG_PEEK     equ 0x2
MSG_DONTWAIT equ 0x40
MSG_WAITALL  equ 0x100
MSG_NOSIGNAL equ 0x4000
SOCK_FLAGS   equ O_NONBLOCK | O_CLOEXEC   ; SOCK_NONBLOCK, SOCK_CLOEXEC
SOCKADDR_MAX equ 128                      ; sizeof(struct sockaddr_storage)
NET_BATCH_FLUSH equ 512                   ; a send batch this full goes at once (its peers get work)
FIONBIO      equ 0x5421
NET_MAY_WAIT_BIT equ 31
NET_MAY_WAIT equ 1 << NET_MAY_WAIT_BIT     ; or-ed into net_fd_call's op: wait while -EAGAIN

section .text

; -----------------------------------------------------------------------------
; net_block_init -- a zeroed HcNet block for one operation
;  IN:  RDI = block, ESI = op
;  Clobbers: nothing
net_block_init:
	push rax
	push rcx
	push rdi
	xor eax, eax
	mov ecx, HcNet_size / 8
	rep stosq
	pop rdi
	pop rcx
	pop rax
	mov [rdi + HcNet.op], esi
	ret

; -----------------------------------------------------------------------------
; net_hc -- hand a filled block to the VMM, with the send batch (sent first, so a
; socket's bytes keep their order); wake waiters when another socket changed
;  IN:  RDI = block
;  OUT: RAX = HcNet.ret
;  Clobbers: RDX (RAX is the result)
net_hc:
	mov byte [net_active], 1
	mov dword [rdi + HcNet.notify], 0
	SPIN_LOCK [net_tx_lock]
	mov rax, [net_tx_used]
	mov [rdi + HcNet.batch_len], eax
	lea rax, [net_tx_batch]
	mov [rdi + HcNet.batch], rax
	HYPERCALL PORT_NET, edi
	mov qword [net_tx_used], 0
	SPIN_UNLOCK [net_tx_lock]
	cmp dword [rdi + HcNet.notify], 0
	je .done
	call event_notify
.done:	mov rax, [rdi + HcNet.ret]
	ret

; -----------------------------------------------------------------------------
; net_wait_call -- net_hc again and again while it answers -EAGAIN and the socket
; may wait (neither O_NONBLOCK nor MSG_DONTWAIT), waiting in event_wait in between.
; With -EAGAIN the VMM puts the socket's SO_RCVTIMEO or SO_SNDTIMEO in HcNet.a1
; (ns, 0 for none) and in HcNet.a2 the errno past it: EAGAIN, or EINPROGRESS for a
; TCP connect, as Linux answers.
;  IN:  RDI = block (handle filled), RSI = File (a reference held)
;  OUT: RAX = result, or what interrupted the wait (-ERESTARTSYS, -EINTR)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
net_wait_call:
	SAVE_REGS rbx, r12, r13, r14
	mov rbx, rdi
	mov r12, rsi
	xor r14d, r14d                     ; the deadline: DEADLINE_NONE until a timeout sets one
.again:	mov r13, [event_seq]
	mov rdx, [r12 + File.inode]
	SPIN_LOCK [rdx + NetState.lock]
	mov rdi, rbx
	mov rsi, r12
	call net_ring_recv
	test rax, rax
	jnz .answered                      ; bytes from the receive ring: no VM exit
	mov rdi, rbx
	mov rsi, r12
	call net_defer_send
	test rax, rax
	jnz .answered                      ; bytes into the send batch: no VM exit
	mov rdi, rbx
	mov rsi, r12
	call net_quick
	test rax, rax
	jnz .answered                      ; -EAGAIN without a VM exit
	mov rdi, rbx
	call net_hc
.answered:
	mov rdx, [r12 + File.inode]
	SPIN_UNLOCK [rdx + NetState.lock]
	cmp rax, -EAGAIN
	jne .out
	test dword [r12 + File.flags], O_NONBLOCK
	jnz .out
	test dword [rbx + HcNet.flags], MSG_DONTWAIT
	jnz .out
	test r14, r14
	jnz .wait
	mov rdi, [rbx + HcNet.a1]
	test rdi, rdi
	jz .wait
	call deadline_after_ns
	mov r14, rax
.wait:	mov rdi, r13
	mov rsi, r14
	call event_wait
	test rax, rax
	jz .again
	cmp rax, -ETIMEDOUT
	jne .out
	mov rax, [rbx + HcNet.a2]          ; the socket's timeout passed: the VMM's errno
	neg rax
	cmp rax, -EINPROGRESS
	je .out
	mov rax, -EAGAIN
.out:	RESTORE_REGS rbx, r12, r13, r14
	ret

; -----------------------------------------------------------------------------
; net_quick -- answer a non-blocking recv or accept that would find nothing without
; asking the VMM: NetState is current, and its quick bits say when the POLL bits
; alone tell (a server's last read before epoll_wait, an accept loop's last accept)
;  IN:  RDI = block, RSI = File
;  OUT: RAX = -EAGAIN, or 0 (ask the VMM)
;  Clobbers: RCX, RDX
net_quick:
	xor eax, eax
	test dword [rsi + File.flags], O_NONBLOCK
	jnz .nonblocking
	test dword [rdi + HcNet.flags], MSG_DONTWAIT
	jz .ask                            ; a blocking call asks: the answer carries its timeout
.nonblocking:
	mov rdx, [rsi + File.inode]
	mov ecx, [rdi + HcNet.op]
	cmp ecx, NET_RECV
	je .recv
	cmp ecx, NET_ACCEPT
	jne .ask
	test dword [rdx + NetState.quick], NET_QUICK_ACCEPT
	jz .ask
	test dword [rdx + NetState.events], POLLIN
	jnz .ask
	jmp .eagain
.recv:	test dword [rdx + NetState.quick], NET_QUICK_RECV
	jz .ask
	test dword [rdx + NetState.events], POLLIN | POLLERR
	jnz .ask
	mov ecx, [rdx + NetState.rx_prod]
	cmp ecx, [rdx + NetState.rx_cons]
	jne .ask                           ; the ring holds bytes (a recv net_ring_recv leaves)
.eagain:
	mov rax, -EAGAIN
.ask:	ret

; -----------------------------------------------------------------------------
; net_plain -- whether a block asks for a plain data call: this op, no MSG_* flag but
; MSG_DONTWAIT and MSG_NOSIGNAL, and no address (the calls the kernel may finish
; without the VMM)
;  IN:  RDI = block, ECX = op
;  OUT: ZF set when plain
;  Clobbers: nothing
net_plain:
	cmp [rdi + HcNet.op], ecx
	jne .out
	test dword [rdi + HcNet.flags], ~(MSG_DONTWAIT | MSG_NOSIGNAL | NET_NONBLOCK)
	jnz .out
	cmp qword [rdi + HcNet.addr], 0
.out:	ret

; -----------------------------------------------------------------------------
; net_ring_recv -- a plain recv answered from the socket's receive ring: no VM exit.
; Plain: no MSG_* flag but MSG_DONTWAIT and MSG_NOSIGNAL, and no source address
; asked for; anything else, or an empty ring, goes to the VMM, which takes the
; ring's bytes back first (vmm/ports/net.ts), so the order of bytes holds.
;  IN:  RDI = block (NET_RECV: its iovecs checked), RSI = File (NetState.lock held)
;  OUT: RAX = bytes taken (> 0), or 0 (ask the VMM)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
net_ring_recv:
	xor eax, eax
	mov ecx, NET_RECV
	call net_plain
	jne .out
	mov r8, [rsi + File.inode]
	mov r9d, [r8 + NetState.rx_prod]
	sub r9d, [r8 + NetState.rx_cons]   ; R9 = bytes in the ring
	jz .out
	cmp r9d, [r8 + NetState.rx_size]
	ja .out                            ; (more than it holds: let the VMM sort it out)
	mov r10, [rdi + HcNet.buf]         ; the iovecs
	mov r11, [rdi + HcNet.len]         ; how many
.iov:	test r11, r11
	jz .done
	mov rcx, r9
	sub rcx, rax                       ; RCX = ring bytes not yet taken
	jz .done
	mov rdi, [r10]                     ; this iovec's base
	mov rdx, [r10 + 8]                 ; and length
	add r10, 16
	dec r11
	cmp rdx, rcx
	cmova rdx, rcx                     ; RDX = bytes into this iovec
	test rdx, rdx
	jz .iov
	mov esi, [r8 + NetState.rx_cons]
	add esi, eax
	mov ecx, [r8 + NetState.rx_size]
	dec ecx
	and esi, ecx                       ; RSI = the next byte's offset in the ring
	inc ecx
	sub ecx, esi                       ; RCX = bytes before the ring wraps
	cmp rcx, rdx
	cmova rcx, rdx                     ; RCX = the first piece
	add rax, rdx
	sub rdx, rcx                       ; RDX = the piece from the ring's start
	add rsi, [r8 + NetState.rx_ring]
	rep movsb
	mov rcx, rdx
	mov rsi, [r8 + NetState.rx_ring]
	rep movsb
	jmp .iov
.done:	add [r8 + NetState.rx_cons], eax
.out:	ret

; -----------------------------------------------------------------------------
; net_defer_send -- a plain send on a connected host stream, made while the thread
; handles a batch of ready events (Task.net_batching: its last epoll_wait reported
; several), joins the send batch instead of costing a VM exit; a batch past
; NET_BATCH_FLUSH bytes goes at once, so the peers get work while the loop runs on.
; Plain: no MSG_* flag but MSG_DONTWAIT and MSG_NOSIGNAL, no destination. Only what
; NetState.tx_room says the socket takes now is deferred, so the VMM can always
; send it.
;  IN:  RDI = block (NET_SEND: its iovecs checked), RSI = File (NetState.lock held)
;  OUT: RAX = bytes taken (> 0), or 0 (ask the VMM)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
net_defer_send:
	xor eax, eax
	mov ecx, NET_SEND
	call net_plain
	jne .out
	mov r8, [gs:Percpu.current]
	cmp qword [r8 + Task.net_batching], 0
	je .out
	mov r10, [rdi + HcNet.buf]         ; the iovecs
	mov r11, [rdi + HcNet.len]         ; how many
	xor edx, edx                       ; RDX = their bytes (checked ranges: no overflow)
	mov rcx, r11
	mov r9, r10
.sum:	test rcx, rcx
	jz .summed
	add rdx, [r9 + 8]
	add r9, 16
	dec rcx
	jmp .sum
.summed:
	test rdx, rdx
	jz .out
	mov r8, [rsi + File.inode]
	mov ecx, [r8 + NetState.tx_room]
	cmp rdx, rcx
	ja .out                            ; more than the socket takes now
	lea r9, [rdx + NetBatchEntry_size + 7]
	and r9, ~7                         ; R9 = the record's bytes
	mov ecx, [rsi + File.handle]
	SPIN_LOCK [net_tx_lock]
	mov rax, [net_tx_used]
	add r9, rax                        ; R9 = the batch's bytes with the record
	cmp r9, NET_BATCH_SIZE
	ja .full                           ; (the VMM call that follows sends the batch)
	lea rdi, [net_tx_batch]
	add rdi, rax                       ; the record
	mov [rdi + NetBatchEntry.handle], ecx
	mov [rdi + NetBatchEntry.len], edx
	add rdi, NetBatchEntry_size
	sub [r8 + NetState.tx_room], edx
	mov rax, rdx                       ; the result
.copy:	test r11, r11
	jz .copied
	mov rsi, [r10]
	mov rcx, [r10 + 8]
	rep movsb
	add r10, 16
	dec r11
	jmp .copy
.copied:
	mov [net_tx_used], r9
	SPIN_UNLOCK [net_tx_lock]
	cmp r9, NET_BATCH_FLUSH
	jb .out
	call net_flush                     ; full enough: it goes now
.out:	ret
.full:	SPIN_UNLOCK [net_tx_lock]
	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; net_flush -- hand the send batch to the VMM now if it holds anything: every place
; a thread may wait calls it, so no deferred send waits on a sleeping thread
;  Clobbers: nothing
net_flush:
	cmp qword [net_tx_used], 0
	jne .send
	ret
.send:	SAVE_REGS rax, rcx, rdx, rsi, rdi, r8, r9, r10, r11
	sub rsp, HcNet_size
	mov rdi, rsp
	mov esi, NET_FLUSH
	call net_block_init
	call net_hc
	add rsp, HcNet_size
	RESTORE_REGS rax, rcx, rdx, rsi, rdi, r8, r9, r10, r11
	ret

; -----------------------------------------------------------------------------
; net_batch_begin -- an epoll_wait is about to wait or report: the send batch goes
; now, and the thread defers sends again only if this wait reports several events
;  Clobbers: nothing
net_batch_begin:
	call net_flush
	push rax
	mov rax, [gs:Percpu.current]
	mov qword [rax + Task.net_batching], 0
	pop rax
	ret

; -----------------------------------------------------------------------------
; net_batch_mark -- an epoll_wait reports its events: with two or more, the thread
; handles a batch, and its plain sends on host streams wait for the next wait
;  IN:  RAX = events reported (or -errno)
;  Clobbers: nothing
net_batch_mark:
	cmp rax, 2
	jl .done
	push rdx
	mov rdx, [gs:Percpu.current]
	mov qword [rdx + Task.net_batching], 1
	pop rdx
.done:	ret

; -----------------------------------------------------------------------------
; net_file -- the socket behind a descriptor, with a reference for the caller
;  IN:  EDI = fd
;  OUT: RAX = File, or -EBADF, -ENOTSOCK
;  Clobbers: RCX
net_file:
	SPIN_LOCK [fs_lock]
	call fd_get
	test rax, rax
	jz .ebadf
	cmp dword [rax + File.kind], FILE_SOCKET
	jne .enotsock
	inc qword [rax + File.refs]
	jmp .out
.ebadf:	mov rax, -EBADF
	jmp .out
.enotsock:
	mov rax, -ENOTSOCK
.out:	SPIN_UNLOCK [fs_lock]
	ret

; -----------------------------------------------------------------------------
; net_put -- drop the reference net_file gave
;  IN:  RDI = File
;  Clobbers: RCX, RDX, RSI, RDI, R8
net_put:
	push rax
	SPIN_LOCK [fs_lock]
	call file_put
	SPIN_UNLOCK [fs_lock]
	pop rax
	ret

; -----------------------------------------------------------------------------
; net_do -- one operation on the socket behind a descriptor
;  IN:  EDI = fd, RSI = block (op and arguments filled), EDX = 1 to wait while the
;       answer is -EAGAIN (net_wait_call), 0 not to
;  OUT: RAX = result or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
net_do:
	SAVE_REGS rbx, r12, r13
	mov r12, rsi
	mov r13d, edx
	call net_file
	test rax, rax
	js .out
	mov rbx, rax
	mov rax, [rbx + File.handle]
	mov [r12 + HcNet.handle], eax
	test dword [rbx + File.flags], O_NONBLOCK
	jz .call
	or dword [r12 + HcNet.flags], NET_NONBLOCK
.call:	mov rdi, r12
	test r13d, r13d
	jz .once
	mov rsi, rbx
	call net_wait_call
	jmp .done
.once:	call net_hc
.done:	mov rdi, rbx
	call net_put
.out:	RESTORE_REGS rbx, r12, r13
	ret

; -----------------------------------------------------------------------------
; net_fd_call -- net_do with a block of its own: zeroed, then filled from the
; registers; the shorter entries zero the fields their calls leave out
; net_fd_value_call -- without addr, addr_len and flags (R10, R11, EAX ignored)
; net_fd_addr_call -- without a1, buf, len and flags (RCX, R8, R9, EAX ignored)
;  IN:  EDI = fd, ESI = op (| NET_MAY_WAIT: wait while the answer is -EAGAIN),
;       RDX = a0, RCX = a1, R8 = buf, R9 = len, R10 = addr, R11D = addr_len,
;       EAX = flags (MSG_*)
;  OUT: RAX = result or -errno, EDX = HcNet.addr_len as answered
;  Clobbers: RCX, RSI, RDI, R8-R11
net_fd_value_call:
	xor r10d, r10d
	xor r11d, r11d
	xor eax, eax
	jmp net_fd_call
net_fd_addr_call:
	xor ecx, ecx
	xor r8d, r8d
	xor r9d, r9d
	xor eax, eax
net_fd_call:
	SAVE_REGS rbx, r12
	sub rsp, HcNet_size
	mov ebx, edi                       ; fd
	mov r12d, esi                      ; op, NET_MAY_WAIT
	mov rdi, rsp
	btr esi, NET_MAY_WAIT_BIT
	call net_block_init
	mov [rdi + HcNet.a0], rdx
	mov [rdi + HcNet.a1], rcx
	mov [rdi + HcNet.buf], r8
	mov [rdi + HcNet.len], r9
	mov [rdi + HcNet.addr], r10
	mov [rdi + HcNet.addr_len], r11d
	mov [rdi + HcNet.flags], eax
	mov rsi, rdi
	mov edi, ebx
	mov edx, r12d
	shr edx, NET_MAY_WAIT_BIT          ; 1: may wait
	call net_do
	mov edx, [rsp + HcNet.addr_len]
	add rsp, HcNet_size
	RESTORE_REGS rbx, r12
	ret

; -----------------------------------------------------------------------------
; net_new_call -- an operation that makes sockets (NET_SOCKET, NET_PAIR): no
; descriptor yet, so the block goes straight to net_hc
;  IN:  EDI = op, RSI = a0, RDX = a1, RCX = a2, R8 = a3
;  OUT: RAX = HcNet.ret, RDX = HcNet.a0 as answered
;  Clobbers: RCX, RSI, RDI
net_new_call:
	sub rsp, HcNet_size
	mov rax, rsi
	mov esi, edi
	mov rdi, rsp
	call net_block_init
	mov [rdi + HcNet.a0], rax
	mov [rdi + HcNet.a1], rdx
	mov [rdi + HcNet.a2], rcx
	mov [rdi + HcNet.a3], r8
	call net_hc
	mov rdx, [rsp + HcNet.a0]
	add rsp, HcNet_size
	ret

; -----------------------------------------------------------------------------
; net_state_new -- a zeroed NetState block, with its receive ring, for a socket
; about to be made
;  OUT: RAX = block, or 0
;  Clobbers: RCX, RDX, RSI, RDI, R8
net_state_new:
	mov edi, NetState_size
	call kmalloc
	test rax, rax
	jz .out
	push rax
	mov edi, NET_RX_RING
	call kmalloc
	pop rdx
	test rax, rax
	jz .nomem
	mov [rdx + NetState.rx_ring], rax
	mov dword [rdx + NetState.rx_size], NET_RX_RING
	mov rax, rdx
.out:	ret
.nomem:	mov rdi, rdx
	mov esi, NetState_size
	call kfree
	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; net_state_free -- give back a NetState block from net_state_new, and its ring
;  IN:  RDI = block
;  OUT: RAX unchanged (the caller's result)
;  Clobbers: RCX, RDX, RSI, RDI
net_state_free:
	push rax
	push rdi
	mov rdi, [rdi + NetState.rx_ring]
	mov esi, NET_RX_RING
	call kfree
	pop rdi
	mov esi, NetState_size
	call kfree
	pop rax
	ret

; -----------------------------------------------------------------------------
; net_forget -- release a VMM socket that never got a descriptor, and its state
;  IN:  EDI = handle, RSI = NetState
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8
net_forget:
	push rsi
	sub rsp, HcNet_size
	mov r8d, edi
	mov rdi, rsp
	mov esi, NET_CLOSE
	call net_block_init
	mov [rdi + HcNet.handle], r8d
	call net_hc
	add rsp, HcNet_size
	pop rdi
	jmp net_state_free

; -----------------------------------------------------------------------------
; net_install -- a descriptor for a new VMM socket; on failure the socket is closed
;  IN:  EDI = handle, RSI = NetState, EDX = SOCK_NONBLOCK | SOCK_CLOEXEC
;  OUT: RAX = fd, or -ENOMEM, -EMFILE
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
net_install:
	SAVE_REGS rbx, r12, r13
	mov ebx, edi
	mov r12, rsi
	mov r13d, edx
	SPIN_LOCK [fs_lock]
	mov edi, FILE_SOCKET
	mov esi, r13d
	and esi, O_NONBLOCK
	or esi, O_RDWR
	call file_new
	test rax, rax
	jz .enomem
	mov [rax + File.handle], rbx
	mov [rax + File.inode], r12
	mov rdi, rax
	mov esi, r13d
	call install_file                  ; (on -EMFILE the File goes: net_release)
	SPIN_UNLOCK [fs_lock]
	jmp .out
.enomem:
	SPIN_UNLOCK [fs_lock]
	mov edi, ebx
	mov rsi, r12
	call net_forget
	mov rax, -ENOMEM
.out:	RESTORE_REGS rbx, r12, r13
	ret

; -----------------------------------------------------------------------------
; net_release -- the last descriptor of a socket closed (fs_lock held; file_put)
;  IN:  RDI = File
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8
net_release:
	mov rsi, [rdi + File.inode]
	mov edi, [rdi + File.handle]
	jmp net_forget

; -----------------------------------------------------------------------------
; net_poll -- a socket's readiness: as the VMM last wrote it, and readable while
; its receive ring holds bytes
;  IN:  RDI = File
;  OUT: EAX = POLL* bits
;  Clobbers: RCX, RDX
net_poll:
	mov rdx, [rdi + File.inode]
	mov eax, [rdx + NetState.events]
	mov ecx, [rdx + NetState.rx_prod]
	cmp ecx, [rdx + NetState.rx_cons]
	je .out
	or eax, POLLIN | POLLRDNORM
.out:	ret

; -----------------------------------------------------------------------------
; net_irq_locked -- VEC_IO arrived: the host side may have changed any socket, so
; every waiter looks again (sched_lock held; handle_interrupt)
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8, R9
net_irq_locked:
	cmp byte [net_active], 0
	je .done
	push rbx
	call event_notify_locked
	pop rbx
.done:	ret

; -----------------------------------------------------------------------------
; net_transfer_locked -- read or write on a socket (file_transfer, fs_lock held on
; entry and exit, released while the call waits): one iovec, no flags
;  IN:  RDI = File, RSI = checked buffer, RDX = length, ECX = 0 read, 1 write
;  OUT: RAX = bytes or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
net_transfer_locked:
	SAVE_REGS rbx, r12
	sub rsp, HcNet_size + 16
	mov rbx, rdi
	mov [rsp + HcNet_size], rsi        ; the iovec, after the block
	mov [rsp + HcNet_size + 8], rdx
	mov r12d, ecx
	inc qword [rbx + File.refs]
	SPIN_UNLOCK [fs_lock]
	mov rdi, rsp
	mov esi, NET_RECV
	test r12d, r12d
	jz .op
	mov esi, NET_SEND
.op:	call net_block_init
	lea rax, [rsp + HcNet_size]
	mov [rdi + HcNet.buf], rax
	mov qword [rdi + HcNet.len], 1
	mov rax, [rbx + File.handle]
	mov [rdi + HcNet.handle], eax
	mov rsi, rbx
	call net_wait_call
	cmp rax, -EPIPE
	jne .put
	call signal_sigpipe
.put:	mov r12, rax
	SPIN_LOCK [fs_lock]
	mov rdi, rbx
	call file_put
	mov rax, r12
	add rsp, HcNet_size + 16
	RESTORE_REGS rbx, r12
	ret

; -----------------------------------------------------------------------------
; net_vector_io -- readv and writev: a socket takes every iovec in one operation
; (sys_fs_readv, sys_fs_writev); anything else goes to vector_io
;  IN:  EDI = fd, RSI = iovecs, RDX = count, R8 = vector_io's op, ECX = 0 readv,
;       1 writev
;  OUT: RAX = bytes or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
net_vector_io:
	call fd_get                        ; (a glance: net_iov_call takes the reference)
	test rax, rax
	jz vector_io
	cmp dword [rax + File.kind], FILE_SOCKET
	jne vector_io
	mov r8d, NET_RECV
	test ecx, ecx
	jz .call
	mov r8d, NET_SEND
.call:	xor ecx, ecx                       ; no flags
	xor r9d, r9d                       ; no address
	xor r10d, r10d
	jmp net_iov_call

; -----------------------------------------------------------------------------
; net_ioctl_locked -- FIONREAD and FIONBIO on a socket (sys_fs_ioctl, fs_lock held)
;  IN:  RAX = File, ESI = request, RDX = arg
;  OUT: RAX = 0, or -ENOTTY, -EFAULT
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
net_ioctl_locked:
	SAVE_REGS rbx, r12
	mov rbx, rax
	mov r12, rdx
	mov rdi, rdx
	cmp esi, FIONBIO
	je .nbio
	cmp esi, FIONREAD
	jne .enotty
	mov esi, 4
	call check_user_write
	jc .efault
	sub rsp, HcNet_size
	mov rdi, rsp
	mov esi, NET_PENDING
	call net_block_init
	mov rax, [rbx + File.handle]
	mov [rdi + HcNet.handle], eax
	call net_hc
	add rsp, HcNet_size
	mov [r12], eax
	xor eax, eax
	jmp .out
.nbio:	mov esi, 4
	call check_user_read
	jc .efault
	and dword [rbx + File.flags], ~O_NONBLOCK
	cmp dword [r12], 0
	je .done
	or dword [rbx + File.flags], O_NONBLOCK
.done:	xor eax, eax
	jmp .out
.enotty:
	mov rax, -ENOTTY
	jmp .out
.efault:
	mov rax, -EFAULT
.out:	RESTORE_REGS rbx, r12
	ret

section .bss
alignb 8
net_tx_batch: resb NET_BATCH_SIZE ; the send batch: NetBatchEntry records (net_tx_lock)
net_tx_used:  resq 1              ; its bytes in use (net_tx_lock)
net_tx_lock:  resq 1
net_active: resb 1     ; 1 once a socket call has been made: VEC_IO then wakes waiters
section .text
