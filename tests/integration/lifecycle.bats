#!/usr/bin/env bats
# Container lifecycle through the OCI face: create/start/state/kill/delete/run/list/spec/features,
# error handling and cleanup after failures and crashes.
# Runs against any runc-compatible runtime: HUSK=/usr/bin/runc bats tests/integration/lifecycle.bats
# Tests marked "HUSK-SPECIFIC" encode a husk requirement that runc 1.1.5 does not meet.

load helpers

# bind_tmp DIR: jq filter that bind-mounts host DIR on the container's /tmp (the image has /tmp;
# the shared image is read-only, so tests never add mountpoints to it)
bind_tmp() {
	printf '.mounts += [{"destination": "/tmp", "type": "bind", "source": "%s", "options": ["rbind", "rw"]}]' "$1"
}

# assert_failed_cleanly ID: the last `run` failed with exit 1 and a message; nothing is left
assert_failed_cleanly() {
	echo "status=$status output: $output"
	[ "$status" -eq 1 ]
	[ -n "$output" ]
	assert_no_leftovers "$1"
	! husk state "$1" >/dev/null 2>&1
}

@test "create, start, state, exit, delete: the whole lifecycle" {
	mkdir "$TMP/ctl"
	# shellcheck disable=SC2016
	make_ctr "$(bind_tmp "$TMP/ctl") | .process.args = [\"sh\", \"-c\",
		\"echo \$\$ > /tmp/started; while [ ! -e /tmp/go ]; do sleep 0.02; done\"]"
	husk create --bundle "$B" --pid-file "$TMP/pid" "$ID"

	# the pid file exists when create returns and holds the container's pid
	[ -s "$TMP/pid" ]
	run husk state "$ID"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = created ]
	pid=$(jq -r .pid <<<"$output")
	[ "$pid" -gt 0 ]
	[ "$(cat "$TMP/pid")" = "$pid" ]
	[ -d "/proc/$pid" ]
	# it lives in its own pid namespace; the user's process has not started yet
	[ "$(ns_of "$pid" pid)" != "$(ns_of $$ pid)" ]
	[ ! -e "$TMP/ctl/started" ]

	husk start "$ID"
	[ "$(state_field "$ID" status)" = running ]
	for _ in $(seq 100); do [ -s "$TMP/ctl/started" ] && break; sleep 0.02; done
	[ "$(cat "$TMP/ctl/started")" = 1 ] # the process is PID 1 in the container
	[ "$(state_field "$ID" pid)" = "$pid" ]

	touch "$TMP/ctl/go"
	wait_status "$ID" stopped
	wait_gone "$pid"

	husk delete "$ID"
	run husk state "$ID"
	[ "$status" -eq 1 ]
	assert_no_leftovers "$ID"
}

@test "run returns the container's exit status: 0 and 3" {
	make_ctr '.process.args = ["true"]'
	run husk run --bundle "$B" "$ID" </dev/null
	[ "$status" -eq 0 ]
	assert_no_leftovers "$ID"

	make_ctr '.process.args = ["sh", "-c", "exit 3"]'
	run husk run --bundle "$B" "$ID" </dev/null
	[ "$status" -eq 3 ]
	run husk state "$ID"
	[ "$status" -ne 0 ]
	assert_no_leftovers "$ID"
}

@test "run prints the container's output" {
	# shellcheck disable=SC2016
	make_ctr '.process.args = ["sh", "-c", "echo out-$((6 * 7)); echo err >&2"]'
	run husk run --bundle "$B" "$ID" </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *out-42* ]]
	[[ "$output" == *err* ]]
}

@test "run: killed by SIGKILL -> 137" {
	make_ctr
	husk run --bundle "$B" "$ID" </dev/null >/dev/null 2>&1 3>&- &
	rp=$!
	wait_status "$ID" running
	husk kill "$ID" 9
	rc=0
	wait "$rp" || rc=$?
	[ "$rc" -eq 137 ]
	assert_no_leftovers "$ID"
}

@test "run: process killing itself with SIGTERM -> 143" {
	# without a pid namespace the shell is not an init process, so SIGTERM's default action applies
	# shellcheck disable=SC2016
	make_ctr 'del(.linux.namespaces[] | select(.type == "pid"))
		| .process.args = ["sh", "-c", "kill -TERM $$; sleep 5"]'
	run husk run --bundle "$B" "$ID" </dev/null
	[ "$status" -eq 143 ]
	assert_no_leftovers "$ID"
}

