#!/usr/bin/env bats
# The server's bounds on watches (protocol.md "Watches"): at most
# maxWatches per connection, and a watcher that stops reading is cut off
# at maxClientBuffer unread bytes instead of growing the server's memory,
# then resumes from the event window with nothing lost.

load helpers
bats_require_minimum_version 1.5.0

setup() { zk_setup; }
teardown() { zk_teardown; }

# lines_are OP N: zk-watch's output so far.
lines_are() { [ "$(wc -l <"$ZK_TMP/out")" "$1" "$2" ]; }
# watches_are OP N: the server's watch count compares so (for wait_for).
watches_are() { [ "$(zk-peer status -o json | jq .watches)" "$1" "$2" ]; }

# read_frame: the next frame on fd 7, its body as hex.
read_frame() {
	local hex len
	hex=$(head -c 4 <&7 | od -An -tx1 | tr -d ' \n')
	[ ${#hex} -eq 8 ] || return 1
	len=$((16#$hex))
	head -c "$len" <&7 | od -An -v -tx1 | tr -d ' \n'
}

@test "past maxWatches a watched read is refused (server busy), the watches held stay, an unwatched read is answered, a fired watch makes room" {
	start_peer a maxWatches=2 maxSessionTimeout=10000
	zk-set /a 1
	exec 7<>"/dev/tcp/127.0.0.1/$PORT_a"
	# [0, connect, {to: 10000}]
	printf '\x00\x00\x00\x0a\x93\x00\xf6\x81\xa2to\xcd\x27\x10' >&7
	read_frame >/dev/null
	# [1, exists, {p: /a, w: true}], [2, exists, {p: /b, w: true}]
	printf '\x00\x00\x00\x0c\x93\x01\x03\x82\xa1p\xa2/a\xa1w\xc3' >&7
	printf '\x00\x00\x00\x0c\x93\x02\x03\x82\xa1p\xa2/b\xa1w\xc3' >&7
	run read_frame
	assert_output --regexp '^9401cf[0-9a-f]{16}00'	# ok
	run read_frame
	assert_output --regexp '^9402cf[0-9a-f]{16}d0'	# no node: -101
	[ "$(zk-peer status -o json | jq .watches)" -eq 2 ]
	# [3, getData, {p: /a, w: true}]: a third watch is one too many.
	printf '\x00\x00\x00\x0c\x93\x03\x04\x82\xa1p\xa2/a\xa1w\xc3' >&7
	run read_frame
	assert_output --regexp '^9403cf[0-9a-f]{16}e6'	# -26, server busy
	[ "$(zk-peer status -o json | jq .watches)" -eq 2 ]
	# [4, getData, {p: /a}]: no watch asked, answered with the data.
	printf '\x00\x00\x00\x09\x93\x04\x04\x81\xa1p\xa2/a' >&7
	run read_frame
	assert_output --regexp '^9404cf[0-9a-f]{16}00.*a164c40131'
	# The watches held still fire.
	zk-set /b 2
	run read_frame
	assert_output --regexp '^94ffcf[0-9a-f]{16}00'
	[[ "$output" == *a17401* ]]	# created
	# The one that fired made room for one more, and only one.
	[ "$(zk-peer status -o json | jq .watches)" -eq 1 ]
	# [5, exists, {p: /c, w: true}], [6, exists, {p: /d, w: true}]
	printf '\x00\x00\x00\x0c\x93\x05\x03\x82\xa1p\xa2/c\xa1w\xc3' >&7
	run read_frame
	assert_output --regexp '^9405cf[0-9a-f]{16}d0'	# no node, watched
	printf '\x00\x00\x00\x0c\x93\x06\x03\x82\xa1p\xa2/d\xa1w\xc3' >&7
	run read_frame
	assert_output --regexp '^9406cf[0-9a-f]{16}e6'	# server busy
	[ "$(zk-peer status -o json | jq .watches)" -eq 2 ]
	exec 7>&-
}

@test "a watcher that stops reading is cut off at maxClientBuffer, then resumes from the window: every change once, in order" {
	start_peer a maxClientBuffer=1048576
	zk-set /s ''
	head -c 100000 /dev/zero | tr '\0' x >"$ZK_TMP/big"
	zk-watch -r --data /s >"$ZK_TMP/out" 2>"$ZK_TMP/err" &
	pid=$!
	wait_for watches_are -eq 1
	kill -STOP "$pid"
	# 150 changes of 100 kB: far more than the socket buffers hold.
	for i in $(seq 150); do zk-set /s/k <"$ZK_TMP/big"; done
	wait_for grep -q 'bytes of events unread; closing' "$(peer_dir a)/log"
	# Cut off at once: its watch and unread events are gone.
	wait_for watches_are -eq 0
	kill -CONT "$pid"
	WAIT_SECS=30 wait_for lines_are -ge 150
	sleep 0.3	# nothing more may come
	kill "$pid"
	wait "$pid" || true
	[ "$(wc -l <"$ZK_TMP/out")" -eq 150 ]
	[ "$(head -n 1 "$ZK_TMP/out" | cut -d ' ' -f 2,3)" = 'created /s/k' ]
	[ "$(tail -n +2 "$ZK_TMP/out" | cut -d ' ' -f 2,3 | sort -u)" = \
	    'changed /s/k' ]
	# zxids strictly increasing: no event lost, none repeated.
	prev=0
	while read -r zxid _; do
		[ $((zxid)) -gt "$prev" ]
		prev=$((zxid))
	done <"$ZK_TMP/out"
	[ "$(zk-stat -o json /s/k | jq .stat.version)" -eq 149 ]
	# Every event carried the whole data.
	[ "$(cut -d ' ' -f 4 "$ZK_TMP/out" | sort -u)" = "$(cat "$ZK_TMP/big")" ]
}

@test "addWatch is persistent: it fires on every change, with the event's index, until removeWatch; removing it again is no watch (-121)" {
	start_peer a maxSessionTimeout=10000
	exec 7<>"/dev/tcp/127.0.0.1/$PORT_a"
	printf '\x00\x00\x00\x0a\x93\x00\xf6\x81\xa2to\xcd\x27\x10' >&7
	read_frame >/dev/null
	# [1, addWatch, {p: /aw, m: 0}]
	printf '\x00\x00\x00\x0d\x93\x01\x6a\x82\xa1p\xa3/aw\xa1m\x00' >&7
	run read_frame
	assert_output --regexp '^9401cf[0-9a-f]{16}00'
	[ "$(zk-peer status -o json | jq .watches)" -eq 1 ]
	zk-set /aw x
	run read_frame		# created, index 0
	assert_output --regexp '^94ffcf[0-9a-f]{16}00'
	[[ "$output" == *a17401* && "$output" == *a16900* ]]
	zk-set /aw y
	run read_frame		# changed: the watch is still there
	[[ "$output" == *a17403* ]]
	zk-set /aw/c 1
	run read_frame		# children of /aw (its child list), index 1
	[[ "$output" == *a17404* && "$output" == *a16901* ]]
	# [2, removeWatch, {p: /aw, m: 0}] twice
	printf '\x00\x00\x00\x0d\x93\x02\x12\x82\xa1p\xa3/aw\xa1m\x00' >&7
	printf '\x00\x00\x00\x0d\x93\x03\x12\x82\xa1p\xa3/aw\xa1m\x00' >&7
	run read_frame
	assert_output --regexp '^9402cf[0-9a-f]{16}00'
	run read_frame
	assert_output --regexp '^9403cf[0-9a-f]{16}d087'
	[ "$(zk-peer status -o json | jq .watches)" -eq 0 ]
	zk-set /aw z
	# Nothing for it: the next frame answers a later request.
	printf '\x00\x00\x00\x0a\x93\x04\x04\x81\xa1p\xa3/aw' >&7
	run read_frame
	assert_output --regexp '^9404'
	exec 7>&-
}
