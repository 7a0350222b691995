#!/usr/bin/env bats
# Namespaces a container gets from config.json, checked from outside via /proc/PID/ns/*.

load attrs_helpers

teardown() {
	[ -z "${NETNS:-}" ] || ip netns del "$NETNS" 2>/dev/null || true
	cleanup_containers
}

ns_ino() {
	stat -L -c %i "$1"
}

@test "pid, net, ipc, uts, mnt, cgroup namespaces differ from the host's" {
	make_ctr "$SLEEP | .linux.namespaces |= (map(select(.type != \"cgroup\")) + [{\"type\":\"cgroup\"}])"
	run_detached "$ID" "$B"
	for ns in pid net ipc uts mnt cgroup; do
		[ "$(ns_ino /proc/$PID/ns/$ns)" != "$(ns_ino /proc/self/ns/$ns)" ] || {
			echo "namespace $ns is the host's"
			return 1
		}
	done
	# not asked for: user and time stay the host's
	[ "$(ns_ino /proc/$PID/ns/user)" = "$(ns_ino /proc/self/ns/user)" ]
	[ "$(ns_ino /proc/$PID/ns/time)" = "$(ns_ino /proc/self/ns/time)" ]
}

@test "created, not started: the waiting process already has its namespaces" {
	make_ctr "$SLEEP"
	husk create --bundle "$B" "$ID" </dev/null >/dev/null 2>"$TMP/err" || {
		cat "$TMP/err"
		return 1
	}
	[ "$(state_field "$ID" status)" = created ]
	PID=$(state_field "$ID" pid)
	for ns in pid net ipc uts mnt; do
		[ "$(ns_ino /proc/$PID/ns/$ns)" != "$(ns_ino /proc/self/ns/$ns)" ] || {
			echo "namespace $ns is the host's"
			return 1
		}
	done
	# not yet the container's program
	[[ "$(tr '\0' ' ' </proc/$PID/cmdline)" != "sleep 1000"* ]]
}

@test "namespaces not listed in the config are shared with the host" {
	make_ctr "$SLEEP | .linux.namespaces = [{\"type\":\"mount\"},{\"type\":\"pid\"}] | del(.hostname)"
	run_detached "$ID" "$B"
	for ns in net ipc uts cgroup; do
		[ "$(ns_ino /proc/$PID/ns/$ns)" = "$(ns_ino /proc/self/ns/$ns)" ] || {
			echo "namespace $ns is not the host's"
			return 1
		}
	done
	[ "$(ns_ino /proc/$PID/ns/pid)" != "$(ns_ino /proc/self/ns/pid)" ]
}

@test "user namespace: differs from the host's, uid_map/gid_map show the mapping" {
	# the shared image is root-owned and world-readable: usable as is by the mapped root
	make_ctr "$SLEEP | $USERNS"
	run_detached "$ID" "$B"
	[ "$(ns_ino /proc/$PID/ns/user)" != "$(ns_ino /proc/self/ns/user)" ]
	read -r c h s </proc/$PID/uid_map
	[ "$c $h $s" = "0 100000 65536" ]
	read -r c h s </proc/$PID/gid_map
	[ "$c $h $s" = "0 100000 65536" ]
	# the process runs as container root = host uid 100000
	grep -E '^Uid:\s+100000\s+100000\s+100000\s+100000$' /proc/$PID/status
	grep -E '^Gid:\s+100000\s+100000\s+100000\s+100000$' /proc/$PID/status
}