@test "run --detach returns while the container runs" {
	make_ctr
	# the container's stdio must not be bats' `run` pipe: that would wait for the container
	husk run --detach --pid-file "$TMP/pid" --bundle "$B" "$ID" </dev/null >"$TMP/out" 2>&1 3>&-
	[ "$(state_field "$ID" status)" = running ]
	pid=$(state_field "$ID" pid)
	[ "$(cat "$TMP/pid")" = "$pid" ]
	[ -d "/proc/$pid" ]
	husk kill "$ID" KILL
	wait_status "$ID" stopped
	husk delete "$ID"
	assert_no_leftovers "$ID"
}

@test "run --keep leaves the stopped container" {
	make_ctr '.process.args = ["true"]'
	run husk run --keep --bundle "$B" "$ID" </dev/null
	[ "$status" -eq 0 ]
	[ "$(state_field "$ID" status)" = stopped ]
	husk delete "$ID"
	assert_no_leftovers "$ID"
}

@test "kill accepts TERM, SIGTERM, 15 and 9" {
	for sig in TERM SIGTERM 15 9 KILL SIGKILL; do
		make_ctr
		husk create --bundle "$B" "$ID"
		husk start "$ID"
		pid=$(state_field "$ID" pid)
		husk kill "$ID" "$sig"
		wait_status "$ID" stopped
		wait_gone "$pid"
		husk delete "$ID"
		assert_no_leftovers "$ID"
	done
}

@test "kill without a signal sends SIGTERM" {
	make_ctr
	husk_run_detached --bundle "$B" "$ID"
	husk kill "$ID"
	wait_status "$ID" stopped
}

@test "kill with an invalid signal fails and leaves the container alone" {
	make_ctr
	husk_run_detached --bundle "$B" "$ID"
	for sig in FOO SIGFOO 0x10 -1 100000; do
		run husk kill "$ID" "$sig"
		echo "$sig: $status $output"
		[ "$status" -eq 1 ]
		[ -n "$output" ]
	done
	[ "$(state_field "$ID" status)" = running ]
}

@test "kill --all signals every process of the container" {
	make_ctr '.process.args = ["sh", "-c", "sleep 1000 & sleep 1000 & sleep 1000 & wait"]'
	husk_run_detached --bundle "$B" "$ID"
	pid=$(state_field "$ID" pid)
	ns=$(ns_of "$pid" pid)
	for _ in $(seq 100); do [ "$(pids_in_pidns "$ns" | wc -l)" -ge 4 ] && break; sleep 0.02; done
	[ "$(pids_in_pidns "$ns" | wc -l)" -ge 4 ]
	husk kill --all "$ID" KILL
	wait_status "$ID" stopped
	for _ in $(seq 100); do [ -z "$(pids_in_pidns "$ns")" ] && break; sleep 0.02; done
	[ -z "$(pids_in_pidns "$ns")" ]
	husk delete "$ID"
	assert_no_leftovers "$ID"
}

@test "start on a running or stopped container fails" {
	make_ctr
	husk create --bundle "$B" "$ID"
	husk start "$ID"
	run husk start "$ID"
	[ "$status" -eq 1 ]
	[ -n "$output" ]
	[ "$(state_field "$ID" status)" = running ]
	husk kill "$ID" KILL
	wait_status "$ID" stopped
	run husk start "$ID"
	[ "$status" -eq 1 ]
	[ -n "$output" ]
	[ "$(state_field "$ID" status)" = stopped ]
}

@test "delete of a running container needs --force" {
	make_ctr
	husk_run_detached --bundle "$B" "$ID"
	pid=$(state_field "$ID" pid)
	run husk delete "$ID"
	[ "$status" -eq 1 ]
	[ -n "$output" ]
	[ "$(state_field "$ID" status)" = running ]
	[ -d "/proc/$pid" ]

	husk delete --force "$ID"
	wait_gone "$pid"
	run husk state "$ID"
	[ "$status" -eq 1 ]
	assert_no_leftovers "$ID"
}

@test "delete of a created container kills its waiting process" {
	make_ctr
	husk create --bundle "$B" "$ID"
	pid=$(state_field "$ID" pid)
	husk delete "$ID"
	wait_gone "$pid"
	assert_no_leftovers "$ID"
}

@test "duplicate id fails and leaves the first container unaffected" {
	make_ctr
	husk create --bundle "$B" "$ID"
	pid=$(state_field "$ID" pid)
	run husk create --bundle "$B" "$ID"
	[ "$status" -eq 1 ]
	[ -n "$output" ]
	run husk_run_detached --bundle "$B" "$ID"
	[ "$status" -eq 1 ]
	[ "$(state_field "$ID" status)" = created ]
	[ "$(state_field "$ID" pid)" = "$pid" ]
	husk start "$ID"
	[ "$(state_field "$ID" status)" = running ]
}

