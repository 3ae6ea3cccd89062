#!/usr/bin/python3
"""pytds_client.py: runs one conformance case through python-tds (Debian's
python3-tds, pytds 1.11, for /usr/bin/python3) and prints what pytds
reports, in the transcript format of compare.py.

Results, types, row counts and messages come from the DB-API surface
(cursor.description, fetchall, nextset, rowcount, cursor.messages). Two
things pytds keeps only transiently are recorded by wrapping its token
handlers: RETURNSTATUS (pytds forgets it at the next result set) and the
ENVCHANGE that switches database. Errors raise at their DONE token; the
driver then moves on with nextset() exactly as an application would.

A case with '--! param:' lines is sent the way pytds sends parameterised
queries: an RPC to sp_executesql (pytds converts %(name)s to @name).
A case with '--! cancel-after: S' runs its first batch with a query
timeout of S seconds: pytds then sends ATTENTION and reads the ack.

Usage: pytds_client.py HOST PORT USER PASSWORD OUTDIR CASE.sql...
Writes OUTDIR/NAME.out for each CASE (one process for all cases: importing
pytds costs more than running a case). A case with '--! login:
bad-password' logs in with PASSWORD + '-wrong'.
"""
import datetime
import decimal
import os
import re
import sys
import time
import uuid

import pytds
from pytds import tds as pytds_tds
from pytds import tds_base

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402  (case parsing shared with the other drivers)

EVENTS = []


def hook_tokens():
    """Record RETURNSTATUS and database ENVCHANGE as pytds decodes them."""
    orig_status = pytds_tds._token_map[tds_base.TDS_RETURNSTATUS_TOKEN]
    orig_env = pytds_tds._token_map[tds_base.TDS_ENVCHANGE_TOKEN]

    def on_status(session):
        orig_status(session)
        EVENTS.append('return: %d' % session.ret_status)

    def on_env(session):
        before = session.conn.env.database
        orig_env(session)
        after = session.conn.env.database
        if after != before:
            EVENTS.append('database: %s' % after)

    pytds_tds._token_map[tds_base.TDS_RETURNSTATUS_TOKEN] = on_status
    pytds_tds._token_map[tds_base.TDS_ENVCHANGE_TOKEN] = on_env


def flush_events(out):
    out.extend(EVENTS)
    del EVENTS[:]


def quote(s):
    return "'%s'" % s.replace("'", "''").replace('\n', '\\n')


def fmt_value(v):
    if v is None:
        return 'NULL'
    if isinstance(v, bool):
        return '1' if v else '0'
    if isinstance(v, (int, decimal.Decimal)):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, datetime.datetime):
        return quote(v.strftime('%Y-%m-%d %H:%M:%S') + '.%06d' % v.microsecond)
    if isinstance(v, uuid.UUID):
        return quote(str(v).upper())
    if isinstance(v, (bytes, bytearray)):
        return '0x' + bytes(v).hex().upper()
    return quote(str(v))


def fmt_column(d):
    """description entry -> 'name CODE/SIZE' (SIZE: p,s for NUMERIC)."""
    name, code, _, size, prec, scale, _ = d
    if code in (tds_base.SYBNUMERIC, tds_base.SYBDECIMAL):
        extra = '%s,%s' % (prec, scale)
    elif code == tds_base.SYBMSDATETIME2:
        extra = '%s' % (prec if scale is None else scale)   # pytds keeps the scale as precision
    elif isinstance(size, float) and size.is_integer():
        extra = '%d' % size     # pytds gives NVARCHAR sizes as bytes / 2
    else:
        extra = '%s' % size
    return '%s %s/%s' % (name if name else "''", code, extra)


def record_messages(cur, out):
    for _cls, ex in cur.messages or []:
        out.append('msg: %d %d %d %s' % (ex.number, ex.severity, ex.state, ex.text))


