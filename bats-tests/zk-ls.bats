#!/usr/bin/env bats
# zk-ls: sorted children, -R full paths parents first, -l long listing,
# json and msgpack, several paths, usage and exit statuses.

load helpers
bats_require_minimum_version 1.5.0

setup() { zk_setup; start_peer a; }
teardown() { zk_teardown; }

@test "zk-ls -h lists every flag; -V the version; bad usage exits 2" {
	run --separate-stderr zk-ls -h
	assert_success
	for f in --recursive --long --sync --servers --session-timeout \
	    --timeout --output --quiet --help --version; do
		assert_output --partial -- "$f"
	done
	run zk-ls -V
	assert_output 'zk-ls 0.1.0'
	run zk-ls
	assert_failure 2
	run zk-ls -x /
	assert_failure 2
	assert_output --partial 'usage: zk-ls'
}

@test "children come one name per line, sorted, without PATH itself" {
	for n in zeta alpha Mid beta; do zk-set -p /l/$n ''; done
	zk-set /l/alpha/kid ''
	run zk-ls /l
	assert_success
	[ "$output" = "$(printf 'Mid\nalpha\nbeta\nzeta')" ]
	run zk-ls /l/beta
	assert_success
	assert_output ''
}

@test "-R lists every descendant as a full path, parents first, siblings sorted" {
	zk-set -p /t/b/y ''
	zk-set -p /t/a/x/deep ''
	zk-set -p /t/a/w ''
	run zk-ls -R /t
	assert_success
	[ "$output" = "$(printf '/t/a\n/t/a/w\n/t/a/x\n/t/a/x/deep\n/t/b\n/t/b/y')" ]
	run zk-ls --recursive /t/b/y
	assert_success
	assert_output ''
	run zk-ls -R /
	assert_line /t/a/x/deep
	refute_line /
}

@test "-l prints version, data length, children, ephemeral owner and name" {
	zk-set -p /k/p hello
	zk-set /k/p again
	zk-set /k/p/c ''
	run zk-ls -l /k
	assert_success
	assert_output '1 5 1 - p'
	run zk-set -e /k/eph v -- zk-ls --long /k
	assert_success
	assert_line --index 0 --regexp '^0 1 0 0x[0-9a-f]+ eph$'
	assert_line --index 1 '1 5 1 - p'
	run zk-ls -l -R /k
	assert_output '1 5 1 - /k/p
0 0 0 - /k/p/c'
}

@test "-o json gives path and name per child, and the stat with -l" {
	zk-set -p /js/a 12
	zk-set /js/b ''
	run zk-ls -o json /js
	assert_success
	assert_line --index 0 '{"path":"/js/a","name":"a"}'
	assert_line --index 1 '{"path":"/js/b","name":"b"}'
	run zk-ls -l -o json /js
	[ "$(echo "$output" | head -n 1 | jq -r .stat.dataLength)" = 2 ]
	[ "$(echo "$output" | head -n 1 | jq -r '.stat.mzxid | type')" = number ]
	run zk-ls -R -o json /js
	[ "$(echo "$output" | jq -r .path | tr '\n' ' ')" = '/js/a /js/b ' ]
}

@test "-o msgpack writes one map per child" {
	zk-set -p /mp/a ''
	zk-ls -o msgpack /mp >"$ZK_TMP/out"
	# fixmap 2: "path" "/mp/a" "name" "a"
	[ "$(od -An -tx1 "$ZK_TMP/out" | tr -d ' \n')" = \
	    82a470617468a52f6d702f61a46e616d65a161 ]
}

@test "several paths, or -, print full paths" {
	zk-set -p /s1/a ''
	zk-set -p /s2/b ''
	run zk-ls /s1 /s2
	assert_success
	[ "$output" = "$(printf '/s1/a\n/s2/b')" ]
	run zk-ls - <<<"$(printf '/s2\n/s1\n')"
	[ "$output" = "$(printf '/s2/b\n/s1/a')" ]
}

@test "a missing node exits 1; a bad path 2; --sync and -q work" {
	run --separate-stderr zk-ls /nope
	assert_failure 1
	[ "$stderr" = 'zk-ls: /nope: no such node' ]
	run zk-ls -R /nope
	assert_failure 1
	run zk-ls nope
	assert_failure 2
	zk-set -p /sy/c ''
	run zk-ls --sync /sy
	assert_output c
	run zk-ls -q /sy
	assert_success
	assert_output ''
	run zk-ls -q /nope
	assert_failure 1
	assert_output ''
}
