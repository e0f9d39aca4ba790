/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * What the plain forwarder's RX pass (lib/pipeline/lcore.c, rx_prepare() in its count mode)
 * costs on its own, and whether an AVX-512 gather of the lengths would beat it on this CPU.
 * Not part of stampede: a measuring stick for issue 18's forward row.
 *
 * Both kernels do what the pass does to a burst of 32 mbufs: for each packet, x = its length
 * minus 14 (the Ethernet header); the sum of x (the burst's bytes) and the OR of x (its sign bit
 * flags a runt, OR + 14 bounds the longest frame). "scalar" is the pass's loop (unrolled by 8,
 * as lcore.c has it); "gather" loads 8 mbuf pointers at once and gathers their lengths with
 * vpgatherqd. The mbufs are 2304 bytes apart (2176-byte buffers and their headers, stampede's
 * default), hot in L1 (a PMD just wrote them), as on forward.sh's net_null row. Prints TSC
 * cycles per packet of each, ROUNDS times, and checks they agree.
 *
 * Build and run (pinned to a CPU nothing else uses):
 *   gcc -O2 -o /tmp/rxpass scripts/bench/rxpass.c && taskset -c 1 /tmp/rxpass [ROUNDS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <immintrin.h>
#include <x86intrin.h>

#define BURST 32
#define STRIDE 2304
#define LEN_OFF 36 /* offsetof(struct rte_mbuf, pkt_len) on x86-64, DPDK 22.11 */
#define REPS 10000000

struct fake_mbuf {
	uint8_t head[LEN_OFF];
	uint32_t pkt_len;
	uint8_t rest[STRIDE - LEN_OFF - 4];
};

static __attribute__((noinline)) void
pass_scalar(void *const *pkts, uint64_t *sum, uint32_t *ors)
{
	uint64_t s = 0;
	uint32_t o = 0;

#pragma GCC unroll 8
	for (int i = 0; i < BURST; i++) {
		const uint32_t x = ((const struct fake_mbuf *)pkts[i])->pkt_len - 14;

		s += x;
		o |= x;
	}
	*sum = s;
	*ors = o;
}

static __attribute__((target("avx512f,avx512vl"), noinline)) void
pass_gather(void *const *pkts, uint64_t *sum, uint32_t *ors)
{
	const __m256i k14 = _mm256_set1_epi32(14);
	__m512i s = _mm512_setzero_si512();
	__m256i o = _mm256_setzero_si256();
	__m128i h;

	for (int i = 0; i < BURST; i += 8) {
		const __m512i p = _mm512_loadu_si512((const void *)(pkts + i));
		const __m256i x = _mm256_sub_epi32(
				_mm512_i64gather_epi32(p, (const void *)LEN_OFF, 1), k14);

		o = _mm256_or_si256(o, x);
		s = _mm512_add_epi64(s, _mm512_cvtepu32_epi64(x));
	}
	h = _mm_or_si128(_mm256_castsi256_si128(o), _mm256_extracti128_si256(o, 1));
	h = _mm_or_si128(h, _mm_shuffle_epi32(h, 0x4e));
	h = _mm_or_si128(h, _mm_shuffle_epi32(h, 0xb1));
	*ors = (uint32_t)_mm_cvtsi128_si32(h);
	*sum = (uint64_t)_mm512_reduce_add_epi64(s);
}

int
main(int argc, char **argv)
{
	const int rounds = argc > 1 ? atoi(argv[1]) : 3;
	struct fake_mbuf *pool = aligned_alloc(64, sizeof(*pool) * 64);
	void *pkts[BURST];
	uint64_t s1, s2;
	uint32_t o1, o2;

	if (pool == NULL)
		return 1;
	if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512vl")) {
		fprintf(stderr, "rxpass: this CPU has no AVX-512F/VL: only the scalar pass applies\n");
		return 1;
	}
	for (int i = 0; i < BURST; i++) { /* a pool cache hands mbufs out of order */
		pkts[i] = &pool[(i * 7) % 64];
		((struct fake_mbuf *)pkts[i])->pkt_len = 60 + (uint32_t)i;
	}
	for (int r = 0; r < rounds; r++) {
		uint64_t t0, t1, t2;

		t0 = __rdtsc();
		for (int k = 0; k < REPS; k++) {
			pass_scalar(pkts, &s1, &o1);
			__asm__ volatile("" ::: "memory");
		}
		t1 = __rdtsc();
		for (int k = 0; k < REPS; k++) {
			pass_gather(pkts, &s2, &o2);
			__asm__ volatile("" ::: "memory");
		}
		t2 = __rdtsc();
		printf("scalar %.2f  gather %.2f  TSC cycles/packet\n",
				(double)(t1 - t0) / REPS / BURST, (double)(t2 - t1) / REPS / BURST);
	}
	if (s1 != s2 || o1 != o2) {
		fprintf(stderr, "rxpass: the kernels disagree (%lu/%u vs %lu/%u)\n",
				(unsigned long)s1, o1, (unsigned long)s2, o2);
		return 1;
	}
	free(pool);
	return 0;
}
