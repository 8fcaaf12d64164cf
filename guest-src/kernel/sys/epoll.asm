; epoll: epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2.
;
; An Epoll (behind a File of kind FILE_EPOLL) keeps a list of EpItems, one per
; watched (descriptor, File) pair. Readiness is asked of each File (file_poll) when
; a waiter looks; nothing is queued ahead. Level-triggered items report while the
; File is ready. Edge-triggered items (EPOLLET) report only when the File's change
; counter for that side (file_gen) moved since the item last reported, so a waiter
; is not woken again for data it has already been told about. EPOLLONESHOT disarms
; an item after one report, until EPOLL_CTL_MOD. EPOLLERR and EPOLLHUP are always
; reported. An item goes when its File goes (the last descriptor on it closes), as
; in Linux; epoll_forget does that from file_put. All under fs_lock.

EPOLL_CTL_ADD  equ 1
EPOLL_CTL_DEL  equ 2
EPOLL_CTL_MOD  equ 3
EPOLLEXCLUSIVE equ 1 << 28
EPOLLONESHOT   equ 1 << 30
EPOLLET        equ 1 << 31
EPOLL_EVENT_SIZE equ 12                ; struct epoll_event: u32 events, u64 data (packed)

struc Epoll
	.items: resq 1        ; first EpItem (added at the end; turned by epoll_collect)
	.next:  resq 1        ; link in epoll_list
endstruc

struc EpItem
	.next:     resq 1
	.file:     resq 1     ; the watched File (no reference: epoll_forget unlinks)
	.fd:       resd 1     ; the descriptor it was added under
	.events:   resd 1     ; asked-for events, EPOLLERR | EPOLLHUP, EPOLLET, EPOLLONESHOT
	.data:     resq 1     ; handed back with each report
	.seen_in:  resq 1     ; file_gen counters at the last report (edge-triggered)
	.seen_out: resq 1
	.armed:    resq 1     ; 0 after an EPOLLONESHOT report, until EPOLL_CTL_MOD
endstruc

section .text

; -----------------------------------------------------------------------------
; sys_epoll_create -- epoll_create(size): size must be positive, then as epoll_create1(0)
; sys_epoll_create1 -- epoll_create1(flags): a new epoll descriptor
;  IN:  EDI = size, or flags (EPOLL_CLOEXEC, which is O_CLOEXEC)
;  OUT: RAX = fd, or -EINVAL, -EMFILE, -ENOMEM
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_epoll_create:
	test edi, edi
	jle epoll_einval
	xor edi, edi
sys_epoll_create1:
	test edi, ~O_CLOEXEC
	jnz epoll_einval
	push rbx
	push r12
	mov r12d, edi
	SPIN_LOCK [fs_lock]
	mov edi, Epoll_size
	call kmalloc
	test rax, rax
	jz .enomem
	mov rbx, rax
	mov edi, FILE_EPOLL
	mov esi, O_RDWR
	call file_new
	test rax, rax
	jz .free
	mov [rax + File.inode], rbx
	mov rcx, [epoll_list]
	mov [rbx + Epoll.next], rcx
	mov [epoll_list], rbx
	mov rdi, rax
	mov esi, r12d
	call install_file                  ; (on failure file_put undoes the rest)
	jmp .out
.free:	mov rdi, rbx
	mov esi, Epoll_size
	call kfree
.enomem:
	mov rax, -ENOMEM
.out:	SPIN_UNLOCK [fs_lock]
	pop r12
	pop rbx
	ret
epoll_einval:
	mov rax, -EINVAL
	ret

; -----------------------------------------------------------------------------
; sys_epoll_ctl -- epoll_ctl(epfd, op, fd, event): add, change or remove a watch
;  IN:  EDI = epfd, ESI = op, EDX = fd, RCX = struct epoll_event * (not read for DEL)
;  OUT: RAX = 0, or -EFAULT, -EBADF, -EPERM (a regular file or directory), -EINVAL,
;       -ELOOP, -EEXIST, -ENOENT, -ENOMEM
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_epoll_ctl:
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rbp
	mov r12d, edi                      ; epfd
	mov r13d, esi                      ; op
	mov r14d, edx                      ; fd
	mov r15, rcx                       ; event
	cmp r13d, EPOLL_CTL_DEL
	je .lock
	mov rdi, rcx
	mov esi, EPOLL_EVENT_SIZE
	call check_user_write
	jc .efault
