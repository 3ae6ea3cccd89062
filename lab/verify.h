/*
 * verify: `pcdr-lab --dir DIR verify [--allow-loss-after TIME]`. Reads
 * DIR/ledger and DIR/pool.history, asks the instance the pool uses now
 * for the ids in mgc.dbo.tblChat (through TDS, as any client), and
 * prints lab/ledger.c's verdict. Exit 0 when it passes, 1 when it does
 * not, 2 when it could not check (no authority reachable, bad files),
 * 129 on a usage error.
 */
#ifndef PCDR_LAB_VERIFY_H
#define PCDR_LAB_VERIFY_H

int verify_main(const char *dir, int argc, char **argv);

#endif
