#!/usr/bin/env bash
# zk's benchmarks beside ZooKeeper's, in one run on this machine
# (share/doc/bench.md explains each figure and records the results).
#
#   share/bench/run.sh [SUBCOMMAND]    (default: all)
#
#   zk                   standalone zk figures (below)
#   zookeeper            the yardstick's standalone, memory and cli figures
#   all                  zk, zookeeper, zk again (no ensemble: it is slow)
#   zk-ensemble          3 zk-peers: gets, sets, 90% mixed at 9 x 100 over
#                        all three; sets at 3 x 1; mode, RSS, spread
#   zk-failover          3 zk-peers: kill -9 the leader, ms until a write
#                        through a follower succeeds again (3 times)
#   zk-memory-ensemble   3 zk-peers: RSS of each with N znodes of 100 B
#   ensemble             zk-ensemble, the yardstick's ensemble, zk-failover,
#                        the yardstick's failover
#   recipes              standalone zk on RPORT (maxClientCnxns=0): one change
#                        to 1, 100, 1000 watchers; the zk-lock hand-off,
#                        REPS times, without and with CMD, flock(1)'s beside
#                        it, and a set and one notification at --rate 50
#                        and back to back; zk-watch -r into a pipe under
#                        sets at 8 x 100
#   zookeeper-recipes    ZooKeeper standalone on YPORT: one change to 1, 100,
#                        1000 watchers (share/bench/zkwatch.c)
#   recipes-all          recipes, zookeeper-recipes, recipes again
#   floor                ROUNDS times, one after another: the disk's
#                        fdatasync, share/bench/floor.c inline and thread
#                        (the least a lone durable write costs with and
#                        without the loop waiting on the disk), and zk's
#                        lone set (1 x 1) on a standalone zk-peer
#
# share/bench/partition.sh (as root) measures the leader cut off by a
# partition instead of killed, in a private network namespace.
#
# zk side: a standalone zk-peer on 127.0.0.1:$PORT with its data under
# /var/tmp, driven by bin/zk-bench: gets, sets and creates at 8 x 100 with
# the server's CPU time per operation, one set and one get at a time, the
# disk's own fdatasync latency (fsync-probe), RSS with N znodes of 100 B,
# restart until the first read, and the wall time of one zk-get.
# Ensemble: three voting zk-peers configured as the yardstick configures
# ZooKeeper's (tickTime 2000, initLimit 10, syncLimit 5, all on 127.0.0.1),
# client ports PORT..PORT+2, quorum ports QPORT+1..3, election ports
# EPORT+1..3, so that both ensembles can run side by side.
# ZooKeeper side: the yardstick script $YARDSTICK/zookeeper.sh
# (default ../shared/bench next to the checkout) for the same figures.
# Recipes: a zk-peer of their own on 127.0.0.1:$RPORT, and for the watch
# figure's yardstick Debian's ZooKeeper 3.8 on 127.0.0.1:$YPORT with the
# yardstick's settings (installed, if missing, by the yardstick's
# zookeeper.sh), driven by share/bench/zkwatch.c (built here against
# libzookeeper-mt, as the yardstick builds zkload).
# Environment: DUR (seconds per measurement, 10), WARM (warm-up seconds per
# ensemble run, and of the warm-up watch run before the measured ones, 2,
# as the yardstick), N (znodes, 100000), PORT (22181), QPORT (22887), EPORT
# (23887), REPS (lock hand-offs, 30), RPORT (22191), YPORT (12191),
# ROUNDS (floor, 3), YARDSTICK.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
DUR=${DUR:-10} WARM=${WARM:-2} N=${N:-100000} PORT=${PORT:-22181}
QPORT=${QPORT:-22887} EPORT=${EPORT:-23887}
REPS=${REPS:-30} RPORT=${RPORT:-22191} YPORT=${YPORT:-12191}
ROUNDS=${ROUNDS:-3}
YARDSTICK=${YARDSTICK:-$top/../shared/bench}
what=${1:-all}
BIN=$top/bin
export ZK_SERVERS=127.0.0.1:$PORT

