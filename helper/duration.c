/* Durations (duration.h): the estimates of the task graph. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "item.h"

int
duration_parse(const char *text, double *seconds)
{
	static const struct { char unit; double seconds; } units[] = {
		{ 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 }
	};
	const char *p = text;
	double total = 0, n;
	size_t u = 0;
	char *end;

	if (*text == '\0' || strspn(text, "0123456789.dhms") != strlen(text))
		return -1;
	n = strtod(text, &end);
	if (*end == '\0') {
		total = n;
		goto out;
	}
	/* Units from the largest down, each once: "1h30m", not "30m1h" or "1h1h". */
	while (*p != '\0') {
		if (*p < '0' || *p > '9')
			return -1;
		n = strtod(p, &end);
		if (end == p || *end == '\0')
			return -1;
		while (u < sizeof units / sizeof units[0] && units[u].unit != *end)
			u++;
		if (u == sizeof units / sizeof units[0])
			return -1;
		total += n * units[u++].seconds;
		p = end + 1;
	}
out:
	if (!isfinite(total) || total < 0 || total > ITEM_ESTIMATE_MAX)
		return -1;
	*seconds = total;
	return 0;
}

void
duration_format(double seconds, char buf[DURATION_TEXT])
{
	long long minutes;

	if (seconds < 59.5) {
		snprintf(buf, DURATION_TEXT, "%.0fs", seconds < 0 ? 0 : seconds);
		return;
	}
	minutes = (long long)(seconds / 60 + 0.5);
	if (minutes < 60)
		snprintf(buf, DURATION_TEXT, "%lldm", minutes);
	else if (minutes % 60 == 0)
		snprintf(buf, DURATION_TEXT, "%lldh", minutes / 60);
	else
		snprintf(buf, DURATION_TEXT, "%lldh%lldm", minutes / 60, minutes % 60);
}
