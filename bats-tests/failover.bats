#!/usr/bin/env bats
# The ensemble as a service: clients on every member, global sessions,
# linearizable sync, and failover under kill -9, SIGSTOP and partitions.
# Three voters (members 1..3) and an observer (member 4), each a zk-peer
# on 127.0.0.I inside a private network namespace (the ens_* helpers);
# the tools run there too, from 127.0.0.254. Each test checks outcomes:
# the data read back through each member, the session that survived, the
# one tree digest every member ends with.

load helpers

setup() { ens_setup; }
teardown() { ens_teardown; }

# all_but I: every member other than I.
all_but() { local v; for v in $(ens_all); do [ "$v" = "$1" ] || echo "$v"; done; }

# hold SERVERS TIMEOUT_MS PATH: an ephemeral PATH held by zk-set -e in the
# background, with one session on SERVERS, until fd 7 (its stdin) closes;
# its pid in $holder.
hold() {
	mkfifo "$ZK_TMP/hold"
	ip netns exec "$ZK_NS" zk-set -s "$1" --session-timeout "$2" -e "$3" \
	    held <"$ZK_TMP/hold" 3>&- &
	holder=$!
	echo "$holder" >>"$ZK_TMP/bgpids"
	exec 7>"$ZK_TMP/hold"
}

# run_fails CMD...: CMD must exit non-zero (a bare "! CMD" never fails
# a bats test).
run_fails() { if "$@"; then echo "succeeded: $*" >&2; return 1; fi; }

# ms: monotonic-enough milliseconds for a printed figure.
ms() { date +%s%3N; }

# get_via I PATH [flags]: the data of PATH read through member I only.
get_via() {
	local i=$1 p=$2
	shift 2
	nsx zk-get -s "$(ens_addr "$i")" -T 5 "$@" "$p"
}

@test "3 voters and an observer: modes are leader, follower, follower, observer; a write through every member is read back through every member after sync" {
	ens_up
	run ens_status $(ens_all)
	assert_success
	modes=$(echo "$output" | jq -r .mode | sort | tr '\n' ' ')
	[ "$modes" = "follower follower leader observer " ]
	for i in $(ens_all); do
		nsx zk-set -s "$(ens_addr "$i")" -T 5 "/via$i" "written-through-$i"
	done
	for j in $(ens_all); do
		for i in $(ens_all); do
			run get_via "$j" "/via$i" --sync
			assert_success
			assert_output "written-through-$i"
		done
	done
	l=$(ens_leader)
	[ "$(ens_field "$l" synced_followers)" -eq 2 ]
	[ "$(ens_field "$l" synced_observers)" -eq 1 ]
	ens_wait_converged
}

@test "a session made on a follower lives on every member, is kept alive through the follower, and its ephemeral survives several timeouts" {
	ens_up
	l=$(ens_leader)
	f=$(all_but "$l" | head -n 1)
	hold "$(ens_addr "$f")" 2000 /held
	wait_for get_via "$l" /held
	owner=$(get_via "$l" /held -o json | jq -r .stat.ephemeralOwner)
	[ "$owner" -ne 0 ]
	for i in $(ens_all); do
		[ "$(ens_field "$i" sessions)" -ge 1 ]
	done
	# Three session timeouts: only the follower hears the client's
	# pings, and the leader, which alone expires sessions, keeps it.
	sleep 6
	for i in $(ens_all); do
		run get_via "$i" /held -o json --sync
		assert_success
		[ "$(echo "$output" | jq -r .stat.ephemeralOwner)" = "$owner" ]
	done
	exec 7>&-
	wait_for bash -c "! ip netns exec $ZK_NS zk-get -s $(ens_addr "$l") -q /held"
}

@test "an ephemeral of a client killed with kill -9 on a follower disappears from every member after its timeout, not before" {
	ens_up
	l=$(ens_leader)
	f=$(all_but "$l" | head -n 1)
	hold "$(ens_addr "$f")" 3000 /gone
	wait_for get_via "$f" /gone
	t0=$(ms)
	kill -9 "$holder"
	wait "$holder" 2>/dev/null || true
	exec 7>&-
	# Within the timeout the session still holds the node everywhere.
	for i in $(ens_all); do
		get_via "$i" /gone --sync >/dev/null
	done
	[ $(($(ms) - t0)) -lt 3000 ]
	for i in $(ens_all); do
		WAIT_SECS=15 wait_for bash -c \
		    "! ip netns exec $ZK_NS zk-get -s $(ens_addr "$i") --sync -q /gone"
	done
	echo "# gone from every member $(($(ms) - t0)) ms after kill -9 (timeout 3000 ms)" >&3
	[ $(($(ms) - t0)) -ge 3000 ]
	ens_wait_converged
}

