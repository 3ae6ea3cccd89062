/*
 * server: the lab's listeners. One TCP listener on 127.0.0.1 per
 * instance of the world, one thread per accepted connection (running
 * lab/tds/labconn.c), and a clean stop that shuts every connection down
 * and waits for its thread. It does not daemonize or write files: that
 * is lab/labd.c.
 */
#ifndef PCDR_LAB_SERVER_H
#define PCDR_LAB_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab/engine.h"

struct lab_server;

#define SERVER_MAX_CONNECTIONS 4096

/*
 * Listen for every instance of `world` (borrowed; it must outlive the
 * server): on port base_port + i when base_port > 0, else on a free port.
 * 0, or ERR_IO naming the instance and port that could not be bound.
 */
int server_start(struct lab_server **out, struct lab_world *world, int base_port);

size_t server_count(const struct lab_server *server);
const char *server_name(const struct lab_server *server, size_t i);
uint16_t server_port(const struct lab_server *server, size_t i);

/* Accept connections until `stop_fd` becomes readable. 0, or ERR_IO. */
int server_run(struct lab_server *server, int stop_fd);

/*
 * Stop (up = false) or start instance i's listener: stopping closes it,
 * so connecting is refused, and shuts every connection to the instance
 * down; starting listens on the same port again. Waits (up to
 * wait_seconds) until the listener thread applied it and, when stopping,
 * the connections are gone. 0, ERR_TIMEOUT or ERR_IO.
 */
/* Mark instance i stopped before server_run starts (an instance that was
 * stopped when the lab went down): its listener closes on server_run's
 * first turn and a connection accepted meanwhile is closed. */
void server_mark_down(struct lab_server *s, size_t i);
int server_set_up(struct lab_server *server, size_t i, bool up, int wait_seconds);

/* Close the listeners, shut every connection down, wait (up to
 * `wait_seconds`) for their threads, free. Accepts NULL. */
void server_free(struct lab_server *server, int wait_seconds);

#endif
