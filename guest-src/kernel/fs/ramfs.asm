; The RAM file system: inodes, directories and file data, all in guest RAM.
;
;   Inode (160 bytes, kmalloc)   mode, link count, open references, number, size,
;                                times, device number, owner, then by type: a directory's hash index, a file's
;                                page tree, a symbolic link's target.
;   Dent  (56 + name + 1 bytes)  one name in a directory: in a hash chain (lookups
;                                cost one bucket) and in a doubly linked list in
;                                creation order (getdents walks it; each entry has a
;                                cookie that never changes, so a listing survives
;                                unlinks between calls).
;   File data                    4 KiB pages from the page allocator: 8 direct
;                                pointers, one indirect page (512 pages), one double
;                                indirect page (512 x 512): files up to ~1 GiB. An
;                                absent pointer is a hole that reads as zeros. Bytes
;                                of a page past the end of file are always zero (a
;                                truncate clears them), so growing a file never
;                                shows old data.
;
; An inode lives while it has a name (nlink) or an open reference (refs): an
; unlinked file stays readable through its descriptors until the last close.
; Every routine here runs under fs_lock (fs/init.asm).

S_IFMT   equ 0xf000
S_IFDIR  equ 0x4000
S_IFREG  equ 0x8000
S_IFLNK  equ 0xa000
S_IFCHR  equ 0x2000
S_IFIFO  equ 0x1000
NAME_MAX equ 255
EOPNOTSUPP equ 95

; struct stat (x86-64 Linux): offsets of the fields the kernel fills.
ST_DEV     equ 0
ST_INO     equ 8
ST_NLINK   equ 16
ST_MODE    equ 24
ST_UID     equ 28
ST_GID     equ 32
ST_RDEV    equ 40
ST_SIZE    equ 48
ST_BLKSIZE equ 56
ST_BLOCKS  equ 64
ST_ATIME   equ 72
ST_MTIME   equ 88
ST_CTIME   equ 104
STAT_SIZE  equ 144

INODE_HOSTMOUNT equ 1                  ; Inode.flags: a share's mount point (fs/shares.asm)
INODE_FDDIR     equ 2                  ; Inode.flags: /proc/self/fd, whose entries are the open fds
INODE_MADE      equ 4                  ; Inode.flags: contents made at each open (Inode.maker)
INODE_SHARE_RO  equ 8                  ; Inode.flags: a read-only share's mount point (EROFS)
TOUCH_A equ 1                          ; inode_touch: access time
TOUCH_M equ 2                          ;              modification time
TOUCH_C equ 4                          ;              status-change time
FILE_DIRECT     equ 8
FILE_IND_END    equ FILE_DIRECT + 512
FILE_MAX_PAGES  equ FILE_IND_END + 512 * 512
FILE_MAX_SIZE   equ FILE_MAX_PAGES * PAGE_SIZE

struc Inode
	.mode:   resd 1      ; S_IF* type and permission bits
	.nlink:  resd 1      ; names (directories: 2 + subdirectories; 0 once removed)
	.refs:   resd 1      ; open files and the working directory
	.flags:  resd 1      ; INODE_*
	.ino:    resq 1
	.size:   resq 1      ; bytes (symbolic link: target length)
	.atime:  resq 1      ; last access, ns since the epoch (CLOCK_REALTIME)
	.mtime:  resq 1      ; last change of the contents
	.ctime:  resq 1      ; last change of the contents or the metadata
	.rdev:   resq 1      ; character device: Linux's dev_t (major << 8 | minor)
	.uid:    resd 1      ; owner, as chown recorded it (0: root)
	.gid:    resd 1
	.u:      resb 88     ; by type, below
