#!/usr/bin/env bash
# End-to-end: pcdr-lab's process control and its TDS server as real clients
# see it. up writes its files and returns only when every instance accepts
# connections; status, a refused second up, usage errors (exit 129); tsql
# (FreeTDS) logs in, lists the databases the topology promises and gets
# 18456 for a bad password; pytds (python3-tds) runs parameterised queries
# (RPC), the transaction manager requests it sends when autocommit is off,
# and 200 concurrent connections; down then up keeps the state.
. "$TOP/tests/lib.sh"

PY=/usr/bin/python3
TOPO="$TOP/examples/lab/topology.yaml"

# sql INSTANCE QUERY [USER PASSWORD]: run QUERY with tsql, print everything
sql() {
	printf '%s\ngo\nexit\n' "$2" |
		timeout 30 tsql -S "$1" -U "${3:-$PCDR_SQL_USER}" -P "${4:-$PCDR_SQL_PASSWORD}" 2>&1
}

port_of() { awk -v n="$1" '$1 == n { print $2 }' "$LAB_DIR/ports"; }

# --- usage -------------------------------------------------------------------
"$PCDR_LAB" help >"$TMP/help" 2>&1
is "$?" 0 "help exits 0"
like "$(cat "$TMP/help")" "pcdr-lab up \[--topology FILE\] --dir DIR" "help lists up"
"$PCDR_LAB" up -h >/dev/null 2>&1
is "$?" 0 "up -h exits 0"
"$PCDR_LAB" frobnicate >/dev/null 2>&1
is "$?" 129 "unknown verb is a usage error"
"$PCDR_LAB" up --topology "$TOPO" >/dev/null 2>&1
is "$?" 129 "up without --dir is a usage error"
"$PCDR_LAB" --dir "$TMP/x" up --base-port nope >/dev/null 2>&1
is "$?" 129 "bad --base-port is a usage error"

# --- up ----------------------------------------------------------------------
lab_up "$TOPO"
for f in freetds.conf ports env lab.pid lab.log topology.yaml; do
	ok "$([ -s "$LAB_DIR/$f" ] && echo 0 || echo 1)" "up wrote $f"
done
is "$(stat -c %a "$LAB_DIR/env")" 600 "env is mode 0600"
is "$(stat -c %a "$LAB_DIR/topology.yaml")" 600 "the topology copy (passwords) is mode 0600"
is "$(wc -l <"$LAB_DIR/ports" | tr -d ' ')" 4 "ports lists four instances"
like "$(cat "$LAB_DIR/freetds.conf")" "^\[sqla\.dc2\.lab\]" "freetds.conf has an entry per instance"
is "$PCDR_SQL_USER" pcdr "env names the sysadmin login"
like "$FREETDSCONF" "/freetds.conf$" "env sets FREETDSCONF"

status=$("$PCDR_LAB" --dir "$LAB_DIR" status)
is "$?" 0 "status exits 0 when every instance is up"
is "$(printf '%s\n' "$status" | grep -cE ' up$')" 4 "status shows four instances up"

second=$("$PCDR_LAB" up --topology "$TOPO" --dir "$LAB_DIR" 2>&1)
is "$?" 1 "a second up on a live dir is refused"
like "$second" "already running in" "the refusal says why"

# --- tsql -------------------------------------------------------------------
out=$(sql sqla.dc1.lab "SELECT name, state_desc FROM sys.databases")
for db in master tempdb model msdb mgc mgccomp; do
	like "$out" "(^|[[:space:]])$db[[:space:]]+ONLINE" "tsql: sqla.dc1.lab lists $db"
done
like "$out" "\(6 rows affected\)" "tsql: sqla.dc1.lab has exactly six databases"

out=$(sql sqla.dc1.lab "SELECT 1" pcdr not-the-password)
like "$out" "Msg 18456" "wrong password: error 18456"
like "$out" "Login failed for user 'pcdr'" "wrong password: SQL Server's message"
unlike "$out" "not-the-password" "the password is never echoed"
unlike "$(cat "$LAB_DIR/lab.log")" "$PCDR_SQL_PASSWORD|not-the-password" "no password in lab.log"

