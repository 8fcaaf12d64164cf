; Pointers the program hands to the kernel. The program shares the kernel's address
; space and runs in ring 0, so nothing stops the kernel from following a pointer into
; its own memory: these checks do. A system call takes a program pointer only through
; them, and a pointer that fails gets -EFAULT, never a kernel fault or a write into
; the kernel.
;
; The program's memory (readable and writable):
;   - its image and the brk window: [user_image_start, heap_start), one pair of
;     compares, the common case;
;   - pages above heap_start that the allocator handed to the program (mmap, the main
;     thread's stack): marked in user_bitmap (mm/pages.asm).
; Readable as well, never writable (the program legitimately passes them as input):
;   - the argument area [BootInfo.argv, BootInfo.kernel_start): argv and envp strings,
;     e.g. open(argv[1]) (the VMM writes them just below the kernel);
;   - the vDSO image (sys/vdso.asm), and the AT_RANDOM bytes in the BootInfo.
; Everything else is refused: page 0, the BootInfo, the boot GDT, the page tables,
; the kernel image, the allocator's kernel pages (task blocks, kernel stacks, kmalloc
; slabs, file pages) and free pages, and anything beyond RAM. user_pages_owned is the
; one place that decides about memory above heap_start.
;
; A check is only as good as the moment it is made: a thread that unmaps a buffer
; while another thread's call is using it can still lose the race; the checks stop
; every pointer that is wrong when the call is made.

extern __executable_start, _end        ; the kernel image's bounds (ld's default script)

section .text

; -----------------------------------------------------------------------------
; init_user_memory -- the bounds of the program's image for the pointer checks
;  IN:  boot_info, heap_start (init_pages)
;  OUT: user_image_start, never below BOOT_AREA_END (the VMM's areas: BootInfo, boot GDT,
;       page tables, arguments); stops the VM when the kernel image lies inside the
;       program's window (the checks would hand the kernel to the program)
;  Clobbers: RAX, RCX, RDX, RSI
init_user_memory:
	mov rax, [boot_info]
	mov rax, [rax + BootInfo.app_start]
	and rax, ~(PAGE_SIZE - 1)
	cmp rax, BOOT_AREA_END
	jae .floor
	mov eax, BOOT_AREA_END
.floor:	mov [user_image_start], rax
	lea rcx, [_end]                    ; the kernel image: [__executable_start, _end)
	cmp rcx, rax
	jbe .ok
	lea rcx, [__executable_start]
	cmp rcx, [heap_start]
	jae .ok
	lea rsi, [msg_overlap]
	call kprint_cstr
	mov eax, STATUS_CANNOT_START
	mov edx, PORT_PANIC
	out dx, eax
	hlt
.ok:	ret

; -----------------------------------------------------------------------------
; check_user_write -- may the kernel write [addr, addr+len) for the program (an
; output: a buffer to fill, a struct to answer in)?
;  IN:  RDI = address, RSI = length
;  OUT: CF clear when the whole range is the program's memory, set when not (an
;       empty range is always accepted: nothing is touched)
;  Clobbers: RAX
check_user_write:
	test rsi, rsi
	jz .ok
	mov rax, rdi
	add rax, rsi                       ; the end
	jc .bad                            ; wrapped past 2^64
	cmp rdi, [user_image_start]
	jb .bad
	cmp rax, [heap_start]
	ja user_pages_owned                ; (tail call: RAX = end)
.ok:	clc
	ret
.bad:	stc
	ret

; -----------------------------------------------------------------------------
; user_pages_owned -- the part of check_user_write above the program's image: every
; page of the range from heap_start up must be marked the program's. A bit a page for
; the first pages (a small range costs a compare or two), then a whole bitmap word
; (64 pages) at a time. Above RAM, the range must lie in reserved chunks
; (mm/reserve.asm).
;  IN:  RDI = address (>= user_image_start), RAX = end (> heap_start, no wrap)
;  OUT: CF clear when owned, set when not
;  Clobbers: RAX
user_pages_owned:
	cmp rax, [ram_size]
	ja .above_ram
	push rcx
	push rdx
	lea rdx, [rax - 1]
	shr rdx, 12                        ; the last page
	mov rcx, [heap_start]
	cmp rdi, rcx
	jbe .first
	mov rcx, rdi
.first:	shr rcx, 12                        ; the first page at or above heap_start
.bit:	bt [user_bitmap], rcx
	jnc .not
	inc rcx
	cmp rcx, rdx
	ja .yes
	test ecx, 63
	jnz .bit
.words:	lea rax, [rcx + 63]                ; 64 pages left: one word
	cmp rax, rdx
	ja .bit
	mov rax, rcx
	shr rax, 3
	cmp qword [user_bitmap + rax], -1
	jne .not
	add rcx, 64
	cmp rcx, rdx
	jbe .words
.yes:	pop rdx
	pop rcx
	clc
	ret
.not:	pop rdx
	pop rcx
.bad:	stc
	ret
.above_ram:
	cmp rdi, [ram_size]
	jb .bad                            ; runs from RAM into the area above it
	push rcx
	push rdx
	push rsi
	mov rsi, rax
	sub rsi, rdi
	call reserve_covers                ; CF as the answer; the pops keep it
	pop rsi
	pop rdx
	pop rcx
	ret

; -----------------------------------------------------------------------------
; check_user_read -- may the kernel read [addr, addr+len) for the program (an input:
; data to write out, a struct or string it passes in)? The program's memory, and the
; read-only areas: the argument strings, the vDSO, the AT_RANDOM bytes.
;  IN:  RDI = address, RSI = length
;  OUT: CF clear when readable, set when not (an empty range is accepted)
;  Clobbers: RAX
check_user_read:
	call check_user_write
	jnc .ok
	mov rax, rdi
	add rax, rsi
	jc .bad
	push rcx
	mov rcx, [boot_info]
	cmp rdi, [rcx + BootInfo.argv]
	jb .not_args
	cmp rax, [rcx + BootInfo.kernel_start]
	jbe .ok_pop