.lock:	SPIN_LOCK [fs_lock]
	mov edi, r12d
	call fd_get
	test rax, rax
	jz .ebadf
	mov rbx, rax                       ; the epoll File
	mov edi, r14d
	call fd_get
	test rax, rax
	jz .ebadf
	mov rbp, rax                       ; the watched File
	mov ecx, [rbp + File.kind]
	cmp ecx, FILE_RAM
	je .eperm
	cmp ecx, FILE_HOST
	je .eperm
	cmp dword [rbx + File.kind], FILE_EPOLL
	jne .einval
	cmp rbx, rbp
	je .einval
	cmp ecx, FILE_EPOLL
	jne .find
	cmp r13d, EPOLL_CTL_DEL
	je .find
	mov rdi, [rbp + File.inode]        ; would the watched set reach this one?
	mov rsi, rbx
	xor edx, edx
	call epoll_reaches
	test eax, eax
	jnz .eloop
.find:	mov rdi, [rbx + File.inode]
	mov esi, r14d
	mov rdx, rbp
	call epoll_find                    ; RAX = item, RDX = the link to it
	cmp r13d, EPOLL_CTL_ADD
	je .add
	cmp r13d, EPOLL_CTL_MOD
	je .mod
	cmp r13d, EPOLL_CTL_DEL
	jne .einval
	test rax, rax                      ; DEL
	jz .enoent
	mov rcx, [rax + EpItem.next]
	mov [rdx], rcx
	mov rdi, rax
	mov esi, EpItem_size
	call kfree
	jmp .zero
.add:	test rax, rax
	jnz .eexist
	mov edi, EpItem_size
	call kmalloc
	test rax, rax
	jz .enomem
	mov [rax + EpItem.file], rbp
	mov [rax + EpItem.fd], r14d
	mov rdi, [rbx + File.inode]        ; append: reports follow the order of adding
	lea rdx, [rdi + Epoll.items]
.tail:	mov rcx, [rdx]
	test rcx, rcx
	jz .link
	lea rdx, [rcx + EpItem.next]
	jmp .tail
.link:	mov [rdx], rax
	jmp .set
.mod:	test rax, rax
	jz .enoent
	test dword [rax + EpItem.events], EPOLLEXCLUSIVE
	jnz .einval
.set:	mov ecx, [r15]                     ; events
	or ecx, POLLERR | POLLHUP
	mov [rax + EpItem.events], ecx
	mov rcx, [r15 + 4]                 ; data
	mov [rax + EpItem.data], rcx
	mov qword [rax + EpItem.seen_in], -1   ; report once if ready now, edge or not
	mov qword [rax + EpItem.seen_out], -1
	mov qword [rax + EpItem.armed], 1
	call event_notify                  ; a waiter on this set looks again
.zero:	xor eax, eax
	jmp .unlock
.ebadf:	mov rax, -EBADF
	jmp .unlock
.eperm:	mov rax, -EPERM
	jmp .unlock
.einval:
	mov rax, -EINVAL
	jmp .unlock
.eloop:	mov rax, -ELOOP
	jmp .unlock
.eexist:
	mov rax, -EEXIST
	jmp .unlock
.enoent:
	mov rax, -ENOENT
	jmp .unlock
.enomem:
	mov rax, -ENOMEM
.unlock:
	SPIN_UNLOCK [fs_lock]
	jmp .out
.efault:
	mov rax, -EFAULT
.out:	pop rbp
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; epoll_find -- the item watching (fd, File) in a set
;  IN:  RDI = Epoll, ESI = fd, RDX = File
;  OUT: RAX = EpItem or 0; RDX = the link that points at it (or at the end)
;  Clobbers: RCX
epoll_find:
	mov rcx, rdx
	lea rdx, [rdi + Epoll.items]