endstruc
; directory
Inode.buckets equ Inode.u + 0          ; hash table of Dent chains (0 until the first entry)
Inode.mask    equ Inode.u + 8          ; buckets - 1
Inode.count   equ Inode.u + 16         ; entries
Inode.head    equ Inode.u + 24         ; creation-order list
Inode.tail    equ Inode.u + 32
Inode.cookie  equ Inode.u + 40         ; next entry's cookie (0 and 1 are . and ..)
Inode.gen     equ Inode.u + 48         ; bumped on every removal (invalidates list cursors)
Inode.parent  equ Inode.u + 56         ; the directory holding this one (root: itself)
Inode.dent    equ Inode.u + 64         ; this directory's entry in its parent (root: 0)
Inode.share   equ Inode.u + 72         ; a mount point (INODE_HOSTMOUNT): its share's index
; regular file
Inode.direct  equ Inode.u + 0          ; FILE_DIRECT page pointers
Inode.ind     equ Inode.u + 64         ; page of 512 page pointers
Inode.dind    equ Inode.u + 72         ; page of 512 indirect pages
; symbolic link
Inode.target  equ Inode.u + 0          ; kmalloc'd target, NUL-terminated
; made file (INODE_MADE, a regular file of size 0 with no pages)
Inode.maker   equ Inode.u + 80         ; routine that writes the contents (fs/special.asm)

struc Dent
	.hnext:  resq 1      ; next in the hash chain
	.next:   resq 1      ; creation-order list
	.prev:   resq 1
	.cookie: resq 1      ; position for getdents (d_off of the entry before is cookie)
	.inode:  resq 1
	.hash:   resq 1
	.len:    resq 1
	.name:               ; len bytes, a NUL, and padding to a whole word
endstruc

; DENT_BYTES reg -- the size of the Dent for a name of the length in reg (in place):
; the name padded to whole words, so that name_hash and dir_lookup read only inside it.
%macro DENT_BYTES 1
	or %1, 7
	add %1, Dent_size + 1
%endmacro

section .text

; -----------------------------------------------------------------------------
; name_hash -- a 64-bit hash of a name, eight bytes a turn (chains stay short and
;  compares rarely fail). Word-sized reads: under the engine a byte loop costs a few
;  translated blocks per character, and names are hashed on every path lookup.
;  IN:  RSI = name, RDX = length; the 7 bytes after the name must be readable (names
;       live in a Walk buffer, which has 8 spare bytes, in a Dent, whose name is
;       padded to whole words by DENT_BYTES)
;  OUT: RAX = hash
;  Clobbers: RCX, R8
name_hash:
	mov rax, 0xcbf29ce484222325
	xor ecx, ecx
.word:	lea r8, [rcx + 8]
	cmp r8, rdx
	ja .tail
	xor rax, [rsi + rcx]
	imul rax, [hash_multiplier]
	mov rcx, r8
	jmp .word
.tail:	cmp rcx, rdx
	je .mix
	mov r8, [rsi + rcx]                ; the last 1-7 bytes and what follows them
	sub ecx, edx                       ; CL = -8n, a shift of 64 - 8n: the n name
	shl ecx, 3                         ; bytes move to the top, the rest fall out
	shl r8, cl
	xor rax, r8
	imul rax, [hash_multiplier]
.mix:	xor rax, rdx                       ; buckets take the low bits: fold the high ones in
	mov r8, rax
	shr r8, 32
	xor rax, r8
	imul rax, [hash_multiplier]
	mov r8, rax
	shr r8, 29
	xor rax, r8
	ret

section .rodata
align 8
hash_multiplier: dq 0x9e3779b97f4a7c15     ; odd, with its bits well spread
section .text

; -----------------------------------------------------------------------------
; inode_new -- a fresh inode with one link
;  IN:  EDI = mode (type and permissions)
;  OUT: RAX = inode, or 0 when memory ran out
;  Clobbers: RCX, RDX, RSI, RDI, R8
inode_new:
	push rbx
	mov ebx, edi
	mov edi, Inode_size
	call kmalloc
	test rax, rax
	jz .out
	mov [rax + Inode.mode], ebx
	mov dword [rax + Inode.nlink], 1
	mov rcx, [next_ino]
	inc rcx
	mov [next_ino], rcx
	mov [rax + Inode.ino], rcx
	mov rdi, rax
	mov esi, TOUCH_A | TOUCH_M | TOUCH_C
	call inode_touch
	mov rax, rdi
	and ebx, S_IFMT
	cmp ebx, S_IFDIR
	jne .out
	mov dword [rax + Inode.nlink], 2
	mov qword [rax + Inode.cookie], 2
