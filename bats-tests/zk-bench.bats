#!/usr/bin/env bats
# zk-bench: short runs of every --op against a real peer: the report in
# text, json and msgpack, the nodes it prepares and creates, and the exit
# statuses for bad flags and servers that cannot be had.

load helpers
bats_require_minimum_version 1.5.0

setup() { zk_setup; }
teardown() { zk_teardown; }

# Short runs: half a second measured, no warmup, a few keys.
SHORT=(-d 0.5 --warmup 0)

# field NAME: the value of NAME=... in the text report in $output.
field() { sed -E "s/^(.* )?$1=([^ ]+)( .*)?\$/\\2/" <<<"$output"; }

# tree_json: every node under /zk-bench as zk-get -o json prints it.
tree_json() { zk-ls -R /zk-bench | zk-get -o json -; }

# version_sum: the versions of the prepared keys added up.
version_sum() {
	zk-ls /zk-bench | grep '^k' | sed 's|^|/zk-bench/|' |
	    zk-get -o json - | jq -s 'map(.stat.version) | add'
}

@test "--op get: one text line with every field, -c and -w echoed, -s over ZK_SERVERS, ok > 0 and no errors" {
	start_peer a
	run --separate-stderr env ZK_SERVERS=127.0.0.1:1 zk-bench \
	    -s "127.0.0.1:$PORT_a" -c 3 -w 7 --keys 20 "${SHORT[@]}"
	assert_success
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	assert_output --regexp '^op=get conns=3 window=7 seconds=0\.5 ok=[0-9]+ errors=0 ops/s=[0-9]+ p50_us=[0-9]+ p99_us=[0-9]+ p999_us=[0-9]+ max_us=[0-9]+$'
	[ "$(field ok)" -gt 0 ]
	[ "$(field p50_us)" -le "$(field p99_us)" ]
	[ "$(field p99_us)" -le "$(field p999_us)" ]
	[ "$(field p999_us)" -le "$(field max_us)" ]
	# Reads change nothing: the keys are as prepared.
	[ "$(version_sum)" -eq 0 ]
}

@test "-o json: every key of the contract in order, numbers, p50 <= p99 <= p999 <= max, ops_per_sec from ok and the run's length" {
	start_peer a
	run --separate-stderr zk-bench -o json -c 2 -w 4 --keys 20 "${SHORT[@]}"
	assert_success
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -c keys_unsorted <<<"$output")" = \
	    '["op","conns","window","seconds","ok","errors","ops_per_sec","p50_us","p99_us","p999_us","max_us"]' ]
	[ "$(jq -c '[.[] | type]' <<<"$output")" = \
	    '["string","number","number","number","number","number","number","number","number","number","number"]' ]
	[ "$(jq -c '[.op, .conns, .window, .seconds, .errors]' <<<"$output")" = \
	    '["get",2,4,0.5,0]' ]
	[ "$(jq '.ok > 0 and .p50_us > 0 and .p50_us <= .p99_us and
	    .p99_us <= .p999_us and .p999_us <= .max_us' <<<"$output")" = true ]
	# ops_per_sec is ok over the run's real length: the half second
	# asked for (less 2%: libevent's coarse clock may end it a tick
	# early), and not four times it.
	[ "$(jq '.ops_per_sec <= .ok / (0.5 * 0.98)' <<<"$output")" = true ]
	[ "$(jq '.ops_per_sec >= .ok / 2' <<<"$output")" = true ]
}

