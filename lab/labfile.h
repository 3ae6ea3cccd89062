/*
 * labfile: the small file chores of the lab's pool, chat and verify
 * verbs: paths in the lab dir, bounded reads, atomic writes (temporary
 * file + rename), appends of whole lines, timestamped lines in
 * DIR/lab.log, the wall clock in microseconds, and loading DIR's copy of
 * the topology. lab/labd.c keeps its own (it owns up/down); this file
 * exists so the later verbs do not reach into labd.c's statics.
 */
#ifndef PCDR_LAB_LABFILE_H
#define PCDR_LAB_LABFILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lab/topology.h"
#include "util/strbuf.h"

/* DIR/name into buf (an empty path when it does not fit); returns buf. */
const char *labfile_path(char *buf, size_t size, const char *dir, const char *name);

/* The whole file into `out` (initialised here, at most `limit` bytes).
 * 0, ERR_NOTFOUND, ERR_IO or ERR_LIMIT; release `out` in every case. */
int labfile_read(struct strbuf *out, const char *path, size_t limit);

/* Write through path.tmp and rename. 0 or ERR_IO. */
int labfile_write(const char *path, const char *data, size_t len, mode_t mode);

/* Append with one write(2) on an O_APPEND descriptor. 0 or ERR_IO. */
int labfile_append(const char *path, const char *data, size_t len);

/* "<UTC time> <message>\n" appended to DIR/lab.log; failures ignored. */
void labfile_log(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Microseconds since the epoch (CLOCK_REALTIME). */
int64_t labfile_now_us(void);

/* Load DIR/topology.yaml; ERR_NOTFOUND says DIR is not a lab dir. */
int labfile_topology(struct lab_topology **out, const char *dir);

#endif