@test "user namespace: files created by root inside are owned by 100000 on the host" {
	local shared=$TMP/shared
	mkdir "$shared"
	chown 100000:100000 "$shared"
	userns_reachable "$shared"
	attrs_ctr "$USERNS
		| .mounts += [{\"destination\":\"/shared\",\"type\":\"bind\",\"source\":\"$shared\",
			\"options\":[\"rbind\",\"rw\"]}]
		| .process.args = [\"sh\",\"-c\",\"id -u; touch /shared/f && mkdir /shared/d\"]"
	chown -R 100000:100000 "$B/rootfs"
	userns_reachable "$B"
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "$(stat -c %u:%g "$shared/f")" = 100000:100000 ]
	[ "$(stat -c %u:%g "$shared/d")" = 100000:100000 ]
}

@test "time namespace with timeOffsets: boottime shifted by +86400 s" {
	husk_only "runc 1.1 does not know the time namespace and linux.timeOffsets"
	local up_in up_host off
	make_ctr '.linux.namespaces += [{"type":"time"}]
		| .linux.timeOffsets = {"boottime":{"secs":86400,"nanosecs":0},
			"monotonic":{"secs":3600,"nanosecs":0}}
		| .process.args = ["sh","-c","cat /proc/uptime >/dev/shm/up.tmp && mv /dev/shm/up.tmp /dev/shm/up; sleep 1000"]'
	run_detached "$ID" "$B"
	[ "$(ns_ino /proc/$PID/ns/time)" != "$(ns_ino /proc/self/ns/time)" ]
	wait_for test -s "/proc/$PID/root/dev/shm/up"
	up_host=$(cut -d' ' -f1 /proc/uptime)
	up_in=$(cut -d' ' -f1 "/proc/$PID/root/dev/shm/up")
	off=$(awk -v a="$up_in" -v b="$up_host" 'BEGIN { printf "%d", a - b }')
	echo "inside $up_in host $up_host offset $off"
	[ "$off" -ge 86390 ]
	[ "$off" -le 86401 ]
	grep -E '^boottime\s+86400\s+0$' /proc/$PID/timens_offsets
	grep -E '^monotonic\s+3600\s+0$' /proc/$PID/timens_offsets
}

@test "join a network namespace by path of another container" {
	local id1 pid1
	make_ctr "$SLEEP"
	run_detached "$ID" "$B"
	id1=$ID pid1=$PID
	make_ctr "$SLEEP | .linux.namespaces |= map(if .type == \"network\"
		then .path = \"/proc/$pid1/ns/net\" else . end)"
	run_detached "$ID" "$B"
	[ "$(ns_ino /proc/$PID/ns/net)" = "$(ns_ino /proc/$pid1/ns/net)" ]
	[ "$(ns_ino /proc/$PID/ns/net)" != "$(ns_ino /proc/self/ns/net)" ]
	# the other namespaces are still private to each container
	[ "$(ns_ino /proc/$PID/ns/uts)" != "$(ns_ino /proc/$pid1/ns/uts)" ]
}

@test "join a named netns (ip netns add) by path" {
	NETNS=husk-test-$$
	ip netns add "$NETNS"
	ip -n "$NETNS" addr add 10.231.7.1/24 dev lo
	make_ctr "$SLEEP | .linux.namespaces |= map(if .type == \"network\"
		then .path = \"/run/netns/$NETNS\" else . end)"
	run_detached "$ID" "$B"
	[ "$(ns_ino /proc/$PID/ns/net)" = "$(ns_ino /run/netns/$NETNS)" ]
	[ "$(ns_ino /proc/$PID/ns/net)" != "$(ns_ino /proc/self/ns/net)" ]
	husk delete --force "$ID"
	# inside, the address given to lo in the named netns is visible
	edit_config "$B" '.process.args = ["ip","addr","show","lo"]'
	run husk run --bundle "$B" "$(next_id "$B")"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *10.231.7.1/24* ]]
	ip netns del "$NETNS"
	NETNS=
}

@test "join a pid namespace by path: the second container is not PID 1" {
	local pid1
	make_ctr "$SLEEP"
	run_detached "$ID" "$B"
	pid1=$PID
	attrs_ctr ".linux.namespaces |= map(if .type == \"pid\"
		then .path = \"/proc/$pid1/ns/pid\" else . end) | .process.args = [\"/t.sh\"]"
	script "$B" /t.sh 'echo $$; tr "\0" " " </proc/1/cmdline'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -gt 1 ]
	[[ "${lines[1]}" == "sleep 1000"* ]]
	[ "$(ns_ino /proc/$pid1/ns/pid)" != "$(ns_ino /proc/self/ns/pid)" ]
}

@test "hostname from the config" {
	make_ctr '.hostname = "husk-host" | .process.args = ["hostname"]'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = husk-host ]
	# the host's name is untouched
	[ "$(hostname)" != husk-host ]
}

@test "domainname from the config" {
	husk_only "runc 1.1 ignores the domainname field (runc >= 1.2 sets it)"
	make_ctr '.hostname = "husk-host" | .domainname = "husk.example"
		| .process.args = ["cat","/proc/sys/kernel/domainname"]'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = husk.example ]
	[ "$(cat /proc/sys/kernel/domainname)" != husk.example ]
}

@test "hostname without a private uts namespace is an error" {
	make_ctr '.hostname = "husk-host" | .process.args = ["true"]
		| .linux.namespaces |= map(select(.type != "uts"))'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *[Uu][Tt][Ss]* ]]
	[ "$(hostname)" != husk-host ]
}

@test "unknown namespace type is an error (exit 1)" {
	make_ctr '.linux.namespaces += [{"type":"bogusns"}] | .process.args = ["true"]'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *bogusns* ]]
}
