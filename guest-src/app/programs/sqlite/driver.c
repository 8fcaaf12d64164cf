// A small SQLite driver: the SQLite amalgamation (toolchain/programs/sqlite.ts says
// where it comes from) linked with this file, built twice: with musl for the guest
// and with the host's gcc, so the host can read what the guest wrote.
//
//   driver check DB N LOCKING  WAL mode, N inserts in one transaction, a query,
//                              reopen, PRAGMA integrity_check: one "name: OK" line each;
//                              LOCKING normal maps the -shm file shared, exclusive
//                              keeps the WAL index in the heap (one process only)
//   driver durable DB N MODE   journal MODE (wal, with the WAL index in the heap, or
//                              delete), synchronous=FULL, N
//                              inserts each its own transaction, then "committed N"
//                              and waits for end of input before closing
//   driver read DB             prints "rows=N sum=S integrity=ok" (the host's side)
//   driver bench DB N          N inserts, each its own transaction (WAL with the index
//                              in the heap, NORMAL sync)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sqlite3.h"

static sqlite3 *db;

static void die(const char *what) {
  fprintf(stderr, "driver: %s: %s\n", what, db ? sqlite3_errmsg(db) : "no database");
  exit(1);
}

static void exec(const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
    fprintf(stderr, "driver: %s: %s\n", sql, err ? err : "?");
    exit(1);
  }
}

/** The first column of the first row of sql, as text (static buffer). */
static const char *text_of(const char *sql) {
  static char out[256];
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) die(sql);
  out[0] = 0;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return out;
}

static long long int_of(const char *sql) { return atoll(text_of(sql)); }

static void open_db(const char *path) {
  if (sqlite3_open(path, &db) != SQLITE_OK) die("open");
}

static void check(const char *name, int ok) { printf("%s: %s\n", name, ok ? "OK" : "FAILED"); }

/** Inserts rows 1..n (n = id, v = "row id"); each its own transaction unless batch. */
static void insert_rows(long n, int batch) {
  sqlite3_stmt *st;
  if (batch) exec("BEGIN");
  if (sqlite3_prepare_v2(db, "INSERT INTO t(id, v, n) VALUES (?1, ?2, ?1)", -1, &st, NULL) != SQLITE_OK) die("prepare");
  char v[64];
  for (long i = 1; i <= n; i++) {
    snprintf(v, sizeof v, "row %ld", i);
    sqlite3_bind_int64(st, 1, i);
    sqlite3_bind_text(st, 2, v, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE) die("insert");
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  if (batch) exec("COMMIT");
}

static int cmd_check(const char *path, long n, const char *locking) {
  char sql[64];
  snprintf(sql, sizeof sql, "PRAGMA locking_mode=%s", locking);
  open_db(path);
  exec(sql);
  check("wal", strcmp(text_of("PRAGMA journal_mode=WAL"), "wal") == 0);
  exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, n INTEGER)");
  insert_rows(n, 1);
  check("insert", int_of("SELECT count(*) FROM t") == n);
  check("query", int_of("SELECT sum(n) FROM t WHERE v LIKE 'row %'") == (long long)n * (n + 1) / 2 &&
                     strcmp(text_of("SELECT v FROM t WHERE id = 7"), "row 7") == 0);
  exec("UPDATE t SET n = n * 2 WHERE id % 2 = 0");
  exec("DELETE FROM t WHERE id > 100");
  check("update", int_of("SELECT count(*) FROM t") == (n < 100 ? n : 100));
  sqlite3_close(db);
  open_db(path);
  exec(sql);
  check("reopen", int_of("SELECT count(*) FROM t") == (n < 100 ? n : 100) &&
                      strcmp(text_of("PRAGMA journal_mode"), "wal") == 0);
  check("integrity", strcmp(text_of("PRAGMA integrity_check"), "ok") == 0);
  sqlite3_close(db);
  return 0;
}

static int cmd_durable(const char *path, long n, const char *mode) {
  char sql[64];
  open_db(path);
  if (strcmp(mode, "wal") == 0) exec("PRAGMA locking_mode=EXCLUSIVE");
  snprintf(sql, sizeof sql, "PRAGMA journal_mode=%s", mode);
  if (strcmp(text_of(sql), mode) != 0) die("journal_mode");
  exec("PRAGMA synchronous=FULL");
  exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, n INTEGER)");
  insert_rows(n, 0);
  printf("committed %ld\n", n);
  fflush(stdout);
  char c;
  while (read(0, &c, 1) > 0) {
  }
  sqlite3_close(db);
  return 0;
}

static int cmd_read(const char *path) {
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) die("open");
  long long rows = int_of("SELECT count(*) FROM t");
  long long sum = int_of("SELECT sum(n) FROM t");
  printf("rows=%lld sum=%lld integrity=%s\n", rows, sum, text_of("PRAGMA integrity_check"));
  sqlite3_close(db);
  return 0;
}

static int cmd_bench(const char *path, long n) {
  open_db(path);
  exec("PRAGMA locking_mode=EXCLUSIVE");
  text_of("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT, n INTEGER)");
  insert_rows(n, 0);
  printf("rows=%lld\n", int_of("SELECT count(*) FROM t"));
  sqlite3_close(db);
  return 0;
}

/** SQLite's error log names the system call that failed and its errno: kept on stderr. */
static void log_error(void *unused, int code, const char *msg) {
  (void)unused;
  fprintf(stderr, "sqlite: (%d) %s\n", code, msg);
}

int main(int argc, char **argv) {
  sqlite3_config(SQLITE_CONFIG_LOG, log_error, NULL);
  if (argc >= 5 && strcmp(argv[1], "check") == 0) return cmd_check(argv[2], atol(argv[3]), argv[4]);
  if (argc >= 5 && strcmp(argv[1], "durable") == 0) return cmd_durable(argv[2], atol(argv[3]), argv[4]);
  if (argc >= 3 && strcmp(argv[1], "read") == 0) return cmd_read(argv[2]);
  if (argc >= 4 && strcmp(argv[1], "bench") == 0) return cmd_bench(argv[2], atol(argv[3]));
  fprintf(stderr, "usage: driver check DB N normal|exclusive | durable DB N wal|delete | read DB | bench DB N\n");
  return 2;
}