.walk:	mov rax, [rdx]
	test rax, rax
	jz .done
	cmp [rax + EpItem.fd], esi
	jne .next
	cmp [rax + EpItem.file], rcx
	je .done
.next:	lea rdx, [rax + EpItem.next]
	jmp .walk
.done:	ret

; -----------------------------------------------------------------------------
; epoll_reaches -- does a set watch a File, directly or through nested sets? Sets
; nested deeper than POLL_MAX_DEPTH count as reaching it (Linux refuses them too).
;  IN:  RDI = Epoll, RSI = File, EDX = depth so far
;  OUT: EAX = 1 or 0
;  Clobbers: RCX, RDX, RDI
epoll_reaches:
	cmp edx, POLL_MAX_DEPTH
	jae .yes
	push rbx
	mov rbx, [rdi + Epoll.items]
.walk:	test rbx, rbx
	jz .no
	mov rdi, [rbx + EpItem.file]
	cmp rdi, rsi
	je .found
	cmp dword [rdi + File.kind], FILE_EPOLL
	jne .next
	mov rdi, [rdi + File.inode]
	push rdx
	inc edx
	call epoll_reaches
	pop rdx
	test eax, eax
	jnz .found
.next:	mov rbx, [rbx + EpItem.next]
	jmp .walk
.found:	pop rbx
.yes:	mov eax, 1
	ret
.no:	pop rbx
	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; epoll_item_ready -- what an item would report now (nothing is consumed)
;  IN:  RDI = EpItem, ESI = nesting depth
;  OUT: EAX = EPOLL* bits, 0 for none
;  Clobbers: RCX, RDX, RSI, RDI, R8
epoll_item_ready:
	push rbx
	mov rbx, rdi
	xor eax, eax
	cmp qword [rbx + EpItem.armed], 0
	je .out
	mov rdi, [rbx + EpItem.file]
	call file_poll
	and eax, [rbx + EpItem.events]     ; (EPOLLERR and EPOLLHUP are always in)
	jz .out
	test dword [rbx + EpItem.events], EPOLLET
	jz .out
	push rax
	mov rdi, [rbx + EpItem.file]
	call file_gen
	xor ecx, ecx
	cmp rax, [rbx + EpItem.seen_in]
	je .in_seen
	or ecx, POLL_IN_SIDE
.in_seen:
	cmp rdx, [rbx + EpItem.seen_out]
	je .out_seen
	or ecx, POLL_OUT_SIDE
.out_seen:
	pop rax
	and eax, ecx
.out:	pop rbx
	ret

; -----------------------------------------------------------------------------
; epoll_item_reported -- an item was reported: remember the edge, disarm a one-shot
;  IN:  RDI = EpItem
;  Clobbers: RAX, RDX
epoll_item_reported:
	test dword [rdi + EpItem.events], EPOLLET
	jz .oneshot
	push rdi
	mov rdi, [rdi + EpItem.file]
	call file_gen
	pop rdi
	mov [rdi + EpItem.seen_in], rax
	mov [rdi + EpItem.seen_out], rdx
.oneshot:
	test dword [rdi + EpItem.events], EPOLLONESHOT
	jz .done
	mov qword [rdi + EpItem.armed], 0
.done:	ret

; -----------------------------------------------------------------------------
; epoll_poll -- readiness of an epoll descriptor: readable while an item would report
;  IN:  RDI = File (FILE_EPOLL), ESI = nesting depth
;  OUT: EAX = POLLIN | POLLRDNORM or 0
;  Clobbers: RCX, RDX, RSI, RDI, R8
epoll_poll:
	xor eax, eax
	cmp esi, POLL_MAX_DEPTH
	jae .done
	push rbx
	push r12
	mov r12d, esi
	inc r12d
	mov rbx, [rdi + File.inode]
	mov rbx, [rbx + Epoll.items]
.walk:	test rbx, rbx
	jz .none
	mov rdi, rbx
	mov esi, r12d
	call epoll_item_ready
	test eax, eax
	jnz .ready
	mov rbx, [rbx + EpItem.next]
	jmp .walk
.ready:	mov eax, POLLIN | POLLRDNORM
	jmp .out
