#!/usr/bin/env bats
# zk-elect: one leader among candidates, the next taking over when the
# leader ends or is killed, "elected" without CMD, --leader and -l, a
# lost session, and CLI.md's pipeline.

load helpers
bats_require_minimum_version 1.5.0

setup() { zk_setup; start_peer a; }
teardown() { zk_teardown; }

# serve: $ZK_TMP/serve.sh, a leader's CMD: takes the marker (an overlap
# goes to $ZK_TMP/overlap), logs its id to $ZK_TMP/leaders, and leads
# until $ZK_TMP/stop.ID exists.
serve() {
	cat >"$ZK_TMP/serve.sh" <<-EOF
	#!/bin/sh
	mkdir "$ZK_TMP/lead" 2>/dev/null ||
	    { echo "\$ZK_ELECT_ID" >>"$ZK_TMP/overlap"; exit 99; }
	echo "\$ZK_ELECT_ID \$ZK_ELECT_TOKEN" >>"$ZK_TMP/leaders"
	while [ ! -e "$ZK_TMP/stop.\$ZK_ELECT_ID" ]; do sleep 0.05; done
	rmdir "$ZK_TMP/lead"
	EOF
	chmod +x "$ZK_TMP/serve.sh"
}

# candidate NAME IN ARGS...: zk-elect ARGS in the background, stdin from
# IN (a background job's own would be /dev/null), stdout $ZK_TMP/NAME.out,
# stderr NAME.err; pid in $pid_NAME.
candidate() {
	local name=$1 in=$2
	shift 2
	zk-elect "$@" <"$in" >"$ZK_TMP/$name.out" 2>"$ZK_TMP/$name.err" \
	    3>&- 7>&- 8>&- 9>&- &
	eval "pid_$name=$!"
	echo "$!" >>"$ZK_TMP/pids"
}

# fifo NAME FD: a fifo for NAME's stdin, held open for writing on FD.
fifo() {
	mkfifo "$ZK_TMP/$1.in"
	eval "exec $2<>\"\$ZK_TMP/\$1.in\""
}

candidates() { [ "$(zk-ls "$1" 2>/dev/null | wc -l)" -eq "$2" ]; }
lines() { [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ]; }
leader_is() { [ "$(zk-elect --leader "$1")" = "$2" ]; }

@test "zk-elect -h lists every flag; bad usage exits 2" {
	run --separate-stderr zk-elect -h
	assert_success
	for f in --id --listen --leader --servers --session-timeout \
	    --timeout --output --quiet --help --version; do
		assert_output --partial -- "$f"
	done
	run zk-elect -V
	assert_output 'zk-elect 0.1.0'
	run zk-elect
	assert_failure 2
	run zk-elect -l --leader /e
	assert_failure 2
	run zk-elect -l /e -- true
	assert_failure 2
	run zk-elect --leader --id x /e
	assert_failure 2
	run zk-elect /e/ -- true
	assert_failure 2
}

@test "exactly one leader among three; the next takes over when the leader's CMD ends" {
	serve
	for c in c1 c2 c3; do
		candidate "$c" /dev/null /svc/e --id "$c" -- "$ZK_TMP/serve.sh"
		wait_for candidates /svc/e "${c#c}"
	done
	wait_for lines "$ZK_TMP/leaders" 1
	[ "$(cut -d' ' -f1 "$ZK_TMP/leaders")" = c1 ]
	run zk-elect --leader /svc/e
	assert_success
	assert_output c1
	touch "$ZK_TMP/stop.c1"
	wait "$pid_c1"
	wait_for lines "$ZK_TMP/leaders" 2
	[ "$(sed -n 2p "$ZK_TMP/leaders" | cut -d' ' -f1)" = c2 ]
	wait_for leader_is /svc/e c2
	touch "$ZK_TMP/stop.c2" "$ZK_TMP/stop.c3"
	wait "$pid_c2"
	wait "$pid_c3"
	[ ! -e "$ZK_TMP/overlap" ]
	[ "$(cut -d' ' -f1 "$ZK_TMP/leaders" | tr '\n' ' ')" = "c1 c2 c3 " ]
	# Each new leader's token is greater than the last one's.
	cut -d' ' -f2 "$ZK_TMP/leaders" | sort -n -c -u
	run zk-stat -q /svc/e
	assert_failure 1
}

@test "without CMD it prints elected and leads until stdin closes" {
	fifo a 7
	candidate a "$ZK_TMP/a.in" /svc/n --id a
	wait_for test -s "$ZK_TMP/a.out"
	[ "$(cat "$ZK_TMP/a.out")" = elected ]
	fifo b 8
	candidate b "$ZK_TMP/b.in" /svc/n --id b -o json
	wait_for candidates /svc/n 2
	[ ! -s "$ZK_TMP/b.out" ]
	exec 7>&-
	wait "$pid_a"
	wait_for test -s "$ZK_TMP/b.out"
	[ "$(jq -r .path "$ZK_TMP/b.out")" = /svc/n ]
	[ "$(jq -r .leader "$ZK_TMP/b.out")" = b ]
	exec 8>&-
	wait "$pid_b"
}

