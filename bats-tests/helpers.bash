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

# ---------------------------------------------------------------------
# Ensembles inside a private network namespace (ensemble.bats).
#
# Member I listens on 127.0.0.I (client 2181, quorum 2888, election 3888)
# inside a namespace zkt-* that ens_setup creates and ens_teardown
# deletes, so nothing a test does reaches the host's network, and an
# iptables rule in the namespace cuts exactly one link. Members 1..3 vote,
# member 4 observes. Every process goes in through nsx. The namespace's
# loopback routes name 127.0.0.254 as the preferred source, so the client
# tools (which do not bind) talk from an address no member has: a cut
# between two members never cuts a client or a status query. Peers bind
# their own address for election and quorum links, so the cut holds them.
#
#   ens_setup / ens_teardown      namespace up; every process killed, gone
#   nsx CMD...                    CMD inside the namespace
#   ens_up [zoo.cfg lines...]     configure and start all members, wait
#   ens_start I / ens_kill I SIG  start member I / signal it (KILL waits)
#   ens_status I... / ens_field I KEY / ens_leader [I...]
#   ens_cut I J / ens_heal I J / ens_heal_all    iptables, both ways
#   ens_converged [I...]          serving, one leader, one zxid and digest
#   ens_writers_start NAME... / ens_writers_stop / ens_check_acked I
# ---------------------------------------------------------------------

: "${ENS_VOTERS:=3}"
: "${ENS_OBSERVERS:=1}"

nsx() { ip netns exec "$ZK_NS" "$@"; }

ens_addr() { echo "127.0.0.$1:2181"; }

# ens_addrs I...: the client addresses of members I..., comma-separated.
ens_addrs() {
	local i out=
	for i in "$@"; do out="$out${out:+,}$(ens_addr "$i")"; done
	echo "$out"
}

ens_all() { seq "$((ENS_VOTERS + ENS_OBSERVERS))"; }

ens_dir() { echo "$ZK_TMP/m$1"; }

ens_setup() {
	zk_setup
	: >"$ZK_TMP/bgpids"
	ZK_NS=zkt-${ZK_TMP##*.}-$$
	export ZK_NS
	echo "$ZK_NS" >"$ZK_TMP/netns"
	ip netns add "$ZK_NS" || return 1
	nsx ip link set lo up || return 1
	nsx ip route replace local 127.0.0.0/8 dev lo table local \
	    proto kernel scope host src 127.0.0.254 || return 1
	nsx ip route replace local 127.0.0.1 dev lo table local \
	    proto kernel scope host src 127.0.0.254 || return 1
	ENS_SERVERS=$(ens_addrs $(ens_all))
	ZK_SERVERS=$ENS_SERVERS
	export ENS_SERVERS ZK_SERVERS
}

# ens_teardown: writers stopped, every process in the namespace asked to
# stop (SIGCONT first, for stopped ones), killed with SIGKILL after 2 s,
# the namespace deleted; then zk_teardown's sanitizer check and cleanup.
# On a failed test the tail of each member's log goes to stderr.
ens_teardown() {
	local pid pids i
	[ -n "${ZK_TMP:-}" ] || return 0
	rm -f "$ZK_TMP/go"
	while read -r pid; do
		kill -TERM "$pid" 2>/dev/null || true
	done <"$ZK_TMP/bgpids"
	if [ -n "${ZK_NS:-}" ] && [ -e "/run/netns/$ZK_NS" ]; then
		pids=$(ip netns pids "$ZK_NS")
		for pid in $pids; do
			kill -CONT "$pid" 2>/dev/null || true
			kill -TERM "$pid" 2>/dev/null || true
		done
		for _ in $(seq 40); do
			[ -z "$(ip netns pids "$ZK_NS")" ] && break
			sleep 0.05
		done
		for _ in $(seq 40); do
			pids=$(ip netns pids "$ZK_NS")
			[ -z "$pids" ] && break
			for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
			sleep 0.05
		done
		ip netns del "$ZK_NS"
	fi
	# Whatever was started but never reached the namespace.
	while read -r pid; do
		alive "$pid" || continue
		kill -CONT "$pid" 2>/dev/null || true
		kill -KILL "$pid" 2>/dev/null || true
	done <"$ZK_TMP/pids"
	if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
		for i in $(ens_all); do
			[ -f "$(ens_dir "$i")/log" ] || continue
			echo "--- member $i log (tail)" >&2
			tail -n 40 "$(ens_dir "$i")/log" >&2
		done
	fi
	: >"$ZK_TMP/pids"	# all gone; their numbers may be reused
	zk_teardown
}

# ens_config I [lines...]: zoo.cfg and myid of member I.
ens_config() {
	local i=$1 dir j role
	shift
	dir=$(ens_dir "$i")
	mkdir -p "$dir/data"
	echo "$i" >"$dir/data/myid"
	{
		echo "tickTime=${ZK_TICK:-200}"
		echo "initLimit=10"
		echo "syncLimit=5"
		echo "dataDir=$dir/data"
		echo "clientPort=2181"
		echo "clientPortAddress=127.0.0.$i"
		echo "preAllocSize=1024"
		for j in $(ens_all); do
			role=
			[ "$j" -gt "$ENS_VOTERS" ] && role=:observer
			echo "server.$j=127.0.0.$j:2888:3888$role"
		done
		for l in "$@"; do echo "$l"; done
	} >"$dir/zoo.cfg"
}

# ens_start I: start member I in the background (its log in its dir);
# $ENS_PEER names another zk-peer binary to run (a test build).
ens_start() {
	local dir pid
	dir=$(ens_dir "$1")
	# Not through nsx: a function run in the background is a subshell,
	# and $! would name it instead of the peer (ip netns exec execs).
	ip netns exec "$ZK_NS" "${ENS_PEER:-zk-peer}" -c "$dir/zoo.cfg" \
	    2>>"$dir/log" 3>&- &
	pid=$!
	echo "$pid" >>"$ZK_TMP/pids"
	echo "$pid" >"$dir/pid"
}

# ens_kill I SIGNAL: signal member I; for KILL and TERM wait until gone.
ens_kill() {
	local pid
	pid=$(cat "$(ens_dir "$1")/pid")
	kill "-$2" "$pid" || return 1
	case $2 in
	KILL|TERM|9|15)
		for _ in $(seq 200); do
			alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
			sleep 0.05
		done
		return 1 ;;
	esac
}

