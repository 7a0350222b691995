#!/usr/bin/env bats
# OCI hooks: all six kinds, their order, the state on their stdin, where they run, and what a
# failing or hanging hook does.

load helpers

# the common setup, plus $H: a directory the hooks write into
eval "$(declare -f setup | sed '1s/setup/common_setup/')"
setup() {
	common_setup
	H=$TMP/hooks
	mkdir -p "$H"
	chmod 777 "$H"
}

# hook KIND: a host hook that saves its stdin as $H/KIND.json and appends KIND to $H/order
hook() {
	printf '{"path":"/bin/sh","args":["sh","-c","cat > %s/%s.json; echo %s >> %s/order"]}' "$H" "$1" "$1" "$H"
}

@test "all six hooks run in order, each with the container state on stdin" {
	# startContainer runs inside the container: its /bin/sh, and /hooks bound to $H
	make_ctr "$(printf '.hooks = {"prestart":[%s],"createRuntime":[%s],"createContainer":[%s],
		"startContainer":[{"path":"/bin/sh","args":["sh","-c","cat > /hooks/startContainer.json; echo startContainer >> /hooks/order"]}],
		"poststart":[%s],"poststop":[%s]}
		| .mounts += [{"destination":"/hooks","type":"bind","source":"%s","options":["rbind","rw"]}]
		| .process.args = ["sh","-c","echo main >> /hooks/order"]' \
		"$(hook prestart)" "$(hook createRuntime)" "$(hook createContainer)" "$(hook poststart)" \
		"$(hook poststop)" "$H")"
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	cat "$H/order"
	# poststart and the container's own program race; everything else is ordered
	[ "$(grep -v -e main -e poststart "$H/order" | paste -sd' ')" = \
		"prestart createRuntime createContainer startContainer poststop" ]
	grep -qx main "$H/order"
	grep -qx poststart "$H/order"
	local k
	for k in prestart createRuntime createContainer startContainer poststart poststop; do
		jq -e --arg id "$ID" --arg b "$B" '.id == $id and .bundle == $b and .ociVersion != null' "$H/$k.json"
	done
	[ "$(jq -r .status "$H/createRuntime.json")" = creating ]
	[ "$(jq -r .status "$H/startContainer.json")" = created ]
	[ "$(jq -r .status "$H/poststart.json")" = running ]
	[ "$(jq -r .status "$H/poststop.json")" = stopped ]
	# the pid the runtime-side hooks see is the container's init, as `state` reported it
	[ "$(jq -r .pid "$H/createRuntime.json")" -gt 0 ]
	[ "$(jq -r .pid "$H/createRuntime.json")" = "$(jq -r .pid "$H/poststart.json")" ]
}

@test "createRuntime runs in the runtime's namespaces, createContainer in the container's" {
	make_ctr "$(printf '.hooks = {
		"createRuntime":[{"path":"/bin/sh","args":["sh","-c","readlink /proc/self/ns/uts > %s/cr"]}],
		"createContainer":[{"path":"/bin/sh","args":["sh","-c","readlink /proc/self/ns/uts > %s/cc; hostname > %s/cc-host"]}]}
		| .hostname = "hooked" | .process.args = ["true"]' "$H" "$H" "$H")"
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$H/cr")" = "$(readlink /proc/self/ns/uts)" ]
	[ "$(cat "$H/cc")" != "$(readlink /proc/self/ns/uts)" ]
}

@test "a failing createRuntime hook fails create with its name and output; nothing is left" {
	make_ctr '.hooks = {"createRuntime":[{"path":"/bin/sh","args":["sh","-c","echo hook-says-no >&2; exit 4"]}]}'
	run husk create --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"hooks.createRuntime[0]"*"exited with status 4"*hook-says-no* ]]
	[ ! -e "$ROOT/$ID" ]
	assert_no_leftovers "$ID"
}

@test "a hook past its timeout is killed and fails create" {
	make_ctr '.hooks = {"prestart":[{"path":"/bin/sh","args":["sh","-c","sleep 30"],"timeout":1}]}'
	SECONDS=0
	run husk create --bundle "$B" "$ID"
	echo "$output ($SECONDS s)"
	[ "$status" -eq 1 ]
	[[ "$output" == *"hooks.prestart[0]"*"timed out after 1 s"* ]]
	[ "$SECONDS" -lt 10 ]
	[ ! -e "$ROOT/$ID" ]
}

@test "a hook that does not exist fails create naming it" {
	make_ctr '.hooks = {"createContainer":[{"path":"/nonexistent/hook"}]}'
	run husk create --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"hooks.createContainer[0] /nonexistent/hook"*"No such file"* ]]
	[ ! -e "$ROOT/$ID" ]
}

@test "a failing startContainer hook stops the container before its program runs" {
	make_ctr "$(printf '.hooks = {"startContainer":[{"path":"/bin/sh","args":["sh","-c","exit 9"]}]}
		| .mounts += [{"destination":"/hooks","type":"bind","source":"%s","options":["rbind","rw"]}]
		| .process.args = ["sh","-c","touch /hooks/ran"]' "$H")"
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"hooks.startContainer[0]"*"exited with status 9"* ]]
	[ ! -e "$H/ran" ]
}

@test "failing poststart and poststop hooks are warnings: the container runs and is deleted" {
	make_ctr '.hooks = {"poststart":[{"path":"/bin/false"}],"poststop":[{"path":"/bin/false"}]}
		| .process.args = ["true"]'
	run husk run --bundle "$B" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"hooks.poststart[0] /bin/false"* ]]
	[[ "$output" == *"hooks.poststop[0] /bin/false"* ]]
	[ ! -e "$ROOT/$ID" ]
}