@test "kill -9 of the leader: the next takes over once its session expires" {
	fifo a 7
	candidate a "$ZK_TMP/a.in" --session-timeout 2000 /svc/k --id a
	wait_for test -s "$ZK_TMP/a.out"
	fifo b 8
	candidate b "$ZK_TMP/b.in" /svc/k --id b
	wait_for candidates /svc/k 2
	kill -9 "$pid_a"
	wait "$pid_a" || true
	[ ! -s "$ZK_TMP/b.out" ]
	run zk-elect --leader /svc/k
	assert_output a
	WAIT_SECS=15 wait_for test -s "$ZK_TMP/b.out"
	[ "$(cat "$ZK_TMP/b.out")" = elected ]
	run zk-elect --leader /svc/k
	assert_output b
	exec 8>&- 7>&-
	wait "$pid_b"
}

@test "--leader prints the leader once, exit 1 if none; the default id is HOST:PID" {
	run --separate-stderr zk-elect --leader /svc/l
	assert_failure 1
	[ "$stderr" = 'zk-elect: /svc/l: no leader' ]
	run -1 zk-elect -q --leader /svc/l
	assert_output ''
	fifo a 7
	candidate a "$ZK_TMP/a.in" /svc/l
	wait_for test -s "$ZK_TMP/a.out"
	run zk-elect --leader /svc/l
	assert_success
	assert_output "$(hostname):$pid_a"
	run zk-elect --leader -o json /svc/l
	[ "$(echo "$output" | jq -r .leader)" = "$(hostname):$pid_a" ]
	exec 7>&-
	wait "$pid_a"
	run zk-elect --leader /svc/l
	assert_failure 1
}

@test "-l prints the leader and each change, one line each, as they happen" {
	zk-elect -l /svc/w >"$ZK_TMP/listen.out" 3>&- &
	listener=$!
	echo "$listener" >>"$ZK_TMP/pids"
	wait_for lines "$ZK_TMP/listen.out" 1
	fifo a 7
	candidate a "$ZK_TMP/a.in" /svc/w --id alpha
	wait_for lines "$ZK_TMP/listen.out" 2
	fifo b 8
	candidate b "$ZK_TMP/b.in" /svc/w --id beta
	wait_for candidates /svc/w 2
	exec 7>&-
	wait "$pid_a"
	wait_for lines "$ZK_TMP/listen.out" 3
	exec 8>&-
	wait "$pid_b"
	wait_for lines "$ZK_TMP/listen.out" 4
	kill "$listener"
	wait "$listener" || true
	# No leader (an empty line), alpha, beta, none again; beta's arrival
	# behind alpha is no change.
	[ "$(cat "$ZK_TMP/listen.out" | tr '\n' ,)" = ",alpha,beta,," ]
}

@test "a waiting candidate interrupted by a signal leaves before it goes" {
	fifo a 7
	candidate a "$ZK_TMP/a.in" /svc/i --id a
	wait_for test -s "$ZK_TMP/a.out"
	candidate b /dev/null /svc/i --id b
	wait_for candidates /svc/i 2
	kill -TERM "$pid_b"
	st=0
	wait "$pid_b" || st=$?
	[ "$st" -eq 143 ]
	candidates /svc/i 1
	exec 7>&-
	wait "$pid_a"
}

@test "session lost while leading: CMD gets SIGTERM and zk-elect exits 3" {
	cat >"$ZK_TMP/long.sh" <<-EOF
	#!/bin/sh
	trap 'echo term >"$ZK_TMP/term"; exit 0' TERM
	echo started >"$ZK_TMP/started"
	while :; do sleep 0.1; done
	EOF
	chmod +x "$ZK_TMP/long.sh"
	candidate a /dev/null --session-timeout 2000 /svc/lost -- \
	    "$ZK_TMP/long.sh"
	wait_for test -f "$ZK_TMP/started"
	stop_peer a KILL
	st=0
	wait "$pid_a" || st=$?
	[ "$st" -eq 3 ]
	[ "$(cat "$ZK_TMP/term")" = term ]
	grep -q '^zk-elect: /svc/lost: session lost' "$ZK_TMP/a.err"
}

@test "CLI.md pipeline: zk-elect /svc/primary --id \"\$(hostname)\" -- ./serve" {
	cat >"$ZK_TMP/serve" <<-EOF
	#!/bin/sh
	echo "serving as \$ZK_ELECT_ID" >"$ZK_TMP/served"
	zk-elect --leader /svc/primary >>"$ZK_TMP/served"
	EOF
	chmod +x "$ZK_TMP/serve"
	cd "$ZK_TMP"
	run zk-elect /svc/primary --id "$(hostname)" -- ./serve
	assert_success
	[ "$(sed -n 1p served)" = "serving as $(hostname)" ]
	[ "$(sed -n 2p served)" = "$(hostname)" ]
	run zk-elect /svc/primary --id "$(hostname)" -- sh -c 'exit 5'
	assert_failure 5
	run zk-stat -q /svc/primary
	assert_failure 1
}
