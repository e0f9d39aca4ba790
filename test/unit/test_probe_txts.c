/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * lib/probe's hardware TX stamp table and request state, against a model written here: the
 * table returns the last stamp put for a sequence while no later sequence took its slot, and
 * nothing else; one request is outstanding at a time, a read that fails waits until max_polls,
 * a stamp far from the software T1 is dropped. And two threads: every value a reader gets is
 * the one written for that sequence (never a torn or neighbouring slot).
 */

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "probe_txts.h"
#include "unit.h"

static uint64_t rnd = 0x9e3779b97f4a7c15ULL;

static uint64_t
next(void)
{
	return unit_rand64(&rnd);
}

static void
test_table_model(void)
{
	static struct probe_txts t;
	/* The model: what was put last for each sequence, and the last sequence per slot. */
	static uint64_t put_ns[20000];
	static bool put_any[20000];
	static int64_t slot_seq[PROBE_TXTS_SLOTS];
	unsigned int bad = 0, hits = 0, misses = 0;
	uint64_t ns;

	memset(&t, 0, sizeof(t));
	for (unsigned int i = 0; i < PROBE_TXTS_SLOTS; i++)
		slot_seq[i] = -1;
	check(!probe_txts_get(&t, 0, &ns) && !probe_txts_get(&t, UINT64_MAX - 1, &ns),
			"empty table: nothing found (seq 0, seq 2^64-2)");
	for (unsigned int op = 0; op < 200000; op++) {
		uint64_t seq = next() % 20000;

		if (next() % 3 == 0) {
			uint64_t v = next();

			probe_txts_put(&t, seq, v);
			put_ns[seq] = v;
			put_any[seq] = true;
			slot_seq[seq % PROBE_TXTS_SLOTS] = (int64_t)seq;
		} else {
			bool want = put_any[seq] &&
					slot_seq[seq % PROBE_TXTS_SLOTS] == (int64_t)seq;
			bool got = probe_txts_get(&t, seq, &ns);

			if (got != want || (got && ns != put_ns[seq]))
				bad++;
			hits += got;
			misses += !got;
		}
	}
	check(bad == 0 && hits > 0 && misses > 0,
			"200000 random puts/gets agree with the model (%u hits, %u misses, %u wrong)",
			hits, misses, bad);
	probe_txts_put(&t, UINT64_MAX, 5);
	check(!probe_txts_get(&t, UINT64_MAX, &ns), "seq 2^64-1 (tag would wrap to 0): not found");
}

static void
test_hwtx(void)
{
	static struct probe_txts t;
	struct probe_hwtx h;
	uint64_t ns;

	memset(&t, 0, sizeof(t));
	memset(&h, 0, sizeof(h));
	check(probe_hwtx_poll(&h, &t, true, 1000, 4, 500) == PROBE_HWTX_IDLE,
			"no request: a read is ignored");
	check(probe_hwtx_arm(&h, 10, 1000000), "arm seq 10");
	check(!probe_hwtx_arm(&h, 11, 1000100), "seq 11 not armed while 10 is outstanding");
	check(probe_hwtx_poll(&h, &t, false, 0, 3, 500) == PROBE_HWTX_WAIT &&
					probe_hwtx_poll(&h, &t, false, 0, 3, 500) ==
							PROBE_HWTX_WAIT,
			"two failed reads: waiting");
	check(probe_hwtx_poll(&h, &t, true, 1000250, 3, 500) == PROBE_HWTX_GOT &&
					probe_txts_get(&t, 10, &ns) && ns == 1000250,
			"third read has it: seq 10 -> 1000250 in the table");
	check(probe_hwtx_arm(&h, 12, 2000000), "arm seq 12 after 10 is done");
	for (int i = 0; i < 2; i++)
		probe_hwtx_poll(&h, &t, false, 0, 3, 500);
	check(probe_hwtx_poll(&h, &t, false, 0, 3, 500) == PROBE_HWTX_LOST && !h.pending &&
					!probe_txts_get(&t, 12, &ns),
			"three failed reads with max_polls 3: given up, nothing recorded");
	check(probe_hwtx_arm(&h, 13, 3000000), "arm seq 13");
	check(probe_hwtx_poll(&h, &t, true, 2000001, 3, 500) == PROBE_HWTX_IMPLAUSIBLE &&
					!probe_txts_get(&t, 13, &ns),
			"a stamp 999999 ns before the software T1 (stale latch): dropped");
	check(probe_hwtx_arm(&h, 14, 4000000) &&
					probe_hwtx_poll(&h, &t, true, 3999500, 3, 500) ==
							PROBE_HWTX_GOT,
			"a stamp 500 ns before the software T1 (max skew 500): recorded");
	check(h.asked == 4 && h.got == 2 && h.lost == 1 && h.implausible == 1,
			"counters: asked 4 = got 2 + lost 1 + implausible 1");
}

#define STRESS_N 2000000ULL

static struct probe_txts stress_t;
static volatile int stress_done;

static uint64_t
stress_val(uint64_t seq)
{
	return seq * 2654435761ULL + 7;
}

static void *
stress_writer(void *arg)
{
	(void)arg;
	for (uint64_t s = 0; s < STRESS_N; s++)
		probe_txts_put(&stress_t, s, stress_val(s));
	__atomic_store_n(&stress_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void
test_threads(void)
{
	pthread_t th;
	uint64_t wrong = 0, found = 0, ns, r = 1;

	pthread_create(&th, NULL, stress_writer, NULL);
	while (!__atomic_load_n(&stress_done, __ATOMIC_ACQUIRE)) {
		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t seq = (r >> 33) % STRESS_N;

		if (probe_txts_get(&stress_t, seq, &ns)) {
			found++;
			wrong += ns != stress_val(seq);
		}
	}
	pthread_join(th, NULL);
	check(wrong == 0,
			"one writer, one reader: no value that is not its sequence's (%" PRIu64
			" found while writing)",
			found);
	found = 0;
	for (uint64_t s = STRESS_N - PROBE_TXTS_SLOTS; s < STRESS_N; s++)
		found += probe_txts_get(&stress_t, s, &ns) && ns == stress_val(s);
	check(found == PROBE_TXTS_SLOTS &&
					!probe_txts_get(&stress_t, STRESS_N - PROBE_TXTS_SLOTS - 1,
							&ns),
			"after the writer: exactly the last %d sequences found", PROBE_TXTS_SLOTS);
}

int
main(void)
{
	test_table_model();
	test_hwtx();
	test_threads();
	return unit_done();
}
