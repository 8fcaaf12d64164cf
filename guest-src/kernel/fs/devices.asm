; Character devices (/dev, made by fs/special.asm): a descriptor on one is a
; FILE_DEV File whose inode carries Linux's device number (Inode.rdev).
;
;   null     reads end of file; writes are swallowed whole
;   zero     reads zeros; writes are swallowed
;   full     reads zeros; writes fail with ENOSPC
;   random, urandom   read the host's cryptographic generator (as getrandom);
;            writes are accepted and ignored
;
; Devices have no position: lseek answers 0, pread and pwrite act as read and write.

section .text

; -----------------------------------------------------------------------------
; dev_transfer -- read or write a device node
;  IN:  RDI = inode, RSI = buffer (checked program memory or kernel memory),
;       RDX = length, R8D = 0 read, 1 write
;  OUT: RAX = bytes or -errno
;  Clobbers: RCX, RDX, RSI, RDI
dev_transfer:
	mov rax, [rdi + Inode.rdev]
	test r8d, r8d
	jnz .write
	cmp rax, DEV_NULL
	je .eof
	cmp rax, DEV_RANDOM
	je .random
	cmp rax, DEV_URANDOM
	je .random
	mov rdi, rsi                       ; zero, full: zeros
	push rdx
	call kzero
	pop rax
	ret
.eof:	xor eax, eax
	ret
.random:
	mov rcx, [gs:Percpu.self]
	lea rcx, [rcx + Percpu.hc]
	mov [rcx + HcRandom.buf], rsi
	mov [rcx + HcRandom.len], rdx
	HYPERCALL PORT_RANDOM, ecx
	mov rax, [rcx + HcRandom.ret]
	ret
.write:	cmp rax, DEV_FULL
	je .enospc
	mov rax, rdx
	ret
.enospc:
	mov rax, -ENOSPC
	ret