.out:	pop rbx
	ret

; -----------------------------------------------------------------------------
; inode_touch -- set some of an inode's times to now (CLOCK_REALTIME)
;  IN:  RDI = inode, ESI = TOUCH_A | TOUCH_M | TOUCH_C bits
;  Clobbers: RAX
inode_touch:
	push rcx
	push rdx
	mov rax, [fs_boot_time]            ; while init_fs builds the tree: one reading
	test rax, rax
	jnz .now
	push rdi
	mov edi, CLOCK_REALTIME
	call clock_now
	pop rdi
.now:
	test esi, TOUCH_A
	jz .m
	mov [rdi + Inode.atime], rax
.m:	test esi, TOUCH_M
	jz .c
	mov [rdi + Inode.mtime], rax
.c:	test esi, TOUCH_C
	jz .done
	mov [rdi + Inode.ctime], rax
.done:	pop rdx
	pop rcx
	ret

; -----------------------------------------------------------------------------
; inode_release -- free an inode that has neither a name nor an open reference
;  IN:  RDI = inode
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8
inode_release:
	cmp dword [rdi + Inode.nlink], 0
	jne .keep
	cmp dword [rdi + Inode.refs], 0
	jne .keep
	push rbx
	mov rbx, rdi
	mov eax, [rbx + Inode.mode]
	and eax, S_IFMT
	cmp eax, S_IFREG
	jne .not_file
	xor esi, esi
	call file_free_pages               ; every data page back to the allocator
	jmp .free
.not_file:
	cmp eax, S_IFDIR
	je .dir
	cmp eax, S_IFLNK
	jne .free                          ; a socket file or a device: nothing more
	mov rdi, [rbx + Inode.target]
	mov rsi, [rbx + Inode.size]
	inc rsi
	call kfree
	jmp .free
.dir:	mov rdi, [rbx + Inode.buckets]    ; a removed directory is empty: only its table
	mov rsi, [rbx + Inode.mask]
	inc rsi
	shl rsi, 3
	call kfree
.free:	mov rdi, rbx
	mov esi, Inode_size
	call kfree
	pop rbx
.keep:	ret

; -----------------------------------------------------------------------------
; dir_lookup -- find a name in a directory
;  IN:  RDI = directory inode, RSI = name, RDX = length (the name is read in whole
;       words, as name_hash says)
;  OUT: RAX = Dent, or 0
;  Clobbers: RCX, R8, R9, R10
dir_lookup:
	mov r9, [rdi + Inode.buckets]
	test r9, r9
	jz .none
	call name_hash
	mov r10, rax
	and rax, [rdi + Inode.mask]
	mov rax, [r9 + rax * 8]
.walk:	test rax, rax
	jz .out
	cmp [rax + Dent.hash], r10
	jne .next
	cmp [rax + Dent.len], rdx
	jne .next
	xor ecx, ecx                       ; compare a word at a time (as name_hash reads)
.cmp:	lea r8, [rcx + 8]
	cmp r8, rdx
	ja .last
	mov r8, [rsi + rcx]
	cmp r8, [rax + Dent.name + rcx]
	jne .next
	add rcx, 8
	jmp .cmp
.last:	cmp rcx, rdx
	je .out                            ; every byte equal: found
	mov r8, [rsi + rcx]
	xor r8, [rax + Dent.name + rcx]
	sub ecx, edx                       ; keep the differences in the last n bytes
	shl ecx, 3
	shl r8, cl
	jz .out
.next:	mov rax, [rax + Dent.hnext]
	jmp .walk
.none:	xor eax, eax
.out:	ret

