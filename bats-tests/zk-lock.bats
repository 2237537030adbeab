#!/usr/bin/env bats
# zk-lock: mutual exclusion, FIFO order, fencing tokens, -n -w -E -r,
# holding without CMD, the container that goes with the last holder,
# a killed holder, a lost session, flock(1)'s pipeline, and six lockers
# on a three-voter ensemble whose leader is killed.
#
# Critical sections detect overlap for themselves: mkdir of a marker
# directory fails while another section holds it.

load helpers
bats_require_minimum_version 1.5.0

# The fault test runs on an ensemble in a private namespace (ens_*).
is_ens() { [[ $BATS_TEST_DESCRIPTION == *ensemble* ]]; }
setup() { if is_ens; then ens_setup; else zk_setup; start_peer a; fi; }
teardown() { if is_ens; then ens_teardown; else zk_teardown; fi; }

# cs [SECONDS]: a critical section script, $ZK_TMP/cs.sh: takes the
# marker, appends its token to $ZK_TMP/tokens and its first argument
# to $ZK_TMP/order, holds for SECONDS (default 0.05), gives the marker
# back. An overlap is written to $ZK_TMP/overlap. SIGTERM gives the
# marker back and exits 143.
cs() {
	cat >"$ZK_TMP/cs.sh" <<-EOF
	#!/bin/sh
	mkdir "$ZK_TMP/held" 2>/dev/null ||
	    { echo "overlap \$ZK_LOCK_TOKEN" >>"$ZK_TMP/overlap"; exit 99; }
	trap 'rmdir "$ZK_TMP/held"; exit 143' TERM
	echo "\$ZK_LOCK_TOKEN" >>"$ZK_TMP/tokens"
	echo "\${1:-}" >>"$ZK_TMP/order"
	sleep ${1:-0.05}
	rmdir "$ZK_TMP/held"
	EOF
	chmod +x "$ZK_TMP/cs.sh"
}

# increasing FILE: every line's number is greater than the line before.
increasing() {
	awk 'NR > 1 && $1 <= prev { print "not increasing at line " NR; bad = 1 }
	    { prev = $1 } END { exit bad }' "$1"
}

# hold NAME ARGS...: zk-lock ARGS in the background, its stdin a fifo
# kept open on fd 7 (close it: exec 7>&-), stdout in $ZK_TMP/NAME.out,
# stderr in NAME.err; its pid in $pid_NAME. Does not wait.
hold() {
	local name=$1
	shift
	mkfifo "$ZK_TMP/$name.in"
	zk-lock "$@" <"$ZK_TMP/$name.in" >"$ZK_TMP/$name.out" \
	    2>"$ZK_TMP/$name.err" 3>&- 7>&- &
	eval "pid_$name=$!"
	echo "$!" >>"$ZK_TMP/pids"
	exec 7>"$ZK_TMP/$name.in"
}

# queue PATH N: the lock PATH has N contenders.
queue() { [ "$(zk-ls "$1" 2>/dev/null | wc -l)" -eq "$2" ]; }

# czxid PATH: a node's czxid in decimal.
czxid() { zk-stat -o json "$1" | jq -r .stat.czxid; }

@test "zk-lock -h lists every flag; bad usage exits 2" {
	run --separate-stderr zk-lock -h
	assert_success
	for f in --nonblock --wait --shared --conflict-exit-code --servers \
	    --session-timeout --timeout --output --quiet --help --version; do
		assert_output --partial -- "$f"
	done
	run zk-lock -V
	assert_output 'zk-lock 0.1.0'
	run zk-lock
	assert_failure 2
	run zk-lock -n -w 1 /l -- true
	assert_failure 2
	assert_output --partial 'zk-lock: -n and -w exclude each other'
	run zk-lock -w soon /l -- true
	assert_failure 2
	run zk-lock -E 256 /l -- true
	assert_failure 2
	run zk-lock /bad/ -- true
	assert_failure 2
	run zk-lock /a /b
	assert_failure 2
	run zk-stat -q /l
	assert_failure 1
}

@test "concurrent lockers never overlap, all run, tokens grow in acquisition order" {
	cs
	for i in 1 2 3 4 5 6 7 8; do
		zk-lock /locks/x -- "$ZK_TMP/cs.sh" 3>&- &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p"; done
	[ ! -e "$ZK_TMP/overlap" ]
	[ "$(wc -l <"$ZK_TMP/tokens")" -eq 8 ]
	increasing "$ZK_TMP/tokens"
}

