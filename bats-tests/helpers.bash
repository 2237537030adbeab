# Shared by every BATS file: find the binaries, start real zk-peer
# processes on free loopback ports with their own data directories, and
# stop every one of them in teardown, even when a test fails.
#
#   load helpers
#   setup()    { zk_setup; }          # or call zk_setup from your own setup
#   teardown() { zk_teardown; }
#   start_peer NAME [zoo.cfg lines...]  -> sets ZK_SERVERS, PORT_<NAME>
#   stop_peer NAME [SIGNAL]             -> SIGTERM (default) and wait
#   wait_for CMD...                     -> polls CMD until it succeeds (10 s)

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${ZK_BIN:=$(cd "$BATS_TEST_DIRNAME/../bin" && pwd)}"
export ZK_BIN
PATH="$ZK_BIN:$PATH"

zk_setup() {
	ZK_TMP=$(mktemp -d "${TMPDIR:-/tmp}/zk-bats.XXXXXX")
	export ZK_TMP
	: >"$ZK_TMP/pids"
}

zk_teardown() {
	local pid
	[ -n "${ZK_TMP:-}" ] || return 0
	while read -r pid; do
		kill -CONT "$pid" 2>/dev/null || true
		kill -TERM "$pid" 2>/dev/null || true
	done <"$ZK_TMP/pids"
	while read -r pid; do
		for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	done <"$ZK_TMP/pids"
	# A sanitizer build (make check-asan) reports into the peers' logs:
	# any report there fails the test that ran the peer.
	if grep -l 'AddressSanitizer\|LeakSanitizer\|runtime error:' \
	    "$ZK_TMP"/*/log 2>/dev/null; then
		grep -h -A20 'Sanitizer\|runtime error:' "$ZK_TMP"/*/log | head -60
		rm -rf "$ZK_TMP"
		return 1
	fi
	rm -rf "$ZK_TMP"
}

# wait_for CMD...: run CMD until it succeeds, at most $WAIT_SECS (10) seconds.
wait_for() {
	local deadline=$((SECONDS + ${WAIT_SECS:-10}))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.05
	done
}

free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

# start_peer NAME [zoo.cfg lines...]: a standalone peer in $ZK_TMP/NAME.
start_peer() {
	local name=$1 dir port pid try
	shift
	dir=$ZK_TMP/$name
	mkdir -p "$dir/data"
	for try in 1 2 3 4 5; do
		if [ -f "$dir/port" ]; then port=$(cat "$dir/port"); else port=$(free_port); fi
		{
			echo "tickTime=${ZK_TICK:-200}"
			echo "dataDir=$dir/data"
			echo "clientPort=$port"
			echo "clientPortAddress=127.0.0.1"
			echo "preAllocSize=1024"
			for l in "$@"; do echo "$l"; done
		} >"$dir/zoo.cfg"
		zk-peer -c "$dir/zoo.cfg" 2>>"$dir/log" &
		pid=$!
		echo "$pid" >>"$ZK_TMP/pids"
		echo "$pid" >"$dir/pid"
		if wait_for zk-peer status -s "127.0.0.1:$port"; then
			echo "$port" >"$dir/port"
			eval "PORT_$name=$port"
			ZK_SERVERS=127.0.0.1:$port
			export ZK_SERVERS
			return 0
		fi
		kill -9 "$pid" 2>/dev/null || true
		[ -f "$dir/port" ] && break	# a restart on a known port: do not move
		# A first start that failed leaves nothing worth keeping; clearing
		# it keeps the epochs a test expects (each start begins one).
		rm -rf "${dir:?}/data" && mkdir -p "$dir/data"
	done
	echo "start_peer $name failed; its log:" >&2
	cat "$dir/log" >&2
	return 1
}

# alive PID: running (a zombie that is not reaped yet counts as gone).
alive() {
	[ -e "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null
}

# stop_peer NAME [SIGNAL]: stop it and wait until it is gone.
stop_peer() {
	local dir=$ZK_TMP/$1 pid
	pid=$(cat "$dir/pid")
	kill "-${2:-TERM}" "$pid" 2>/dev/null
	for _ in $(seq 200); do
		alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
		sleep 0.05
	done
	kill -9 "$pid" 2>/dev/null || true
	return 1
}

peer_dir() { echo "$ZK_TMP/$1"; }
