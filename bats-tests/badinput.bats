#!/usr/bin/env bats
# Bad input on the client port: the peer answers with an error, closes the
# offending connection, logs one line, and keeps serving everyone else.

load helpers

setup() {
	zk_setup
	start_peer a
	zk-set /keep kept
}
teardown() { zk_teardown; }

# raw PRINTF-FORMAT: send those bytes on a new connection, print the reply as hex.
raw() {
	exec 7<>"/dev/tcp/127.0.0.1/$PORT_a"
	printf "$1" >&7
	timeout 3 cat <&7 | od -An -v -tx1 | tr -d ' \n'
	exec 7>&-
}

still_serving() {
	run zk-get /keep
	assert_success
	assert_output kept
	kill -0 "$(cat "$(peer_dir a)/pid")"
}

# A reply frame is [0, zxid, err, {}]: 4 length bytes, 0x94, xid 0x00, the zxid,
# the error as a negative fixint or int8, an empty map 0x80.
@test "malformed msgpack gets a 'malformed message' reply and the connection closes" {
	run raw '\x00\x00\x00\x03\xc1\xc1\xc1'
	assert_output --regexp '^[0-9a-f]{8}9400.*fb80$'
	grep -q 'closing' "$(peer_dir a)/log"
	still_serving
}

@test "a frame length over the limit is refused and the connection closes" {
	run raw '\xff\xff\xff\xff'
	assert_output --regexp '^[0-9a-f]{8}9400.*eb80$'
	grep -q 'over the limit' "$(peer_dir a)/log"
	still_serving
}

@test "an empty frame is malformed" {
	run raw '\x00\x00\x00\x00'
	assert_output --regexp '^[0-9a-f]{8}9400.*fb80$'
	still_serving
}

@test "an unknown message type is answered 'unknown message type'" {
	# [1, 999, {}]
	run raw '\x00\x00\x00\x06\x93\x01\xcd\x03\xe7\x80'
	assert_output --regexp '^[0-9a-f]{8}9400.*fa80$'
	grep -q 'unknown message type' "$(peer_dir a)/log"
	still_serving
}

@test "a request before connect is refused (session expired) and closed" {
	# [1, 4, {"p": "/"}]: getData without a session
	run raw '\x00\x00\x00\x08\x93\x01\x04\x81\xa1p\xa1/'
	assert_output --regexp '^[0-9a-f]{8}9400.*d09080$'
	still_serving
}

@test "a frame cut short by a closed connection is dropped" {
	run raw '\x00\x00\x00\x64\x93\x01\x04'
	assert_output ''
	still_serving
}

@test "random bytes on the client port for several seconds: the server stays up" {
	end=$((SECONDS + 4))
	n=0
	while [ $SECONDS -lt $end ]; do
		{ head -c $((RANDOM % 8192 + 1)) /dev/urandom >"/dev/tcp/127.0.0.1/$PORT_a"; } 2>/dev/null || true
		n=$((n + 1))
	done
	[ "$n" -gt 20 ]
	still_serving
	run zk-set /after ok
	assert_success
	run zk-peer status -o json
	assert_success
	[ "$(echo "$output" | jq -r .mode)" = standalone ]
}
