#!/bin/sh
# Runs every unit test program, then every BATS file, and ends with one
# line "N passed, M failed" counting both. Exit status 0 only if none failed.
# $1 is the build root (. or build/asan): binaries in $1/bin, tests in
# $1/build/tests.
root=${1:-.}
ZK_BIN=$(cd "$root/bin" && pwd)
export ZK_BIN
passed=0 failed=0
out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT

for t in "$root"/build/tests/test_*; do
	[ -x "$t" ] || continue
	"$t" >"$out" 2>&1
	rc=$?
	tail -n 1 "$out"
	line=$(grep -E '^unit .*: [0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
	if [ -z "$line" ]; then
		echo "$t: crashed (exit $rc):"; tail -n 20 "$out"
		failed=$((failed + 1))
		continue
	fi
	[ "$rc" = 0 ] || grep -E '^(FAIL|.*:[0-9]+: )' "$out" | head -20
	p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1/')
	f=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\2/')
	# A sanitizer report after the last line still fails the program.
	[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1 && tail -n 30 "$out"
	passed=$((passed + p)) failed=$((failed + f))
done

if ls bats-tests/*.bats >/dev/null 2>&1; then
	bats --tap bats-tests >"$out" 2>&1
	cat "$out"
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	passed=$((passed + p)) failed=$((failed + f))
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