BASE=$(mktemp -d /var/tmp/zkbench.XXXXXX)
PID="" PROBE=""
# The recipes' helpers in the background (a lock holder, zk-watch and its
# reader) and ZooKeeper's server: killed on any exit.
JOBS=() YPID=""
# The ensemble: member I (1..3) has its config and data in $BASE/eI, its
# pid in EPID[I], and serves clients on PORT+I-1.
EPID=()
stop() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && while kill -0 "$PID" 2>/dev/null; do sleep 0.05; done; PID=; }
cleanup() {
	jobs_down; stop; ens_down; ystop
	[ -n "$PROBE" ] && kill "$PROBE" 2>/dev/null
	rm -rf "$BASE"
}
trap cleanup EXIT
# Untrapped, SIGINT and SIGTERM would end the script without the EXIT trap
# and leave the peers running.
trap 'exit 130' INT
trap 'exit 143' TERM

start() {
	"$BIN/zk-peer" --data-dir "$BASE/data" --client-port "$PORT" 2>>"$BASE/peer.log" &
	PID=$!
}
waitup() { until "$BIN/zk-peer" status -T 1 >/dev/null 2>&1; do sleep 0.01; done; }
# cpu [PID]: utime + stime of the process (default the zk-peer), in ticks.
cpu() { awk '{print $14 + $15}' "/proc/${1:-$PID}/stat"; }
TCK=$(getconf CLK_TCK)

# val LINE KEY: the number after " KEY=" in a line of key=value pairs.
val() { sed -n "s/.* $2=\([0-9.]*\).*/\1/p" <<<"$1"; }

# measured ARGS...: one zk-bench run with the server's CPU time per operation.
measured() {
	local c0 c1 line ok
	c0=$(cpu)
	line=$("$BIN/zk-bench" --warmup 0 -d "$DUR" "$@")
	c1=$(cpu)
	ok=$(val "$line" ok)
	ok=${ok:-0}	# zk-bench failed: its message is on stderr
	echo "zk $line server_cpu_us_per_op=$(( ok > 0 ? (c1 - c0) * 1000000 / TCK / ok : 0 ))"
}

zk_side() {
	cc -O2 -o "$BASE/fsync-probe" "$top/share/bench/fsync-probe.c" || exit 1
	mkdir -p "$BASE/data"
	echo "disk $("$BASE/fsync-probe" "$BASE" 120 2000)"
	start; waitup
	"$BIN/zk-bench" -c 4 -w 50 -d 1 --warmup 0 --op get >/dev/null   # prepares the 1000 keys
	measured -c 8 -w 100 --op get
	measured -c 8 -w 100 --op set
	measured -c 8 -w 100 --op create
	measured -c 1 -w 1 --op set
	measured -c 1 -w 1 --op get
	echo "disk $("$BASE/fsync-probe" "$BASE" 120 2000)"
	stop; rm -rf "$BASE/data"; mkdir -p "$BASE/data"
	start; waitup
	"$BIN/zk-bench" -c 4 -w 100 -d 1 --warmup 0 --op get --keys "$N" --size 100 >/dev/null
	echo "zk znodes=$N rss_kb=$(awk '/VmRSS/{print $2}' "/proc/$PID/status")"
	stop
	local t0 t1 r
	t0=$(date +%s%N); start
	# status fails at once while the port is closed (zk-get would pause
	# 50 ms between attempts); the port opens after recovery.
	until "$BIN/zk-peer" status -T 1 >/dev/null 2>&1; do :; done
	"$BIN/zk-get" /zk-bench/k0000000 >/dev/null
	t1=$(date +%s%N)
	echo "zk restart znodes=$N start_to_first_read_ms=$(( (t1 - t0) / 1000000 ))"
	# 100 runs timed together: timing each alone would count date(1)'s
	# own start-up, which costs as much as a zk-get.
	t0=$(date +%s%N)
	for r in $(seq 100); do "$BIN/zk-get" /zk-bench/k0000000 >/dev/null; done
	t1=$(date +%s%N)
	for r in $(seq 100); do /bin/true; done
	t2=$(date +%s%N)
	echo "zk zk-get wall_us=$(( (t1 - t0) / 100000 )) (mean of 100; /bin/true: $(( (t2 - t1) / 100000 )))"
	stop
}