.none:	xor eax, eax
.out:	pop r12
	pop rbx
.done:	ret

; -----------------------------------------------------------------------------
; epoll_collect -- fill the program's array with the items that report now. When
; the array fills up before the list ends, the list turns so that the next call
; starts with the first item not looked at (ready items all get their turn).
;  IN:  RDI = Epoll, RSI = struct epoll_event * (checked), EDX = most to report
;  OUT: EAX = events reported
;  Clobbers: RCX, RDX, RSI, RDI, R8
epoll_collect:
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rbp
	mov rbp, rdi                       ; the set
	lea r15, [rdi + Epoll.items]       ; the link that points at the current item
	mov rbx, [r15]
	mov r12, rsi
	mov r13d, edx
	xor r14d, r14d
.walk:	test rbx, rbx
	jz .out
	cmp r14d, r13d
	jae .full
	mov rdi, rbx
	xor esi, esi
	call epoll_item_ready
	test eax, eax
	jz .next
	imul rcx, r14, EPOLL_EVENT_SIZE
	mov [r12 + rcx], eax
	mov rdx, [rbx + EpItem.data]
	mov [r12 + rcx + 4], rdx
	inc r14d
	mov rdi, rbx
	call epoll_item_reported
.next:	lea r15, [rbx + EpItem.next]
	mov rbx, [r15]
	jmp .walk
.full:	; RBX is the first item not looked at: make it the head.
	lea rax, [rbp + Epoll.items]
	cmp r15, rax
	je .out
	mov rcx, rbx
.last:	cmp qword [rcx + EpItem.next], 0
	je .turn
	mov rcx, [rcx + EpItem.next]
	jmp .last
.turn:	mov rax, [rbp + Epoll.items]
	mov [rcx + EpItem.next], rax       ; the looked-at items follow the rest
	mov qword [r15], 0
	mov [rbp + Epoll.items], rbx
.out:	mov eax, r14d
	pop rbp
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; sys_epoll_wait -- epoll_wait(epfd, events, maxevents, timeout_ms)
; sys_epoll_pwait -- epoll_pwait(epfd, events, maxevents, timeout_ms, sigmask, size)
; sys_epoll_pwait2 -- epoll_pwait2(epfd, events, maxevents, timespec *, sigmask, size)
;  IN:  EDI = epfd, RSI = events, EDX = maxevents, ECX = timeout (ms) or RCX = timespec *
;  OUT: RAX = events reported (0 when the timeout passed), or -EBADF, -EINVAL, -EFAULT
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
sys_epoll_pwait:
	call epoll_wait_mask
	jnz sys_epoll_wait.out
sys_epoll_wait:
	push rdi
	push rdx
	mov edi, ecx
	call deadline_from_ms
	pop rdx
	pop rdi
	mov rcx, rax
	jmp epoll_wait_until
.out:	ret
sys_epoll_pwait2:
	call epoll_wait_mask
	jnz .out
	push rdi
	push rsi
	push rdx
	mov rdi, rcx
	call deadline_from_timespec
	pop rdx
	pop rsi
	pop rdi
	test rax, rax
	js .out
	mov rcx, rax
	jmp epoll_wait_until
.out:	ret

; epoll_wait_mask -- the pwait calls' signal mask (R8 = sigset, R9 = size), the
; other arguments kept. OUT: RAX = 0 (ZF set) or -errno. Clobbers: RAX.
epoll_wait_mask:
	push rdi
	push rsi
	push rdx
	push rcx
	mov rdi, r8
	mov rsi, r9
	call signal_wait_mask
	pop rcx
	pop rdx
	pop rsi
	pop rdi
	test rax, rax
	ret

