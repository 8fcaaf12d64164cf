; =============================================================================
; unikv kernel -- a tiny HermitCore-like unikernel for the unikv VMM.
;
; One address space, identity mapped, everything in ring 0: the kernel and one
; static Linux x86-64 program (built with musl) that it runs. The VMM has already
; put vCPU 0 in long mode with paging on; RDI holds the BootInfo address.
;
; This file is the table of contents: the boot sequence, then every part of the
; kernel in the order it is included. Register convention inside the kernel: the
; System V ABI (arguments in RDI, RSI, RDX, RCX, R8, R9; result in RAX; RBX, RBP and
; R12-R15 preserved) unless a routine's header says otherwise.
; =============================================================================
bits 64
default rel

%include "generated/abi.inc"       ; ports, syscall numbers, structs, memory map
%include "macros.inc"              ; HYPERCALL, errno values, small helpers

section .text
global kernel_entry
kernel_entry:
	test esi, esi                  ; RSI = vCPU number: only CPU 0 boots the kernel
	jnz ap_entry
	mov rsp, boot_stack_top        ; a stack of our own before anything else
	call init_boot_info            ; check the BootInfo in RDI, keep what we need
	xor edi, edi
	call init_cpu                  ; GDT, TSS, IDT, per-CPU GS, SSE, syscall MSRs
	call init_pages                ; physical page allocator over the free RAM
	call init_reserve              ; the reservation area begins where RAM ends
	call init_user_memory          ; the program's memory, for checks on its pointers
	call init_fs                   ; RAM file system, the shares, --preload
	call init_sched                ; FPU template, CPU 0's idle task and run queue
	jmp start_application          ; Linux initial stack, enter the program

%include "lib/console.asm"         ; kernel messages on the VMM console
%include "lib/boot_info.asm"       ; reading the VMM's BootInfo
%include "lib/memory.asm"          ; clearing memory (large clears done by the VMM)
%include "lib/clock.asm"           ; the clocks: host readings extended by the TSC
%include "arch/cpu.asm"            ; GDT, TSS, IDT, per-CPU data
%include "arch/exceptions.asm"     ; exception stubs and the crash report
%include "mm/pages.asm"            ; physical page allocator (bitmap), brk window
%include "mm/vm.asm"               ; brk, mmap, munmap, mprotect, madvise
%include "mm/reserve.asm"          ; the reservation area above RAM: large PROT_NONE mappings
%include "mm/file_map.asm"         ; mmap of files, msync
%include "sys/entry.asm"           ; syscall entry, dispatch, unknown calls
%include "generated/syscall_table.inc" ; the dispatch table: number -> handler
%include "generated/syscall_names.inc" ; number -> name, for reports of refused calls
%include "sys/user.asm"            ; checks on pointers the program passes in
%include "sys/console.asm"         ; the console streams: read, write, ioctl, vectors
%include "sys/process.asm"         ; exit, ids, arch_prctl, uname
%include "sys/signal.asm"          ; signals: actions, masks, kill family, frames, sigreturn
%include "sys/itimer.asm"          ; alarm, setitimer, getitimer: SIGALRM on time
%include "sys/time.asm"            ; clock_gettime, clock_getres, nanosleep
%include "sys/facts.asm"           ; affinity, limits, groups, children, getcpu, time, priorities, membarrier
%include "sys/usage.asm"           ; CPU time per thread and process, times, getrusage, sysinfo
%include "sys/prctl.asm"           ; prctl: thread names and the harmless process flags
%include "sys/vdso.asm"            ; the vDSO: clock_gettime as a plain call
%include "sys/random.asm"          ; getrandom
%include "sys/thread.asm"          ; clone, thread exit, set_tid_address, gettid
%include "sys/kv.asm"              ; put and get: the key-value frontend driver
%include "sched/task.asm"          ; Task blocks: record + kernel stack, FPU state
%include "sched/sched.asm"         ; run queues, load balancing, switch_to, idle
%include "sched/irq.asm"           ; timer, IPI and I/O interrupts; return path
%include "sched/timer.asm"         ; sleep list and one-shot timers
%include "sched/futex.asm"         ; futex wait, wake, requeue
%include "sched/smp.asm"           ; bringing up the other CPUs
%include "mm/kmalloc.asm"         ; small-object allocator (size classes over pages)
%include "fs/ramfs.asm"            ; RAM file system: inodes, directory index, file pages
%include "fs/path.asm"             ; path copying and walking
%include "fs/files.asm"            ; open files and the descriptor table
%include "fs/host.asm"             ; the host shares over uhyve-style hypercalls
%include "fs/shares.asm"           ; the shares' mount points (--share), read-only ones
%include "fs/init.asm"             ; file-system calls: fs_lock, constants, init_fs
%include "fs/sys_open.asm"         ; open, openat, creat, close, dup, dup2, dup3, fcntl
%include "fs/sys_rw.asm"           ; read, write, pread, pwrite, readv, writev, lseek, fsync, syncfs
%include "fs/sys_meta.asm"         ; stat, fstat, access, truncate, chmod, umask
%include "fs/sys_dir.asm"          ; mkdir, getdents64, getcwd, chdir, fchdir
%include "fs/sys_names.asm"        ; unlink, rmdir, rename, link, symlink, readlink
%include "fs/sys_attr.asm"         ; utimensat, chown family, statx
%include "fs/sys_copy.asm"         ; sendfile, copy_file_range
%include "fs/preload.asm"          ; unpacking the --preload archive
%include "fs/events.asm"           ; readiness: file_poll, event_wait, event_notify
%include "fs/pipe.asm"             ; pipe, pipe2 and the pipe ends
%include "fs/eventfd.asm"          ; eventfd, eventfd2
%include "sys/poll.asm"            ; poll, ppoll, select, pselect6
%include "sys/epoll.asm"           ; epoll_create, epoll_ctl, epoll_wait and kin
%include "fs/special.asm"          ; /dev, /proc, /tmp, /etc: the tree programs expect
%include "fs/devices.asm"          ; null, zero, full, random, urandom
%include "fs/fd_names.asm"         ; /proc/self/fd: open descriptors as links
%include "fs/locks.asm"            ; flock and fcntl record locks
%include "net/socket.asm"          ; sockets: File kind, NET hypercall, readiness, waiting
%include "net/calls.asm"           ; socket, bind, listen, accept, connect, send, recv and kin
%include "net/unix_files.asm"      ; AF_UNIX paths as socket files in the RAM file system
%include "start.asm"               ; building the program's initial stack

section .bss
alignb 16
boot_stack:	resb KERNEL_STACK_SIZE
boot_stack_top:
