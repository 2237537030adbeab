# bash completion for the zk tools: zk-get zk-set zk-ls zk-rm zk-stat zk-log
# zk-bench zk-peer zk-watch zk-lock zk-elect. Every flag of each tool's
# usage line; values for -o, --from and --op; znode paths by asking the
# ensemble ($ZK_SERVERS, or -s on the line) with zk-ls; and CMD after
# "PATH --" (zk-set, zk-watch, zk-lock, zk-elect) as a command.

_zk_common='-s --servers --session-timeout -T --timeout -o --output
	-q --quiet -h --help -V --version'

# _zk_flags TOOL [status]: the flags TOOL takes.
_zk_flags()
{
	case $1 in
	zk-get)		echo "-S --stat -R --recursive -w --wait --sync $_zk_common" ;;
	zk-set)		echo "-c --create -u --update -v --if-version
			    -p --parents -S --sequential -e --ephemeral
			    --from $_zk_common" ;;
	zk-ls)		echo "-R --recursive -l --long --sync $_zk_common" ;;
	zk-rm)		echo "-v --if-version -R --recursive -f --force
			    $_zk_common" ;;
	zk-stat)	echo "--sync $_zk_common" ;;
	zk-log)		echo "-o --output -h --help -V --version" ;;
	zk-bench)	echo "-c -w -d --op --size --keys --warmup --rate
			    $_zk_common" ;;
	zk-watch)	echo "-r --recursive --data -n --count --since
			    $_zk_common" ;;
	zk-lock)	echo "-n --nonblock -w --wait -r --shared
			    -E --conflict-exit-code $_zk_common" ;;
	zk-elect)	echo "--id -l --listen --leader $_zk_common" ;;
	zk-peer)
		if [ "$2" = status ]; then
			echo "-s --servers -o --output -T --timeout -h --help"
		else
			echo "-c --config --id --data-dir --client-port
			    --client-address -h --help -V --version"
		fi ;;
	esac
}

# _zk_znodes CUR SERVERS: the children of CUR's parent, as full paths.
_zk_znodes()
{
	local cur=$1 dir base IFS=$'\n'

	dir=${cur%/*}
	[ -n "$dir" ] || dir=/
	base=$dir
	[ "$dir" = / ] && base=
	COMPREPLY=( $(compgen -W "$(zk-ls -T 1 ${2:+-s "$2"} -- "$dir" \
	    2>/dev/null | sed "s|^|$base/|")" -- "$cur") )
}

_zk()
{
	local cur prev tool w i nops=0 servers= sub= takes_arg

	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	tool=${COMP_WORDS[0]##*/}
	COMPREPLY=()
	# Flags whose value is the next word; that word is no operand.
	takes_arg='-s|--servers|--session-timeout|-T|--timeout|-o|--output|-v|--if-version|--from|--op|--size|--keys|--warmup|--rate|--id|--data-dir|--client-port|--client-address|--config'
	case $tool in
	zk-bench)	takes_arg="$takes_arg|-c|-w|-d" ;;
	zk-peer)	takes_arg="$takes_arg|-c" ;;
	zk-watch)	takes_arg="$takes_arg|-n|--count|--since" ;;
	zk-lock)	takes_arg="$takes_arg|-w|--wait|-E|--conflict-exit-code" ;;
	esac
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-s|--servers)	servers=${COMP_WORDS[i+1]} ;;
		--servers=*)	servers=${w#--servers=} ;;
		esac
		if [ "$w" = -- ] && [ $nops -gt 0 ] &&
		    [[ $tool == @(zk-set|zk-watch|zk-lock|zk-elect) ]]; then
			# CMD [ARG...]: complete it as its own command line.
			if declare -F _command_offset >/dev/null; then
				_command_offset $((i + 1))
			elif [ $((i + 1)) -eq $COMP_CWORD ]; then
				COMPREPLY=( $(compgen -c -- "$cur" | sort -u) )
			else
				COMPREPLY=( $(compgen -f -- "$cur") )
			fi
			return 0
		fi
		eval "case \$w in $takes_arg) ((i++)); continue ;; esac"
		case $w in
		-*)	;;
		*)	nops=$((nops + 1)); [ $nops -eq 1 ] && sub=$w ;;
		esac
	done

	case $prev in
	-o|--output)
		case $tool in
		zk-log|zk-peer)	COMPREPLY=( $(compgen -W "text json" -- "$cur") ) ;;
		*)		COMPREPLY=( $(compgen -W "text json msgpack" \
				    -- "$cur") ) ;;
		esac
		return 0 ;;
	--from)
		COMPREPLY=( $(compgen -W "msgpack json" -- "$cur") )
		return 0 ;;
	--op)
		COMPREPLY=( $(compgen -W "get set create watch mixed:" -- "$cur") )
		return 0 ;;
	--data-dir)
		COMPREPLY=( $(compgen -d -- "$cur") )
		return 0 ;;
	-c|--config)
		if [ "$tool" = zk-peer ]; then
			COMPREPLY=( $(compgen -f -- "$cur") )
			return 0
		fi
		[ "$tool" = zk-bench ] && return 0 ;;
	-s|--servers|--session-timeout|-T|--timeout|-v|--if-version|--size|--keys|--warmup|--rate|--id|--client-port|--client-address|--since|--count|-E|--conflict-exit-code)
		return 0 ;;
	-w|--wait)
		[[ $tool == @(zk-bench|zk-lock) ]] && return 0 ;;
	-d)
		[ "$tool" = zk-bench ] && return 0 ;;
	-n)
		[ "$tool" = zk-watch ] && return 0 ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=( $(compgen -W "$(_zk_flags "$tool" "$sub")" \
		    -- "$cur") )
		return 0
	fi
	case $tool in
	zk-log)
		if [ $nops -eq 0 ]; then
			COMPREPLY=( $(compgen -W "dump verify stat snapshot" \
			    -- "$cur") )
		else
			COMPREPLY=( $(compgen -f -- "$cur") )
		fi ;;
	zk-peer)
		[ $nops -eq 0 ] &&
		    COMPREPLY=( $(compgen -W "status" -- "$cur") ) ;;
	zk-bench)
		;;
	zk-set|zk-watch|zk-lock|zk-elect)
		[ $nops -eq 0 ] && _zk_znodes "$cur" "$servers" ;;
	*)
		_zk_znodes "$cur" "$servers" ;;
	esac
	return 0
}

complete -F _zk zk-get
complete -F _zk zk-set
complete -F _zk zk-ls
complete -F _zk zk-rm
complete -F _zk zk-stat
complete -F _zk zk-log
complete -F _zk zk-bench
complete -F _zk zk-peer
complete -F _zk zk-watch
complete -F _zk zk-lock
complete -F _zk zk-elect
