#!/bin/sh
# Installs the Debian packages the build and the tests need, if any is
# missing: `apt-get update` once, then one `apt-get install`.
pkgs="build-essential pkg-config libevent-dev libmsgpack-dev libjansson-dev
bats bats-assert bats-support bats-file jq iproute2 iptables util-linux procps
groff-base zsh fish"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing" >&2
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null
