#!/usr/bin/env bats
# Real ensembles: three voters (members 1..3) and an observer (member 4),
# each a zk-peer on 127.0.0.I inside a private network namespace (see the
# ens_* helpers). Faults are kill -9, SIGSTOP/SIGCONT and iptables cuts.
# Each test checks outcomes: modes and epochs, every acknowledged write
# present, the log lines of DIFF/SNAP/TRUNC, and at the end one zxid and
# one tree digest on every member.

load helpers

setup() { ens_setup; }
teardown() { ens_teardown; }

hex() { printf '0x%x' "$1"; }

# voters_but I: the voters other than I.
voters_but() { local v; for v in $(seq "$ENS_VOTERS"); do [ "$v" = "$1" ] || echo "$v"; done; }

# all_but I: every member other than I.
all_but() { local v; for v in $(ens_all); do [ "$v" = "$1" ] || echo "$v"; done; }

# epochs_persisted I: acceptedEpoch and currentEpoch in I's data dir equal
# the epoch I reports.
epochs_persisted() {
	local e
	e=$(ens_field "$1" epoch)
	[ "$(ens_disk "$1" acceptedEpoch)" = "$e" ] &&
	    [ "$(ens_disk "$1" currentEpoch)" = "$e" ]
}

# logged_past I Z: member I has a record after zxid Z in its status and on
# disk.
logged_past() {
	[ "$(ens_field "$1" last_logged)" -gt "$2" ] &&
	    [ "$(ens_disk "$1" last_zxid)" -gt "$2" ]
}

# records I JQ-FILTER: the records of I's data dir that match the filter.
# A dump that fails fails the caller too, rather than matching nothing.
records() {
	local out
	out=$(nsx zk-log dump -o json "$(ens_dir "$1")/data") || return 1
	jq -c "select($2)" <<<"$out"
}

# looking_not_serving I: I reports itself looking and not serving.
looking_not_serving() {
	ens_status "$1" | jq -e '.mode == "looking" and .serving == false' \
	    >/dev/null
}

# write_acked PATH VALUE [SERVERS]: a write that must be acknowledged,
# recorded for ens_check_acked.
write_acked() {
	nsx zk-set -s "${3:-$ENS_SERVERS}" -T 5 -p "$1" "$2" &&
	    echo "$1 $2" >>"$ZK_TMP/acked.main"
}

@test "3 voters and an observer elect exactly one leader, the others follow it in one epoch, the observer observes, and each persists that epoch" {
	ens_up
	run ens_status $(ens_all)
	assert_success
	[ "$(echo "$output" | jq -s '[.[] | select(.mode == "leader")] | length')" -eq 1 ]
	l=$(ens_leader)
	[ "$l" -ge 1 ]
	[ "$l" -le "$ENS_VOTERS" ]
	e=$(ens_field "$l" epoch)
	[ "$e" -ge 1 ]
	for i in $(voters_but "$l"); do
		ens_follows "$i" "$l"
		[ "$(ens_field "$i" epoch)" -eq "$e" ]
		grep -Eq "state following $l, epoch -?[0-9]+, round [0-9]+" "$(ens_dir "$i")/log"
		grep -q "serving as follower of $l, epoch $e$" "$(ens_dir "$i")/log"
	done
	ens_follows 4 "$l"
	[ "$(ens_field 4 mode)" = observer ]
	[ "$(ens_field 4 epoch)" -eq "$e" ]
	grep -Eq "state observing $l, epoch -?[0-9]+, round [0-9]+" "$(ens_dir 4)/log"
	grep -q "serving as observer of $l, epoch $e$" "$(ens_dir 4)/log"
	grep -Eq "state leading, epoch -?[0-9]+, round [0-9]+" "$(ens_dir "$l")/log"
	grep -q "serving as leader, epoch $e$" "$(ens_dir "$l")/log"
	for i in $(ens_all); do epochs_persisted "$i"; done
}

@test "acknowledged writes reach every member: one zxid and digest everywhere, and the leader returns each value" {
	ens_up
	for i in $(seq 20); do write_acked "/t2/k$i" "v$i"; done
	for i in $(seq 21 40); do
		printf '{"path":"/t2/k%d","data":"v%d"}\n' "$i" "$i"
	done >"$ZK_TMP/batch"
	nsx zk-set -p --from json <"$ZK_TMP/batch"
	for i in $(seq 21 40); do echo "/t2/k$i v$i" >>"$ZK_TMP/acked.main"; done
	ens_wait_converged
	l=$(ens_leader)
	[ "$(ens_field 1 zxid)" -gt 0 ]
	ens_check_acked "$l"
	# And one by one, as a client asks for them.
	paths=$(for i in $(seq 40); do echo "/t2/k$i"; done)
	nsx zk-get -s "$(ens_addr "$l")" -o json $paths |
	    jq -r '"\(.path) \(.data)"' >"$ZK_TMP/got"
	[ "$(wc -l <"$ZK_TMP/got")" -eq 40 ]
	for i in $(seq 40); do grep -qx "/t2/k$i v$i" "$ZK_TMP/got"; done
}

