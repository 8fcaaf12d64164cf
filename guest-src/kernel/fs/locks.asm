; File locks: flock(2) and fcntl's record locks, as Linux keeps them, within the
; one process the VM runs.
;
;   flock           whole-file locks owned by the open file description (File):
;                   two opens of one file conflict, dups of one descriptor do not.
;                   Released by LOCK_UN or the description's last close.
;   F_OFD_SETLK(W)  byte-range locks owned by the open file description; released
;                   likewise.
;   F_SETLK(W)      classic POSIX byte-range locks, owned by the process: they never
;                   conflict with each other (one process), only with OFD locks;
;                   closing any descriptor of the file releases them (POSIX).
;
; flock locks and fcntl locks do not see each other (as on Linux). A request that
; conflicts fails with EWOULDBLOCK (flock LOCK_NB) or EAGAIN (F_SETLK), or waits
; (flock, F_SETLKW) until a release wakes it; Linux's deadlock detection covers only
; POSIX owners, which cannot conflict here, so EDEADLK is never returned.
;
; Locks name a file by (device, inode number): RAM objects and devices (1, ino), the
; share (2, the host's inode number), the console (3, stream), any other kind of
; descriptor (4, its File). One list holds every lock;
; everything runs under fs_lock.

LOCK_SH equ 1
LOCK_EX equ 2
LOCK_NB equ 4
LOCK_UN equ 8
F_RDLCK equ 0
F_WRLCK equ 1
F_OFD_GETLK  equ 36
F_OFD_SETLK  equ 37
F_OFD_SETLKW equ 38
LOCK_FLOCK equ 1                       ; LockRec.class
LOCK_FCNTL equ 2
LOCK_POSIX_OWNER equ 1                 ; LockRec.owner of POSIX locks (the process)
EWOULDBLOCK equ EAGAIN
ENOLCK      equ 37

struc LockRec
	.next:  resq 1
	.dev:   resq 1
	.ino:   resq 1
	.owner: resq 1       ; File, or LOCK_POSIX_OWNER
	.class: resd 1       ; LOCK_FLOCK, LOCK_FCNTL
	.type:  resd 1       ; F_RDLCK, F_WRLCK
	.start: resq 1
	.end:   resq 1       ; first byte after the range (unsigned; -1: to the end of file)
endstruc

; The request being made, shared by the routines below (fs_lock held).
struc LockReq
	.dev:   resq 1
	.ino:   resq 1
	.owner: resq 1
	.class: resd 1
	.type:  resd 1
	.start: resq 1
	.end:   resq 1
endstruc

section .text

; -----------------------------------------------------------------------------
; file_key -- the (device, inode) a File's locks are kept under, into lock_req
;  IN:  RDI = File
;  OUT: RAX = 0 or -errno (the share's stat failed)
;  Clobbers: RCX, RDX, RSI, RDI
file_key:
	mov eax, [rdi + File.kind]
	cmp eax, FILE_HOST
	je .host
	cmp eax, FILE_CONSOLE
	je .console
	cmp eax, FILE_RAM
	je .inode
	cmp eax, FILE_DEV
	je .inode
	mov rax, rdi                       ; any other kind: the description itself
	mov qword [lock_req + LockReq.dev], 4
	jmp .have
.inode:	mov rax, [rdi + File.inode]
	mov rax, [rax + Inode.ino]
	mov qword [lock_req + LockReq.dev], 1
	jmp .have
.console:
	mov rax, [rdi + File.inode]
	mov qword [lock_req + LockReq.dev], 3
	jmp .have
.host:	mov esi, [rdi + File.handle]
	xor edi, edi
	xor edx, edx
	lea rcx, [stat_scratch]
	call host_stat
	test rax, rax
	js .out
	mov rax, [stat_scratch + ST_INO]
	mov qword [lock_req + LockReq.dev], 2
.have:	mov [lock_req + LockReq.ino], rax
	xor eax, eax
.out:	ret

; -----------------------------------------------------------------------------
; lock_conflict -- a lock of another owner that the request in lock_req collides with
;  OUT: RAX = the Lock, or 0
;  Clobbers: RCX
lock_conflict:
	mov rax, [lock_list]
.walk:	test rax, rax
	jz .out
	call lock_same_file
	jne .next
	mov rcx, [rax + LockRec.owner]
	cmp rcx, [lock_req + LockReq.owner]
	je .next
	call lock_overlaps
	jae .next
	cmp dword [rax + LockRec.type], F_WRLCK
	je .out
	cmp dword [lock_req + LockReq.type], F_WRLCK
	je .out
.next:	mov rax, [rax + LockRec.next]
	jmp .walk
.out:	ret

; lock_same_file: ZF set when Lock RAX is of lock_req's file and class. Clobbers RCX.
lock_same_file:
	mov rcx, [rax + LockRec.ino]
	cmp rcx, [lock_req + LockReq.ino]
	jne .out
	mov rcx, [rax + LockRec.dev]
	cmp rcx, [lock_req + LockReq.dev]
	jne .out
	mov ecx, [rax + LockRec.class]
	cmp ecx, [lock_req + LockReq.class]
.out:	ret

; lock_overlaps: CF set when Lock RAX's range meets lock_req's. Clobbers RCX.
lock_overlaps:
	mov rcx, [rax + LockRec.start]
	cmp rcx, [lock_req + LockReq.end]
	jae .no                            ; starts after the request ends
	mov rcx, [lock_req + LockReq.start]
	cmp rcx, [rax + LockRec.end]          ; CF: the request starts before it ends
	ret
.no:	clc
	ret

; -----------------------------------------------------------------------------
; lock_remove -- take lock_req's range away from its owner's locks of that file and
; class (trimming or splitting what overlaps), and wake waiters if anything went
;  OUT: RAX = 0, or -ENOLCK (no memory to split a lock)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
lock_remove:
	push rbx
	push r12
	lea rbx, [lock_list]               ; RBX = the link that points at the lock
.walk:	mov rax, [rbx]
	test rax, rax
	jz .done
	call lock_same_file
	jne .next
	mov rcx, [rax + LockRec.owner]
	cmp rcx, [lock_req + LockReq.owner]
	jne .next
	call lock_overlaps
	jae .next
	inc qword [lock_released]
	mov rcx, [rax + LockRec.start]
	cmp rcx, [lock_req + LockReq.start]
	jb .keeps_left
	mov rcx, [rax + LockRec.end]
	cmp rcx, [lock_req + LockReq.end]
	ja .keeps_right_only
	mov rcx, [rax + LockRec.next]         ; wholly inside: unlink and free
	mov [rbx], rcx
	mov rdi, rax
	mov esi, LockRec_size
	call kfree
	jmp .walk
.keeps_right_only:
	mov rcx, [lock_req + LockReq.end]
	mov [rax + LockRec.start], rcx
	jmp .next
.keeps_left:
	mov rcx, [rax + LockRec.end]
	cmp rcx, [lock_req + LockReq.end]
	jbe .left_only
	mov r12, rax                       ; both sides stay: split off the right one
	mov edi, LockRec_size
	call kmalloc
	test rax, rax
	jz .enolck
	mov rsi, r12
	mov rdi, rax
	mov ecx, LockRec_size
	rep movsb
	mov rcx, [lock_req + LockReq.end]
	mov [rax + LockRec.start], rcx
	mov [r12 + LockRec.next], rax
	mov rax, r12
.left_only:
	mov rcx, [lock_req + LockReq.start]
	mov [rax + LockRec.end], rcx
.next:	lea rbx, [rax + LockRec.next]
	jmp .walk
.done:	call lock_wake
	xor eax, eax
	jmp .out
.enolck:
	call lock_wake
	mov rax, -ENOLCK
.out:	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; lock_add -- record lock_req as a held lock (the caller found no conflict and
; removed the owner's old locks on the range)
;  OUT: RAX = 0 or -ENOLCK
;  Clobbers: RCX, RDX, RSI, RDI, R8
lock_add:
	mov edi, LockRec_size
	call kmalloc
	test rax, rax
	jz .enolck
	lea rsi, [lock_req]
	lea rdi, [rax + LockRec.dev]
	mov ecx, LockReq_size
	rep movsb
	mov rcx, [lock_list]
	mov [rax + LockRec.next], rcx
	mov [lock_list], rax
	xor eax, eax
	ret
.enolck:
	mov rax, -ENOLCK
	ret

; -----------------------------------------------------------------------------
; lock_wake -- wake every thread waiting for a lock, when some lock went away
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8, R9
lock_wake:
	cmp qword [lock_released], 0
	je .done
	mov qword [lock_released], 0
	cmp qword [lock_sleepers], 0
	je .done
	SPIN_LOCK [sched_lock]
	lea rdi, [lock_sleepers]
	mov rsi, -1
	call futex_wake_locked
	SPIN_UNLOCK [sched_lock]
.done:	ret

; -----------------------------------------------------------------------------
; lock_wait -- sleep until some lock is released (fs_lock held on entry and on
; return; released while asleep). The caller then tries again from the start.
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
lock_wait:
	inc qword [lock_sleepers]
	SPIN_LOCK [sched_lock]             ; before fs_lock goes: no release is missed
	SPIN_UNLOCK [fs_lock]
	mov rdi, [gs:Percpu.current]
	lea rax, [lock_sleepers]
	mov [rdi + Task.wait_addr], rax
	mov qword [rdi + Task.wait_result], 0
	push rdi
	lea rdi, [lock_sleepers]
	call futex_bucket
	pop rdi
	mov rcx, [rax]
	mov [rdi + Task.wait_next], rcx
	mov [rax], rdi
	mov qword [rdi + Task.state], TASK_BLOCKED
	call schedule_locked
	SPIN_LOCK [fs_lock]
	dec qword [lock_sleepers]
	ret

; -----------------------------------------------------------------------------
; lock_wait_holding -- lock_wait with a reference on the File the request is for
;  IN:  RDI = File
;  OUT: RAX = 0, or -EBADF when every descriptor of it closed meanwhile (then the
;       File is gone)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
lock_wait_holding:
	push rbx
	mov rbx, rdi
	inc qword [rbx + File.refs]
	call lock_wait
	cmp qword [rbx + File.refs], 1
	je .closed
	dec qword [rbx + File.refs]
	xor eax, eax
	pop rbx
	ret
.closed:
	mov rdi, rbx
	call file_put
	mov rax, -EBADF
	pop rbx
	ret

; -----------------------------------------------------------------------------
; file_unlock_all -- the last close of a description: its flock and OFD locks go
;  IN:  RDI = File
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
file_unlock_all:
	cmp qword [lock_list], 0
	je .done
	push rbx
	lea rbx, [lock_list]
.walk:	mov rax, [rbx]
	test rax, rax
	jz .woken
	cmp [rax + LockRec.owner], rdi
	jne .next
	mov rcx, [rax + LockRec.next]
	mov [rbx], rcx
	push rdi
	mov rdi, rax
	mov esi, LockRec_size
	call kfree
	pop rdi
	inc qword [lock_released]
	jmp .walk
.next:	lea rbx, [rax + LockRec.next]
	jmp .walk
.woken:	call lock_wake
	pop rbx
.done:	ret

; -----------------------------------------------------------------------------
; file_close_posix -- a descriptor of a file closes: the process's POSIX locks on
; that file go (POSIX's rule, whichever descriptor took them)
;  IN:  RDI = File
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
file_close_posix:
	mov rax, [lock_list]
.any:	test rax, rax
	jz .done
	cmp qword [rax + LockRec.owner], LOCK_POSIX_OWNER
	je .some
	mov rax, [rax + LockRec.next]
	jmp .any
.some:	call file_key
	test rax, rax
	js .done
	mov qword [lock_req + LockReq.owner], LOCK_POSIX_OWNER
	mov dword [lock_req + LockReq.class], LOCK_FCNTL
	mov qword [lock_req + LockReq.start], 0
	mov qword [lock_req + LockReq.end], -1
	call lock_remove
.done:	ret

LOCKED flock

; -----------------------------------------------------------------------------
; fs_flock -- flock(fd, operation)
;  IN:  EDI = fd, ESI = LOCK_SH, LOCK_EX or LOCK_UN, with LOCK_NB
;  OUT: RAX = 0, or -EBADF, -EINVAL, -EWOULDBLOCK, -ENOLCK
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_flock:
	push rbx
	push r12
	push r13
	mov r12d, esi
	call fd_get
	test rax, rax
	jz .ebadf
	mov rbx, rax
	mov eax, r12d
	and eax, ~LOCK_NB
	mov ecx, F_RDLCK
	cmp eax, LOCK_SH
	je .op
	mov ecx, F_WRLCK
	cmp eax, LOCK_EX
	je .op
	cmp eax, LOCK_UN
	jne .einval
	mov ecx, -1
.op:	mov r13d, ecx                      ; the lock type (-1: unlock)
.setup:	mov rdi, rbx                       ; (again after a sleep: lock_req is shared)
	call file_key
	test rax, rax
	js .out
	mov [lock_req + LockReq.owner], rbx
	mov dword [lock_req + LockReq.class], LOCK_FLOCK
	mov [lock_req + LockReq.type], r13d
	mov qword [lock_req + LockReq.start], 0
	mov qword [lock_req + LockReq.end], -1
	cmp r13d, -1
	je .unlock
	call lock_conflict
	test rax, rax
	jz .take
	test r12d, LOCK_NB
	jnz .ewouldblock
	mov rdi, rbx
	call lock_wait_holding
	test rax, rax
	js .out
	jmp .setup
.take:	call lock_remove                   ; a conversion replaces the old lock
	test rax, rax
	js .out
	call lock_add
	jmp .out
.unlock:
	call lock_remove
	jmp .out
.ewouldblock:
	mov rax, -EWOULDBLOCK
	jmp .out
.einval:
	mov rax, -EINVAL
	jmp .out
.ebadf:	mov rax, -EBADF
.out:	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; fcntl_lock -- F_GETLK, F_SETLK, F_SETLKW and their F_OFD_ forms
;  IN:  RDI = File, ESI = cmd, RDX = struct flock {i16 type, whence; i64 start,
;       len; i32 pid} in the program
;  OUT: RAX = 0, or -EFAULT, -EINVAL, -EBADF, -EAGAIN, -ENOLCK
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fcntl_lock:
	push rbx
	push r12
	push r13
	mov rbx, rdi
	mov r12d, esi
	mov r13, rdx
	mov rdi, rdx
	mov esi, 32
	call check_user_write
	jc .efault
	mov [lock_req + LockReq.owner], rbx
	cmp r12d, F_OFD_GETLK
	jae .ofd
	mov qword [lock_req + LockReq.owner], LOCK_POSIX_OWNER
	jmp .range
.ofd:	cmp dword [r13 + 24], 0
	jne .einval                        ; OFD requests carry l_pid 0
.range:	; The range: l_whence's base + l_start, l_len bytes (0: to the end; < 0: before).
	movzx eax, word [r13 + 2]
	xor ecx, ecx
	cmp eax, SEEK_SET
	je .base
	cmp eax, SEEK_CUR
	je .cur
	cmp eax, SEEK_END
	jne .einval
	mov edi, [rbx + File.kind]
	cmp edi, FILE_HOST
	je .host_end
	cmp edi, FILE_RAM
	jne .base                          ; (no size: the end is 0)
	mov rcx, [rbx + File.inode]
	mov rcx, [rcx + Inode.size]
	jmp .base
.host_end:
	xor edi, edi
	mov esi, [rbx + File.handle]
	xor edx, edx
	lea rcx, [stat_scratch]
	call host_stat
	test rax, rax
	js .out
	mov rcx, [stat_scratch + ST_SIZE]
	jmp .base
.cur:	mov rcx, [rbx + File.pos]
	cmp dword [rbx + File.kind], FILE_HOST
	jne .base
	mov edi, [rbx + File.handle]
	xor esi, esi
	mov edx, SEEK_CUR
	call host_lseek
	test rax, rax
	js .out
	mov rcx, rax
.base:	add rcx, [r13 + 8]                 ; start
	js .einval
	mov rax, [r13 + 16]                ; len
	test rax, rax
	jz .to_end
	js .before
	add rax, rcx
	jo .einval
	jmp .ranged
.to_end:
	mov rax, -1
	jmp .ranged
.before:
	add rax, rcx                       ; [start + len, start)
	js .einval
	xchg rax, rcx
.ranged:
	mov [lock_req + LockReq.start], rcx
	mov [lock_req + LockReq.end], rax
	movsx eax, word [r13]
	mov [lock_req + LockReq.type], eax
	mov dword [lock_req + LockReq.class], LOCK_FCNTL
	push qword [lock_req + LockReq.owner]
	mov rdi, rbx
	call file_key
	pop qword [lock_req + LockReq.owner]
	test rax, rax
	js .out
	mov eax, [lock_req + LockReq.type]
	cmp r12d, F_GETLK
	je .get
	cmp r12d, F_OFD_GETLK
	je .get
	cmp eax, F_UNLCK
	je .unlock
	cmp eax, F_WRLCK
	ja .einval
	mov rdi, rbx                       ; a read lock needs a readable descriptor,
	mov esi, eax                       ; a write lock a writable one
	call file_may
	test rax, rax
	js .out
.try:	call lock_conflict
	test rax, rax
	jz .take
	cmp r12d, F_SETLKW
	je .wait
	cmp r12d, F_OFD_SETLKW
	je .wait
	mov rax, -EAGAIN
	jmp .out
.wait:	push qword [lock_req + LockReq.start]    ; the request survives the sleep
	push qword [lock_req + LockReq.end]
	push qword [lock_req + LockReq.owner]
	push qword [lock_req + LockReq.class]    ; (class and type together)
	push qword [lock_req + LockReq.ino]
	push qword [lock_req + LockReq.dev]
	mov rdi, rbx
	call lock_wait_holding
	pop qword [lock_req + LockReq.dev]
	pop qword [lock_req + LockReq.ino]
	pop qword [lock_req + LockReq.class]
	pop qword [lock_req + LockReq.owner]
	pop qword [lock_req + LockReq.end]
	pop qword [lock_req + LockReq.start]
	test rax, rax
	js .out
	jmp .try
.take:	call lock_remove
	test rax, rax
	js .out
	call lock_add
	jmp .out
.unlock:
	call lock_remove
	jmp .out
.get:	cmp eax, F_WRLCK
	ja .einval                         ; F_UNLCK is no question
	call lock_conflict
	test rax, rax
	jz .none
	mov ecx, [rax + LockRec.type]
	mov [r13], cx
	mov word [r13 + 2], SEEK_SET
	mov rcx, [rax + LockRec.start]
	mov [r13 + 8], rcx
	mov rdx, [rax + LockRec.end]
	xor esi, esi
	cmp rdx, -1
	je .len
	mov rsi, rdx
	sub rsi, rcx
.len:	mov [r13 + 16], rsi
	mov ecx, -1                        ; an OFD owner has no pid
	cmp qword [rax + LockRec.owner], LOCK_POSIX_OWNER
	jne .pid
	mov ecx, 1
.pid:	mov [r13 + 24], ecx
	xor eax, eax
	jmp .out
.none:	mov word [r13], F_UNLCK
	xor eax, eax
	jmp .out
.efault:
	mov rax, -EFAULT
	jmp .out
.ebadf:	mov rax, -EBADF
	jmp .out
.einval:
	mov rax, -EINVAL
.out:	pop r13
	pop r12
	pop rbx
	ret

section .bss
alignb 8
lock_list:     resq 1      ; every held lock
lock_sleepers: resq 1      ; threads in lock_wait (also the address they wait on)
lock_released: resq 1      ; locks removed since the last wake
lock_req:      resb LockReq_size
section .text