; -----------------------------------------------------------------------------
; dir_grow -- a hash table four times bigger (8 buckets the first time), rehashed
;  IN:  RDI = directory inode
;  OUT: RAX = new table, or 0 when memory ran out (the old table stays)
;  Clobbers: RCX, RDX, RSI, RDI, R8
dir_grow:
	push rbx
	push r12
	push r13
	mov rbx, rdi
	mov r12d, 8
	cmp qword [rbx + Inode.buckets], 0
	je .alloc
	mov r12, [rbx + Inode.mask]
	inc r12
	shl r12, 2
.alloc:	lea rdi, [r12 * 8]
	call kmalloc
	test rax, rax
	jz .out
	mov r13, rax
	mov rdi, [rbx + Inode.buckets]
	mov rsi, [rbx + Inode.mask]
	inc rsi
	shl rsi, 3
	call kfree                         ; (ignores the absent first table)
	mov [rbx + Inode.buckets], r13
	lea rax, [r12 - 1]
	mov [rbx + Inode.mask], rax
	mov rdx, [rbx + Inode.head]        ; every entry into its new chain
.rehash:
	test rdx, rdx
	jz .done
	mov rcx, [rdx + Dent.hash]
	and rcx, rax
	mov rsi, [r13 + rcx * 8]
	mov [rdx + Dent.hnext], rsi
	mov [r13 + rcx * 8], rdx
	mov rdx, [rdx + Dent.next]
	jmp .rehash
.done:	mov rax, r13
.out:	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; dir_insert -- add a name (the caller checked that it is not there)
;  IN:  RDI = directory inode, RSI = name, RDX = length (read in whole words, as
;       name_hash says), RCX = inode
;  OUT: RAX = new Dent, or 0 when memory ran out (directory unchanged)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R10
dir_insert:
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov rbx, rdi
	mov r12, rsi
	mov r13, rdx
	mov r14, rcx
	cmp qword [rbx + Inode.buckets], 0
	je .grow
	mov rcx, [rbx + Inode.mask]        ; keep chains at two entries or fewer on average
	inc rcx
	shl rcx, 1
	cmp [rbx + Inode.count], rcx
	jb .room
.grow:	mov rdi, rbx
	call dir_grow
	cmp qword [rbx + Inode.buckets], 0
	je .fail                           ; no table at all: cannot insert
.room:	mov rdi, r13
	DENT_BYTES rdi
	call kmalloc
	test rax, rax
	jz .fail
	mov r15, rax
	lea rdi, [r15 + Dent.name]
	mov rsi, r12
	mov rcx, r13
	rep movsb
	mov byte [rdi], 0
	mov [r15 + Dent.len], r13
	mov [r15 + Dent.inode], r14
	mov rsi, r12
	mov rdx, r13
	call name_hash
	mov [r15 + Dent.hash], rax
	and rax, [rbx + Inode.mask]
	mov rcx, [rbx + Inode.buckets]
	lea rcx, [rcx + rax * 8]
	mov rax, [rcx]
	mov [r15 + Dent.hnext], rax
	mov [rcx], r15
	mov rax, [rbx + Inode.cookie]      ; append to the list: cookies only grow
	mov [r15 + Dent.cookie], rax
	inc qword [rbx + Inode.cookie]
	mov rax, [rbx + Inode.tail]
	mov [r15 + Dent.prev], rax
	test rax, rax
	jz .first
	mov [rax + Dent.next], r15
	jmp .linked
.first:	mov [rbx + Inode.head], r15
.linked:
	mov [rbx + Inode.tail], r15
	inc qword [rbx + Inode.count]
	mov rdi, rbx                       ; a name added: the directory changed,
	mov esi, TOUCH_M | TOUCH_C
	call inode_touch
	mov rdi, r14                       ; and the inode gained a link
	mov esi, TOUCH_C
	call inode_touch
	mov rax, r15
	jmp .out
.fail:	xor eax, eax
.out:	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; dir_remove -- take an entry out of its directory and free it (not its inode)
;  IN:  RDI = directory inode, RSI = Dent
;  Clobbers: RAX, RCX, RDX, RSI, RDI
dir_remove:
	mov rax, [rsi + Dent.hash]
	and rax, [rdi + Inode.mask]
	mov rcx, [rdi + Inode.buckets]
	lea rcx, [rcx + rax * 8]           ; RCX = the link that points at the entry
