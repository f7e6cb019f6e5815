/*
 * The agents' own hooks on arbitrary input: "EVENT\x1eJSON\x1eSETTINGS" is an event word and
 * the JSON an agent hands `hook agent` (agenthook_parse, which decides what the hook does), and
 * a settings file that `agent-hooks install` and `rm` edit for each agent (Claude's and
 * Gemini's JSON, Codex's TOML). An edit that succeeds must leave a file the same code reads
 * back, an install must read back as ours, and a remove after it must take that away (another
 * helper path's entries, which a file may hold, stay as they were).
 */
#include "agenthook.c"

#include "agentcfg.h"
#include "fuzz.h"

#define HELPER "/usr/local/bin/tmux-dispatch"

static void
agenthooks_fail(const char *what, const char *agent)
{
	fprintf(stderr, "fuzz: %s (%s)\n", what, agent);
	abort();
}

/* Install, then remove, through the agent's format: each result must read back. */
static void
agenthooks_edit(const struct agentcfg_agent *a, const char *text, size_t len)
{
	int toml = a->toml;
	char *in = NULL, *out = NULL, *cause = NULL;
	enum agentcfg_status st;
	int rc;

	rc = toml ? agentcfg_toml_edit(text, len, HELPER, 1, &in, &cause) :
	    agentcfg_json_edit(a, text, len, HELPER, 1, &in, &cause);
	free(cause);
	cause = NULL;
	if (rc == 0 && in != NULL) {
		rc = toml ? agentcfg_toml_status(in, strlen(in), HELPER, &st, &cause) :
		    agentcfg_json_status(a, in, strlen(in), HELPER, &st, &cause);
		if (rc != 0 || st == AGENTCFG_ABSENT)
			agenthooks_fail("an install does not read back as ours", a->name);
		free(cause);
		cause = NULL;
		rc = toml ? agentcfg_toml_edit(in, strlen(in), HELPER, 0, &out, &cause) :
		    agentcfg_json_edit(a, in, strlen(in), HELPER, 0, &out, &cause);
		if (rc != 0 || out == NULL)
			agenthooks_fail("a remove does not undo the install before it", a->name);
		free(cause);
		cause = NULL;
		if ((toml ? agentcfg_toml_status(out, strlen(out), HELPER, &st, &cause) :
		    agentcfg_json_status(a, out, strlen(out), HELPER, &st, &cause)) != 0 ||
		    st == AGENTCFG_INSTALLED)
			agenthooks_fail("a remove after an install leaves the file ours", a->name);
	}
	free(cause);
	free(in);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *event = fuzz_part(&data, &len), *json = fuzz_part(&data, &len);
	char *settings = fuzz_part(&data, &len);
	struct agenthook_event e;
	size_t i;

	agenthook_parse(event != NULL ? event : AGENTHOOK_STOP, json, &e);
	if (e.session_id != NULL && !agenthook_id_valid(e.session_id))
		agenthooks_fail("a session id that is not valid was kept", "event");
	free(e.session_id);
	for (i = 0; settings != NULL && agentcfg_agents[i].name != NULL; i++)
		agenthooks_edit(&agentcfg_agents[i], settings, strlen(settings));
	free(event);
	free(json);
	free(settings);
	return 0;
}