# client_member: the one member holding client connections (a status
# query holds one of its own), or fails if none or several do.
client_member() {
	local a
	a=$(ens_status $(ens_all) | jq -r 'select(.connections > 1) | .server')
	[ -n "$a" ] && [ "$(echo "$a" | wc -l)" -eq 1 ] || return 1
	sid_of "$a"
}

@test "a client whose server is killed goes on through another with the same session: its ephemeral stays, and a writer's next write succeeds" {
	ens_up
	mkfifo "$ZK_TMP/recs"
	# A session holding an ephemeral, on whichever member it picked.
	hold "$ENS_SERVERS" 4000 /mine
	wait_for get_via 1 /mine --sync
	owner=$(get_via 1 /mine -o json | jq -r .stat.ephemeralOwner)
	wait_for client_member
	h=$(client_member)
	ens_kill "$h" KILL
	echo "# the holder's member $h killed" >&3
	# It reconnects elsewhere with the same session: the node stays.
	WAIT_SECS=15 wait_for client_member
	[ "$(client_member)" != "$h" ]
	for i in $(all_but "$h"); do
		run get_via "$i" /mine -o json --sync
		assert_success
		[ "$(echo "$output" | jq -r .stat.ephemeralOwner)" = "$owner" ]
	done
	sleep 5	# past the session timeout: still there, still the same
	run get_via "$(all_but "$h" | head -n 1)" /mine -o json --sync
	[ "$(echo "$output" | jq -r .stat.ephemeralOwner)" = "$owner" ]
	exec 7>&-
	ens_start "$h"
	WAIT_SECS=20 wait_for ens_converged
	WAIT_SECS=15 wait_for bash -c "! ip netns exec $ZK_NS zk-get -s $ENS_SERVERS --sync -q /mine"

	# A writer with one session, writing records as they come.
	ip netns exec "$ZK_NS" zk-set -s "$ENS_SERVERS" -T 10 --from json \
	    <"$ZK_TMP/recs" >"$ZK_TMP/writer.out" 2>&1 3>&- &
	writer=$!
	echo "$writer" >>"$ZK_TMP/bgpids"
	exec 8>"$ZK_TMP/recs"
	echo '{"path":"/w1","data":"one"}' >&8
	wait_for get_via 1 /w1 --sync
	wait_for client_member
	w=$(client_member)
	ens_kill "$w" KILL
	echo "# the writer's member $w killed" >&3
	echo '{"path":"/w2","data":"two"}' >&8
	exec 8>&-
	wait "$writer" || { cat "$ZK_TMP/writer.out"; false; }
	for i in $(all_but "$w"); do
		run get_via "$i" /w2 --sync
		assert_output two
	done
}

@test "kill -9 of the leader under writers on every member: writable again within a few ticks, no acknowledged write lost, the old leader rejoins and catches up" {
	ens_up
	l=$(ens_leader)
	e=$(ens_field "$l" epoch)
	ens_writers_start a b c
	WAIT_SECS=20 wait_for ens_acked_at_least 30
	t0=$(ms)
	ens_kill "$l" KILL
	others=$(all_but "$l" | tr '\n' ',' | sed 's/,$//')
	servers=$(ens_addrs $(all_but "$l"))
	WAIT_SECS=20 wait_for nsx zk-set -s "$servers" -T 1 /after-kill yes
	t1=$(ms)
	echo "# leader $l killed: writable again after $((t1 - t0)) ms (tickTime ${ZK_TICK:-200} ms)" >&3
	n=$(ens_acked_count)
	WAIT_SECS=20 wait_for ens_acked_at_least $((n + 20))
	ens_start "$l"
	WAIT_SECS=20 wait_for ens_acked_at_least $((n + 40))
	ens_writers_stop
	ens_wait_converged
	[ "$(ens_field "$(ens_leader)" epoch)" -gt "$e" ]
	for i in $(ens_all); do ens_check_acked "$i"; done
	echo "# $(ens_acked_count) acknowledged writes, none lost (members: $others + $l)" >&3
}

