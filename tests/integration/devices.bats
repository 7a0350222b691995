#!/usr/bin/env bats
# Device nodes a container gets: the default set, linux.devices, and bind-mounted devices in a user ns.

load attrs_helpers

@test "default devices are char devices with the right major:minor" {
	attrs_ctr '.process.args = ["/t.sh"]'
	script "$B" /t.sh 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T" /dev/$d; done'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/dev/null character special file 1:3" ]
	[ "${lines[1]}" = "/dev/zero character special file 1:5" ]
	[ "${lines[2]}" = "/dev/full character special file 1:7" ]
	[ "${lines[3]}" = "/dev/random character special file 1:8" ]
	[ "${lines[4]}" = "/dev/urandom character special file 1:9" ]
	[ "${lines[5]}" = "/dev/tty character special file 5:0" ]
}

@test "default devices work: null swallows, zero reads zeros, full is full" {
	attrs_ctr '.process.args = ["/t.sh"]'
	script "$B" /t.sh 'echo x >/dev/null && echo null-ok
		head -c 8 /dev/zero | od -An -tx1 | tr -d " "
		echo x >/dev/full; echo full=$?
		head -c 16 /dev/urandom | wc -c'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "${lines[0]}" = null-ok ]
	[ "${lines[1]}" = 0000000000000000 ]
	[[ "$output" == *"No space left on device"* ]]
	grep -qx 'full=[1-9][0-9]*' <<<"$output"
	[ "${lines[-1]}" = 16 ]
}

@test "/dev/fd, stdin, stdout, stderr and ptmx symlinks" {
	attrs_ctr '.process.args = ["/t.sh"]'
	script "$B" /t.sh 'for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done
		test -c /dev/pts/ptmx && echo ptmx-ok'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "fd -> /proc/self/fd" ]
	[ "${lines[1]}" = "stdin -> /proc/self/fd/0" ]
	[ "${lines[2]}" = "stdout -> /proc/self/fd/1" ]
	[ "${lines[3]}" = "stderr -> /proc/self/fd/2" ]
	[ "${lines[4]}" = "ptmx -> pts/ptmx" ]
	[ "${lines[5]}" = ptmx-ok ]
}

@test "linux.devices: /dev/fuse and a custom node with fileMode, uid, gid" {
	# fileMode is decimal in JSON: 438 = 0666, 416 = 0640, 384 = 0600
	attrs_ctr '.linux.devices = [
			{"path":"/dev/fuse","type":"c","major":10,"minor":229,"fileMode":438,"uid":0,"gid":0},
			{"path":"/dev/husktest","type":"c","major":1,"minor":3,"fileMode":416,"uid":1000,"gid":1001},
			{"path":"/dev/sub/husknull","type":"c","major":1,"minor":3}]
		| .linux.resources.devices += [{"allow":true,"type":"c","major":1,"minor":3,"access":"rwm"}]
		| .process.user = {"uid":1000,"gid":1001} | .process.args = ["/t.sh"]'
	# as the owner (uid 1000, no capabilities) the 0640 node is writable
	script "$B" /t.sh 'stat -c "%n %F %t:%T %a %u:%g" /dev/fuse /dev/husktest
		test -c /dev/sub/husknull && echo sub-ok
		echo hi >/dev/husktest && echo write-ok'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/dev/fuse character special file a:e5 666 0:0" ]
	[ "${lines[1]}" = "/dev/husktest character special file 1:3 640 1000:1001" ]
	[ "${lines[2]}" = sub-ok ]
	[ "${lines[3]}" = write-ok ]
}

@test "linux.devices: block device type b" {
	attrs_ctr '.linux.devices = [{"path":"/dev/huskloop","type":"b","major":7,"minor":200,"fileMode":384}]
		| .process.args = ["stat","-c","%F %t:%T %a","/dev/huskloop"]'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "block special file 7:c8 600" ]
}

@test "in a user namespace the devices are bind mounts from the host" {
	local d
	# the shared image (root-owned, world-readable) serves the mapped root as is
	make_ctr "$USERNS | $SLEEP"
	run_detached "$ID" "$B"
	cat /proc/$PID/mountinfo
	for d in null zero full random urandom tty; do
		# a bind mount of the host's node: the mount root is the host path of the device
		awk -v mp=/dev/$d '$5 == mp { found = 1 } END { exit !found }' /proc/$PID/mountinfo || {
			echo "/dev/$d is not a mount"
			return 1
		}
		[ "$(stat -c %t:%T /proc/$PID/root/dev/$d)" = "$(stat -c %t:%T /dev/$d)" ]
	done
}
