/* Signals as a program uses them: handlers, siginfo, masks, waits, alternate stacks,
 * signals between threads, interrupted waits, and the ucontext a handler may change.
 * usage: signals            the checks (one "name: OK" line each)
 *        signals segv|fpe|ill|trap  one CPU fault caught by a handler (one per run)
 *        signals term|abort|kill|alarm  a default action ends the program */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

static int failures;

static void check(const char *name, int ok)
{
	printf("%s: %s\n", name, ok ? "OK" : "FAILED");
	fflush(stdout);
	if (!ok)
		failures++;
}

static long gettid_(void) { return syscall(SYS_gettid); }

static int install(int sig, void (*fn)(int, siginfo_t *, void *), int flags, const sigset_t *mask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	if (mask)
		sa.sa_mask = *mask;
	else
		sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
	}
}

/* What the last handler saw. */
static volatile int hits, last_sig, last_code, last_pid;
static volatile int last_value;
static volatile long handler_tid;
static volatile uintptr_t handler_stack;
static volatile int onstack_flags;
static volatile int usr2_blocked_inside, usr1_blocked_inside;

static void record(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	int local;
	hits++;
	last_sig = sig;
	last_code = si->si_code;
	last_pid = si->si_pid;
	last_value = si->si_value.sival_int;
	handler_tid = gettid_();
	handler_stack = (uintptr_t)&local;
	stack_t now;
	onstack_flags = sigaltstack(NULL, &now) == 0 ? now.ss_flags : -1;
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	usr1_blocked_inside = sigismember(&cur, SIGUSR1);
	usr2_blocked_inside = sigismember(&cur, SIGUSR2);
}

static void clobber_fp(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
	hits++;
	__asm__ volatile("xorps %%xmm5, %%xmm5" ::: "xmm5");
}

static void set_rbx(int sig, siginfo_t *si, void *ucv)
{
	(void)sig, (void)si;
	ucontext_t *uc = ucv;
	hits++;
	uc->uc_mcontext.gregs[REG_RBX] = 0x5151;
}

/* Go's asynchronous preemption: the handler pushes the interrupted RIP on the
 * interrupted stack and points RIP at a function, which returns to that RIP. */
static volatile int injected;
void inject_target(void);
__asm__(".globl inject_target\n"
	"inject_target:\n"
	"\tpushfq\n"
	"\tincl injected(%rip)\n"
	"\tpopfq\n"
	"\tret\n");

static void inject_call(int sig, siginfo_t *si, void *ucv)
{
	(void)sig, (void)si;
	ucontext_t *uc = ucv;
	greg_t sp = uc->uc_mcontext.gregs[REG_RSP] - 8;
	*(greg_t *)sp = uc->uc_mcontext.gregs[REG_RIP];
	uc->uc_mcontext.gregs[REG_RSP] = sp;
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)inject_target;
}

/* The registers a handler starts with, seen from assembly. */
static volatile uintptr_t entry_rsp, entry_rsi, entry_rdx;
static volatile long entry_rdi;
static volatile int entry_si_signo, entry_mask_has_usr1;
static volatile uintptr_t entry_fpstate;
static volatile greg_t entry_uc_rsp, entry_uc_rip;

void entry_regs_c(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	const ucontext_t *uc = ucv;
	entry_si_signo = si->si_signo;
	entry_fpstate = (uintptr_t)uc->uc_mcontext.fpregs;
	entry_mask_has_usr1 = sigismember(&uc->uc_sigmask, SIGUSR1);
	entry_uc_rsp = uc->uc_mcontext.gregs[REG_RSP];
	entry_uc_rip = uc->uc_mcontext.gregs[REG_RIP];
}

void entry_regs(int, siginfo_t *, void *);
__asm__(".globl entry_regs\n"
	"entry_regs:\n"
	"\tmovq %rsp, entry_rsp(%rip)\n"
	"\tmovq %rdi, entry_rdi(%rip)\n"
	"\tmovq %rsi, entry_rsi(%rip)\n"
	"\tmovq %rdx, entry_rdx(%rip)\n"
	"\tjmp entry_regs_c\n");

