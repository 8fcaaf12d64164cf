; The kernel's clock: the host's clocks, extended by the TSC between readings.
;
; Reading the host (the CLOCK hypercall) leaves the engine for the VMM, about a
; microsecond; rdtsc runs inside it (about 18 ns: the engine returns the host's
; own time-stamp counter, the same on every vCPU because they all run on one host
; thread). So the kernel reads the host now and then and counts TSC ticks in
; between, as Linux's vDSO does: time = base + (TSC - base TSC) * rate.
;
; - The rate (ns per tick, 32.32 fixed point) is measured against the host's
;   monotonic clock between two host readings at least CLOCK_CALIBRATE_NS apart,
;   and measured again at every later reading. Until the first measurement every
;   read asks the host, as it always did. A host reading is dated by the TSC
;   before and after the hypercall; a slow round trip is not used for either.
; - A base older than CLOCK_RESYNC_NS (by the TSC) is read again from the host.
; - Monotonic: a new base never lies before what the old one gave for the same
;   moment, so CLOCK_MONOTONIC never goes back (REALTIME moves with it).
; - Bases change under clock_lock (interrupts off); readers use clock_seq, a
;   sequence count that is odd while a base is being written, and try again.

CLOCK_REALTIME        equ 0
CLOCK_REALTIME_COARSE equ 5
CLOCK_BOOTTIME        equ 7
CLOCK_REALTIME_ALARM  equ 8
CLOCK_BOOTTIME_ALARM  equ 9

CLOCK_CALIBRATE_NS equ 10000000      ; measure the rate over at least 10 ms of host time
CLOCK_MAX_BRACKET  equ 100000        ; TSC ticks a usable host reading may take (~40 us)
CLOCK_RESYNC_NS    equ 50000000      ; read the host again after 50 ms

section .text

; -----------------------------------------------------------------------------
; clock_now -- read one clock
;  IN:  RDI = Linux clock id (CLOCK_REALTIME and its variants read the wall clock,
;        every other id the monotonic clock)
;  OUT: RAX = nanoseconds
;  Clobbers: RCX, RDX
clock_now:
	push rsi
	push r8
.retry:
	mov rsi, [clock_seq]
	test esi, 1
	jnz .host                          ; a base is being written: ask the host
	mov r8, [clock_rate]
	test r8, r8
	jz .host                           ; no rate measured yet
	rdtsc
	shl rdx, 32
	or rax, rdx
	sub rax, [clock_tsc]
	jb .host                           ; a base from the future (a newer one is coming)
	mul r8                             ; rdx:rax = ticks * rate (32.32)
	shrd rax, rdx, 32
	shr rdx, 32
	jnz .host                          ; far beyond the resync limit
	cmp rax, CLOCK_RESYNC_NS
	jae .host
	mov rcx, rax                       ; ns since the base
	call clock_is_real
	mov rax, [clock_mono]
	jne .add
	mov rax, [clock_real]
.add:	add rax, rcx
	cmp rsi, [clock_seq]
	jne .retry                         ; the base changed while we read it
	pop r8
	pop rsi
	ret
.host:
	call clock_sync                    ; RAX = monotonic, RDX = realtime, from the host
	cmp qword [clock_rate], 0
	jne .retry                         ; measured now: read through the new base
	call clock_is_real
	jne .done
	mov rax, rdx
.done:	pop r8
	pop rsi
	ret

; -----------------------------------------------------------------------------
; clock_is_real -- ZF set when RDI names a wall-clock id
;  Clobbers: nothing but flags
clock_is_real:
	cmp edi, CLOCK_REALTIME
	je .yes
	cmp edi, CLOCK_REALTIME_COARSE
	je .yes
	cmp edi, CLOCK_REALTIME_ALARM
.yes:	ret

