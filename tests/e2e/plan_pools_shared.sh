#!/usr/bin/env bash
# Several pools that share instances: three sites with a mirror pair each,
# pool k primary in site k and backup in the next, so each instance is
# named by two of the three pools. `pcdr plan` observes every instance
# once, each batch asking only about the databases of the pools that name
# that instance; every pool's plan must be the one it gets planned alone
# (`--pool`), and each pool sees its own databases where they are, with
# their backup and restore history (pool-1 is bootstrapped first).
. "$TOP/tests/lib.sh"
W="$TMP/w"
mkdir -p "$W/specs/pools"
{
	echo "pool: \"service:shared.lab\""
	echo "share: { unc: '\\\\fs1.lab\\pchat-ls', dir: share }"
	echo "sites:"
	for s in 1 2 3; do
		echo "  - name: s$s"
		[ "$s" = 1 ] && echo "    home: true"
		echo "    chatServers: [pc1.s$s.lab, pc2.s$s.lab]"
	done
	echo "instances:"
	for s in 1 2 3; do
		echo "  - name: sqla.s$s.lab"
		echo "    site: s$s"
		echo "    databases:"
		echo "      - { name: mgc_$s, recovery: FULL, sizeMB: 16 }"
		echo "      - { name: mgccomp_$s, recovery: FULL, sizeMB: 16 }"
		echo "  - name: sqlb.s$s.lab"
		echo "    site: s$s"
	done
	echo "logins:"
	echo "  - { name: pcdr, password: \"Shared-Pcdr-2026!\", sysadmin: true }"
} >"$W/topology.yaml"
for k in 1 2 3; do
	b=$((k % 3 + 1))
	cat >"$W/specs/pools/pool-$k.yaml" <<YAML
apiVersion: pcdr/v1
kind: PersistentChatPool
metadata:
  name: pool-$k
spec:
  pool: "service:pool-$k.lab"
  home: s$k
  sites:
    s$k:
      principal: sqla.s$k.lab
      mirror: sqlb.s$k.lab
      servers: [pc1.s$k.lab, pc2.s$k.lab]
    s$b:
      principal: sqla.s$b.lab
      mirror: sqlb.s$b.lab
      servers: [pc1.s$b.lab, pc2.s$b.lab]
  databases:
    mgc_$k: { logShipping: true }
    mgccomp_$k: { logShipping: false }
  primary: s$k
  logShipping:
    from: s$k
    to: s$b
    backupShare: '\\\\fs1.lab\\pchat-ls'
    copyTo: 'D:\\pchat-ls'
    interval: 1h
  activeServers: [pc1.s$k.lab, pc2.s$k.lab]
YAML
done
git -C "$W/specs" init -q -b main
git -C "$W/specs" add .
git -C "$W/specs" -c user.name=Test -c user.email=test@example.invalid commit -qm "3 pools"
lab_up "$W/topology.yaml"
# each pool already Normal on its own site's servers (PCDR_POOL_NAME: pool-K)
cat >"$W/pool.sh" <<'SH'
#!/bin/sh
k=${PCDR_POOL_NAME#pool-}
echo "{\"state\": \"Normal\", \"activeServers\": [\"pc1.s$k.lab\", \"pc2.s$k.lab\"]}"
SH
chmod +x "$W/pool.sh"
{
	sed -n '1,/^pools:/p' "$LAB_DIR/pcdr.yaml"
	for k in 1 2 3; do
		printf "  pool-%s:\n    command: ['%s']\n    timeout: 30s\n" "$k" "$W/pool.sh"
	done
} >"$W/pcdr.yaml"
plan() { "$PCDR" plan --config "$W/pcdr.yaml" --repo "$W/specs" "$@"; }

# pool-1 bootstrapped: its copies on sqla.s1, sqlb.s1 and sqla.s2 (which
# pool-2 also names) have backup and restore history its plan must see
"$PCDR" apply --config "$W/pcdr.yaml" --repo "$W/specs" --pool pool-1 --auto-approve \
	>"$TMP/apply" 2>&1
ok "$([ $? -le 3 ] && echo 0 || echo 1)" "apply --pool pool-1 runs"
TDSDUMP=stderr plan >"$TMP/all" 2>"$TMP/dump"
ok "$([ $? -le 3 ] && echo 0 || echo 1)" "plan of the three pools runs"
is "$(grep -o 'tdsdbopen(' "$TMP/dump" | wc -l)" 6 "one login for each of the 6 instances"
is "$(grep -o 'dbsqlexec(' "$TMP/dump" | wc -l)" 6 "one batch for each of the 6 instances"
is "$(grep -c "^plan for pool 'pool-" "$TMP/all")" 3 "three plans"
unlike "$(awk '/^plan for pool .pool-1./,/^$/' "$TMP/all")" "sql\\.seed mgc_1 sqla" \
	"pool-1: no reseed of mgc_1 after its bootstrap (its backups and restores were read)"
for k in 1 2 3; do
	plan --pool "pool-$k" >"$TMP/one" 2>&1
	grep -v -e '^spec commit ' -e '^$' "$TMP/one" >"$TMP/one.body"
	awk -v p="plan for pool 'pool-$k'" 'index($0, "plan for pool ") == 1 { on = (index($0, p) == 1) }
		on && !/^spec commit / && !/^$/' "$TMP/all" >"$TMP/all.body"
	is "$(cat "$TMP/all.body")" "$(cat "$TMP/one.body")" "pool-$k: the same plan as planned alone"
	[ "$k" = 1 ] && continue
	like "$(cat "$TMP/one.body")" "sqla\\.s$k\\.lab/mgc_$k\\.state=ONLINE" \
		"pool-$k: mgc_$k seen ONLINE on sqla.s$k.lab"
done
# what each pool observed (status: its copies, backups, restores, pings),
# all pools at once against one pool alone; an instance's msdb also lists
# the backups of other pools' databases restored there, which a pool's
# model keeps (alone too, when it names that instance): compared without them
"$PCDR" status --config "$W/pcdr.yaml" --repo "$W/specs" --output json >"$TMP/st.all"
for k in 1 2 3; do
	"$PCDR" status --config "$W/pcdr.yaml" --repo "$W/specs" --output json --pool "pool-$k" \
		>"$TMP/st.one"
	is "$(python3 - "$TMP/st.all" "$TMP/st.one" "pool-$k" <<'PY'
import json, sys
k = sys.argv[3].split("-")[1]
mine = {"mgc_" + k, "mgccomp_" + k}
def own(x):  # what the pool's own databases are (an instance's msdb lists others' too)
    if isinstance(x, dict):
        return {a: own(b) for a, b in x.items() if own(b) not in ([], None)}
    if isinstance(x, list):
        return [own(e) for e in x if not (isinstance(e, dict) and "database" in e and e["database"] not in mine)]
    return x
every = [p for p in json.load(open(sys.argv[1])) if p["pool"] == sys.argv[3]]
one = json.load(open(sys.argv[2]))
one = one[0] if isinstance(one, list) else one
print("same" if every and own(every[0]["observed"]) == own(one["observed"]) else
      "differs: " + json.dumps(every[0]["observed"] if every else None)[:400])
PY
)" same "pool-$k: observed the same with the others as alone"
done
like "$(cat "$TMP/all")" "^plan for pool 'pool-1': blocked, 1 step, 1 blocked" \
	"pool-1: only mgccomp_1 in s2 left (the lab has none there to copy into)"
done_testing
