#!/usr/bin/env bats
# zk-set: upsert from DATA or stdin, -c -u -v -p -S, -e with and without
# CMD, --from restores, the data limit, usage and exit statuses.

load helpers
bats_require_minimum_version 1.5.0

setup() { zk_setup; start_peer a; }
teardown() { zk_teardown; }

version_of() { zk-stat "$1" | awk '$1 == "version" { print $2 }'; }

@test "zk-set -h lists every flag; -V the version; bad usage exits 2" {
	run --separate-stderr zk-set -h
	assert_success
	for f in --create --update --if-version --parents --sequential \
	    --ephemeral --from --servers --session-timeout --timeout \
	    --output --quiet --help --version; do
		assert_output --partial -- "$f"
	done
	run zk-set -V
	assert_output 'zk-set 0.1.0'
	run zk-set
	assert_failure 2
	run zk-set -c -u /x d
	assert_failure 2
	assert_output --partial 'zk-set: -c and -u exclude each other'
	run zk-set /x a b
	assert_failure 2
	run zk-set /x d -- true
	assert_failure 2
	assert_output --partial 'needs -e'
	run zk-set -v -1 /x d
	assert_failure 2
	run zk-set -v 1 -c /x d
	assert_failure 2
	run zk-set --from yaml
	assert_failure 2
	run zk-set --from json /x
	assert_failure 2
	run zk-stat -q /x
	assert_failure 1
}

@test "it creates a missing node and sets an existing one (upsert)" {
	run zk-set /u one
	assert_success
	assert_output ''
	[ "$(zk-get /u)" = one ]
	zk-set /u two
	[ "$(zk-get /u)" = two ]
	[ "$(version_of /u)" = 1 ]
}

@test "data comes from stdin, binary safe, when DATA is not given" {
	printf '\000\001\377end\n\n' >"$ZK_TMP/d"
	zk-set /b <"$ZK_TMP/d"
	zk-get /b | cmp - "$ZK_TMP/d"
	zk-set /empty </dev/null
	[ "$(zk-stat /empty | awk '$1 == "dataLength" { print $2 }')" = 0 ]
}

@test "-c creates only, -u updates only: the other case exits 1" {
	zk-set /c first
	run --separate-stderr zk-set -c /c again
	assert_failure 1
	[ "$stderr" = 'zk-set: /c: node exists' ]
	[ "$(zk-get /c)" = first ]
	run zk-set --create /c2 x
	assert_success
	run --separate-stderr zk-set -u /missing x
	assert_failure 1
	[ "$stderr" = 'zk-set: /missing: no such node' ]
	run zk-stat -q /missing
	assert_failure 1
	run zk-set --update /c y
	assert_success
	[ "$(zk-get /c)" = y ]
}

@test "-v N sets only at version N" {
	zk-set /v a
	zk-set /v b
	run zk-set -v 0 /v c
	assert_failure 1
	assert_output --partial 'zk-set: /v: '
	[ "$(zk-get /v)" = b ]
	run zk-set --if-version 1 /v c
	assert_success
	[ "$(zk-get /v)" = c ]
	run zk-set -v 0 /nope c
	assert_failure 1
}

@test "-p creates missing parents; without it a missing parent exits 1" {
	run zk-set /p/q/r deep
	assert_failure 1
	run zk-set -p /p/q/r deep
	assert_success
	[ "$(zk-get /p/q/r)" = deep ]
	[ "$(zk-ls /p)" = q ]
	run zk-set --parents /p/q/s x
	assert_success
}

@test "-S creates a sequential node and prints its path" {
	zk-set /q ''
	run zk-set -S /q/job- one
	assert_success
	assert_output --regexp '^/q/job-[0-9]{10}$'
	first=$output
	[ "$(zk-get "$first")" = one ]
	run zk-set --sequential -o json /q/job- two
	assert_success
	p=$(echo "$output" | jq -r .path)
	[[ "$p" > "$first" ]]
	run zk-set -S -q /q/job- three
	assert_success
	assert_output ''
	[ "$(zk-ls /q | wc -l)" -eq 3 ]
}

@test "-e with CMD: the node lives while CMD runs; the exit is CMD's" {
	run zk-set -e /svc d -- sh -c 'zk-stat /svc | grep -q "^ephemeralOwner 0x[1-9a-f]" && exit 7'
	assert_failure 7
	run zk-stat -q /svc
	assert_failure 1
	run zk-set --ephemeral /svc d -- true
	assert_success
	run zk-set -e /svc d -- sh -c 'kill -TERM $$'
	assert_failure 143
	run -127 zk-set -e /svc d -- /no/such/command
	assert_output --partial '/no/such/command'
	run zk-stat -q /svc
	assert_failure 1
}

@test "-e with CMD: without DATA the node is empty and stdin is CMD's" {
	run zk-set -e /svc -- sh -c 'read l; [ "$l" = hi ] && [ -z "$(zk-get /svc)" ]' <<<hi
	assert_success
}

@test "-e without CMD holds until stdin closes, then the node goes" {
	mkfifo "$ZK_TMP/in"
	zk-set -e -S /e- v <"$ZK_TMP/in" >"$ZK_TMP/out" 3>&- &
	pid=$!
	exec 5>"$ZK_TMP/in"
	wait_for grep -q '^/e-' "$ZK_TMP/out"
	p=$(cat "$ZK_TMP/out")
	run zk-stat -q "$p"
	assert_success
	exec 5>&-
	wait "$pid"
	run zk-stat -q "$p"
	assert_failure 1
}