@test "unknown id: state, start, kill and delete fail" {
	id=$(new_id)
	for verb in state start kill delete; do
		run husk "$verb" "$id"
		echo "$verb: $status $output"
		[ "$status" -eq 1 ]
		[ -n "$output" ]
	done
}

@test "errors go to stderr, nothing to stdout" {
	id=$(new_id)
	run bash -c '"$0" --root "$1" state "$2" 2>/dev/null' "$HUSK" "$ROOT" "$id"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	run bash -c '"$0" --root "$1" state "$2" 2>&1 >/dev/null' "$HUSK" "$ROOT" "$id"
	[ "$status" -eq 1 ]
	[ -n "$output" ]
}

@test "invalid container ids are refused" {
	make_bundle "$TMP/bundle"
	long=$(printf 'a%.0s' $(seq 1025))
	for id in "a/b" ".." "." "" "$long" "../escape"; do
		run husk create --bundle "$TMP/bundle" "$id"
		echo "id '${id:0:20}': $status $output"
		[ "$status" -eq 1 ]
		[ -n "$output" ]
		run husk state "$id"
		[ "$status" -eq 1 ]
	done
	[ -z "$(ls -A "$ROOT")" ] || { ls -la "$ROOT"; false; }
	[ ! -e "$TMP/escape" ]
	[ -z "$(cgroup_dirs bundle)" ]
}

@test "list: table, -q and --format json" {
	make_ctr
	id1=$ID b1=$B
	make_ctr
	id2=$ID
	husk create --bundle "$b1" "$id1"
	husk_run_detached --bundle "$B" "$id2"

	run husk list
	[ "$status" -eq 0 ]
	echo "$output"
	[[ "${lines[0]}" =~ ^ID[[:space:]]+PID[[:space:]]+STATUS[[:space:]]+BUNDLE ]]
	grep -E "^${id1}[[:space:]]+[0-9]+[[:space:]]+created[[:space:]]+$b1" <<<"$output"
	grep -E "^${id2}[[:space:]]+[0-9]+[[:space:]]+running[[:space:]]" <<<"$output"

	run husk list -q
	[ "$status" -eq 0 ]
	[ "$(sort <<<"$output")" = "$(printf '%s\n' "$id1" "$id2" | sort)" ]

	run husk list --format json
	[ "$status" -eq 0 ]
	jq -e 'type == "array" and length == 2' <<<"$output"
	jq -e --arg id "$id1" --arg b "$b1" \
		'.[] | select(.id == $id) | .status == "created" and .bundle == $b and .pid > 0' <<<"$output"
	jq -e --arg id "$id2" '.[] | select(.id == $id) | .status == "running" and .pid > 0' <<<"$output"
}

@test "state JSON: ociVersion, id, status, pid, absolute bundle, annotations" {
	make_ctr '.annotations = {"org.husk.test": "yes", "second": "2"}'
	(cd "$TMP" && husk create --bundle "./$ID" "$ID")
	run husk state "$ID"
	[ "$status" -eq 0 ]
	echo "$output"
	jq -e --arg id "$ID" --arg b "$(realpath "$B")" '
		(.ociVersion | test("^1\\.[0-9]+\\.[0-9]+")) and .id == $id and .status == "created"
		and (.pid | type == "number") and .pid > 0 and .bundle == $b
		and .annotations == {"org.husk.test": "yes", "second": "2"}' <<<"$output"
}

@test "--log FILE --log-format json: an error is a JSON line naming the problem" {
	id=$(new_id)
	run "$HUSK" --root "$ROOT" --log "$TMP/log.json" --log-format json \
		create --bundle "$TMP/no-such-bundle" "$id"
	[ "$status" -eq 1 ]
	cat "$TMP/log.json"
	jq -se 'map(select(.level == "error" and (.msg | contains("no-such-bundle")))) | length >= 1' \
		"$TMP/log.json"
	assert_no_leftovers "$id"
}

@test "spec writes config.json and refuses to overwrite it" {
	mkdir "$TMP/s"
	(cd "$TMP/s" && "$HUSK" spec)
	jq -e '(.ociVersion | startswith("1.")) and (.process.args | length > 0) and .root.path
		and (.linux.namespaces | map(.type) | index("pid") != null)' "$TMP/s/config.json"
	echo '{"mine": true}' >"$TMP/s/config.json"
	run bash -c 'cd "$1" && "$0" spec' "$HUSK" "$TMP/s"
	[ "$status" -eq 1 ]
	[[ "$output" == *config.json* ]]
	[ "$(cat "$TMP/s/config.json")" = '{"mine": true}' ]

	mkdir "$TMP/b2"
	"$HUSK" spec --bundle "$TMP/b2"
	jq -e .ociVersion "$TMP/b2/config.json"
}

