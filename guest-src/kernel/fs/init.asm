; File-system system calls: what they share (Linux x86-64 ABI and errno semantics,
; so musl's stdio, dirent and POSIX file functions work unchanged). The calls
; themselves are in fs/sys_open.asm, sys_rw.asm, sys_meta.asm, sys_dir.asm and
; sys_names.asm.
;
; Locking: one lock, fs_lock, is held for the whole of every call below; the sys_fs_*
; entry points take it and call the fs_* body. System calls run with IF off and
; nothing here waits, so the lock is never held across a block. The console is the
; exception: read and write on a console descriptor go to sys/console.asm without
; the lock (console Files are static, so looking at one needs no lock).
; Every fs_* body has the System V convention: arguments in RDI, RSI, RDX, RCX, R8
; (the call's own order), result or -errno in RAX.
;
; The plain calls (open, stat, mkdir, ...) are the *at calls with AT_FDCWD.

AT_SYMLINK_NOFOLLOW equ 0x100
AT_REMOVEDIR        equ 0x200
AT_SYMLINK_FOLLOW   equ 0x400
AT_NO_AUTOMOUNT     equ 0x800
AT_EMPTY_PATH       equ 0x1000
SEEK_SET equ 0
SEEK_CUR equ 1
SEEK_END equ 2
F_DUPFD  equ 0
F_GETFD  equ 1
F_SETFD  equ 2
F_GETFL  equ 3
F_SETFL  equ 4
F_GETLK  equ 5
F_SETLK  equ 6
F_SETLKW equ 7
F_DUPFD_CLOEXEC equ 1030
F_UNLCK  equ 2

section .text

; LOCKED name -- sys_fs_<name>: fs_<name> under fs_lock (arguments pass through)
%macro LOCKED 1
sys_fs_%1:
	SPIN_LOCK [fs_lock]
	call fs_%1
	SPIN_UNLOCK [fs_lock]
	ret
%endmacro

; -----------------------------------------------------------------------------
; init_fs -- the root directory, /host when the VMM shares a directory, the
; console descriptors and the --preload tree
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
init_fs:
	push rbx
	mov edi, CLOCK_REALTIME            ; one clock reading for the whole boot tree
	call clock_now                     ; (before the TSC rate is known, each is an exit)
	mov [fs_boot_time], rax
	mov edi, S_IFDIR | 0o755
	call inode_new
	test rax, rax
	jz .nomem
	mov [root_inode], rax
	mov [rax + Inode.parent], rax
	mov dword [rax + Inode.refs], 1    ; held by the working directory
	mov [cwd_inode], rax
	mov dword [umask_value], 0o022
	lea rax, [console_files]
	mov [fd_table], rax
	add rax, File_size
	mov [fd_table + 8], rax
	add rax, File_size
	mov [fd_table + 16], rax
	call special_init                  ; /dev, /proc, /tmp, /etc
	call shares_mount                  ; the --share mount points
	call preload_unpack
	call special_etc                   ; /etc's files, where --preload left gaps
	mov qword [fs_boot_time], 0
	pop rbx
	ret
.nomem:	lea rsi, [msg_fs_nomem]
	call kprint_cstr
	mov eax, STATUS_CANNOT_START
	mov edx, PORT_PANIC
	out dx, eax
	hlt

section .bss
alignb 8
fs_lock:      resq 1
umask_value:  resd 1
alignb 8
stat_scratch: resb STAT_SIZE
section .rodata
dot_names:    db '..', 0
msg_fs_nomem: db 'kernel: no memory for the file system', 10, 0
section .text
