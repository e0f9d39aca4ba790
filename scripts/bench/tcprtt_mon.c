/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The tcp_rtt stage's work without the rest of the pipeline, for scripts/bench/tcprtt_mon.sh:
 * the frames of a pcap (tcprtt_flows.py's) in memory, in bursts of 32, each burst parsed
 * (tcprtt_frame_parse()) and handed to a fresh monitor (tcprtt_mon_burst(), then the timer
 * wheel), as lib/tcprtt/stage.c does, with the TSC read around each burst. Built against one
 * version of lib/tcprtt/tcprtt.c (the script builds two); -DHAVE_BUCKETS when that version
 * has tcprtt_bucket_prefetch() (the stage prefetches the buckets as it parses).
 *
 * Prints, per run, the 25th percentile, the median and the 75th percentile of the bursts'
 * cycles per packet, and the mean (all cycles over all packets). A burst the OS preempted costs
 * more, never less, so on a shared machine the low quantiles of thousands of bursts are steadier
 * than a total; but they are not the mean cost: tcprtt_flows.py interleaves its flows round-robin,
 * so a burst of 32 holds 32 frames of the same kind (32 SYNs, each a new flow, or 32 last ACKs,
 * each a flow's removal), and the quantiles pick the cheaper kinds (quiet: p25 77, median 83,
 * mean 100 cycles/packet). The mean is the figure to set beside the pipeline's stage, whose
 * count is cycles over packets too. Records are made but not enqueued: the stage's ring, its
 * histograms and the pipeline's other stages (which share the caches) are not here.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_memory.h>

#include "tcprtt.h"

#define BURST 32

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static struct tcprtt_record recs[BURST * TCPRTT_MAX_SAMPLES];
	char prefix[64], errbuf[PCAP_ERRBUF_SIZE], err[256];
	char *eal[] = { argv[0], "--no-huge", "-m", "1024", "--no-pci", "-l", "0", prefix,
		"--log-level", "*:error", NULL };
	struct tcprtt_conf conf = { .flows = 65536,
		.ts_slots = 128,
		.idle_timeout_ns = 60000000000ull,
		.ts_min_interval_ns = 100000000ull,
		.close_linger_ns = 1000000000ull };
	const uint8_t **frame;
	uint32_t *len;
	uint64_t *stamp, *cyc;
	size_t n = 0, cap = 1 << 20;
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned int runs;
	pcap_t *pc;

	if (argc != 4) {
		fprintf(stderr, "usage: %s PCAP RUNS FILE_PREFIX\n", argv[0]);
		return 2;
	}
	runs = (unsigned int)atoi(argv[2]);
	snprintf(prefix, sizeof(prefix), "--file-prefix=%s", argv[3]);
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		fprintf(stderr, "rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	pc = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (pc == NULL) {
		fprintf(stderr, "%s: %s\n", argv[1], errbuf);
		return 1;
	}
	frame = malloc(cap * sizeof(*frame));
	len = malloc(cap * sizeof(*len));
	stamp = malloc(cap * sizeof(*stamp));
	cyc = malloc((cap / BURST + 1) * sizeof(*cyc));
	if (frame == NULL || len == NULL || stamp == NULL || cyc == NULL)
		return 1;
	while (n < cap && pcap_next_ex(pc, &h, &data) == 1) {
		uint8_t *c = malloc(h->caplen);

		if (c == NULL)
			return 1;
		memcpy(c, data, h->caplen);
		frame[n] = c;
		len[n] = h->caplen;
		stamp[n] = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
		n++;
	}
	pcap_close(pc);
	for (unsigned int run = 0; run < runs; run++) {
		struct tcprtt_mon *m =
				tcprtt_mon_create("bench", &conf, SOCKET_ID_ANY, err, sizeof(err));
		uint64_t records = 0, nb = 0, total = 0;

		if (m == NULL) {
			fprintf(stderr, "tcprtt_mon_create: %s\n", err);
			return 1;
		}
		for (size_t b = 0; b < n; b += BURST) {
			struct tcprtt_pkt p[BURST];
			uint64_t ts[BURST], now = 0, t0, t1;
			uint16_t port[BURST];
			unsigned int np = 0, cnt = (unsigned int)(n - b < BURST ? n - b : BURST);
#ifdef HAVE_BUCKETS
			struct tcprtt_buckets hb;
#endif

			t0 = rte_rdtsc_precise();
#ifdef HAVE_BUCKETS
			tcprtt_mon_buckets(m, &hb);
#endif
			for (unsigned int i = 0; i < cnt; i++) {
				int rc = tcprtt_frame_parse(frame[b + i], len[b + i], &p[np]);

				if (rc != TCPRTT_PKT_TCP)
					continue;
#ifdef HAVE_BUCKETS
				tcprtt_bucket_prefetch(&hb, p[np].hash);
#endif
				ts[np] = stamp[b + i];
				port[np] = 0;
				if (ts[np] > now)
					now = ts[np];
				np++;
			}
			records += tcprtt_mon_burst(m, p, ts, port, np, recs);
			tcprtt_mon_expire(m, now, 2 * BURST);
			t1 = rte_rdtsc_precise();
			cyc[nb++] = (t1 - t0) * 1000 / cnt; /* milli-cycles per packet */
			total += t1 - t0;
		}
		qsort(cyc, nb, sizeof(*cyc), cmp_u64);
		printf("run %u cycles/pkt p25 %.1f median %.1f mean %.1f p75 %.1f records %" PRIu64
		       "\n",
				run, cyc[nb / 4] / 1000.0, cyc[nb / 2] / 1000.0,
				(double)total / (double)n, cyc[nb * 3 / 4] / 1000.0, records);
		tcprtt_mon_free(m);
	}
	rte_eal_cleanup();
	return 0;
}
