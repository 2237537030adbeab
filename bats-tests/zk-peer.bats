#!/usr/bin/env bats
# zk-peer: start-up, status in text and json, flags and config, clean shutdown.

load helpers

setup() { zk_setup; }
teardown() { zk_teardown; }

@test "zk-peer -h prints usage and exits 0; a bad flag exits 2" {
	run zk-peer -h
	assert_success
	assert_output --partial 'usage: zk-peer'
	run zk-peer --no-such-flag
	assert_failure 2
	run zk-peer -V
	assert_success
	assert_output --regexp '^zk-peer [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "a bad config value is one clear line and exit 2" {
	printf 'tickTime=soon\n' >"$ZK_TMP/bad.cfg"
	run zk-peer -c "$ZK_TMP/bad.cfg"
	assert_failure 2
	assert_output --partial 'line 1'
	assert_output --partial 'tickTime'
	[ "${#lines[@]}" -eq 1 ]
	run zk-peer -c "$ZK_TMP/missing.cfg"
	assert_failure 2
	assert_output --partial 'missing.cfg'
}

@test "status reports standalone mode, zxid and counts in text and json" {
	start_peer a
	zk-set /s1 one
	run zk-peer status
	assert_success
	assert_output --regexp "^127\.0\.0\.1:$PORT_a standalone .*zxid=0x[0-9a-f]+ .*znodes=[0-9]+"
	run zk-peer status -o json
	assert_success
	[ "$(echo "$output" | jq -r .mode)" = standalone ]
	[ "$(echo "$output" | jq -r .server)" = "127.0.0.1:$PORT_a" ]
	# "/", "/zookeeper" and its two children, and /s1.
	[ "$(echo "$output" | jq -r .znodes)" -eq 5 ]
	[ "$(echo "$output" | jq -r .epoch)" -ge 1 ]
	[ "$(echo "$output" | jq -r .zxid)" -gt 0 ]
	for k in connections outstanding watches latency_min_us latency_avg_us latency_max_us; do
		echo "$output" | jq -e "has(\"$k\")"
	done
}

@test "status of a server that is not there exits 3 with an error field" {
	start_peer a
	port=$(free_port)
	run zk-peer status -s "127.0.0.1:$PORT_a,127.0.0.1:$port" -o json -T 1
	assert_failure 3
	[ "$(echo "$output" | head -n 1 | jq -r .mode)" = standalone ]
	echo "$output" | tail -n 1 | jq -e '.error | length > 0'
	[ "$(echo "$output" | tail -n 1 | jq -r .server)" = "127.0.0.1:$port" ]
}

@test "flags override the config file" {
	port=$(free_port)
	mkdir -p "$ZK_TMP/d2"
	printf 'clientPort=1\ndataDir=/nonexistent/x\n' >"$ZK_TMP/o.cfg"
	zk-peer -c "$ZK_TMP/o.cfg" --client-port "$port" --data-dir "$ZK_TMP/d2" \
	    --id 4 2>"$ZK_TMP/o.log" &
	echo $! >>"$ZK_TMP/pids"
	wait_for zk-peer status -s "127.0.0.1:$port"
	[ -f "$ZK_TMP/d2/snapshot.0000000000000000" ]
	[ "$(cat "$ZK_TMP/d2/currentEpoch")" -ge 1 ]
	run zk-peer status -s "127.0.0.1:$port" -o json
	[ "$(echo "$output" | jq -r .server_id)" = 4 ]
}

@test "SIGTERM shuts down cleanly with exit 0 and the data survives" {
	start_peer a
	zk-set /k v1
	stop_peer a TERM
	wait "$(cat "$(peer_dir a)/pid")" || rc=$?
	[ "${rc:-0}" -eq 0 ]
	grep -q 'shutting down' "$(peer_dir a)/log"
	# What was applied is in a snapshot: the restart replays nothing.
	zxid=$(zk-log -o json dump "$(peer_dir a)/data" | tail -n 1 | jq .zxid)
	[ -f "$(peer_dir a)/data/snapshot.$(printf %016x "$zxid")" ]
	start_peer a
	grep -q "snapshot 0x$(printf %x "$zxid"), 0 txns replayed" "$(peer_dir a)/log"
	run zk-get /k
	assert_success
	assert_output v1
}