@test "waiters acquire in the order they arrived (FIFO), each watching one node" {
	cs
	hold h /locks/f
	wait_for test -s "$ZK_TMP/h.out"
	for i in 1 2 3 4 5; do
		zk-lock /locks/f -- "$ZK_TMP/cs.sh" "$i" 3>&- 7>&- &
		pids="$pids $!"
		wait_for queue /locks/f $((i + 1))
	done
	# Nobody got in while the first holds.
	[ ! -e "$ZK_TMP/order" ]
	exec 7>&-
	for p in $pids; do wait "$p"; done
	[ "$(tr '\n' ' ' <"$ZK_TMP/order")" = "1 2 3 4 5 " ]
	(cat "$ZK_TMP/h.out"; cat "$ZK_TMP/tokens") >"$ZK_TMP/all"
	increasing "$ZK_TMP/all"
	run zk-stat -q /locks/f
	assert_failure 1
}

@test "the environment holds ZK_LOCK_PATH and the token, our node's czxid" {
	run zk-lock /locks/env -- sh -c \
	    'echo "$ZK_LOCK_PATH $ZK_LOCK_TOKEN"; zk-ls "$ZK_LOCK_PATH"'
	assert_success
	path=$(echo "$output" | sed -n 1p | cut -d' ' -f1)
	token=$(echo "$output" | sed -n 1p | cut -d' ' -f2)
	node=$(echo "$output" | sed -n 2p)
	[ "$path" = /locks/env ]
	[[ $node =~ ^write-[0-9a-f]{16}-[0-9]{10}$ ]]
	[[ $token =~ ^[0-9]+$ ]]
	# The next holder's token is greater.
	run zk-lock /locks/env -- sh -c 'echo "$ZK_LOCK_TOKEN"'
	[ "$output" -gt "$token" ]
}

@test "CMD's exit status is zk-lock's, as flock(1): 7, 127 not found, 128+N killed" {
	run zk-lock /locks/s -- sh -c 'exit 7'
	assert_failure 7
	run -127 zk-lock /locks/s -- /nonexistent/cmd
	assert_failure 127
	run zk-lock /locks/s -- sh -c 'kill -TERM $$'
	assert_failure 143
	run zk-lock /locks/s -- true
	assert_success
	run zk-stat -q /locks/s
	assert_failure 1
}

@test "-n exits 1 at once when busy, -E sets that status, and no node is left behind" {
	hold h /locks/n
	wait_for test -s "$ZK_TMP/h.out"
	run --separate-stderr zk-lock -n /locks/n -- echo ran
	assert_failure 1
	assert_output ''
	[ "$stderr" = 'zk-lock: /locks/n: held by another' ]
	run zk-lock --nonblock -E 75 /locks/n -- echo ran
	assert_failure 75
	run --separate-stderr zk-lock -q -n --conflict-exit-code 9 /locks/n -- true
	assert_failure 9
	[ -z "$stderr" ]
	queue /locks/n 1
	exec 7>&-
	wait "$pid_h"
	run zk-lock -n -E 75 /locks/n -- echo ran
	assert_success
	assert_output ran
}

@test "-w exits 1 when not acquired in time, leaving no node; it acquires if freed in time" {
	hold h /locks/w
	wait_for test -s "$ZK_TMP/h.out"
	t0=$(date +%s%3N)
	run --separate-stderr zk-lock -w 0.5 /locks/w -- echo ran
	assert_failure 1
	t1=$(date +%s%3N)
	[ $((t1 - t0)) -ge 500 ]
	[[ $stderr == 'zk-lock: /locks/w: held by another'* ]]
	queue /locks/w 1
	run zk-lock -w 0.2 -E 3 /locks/w -- true
	assert_failure 3
	queue /locks/w 1
	zk-lock -w 20 /locks/w -- echo ran >"$ZK_TMP/w.out" 3>&- 7>&- &
	waiter=$!
	wait_for queue /locks/w 2
	exec 7>&-
	wait "$waiter"
	[ "$(cat "$ZK_TMP/w.out")" = ran ]
}

@test "-T bounds the wait too: exit 4 and no node left behind" {
	hold h /locks/t
	wait_for test -s "$ZK_TMP/h.out"
	run --separate-stderr zk-lock -T 0.3 /locks/t -- true
	assert_failure 4
	queue /locks/t 1
}

