// Two commands run turn about (which goes first alternates), N times each, their output thrown
// away: the median and best wall time, and the median CPU, user and system time from wait4's
// rusage, of each. For A/B of two builds on a shared machine whose speed drifts from minute to
// minute: both sides see the same minutes. Not a test; prints figures only.
//
// Usage: compare N COMMAND-A... -- COMMAND-B...   (each an absolute path and its arguments)
// e.g.   compare 41 /tmp/old/sluice audit --json --sysfs-root TREE -- .build/release/sluice audit --json --sysfs-root TREE
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

// One run: wall, user and system milliseconds.
static int run(char **argv, double *wall, double *user, double *sys) {
    double start = now_ms();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    struct rusage usage;
    if (wait4(pid, &status, 0, &usage) < 0) return -1;
    *wall = now_ms() - start;
    *user = usage.ru_utime.tv_sec * 1e3 + usage.ru_utime.tv_usec / 1e3;
    *sys = usage.ru_stime.tv_sec * 1e3 + usage.ru_stime.tv_usec / 1e3;
    return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -1 : 0;
}

int main(int argc, char **argv) {
    int split = 2;
    while (split < argc && strcmp(argv[split], "--") != 0) split++;
    int n = argc > 1 ? atoi(argv[1]) : 0;
    if (n < 1 || split >= argc - 1 || split == 2) {
        fprintf(stderr, "usage: compare N COMMAND-A... -- COMMAND-B...\n");
        return 64;
    }
    argv[split] = NULL;
    char **commands[2] = {argv + 2, argv + split + 1};
    double *wall[2], *cpu[2], *user[2], *sys[2];
    for (int k = 0; k < 2; k++) {
        wall[k] = calloc((size_t)n, sizeof(double)); cpu[k] = calloc((size_t)n, sizeof(double));
        user[k] = calloc((size_t)n, sizeof(double)); sys[k] = calloc((size_t)n, sizeof(double));
    }
    for (int r = 0; r < n; r++) {
        for (int turn = 0; turn < 2; turn++) {
            int k = turn ^ (r & 1);
            if (run(commands[k], &wall[k][r], &user[k][r], &sys[k][r]) != 0) {
                fprintf(stderr, "compare: cannot run %s\n", commands[k][0]);
                return 1;
            }
            cpu[k][r] = user[k][r] + sys[k][r];
        }
    }
    for (int k = 0; k < 2; k++) {
        qsort(wall[k], (size_t)n, sizeof(double), by_value); qsort(cpu[k], (size_t)n, sizeof(double), by_value);
        qsort(user[k], (size_t)n, sizeof(double), by_value); qsort(sys[k], (size_t)n, sizeof(double), by_value);
        printf("%s: wall median %.1f ms, best %.1f | CPU median %.1f ms (user %.1f, system %.1f)\n",
               k ? "B" : "A", wall[k][n / 2], wall[k][0], cpu[k][n / 2], user[k][n / 2], sys[k][n / 2]);
    }
    return 0;
}