@test "--op set: ok > 0, no errors, and the keys' versions add up to at least ok" {
	start_peer a
	run zk-bench -o json --op set -c 2 -w 4 --keys 20 "${SHORT[@]}"
	assert_success
	[ "$(jq -c '[.op, .errors]' <<<"$output")" = '["set",0]' ]
	ok=$(jq .ok <<<"$output")
	[ "$ok" -gt 0 ]
	# Every acknowledged set bumped a version; at most the two windows
	# in flight at the edges of the run were not counted.
	sum=$(version_sum)
	[ "$sum" -ge "$ok" ]
	[ "$sum" -le $((ok + 2 * 2 * 4)) ]
	[ "$(tree_json | jq -r 'select(.path | test("/k")) |
	    .stat.dataLength' | sort -u)" = 100 ]
}

@test "--op mixed:READ_PERCENT: 100 only reads, 0 only writes, 90 mostly reads; each ok > 0 and no errors" {
	start_peer a
	run zk-bench -o json --op mixed:100 -c 2 -w 4 --keys 20 "${SHORT[@]}"
	assert_success
	[ "$(jq -c '[.op, .errors, .ok > 0]' <<<"$output")" = '["mixed:100",0,true]' ]
	[ "$(version_sum)" -eq 0 ]
	run zk-bench -o json --op mixed:0 -c 2 -w 4 --keys 20 "${SHORT[@]}"
	assert_success
	[ "$(jq -c '[.op, .errors, .ok > 0]' <<<"$output")" = '["mixed:0",0,true]' ]
	ok=$(jq .ok <<<"$output")
	before=$(version_sum)
	[ "$before" -ge $((ok + 20)) ]	# prepare set each key once more
	run zk-bench -o json --op mixed:90 -c 2 -w 4 --keys 20 -d 1 --warmup 0
	assert_success
	[ "$(jq -c '[.op, .errors]' <<<"$output")" = '["mixed:90",0]' ]
	ok=$(jq .ok <<<"$output")
	[ "$ok" -gt 200 ]
	# About one request in ten was a set (20 more from the prepare).
	sets=$(($(version_sum) - before - 20))
	[ "$sets" -gt 0 ]
	[ "$sets" -lt $((ok / 2)) ]
}

@test "--op create: one parent per session under /zk-bench, numbered nodes from n0000000000, at least ok of them, --size bytes each" {
	start_peer a
	run --separate-stderr zk-bench -o json --op create -c 3 -w 5 --size 7 "${SHORT[@]}"
	assert_success
	[ "$(jq -c '[.op, .conns, .window, .errors]' <<<"$output")" = \
	    '["create",3,5,0]' ]
	ok=$(jq .ok <<<"$output")
	[ "$ok" -gt 0 ]
	run zk-ls /zk-bench
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	pid=$(sed -E 's/^c([0-9]+)-[0-9]+$/\1/' <<<"${lines[0]}")
	[ "$output" = "$(printf 'c%s-0\nc%s-1\nc%s-2' "$pid" "$pid" "$pid")" ]
	total=0
	for i in 0 1 2; do
		n=$(zk-ls "/zk-bench/c$pid-$i" | wc -l)
		[ "$n" -gt 0 ]
		# Numbered from 0 with no hole.
		[ "$(zk-ls "/zk-bench/c$pid-$i" | head -n 1)" = n0000000000 ]
		[ "$(zk-ls "/zk-bench/c$pid-$i" | tail -n 1)" = \
		    "$(printf 'n%010d' $((n - 1)))" ]
		total=$((total + n))
	done
	[ "$total" -ge "$ok" ]
	[ "$total" -le $((ok + 2 * 3 * 5)) ]
	[ "$(zk-stat -o json "/zk-bench/c$pid-1/n0000000000" |
	    jq .stat.dataLength)" = 7 ]
	[ "$(zk-get "/zk-bench/c$pid-2/n0000000000" | wc -c)" -eq 7 ]
}

@test "--op watch: CONNS watchers each get every change once; ok counts events, the watched node's version the changes" {
	start_peer a
	run --separate-stderr zk-bench -o json --op watch -c 4 --size 3 "${SHORT[@]}"
	assert_success
	[ "$(jq -c '[.op, .conns, .errors]' <<<"$output")" = '["watch",4,0]' ]
	ok=$(jq .ok <<<"$output")
	[ "$ok" -gt 0 ]
	# Every measured change reached all four watchers.
	[ $((ok % 4)) -eq 0 ]
	# The writer changed the node at least once per round measured.
	v=$(zk-stat -o json /zk-bench/watched | jq .stat.version)
	[ "$v" -ge $((ok / 4)) ]
	[ "$(zk-get /zk-bench/watched)" = xxx ]
	# The watches went with the sessions.
	[ "$(zk-peer status -o json | jq .watches)" -eq 0 ]
}

@test "--rate N caps the requests sent per second in all, over every session; with --op watch the changes" {
	start_peer a
	# 40 a second for a second, over two sessions: 40 requests at most
	# (one more when the run's edge falls on a turn), where unpaced one
	# session alone answers thousands.
	run --separate-stderr zk-bench -o json --op set -c 2 -w 4 --keys 10 \
	    --rate 40 -d 1 --warmup 0
	assert_success
	[ "$(jq -c '[.op, .errors]' <<<"$output")" = '["set",0]' ]
	ok=$(jq .ok <<<"$output")
	[ "$ok" -ge 10 ]
	[ "$ok" -le 41 ]
	# Everything sent was answered: the versions count the sets.
	sum=$(version_sum)
	[ "$sum" -ge "$ok" ]
	[ "$sum" -le 41 ]
	run --separate-stderr zk-bench -o json --op watch -c 3 --rate 20 \
	    -d 1 --warmup 0
	assert_success
	ok=$(jq .ok <<<"$output")
	# Events: three per change, at most 21 changes in the second.
	[ $((ok % 3)) -eq 0 ]
	[ "$ok" -ge 15 ]
	[ "$ok" -le 63 ]
}

@test "--keys N prepares exactly k0000000 to kN-1; --size sets their data length; a rerun upserts the new size" {
	start_peer a
	run zk-bench -q --keys 7 --size 10 -c 2 -w 3 "${SHORT[@]}"
	assert_success
	assert_output ''
	[ "$(zk-ls /zk-bench | tr '\n' ' ')" = \
	    'k0000000 k0000001 k0000002 k0000003 k0000004 k0000005 k0000006 ' ]
	[ "$(zk-ls /zk-bench | grep -c '^k')" -eq 7 ]
	[ "$(tree_json | jq -r .stat.dataLength | sort -u)" = 10 ]
	[ "$(zk-get /zk-bench/k0000006 | wc -c)" -eq 10 ]
	run zk-bench -q --keys 7 --size 3 -c 1 -w 1 "${SHORT[@]}"
	assert_success
	[ "$(zk-ls /zk-bench | grep -c '^k')" -eq 7 ]
	[ "$(tree_json | jq -r .stat.dataLength | sort -u)" = 3 ]
	run zk-bench -q --keys 2 --size 0 -c 1 -w 1 "${SHORT[@]}"
	assert_success
	[ "$(zk-stat -o json /zk-bench/k0000000 | jq .stat.dataLength)" = 0 ]
	[ "$(zk-stat -o json /zk-bench/k0000002 | jq .stat.dataLength)" = 3 ]
}

@test "-o msgpack: one map of the contract's eleven keys, in order" {
	start_peer a
	zk-bench -o msgpack --op get -c 2 -w 4 --keys 5 "${SHORT[@]}" \
	    >"$ZK_TMP/out"
	hex=$(od -An -v -tx1 "$ZK_TMP/out" | tr -d ' \n')
	# map of 11; "op" "get"; "conns" 2; "window" 4; "seconds" 0.5; "ok"
	[[ "$hex" == 8ba26f70a3676574a5636f6e6e7302a677696e646f7704a77365636f6e6473cb3fe0000000000000a26f6b* ]]
	for k in errors ops_per_sec p50_us p99_us p999_us max_us; do
		grep -aq "$k" "$ZK_TMP/out"
	done
}

@test "an unreachable server exits 3; a server that accepts but never answers exits 4 after -T" {
	port=$(free_port)
	run --separate-stderr zk-bench -s "127.0.0.1:$port" -T 1 "${SHORT[@]}"
	assert_failure 3
	[ -z "$output" ]
	[ "$(echo "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == 'zk-bench: '*'could not reach a serving ensemble' ]]
	start_peer a
	kill -STOP "$(cat "$(peer_dir a)/pid")"
	run --separate-stderr zk-bench -T 1 "${SHORT[@]}"
	kill -CONT "$(cat "$(peer_dir a)/pid")"
	assert_failure 4
	[ -z "$output" ]
	[ "$stderr" = 'zk-bench: no session within 1000 ms' ]
}