.find:	mov rax, [rcx]
	cmp rax, rsi
	je .found
	lea rcx, [rax + Dent.hnext]
	jmp .find
.found:	mov rax, [rsi + Dent.hnext]
	mov [rcx], rax
	mov rax, [rsi + Dent.prev]
	mov rcx, [rsi + Dent.next]
	test rax, rax
	jz .was_head
	mov [rax + Dent.next], rcx
	jmp .after
.was_head:
	mov [rdi + Inode.head], rcx
.after:	test rcx, rcx
	jz .was_tail
	mov [rcx + Dent.prev], rax
	jmp .unlinked
.was_tail:
	mov [rdi + Inode.tail], rax
.unlinked:
	dec qword [rdi + Inode.count]
	inc qword [rdi + Inode.gen]        ; list cursors held by open directories are stale
	push rsi
	mov esi, TOUCH_M | TOUCH_C         ; a name removed: the directory changed,
	call inode_touch
	mov rdi, [rsp]
	mov rdi, [rdi + Dent.inode]        ; and the inode lost a link
	mov esi, TOUCH_C
	call inode_touch
	pop rsi
	mov rdi, rsi
	mov rsi, [rdi + Dent.len]
	DENT_BYTES rsi
	jmp kfree

; -----------------------------------------------------------------------------
; file_slot -- where the pointer to one data page of a file lives
;  IN:  RDI = inode, RSI = page index, EDX = 1 to create missing index pages
;  OUT: RAX = address of the page pointer, or 0 (index page absent, no memory, or
;       index beyond FILE_MAX_PAGES)
;  Clobbers: RCX, RDX, RSI, RDI, R8
file_slot:
	cmp rsi, FILE_DIRECT
	jae .indirect
	lea rax, [rdi + Inode.direct + rsi * 8]
	ret
.indirect:
	push rbx
	push r12
	push r13
	mov rbx, rdi
	lea r12, [rsi - FILE_DIRECT]
	mov r13d, edx
	cmp r12, 512
	jae .double
	lea rdi, [rbx + Inode.ind]
	call .table
	test rax, rax
	jz .out
	lea rax, [rax + r12 * 8]
	jmp .out
.double:
	sub r12, 512
	cmp r12, 512 * 512
	jae .none
	lea rdi, [rbx + Inode.dind]
	call .table
	test rax, rax
	jz .out
	mov rcx, r12
	shr rcx, 9
	lea rdi, [rax + rcx * 8]
	call .table
	test rax, rax
	jz .out
	and r12d, 511
	lea rax, [rax + r12 * 8]
	jmp .out
.none:	xor eax, eax
.out:	pop r13
	pop r12
	pop rbx
	ret
; .table: RDI = address of an index-page pointer; RAX = the page (made when R13D says so)
.table:	mov rax, [rdi]
	test rax, rax
	jnz .have
	test r13d, r13d
	jz .have
	push rdi
	mov edi, 1
	call alloc_pages
	pop rdi
	mov [rdi], rax
.have:	ret

; -----------------------------------------------------------------------------
; file_free_pages -- free every data page at index >= keep, and index pages left empty
;  IN:  RDI = inode, RSI = pages to keep
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8
file_free_pages:
	push rbx
	push r12
	push r13
	push r14
	mov rbx, rdi
	mov r12, rsi
	xor r13d, r13d
.direct:
	cmp r13, FILE_DIRECT
	jae .ind
	cmp r13, r12
	jb .dnext
	lea rdi, [rbx + Inode.direct + r13 * 8]
	call .free_slot
.dnext:	inc r13
	jmp .direct
.ind:	mov rdi, [rbx + Inode.ind]
	test rdi, rdi
	jz .dind
	mov esi, FILE_DIRECT
	call .free_table
	cmp r12, FILE_DIRECT
	ja .dind
	lea rdi, [rbx + Inode.ind]
	call .free_slot                    ; the index page itself
