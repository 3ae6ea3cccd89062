#!/usr/bin/python3
"""compare.py: checks what one client observed for a conformance case
against the case's expected outcome (tests/conformance/cases/NAME.expect).

The expected outcome is written once, in SQL Server's terms (SQL types,
values as SQL Server shows them, DONE row counts, messages with number,
severity and state). Every client driver (tsql, db-lib, pytds, tedious)
prints what it saw in the same line format, with the column types in its
own vocabulary. This script projects the expectation onto what that
client can observe (tsql cannot see types or DONE counts, tedious returns
NUMERIC as a double, ...) and compares. It never relaxes a fact the client
can see: the projections below are facts about the client libraries, with
the source they come from.

Transcript format (one item per line, '#' comments and blank lines ignored):
    batch                          start of a batch (cases may hold several)
    columns: NAME TYPE | NAME TYPE a result set starts (TYPE: SQL type in
                                   .expect, the client's native type observed)
    row: V | V                     one row; V = NULL, a number, or 'text'
    count: N                       a DONE token with the COUNT bit, N rows
    return: N                      a RETURNSTATUS token
    database: NAME                 an ENVCHANGE to database NAME
    msg: NUMBER SEVERITY STATE TEXT  an INFO or ERROR token (as sent: an
                                   error raised with severity 10 arrives as 0)
    login: failed                  the login was refused
    cancel: ok                     the batch was cancelled (ATTENTION acked)
Messages are compared as their own ordered stream, the other items as
another: clients differ in when they surface messages relative to rows.

Usage: compare.py --client NAME EXPECT OBSERVED   (exit 0 if equal)
       compare.py --tsql-raw STDOUT STDERR          (tsql output -> transcript)
       compare.py --render CASE.sql                 (batches, GO-separated, with
                                                     parameters as EXEC sp_executesql)
       compare.py --directive CASE.sql NAME         (values of '--! NAME: value')
"""
import datetime
import decimal
import os
import re
import sys

# ---------------------------------------------------------------- parsing


def split_values(text):
    """Split 'a' | NULL | 3 into tokens, honouring quotes ('' escapes)."""
    vals, cur, i, inq = [], '', 0, False
    while i < len(text):
        c = text[i]
        if inq:
            if c == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    cur += "''"
                    i += 2
                    continue
                inq = False
            cur += c
        elif c == "'":
            inq = True
            cur += c
        elif text.startswith(' | ', i):
            vals.append(cur.strip())
            cur = ''
            i += 3
            continue
        else:
            cur += c
        i += 1
    vals.append(cur.strip())
    return vals


def unquote(tok):
    """'it''s' -> ("str", "it's"); NULL -> ("null", None); 12 -> ("num", "12")."""
    if tok == 'NULL':
        return ('null', None)
    if len(tok) >= 2 and tok[0] == "'" and tok[-1] == "'":
        return ('str', tok[1:-1].replace("''", "'"))
    return ('num', tok)


def substitute(text):
    return re.sub(r'\$\{(\w+)\}', lambda m: os.environ.get(m.group(1), ''), text)


def parse(path):
    """Transcript -> list of batches: {'items': [...], 'msgs': [...]}."""
    batches = []
    with open(path, encoding='utf-8') as f:
        lines = f.read().splitlines()
    for ln in lines:
        s = ln.rstrip()
        if not s or s.lstrip().startswith('#'):
            continue
        s = substitute(s)
        if s == 'batch':
            batches.append({'items': [], 'msgs': [], 'env': []})
            continue
        if not batches:
            batches.append({'items': [], 'msgs': [], 'env': []})
        b = batches[-1]
        key, _, rest = s.partition(':')
        rest = rest.strip()
        if key == 'columns':
            cols = []
            for c in split_values(rest):
                name, _, typ = c.rpartition(' ')
                if not name:
                    name, typ = typ, ''
                if name == "''":
                    name = ''
                cols.append((name, typ))
            b['items'].append(('columns', cols))
        elif key == 'row':
            b['items'].append(('row', [unquote(v) for v in split_values(rest)]))
        elif key == 'database':
            b['env'].append(rest)
        elif key in ('count', 'return', 'login', 'cancel'):
            b['items'].append((key, rest))
        elif key == 'msg':
            parts = rest.split(' ', 3)
            while len(parts) < 4:
                parts.append('')
            b['msgs'].append(tuple(parts))
        else:
            raise SystemExit('%s: unknown line: %s' % (path, s))
    return batches

