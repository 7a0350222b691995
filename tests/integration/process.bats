#!/usr/bin/env bats
# process.* and friends: capabilities, user, umask, env, cwd, rlimits, NNP, oom, personality,
# scheduler, ioPriority, sysctl, exec errors, exit status. Mostly checked from outside (/proc/PID).

load attrs_helpers

# status_field PID FIELD: value of FIELD in /proc/PID/status (tabs/spaces squeezed)
status_field() {
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"
}

# hex16 N: the way /proc/PID/status prints a capability set
hex16() {
	printf '%016x' "$1"
}

CAP_CHOWN=0 CAP_DAC_OVERRIDE=1 CAP_KILL=5 CAP_NET_BIND_SERVICE=10 CAP_SYS_ADMIN=21 CAP_AUDIT_WRITE=29

@test "capabilities: CapBnd/CapPrm/CapEff/CapInh/CapAmb match the config's sets" {
	# uid 0 execs with effective = permitted (no SECBIT_NOROOT), and only with noNewPrivileges
	# does the permitted set stay smaller than the bounding set across exec
	attrs_ctr "$SLEEP | .process.noNewPrivileges = true | .process.capabilities = {
		\"bounding\":[\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\",\"CAP_SYS_ADMIN\"],
		\"permitted\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],
		\"effective\":[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],
		\"inheritable\":[\"CAP_KILL\"]}"
	run_detached "$ID" "$B"
	grep ^Cap /proc/$PID/status
	[ "$(status_field $PID CapBnd)" = "$(hex16 $(((1 << CAP_CHOWN) | (1 << CAP_DAC_OVERRIDE) | (1 << CAP_KILL) |
		(1 << CAP_NET_BIND_SERVICE) | (1 << CAP_SYS_ADMIN))))" ]
	[ "$(status_field $PID CapPrm)" = "$(hex16 $(((1 << CAP_CHOWN) | (1 << CAP_KILL) | (1 << CAP_NET_BIND_SERVICE))))" ]
	[ "$(status_field $PID CapEff)" = "$(hex16 $(((1 << CAP_CHOWN) | (1 << CAP_KILL) | (1 << CAP_NET_BIND_SERVICE))))" ]
	[ "$(status_field $PID CapInh)" = "$(hex16 $((1 << CAP_KILL)))" ]
	[ "$(status_field $PID CapAmb)" = "$(hex16 0)" ]
}

@test "capabilities: default runc spec sets, inheritable empty" {
	local want
	attrs_ctr "$SLEEP | .process.capabilities = {
		\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],
		\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],
		\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],
		\"ambient\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]}"
	run_detached "$ID" "$B"
	grep ^Cap /proc/$PID/status
	want=$(hex16 $(((1 << CAP_AUDIT_WRITE) | (1 << CAP_KILL) | (1 << CAP_NET_BIND_SERVICE))))
	[ "$(status_field $PID CapBnd)" = "$want" ]
	[ "$(status_field $PID CapPrm)" = "$want" ]
	[ "$(status_field $PID CapEff)" = "$want" ]
	[ "$(status_field $PID CapInh)" = "$(hex16 0)" ]
	# ambient needs inheritable: with inheritable empty no ambient cap can be raised; like runc, the
	# runtime must still start the container (this is what `runc spec` writes)
	[ "$(status_field $PID CapAmb)" = "$(hex16 0)" ]
}