# yardstick ARGS...: one zookeeper.sh run, its lines prefixed. Our PORT is
# kept from it (it reads PORT too) so that it stays on its own ports.
yardstick() {
	[ -f "$YARDSTICK/zookeeper.sh" ] ||
		{ echo "no yardstick at $YARDSTICK (set YARDSTICK)" >&2; return 1; }
	env -u PORT DUR="$DUR" WARM="$WARM" N="$N" \
	    bash "$YARDSTICK/zookeeper.sh" "$@" | sed 's/^/zookeeper /'
}

zookeeper_side() {
	yardstick standalone || return 1
	yardstick memory
	yardstick cli
}

ALL=127.0.0.1:$PORT,127.0.0.1:$((PORT + 1)),127.0.0.1:$((PORT + 2))
addr() { echo "127.0.0.1:$((PORT + $1 - 1))"; }

ens_config() {
	local i j d
	for i in 1 2 3; do
		d=$BASE/e$i
		rm -rf "$d"; mkdir -p "$d/data"
		echo "$i" >"$d/data/myid"
		{
			echo "tickTime=2000"
			echo "initLimit=10"
			echo "syncLimit=5"
			echo "dataDir=$d/data"
			echo "clientPort=$((PORT + i - 1))"
			echo "clientPortAddress=127.0.0.1"
			for j in 1 2 3; do
				echo "server.$j=127.0.0.1:$((QPORT + j)):$((EPORT + j))"
			done
		} >"$d/zoo.cfg"
	done
}
ens_start() {
	"$BIN/zk-peer" -c "$BASE/e$1/zoo.cfg" 2>>"$BASE/e$1/log" &
	EPID[$1]=$!
}
# ens_stop I [SIGNAL]: signal member I and wait until it is gone.
ens_stop() {
	local p=${EPID[$1]:-}
	[ -n "$p" ] || return 0
	# stderr closed around the wait too: bash reports a child killed by
	# a signal ("Killed") on it when it reaps the child.
	{
		kill "-${2:-TERM}" "$p"
		while kill -0 "$p"; do sleep 0.01; done
		wait "$p"
	} 2>/dev/null
	EPID[$1]=
}
ens_down() { local i; for i in 1 2 3; do ens_stop "$i"; done; }
# ens_wait: until all three serve (status exits 0 only then), for at most
# a minute, as long as the yardstick gives ZooKeeper's servers; at once
# when a member has exited (a port in use, a damaged data directory).
ens_wait() {
	local end=$((SECONDS + 60)) i
	until "$BIN/zk-peer" status -s "$ALL" -T 1 >/dev/null 2>&1; do
		for i in 1 2 3; do
			kill -0 "${EPID[$i]}" 2>/dev/null || end=0
		done
		if [ "$SECONDS" -ge "$end" ]; then
			echo "zk ensemble did not serve:" >&2
			"$BIN/zk-peer" status -s "$ALL" -T 1 >&2
			tail -n 5 "$BASE"/e*/log >&2
			exit 1
		fi
		sleep 0.05
	done
}
ens_up() {
	local i
	ens_config
	for i in 1 2 3; do ens_start "$i"; done
	ens_wait
}

# field I KEY: one field of member I's status text line ("HOST:PORT MODE
# key=value ..."); MODE for KEY=mode.
field() {
	"$BIN/zk-peer" status -s "$(addr "$1")" -T 1 2>/dev/null |
	    awk -v k="$2" '{ if (k == "mode") { print $2; exit }
		for (i = 3; i <= NF; i++) if (index($i, k "=") == 1) {
			print substr($i, length(k) + 2); exit } }'
}
rss() { awk '/VmRSS/{print $2}' "/proc/${EPID[$1]}/status"; }
leader() {
	local i
	for i in 1 2 3; do [ "$(field "$i" mode)" = leader ] && echo "$i"; done
}

# ens_bench ARGS...: one zk-bench run over all three members, warmed up as
# the yardstick warms up each of its runs.
ens_bench() {
	echo "zk $("$BIN/zk-bench" -s "$ALL" --warmup "$WARM" -d "$DUR" "$@")"
}