@test "every start begins a new epoch, so zxids never repeat" {
	start_peer a
	zk-set /k 1
	z1=$(zk-stat -o json /k | jq .stat.mzxid)
	stop_peer a
	start_peer a
	zk-set /k 2
	z2=$(zk-stat -o json /k | jq .stat.mzxid)
	[ $((z2 >> 32)) -gt $((z1 >> 32)) ]
	[ "$(cat "$(peer_dir a)/data/currentEpoch")" -eq $((z2 >> 32)) ]
}

@test "a port in use stops the start with exit 1 and a clear message" {
	start_peer a
	run zk-peer --client-port "$PORT_a" --data-dir "$ZK_TMP/other"
	assert_failure 1
	assert_output --partial "cannot listen on 127.0.0.1:$PORT_a"
}

@test "maxClientCnxns closes connections over the per-address limit" {
	start_peer a maxClientCnxns=2
	exec 5<>"/dev/tcp/127.0.0.1/$PORT_a"
	exec 6<>"/dev/tcp/127.0.0.1/$PORT_a"
	run zk-get -T 1 /zookeeper
	assert_failure 3
	grep -q 'too many connections' "$(peer_dir a)/log"
	exec 5>&- 6>&-
	wait_for zk-get /zookeeper
}

# Raw protocol helpers: frames built by hand, as a misbehaving client would.
# open_raw PORT: fd 7 is a connection with a session (connect answered).
open_raw() {
	exec 7<>"/dev/tcp/127.0.0.1/$1"
	printf '\x00\x00\x00\x04\x93\x00\xf6\x80' >&7	# [0, connect, {}]
	read_frame
}