@test "ambient capabilities survive exec for a non-root user" {
	local want caps
	caps='["CAP_KILL","CAP_NET_BIND_SERVICE"]'
	attrs_ctr "$SLEEP | .process.user = {\"uid\":1000,\"gid\":1000}
		| .process.capabilities = {\"bounding\":$caps,\"permitted\":$caps,\"effective\":$caps,
			\"inheritable\":$caps,\"ambient\":$caps}"
	run_detached "$ID" "$B"
	grep -E '^(Uid|Cap)' /proc/$PID/status
	want=$(hex16 $(((1 << CAP_KILL) | (1 << CAP_NET_BIND_SERVICE))))
	[[ "$(status_field $PID Uid)" == "1000 "* ]]
	[ "$(status_field $PID CapAmb)" = "$want" ]
	[ "$(status_field $PID CapEff)" = "$want" ]
	[ "$(status_field $PID CapPrm)" = "$want" ]
	husk delete --force "$ID"
	# without ambient, a non-root user loses everything at exec
	edit_config "$B" 'del(.process.capabilities.ambient)'
	run_detached "$(next_id "$B")" "$B"
	[ "$(status_field $PID CapEff)" = "$(hex16 0)" ]
	[ "$(status_field $PID CapPrm)" = "$(hex16 0)" ]
}

@test "process.user: uid, gid, additionalGids inside and in /proc/PID/status" {
	attrs_ctr '.process.user = {"uid":1000,"gid":1001,"additionalGids":[1002,1003]}
		| .process.args = ["sh","-c","id -u; id -g; id -G"]'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1001 ]
	[[ " ${lines[2]} " == *" 1002 "* ]]
	[[ " ${lines[2]} " == *" 1003 "* ]]
	edit_config "$B" "$SLEEP"
	run_detached "$(next_id "$B")" "$B"
	grep -E '^(Uid|Gid|Groups)' /proc/$PID/status
	[ "$(status_field $PID Uid)" = "1000 1000 1000 1000" ]
	[ "$(status_field $PID Gid)" = "1001 1001 1001 1001" ]
	[ "$(status_field $PID Groups | xargs -n1 | sort -n | xargs)" = "1002 1003" ]
}

@test "umask from process.user.umask" {
	# 23 = 0027
	attrs_ctr '.process.user.umask = 23 | .process.args = ["sh","-c","umask; touch /tmp/f; stat -c %a /tmp/f"]'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0027 ]
	[ "${lines[1]}" = 640 ]
}

@test "env and cwd" {
	attrs_ctr '.process.env = ["PATH=/bin","FOO=bar baz","EMPTY="] | .process.cwd = "/srv/app"
		| .process.args = ["sh","-c","pwd; echo \"[$FOO]\"; env | grep -c ^EMPTY=$; echo \"$PATH\""]'
	mkdir -p "$B/rootfs/srv/app"
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /srv/app ]
	[ "${lines[1]}" = "[bar baz]" ]
	[ "${lines[2]}" = 1 ]
	[ "${lines[3]}" = /bin ]
}

@test "rlimits: RLIMIT_NOFILE below the hard limit, seen in /proc/PID/limits" {
	attrs_ctr "$SLEEP | .process.rlimits = [{\"type\":\"RLIMIT_NOFILE\",\"soft\":512,\"hard\":4096},
		{\"type\":\"RLIMIT_CORE\",\"soft\":0,\"hard\":0}]"
	run_detached "$ID" "$B"
	cat /proc/$PID/limits
	grep -E '^Max open files +512 +4096 +files' /proc/$PID/limits
	grep -E '^Max core file size +0 +0 +bytes' /proc/$PID/limits
}

@test "rlimits: raising RLIMIT_NOFILE above the hard limit is a clear error" {
	husk_only "runc fails with \"error setting rlimit type 7\", not naming RLIMIT_NOFILE"
	local hard
	hard=$(ulimit -Hn)
	attrs_ctr ".process.rlimits = [{\"type\":\"RLIMIT_NOFILE\",\"soft\":$((hard * 2)),\"hard\":$((hard * 2))}]
		| .process.args = [\"true\"]"
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *RLIMIT_NOFILE* ]]
}

@test "noNewPrivileges true/false in /proc/PID/status" {
	attrs_ctr "$SLEEP | .process.noNewPrivileges = true"
	run_detached "$ID" "$B"
	[ "$(status_field $PID NoNewPrivs)" = 1 ]
	husk delete --force "$ID"
	edit_config "$B" '.process.noNewPrivileges = false'
	run_detached "$(next_id "$B")" "$B"
	[ "$(status_field $PID NoNewPrivs)" = 0 ]
}