/* A tgkill whose RBX the handler may change in the ucontext. */
static long tgkill_rbx(int sig, long rbx)
{
	long nr = SYS_tgkill;
	__asm__ volatile("syscall"
			 : "+a"(nr), "+b"(rbx)
			 : "D"((long)getpid()), "S"(gettid_()), "d"((long)sig)
			 : "rcx", "r11", "memory");
	return rbx;
}

/* ---- threads ---- */
static volatile int spin_stop, thread_ready;
static volatile long thread_tid;

static void *spinner(void *arg)
{
	(void)arg;
	thread_tid = gettid_();
	thread_ready = 1;
	while (!spin_stop) {
	}
	return NULL;
}

struct sleeper_result {
	int ret, err;
	struct timespec rem;
};

static void *sleeper(void *arg)
{
	struct sleeper_result *r = arg;
	thread_tid = gettid_();
	thread_ready = 1;
	struct timespec ts = { 5, 0 };
	r->ret = nanosleep(&ts, &r->rem);
	r->err = errno;
	return NULL;
}

static int futex_word;
static volatile int futex_eintr;

static void *futex_waiter(void *arg)
{
	(void)arg;
	thread_tid = gettid_();
	thread_ready = 1;
	while (__atomic_load_n(&futex_word, __ATOMIC_SEQ_CST) == 0) {
		if (syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL) == -1 && errno == EINTR)
			futex_eintr++;
	}
	return NULL;
}

static void *cancel_me(void *arg)
{
	(void)arg;
	thread_ready = 1;
	for (;;)
		pause(); /* a cancellation point */
	return NULL;
}

static void start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	thread_ready = 0;
	pthread_create(t, NULL, fn, arg);
	while (!thread_ready)
		sched_yield();
}

/* A thread blocked in a futex wait gets a signal; counts its EINTR returns. */
static int futex_interrupted(int flags)
{
	install(SIGUSR1, record, flags, NULL);
	futex_word = 0;
	futex_eintr = 0;
	hits = 0;
	pthread_t t;
	start(&t, futex_waiter, NULL);
	sleep_ms(100); /* let it block */
	syscall(SYS_tgkill, getpid(), thread_tid, SIGUSR1);
	while (!hits)
		sched_yield();
	sleep_ms(50);
	__atomic_store_n(&futex_word, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1);
	pthread_join(t, NULL);
	return futex_eintr;
}

/* ---- one fault per run ---- */
static sigjmp_buf fault_jump;
static volatile int fault_sig, fault_code;
static volatile uintptr_t fault_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_sig = sig;
	fault_code = si->si_code;
	fault_addr = (uintptr_t)si->si_addr;
	siglongjmp(fault_jump, 1);
}

