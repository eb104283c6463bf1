# slurm.sh: a one-node Slurm cluster on localhost for a test (sourced after
# tests/lib.sh).  Everything lives under $TMP/slurm: a munge key made for
# the test, munged on its own socket, a minimal slurm.conf on free ports,
# slurmctld and slurmd in the foreground of background jobs.  Every daemon
# is stopped by its PID when the test ends (never by name).
#
#   . "$CALLQA_TOP/tests/lib.sh"
#   . "$CALLQA_TOP/tests/slurm.sh"
#   slurm_start || exit 1        # exports SLURM_CONF; SLURM_START_S = seconds
#   j=$(sbatch --parsable --array=0-3 job.sh)
#   slurm_wait "$j" 60           # until the job (all its tasks) has left the queue
#
# Needs the Debian packages slurm-wlm and munge (installed when missing and
# we are root).  munged 0.5.15 runs as root without --force as long as the
# key is 0600 and owned by us and the socket's directory is searchable by
# all (0755); slurmctld and slurmd run as root (SlurmUser=root).
#
# Knobs: SLURM_WAIT (seconds to wait for the node to become idle, 60).

SLURM_DIR=
SLURM_PIDS=
SLURM_START_S=

# slurm_log MSG: a TAP comment on stdout.
slurm_log() { printf '# slurm: %s\n' "$*"; }

# slurm_port: print a TCP port that nothing listens on.
slurm_port() {
	for _i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		_p=$(awk -v s="$$$_i$(date +%N)" 'BEGIN { srand(s % 2147483647)
			print 20000 + int(rand() * 40000) }')
		# In use: a socket bound to it (any state) in /proc/net/tcp*.
		_hex=$(printf '%04X' "$_p")
		if ! cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		     awk -v h="$_hex" '{ split($2, a, ":") } a[2] == h { f = 1 }
			END { exit !f }' &&
		   [ "$_p" != "${SLURM_CTLD_PORT:-}" ]; then
			echo "$_p"
			return 0
		fi
	done
	return 1
}

# slurm_now: seconds since the epoch with a fraction.
slurm_now() { date +%s.%N; }