@test "leader kill -9 under writes: a new leader in a higher epoch keeps every acknowledged write; the old leader comes back as a follower and all converge" {
	ens_up
	l=$(ens_leader)
	e=$(ens_field "$l" epoch)
	ens_writers_start w1 w2
	WAIT_SECS=20 wait_for ens_acked_at_least 20
	ens_kill "$l" KILL
	n=$(ens_acked_count)
	WAIT_SECS=15 wait_for ens_new_leader "$l" "$e" $(all_but "$l")
	nl=$(ens_new_leader "$l" "$e" $(all_but "$l"))
	[ "$nl" -le "$ENS_VOTERS" ]
	WAIT_SECS=20 wait_for ens_acked_at_least $((n + 10))
	ens_writers_stop
	e2=$(ens_field "$nl" epoch)
	[ "$e2" -gt "$e" ]
	ens_check_acked "$nl"
	ens_start "$l"
	ens_wait_converged
	ens_follows "$l" "$nl"
	[ "$(ens_field "$l" epoch)" -eq "$e2" ]
	ens_check_acked "$nl"
	for i in $(ens_all); do epochs_persisted "$i"; done
}

@test "a follower killed while writes go on rejoins by DIFF from its last zxid and converges" {
	ens_up
	l=$(ens_leader)
	f=$(voters_but "$l" | head -n 1)
	ens_writers_start w1 w2
	WAIT_SECS=20 wait_for ens_acked_at_least 10
	ens_kill "$f" KILL
	n=$(ens_acked_count)
	WAIT_SECS=20 wait_for ens_acked_at_least $((n + 20))
	ens_writers_stop
	[ "$(ens_leader $(all_but "$f"))" = "$l" ]
	fz=$(ens_disk "$f" last_zxid)
	[ "$fz" -lt "$(ens_field "$l" zxid)" ]
	mark=$(ens_log_mark "$l")
	ens_start "$f"
	ens_wait_converged
	ens_follows "$f" "$l"
	ens_log_has "$l" "$mark" "sync $f: DIFF from $(hex "$fz")$"
	run ens_log_has "$l" "$mark" "sync $f: (SNAP|TRUNC)"
	assert_failure
	ens_check_acked "$l"
}

@test "a follower down across a log purge rejoins by SNAP and converges" {
	ens_up snapCount=50 autopurge.snapRetainCount=3 commitLogCount=20
	l=$(ens_leader)
	f=$(voters_but "$l" | head -n 1)
	write_acked /t5/k0 v0
	ens_wait_converged
	ens_kill "$f" KILL
	fz=$(ens_disk "$f" last_zxid)
	for i in $(seq 300); do
		printf '{"path":"/t5/k%d","data":"v%d"}\n' "$i" "$i"
	done >"$ZK_TMP/batch"
	nsx zk-set -p --from json <"$ZK_TMP/batch"
	for i in $(seq 300); do echo "/t5/k$i v$i" >>"$ZK_TMP/acked.main"; done
	# The leader's log no longer reaches back to the follower's last zxid.
	wait_for eval '[ "$(ens_disk "$l" first_zxid)" -gt "$fz" ]'
	lm=$(ens_log_mark "$l")
	fm=$(ens_log_mark "$f")
	ens_start "$f"
	ens_wait_converged
	ens_follows "$f" "$l"
	ens_log_has "$l" "$lm" "sync $f: SNAP at 0x[0-9a-f]+$"
	ens_log_has "$f" "$fm" "installed a snapshot at 0x[0-9a-f]+$"
	run ens_log_has "$l" "$lm" "sync $f: (DIFF|TRUNC)"
	assert_failure
	ens_check_acked "$l"
	[ "$(nsx zk-ls -s "$(ens_addr "$l")" /t5 | wc -l)" -eq 301 ]
}

