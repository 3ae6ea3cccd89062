# Sourced by the apply_*.sh scripts (not a test: tests/run runs *.sh
# only). Starts the lab (examples/lab/topology.yaml) with its host
# configuration (DIR/pcdr.yaml, `pcdr-lab pool` as the pool command) and
# makes a spec repository with git in $TMP/specs whose pool needs only
# what today's lab supports: no mirror, no log shipping, the compliance
# store that exists on both principals. The lock folder and the clone
# cache live in $TMP (XDG_CACHE_HOME).
lab_up "$TOP/examples/lab/topology.yaml"
CONFIG="$LAB_DIR/pcdr.yaml"
export XDG_CACHE_HOME="$TMP/cache"
LEASE="$XDG_CACHE_HOME/pcdr/locks/atl-pchat.lease"

# spec_commit "SUBJECT" SERVER...: commit the pool spec with those active servers
spec_commit() {
	local subject="$1" servers
	shift
	servers=$(printf '%s, ' "$@")
	servers="[${servers%, }]"
	mkdir -p "$TMP/specs/pools"
	cat >"$TMP/specs/pools/atl-pchat.yaml" <<YAML
apiVersion: pcdr/v1
kind: PersistentChatPool
metadata:
  name: atl-pchat
spec:
  pool: "service:atl-pchat.lab"
  home: dc1
  sites:
    dc1:
      principal: sqla.dc1.lab
      servers: [pc1.dc1.lab, pc2.dc1.lab]
    dc2:
      principal: sqla.dc2.lab
      servers: [pc1.dc2.lab, pc2.dc2.lab]
  databases:
    mgccomp: { logShipping: false }
  primary: dc1
  logShipping: none
  activeServers: $servers
YAML
	[ -d "$TMP/specs/.git" ] || git -C "$TMP/specs" init -q -b main
	git -C "$TMP/specs" add .
	git -C "$TMP/specs" -c user.name=Lab -c user.email=lab@example.invalid commit -qm "$subject"
}

apply() { "$PCDR" apply --config "${APPLY_CONFIG:-$CONFIG}" --repo "$TMP/specs" "$@"; }
pool_get() { "$PCDR_LAB" --dir "$LAB_DIR" pool get; }
audit_results() {
	git -C "$TMP/specs" log --format='%(trailers:key=Result,valueonly)' pcdr/audit 2>/dev/null |
		sed '/^$/d' | tr '\n' ' '
}

# pool_wrapper NAME BODY: a pool command script that runs BODY then the lab's pool
pool_wrapper() {
	local script="$TMP/$1"
	cat >"$script" <<SH
#!/usr/bin/env bash
$2
exec "$PCDR_LAB" --dir "$LAB_DIR" pool "\$@"
SH
	chmod +x "$script"
	sed "s|^    command: .*|    command: ['$script']|" "$CONFIG" >"$TMP/$1.yaml"
}