@test "-e without CMD ends cleanly on SIGTERM and SIGINT" {
	for sig in TERM INT; do
		mkfifo "$ZK_TMP/in$sig"
		zk-set -e /e$sig v <"$ZK_TMP/in$sig" 3>&- &
		pid=$!
		exec 5>"$ZK_TMP/in$sig"
		wait_for zk-stat -q /e$sig
		kill -$sig "$pid"
		rc=0
		wait "$pid" || rc=$?
		exec 5>&-
		[ "$rc" -eq 0 ]
		run zk-stat -q /e$sig
		assert_failure 1
	done
}

@test "-e: a session lost while CMD runs sends CMD SIGTERM and exits 3" {
	zk-set --session-timeout 1000 -e /lost v -- \
	    sh -c "trap 'echo term >$ZK_TMP/term; exit 0' TERM; echo up >$ZK_TMP/up; while :; do sleep 0.1; done" \
	    2>"$ZK_TMP/err" 3>&- &
	pid=$!
	wait_for test -f "$ZK_TMP/up"
	kill -KILL "$(cat "$(peer_dir a)/pid")"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 3 ]
	grep -q term "$ZK_TMP/term"
	grep -q '^zk-set: /lost: ' "$ZK_TMP/err"
}

@test "data over 1 MiB exits 2 before sending; exactly 1 MiB is fine" {
	head -c 1048577 /dev/zero >"$ZK_TMP/big"
	run zk-set /big <"$ZK_TMP/big"
	assert_failure 2
	assert_output 'zk-set: /big: data is 1048577 bytes, over the limit of 1048576'
	run zk-stat -q /big
	assert_failure 1
	head -c 1048576 /dev/urandom >"$ZK_TMP/big"
	zk-set /big <"$ZK_TMP/big"
	zk-get /big | cmp - "$ZK_TMP/big"
}

@test "a bad path exits 2 with the rule; -- before PATH ends the flags" {
	run zk-set -s 127.0.0.1:1 rel data
	assert_failure 2
	assert_output "zk-set: rel: path must start with '/'"
	run zk-set -- /dash -1
	assert_success
	[ "$(zk-get /dash)" = -1 ]
}

@test "--from msgpack restores a dump into another ensemble" {
	zk-set -p /app/cfg/a 'alpha'
	printf '\377\000' | zk-set /app/bin
	zk-set /app/cfg ''
	zk-get -o msgpack -R /app >"$ZK_TMP/dump"
	servers_a=$ZK_SERVERS
	start_peer b
	zk-set --from msgpack <"$ZK_TMP/dump"
	[ "$(zk-get -R /app)" = "$(zk-get -s "$servers_a" -R /app)" ]
	zk-get /app/bin | cmp - <(printf '\377\000')
	# The pipeline of CLI.md, over an existing tree: upserts.
	zk-get -s "$servers_a" -o msgpack -R /app | zk-set --from msgpack
	[ "$(zk-get /app/cfg/a)" = alpha ]
	# A dump of the whole tree restores too (/zookeeper is skipped).
	zk-set -s "$servers_a" /top t
	zk-get -s "$servers_a" -o msgpack -R / | zk-set --from msgpack
	[ "$(zk-get /top)" = t ]
}

@test "--from json restores records, with -p creating parents" {
	printf '%s\n' '{"path":"/j/x/y","data":"why"}' \
	    '{"path":"/j/b","data_b64":"/wA=","stat":{"version":9}}' >"$ZK_TMP/in"
	run zk-set --from json <"$ZK_TMP/in"
	assert_failure 1
	run zk-set -p --from json <"$ZK_TMP/in"
	assert_success
	[ "$(zk-get /j/x/y)" = why ]
	zk-get /j/b | cmp - <(printf '\377\000')
	zk-get -o json -R /j | zk-set -c --from json 2>"$ZK_TMP/err" || rc=$?
	[ "${rc:-0}" -eq 1 ]
	grep -q 'zk-set: /j: node exists' "$ZK_TMP/err"
}

@test "--from: a bad record exits 2 naming it" {
	printf '%s\n' '{"path":"/ok","data":"1"}' '{"path":"/nodata"}' |
	    { run zk-set --from json; assert_failure 2; \
	      assert_output 'zk-set: record 2: no "data" or "data_b64"'; }
	[ "$(zk-get /ok)" = 1 ]
	printf 'not json\n' | { run zk-set --from json; assert_failure 2; }
	printf '\x81\xa4path' | { run zk-set --from msgpack; assert_failure 2; }
}

@test "-q silences the answer; unreachable exits 3" {
	zk-set /qq a
	run zk-set -q -c /qq b
	assert_failure 1
	assert_output ''
	port=$(free_port)
	run zk-set -s "127.0.0.1:$port" -T 1 /x y
	assert_failure 3
}

@test "-e with CMD: CMD inherits no socket of the session" {
	run zk-set -e /fds x -- sh -c 'ls -l /proc/$$/fd/'
	assert_success
	refute_output --partial 'socket:'
}
