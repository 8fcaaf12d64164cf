/* A short tour of <kv.h>: store, read back, ask for a length, overwrite, delete,
 * then eight threads writing at once. Run: npm run vm -- build/guest/examples/kvdemo.elf */
#include <kv.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static void *writer(void *arg)
{
	char key[32], value[64];
	long n = (long)arg;
	snprintf(key, sizeof key, "demo/thread-%ld", n);
	snprintf(value, sizeof value, "written by thread %ld", n);
	return (void *)(long)put(key, value, strlen(value) + 1);
}

int main(void)
{
	char buf[128];
	size_t len;

	printf("put(\"greeting\")            -> %d\n", put("greeting", "hello, unikernel", 17));
	len = sizeof buf;
	int rc = get("greeting", buf, &len);
	printf("get(\"greeting\")            -> %d, %zu bytes: %s\n", rc, len, rc == 0 ? buf : "");
	len = 0;
	rc = get("greeting", NULL, &len);
	printf("get(\"greeting\", NULL, 0)   -> %d (too small), length %zu\n", rc, len);
	printf("put(\"greeting\", 3 bytes)   -> %d\n", put("greeting", "hi", 3));
	len = sizeof buf;
	rc = get("greeting", buf, &len);
	printf("get(\"greeting\")            -> %d, %zu bytes: %s\n", rc, len, rc == 0 ? buf : "");
	printf("put(\"greeting\", len 0)     -> %d (deleted)\n", put("greeting", NULL, 0));
	len = sizeof buf;
	printf("get(\"greeting\")            -> %d (absent)\n", get("greeting", buf, &len));

	pthread_t t[8];
	for (long i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, writer, (void *)i);
	int failures = 0;
	for (int i = 0; i < 8; i++) {
		void *r;
		pthread_join(t[i], &r);
		failures += r != 0;
	}
	len = sizeof buf;
	rc = get("demo/thread-5", buf, &len);
	printf("8 threads put at once      -> %d failures; demo/thread-5 = %s\n", failures, rc == 0 ? buf : "(missing)");
	return failures != 0 || rc != 0;
}
