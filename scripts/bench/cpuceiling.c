/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The ceiling for the `scale` row of scripts/bench/forward.sh: how much faster two pinned
 * threads get through work that shares nothing than one thread does, on this machine, right
 * now. A KVM guest's vCPUs may be hyperthreads of one core, share a memory channel, or lose
 * time to the host and to the other processes of the guest; whatever the cause, no datapath
 * scales past what this program measures in the same run. Not part of stampede: a measuring
 * stick.
 *
 * Three kernels, each run for SECONDS by one thread on CPU_SOLO, then by two threads at once
 * on CPU_A and CPU_B (each on its own private data, its counter on its own cache line):
 *   alu  a register-only loop (xorshift): the CPU alone;
 *   l2   read-modify-write of one word per 64-byte line of a private 256 KiB array: what a
 *        datapath does to mbufs its mempool cache keeps hot;
 *   mem  read-modify-write of the first line of each 2 KiB element of a private 64 MiB array
 *        (32 Ki mbuf-sized elements, as stampede's default pool): the memory-bound case.
 * For each it prints one line:
 *   KERNEL solo W1 C1 pair WA CA WB CB speedup S percpu P
 * W = units of work done (millions), C = the thread's CPU seconds (CLOCK_THREAD_CPUTIME_ID),
 * S = (WA + WB) / W1 (the wall-clock speed-up of 2 threads over 1) and P = the mean of
 * WA / CA and WB / CB over W1 / C1 (the speed of a CPU-second of each of the two threads
 * against one of the lone thread's: below 1.0 the two threads slow each other down, caches,
 * memory or sibling hyperthreads; S below 2 x P: they did not get their CPUs whole).
 *
 * Usage: cpuceiling SECONDS CPU_SOLO CPU_A CPU_B
 */

#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define L2_BYTES (256u << 10)
#define MEM_ELEMS 32768u
#define ELEM_BYTES 2048u
#define CHUNK 4096u /* units of work between two looks at the stop flag */

enum kernel {
	K_ALU,
	K_L2,
	K_MEM
};

struct worker {
	/* Written by this worker only; read by main after the join. */
	uint64_t work;
	double cpu_s;
	int cpu;
	enum kernel k;
	uint8_t *buf;
	pthread_t tid;
} __attribute__((aligned(128)));

static atomic_int go;
static atomic_int stop;

static double
thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t
run_alu(void)
{
	uint64_t x = 88172645463325252ull, n = 0;
	unsigned int i;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		for (i = 0; i < CHUNK; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		n += CHUNK;
		/* Keep the loop: the result leaves through an empty asm the compiler cannot see
		 * into. */
		__asm__ volatile("" : "+r"(x));
	}
	return n;
}

/* Touch one word in each STRIDE-byte step of a LEN-byte buffer, round after round. */
static uint64_t
run_touch(uint8_t *buf, size_t len, size_t stride)
{
	uint64_t n = 0;
	size_t off = 0;
	unsigned int i;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		for (i = 0; i < CHUNK; i++) {
			volatile uint64_t *w = (volatile uint64_t *)(buf + off);

			*w = *w + 1;
			off += stride;
			if (off >= len)
				off = 0;
		}
		n += CHUNK;
	}
	return n;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	double c0;

	while (!atomic_load_explicit(&go, memory_order_acquire))
		;
	c0 = thread_cpu_s();
	switch (w->k) {
	case K_ALU:
		w->work = run_alu();
		break;
	case K_L2:
		w->work = run_touch(w->buf, L2_BYTES, 64);
		break;
	case K_MEM:
		w->work = run_touch(w->buf, (size_t)MEM_ELEMS * ELEM_BYTES, ELEM_BYTES);
		break;
	}
	w->cpu_s = thread_cpu_s() - c0;
	return NULL;
}

/* Run kernel K on the N CPUs of CPUS at once for SECS seconds; results in W[0..N-1]. */
static int
run(enum kernel k, const int *cpus, int n, double secs, struct worker *w, uint8_t **bufs)
{
	struct timespec d = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };
	pthread_attr_t attr;
	cpu_set_t set;
	int i;

	atomic_store(&go, 0);
	atomic_store(&stop, 0);
	for (i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].k = k;
		w[i].cpu = cpus[i];
		w[i].buf = bufs[i];
		pthread_attr_init(&attr);
		CPU_ZERO(&set);
		CPU_SET(cpus[i], &set);
		pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		if (pthread_create(&w[i].tid, &attr, worker_main, &w[i]) != 0) {
			fprintf(stderr, "cpuceiling: cannot start a thread on CPU %d\n", cpus[i]);
			return -1;
		}
		pthread_attr_destroy(&attr);
	}
	atomic_store_explicit(&go, 1, memory_order_release);
	nanosleep(&d, NULL);
	atomic_store_explicit(&stop, 1, memory_order_relaxed);
	for (i = 0; i < n; i++)
		pthread_join(w[i].tid, NULL);
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *const names[] = { "alu", "l2", "mem" };
	size_t big = (size_t)MEM_ELEMS * ELEM_BYTES;
	struct worker solo[1], pair[2];
	uint8_t *bufs[2];
	int cpus[2], one;
	double secs, r1, ra, rb;
	int k, i;

	if (argc != 5 || (secs = atof(argv[1])) <= 0) {
		fprintf(stderr, "usage: %s SECONDS CPU_SOLO CPU_A CPU_B\n", argv[0]);
		return 2;
	}
	one = atoi(argv[2]);
	cpus[0] = atoi(argv[3]);
	cpus[1] = atoi(argv[4]);
	for (i = 0; i < 2; i++) {
		/* Page-aligned, private, touched once so no page fault lands in a measurement. */
		if (posix_memalign((void **)&bufs[i], 4096, big) != 0) {
			fprintf(stderr, "cpuceiling: out of memory\n");
			return 1;
		}
		memset(bufs[i], 1, big);
	}
	for (k = K_ALU; k <= K_MEM; k++) {
		if (run(k, &one, 1, secs, solo, bufs) < 0 || run(k, cpus, 2, secs, pair, bufs) < 0)
			return 1;
		r1 = solo[0].cpu_s > 0 ? (double)solo[0].work / solo[0].cpu_s : 0;
		ra = pair[0].cpu_s > 0 ? (double)pair[0].work / pair[0].cpu_s : 0;
		rb = pair[1].cpu_s > 0 ? (double)pair[1].work / pair[1].cpu_s : 0;
		printf("%s solo %.3f %.3f pair %.3f %.3f %.3f %.3f speedup %.3f percpu %.3f\n",
				names[k], solo[0].work / 1e6, solo[0].cpu_s, pair[0].work / 1e6,
				pair[0].cpu_s, pair[1].work / 1e6, pair[1].cpu_s,
				solo[0].work ? (double)(pair[0].work + pair[1].work) /
								solo[0].work :
					       0,
				r1 > 0 ? (ra + rb) / 2 / r1 : 0);
	}
	free(bufs[0]);
	free(bufs[1]);
	return 0;
}