.not_args:
	pop rcx
.vdso:	push rcx
	lea rcx, [vdso_image]
	cmp rdi, rcx
	jb .random
	lea rcx, [vdso_image.end]
	cmp rax, rcx
	jbe .ok_pop
.random:
	mov rcx, [boot_info]
	add rcx, BootInfo.random
	cmp rdi, rcx
	jb .bad_pop
	add rcx, 16
	cmp rax, rcx
	ja .bad_pop
.ok_pop:
	pop rcx
.ok:	clc
	ret
.bad_pop:
	pop rcx
.bad:	stc
	ret

; -----------------------------------------------------------------------------
; copy_from_user -- copy an input from the program into the kernel
;  IN:  RDI = kernel destination, RSI = program address, RDX = length
;  OUT: RAX = 0, or -EFAULT (nothing copied)
;  Clobbers: RCX, RDX, RSI, RDI
copy_from_user:
	xchg rdi, rsi
	xchg rsi, rdx                      ; RDI = program address, RSI = length
	call check_user_read
	jc .efault
	mov rcx, rsi
	mov rsi, rdi
	mov rdi, rdx
	rep movsb
	xor eax, eax
	ret
.efault:
	mov rax, -EFAULT
	ret

; -----------------------------------------------------------------------------
; copy_to_user -- copy an answer from the kernel into the program's memory
;  IN:  RDI = program address, RSI = kernel source, RDX = length
;  OUT: RAX = 0, or -EFAULT (nothing copied)
;  Clobbers: RCX, RDX, RSI, RDI
copy_to_user:
	xchg rsi, rdx                      ; RSI = length, RDX = kernel source
	call check_user_write
	jc .efault
	mov rcx, rsi
	mov rsi, rdx
	rep movsb
	xor eax, eax
	ret
.efault:
	mov rax, -EFAULT
	ret

; -----------------------------------------------------------------------------
; user_read_span -- how many bytes from an address on the kernel may read for the
; program, up to a limit (the readable prefix, found a page at a time)
;  IN:  RDI = address, RSI = limit
;  OUT: RAX = bytes (0: not even the first byte; the limit when all are readable)
;  Clobbers: nothing else
user_read_span:
	call check_user_read
	jc .partial
	mov rax, rsi
	ret
.partial:
	push rcx
	push rdx
	push rsi
	mov rdx, rsi                       ; the limit
	xor ecx, ecx                       ; readable so far
	mov esi, edi
	and esi, PAGE_SIZE - 1
	neg rsi
	add rsi, PAGE_SIZE                 ; the rest of the first page
.grow:	add rsi, rcx
	cmp rsi, rdx
	jae .out                           ; the whole limit is not readable
	call check_user_read
	jc .out
	mov rcx, rsi
	mov esi, PAGE_SIZE
	jmp .grow
.out:	mov rax, rcx
	pop rsi
	pop rdx
	pop rcx
	ret

; -----------------------------------------------------------------------------
; copy_user_string -- copy the program's NUL-terminated string into a kernel buffer
;
; The one way a string (a path, a name, a key) crosses from the program into the
; kernel. Every byte read lies in the readable prefix user_read_span finds (the rule
; of check_user_read); the comparisons are on byte counts from the string's start, so
; no address sum can wrap. Eight bytes a turn while a whole word lies inside the
; prefix and the limit, byte by byte only near either end: under the engine every
; turn of a loop costs translated blocks. Bytes copied past the NUL land inside the
; buffer and mean nothing.
;  IN:  RDI = program address, RSI = buffer, RDX = limit: the buffer's size, the
;       most bytes the string may take with its NUL
;  OUT: RAX = length (0 for ""), or -EFAULT (a byte before the NUL is not readable),
;       -ENAMETOOLONG (no NUL within the limit)
;  Clobbers: RCX, RDX
copy_user_string:
	push rsi
	mov rsi, rdx
	call user_read_span
	pop rsi
	test rax, rax
	jz .efault
	mov rcx, rax                       ; readable bytes
	xor eax, eax
	push r8
	push r9
	push r10
	mov r10, rdx                       ; the limit
	mov r9, 0x0101010101010101
.word:	lea rdx, [rax + 8]
	cmp rdx, rcx
	ja .tail
	cmp rdx, r10
	ja .tail
	mov rdx, [rdi + rax]
	mov [rsi + rax], rdx
	ZERO_BYTES r8, rdx, r9             ; a NUL in the word?
	mov rdx, r9
	shl rdx, 7
	and r8, rdx
	jnz .nul
	add rax, 8
	jmp .word
.nul:	bsf r8, r8                         ; the lowest flagged byte is the first NUL
	shr r8, 3
	add rax, r8
	jmp .out
.byte:	inc rax
.tail:	cmp rax, r10                       ; near the end of the limit or the prefix
	jae .toolong                       ; the limit counts the NUL
	cmp rax, rcx
	jae .efault_pop
	mov dl, [rdi + rax]
	mov [rsi + rax], dl
	test dl, dl
	jnz .byte
.out:	pop r10
	pop r9
	pop r8
	ret
.efault_pop:
	mov rax, -EFAULT
	jmp .out
.toolong:
	mov rax, -ENAMETOOLONG
	jmp .out
.efault:
	mov rax, -EFAULT
	ret

section .rodata
msg_overlap: db 'kernel: the kernel image lies inside the program', 39, 's memory window', 10, 0

section .bss
alignb 8
user_image_start: resq 1   ; lowest address of the program's image (page aligned)
section .text