@test "a leader paused while the others elect a new one: after SIGCONT a --sync read through it never returns a value older than one the new leader acknowledged" {
	ens_up
	l=$(ens_leader)
	e=$(ens_field "$l" epoch)
	nsx zk-set -s "$(ens_addr "$l")" /k old
	# A reader with one session on the old leader, made before the pause.
	mkfifo "$ZK_TMP/paths"
	ip netns exec "$ZK_NS" zk-get -s "$(ens_addr "$l")" -T 8 --sync - \
	    <"$ZK_TMP/paths" >"$ZK_TMP/reads" 2>"$ZK_TMP/reads.err" 3>&- &
	reader=$!
	echo "$reader" >>"$ZK_TMP/bgpids"
	exec 8>"$ZK_TMP/paths"
	echo /k >&8
	wait_for grep -q old "$ZK_TMP/reads"
	ens_kill "$l" STOP
	rest=$(all_but "$l" | tr '\n' ' ')
	WAIT_SECS=20 wait_for ens_new_leader "$l" "$e" $rest
	n=$(ens_new_leader "$l" "$e" $rest)
	nsx zk-set -s "$(ens_addr "$n")" -T 5 /k new
	# The read is waiting in its socket when the old leader wakes up.
	echo /k >&8
	sleep 0.2
	ens_kill "$l" CONT
	exec 8>&-
	wait "$reader" || true
	cat "$ZK_TMP/reads" "$ZK_TMP/reads.err"
	# The first read saw old; whatever the second printed is not old.
	[ "$(grep -c old "$ZK_TMP/reads")" -eq 1 ]
	[ "$(tail -n +2 "$ZK_TMP/reads" | grep -c old)" -eq 0 ]
	# Through it once it has rejoined: the new value.
	WAIT_SECS=20 wait_for ens_follows "$l" "$n"
	run get_via "$l" /k --sync
	assert_output new
	ens_wait_converged
}

@test "the leader cut off from every other member stops taking writes within syncLimit, the majority elects and writes, and after healing all converge to one tree" {
	ens_up
	l=$(ens_leader)
	e=$(ens_field "$l" epoch)
	nsx zk-set -s "$(ens_addr "$l")" /before cut
	t0=$(ms)
	for i in $(all_but "$l"); do ens_cut "$l" "$i"; done
	# syncLimit 5 x tickTime 200 ms: it must give up within about 1 s.
	WAIT_SECS=10 wait_for bash -c \
	    "ip netns exec $ZK_NS zk-peer status -s $(ens_addr "$l") -o json -T 1 | jq -e '.serving == false' >/dev/null"
	t1=$(ms)
	run nsx zk-set -s "$(ens_addr "$l")" -T 1 /cut-side nope
	[ "$status" -ne 0 ]
	rest=$(all_but "$l" | tr '\n' ' ')
	WAIT_SECS=20 wait_for ens_new_leader "$l" "$e" $rest
	WAIT_SECS=20 wait_for nsx zk-set -s "$(ens_addrs $rest)" -T 1 /majority yes
	t2=$(ms)
	echo "# leader $l cut off: stopped serving after $((t1 - t0)) ms; writable again after $((t2 - t0)) ms" >&3
	[ $((t1 - t0)) -lt 5000 ]
	ens_heal_all
	ens_wait_converged
	for i in $(ens_all); do
		run get_via "$i" /majority --sync
		assert_output yes
		run get_via "$i" /cut-side --sync
		assert_failure
	done
}