# ------------------------------------------------------------- projections
# What each client can observe, from its source:
#  tsql (FreeTDS 1.3.17 src/apps/tsql.c): column names and values as text,
#    "(N rows affected)" counts the rows it printed (not the DONE count),
#    "(return status = N)"; 5701/5703 are hidden unless -v; PRINT (msg 0)
#    is printed without number, severity or state; no ENVCHANGE output.
#  db-lib (src/dblib/dblib.c): dbcoltype folds NVARCHAR/VARCHAR into
#    SYBCHAR (tds_get_cardinal_type + dblib_coltype) and nullable forms
#    into the base type; DBCOUNT is the DONE count or -1.
#  pytds 1.11: description type_code (serializer.get_typeid(): INTN and
#    friends report the sized base type), size, precision, scale.
#  tedious 19.2.2: metadata type name, dataLength, precision, scale; DONE
#    rowCount is undefined unless the COUNT bit is set; NUMERIC arrives as
#    a JavaScript number (src/value-parser.ts), BIGINT as a string.

SYB = {'int': 'SYBINT4', 'bigint': 'SYBINT8', 'smallint': 'SYBINT2',
       'tinyint': 'SYBINT1', 'bit': 'SYBBIT', 'datetime': 'SYBDATETIME',
       'datetime2': 'SYBMSDATETIME2', 'uniqueidentifier': 'SYBUNIQUE',
       'float': 'SYBFLT8', 'real': 'SYBREAL', 'numeric': 'SYBNUMERIC',
       'decimal': 'SYBDECIMAL', 'nvarchar': 'SYBCHAR', 'varchar': 'SYBCHAR',
       'varbinary': 'SYBBINARY'}

# pytds type codes (pytds/tds_base.py)
PYTDS = {'int': '56', 'bigint': '127', 'smallint': '52', 'tinyint': '48',
         'bit': '50', 'datetime': '61', 'datetime2': '42',
         'uniqueidentifier': '36', 'float': '62', 'real': '59',
         'numeric': '108|106', 'decimal': '106|108', 'nvarchar': '231',
         'varchar': '167', 'varbinary': '165'}

TEDIOUS = {'int': ('Int', 'IntN/4'), 'bigint': ('BigInt', 'IntN/8'),
           'smallint': ('SmallInt', 'IntN/2'), 'tinyint': ('TinyInt', 'IntN/1'),
           'bit': ('Bit', 'BitN'), 'datetime': ('DateTime', 'DateTimeN/8'),
           'uniqueidentifier': ('UniqueIdentifier',),
           'float': ('Float', 'FloatN/8'), 'real': ('Real', 'FloatN/4')}


def sqltype(t):
    """'nvarchar(128)' -> ('nvarchar', ['128'])."""
    m = re.match(r'^([a-z0-9]+)(?:\((.*)\))?$', t.strip().lower())
    if not m:
        return (t.lower(), [])
    args = [a.strip() for a in m.group(2).split(',')] if m.group(2) else []
    return (m.group(1), args)


def type_ok(client, expected, native):
    base, args = sqltype(expected)
    if client == 'tsql':
        return True
    if client == 'dblib':
        want = SYB.get(base)
        if base in ('nvarchar', 'varchar') and args and args[0] == 'max':
            return native in ('SYBCHAR', 'SYBTEXT')
        if base in ('numeric', 'decimal'):
            return native == '%s(%s,%s)' % (want, args[0], args[1] if len(args) > 1 else '0')
        return native == want
    if client == 'pytds':
        code, _, size = native.partition('/')
        if base == 'nvarchar' and args and args[0] == 'max':
            return code == '99'
        if base == 'varchar' and args and args[0] == 'max':
            return code == '35'
        if code not in PYTDS.get(base, '?').split('|'):
            return False
        if base in ('numeric', 'decimal'):
            return size == '%s,%s' % (args[0], args[1] if len(args) > 1 else '0')
        if base in ('nvarchar', 'varchar'):
            return size == args[0]
        if base == 'datetime2':
            return size == (args[0] if args else '7')
        return True
    if client == 'tedious':
        if base in TEDIOUS:
            return native in TEDIOUS[base]
        if base == 'nvarchar':
            n = 'max' if args[0] == 'max' else str(2 * int(args[0]))
            return native == 'NVarChar/' + ('65535' if n == 'max' else n)
        if base == 'varchar':
            return native == 'VarChar/' + ('65535' if args[0] == 'max' else args[0])
        if base in ('numeric', 'decimal'):
            p, s = args[0], args[1] if len(args) > 1 else '0'
            names = ('Numeric', 'NumericN') if base == 'numeric' else ('Decimal', 'DecimalN')
            return native in ['%s/%s,%s' % (n, p, s) for n in names]
        if base == 'datetime2':
            return native == 'DateTime2/' + (args[0] if args else '7')
    return False