zk_ensemble() {
	local i conns
	ens_up
	# Prepares the 1000 keys (and warms the peers, which have no JIT).
	"$BIN/zk-bench" -s "$ALL" -c 4 -w 50 -d 1 --warmup 0 --op get >/dev/null
	ens_bench -c 9 -w 100 --op get
	ens_bench -c 9 -w 100 --op set
	# The spread of zk-bench's sessions over the members, sampled halfway
	# through the mixed run (status is asked once per member then, in
	# the background, so the run itself is not delayed).
	(sleep "$(awk -v w="$WARM" -v d="$DUR" 'BEGIN{print w + d / 2}')"
	 for i in 1 2 3; do field "$i" connections >"$BASE/conns$i"; done) &
	ens_bench -c 9 -w 100 --op mixed:90
	wait $!
	ens_bench -c 3 -w 1 --op set
	for i in 1 2 3; do
		conns=$(cat "$BASE/conns$i" 2>/dev/null)
		# status counts its own connection; the rest are zk-bench's.
		conns=$(( ${conns:-0} > 0 ? conns - 1 : 0 ))
		echo "zk server $i: $(field "$i" mode) rss_kb=$(rss "$i")" \
		    "bench_conns_mid_mixed=$conns"
	done
	ens_down
}

# probe HOSTPORT SECONDS: one set at a time through one member, each a whole
# zk-set process, for SECONDS; every success appends "START END" (seconds,
# from bash's EPOCHREALTIME, which needs no fork) to $BASE/probe.
# Resolution: a zk-set that succeeds takes 5-7 ms here on average (a new
# process, a session and a write), so the figure is late by up to that.
# -T is short because the client pauses 50 ms, doubling, after a round of
# refused or "not serving" attempts: with a long -T one zk-set would sleep
# through the moment the ensemble serves again. A failing zk-set ends
# after ~15 ms, the limit of the figure's resolution. Sessions of zk-sets
# that gave up expire on the leader 10 s later; that costs nothing here.
probe() {
	local end n=0 t0
	end=$(awk -v s="$EPOCHREALTIME" -v d="$2" 'BEGIN{printf "%.6f", s + d}')
	: >"$BASE/probe"
	while [[ ${EPOCHREALTIME/./} -lt ${end/./} ]]; do
		n=$((n + 1)); t0=$EPOCHREALTIME
		"$BIN/zk-set" -q -s "$1" -T 0.01 /probe "$n" 2>/dev/null &&
		    echo "$t0 $EPOCHREALTIME" >>"$BASE/probe"
	done
}

zk_failover() {
	local r L F tk ms
	ens_up
	for r in 1 2 3; do
		L=$(leader)
		[ -n "$L" ] || { echo "zk failover rep=$r: no leader" >&2; return 1; }
		F=$((L % 3 + 1))
		probe "$(addr "$F")" 10 & PROBE=$!
		sleep 3
		tk=$EPOCHREALTIME; ens_stop "$L" KILL
		wait "$PROBE"; PROBE=
		# The first write issued after the kill that succeeded: one in
		# flight at the kill may have been committed by the old leader.
		ms=$(awk -v tk="$tk" '$1 >= tk {
			printf "%.0f", ($2 - tk) * 1000; exit }' "$BASE/probe")
		echo "zk failover rep=$r killed=server$L probe=server$F" \
		    "first_write_after_kill_ms=${ms:-none}"
		ens_start "$L"; ens_wait
	done
	ens_down
}

zk_memory_ensemble() {
	local i end
	ens_up
	# Fills N znodes of 100 B as the standalone memory figure does.
	"$BIN/zk-bench" -s "$ALL" -c 4 -w 100 -d 1 --warmup 0 --op get \
	    --keys "$N" --size 100 >/dev/null
	# The followers apply the last commits a moment after the leader:
	# measure once all three hold the same zxid.
	end=$((SECONDS + 30))
	until [ "$SECONDS" -ge "$end" ] ||
	    [ "$(for i in 1 2 3; do field "$i" zxid; done | sort -u | wc -l)" = 1 ]
	do
		sleep 0.1
	done
	for i in 1 2 3; do
		echo "zk ensemble znodes=$N server $i: $(field "$i" mode)" \
		    "rss_kb=$(rss "$i") zxid=$(field "$i" zxid)"
	done
	ens_down
}

