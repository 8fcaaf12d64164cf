; The host shares: each call becomes one hypercall on uhyve's file ports (OPEN,
; CLOSE, READ, WRITE, LSEEK, UNLINK) or on the HOST_* ports that continue them.
; Paths go over relative to their share, with the share's index (Inode.share of
; its mount point, fs/shares.asm); the VMM resolves them beneath that share's
; directory and refuses anything that would leave it. Handles are the VMM's
; numbers (>= HOST_HANDLE_BASE, one numbering for all shares), never host
; descriptors, and the program never sees them: its descriptors point at Files
; that hold them.
;
; Every routine that takes a path, or changes a share, takes the share's mount
; point in R9; one that would change a read-only share returns -EROFS without a
; hypercall.
;
; All calls run under fs_lock, so one argument block (host_hc) serves every CPU.

section .text

; -----------------------------------------------------------------------------
; host_open -- OPEN
;  On a read-only share, write access and O_TRUNC are EROFS; O_CREAT opens what
;  exists (O_EXCL: EEXIST) and is EROFS where it would create, as on Linux.
;  IN:  RDI = path relative to the share, ESI = open flags, EDX = mode, R9 = mount
;  OUT: RAX = handle or -errno
;  Clobbers: RDX, RSI
host_open:
	mov eax, [r9 + Inode.share]
	mov [host_hc + HcOpen.share], eax
	mov [host_hc + HcOpen.name], rdi
	mov [host_hc + HcOpen.mode], edx
	test dword [r9 + Inode.flags], INODE_SHARE_RO
	jnz .read_only
.open:	mov [host_hc + HcOpen.flags], esi
	lea rax, [host_hc]
	HYPERCALL PORT_OPEN, eax
	movsxd rax, dword [host_hc + HcOpen.ret]
	ret
.read_only:
	test esi, O_ACCMODE | O_TRUNC
	jnz host_erofs
	test esi, O_CREAT
	jz .open
	push rsi
	and esi, ~(O_CREAT | O_EXCL)
	call .open
	pop rsi
	cmp rax, -ENOENT
	je host_erofs
	test rax, rax
	js .out
	test esi, O_EXCL
	jz .out
	push rdi
	mov edi, eax
	call host_close
	pop rdi
	mov rax, -EEXIST
.out:	ret

; host_erofs -- the answer of every change to a read-only share
host_erofs:
	mov rax, -EROFS
	ret

; -----------------------------------------------------------------------------
; host_close -- CLOSE
;  IN:  EDI = handle
;  OUT: RAX = 0 or -errno
;  Clobbers: RDX
host_close:
	mov [host_hc + HcClose.fd], edi
	lea rax, [host_hc]
	HYPERCALL PORT_CLOSE, eax
	movsxd rax, dword [host_hc + HcClose.ret]
	ret

; -----------------------------------------------------------------------------
; host_read / host_write -- READ / WRITE at the handle's own offset
;  IN:  EDI = handle, RSI = buffer (checked by the caller), RDX = length
;  OUT: RAX = bytes or -errno
;  Clobbers: RDX
host_read:
	mov [host_hc + HcRead.fd], edi
	mov [host_hc + HcRead.buf], rsi
	mov [host_hc + HcRead.len], rdx
	lea rax, [host_hc]
	HYPERCALL PORT_READ, eax
	mov rax, [host_hc + HcRead.ret]
	ret

host_write:
	mov [host_hc + HcWrite.fd], edi
	mov [host_hc + HcWrite.buf], rsi
	mov [host_hc + HcWrite.len], rdx
	lea rax, [host_hc]
	HYPERCALL PORT_WRITE, eax
	mov rax, [host_hc + HcWrite.len]
	ret

; -----------------------------------------------------------------------------
; host_lseek -- LSEEK
;  IN:  EDI = handle, RSI = offset, EDX = whence
;  OUT: RAX = new offset or -errno
;  Clobbers: RDX
host_lseek:
	mov [host_hc + HcLseek.fd], edi
	mov [host_hc + HcLseek.offset], rsi
	mov [host_hc + HcLseek.whence], edx
	lea rax, [host_hc]
	HYPERCALL PORT_LSEEK, eax
	mov rax, [host_hc + HcLseek.offset]
	ret

