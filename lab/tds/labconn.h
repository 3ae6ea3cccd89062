/*
 * labconn: one client connection of a simulated instance, from PRELOGIN
 * to close: it reads request messages off the socket, decodes them with
 * lab/tds/wire.h, runs them in the engine (lab/engine.h) and streams the
 * engine's results back as TDS tokens. It owns the response rules (one
 * response message per request, DONE_MORE on every DONE but the last,
 * packets never longer than negotiated, ATTENTION acknowledged in a
 * message of its own). It does not listen or accept: lab/server.c does.
 */
#ifndef PCDR_LAB_TDS_LABCONN_H
#define PCDR_LAB_TDS_LABCONN_H

#include <stddef.h>
#include <stdint.h>

#include "lab/engine.h"

/*
 * Serve the client on `fd` (a connected socket; the caller closes it) for
 * instance `instance` of `world` until the client leaves, the protocol
 * breaks or the socket is shut down. `server_name` names the instance in
 * INFO/ERROR tokens; `spid` is used until the engine assigns one.
 */
void labconn_serve(int fd, struct lab_world *world, size_t instance, const char *server_name,
                   uint16_t spid);

#endif