# The floor of a lone write (bench.md, "the one missed target"): the
# disk alone, a minimal server that syncs on its loop, one that hands the
# sync to a thread, and zk, in turns, so that each round's figures share
# the machine's mood. DUR seconds of zk-bench per round.
zk_floor() {
	local r
	cc -O2 -o "$BASE/fsync-probe" "$top/share/bench/fsync-probe.c" || exit 1
	cc -O2 -pthread -o "$BASE/floor" "$top/share/bench/floor.c" || exit 1
	mkdir -p "$BASE/data"
	start; waitup
	"$BIN/zk-bench" -c 1 -w 1 -d 1 --warmup 0 --op set >/dev/null
	for r in $(seq "$ROUNDS"); do
		echo "round $r disk $("$BASE/fsync-probe" "$BASE" 120 3000)"
		echo "round $r floor $("$BASE/floor" "$BASE" inline 120 3000)"
		echo "round $r floor $("$BASE/floor" "$BASE" thread 120 3000)"
		echo "round $r zk $("$BIN/zk-bench" -c 1 -w 1 -d "$DUR" \
		    --warmup 0 --op set)"
	done
	stop
}

# Recipes: watches and locks

RS=127.0.0.1:$RPORT

# jobs_down: ends the recipes' background helpers, each by its own pid.
jobs_down() {
	local p
	for p in "${JOBS[@]}"; do
		{ kill "$p"; wait "$p"; } 2>/dev/null
	done
	JOBS=()
}

# fd_room: a thousand sessions from one process need more descriptors than
# a shell's usual 1024 (zk-bench raises its own limit; zk-peer may not).
fd_room() {
	local n
	n=$(ulimit -Sn)
	[ "$n" = unlimited ] || [ "$n" -ge 4096 ] || ulimit -Sn 4096 || exit 1
}

# us TIME: bash's EPOCHREALTIME (seconds, 6 decimals) in microseconds.
us() { echo "${1//[.,]/}"; }

# pcts: p50, p99 and the largest of the numbers on stdin, by nearest rank
# (the least value with at least that share of them at or below it; with
# 30 numbers p99 is the largest).
pcts() {
	sort -n | awk '{ v[NR] = $1 }
	    function at(q,  k) {
		k = int(q * NR); if (k < q * NR) k++
		return v[k < 1 ? 1 : k]
	    }
	    END { if (NR) printf "p50_us=%d p99_us=%d max_us=%d",
		at(0.5), at(0.99), v[NR] }'
}

# rstart: the recipes' zk-peer afresh, standalone on RPORT from a zoo.cfg
# of its own with maxClientCnxns=0 (a thousand watchers come from one
# address), its data in $BASE/r.
rstart() {
	rm -rf "$BASE/r"; mkdir -p "$BASE/r/data"
	printf '%s\n' "dataDir=$BASE/r/data" "clientPort=$RPORT" \
	    "clientPortAddress=127.0.0.1" "maxClientCnxns=0" >"$BASE/r/zoo.cfg"
	"$BIN/zk-peer" -c "$BASE/r/zoo.cfg" 2>>"$BASE/r/log" &
	PID=$!
	until "$BIN/zk-peer" status -s "$RS" -T 1 >/dev/null 2>&1; do
		if ! kill -0 "$PID" 2>/dev/null; then
			echo "zk-peer did not start:" >&2
			tail -n 5 "$BASE/r/log" >&2
			exit 1
		fi
		sleep 0.01
	done
}

# watching: the server counts at least one watch. The recipes' steps run
# one after another, so the one counted is the helper's being waited for.
watching() {
	"$BIN/zk-peer" status -s "$RS" -T 1 2>/dev/null |
	    grep -q ' watches=[1-9]'
}

# Watches: one change delivered to C watchers, C = 1, 100, 1000, by
# zk-bench --op watch (persistent watches; delivery from the setData sent
# to each watcher's event), after a warm-up run as ZooKeeper's side has,
# with the server's CPU time per event delivered. Sets NOTIFY to the p50
# with one watcher.
zk_watches() {
	local c line
	"$BIN/zk-bench" -s "$RS" --op watch -c 100 -d "$WARM" --warmup 0 \
	    >/dev/null
	for c in 1 100 1000; do
		line=$(measured -s "$RS" --op watch -c "$c")
		echo "$line"
		[ "$c" = 1 ] && NOTIFY=$(val "$line" p50_us)
	done
}