.dind:	mov r14, [rbx + Inode.dind]
	test r14, r14
	jz .out
	xor r13d, r13d
.dloop:	cmp r13, 512
	jae .dend
	mov rdi, [r14 + r13 * 8]
	test rdi, rdi
	jz .dl_next
	mov rsi, r13
	shl rsi, 9
	add rsi, FILE_IND_END              ; index of this table's first entry
	lea rax, [rsi + 512]
	cmp rax, r12
	jbe .dl_next                       ; wholly kept
	push rsi
	call .free_table
	pop rsi
	cmp r12, rsi
	ja .dl_next
	lea rdi, [r14 + r13 * 8]
	call .free_slot
.dl_next:
	inc r13
	jmp .dloop
.dend:	cmp r12, FILE_IND_END
	ja .out
	lea rdi, [rbx + Inode.dind]
	call .free_slot
.out:	pop r14
	pop r13
	pop r12
	pop rbx
	ret
; .free_table: RDI = index page, RSI = file index of its entry 0; frees entries >= R12
.free_table:
	push r13
	push r14
	push r15
	mov r14, rdi
	mov r15, rsi
	xor r13d, r13d
	cmp r12, r15
	jbe .ft_loop
	mov r13, r12                       ; start at the first entry to free
	sub r13, r15
.ft_loop:
	cmp r13, 512
	jae .ft_done
	lea rdi, [r14 + r13 * 8]
	call .free_slot
	inc r13
	jmp .ft_loop
.ft_done:
	pop r15
	pop r14
	pop r13
	ret
; .free_slot: RDI = address of a page pointer; frees the page and clears the pointer
.free_slot:
	mov rax, [rdi]
	test rax, rax
	jz .fs_done
	mov qword [rdi], 0
	mov rdi, rax
	mov esi, 1
	call free_pages
.fs_done:
	ret

; -----------------------------------------------------------------------------
; file_truncate -- set a file's size, freeing or (lazily, as holes) adding pages
;  IN:  RDI = inode, RSI = new size
;  OUT: RAX = 0 or -EFBIG
;  Clobbers: RCX, RDX, RSI, RDI, R8
file_truncate:
	mov rax, FILE_MAX_SIZE
	cmp rsi, rax
	ja .efbig
	cmp rsi, [rdi + Inode.size]
	jae .set
	push rbx
	push r12
	mov rbx, rdi
	mov r12, rsi
	lea rsi, [r12 + PAGE_SIZE - 1]
	shr rsi, 12
	call file_free_pages
	test r12d, PAGE_SIZE - 1
	jz .cleared
	mov rdi, rbx                       ; clear the kept page past the new end
	mov rsi, r12
	shr rsi, 12
	xor edx, edx
	call file_slot
	test rax, rax
	jz .cleared
	mov rdi, [rax]
	test rdi, rdi
	jz .cleared
	mov rax, r12
	and eax, PAGE_SIZE - 1
	add rdi, rax
	mov edx, PAGE_SIZE
	sub rdx, rax
	call kzero
.cleared:
	mov rdi, rbx
	mov rsi, r12
	pop r12
	pop rbx
.set:	mov [rdi + Inode.size], rsi
	mov esi, TOUCH_M | TOUCH_C
	call inode_touch
	xor eax, eax
	ret
.efbig:	mov rax, -EFBIG
	ret

; -----------------------------------------------------------------------------
; file_read -- copy file bytes out (holes read as zeros)
;  IN:  RDI = inode, RSI = destination, RDX = length, RCX = file offset
;  OUT: RAX = bytes copied (0 at or past the end)
;  Clobbers: RCX, RDX, RSI, RDI, R8
file_read:
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov rbx, rdi
	mov r12, rsi
	mov r13, rdx
	mov r14, rcx
	xor r15d, r15d
	mov rax, [rbx + Inode.size]
	cmp r14, rax
	jae .done
	sub rax, r14
	cmp r13, rax
	jbe .loop
	mov r13, rax                       ; stop at the end of file
