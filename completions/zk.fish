# fish completion for the zk tools: every flag of each tool's usage line,
# one "complete" line per flag. znode paths are completed by asking the
# ensemble ($ZK_SERVERS) with zk-ls.

# The children of the path being typed, as full paths.
function __zk_znodes
	set -l tok (commandline -ct)
	set -l dir (string replace -r '/[^/]*$' '' -- $tok)
	test -n "$dir"; or set dir /
	set -l base $dir
	test "$dir" = /; and set base ''
	for n in (zk-ls -T 1 -- $dir 2>/dev/null)
		echo "$base/$n"
	end
end

# True while no "--" has been typed (zk-set, zk-watch, zk-lock,
# zk-elect: after it comes CMD).
function __zk_no_cmd
	not contains -- -- (commandline -opc)
end

# Completes CMD [ARG...], the words after "--", as a command line.
function __zk_cmd
	set -l tokens (commandline -opc) (commandline -ct)
	set -l i (contains -i -- -- $tokens)
	set -l rest $tokens[(math $i + 1)..-1]
	complete -C "$rest"
end

# zk-get
complete -c zk-get -s S -l stat -d 'print the stat instead of the data'
complete -c zk-get -s R -l recursive -d 'PATH and every descendant, parents first'
complete -c zk-get -s w -l wait -d 'wait until PATH exists, then read it'
complete -c zk-get -l sync -d 'sync with the leader first: a linearizable read'
complete -c zk-get -s s -l servers -x -d 'ensemble to talk to'
complete -c zk-get -l session-timeout -x -d 'session timeout to ask for, in ms'
complete -c zk-get -s T -l timeout -x -d 'give up connecting or waiting after this long'
complete -c zk-get -s o -l output -x -a 'text json msgpack' -d 'output format'
complete -c zk-get -s q -l quiet -d 'no output, exit status only'
complete -c zk-get -s h -l help -d 'print the help and exit'
complete -c zk-get -s V -l version -d 'print the version and exit'
complete -c zk-get -f -a '(__zk_znodes)'

# zk-set
complete -c zk-set -s c -l create -d 'create only: exit 1 if it exists'
complete -c zk-set -s u -l update -d 'update only: exit 1 if missing'
complete -c zk-set -s v -l if-version -x -d 'only if its version is N'
complete -c zk-set -s p -l parents -d 'create missing parents'
complete -c zk-set -s S -l sequential -d 'append a sequence number, print the path'
complete -c zk-set -s e -l ephemeral -d 'live while CMD runs, else until stdin closes'
complete -c zk-set -l from -x -a 'msgpack json' -d 'write every record read from stdin'
complete -c zk-set -s s -l servers -x -d 'ensemble to talk to'
complete -c zk-set -l session-timeout -x -d 'session timeout to ask for, in ms'
complete -c zk-set -s T -l timeout -x -d 'give up connecting or waiting after this long'
complete -c zk-set -s o -l output -x -a 'text json msgpack' -d 'output format'
complete -c zk-set -s q -l quiet -d 'no output, exit status only'
complete -c zk-set -s h -l help -d 'print the help and exit'
complete -c zk-set -s V -l version -d 'print the version and exit'
complete -c zk-set -f -n __zk_no_cmd -a '(__zk_znodes)'
complete -c zk-set -n 'not __zk_no_cmd' -a '(__zk_cmd)'

# zk-ls
complete -c zk-ls -s R -l recursive -d 'every descendant as a full path'
complete -c zk-ls -s l -l long -d 'long listing with each child\'s stat'
complete -c zk-ls -l sync -d 'sync with the leader first: a linearizable read'
complete -c zk-ls -s s -l servers -x -d 'ensemble to talk to'
complete -c zk-ls -l session-timeout -x -d 'session timeout to ask for, in ms'
complete -c zk-ls -s T -l timeout -x -d 'give up connecting or waiting after this long'
complete -c zk-ls -s o -l output -x -a 'text json msgpack' -d 'output format'
complete -c zk-ls -s q -l quiet -d 'no output, exit status only'
complete -c zk-ls -s h -l help -d 'print the help and exit'
complete -c zk-ls -s V -l version -d 'print the version and exit'
complete -c zk-ls -f -a '(__zk_znodes)'

