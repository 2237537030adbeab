#!/usr/bin/env bats
# zk-watch: the event lines of a persistent and a recursive watch with
# their exact zxids, --data in every format, -n, --since (and a history
# the server no longer holds), -- CMD, the CLI.md pipeline, signals and
# -T; then the stream across a standalone restart, an expired session,
# and kill -9 of ensemble members: nothing lost, nothing repeated.
#
# A watcher started with --since the server's last zxid sees every
# later write whether its addWatch lands before or after it: no race
# with the writes that follow, so most tests start that way.

load helpers
bats_require_minimum_version 1.5.0

# The ensemble test runs in its own network namespace.
setup() {
	case $BATS_TEST_DESCRIPTION in
	ensemble:*) ens_setup ;;
	*) zk_setup ;;
	esac
}
teardown() {
	if [ -n "${ZK_NS:-}" ]; then ens_teardown; else zk_teardown; fi
}

hex() { printf '0x%x' "$1"; }

# stat_of PATH FIELD: one stat field of PATH, in decimal.
stat_of() { zk-stat -o json "$1" | jq -r ".stat.$2"; }

# ev TYPE PATH ZXID: append the line zk-watch should print.
ev() { echo "$(hex "$3") $1 $2" >>"$ZK_TMP/expect"; }

# last_zxid: the (standalone) server's last applied zxid.
last_zxid() { zk-peer status -o json | jq -r .zxid; }

# watching [N]: the server holds at least N (1) watches.
watching() { [ "$(zk-peer status -o json | jq .watches)" -ge "${1:-1}" ]; }

# watch_bg NAME ARGS...: zk-watch ARGS in the background, stdout in
# $ZK_TMP/NAME.out, stderr in NAME.err; its pid in $wpid.
watch_bg() {
	local name=$1
	shift
	zk-watch "$@" >"$ZK_TMP/$name.out" 2>"$ZK_TMP/$name.err" 3>&- &
	wpid=$!
	echo "$wpid" >>"$ZK_TMP/pids"
}

# zw ARGS...: zk-watch ARGS, given up on (status 124) after 10 s: a test
# waiting for events that never come fails instead of hanging.
zw() { timeout 10 zk-watch "$@"; }

gone() { ! alive "$1"; }

# reap PID: wait (10 s at most) until PID exits; its status in $rc.
reap() {
	wait_for gone "$1" || { echo "pid $1 still running" >&2; return 1; }
	rc=0
	wait "$1" || rc=$?
}

# has_lines FILE N: FILE has at least N lines.
has_lines() { [ "$(wc -l <"$1")" -ge "$2" ]; }

# same FILE: FILE is exactly the expected lines (a diff otherwise).
same() { diff -u "$ZK_TMP/expect" "$1"; }

