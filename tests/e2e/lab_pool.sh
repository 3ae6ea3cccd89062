#!/usr/bin/env bash
# End-to-end: pcdr-lab's Persistent Chat pool as pcdr's pool command
# (docs/pool-command.md). get/set-state/set-active-servers round-trip,
# the state persists in DIR/pool.json across calls and across down/up,
# every change lands in DIR/pool.history and DIR/lab.log, a bad state, a
# server outside the pool and another pool's identity (PCDR_POOL) are
# refused (exit 1, a message, nothing changed), usage errors exit 129; `up` writes DIR/pcdr.yaml pointing
# at every instance and at this command, and pcdr can use it.
. "$TOP/tests/lib.sh"

lab_up "$TOP/examples/lab/topology.yaml"
pool() { "$PCDR_LAB" --dir "$LAB_DIR" pool "$@"; }

# --- pcdr.yaml ----------------------------------------------------------------
conf="$LAB_DIR/pcdr.yaml"
ok "$([ -s "$conf" ] && echo 0 || echo 1)" "up wrote pcdr.yaml"
for i in sqla.dc1.lab sqlb.dc1.lab sqla.dc2.lab sqlb.dc2.lab; do
	like "$(cat "$conf")" "server: '$i'" "pcdr.yaml reaches $i by its freetds.conf name"
done
like "$(cat "$conf")" "command: \['$PCDR_LAB', --dir, '$LAB_DIR', pool\]" \
	"pcdr.yaml runs this pool command with absolute paths"
like "$(cat "$conf")" "atl-pchat:" "the pool is named as the spec's metadata.name"
unlike "$(cat "$conf")" "$PCDR_SQL_PASSWORD" "pcdr.yaml holds no password"

# --- initial state and round trip ---------------------------------------------
is "$(pool get)" '{"state":"Normal","activeServers":[]}' "initial state: Normal, nobody active"
pool set-active-servers pc1.dc1.lab PC2.DC1.LAB pc1.dc1.lab
is "$?" 0 "set-active-servers exits 0"
is "$(pool get)" '{"state":"Normal","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' \
	"get shows the list (topology spelling, each server once)"
pool set-state FailedOver
is "$?" 0 "set-state FailedOver exits 0"
is "$(pool get)" '{"state":"FailedOver","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' \
	"get shows FailedOver, the list kept"
is "$("$PCDR_LAB" pool get --dir "$LAB_DIR")" \
	'{"state":"FailedOver","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' \
	"--dir may follow the verb"
before=$(wc -l <"$LAB_DIR/pool.history")
pool set-state FailedOver
is "$?" 0 "setting the same state again succeeds"
is "$(wc -l <"$LAB_DIR/pool.history")" "$before" "... and records no change"
pool set-active-servers
is "$?" 0 "set-active-servers without a name (the fence) exits 0"
is "$(pool get)" '{"state":"FailedOver","activeServers":[]}' "the list is empty"

# --- refusals -----------------------------------------------------------------
out=$(pool set-state Degraded 2>&1)
is "$?" 1 "an invalid state is refused with exit 1"
like "$out" "cannot set the pool state to 'Degraded'.*Normal or FailedOver" "... saying why"
out=$(pool set-active-servers pc1.dc2.lab pc9.dc2.lab 2>&1)
is "$?" 1 "a server outside the pool is refused with exit 1"
like "$out" "'pc9.dc2.lab' is not a Persistent Chat server of the pool" "... naming it"
is "$(pool get)" '{"state":"FailedOver","activeServers":[]}' "refusals change nothing"
pool set-state >/dev/null 2>&1
is "$?" 129 "set-state without a state is a usage error"
pool frobnicate >/dev/null 2>&1
is "$?" 129 "an unknown pool verb is a usage error"
"$PCDR_LAB" pool get >/dev/null 2>&1
is "$?" 129 "pool without --dir is a usage error"
out=$("$PCDR_LAB" --dir "$TMP/nolab" pool get 2>&1)
is "$?" 1 "a directory without a lab is refused"
like "$out" "not a lab directory" "... saying so"

out=$(PCDR_POOL="service:other-pchat.lab" pool get 2>&1)
is "$?" 1 "PCDR_POOL naming another pool is refused"
like "$out" "no Persistent Chat pool 'service:other-pchat.lab' here" "... saying so"
PCDR_POOL="PersistentChatServer:ATL-PCHAT.lab" pool get >/dev/null
is "$?" 0 "PCDR_POOL in the PersistentChatServer: spelling names this pool"

# --- history, log, persistence ------------------------------------------------
pool set-active-servers pc1.dc2.lab pc2.dc2.lab
like "$(tail -1 "$LAB_DIR/pool.history")" \
	"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z	FailedOver	pc1.dc2.lab,pc2.dc2.lab$" \
	"pool.history: time, state, servers"
is "$(grep -c . "$LAB_DIR/pool.history")" 4 "pool.history has one line per change"
like "$(cat "$LAB_DIR/lab.log")" "Z pool: set-state FailedOver \(was Normal\)" \
	"lab.log records the state change with its time"
like "$(cat "$LAB_DIR/lab.log")" "pool: set-active-servers \(none: fenced\)" \
	"lab.log records the fence"
"$PCDR_LAB" --dir "$LAB_DIR" down >/dev/null
is "$(pool get)" '{"state":"FailedOver","activeServers":["pc1.dc2.lab","pc2.dc2.lab"]}' \
	"the state is kept while the lab is down"
"$PCDR_LAB" up --dir "$LAB_DIR" >/dev/null 2>&1
is "$(pool get)" '{"state":"FailedOver","activeServers":["pc1.dc2.lab","pc2.dc2.lab"]}' \
	"... and after up again"
pool set-state Normal

# --- pcdr uses it ---------------------------------------------------------------
if [ -x "$PCDR" ] && "$PCDR" help 2>&1 | grep -q ' status '; then
	mkdir -p "$LAB_DIR/spec/pools"
	cp "$TOP/examples/lab/pools/atl-pchat.yaml" "$LAB_DIR/spec/pools/"
	(cd "$LAB_DIR/spec" && git init -q -b main && git add . &&
		git -c user.email=lab@lab -c user.name=lab commit -qm spec)
	out=$(timeout 60 "$PCDR" status --config "$LAB_DIR/pcdr.yaml" 2>&1)
	like "$out" "pool 'atl-pchat': Normal, active servers pc1.dc2.lab, pc2.dc2.lab" \
		"pcdr status reads the pool through DIR/pcdr.yaml"
else
	ok 0 "# SKIP pcdr status is not built"
fi

done_testing
