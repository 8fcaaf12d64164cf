; The vDSO: clocks, time and the current CPU without a system call, as Linux gives
; every process.
;
; C libraries and runtimes find a vDSO through the auxiliary vector (AT_SYSINFO_EHDR:
; the address of an ELF image), look up __vdso_clock_gettime and friends in its
; dynamic symbol table, and then call them instead of making the system call. The
; program runs in ring 0 in the kernel's address space, so each function can simply
; be the kernel's own handler (the clocks are read from the TSC, lib/clock.asm): a
; call instead of a system call. The image holds what those lookups read (musl's
; src/internal/vdso.c, Go's runtime/vdso_linux.go): the ELF header, a PT_LOAD (its
; base), a PT_DYNAMIC with DT_STRTAB, DT_SYMTAB, DT_HASH and the version tables
; (DT_VERSYM, DT_VERDEF: every symbol is version LINUX_2.6, as on Linux; Go reads
; them unconditionally), the symbols, and a hash table whose buckets and chains
; both kinds of lookup walk.
;
; A clock it does not have, or a bad pointer, comes back as -EINVAL or -EFAULT; musl
; returns EINVAL itself and makes the real system call for anything else, so errors
; look exactly as without the vDSO.

AT_SYSINFO_EHDR equ 33

; VDSO_SYMBOL name, function -- one dynamic symbol: a global function, relative to the base
%macro VDSO_SYMBOL 2
	dd %1 - .strings                   ; st_name
	db 0x12                            ; st_info: STB_GLOBAL, STT_FUNC
	db 0                               ; st_other
	dw 1                               ; st_shndx: defined (any section but UNDEF)
	dq %2 - vdso_image                 ; st_value
	dq 0                               ; st_size
%endmacro
VDSO_SYMBOLS equ 6                     ; symbol 0 (none) and five functions

section .text
align 16
; -----------------------------------------------------------------------------
; vdso_image -- the ELF image AT_SYSINFO_EHDR points at (offsets are from its start)
vdso_image:
	db 0x7f, 'ELF', 2, 1, 1, 0         ; 64-bit, little-endian, version 1, System V
	dq 0                               ; padding of e_ident
	dw 3                               ; e_type: ET_DYN
	dw 62                              ; e_machine: x86-64
	dd 1                               ; e_version
	dq vdso_clock_gettime - vdso_image ; e_entry (unused)
	dq .phdrs - vdso_image             ; e_phoff
	dq 0                               ; e_shoff: no sections
	dd 0                               ; e_flags
	dw 64                              ; e_ehsize
	dw 56                              ; e_phentsize
	dw 2                               ; e_phnum
	dw 64, 0, 0                        ; e_shentsize, e_shnum, e_shstrndx
.phdrs:
	dd 1, 5                            ; PT_LOAD, read + execute
	dq 0, 0, 0                         ; p_offset, p_vaddr, p_paddr: base = the image
	dq .end - vdso_image, .end - vdso_image, 16
	dd 2, 4                            ; PT_DYNAMIC, read
	dq .dynamic - vdso_image, .dynamic - vdso_image, .dynamic - vdso_image
	dq .dynamic_end - .dynamic, .dynamic_end - .dynamic, 8
.dynamic:
	dq 5, .strings - vdso_image        ; DT_STRTAB
	dq 6, .symbols - vdso_image        ; DT_SYMTAB
	dq 4, .hash - vdso_image           ; DT_HASH
	dq 11, 24                          ; DT_SYMENT
	dq 10, .strings_end - .strings     ; DT_STRSZ
	dq 0x6ffffff0, .versym - vdso_image ; DT_VERSYM
	dq 0x6ffffffc, .verdef - vdso_image ; DT_VERDEF
	dq 0x6ffffffd, 2                   ; DT_VERDEFNUM
	dq 0, 0                            ; DT_NULL
.dynamic_end:

.symbols:
	times 24 db 0                      ; symbol 0: none
	VDSO_SYMBOL .clock_gettime, vdso_clock_gettime
	VDSO_SYMBOL .gettimeofday, vdso_gettimeofday
	VDSO_SYMBOL .time, vdso_time
	VDSO_SYMBOL .getcpu, vdso_getcpu
	VDSO_SYMBOL .clock_getres, vdso_clock_getres
.hash:
	dd 1, VDSO_SYMBOLS                 ; nbucket, nchain (= number of symbols)
	dd 1                               ; bucket 0: symbol 1, and every symbol chains on
	dd 0, 2, 3, 4, 5, 0                ; chain[i]: the next symbol after i
.versym:
	dw 0, 2, 2, 2, 2, 2                ; symbol i's version: 2 = LINUX_2.6 (0: symbol 0)
	align 4
.verdef:                               ; Elf64_Verdef, then its Elf64_Verdaux
	dw 1, 1, 1, 1                      ; version 1, VER_FLG_BASE, index 1, one name
	dd 0x0deebfa1                      ; ELF hash of "linux-vdso.so.1"
	dd 20, 28                          ; vd_aux, vd_next
	dd .soname - .strings, 0           ; vda_name, vda_next
	dw 1, 0, 2, 1                      ; version 1, no flags, index 2, one name
	dd 0x03ae75f6                      ; ELF hash of "LINUX_2.6" (Go compares it)
	dd 20, 0                           ; vd_aux, vd_next: the last
	dd .version - .strings, 0          ; vda_name, vda_next
.strings:
	db 0
.soname:	db 'linux-vdso.so.1', 0
.version:	db 'LINUX_2.6', 0
.clock_gettime:	db '__vdso_clock_gettime', 0
.gettimeofday:	db '__vdso_gettimeofday', 0
.time:	db '__vdso_time', 0
.getcpu:	db '__vdso_getcpu', 0
.clock_getres:	db '__vdso_clock_getres', 0
.strings_end:
.end:

; -----------------------------------------------------------------------------
; vdso_clock_gettime, vdso_gettimeofday, vdso_time, vdso_getcpu, vdso_clock_getres --
; the functions the program calls (System V ABI): the system calls' own handlers
;  IN:  as the system call's arguments (RDI, RSI, RDX)
;  OUT: RAX = as the system call would give (a result or -errno)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11 (caller-saved)
vdso_clock_gettime:
	cmp rdi, CLOCK_PROCESS_CPUTIME_ID
	je .syscall
	cmp rdi, CLOCK_THREAD_CPUTIME_ID
	jne sys_clock_gettime
.syscall:                                  ; CPU time: read under the scheduler's lock,
	mov eax, SYS_clock_gettime         ; which needs interrupts off
	syscall
	ret
vdso_gettimeofday:
	jmp sys_gettimeofday
vdso_time:
	jmp sys_time
vdso_getcpu:
	jmp sys_getcpu
vdso_clock_getres:
	jmp sys_clock_getres
