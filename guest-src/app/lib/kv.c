/* <kv.h> for guest programs: each call is one system call into the unikv kernel,
 * which does every parameter check (it alone knows which memory is mapped). */
#include <kv.h>
#include <unikernel/abi.h>

static long unikv_syscall3(long number, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(number), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

int put(char *key, void *value, size_t value_len)
{
	return (int)unikv_syscall3(UK_SYS_kv_put, (long)key, (long)value, (long)value_len);
}

int get(char *key, void *value, size_t *value_len)
{
	return (int)unikv_syscall3(UK_SYS_kv_get, (long)key, (long)value, (long)value_len);
}
