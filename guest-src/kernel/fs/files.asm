; Open files and the descriptor table.
;
; A descriptor indexes fd_table, which points at a File (an open file description:
; what it refers to, the offset and the status flags). dup and fork-free sharing
; make several descriptors point at one File; refs counts them. Three static Files
; are the console streams and sit at fds 0, 1 and 2 from boot; duplicating one
; gives another descriptor on the same stream.

FD_MAX       equ 1024
FILE_CONSOLE equ 0                     ; File.kind: File.inode is the stream (0, 1, 2)
FILE_RAM     equ 1                     ; File.inode is a RAM file system inode
FILE_HOST    equ 2                     ; File.handle is a host-share handle
FILE_PIPE    equ 3                     ; File.inode is a Pipe (fs/pipe.asm); O_RDONLY: the read end
FILE_EVENTFD equ 4                     ; File.inode is an Eventfd (fs/eventfd.asm)
FILE_EPOLL   equ 5                     ; File.inode is an Epoll (sys/epoll.asm)
FILE_SOCKET  equ 6                     ; File.handle is the VMM's socket, File.inode its NetState (net/)
FILE_DEV     equ 16                    ; File.inode is a character device (fs/devices.asm)

O_ACCMODE   equ 3
O_RDONLY    equ 0
O_WRONLY    equ 1
O_RDWR      equ 2
O_CREAT     equ 0x40
O_EXCL      equ 0x80
O_TRUNC     equ 0x200
O_APPEND    equ 0x400
O_NONBLOCK  equ 0x800
O_DIRECTORY equ 0x10000
O_NOFOLLOW  equ 0x20000
O_CLOEXEC   equ 0x80000
O_PATH      equ 0x200000
O_TMPFILE   equ 0x410000