@test "-r: readers share, a writer excludes them, and readers queue behind a waiting writer" {
	hold r1 -r /locks/rw
	wait_for test -s "$ZK_TMP/r1.out"
	run zk-lock -r -n /locks/rw -- echo reader
	assert_success
	assert_output reader
	run zk-lock -n /locks/rw -- echo writer
	assert_failure 1
	zk-lock /locks/rw -- echo writer >"$ZK_TMP/wr.out" 3>&- 7>&- &
	writer=$!
	wait_for queue /locks/rw 2
	# Fair: a reader arriving after a waiting writer waits for it.
	run zk-lock --shared -n /locks/rw -- echo late
	assert_failure 1
	[ -z "$(cat "$ZK_TMP/wr.out")" ]
	exec 7>&-
	wait "$writer"
	[ "$(cat "$ZK_TMP/wr.out")" = writer ]
	# A writer holding keeps readers out.
	hold w -n /locks/rw
	wait_for test -s "$ZK_TMP/w.out"
	run zk-lock -r -n /locks/rw -- true
	assert_failure 1
	exec 7>&-
	wait "$pid_w"
}

@test "-r: a writer's release lets every reader queued behind it in at once; the writer behind them waits for the last" {
	# A reader's CMD: in, then wait (up to 5 s) until both readers are in
	# at the same time, then out; exit 9 if the other never came.
	cat >"$ZK_TMP/reader.sh" <<-EOF
	#!/bin/sh
	echo in >>"$ZK_TMP/in"
	i=0
	until [ "\$(wc -l <"$ZK_TMP/in")" -ge 2 ]; do
		i=\$((i + 1)); [ \$i -gt 500 ] && exit 9
		sleep 0.01
	done
	echo out >>"$ZK_TMP/out"
	EOF
	chmod +x "$ZK_TMP/reader.sh"
	hold w /locks/rr
	wait_for test -s "$ZK_TMP/w.out"
	zk-lock -r /locks/rr -- "$ZK_TMP/reader.sh" 3>&- 7>&- &
	r1=$!
	wait_for queue /locks/rr 2
	zk-lock -r /locks/rr -- "$ZK_TMP/reader.sh" 3>&- 7>&- &
	r2=$!
	wait_for queue /locks/rr 3
	# The second writer counts the readers gone when it gets in.
	zk-lock /locks/rr -- sh -c 'wc -l <"$0"' "$ZK_TMP/out" \
	    >"$ZK_TMP/w2.out" 2>&1 3>&- 7>&- &
	w2=$!
	wait_for queue /locks/rr 4
	[ ! -e "$ZK_TMP/in" ]
	exec 7>&-
	wait "$r1"
	wait "$r2"
	wait "$w2"
	[ "$(cat "$ZK_TMP/w2.out")" = 2 ]
	run zk-stat -q /locks/rr
	assert_failure 1
}

@test "without CMD it prints the token, holds until stdin closes, then releases" {
	hold h /locks/h
	wait_for test -s "$ZK_TMP/h.out"
	token=$(cat "$ZK_TMP/h.out")
	node=$(zk-ls /locks/h)
	[ "$(czxid "/locks/h/$node")" = "$token" ]
	run zk-lock -n /locks/h -- true
	assert_failure 1
	alive "$pid_h"
	exec 7>&-
	wait "$pid_h"
	run zk-lock -n -o json /locks/h </dev/null
	assert_success
	[ "$(echo "$output" | jq -r .path)" = /locks/h ]
	[ "$(echo "$output" | jq -r .token)" -gt "$token" ]
}

@test "the lock is a container: it goes with its last holder, its parents stay" {
	zk-set /keep x
	hold h /keep/locks/c
	wait_for test -s "$ZK_TMP/h.out"
	run zk-stat /keep/locks/c
	assert_line 'ephemeralOwner 0x8000000000000000'
	exec 7>&-
	wait "$pid_h"
	wait_for bash -c '! zk-stat -q /keep/locks/c'
	run zk-stat -q /keep/locks
	assert_success
	[ "$(zk-get /keep)" = x ]
	# Taken again: the container comes back.
	run zk-lock /keep/locks/c -- echo again
	assert_success
	assert_output again
}

