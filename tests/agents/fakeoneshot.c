/*
 * A fake headless agent for one-shot runs (tests/tmux/oneshot.bats): prints its arguments,
 * then each line of the prompt (standard input, or the file after --prompt-file) as
 * "prompt: LINE", one line to stderr, and exits. A prompt line "exit N" sets the exit status,
 * "sleep N" waits N seconds first; "CLAUDECODE set" when that variable reached it. It never
 * hands the prompt to a shell.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	FILE *in = stdin;
	char line[4096];
	int i, status = 0;

	printf("args:");
	for (i = 1; i < argc; i++)
		printf(" [%s]", argv[i]);
	printf("\n");
	if (getenv("CLAUDECODE") != NULL)
		printf("CLAUDECODE set\n");
	if (argc > 2 && strcmp(argv[1], "--prompt-file") == 0 &&
	    (in = fopen(argv[2], "r")) == NULL) {
		perror(argv[2]);
		return 2;
	}
	while (fgets(line, sizeof line, in) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		printf("prompt: %s\n", line);
		if (strncmp(line, "exit ", 5) == 0)
			status = atoi(line + 5);
		if (strncmp(line, "sleep ", 6) == 0) {
			fflush(stdout);
			sleep((unsigned)atoi(line + 6));
		}
	}
	fflush(stdout);
	fprintf(stderr, "fakeoneshot: finished with %d\n", status);
	return status;
}
