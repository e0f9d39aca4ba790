/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * A measurement, not a test: how far apart two processes' software clocks are.
 *
 * Two child processes ("instances" A and B) each run what stampede runs for its software stamps:
 * rte_eal_init (no hugepages, no shared config), clock_tsc_start(), then clock_tsc_tick() about
 * once a second from a control loop that sleeps 10 ms per iteration, as app/stampede's does. After
 * each start/tick a child copies its map into a shared page. A's control thread is pinned to CPU 0
 * and B's to CPU 1 (as scripts/latency-demo.sh pins them); optional busy-loop processes load the
 * CPUs.
 *
 * The parent reads both published maps every 10 ms and evaluates them at the same TSC value,
 * so the disagreement (map A - map B) carries no measurement noise of its own; it also prints
 * each map's error against a realtime reading (that one has the sampling's noise, ~0.1 us).
 * Output: one line per 0.5 s (worst |A - B| in it), then a summary over the whole run and over
 * the time after the first 3 s.
 *
 * Usage: clock_compare [-d SECONDS] [-l LOAD_PROCS] [-s STAGGER_MS] [-q]
 *   -d  run time (default 10)    -l  busy-loop processes (default 4)
 *   -s  B starts this much after A (default 500)   -q  summary only
 * Exit 0 when both instances ran (the numbers are not checked: timing is not asserted).
 */

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>

#include "clock.h"

struct shared {
	struct clock_sync map[2];     /* A's and B's current maps; children: wo, parent: ro */
	volatile int ready[2];	      /* set once clock_tsc_start() returned */
	volatile uint64_t hz[2];      /* the TSC rate each measured at start */
	volatile uint64_t rejects[2]; /* samples each rejected (bracket too wide) */
	volatile uint64_t min_bracket[2];
	volatile uint64_t eal_hz[2]; /* rte_get_tsc_hz() (what the clock started from before) */
	volatile int stop;
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * CLOCK_NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* One instance: EAL, then stampede's clock start and control loop, publishing into @p sh. */
static void
instance(struct shared *sh, int idx, int cpu)
{
	char prefix[64], lcores[32];
	char *argv[] = { "clock_compare", "--no-shconf", "--no-pci", "--no-huge", "-m", "32",
		"--no-telemetry", "--log-level=error", lcores, prefix, NULL };
	uint64_t next_tick;

	snprintf(prefix, sizeof(prefix), "--file-prefix=clkcmp%d-%c", (int)getppid(), 'a' + idx);
	snprintf(lcores, sizeof(lcores), "--lcores=0@%d", cpu);
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "clock_compare: instance %c: rte_eal_init failed\n", 'A' + idx);
		_exit(1);
	}
	clock_tsc_start();
	clock_sync_publish(&sh->map[idx], &clock_tsc.map);
	sh->hz[idx] = clock_tsc.hz;
	sh->eal_hz[idx] = rte_get_tsc_hz();
	sh->ready[idx] = 1;
	next_tick = rte_get_timer_cycles() + rte_get_timer_hz();
	while (!sh->stop) {
		uint64_t now;

		rte_delay_us_sleep(10000);
		now = rte_get_timer_cycles();
		if (now >= next_tick) {
			/* As app/stampede: a rejected sample is retried next iteration. */
			int rc = clock_tsc_tick();

			sh->rejects[idx] = clock_tsc.nb_rejects;
			sh->min_bracket[idx] = clock_tsc.min_bracket;
			if (rc != 0)
				continue;
			clock_sync_publish(&sh->map[idx], &clock_tsc.map);
			next_tick = now + rte_get_timer_hz();
		}
	}
	rte_eal_cleanup();
	_exit(0);
}

static void
busy(void)
{
	volatile uint64_t x = 0;

	for (;;)
		x++;
}

/* (TSC, realtime) with the smallest bracket of 20 tries: the reference for the error columns. */
static void
ref_sample(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 20; i++) {
		struct timespec ts;
		uint64_t t0 = rte_rdtsc(), t1;

		clock_gettime(CLOCK_REALTIME, &ts);
		t1 = rte_rdtsc();
		if (t1 - t0 < best) {
			best = t1 - t0;
			*tsc = t0 + (t1 - t0) / 2;
			*ns = (uint64_t)ts.tv_sec * CLOCK_NS_PER_S + (uint64_t)ts.tv_nsec;
		}
	}
}

static int64_t
iabs(int64_t v)
{
	return v < 0 ? -v : v;
}

