/* Unit tests for src/spec: config.json parsing/validation, the name tables, the default spec. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "spec/spec.h"
#include "util/error.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The tests write JSON with single quotes; J() turns them into double quotes. */
static char *J(const char *s)
{
	char *d = strdup(s);
	assert_non_null(d);
	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

#define BASE "'ociVersion':'1.2.0','root':{'path':'rootfs'}"
#define PROC "'process':{'args':['sh']}"

static struct spec *parse_ok(const char *json)
{
	struct husk_error e = {0};
	struct spec *s = NULL;
	char *doc = J(json);
	int r = spec_parse(doc, strlen(doc), "config.json", &s, &e);
	free(doc);
	if (r < 0)
		fail_msg("unexpected error: %s", e.msg);
	assert_non_null(s);
	return s;
}

static void expect_err(const char *json, const char *want)
{
	struct husk_error e = {0};
	struct spec *s = (struct spec *)1;
	char *doc = J(json);
	int r = spec_parse(doc, strlen(doc), "config.json", &s, &e);
	free(doc);
	if (r == 0) {
		spec_free(s);
		fail_msg("parsed, expected an error containing: %s", want);
	}
	assert_int_equal(r, -1);
	assert_null(s);
	if (!strstr(e.msg, want))
		fail_msg("error \"%s\" does not contain \"%s\"", e.msg, want);
}

static void test_minimal(void **state)
{
	struct spec *s = parse_ok("{" BASE "}");
	assert_string_equal(s->oci_version, "1.2.0");
	assert_string_equal(s->root.path, "rootfs");
	assert_false(s->root.readonly);
	assert_false(s->has_process);
	assert_false(s->has_hostname);
	assert_false(s->has_seccomp);
	assert_int_equal(s->n_mounts, 0);
	assert_int_equal(s->n_namespaces, 0);
	assert_null(s->resources);
	assert_null(s->cgroups_path);
	spec_free(s);
}

static void test_required_fields(void **state)
{
	expect_err("{'root':{'path':'r'}}", "config.json: ociVersion: required field is missing");
	expect_err("{'ociVersion':'1.0.0'}", "config.json: root.path: required field is missing");
	expect_err("{'ociVersion':'1.0.0','root':{}}", "config.json: root.path: required field is missing");
	expect_err("{'ociVersion':1,'root':{'path':'r'}}",
		   "config.json: ociVersion: expected a string, got number");
	expect_err("{'ociVersion':'1','root':{'path':5}}",
		   "config.json: root.path: expected a string, got number");
	expect_err("{'ociVersion':'1','root':{'path':'r','readonly':'yes'}}",
		   "root.readonly: expected a boolean, got string");
	expect_err("[1,2]", "config.json: expected a JSON object at the top level, got array");
}

static void test_syntax_error(void **state)
{
	struct husk_error e = {0};
	struct spec *s = NULL;
	const char *doc = "{\n  \"ociVersion\": \"1.0.0\",\n  \"root\": {\"path\": }\n}";
	assert_int_equal(spec_parse(doc, strlen(doc), "config.json", &s, &e), -1);
	assert_null(s);
	if (!strstr(e.msg, "config.json: line 3 column"))
		fail_msg("no line/column: %s", e.msg);

	expect_err("{" BASE ",'hostname':'a','hostname':'b'}", "duplicate");
	assert_int_equal(spec_parse("", 0, "config.json", &s, &e), -1);
	assert_non_null(strstr(e.msg, "line 1"));
}

static void test_unknown_keys_and_null(void **state)
{
	struct spec *s =
	    parse_ok("{" BASE ",'solaris':{},'vm':{'x':1},'linux':{'futureField':[1],'seccomp':null},"
		     "'process':{'args':['a'],'newThing':true,'user':null}}");
	assert_true(s->has_process);
	assert_false(s->has_seccomp);
	spec_free(s);
}

static void test_process_fields(void **state)
{
	struct spec *s = parse_ok(
	    "{" BASE ",'process':{'terminal':true,'consoleSize':{'height':24,'width':80},"
	    "'user':{'uid':1000,'gid':100,'umask':18,'additionalGids':[5,6,4294967295],'username':'bob'},"
	    "'args':['sh','-c','true'],'env':['PATH=/bin','NOEQUALS'],'noNewPrivileges':true,"
	    "'apparmorProfile':'prof','selinuxLabel':'lbl','oomScoreAdj':-500,"
	    "'scheduler':{'policy':'SCHED_ISO','nice':-5,'priority':3,'flags':['SCHED_FLAG_RESET_ON_FORK'],"
	    "'runtime':1,'deadline':2,'period':3},'ioPriority':{'class':'IOPRIO_CLASS_IDLE','priority':7}}}");
	struct spec_process *p = &s->process;
	assert_true(s->has_process);
	assert_true(p->terminal);
	assert_true(p->has_console_size);
	assert_int_equal(p->console_size.height, 24);
	assert_int_equal(p->console_size.width, 80);
	assert_int_equal(p->user.uid, 1000);
	assert_int_equal(p->user.gid, 100);
	assert_true(p->user.has_umask);
	assert_int_equal(p->user.umask, 022);
	assert_int_equal(p->user.n_additional_gids, 3);
	assert_int_equal(p->user.additional_gids[2], UINT32_MAX);
	assert_string_equal(p->user.username, "bob");
	assert_int_equal(p->n_args, 3);
	assert_string_equal(p->args[2], "true");
	assert_null(p->args[3]);
	assert_int_equal(p->n_env, 2);
	assert_string_equal(p->env[1], "NOEQUALS");
	assert_null(p->env[2]);
	assert_string_equal(p->cwd, "/");
	assert_true(p->no_new_privileges);
	assert_string_equal(p->apparmor_profile, "prof");
	assert_string_equal(p->selinux_label, "lbl");
	assert_true(p->has_oom_score_adj);
	assert_int_equal(p->oom_score_adj, -500);
	assert_true(p->has_scheduler);
	assert_string_equal(p->scheduler.policy, "SCHED_ISO");
	assert_int_equal(p->scheduler.policy_num, 4);
	assert_int_equal(p->scheduler.nice, -5);
	assert_int_equal(p->scheduler.priority, 3);
	assert_int_equal(p->scheduler.n_flags, 1);
	assert_int_equal(p->scheduler.period, 3);
	assert_true(p->has_io_priority);
	assert_int_equal(p->io_priority.class_num, 3);
	assert_int_equal(p->io_priority.priority, 7);
	assert_false(p->caps.present);
	spec_free(s);
}

static void test_process_errors(void **state)
{
	expect_err("{" BASE ",'process':{}}",
		   "config.json: process.args: must be a non-empty array of strings");
	expect_err("{" BASE ",'process':{'args':[]}}",
		   "config.json: process.args: must be a non-empty array");
	expect_err("{" BASE ",'process':{'args':'sh'}}",
		   "process.args: must be a non-empty array of strings");
	expect_err("{" BASE ",'process':{'args':['sh',3]}}",
		   "process.args[1]: expected a string, got number");
	expect_err("{" BASE ",'process':{'args':['sh'],'cwd':'tmp'}}",
		   "process.cwd: must be an absolute path");
	expect_err("{" BASE ",'process':{'args':['sh'],'terminal':1}}",
		   "process.terminal: expected a boolean, got number");
	expect_err("{" BASE ",'process':{'args':['sh'],'env':{}}}",
		   "process.env: expected an array, got object");
	expect_err("{" BASE ",'process':{'args':['sh'],'oomScoreAdj':1001}}",
		   "process.oomScoreAdj: must be at most 1000");
	expect_err("{" BASE ",'process':{'args':['sh'],'consoleSize':{'height':1}}}",
		   "process.consoleSize.width: required field is missing");
	expect_err("{" BASE ",'process':{'args':['sh'],'scheduler':{'policy':'SCHED_FOO'}}}",
		   "process.scheduler.policy: unknown scheduler policy \"SCHED_FOO\"");
	expect_err("{" BASE ",'process':{'args':['sh'],'scheduler':{'policy':'SCHED_RR','flags':['X']}}}",
		   "process.scheduler.flags[0]: unknown scheduler flag \"X\"");
	expect_err("{" BASE
		   ",'process':{'args':['sh'],'ioPriority':{'class':'IOPRIO_CLASS_BE','priority':8}}}",
		   "process.ioPriority.priority: must be at most 7");
	expect_err("{" BASE ",'process':{'args':['sh'],'ioPriority':{'class':'BEST'}}}",
		   "process.ioPriority.class: unknown I/O priority class \"BEST\"");
	expect_err("{" BASE ",'process':3}", "config.json: process: expected an object, got number");
}

static void test_uint32_range(void **state)
{
	expect_err("{" BASE ",'process':{'args':['sh'],'user':{'uid':-1}}}",
		   "config.json: process.user.uid: must not be negative, got -1");
	expect_err("{" BASE ",'process':{'args':['sh'],'user':{'gid':4294967296}}}",
		   "config.json: process.user.gid: must be at most 4294967295, got 4294967296");
	expect_err("{" BASE ",'process':{'args':['sh'],'user':{'additionalGids':[1,-2]}}}",
		   "process.user.additionalGids[1]: must not be negative");
	expect_err("{" BASE ",'process':{'args':['sh'],'user':{'uid':1.5}}}",
		   "process.user.uid: expected an integer, got real number");
	expect_err("{" BASE ",'process':{'args':['sh'],'user':{'uid':'0'}}}",
		   "process.user.uid: expected an integer, got string");
}

static void test_capabilities(void **state)
{
	struct spec *s =
	    parse_ok("{" BASE ",'process':{'args':['sh'],'capabilities':{"
		     "'bounding':['CAP_CHOWN','CAP_KILL','CAP_SYS_ADMIN','CAP_CHECKPOINT_RESTORE'],"
		     "'effective':['CAP_KILL'],'inheritable':[],'permitted':['CAP_NET_RAW','CAP_KILL'],"
		     "'ambient':['CAP_BPF']}}}");
	struct spec_caps *c = &s->process.caps;
	assert_true(c->present);
	assert_int_equal(c->bounding, (1ULL << 0) | (1ULL << 5) | (1ULL << 21) | (1ULL << 40));
	assert_int_equal(c->effective, 1ULL << 5);
	assert_int_equal(c->inheritable, 0);
	assert_int_equal(c->permitted, (1ULL << 13) | (1ULL << 5));
	assert_int_equal(c->ambient, 1ULL << 39);
	spec_free(s);

	expect_err(
	    "{" BASE
	    ",'process':{'args':['sh'],'capabilities':{'bounding':['CAP_KILL','CAP_CHOWN','CAP_FOO']}}}",
	    "config.json: process.capabilities.bounding[2]: unknown capability \"CAP_FOO\"");
	expect_err("{" BASE ",'process':{'args':['sh'],'capabilities':{'ambient':'CAP_KILL'}}}",
		   "process.capabilities.ambient: expected an array, got string");
	expect_err("{" BASE ",'process':{'args':['sh'],'capabilities':{'effective':[true]}}}",
		   "process.capabilities.effective[0]: expected a string, got boolean");
}

static void test_rlimits(void **state)
{
	struct spec *s = parse_ok("{" BASE ",'process':{'args':['sh'],'rlimits':["
				  "{'type':'RLIMIT_NOFILE','soft':1024,'hard':4096},"
				  "{'type':'RLIMIT_CORE','soft':0,'hard':18446744073709551615}]}}");
	assert_int_equal(s->process.n_rlimits, 2);
	assert_int_equal(s->process.rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(s->process.rlimits[0].soft, 1024);
	assert_int_equal(s->process.rlimits[0].hard, 4096);
	assert_int_equal(s->process.rlimits[1].resource, RLIMIT_CORE);
	assert_true(s->process.rlimits[1].hard == UINT64_MAX);
	spec_free(s);

	expect_err("{" BASE ",'process':{'args':['sh'],'rlimits':[{'type':'RLIMIT_FOO','soft':1,'hard':1}]}}",
		   "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"");
	expect_err("{" BASE ",'process':{'args':['sh'],'rlimits':[{'type':'RLIMIT_NPROC','soft':1,'hard':1},"
		   "{'type':'RLIMIT_NPROC','soft':2,'hard':2}]}}",
		   "process.rlimits[1].type: duplicate rlimit \"RLIMIT_NPROC\"");
	expect_err("{" BASE ",'process':{'args':['sh'],'rlimits':[{'type':'RLIMIT_NPROC','soft':1}]}}",
		   "process.rlimits[0].hard: required field is missing");
	expect_err("{" BASE
		   ",'process':{'args':['sh'],'rlimits':[{'type':'RLIMIT_NPROC','soft':5,'hard':1}]}}",
		   "process.rlimits[0].soft: soft limit 5 is above the hard limit 1");
	expect_err("{" BASE ",'process':{'args':['sh'],'rlimits':[{'type':'RLIMIT_AS','soft':-1,'hard':1}]}}",
		   "process.rlimits[0].soft: must not be negative");
	/* in the big-integer fallback, small integers still work and fractions are still refused */
	expect_err("{" BASE ",'process':{'args':['sh'],'rlimits':[{'type':'RLIMIT_AS','soft':1.5,"
		   "'hard':18446744073709551615}]}}",
		   "process.rlimits[0].soft: expected an integer");
	expect_err("{" BASE ",'process':{'args':['sh'],'user':{'uid':-1},'rlimits':[{'type':'RLIMIT_AS',"
		   "'soft':1,'hard':18446744073709551615}]}}",
		   "process.user.uid: must not be negative");
	expect_err("{" BASE ",'process':{'args':['sh'],'rlimits':[{'type':'RLIMIT_AS','soft':1,"
		   "'hard':99999999999999999999999}]}}",
		   "process.rlimits[0].hard: integer");
}

static void test_namespaces(void **state)
{
	struct spec *s =
	    parse_ok("{" BASE ",'hostname':'box','linux':{'namespaces':[{'type':'pid'},"
		     "{'type':'network','path':'/proc/1/ns/net'},{'type':'mount'},{'type':'ipc'},"
		     "{'type':'uts'},{'type':'cgroup'}]}}");
	assert_int_equal(s->n_namespaces, 6);
	assert_int_equal(s->namespaces[0].type, CLONE_NEWPID);
	assert_null(s->namespaces[0].path);
	const struct spec_namespace *net = spec_namespace(s, CLONE_NEWNET);
	assert_non_null(net);
	assert_string_equal(net->path, "/proc/1/ns/net");
	assert_non_null(spec_namespace(s, CLONE_NEWCGROUP));
	assert_null(spec_namespace(s, CLONE_NEWUSER));
	assert_null(spec_namespace(s, CLONE_NEWTIME));
	assert_true(s->has_hostname);
	assert_string_equal(s->hostname, "box");
	spec_free(s);

	expect_err("{" BASE ",'linux':{'namespaces':[{'type':'pid'},{'type':'foo'}]}}",
		   "config.json: linux.namespaces[1].type: unknown namespace type \"foo\"");
	expect_err("{" BASE ",'linux':{'namespaces':[{'type':'pid'},{'type':'ipc'},{'type':'pid'}]}}",
		   "linux.namespaces[2].type: duplicate namespace type \"pid\"");
	expect_err("{" BASE ",'linux':{'namespaces':[{'path':'/x'}]}}",
		   "linux.namespaces[0].type: required field is missing");
	expect_err("{" BASE ",'linux':{'namespaces':[{'type':'net','path':'x'}]}}",
		   "unknown namespace type \"net\"");
	expect_err("{" BASE ",'linux':{'namespaces':[{'type':'ipc','path':'proc/1/ns/ipc'}]}}",
		   "linux.namespaces[0].path: must be an absolute path");
	expect_err("{" BASE ",'linux':{'namespaces':{'type':'pid'}}}",
		   "linux.namespaces: expected an array, got object");
}

static void test_hostname_needs_uts(void **state)
{
	expect_err("{" BASE ",'hostname':'box'}",
		   "config.json: hostname: cannot be set without a uts namespace");
	expect_err("{" BASE ",'domainname':'example.com','linux':{'namespaces':[{'type':'pid'}]}}",
		   "domainname: cannot be set without a uts namespace");
	/* empty hostname is fine, and a joined uts namespace counts */
	spec_free(parse_ok("{" BASE ",'hostname':''}"));
	spec_free(parse_ok(
	    "{" BASE ",'hostname':'h','linux':{'namespaces':[{'type':'uts','path':'/proc/1/ns/uts'}]}}"));
}

static void test_id_mappings(void **state)
{
	struct spec *s = parse_ok("{" BASE ",'linux':{'namespaces':[{'type':'user'}],"
				  "'uidMappings':[{'containerID':0,'hostID':100000,'size':65536},"
				  "{'containerID':65536,'hostID':1000,'size':1}],"
				  "'gidMappings':[{'containerID':0,'hostID':200000,'size':10}]}}");
	assert_int_equal(s->n_uid_mappings, 2);
	assert_int_equal(s->uid_mappings[0].host_id, 100000);
	assert_int_equal(s->uid_mappings[0].size, 65536);
	assert_int_equal(s->uid_mappings[1].container_id, 65536);
	assert_int_equal(s->n_gid_mappings, 1);
	assert_int_equal(s->gid_mappings[0].host_id, 200000);
	assert_int_equal(s->gid_mappings[0].size, 10);
	spec_free(s);

	/* joining a user namespace: mappings are not needed */
	spec_free(parse_ok("{" BASE ",'linux':{'namespaces':[{'type':'user','path':'/proc/1/ns/user'}]}}"));

	expect_err("{" BASE ",'linux':{'namespaces':[{'type':'user'}]}}",
		   "config.json: linux.uidMappings: required with a new user namespace");
	expect_err("{" BASE ",'linux':{'namespaces':[{'type':'user'}],"
		   "'uidMappings':[{'containerID':0,'hostID':1,'size':1}]}}",
		   "linux.gidMappings: required with a new user namespace");
	expect_err("{" BASE ",'linux':{'uidMappings':[{'containerID':0,'hostID':1,'size':1}]}}",
		   "linux.uidMappings: given without a user namespace");
	expect_err("{" BASE ",'linux':{'gidMappings':[{'containerID':0,'hostID':1,'size':1}]}}",
		   "linux.gidMappings: given without a user namespace");
	expect_err("{" BASE ",'linux':{'namespaces':[{'type':'user'}],"
		   "'uidMappings':[{'containerID':0,'hostID':1}]}}",
		   "linux.uidMappings[0].size: required field is missing");
	expect_err("{" BASE ",'linux':{'namespaces':[{'type':'user'}],"
		   "'uidMappings':[{'containerID':0,'hostID':-1,'size':1}]}}",
		   "linux.uidMappings[0].hostID: must not be negative");
	expect_err("{" BASE ",'linux':{'namespaces':[{'type':'user'}],"
		   "'uidMappings':[{'containerID':0,'hostID':1,'size':0}]}}",
		   "linux.uidMappings[0].size: must be greater than 0");
}

static void test_time_offsets(void **state)
{
	struct spec *s =
	    parse_ok("{" BASE ",'linux':{'namespaces':[{'type':'time'}],"
		     "'timeOffsets':{'monotonic':{'secs':-10,'nanosecs':5},'boottime':{'secs':86400}}}}");
	assert_true(s->time_monotonic.present);
	assert_int_equal(s->time_monotonic.secs, -10);
	assert_int_equal(s->time_monotonic.nanosecs, 5);
	assert_true(s->time_boottime.present);
	assert_int_equal(s->time_boottime.secs, 86400);
	assert_int_equal(s->namespaces[0].type, CLONE_NEWTIME);
	spec_free(s);

	expect_err("{" BASE ",'linux':{'timeOffsets':{'monotonic':{'secs':1}}}}",
		   "config.json: linux.timeOffsets: requires a new time namespace");
	expect_err("{" BASE ",'linux':{'namespaces':[{'type':'time','path':'/proc/1/ns/time'}],"
		   "'timeOffsets':{'boottime':{'secs':1}}}}",
		   "linux.timeOffsets: requires a new time namespace");
	expect_err("{" BASE
		   ",'linux':{'namespaces':[{'type':'time'}],'timeOffsets':{'realtime':{'secs':1}}}}",
		   "linux.timeOffsets.realtime: unknown clock");
	expect_err("{" BASE ",'linux':{'namespaces':[{'type':'time'}],"
		   "'timeOffsets':{'monotonic':{'nanosecs':1000000000}}}}",
		   "linux.timeOffsets.monotonic.nanosecs: must be at most 999999999");
}

static void test_mounts(void **state)
{
	struct spec *s = parse_ok("{" BASE ",'mounts':[{'destination':'/proc','type':'proc','source':'proc'},"
				  "{'destination':'/data','source':'/srv','options':['rbind','ro'],"
				  "'uidMappings':[{'containerID':0,'hostID':1000,'size':1}],"
				  "'gidMappings':[{'containerID':0,'hostID':1000,'size':1}]}]}");
	assert_int_equal(s->n_mounts, 2);
	assert_string_equal(s->mounts[0].destination, "/proc");
	assert_string_equal(s->mounts[0].type, "proc");
	assert_int_equal(s->mounts[0].n_options, 0);
	assert_null(s->mounts[0].options);
	assert_null(s->mounts[1].type);
	assert_string_equal(s->mounts[1].source, "/srv");
	assert_int_equal(s->mounts[1].n_options, 2);
	assert_string_equal(s->mounts[1].options[1], "ro");
	assert_null(s->mounts[1].options[2]);
	assert_int_equal(s->mounts[1].n_uid_mappings, 1);
	assert_int_equal(s->mounts[1].uid_mappings[0].host_id, 1000);
	assert_int_equal(s->mounts[1].n_gid_mappings, 1);
	spec_free(s);

	expect_err("{" BASE ",'mounts':[{'destination':'proc','type':'proc'}]}",
		   "config.json: mounts[0].destination: must be an absolute path");
	expect_err("{" BASE ",'mounts':[{'destination':'/a'},{'type':'tmpfs'}]}",
		   "mounts[1].destination: required field is missing");
	expect_err("{" BASE ",'mounts':[{'destination':'/a','options':['ro',1]}]}",
		   "mounts[0].options[1]: expected a string, got number");
	expect_err("{" BASE ",'mounts':{}}", "config.json: mounts: expected an array, got object");
}

static void test_hooks(void **state)
{
	struct spec *s =
	    parse_ok("{" BASE ",'hooks':{'prestart':[{'path':'/bin/a'}],"
		     "'createRuntime':[{'path':'/bin/b','args':['b','x'],'env':['A=1'],'timeout':5}],"
		     "'createContainer':[{'path':'/c'}],'startContainer':[{'path':'/d'},{'path':'/e'}],"
		     "'poststart':[],'poststop':[{'path':'/f'}]}}");
	assert_int_equal(s->n_hooks[SPEC_HOOK_PRESTART], 1);
	assert_string_equal(s->hooks[SPEC_HOOK_PRESTART][0].path, "/bin/a");
	assert_false(s->hooks[SPEC_HOOK_PRESTART][0].has_timeout);
	struct spec_hook *h = &s->hooks[SPEC_HOOK_CREATE_RUNTIME][0];
	assert_int_equal(h->n_args, 2);
	assert_string_equal(h->args[1], "x");
	assert_string_equal(h->env[0], "A=1");
	assert_true(h->has_timeout);
	assert_int_equal(h->timeout, 5);
	assert_int_equal(s->n_hooks[SPEC_HOOK_CREATE_CONTAINER], 1);
	assert_int_equal(s->n_hooks[SPEC_HOOK_START_CONTAINER], 2);
	assert_string_equal(s->hooks[SPEC_HOOK_START_CONTAINER][1].path, "/e");
	assert_int_equal(s->n_hooks[SPEC_HOOK_POSTSTART], 0);
	assert_int_equal(s->n_hooks[SPEC_HOOK_POSTSTOP], 1);
	spec_free(s);

	expect_err("{" BASE ",'hooks':{'poststop':[{'path':'bin/f'}]}}",
		   "config.json: hooks.poststop[0].path: must be an absolute path");
	expect_err("{" BASE ",'hooks':{'prestart':[{'path':'/a','timeout':0}]}}",
		   "hooks.prestart[0].timeout: must be at least 1, got 0");
	expect_err("{" BASE ",'hooks':{'createRuntime':[{'args':['x']}]}}",
		   "hooks.createRuntime[0].path: required field is missing");
}

static void test_annotations(void **state)
{
	struct spec *s = parse_ok("{" BASE ",'annotations':{'org.example.key':'v1','b':''}}");
	assert_int_equal(s->n_annotations, 2);
	assert_string_equal(spec_annotation(s, "org.example.key"), "v1");
	assert_string_equal(spec_annotation(s, "b"), "");
	assert_null(spec_annotation(s, "missing"));
	spec_free(s);

	expect_err("{" BASE ",'annotations':{'a':'x','org.k':3}}",
		   "config.json: annotations[\"org.k\"]: expected a string, got number");
	expect_err("{" BASE ",'annotations':['a']}", "annotations: expected an object, got array");
}

static const char seccomp_doc[] =
    "{" BASE ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':38,"
    "'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86','SCMP_ARCH_X32','SCMP_ARCH_AARCH64'],"
    "'flags':['SECCOMP_FILTER_FLAG_LOG','SECCOMP_FILTER_FLAG_SPEC_ALLOW'],"
    "'listenerPath':'/run/notify.sock','listenerMetadata':'meta',"
    "'syscalls':[{'names':['read','write','_llseek'],'action':'SCMP_ACT_ALLOW'},"
    "{'names':['personality'],'action':'SCMP_ACT_ALLOW','args':[{'index':0,'value':8,'op':'SCMP_CMP_EQ'},"
    "{'index':5,'value':255,'valueTwo':4,'op':'SCMP_CMP_MASKED_EQ'}]},"
    "{'names':['mkdir'],'action':'SCMP_ACT_NOTIFY'},"
    "{'names':['ptrace'],'action':'SCMP_ACT_ERRNO','errnoRet':1},"
    "{'names':['kill'],'action':'SCMP_ACT_KILL_PROCESS','args':[{'index':1,'value':1,'op':'SCMP_CMP_NE'},"
    "{'index':1,'value':2,'op':'SCMP_CMP_LT'},{'index':1,'value':3,'op':'SCMP_CMP_LE'},"
    "{'index':1,'value':4,'op':'SCMP_CMP_GE'},{'index':1,'value':5,'op':'SCMP_CMP_GT'}]}]}}}";

static void test_seccomp(void **state)
{
	struct spec *s = parse_ok(seccomp_doc);
	struct spec_seccomp *sc = &s->seccomp;
	assert_true(s->has_seccomp);
	assert_int_equal(sc->default_action, SPEC_SCMP_ACT_ERRNO);
	assert_true(sc->has_default_errno_ret);
	assert_int_equal(sc->default_errno_ret, 38);
	assert_int_equal(sc->n_architectures, 4);
	assert_string_equal(sc->architectures[0], "SCMP_ARCH_X86_64");
	assert_null(sc->architectures[4]);
	assert_int_equal(sc->n_flags, 2);
	assert_string_equal(sc->flags[1], "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
	assert_string_equal(sc->listener_path, "/run/notify.sock");
	assert_string_equal(sc->listener_metadata, "meta");
	assert_int_equal(sc->n_syscalls, 5);
	assert_int_equal(sc->syscalls[0].n_names, 3);
	assert_string_equal(sc->syscalls[0].names[2], "_llseek");
	assert_null(sc->syscalls[0].names[3]);
	assert_int_equal(sc->syscalls[0].action, SPEC_SCMP_ACT_ALLOW);
	struct spec_seccomp_syscall *p = &sc->syscalls[1];
	assert_int_equal(p->n_args, 2);
	assert_int_equal(p->args[0].index, 0);
	assert_int_equal(p->args[0].value, 8);
	assert_int_equal(p->args[0].op, SPEC_SCMP_EQ);
	assert_int_equal(p->args[1].index, 5);
	assert_int_equal(p->args[1].value, 255);
	assert_int_equal(p->args[1].value_two, 4);
	assert_int_equal(p->args[1].op, SPEC_SCMP_MASKED_EQ);
	assert_int_equal(sc->syscalls[2].action, SPEC_SCMP_ACT_NOTIFY);
	assert_int_equal(sc->syscalls[3].action, SPEC_SCMP_ACT_ERRNO);
	assert_true(sc->syscalls[3].has_errno_ret);
	assert_int_equal(sc->syscalls[3].errno_ret, 1);
	assert_false(sc->syscalls[0].has_errno_ret);
	struct spec_seccomp_syscall *k = &sc->syscalls[4];
	assert_int_equal(k->action, SPEC_SCMP_ACT_KILL_PROCESS);
	assert_int_equal(k->n_args, 5);
	assert_int_equal(k->args[0].op, SPEC_SCMP_NE);
	assert_int_equal(k->args[1].op, SPEC_SCMP_LT);
	assert_int_equal(k->args[2].op, SPEC_SCMP_LE);
	assert_int_equal(k->args[3].op, SPEC_SCMP_GE);
	assert_int_equal(k->args[4].op, SPEC_SCMP_GT);
	spec_free(s);
}

static void test_seccomp_big_values(void **state)
{
	struct spec *s =
	    parse_ok("{" BASE ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_KILL','syscalls':["
		     "{'names':['clone'],'action':'SCMP_ACT_ALLOW','args':[{'index':0,"
		     "'value':9223372036854775807,'valueTwo':0,'op':'SCMP_CMP_MASKED_EQ'}]}]}}}");
	assert_true(s->seccomp.syscalls[0].args[0].value == INT64_MAX);
	assert_int_equal(s->seccomp.default_action, SPEC_SCMP_ACT_KILL);
	assert_false(s->seccomp.has_default_errno_ret);
	spec_free(s);
}

#define SC(x) "{" BASE ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW'," x "}}}"

static void test_seccomp_errors(void **state)
{
	expect_err(SC("'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW'},{'names':['a'],'action':'"
		      "SCMP_ACT_LOG'}]"),
		   "config.json: linux.seccomp.syscalls[1].names[0]: unknown syscall \"a\"");
	expect_err(SC("'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW'},{'names':['read'],'action':'"
		      "SCMP_ACT_LOG'},"
		      "{'names':['read'],'action':'SCMP_ACT_LOG'},{'names':['read'],'action':'SCMP_ACT_LOG'},"
		      "{'names':['write','foo'],'action':'SCMP_ACT_TRAP'}]"),
		   "config.json: linux.seccomp.syscalls[4].names[1]: unknown syscall \"foo\"");
	expect_err("{" BASE ",'linux':{'seccomp':{}}}",
		   "linux.seccomp.defaultAction: required field is missing");
	expect_err("{" BASE ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_NOPE'}}}",
		   "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_NOPE\"");
	expect_err(SC("'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_PDP11']"),
		   "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_PDP11\"");
	expect_err(SC("'architectures':['x86_64']"), "linux.seccomp.architectures[0]: unknown architecture");
	expect_err(SC("'flags':['SECCOMP_FILTER_FLAG_TSYNC','SECCOMP_FILTER_FLAG_BOGUS']"),
		   "linux.seccomp.flags[1]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_BOGUS\"");
	expect_err(SC("'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW','args':[{'index':6,'value':1,"
		      "'op':'SCMP_CMP_EQ'}]}]"),
		   "linux.seccomp.syscalls[0].args[0].index: must be at most 5");
	expect_err(SC("'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW','args':[{'index':0,'value':1,"
		      "'op':'SCMP_CMP_APPROX'}]}]"),
		   "linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_APPROX\"");
	expect_err(SC("'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW','args':[{'index':0,'op':'SCMP_"
		      "CMP_EQ'}]}]"),
		   "linux.seccomp.syscalls[0].args[0].value: required field is missing");
	expect_err(SC("'syscalls':[{'names':['read'],'action':'SCMP_ACT_NOTIFY'}]"),
		   "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used");
	expect_err(SC("'syscalls':[{'names':[],'action':'SCMP_ACT_ALLOW'}]"),
		   "linux.seccomp.syscalls[0].names: must not be empty");
	expect_err(SC("'syscalls':[{'names':['read']}]"),
		   "linux.seccomp.syscalls[0].action: required field is missing");
	expect_err(SC("'defaultErrnoRet':-1"), "linux.seccomp.defaultErrnoRet: must not be negative");
}

static void test_devices(void **state)
{
	struct spec *s =
	    parse_ok("{" BASE ",'linux':{'devices':[{'path':'/dev/fuse','type':'c','major':10,"
		     "'minor':229,'fileMode':438,'uid':0,'gid':0},{'path':'/dev/fifo','type':'p'}]}}");
	assert_int_equal(s->n_devices, 2);
	assert_string_equal(s->devices[0].path, "/dev/fuse");
	assert_int_equal(s->devices[0].type, 'c');
	assert_int_equal(s->devices[0].major, 10);
	assert_int_equal(s->devices[0].minor, 229);
	assert_true(s->devices[0].has_file_mode);
	assert_int_equal(s->devices[0].file_mode, 0666);
	assert_true(s->devices[0].has_uid);
	assert_true(s->devices[0].has_gid);
	assert_int_equal(s->devices[1].type, 'p');
	assert_false(s->devices[1].has_file_mode);
	assert_false(s->devices[1].has_uid);
	spec_free(s);

	expect_err("{" BASE ",'linux':{'devices':[{'path':'/dev/x','type':'x','major':1,'minor':1}]}}",
		   "linux.devices[0].type: unknown device type \"x\"");
	expect_err("{" BASE ",'linux':{'devices':[{'path':'/dev/x','type':'b','minor':1}]}}",
		   "linux.devices[0].major: required field is missing");
	expect_err("{" BASE ",'linux':{'devices':[{'path':'dev/x','type':'c','major':1,'minor':1}]}}",
		   "linux.devices[0].path: must be an absolute path");
	expect_err("{" BASE ",'linux':{'devices':[{'path':'/dev/x','type':'u','major':1,'minor':-1}]}}",
		   "linux.devices[0].minor: must not be negative");
}

static void test_linux_misc(void **state)
{
	struct spec *s = parse_ok(
	    "{" BASE ",'linux':{'cgroupsPath':'/a/b','resources':{'memory':{'limit':1048576}},"
	    "'rootfsPropagation':'slave','maskedPaths':['/proc/kcore'],'readonlyPaths':['/proc/sys','/proc/"
	    "bus'],"
	    "'mountLabel':'system_u:object_r:x','sysctl':{'net.ipv4.ip_forward':'1','kernel.msgmax':'8192'},"
	    "'personality':{'domain':'LINUX32','flags':[]}}}");
	assert_string_equal(s->cgroups_path, "/a/b");
	assert_non_null(s->resources);
	json_t *mem = json_object_get((json_t *)s->resources, "memory");
	assert_non_null(mem);
	assert_int_equal(json_integer_value(json_object_get(mem, "limit")), 1048576);
	assert_string_equal(s->rootfs_propagation, "slave");
	assert_int_equal(s->rootfs_propagation_flags, MS_SLAVE | MS_REC);
	assert_int_equal(s->n_masked_paths, 1);
	assert_string_equal(s->masked_paths[0], "/proc/kcore");
	assert_null(s->masked_paths[1]);
	assert_int_equal(s->n_readonly_paths, 2);
	assert_string_equal(s->mount_label, "system_u:object_r:x");
	assert_int_equal(s->n_sysctls, 2);
	assert_string_equal(s->sysctls[0].key, "net.ipv4.ip_forward");
	assert_string_equal(s->sysctls[0].value, "1");
	assert_string_equal(s->sysctls[1].key, "kernel.msgmax");
	assert_true(s->personality.present);
	assert_int_equal(s->personality.domain, PER_LINUX32);
	spec_free(s);

	s = parse_ok("{" BASE ",'linux':{'rootfsPropagation':'rprivate'}}");
	assert_int_equal(s->rootfs_propagation_flags, MS_PRIVATE | MS_REC);
	assert_false(s->personality.present);
	spec_free(s);
	s = parse_ok("{" BASE ",'linux':{'rootfsPropagation':'unbindable'}}");
	assert_int_equal(s->rootfs_propagation_flags, MS_UNBINDABLE | MS_REC);
	spec_free(s);
}

static void test_linux_errors(void **state)
{
	expect_err("{" BASE ",'linux':{'sysctl':{'net.ipv4.ip_forward':1}}}",
		   "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: expected a string, got number");
	expect_err("{" BASE ",'linux':{'rootfsPropagation':'shard'}}",
		   "linux.rootfsPropagation: unknown propagation \"shard\"");
	expect_err("{" BASE ",'linux':{'maskedPaths':['/proc/kcore','proc/keys']}}",
		   "linux.maskedPaths[1]: must be an absolute path");
	expect_err("{" BASE ",'linux':{'readonlyPaths':'/proc/sys'}}",
		   "linux.readonlyPaths: expected an array, got string");
	expect_err("{" BASE ",'linux':{'personality':{'domain':'BSD'}}}",
		   "linux.personality.domain: unknown personality domain \"BSD\"");
	expect_err("{" BASE ",'linux':{'intelRdt':{'closID':'guaranteed_group'}}}",
		   "config.json: linux.intelRdt: not supported");
	expect_err("{" BASE ",'linux':{'intelRdt':{'l3CacheSchema':'L3:0=ffff'}}}",
		   "linux.intelRdt: not supported");
	expect_err("{" BASE ",'linux':{'resources':[]}}", "linux.resources: expected an object, got array");
	expect_err("{" BASE ",'linux':{'cgroupsPath':7}}",
		   "linux.cgroupsPath: expected a string, got number");
	expect_err("{" BASE ",'linux':[]}", "config.json: linux: expected an object, got array");
}

static void check_default(bool rootless)
{
	struct husk_error e = {0};
	char *json = spec_default_json(rootless, &e);
	if (!json)
		fail_msg("spec_default_json: %s", e.msg);
	struct spec *s = NULL;
	if (spec_parse(json, strlen(json), "config.json", &s, &e) < 0)
		fail_msg("default spec does not parse: %s\n%s", e.msg, json);
	free(json);

	assert_string_equal(s->oci_version, "1.2.0");
	assert_string_equal(s->root.path, "rootfs");
	assert_true(s->root.readonly);
	assert_string_equal(s->hostname, "husk");
	assert_true(s->has_process);
	assert_true(s->process.terminal);
	assert_string_equal(s->process.args[0], "sh");
	assert_int_equal(s->process.n_args, 1);
	assert_string_equal(s->process.cwd, "/");
	assert_int_equal(s->process.n_env, 2);
	assert_string_equal(s->process.env[1], "TERM=xterm");
	assert_true(s->process.no_new_privileges);
	uint64_t caps = (1ULL << 29) | (1ULL << 5) | (1ULL << 10);
	assert_int_equal(s->process.caps.bounding, caps);
	assert_int_equal(s->process.caps.effective, caps);
	assert_int_equal(s->process.caps.permitted, caps);
	assert_int_equal(s->process.caps.ambient, 0);
	assert_int_equal(s->process.n_rlimits, 1);
	assert_int_equal(s->process.rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(s->process.rlimits[0].hard, 1024);
	assert_int_equal(s->n_mounts, 7);
	assert_string_equal(s->mounts[0].destination, "/proc");
	assert_string_equal(s->mounts[6].destination, "/sys/fs/cgroup");
	assert_string_equal(s->mounts[5].destination, "/sys");
	assert_non_null(spec_namespace(s, CLONE_NEWPID));
	assert_non_null(spec_namespace(s, CLONE_NEWNS));
	assert_non_null(spec_namespace(s, CLONE_NEWIPC));
	assert_non_null(spec_namespace(s, CLONE_NEWUTS));
	assert_non_null(spec_namespace(s, CLONE_NEWCGROUP));
	assert_true(s->n_masked_paths >= 10);
	assert_int_equal(s->n_readonly_paths, 5);
	if (rootless) {
		assert_null(spec_namespace(s, CLONE_NEWNET));
		assert_non_null(spec_namespace(s, CLONE_NEWUSER));
		assert_int_equal(s->n_uid_mappings, 1);
		assert_int_equal(s->uid_mappings[0].container_id, 0);
		assert_int_equal(s->uid_mappings[0].host_id, getuid());
		assert_int_equal(s->uid_mappings[0].size, 1);
		assert_int_equal(s->gid_mappings[0].host_id, getgid());
		assert_string_equal(s->mounts[5].type, "none");
		assert_string_equal(s->mounts[5].options[0], "rbind");
		assert_null(s->resources);
	} else {
		assert_non_null(spec_namespace(s, CLONE_NEWNET));
		assert_null(spec_namespace(s, CLONE_NEWUSER));
		assert_int_equal(s->n_uid_mappings, 0);
		assert_string_equal(s->mounts[5].type, "sysfs");
		assert_non_null(s->resources);
		json_t *dev = json_array_get(json_object_get((json_t *)s->resources, "devices"), 0);
		assert_true(json_is_false(json_object_get(dev, "allow")));
		assert_string_equal(json_string_value(json_object_get(dev, "access")), "rwm");
	}
	spec_free(s);
}

static void test_default_spec(void **state)
{
	check_default(false);
}

static void test_default_spec_rootless(void **state)
{
	check_default(true);
}

static void test_default_spec_order(void **state)
{
	struct husk_error e = {0};
	char *json = spec_default_json(false, &e);
	assert_non_null(json);
	/* keys come out in runc's order, pretty-printed */
	char *v = strstr(json, "\"ociVersion\""), *p = strstr(json, "\"process\""),
	     *r = strstr(json, "\"root\""), *m = strstr(json, "\"mounts\""), *l = strstr(json, "\"linux\"");
	assert_true(v && p && r && m && l);
	assert_true(v < p && p < r && r < m && m < l);
	assert_non_null(strstr(json, "\n  \"process\": {"));
	free(json);
}

static void test_names(void **state)
{
	assert_int_equal(spec_capability_from_name("CAP_CHOWN"), 0);
	assert_int_equal(spec_capability_from_name("CAP_SYS_ADMIN"), 21);
	assert_int_equal(spec_capability_from_name("CAP_CHECKPOINT_RESTORE"), 40);
	assert_int_equal(spec_capability_from_name("CAP_NOPE"), -1);
	assert_int_equal(spec_capability_from_name("SYS_ADMIN"), -1);
	assert_int_equal(spec_capability_from_name(NULL), -1);
	assert_int_equal(spec_capability_last(), 40);
	for (int i = 0; i <= spec_capability_last(); i++)
		assert_int_equal(spec_capability_from_name(spec_capability_name(i)), i);
	assert_string_equal(spec_capability_name(21), "CAP_SYS_ADMIN");
	assert_null(spec_capability_name(41));
	assert_null(spec_capability_name(-1));

	assert_int_equal(spec_rlimit_from_name("RLIMIT_NOFILE"), RLIMIT_NOFILE);
	assert_int_equal(spec_rlimit_from_name("RLIMIT_RTTIME"), RLIMIT_RTTIME);
	assert_int_equal(spec_rlimit_from_name("RLIMIT_AS"), RLIMIT_AS);
	assert_int_equal(spec_rlimit_from_name("RLIMIT_STACK"), RLIMIT_STACK);
	assert_int_equal(spec_rlimit_from_name("NOFILE"), -1);

	static const char *const ns[] = {"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"};
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
		assert_string_equal(spec_namespace_name(spec_namespace_from_name(ns[i])), ns[i]);
	assert_int_equal(spec_namespace_from_name("network"), CLONE_NEWNET);
	assert_int_equal(spec_namespace_from_name("mount"), CLONE_NEWNS);
	assert_int_equal(spec_namespace_from_name("time"), CLONE_NEWTIME);
	assert_int_equal(spec_namespace_from_name("net"), -1);
	assert_null(spec_namespace_name(0));
}

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	strcpy(tmpdir, "/tmp/husk-test-spec-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char path[128];
	snprintf(path, sizeof path, "%s/config.json", tmpdir);
	unlink(path);
	rmdir(path);
	return rmdir(tmpdir);
}

static void write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, strlen(data), f), strlen(data));
	assert_int_equal(fclose(f), 0);
}

static void test_load(void **state)
{
	struct husk_error e = {0};
	struct spec *s = NULL;
	char path[128], missing[128];

	/* bundle directory missing */
	snprintf(missing, sizeof missing, "%s/nope", tmpdir);
	assert_int_equal(spec_load(missing, &s, &e), -1);
	assert_null(s);
	assert_non_null(strstr(e.msg, missing));
	assert_non_null(strstr(e.msg, strerror(ENOENT)));
	assert_int_equal(e.err, ENOENT);

	/* config.json missing */
	snprintf(path, sizeof path, "%s/config.json", tmpdir);
	assert_int_equal(spec_load(tmpdir, &s, &e), -1);
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, strerror(ENOENT)));

	/* a valid file */
	char *doc = J("{" BASE "," PROC "}");
	write_file(path, doc);
	free(doc);
	assert_int_equal(spec_load(tmpdir, &s, &e), 0);
	assert_non_null(s);
	assert_string_equal(s->process.args[0], "sh");
	spec_free(s);

	/* errors name the file */
	doc = J("{" BASE ",'process':{'args':[]}}");
	write_file(path, doc);
	free(doc);
	assert_int_equal(spec_load(tmpdir, &s, &e), -1);
	if (!strstr(e.msg, path) || !strstr(e.msg, "config.json: process.args: must be a non-empty array"))
		fail_msg("%s", e.msg);

	/* config.json is a directory */
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(spec_load(tmpdir, &s, &e), -1);
	assert_non_null(strstr(e.msg, path));
	rmdir(path);
}

