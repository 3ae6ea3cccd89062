# Sourced by the apply scenario scripts (not a test). Starts the bare lab
# (mgc and mgccomp on sqla.dc1.lab, mgccomp on sqla.dc2.lab) with its
# host configuration, and makes a spec repository from
# examples/lab/pools/ (primary dc1, mirrors in both sites, mgc shipped
# dc1 -> dc2). spec_failover / spec_failback commit the spec change a
# failover or failback pull request makes.
lab_up "$TOP/examples/lab/topology.yaml"
CONFIG="$LAB_DIR/pcdr.yaml"
export XDG_CACHE_HOME="$TMP/cache"
SPEC="$TMP/specs/pools/atl-pchat.yaml"
mkdir -p "$TMP/specs/pools"
cp "$TOP/examples/lab/pools/atl-pchat.yaml" "$SPEC"
git -C "$TMP/specs" init -q -b main
commit() {
	git -C "$TMP/specs" add .
	git -C "$TMP/specs" -c user.name=Lab -c user.email=lab@example.invalid commit -qm "$1"
}
commit "Lab pool, primary dc1"

spec_failover() {
	sed -i -e 's/^  primary: dc1/  primary: dc2/' -e 's/^    from: dc1/    from: dc2/' \
		-e 's/^    to: dc2/    to: dc1/' \
		-e 's/^  activeServers: .*/  activeServers: [pc1.dc2.lab, pc2.dc2.lab]/' "$SPEC"
	commit "Fail over to dc2"
}
spec_failback() {
	sed -i -e 's/^  primary: dc2/  primary: dc1/' -e 's/^    from: dc2/    from: dc1/' \
		-e 's/^    to: dc1/    to: dc2/' \
		-e 's/^  activeServers: .*/  activeServers: [pc1.dc1.lab, pc2.dc1.lab]/' "$SPEC"
	commit "Fail back to dc1"
}

apply() { "$PCDR" apply --config "$CONFIG" --repo "$TMP/specs" "$@"; }
plan() { "$PCDR" plan --config "$CONFIG" --repo "$TMP/specs" "$@"; }
pool_get() { "$PCDR_LAB" --dir "$LAB_DIR" pool get; }
lab() { "$PCDR_LAB" --dir "$LAB_DIR" "$@"; }
# status_row INSTANCE DATABASE: the status line of that copy
status_json() { "$PCDR" status --config "$CONFIG" --repo "$TMP/specs" --output json; }
copy() { # copy INSTANCE DB FIELD: a field of the observed copy (pcdr debug observe)
	"$PCDR" debug observe --config "$CONFIG" --repo "$TMP/specs" | python3 -c '
import json, sys
m = json.load(sys.stdin)
for i in m["instances"]:
    if i["name"] == sys.argv[1]:
        for d in i.get("databases", []):
            if d["name"] == sys.argv[2]:
                v = d
                for k in sys.argv[3].split("."):
                    v = v.get(k) if isinstance(v, dict) else None
                print(v); sys.exit(0)
print("ABSENT")' "$1" "$2" "$3"
}
