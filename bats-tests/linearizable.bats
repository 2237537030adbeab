#!/usr/bin/env bats
# Linearizability under faults: clients read (after sync), write and
# compare-and-set a few znodes through random members of a real ensemble
# while a nemesis kills, pauses and partitions members; every operation's
# invocation, completion and result is recorded (build/tests/linload) and
# the history is checked by build/tests/lincheck (share/doc/lincheck.md).
# The second test shows the check is not vacuous: a build whose members
# answer sync from their own tree (a planted bug) must fail it.

load helpers

setup() {
	ens_setup
	LIN=$ZK_BIN/../build/tests
	[ -x "$LIN/linload" ] && [ -x "$LIN/lincheck" ] &&
	    [ -x "$LIN/zk-peer-planted" ]
}
teardown() { ens_teardown; }

# pick N: a random number in 1..N.
pick() { echo $((RANDOM % $1 + 1)); }

# a_while LOW HIGH: sleep between LOW and HIGH tenths of a second.
a_while() {
	local t=$(($1 + RANDOM % ($2 - $1 + 1)))
	sleep "$((t / 10)).$((t % 10))"
}

# isolate I: cut member I from every other member (clients still reach it).
isolate() {
	local j
	for j in $(ens_all); do [ "$j" = "$1" ] || ens_cut "$1" "$j"; done
}

# nemesis SECONDS: one fault at a time on a random member, then repair:
# kill -9 and restart, SIGSTOP and SIGCONT, or a partition and heal.
nemesis() {
	local end=$((SECONDS + $1)) i f
	while [ $SECONDS -lt "$end" ]; do
		i=$(pick "$((ENS_VOTERS + ENS_OBSERVERS))")
		f=$(pick 3)
		echo "nemesis: $(date +%T.%N | cut -c1-12) fault $f on member $i" >>"$ZK_TMP/nemesis"
		case $f in
		1)	ens_kill "$i" KILL
			a_while 10 30
			ens_start "$i" ;;
		2)	ens_kill "$i" STOP
			a_while 5 25
			ens_kill "$i" CONT ;;
		3)	isolate "$i"
			a_while 10 30
			ens_heal_all ;;
		esac
		a_while 10 20
	done
}

# record SECONDS CLIENTS: a history of CLIENTS clients for SECONDS into
# $ZK_TMP/history, in the background; its pid in $loader.
record() {
	nsx "$LIN/linload" -s "$ENS_SERVERS" --init
	ip netns exec "$ZK_NS" "$LIN/linload" -s "$ENS_SERVERS" -d "$1" \
	    -c "$2" -k 3 -o "$ZK_TMP/history" 2>"$ZK_TMP/linload.err" 3>&- &
	loader=$!
	echo "$loader" >>"$ZK_TMP/bgpids"
}

@test "reads after sync, writes and compare-and-sets through random members stay linearizable while a nemesis kills, pauses and partitions members for a minute" {
	ens_up
	record 60 5
	nemesis 60
	wait "$loader"
	ens_heal_all
	WAIT_SECS=30 ens_wait_converged
	cat "$ZK_TMP/linload.err" >&3
	echo "# $(grep -c . "$ZK_TMP/nemesis") faults" >&3
	run "$LIN/lincheck" "$ZK_TMP/history"
	echo "# $output" >&3
	assert_success
	assert_output --partial "linearizable"
	# Enough happened for the check to mean something.
	ops=$(grep -c ' ok' "$ZK_TMP/history")
	[ "$ops" -ge 500 ]
}

@test "the checker catches the planted bug: members answering sync from their own tree serve stale reads while cut off" {
	ENS_PEER=$LIN/zk-peer-planted
	ZK_PLANTED_BUG=stale-sync
	ZK_TICK=500	# syncLimit 2.5 s: a cut-off member serves that long
	export ENS_PEER ZK_PLANTED_BUG ZK_TICK
	ens_up
	nsx "$LIN/linload" -s "$ENS_SERVERS" --init
	# Five clients only read and keep their session for ~1000 ops, so
	# that those on a cut-off member go on reading there (a write would
	# wait on the leader it cannot reach); three write through the rest.
	ip netns exec "$ZK_NS" "$LIN/linload" -s "$ENS_SERVERS" -d 20 -c 8 \
	    --readers 5 --hop 1000 -k 2 -r 50 -o "$ZK_TMP/history" \
	    2>"$ZK_TMP/linload.err" 3>&- &
	loader=$!
	echo "$loader" >>"$ZK_TMP/bgpids"
	# Cut a member that is not the leader off, again and again: until it
	# notices (syncLimit) it answers syncs from a tree the others, still
	# writing through the leader, have moved past.
	end=$((SECONDS + 20))
	while [ $SECONDS -lt $end ]; do
		l=$(ens_leader) || { sleep 0.2; continue; }
		i=$(pick "$((ENS_VOTERS + ENS_OBSERVERS))")
		[ "$i" != "$l" ] || continue
		isolate "$i"
		sleep 2.5
		ens_heal_all
		WAIT_SECS=10 wait_for ens_serving $(ens_all)
	done
	wait "$loader"
	cat "$ZK_TMP/linload.err" >&3
	run "$LIN/lincheck" "$ZK_TMP/history"
	echo "# ${lines[0]}" >&3
	[ "$status" -eq 1 ]
	assert_output --partial "not linearizable: key k"
}