# --- pytds: RPC, transaction manager, cancel ----------------------------------
out=$("$PY" - "$(port_of sqla.dc1.lab)" "$PCDR_SQL_USER" "$PCDR_SQL_PASSWORD" <<'EOF' 2>&1
import sys, pytds
port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with pytds.connect('127.0.0.1', port=port, user=user, password=pw, autocommit=True) as c:
    cur = c.cursor()
    cur.execute('SELECT %s', (41,))
    print('rpc', cur.fetchall()[0][0] + 1)
with pytds.connect('127.0.0.1', port=port, user=user, password=pw) as c:
    cur = c.cursor()
    cur.execute('SELECT 1')
    cur.fetchall()
    c.commit()
    print('tm ok')
kw = dict(port=port, user=user, password=pw, database='mgc')
with pytds.connect('127.0.0.1', autocommit=True, **kw) as a, pytds.connect('127.0.0.1', **kw) as c:
    a.cursor().execute('CREATE TABLE dbo.tm_probe (id INT NOT NULL)')
    cur = c.cursor()
    cur.execute('INSERT INTO dbo.tm_probe (id) VALUES (1)')
    c.rollback()
    cur.execute('INSERT INTO dbo.tm_probe (id) VALUES (2)')
    c.commit()
    other = a.cursor()
    other.execute('SELECT id FROM dbo.tm_probe')
    print('committed', [r[0] for r in other.fetchall()])
EOF
)
like "$out" "rpc 42" "pytds: sp_executesql with an INT parameter"
like "$out" "tm ok" "pytds: autocommit off (TRANSACTION MANAGER begin/commit)"
like "$out" "committed \[2\]" "pytds: rollback() undoes, commit() keeps (TM runs the engine's transactions)"

# --- 200 concurrent connections -----------------------------------------------
out=$("$PY" - "$(port_of sqlb.dc2.lab)" "$PCDR_SQL_USER" "$PCDR_SQL_PASSWORD" <<'EOF' 2>&1
import sys, threading, pytds
port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
conns, errors, lock = [], [], threading.Lock()
def connect():
    try:
        c = pytds.connect('127.0.0.1', port=port, user=user, password=pw,
                          autocommit=True, login_timeout=30, timeout=30)
        with lock:
            conns.append(c)
    except Exception as e:
        with lock:
            errors.append(repr(e))
threads = [threading.Thread(target=connect) for _ in range(200)]
for t in threads: t.start()
for t in threads: t.join()
answered = 0
for c in conns:            # all 200 are open at the same time here
    cur = c.cursor()
    cur.execute('SELECT 1')
    answered += cur.fetchall() == [(1,)]
print('open', len(conns), 'answered', answered, 'errors', errors[:2])
EOF
)
like "$out" "open 200 answered 200" "200 concurrent connections all answer"

# --- state survives down / up ---------------------------------------------------
out=$(sql sqla.dc1.lab "USE mgc
CREATE TABLE dbo.drill_marker (id INT NOT NULL)
INSERT INTO dbo.drill_marker (id) VALUES (4242)")
unlike "$out" "Msg [0-9]+ \(severity 1[1-9]" "create and fill a table in mgc"
down=$("$PCDR_LAB" --dir "$LAB_DIR" down)
is "$?" 0 "down exits 0"
like "$down" "stopped" "down says the lab stopped"
ok "$([ -e "$LAB_DIR/lab.pid" ] && echo 1 || echo 0)" "down removed lab.pid"
ok "$([ -n "$(ls -A "$LAB_DIR/state")" ] && echo 0 || echo 1)" "down saved the engine's state"
"$PCDR_LAB" --dir "$LAB_DIR" status >"$TMP/status" 2>&1
is "$?" 1 "status exits 1 when the lab is down"
like "$(cat "$TMP/status")" "stopped" "status says stopped"

"$PCDR_LAB" up --dir "$LAB_DIR" >"$TMP/up2" 2>&1
is "$?" 0 "up --dir restarts from the copied topology"
. "$LAB_DIR/env"
out=$(sql sqla.dc1.lab "USE mgc
SELECT id FROM dbo.drill_marker")
like "$out" "(^|[[:space:]])4242([[:space:]]|$)" "the table and its row survive down/up"
out=$(sql sqlb.dc1.lab "SELECT name FROM sys.databases WHERE name = 'mgc'")
like "$out" "(^|[[:space:]])name([[:space:]]|$)" "sqlb.dc1.lab answers"
unlike "$out" "^mgc$" "sqlb.dc1.lab still has no mgc"

done_testing
