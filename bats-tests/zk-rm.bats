#!/usr/bin/env bats
# zk-rm: delete, -f, -v, -R, several paths and stdin, the root, usage and
# exit statuses.

load helpers
bats_require_minimum_version 1.5.0

setup() { zk_setup; start_peer a; }
teardown() { zk_teardown; }

@test "zk-rm -h lists every flag; -V the version; bad usage exits 2" {
	run --separate-stderr zk-rm -h
	assert_success
	for f in --if-version --recursive --force --servers \
	    --session-timeout --timeout --output --quiet --help --version; do
		assert_output --partial -- "$f"
	done
	run zk-rm -V
	assert_output 'zk-rm 0.1.0'
	run zk-rm
	assert_failure 2
	run zk-rm -v x /a
	assert_failure 2
	run zk-rm --bogus /a
	assert_failure 2
}

@test "it deletes a node; a missing one exits 1 unless -f" {
	zk-set /d v
	run zk-rm /d
	assert_success
	assert_output ''
	run zk-stat -q /d
	assert_failure 1
	run --separate-stderr zk-rm /d
	assert_failure 1
	[ "$stderr" = 'zk-rm: /d: no such node' ]
	run zk-rm -f /d
	assert_success
	run zk-rm --force /d /d2
	assert_success
}

@test "a node with children needs -R, which deletes the whole subtree" {
	zk-set -p /tree/a/b/c ''
	zk-set -p /tree/x ''
	run zk-rm /tree
	assert_failure 1
	assert_output 'zk-rm: /tree: node has children'
	run zk-rm -R /tree
	assert_success
	run zk-stat -q /tree
	assert_failure 1
	run zk-rm --recursive /tree
	assert_failure 1
	run zk-rm -R -f /tree
	assert_success
}

@test "-R deletes a subtree in one multi: one transaction, one zxid, children before parents" {
	zk-set -p /t/a/b 1
	zk-set /t/a/c 2
	zk-set /t/x 3
	run zk-rm -R /t
	assert_success
	run zk-stat /t
	assert_failure 1
	multi=$(zk-log -o json dump "$(peer_dir a)/data" |
	    jq -c 'select(.type == "multi")')
	[ "$(wc -l <<<"$multi")" -eq 1 ]
	# The only delete in the log: zk-rm's session wrote nothing else.
	[ -z "$(zk-log -o json dump "$(peer_dir a)/data" |
	    jq -c 'select(.type == "delete")')" ]
	[ "$(jq -c '[.ops[] | [.type, .path]]' <<<"$multi")" = \
	    '[["delete","/t/x"],["delete","/t/a/c"],["delete","/t/a/b"],["delete","/t/a"],["delete","/t"]]' ]
}

@test "-v N deletes only at version N, checked before -R deletes children" {
	zk-set /ver a
	zk-set /ver b
	run zk-rm -v 0 /ver
	assert_failure 1
	run zk-stat -q /ver
	assert_success
	run zk-rm --if-version 1 /ver
	assert_success
	zk-set -p /vt/kid ''
	run zk-rm -R -v 5 /vt
	assert_failure 1
	run zk-stat -q /vt/kid
	assert_success
	run zk-rm -R -v 0 /vt
	assert_success
	run zk-stat -q /vt
	assert_failure 1
}

@test "several paths and - are each deleted; the worst status wins" {
	zk-set /m1 ''
	zk-set /m2 ''
	zk-set /m3 ''
	run zk-rm /m1 /missing /m2
	assert_failure 1
	run zk-stat -q /m1
	assert_failure 1
	run zk-stat -q /m2
	assert_failure 1
	run zk-rm - <<<"/m3"
	assert_success
	run zk-stat -q /m3
	assert_failure 1
}

@test "the root and bad paths exit 2" {
	run zk-rm /
	assert_failure 2
	run zk-rm -R /
	assert_failure 2
	run zk-ls /
	assert_line zookeeper
	run zk-rm -s 127.0.0.1:1 no/slash
	assert_failure 2
	assert_output "zk-rm: no/slash: path must start with '/'"
}

@test "-q hides the answer; unreachable exits 3" {
	run zk-rm -q /nope
	assert_failure 1
	assert_output ''
	port=$(free_port)
	run zk-rm -s "127.0.0.1:$port" -T 1 /x
	assert_failure 3
}