def run_batch(cur, sql, params, out):
    """Execute one batch and record every result until the last DONE."""
    session = cur._session
    try:
        if params:
            cur.execute(sql, params)
        else:
            cur.execute(sql)
        pending = True
    except tds_base.DatabaseError:
        pending = session.state != tds_base.TDS_IDLE
    while True:
        flush_events(out)
        if session.more_rows:   # a COLMETADATA started a result set
            out.append('columns: ' + ' | '.join(fmt_column(d) for d in cur.description))
            try:
                for row in cur.fetchall():
                    out.append('row: ' + ' | '.join(fmt_value(v) for v in row))
            except tds_base.DatabaseError:
                pass
        flush_events(out)
        if cur.rowcount != -1:
            out.append('count: %d' % cur.rowcount)
        if not pending or session.state == tds_base.TDS_IDLE:
            break
        try:
            if not cur.nextset():
                flush_events(out)
                break
        except tds_base.DatabaseError:
            # an error's DONE: with DONE_MORE the batch goes on
            if session.state == tds_base.TDS_IDLE:
                flush_events(out)
                break
    record_messages(cur, out)


def run_cancelled(cur, sql, out):
    session = cur._session
    start = time.monotonic()
    try:
        cur.execute(sql)
        while cur.nextset():
            pass
        out.append('cancel: not-cancelled (the batch completed after %.1f s)'
                   % (time.monotonic() - start))
        return
    except pytds.TimeoutError:
        pass
    except tds_base.DatabaseError as ex:
        record_messages(cur, out)
        out.append('cancel: not-cancelled (the batch failed: %s)' % ex.text)
        return
    t0 = time.monotonic()
    try:
        cur.cancel()    # reads up to the ATTENTION acknowledgement
    except Exception as e:  # noqa: BLE001 - report whatever pytds raised
        out.append('cancel: failed (%s: %s)' % (type(e).__name__, e))
        return
    took = time.monotonic() - t0
    if session.state != tds_base.TDS_IDLE:
        out.append('cancel: failed (session not idle after the ack)')
    elif took > 2.0:
        out.append('cancel: slow (%.1f s to acknowledge)' % took)
    else:
        out.append('cancel: ok')


def run_case(host, port, user, password, case):
    """One case on a fresh connection -> transcript lines."""
    batches = compare.case_batches(case)
    params = compare.case_params(case)
    directives = dict(compare.case_directives(case))
    cancel_after = float(directives['cancel-after']) if 'cancel-after' in directives else None
    if directives.get('login') == 'bad-password':
        password += '-wrong'
    out = []
    del EVENTS[:]
    try:
        conn = pytds.connect(server=host, port=int(port), user=user, password=password,
                             autocommit=True, login_timeout=10,
                             timeout=cancel_after, appname='pcdr-pytds-client')
    except tds_base.DatabaseError as ex:
        out.append('batch')
        out.append('msg: %d %d %d %s' % (ex.number, ex.severity, ex.state, ex.text))
        out.append('login: failed')
        return out
    del EVENTS[:]   # the login's own database ENVCHANGE
    cur = conn.cursor()
    for i, sql in enumerate(batches):
        out.append('batch')
        if i == 0 and cancel_after is not None:
            run_cancelled(cur, sql, out)
            conn._conn.sock.settimeout(None)
            continue
        if params:
            # pytds's paramstyle: %(name)s, sent as @name through sp_executesql
            body = '\n'.join(ln for ln in sql.splitlines() if not ln.startswith('--'))
            body = body.replace('%', '%%')
            values = {}
            for name, _type, literal in params:
                body = re.sub(re.escape(name) + r'\b', '%%(%s)s' % name[1:], body)
                if literal.startswith("N'") or literal.startswith("'"):
                    values[name[1:]] = literal[literal.index("'") + 1:-1].replace("''", "'")
                else:
                    values[name[1:]] = int(literal)
            run_batch(cur, body, values, out)
        else:
            run_batch(cur, sql, None, out)
    conn.close()
    return out


def main(argv):
    if len(argv) < 7:
        sys.stderr.write(__doc__)
        return 2
    host, port, user, password, outdir = argv[1:6]
    hook_tokens()
    for case in argv[6:]:
        name = os.path.splitext(os.path.basename(case))[0]
        try:
            out = run_case(host, port, user, password, case)
        except Exception as e:  # noqa: BLE001 - one broken case must not hide the others
            import traceback
            traceback.print_exc()
            out = ['# pytds_client: %s: %s' % (type(e).__name__, e)]
        with open(os.path.join(outdir, name + '.out'), 'w', encoding='utf-8') as f:
            f.write('\n'.join(out) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
