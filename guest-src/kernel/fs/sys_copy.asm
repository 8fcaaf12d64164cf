; Copies inside the kernel: sendfile and copy_file_range. The bytes pass through a
; kernel buffer (copy_bounce) a chunk at a time, read with file_transfer from the
; source and written with file_transfer (or to the console) to the destination, so
; any readable file can feed any writable one. All under fs_lock (fs/init.asm); one
; call moves at most 1 MiB, so the lock is never held for long.

COPY_CHUNK equ 16384
COPY_MAX   equ 1 << 20                 ; the most one call moves: fs_lock is held throughout
                                       ; (a short count, which callers loop over)

section .text

LOCKED sendfile

; -----------------------------------------------------------------------------
; fs_sendfile -- sendfile(out_fd, in_fd, offset, count): offset 0 reads at in_fd's
; position (which advances); else at *offset, which advances instead
;  IN:  EDI = out_fd, ESI = in_fd, RDX = offset pointer or 0, RCX = count
;  OUT: RAX = bytes copied or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_sendfile:
	push rbx
	push r12
	push r13
	mov r12, rdx
	mov r13, rcx
	push rdi
	mov edi, esi
	call fd_get
	pop rdi
	test rax, rax
	jz .ebadf
	mov rbx, rax                       ; the source
	call fd_get
	test rax, rax
	jz .ebadf
	mov [copy_out], rax
	mov [copy_in], rbx
	mov rdi, rbx
	xor esi, esi
	call file_may
	test rax, rax
	js .out
	mov rdi, [copy_out]
	mov esi, 1
	call file_may
	test rax, rax
	js .out
	mov rdi, [copy_out]
	test dword [rdi + File.flags], O_APPEND
	jnz .einval
	mov eax, [rbx + File.kind]         ; a source with data: no console, no directory
	cmp eax, FILE_CONSOLE
	je .einval
	mov rdi, rbx
	call copy_source_is_dir
	jc .einval
	mov qword [copy_in_off], -1
	mov qword [copy_out_off], -1
	test r12, r12
	jz .go
	mov rdi, r12
	mov esi, 8
	call check_user_write
	jc .efault
	mov rax, [r12]
	test rax, rax
	js .einval
	mov [copy_in_off], rax
.go:	mov rdi, r13
	call copy_files
	test r12, r12
	jz .out
	mov rcx, [copy_in_off]
	mov [r12], rcx
	jmp .out
.ebadf:	mov rax, -EBADF
	jmp .out
.efault:
	mov rax, -EFAULT
	jmp .out
.einval:
	mov rax, -EINVAL
.out:	pop r13
	pop r12
	pop rbx
	ret

LOCKED copy_file_range

; -----------------------------------------------------------------------------
; fs_copy_file_range -- copy_file_range(fd_in, off_in, fd_out, off_out, len, flags):
; between regular files (RAM or /host, in any pairing); each offset pointer, when
; given, is used and advanced instead of that file's position
;  IN:  EDI = fd_in, RSI = off_in or 0, EDX = fd_out, RCX = off_out or 0, R8 = len,
;       R9D = flags (none defined: 0)
;  OUT: RAX = bytes copied or -errno
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
fs_copy_file_range:
	push rbx
	push r12
	push r13
	push r14
	mov r12, rsi
	mov r13, rcx
	mov r14, r8
	test r9d, r9d
	jnz .einval
	push rdx
	call fd_get
	pop rdi
	test rax, rax
	jz .ebadf
	mov [copy_in], rax
	call fd_get
	test rax, rax
	jz .ebadf
	mov [copy_out], rax
	mov rdi, [copy_in]
	xor esi, esi
	call file_may
	test rax, rax
	js .out
	mov rdi, [copy_out]
	mov esi, 1
	call file_may
	test rax, rax
	js .out
	mov rdi, [copy_out]
	test dword [rdi + File.flags], O_APPEND
	jnz .ebadf
	mov rdi, [copy_in]
	call copy_regular
	jc .einval
	mov rdi, [copy_out]
	call copy_regular
	jc .einval
	mov qword [copy_in_off], -1
	mov qword [copy_out_off], -1
	mov rdi, r12
	lea rsi, [copy_in_off]
	call .offset
	js .out
	mov rdi, r13
	lea rsi, [copy_out_off]
	call .offset
	js .out
	mov rax, [copy_in]                 ; one RAM file into itself: the ranges may not meet
	cmp rax, [copy_out]
	jne .go
	cmp dword [rax + File.kind], FILE_RAM
	jne .go
	mov rcx, [copy_in_off]
	cmp rcx, -1
	jne .in_at
	mov rcx, [rax + File.pos]
.in_at:	mov rdx, [copy_out_off]
	cmp rdx, -1
	jne .out_at
	mov rdx, [rax + File.pos]
.out_at:
	mov r8, rcx                        ; overlap: in < out + len and out < in + len
	sub r8, rdx
	jns .dist
	neg r8
.dist:	cmp r8, r14
	jb .einval
.go:	mov rdi, r14
	call copy_files
	test r12, r12
	jz .no_in
	mov rcx, [copy_in_off]
	mov [r12], rcx
.no_in:	test r13, r13
	jz .out
	mov rcx, [copy_out_off]
	mov [r13], rcx
	jmp .out
.ebadf:	mov rax, -EBADF
	jmp .out
.einval:
	mov rax, -EINVAL
.out:	pop r14
	pop r13
	pop r12
	pop rbx
	ret
