#!/usr/bin/env bats
# CLI.md's "Pipelines this must serve", each run as written there (the
# environment chooses the server: ZK_SERVERS), with its outcome checked.

load helpers

setup() {
	zk_setup
	start_peer a
	cd "$ZK_TMP"
}
teardown() { zk_teardown; }

# watches_are OP N: the server's watch count compares so (for wait_for).
watches_are() { [ "$(zk-peer status -o json | jq .watches)" "$1" "$2" ]; }

# An /app tree with text, empty and binary data.
app_tree() {
	zk-set -p /app/cfg/db 'host=db1 port=5432'
	zk-set /app/cfg/cache ''
	printf '\377\000\001' | zk-set /app/blob
	zk-set -p /app/svc/a 'alpha'
}

@test "zk-ls -R /app | zk-get -o json - | jq .   # dump a subtree" {
	app_tree
	zk-ls -R /app | zk-get -o json - | jq . >dump.json
	# Every descendant once, in zk-ls's order, with its data and stat.
	[ "$(jq -r .path dump.json)" = "$(zk-ls -R /app)" ]
	[ "$(jq -r 'select(.path == "/app/cfg/db") | .data' dump.json)" = \
	    'host=db1 port=5432' ]
	[ "$(jq -r 'select(.path == "/app/blob") | .data_b64' dump.json)" = \
	    "$(printf '\377\000\001' | base64)" ]
	[ "$(jq -r 'select(.path == "/app/cfg") | .stat.numChildren' \
	    dump.json)" = 2 ]
	# jq . pretty-prints: more lines than records.
	[ "$(wc -l <dump.json)" -gt "$(zk-ls -R /app | wc -l)" ]
}

@test "zk-get -o msgpack -R /app | zk-set --from msgpack   # restore it into another server, byte for byte" {
	app_tree
	servers_a=$ZK_SERVERS
	start_peer b
	servers_b=$ZK_SERVERS
	# As written, each side on its own ensemble.
	ZK_SERVERS=$servers_a zk-get -o msgpack -R /app |
	    ZK_SERVERS=$servers_b zk-set --from msgpack
	for n in $(ZK_SERVERS=$servers_a zk-ls -R /app) /app; do
		cmp <(zk-get -s "$servers_a" "$n") <(zk-get -s "$servers_b" "$n")
	done
	[ "$(zk-ls -s "$servers_b" -R /app)" = "$(zk-ls -s "$servers_a" -R /app)" ]
	zk-get -s "$servers_b" /app/blob | cmp - <(printf '\377\000\001')
}

@test "zk-watch -r /config | while read zxid ev path; do ...; done" {
	zk-set /config ''
	( zk-watch -r /config | while read zxid ev path; do
		echo "$ev $path" >>seen
		[ "$path" = /config/stop ] && break
	done ) &
	wait_for zk-peer status -o json
	wait_for watches_are -ge 1
	zk-set /config/a 1
	zk-set /config/a 2
	zk-rm /config/a
	zk-set /config/stop x
	wait_for grep -q '/config/stop' seen
	[ "$(cat seen)" = "$(printf '%s\n' 'created /config/a' \
	    'changed /config/a' 'deleted /config/a' 'created /config/stop')" ]
	# The loop ended; zk-watch goes at its next event (SIGPIPE).
	zk-set /config/stop y
	wait_for watches_are -eq 0
}

@test "zk-lock /locks/backup -- ./backup.sh   # one runs at a time" {
	cat >backup.sh <<-'EOF'
	#!/bin/sh
	mkdir running || { echo overlap >>errors; exit 1; }
	echo "$ZK_LOCK_TOKEN" >>tokens
	sleep 0.2
	rmdir running
	EOF
	chmod +x backup.sh
	pids=
	for i in 1 2 3 4; do
		zk-lock /locks/backup -- ./backup.sh &
		pids="$pids $!"
	done
	# (not a bare wait: the peer is a job of this shell too)
	wait $pids
	[ ! -e errors ]
	[ "$(wc -l <tokens)" -eq 4 ]
	sort -n -c tokens	# acquired in token order
	# The lock leaves nothing behind but its parent.
	wait_for test -z "$(zk-ls /locks)"
}

@test "zk-elect /svc/primary --id \"\$(hostname)\" -- ./serve" {
	cat >serve <<-'EOF'
	#!/bin/sh
	echo "$$" >serving
	while [ ! -e stop ]; do sleep 0.05; done
	EOF
	chmod +x serve
	zk-elect /svc/primary --id "$(hostname)" -- ./serve &
	pid=$!
	wait_for test -s serving
	[ "$(zk-elect --leader /svc/primary)" = "$(hostname)" ]
	touch stop
	wait "$pid"
	# Its term over, nobody leads.
	run zk-elect --leader /svc/primary
	assert_failure 1
}

@test "zk-set -e /svc/instances/\$(hostname) \"\$ADDR\" -- ./serve   # registered while serving" {
	cat >serve <<-'EOF'
	#!/bin/sh
	touch serving
	while [ ! -e stop ]; do sleep 0.05; done
	EOF
	chmod +x serve
	zk-set -p /svc/instances ''
	ADDR=10.0.0.7:8080
	zk-set -e /svc/instances/$(hostname) "$ADDR" -- ./serve &
	pid=$!
	wait_for test -e serving
	[ "$(zk-get "/svc/instances/$(hostname)")" = "$ADDR" ]
	[ "$(zk-stat -o json "/svc/instances/$(hostname)" |
	    jq '.stat.ephemeralOwner != 0')" = true ]
	touch stop
	wait "$pid"
	run zk-stat "/svc/instances/$(hostname)"
	assert_failure 1
}