@test "spec --rootless has a user namespace with mappings" {
	mkdir "$TMP/s"
	"$HUSK" spec --rootless --bundle "$TMP/s"
	jq -e '(.linux.namespaces | map(.type) | index("user") != null)
		and (.linux.uidMappings | length > 0) and (.linux.gidMappings | length > 0)
		and (.linux.namespaces | map(.type) | index("network") == null)' "$TMP/s/config.json"
}

@test "features: JSON with OCI versions, hooks, mount options, namespaces" {
	run "$HUSK" features
	[ "$status" -eq 0 ]
	jq -e '(.ociVersionMin | startswith("1.")) and (.ociVersionMax | startswith("1."))
		and (.hooks | type == "array")
		and (.mountOptions | index("bind") != null and index("ro") != null)
		and (.linux.namespaces | index("pid") != null and index("mount") != null
			and index("user") != null and index("network") != null)' <<<"$output"
}

@test "--version mentions the runtime-spec version" {
	run "$HUSK" --version
	[ "$status" -eq 0 ]
	echo "$output"
	grep -Eiq 'spec[^0-9]*1\.[0-9]+' <<<"$output"
}

@test "husk oci VERB and husk-oci VERB behave identically" {
	face=$(husk_oci_face) || skip "HUSK=$HUSK is not a husk-oci symlink"
	[ -x "$face" ]
	make_ctr
	"$face" oci --root "$ROOT" create --bundle "$B" "$ID"
	[ "$("$face" oci --root "$ROOT" state "$ID")" = "$(husk state "$ID")" ]
	[ "$("$face" oci --root "$ROOT" list -q)" = "$(husk list -q)" ]
	run "$face" oci --root "$ROOT" state "$ID-nope"
	[ "$status" -eq 1 ]
	"$face" oci --root "$ROOT" delete --force "$ID"
	assert_no_leftovers "$ID"
}

@test "malformed config.json: exit 1, the message gives the line" {
	# HUSK-SPECIFIC: runc 1.1.5 says only "unexpected EOF"
	make_ctr
	printf '{\n  "ociVersion": "1.0.2",\n  "process": {\n' >"$B/config.json"
	run husk create --bundle "$B" "$ID"
	assert_failed_cleanly "$ID"
	[[ "$output" == *line* ]]
}

@test "missing bundle directory: the message names the path" {
	id=$(new_id)
	run husk create --bundle "$TMP/missing-bundle" "$id"
	assert_failed_cleanly "$id"
	[[ "$output" == *"$TMP/missing-bundle"* ]]
}

@test "missing rootfs: the message names the path" {
	make_ctr ".root.path = \"$TMP/missing-rootfs\""
	run husk create --bundle "$B" "$ID"
	assert_failed_cleanly "$ID"
	[[ "$output" == *"$TMP/missing-rootfs"* ]]
}

@test "unknown namespace type: the message names linux.namespaces" {
	# HUSK-SPECIFIC: runc 1.1.5 says 'namespace {"foo" ""} does not exist'
	make_ctr '.linux.namespaces += [{"type": "foo"}]'
	run husk create --bundle "$B" "$ID"
	assert_failed_cleanly "$ID"
	[[ "$output" == *linux.namespaces* ]]
}

@test "runtime killed in the middle of create: delete --force cleans everything" {
	# HUSK-SPECIFIC in part: runc 1.1.5 killed around 20 ms into create can leave a cgroup
	# (seen: cpuset:husk-test/ID) that its delete --force does not know about.
	for delay in 0 0.005 0.02 0.05 0.1; do
		make_ctr
		"$HUSK" --root "$ROOT" create --bundle "$B" "$ID" >/dev/null 2>&1 3>&- &
		cp=$!
		sleep "$delay"
		kill -KILL "$cp" 2>/dev/null || true
		wait "$cp" || true
		run husk delete --force "$ID"
		echo "delay $delay: delete --force: $status $output"
		if [ "$status" -ne 0 ]; then
			grep -Eiq 'not found|does not exist|no such' <<<"$output"
		fi
		run husk state "$ID"
		[ "$status" -eq 1 ]
		# an orphaned child of the killed runtime may need a moment to notice and exit
		for _ in $(seq 100); do [ -z "$(procs_of "$ID")" ] && break; sleep 0.02; done
		assert_no_leftovers "$ID"
	done
}
