; The reservation area: address space for large PROT_NONE mappings, above RAM.
;
; Runtimes reserve far more address space than they use (Go's page allocator asks
; for over 512 MiB at start, then makes small pieces of it accessible). Such a
; reservation cannot come from RAM. The VMM backs all guest-physical memory up to
; RESERVE_END, committing host memory only when a page is first touched; the boot
; page tables map RAM alone. A reservation takes whole 2 MiB chunks from
; [RAM's end rounded up to 2 MiB, RESERVE_END), identity mapped like the rest, and
; makes their page-directory entries present; munmap gives them back, cleared (a
; FILL of zeros, which returns the host pages: vmm/native-memory.ts) and not present
; again. Protections are not enforced (one flat mapping, as for RAM), so a
; reservation costs nothing until the program writes to it.
;
; A chunk made not present may stay in another vCPU's TLB until that vCPU's next
; address-space switch: there a stray access succeeds (and reads zeros) instead of
; faulting. The next reservation of the chunk maps it to the same place (identity),
; so nothing can read another mapping's data through a stale entry.

RESERVE_CHUNK      equ 0x200000          ; one page-directory entry
RESERVE_CHUNK_BITS equ 21
RESERVE_MAX_CHUNKS equ RESERVE_END >> RESERVE_CHUNK_BITS
PDE_HUGE_PRESENT   equ 0x83              ; present, writable, 2 MiB page

section .text

; -----------------------------------------------------------------------------
; init_reserve -- where the reservation area begins (after init_boot_info)
;  IN:  ram_size
;  OUT: reserve_first = the first chunk index of the area
;  Clobbers: RAX
init_reserve:
	mov rax, [ram_size]
	add rax, RESERVE_CHUNK - 1
	shr rax, RESERVE_CHUNK_BITS
	mov [reserve_first], rax
	ret

; -----------------------------------------------------------------------------
; reserve_range -- take enough whole chunks for `len` bytes, first fit
;  IN:  RDI = length in bytes (> 0)
;  OUT: RAX = the address (2 MiB aligned), or 0 when the area has no such run
;  Clobbers: RCX, RDX, RSI, RDI, R8
reserve_range:
	lea rsi, [rdi + RESERVE_CHUNK - 1]
	shr rsi, RESERVE_CHUNK_BITS            ; chunks wanted
	SPIN_LOCK [reserve_lock]
	mov rcx, [reserve_first]
.start:	lea rdx, [rcx + rsi]                  ; a run [RCX, RDX)?
	cmp rdx, RESERVE_MAX_CHUNKS
	ja .none
	mov r8, rcx
.probe:	bt [reserve_map], r8
	jc .next
	inc r8
	cmp r8, rdx
	jb .probe
	; Found: mark the chunks taken and their directory entries present.
	mov r8, rcx
.take:	bts [reserve_map], r8
	mov rax, r8
	shl rax, RESERVE_CHUNK_BITS
	or rax, PDE_HUGE_PRESENT
	mov [PD_ADDR + r8 * 8], rax
	inc r8
	cmp r8, rdx
	jb .take
	mov rax, rcx
	shl rax, RESERVE_CHUNK_BITS
	SPIN_UNLOCK [reserve_lock]
	ret
.next:	lea rcx, [r8 + 1]                     ; past the taken chunk
	jmp .start
.none:	SPIN_UNLOCK [reserve_lock]
	xor eax, eax
	ret

; -----------------------------------------------------------------------------
; reserve_covers -- does [addr, addr+len) lie inside reserved chunks only?
;  IN:  RDI = address, RSI = length (> 0, no wrap: the caller checks)
;  OUT: CF clear when it does, set when not
;  Clobbers: RAX, RCX, RDX
reserve_covers:
	mov rcx, rdi
	shr rcx, RESERVE_CHUNK_BITS
	cmp rcx, [reserve_first]
	jb .no
	lea rdx, [rdi + rsi - 1]
	shr rdx, RESERVE_CHUNK_BITS            ; last chunk
	cmp rdx, RESERVE_MAX_CHUNKS
	jae .no
.each:	bt [reserve_map], rcx
	jnc .no
	inc rcx
	cmp rcx, rdx
	jbe .each
	clc
	ret
.no:	stc
	ret

; -----------------------------------------------------------------------------
; release_range -- munmap inside the area: clear the range; chunks it covers
;  whole go back, not present
;  IN:  RDI = address (page aligned), RSI = length (> 0), inside reserved chunks
;       (reserve_covers said so)
;  OUT: none
;  Clobbers: RAX, RCX, RDX, RSI, RDI, R8
release_range:
	push rbx
	push r12
	mov rbx, rdi
	mov r12, rsi
	add r12, PAGE_SIZE - 1
	and r12, ~(PAGE_SIZE - 1)
	mov rdx, r12
	call kzero                             ; the host takes the pages back (FILL)
	; Whole chunks: first = up(addr), end = down(addr + len).
	lea rcx, [rbx + RESERVE_CHUNK - 1]
	shr rcx, RESERVE_CHUNK_BITS
	lea rdx, [rbx + r12]
	shr rdx, RESERVE_CHUNK_BITS
	SPIN_LOCK [reserve_lock]
.give:	cmp rcx, rdx
	jae .flush
	btr [reserve_map], rcx
	mov qword [PD_ADDR + rcx * 8], 0
	inc rcx
	jmp .give
.flush:	SPIN_UNLOCK [reserve_lock]
	mov rax, cr3                           ; this vCPU forgets them now
	mov cr3, rax
	pop r12
	pop rbx
	ret

section .bss
alignb 8
reserve_first: resq 1                     ; first chunk index of the area
reserve_lock:  resq 1
reserve_map:   resb RESERVE_MAX_CHUNKS / 8 ; one bit per chunk of the whole space: 1 = reserved
section .text