# read_frame: reads one whole reply frame from fd 7, prints its body as hex.
read_frame() {
	local hex len
	hex=$(head -c 4 <&7 | od -An -tx1 | tr -d ' \n')
	[ ${#hex} -eq 8 ] || return 1
	len=$((16#$hex))
	head -c "$len" <&7 | od -An -v -tx1 | tr -d ' \n'
}

# read_frame_raw: the same, but prints the body as it is (fast for big ones).
read_frame_raw() {
	local hex
	hex=$(head -c 4 <&7 | od -An -tx1 | tr -d ' \n')
	[ ${#hex} -eq 8 ] || return 1
	head -c "$((16#$hex))" <&7
}

rss_kb() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }

@test "requests pipelined after closeSession are refused and the connection ends" {
	start_peer a
	open_raw "$PORT_a"
	# [1, closeSession, {}], [2, getData, {"p": "/"}], [3, create, {"p": "/x", "d": ""}]
	printf '\x00\x00\x00\x04\x93\x01\xf5\x80\x00\x00\x00\x08\x93\x02\x04\x81\xa1p\xa1/\x00\x00\x00\x0d\x93\x03\x01\x82\xa1p\xa2/x\xa1d\xc4\x00' >&7
	run read_frame		# the close is answered: [1, zxid, 0, {}]
	assert_output --regexp '^9401.*0080$'
	run read_frame		# then the connection ends
	assert_failure
	exec 7>&-
	run zk-stat /x
	assert_failure 1
	kill -0 "$(cat "$(peer_dir a)/pid")"
}

@test "a client that stops reading cannot make the server buffer its replies without bound" {
	# Under AddressSanitizer, freed replies would sit in its quarantine.
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=1" start_peer a
	head -c 1000000 /dev/zero | tr '\0' x | zk-set /big
	pid=$(cat "$(peer_dir a)/pid")
	base=$(rss_kb "$pid")
	# A write, then 100 reads of 1 MB that queue behind it, never read by us.
	# Built before connecting: the raw session (400 ms, never pinged) must
	# not expire while a loaded machine runs the loop.
	frames='\x00\x00\x00\x0d\x93\x01\x01\x82\xa1p\xa2/w\xa1d\xc4\x00'
	for i in $(seq 2 101); do
		printf -v hex %02x "$i"
		frames="$frames\\x00\\x00\\x00\\x0b\\x93\\x$hex\\x04\\x81\\xa1p\\xa4/big"
	done
	open_raw "$PORT_a"
	printf "$frames" >&7
	status_proposals() { [ "$(zk-peer status -o json | jq .proposals)" -eq 0 ]; }
	wait_for status_proposals
	# 100 MB of replies were asked for; a few MB may wait in buffers.
	[ $(( $(rss_kb "$pid") - base )) -lt 40000 ]
	# Most reads are not answered yet: the server waits for us to read.
	[ "$(zk-peer status -o json | jq .requests)" -lt 60 ]
	# Reading catches up: every reply arrives, in order.
	read_frame | grep -q '^9401'
	for i in $(seq 2 101); do read_frame_raw >"$ZK_TMP/f"; done
	# xid 101 = 0x65 came last, with the whole 1 MB of data
	[ "$(head -c 2 "$ZK_TMP/f" | od -An -tx1 | tr -d ' \n')" = 9465 ]
	[ "$(wc -c <"$ZK_TMP/f")" -gt 1000000 ]
	exec 7>&-
	[ $(( $(rss_kb "$pid") - base )) -lt 40000 ]
}

@test "a connection that never asks for a session is closed after initLimit ticks" {
	start_peer a initLimit=2
	exec 7<>"/dev/tcp/127.0.0.1/$PORT_a"
	wait_for grep -q 'no session after 400 ms' "$(peer_dir a)/log"
	run timeout 2 cat <&7
	assert_success
	assert_output ''
	exec 7>&-
}

@test "server ids above 127 make valid session ids (ephemeral owner's top byte)" {
	mkdir -p "$ZK_TMP/a/data"
	echo 200 >"$ZK_TMP/a/data/myid"
	start_peer a
	zk-set -e /eph x -- sh -c 'zk-stat /eph >"$ZK_TMP/stat"'
	grep -Eq '^ephemeralOwner 0xc8[0-9a-f]{14}$' "$ZK_TMP/stat"
	run zk-peer status -o json
	[ "$(echo "$output" | jq .server_id)" -eq 200 ]
}

@test "watches: exists on a missing node fires NodeCreated once, getData's fires NodeDataChanged, getChildren's the child change; each is one-shot and counted in status" {
	start_peer a maxSessionTimeout=10000
	# [0, connect, {to: 10000}]: a session that outlives the tools below.
	exec 7<>"/dev/tcp/127.0.0.1/$PORT_a"
	printf '\x00\x00\x00\x0a\x93\x00\xf6\x81\xa2to\xcd\x27\x10' >&7
	read_frame >/dev/null
	# [1, exists, {p: /w1, w: true}]: no node, a watch all the same.
	printf '\x00\x00\x00\x0d\x93\x01\x03\x82\xa1p\xa3/w1\xa1w\xc3' >&7
	run read_frame
	assert_output --regexp '^9401'
	[ "$(zk-peer status -o json | jq .watches)" -eq 1 ]
	zk-set /w1 x
	# The event: [-1, zxid, 0, {t: 1 (created), p: "/w1"}].
	run read_frame
	assert_output --regexp '^94ff'
	[[ "$output" == *a17401* ]]
	[[ "$output" == *a170a32f7731* ]]
	[ "$(zk-peer status -o json | jq .watches)" -eq 0 ]
	# [2, getData, {p: /w1, w: true}], [3, getChildren, {p: /, w: true}]
	printf '\x00\x00\x00\x0d\x93\x02\x04\x82\xa1p\xa3/w1\xa1w\xc3\x00\x00\x00\x0b\x93\x03\x0c\x82\xa1p\xa1/\xa1w\xc3' >&7
	run read_frame
	assert_output --regexp '^9402'
	run read_frame
	assert_output --regexp '^9403'
	[ "$(zk-peer status -o json | jq .watches)" -eq 2 ]
	zk-set /w1 y
	run read_frame		# changed (3) on /w1
	assert_output --regexp '^94ff'
	[[ "$output" == *a17403* ]]
	zk-set /w2 z
	run read_frame		# children changed (4) on /
	assert_output --regexp '^94ff'
	[[ "$output" == *a17404* ]]
	[[ "$output" == *a170a12f* ]]
	# One-shot: nothing is left, so the next frame is the reply to a
	# later request, not an event for these changes.
	zk-set /w1 again
	zk-set /w3 more
	printf '\x00\x00\x00\x0a\x93\x04\x04\x81\xa1p\xa3/w1' >&7
	run read_frame
	assert_output --regexp '^9404'
	[ "$(zk-peer status -o json | jq .watches)" -eq 0 ]
	exec 7>&-
}
