; The tree a Linux program expects around it, made in the RAM file system at boot:
;
;   /dev    null, zero, full, random, urandom (character devices, fs/devices.asm);
;           fd -> /proc/self/fd; stdin, stdout, stderr -> /proc/self/fd/0, 1, 2
;   /proc   self -> 1; 1/exe -> the program; 1/fd (the open descriptors: each
;           name is a link to what the descriptor refers to); 1/maps; cpuinfo, meminfo
;   /tmp    mode 1777, empty
;   /etc    hostname, passwd, group (a root user), hosts (localhost), resolv.conf
;           (nameserver 10.0.2.3, which the VMM forwards to the host's resolver),
;           each unless --preload brought it
;
; cpuinfo, meminfo and maps are made files (INODE_MADE): each open writes their contents
; into a fresh unnamed inode (make_opened), so a reader sees one consistent
; snapshot; they are read-only. Every object here is an ordinary RAM object
; otherwise: the program may add files beside them (as root may on Linux).

DEV_NULL    equ (1 << 8) | 3           ; Linux's numbers: major 1 (mem), these minors
DEV_ZERO    equ (1 << 8) | 5
DEV_FULL    equ (1 << 8) | 7
DEV_RANDOM  equ (1 << 8) | 8
DEV_URANDOM equ (1 << 8) | 9

; NAME label, 'text' -- a file name, NUL-terminated and padded so that name_hash
; may read a whole word past its end
%macro NAME 2
%1:	db %2, 0
	times 8 db 0
%endmacro

section .text

; -----------------------------------------------------------------------------
; special_node -- a new object named in a directory (boot only)
;  IN:  RDI = directory inode, RSI = name (from NAME), EDX = mode
;  OUT: RAX = the inode (no memory: the VM stops, as init_fs does)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
special_node:
	push rbx
	push r12
	push r13
	mov r12, rdi
	mov r13, rsi
	mov edi, edx
	call inode_new
	test rax, rax
	jz init_fs.nomem
	mov rbx, rax
	mov rsi, r13
	xor edx, edx
.len:	cmp byte [rsi + rdx], 0
	je .measured
	inc rdx
	jmp .len
.measured:
	mov rdi, r12
	mov rcx, rbx
	call dir_insert
	test rax, rax
	jz init_fs.nomem
	mov ecx, [rbx + Inode.mode]
	and ecx, S_IFMT
	cmp ecx, S_IFDIR
	jne .done
	mov [rbx + Inode.dent], rax
	mov [rbx + Inode.parent], r12
	inc dword [r12 + Inode.nlink]
.done:	mov rax, rbx
	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; special_link -- a symbolic link in a directory (boot only)
;  IN:  RDI = directory inode, RSI = name (from NAME), RDX = target (NUL-terminated)
;  OUT: RAX = the inode
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
special_link:
	push rbx
	push rdx
	mov edx, S_IFLNK | 0o777
	call special_node
	mov rbx, rax
	pop rsi
	call kstrdup
	test rax, rax
	jz init_fs.nomem
	mov [rbx + Inode.target], rax
	xor ecx, ecx
.len:	cmp byte [rax + rcx], 0
	je .measured
	inc rcx
	jmp .len
.measured:
	mov [rbx + Inode.size], rcx
	mov rax, rbx
	pop rbx
	ret

; -----------------------------------------------------------------------------
; special_device -- a character device node in /dev
;  IN:  RDI = /dev, RSI = name, EDX = device number
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
special_device:
	push rdx
	mov edx, S_IFCHR | 0o666
	call special_node
	pop rdx
	mov [rax + Inode.rdev], rdx
	ret

; -----------------------------------------------------------------------------
; special_made -- a made file (contents written at each open by a routine)
;  IN:  RDI = directory, RSI = name, RDX = the routine (RDI = fresh inode to fill)
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
special_made:
	push rdx
	mov edx, S_IFREG | 0o444
	call special_node
	pop rdx
	or dword [rax + Inode.flags], INODE_MADE
	mov [rax + Inode.maker], rdx
	ret

; -----------------------------------------------------------------------------
; special_init -- /dev, /proc, /tmp and /etc (its files come later: special_etc)
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
special_init:
	push rbx
	push r12
	mov rdi, [root_inode]
	lea rsi, [n_dev]
	mov edx, S_IFDIR | 0o755
	call special_node
	mov rbx, rax
	mov rdi, [root_inode]
	lea rsi, [n_proc]
	mov edx, S_IFDIR | 0o555
	call special_node
	mov r12, rax
	mov rdi, [root_inode]
	lea rsi, [n_tmp]
	mov edx, S_IFDIR | 0o1777
	call special_node
	mov rdi, [root_inode]
	lea rsi, [n_etc]
	mov edx, S_IFDIR | 0o755
	call special_node
	mov [etc_inode], rax
	; /dev
	mov rdi, rbx
	lea rsi, [n_null]
	mov edx, DEV_NULL
	call special_device
	mov rdi, rbx
	lea rsi, [n_zero]
	mov edx, DEV_ZERO
	call special_device
	mov rdi, rbx
	lea rsi, [n_full]
	mov edx, DEV_FULL
	call special_device
	mov rdi, rbx
	lea rsi, [n_random]
	mov edx, DEV_RANDOM
	call special_device
	mov rdi, rbx
	lea rsi, [n_urandom]
	mov edx, DEV_URANDOM
	call special_device
	mov rdi, rbx
	lea rsi, [n_fd]
	lea rdx, [t_fd]
	call special_link
	mov rdi, rbx
	lea rsi, [n_stdin]
	lea rdx, [t_stdin]
	call special_link
	mov rdi, rbx
	lea rsi, [n_stdout]
	lea rdx, [t_stdout]
	call special_link
	mov rdi, rbx
	lea rsi, [n_stderr]
	lea rdx, [t_stderr]
	call special_link
	; /proc
	mov rdi, r12
	lea rsi, [n_self]
	lea rdx, [t_self]
	call special_link
	mov rdi, r12
	lea rsi, [n_cpuinfo]
	lea rdx, [make_cpuinfo]
	call special_made
	mov rdi, r12
	lea rsi, [n_meminfo]
	lea rdx, [make_meminfo]
	call special_made
	mov rdi, r12
	lea rsi, [n_pid1]
	mov edx, S_IFDIR | 0o555
	call special_node
	mov rbx, rax
	mov rdi, rbx
	lea rsi, [n_fd]
	mov edx, S_IFDIR | 0o500
	call special_node
	or dword [rax + Inode.flags], INODE_FDDIR
	mov rdi, rbx
	lea rsi, [n_maps]
	lea rdx, [make_maps]
	call special_made
	call exe_name                      ; /proc/1/exe: "/" and the program's name
	mov rdi, rbx
	lea rsi, [n_exe]
	lea rdx, [walk_b + Walk.buf0]
	call special_link
	; The link each /proc/self/fd/N stands for (in no directory; never freed).
	mov edi, S_IFLNK | 0o700
	call inode_new
	test rax, rax
	jz init_fs.nomem
	mov qword [rax + Inode.size], 64
	mov dword [rax + Inode.refs], 1
	mov [fd_link_inode], rax
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; exe_name -- "/" and the program's name (argv[0]) into walk_b.buf0, NUL-terminated
;  Clobbers: RAX, RCX, RSI, RDI
exe_name:
	lea rdi, [walk_b + Walk.buf0]
	mov byte [rdi], '/'
	inc rdi
	mov rsi, [boot_info]
	cmp qword [rsi + BootInfo.argc], 0
	je .named
	mov rsi, [rsi + BootInfo.argv]
	mov rsi, [rsi]
	lea rcx, [walk_b + Walk.buf0 + PATH_MAX - 1]
.copy:	cmp rdi, rcx
	jae .named
	mov al, [rsi]
	test al, al
	jz .named
	mov [rdi], al
	inc rsi
	inc rdi
	jmp .copy
.named:	mov byte [rdi], 0
	ret

; -----------------------------------------------------------------------------
; special_etc -- /etc/hostname, passwd, group, hosts and resolv.conf, each unless
; --preload made it
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
special_etc:
	lea rsi, [n_hostname]
	lea rdx, [c_hostname]
	call etc_file
	lea rsi, [n_passwd]
	lea rdx, [c_passwd]
	call etc_file
	lea rsi, [n_group]
	lea rdx, [c_group]
	call etc_file
	lea rsi, [n_hosts]
	lea rdx, [c_hosts]
	call etc_file
	lea rsi, [n_resolv]
	lea rdx, [c_resolv]
	jmp etc_file

; -----------------------------------------------------------------------------
; etc_file -- a file in /etc with the given contents, when the name is free
;  IN:  RSI = name (from NAME), RDX = contents (NUL-terminated)
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
etc_file:
	push rbx
	push r12
	push r13
	mov r12, rsi
	mov r13, rdx
	mov rdi, [etc_inode]
	xor edx, edx
.len:	cmp byte [rsi + rdx], 0
	je .measured
	inc rdx
	jmp .len
.measured:
	call dir_lookup
	test rax, rax
	jnz .out
	mov rdi, [etc_inode]
	mov rsi, r12
	mov edx, S_IFREG | 0o644
	call special_node
	mov rdi, rax
	mov rsi, r13
	call gen_str
.out:	pop r13
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; make_opened -- the inode an open of a made file reads: a fresh unnamed copy of
; the node, filled by its routine (freed at the last close)
;  IN:  RDI = the made node, ESI = open flags
;  OUT: RAX = the fresh inode, or -EACCES (opened for writing), -ENOMEM
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11
make_opened:
	and esi, O_ACCMODE
	jnz .eacces
	push rbx
	push r12
	mov r12, rdi
	mov edi, S_IFREG | 0o444
	call inode_new
	test rax, rax
	jz .enomem
	mov rbx, rax
	mov dword [rbx + Inode.nlink], 0
	mov rax, [r12 + Inode.ino]
	mov [rbx + Inode.ino], rax
	mov rdi, rbx
	call [r12 + Inode.maker]
	mov rax, rbx
	jmp .out
.enomem:
	mov rax, -ENOMEM
.out:	pop r12
	pop rbx
	ret
.eacces:
	mov rax, -EACCES
	ret

; -----------------------------------------------------------------------------
; gen_mem / gen_str / gen_num -- append to a file being made
;  IN:  RDI = inode; gen_mem: RSI = bytes, RDX = length; gen_str: RSI = NUL-terminated
;       text; gen_num: RSI = an unsigned number, written in decimal
;  OUT: RDI unchanged
;  Clobbers: RAX, RCX, RDX, RSI, R8
gen_mem:
	push rdi
	mov rcx, [rdi + Inode.size]
	call file_write
	pop rdi
	ret

gen_str:
	xor edx, edx
.len:	cmp byte [rsi + rdx], 0
	je gen_mem
	inc rdx
	jmp .len

gen_num:
	sub rsp, 24
	lea r8, [rsp + 24]                 ; digits backwards from the end
	mov rax, rsi
	mov ecx, 10
.digit:	xor edx, edx
	div rcx
	add dl, '0'
	dec r8
	mov [r8], dl
	test rax, rax
	jnz .digit
	mov rsi, r8
	lea rdx, [rsp + 24]
	sub rdx, r8
	call gen_mem
	add rsp, 24
	ret

; -----------------------------------------------------------------------------
; gen_hex -- append a number in lowercase hexadecimal, at least 8 digits
;  IN:  RDI = inode, RSI = number
;  OUT: RDI unchanged
;  Clobbers: RAX, RCX, RDX, RSI, R8
gen_hex:
	sub rsp, 24
	lea r8, [rsp + 24]
	mov rax, rsi
	xor ecx, ecx                       ; digits written
.digit:	mov edx, eax
	and edx, 15
	movzx edx, byte [hex_digits + rdx]
	dec r8
	mov [r8], dl
	inc ecx
	shr rax, 4
	jnz .digit
	cmp ecx, 8
	jb .digit                          ; (zeros up to 8 digits)
	mov rsi, r8
	lea rdx, [rsp + 24]
	sub rdx, r8
	call gen_mem
	add rsp, 24
	ret

; -----------------------------------------------------------------------------
; gen_range -- one line of /proc/self/maps: "START-END PERMS 00000000 00:00 0",
; padding, the name
;  IN:  RDI = inode, RSI = start, RCX = end, R9 = permissions text, R10 = name
;  OUT: RDI unchanged
;  Clobbers: RAX, RCX, RDX, RSI, R8
gen_range:
	push rcx
	call gen_hex
	lea rsi, [s_dash]
	call gen_str
	pop rsi
	call gen_hex
	lea rsi, [s_space]
	call gen_str
	mov rsi, r9
	call gen_str
	lea rsi, [s_map_mid]
	call gen_str
	mov rsi, r10
	call gen_str
	lea rsi, [s_newline]
	jmp gen_str

; -----------------------------------------------------------------------------
; make_maps -- /proc/self/maps: the vDSO, the program's image (one range, named as
; /proc/self/exe), the brk heap, the main stack, in address order; regions from mmap
; are not listed
;  IN:  RDI = inode to fill
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
make_maps:
	push rbx
	lea rsi, [vdso_image]              ; (in the kernel's image: the lowest)
	and rsi, ~(PAGE_SIZE - 1)
	lea rcx, [vdso_image.end + PAGE_SIZE - 1]
	and rcx, ~(PAGE_SIZE - 1)
	lea r9, [s_rxp]
	lea r10, [s_vdso]
	call gen_range
	mov rbx, [boot_info]
	mov rsi, [rbx + BootInfo.app_start]
	and rsi, ~(PAGE_SIZE - 1)
	mov rcx, [rbx + BootInfo.app_end]
	lea r9, [s_rwxp]
	lea r10, [walk_b + Walk.buf0]      ; (the name: argv[0] after a "/")
	push rdi
	push rsi
	push rcx
	call exe_name
	pop rcx
	pop rsi
	pop rdi
	call gen_range
	mov rsi, [brk_start]
	mov rcx, [brk_current]
	cmp rsi, rcx
	je .stack
	lea r9, [s_rwp]
	lea r10, [s_heap]
	call gen_range
.stack:	mov rsi, [main_stack]
	lea rcx, [rsi + USER_STACK_SIZE]
	lea r9, [s_rwp]
	lea r10, [s_stack]
	call gen_range
	pop rbx
	ret

; -----------------------------------------------------------------------------
; make_meminfo -- /proc/meminfo: guest RAM and what the page allocator has free
;  IN:  RDI = inode to fill
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
make_meminfo:
	push rbx
	push r12
	mov rbx, rdi
	call count_free_pages              ; (mm/pages.asm)
	shl rax, 2                         ; pages -> KiB
	mov r12, rax
	mov rdi, rbx
	lea rsi, [s_memtotal]
	call gen_str
	mov rsi, [ram_size]
	shr rsi, 10
	call gen_num
	lea rsi, [s_memfree]
	call gen_str
	mov rsi, r12
	call gen_num
	lea rsi, [s_memavail]
	call gen_str
	mov rsi, r12
	call gen_num
	lea rsi, [s_memrest]
	call gen_str
	pop r12
	pop rbx
	ret

; -----------------------------------------------------------------------------
; make_cpuinfo -- /proc/cpuinfo: one block per vCPU, from the engine's CPUID
;  IN:  RDI = inode to fill
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8-R11
make_cpuinfo:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	sub rsp, 96                        ; [0,16) vendor, [16,65) brand, [68] family,
	mov r13, rdi                       ; [72,96) flag words (CPUID clobbers RBX)
	xor eax, eax
	cpuid
	mov r14d, eax                      ; highest basic leaf
	mov [rsp], ebx
	mov [rsp + 4], edx
	mov [rsp + 8], ecx
	mov byte [rsp + 12], 0
	mov eax, 1
	cpuid
	mov r15d, eax                      ; signature
	mov [rsp + 72], edx                ; flag word 0: leaf 1 EDX
	mov [rsp + 76], ecx                ;           1: leaf 1 ECX
	xor eax, eax
	mov [rsp + 80], eax                ;           2, 5, 6: leaf 7 EBX, ECX, EDX
	mov [rsp + 92], eax
	mov [rsp + 84], eax                ;           3, 4: 0x80000001 EDX, ECX
	mov [rsp + 88], eax
	cmp r14d, 7
	jb .no7
	mov eax, 7
	xor ecx, ecx
	cpuid
	mov [rsp + 80], ebx
	mov [rsp + 92], ecx
.no7:	mov byte [rsp + 16], 0
	mov eax, 0x80000000
	cpuid
	mov ebp, eax
	cmp ebp, 0x80000001
	jb .brand
	mov eax, 0x80000001
	cpuid
	mov [rsp + 84], edx
	mov [rsp + 88], ecx
.brand:	cmp ebp, 0x80000004
	jb .facts
	mov eax, 0x80000002
	lea rdi, [rsp + 16]
.brand_leaf:
	push rax
	cpuid
	mov [rdi], eax
	mov [rdi + 4], ebx
	mov [rdi + 8], ecx
	mov [rdi + 12], edx
	add rdi, 16
	pop rax
	inc eax
	cmp eax, 0x80000004
	jbe .brand_leaf
	mov byte [rdi], 0
.facts:	mov rbx, r13
	xor r12d, r12d                     ; vCPU number
.cpu:	mov rax, [boot_info]
	cmp r12d, [rax + BootInfo.cpu_count]
	jae .done
	mov rdi, rbx
	lea rsi, [s_processor]
	call gen_str
	mov rsi, r12
	call gen_num
	lea rsi, [s_vendor]
	call gen_str
	mov rsi, rsp
	call gen_str
	lea rsi, [s_family]
	call gen_str
	mov esi, r15d                      ; family: base, plus extended when 15
	shr esi, 8
	and esi, 0xf
	cmp esi, 0xf
	jne .family
	mov eax, r15d
	shr eax, 20
	movzx eax, al
	add esi, eax
.family:
	mov [rsp + 68], esi
	call gen_num
	lea rsi, [s_model]
	call gen_str
	mov esi, r15d                      ; model: base, plus extended from family 6
	shr esi, 4
	and esi, 0xf
	cmp dword [rsp + 68], 6
	jb .model
	mov eax, r15d
	shr eax, 12
	and eax, 0xf0
	add esi, eax
.model:	call gen_num
	lea rsi, [s_model_name]
	call gen_str
	lea rsi, [rsp + 16]
.trim:	cmp byte [rsi], ' '
	jne .trimmed
	inc rsi
	jmp .trim
.trimmed:
	call gen_str
	lea rsi, [s_stepping]
	call gen_str
	mov esi, r15d
	and esi, 0xf
	call gen_num
	lea rsi, [s_siblings]
	call gen_str
	mov rax, [boot_info]
	mov esi, [rax + BootInfo.cpu_count]
	call gen_num
	lea rsi, [s_core_id]
	call gen_str
	mov rsi, r12
	call gen_num
	lea rsi, [s_cores]
	call gen_str
	mov rax, [boot_info]
	mov esi, [rax + BootInfo.cpu_count]
	call gen_num
	lea rsi, [s_apicid]
	call gen_str
	mov rsi, r12
	call gen_num
	lea rsi, [s_level]
	call gen_str
	mov esi, r14d
	call gen_num
	lea rsi, [s_flags]
	call gen_str
	lea rbp, [cpu_flag_names]          ; {word, bit, name, 0} ... 0xff
.flag:	movzx eax, byte [rbp]
	cmp eax, 0xff
	je .flags_done
	movzx ecx, byte [rbp + 1]
	mov edx, [rsp + 72 + rax * 4]
	lea rsi, [rbp + 2]
.skip:	inc rbp                            ; RBP -> the next entry
	cmp byte [rbp + 1], 0
	jne .skip
	add rbp, 2
	bt edx, ecx
	jnc .flag
	push rsi
	lea rsi, [s_space]
	call gen_str
	pop rsi
	call gen_str
	jmp .flag
.flags_done:
	lea rsi, [s_tail]
	call gen_str
	inc r12d
	jmp .cpu
.done:	add rsp, 96
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

section .rodata
NAME n_dev, 'dev'
NAME n_proc, 'proc'
NAME n_tmp, 'tmp'
NAME n_etc, 'etc'
NAME n_null, 'null'
NAME n_zero, 'zero'
NAME n_full, 'full'
NAME n_random, 'random'
NAME n_urandom, 'urandom'
NAME n_fd, 'fd'
NAME n_stdin, 'stdin'
NAME n_stdout, 'stdout'
NAME n_stderr, 'stderr'
NAME n_self, 'self'
NAME n_pid1, '1'
NAME n_exe, 'exe'
NAME n_cpuinfo, 'cpuinfo'
NAME n_meminfo, 'meminfo'
NAME n_maps, 'maps'
NAME n_hostname, 'hostname'
NAME n_passwd, 'passwd'
NAME n_group, 'group'
NAME n_hosts, 'hosts'
NAME n_resolv, 'resolv.conf'
t_fd:       db '/proc/self/fd', 0
t_stdin:    db '/proc/self/fd/0', 0
t_stdout:   db '/proc/self/fd/1', 0
t_stderr:   db '/proc/self/fd/2', 0
t_self:     db '1', 0
c_hostname: db 'unikv', 10, 0
c_passwd:   db 'root:x:0:0:root:/:/bin/sh', 10, 0
c_group:    db 'root:x:0:', 10, 0
c_hosts:    db '127.0.0.1 localhost', 10, '::1 localhost ip6-localhost ip6-loopback', 10, '127.0.1.1 unikv', 10, 0
c_resolv:   db '# the VMM forwards queries to this address to the host', 39, 's own resolver', 10
            db 'nameserver 10.0.2.3', 10, 0
s_memtotal: db 'MemTotal:       ', 0
s_memfree:  db ' kB', 10, 'MemFree:        ', 0
s_memavail: db ' kB', 10, 'MemAvailable:   ', 0
s_memrest:  db ' kB', 10, 'Buffers:        0 kB', 10, 'Cached:         0 kB', 10
            db 'SwapTotal:      0 kB', 10, 'SwapFree:       0 kB', 10, 0
s_processor:  db 'processor', 9, ': ', 0
s_vendor:     db 10, 'vendor_id', 9, ': ', 0
s_family:     db 10, 'cpu family', 9, ': ', 0
s_model:      db 10, 'model', 9, 9, ': ', 0
s_model_name: db 10, 'model name', 9, ': ', 0
s_stepping:   db 10, 'stepping', 9, ': ', 0
s_siblings:   db 10, 'physical id', 9, ': 0', 10, 'siblings', 9, ': ', 0
s_core_id:    db 10, 'core id', 9, 9, ': ', 0
s_cores:      db 10, 'cpu cores', 9, ': ', 0
s_apicid:     db 10, 'apicid', 9, 9, ': ', 0
s_level:      db 10, 'fpu', 9, 9, ': yes', 10, 'fpu_exception', 9, ': yes', 10, 'cpuid level', 9, ': ', 0
s_flags:      db 10, 'wp', 9, 9, ': yes', 10, 'flags', 9, 9, ':', 0
s_space:      db ' ', 0
s_dash:       db '-', 0
s_newline:    db 10, 0
s_map_mid:    db ' 00000000 00:00 0                          ', 0
s_rwxp:       db 'rwxp', 0
s_rwp:        db 'rw-p', 0
s_rxp:        db 'r-xp', 0
s_heap:       db '[heap]', 0
s_stack:      db '[stack]', 0
s_vdso:       db '[vdso]', 0
s_tail:       db 10, 'clflush size', 9, ': 64', 10, 'cache_alignment', 9, ': 64', 10
              db 'address sizes', 9, ': 40 bits physical, 48 bits virtual', 10, 10, 0
; CPUID bits as Linux names them, in Linux's order. Word: 0 leaf 1 EDX, 1 leaf 1 ECX,
; 2 leaf 7 EBX, 3 0x80000001 EDX, 4 0x80000001 ECX, 5 leaf 7 ECX.
%macro FLAG 3
	db %1, %2, %3, 0
%endmacro
cpu_flag_names:
	FLAG 0, 0, 'fpu'
	FLAG 0, 1, 'vme'
	FLAG 0, 2, 'de'
	FLAG 0, 3, 'pse'
	FLAG 0, 4, 'tsc'
	FLAG 0, 5, 'msr'
	FLAG 0, 6, 'pae'
	FLAG 0, 7, 'mce'
	FLAG 0, 8, 'cx8'
	FLAG 0, 9, 'apic'
	FLAG 0, 11, 'sep'
	FLAG 0, 12, 'mtrr'
	FLAG 0, 13, 'pge'
	FLAG 0, 14, 'mca'
	FLAG 0, 15, 'cmov'
	FLAG 0, 16, 'pat'
	FLAG 0, 17, 'pse36'
	FLAG 0, 19, 'clflush'
	FLAG 0, 21, 'dts'
	FLAG 0, 22, 'acpi'
	FLAG 0, 23, 'mmx'
	FLAG 0, 24, 'fxsr'
	FLAG 0, 25, 'sse'
	FLAG 0, 26, 'sse2'
	FLAG 0, 27, 'ss'
	FLAG 0, 28, 'ht'
	FLAG 0, 29, 'tm'
	FLAG 0, 31, 'pbe'
	FLAG 3, 11, 'syscall'
	FLAG 3, 20, 'nx'
	FLAG 3, 22, 'mmxext'
	FLAG 3, 25, 'fxsr_opt'
	FLAG 3, 26, 'pdpe1gb'
	FLAG 3, 27, 'rdtscp'
	FLAG 3, 29, 'lm'
	FLAG 3, 30, '3dnowext'
	FLAG 3, 31, '3dnow'
	FLAG 1, 0, 'pni'
	FLAG 1, 1, 'pclmulqdq'
	FLAG 1, 2, 'dtes64'
	FLAG 1, 3, 'monitor'
	FLAG 1, 4, 'ds_cpl'
	FLAG 1, 5, 'vmx'
	FLAG 1, 6, 'smx'
	FLAG 1, 7, 'est'
	FLAG 1, 8, 'tm2'
	FLAG 1, 9, 'ssse3'
	FLAG 1, 10, 'cid'
	FLAG 1, 12, 'fma'
	FLAG 1, 13, 'cx16'
	FLAG 1, 14, 'xtpr'
	FLAG 1, 15, 'pdcm'
	FLAG 1, 17, 'pcid'
	FLAG 1, 18, 'dca'
	FLAG 1, 19, 'sse4_1'
	FLAG 1, 20, 'sse4_2'
	FLAG 1, 21, 'x2apic'
	FLAG 1, 22, 'movbe'
	FLAG 1, 23, 'popcnt'
	FLAG 1, 24, 'tsc_deadline_timer'
	FLAG 1, 25, 'aes'
	FLAG 1, 26, 'xsave'
	FLAG 1, 28, 'avx'
	FLAG 1, 29, 'f16c'
	FLAG 1, 30, 'rdrand'
	FLAG 1, 31, 'hypervisor'
	FLAG 4, 0, 'lahf_lm'
	FLAG 4, 1, 'cmp_legacy'
	FLAG 4, 2, 'svm'
	FLAG 4, 3, 'extapic'
	FLAG 4, 4, 'cr8_legacy'
	FLAG 4, 5, 'abm'
	FLAG 4, 6, 'sse4a'
	FLAG 4, 7, 'misalignsse'
	FLAG 4, 8, '3dnowprefetch'
	FLAG 4, 9, 'osvw'
	FLAG 4, 11, 'xop'
	FLAG 4, 16, 'fma4'
	FLAG 4, 21, 'tbm'
	FLAG 4, 22, 'topoext'
	FLAG 2, 0, 'fsgsbase'
	FLAG 2, 1, 'tsc_adjust'
	FLAG 2, 3, 'bmi1'
	FLAG 2, 4, 'hle'
	FLAG 2, 5, 'avx2'
	FLAG 2, 7, 'smep'
	FLAG 2, 8, 'bmi2'
	FLAG 2, 9, 'erms'
	FLAG 2, 10, 'invpcid'
	FLAG 2, 11, 'rtm'
	FLAG 2, 16, 'avx512f'
	FLAG 2, 17, 'avx512dq'
	FLAG 2, 18, 'rdseed'
	FLAG 2, 19, 'adx'
	FLAG 2, 20, 'smap'
	FLAG 2, 23, 'clflushopt'
	FLAG 2, 24, 'clwb'
	FLAG 2, 28, 'avx512cd'
	FLAG 2, 29, 'sha_ni'
	FLAG 2, 30, 'avx512bw'
	FLAG 2, 31, 'avx512vl'
	FLAG 5, 2, 'umip'
	FLAG 5, 3, 'pku'
	FLAG 5, 8, 'gfni'
	FLAG 5, 9, 'vaes'
	FLAG 5, 10, 'vpclmulqdq'
	FLAG 5, 22, 'rdpid'
	db 0xff

section .bss
alignb 8
etc_inode:     resq 1
fd_link_inode: resq 1     ; what /proc/self/fd/N names (Walk.fd says which N)
main_stack:    resq 1     ; the program's main stack (start_application sets it)
section .text