@test "zk-peer status -s names each failing server and why, in text and json, and exits 0 only when every listed server serves" {
	ens_up
	nsx zk-peer status -s "$ENS_SERVERS" >"$ZK_TMP/st"
	[ "$(wc -l <"$ZK_TMP/st")" -eq 4 ]
	grep -q ' leader .*synced_followers=2 synced_observers=1' "$ZK_TMP/st"
	l=$(ens_leader)
	f=$(all_but "$l" | head -n 1)
	ens_kill "$f" KILL
	run_fails nsx zk-peer status -s "$ENS_SERVERS" -T 1 >"$ZK_TMP/st" 2>"$ZK_TMP/err"
	[ "$(wc -l <"$ZK_TMP/st")" -eq 3 ]
	grep -q "^zk-peer: $(ens_addr "$f"): " "$ZK_TMP/err"
	run_fails nsx zk-peer status -s "$ENS_SERVERS" -T 1 -o json >"$ZK_TMP/st"
	jq -s -e --arg a "$(ens_addr "$f")" \
	    'map(select(.server == $a))[0].error | length > 0' "$ZK_TMP/st" \
	    >/dev/null
	[ "$(jq -s 'map(select(.error == null)) | length' "$ZK_TMP/st")" -eq 3 ]
	# A member that answers but does not serve is named with its mode.
	for i in $(all_but "$l"); do ens_cut "$l" "$i"; done
	WAIT_SECS=10 wait_for bash -c \
	    "ip netns exec $ZK_NS zk-peer status -s $(ens_addr "$l") -o json -T 1 | jq -e '.serving == false' >/dev/null"
	run_fails nsx zk-peer status -s "$(ens_addr "$l")" -T 1 -o json >"$ZK_TMP/st"
	jq -e '.error == null and (.reason | test("not serving"))' "$ZK_TMP/st" >/dev/null
	run_fails nsx zk-peer status -s "$(ens_addr "$l")" -T 1 2>"$ZK_TMP/err"
	grep -q "not serving (mode looking)" "$ZK_TMP/err"
}

# reader_on I J: a zk-get reading paths from $ZK_TMP/paths (fd 8) with one
# session on member I, J being its only other server; its pid in $reader.
# The library starts at a random server of the list: start again until
# the first read came back at once through I (a status query holds one
# connection of its own).
reader_on() {
	local n
	for n in $(seq 30); do
		rm -f "$ZK_TMP/paths"
		mkfifo "$ZK_TMP/paths"
		ip netns exec "$ZK_NS" zk-get -s "$(ens_addr "$2"),$(ens_addr "$1")" \
		    -T 30 - <"$ZK_TMP/paths" >"$ZK_TMP/reads" 2>"$ZK_TMP/reads.err" 3>&- &
		reader=$!
		echo "$reader" >>"$ZK_TMP/bgpids"
		exec 8>"$ZK_TMP/paths"
		echo /k >&8
		WAIT_SECS=1 wait_for grep -q . "$ZK_TMP/reads" &&
		    [ "$(ens_field "$1" connections)" -gt 1 ] && return 0
		kill "$reader" 2>/dev/null
		exec 8>&-
		wait "$reader" || true
	done
	return 1
}

@test "a member whose tree is behind a client's last zxid refuses that client's session, even one it has not heard of, and takes it once it has caught up" {
	ZK_TICK=1000	# syncLimit 5 s: the cut-off member stays behind that long
	export ZK_TICK
	ens_up
	l=$(ens_leader)
	f=$(all_but "$l" | head -n 1)
	# f falls behind: cut from every other member (clients still reach it).
	for j in $(all_but "$f"); do ens_cut "$f" "$j"; done
	nsx zk-set -s "$(ens_addr "$l")" -T 5 /k v2
	# A session made now, on the leader: f has not heard of it.
	reader_on "$l" "$f"
	mark=$(ens_log_mark "$f")
	ens_kill "$l" KILL
	echo /k >&8	# the reader must go to f now, whose tree is behind
	WAIT_SECS=15 wait_for ens_log_has "$f" "$mark" \
	    "session 0x[0-9a-f]+ has seen zxid 0x[0-9a-f]+, ahead of ours 0x[0-9a-f]+; refusing"
	ens_heal_all
	exec 8>&-
	wait "$reader"
	cat "$ZK_TMP/reads" "$ZK_TMP/reads.err"
	# Both reads through one session: the second through f, caught up.
	[ "$(cut -f2 "$ZK_TMP/reads" | tr '\n' ' ')" = "v2 v2 " ]
}

