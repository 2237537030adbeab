#!/usr/bin/env bats
# zk-log: dump (text, json, one file), verify (sound and corrupted), stat
# (text, json), snapshot, usage and exit statuses, all over data
# directories written by a real zk-peer.

load helpers
bats_require_minimum_version 1.5.0

setup() { zk_setup; }
teardown() { zk_teardown; }

# two_epochs: a data directory ($D) with one log per run of the peer:
# six client sessions, known creates, setDatas and a delete. The peer is
# killed, not stopped, so no shutdown snapshot joins snapshot.0.
two_epochs() {
	start_peer a
	zk-set /a hello
	zk-set /a 'world two'
	zk-set /t $'tab\there\nnl'
	printf '\xff\xfe' | zk-set /bin
	stop_peer a KILL
	start_peer a
	zk-set /b bye
	zk-rm /a
	stop_peer a KILL
	D=$(peer_dir a)/data
	L1=$D/log.0000000100000001
	L2=$D/log.0000000200000001
	[ -f "$L1" ]
	[ -f "$L2" ]
}

# rec_offset FILE K: the offset of record K (from 0) of a log file.
rec_offset() {
	local off=24 i len
	for ((i = 0; i < $2; i++)); do
		len=$(od -An -tu4 --endian=big -j "$off" -N4 "$1" | tr -d ' ')
		off=$((off + 8 + len))
	done
	echo "$off"
}

# flip FILE OFFSET: invert every bit of one byte in place.
flip() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf '%03o' $((b ^ 255)))" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# newest_snap DIR: the name of the newest snapshot file.
newest_snap() {
	ls "$1" | grep -E '^snapshot\.[0-9a-f]{16}$' | sort | tail -n 1
}

