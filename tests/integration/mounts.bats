#!/usr/bin/env bats
# Mounts a container gets from config.json: checked inside and via /proc/PID/mountinfo from outside.

load attrs_helpers

# add_mount DEST TYPE SOURCE OPTS-JSON -> jq filter appending a mount
add_mount() {
	printf '.mounts += [{"destination":"%s","type":"%s","source":"%s","options":%s}]' "$1" "$2" "$3" "$4"
}

@test "default mounts: proc, tmpfs /dev, devpts, shm, mqueue, sysfs ro, cgroup ro" {
	attrs_ctr "$SLEEP"
	run_detached "$ID" "$B"
	cat /proc/$PID/mountinfo
	run mnt_info $PID /proc
	[[ "$output" == "proc "* ]]
	run mnt_info $PID /dev
	[[ "$output" == "tmpfs "* ]]
	[[ "$output" == *nosuid* ]]
	run mnt_info $PID /dev/pts
	[[ "$output" == "devpts "* ]]
	[[ "$output" == *ptmxmode=666* ]]
	[[ "$output" == *mode=620* ]]
	[[ "$output" == *gid=5* ]]
	run mnt_info $PID /dev/shm
	[[ "$output" == "tmpfs "*nodev*noexec* ]]
	run mnt_info $PID /dev/mqueue
	[[ "$output" == "mqueue "* ]]
	run mnt_info $PID /sys
	[[ "$output" == "sysfs ro,"* ]]
	# cgroup: a cgroup2 mount at /sys/fs/cgroup or (v1) a tmpfs there with one cgroup mount per
	# hierarchy under it; every cgroup/cgroup2 mount read-only
	run awk '$5 ~ "^/sys/fs/cgroup(/|$)" {
		for (i = 7; $i != "-"; i++)
			;
		if ($(i + 1) ~ /^cgroup2?$/)
			print $6
	}' /proc/$PID/mountinfo
	echo "cgroup mounts: $output"
	[ -n "$output" ]
	run grep -vc '^ro,' <<<"$output"
	[ "$output" = 0 ]
}

@test "bind mount with ro: writes fail inside, host file unchanged" {
	local data=$TMP/data
	mkdir "$data"
	echo orig >"$data/f"
	attrs_ctr "$(add_mount /data bind "$data" '["bind","ro"]') | .process.args = [\"/t.sh\"]"
	script "$B" /t.sh 'cat /data/f; echo changed >/data/f; echo "w=$?"; touch /data/new; echo "t=$?"'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	grep -qx orig <<<"$output"
	[[ "$output" == *"Read-only file system"* ]]
	grep -qx 'w=[1-9][0-9]*' <<<"$output"
	grep -qx 't=[1-9][0-9]*' <<<"$output"
	[ "$(cat "$data/f")" = orig ]
	[ ! -e "$data/new" ]
}

@test "rbind carries submounts, bind does not" {
	local src=$TMP/src
	mkdir -p "$src/sub"
	echo top >"$src/top"
	attrs_ctr "$(add_mount /r bind "$src" '["rbind"]') | $(add_mount /nr bind "$src" '["bind"]')
		| .process.args = [\"sh\",\"-c\",\"cat /r/sub/f; ls /nr/sub | wc -l; cat /nr/top\"]"
	run in_private_mntns "mount -t tmpfs -o size=1m husk-sub '$src/sub' && echo submount >'$src/sub/f' &&
		husk run --bundle '$B' '$ID'"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = submount ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = top ]
	# the submount never existed on the host
	[ ! -e "$src/sub/f" ]
}

@test "rro makes submounts read-only too; ro only the top" {
	local src=$TMP/src
	mkdir -p "$src/sub"
	attrs_ctr "$(add_mount /rro bind "$src" '["rbind","rro"]') | $(add_mount /ro bind "$src" '["rbind","ro"]')
		| .process.args = [\"/t.sh\"]"
	script "$B" /t.sh 'touch /rro/sub/a; echo "rro=$?"; touch /ro/sub/b; echo "ro=$?"; touch /ro/c; echo "rotop=$?"'
	run in_private_mntns "mount -t tmpfs -o size=1m husk-sub '$src/sub' && husk run --bundle '$B' '$ID'"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *rro=1* ]]
	[[ "$output" == *ro=0* ]]
	[[ "$output" == *rotop=1* ]]
}

