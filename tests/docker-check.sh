#!/bin/sh
# docker-check.sh (make check-docker): no container engine runs on our
# machines, so this carries out the Dockerfile's own steps in fresh Debian
# roots made with debootstrap: each FROM starts a copy of a minbase
# bookworm root (what debian:12-slim is), RUN runs in it with chroot,
# COPY copies from the build context or from an earlier stage, and ENV,
# WORKDIR and USER are kept for the steps after them.  Then the runtime
# root runs the image's entrypoint as its user: --help, --version of every
# program, and a nightly batch of generated calls into a PostgreSQL of the
# host through its socket.  Needs root (chroot) and the network to Debian.
set -eu
cd "$(dirname "$0")/.."
TOP=$PWD
W=${DOCKER_CHECK_DIR:-$TOP/build/docker-check}
BASE=$W/base

command -v debootstrap >/dev/null || sh tests/install-deps.sh debootstrap
if [ ! -x "$BASE/bin/sh" ]; then
	rm -rf "$BASE"
	mkdir -p "$W"
	debootstrap --variant=minbase bookworm "$BASE" http://deb.debian.org/debian >"$W/debootstrap.log" 2>&1 ||
		{ tail -20 "$W/debootstrap.log"; exit 1; }
fi

MOUNTED=
cleanup() {
	for m in $MOUNTED; do umount -l "$m" 2>/dev/null || :; done
}
trap cleanup EXIT INT TERM

# Join continuation lines, drop comments; one instruction per line.
awk '
	/^[ \t]*#/ && cont == "" { next }
	{ line = cont $0 }
	/\\$/ { sub(/\\$/, "", line); cont = line " "; next }
	{ cont = ""; if (line ~ /[^ \t]/) print line }
' Dockerfile >"$W/steps"

stage= root= workdir=/ user=root envs= entry= cmd=
start_stage() {
	name=$1
	root=$W/stage-$name
	rm -rf "$root"
	cp -a "$BASE" "$root"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	mount -t proc proc "$root/proc" && MOUNTED="$root/proc $MOUNTED"
	workdir=/ user=root envs=
	eval "root_$name=\$root"
	echo "== stage $name in $root"
}

n=0
while IFS= read -r line; do
	n=$((n + 1))
	set -f
	# shellcheck disable=SC2086
	set -- $line
	set +f
	ins=$1
	shift
	case $ins in
	FROM)
		stage=final
		[ $# -ge 3 ] && [ "$2" = AS ] && stage=$3
		start_stage "$stage"
		;;
	RUN)
		rest=${line#RUN }
		echo "   RUN $rest" | cut -c1-100
		chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root DEBIAN_FRONTEND=noninteractive $envs \
			/bin/sh -c "mkdir -p '$workdir' && cd '$workdir' && $rest" >"$W/step$n.log" 2>&1 ||
			{ echo "docker-check: Dockerfile step $n failed: RUN $rest" >&2; tail -30 "$W/step$n.log" >&2; exit 1; }
		;;
	WORKDIR) workdir=$1; mkdir -p "$root$workdir" ;;
	ENV) envs="$envs $*" ;;
	USER) user=$1 ;;
	COPY)
		if [ "${1#--from=}" != "$1" ]; then
			from=${1#--from=}
			eval "src_root=\$root_$from"
			mkdir -p "$root$3"
			cp -a "$src_root$2/." "$root$3/"
		else
			case $2 in /*) dst=$root$2 ;; *) dst=$root$workdir/$2 ;; esac
			if [ -d "$1" ]; then mkdir -p "$dst"; cp -a "$1/." "$dst/"; else cp -a "$1" "$dst"; fi
		fi
		;;
	ENTRYPOINT) entry=$(echo "$*" | tr -d '[]",') ;;
	CMD) cmd=$(echo "$*" | tr -d '[]",') ;;
	*) echo "docker-check: Dockerfile: unsupported instruction $ins" >&2; exit 1 ;;
	esac
done <"$W/steps"

echo "== the runtime image ($stage), as user $user"
run() { chroot --userspec="$user:$user" "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/var/lib/callqa $envs "$@"; }
run $entry $cmd | head -3
for p in "$root"/usr/bin/callqa*; do
	run "/usr/bin/${p##*/}" --version
done
size=$(du -sh --exclude=proc "$root" | cut -f1)
echo "runtime root: $size"

# A real batch inside the image: calls generated on the host, a database
# of the host's private cluster reached through its socket directory.
if [ -x build/callgen ] && [ "${DOCKER_CHECK_BATCH:-1}" = 1 ]; then
	rm -rf "$root/calls"
	build/callgen month --out "$root/calls" --agents 2 --month 2026-10 \
		--days 1 --calls-per-day 2 --seed 3 >/dev/null
	chown -R "$(chroot "$root" id -u "$user"):0" "$root/calls"
	# A throwaway cluster of the check's own, whose socket the image's
	# unprivileged user may reach.
	export CALLQA_VAR=$W/var
	bin/callqa db start >/dev/null
	trap 'bin/callqa db stop >/dev/null 2>&1; cleanup' EXIT INT TERM
	chmod 755 "$CALLQA_VAR/run"
	db=$(bin/callqa db url)
	sock=$(echo "$db" | sed -n "s/.*host='\{0,1\}\([^ ']*\).*/\1/p")
	mkdir -p "$root$sock" && mount --bind "$sock" "$root$sock" && MOUNTED="$root$sock $MOUNTED"
	rc=0
	run callqa nightly -q -d "$db" -b DOCKERCHECK /calls || rc=$?
	echo "nightly in the runtime image: exit $rc"
	[ $rc -eq 0 ] || [ $rc -eq 3 ] || exit 1
fi
echo "docker-check: the Dockerfile's steps built and ran in fresh Debian 12 roots"
