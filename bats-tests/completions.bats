#!/usr/bin/env bats
# Every long flag in a tool's -h usage is in its man page and in each of
# the three completion files (bash, zsh, fish), for every binary.

load helpers

ROOT=$BATS_TEST_DIRNAME/..
TOOLS="zk-get zk-set zk-ls zk-rm zk-stat zk-log zk-bench zk-peer zk-watch zk-lock zk-elect"

# long_flags TOOL [SUBCOMMAND]: the long flags its -h prints, one a line
# (for a subcommand, from the lines that name it).
long_flags() {
	"$@" -h 2>/dev/null | grep -F -- "${2:-}" |
	    grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

# The man page as a reader sees it: rendered, plain ASCII; without groff,
# the source with mdoc's flag macros spelled out (".Fl \-stat": --stat).
man_text() {
	if command -v groff >/dev/null && command -v col >/dev/null; then
		groff -mandoc -Tascii "$ROOT/share/man/man1/$1.1" 2>/dev/null |
		    col -b
	else
		sed -e 's/\\-/-/g' -e 's/Fl -/Fl --/g' "$ROOT/share/man/man1/$1.1"
	fi
}

# has_flag TEXT FLAG: FLAG is in TEXT as a whole word.
has_flag() {
	grep -qE -- "(^|[^a-z0-9-])$2([^a-z0-9-]|$)" <<<"$1"
}

# bash: what the completion function offers for "TOOL [SUB] --".
bash_offers() {
	(
		source "$ROOT/completions/zk.bash"
		COMP_WORDS=("$@" --)
		COMP_CWORD=$#
		_zk
		printf '%s\n' "${COMPREPLY[@]}"
	)
}

# zsh: the body of the tool's function, _zk_get() { ... }.
zsh_body() {
	awk -v fn="_${1//-/_}() {" '$0 == fn { on = 1 } on { print } on && /^}/ { exit }' \
	    "$ROOT/completions/_zk"
}

@test "every binary has -h, a man page and a completion in all three files" {
	for t in $TOOLS; do
		run "$t" -h
		assert_success
		[ -f "$ROOT/share/man/man1/$t.1" ]
		grep -q "^complete -F _zk $t\$" "$ROOT/completions/zk.bash"
		grep -q "^#compdef .*\\b$t\\b" "$ROOT/completions/_zk"
		grep -q "^complete -c $t " "$ROOT/completions/zk.fish"
	done
}

@test "every long flag of -h is in the man page" {
	for t in $TOOLS; do
		text=$(man_text "$t")
		[ -n "$text" ]
		for f in $(long_flags "$t"); do
			has_flag "$text" "$f" || { echo "$t.1 lacks $f"; return 1; }
		done
	done
	text=$(man_text zk-peer)
	for f in $(long_flags zk-peer status); do
		has_flag "$text" "$f" || { echo "zk-peer.1 lacks status $f"; return 1; }
	done
}

@test "every long flag of -h is offered by the bash completion" {
	for t in $TOOLS; do
		offers=$(bash_offers "$t")
		for f in $(long_flags "$t"); do
			has_flag "$offers" "$f" || { echo "bash: $t lacks $f"; return 1; }
		done
	done
	offers=$(bash_offers zk-peer status)
	for f in $(long_flags zk-peer status); do
		has_flag "$offers" "$f" || { echo "bash: zk-peer status lacks $f"; return 1; }
	done
}

@test "every long flag of -h is offered by the zsh completion" {
	for t in $TOOLS; do
		body=$(zsh_body "$t")
		[ -n "$body" ]
		for f in $(long_flags "$t") $([ "$t" = zk-peer ] && long_flags zk-peer status); do
			has_flag "$body" "$f" || { echo "zsh: $t lacks $f"; return 1; }
		done
	done
}

@test "every long flag of -h is offered by the fish completion" {
	for t in $TOOLS; do
		for f in $(long_flags "$t") $([ "$t" = zk-peer ] && long_flags zk-peer status); do
			grep -qE -- "^complete -c $t .*-l ${f#--}( |$)" \
			    "$ROOT/completions/zk.fish" ||
			    { echo "fish: $t lacks $f"; return 1; }
		done
	done
}

@test "the completion files parse in their shells" {
	bash -n "$ROOT/completions/zk.bash"
	if command -v zsh >/dev/null; then zsh -n "$ROOT/completions/_zk"; fi
	if command -v fish >/dev/null; then fish -n "$ROOT/completions/zk.fish"; fi
}