# slurm_tail: the daemons' logs as TAP comments (after a failure).
slurm_tail() {
	for _f in "$SLURM_DIR"/log/*; do
		[ -s "$_f" ] || continue
		echo "# --- $_f"
		tail -n 15 "$_f" | sed 's/^/#   /'
	done
}

# slurm_bg NAME CMD...: start a daemon in the background, remember its PID.
slurm_bg() {
	_name=$1
	shift
	"$@" </dev/null >"$SLURM_DIR/log/$_name.out" 2>&1 &
	SLURM_PIDS="$SLURM_PIDS $!"
	echo "$!" >"$SLURM_DIR/$_name.bgpid"
}

slurm_start() {
	if ! command -v slurmctld >/dev/null 2>&1 ||
	   ! command -v munged >/dev/null 2>&1; then
		sh "$CALLQA_TOP/tests/install-deps.sh" slurm-wlm munge >&2 ||
			{ slurm_log "cannot install slurm-wlm and munge"; return 1; }
	fi
	SLURM_DIR=$TMP/slurm
	mkdir -p "$SLURM_DIR/munge" "$SLURM_DIR/state" "$SLURM_DIR/spool" \
		"$SLURM_DIR/log"
	chmod 755 "$SLURM_DIR" "$SLURM_DIR/munge"
	at_exit slurm_stop
	# An interrupted test still stops the daemons (sh runs the EXIT
	# trap only on exit).
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	_t0=$(slurm_now)

	# munge: a fresh key, its own socket, pid, log and seed files.
	mungekey -c -k "$SLURM_DIR/munge/munge.key" ||
		{ slurm_log "mungekey failed"; return 1; }
	slurm_bg munged munged -F \
		--socket="$SLURM_DIR/munge/socket" \
		--key-file="$SLURM_DIR/munge/munge.key" \
		--pid-file="$SLURM_DIR/munge/munged.pid" \
		--log-file="$SLURM_DIR/log/munged.log" \
		--seed-file="$SLURM_DIR/munge/munged.seed"
	_n=0
	until [ -S "$SLURM_DIR/munge/socket" ]; do
		_n=$((_n + 1))
		if [ "$_n" -gt 100 ]; then
			slurm_log "munged did not create its socket in 10 s"
			slurm_tail
			return 1
		fi
		sleep 0.1
	done

	# slurm.conf: this machine's CPUs and memory, free ports.
	_node=$(slurmd -C | head -n 1)
	_cpus=$(printf '%s\n' "$_node" | sed -n 's/.* CPUs=\([0-9]*\).*/\1/p')
	_mem=$(printf '%s\n' "$_node" |
		sed -n 's/.* RealMemory=\([0-9]*\).*/\1/p')
	[ -n "$_cpus" ] || _cpus=$(nproc)
	[ -n "$_mem" ] || _mem=1024
	# A little below the total, so that slurmd never reports less than
	# configured (which drains the node).
	_mem=$((_mem * 9 / 10))
	SLURM_CTLD_PORT=$(slurm_port) && SLURM_D_PORT=$(slurm_port) ||
		{ slurm_log "no free TCP port"; return 1; }
	cat >"$SLURM_DIR/slurm.conf" <<EOF
# A one-node cluster on localhost for a callqa test.
ClusterName=callqa
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$SLURM_CTLD_PORT
SlurmdPort=$SLURM_D_PORT
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SLURM_DIR/munge/socket
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MailProg=/bin/true
MinJobAge=600
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$_cpus RealMemory=$_mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
	SLURM_CONF=$SLURM_DIR/slurm.conf
	export SLURM_CONF

	slurm_bg slurmctld slurmctld -D -i
	slurm_bg slurmd slurmd -D -N localhost
	_n=0
	_deadline=$(( ${SLURM_WAIT:-60} * 10 ))
	while :; do
		_s=$(sinfo -h -n localhost -o '%t' 2>/dev/null)
		[ "$_s" = idle ] && break
		_n=$((_n + 1))
		for _p in $SLURM_PIDS; do
			kill -0 "$_p" 2>/dev/null && continue
			slurm_log "a daemon (pid $_p) exited during start-up"
			slurm_tail
			return 1
		done
		if [ "$_n" -gt "$_deadline" ]; then
			slurm_log "node not idle after ${SLURM_WAIT:-60} s" \
				"(state '$_s')"
			slurm_tail
			return 1
		fi
		sleep 0.1
	done
	SLURM_START_S=$(awk -v a="$_t0" -v b="$(slurm_now)" \
		'BEGIN { printf "%.2f", b - a }')
	slurm_log "munged, slurmctld and slurmd up, node idle in" \
		"$SLURM_START_S s (ports $SLURM_CTLD_PORT, $SLURM_D_PORT)"
	return 0
}

# slurm_wait JOBID [SECONDS]: wait until JOBID (every task of an array) has
# left the queue; 1 on timeout (default 60 s).
slurm_wait() {
	_n=0
	_deadline=$(( ${2:-60} * 10 ))
	while squeue -h -j "$1" -o '%i' 2>/dev/null | grep -q .; do
		_n=$((_n + 1))
		if [ "$_n" -gt "$_deadline" ]; then
			slurm_log "job $1 still queued after ${2:-60} s"
			squeue 2>&1 | sed 's/^/#   /'
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# slurm_stop: cancel what is left of the test's jobs, then stop the daemons
# this file started, by PID, slurmd first, munged last.
slurm_stop() {
	[ -n "$SLURM_PIDS" ] || return 0
	if [ -n "${SLURM_CONF:-}" ] && squeue -h -o '%i' 2>/dev/null |
	   grep -q .; then
		scancel --full $(squeue -h -o '%A' 2>/dev/null | sort -u) \
			2>/dev/null
		_n=0
		while squeue -h -o '%i' 2>/dev/null | grep -q . &&
		      [ "$_n" -lt 100 ]; do
			_n=$((_n + 1))
			sleep 0.1
		done
	fi
	_rev=
	for _p in $SLURM_PIDS; do _rev="$_p $_rev"; done
	for _p in $_rev; do
		kill -TERM "$_p" 2>/dev/null || continue
		_n=0
		while kill -0 "$_p" 2>/dev/null && [ "$_n" -lt 100 ]; do
			_n=$((_n + 1))
			sleep 0.1
		done
		kill -KILL "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	SLURM_PIDS=
}
