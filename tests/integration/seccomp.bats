#!/usr/bin/env bats
# linux.seccomp: actions, errnoRet, argument filters, errors, /proc/PID/status.

load attrs_helpers

# seccomp RULES-JSON [DEFAULT-ACTION]: jq filter setting linux.seccomp
seccomp() {
	printf '.linux.seccomp = {"defaultAction":"%s","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"],"syscalls":%s}' \
		"${2:-SCMP_ACT_ALLOW}" "$1"
}

MKDIR_ERRNO='[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]'

@test "SCMP_ACT_ERRNO without errnoRet: mkdir fails with EPERM, the rest works" {
	attrs_ctr "$(seccomp "$MKDIR_ERRNO") | .process.args = [\"/t.sh\"]"
	script "$B" /t.sh 'mkdir /tmp/x; echo "rc=$?"; touch /tmp/y && echo touch-ok'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *rc=1* ]]
	[[ "$output" == *touch-ok* ]]
	[ ! -e "$B/rootfs/tmp/x" ]
	[ -e "$B/rootfs/tmp/y" ]
}

@test "SCMP_ACT_ERRNO with errnoRet 38: mkdir fails with ENOSYS" {
	attrs_ctr "$(seccomp '[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]')
		| .process.args = [\"mkdir\",\"/tmp/x\"]"
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Function not implemented"* ]]
	[[ "$output" != *"Operation not permitted"* ]]
}

@test "SCMP_ACT_KILL_PROCESS: the process dies of SIGSYS (exit 159)" {
	attrs_ctr "$(seccomp '[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_KILL_PROCESS"}]')
		| .process.args = [\"mkdir\",\"/tmp/x\"]"
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 159 ]
	[ ! -e "$B/rootfs/tmp/x" ]
}

@test "defaultAction SCMP_ACT_ERRNO with an allow list" {
	local allow
	# what a busybox shell and its children need; mkdir and mkdirat are not in the list
	allow=$(printf '"%s",' read write readv writev pread64 close close_range fstat newfstatat stat lstat statx \
		lseek mmap mprotect munmap brk rt_sigaction rt_sigprocmask rt_sigreturn rt_sigsuspend ioctl \
		access faccessat faccessat2 pipe pipe2 dup dup2 dup3 fcntl nanosleep clock_nanosleep clock_gettime \
		getpid getppid gettid getpgrp getpgid setpgid setsid getuid getgid geteuid getegid getgroups \
		setuid setgid setgroups setresuid setresgid getresuid getresgid capget capset prctl arch_prctl \
		set_tid_address set_robust_list rseq prlimit64 getrlimit setrlimit umask getrandom futex \
		clone clone3 fork vfork execve execveat exit exit_group wait4 waitid kill tgkill uname \
		getcwd chdir fchdir open openat openat2 readlink readlinkat getdents64 sigaltstack \
		poll ppoll select pselect6 sysinfo times sched_yield sched_getaffinity madvise mremap \
		statfs fstatfs sendmsg recvmsg)
	attrs_ctr "$(seccomp "[{\"names\":[${allow%,}],\"action\":\"SCMP_ACT_ALLOW\"}]" SCMP_ACT_ERRNO)
		| .process.args = [\"/t.sh\"]"
	script "$B" /t.sh 'echo start; mkdir /tmp/x; echo "rc=$?"; grep ^Seccomp: /proc/self/status'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = start ]
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *rc=1* ]]
	[[ "${lines[-1]}" =~ ^Seccomp:[[:space:]]+2$ ]]
	[ ! -e "$B/rootfs/tmp/x" ]
}