@test "oomScoreAdj raised to 500" {
	attrs_ctr "$SLEEP | .process.oomScoreAdj = 500"
	run_detached "$ID" "$B"
	[ "$(cat /proc/$PID/oom_score_adj)" = 500 ]
}

@test "personality LINUX32: uname -m prints i686" {
	husk_only "runc 1.1 ignores linux.personality (runc >= 1.2 applies it)"
	attrs_ctr '.linux.personality = {"domain":"LINUX32"} | .process.args = ["uname","-m"]'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = i686 ]
}

@test "scheduler: SCHED_BATCH seen by chrt -p from the host" {
	husk_only "runc 1.1 ignores process.scheduler (runc >= 1.2 applies it)"
	attrs_ctr "$SLEEP | .process.scheduler = {\"policy\":\"SCHED_BATCH\",\"priority\":0}"
	run_detached "$ID" "$B"
	run chrt -p "$PID"
	echo "$output"
	[[ "${lines[0]}" == *"policy: SCHED_BATCH"* ]]
	# policy field of /proc/PID/sched: 3 = SCHED_BATCH
	grep -E '^policy +: +3$' /proc/$PID/sched
}

@test "ioPriority: best-effort prio 5 seen by ionice -p from the host" {
	husk_only "runc 1.1 ignores process.ioPriority (runc >= 1.2 applies it)"
	attrs_ctr "$SLEEP | .process.ioPriority = {\"class\":\"IOPRIO_CLASS_BE\",\"priority\":5}"
	run_detached "$ID" "$B"
	run ionice -p "$PID"
	echo "$output"
	[ "$output" = "best-effort: prio 5" ]
}

@test "sysctl: kernel.shmmax in an ipc ns, net.ipv4.ip_forward in a netns" {
	local host_shm host_fwd want_fwd
	host_shm=$(cat /proc/sys/kernel/shmmax)
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	want_fwd=$((1 - host_fwd))
	attrs_ctr ".linux.sysctl = {\"kernel.shmmax\":\"123456789\",\"net.ipv4.ip_forward\":\"$want_fwd\"}
		| .process.args = [\"sh\",\"-c\",\"cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward\"]"
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 123456789 ]
	[ "${lines[1]}" = "$want_fwd" ]
	[ "$(cat /proc/sys/kernel/shmmax)" = "$host_shm" ]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_fwd" ]
}

@test "sysctl: net.* without a network namespace is an error" {
	local host_fwd
	# ask for the host's current value, so a runtime that wrongly applies it changes nothing
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	attrs_ctr ".linux.sysctl = {\"net.ipv4.ip_forward\":\"$host_fwd\"} | .process.args = [\"true\"]
		| .linux.namespaces |= map(select(.type != \"network\"))"
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *net.ipv4.ip_forward* ]]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_fwd" ]
}

@test "missing executable: create fails naming it" {
	attrs_ctr '.process.args = ["husk-no-such-cmd","arg"]'
	run husk create --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *husk-no-such-cmd* ]]
	[[ "$output" == *"executable file not found"* ]]
	# nothing is left behind
	run husk state "$ID"
	[ "$status" -ne 0 ]
}

@test "missing executable by absolute path: run fails naming it" {
	attrs_ctr '.process.args = ["/usr/bin/husk-no-such-cmd"]'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == */usr/bin/husk-no-such-cmd* ]]
}

@test "script whose #! interpreter is missing: the message names the interpreter" {
	husk_only "runc reports \"exec /t.sh: no such file or directory\" without the interpreter"
	attrs_ctr '.process.args = ["/t.sh"]'
	printf '#!/usr/bin/husk-no-interp\necho hi\n' >"$B/rootfs/t.sh"
	chmod 755 "$B/rootfs/t.sh"
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == */usr/bin/husk-no-interp* ]]
}

@test "run exits with the process's exit status" {
	attrs_ctr '.process.args = ["sh","-c","exit 42"]'
	run husk run --bundle "$B" "$ID"
	[ "$status" -eq 42 ]
	edit_config "$B" '.process.args = ["true"]'
	run husk run --bundle "$B" "$(next_id "$B")"
	[ "$status" -eq 0 ]
}