; -----------------------------------------------------------------------------
; epoll_wait_until -- what the epoll_wait calls share: report or wait
;  IN:  EDI = epfd, RSI = events, EDX = maxevents, RCX = deadline
;  OUT: RAX = events reported or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
epoll_wait_until:
	call net_batch_begin               ; deferred sends go now (net/socket.asm)
	test edx, edx
	jle epoll_einval
	cmp edx, 0x7fffffff / EPOLL_EVENT_SIZE
	ja epoll_einval
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rbp
	mov r12, rsi                       ; events
	mov r13d, edx                      ; maxevents
	mov r14, rcx                       ; deadline
	xor ebp, ebp                       ; 1 once the deadline has passed
	push rdi
	mov rdi, rsi
	imul esi, edx, EPOLL_EVENT_SIZE
	call check_user_write
	pop rdi
	jc .efault
	SPIN_LOCK [fs_lock]
	call fd_get
	test rax, rax
	jz .ebadf
	cmp dword [rax + File.kind], FILE_EPOLL
	jne .einval
	mov rbx, rax
	inc qword [rbx + File.refs]        ; the set stays while we wait
.look:	mov r15, [event_seq]
	mov rdi, [rbx + File.inode]
	mov rsi, r12
	mov edx, r13d
	call epoll_collect
	test eax, eax
	jnz .done
	test ebp, ebp
	jnz .done
	cmp r14, DEADLINE_NOW
	je .done
	SPIN_UNLOCK [fs_lock]
	mov rdi, r15
	mov rsi, r14
	call event_wait
	mov rdx, rax
	SPIN_LOCK [fs_lock]
	test rdx, rdx
	jz .look
	mov rax, rdx
	cmp rdx, -ERESTARTSYS              ; a signal: epoll_wait is not restarted
	jne .why                           ; after a handler ran (as Linux)
	mov rax, -ERESTARTNOHAND
.why:	cmp rdx, -ETIMEDOUT
	jne .done                          ; an interrupted wait says why
	mov ebp, 1                         ; look once more, then answer
	jmp .look
.done:	push rax
	mov rdi, rbx
	call file_put
	pop rax
	jmp .unlock
.ebadf:	mov rax, -EBADF
	jmp .unlock
.einval:
	mov rax, -EINVAL
.unlock:
	SPIN_UNLOCK [fs_lock]
	jmp .out
.efault:
	mov rax, -EFAULT
.out:	call net_batch_mark                ; several events: a batch, whose sends may wait
	pop rbp
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; epoll_release -- an epoll File is going: its items and the set go too
;  IN:  RDI = File
;  Clobbers: RAX, RCX, RDX, RSI, RDI
epoll_release:
	push rbx
	mov rbx, [rdi + File.inode]
	lea rsi, [epoll_list]              ; unlink the set
.find:	mov rax, [rsi]
	test rax, rax
	jz .items
	cmp rax, rbx
	je .unlink
	lea rsi, [rax + Epoll.next]
	jmp .find
.unlink:
	mov rax, [rbx + Epoll.next]
	mov [rsi], rax
.items:	mov rdi, [rbx + Epoll.items]
	test rdi, rdi
	jz .set
	mov rax, [rdi + EpItem.next]
	mov [rbx + Epoll.items], rax
	mov esi, EpItem_size
	call kfree
	jmp .items
.set:	mov rdi, rbx
	mov esi, Epoll_size
	call kfree
	pop rbx
	ret

; -----------------------------------------------------------------------------
; epoll_forget -- a File is going: every set drops its items on it
;  IN:  RDI = File
;  Clobbers: RAX, RCX, RDX, RSI, RDI
epoll_forget:
	push rbx
	push r12
	mov r12, rdi
	mov rbx, [epoll_list]
.set:	test rbx, rbx
	jz .out
	lea rdx, [rbx + Epoll.items]       ; the link being looked at
.item:	mov rdi, [rdx]
	test rdi, rdi
	jz .next_set
	cmp [rdi + EpItem.file], r12
	je .drop
	lea rdx, [rdi + EpItem.next]
	jmp .item
.drop:	mov rax, [rdi + EpItem.next]
	mov [rdx], rax
	push rdx
	mov esi, EpItem_size
	call kfree
	pop rdx
	jmp .item
.next_set:
	mov rbx, [rbx + Epoll.next]
	jmp .set
.out:	pop r12
	pop rbx
	ret

section .bss
alignb 8
epoll_list: resq 1        ; every Epoll, linked by Epoll.next (fs_lock)
section .text