@test "argument filter SCMP_CMP_EQ: chmod 777 is refused, chmod 755 works" {
	# mode is arg 1 of chmod and arg 2 of fchmodat; 511 = 0777
	attrs_ctr "$(seccomp '[
		{"names":["chmod"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":511,"op":"SCMP_CMP_EQ"}]},
		{"names":["fchmodat"],"action":"SCMP_ACT_ERRNO","args":[{"index":2,"value":511,"op":"SCMP_CMP_EQ"}]}]')
		| .process.args = [\"/t.sh\"]"
	script "$B" /t.sh 'touch /tmp/f
		chmod 777 /tmp/f; echo "777=$?"
		chmod 755 /tmp/f; echo "755=$?"
		stat -c %a /tmp/f'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *777=1* ]]
	[[ "$output" == *755=0* ]]
	[ "${lines[-1]}" = 755 ]
}

@test "argument filter SCMP_CMP_MASKED_EQ: modes with all 'other' bits are refused" {
	# (mode & 07) == 07 -> EPERM
	attrs_ctr "$(seccomp '[
		{"names":["chmod"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":7,"valueTwo":7,"op":"SCMP_CMP_MASKED_EQ"}]},
		{"names":["fchmodat"],"action":"SCMP_ACT_ERRNO","args":[{"index":2,"value":7,"valueTwo":7,"op":"SCMP_CMP_MASKED_EQ"}]}]')
		| .process.args = [\"/t.sh\"]"
	script "$B" /t.sh 'touch /tmp/f
		chmod 707 /tmp/f; echo "707=$?"
		chmod 777 /tmp/f; echo "777=$?"
		chmod 770 /tmp/f; echo "770=$?"
		chmod 705 /tmp/f; echo "705=$?"
		stat -c %a /tmp/f'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *707=1* ]]
	[[ "$output" == *777=1* ]]
	[[ "$output" == *770=0* ]]
	[[ "$output" == *705=0* ]]
	[ "${lines[-1]}" = 705 ]
}

@test "unknown syscall name is an error naming linux.seccomp" {
	husk_only "runc silently skips syscalls libseccomp does not know"
	attrs_ctr "$(seccomp '[{"names":["husk_no_such_syscall"],"action":"SCMP_ACT_ERRNO"}]')
		| .process.args = [\"true\"]"
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *linux.seccomp* ]]
	[[ "$output" == *husk_no_such_syscall* ]]
}

@test "unknown seccomp action is an error" {
	attrs_ctr "$(seccomp '[{"names":["mkdir"],"action":"SCMP_ACT_BOGUS"}]') | .process.args = [\"true\"]"
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *SCMP_ACT_BOGUS* ]]
}

@test "Seccomp: 2 in /proc/PID/status, 0 without linux.seccomp" {
	attrs_ctr "$(seccomp "$MKDIR_ERRNO") | .process.args = [\"sleep\",\"1000\"]"
	run_detached "$ID" "$B"
	grep -E '^Seccomp:\s+2$' /proc/$PID/status
	grep -E '^Seccomp_filters:\s+[1-9]' /proc/$PID/status
	husk delete --force "$ID"
	edit_config "$B" 'del(.linux.seccomp)'
	run_detached "$(next_id "$B")" "$B"
	grep -E '^Seccomp:\s+0$' /proc/$PID/status
}

@test "seccomp with noNewPrivileges false still applies" {
	attrs_ctr "$(seccomp "$MKDIR_ERRNO") | .process.noNewPrivileges = false
		| .process.args = [\"sh\",\"-c\",\"mkdir /tmp/x; echo rc=\$?\"]"
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *rc=1* ]]
	edit_config "$B" '.process.args = ["sleep","1000"]'
	run_detached "$(next_id "$B")" "$B"
	grep -E '^NoNewPrivs:\s+0$' /proc/$PID/status
	grep -E '^Seccomp:\s+2$' /proc/$PID/status
}

# SCMP_ACT_NOTIFY: the listener fd and the container process state reach listenerPath; the
# listener's answers decide the syscall (tests/helpers/seccomp-listener.c).
notify_run() { # notify_run ANSWER-ERRNO
	local sl=$BATS_TEST_TMPDIR/seccomp-listener sock=$BATS_TEST_TMPDIR/l.sock
	cc -O2 -Wall -Werror -o "$sl" "$BATS_TEST_DIRNAME/../helpers/seccomp-listener.c"
	attrs_ctr "$(seccomp '[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_NOTIFY"}]')
		| .linux.seccomp.listenerPath = \"$sock\" | .linux.seccomp.listenerMetadata = \"meta-$1\"
		| .process.args = [\"/t.sh\"]"
	script "$B" /t.sh 'mkdir /tmp/x; echo "rc=$?"'
	"$sl" "$sock" "$BATS_TEST_TMPDIR/state.json" "$1" &
	local lpid=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.02; done
	run husk run --bundle "$B" "$ID"
	wait "$lpid"
}

@test "SCMP_ACT_NOTIFY: the listener gets the fd and the state, and its answer (EACCES) is the syscall's" {
	notify_run 13
	echo "$output"
	[[ "$output" == *"Permission denied"* ]]
	[[ "$output" == *rc=1* ]]
	[ ! -e "$B/rootfs/tmp/x" ]
	jq -e --arg id "$ID" '.fds == ["seccompFd"] and .metadata == "meta-13" and .state.id == $id and .pid > 0
		and .state.status == "creating"' "$BATS_TEST_TMPDIR/state.json"
}

@test "SCMP_ACT_NOTIFY: a listener that lets the syscall continue" {
	notify_run 0
	echo "$output"
	[[ "$output" == *rc=0* ]]
	[ -d "$B/rootfs/tmp/x" ]
}

@test "SCMP_ACT_NOTIFY: an unreachable listenerPath fails create with its path, nothing left" {
	attrs_ctr "$(seccomp '[{"names":["mkdir"],"action":"SCMP_ACT_NOTIFY"}]')
		| .linux.seccomp.listenerPath = \"$BATS_TEST_TMPDIR/nobody.sock\""
	run husk create --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"listenerPath"*"nobody.sock"* ]]
	[ ! -e "$ROOT/$ID" ]
}
