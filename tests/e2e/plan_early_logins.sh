#!/usr/bin/env bash
# pcdr plan logs in to the configured instances while it reads the specs
# (providers/mssql/early.h). The observation uses those logins (one login
# per instance, as before); a configured instance that no spec names is
# given up without waiting for it: here one that accepts the connection
# and never answers, with a login timeout far longer than the plan takes
# (the same for every instance: db-lib's login timeout is one per process,
# so logins with different timeouts take turns, mssql.c); and a named
# instance that is down is reported once, with its reason.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_scenario_setup.bash"

# a TCP port that accepts connections (the kernel's backlog) and never speaks
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
time.sleep(600)' >"$TMP/mute.port" &
mute=$!
trap 'kill $mute 2>/dev/null; _cleanup' EXIT
for _ in $(seq 50); do [ -s "$TMP/mute.port" ] && break; sleep 0.1; done
port=$(cat "$TMP/mute.port")
like "$port" "^[0-9]+$" "a mute listener is up"

# the extra instance goes first: its early login starts before the others
python3 - "$CONFIG" "$port" <<'EOF'
import sys
path, port = sys.argv[1], sys.argv[2]
text = open(path).read()
extra = "instances:\n  'sqlz.dc9.lab':\n    address: '127.0.0.1:%s'\n" % port
text = text.replace("instances:\n", extra, 1)
text = text.replace("  loginTimeout: 5s", "  loginTimeout: 30s", 1)
open(path, "w").write(text)
EOF
like "$(cat "$CONFIG")" "sqlz\\.dc9\\.lab" "the configuration lists an instance no spec names"

start=$SECONDS
out=$(TDSDUMP=stderr plan --detailed-exitcode 2>"$TMP/dump")
rc=$?
took=$((SECONDS - start))
is "$rc" 2 "plan: the bare lab's bootstrap (exit 2: changes)"
ok "$([ "$took" -lt 15 ] && echo 0 || echo 1)" \
	"plan does not wait for the unnamed instance's 30 s login (took ${took}s)"
unlike "$out" "sqlz" "the plan never mentions the unnamed instance"
for i in sqla.dc1.lab sqlb.dc1.lab sqla.dc2.lab sqlb.dc2.lab; do
	is "$(grep -o "tdsdbopen(0x[0-9a-f]*, $i," "$TMP/dump" | wc -l)" 1 "one login to $i"
done
# the unnamed one's login may or may not have begun when the plan ended
ok "$([ "$(grep -o 'tdsdbopen(' "$TMP/dump" | wc -l)" -le 5 ] && echo 0 || echo 1)" \
	"no other login"

# an instance with a login timeout of its own gets no early login: db-lib's
# timeout is one per process, its login would hold up the others
sed -i "s|^    address: '127.0.0.1:$port'\$|&\n    loginTimeout: 60s|" "$CONFIG"
like "$(cat "$CONFIG")" "127\\.0\\.0\\.1:$port'
    loginTimeout: 60s" "the unnamed instance now has a timeout of its own"
start=$SECONDS
TDSDUMP=stderr plan --detailed-exitcode >/dev/null 2>"$TMP/dump"
is "$?" 2 "plan: exit 2 again"
took=$((SECONDS - start))
ok "$([ "$took" -lt 15 ] && echo 0 || echo 1)" "no turn taken behind its 60 s login (took ${took}s)"
is "$(grep -o 'tdsdbopen(' "$TMP/dump" | wc -l)" 4 "four logins: the named instances only"

lab stop sqlb.dc2.lab >/dev/null
st=$("$PCDR" status --config "$CONFIG" --repo "$TMP/specs")
like "$st" "^sqlb\\.dc2\\.lab +dc2 +no +cannot connect to 'sqlb\\.dc2\\.lab'" \
	"a named instance that is down: its early login's failure is the fact"
is "$(printf '%s\n' "$st" | grep -c '^sqlb\.dc2\.lab ')" 1 "one row for it"

done_testing