# covered ZXID: the newest snapshot is at ZXID or later; if not, one more
# write to bring the next snapshot nearer.
covered() {
	local s
	s=$(newest_snap "$(peer_dir a)/data")
	[ $((0x${s#snapshot.})) -ge "$1" ] && return 0
	zk-set -p "/f/j$RANDOM$RANDOM" x
	return 1
}

@test "dump text: every create, setData and delete with path, fields and escaped data; zxids follow one another" {
	two_epochs
	run --separate-stderr zk-log dump "$D"
	assert_success
	[ -z "$stderr" ]
	for l in "${lines[@]}"; do
		[[ "$l" =~ ^0x[0-9a-f]+\ [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z\ 0x[0-9a-f]+\ (create|delete|setData|createSession|closeSession)\ [^\ ]+ ]] ||
		    { echo "bad line: $l"; false; }
	done
	body=$(echo "$output" | cut -d' ' -f4-)
	line_of() { grep -Fxn -- "$1" <<<"$body" | head -n 1 | cut -d: -f1; }
	ca=$(line_of 'create /a flags=persistent data=hello')
	sa=$(line_of 'setData /a version=-1 data=world two')
	da=$(line_of 'delete /a version=-1')
	[ -n "$ca" ]
	[ -n "$sa" ]
	[ -n "$da" ]
	[ "$ca" -lt "$sa" ]
	[ "$sa" -lt "$da" ]
	[ -n "$(line_of 'create /t flags=persistent data=tab\there\nnl')" ]
	[ -n "$(line_of 'create /bin flags=persistent data=\xff\xfe')" ]
	[ -n "$(line_of 'create /b flags=persistent data=bye')" ]
	# One session per client run: six opened, six closed.
	[ "$(grep -c '^createSession - timeout=[0-9][0-9]*$' <<<"$body")" -eq 6 ]
	[ "$(grep -cx 'closeSession -' <<<"$body")" -eq 6 ]
	# Within an epoch each zxid is the last + 1; a new epoch starts at 1.
	prev=
	for z in $(echo "$output" | cut -d' ' -f1); do
		z=$((z))
		if [ -n "$prev" ]; then
			if [ $((z >> 32)) -eq $((prev >> 32)) ]; then
				[ "$z" -eq $((prev + 1)) ]
			else
				[ $((z >> 32)) -gt $((prev >> 32)) ]
				[ $((z & 0xffffffff)) -eq 1 ]
			fi
		fi
		prev=$z
	done
	[ "$(echo "$output" | head -n 1 | cut -d' ' -f1)" = 0x100000001 ]
	[ "$(echo "$output" | tail -n 1 | cut -d' ' -f1)" = \
	    "$(printf '0x%x' $(((2 << 32) + $(grep -c '^0x2' <<<"$output"))))" ]
}

@test "dump -o json: one object per txn, numbers for zxid, time and session, data_b64 for binary data, the same txns as text" {
	two_epochs
	run --separate-stderr zk-log -o json dump "$D"
	assert_success
	[ -z "$stderr" ]
	json=$output
	[ "$(jq -sc 'map(.type) | unique' <<<"$json")" = \
	    '["closeSession","create","createSession","delete","setData"]' ]
	[ "$(jq -r '[.zxid, .time, .session] | map(type) | join(",")' \
	    <<<"$json" | sort -u)" = number,number,number ]
	[ "$(jq -c 'select(.type == "create" and .path == "/a") |
	    [.data, .flags]' <<<"$json")" = '["hello",0]' ]
	[ "$(jq -c 'select(.type == "setData" and .data == "world two") |
	    [.path, .version]' <<<"$json")" = '["/a",-1]' ]
	[ "$(jq -c 'select(.type == "delete") | [.path, .version,
	    has("data")]' <<<"$json")" = '["/a",-1,false]' ]
	[ "$(jq -c 'select(.type == "create" and .path == "/t") | .data' \
	    <<<"$json")" = '"tab\there\nnl"' ]
	[ "$(jq -c 'select(.type == "create" and .path == "/bin") |
	    [.data_b64, has("data")]' <<<"$json")" = '["//4=",false]' ]
	[ "$(jq -r 'select(.type == "create" and .path == "/bin") | .data_b64' \
	    <<<"$json" | base64 -d | od -An -tx1 | tr -d ' ')" = fffe ]
	[ "$(jq -r 'select(.type == "createSession") | .timeout | type' \
	    <<<"$json" | sort -u)" = number ]
	[ "$(jq -c 'select(.type == "closeSession") | has("path")' \
	    <<<"$json" | sort -u)" = false ]
	# zxid, time and session are the text's, line for line. Session ids
	# pass 2^53, past jq 1.6's doubles, so they are cut out with sed.
	text=$(zk-log dump "$D" | cut -d' ' -f1-4)
	[ "$(echo "$text" | wc -l)" -eq "$(echo "$json" | wc -l)" ]
	fields=$(sed -E 's/^\{"zxid":([0-9]+),"time":([0-9]+),"session":([0-9]+),"type":"([a-zA-Z]+)".*/\1 \2 \3 \4/' <<<"$json")
	[ "$(grep -c '[{"]' <<<"$fields")" -eq 0 ]
	want=$(echo "$fields" | while read -r z t s ty; do
		printf '0x%x %s.%03dZ 0x%x %s\n' "$z" \
		    "$(date -u -d "@$((t / 1000))" +%Y-%m-%dT%H:%M:%S)" \
		    $((t % 1000)) "$s" "$ty"
	    done)
	[ "$want" = "$text" ]
	# Written just now: times within ten minutes of the clock.
	now=$(($(date +%s) * 1000))
	[ "$(jq -r ".time > $now - 600000 and .time <= $now + 1000" \
	    <<<"$json" | sort -u)" = true ]
}

@test "dump FILE: one log's records only; the files in order make the directory's dump" {
	two_epochs
	run --separate-stderr zk-log dump "$L1"
	assert_success
	one=$output
	run --separate-stderr zk-log dump "$L2"
	assert_success
	two=$output
	[ "$(echo "$one" | cut -d' ' -f1 | grep -vc '^0x1[0-9a-f]\{8\}$')" -eq 0 ]
	[ "$(echo "$two" | cut -d' ' -f1 | grep -vc '^0x2[0-9a-f]\{8\}$')" -eq 0 ]
	grep -q ' create /a flags=persistent data=hello$' <<<"$one"
	[ "$(grep -c ' /b ' <<<"$one")" -eq 0 ]
	grep -q ' create /b flags=persistent data=bye$' <<<"$two"
	grep -q ' delete /a version=-1$' <<<"$two"
	[ "$(grep -c ' /bin ' <<<"$two")" -eq 0 ]
	[ "$(printf '%s\n%s' "$one" "$two")" = "$(zk-log dump "$D")" ]
	[ "$(zk-log -o json dump "$L2" | jq -r .zxid | head -n 1)" = \
	    $(((2 << 32) + 1)) ]
}

@test "verify: a sound directory prints the record count, file count and zxid range, exit 0" {
	two_epochs
	n=$(zk-log dump "$D" | wc -l)
	last=$(zk-log dump "$D" | tail -n 1 | cut -d' ' -f1)
	run --separate-stderr zk-log verify "$D"
	assert_success
	[ -z "$stderr" ]
	assert_output "ok: $n records in 2 files, zxid 0x100000001..$last"
	n1=$(zk-log dump "$L1" | wc -l)
	last1=$(zk-log dump "$L1" | tail -n 1 | cut -d' ' -f1)
	run zk-log verify "$L1"
	assert_success
	assert_output "ok: $n1 records in 1 files, zxid 0x100000001..$last1"
	run zk-log verify "$D/snapshot.0000000000000000"
	assert_success
	assert_output 'ok: snapshot zxid 0x0, 4 nodes, 0 sessions'
}

@test "a flipped byte in the middle of a log: verify and dump exit 1 naming the file and offset; stat reports it" {
	two_epochs
	cp -r "$D" "$ZK_TMP/copy"
	bad=$ZK_TMP/copy/log.0000000100000001
	off=$(rec_offset "$bad" 2)
	flip "$bad" $((off + 8 + 3))
	msg="zk-log: $bad: bad record at offset $off (checksum mismatch)"
	run --separate-stderr zk-log verify "$ZK_TMP/copy"
	assert_failure 1
	[ -z "$output" ]
	[ "$stderr" = "$msg" ]
	run --separate-stderr zk-log verify "$bad"
	assert_failure 1
	[ "$stderr" = "$msg" ]
	# dump prints the two records before the bad one, then stops.
	run --separate-stderr zk-log dump "$ZK_TMP/copy"
	assert_failure 1
	[ "$stderr" = "$msg" ]
	[ "$output" = "$(zk-log dump "$L1" | head -n 2)" ]
	# stat tells of the damage in its output, and exits 0.
	run --separate-stderr zk-log stat "$ZK_TMP/copy"
	assert_success
	assert_line --regexp "^log log\.0000000100000001 records 2 zxid 0x100000001\.\.0x100000002 bytes [0-9]+ error .*bad record at offset $off \(checksum mismatch\)$"
	run zk-log -o json stat "$ZK_TMP/copy"
	assert_success
	[ "$(jq -r 'select(.kind == "log" and .records == 2) | .error' \
	    <<<"$output")" = "${msg#zk-log: }" ]
	# The original is untouched.
	run zk-log verify "$D"
	assert_success
}

@test "stat text: the epochs, each snapshot and log with counts, zxid ranges and bytes, and a total" {
	two_epochs
	n1=$(zk-log dump "$L1" | wc -l)
	n2=$(zk-log dump "$L2" | wc -l)
	last1=$(zk-log dump "$L1" | tail -n 1 | cut -d' ' -f1)
	last2=$(zk-log dump "$L2" | tail -n 1 | cut -d' ' -f1)
	s0=$D/snapshot.0000000000000000
	nodes0=$(zk-log snapshot "$s0" | wc -l)
	[ "$nodes0" -eq 4 ]
	run --separate-stderr zk-log stat "$D"
	assert_success
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 6 ]
	assert_line --index 0 'epoch acceptedEpoch 2'
	assert_line --index 1 'epoch currentEpoch 2'
	assert_line --index 2 "snapshot snapshot.0000000000000000 zxid 0x0 nodes $nodes0 sessions 0 bytes $(stat -c %s "$s0")"
	assert_line --index 3 "log log.0000000100000001 records $n1 zxid 0x100000001..$last1 bytes $(stat -c %s "$L1")"
	assert_line --index 4 "log log.0000000200000001 records $n2 zxid 0x200000001..$last2 bytes $(stat -c %s "$L2")"
	assert_line --index 5 "total logs 2 snapshots 1 records $((n1 + n2)) zxid 0x100000001..$last2"
	# The epochs agree with the zxids and with the epoch files.
	[ "$(cat "$D/currentEpoch")" = 2 ]
	[ $((last2 >> 32)) -eq 2 ]
	# One log file alone: its line and a total.
	run zk-log stat "$L2"
	assert_success
	assert_output "log log.0000000200000001 records $n2 zxid 0x200000001..$last2 bytes $(stat -c %s "$L2")
total logs 1 snapshots 0 records $n2 zxid 0x200000001..$last2"
}

@test "stat -o json: one object per epoch, snapshot and log with its kind, then a total that sums the logs" {
	two_epochs
	run --separate-stderr zk-log -o json stat "$D"
	assert_success
	[ -z "$stderr" ]
	[ "$(jq -r .kind <<<"$output" | tr '\n' ' ')" = \
	    'epoch epoch snapshot log log total ' ]
	[ "$(jq -c 'select(.kind == "epoch") | [.file, .epoch]' \
	    <<<"$output" | tr '\n' ' ')" = \
	    '["acceptedEpoch",2] ["currentEpoch",2] ' ]
	[ "$(jq -c 'select(.kind == "snapshot") | [.file, .zxid, .nodes,
	    .sessions, .bytes]' <<<"$output")" = \
	    "[\"snapshot.0000000000000000\",0,4,0,$(stat -c %s "$D/snapshot.0000000000000000")]" ]
	for f in "$L1" "$L2"; do
		want=$(zk-log -o json dump "$f" | jq -sc --arg b "$(stat -c %s "$f")" \
		    '[(.[0].zxid), (.[-1].zxid), length, ($b | tonumber)]')
		got=$(jq -c --arg n "$(basename "$f")" 'select(.kind == "log" and
		    .file == $n) | [.first_zxid, .last_zxid, .records, .bytes]' \
		    <<<"$output")
		[ "$got" = "$want" ]
	done
	[ "$(jq -c 'select(.kind == "log") | has("error")' <<<"$output" |
	    sort -u)" = false ]
	total=$(zk-log -o json dump "$D" | jq -sc \
	    '{kind: "total", logs: 2, snapshots: 1, records: length,
	    first_zxid: .[0].zxid, last_zxid: .[-1].zxid}')
	[ "$(jq -cS 'select(.kind == "total")' <<<"$output")" = \
	    "$(jq -cS . <<<"$total")" ]
}

@test "snapshot: the newest snapshot's tree, parents first, siblings sorted, with every node written before it" {
	start_peer a snapCount=10
	for i in $(seq 30); do zk-set -p "/s/k$i" "v$i"; done
	printf '\xff\xfe' | zk-set /s/bin
	cz=$(zk-stat -o json /s/bin | jq .stat.czxid)
	wait_for covered "$cz"
	want=$(zk-get -o json -R /s | jq -cS .)
	stop_peer a
	D=$(peer_dir a)/data
	snap=$(newest_snap "$D")
	[ "$snap" != snapshot.0000000000000000 ]
	# JSON: the /s subtree exactly as zk-get printed it, stats included.
	run --separate-stderr zk-log -o json snapshot "$D"
	assert_success
	[ -z "$stderr" ]
	[ "$(jq -cS 'select(.path | test("^/s(/|$)"))' <<<"$output")" = "$want" ]
	[ "$(jq -r .path <<<"$output" | head -n 1)" = / ]
	# Text: PATH<TAB>data, escaped; siblings in byte order.
	run --separate-stderr zk-log snapshot "$D"
	assert_success
	text=$output
	expect=$({
		printf '/s\t\n'
		{
			printf '/s/bin\t\\xff\\xfe\n'
			for i in $(seq 30); do printf '/s/k%d\tv%d\n' "$i" "$i"; done
		} | LC_ALL=C sort
	})
	[ "$(awk -F'\t' '$1 == "/s" || $1 ~ /^\/s\//' <<<"$text")" = "$expect" ]
	# Parents first: every node's parent came before it.
	awk -F'\t' '{ p = $1; sub(/\/[^\/]*$/, "", p); if (p == "") p = "/"
	    if (NR > 1 && !(p in seen)) { print "orphan " $1; bad = 1 }
	    seen[$1] = 1 } END { exit bad }' <<<"$text"
	for p in / /zookeeper /zookeeper/config /zookeeper/quota; do
		grep -qx "$p"$'\t' <<<"$text"
	done
	# The same file named directly; verify and stat agree on its figures.
	[ "$(zk-log snapshot "$D/$snap")" = "$text" ]
	nodes=$(echo "$text" | wc -l)
	run zk-log verify "$D/$snap"
	assert_success
	assert_output --regexp "^ok: snapshot zxid $(printf '0x%x' $((0x${snap#snapshot.}))), $nodes nodes, [0-9]+ sessions$"
	sessions=$(echo "$output" | sed -E 's/.* ([0-9]+) sessions$/\1/')
	run zk-log stat "$D"
	assert_success
	assert_line --regexp "^snapshot $snap zxid $(printf '0x%x' $((0x${snap#snapshot.}))) nodes $nodes sessions $sessions bytes $(stat -c %s "$D/$snap")$"
	# The purged directory still verifies: snapshots bridge the logs.
	run zk-log verify "$D"
	assert_success
	assert_output --regexp '^ok: [0-9]+ records in [0-9]+ files, zxid 0x[0-9a-f]+\.\.0x[0-9a-f]+$'
}

@test "usage errors exit 2 with a zk-log: line on stderr and nothing on stdout" {
	two_epochs
	usage='usage: zk-log [-hV] [-o text|json] dump|verify|stat|snapshot DATADIR|FILE'
	run --separate-stderr zk-log
	assert_failure 2
	[ -z "$output" ]
	[ "$stderr" = "zk-log: missing operand
$usage" ]
	run --separate-stderr zk-log frob "$D"
	assert_failure 2
	[ -z "$output" ]
	[ "$stderr" = "zk-log: frob: unknown command
$usage" ]
	run --separate-stderr zk-log dump "$D" "$D"
	assert_failure 2
	[ "${stderr%%$'\n'*}" = 'zk-log: too many operands' ]
	run --separate-stderr zk-log -o msgpack dump "$D"
	assert_failure 2
	[ -z "$output" ]
	[ "${stderr%%$'\n'*}" = 'zk-log: -o takes text or json' ]
	run --separate-stderr zk-log --frob dump "$D"
	assert_failure 2
	[ "${stderr%%$'\n'*}" = "zk-log: unrecognized option '--frob'" ]
	# Paths that are not a data directory, log or snapshot: one line each.
	for cmd in dump verify stat snapshot; do
		run --separate-stderr zk-log "$cmd" "$ZK_TMP/nope"
		assert_failure 2
		[ -z "$output" ]
		[ "$stderr" = "zk-log: $ZK_TMP/nope: No such file or directory" ]
	done
	echo 'not a log' >"$ZK_TMP/junk"
	run --separate-stderr zk-log dump "$ZK_TMP/junk"
	assert_failure 2
	[ "$stderr" = "zk-log: $ZK_TMP/junk: not a data directory, log or snapshot" ]
	run --separate-stderr zk-log dump "$D/snapshot.0000000000000000"
	assert_failure 2
	[ "$stderr" = "zk-log: $D/snapshot.0000000000000000: a snapshot, not a log (use zk-log snapshot)" ]
	run --separate-stderr zk-log snapshot "$L1"
	assert_failure 2
	[ "$stderr" = "zk-log: $L1: a log, not a snapshot (use zk-log dump)" ]
	mkdir "$ZK_TMP/empty"
	run --separate-stderr zk-log snapshot "$ZK_TMP/empty"
	assert_failure 2
	[ "$stderr" = "zk-log: $ZK_TMP/empty: no snapshot" ]
}

@test "zk-log -h prints the usage, every command and option on stdout; -V the version" {
	run --separate-stderr zk-log -h
	assert_success
	[ -z "$stderr" ]
	assert_line --index 0 'usage: zk-log [-hV] [-o text|json] dump|verify|stat|snapshot DATADIR|FILE'
	for c in dump verify stat snapshot; do
		assert_line --regexp "^  $c  +[a-z]"
	done
	for f in --output --help --version; do
		assert_output --partial -- "$f"
	done
	run --separate-stderr zk-log --help
	assert_success
	assert_line --index 0 --partial 'usage: zk-log'
	run --separate-stderr zk-log -V
	assert_success
	[ -z "$stderr" ]
	assert_output 'zk-log 0.1.0'
	run zk-log --version
	assert_output 'zk-log 0.1.0'
}
