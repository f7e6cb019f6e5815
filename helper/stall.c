/*
 * Stall tracking: a hash of the screen with what changes while nothing happens left out, and
 * per terminal how many consecutive checks saw the same hash since when (the terminal's
 * "screen" object in the state). Computed once per look; the labels follow from the counts.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "stall.h"
#include "state.h"
#include "tmux-dispatch.h"

const char *
stall_label(const struct verdict *v)
{
	if (v->state == PANE_BUSY && v->seen >= STALL_STALLED)
		return "stalled";
	if (v->state == PANE_BUSY && v->seen >= STALL_SUSPECT)
		return "busy (stall?)";
	return classify_state_name(v->state);
}

const char *
stall_state(const struct verdict *v)
{
	if (v->state == PANE_BUSY && v->seen >= STALL_STALLED)
		return "stalled";
	return classify_state_name(v->state);
}

/* Spinner glyphs, by their UTF-8 encoding: left out of the screen hash. */
static size_t
stall_spinner(const unsigned char *s, size_t n)
{
	if (s[0] == '*')
		return 1;
	if (n >= 2 && s[0] == 0xc2 && s[1] == 0xb7) /* · */
		return 2;
	if (n < 3 || s[0] != 0xe2)
		return 0;
	if (s[1] == 0x9c && s[2] >= 0xa2 && s[2] <= 0xbd) /* ✢ .. ✽ */
		return 3;
	if (s[1] >= 0xa0 && s[1] <= 0xa3) /* braille */
		return 3;
	if (s[1] == 0x97 && (s[2] == 0xa6 || (s[2] >= 0x90 && s[2] <= 0x93))) /* ◦ ◐◑◒◓ */
		return 3;
	if (s[1] == 0x80 && s[2] == 0xa2) /* • */
		return 3;
	return 0;
}

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

unsigned long long
stall_hash(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	unsigned long long h = FNV_OFFSET;
	unsigned char prev = 0;
	size_t i = 0, j, k;

	while (i < len) {
		if ((k = stall_spinner(s + i, len - i)) != 0) {
			i += k;
			continue;
		}
		if (isdigit(s[i]) && !(i > 0 && (isalpha(s[i - 1]) || s[i - 1] == '_'))) {
			j = i;
			while (j < len && (isdigit(s[j]) || s[j] == '.' || s[j] == ','))
				j++;
			/* A duration (12s, 250ms, 1m, 2h), a clock (14:17:05) or a token count. */
			k = j;
			if (k < len && s[k] == 'k')
				k++;
			if (prev == ':' || (j < len && s[j] == ':' && j + 1 < len && isdigit(s[j + 1])) ||
			    (j < len && (s[j] == 's' || s[j] == 'm' || s[j] == 'h') &&
			    (j + 1 == len || !isalpha(s[j + 1]) ||
			    (s[j] == 'm' && s[j + 1] == 's' && (j + 2 == len || !isalpha(s[j + 2]))))) ||
			    (k + 7 <= len && memcmp(s + k, " tokens", 7) == 0)) {
				i = j;
				if (i < len && (s[i] == 's' || s[i] == 'h' || s[i] == 'm')) {
					if (s[i] == 'm' && i + 1 < len && s[i + 1] == 's')
						i++;
					i++;
				}
				while (i < len && s[i] == ' ') /* "1m 6s" reads like "5s" */
					i++;
				prev = '0';
				continue;
			}
			for (; i < j; i++) {
				h ^= s[i];
				h *= FNV_PRIME;
			}
			prev = s[j - 1];
			continue;
		}
		h ^= s[i];
		h *= FNV_PRIME;
		prev = s[i];
		i++;
	}
	return h;
}

/* How long an unchanged busy screen lasts before it is "stalled": $TMUX_DISPATCH_STALL_SECONDS. */
long
stall_seconds(void)
{
	return args_env_int("TMUX_DISPATCH_STALL_SECONDS", 0, 86400, STALL_SECONDS);
}

/*
 * Consecutive checks alone do not make a stall: hooks may check every second, and a thinking
 * agent's screen, spinner and counters normalized away, does not change for a while. The
 * screen must also have stayed the same half the stall time for "stall?", all of it for
 * "stalled".
 */
int
stall_count(int seen, time_t since, time_t now)
{
	long need = stall_seconds();

	if (seen >= STALL_STALLED && now - since >= need)
		return seen;
	if (seen >= STALL_SUSPECT && now - since >= need / 2)
		return STALL_SUSPECT;
	return 1;
}

int
stall_update(cJSON *terminal, unsigned long long hash, time_t now)
{
	cJSON *scr, *seen, *old;
	char hex[32], when[32];
	time_t since;
	struct tm tm;
	int n = 1;

	snprintf(hex, sizeof hex, "%016llx", hash);
	scr = cJSON_GetObjectItemCaseSensitive(terminal, "screen");
	if (!cJSON_IsObject(scr)) {
		cJSON_DeleteItemFromObjectCaseSensitive(terminal, "screen");
		scr = cJSON_AddObjectToObject(terminal, "screen");
	}
	old = cJSON_GetObjectItemCaseSensitive(scr, "hash");
	seen = cJSON_GetObjectItemCaseSensitive(scr, "seen");
	if (cJSON_IsString(old) && strcmp(old->valuestring, hex) == 0 && cJSON_IsNumber(seen) &&
	    seen->valuedouble >= 1 && seen->valuedouble < 1e9 &&
	    cJSON_GetObjectItemCaseSensitive(scr, "since") != NULL) {
		/* Counted up to STALL_STALLED, all that tells labels apart: from then on an
		 * unchanged screen changes nothing in the file, and its check writes nothing. */
		if ((n = (int)seen->valuedouble) < STALL_STALLED)
			cJSON_SetNumberValue(seen, ++n);
		if (state_parse_time(state_str(scr, "since"), &since) != 0)
			since = now;
		return stall_count(n, since, now);
	}
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_DeleteItemFromObjectCaseSensitive(scr, "hash");
	cJSON_DeleteItemFromObjectCaseSensitive(scr, "since");
	cJSON_DeleteItemFromObjectCaseSensitive(scr, "seen");
	cJSON_AddStringToObject(scr, "hash", hex);
	cJSON_AddStringToObject(scr, "since", when);
	cJSON_AddNumberToObject(scr, "seen", 1);
	return n;
}

int
stall_peek(const cJSON *terminal, unsigned long long hash, time_t now)
{
	const cJSON *scr = cJSON_GetObjectItemCaseSensitive(terminal, "screen");
	const cJSON *seen = cJSON_GetObjectItemCaseSensitive(scr, "seen");
	const char *old = state_str(scr, "hash");
	char hex[32];
	time_t since;

	snprintf(hex, sizeof hex, "%016llx", hash);
	if (old == NULL || strcmp(old, hex) != 0 || !cJSON_IsNumber(seen))
		return 1;
	if (state_parse_time(state_str(scr, "since"), &since) != 0)
		since = now;
	return stall_count((int)seen->valuedouble + 1, since, now);
}