# Lock hand-offs, REPS of each kind.
# - Protocol: share/bench/handoff.c with two zk-locks without CMD, from
#   closing the holder's stdin to the waiter's token on its stdout: the
#   holder seeing end of file, its delete (a write, synced), the deleted
#   event to the waiter, its token printed. No command starts in it.
# - With CMD, stamp to stamp: one zk-lock holds while a second queues; once
#   the second is queued, the holder's CMD execs share/bench/stamp.c (it
#   prints the wall clock in ns and exits) as its last act, and the
#   waiter's CMD is stamp too, so its clock read is its first act. This
#   adds the holder's CMD exiting and being reaped, and fork and exec of
#   the next CMD.
# - flock(1), stamp to stamp, the same shape on a local file: what the
#   start of the next command costs here with a lock that needs neither
#   network nor disk.
# Beside them, the target's terms (one write plus one notification),
# measured as a release meets them, after the server and its disk went
# idle: a set, and a change delivered to one watcher (from its setData
# sent, so that holds the write too), each at --rate 50; and back to back
# (1 x 1) as the standalone figures are. And what starting stamp costs
# alone (fork and exec from bash to its clock read).
zk_handoff() {
	local r b t0 line stamp=$BASE/stamp ino
	cc -O2 -o "$stamp" "$top/share/bench/stamp.c" || exit 1
	cc -O2 -o "$BASE/handoff" "$top/share/bench/handoff.c" || exit 1
	cc -O2 -o "$BASE/fsync-probe" "$top/share/bench/fsync-probe.c" || exit 1
	line=$("$BASE/handoff" "$BIN/zk-lock" "$RS" /zk-bench-lock "$REPS" \
	    "$BIN/zk-peer status -s $RS -T 1 2>/dev/null |
	    grep -q ' watches=[1-9]'") || exit 1
	echo "zk lock handoff protocol $line"
	stamped zk "$BIN/zk-peer status -s $RS -T 1 2>/dev/null |
	    grep -q ' watches=[1-9]'" "$BIN/zk-lock" -q -s "$RS" /zk-bench-lock  --
	echo "zk lock handoff with CMD reps=$REPS $(pcts <"$BASE/zk.handoff")"
	: >"$BASE/flock"
	ino=$(stat -c %i "$BASE/flock")
	stamped flock "grep -q -- '-> FLOCK .*:$ino ' /proc/locks" \
	    flock "$BASE/flock"
	echo "flock(1) handoff with CMD reps=$REPS" \
	    "$(pcts <"$BASE/flock.handoff")"
	for r in $(seq "$REPS"); do
		t0=$EPOCHREALTIME
		b=$("$stamp")
		echo $(( b / 1000 - $(us "$t0") ))
	done >"$BASE/stampstart"
	echo "stamp start $(pcts <"$BASE/stampstart")"
	echo "disk $("$BASE/fsync-probe" "$BASE" 120 100 20000)"
	measured -s "$RS" -c 1 -w 1 --op set --rate 50
	measured -s "$RS" -c 1 --op watch --rate 50
	line=$(measured -s "$RS" -c 1 -w 1 --op set)
	echo "$line"
	echo "zk lone_set_p50_us=$(val "$line" p50_us)" \
	    "one_notification_p50_us=${NOTIFY:-}"
}

# stamped NAME READY LOCKER...: REPS hand-offs between two runs of LOCKER
# (a command line that takes the lock and runs the rest as its CMD), stamp
# to stamp (zk_handoff); READY, a shell command, succeeds once the second
# waits. The hand-offs in microseconds go to $BASE/NAME.handoff.
stamped() {
	local name=$1 ready=$2 r h a b; shift 2
	: >"$BASE/$name.released"; : >"$BASE/$name.acquired"
	for r in $(seq "$REPS"); do
		rm -f "$BASE/held"
		"$@" bash -c ': >"$1/held"
			until eval "$2"; do sleep 0.005; done
			exec "$3" >>"$1/$4.released"' \
		    - "$BASE" "$ready" "$BASE/stamp" "$name" &
		h=$!; JOBS+=("$h")
		until [ -e "$BASE/held" ]; do
			kill -0 "$h" 2>/dev/null ||
			    { echo "$name: no lock" >&2; exit 1; }
			sleep 0.005
		done
		"$@" "$BASE/stamp" >>"$BASE/$name.acquired" || exit 1
		wait "$h" || exit 1
		JOBS=()
	done
	paste "$BASE/$name.released" "$BASE/$name.acquired" |
	    while read -r a b; do echo $(( (b - a) / 1000 )); done \
	    >"$BASE/$name.handoff"
}

# versions: the sum of the versions of zk-bench's keys /zk-bench/k*.
versions() {
	"$BIN/zk-ls" -l -s "$RS" /zk-bench |
	    awk '$5 ~ /^k[0-9]+$/ { s += $1 } END { printf "%d\n", s }'
}

# zk-watch -r /zk-bench into a pipe, while zk-bench sets at 8 x 100 for DUR
# seconds, then zk-set /zk-bench/mark-end. The pipe's reader is sed, which
# looks for the mark and prints its line number (a bash read loop would
# be slower than zk-watch): the events are the lines before it. Sets
# applied: the growth of the keys' versions (zk-bench's 1000 upserts, the
# sets it counted and those answered after its deadline); it kept up if
# every one came. events/s: the events over the time from zk-bench's start
# to the mark read; drain: from zk-bench's exit to the mark read (the
# mark's own zk-set included, ~4 ms); zk-watch's CPU time per event.
zk_stream() {
	local v0 v1 t0 t1 t2 line n c s w
	# Prepares the 1000 keys.
	"$BIN/zk-bench" -s "$RS" -c 4 -w 50 -d 1 --warmup 0 --op get >/dev/null
	v0=$(versions)
	rm -f "$BASE/events"; mkfifo "$BASE/events"
	sed -n '\| /zk-bench/mark-end$|{=;q}' <"$BASE/events" >"$BASE/count" &
	s=$!; JOBS+=("$s")
	"$BIN/zk-watch" -r -s "$RS" /zk-bench >"$BASE/events" &
	w=$!; JOBS+=("$w")
	until watching; do
		kill -0 "$w" 2>/dev/null || { echo "zk-watch failed" >&2; exit 1; }
		sleep 0.01
	done
	t0=$EPOCHREALTIME
	line=$("$BIN/zk-bench" -s "$RS" --op set -c 8 -w 100 -d "$DUR" \
	    --warmup 0)
	t1=$EPOCHREALTIME
	"$BIN/zk-set" -q -s "$RS" /zk-bench/mark-end x || exit 1
	wait "$s"
	t2=$EPOCHREALTIME
	c=$(cpu "$w")
	jobs_down
	v1=$(versions)
	n=$(cat "$BASE/count")
	echo "zk $line"
	awk -v n="${n:-0}" -v sets=$((v1 - v0)) -v c="$c" -v tck="$TCK" \
	    -v t0="$(us "$t0")" -v t1="$(us "$t1")" -v t2="$(us "$t2")" \
	    'BEGIN { ev = n > 0 ? n - 1 : 0
		printf "zk zk-watch -r into a pipe: events=%d sets_applied=%d" \
		    " kept_up=%s events/s=%.0f drain_ms=%.1f" \
		    " zk_watch_cpu_us_per_event=%.2f\n", ev, sets,
		    ev == sets ? "yes" : "no", ev * 1e6 / (t2 - t0),
		    (t2 - t1) / 1000, ev ? c * 1e6 / tck / ev : 0 }'
}