@test "bad flags exit 2 naming the flag, print the usage, and connect nowhere" {
	export ZK_SERVERS=127.0.0.1:1
	check() {
		run --separate-stderr zk-bench "$@"
		assert_failure 2
		[ -z "$output" ]
		[ "${stderr%%$'\n'*}" = "$want" ]
		[[ "$stderr" == *$'\nusage: zk-bench '* ]]
	}
	want="zk-bench: --op: 'nope' is not get, set, create, watch or mixed:READ_PERCENT"
	check --op nope
	want="zk-bench: --op: 'mixed:101': the read percentage is not 0 to 100"
	check --op mixed:101
	want="zk-bench: -c: '0' is not a number from 1 to 4096"
	check -c 0
	want="zk-bench: -c: '4097' is not a number from 1 to 4096"
	check -c 4097
	want="zk-bench: -w: '0' is not a number from 1 to 100000"
	check -w 0
	want="zk-bench: -d: '0' is not a number of seconds above 0"
	check -d 0
	want="zk-bench: --size: '1048577' is not a number from 0 to 1048576"
	check --size 1048577
	want="zk-bench: --keys: '0' is not a number from 1 to 10000000"
	check --keys 0
	want="zk-bench: --warmup: 'soon' is not a number of seconds"
	check --warmup soon
	want="zk-bench: --rate: '0' is not a number from 1 to 1000000"
	check --rate 0
	want="zk-bench: --rate: '1000001' is not a number from 1 to 1000000"
	check --rate 1000001
	want="zk-bench: --rate: 'fast' is not a number from 1 to 1000000"
	check --rate fast
	want="zk-bench: unexpected argument 'extra'"
	check extra
}

@test "zk-bench -h lists every flag on stdout; -V the version" {
	run --separate-stderr zk-bench -h
	assert_success
	[ -z "$stderr" ]
	assert_line --index 0 --partial 'usage: zk-bench'
	for f in -c -w -d --op --size --keys --warmup --rate --servers \
	    --session-timeout --timeout --output --quiet --help --version; do
		assert_output --partial -- "$f"
	done
	run --separate-stderr zk-bench -V
	assert_success
	[ -z "$stderr" ]
	assert_output 'zk-bench 0.1.0'
}
