#!/usr/bin/env bats
# Nothing acknowledged is lost: kill -9 under concurrent writers, a torn or
# garbage tail, and a damaged data directory that must refuse to start.

load helpers

setup() { zk_setup; }
teardown() {
	mountpoint -q "$ZK_TMP/small" 2>/dev/null && umount -l "$ZK_TMP/small"
	zk_teardown
}

# Every zk-set that exited 0 appended "PATH VALUE" to $ZK_TMP/acked.$1.
writer() {
	local i=0
	while [ -f "$ZK_TMP/go" ]; do
		i=$((i + 1))
		if zk-set -p -T 2 "/$1/k$i" "v$i-$1" 2>/dev/null; then
			echo "/$1/k$i v$i-$1" >>"$ZK_TMP/acked.$1"
		fi
	done
}

# check_acked: every acknowledged write is there with its value.
check_acked() {
	local f path val missing=0
	for f in "$ZK_TMP"/acked.*; do
		[ -f "$f" ] || continue
		while read -r path val; do
			[ "$(zk-get "$path")" = "$val" ] || { echo "lost: $path"; missing=1; }
		done <"$f"
	done
	[ "$missing" -eq 0 ]
}

acked_count() { cat "$ZK_TMP"/acked.* 2>/dev/null | wc -l; }
acked_at_least() { [ "$(acked_count)" -ge "$1" ]; }

# dump: the whole tree, as JSON lines, for before/after comparisons.
dump() { zk-get -o json -R /; }

# end_of_records FILE: offset just past the last non-zero byte.
end_of_records() { od -An -v -tu1 -w1 "$1" | awk '$1 != 0 { n = NR } END { print n + 0 }'; }

snapshots_at_least() { [ "$(ls "$(peer_dir a)/data"/snapshot.* | grep -vc '\.tmp$')" -ge "$1" ]; }

newest() { ls "$(peer_dir a)/data"/$1.* | grep -v '\.tmp$' | sort | tail -n 1; }

@test "kill -9 under concurrent writers loses no acknowledged write (3 rounds)" {
	for round in 1 2 3; do
		start_peer a
		touch "$ZK_TMP/go"
		pids=
		for w in 1 2 3 4; do writer "r$round-w$w" & pids="$pids $!"; done
		WAIT_SECS=20 wait_for acked_at_least $((round * 40))
		kill -9 "$(cat "$(peer_dir a)/pid")"
		rm -f "$ZK_TMP/go"
		wait $pids
		start_peer a
		check_acked
		stop_peer a
	done
	[ "$(acked_count)" -ge 120 ]
}

@test "garbage appended to the newest log: the same data after restart" {
	start_peer a
	for i in $(seq 20); do zk-set -p "/g/k$i" "v$i"; done
	before=$(dump)
	stop_peer a KILL	# a crash: no snapshot at shutdown, the log is needed
	log=$(newest log)
	end=$(end_of_records "$log")
	head -c 300 /dev/urandom | dd of="$log" bs=1 seek="$end" conv=notrunc 2>/dev/null
	start_peer a
	grep -q 'torn tail' "$(peer_dir a)/log"
	[ "$(dump)" = "$before" ]
}

@test "a corrupted record in the middle of a log refuses to start, naming file and offset" {
	start_peer a
	for i in $(seq 30); do zk-set -p "/c/k$i" "v$i"; done
	stop_peer a KILL
	log=$(newest log)
	printf '\xff\xff\xff\xff' | dd of="$log" bs=1 seek=300 conv=notrunc 2>/dev/null
	run timeout 10 zk-peer -c "$(peer_dir a)/zoo.cfg"
	assert_failure 1
	assert_output --partial "$(basename "$log")"
	assert_output --regexp 'offset [0-9]+'
}

@test "a deleted middle log file refuses to start, naming the zxid gap" {
	for i in 1 2 3; do
		start_peer a
		zk-set -p "/m/k$i" "v$i"
		stop_peer a KILL
	done
	logs=$(ls "$(peer_dir a)/data"/log.* | sort)
	[ "$(echo "$logs" | wc -l)" -ge 3 ]
	rm "$(echo "$logs" | sed -n 2p)"
	run timeout 10 zk-peer -c "$(peer_dir a)/zoo.cfg"
	assert_failure 1
	assert_output --partial 'gap'
	assert_output --regexp '0x[0-9a-f]+'
}

@test "a corrupted newest snapshot: starts from the previous one and the logs" {
	start_peer a snapCount=10
	for i in $(seq 30); do zk-set -p "/s/k$i" "v$i"; done
	wait_for snapshots_at_least 3
	before=$(dump)
	stop_peer a
	snap=$(newest snapshot)
	size=$(stat -c %s "$snap")
	printf 'garbage!' | dd of="$snap" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
	start_peer a snapCount=10
	[ "$(dump)" = "$before" ]
	for i in $(seq 30); do [ "$(zk-get "/s/k$i")" = "v$i" ]; done
}

@test "a full disk: writes fail clearly, the server stays up, nothing acknowledged is lost" {
	mkdir -p "$ZK_TMP/small"
	mount -t tmpfs -o size=2m tmpfs "$ZK_TMP/small"
	start_peer a "dataDir=$ZK_TMP/small" preAllocSize=64
	for i in $(seq 10); do
		zk-set -p "/d/k$i" "v$i" && echo "/d/k$i v$i" >>"$ZK_TMP/acked.d"
	done
	dd if=/dev/zero of="$ZK_TMP/small/filler" bs=4k 2>/dev/null || true
	failed=0
	for i in $(seq 11 3000); do
		if zk-set -T 2 -p "/d/k$i" "v$i" 2>"$ZK_TMP/err"; then
			echo "/d/k$i v$i" >>"$ZK_TMP/acked.d"
		else
			failed=1
			break
		fi
	done
	[ "$failed" -eq 1 ]
	grep -q 'disk write failed' "$ZK_TMP/err"
	[ "$(wc -l <"$ZK_TMP/err")" -eq 1 ]
	grep -q 'No space left on device' "$(peer_dir a)/log"
	# Up and answering (status needs no session, so no disk).
	run zk-peer status -o json
	assert_success
	[ "$(echo "$output" | jq -r .mode)" = standalone ]
	rm -f "$ZK_TMP/small/filler"
	check_acked
	run zk-set -p /d/after ok
	assert_success
	echo "/d/after ok" >>"$ZK_TMP/acked.d"
	stop_peer a
	start_peer a "dataDir=$ZK_TMP/small" preAllocSize=64
	check_acked
}
