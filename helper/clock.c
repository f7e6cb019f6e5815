/* The monotonic clock in milliseconds: deadlines, delays and budgets, never wall time. */
#include <time.h>

#include "tmux-dispatch.h"

long long
clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
