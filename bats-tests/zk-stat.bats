#!/usr/bin/env bats
# zk-stat: the stat in text and json, -q as an existence test, several
# paths, usage and exit statuses.

load helpers
bats_require_minimum_version 1.5.0

setup() { zk_setup; start_peer a; }
teardown() { zk_teardown; }

@test "zk-stat -h lists every flag; -V the version; bad usage exits 2" {
	run --separate-stderr zk-stat -h
	assert_success
	for f in --sync --servers --session-timeout --timeout --output \
	    --quiet --help --version; do
		assert_output --partial -- "$f"
	done
	run zk-stat -V
	assert_output 'zk-stat 0.1.0'
	run zk-stat
	assert_failure 2
	run zk-stat -R /
	assert_failure 2
}

@test "text: name value lines in ZooKeeper's order, zxids in hex" {
	zk-set /s abc
	zk-set /s abcd
	zk-set /s/kid ''
	run zk-stat /s
	assert_success
	[ "${#lines[@]}" -eq 11 ]
	[ "$(echo "$output" | awk '{ print $1 }' | tr '\n' ' ')" = \
	    'czxid mzxid ctime mtime version cversion aversion ephemeralOwner dataLength numChildren pzxid ' ]
	assert_line --index 0 --regexp '^czxid 0x[0-9a-f]+$'
	assert_line --index 1 --regexp '^mzxid 0x[0-9a-f]+$'
	assert_line --index 2 --regexp '^ctime [0-9]{13}$'
	assert_line --index 4 'version 1'
	assert_line --index 5 'cversion 1'
	assert_line --index 6 'aversion 0'
	assert_line --index 7 'ephemeralOwner 0x0'
	assert_line --index 8 'dataLength 4'
	assert_line --index 9 'numChildren 1'
	assert_line --index 10 --regexp '^pzxid 0x[0-9a-f]+$'
}

@test "json: path and stat, every value a number equal to the text's" {
	zk-set /j v
	run zk-stat -o json /j
	assert_success
	[ "$(echo "$output" | jq -c keys_unsorted)" = '["path","stat"]' ]
	hex=$(zk-stat /j | awk '$1 == "mzxid" { print $2 }')
	[ "$(echo "$output" | jq -r .stat.mzxid)" = "$((hex))" ]
	[ "$(echo "$output" | jq -r .stat.dataLength)" = 1 ]
	[ "$(echo "$output" | jq -r '[.stat[] | type] | unique | join(",")')" = number ]
}

@test "-q is an existence test: no output, 0 or 1" {
	zk-set /e ''
	run zk-stat -q /e
	assert_success
	assert_output ''
	run zk-stat --quiet /nope
	assert_failure 1
	assert_output ''
	run --separate-stderr zk-stat /nope
	assert_failure 1
	[ "$stderr" = 'zk-stat: /nope: no such node' ]
}

@test "an ephemeral node shows its owner; several paths prefix each line" {
	run zk-set -e /eph v -- zk-stat /eph
	assert_success
	assert_line --regexp '^ephemeralOwner 0x[1-9a-f][0-9a-f]*$'
	zk-set /p1 ''
	zk-set /p2 ''
	run zk-stat /p1 /p2
	assert_success
	[ "${#lines[@]}" -eq 22 ]
	assert_line --index 0 --regexp $'^/p1\tczxid 0x'
	assert_line --index 11 --regexp $'^/p2\tczxid 0x'
	run zk-stat -o json - <<<"$(printf '/p1\n/p2\n')"
	[ "$(echo "$output" | jq -r .path | tr '\n' ' ')" = '/p1 /p2 ' ]
}

@test "--sync works; a bad path exits 2; unreachable exits 3" {
	zk-set /y ''
	run zk-stat --sync -q /y
	assert_success
	run zk-stat y
	assert_failure 2
	port=$(free_port)
	run zk-stat -s "127.0.0.1:$port" -T 1 /y
	assert_failure 3
}