.loop:	cmp r15, r13
	jae .done
	mov rdi, rbx
	mov rsi, r14
	shr rsi, 12
	xor edx, edx
	call file_slot
	mov rcx, r14
	and ecx, PAGE_SIZE - 1
	mov edx, PAGE_SIZE
	sub rdx, rcx
	mov r8, r13
	sub r8, r15
	cmp rdx, r8
	jbe .sized
	mov rdx, r8
.sized:	mov rdi, r12
	test rax, rax
	jz .hole
	mov rax, [rax]
	test rax, rax
	jz .hole
	lea rsi, [rax + rcx]
	call kmemcpy
	jmp .advance
.hole:	push rdx
	call kzero
	pop rdx
.advance:
	add r12, rdx
	add r14, rdx
	add r15, rdx
	jmp .loop
.done:	test r15, r15
	jz .read_nothing
	mov rdi, rbx
	call inode_accessed
.read_nothing:
	mov rax, r15
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; inode_accessed -- note a read in the access time, as Linux's relatime does: only
; when the access time is not after the last modification or status change
;  IN:  RDI = inode
;  Clobbers: RAX, RSI
inode_accessed:
	mov rax, [rdi + Inode.atime]
	cmp rax, [rdi + Inode.mtime]
	jbe .touch
	cmp rax, [rdi + Inode.ctime]
	ja .done
.touch:	mov esi, TOUCH_A
	call inode_touch
.done:	ret

; -----------------------------------------------------------------------------
; file_write -- copy bytes into a file, allocating pages; grows the size
;  IN:  RDI = inode, RSI = source, RDX = length, RCX = file offset
;  OUT: RAX = bytes written, or -ENOSPC / -EFBIG when none could be
;  Clobbers: RCX, RDX, RSI, RDI, R8
file_write:
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov rbx, rdi
	mov r12, rsi
	mov r13, rdx
	mov r14, rcx
	xor r15d, r15d
	mov rax, FILE_MAX_SIZE
	cmp r14, rax
	jae .efbig
	sub rax, r14
	cmp r13, rax
	jbe .loop
	mov r13, rax                       ; write what fits below the size limit
.loop:	cmp r15, r13
	jae .done
	mov rdi, rbx
	mov rsi, r14
	shr rsi, 12
	mov edx, 1
	call file_slot
	test rax, rax
	jz .nospace
	mov rdi, [rax]
	test rdi, rdi
	jnz .have
	push rax
	mov rdx, r13
	sub rdx, r15                       ; bytes still to write
	test r14d, PAGE_SIZE - 1
	jnz .partial
	cmp rdx, PAGE_SIZE
	jb .partial
	call alloc_page_uncleared          ; all of it is about to be written
	jmp .got
.partial:
	mov edi, 1
	call alloc_pages                   ; the rest of the page must read as zeros
.got:	pop rcx
	test rax, rax
	jz .nospace
	mov [rcx], rax
	mov rdi, rax
.have:	mov rcx, r14
	and ecx, PAGE_SIZE - 1
	add rdi, rcx
	mov edx, PAGE_SIZE
	sub rdx, rcx
	mov r8, r13
	sub r8, r15
	cmp rdx, r8
	jbe .sized
	mov rdx, r8
.sized:	mov rsi, r12
	call kmemcpy
	add r12, rdx
	add r14, rdx
	add r15, rdx
	jmp .loop
.nospace:
	test r15, r15
	jnz .done
	mov rax, -ENOSPC
	jmp .out
.efbig:	mov rax, -EFBIG
	jmp .out
.done:	cmp r14, [rbx + Inode.size]
	jbe .sized_ok
	mov [rbx + Inode.size], r14
.sized_ok:
	test r15, r15
	jz .untouched
	mov rdi, rbx
	mov esi, TOUCH_M | TOUCH_C
	call inode_touch
.untouched:
	mov rax, r15
.out:	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

section .bss
alignb 8
next_ino:   resq 1
root_inode: resq 1
fs_boot_time: resq 1   ; during init_fs: the time every new object gets (then 0)
section .text