struc File
	.kind:   resd 1
	.flags:  resd 1      ; open flags (access mode, O_APPEND, O_NONBLOCK ...)
	.refs:   resq 1      ; descriptors pointing here
	.inode:  resq 1      ; RAM inode, or the console stream number
	.pos:    resq 1      ; offset (directories: the next entry's cookie)
	.handle: resq 1      ; host-share handle
	.dnext:  resq 1      ; directory cursor: the entry at .pos, valid while .dgen matches
	.dgen:   resq 1
	.hpath:  resq 1      ; share file: its path in the share (kmalloc), for *at calls
	.mount:  resq 1      ; share file: its share's mount point (Inode.share, INODE_SHARE_RO)
endstruc

section .text

; -----------------------------------------------------------------------------
; fd_get -- the File behind a descriptor
;  IN:  EDI = fd
;  OUT: RAX = File, or 0 when fd is not open (negative fds included)
fd_get:
	cmp edi, FD_MAX
	jae .none
	mov eax, edi
	mov rax, [fd_table + rax * 8]
	ret
.none:	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; fd_alloc -- install a File at the lowest free descriptor >= min
;  IN:  EDI = min, RSI = File (its reference passes to the table), EDX = O_CLOEXEC or 0
;  OUT: RAX = fd, or -EMFILE (-EINVAL when min is out of range)
;  Clobbers: RCX
fd_alloc:
	cmp edi, FD_MAX
	jae .einval
	mov eax, edi
.scan:	cmp qword [fd_table + rax * 8], 0
	je .free
	inc eax
	cmp eax, FD_MAX
	jb .scan
	mov rax, -EMFILE
	ret
.free:	mov [fd_table + rax * 8], rsi
	xor ecx, ecx
	test edx, O_CLOEXEC
	setnz cl
	mov [fd_cloexec + rax], cl
	ret
.einval:
	mov rax, -EINVAL
	ret

; -----------------------------------------------------------------------------
; file_new -- a File with one reference
;  IN:  EDI = kind, ESI = open flags
;  OUT: RAX = File, or 0 when memory ran out
;  Clobbers: RCX, RDX, RSI, RDI, R8
file_new:
	push rbx
	push r12
	mov ebx, edi
	mov r12d, esi
	mov edi, File_size
	call kmalloc
	test rax, rax
	jz .out
	mov [rax + File.kind], ebx
	mov [rax + File.flags], r12d
	mov qword [rax + File.refs], 1
.out:	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; file_put -- drop one reference; the last one closes the file (and every epoll set
; watching it forgets it)
;  IN:  RDI = File
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8
file_put:
	dec qword [rdi + File.refs]
	jnz .done
	push rbx
	mov rbx, rdi
	call epoll_forget
	mov rdi, rbx
	call file_unlock_all               ; flock and OFD locks go with the description
	mov rdi, rbx
	mov eax, [rbx + File.kind]
	cmp eax, FILE_PIPE
	jne .not_pipe
	call pipe_release
	jmp .free
.not_pipe:
	cmp eax, FILE_EVENTFD
	jne .not_eventfd
	call eventfd_release
	jmp .free
.not_eventfd:
	cmp eax, FILE_EPOLL
	jne .not_epoll
	call epoll_release
	jmp .free
.not_epoll:
	cmp eax, FILE_SOCKET
	jne .not_socket
	call net_release
	jmp .free
.not_socket:
	cmp eax, FILE_RAM
	je .inode
	cmp eax, FILE_DEV
	jne .not_ram
.inode:	mov rdi, [rbx + File.inode]
	dec dword [rdi + Inode.refs]
	call inode_release                 ; an unlinked file goes away here
	jmp .free
.not_ram:
	cmp eax, FILE_HOST
	jne .free
	mov edi, [rbx + File.handle]
	call host_close
	mov rdi, [rbx + File.hpath]
	call kfree_string
.free:	mov rdi, rbx
	mov esi, File_size
	call kfree
	pop rbx
.done:	ret

; -----------------------------------------------------------------------------
; kstrdup -- a kmalloc'd copy of a NUL-terminated kernel string
;  IN:  RSI = string
;  OUT: RAX = copy, or 0
;  Clobbers: RCX, RDX, RSI, RDI, R8
kstrdup:
	push rbx
	push r12
	mov r12, rsi
	xor ebx, ebx
.len:	cmp byte [r12 + rbx], 0
	je .measured
	inc rbx
	jmp .len
.measured:
	lea rdi, [rbx + 1]
	call kmalloc
	test rax, rax
	jz .out
	mov rdi, rax
	mov rsi, r12
	lea rcx, [rbx + 1]
	rep movsb
.out:	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; kfree_string -- free a string from kstrdup (0 is ignored)
;  IN:  RDI = string
;  Clobbers: RAX, RCX, RDX, RSI, RDI
kfree_string:
	test rdi, rdi
	jz .done
	xor esi, esi
.len:	cmp byte [rdi + rsi], 0
	je .measured
	inc rsi
	jmp .len
.measured:
	inc rsi
	jmp kfree
.done:	ret

; -----------------------------------------------------------------------------
; console_of -- the console stream behind a descriptor, if it is one
;  IN:  EDI = fd
;  OUT: RAX = stream (0, 1, 2), or -1
;  Clobbers: RCX
console_of:
	cmp edi, FD_MAX
	jae .no
	mov eax, edi
	mov rax, [fd_table + rax * 8]
	lea rcx, [console_files]
	sub rax, rcx
	cmp rax, 3 * File_size             ; (also catches a closed slot: 0 - base wraps high)
	jae .no
	mov rax, [rcx + rax + File.inode]
	ret
.no:	mov rax, -1
	ret

section .data
align 8
console_files:                         ; File for each console stream, never freed
%assign stream 0
%rep 3
	dd FILE_CONSOLE, O_RDWR            ; (a terminal opens read-write)
	dq 1 << 40, stream, 0, 0, 0, 0, 0, 0
%assign stream stream + 1
%endrep

section .bss
alignb 8
fd_table:   resq FD_MAX
fd_cloexec: resb FD_MAX
section .text