# ------------------------------------------------------------------ values


DT_RE = re.compile(r'^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?$')
TSQL_DT_RE = re.compile(
    r'^([A-Z][a-z]{2})\s+(\d+)\s+(\d{4})\s+(\d+):(\d\d)(?::(\d\d)(?:[:.](\d+))?)?\s*([AP]M)$')
MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']


def parse_dt(text):
    """-> (datetime without fraction, fraction in ns, digits) or None."""
    m = DT_RE.match(text)
    if m:
        y, mo, d, h, mi, s = (int(x) for x in m.groups()[:6])
        frac = m.group(7) or ''
    else:
        m = TSQL_DT_RE.match(text)
        if not m:
            return None
        mo = MONTHS.index(m.group(1)) + 1
        d, y, h, mi = int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5))
        s = int(m.group(6) or 0)
        frac = m.group(7) or ''
        h = h % 12 + (12 if m.group(8) == 'PM' else 0)
        if m.group(6) is None:
            # tsql's default format ("%b %e %Y %I:%M%p") stops at minutes
            return datetime.datetime(y, mo, d, h, mi, 0), 0, -1
    base = datetime.datetime(y, mo, d, h, mi, s)
    ns = int((frac + '000000000')[:9]) if frac else 0
    return base, ns, len(frac)


def ns_since_0001(parsed):
    """Exact integer nanoseconds (floats lose the 100 ns of DATETIME2)."""
    d = parsed[0] - datetime.datetime(1, 1, 1)
    return (d.days * 86400 + d.seconds) * 10**9 + parsed[1]


def value_ok(client, typ, exp, got):
    """exp/got: (kind, text) from unquote(); typ: expected SQL type."""
    base, _ = sqltype(typ) if typ else ('', [])
    if exp[0] == 'null' or got[0] == 'null':
        return exp[0] == got[0]
    e, g = exp[1], got[1]
    if base in ('float', 'real'):
        try:
            fe, fg = float(e), float(g)
        except ValueError:
            return False
        tol = 1e-6 if base == 'real' else 1e-12
        return fe == fg or abs(fe - fg) <= tol * max(abs(fe), abs(fg))
    if base in ('numeric', 'decimal'):
        try:
            if client == 'tedious':
                return float(decimal.Decimal(e)) == float(g)
            return decimal.Decimal(e) == decimal.Decimal(g)
        except decimal.InvalidOperation:
            return False
    if base in ('datetime', 'datetime2', 'smalldatetime'):
        pe, pg = parse_dt(e), parse_dt(g)
        if not pe or not pg:
            return False
        if pg[2] == -1:     # minutes only: SQL Server's value, truncated
            return pe[0].replace(second=0) == pg[0]
        # compare to the precision the client delivered (pytds: us,
        # tedious/tsql: whatever digits it printed), within one unit
        unit = 10 ** (9 - min(pg[2], 9)) if pg[2] else 10 ** 9
        if pe[2] and pe[2] < pg[2]:
            unit = 10 ** (9 - pe[2])
        de, dg = ns_since_0001(pe), ns_since_0001(pg)
        return abs(de - dg) < unit
    if base == 'uniqueidentifier':
        return e.upper() == g.upper()
    return e == g

# --------------------------------------------------------------- projection


def project(client, batches):
    """Drop from the expectation what `client` cannot observe."""
    out = []
    for b in batches:
        items, msgs = [], list(b['msgs'])
        for n, it in enumerate(b['items']):
            if client == 'tsql' and it[0] == 'count':
                continue
            # db-lib: a new COLMETADATA frees the results and with them the
            # return status (tds_free_all_results, FreeTDS src/tds/mem.c),
            # so a status followed by another result set is never visible
            if client == 'dblib' and it[0] == 'return' and any(
                    later[0] == 'columns' for later in b['items'][n + 1:]):
                continue
            items.append(it)
        env = [] if client == 'tsql' else list(b['env'])
        if client == 'tsql':
            msgs = [m for m in msgs if m[0] not in ('5701', '5703')]
            msgs = [(m[0], '?', '?', m[3]) if m[0] == '0' else m for m in msgs]
        out.append({'items': items, 'msgs': msgs, 'env': env})
    return out