static void test_root_and_names(void **state)
{
	struct spec *s =
	    parse_ok("{'ociVersion':'1.0.2-dev','root':{'path':'/abs/rootfs','readonly':true},"
		     "'hostname':'h','domainname':'d.example','linux':{'namespaces':[{'type':'uts'}]},"
		     "'process':{'args':['/bin/x'],'cwd':'/work','user':{'uid':5,'gid':6}}}");
	assert_string_equal(s->root.path, "/abs/rootfs");
	assert_true(s->root.readonly);
	assert_true(s->has_domainname);
	assert_string_equal(s->domainname, "d.example");
	assert_string_equal(s->process.cwd, "/work");
	assert_int_equal(s->process.user.uid, 5);
	assert_false(s->process.user.has_umask);
	assert_null(s->process.env);
	spec_free(s);
	expect_err("{'ociVersion':'1','root':{'path':''}}", "root.path: must not be empty");
	expect_err("{'ociVersion':'1','root':'rootfs'}", "config.json: root: expected an object, got string");
}

static void test_load_syntax_error(void **state)
{
	struct husk_error e = {0};
	struct spec *s = NULL;
	char path[128];

	snprintf(path, sizeof path, "%s/config.json", tmpdir);
	write_file(path, "{\n\"ociVersion\": \"1.0.0\",\n\"root\": {\"path\": \"r\"},,\n}");
	assert_int_equal(spec_load(tmpdir, &s, &e), -1);
	assert_null(s);
	if (!strstr(e.msg, path) || !strstr(e.msg, "config.json: line 3 column"))
		fail_msg("%s", e.msg);
}