; -----------------------------------------------------------------------------
; host_unlink, host_rmdir, host_mkdir -- UNLINK, HOST_RMDIR and HOST_MKDIR
;  IN:  RDI = path, R9 = mount
;  OUT: RAX = 0 or -errno
;  Clobbers: RDX
host_unlink:
	test dword [r9 + Inode.flags], INODE_SHARE_RO
	jnz host_erofs
	mov eax, [r9 + Inode.share]
	mov [host_hc + HcUnlink.share], eax
	mov [host_hc + HcUnlink.name], rdi
	lea rax, [host_hc]
	HYPERCALL PORT_UNLINK, eax
	movsxd rax, dword [host_hc + HcUnlink.ret]
	ret

host_rmdir:
	test dword [r9 + Inode.flags], INODE_SHARE_RO
	jnz host_erofs
	mov eax, [r9 + Inode.share]
	mov [host_hc + HcRmdir.share], eax
	mov [host_hc + HcRmdir.name], rdi
	lea rax, [host_hc]
	HYPERCALL PORT_HOST_RMDIR, eax
	movsxd rax, dword [host_hc + HcRmdir.ret]
	ret

;  IN:  RDI = path, ESI = mode, R9 = mount
host_mkdir:
	test dword [r9 + Inode.flags], INODE_SHARE_RO
	jnz host_erofs
	mov eax, [r9 + Inode.share]
	mov [host_hc + HcMkdir.share], eax
	mov [host_hc + HcMkdir.name], rdi
	mov [host_hc + HcMkdir.mode], esi
	lea rax, [host_hc]
	HYPERCALL PORT_HOST_MKDIR, eax
	movsxd rax, dword [host_hc + HcMkdir.ret]
	ret

; -----------------------------------------------------------------------------
; host_rename -- HOST_RENAME
;  IN:  RDI = old path, RSI = new path (both relative to the share), R9 = mount
;  OUT: RAX = 0 or -errno
;  Clobbers: RDX
host_rename:
	test dword [r9 + Inode.flags], INODE_SHARE_RO
	jnz host_erofs
	mov eax, [r9 + Inode.share]
	mov [host_hc + HcRename.share], eax
	mov [host_hc + HcRename.oldname], rdi
	mov [host_hc + HcRename.newname], rsi
	lea rax, [host_hc]
	HYPERCALL PORT_HOST_RENAME, eax
	movsxd rax, dword [host_hc + HcRename.ret]
	ret

; -----------------------------------------------------------------------------
; host_stat -- HOST_STAT into the program's struct stat
;  IN:  RDI = path (0: by handle), ESI = handle, EDX = 1 for lstat, RCX = struct stat
;       (checked by the caller), R9 = mount (by path only)
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RDI
host_stat:
	test rdi, rdi
	jz .by_handle
	mov eax, [r9 + Inode.share]
	mov [host_hc + HcStat.share], eax
.by_handle:
	mov [host_hc + HcStat.name], rdi
	mov [host_hc + HcStat.fd], esi
	mov [host_hc + HcStat.flags], edx
	lea rax, [host_hc]
	HYPERCALL PORT_HOST_STAT, eax
	movsxd rax, dword [host_hc + HcStat.ret]
	test rax, rax
	jnz .done
	mov rdi, rcx
	push rdi
	mov edx, STAT_SIZE
	call kzero
	pop rdi
	mov qword [rdi + ST_DEV], 2        ; the share is device 2, the RAM file system 1
	mov rax, [host_hc + HcStat.ino]
	mov [rdi + ST_INO], rax
	mov eax, [host_hc + HcStat.nlink]
	mov [rdi + ST_NLINK], rax
	mov eax, [host_hc + HcStat.mode]
	mov [rdi + ST_MODE], eax
	mov rax, [host_hc + HcStat.size]
	mov [rdi + ST_SIZE], rax
	mov qword [rdi + ST_BLKSIZE], PAGE_SIZE
	mov rax, [host_hc + HcStat.blocks]
	mov [rdi + ST_BLOCKS], rax
	mov rax, [host_hc + HcStat.atime_ns]
	lea rdx, [rdi + ST_ATIME]
	call store_timespec
	mov rax, [host_hc + HcStat.mtime_ns]
	lea rdx, [rdi + ST_MTIME]
	call store_timespec
	mov rax, [host_hc + HcStat.ctime_ns]
	lea rdx, [rdi + ST_CTIME]
	call store_timespec
	xor eax, eax