# increasing FILE: the zxids in column 1 never go down.
increasing() {
	local z prev=-1 d
	while read -r z _; do
		d=$((16#${z#0x}))
		[ "$d" -ge "$prev" ] || { echo "zxid $z after $(hex "$prev")"; return 1; }
		prev=$d
	done <"$1"
}

@test "zk-watch -h prints every flag; -V the version; usage errors exit 2" {
	run --separate-stderr zk-watch -h
	assert_success
	assert_output --partial 'usage: zk-watch'
	for f in --recursive --data --count --since --servers \
	    --session-timeout --timeout --output --quiet --help --version; do
		assert_output --partial -- "$f"
	done
	[ -z "$stderr" ]
	run zk-watch -V
	assert_success
	assert_output 'zk-watch 0.1.0'
	run --separate-stderr zk-watch
	assert_failure 2
	[[ "$stderr" == 'zk-watch: missing PATH'* ]]
	run --separate-stderr zk-watch --since 0xzz /a
	assert_failure 2
	[[ "$stderr" == "zk-watch: --since: '0xzz' is not a zxid (0x hex or decimal)"* ]]
	run --separate-stderr zk-watch --since -1 /a
	assert_failure 2
	run --separate-stderr zk-watch -n 0 /a
	assert_failure 2
	[[ "$stderr" == "zk-watch: -n: '0' is not a number from 1 to "* ]]
	run --separate-stderr zk-watch /a/
	assert_failure 2
	[[ "$stderr" == 'zk-watch: /a/: '* ]]
	run --separate-stderr zk-watch /a /b
	assert_failure 2
	run --separate-stderr zk-watch -o yaml /a
	assert_failure 2
}

@test "default watch: created, changed, deleted of PATH and children of PATH, each with its zxid; nothing else" {
	start_peer a
	watch_bg w --since "$(last_zxid)" -n 6 /w
	zk-set -c /w one
	ev created /w "$(stat_of /w czxid)"
	zk-set /w two
	ev changed /w "$(stat_of /w mzxid)"
	zk-set -c /w/c x
	ev children /w "$(stat_of /w/c czxid)"
	zk-set /w/c y			# a child's data: not this watch's
	zk-set -c /wx z			# a name that starts alike: not either
	zk-set -c /w/c/deep z		# a grandchild: not either
	zk-rm /w/c/deep
	zk-rm /w/c
	ev children /w "$(stat_of /w pzxid)"
	zk-rm /w
	ev deleted /w "$(stat_of / pzxid)"
	zk-set -c /w again
	ev created /w "$(stat_of /w czxid)"
	reap "$wpid"
	[ "$rc" -eq 0 ]
	same "$ZK_TMP/w.out"
	[ ! -s "$ZK_TMP/w.err" ]
}

@test "a create that makes its missing parents (zk-lock's container) announces each of them, top down, under its zxid" {
	start_peer a
	watch_bg p --since "$(last_zxid)" -n 3 -r /deep
	watch_bg q --since "$(last_zxid)" -n 1 /
	qpid=$wpid
	# The lock's container is created with its missing parents in one
	# request (share/doc/recipes.md).
	zk-lock /deep/er/lock -- true
	z=$(stat_of /deep czxid)
	ev created /deep "$z"
	ev created /deep/er "$z"
	ev created /deep/er/lock "$z"
	reap "$wpid"
	[ "$rc" -eq 0 ]
	same "$ZK_TMP/p.out"
	# The root's children changed with /deep: a watch on / hears it.
	reap "$qpid"
	[ "$rc" -eq 0 ]
	[ "$(cat "$ZK_TMP/q.out")" = "$(hex "$z") children /" ]
}

@test "-r: created, changed, deleted of PATH and every descendant (an ephemeral's end too), no children events" {
	start_peer a
	watch_bg r --since "$(last_zxid)" -n 9 -r /r
	zk-set -c /r a
	ev created /r "$(stat_of /r czxid)"
	zk-set -c /r/a b
	ev created /r/a "$(stat_of /r/a czxid)"
	zk-set -c /r/a/b c
	ev created /r/a/b "$(stat_of /r/a/b czxid)"
	zk-set /r/a/b d
	ev changed /r/a/b "$(stat_of /r/a/b mzxid)"
	zk-set -c /rx e			# beside /r, not under it
	# An ephemeral that lives while its CMD prints its stat.
	cz=$(zk-set -e /r/eph x -- zk-stat -o json /r/eph | jq .stat.czxid)
	ev created /r/eph "$cz"
	ev deleted /r/eph "$(stat_of /r pzxid)"
	zk-rm /r/a/b
	ev deleted /r/a/b "$(stat_of /r/a pzxid)"
	zk-rm /r/a
	ev deleted /r/a "$(stat_of /r pzxid)"
	zk-rm /r
	ev deleted /r "$(stat_of / pzxid)"
	reap "$wpid"
	[ "$rc" -eq 0 ]
	same "$ZK_TMP/r.out"
	increasing "$ZK_TMP/r.out"
}

@test "without --since the stream starts when the watch is set: earlier changes are not printed" {
	start_peer a
	zk-set -c /live old
	watch_bg l -n 2 /live
	wait_for watching
	zk-set /live new
	ev changed /live "$(stat_of /live mzxid)"
	zk-rm /live
	ev deleted /live "$(stat_of / pzxid)"
	reap "$wpid"
	[ "$rc" -eq 0 ]
	same "$ZK_TMP/l.out"
}

@test "--data: text escapes the data as zk-get does for several paths; deleted carries none" {
	start_peer a
	watch_bg d --since "$(last_zxid)" -n 4 --data -r /d
	zk-set -c /d 'a	b c'
	echo "$(hex "$(stat_of /d czxid)") created /d a\\tb c" >>"$ZK_TMP/expect"
	printf 'l1\nl2\\\001\377' | zk-set /d
	echo "$(hex "$(stat_of /d mzxid)") changed /d l1\\nl2\\\\\\x01\\xff" >>"$ZK_TMP/expect"
	zk-set /d ''
	echo "$(hex "$(stat_of /d mzxid)") changed /d " >>"$ZK_TMP/expect"
	zk-rm /d
	ev deleted /d "$(stat_of / pzxid)"
	reap "$wpid"
	[ "$rc" -eq 0 ]
	same "$ZK_TMP/d.out"
}

@test "-o json: one object per event, zxid a number; data, or data_b64 when not UTF-8, only with --data" {
	start_peer a
	z0=$(last_zxid)
	zk-set -c /j text
	c=$(stat_of /j czxid)
	printf '\377\000' | zk-set /j
	m=$(stat_of /j mzxid)
	zk-rm /j
	d=$(stat_of / pzxid)
	run --separate-stderr zw --since "$z0" -n 3 --data -o json /j
	assert_success
	[ "${lines[0]}" = "{\"zxid\":$c,\"type\":\"created\",\"path\":\"/j\",\"data\":\"text\"}" ]
	[ "${lines[1]}" = "{\"zxid\":$m,\"type\":\"changed\",\"path\":\"/j\",\"data_b64\":\"/wA=\"}" ]
	[ "${lines[2]}" = "{\"zxid\":$d,\"type\":\"deleted\",\"path\":\"/j\"}" ]
	[ "${#lines[@]}" -eq 3 ]
	run zw --since "$z0" -n 3 -o json /j
	assert_success
	[ "$(echo "$output" | jq -c 'keys_unsorted' | sort -u)" = '["zxid","type","path"]' ]
	[ "$(echo "$output" | jq -r .type | tr '\n' ' ')" = 'created changed deleted ' ]
}

@test "-o msgpack: one map per event with zxid, type, path and data as bin" {
	start_peer a
	z0=$(last_zxid)
	zk-set -c /m ab
	zk-rm /m
	zw --since "$z0" -n 2 --data -o msgpack /m >"$ZK_TMP/mp"
	c=$(printf '%016x' "$(zw --since "$z0" -n 1 -o json /m | jq .zxid)")
	d=$(printf '%016x' "$(stat_of / pzxid)")
	# fixmap 4: "zxid" uint64, "type" "created", "path" "/m", "data" bin8 "ab";
	# fixmap 3: "zxid" uint64, "type" "deleted", "path" "/m"
	[ "$(od -An -v -tx1 "$ZK_TMP/mp" | tr -d ' \n')" = \
	    "84a47a786964cf${c}a474797065a763726561746564a470617468a22f6da464617461c4026162\
83a47a786964cf${d}a474797065a764656c65746564a470617468a22f6d" ]
}

@test "-n COUNT stops after COUNT events with status 0, however many more there are" {
	start_peer a
	z0=$(last_zxid)
	for i in 1 2 3 4 5; do zk-set -p "/n/k$i" "$i"; done
	run zw --since "$z0" -n 3 -r /n
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	run zw -q --since "$z0" -n 3 -r /n
	assert_success
	assert_output ''
}

@test "--since replays what changed after ZXID, hex or decimal; from a printed zxid it resumes with nothing repeated" {
	start_peer a
	z0=$(last_zxid)
	zk-set -c /s 1
	ev created /s "$(stat_of /s czxid)"
	zk-set /s 2
	ev changed /s "$(stat_of /s mzxid)"
	zk-set /s 3
	ev changed /s "$(stat_of /s mzxid)"
	run zw --since "$(hex "$z0")" -n 3 /s
	assert_success
	[ "$output" = "$(cat "$ZK_TMP/expect")" ]
	run zw --since "$z0" -n 3 /s
	assert_success
	[ "$output" = "$(cat "$ZK_TMP/expect")" ]
	second=$(sed -n 2p "$ZK_TMP/expect" | cut -d' ' -f1)
	run zw --since "$second" -n 1 /s
	assert_success
	assert_output "$(sed -n 3p "$ZK_TMP/expect")"
	# Replayed, then live, in one stream.
	watch_bg s2 --since "$second" -n 2 /s
	zk-set /s 4
	reap "$wpid"
	[ "$rc" -eq 0 ]
	[ "$(cat "$ZK_TMP/s2.out")" = "$(sed -n 3p "$ZK_TMP/expect")
$(hex "$(stat_of /s mzxid)") changed /s" ]
}

@test "--since a zxid older than the server's event window exits 1 naming the zxid" {
	start_peer a eventWindowTxns=5
	for i in 1 2 3 4 5 6 7 8; do zk-set "/h$i" x; done
	run --separate-stderr zw --since 0 -r /
	assert_failure 1
	[ -z "$output" ]
	[ "$stderr" = 'zk-watch: /: the server no longer holds the events since zxid 0x0' ]
	z=$(stat_of /h6 czxid)
	run --separate-stderr zw --since "$z" -n 2 -r /
	assert_success
	[ "$(echo "$output" | cut -d' ' -f2- | tr '\n' ' ')" = 'created /h7 created /h8 ' ]
}

@test "-- CMD runs once per event, one at a time in order, with ZK_EVENT, ZK_PATH, ZK_ZXID; the session outlives a long CMD" {
	start_peer a
	cat >"$ZK_TMP/cmd.sh" <<-'EOF'
	echo "start $ZK_EVENT $ZK_PATH $ZK_ZXID" >>"$ZK_TMP/cmd.log"
	# The first run outlasts the session timeout (1 s) twice over.
	[ "$ZK_EVENT" = created ] && sleep 2
	echo end >>"$ZK_TMP/cmd.log"
	EOF
	watch_bg c --session-timeout 1000 --since "$(last_zxid)" -n 3 /c \
	    -- sh "$ZK_TMP/cmd.sh"
	zk-set -c /c 1
	c=$(hex "$(stat_of /c czxid)")
	zk-set /c 2
	m2=$(hex "$(stat_of /c mzxid)")
	zk-set /c 3
	m3=$(hex "$(stat_of /c mzxid)")
	reap "$wpid"
	[ "$rc" -eq 0 ]
	[ "$(cat "$ZK_TMP/cmd.log")" = "start created /c $c
end
start changed /c $m2
end
start changed /c $m3
end" ]
	[ ! -s "$ZK_TMP/c.out" ]
	[ ! -s "$ZK_TMP/c.err" ]
	run grep -c 'session .* expired' "$(peer_dir a)/log"
	assert_output 0
}

@test "-- CMD that cannot be run exits 127 (not found) with one error line" {
	start_peer a
	z0=$(last_zxid)
	zk-set -c /nf x
	run -127 --separate-stderr zw --since "$z0" /nf -- "$ZK_TMP/no-such-cmd"
	assert_failure 127
	[ "$stderr" = "zk-watch: $ZK_TMP/no-such-cmd: No such file or directory" ]
}

@test "CLI.md's pipeline: zk-watch -r /config | while read zxid ev path; a reader that goes away ends zk-watch quietly at the next event" {
	start_peer a
	z0=$(last_zxid)
	(
		{
			zk-watch --since "$z0" -r /config 2>"$ZK_TMP/pipe.err" &
			echo "$!" >>"$ZK_TMP/pids"
			rc=0
			wait "$!" || rc=$?
			echo "$rc" >"$ZK_TMP/pipe.rc"
		} | while read -r zxid ev path; do
			echo "$ev $path $zxid" >>"$ZK_TMP/seen"
			[ "$path" = /config/stop ] && break
		done
	) 3>&- &
	zk-set -p /config/db/url pg://x
	u=$(hex "$(stat_of /config/db/url czxid)")
	c=$(hex "$(stat_of /config czxid)")
	d=$(hex "$(stat_of /config/db czxid)")
	zk-set /config/db/url pg://y
	m=$(hex "$(stat_of /config/db/url mzxid)")
	zk-set /config/stop now
	s=$(hex "$(stat_of /config/stop czxid)")
	wait_for grep -q stop "$ZK_TMP/seen"
	[ "$(cat "$ZK_TMP/seen")" = "created /config $c
created /config/db $d
created /config/db/url $u
changed /config/db/url $m
created /config/stop $s" ]
	# Nobody reads now: the next event's line ends it by SIGPIPE.
	poke() { zk-set /config/poke x; [ -s "$ZK_TMP/pipe.rc" ]; }
	wait_for poke
	[ "$(cat "$ZK_TMP/pipe.rc")" -eq 141 ]
	[ ! -s "$ZK_TMP/pipe.err" ]
}

@test "SIGINT and SIGTERM end it by that signal (130, 143), closing the session at once" {
	start_peer a
	for sig in INT TERM; do
		watch_bg sig -r /sig
		wait_for watching
		[ "$(zk-peer status -o json | jq .sessions)" -eq 1 ]
		kill "-$sig" "$wpid"
		reap "$wpid"
		[ "$rc" -eq "$((128 + $(kill -l "$sig")))" ]
		[ ! -s "$ZK_TMP/sig.err" ]
		# closeSession, not a wait for the 10 s session timeout.
		WAIT_SECS=3 wait_for bash -c \
		    '[ "$(zk-peer status -o json | jq .sessions)" -eq 0 ]'
	done
}

@test "-T bounds the first connection: nothing listening exits 3, a server that never answers exits 4" {
	port=$(free_port)
	run --separate-stderr zk-watch -s "127.0.0.1:$port" -T 0.5 /a
	assert_failure 3
	[ "$stderr" = "zk-watch: 127.0.0.1:$port: could not reach a serving ensemble" ]
	start_peer a
	kill -STOP "$(cat "$(peer_dir a)/pid")"
	run --separate-stderr zk-watch -T 1 /a
	kill -CONT "$(cat "$(peer_dir a)/pid")"
	assert_failure 4
	[ "$stderr" = "zk-watch: $ZK_SERVERS: no session within 1000 ms" ]
}

@test "without -T it waits for a server however long (past the 10 s other tools give up after), then streams" {
	port=$(free_port)
	mkdir -p "$ZK_TMP/late"
	echo "$port" >"$ZK_TMP/late/port"	# start_peer will use this port
	watch_bg late -s "127.0.0.1:$port" -n 1 /late
	sleep 11
	alive "$wpid"
	start_peer late
	WAIT_SECS=5 wait_for watching
	zk-set /late x
	ev created /late "$(stat_of /late czxid)"
	reap "$wpid"
	[ "$rc" -eq 0 ]
	same "$ZK_TMP/late.out"
}

@test "the stream carries on across kill -9 and restart of a standalone server: nothing lost or repeated" {
	start_peer a
	watch_bg rs -r /rs
	wait_for watching
	zk-set -c /rs 1
	ev created /rs "$(stat_of /rs czxid)"
	zk-set /rs 2
	ev changed /rs "$(stat_of /rs mzxid)"
	wait_for has_lines "$ZK_TMP/rs.out" 2
	# Events sent to a stopped watcher are in flight when the server dies.
	kill -STOP "$wpid"
	zk-set -c /rs/a 3
	ev created /rs/a "$(stat_of /rs/a czxid)"
	zk-set /rs 4
	ev changed /rs "$(stat_of /rs mzxid)"
	stop_peer a KILL
	start_peer a
	kill -CONT "$wpid"
	zk-set /rs/a 5
	ev changed /rs/a "$(stat_of /rs/a mzxid)"
	zk-rm /rs/a
	ev deleted /rs/a "$(stat_of /rs pzxid)"
	wait_for has_lines "$ZK_TMP/rs.out" 6
	alive "$wpid"
	zk-set /rs 6			# one more: nothing else came in between
	ev changed /rs "$(stat_of /rs mzxid)"
	wait_for has_lines "$ZK_TMP/rs.out" 7
	same "$ZK_TMP/rs.out"
	increasing "$ZK_TMP/rs.out"
	[ ! -s "$ZK_TMP/rs.err" ]
}

@test "-T does not bound a later outage: a server down for longer comes back and the stream goes on" {
	start_peer a
	watch_bg to -T 1 -r /to
	wait_for watching
	zk-set -c /to 1
	ev created /to "$(stat_of /to czxid)"
	wait_for has_lines "$ZK_TMP/to.out" 1
	stop_peer a KILL
	sleep 2				# twice -T
	start_peer a
	zk-set /to 2
	ev changed /to "$(stat_of /to mzxid)"
	wait_for has_lines "$ZK_TMP/to.out" 2
	alive "$wpid"
	same "$ZK_TMP/to.out"
}

@test "an expired session is replaced and the watch resumes from the last event: nothing lost or repeated" {
	start_peer a
	watch_bg ex --session-timeout 1000 -r /ex
	wait_for watching
	zk-set -c /ex 1
	ev created /ex "$(stat_of /ex czxid)"
	wait_for has_lines "$ZK_TMP/ex.out" 1
	kill -STOP "$wpid"
	zk-set /ex 2
	ev changed /ex "$(stat_of /ex mzxid)"
	wait_for grep -q 'session .* expired' "$(peer_dir a)/log"
	zk-set /ex 3
	ev changed /ex "$(stat_of /ex mzxid)"
	kill -CONT "$wpid"
	zk-set /ex 4
	ev changed /ex "$(stat_of /ex mzxid)"
	wait_for has_lines "$ZK_TMP/ex.out" 4
	alive "$wpid"
	same "$ZK_TMP/ex.out"
	[ ! -s "$ZK_TMP/ex.err" ]
}

@test "a session that expired while the server's window moved past the last event exits 1 naming its zxid" {
	start_peer a eventWindowTxns=5
	watch_bg eh --session-timeout 1000 -r /eh
	wait_for watching
	zk-set -c /eh 0
	z=$(hex "$(stat_of /eh czxid)")
	wait_for has_lines "$ZK_TMP/eh.out" 1
	kill -STOP "$wpid"
	for i in 1 2 3 4 5 6 7 8; do zk-set "/eh" "$i"; done
	wait_for grep -q 'session .* expired' "$(peer_dir a)/log"
	kill -CONT "$wpid"
	reap "$wpid"
	[ "$rc" -eq 1 ]
	[ "$(cat "$ZK_TMP/eh.err")" = "zk-watch: /eh: the server no longer holds the events since zxid $z" ]
	# What it printed before is all it printed: no event past the gap.
	[ "$(cat "$ZK_TMP/eh.out")" = "$z created /eh" ]
}

# --- An ensemble (private network namespace, ens_* helpers) ----------

# watch_member PID: the member (1..) the zk-watch PID is connected to.
watch_member() {
	local a
	a=$(nsx ss -Htnp state established |
	    awk -v p="pid=$1," 'index($0, p) { print $4 }' |
	    grep ':2181$' | head -n 1)
	[ -n "$a" ] && sid_of "$a"
}

# all_seen: every acknowledged write's create is in the stream.
all_seen() {
	local p
	while read -r p _; do
		grep -q " created $p\$" "$ZK_TMP/ens.out" || return 1
	done <"$ZK_TMP/acked.a"
}

@test "ensemble: a recursive stream across kill -9 of the leader and of its own member is gapless: every acknowledged write once, in order" {
	ens_up
	ip netns exec "$ZK_NS" zk-watch -r /a >"$ZK_TMP/ens.out" \
	    2>"$ZK_TMP/ens.err" 3>&- &
	wpid=$!
	echo "$wpid" >>"$ZK_TMP/pids"
	wait_for watch_member "$wpid"
	ens_writers_start a
	WAIT_SECS=20 wait_for ens_acked_at_least 20
	l=$(ens_leader)
	w=$(watch_member "$wpid")
	ens_kill "$l" KILL
	echo "# leader $l killed (zk-watch was on member $w)" >&3
	n=$(ens_acked_count)
	WAIT_SECS=30 wait_for ens_acked_at_least $((n + 20))
	ens_start "$l"
	WAIT_SECS=30 wait_for ens_converged
	WAIT_SECS=20 wait_for watch_member "$wpid"
	m=$(watch_member "$wpid")
	ens_kill "$m" KILL
	echo "# zk-watch's member $m killed" >&3
	n=$(ens_acked_count)
	WAIT_SECS=30 wait_for ens_acked_at_least $((n + 20))
	ens_writers_stop
	WAIT_SECS=30 wait_for all_seen
	alive "$wpid"
	# Exactly once: no line twice, no create twice (a write whose zk-set
	# failed may show too, once, since it may have been applied).
	[ -z "$(sort "$ZK_TMP/ens.out" | uniq -d)" ]
	[ -z "$(awk '$2 == "created" { print $3 }' "$ZK_TMP/ens.out" | sort | uniq -d)" ]
	increasing "$ZK_TMP/ens.out"
	# In order: the writer's kI were acknowledged in order, so appear so.
	awk '$2 == "created" && $3 ~ /^\/a\/k/ { sub(/^\/a\/k/, "", $3); print $3 }' \
	    "$ZK_TMP/ens.out" >"$ZK_TMP/order"
	sort -n -c "$ZK_TMP/order"
	[ ! -s "$ZK_TMP/ens.err" ]
	echo "# $(ens_acked_count) acknowledged writes, $(wc -l <"$ZK_TMP/ens.out") events, none lost or repeated" >&3
}