# zk-rm
complete -c zk-rm -s v -l if-version -x -d 'only if its version is N'
complete -c zk-rm -s R -l recursive -d 'the whole subtree, children first'
complete -c zk-rm -s f -l force -d 'a missing node is not an error'
complete -c zk-rm -s s -l servers -x -d 'ensemble to talk to'
complete -c zk-rm -l session-timeout -x -d 'session timeout to ask for, in ms'
complete -c zk-rm -s T -l timeout -x -d 'give up connecting or waiting after this long'
complete -c zk-rm -s o -l output -x -a 'text json msgpack' -d 'output format'
complete -c zk-rm -s q -l quiet -d 'no output, exit status only'
complete -c zk-rm -s h -l help -d 'print the help and exit'
complete -c zk-rm -s V -l version -d 'print the version and exit'
complete -c zk-rm -f -a '(__zk_znodes)'

# zk-stat
complete -c zk-stat -l sync -d 'sync with the leader first: a linearizable read'
complete -c zk-stat -s s -l servers -x -d 'ensemble to talk to'
complete -c zk-stat -l session-timeout -x -d 'session timeout to ask for, in ms'
complete -c zk-stat -s T -l timeout -x -d 'give up connecting or waiting after this long'
complete -c zk-stat -s o -l output -x -a 'text json msgpack' -d 'output format'
complete -c zk-stat -s q -l quiet -d 'no output, exit status only'
complete -c zk-stat -s h -l help -d 'print the help and exit'
complete -c zk-stat -s V -l version -d 'print the version and exit'
complete -c zk-stat -f -a '(__zk_znodes)'

# zk-log
complete -c zk-log -s o -l output -x -a 'text json' -d 'output format'
complete -c zk-log -s h -l help -d 'print the help and exit'
complete -c zk-log -s V -l version -d 'print the version and exit'
complete -c zk-log -n 'not __fish_seen_subcommand_from dump verify stat snapshot' -f -a 'dump verify stat snapshot'
complete -c zk-log -n '__fish_seen_subcommand_from dump verify stat snapshot' -F

# zk-bench
complete -c zk-bench -s c -x -d 'sessions, one connection each'
complete -c zk-bench -s w -x -d 'requests outstanding per session'
complete -c zk-bench -s d -x -d 'length of the measured run'
complete -c zk-bench -l op -x -a 'get set create watch mixed:50' -d 'the request to send'
complete -c zk-bench -l size -x -d 'data per write'
complete -c zk-bench -l keys -x -d 'nodes prepared for get and set'
complete -c zk-bench -l warmup -x -d 'load before measuring'
complete -c zk-bench -l rate -x -d 'at most N requests (watch: changes) per second'
complete -c zk-bench -s s -l servers -x -d 'ensemble to talk to'
complete -c zk-bench -l session-timeout -x -d 'session timeout to ask for, in ms'
complete -c zk-bench -s T -l timeout -x -d 'give up connecting or waiting after this long'
complete -c zk-bench -s o -l output -x -a 'text json msgpack' -d 'output format'
complete -c zk-bench -s q -l quiet -d 'no output, exit status only'
complete -c zk-bench -s h -l help -d 'print the help and exit'
complete -c zk-bench -s V -l version -d 'print the version and exit'
complete -c zk-bench -f

