#!/usr/bin/env bats
# zk-get: raw data, records for several paths, -S, -R, stdin paths, the
# output formats, --sync, -q, usage and exit statuses.

load helpers
bats_require_minimum_version 1.5.0

setup() { zk_setup; start_peer a; }
teardown() { zk_teardown; }

@test "zk-get -h prints every flag on stdout; -V the version; bad flags exit 2" {
	run --separate-stderr zk-get -h
	assert_success
	assert_output --partial 'usage: zk-get'
	for f in --stat --recursive --sync --servers --session-timeout \
	    --timeout --output --quiet --help --version; do
		assert_output --partial -- "$f"
	done
	[ -z "$stderr" ]
	run zk-get -V
	assert_success
	assert_output 'zk-get 0.1.0'
	run --separate-stderr zk-get --no-such-flag /a
	assert_failure 2
	[ -z "$output" ]
	[[ "$stderr" == *"zk-get: unknown option --no-such-flag"* ]]
	[[ "$stderr" == *"usage: zk-get"* ]]
	run zk-get
	assert_failure 2
	assert_output --partial 'zk-get: missing PATH'
	run zk-get -o yaml /a
	assert_failure 2
	run zk-get -T -3 /a
	assert_failure 2
}

@test "one path prints the data raw, with no newline added" {
	zk-set /a hello
	run zk-get /a
	assert_success
	assert_output hello
	[ "$(zk-get /a | wc -c)" -eq 5 ]
}

@test "binary data comes back byte for byte" {
	printf 'a\000b\377\n\tz' >"$ZK_TMP/bin"
	zk-set /bin <"$ZK_TMP/bin"
	zk-get /bin >"$ZK_TMP/out"
	cmp "$ZK_TMP/bin" "$ZK_TMP/out"
}