int
main(int argc, char **argv)
{
	double dur = 10;
	int nb_load = 4, stagger_ms = 500, opt, ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	bool quiet = false;
	pid_t inst[2] = { 0, 0 }, *load;
	struct shared *sh;
	int64_t win_diff = 0, win_ea = 0, win_eb = 0, all_diff = 0, late_diff = 0, late_e = 0;
	uint64_t t_start, next_line, both_since = 0, nb_late = 0;
	double sum_late = 0;
	int rc = 0;

	while ((opt = getopt(argc, argv, "d:l:s:qh")) != -1) {
		switch (opt) {
		case 'd':
			dur = atof(optarg);
			break;
		case 'l':
			nb_load = atoi(optarg);
			break;
		case 's':
			stagger_ms = atoi(optarg);
			break;
		case 'q':
			quiet = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-d SECONDS] [-l LOAD_PROCS] [-s STAGGER_MS] [-q]\n",
					argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(sh, 0, sizeof(*sh));
	load = calloc((size_t)nb_load + 1, sizeof(*load));
	for (int i = 0; i < nb_load; i++) {
		load[i] = fork();
		if (load[i] == 0)
			busy();
	}
	printf("clock_compare: instances A (control thread on CPU 0) and B (CPU %d), B started "
	       "%d ms after A, %d busy-loop processes, %.0f s\n",
			ncpu > 1 ? 1 : 0, stagger_ms, nb_load, dur);
	fflush(stdout);
	t_start = mono_ns();
	for (int i = 0; i < 2; i++) {
		if (i == 1)
			usleep((useconds_t)stagger_ms * 1000);
		inst[i] = fork();
		if (inst[i] == 0)
			instance(sh, i, ncpu > 1 ? i : 0);
	}
	if (!quiet)
		printf("%7s %12s %12s %12s   (ns; A, B = map - realtime at the same TSC)\n", "t_s",
				"max|A-B|", "max|A|", "max|B|");
	next_line = t_start + 500000000ull;
	while (mono_ns() - t_start < (uint64_t)(dur * 1e9)) {
		struct clock_map a, b;
		uint64_t tsc = 0, rt = 0, now;
		int64_t d, ea, eb;

		usleep(10000);
		now = mono_ns();
		if (!sh->ready[0] || !sh->ready[1]) {
			next_line = now + 500000000ull;
			continue;
		}
		if (both_since == 0)
			both_since = now;
		clock_sync_read(&sh->map[0], &a);
		clock_sync_read(&sh->map[1], &b);
		ref_sample(&tsc, &rt);
		d = (int64_t)(clock_map_ns(&a, tsc) - clock_map_ns(&b, tsc));
		ea = (int64_t)(clock_map_ns(&a, tsc) - rt);
		eb = (int64_t)(clock_map_ns(&b, tsc) - rt);
		win_diff = RTE_MAX(win_diff, iabs(d));
		win_ea = RTE_MAX(win_ea, iabs(ea));
		win_eb = RTE_MAX(win_eb, iabs(eb));
		all_diff = RTE_MAX(all_diff, iabs(d));
		if (now - both_since >= 3000000000ull) {
			late_diff = RTE_MAX(late_diff, iabs(d));
			late_e = RTE_MAX(late_e, RTE_MAX(iabs(ea), iabs(eb)));
			sum_late += (double)iabs(d);
			nb_late++;
		}
		if (now >= next_line) {
			if (!quiet)
				printf("%7.1f %12" PRId64 " %12" PRId64 " %12" PRId64 "\n",
						(double)(now - t_start) / 1e9, win_diff, win_ea,
						win_eb);
			win_diff = win_ea = win_eb = 0;
			next_line += 500000000ull;
		}
	}
	sh->stop = 1;
	for (int i = 0; i < 2; i++) {
		int st;

		if (inst[i] > 0 && waitpid(inst[i], &st, 0) == inst[i] &&
				!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
			rc = 1;
	}
	for (int i = 0; i < nb_load; i++) {
		if (load[i] > 0) {
			kill(load[i], SIGKILL);
			waitpid(load[i], NULL, 0);
		}
	}
	free(load);
	printf("summary: max |A-B| %" PRId64
	       " ns over the run; after the first 3 s: max |A-B| %" PRId64
	       " ns, mean %.0f ns, max |map - realtime| %" PRId64 " ns (%" PRIu64 " readings)\n",
			all_diff, late_diff, nb_late ? sum_late / (double)nb_late : 0.0, late_e,
			nb_late);
	for (int i = 0; i < 2; i++)
		printf("instance %c: TSC %" PRIu64 " Hz (rte_get_tsc_hz() says %" PRIu64
		       "), narrowest bracket %" PRIu64 " cycles, %" PRIu64 " samples rejected\n",
				'A' + i, sh->hz[i], sh->eal_hz[i], sh->min_bracket[i],
				sh->rejects[i]);
	if (!sh->ready[0] || !sh->ready[1]) {
		fprintf(stderr, "clock_compare: an instance did not start\n");
		rc = 1;
	}
	return rc;
}
