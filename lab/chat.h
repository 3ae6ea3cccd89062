/*
 * chat: the lab's Persistent Chat servers. `pcdr-lab --dir DIR chat start
 * [--rate N] | stop | status`. One background process (DIR/chat.pid,
 * DIR/chat.log, an flock on DIR/chat.lock while it lives) runs one thread
 * per chat server of the topology. A server writes only while it is in
 * the pool's active list (DIR/pool.json, re-read before every message),
 * to mgc on the instance the pool points at: the first instance of the
 * home site (Normal) or of the backup site (FailedOver), following a
 * mirroring failover to the site's other instance as a client with a
 * failover partner does (on a lost connection, 954 or 927). Every
 * INSERT that returned success is appended to DIR/ledger (ledger.h);
 * a failed one is refused: logged, never in the ledger.
 */
#ifndef PCDR_LAB_CHAT_H
#define PCDR_LAB_CHAT_H

#define CHAT_DEFAULT_RATE 5 /* messages a second per active server */
#define CHAT_MAX_RATE     1000
#define CHAT_PING_SECONDS 2 /* tblServerIdentity ping interval */

/* `pcdr-lab chat ...`: args after "chat". Returns a process exit code. */
int chat_main(const char *dir, int argc, char **argv);

#endif
