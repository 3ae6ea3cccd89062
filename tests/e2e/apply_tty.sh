#!/usr/bin/env bash
# pcdr apply on a terminal (a pseudo-terminal made by python3's pty):
# the plan is shown and applied only after the answer `yes`; any other
# answer cancels (exit 1, nothing changed). On a terminal each step has
# one line with its number and elapsed time instead of log lines.
. "$TOP/tests/lib.sh"
. "$TOP/tests/e2e/apply_lab_setup.bash"
spec_commit "Activate dc1's servers" pc1.dc1.lab pc2.dc1.lab

# on_tty ANSWER: run apply on a pty, answer the question, print what it showed; exit as apply
on_tty() {
	python3 - "$1" "$PCDR" apply --config "$CONFIG" --repo "$TMP/specs" <<'PY'
import os, pty, sys
answer, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out, sent = b"", False
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if not sent and b"Only 'yes' is accepted: " in out:
        os.write(fd, answer.encode() + b"\n")
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r\n", "\n"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
}

out=$(on_tty no)
is "$?" 1 "answer 'no': exit 1"
like "$out" "plan for pool 'atl-pchat': ready, 1 step" "the plan is shown before the question"
like "$out" "Apply these 1 step to pool 'atl-pchat'\\? Only 'yes' is accepted:" "the question"
like "$out" "apply cancelled: the answer was not 'yes'" "cancelled"
is "$(pool_get)" '{"state":"Normal","activeServers":[]}' "cancelled: nothing changed"
is "$(audit_results)" "" "cancelled: nothing recorded"

out=$(on_tty yes)
is "$?" 0 "answer 'yes': exit 0"
like "$out" "\\[1/1\\] pool.set_active_servers \\[pc1.dc1.lab, pc2.dc1.lab\\] +[0-9.]+s" \
	"on a terminal: the step's line with its elapsed time"
like "$out" "\\[1/1\\] succeeded in [0-9.]+s" "on a terminal: the step's result"
unlike "$out" "event=" "on a terminal: no log lines"
is "$(pool_get)" '{"state":"Normal","activeServers":["pc1.dc1.lab","pc2.dc1.lab"]}' \
	"the step ran"

done_testing