# zk-peer
complete -c zk-peer -n 'not __fish_seen_subcommand_from status' -s c -l config -r -F -d 'zoo.cfg to read'
complete -c zk-peer -n 'not __fish_seen_subcommand_from status' -l id -x -d 'this server\'s id (myid)'
complete -c zk-peer -n 'not __fish_seen_subcommand_from status' -l data-dir -x -a '(__fish_complete_directories)' -d 'data directory'
complete -c zk-peer -n 'not __fish_seen_subcommand_from status' -l client-port -x -d 'client port'
complete -c zk-peer -n 'not __fish_seen_subcommand_from status' -l client-address -x -d 'client address'
complete -c zk-peer -n 'not __fish_seen_subcommand_from status' -s h -l help -d 'print the help and exit'
complete -c zk-peer -n 'not __fish_seen_subcommand_from status' -s V -l version -d 'print the version and exit'
complete -c zk-peer -f -n 'not __fish_seen_subcommand_from status' -a status -d 'ask servers for their mode and figures'
complete -c zk-peer -n '__fish_seen_subcommand_from status' -s s -l servers -x -d 'servers to ask'
complete -c zk-peer -n '__fish_seen_subcommand_from status' -s o -l output -x -a 'text json' -d 'output format'
complete -c zk-peer -n '__fish_seen_subcommand_from status' -s T -l timeout -x -d 'give up after this long'
complete -c zk-peer -n '__fish_seen_subcommand_from status' -s h -l help -d 'print the help and exit'

# zk-watch
complete -c zk-watch -s r -l recursive -d 'the whole subtree: every node created, deleted, changed'
complete -c zk-watch -l data -d 'include the new data of created and changed nodes'
complete -c zk-watch -s n -l count -x -d 'stop after COUNT events'
complete -c zk-watch -l since -x -d 'first replay what changed after ZXID (0x hex or decimal)'
complete -c zk-watch -s s -l servers -x -d 'ensemble to talk to'
complete -c zk-watch -l session-timeout -x -d 'session timeout to ask for, in ms'
complete -c zk-watch -s T -l timeout -x -d 'give up connecting or waiting after this long'
complete -c zk-watch -s o -l output -x -a 'text json msgpack' -d 'output format'
complete -c zk-watch -s q -l quiet -d 'no output, exit status only'
complete -c zk-watch -s h -l help -d 'print the help and exit'
complete -c zk-watch -s V -l version -d 'print the version and exit'
complete -c zk-watch -f -n __zk_no_cmd -a '(__zk_znodes)'
complete -c zk-watch -n 'not __zk_no_cmd' -a '(__zk_cmd)'

# zk-lock
complete -c zk-lock -s n -l nonblock -d 'exit 1 at once if the lock is held'
complete -c zk-lock -s w -l wait -x -d 'exit 1 if not acquired within SECONDS'
complete -c zk-lock -s r -l shared -d 'a read lock: readers share, writers exclude'
complete -c zk-lock -s E -l conflict-exit-code -x -d 'exit CODE instead of 1 when the lock is busy'
complete -c zk-lock -s s -l servers -x -d 'ensemble to talk to'
complete -c zk-lock -l session-timeout -x -d 'session timeout to ask for, in ms'
complete -c zk-lock -s T -l timeout -x -d 'give up connecting or waiting after this long'
complete -c zk-lock -s o -l output -x -a 'text json msgpack' -d 'output format'
complete -c zk-lock -s q -l quiet -d 'no output, exit status only'
complete -c zk-lock -s h -l help -d 'print the help and exit'
complete -c zk-lock -s V -l version -d 'print the version and exit'
complete -c zk-lock -f -n __zk_no_cmd -a '(__zk_znodes)'
complete -c zk-lock -n 'not __zk_no_cmd' -a '(__zk_cmd)'

# zk-elect
complete -c zk-elect -l id -x -d 'this candidate\'s id (default HOST:PID)'
complete -c zk-elect -s l -l listen -d 'no campaign: print the leader and each change'
complete -c zk-elect -l leader -d 'print the current leader once; exit 1 if none'
complete -c zk-elect -s s -l servers -x -d 'ensemble to talk to'
complete -c zk-elect -l session-timeout -x -d 'session timeout to ask for, in ms'
complete -c zk-elect -s T -l timeout -x -d 'give up connecting or waiting after this long'
complete -c zk-elect -s o -l output -x -a 'text json msgpack' -d 'output format'
complete -c zk-elect -s q -l quiet -d 'no output, exit status only'
complete -c zk-elect -s h -l help -d 'print the help and exit'
complete -c zk-elect -s V -l version -d 'print the version and exit'
complete -c zk-elect -f -n __zk_no_cmd -a '(__zk_znodes)'
complete -c zk-elect -n 'not __zk_no_cmd' -a '(__zk_cmd)'