@test "a write in flight when its member stops serving exits 3, outcome unknown, without a retry" {
	ens_up
	l=$(ens_leader)
	f=$(all_but "$l" | head -n 1)
	mkfifo "$ZK_TMP/recs"
	# A writer with its session on f (the only server it knows).
	ip netns exec "$ZK_NS" zk-set -s "$(ens_addr "$f")" -T 10 --from json \
	    <"$ZK_TMP/recs" >"$ZK_TMP/writer.out" 2>&1 3>&- &
	writer=$!
	echo "$writer" >>"$ZK_TMP/bgpids"
	exec 8>"$ZK_TMP/recs"
	echo '{"path":"/a","data":"1"}' >&8
	wait_for get_via "$l" /a
	# f is cut from the leader: the next write waits there until f gives
	# up (syncLimit), which ends its connections.
	for j in $(all_but "$f"); do ens_cut "$f" "$j"; done
	echo '{"path":"/b","data":"2"}' >&8
	exec 8>&-
	st=0
	wait "$writer" || st=$?
	cat "$ZK_TMP/writer.out"
	[ "$st" -eq 3 ]
	grep -q 'outcome unknown' "$ZK_TMP/writer.out"
	ens_heal_all
	ens_wait_converged
	# Sent once: whatever became of /b, the writer did not retry it.
	[ "$(grep -c . "$ZK_TMP/writer.out")" -eq 1 ]
}

@test "one session on a follower: pipelined writes and reads come back in order, each read seeing the session's writes before it" {
	ens_up
	l=$(ens_leader)
	f=$(all_but "$l" | head -n 1)
	# [1, create, {p: /fifo, d: "a"}] [2, getData, {p: /fifo}]
	# [3, setData, {p: /fifo, d: "b", v: -1}] [4, getData, {p: /fifo}],
	# sent in one go: the writes go through the leader, the reads do not.
	printf '\x00\x00\x00\x11\x93\x01\x01\x82\xa1p\xa5/fifo\xa1d\xc4\x01a\x00\x00\x00\x0c\x93\x02\x04\x81\xa1p\xa5/fifo\x00\x00\x00\x14\x93\x03\x05\x83\xa1p\xa5/fifo\xa1d\xc4\x01b\xa1v\xff\x00\x00\x00\x0c\x93\x04\x04\x81\xa1p\xa5/fifo' \
	    >"$ZK_TMP/frames"
	nsx bash -c '
		exec 7<>"/dev/tcp/127.0.0.$1/2181"
		frame() {
			local hex
			hex=$(head -c 4 <&7 | od -An -tx1 | tr -d " \n")
			[ ${#hex} -eq 8 ] || return 1
			head -c "$((16#$hex))" <&7 | od -An -v -tx1 | tr -d " \n"
			echo
		}
		printf "\x00\x00\x00\x04\x93\x00\xf6\x80" >&7	# [0, connect, {}]
		frame >/dev/null || exit 1
		cat "$2" >&7
		for i in 1 2 3 4; do frame || exit 1; done' _ "$f" "$ZK_TMP/frames" \
	    >"$ZK_TMP/replies"
	cat "$ZK_TMP/replies"
	[ "$(wc -l <"$ZK_TMP/replies")" -eq 4 ]
	# xids 1..4 in order; error code 0 in each.
	[ "$(cut -c1-4 "$ZK_TMP/replies" | tr '\n' ' ')" = "9401 9402 9403 9404 " ]
	# The first read sees "a" (a164 c40161), the second "b" (c40162).
	sed -n 2p "$ZK_TMP/replies" | grep -q 'a164c40161'
	sed -n 4p "$ZK_TMP/replies" | grep -q 'a164c40162'
}

@test "zk-get -w through a follower wakes when the node is created through another member" {
	ens_up
	l=$(ens_leader)
	f=$(all_but "$l" | head -n 1)
	ip netns exec "$ZK_NS" zk-get -s "$(ens_addr "$f")" -w -T 20 /appears \
	    >"$ZK_TMP/out" 2>&1 3>&- &
	pid=$!
	echo "$pid" >>"$ZK_TMP/bgpids"
	wait_for bash -c "[ \$(ip netns exec $ZK_NS zk-peer status -s $(ens_addr "$f") -o json | jq .watches) -eq 1 ]"
	nsx zk-set -s "$(ens_addr "$l")" /appears here
	wait "$pid"
	[ "$(cat "$ZK_TMP/out")" = here ]
}