@test "a former leader holding a proposal no one else logged is TRUNCated on rejoin, and that unacknowledged write exists nowhere" {
	ens_up
	l=$(ens_leader)
	e=$(ens_field "$l" epoch)
	write_acked /t6/before b
	# A session open on the leader before the cut, fed one record at a
	# time, so that what the isolated leader logs is the create itself.
	mkfifo "$ZK_TMP/feed"
	ip netns exec "$ZK_NS" zk-set -s "$(ens_addr "$l")" -T 2 -c --from json \
	    <"$ZK_TMP/feed" 2>/dev/null 3>&- &
	writer=$!
	exec 5>"$ZK_TMP/feed"
	echo '{"path":"/t6/first","data":"1"}' >&5
	wait_for nsx zk-get -s "$(ens_addr "$l")" /t6/first
	echo "/t6/first 1" >>"$ZK_TMP/acked.main"	# applied: committed
	ens_wait_converged
	z0=$(ens_field "$l" zxid)
	for i in $(voters_but "$l"); do ens_cut "$l" "$i"; done
	echo '{"path":"/t6/lost","data":"x"}' >&5
	wait_for logged_past "$l" "$z0"
	ens_kill "$l" KILL
	exec 5>&-
	rc=0
	wait "$writer" || rc=$?
	[ "$rc" -ne 0 ]		# never acknowledged
	zl=$(ens_disk "$l" last_zxid)
	[ "$zl" -gt "$z0" ]
	[ -n "$(records "$l" ".zxid == $zl and .type == \"create\" and .path == \"/t6/lost\"")" ]
	for i in $(all_but "$l"); do
		out=$(records "$i" ".zxid == $zl")
		[ -z "$out" ]
	done
	ens_heal_all
	WAIT_SECS=15 wait_for ens_new_leader "$l" "$e" $(all_but "$l")
	nl=$(ens_new_leader "$l" "$e" $(all_but "$l"))
	for i in 1 2 3 4 5; do write_acked "/t6/after$i" "v$i"; done
	lm=$(ens_log_mark "$l")
	nlm=$(ens_log_mark "$nl")
	ens_start "$l"
	ens_wait_converged
	ens_follows "$l" "$nl"
	ens_log_has "$l" "$lm" "truncated the log to $(hex "$z0")$"
	ens_log_has "$nl" "$nlm" "sync $l: TRUNC to $(hex "$z0")$"
	for i in $(ens_all); do
		out=$(records "$i" ".zxid == $zl or .path == \"/t6/lost\"")
		[ -z "$out" ]
	done
	run nsx zk-get -s "$(ens_addr "$nl")" /t6/lost
	assert_failure 1
	ens_check_acked "$nl"
}

@test "a SIGSTOPped leader is replaced in a higher epoch; after SIGCONT it goes looking and follows the new leader; all converge" {
	ens_up
	l=$(ens_leader)
	e=$(ens_field "$l" epoch)
	write_acked /t7/before b
	ens_kill "$l" STOP
	WAIT_SECS=15 wait_for ens_new_leader "$l" "$e" $(all_but "$l")
	nl=$(ens_new_leader "$l" "$e" $(all_but "$l"))
	e2=$(ens_field "$nl" epoch)
	others=$(ens_addrs $(all_but "$l"))
	for i in 1 2 3 4 5; do write_acked "/t7/k$i" "v$i" "$others"; done
	mark=$(ens_log_mark "$l")
	ens_kill "$l" CONT
	WAIT_SECS=15 wait_for ens_follows "$l" "$nl"
	ens_log_has "$l" "$mark" "state looking, round [0-9]+"
	ens_log_has "$l" "$mark" "serving as follower of $nl, epoch $e2$"
	ens_wait_converged
	[ "$(ens_field "$l" epoch)" -eq "$e2" ]
	ens_check_acked "$nl"
}

@test "a follower cut from the other voters stops serving and says so, the majority keeps writing, and after healing it rejoins and converges" {
	ens_up
	l=$(ens_leader)
	e=$(ens_field "$l" epoch)
	f=$(voters_but "$l" | head -n 1)
	g=$(voters_but "$l" | tail -n 1)
	write_acked /t8/before b
	ens_wait_converged
	ens_cut "$f" "$l"
	ens_cut "$f" "$g"
	wait_for looking_not_serving "$f"
	run ens_status "$f"
	assert_failure
	for i in $(seq 10); do write_acked "/t8/k$i" "v$i"; done
	# The majority kept its leader and epoch; the minority is still out.
	[ "$(ens_leader $(ens_all))" = "$l" ]
	[ "$(ens_field "$l" epoch)" -eq "$e" ]
	looking_not_serving "$f"
	run nsx zk-set -s "$(ens_addr "$f")" -T 1 /t8/minority x
	assert_failure 3
	assert_output --partial 'could not reach a serving ensemble'
	ens_heal_all
	WAIT_SECS=15 wait_for ens_follows "$f" "$l"
	ens_wait_converged
	[ "$(ens_field "$f" epoch)" -eq "$e" ]
	ens_check_acked "$l"
	run nsx zk-get -s "$(ens_addr "$l")" /t8/minority
	assert_failure 1
}
