/*
 * <kv.h> -- the unikv key-value store, for guest programs.
 *
 * Each call is a system call into the unikv kernel, which hands the request to the
 * VMM and on to the proxy and its backend (S3 by default). Safe to call from any
 * number of threads at once; a call blocks only the calling thread.
 *
 * key:   NUL-terminated, 0 to KV_KEY_MAX bytes before the NUL (the empty key is valid),
 *        any byte value 1 to 255.
 * put:   value_len 0 to KV_VALUE_MAX; value_len 0 deletes the key (value may then be NULL).
 *        0 on success (deleting a missing key succeeds too), -1 otherwise.
 * get:   *value_len holds the buffer's size on entry. 0 when the key exists and its
 *        value was copied (*value_len = its length); -1 when the key does not exist;
 *        -2 when the buffer is too small (*value_len = the value's length; value may
 *        be NULL when *value_len is 0, to ask for the length).
 * Invalid parameters (NULL key, key over KV_KEY_MAX bytes, value_len over
 * KV_VALUE_MAX, NULL value with a non-zero length, NULL value_len, pointers outside
 * guest memory) return -1.
 */
#ifndef UNIKV_KV_H
#define UNIKV_KV_H

#include <stddef.h>
#include <unikernel/abi.h>

/* The limits come from the ABI spec (toolchain/abi/spec.ts), as plain ints. */
#define KV_KEY_MAX ((int)UK_KV_KEY_MAX)
#define KV_VALUE_MAX ((int)UK_KV_VALUE_MAX)

int put(char *key, void *value, size_t value_len);
int get(char *key, void *value, size_t *value_len);

#endif
