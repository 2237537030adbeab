#!/usr/bin/env bash
# zk's benchmarks beside ZooKeeper's, in one run on this machine
# (share/doc/bench.md explains each figure and records the results).
#
#   share/bench/run.sh [zk|zookeeper|all]    (default: all)
#
# zk side: a standalone zk-peer on 127.0.0.1:$PORT with its data under
# /var/tmp, driven by bin/zk-bench: gets, sets and creates at 8 x 100 with
# the server's CPU time per operation, one set and one get at a time, the
# disk's own fdatasync latency (fsync-probe), RSS with N znodes of 100 B,
# restart until the first read, and the wall time of one zk-get.
# ZooKeeper side: the yardstick script $YARDSTICK/zookeeper.sh
# (default ../shared/bench next to the checkout) for the same figures.
# Environment: DUR (seconds per measurement, 10), N (znodes, 100000),
# PORT (22181), YARDSTICK.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
DUR=${DUR:-10} N=${N:-100000} PORT=${PORT:-22181}
YARDSTICK=${YARDSTICK:-$top/../shared/bench}
what=${1:-all}
BIN=$top/bin
export ZK_SERVERS=127.0.0.1:$PORT

BASE=$(mktemp -d /var/tmp/zkbench.XXXXXX)
PID=
stop() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && while kill -0 "$PID" 2>/dev/null; do sleep 0.05; done; PID=; }
trap 'stop; rm -rf "$BASE"' EXIT

start() {
	"$BIN/zk-peer" --data-dir "$BASE/data" --client-port "$PORT" 2>>"$BASE/peer.log" &
	PID=$!
}
waitup() { until "$BIN/zk-peer" status -T 1 >/dev/null 2>&1; do sleep 0.01; done; }
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
TCK=$(getconf CLK_TCK)

# measured ARGS...: one zk-bench run with the server's CPU time per operation.
measured() {
	local c0 c1 line ok
	c0=$(cpu)
	line=$("$BIN/zk-bench" --warmup 0 -d "$DUR" "$@")
	c1=$(cpu)
	ok=$(sed 's/.* ok=\([0-9]*\).*/\1/' <<<"$line")
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

zookeeper_side() {
	[ -x "$YARDSTICK/zookeeper.sh" ] || [ -f "$YARDSTICK/zookeeper.sh" ] ||
		{ echo "no yardstick at $YARDSTICK (set YARDSTICK)" >&2; return 1; }
	DUR=$DUR N=$N bash "$YARDSTICK/zookeeper.sh" standalone | sed 's/^/zookeeper /'
	DUR=$DUR N=$N bash "$YARDSTICK/zookeeper.sh" memory | sed 's/^/zookeeper /'
	bash "$YARDSTICK/zookeeper.sh" cli | sed 's/^/zookeeper /'
}

case $what in
zk) zk_side ;;
zookeeper) zookeeper_side ;;
all) zk_side; zookeeper_side; zk_side ;;
*) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
