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
	start_peer a
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
