; The vDSO: clock_gettime without a system call, as Linux gives every process.
;
; musl looks for a vDSO through the auxiliary vector (AT_SYSINFO_EHDR: the address of
; an ELF image), finds __vdso_clock_gettime in its dynamic symbol table and then
; calls it instead of making the system call. The program runs in ring 0 in the
; kernel's address space, so the function can simply be the kernel's own
; clock_gettime (the clocks are read from the TSC, lib/clock.asm): a call instead of
; a system call. What musl's lookup (src/internal/vdso.c) reads, and all this image
; holds: the ELF header, a PT_LOAD (its base), a PT_DYNAMIC with DT_STRTAB, DT_SYMTAB
; and DT_HASH, one symbol, and a hash table whose chain count bounds the symbol
; search. No version definitions: musl then skips the version check.
;
; A clock it does not have, or a bad pointer, comes back as -EINVAL or -EFAULT; musl
; returns EINVAL itself and makes the real system call for anything else, so errors
; look exactly as without the vDSO.

AT_SYSINFO_EHDR equ 33

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
	dq 0, 0                            ; DT_NULL
.dynamic_end:
.symbols:
	times 24 db 0                      ; symbol 0: none
	dd .name - .strings                ; st_name
	db 0x12                            ; st_info: STB_GLOBAL, STT_FUNC
	db 0                               ; st_other
	dw 1                               ; st_shndx: defined (any section but UNDEF)
	dq vdso_clock_gettime - vdso_image ; st_value: the function, relative to the base
	dq 0                               ; st_size
.hash:
	dd 1, 2                            ; nbucket, nchain (= number of symbols)
	dd 1                               ; bucket 0: symbol 1
	dd 0, 0                            ; chains
.strings:
	db 0
.name:	db '__vdso_clock_gettime', 0
.strings_end:
.end:

; -----------------------------------------------------------------------------
; vdso_clock_gettime -- clock_gettime(clock, ts), called by the program (System V ABI)
;  IN:  RDI = clock id, RSI = struct timespec *
;  OUT: RAX = 0 or -errno (as the system call would give)
;  Clobbers: RCX, RDX, RSI, RDI, R8-R11 (caller-saved)
vdso_clock_gettime:
	jmp sys_clock_gettime