@test "several paths give PATH<TAB>escaped data lines; a missing one exits 1" {
	zk-set /a 'x	y'
	printf 'l1\nl2\\\001' | zk-set /b
	run --separate-stderr zk-get /a /missing /b
	assert_failure 1
	[ "${lines[0]}" = "/a"$'\t''x\ty' ]
	[ "${lines[1]}" = "/b"$'\t''l1\nl2\\\x01' ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$stderr" = 'zk-get: /missing: no such node' ]
}

@test "-S prints the stat as name value lines in ZooKeeper's order" {
	zk-set /s data
	zk-set /s data2
	run zk-get -S /s
	assert_success
	[ "$(echo "$output" | awk '{ print $1 }' | tr '\n' ' ')" = \
	    'czxid mzxid ctime mtime version cversion aversion ephemeralOwner dataLength numChildren pzxid ' ]
	assert_line --regexp '^czxid 0x[0-9a-f]+$'
	assert_line --regexp '^mtime [0-9]+$'
	assert_line 'version 1'
	assert_line 'dataLength 5'
	assert_line 'ephemeralOwner 0x0'
	run zk-get -S /s /s
	assert_success
	[ "${#lines[@]}" -eq 22 ]
	assert_line "$(printf '/s\tversion 1')"
}

@test "-o json gives path, data and stat; non-UTF-8 data goes to data_b64" {
	zk-set /j 'héllo "q"'
	run zk-get -o json /j
	assert_success
	[ "$(echo "$output" | jq -r .path)" = /j ]
	[ "$(echo "$output" | jq -r .data)" = 'héllo "q"' ]
	[ "$(echo "$output" | jq -r .stat.version)" = 0 ]
	[ "$(echo "$output" | jq -r '.stat.czxid | type')" = number ]
	[ "$(echo "$output" | jq -r '.stat | keys_unsorted | join(",")')" = \
	    czxid,mzxid,ctime,mtime,version,cversion,aversion,ephemeralOwner,dataLength,numChildren,pzxid ]
	printf '\377\000x' | zk-set /b
	run zk-get -o json /b
	[ "$(echo "$output" | jq -r 'has("data")')" = false ]
	[ "$(echo "$output" | jq -r .data_b64)" = "$(printf '\377\000x' | base64)" ]
	run zk-get -S -o json /j
	[ "$(echo "$output" | jq -c 'keys_unsorted')" = '["path","stat"]' ]
}

@test "-o msgpack writes one map per node with path, data as bin, stat" {
	zk-set /m ab
	zk-get -o msgpack /m >"$ZK_TMP/mp"
	# fixmap 3: "path" "/m", "data" bin8(2) "ab", "stat" fixmap 11
	[ "$(head -c 24 "$ZK_TMP/mp" | od -An -tx1 | tr -d ' \n')" = \
	    83a470617468a22f6da464617461c4026162a4737461748b ]
	zk-get -o msgpack /m /m >"$ZK_TMP/mp2"
	[ "$(wc -c <"$ZK_TMP/mp2")" -eq $((2 * $(wc -c <"$ZK_TMP/mp"))) ]
}

@test "-R prints PATH and every descendant, parents first, siblings sorted" {
	zk-set -p /r/b/z 3
	zk-set -p /r/a/y 2
	zk-set /r/a/x 1
	zk-set /r/c ''
	run zk-get -R /r
	assert_success
	[ "$output" = "$(printf '/r\t\n/r/a\t\n/r/a/x\t1\n/r/a/y\t2\n/r/b\t\n/r/b/z\t3\n/r/c\t')" ]
	run zk-get -R -o json /r/a
	[ "$(echo "$output" | jq -r .path | tr '\n' ' ')" = '/r/a /r/a/x /r/a/y ' ]
	run zk-get -R /nowhere
	assert_failure 1
}

@test "- reads paths from stdin and answers each as it arrives" {
	zk-set /p1 one
	zk-set /p2 two
	run zk-get - <<<"$(printf '/p1\n\n/p2\n/nope\n')"
	assert_failure 1
	assert_line --index 0 "$(printf '/p1\tone')"
	assert_line --index 1 "$(printf '/p2\ttwo')"
	mkfifo "$ZK_TMP/in"
	zk-get - <"$ZK_TMP/in" >"$ZK_TMP/out" 3>&- &
	pid=$!
	exec 5>"$ZK_TMP/in"
	echo /p1 >&5
	# The answer is flushed while stdin is still open.
	wait_for grep -q one "$ZK_TMP/out"
	echo /p2 >&5
	wait_for grep -q two "$ZK_TMP/out"
	exec 5>&-
	wait "$pid"
}

@test "a stdin stream outlives the session timeout: pings keep it" {
	zk-set /p1 one
	{ echo /p1; sleep 2.5; echo /p1; } |
	    zk-get --session-timeout 1000 - >"$ZK_TMP/out"
	[ "$(grep -c one "$ZK_TMP/out")" -eq 2 ]
}

@test "--sync reads the latest write" {
	zk-set /y 1
	run zk-get --sync /y
	assert_success
	assert_output 1
}

@test "-q prints nothing; the status answers" {
	zk-set /q v
	run zk-get -q /q
	assert_success
	assert_output ''
	run zk-get -q /nope
	assert_failure 1
	assert_output ''
}

@test "a bad path exits 2 before connecting, naming the rule" {
	run zk-get -s 127.0.0.1:1 foo
	assert_failure 2
	assert_output "zk-get: foo: path must start with '/'"
	run zk-get /a/
	assert_failure 2
	assert_output --partial 'zk-get: /a/: '
	run zk-get /a//b
	assert_failure 2
}

@test "no server exits 3; a silent server times out with 4" {
	port=$(free_port)
	run zk-get -s "127.0.0.1:$port" -T 1 /a
	assert_failure 3
	assert_output --partial 'zk-get: '
	[ "${#lines[@]}" -eq 1 ]
	kill -STOP "$(cat "$(peer_dir a)/pid")"
	run zk-get -T 0.5 /a
	assert_failure 4
	assert_output --partial 'zk-get: '
	kill -CONT "$(cat "$(peer_dir a)/pid")"
}

@test "-w waits until the node exists, then prints it; an existing node is read at once; -T bounds the wait (exit 4)" {
	start_peer a
	zk-get -w -T 20 /later >"$ZK_TMP/out" 2>&1 &
	pid=$!
	wait_for bash -c '[ "$(zk-peer status -o json | jq .watches)" -eq 1 ]'
	kill -0 "$pid"		# still waiting, on a watch
	zk-set /later hello
	wait "$pid"
	[ "$(cat "$ZK_TMP/out")" = hello ]
	run zk-get -w /later
	assert_success
	assert_output hello
	run zk-get -w -T 0.5 /never
	assert_failure 4
	assert_output --partial "/never did not appear within 500 ms"
	# Watches are the connection's: gone with it.
	wait_for bash -c '[ "$(zk-peer status -o json | jq .watches)" -eq 0 ]'
}