static void test_free_null(void **state)
{
	spec_free(NULL);
	/* a failure deep inside leaves nothing behind (checked by ASan) */
	expect_err(
	    SC("'architectures':['SCMP_ARCH_X86_64'],'flags':['SECCOMP_FILTER_FLAG_LOG'],"
	       "'syscalls':[{'names':['read','write'],'action':'SCMP_ACT_ALLOW','args':[{'index':0,'value':1,"
	       "'op':'SCMP_CMP_EQ'}]},{'names':['read'],'action':'SCMP_ACT_BAD'}]"),
	    "linux.seccomp.syscalls[1].action: unknown seccomp action");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_minimal),
	    cmocka_unit_test(test_required_fields),
	    cmocka_unit_test(test_syntax_error),
	    cmocka_unit_test(test_unknown_keys_and_null),
	    cmocka_unit_test(test_process_fields),
	    cmocka_unit_test(test_process_errors),
	    cmocka_unit_test(test_uint32_range),
	    cmocka_unit_test(test_capabilities),
	    cmocka_unit_test(test_rlimits),
	    cmocka_unit_test(test_namespaces),
	    cmocka_unit_test(test_hostname_needs_uts),
	    cmocka_unit_test(test_id_mappings),
	    cmocka_unit_test(test_time_offsets),
	    cmocka_unit_test(test_mounts),
	    cmocka_unit_test(test_hooks),
	    cmocka_unit_test(test_annotations),
	    cmocka_unit_test(test_seccomp),
	    cmocka_unit_test(test_seccomp_big_values),
	    cmocka_unit_test(test_seccomp_errors),
	    cmocka_unit_test(test_devices),
	    cmocka_unit_test(test_linux_misc),
	    cmocka_unit_test(test_linux_errors),
	    cmocka_unit_test(test_default_spec),
	    cmocka_unit_test(test_default_spec_rootless),
	    cmocka_unit_test(test_default_spec_order),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test_setup_teardown(test_load, make_tmpdir, remove_tmpdir),
	    cmocka_unit_test_setup_teardown(test_load_syntax_error, make_tmpdir, remove_tmpdir),
	    cmocka_unit_test(test_root_and_names),
	    cmocka_unit_test(test_free_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
