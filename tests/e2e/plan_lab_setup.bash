# Sourced by plan_lab.sh and status_lab.sh (not a test: tests/run runs
# *.sh only). Starts the lab and makes a spec repository with git from
# examples/lab/pools/ in $TMP/specs ($commit: its short id). The host
# configuration is the one `pcdr-lab up` writes (DIR/pcdr.yaml: the
# instances by their freetds.conf names, the login from the lab's
# environment, `pcdr-lab pool` as the pool command); the spec repository
# is given with --repo. lab_config writes a copy with one instance moved
# to an address where nothing listens, or another pool command.
lab_up "$TOP/examples/lab/topology.yaml"
CONFIG="$LAB_DIR/pcdr.yaml"

mkdir -p "$TMP/specs/pools"
cp "$TOP/examples/lab/pools/atl-pchat.yaml" "$TMP/specs/pools/"
git -C "$TMP/specs" init -q -b main
git -C "$TMP/specs" add .
git -C "$TMP/specs" -c user.name=Lab -c user.email=lab@example.invalid \
	commit -qm "Lab pool, primary dc1"
commit=$(git -C "$TMP/specs" rev-parse --short=7 HEAD)

# lab_config unreachable INSTANCE | pool-command WORD...: writes $TMP/config.yaml
lab_config() {
	case "$1" in
	unreachable)
		sed "s|^    server: '$2' .*|    address: '127.0.0.1:1'|" "$CONFIG" >"$TMP/config.yaml" ;;
	pool-command)
		shift
		sed "s|^    command: .*|    command: [$*]|" "$CONFIG" >"$TMP/config.yaml" ;;
	esac
}