.done:	ret

; store_timespec -- RAX = nanoseconds -> {seconds, nanoseconds} at RDX. Clobbers RAX, RCX, RDX.
store_timespec:
	push rdx
	xor edx, edx
	mov ecx, 1000000000
	div rcx
	pop rcx
	mov [rcx], rax
	mov [rcx + 8], rdx
	ret

; -----------------------------------------------------------------------------
; host_getdents -- HOST_GETDENTS: linux_dirent64 records from a directory handle
;  IN:  EDI = handle, RSI = buffer (checked by the caller), RDX = length
;  OUT: RAX = bytes or -errno
;  Clobbers: RDX
host_getdents:
	mov [host_hc + HcGetdents.fd], edi
	mov [host_hc + HcGetdents.buf], rsi
	mov [host_hc + HcGetdents.len], rdx
	lea rax, [host_hc]
	HYPERCALL PORT_HOST_GETDENTS, eax
	mov rax, [host_hc + HcGetdents.ret]
	ret

; -----------------------------------------------------------------------------
; host_truncate -- HOST_FTRUNCATE
;  IN:  RDI = path (0: by handle), ESI = handle, RDX = length, R9 = mount
;  OUT: RAX = 0 or -errno
;  Clobbers: RDX
host_truncate:
	test dword [r9 + Inode.flags], INODE_SHARE_RO
	jnz host_erofs
	mov eax, [r9 + Inode.share]
	mov [host_hc + HcFtruncate.share], eax
	mov [host_hc + HcFtruncate.name], rdi
	mov [host_hc + HcFtruncate.fd], esi
	mov [host_hc + HcFtruncate.length], rdx
	lea rax, [host_hc]
	HYPERCALL PORT_HOST_FTRUNCATE, eax
	movsxd rax, dword [host_hc + HcFtruncate.ret]
	ret

; -----------------------------------------------------------------------------
; host_utimens -- HOST_UTIMENS: set a share object's access and modification times
;  IN:  RDI = path (0: by handle), ESI = handle, EDX = 1 not to follow a final link,
;       RCX = access time, R8 = modification time (ns since the epoch; TIME_OMIT:
;       unchanged), R9 = mount
;  OUT: RAX = 0 or -errno
;  Clobbers: RDX
host_utimens:
	test dword [r9 + Inode.flags], INODE_SHARE_RO
	jnz host_erofs
	mov eax, [r9 + Inode.share]
	mov [host_hc + HcUtimens.share], eax
	mov [host_hc + HcUtimens.name], rdi
	mov [host_hc + HcUtimens.fd], esi
	mov [host_hc + HcUtimens.flags], edx
	mov [host_hc + HcUtimens.atime_ns], rcx
	mov [host_hc + HcUtimens.mtime_ns], r8
	lea rax, [host_hc]
	HYPERCALL PORT_HOST_UTIMENS, eax
	movsxd rax, dword [host_hc + HcUtimens.ret]
	ret

; -----------------------------------------------------------------------------
; host_sync -- HOST_FSYNC: flush a handle's file (or its file system) to the disk
;  IN:  EDI = handle, ESI = 0 (fsync), HOST_SYNC_DATA (fdatasync), HOST_SYNC_FS (syncfs)
;  OUT: RAX = 0 or -errno
;  Clobbers: RDX
host_sync:
	mov [host_hc + HcFsync.fd], edi
	mov [host_hc + HcFsync.op], esi
	lea rax, [host_hc]
	HYPERCALL PORT_HOST_FSYNC, eax
	movsxd rax, dword [host_hc + HcFsync.ret]
	ret

section .bss
alignb 64
host_hc: resb 128                      ; argument block of every host-share hypercall
section .text