zk_recipes() {
	fd_room
	rstart
	zk_watches
	zk_handoff
	zk_stream
	stop
	rm -rf "$BASE/r"
}

# ymode: ZooKeeper's mode from its srvr command (bash's /dev/tcp: no nc).
ymode() {
	timeout 1 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" && echo srvr >&3 &&
	    cat <&3' "$YPORT" 2>/dev/null | awk -F': ' '/^Mode/ { print $2 }'
}

# yneed: ZooKeeper, its C client's headers and a compiler. zookeeper.sh
# installs what is missing whatever it is asked; with a subcommand it does
# not know it then only prints its usage.
yneed() {
	[ -f /usr/share/java/zookeeper.jar ] &&
	    [ -f /usr/include/zookeeper/zookeeper.h ] &&
	    command -v cc >/dev/null && return 0
	[ -f "$YARDSTICK/zookeeper.sh" ] ||
		{ echo "no yardstick at $YARDSTICK (set YARDSTICK)" >&2; exit 1; }
	bash "$YARDSTICK/zookeeper.sh" install >/dev/null
	if [ ! -f /usr/share/java/zookeeper.jar ] ||
	    [ ! -f /usr/include/zookeeper/zookeeper.h ]; then
		echo "ZooKeeper could not be installed" >&2
		exit 1
	fi
}