def fmt_item(it):
    if it[0] == 'columns':
        return 'columns: ' + ' | '.join('%s %s' % c for c in it[1])
    if it[0] == 'row':
        return 'row: ' + ' | '.join('NULL' if v[0] == 'null' else
                                    ("'%s'" % v[1].replace("'", "''") if v[0] == 'str' else v[1])
                                    for v in it[1])
    return '%s: %s' % it


def compare(client, exp, got):
    problems = []
    if len(exp) != len(got):
        problems.append('expected %d batch(es), observed %d' % (len(exp), len(got)))
    for bi, (eb, gb) in enumerate(zip(exp, got), 1):
        cols = None
        for ii in range(max(len(eb['items']), len(gb['items']))):
            e = eb['items'][ii] if ii < len(eb['items']) else None
            g = gb['items'][ii] if ii < len(gb['items']) else None
            bad = e is None or g is None or e[0] != g[0]
            if not bad and e[0] == 'columns':
                cols = e[1]
                bad = len(e[1]) != len(g[1]) or any(
                    ec[0] != gc[0] or not type_ok(client, ec[1], gc[1])
                    for ec, gc in zip(e[1], g[1]))
            elif not bad and e[0] == 'row':
                types = [c[1] for c in cols] if cols else [''] * len(e[1])
                bad = len(e[1]) != len(g[1]) or any(
                    not value_ok(client, t, ev, gv)
                    for t, ev, gv in zip(types, e[1], g[1]))
            elif not bad:
                bad = e[1] != g[1]
            if bad:
                problems.append('batch %d item %d: expected %s' % (
                    bi, ii + 1, fmt_item(e) if e else '(nothing)'))
                problems.append('batch %d item %d: observed %s' % (
                    bi, ii + 1, fmt_item(g) if g else '(nothing)'))
                break
        if eb['env'] != gb['env']:
            problems.append('batch %d: expected database change(s) %s, observed %s' % (
                bi, eb['env'] or 'none', gb['env'] or 'none'))
        em, gm = eb['msgs'], gb['msgs']
        for mi in range(max(len(em), len(gm))):
            e = em[mi] if mi < len(em) else None
            g = gm[mi] if mi < len(gm) else None
            ok = e is not None and g is not None and all(
                a == b or a == '?' or b == '?' for a, b in zip(e, g))
            if not ok:
                problems.append('batch %d msg %d: expected %s' % (bi, mi + 1, ' '.join(e) if e else '(nothing)'))
                problems.append('batch %d msg %d: observed %s' % (bi, mi + 1, ' '.join(g) if g else '(nothing)'))
                break
    return problems

# -------------------------------------------------------------- tsql output