; -----------------------------------------------------------------------------
; clock_sync -- read the host's clocks and make them the new base
;  OUT: RAX = CLOCK_MONOTONIC ns, RDX = CLOCK_REALTIME ns (as the host said)
;  Clobbers: RCX, RSI, R8
clock_sync:
	push rbx
	push r12
	push r13
	push r14
	pushfq
	cli                                ; this CPU's hypercall block is ours until popfq
	rdtsc
	shl rdx, 32
	or rdx, rax
	mov r14, rdx                       ; r14 = TSC before the hypercall
	mov rcx, [gs:Percpu.self]
	lea rcx, [rcx + Percpu.hc]
	HYPERCALL PORT_CLOCK, ecx
	mov r12, [rcx + HcClock.monotonic_ns]
	mov r13, [rcx + HcClock.realtime_ns]
	rdtsc
	shl rdx, 32
	or rdx, rax
	; The host read its clocks somewhere between the two TSC readings: take the
	; middle, and only from a quick round trip (the VMM's first answer, or one
	; that met a garbage collection, can take a millisecond).
	mov rbx, rdx
	sub rbx, r14
	cmp rbx, CLOCK_MAX_BRACKET
	ja .refused
	shr rbx, 1
	add rbx, r14                       ; rbx = TSC when the host read its clocks
	SPIN_LOCK [clock_lock]
	cmp rbx, [clock_tsc]
	jb .unlock                         ; another CPU already installed a later reading
	inc qword [clock_seq]              ; odd: readers wait

	; The base: never before what the old base (at its old rate, as readers used
	; it) gives for this moment.
	mov rsi, r12                       ; rsi = new base (monotonic)
	mov rcx, [clock_tsc]
	test rcx, rcx
	jz .rate
	mov r8, [clock_rate]
	test r8, r8
	jz .rate
	mov rax, rbx
	sub rax, rcx
	mul r8
	shrd rax, rdx, 32
	shr rdx, 32
	jnz .rate                          ; the old base is far behind: take the host's word
	add rax, [clock_mono]              ; what the old base gives now
	cmp rax, rsi
	jbe .rate
	mov rsi, rax

	; The rate, from the calibration point to this reading.
.rate:	mov rcx, [clock_cal_tsc]
	test rcx, rcx
	jz .new_point
	mov rax, r12
	sub rax, [clock_cal_mono]
	cmp rax, CLOCK_CALIBRATE_NS
	jb .install                        ; too close to measure well: keep the point
	mov r8, rbx
	sub r8, rcx                        ; ticks elapsed
	jz .install
	mov rdx, rax
	shl rax, 32
	shr rdx, 32                        ; rdx:rax = ns elapsed << 32
	cmp rdx, r8
	jae .install                       ; a rate of 2^32 ns per tick or more: nonsense
	div r8
	mov [clock_rate], rax
.new_point:
	mov [clock_cal_tsc], rbx
	mov [clock_cal_mono], r12
.install:
	mov [clock_tsc], rbx
	mov [clock_mono], rsi
	mov rax, rsi
	sub rax, r12                       ; how far the base is ahead of the host
	add rax, r13
	mov [clock_real], rax
	inc qword [clock_seq]              ; even: stable again
.unlock:
	SPIN_UNLOCK [clock_lock]
.refused:
	popfq
	mov rax, r12
	mov rdx, r13
	pop r14
	pop r13
	pop r12
	pop rbx
	ret

section .data
align 8
clock_lock:     dq 0
clock_seq:      dq 0                   ; odd while a base is being written
clock_tsc:      dq 0                   ; the base: TSC at a host reading
clock_mono:     dq 0                   ;           CLOCK_MONOTONIC then (ns)
clock_real:     dq 0                   ;           CLOCK_REALTIME then (ns)
clock_rate:     dq 0                   ; ns per TSC tick, 32.32 fixed point; 0 until measured
clock_cal_tsc:  dq 0                   ; the reading the next rate is measured from
clock_cal_mono: dq 0

section .text