@test "nosuid, nodev, noexec show in mountinfo and noexec is enforced" {
	local data=$TMP/data
	mkdir "$data"
	cp /bin/busybox "$data/bb"
	attrs_ctr "$(add_mount /data bind "$data" '["rbind","nosuid","nodev","noexec"]') | $SLEEP"
	run_detached "$ID" "$B"
	run mnt_info $PID /data
	echo "$output"
	[[ "$output" == *nosuid* ]]
	[[ "$output" == *nodev* ]]
	[[ "$output" == *noexec* ]]
	husk delete --force "$ID"
	edit_config "$B" '.process.args = ["/data/bb","true"]'
	run husk run --bundle "$B" "$(next_id "$B")"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"ermission denied"* ]]
}

@test "tmpfs with size= and mode=" {
	attrs_ctr "$(add_mount /scratch tmpfs tmpfs '["size=2m","mode=1700","nodev"]') | $SLEEP"
	run_detached "$ID" "$B"
	run mnt_info $PID /scratch
	echo "$output"
	[[ "$output" == "tmpfs "* ]]
	[[ "$output" == *size=2048k* ]]
	[[ "$output" == *mode=1700* ]]
	# the tmpfs root, seen through the process's root from outside
	[ "$(stat -c %a "/proc/$PID/root/scratch")" = 1700 ]
	[ $(($(stat -f -c '%b*%S' "/proc/$PID/root/scratch") / 1024)) = 2048 ]
}

@test "missing destination under a symlink is created inside the rootfs, not outside" {
	local out=$TMP/outside
	mkdir "$out"
	attrs_ctr "$(add_mount /evil/x tmpfs tmpfs '["size=1m"]') | $SLEEP"
	ln -s "$out" "$B/rootfs/evil"
	run_detached "$ID" "$B"
	# nothing was created in the host directory the symlink names
	[ -z "$(ls -A "$out")" ]
	# the symlink resolved inside the rootfs: rootfs$out/x exists and is the mount point
	[ -d "$B/rootfs$out/x" ]
	run mnt_info $PID "$out/x"
	echo "$output"
	[[ "$output" == "tmpfs "* ]]
	run grep -c " $B" /proc/self/mountinfo
	[ "$output" = 0 ]
}

@test "bind of a file onto a missing file destination" {
	local hf=$TMP/hostfile
	echo filedata >"$hf"
	attrs_ctr "$(add_mount /etc/deep/hostfile bind "$hf" '["bind","ro"]')
		| .process.args = [\"cat\",\"/etc/deep/hostfile\"]"
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = filedata ]
	# the mount point made in the rootfs is a regular (empty) file
	[ -f "$B/rootfs/etc/deep/hostfile" ]
	[ ! -s "$B/rootfs/etc/deep/hostfile" ]
}

@test "propagation: rshared and rprivate in mountinfo optional fields" {
	local d1=$TMP/d1 d2=$TMP/d2
	mkdir "$d1" "$d2"
	attrs_ctr "$(add_mount /shared bind "$d1" '["rbind","rshared"]')
		| $(add_mount /private bind "$d2" '["rbind","rprivate"]') | $SLEEP"
	run_detached "$ID" "$B"
	run mnt_info $PID /shared
	echo "$output"
	[[ "$output" == *shared:* ]]
	run mnt_info $PID /private
	echo "$output"
	[[ "$output" != *shared:* ]]
	[[ "$output" != *master:* ]]
}