def tsql_transcript(out_path, err_path):
    """Turn tsql's stdout/stderr into a transcript.

    tsql reads its input with a prompt ("1> ", "2> ", ...; printed even when
    stdin is not a terminal) that restarts at 1 after each "go": a prompt
    run starting at "1> " opens a batch. Messages go to stderr, so their
    position relative to the batches is lost: they all land in the first
    batch, and the comparison flattens the expectation the same way.
    """
    with open(out_path, encoding='utf-8', errors='replace') as f:
        out = f.read().splitlines()
    with open(err_path, encoding='utf-8', errors='replace') as f:
        err = f.read().splitlines()
    msgs = []
    i = 0
    while i < len(err):
        ln = err[i]
        m = re.match(r'^Msg (\d+) \(severity (\d+), state (\d+)\) from .*:$', ln)
        if m:
            text = err[i + 1].strip() if i + 1 < len(err) else ''
            if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
                text = text[1:-1]
            msgs.append('msg: %s %s %s %s' % (m.group(1), m.group(2), m.group(3), text))
            i += 2
            continue
        if ln.startswith('There was a problem connecting'):
            msgs.append('login: failed')
        elif ln and not ln.startswith(('locale ', 'using default charset', 'Setting ',
                                       'Error ', '\t', 'Msg ')):
            msgs.append('msg: 0 ? ? %s' % ln)
        i += 1
    batches = []
    state = 'header'
    for ln in out:
        m = re.match(r'^((?:\d+> )+)(.*)$', ln)
        if m:
            if m.group(1).startswith('1> '):
                batches.append([])
                state = 'header'
            ln = m.group(2)
        if ln.startswith(('locale is', 'locale charset is', 'using default charset', 'Setting ')):
            continue
        if not batches:
            continue
        if re.match(r'^\(\d+ rows? affected\)$', ln):
            state = 'header'
            continue
        m = re.match(r'^\(return status = (-?\d+)\)$', ln)
        if m:
            batches[-1].append('return: %s' % m.group(1))
            state = 'header'
            continue
        if ln == '':
            continue
        fields = ln.split('\t')
        if state == 'header':
            batches[-1].append('columns: ' + ' | '.join(
                '%s ?' % (f if f else "''") for f in fields))
            state = 'rows'
        else:
            batches[-1].append('row: ' + ' | '.join(
                'NULL' if f == 'NULL' else "'%s'" % f.replace("'", "''") for f in fields))
    # the prompt of the final "exit" opens one more, empty, batch
    if batches and not batches[-1]:
        batches.pop()
    lines = []
    for n, b in enumerate(batches):
        lines.append('batch')
        lines.extend(b)
        if n == 0:
            lines.extend(msgs)
    if not batches:
        lines.extend(msgs)
    return lines


def case_directives(path):
    """The '--! name: value' lines of a case, as (name, value) pairs."""
    out = []
    with open(path, encoding='utf-8') as f:
        for ln in f:
            m = re.match(r'^--!\s*([\w-]+):\s*(.*?)\s*$', ln)
            if m:
                out.append((m.group(1), m.group(2)))
    return out


def case_batches(path):
    """The batches of a case (split on GO lines), directives removed."""
    batches, cur = [], []
    with open(path, encoding='utf-8') as f:
        for ln in f.read().splitlines():
            if ln.startswith('--!'):
                continue
            if ln.strip().upper() == 'GO':
                batches.append('\n'.join(cur))
                cur = []
            else:
                cur.append(ln)
    batches.append('\n'.join(cur))
    return [b for b in batches if b.strip()]


def case_params(path):
    """--! param: @name TYPE LITERAL  ->  [(name, type, literal)]."""
    out = []
    for name, value in case_directives(path):
        if name == 'param':
            m = re.match(r'^(@\w+)\s+(\S+)\s+(.*)$', value)
            if not m:
                raise SystemExit('%s: bad param: %s' % (path, value))
            out.append(m.groups())
    return out


def render_exec(path):
    """The case as plain batches; parameters become EXEC sp_executesql."""
    params = case_params(path)
    out = []
    for b in case_batches(path):
        if params:
            body = '\n'.join(ln for ln in b.splitlines() if not ln.startswith('--'))
            b = "EXEC sp_executesql N'%s',\n  N'%s',\n  %s;" % (
                body.replace("'", "''"),
                ', '.join('%s %s' % (n, t) for n, t, _ in params),
                ', '.join('%s = %s' % (n, v) for n, _, v in params))
        out.append(b)
    return '\nGO\n'.join(out) + '\n'


def main(argv):
    if len(argv) == 3 and argv[1] == '--render':
        sys.stdout.write(render_exec(argv[2]))
        return 0
    if len(argv) == 4 and argv[1] == '--directive':
        for name, value in case_directives(argv[2]):
            if name == argv[3]:
                print(value)
        return 0
    if len(argv) == 4 and argv[1] == '--tsql-raw':
        sys.stdout.write('\n'.join(tsql_transcript(argv[2], argv[3])) + '\n')
        return 0
    if len(argv) != 5 or argv[1] != '--client':
        sys.stderr.write(__doc__)
        return 2
    client = argv[2]
    exp = project(client, parse(argv[3]))
    got = parse(argv[4])
    if client == 'tsql':
        # tsql prints every value as text, and messages apart from results
        for b in exp:
            b['items'] = [('row', [('str', v[1]) if v[0] == 'num' else v for v in it[1]])
                          if it[0] == 'row' else it for it in b['items']]
        if exp:
            exp[0]['msgs'] = [m for b in exp for m in b['msgs']]
            for b in exp[1:]:
                b['msgs'] = []
    problems = compare(client, exp, got)
    for p in problems:
        print('# ' + p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
