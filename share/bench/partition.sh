#!/usr/bin/env bash
# How long a zk ensemble is not writable when its leader is cut off by a
# partition (packets dropped, no TCP reset, unlike kill -9), measured in a
# private network namespace so that the iptables rules touch nothing else.
#
#   share/bench/partition.sh        (as root: ip netns and iptables)
#
# Three voting members on 127.0.0.1..3 configured as run.sh's ensemble
# (tickTime 2000, initLimit 10, syncLimit 5). A probe writes one value at a
# time through a follower (bin/zk-set -T 0.1 in a loop, timed with
# $EPOCHREALTIME; one zk-set is ~3-5 ms, so the figure is good to ~10 ms).
# Two seconds in, the leader is cut from both followers; the figure is the
# time from the cut to the first write that succeeds after it. The target
# (issue: "within syncLimit plus one election") is syncLimit x tickTime
# (10,000 ms here) plus an election. Three reps; the cut is healed and the
# ensemble converges between them. Environment: TICK (2000), REPS (3).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$top/bin
TICK=${TICK:-2000} REPS=${REPS:-3}
NS=zkpart$$
BASE=$(mktemp -d /var/tmp/zkpart.XXXXXX)
X() { ip netns exec "$NS" "$@"; }

cleanup() {
	local p
	for p in "$BASE"/m*/pid; do [ -f "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null; done
	[ -n "${PROBE:-}" ] && kill "$PROBE" 2>/dev/null
	sleep 0.2
	ip netns del "$NS" 2>/dev/null
	rm -rf "$BASE"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NS" || exit 1
X ip link set lo up
# Connections from the tools come from 127.0.0.254, never a member's address.
X ip route replace local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.254
X ip route replace local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.254

SERVERS=127.0.0.1:2181,127.0.0.2:2181,127.0.0.3:2181
for i in 1 2 3; do
	mkdir -p "$BASE/m$i/data"
	echo "$i" >"$BASE/m$i/data/myid"
	{
		echo "tickTime=$TICK"; echo "initLimit=10"; echo "syncLimit=5"
		echo "dataDir=$BASE/m$i/data"; echo "clientPort=2181"
		echo "clientPortAddress=127.0.0.$i"
		for j in 1 2 3; do echo "server.$j=127.0.0.$j:2888:3888"; done
	} >"$BASE/m$i/zoo.cfg"
done
# Not through X: $! must be the peer (ip netns exec execs it), not a subshell.
start() {
	ip netns exec "$NS" "$BIN/zk-peer" -c "$BASE/m$1/zoo.cfg" \
	    2>>"$BASE/m$1/log" &
	echo $! >"$BASE/m$1/pid"
}
# All serve, one leader, one epoch: the old leader has rejoined too.
all_serve() {
	X "$BIN/zk-peer" status -s "$SERVERS" -T 1 -o json 2>/dev/null |
	    jq -s -e '(map(select(.mode == "leader")) | length) == 1 and
		(map(.epoch) | unique | length) == 1 and
		all(.[]; .serving == true)' >/dev/null
}
wait_serve() { local n; for n in $(seq 600); do all_serve && return 0; sleep 0.05; done; echo "ensemble not serving" >&2; exit 1; }
leader() { X "$BIN/zk-peer" status -s "$SERVERS" -o json -T 1 2>/dev/null | jq -r 'select(.mode == "leader") | .server_id'; }
cut() { local j; for j in 1 2 3; do [ "$j" = "$1" ] && continue
	X iptables -A INPUT -s "127.0.0.$1" -d "127.0.0.$j" -j DROP
	X iptables -A INPUT -s "127.0.0.$j" -d "127.0.0.$1" -j DROP; done; }

# probe F FILE: one write at a time through member F; for each success,
# the time it was started (a write under way at the cut does not count).
probe() {
	local n=0 t
	while :; do
		n=$((n + 1))
		t=$EPOCHREALTIME
		X "$BIN/zk-set" -s "127.0.0.$1:2181" -T 0.1 /probe "$n" 2>/dev/null &&
		    echo "$t" >>"$2"
	done
}

for i in 1 2 3; do start "$i"; done
wait_serve
for rep in $(seq "$REPS"); do
	L=$(leader)
	F=1; [ "$L" = 1 ] && F=2
	: >"$BASE/ok"
	probe "$F" "$BASE/ok" & PROBE=$!
	sleep 2
	T0=$EPOCHREALTIME
	cut "$L"
	for _ in $(seq 600); do
		awk -v t="$T0" '$1 > t { found = 1 } END { exit !found }' "$BASE/ok" && break
		sleep 0.05
	done
	kill "$PROBE"; wait "$PROBE" 2>/dev/null; PROBE=
	ms=$(awk -v t="$T0" '$1 > t { printf "%.0f", ($1 - t) * 1000; exit }' "$BASE/ok")
	# The leader cut off gives up within syncLimit too; heal after that.
	sleep 1
	echo "zk partition rep=$rep tick_ms=$TICK sync_limit_ms=$((5 * TICK)) cut=server$L probe=server$F first_write_after_cut_ms=${ms:-none}"
	X iptables -F INPUT
	wait_serve
	sleep 1
done