; .offset: RDI = the program's offset pointer or 0, RSI = where its value goes.
; RAX = 0 (SF clear) or -EFAULT / -EINVAL (SF set).
.offset:
	xor eax, eax
	test rdi, rdi
	jz .offset_done
	push rsi
	mov esi, 8
	call check_user_write
	pop rsi
	jc .offset_efault
	mov rax, [rdi]
	test rax, rax
	js .offset_einval
	mov [rsi], rax
	xor eax, eax
.offset_done:
	test rax, rax
	ret
.offset_efault:
	mov rax, -EFAULT
	test rax, rax
	ret
.offset_einval:
	mov rax, -EINVAL
	test rax, rax
	ret

; -----------------------------------------------------------------------------
; copy_source_is_dir -- CF set when a File is a RAM directory
;  IN:  RDI = File
;  Clobbers: RAX
copy_source_is_dir:
	cmp dword [rdi + File.kind], FILE_RAM
	jne .no
	mov rax, [rdi + File.inode]
	mov eax, [rax + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFDIR
	jne .no
	stc
	ret
.no:	clc
	ret

; -----------------------------------------------------------------------------
; copy_regular -- CF clear when a File is a regular file copy_file_range takes (a
; RAM regular file, or any /host file: the host refuses directories itself)
;  IN:  RDI = File
;  Clobbers: RAX
copy_regular:
	cmp dword [rdi + File.kind], FILE_HOST
	je .yes
	cmp dword [rdi + File.kind], FILE_RAM
	jne .no
	mov rax, [rdi + File.inode]
	mov eax, [rax + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFREG
	jne .no
.yes:	clc
	ret
.no:	stc
	ret

; -----------------------------------------------------------------------------
; copy_files -- move up to count bytes from copy_in to copy_out, at copy_in_off and
; copy_out_off (-1: the file's position), advancing whichever is used
;  IN:  RDI = count
;  OUT: RAX = bytes moved, or -errno when none could be
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
copy_files:
	push rbx
	push r12
	push r13
	mov r12, rdi
	mov rax, COPY_MAX
	cmp r12, rax
	jbe .sized
	mov r12, rax
.sized:	xor ebx, ebx                       ; moved so far
.chunk:	cmp rbx, r12
	jae .done
	mov rdx, r12
	sub rdx, rbx
	cmp rdx, COPY_CHUNK
	jbe .read
	mov edx, COPY_CHUNK
.read:	mov rdi, [copy_in]
	lea rsi, [copy_bounce]
	mov rcx, [copy_in_off]
	xor r8d, r8d
	call file_transfer
	test rax, rax
	jz .done                           ; end of the source
	js .failed
	mov r13, rax                       ; bytes in the buffer
	call copy_put
	test rax, rax
	js .unread_all
	cmp qword [copy_in_off], -1
	je .in_pos
	add [copy_in_off], rax
.in_pos:
	add rbx, rax
	cmp rax, r13
	je .chunk
	sub r13, rax                       ; a short write: the rest was not copied
	mov rdi, r13
	call copy_unread
	jmp .done
.unread_all:
	push rax
	mov rdi, r13
	call copy_unread
	pop rax
.failed:
	test rbx, rbx
	jz .out
.done:	mov rax, rbx
.out:	pop r13
	pop r12
	pop rbx
	ret

; copy_put: write R13 bytes of copy_bounce to copy_out (at copy_out_off, advanced).
; RAX = bytes written or -errno. Clobbers RCX, RDX, RSI, RDI, R8-R11.
copy_put:
	mov rdi, [copy_out]
	cmp dword [rdi + File.kind], FILE_CONSOLE
	je .console
	lea rsi, [copy_bounce]
	mov rdx, r13
	mov rcx, [copy_out_off]
	mov r8d, 1
	call file_transfer
	test rax, rax
	jle .out
	cmp qword [copy_out_off], -1
	je .out
	add [copy_out_off], rax
.out:	ret
.console:
	mov rax, [rdi + File.inode]        ; the stream: stdout and stderr take writes
	lea ecx, [rax - 1]
	cmp ecx, 1
	ja .ebadf
	mov rcx, [gs:Percpu.self]
	lea rcx, [rcx + Percpu.hc]
	mov [rcx + HcWrite.fd], eax
	lea rax, [copy_bounce]
	mov [rcx + HcWrite.buf], rax
	mov [rcx + HcWrite.len], r13
	HYPERCALL PORT_WRITE, ecx
	mov rax, [rcx + HcWrite.len]
	ret
.ebadf:	mov rax, -EBADF
	ret

; copy_unread: RDI = bytes read from copy_in but not written: its position moves
; back over them (when the position was used). Clobbers RAX, RCX, RDX, RSI, RDI.
copy_unread:
	cmp qword [copy_in_off], -1
	jne .done
	mov rax, [copy_in]
	cmp dword [rax + File.kind], FILE_RAM
	je .ram
	cmp dword [rax + File.kind], FILE_HOST
	jne .done
	mov rsi, rdi
	neg rsi
	mov edi, [rax + File.handle]
	mov edx, SEEK_CUR
	jmp host_lseek
.ram:	sub [rax + File.pos], rdi
.done:	ret

section .bss
alignb 8
copy_in:      resq 1
copy_out:     resq 1
copy_in_off:  resq 1
copy_out_off: resq 1
alignb 64
copy_bounce:  resb COPY_CHUNK
section .text