# ystart: Debian's ZooKeeper 3.8 standalone on YPORT, configured as the
# yardstick configures its own (zookeeper.sh has no subcommand that leaves
# a server up for another client), its data in $BASE/y.
ystart() {
	local end=$((SECONDS + 60))
	rm -rf "$BASE/y"; mkdir -p "$BASE/y/data"
	printf '%s\n' "tickTime=2000" "initLimit=10" "syncLimit=5" \
	    "dataDir=$BASE/y/data" "clientPort=$YPORT" \
	    "clientPortAddress=127.0.0.1" "maxClientCnxns=0" \
	    "4lw.commands.whitelist=*" "admin.enableServer=false" \
	    "autopurge.purgeInterval=0" >"$BASE/y/zoo.cfg"
	java -cp "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar" \
	    org.apache.zookeeper.server.quorum.QuorumPeerMain \
	    "$BASE/y/zoo.cfg" >"$BASE/y/log" 2>&1 </dev/null &
	YPID=$!
	until [ -n "$(ymode)" ]; do
		if ! kill -0 "$YPID" 2>/dev/null || [ "$SECONDS" -ge "$end" ]; then
			echo "zookeeper did not serve:" >&2
			tail -n 5 "$BASE/y/log" >&2
			exit 1
		fi
		sleep 0.05
	done
}
ystop() {
	local i
	[ -n "$YPID" ] || return 0
	{
		kill "$YPID"
		for i in $(seq 100); do
			kill -0 "$YPID" || break
			sleep 0.1
		done
		kill -9 "$YPID"
		wait "$YPID"
	} 2>/dev/null
	YPID=
}

# ymeasured ARGS...: one zkwatch run with ZooKeeper's CPU time per event.
ymeasured() {
	local c0 c1 line ok
	c0=$(cpu "$YPID")
	line=$("$BASE/zkwatch" -s "127.0.0.1:$YPORT" -d "$DUR" -W 0 "$@")
	c1=$(cpu "$YPID")
	ok=$(val "$line" ok)
	ok=${ok:-0}
	echo "zookeeper $line" \
	    "server_cpu_us_per_op=$(( ok > 0 ? (c1 - c0) * 1000000 / TCK / ok : 0 ))"
}

# The yardstick of zk_watches: ZooKeeper with 1, 100 and 1000 watchers,
# driven by zkwatch (one-shot watches set again after each event; the next
# change once every watcher has its event and its watch back), after a
# warm-up run for the JIT.
zookeeper_recipes() {
	local c
	yneed
	cc -O2 -o "$BASE/zkwatch" "$top/share/bench/zkwatch.c" \
	    -lzookeeper_mt -lpthread -lm || exit 1
	fd_room
	ystart
	"$BASE/zkwatch" -s "127.0.0.1:$YPORT" -c 100 -d "$WARM" -W 0 >/dev/null
	for c in 1 100 1000; do ymeasured -c "$c"; done
	ystop
}

case $what in
zk) zk_side ;;
zookeeper) zookeeper_side ;;
all) zk_side; zookeeper_side; zk_side ;;
zk-ensemble) zk_ensemble ;;
zk-failover) zk_failover ;;
zk-memory-ensemble) zk_memory_ensemble ;;
ensemble) zk_ensemble; yardstick ensemble; zk_failover; yardstick failover ;;
recipes) zk_recipes ;;
zookeeper-recipes) zookeeper_recipes ;;
recipes-all) zk_recipes; zookeeper_recipes; zk_recipes ;;
floor) zk_floor ;;
*) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
esac