@test "kill -9 of a holder frees the lock when its session expires, not before" {
	hold h --session-timeout 3000 /locks/k
	wait_for test -s "$ZK_TMP/h.out"
	kill -9 "$pid_h"
	t0=$(date +%s%3N)
	wait "$pid_h" || true
	# The dead holder's node stays while its session may live.
	run zk-lock -n /locks/k -- true
	assert_failure 1
	run zk-lock -w 20 /locks/k -- echo mine
	assert_success
	assert_output mine
	t1=$(date +%s%3N)
	[ $((t1 - t0)) -ge 2000 ]
}

@test "a waiter interrupted by a signal leaves the queue before it goes" {
	hold h /locks/i
	wait_for test -s "$ZK_TMP/h.out"
	zk-lock /locks/i -- echo never 3>&- 7>&- &
	waiter=$!
	wait_for queue /locks/i 2
	kill -TERM "$waiter"
	st=0
	wait "$waiter" || st=$?
	[ "$st" -eq 143 ]
	queue /locks/i 1
}

@test "session lost while CMD runs: CMD gets SIGTERM and zk-lock exits 3" {
	cat >"$ZK_TMP/long.sh" <<-EOF
	#!/bin/sh
	trap 'echo term >"$ZK_TMP/term"; exit 0' TERM
	echo started >"$ZK_TMP/started"
	while :; do sleep 0.1; done
	EOF
	chmod +x "$ZK_TMP/long.sh"
	zk-lock --session-timeout 2000 /locks/lost -- "$ZK_TMP/long.sh" \
	    2>"$ZK_TMP/lost.err" 3>&- &
	locker=$!
	echo "$locker" >>"$ZK_TMP/pids"
	wait_for test -f "$ZK_TMP/started"
	stop_peer a KILL
	st=0
	wait "$locker" || st=$?
	[ "$st" -eq 3 ]
	[ "$(cat "$ZK_TMP/term")" = term ]
	grep -q '^zk-lock: /locks/lost: session lost' "$ZK_TMP/lost.err"
}

@test "CLI.md pipeline: zk-lock /locks/backup -- ./backup.sh, one at a time" {
	cat >"$ZK_TMP/backup.sh" <<-EOF
	#!/bin/sh
	mkdir "$ZK_TMP/held" || exit 99
	echo "backup \$ZK_LOCK_TOKEN" >>"$ZK_TMP/backups"
	sleep 0.1
	rmdir "$ZK_TMP/held"
	EOF
	chmod +x "$ZK_TMP/backup.sh"
	cd "$ZK_TMP"
	for i in 1 2 3; do
		zk-lock /locks/backup -- ./backup.sh 3>&- &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p"; done
	[ "$(grep -c '^backup [0-9]' backups)" -eq 3 ]
	awk '{ print $2 }' backups >tokens
	increasing tokens
	run zk-stat -q /locks/backup
	assert_failure 1
}

# locker I: until $ZK_TMP/go goes, take /locks/fault and run cs.sh.
locker() {
	while [ -f "$ZK_TMP/go" ]; do
		ip netns exec "$ZK_NS" zk-lock -s "$ENS_SERVERS" \
		    --session-timeout 4000 /locks/fault -- "$ZK_TMP/cs.sh" 0.02 \
		    2>>"$ZK_TMP/locker.$1.err"
		echo $? >>"$ZK_TMP/status.$1"
	done
}

tokens_at_least() { [ "$(wc -l <"$ZK_TMP/tokens" 2>/dev/null || echo 0)" -ge "$1" ]; }

@test "ensemble: six lockers while the leader is killed -9: sections never overlap, tokens grow" {
	ens_up
	cs
	touch "$ZK_TMP/go"
	for i in 1 2 3 4 5 6; do
		locker "$i" 3>&- &
		echo "$!" >>"$ZK_TMP/bgpids"
	done
	WAIT_SECS=30 wait_for tokens_at_least 30
	l=$(ens_leader)
	ens_kill "$l" KILL
	n=$(wc -l <"$ZK_TMP/tokens")
	WAIT_SECS=60 wait_for tokens_at_least $((n + 30))
	rm -f "$ZK_TMP/go"
	while read -r p; do wait "$p" 2>/dev/null || true; done <"$ZK_TMP/bgpids"
	: >"$ZK_TMP/bgpids"
	if [ -e "$ZK_TMP/overlap" ]; then cat "$ZK_TMP/overlap"; false; fi
	increasing "$ZK_TMP/tokens"
	# Every run ended in CMD's status 0, or 3 when a session was given up.
	run grep -hvxE '0|3' "$ZK_TMP"/status.*
	assert_output ''
}