static int fault_mode(const char *what)
{
	static char altstack[16384];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
	sigaltstack(&ss, NULL);
	install(SIGSEGV, on_fault, SA_ONSTACK, NULL);
	install(SIGFPE, on_fault, 0, NULL);
	install(SIGILL, on_fault, 0, NULL);
	if (!strcmp(what, "trap")) {
		install(SIGTRAP, record, 0, NULL);
		hits = 0;
		__asm__ volatile("int3");
		check("SIGTRAP: int3 runs the handler, the program goes on after it", hits == 1 && last_sig == SIGTRAP && last_code == SI_KERNEL);
		puts("recovered");
		return failures != 0;
	}
	volatile int zero = 0;
	if (sigsetjmp(fault_jump, 1) == 0) {
		if (!strcmp(what, "segv"))
			(void)*(volatile int *)(uintptr_t)zero;
		else if (!strcmp(what, "fpe"))
			zero = 10 / zero;
		else if (!strcmp(what, "ill"))
			__asm__ volatile("ud2");
		check("fault: the handler ran", 0);
		return 1;
	}
	if (!strcmp(what, "segv")) {
		check("SIGSEGV: a NULL dereference reaches the handler", fault_sig == SIGSEGV);
		check("SIGSEGV: si_addr is the address, si_code SEGV_MAPERR", fault_addr == 0 && fault_code == SEGV_MAPERR);
	} else if (!strcmp(what, "fpe")) {
		check("SIGFPE: a division by zero reaches the handler", fault_sig == SIGFPE && fault_code == FPE_INTDIV);
	} else {
		check("SIGILL: ud2 reaches the handler", fault_sig == SIGILL && fault_code == ILL_ILLOPN);
	}
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	check("fault: siglongjmp restores the mask", !sigismember(&cur, fault_sig));
	puts("recovered");
	return failures != 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "segv") || !strcmp(mode, "fpe") || !strcmp(mode, "ill") || !strcmp(mode, "trap"))
		return fault_mode(mode);
	if (!strcmp(mode, "term")) {
		raise(SIGTERM);
		puts("still alive");
		return 0;
	}
	if (!strcmp(mode, "abort"))
		abort();
	if (!strcmp(mode, "alarm")) {
		struct itimerval it = { { 0, 0 }, { 0, 10000 } };
		setitimer(ITIMER_REAL, &it, NULL);
		for (;;)
			pause();
	}
	if (!strcmp(mode, "kill")) {
		kill(getpid(), SIGKILL);
		puts("still alive");
		return 0;
	}

	/* Handlers for the kill family. */
	install(SIGUSR1, record, 0, NULL);
	install(SIGUSR2, record, 0, NULL);
	hits = 0;
	raise(SIGUSR1);
	check("raise: the handler runs", hits == 1 && last_sig == SIGUSR1);
	check("raise: si_code SI_TKILL, si_pid", last_code == SI_TKILL && last_pid == getpid());
	check("raise: the signal is blocked inside its handler", usr1_blocked_inside && !usr2_blocked_inside);
	hits = 0;
	kill(getpid(), SIGUSR2);
	check("kill(getpid()): the handler runs", hits == 1 && last_sig == SIGUSR2 && last_code == SI_USER);
	hits = 0;
	syscall(SYS_tgkill, getpid(), gettid_(), SIGUSR1);
	check("tgkill to self: the handler runs on this thread", hits == 1 && handler_tid == gettid_());

	hits = 0;
	sigqueue(getpid(), SIGUSR1, (union sigval){ .sival_int = 42 });
	check("sigqueue: the handler gets SI_QUEUE and the value", hits == 1 && last_code == SI_QUEUE && last_value == 42 && last_pid == getpid());

	/* Errors. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	check("sigaction(SIGKILL) is EINVAL", sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL);
	check("sigaction(SIGSTOP) is EINVAL", sigaction(SIGSTOP, &sa, NULL) == -1 && errno == EINVAL);
	check("rt_sigaction(65) is EINVAL", syscall(SYS_rt_sigaction, 65, NULL, NULL, 8) == -1 && errno == EINVAL);
	check("rt_sigaction: a wrong sigsetsize is EINVAL", syscall(SYS_rt_sigaction, SIGUSR1, NULL, NULL, 4) == -1 && errno == EINVAL);
	check("rt_sigprocmask: a wrong sigsetsize is EINVAL", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, NULL, 16) == -1 && errno == EINVAL);
	check("rt_sigprocmask: a bad how is EINVAL", syscall(SYS_rt_sigprocmask, 7, &sa.sa_mask, NULL, 8) == -1 && errno == EINVAL);
	check("rt_sigaction: a wild pointer is EFAULT", syscall(SYS_rt_sigaction, SIGUSR1, (void *)8, NULL, 8) == -1 && errno == EFAULT);
	check("kill: signal 65 is EINVAL", kill(getpid(), 65) == -1 && errno == EINVAL);
	check("kill: signal 0 checks the process", kill(getpid(), 0) == 0);
	check("kill: another pid is ESRCH", kill(4242, SIGUSR1) == -1 && errno == ESRCH);
	check("tgkill: an unknown thread is ESRCH", syscall(SYS_tgkill, getpid(), 9999, SIGUSR1) == -1 && errno == ESRCH);
	check("tgkill: signal 0 checks the thread", syscall(SYS_tgkill, getpid(), gettid_(), 0) == 0);
	check("tkill: tid 0 is EINVAL", syscall(SYS_tkill, 0, SIGUSR1) == -1 && errno == EINVAL);

	/* The old action comes back. */
	struct sigaction old;
	sigaction(SIGUSR1, NULL, &old);
	check("sigaction: the old action is returned", (old.sa_flags & SA_SIGINFO) && old.sa_sigaction == record);

	/* Masks and pending signals. */
	sigset_t set, pend;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	hits = 0;
	raise(SIGUSR1);
	sigpending(&pend);
	check("a blocked signal stays pending", hits == 0 && sigismember(&pend, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	sigpending(&pend);
	check("unblocking delivers it", hits == 1 && !sigismember(&pend, SIGUSR1));

	/* sa_mask, SA_NODEFER, SA_RESETHAND. */
	sigset_t usr2;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	install(SIGUSR1, record, SA_NODEFER, &usr2);
	raise(SIGUSR1);
	check("SA_NODEFER and sa_mask shape the handler's mask", !usr1_blocked_inside && usr2_blocked_inside);
	install(SIGUSR1, record, SA_RESETHAND, NULL);
	hits = 0;
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &old);
	check("SA_RESETHAND: runs once, then SIG_DFL", hits == 1 && old.sa_handler == SIG_DFL);
	install(SIGUSR1, record, 0, NULL);

	/* sigsuspend. */
	sigprocmask(SIG_BLOCK, &set, NULL);
	hits = 0;
	raise(SIGUSR1);
	sigset_t none;
	sigemptyset(&none);
	int r = sigsuspend(&none);
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	check("sigsuspend: EINTR after the handler, the old mask back", r == -1 && errno == EINTR && hits == 1 && sigismember(&cur, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	/* sigtimedwait. */
	sigset_t both;
	sigemptyset(&both);
	sigaddset(&both, SIGUSR2);
	sigprocmask(SIG_BLOCK, &both, NULL);
	struct timespec ts = { 0, 20 * 1000000 };
	siginfo_t info;
	check("sigtimedwait: EAGAIN after the timeout", sigtimedwait(&both, &info, &ts) == -1 && errno == EAGAIN);
	hits = 0;
	kill(getpid(), SIGUSR2);
	r = sigtimedwait(&both, &info, &ts);
	check("sigtimedwait: takes a pending signal, no handler", r == SIGUSR2 && info.si_signo == SIGUSR2 && info.si_code == SI_USER && hits == 0);
	ts.tv_nsec = 0;
	check("sigtimedwait: a zero timeout polls", sigtimedwait(&both, &info, &ts) == -1 && errno == EAGAIN);
	sigprocmask(SIG_UNBLOCK, &both, NULL);

	/* Ignored signals. */
	raise(SIGURG);
	raise(SIGCHLD);
	raise(SIGWINCH);
	check("SIGURG, SIGCHLD, SIGWINCH are ignored by default", 1);
	signal(SIGUSR2, SIG_IGN);
	raise(SIGUSR2);
	sigpending(&pend);
	check("SIG_IGN: the signal is dropped", !sigismember(&pend, SIGUSR2));
	raise(SIGTSTP);
	kill(getpid(), SIGSTOP);
	kill(getpid(), SIGCONT);
	check("stop signals and SIGCONT are ignored (no job control)", 1);
	install(SIGUSR2, record, 0, NULL);

	/* sigaltstack. */
	static char alt[32768];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0 }, oss;
	stack_t small = { .ss_sp = alt, .ss_size = 1024, .ss_flags = 0 };
	check("sigaltstack: below MINSIGSTKSZ is ENOMEM", syscall(SYS_sigaltstack, &small, NULL) == -1 && errno == ENOMEM);
	check("sigaltstack: bad flags are EINVAL", syscall(SYS_sigaltstack, &(stack_t){ .ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 8 }, NULL) == -1 && errno == EINVAL);
	check("sigaltstack: none at first", sigaltstack(&ss, &oss) == 0 && (oss.ss_flags & SS_DISABLE));
	install(SIGUSR1, record, SA_ONSTACK, NULL);
	raise(SIGUSR1);
	check("SA_ONSTACK: the handler runs on the alternate stack", handler_stack >= (uintptr_t)alt && handler_stack < (uintptr_t)alt + sizeof alt);
	check("SA_ONSTACK: sigaltstack reports SS_ONSTACK inside", onstack_flags == SS_ONSTACK);
	install(SIGUSR2, record, 0, NULL);
	raise(SIGUSR2);
	check("without SA_ONSTACK the handler stays on the thread's stack", !(handler_stack >= (uintptr_t)alt && handler_stack < (uintptr_t)alt + sizeof alt));
	/* An alternate stack at a higher address than the thread's stack. */
	int here;
	char *high = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	stack_t hs = { .ss_sp = high, .ss_size = 65536, .ss_flags = 0 };
	sigaltstack(&hs, NULL);
	install(SIGUSR1, record, SA_ONSTACK, NULL);
	raise(SIGUSR1);
	check("SA_ONSTACK: an alternate stack above the thread's stack", (uintptr_t)high > (uintptr_t)&here && handler_stack >= (uintptr_t)high && handler_stack < (uintptr_t)high + 65536);
	ss.ss_flags = SS_DISABLE;
	check("sigaltstack: SS_DISABLE", sigaltstack(&ss, NULL) == 0 && sigaltstack(NULL, &oss) == 0 && oss.ss_flags == SS_DISABLE);
	install(SIGUSR1, record, 0, NULL);

	/* The ucontext: registers and FP state come back from it. */
	install(SIGUSR1, set_rbx, 0, NULL);
	check("a register changed in the ucontext is there after the handler", tgkill_rbx(SIGUSR1, 7) == 0x5151);
	install(SIGUSR1, entry_regs, 0, NULL);
	raise(SIGUSR1);
	check("handler entry: RDI = signo, (RSP + 8) % 16 == 0", entry_rdi == SIGUSR1 && (entry_rsp + 8) % 16 == 0);
	check("handler entry: RSI = siginfo, RDX = ucontext, RSP = return address", entry_si_signo == SIGUSR1 && entry_rdx == entry_rsp + 8 && entry_rsi == entry_rdx + 304);
	check("ucontext: fpstate is 16-byte aligned, above the siginfo", entry_fpstate && entry_fpstate % 16 == 0 && entry_fpstate >= entry_rsi + 128);
	check("ucontext: the mask to restore, RSP above the frame, RIP", !entry_mask_has_usr1 && entry_uc_rsp > (greg_t)entry_rsp + 128 && entry_uc_rip != 0);
	install(SIGUSR1, inject_call, 0, NULL);
	injected = 0;
	long rbx_after = tgkill_rbx(SIGUSR1, 0x77);
	check("a call the handler pushes into the ucontext runs, then the program goes on", injected == 1 && rbx_after == 0x77);
	install(SIGUSR1, clobber_fp, 0, NULL);
	double x = 2.5;
	long nr = SYS_tgkill;
	__asm__ volatile("movsd %[x], %%xmm5\n\tsyscall\n\tmovsd %%xmm5, %[x]"
			 : [x] "+m"(x), "+a"(nr)
			 : "D"((long)getpid()), "S"(gettid_()), "d"((long)SIGUSR1)
			 : "rcx", "r11", "xmm5", "memory");
	check("the FP/SSE state survives a handler that changes it", x == 2.5);
	install(SIGUSR1, record, 0, NULL);

	/* Another thread. */
	pthread_t t;
	start(&t, spinner, NULL);
	hits = 0;
	syscall(SYS_tgkill, getpid(), thread_tid, SIGUSR1);
	while (!hits)
		sched_yield();
	check("tgkill to a running thread: its handler runs there", handler_tid == thread_tid);
	syscall(SYS_tgkill, getpid(), thread_tid, SIGURG);
	spin_stop = 1;
	pthread_join(t, NULL);
	check("SIGURG to another thread: it goes on", 1);

	/* kill() picks a thread that does not block the signal; it ends a sleep. */
	struct sleeper_result sr;
	start(&t, sleeper, &sr);
	sigprocmask(SIG_BLOCK, &usr2, NULL); /* after the start: the thread inherits no block */
	sleep_ms(100);
	hits = 0;
	kill(getpid(), SIGUSR2);
	pthread_join(t, NULL);
	check("kill: the thread that does not block it takes it", hits == 1 && handler_tid == thread_tid);
	check("nanosleep: a handler ends it with EINTR and the time left", sr.ret == -1 && sr.err == EINTR && sr.rem.tv_sec >= 3 && sr.rem.tv_sec < 5);
	sigprocmask(SIG_UNBLOCK, &usr2, NULL);
	install(SIGUSR1, record, SA_RESTART, NULL);
	start(&t, sleeper, &sr);
	sleep_ms(100);
	syscall(SYS_tgkill, getpid(), thread_tid, SIGUSR1);
	pthread_join(t, NULL);
	check("nanosleep: EINTR even with SA_RESTART (as Linux)", sr.ret == -1 && sr.err == EINTR);

	/* pthread_cancel: musl's SIGCANCEL handler ends the wait (it reads the ucontext). */
	start(&t, cancel_me, NULL);
	sleep_ms(50);
	void *how = NULL;
	check("pthread_cancel ends a thread waiting in pause()", pthread_cancel(t) == 0 && pthread_join(t, &how) == 0 && how == PTHREAD_CANCELED);

	/* Futex waits: EINTR, or restarted under SA_RESTART. */
	check("futex wait: a handler ends it with EINTR", futex_interrupted(0) > 0);
	check("futex wait: SA_RESTART restarts it", futex_interrupted(SA_RESTART) == 0);

	/* The interval timer: SIGALRM once, then every period; alarm's seconds. */
	sigset_t alrm;
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	install(SIGALRM, record, 0, NULL);
	sigprocmask(SIG_BLOCK, &alrm, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 20000 } }, cur_it;
	hits = 0;
	check("setitimer(ITIMER_REAL)", setitimer(ITIMER_REAL, &it, NULL) == 0);
	check("getitimer: armed, no more than was set", getitimer(ITIMER_REAL, &cur_it) == 0 && cur_it.it_value.tv_sec == 0 && cur_it.it_value.tv_usec > 0 && cur_it.it_value.tv_usec <= 20000);
	sigsuspend(&none);
	check("SIGALRM arrives once the timer expires", hits == 1 && last_sig == SIGALRM && last_code == SI_KERNEL);
	check("getitimer: disarmed after a one-shot", getitimer(ITIMER_REAL, &cur_it) == 0 && cur_it.it_value.tv_sec == 0 && cur_it.it_value.tv_usec == 0);
	it.it_interval.tv_usec = 10000;
	it.it_value.tv_usec = 10000;
	hits = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	while (hits < 3)
		sigsuspend(&none);
	it.it_value.tv_usec = 0;
	check("setitimer: an interval repeats; disarming returns the old one", setitimer(ITIMER_REAL, &it, &cur_it) == 0 && cur_it.it_interval.tv_usec == 10000);
	check("setitimer: ITIMER_VIRTUAL is EINVAL", setitimer(ITIMER_VIRTUAL, &it, NULL) == -1 && errno == EINVAL);
	it.it_value.tv_usec = 1000000;
	check("setitimer: usec out of range is EINVAL", setitimer(ITIMER_REAL, &it, NULL) == -1 && errno == EINVAL);
	alarm(5);
	check("alarm: the previous alarm's seconds come back", alarm(0) == 5);
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);

	printf("signals: %s\n", failures ? "some checks failed" : "all checks passed");
	return failures != 0;
}