# ens_up [zoo.cfg lines...]: configure and start every member, then wait
# until all of them serve.
ens_up() {
	local i
	for i in $(ens_all); do ens_config "$i" "$@"; done
	for i in $(ens_all); do ens_start "$i"; done
	WAIT_SECS=${WAIT_SECS:-20} wait_for ens_serving $(ens_all) || {
		ens_status $(ens_all) >&2
		return 1
	}
}

# ens_status I...: one JSON object per member (exit 0 if all serve).
ens_status() {
	nsx zk-peer status -s "$(ens_addrs "$@")" -o json -T 1
}

ens_serving() { ens_status "$@" >/dev/null; }

# ens_field I KEY: one status field of member I.
ens_field() {
	ens_status "$1" | jq -r ".$2"
}

# sid_of ADDR: 127.0.0.I:2181 -> I.
sid_of() { local a=${1%%:*}; echo "${a##*.}"; }

# ens_leader [I...]: the sid of the one serving leader among I... (all by
# default); fails if there is none or more than one.
ens_leader() {
	local l
	[ $# -gt 0 ] || set -- $(ens_all)
	l=$(ens_status "$@" |
	    jq -r 'select(.mode == "leader" and .serving == true) | .server')
	[ -n "$l" ] && [ "$(echo "$l" | wc -l)" -eq 1 ] || return 1
	sid_of "$l"
}

# ens_new_leader OLD EPOCH I...: a serving leader other than OLD among
# I..., in an epoch above EPOCH; prints its sid.
ens_new_leader() {
	local old=$1 epoch=$2 l
	shift 2
	l=$(ens_leader "$@") || return 1
	[ "$l" != "$old" ] && [ "$(ens_field "$l" epoch)" -gt "$epoch" ] &&
	    echo "$l"
}

# ens_follows I LEADER: I serves as follower (observer if an observer) of
# LEADER.
ens_follows() {
	local want=follower
	[ "$1" -gt "$ENS_VOTERS" ] && want=observer
	ens_status "$1" | jq -e --arg m "$want" --argjson l "$2" \
	    '.serving == true and .mode == $m and .leader == $l' >/dev/null
}

# ens_converged [I...]: every member (all by default) serves, exactly one
# leads, the others follow it (observers observe) in its epoch, and all
# hold the same zxid, last logged zxid and tree digest.
ens_converged() {
	local out
	[ $# -gt 0 ] || set -- $(ens_all)
	out=$(ens_status "$@") || return 1
	echo "$out" | jq -s -e --argjson v "$ENS_VOTERS" '
	    ([.[] | select(.mode == "leader")] | length) == 1 and
	    ([.[] | select(.mode == "leader")][0]) as $l |
	    ($l.server | split(":")[0] | split(".")[3] | tonumber) as $sid |
	    all(.[]; .epoch == $l.epoch and .zxid == $l.zxid and
		.last_logged == $l.zxid and .digest == $l.digest and
		(.digest | test("^[0-9a-f]{16}$")) and
		(.mode == "leader" or .leader == $sid) and
		(.server | split(":")[0] | split(".")[3] | tonumber) as $me |
		(if .mode == "leader" then true
		 elif $me > $v then .mode == "observer"
		 else .mode == "follower" end))' >/dev/null
}

# ens_wait_converged [I...]: wait for ens_converged; on failure print the
# statuses.
ens_wait_converged() {
	WAIT_SECS=${WAIT_SECS:-20} wait_for ens_converged "$@" && return 0
	echo "not converged:" >&2
	[ $# -gt 0 ] || set -- $(ens_all)
	ens_status "$@" >&2
	return 1
}

# ens_cut I J: drop every packet between members I and J, both ways.
ens_cut() {
	nsx iptables -A INPUT -s "127.0.0.$1" -d "127.0.0.$2" -j DROP &&
	nsx iptables -A INPUT -s "127.0.0.$2" -d "127.0.0.$1" -j DROP
}

# ens_heal I J: remove the cut between I and J.
ens_heal() {
	nsx iptables -D INPUT -s "127.0.0.$1" -d "127.0.0.$2" -j DROP &&
	nsx iptables -D INPUT -s "127.0.0.$2" -d "127.0.0.$1" -j DROP
}

ens_heal_all() { nsx iptables -F INPUT; }

# ens_log_mark I: the size of member I's log, for ens_log_since.
ens_log_mark() { stat -c %s "$(ens_dir "$1")/log" 2>/dev/null || echo 0; }

# ens_log_since I MARK: member I's log after MARK bytes.
ens_log_since() { tail -c "+$(($2 + 1))" "$(ens_dir "$1")/log"; }

# ens_log_has I MARK ERE: the log of I after MARK has a line matching ERE.
ens_log_has() { ens_log_since "$1" "$2" | grep -Eq "$3"; }

# ens_disk I FIELD: from `zk-log stat` of member I's data dir, the total
# record's FIELD (first_zxid, last_zxid) or an epoch file's value
# (acceptedEpoch, currentEpoch).
ens_disk() {
	nsx zk-log stat -o json "$(ens_dir "$1")/data" | jq -r --arg f "$2" '
	    if .kind == "total" then .[$f] // empty
	    elif .kind == "epoch" and .file == $f then .epoch
	    else empty end'
}

# ens_writer NAME [SERVERS]: until $ZK_TMP/go is removed, write
# /NAME/kI = vI-NAME; each write whose zk-set exited 0 is appended to
# $ZK_TMP/acked.NAME as "PATH VALUE".
ens_writer() {
	local i=0 servers=${2:-$ENS_SERVERS}
	while [ -f "$ZK_TMP/go" ]; do
		i=$((i + 1))
		if nsx zk-set -s "$servers" -T 2 -p "/$1/k$i" "v$i-$1" \
		    2>/dev/null; then
			echo "/$1/k$i v$i-$1" >>"$ZK_TMP/acked.$1"
		else
			sleep 0.05	# no ensemble: do not spin
		fi
	done
}

# ens_writers_start NAME...: one background writer per NAME.
ens_writers_start() {
	local n
	touch "$ZK_TMP/go"
	for n in "$@"; do
		ens_writer "$n" 3>&- &
		echo "$!" >>"$ZK_TMP/bgpids"
	done
}

# ens_writers_stop: let each writer finish its write, and wait for it.
ens_writers_stop() {
	local pid
	rm -f "$ZK_TMP/go"
	while read -r pid; do wait "$pid" 2>/dev/null || true; done \
	    <"$ZK_TMP/bgpids"
	: >"$ZK_TMP/bgpids"
}

ens_acked_count() { cat "$ZK_TMP"/acked.* 2>/dev/null | wc -l; }
ens_acked_at_least() { [ "$(ens_acked_count)" -ge "$1" ]; }

# ens_check_acked I: every acknowledged write is on member I with its
# value (one read of the whole tree); prints what is missing.
ens_check_acked() {
	local missing
	nsx zk-get -s "$(ens_addr "$1")" -o json -R / |
	    jq -r 'select(.data != null) | "\(.path) \(.data)"' |
	    sort >"$ZK_TMP/tree.$1" || return 1
	cat "$ZK_TMP"/acked.* 2>/dev/null | sort >"$ZK_TMP/sorted-acked"
	missing=$(comm -23 "$ZK_TMP/sorted-acked" "$ZK_TMP/tree.$1")
	[ -z "$missing" ] || { echo "lost on member $1:"; echo "$missing"; }
	[ -z "$missing" ]
}