@test "propagation: rslave receives mounts from the (shared) source" {
	local src=$TMP/src
	mkdir -p "$src/later"
	attrs_ctr "$(add_mount /slave bind "$src" '["rbind","rslave"]') | .process.args = [\"/t.sh\"]"
	script "$B" /t.sh 'awk '\''$5 == "/slave" { print $7 }'\'' /proc/self/mountinfo
		i=0; while [ ! -e /slave/later/f ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; cat /slave/later/f'
	run in_private_mntns "mount --bind '$src' '$src' && mount --make-shared '$src' &&
		{ husk run --bundle '$B' '$ID' & } &&
		sleep 0.5 && mount -t tmpfs -o size=1m husk-later '$src/later' && echo propagated >'$src/later/f' &&
		wait"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == master:* ]]
	[ "${lines[1]}" = propagated ]
}

@test "root.readonly: writing to / fails" {
	attrs_ctr '.root.readonly = true | .process.args = ["sh","-c","touch /x; echo rc=$?; touch /dev/shm/ok; echo shm=$?"]'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *rc=1* ]]
	[[ "$output" == *shm=0* ]]
	[ ! -e "$B/rootfs/x" ]
}

@test "maskedPaths: a masked /proc file reads empty, a masked directory appears empty" {
	local f
	# /proc/kcore when the kernel has it, else another default masked file that exists here
	for f in /proc/kcore /proc/timer_list /proc/keys /proc/sched_debug; do
		[ -e "$f" ] && break
	done
	[ -e "$f" ]
	attrs_ctr ".linux.maskedPaths += [\"/secret\", \"$f\"] | .process.args = [\"/t.sh\"]"
	script "$B" /t.sh "head -c 64 $f | wc -c; ls -A /secret | wc -l; cat /secret/key; echo rc=\$?"
	mkdir "$B/rootfs/secret"
	echo hidden >"$B/rootfs/secret/key"
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[[ "$output" != *hidden* ]]
	[[ "$output" == *rc=1* ]]
	# the host's file is untouched
	[ "$(cat "$B/rootfs/secret/key")" = hidden ]
	# and the host really has something there
	[ "$(head -c 64 "$f" | wc -c)" -gt 0 ] || [ "$f" = /proc/keys ]
}

@test "readonlyPaths: /proc/sys is read-only" {
	attrs_ctr '.process.args = ["sh","-c","echo x >/proc/sys/kernel/hostname; echo rc=$?; hostname"]'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *rc=1* ]]
	[ "${lines[-1]}" != x ]
	edit_config "$B" "$SLEEP"
	run_detached "$(next_id "$B")" "$B"
	run mnt_info $PID /proc/sys
	[[ "$output" == "proc ro,"* ]]
}

@test "create --no-pivot still works" {
	attrs_ctr '.process.args = ["sh","-c","cat /marker; ls /proc/1/root/ >/dev/null && echo ok"]'
	echo in-rootfs >"$B/rootfs/marker"
	husk create --no-pivot --bundle "$B" "$ID" </dev/null >"$TMP/out" 2>&1
	husk start "$ID"
	wait_status "$ID" stopped
	cat "$TMP/out"
	[ "$(head -n1 "$TMP/out")" = in-rootfs ]
	grep -qx ok "$TMP/out"
}

@test "the host's mount table is unchanged after delete" {
	local data=$TMP/data before after
	mkdir "$data"
	# (named netns mounts come and go with other suites running in parallel: not counted)
	before=$(grep -vc ' /run/netns/' /proc/self/mountinfo)
	attrs_ctr "$(add_mount /data bind "$data" '["rbind","ro"]')
		| $(add_mount /scratch tmpfs tmpfs '["size=1m"]') | .root.readonly = true | $SLEEP"
	run_detached "$ID" "$B"
	husk delete --force "$ID"
	after=$(grep -vc ' /run/netns/' /proc/self/mountinfo)
	[ "$before" = "$after" ]
	run grep -cF "$TMP" /proc/self/mountinfo
	[ "$output" = 0 ]
}
