; The host share (/host): each call becomes one hypercall on uhyve's file ports
; (OPEN, CLOSE, READ, WRITE, LSEEK, UNLINK) or on the HOST_* ports that continue
; them. Paths go over relative to the share; the VMM resolves them beneath the
; shared directory and refuses anything that would leave it. Handles are the VMM's
; numbers (>= HOST_HANDLE_BASE), never host descriptors, and the program never
; sees them: its descriptors point at Files that hold them.
;
; All calls run under fs_lock, so one argument block (host_hc) serves every CPU.

section .text

; -----------------------------------------------------------------------------
; host_open -- OPEN
;  IN:  RDI = path relative to the share, ESI = open flags, EDX = mode
;  OUT: RAX = handle or -errno
;  Clobbers: RDX
host_open:
	mov [host_hc + HcOpen.name], rdi
	mov [host_hc + HcOpen.flags], esi
	mov [host_hc + HcOpen.mode], edx
	lea rax, [host_hc]
	HYPERCALL PORT_OPEN, eax
	movsxd rax, dword [host_hc + HcOpen.ret]
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
; host_path_call -- UNLINK, HOST_RMDIR (one path, result after it) and HOST_MKDIR
;  IN:  RDI = path
;  OUT: RAX = 0 or -errno
;  Clobbers: RDX
host_unlink:
	mov [host_hc + HcUnlink.name], rdi
	lea rax, [host_hc]
	HYPERCALL PORT_UNLINK, eax
	movsxd rax, dword [host_hc + HcUnlink.ret]
	ret

host_rmdir:
	mov [host_hc + HcRmdir.name], rdi
	lea rax, [host_hc]
	HYPERCALL PORT_HOST_RMDIR, eax
	movsxd rax, dword [host_hc + HcRmdir.ret]
	ret

;  IN:  RDI = path, ESI = mode
host_mkdir:
	mov [host_hc + HcMkdir.name], rdi
	mov [host_hc + HcMkdir.mode], esi
	lea rax, [host_hc]
	HYPERCALL PORT_HOST_MKDIR, eax
	movsxd rax, dword [host_hc + HcMkdir.ret]
	ret

; -----------------------------------------------------------------------------
; host_rename -- HOST_RENAME
;  IN:  RDI = old path, RSI = new path (both relative to the share)
;  OUT: RAX = 0 or -errno
;  Clobbers: RDX
host_rename:
	mov [host_hc + HcRename.oldname], rdi
	mov [host_hc + HcRename.newname], rsi
	lea rax, [host_hc]
	HYPERCALL PORT_HOST_RENAME, eax
	movsxd rax, dword [host_hc + HcRename.ret]
	ret

; -----------------------------------------------------------------------------
; host_stat -- HOST_STAT into the program's struct stat
;  IN:  RDI = path (0: by handle), ESI = handle, EDX = 1 for lstat, RCX = struct stat
;       (checked by the caller)
;  OUT: RAX = 0 or -errno
;  Clobbers: RCX, RDX, RDI
host_stat:
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
;  IN:  RDI = path (0: by handle), ESI = handle, RDX = length
;  OUT: RAX = 0 or -errno
;  Clobbers: RDX
host_truncate:
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
;       unchanged)
;  OUT: RAX = 0 or -errno
;  Clobbers: RDX
host_utimens:
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
