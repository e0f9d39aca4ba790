/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The simulated NIC's own contract, through the public ethdev API only (what an application
 * such as stampede sees), on a 32-bit 1 GHz clock:
 *  - it advertises RTE_ETH_RX_OFFLOAD_TIMESTAMP and fills the RX timestamp dynfield, each value
 *    between two rte_eth_read_clock() reads around the rx_burst (the clock wraps: compared as
 *    32-bit differences);
 *  - the truth written at truth_off is between CLOCK_REALTIME read before and after the burst;
 *  - timesync: no TX stamp before a frame is sent with RTE_MBUF_F_TX_IEEE1588_TMST (-EINVAL);
 *    after one, rte_eth_timesync_read_tx_timestamp() gives the device clock at the send,
 *    between read_clock before and after the tx_burst; it is read once (then -EINVAL again);
 *    a frame without the flag latches nothing; with timesync disabled nothing is latched.
 *  - loopback (a second port, net_stpsim1, loopback=1, tx_truth=FILE): frames sent come back
 *    on RX unchanged, a stamped one with its RX stamp equal to its TX stamp; the truth file
 *    has one line per frame sent with the u64 at tx_truth_off, the true UTC of the send
 *    (between CLOCK_REALTIME read around the tx_burst), the device clock (equal to the TX
 *    stamp) and whether it was stamped.
 *
 *   test_stpsim LIBRTE_NET_STPSIM.SO PCAP
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "unit.h"

#define TRUTH_OFF 42
#define MASK32 0xffffffffULL

static uint64_t
rt_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* a <= x <= b on a 32-bit wrapping counter (the three within half a wrap). */
static int
between32(uint64_t a, uint64_t x, uint64_t b)
{
	return ((x - a) & MASK32) <= ((b - a) & MASK32);
}

int
main(int argc, char **argv)
{
	char vdev[512], vdev2[512], prefix[64], truth_path[64];
	char *eal[] = { argv[0], "--no-huge", "-m", "256", "--no-pci", "-l", "0", "-d", NULL, vdev,
		vdev2, prefix, "--log-level=lib.eal:error" };
	struct rte_eth_conf conf = { .rxmode.offloads = RTE_ETH_RX_OFFLOAD_TIMESTAMP };
	struct rte_eth_dev_info di;
	struct rte_mempool *mp;
	struct rte_mbuf *pkts[32], *m;
	struct timespec ts;
	uint64_t c0, c1, n0, n1, flag;
	int off, rc;
	uint16_t pid, n = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: %s LIBRTE_NET_STPSIM.SO PCAP\n", argv[0]);
		return 2;
	}
	eal[8] = argv[1];
	snprintf(vdev, sizeof(vdev),
			"--vdev=net_stpsim0,rx_pcap=%s,pps=100000,hz=1000000000,bits=32,"
			"offset=4294000000,truth_off=%d",
			argv[2], TRUTH_OFF);
	snprintf(truth_path, sizeof(truth_path), "/tmp/stpsim-txtruth-%d", (int)getpid());
	snprintf(vdev2, sizeof(vdev2),
			"--vdev=net_stpsim1,loopback=1,hz=1000000000,tx_truth=%s,tx_truth_off=%d",
			truth_path, TRUTH_OFF);
	snprintf(prefix, sizeof(prefix), "--file-prefix=simtest17-%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	rc = rte_eth_dev_get_port_by_name("net_stpsim0", &pid);
	check(rc == 0, "net_stpsim0 probed");
	if (rc != 0)
		return 1;
	rte_eth_dev_info_get(pid, &di);
	check(di.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP, "RX timestamp offload advertised");
	mp = rte_pktmbuf_pool_create("p", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	rc = rte_eth_dev_configure(pid, 1, 1, &conf);
	rc |= rte_eth_rx_queue_setup(pid, 0, 256, 0, NULL, mp);
	rc |= rte_eth_tx_queue_setup(pid, 0, 256, 0, NULL);
	rc |= rte_eth_dev_start(pid);
	check(rc == 0, "configured and started");
	rc = rte_mbuf_dyn_rx_timestamp_register(&off, &flag);
	check(rc == 0 && off >= 0, "RX timestamp dynfield registered (by the PMD)");

	/* RX: stamps between read_clock before and after, truth between realtime reads. */
	for (int tries = 0; n == 0 && tries < 100000; tries++) {
		rte_eth_read_clock(pid, &c0);
		n0 = rt_ns();
		n = rte_eth_rx_burst(pid, 0, pkts, 32);
		n1 = rt_ns();
		rte_eth_read_clock(pid, &c1);
	}
	check(n > 0, "frames received (%u)", n);
	for (uint16_t i = 0; i < n; i++) {
		uint64_t t = *RTE_MBUF_DYNFIELD(pkts[i], off, rte_mbuf_timestamp_t *), truth;

		memcpy(&truth, rte_pktmbuf_mtod_offset(pkts[i], void *, TRUTH_OFF), 8);
		truth = rte_be_to_cpu_64(truth);
		if (i == 0 || i == n - 1) {
			check((pkts[i]->ol_flags & flag) && t <= MASK32 && between32(c0, t, c1),
					"frame %u: stamp %" PRIu64 " within read_clock [%" PRIu64
					", %" PRIu64 "], 32 bits",
					i, t, c0, c1);
			check(truth >= n0 && truth <= n1,
					"frame %u: truth within CLOCK_REALTIME around the burst",
					i);
		}
	}
	rte_pktmbuf_free_bulk(pkts, n);

	/* TX stamps. */
	check(rte_eth_timesync_enable(pid) == 0, "timesync enabled");
	check(rte_eth_timesync_read_tx_timestamp(pid, &ts) == -EINVAL,
			"no TX stamp before a stamped frame: -EINVAL");
	m = rte_pktmbuf_alloc(mp);
	rte_pktmbuf_append(m, 60);
	check(rte_eth_tx_burst(pid, 0, &m, 1) == 1, "a frame without the flag sent");
	check(rte_eth_timesync_read_tx_timestamp(pid, &ts) == -EINVAL,
			"no TX stamp for a frame without RTE_MBUF_F_TX_IEEE1588_TMST");
	m = rte_pktmbuf_alloc(mp);
	rte_pktmbuf_append(m, 60);
	m->ol_flags |= RTE_MBUF_F_TX_IEEE1588_TMST;
	rte_eth_read_clock(pid, &c0);
	rc = rte_eth_tx_burst(pid, 0, &m, 1);
	rte_eth_read_clock(pid, &c1);
	check(rc == 1, "a frame with RTE_MBUF_F_TX_IEEE1588_TMST sent");
	rc = rte_eth_timesync_read_tx_timestamp(pid, &ts);
	{
		uint64_t t = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;

		check(rc == 0 && between32(c0, t, c1),
				"TX stamp %" PRIu64 " (device clock) within read_clock [%" PRIu64
				", %" PRIu64 "] around the send",
				t, c0, c1);
	}
	check(rte_eth_timesync_read_tx_timestamp(pid, &ts) == -EINVAL, "the TX stamp is read once");
	check(rte_eth_timesync_disable(pid) == 0, "timesync disabled");
	m = rte_pktmbuf_alloc(mp);
	rte_pktmbuf_append(m, 60);
	m->ol_flags |= RTE_MBUF_F_TX_IEEE1588_TMST;
	rte_eth_tx_burst(pid, 0, &m, 1);
	check(rte_eth_timesync_read_tx_timestamp(pid, &ts) == -EINVAL,
			"timesync disabled: nothing latched");

	rte_eth_dev_stop(pid);
	rte_eth_dev_close(pid);

	/* Loopback and the TX truth. */
	rc = rte_eth_dev_get_port_by_name("net_stpsim1", &pid);
	rc |= rte_eth_dev_configure(pid, 1, 1, &conf);
	rc |= rte_eth_rx_queue_setup(pid, 0, 256, 0, NULL, mp);
	rc |= rte_eth_tx_queue_setup(pid, 0, 256, 0, NULL);
	rc |= rte_eth_dev_start(pid);
	rc |= rte_eth_timesync_enable(pid);
	check(rc == 0, "loopback port configured, started, timesync on");
	{
		static const uint64_t marks[2] = { 0x1122334455667788ULL, 42 };
		uint64_t tx_ts = 0, field, utc, ticks;
		int stamped;
		FILE *f;

		for (int k = 0; k < 2; k++) {
			uint64_t be = rte_cpu_to_be_64(marks[k]);
			uint8_t *d;

			m = rte_pktmbuf_alloc(mp);
			d = (uint8_t *)rte_pktmbuf_append(m, 100);
			for (int b = 0; b < 100; b++)
				d[b] = (uint8_t)(b * 7 + k);
			memcpy(d + TRUTH_OFF, &be, 8);
			if (k == 0)
				m->ol_flags |= RTE_MBUF_F_TX_IEEE1588_TMST;
			if (k == 0)
				n0 = rt_ns();
			rte_eth_tx_burst(pid, 0, &m, 1);
			if (k == 0) {
				n1 = rt_ns();
				rc = rte_eth_timesync_read_tx_timestamp(pid, &ts);
				tx_ts = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
				check(rc == 0, "loopback port: TX stamp read");
			}
		}
		n = rte_eth_rx_burst(pid, 0, pkts, 32);
		check(n == 2, "both frames came back on RX (%u)", n);
		for (uint16_t i = 0; i < n && n == 2; i++) {
			const uint8_t *d = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
			uint64_t t = *RTE_MBUF_DYNFIELD(pkts[i], off, rte_mbuf_timestamp_t *);
			int same = pkts[i]->pkt_len == 100;
			uint64_t mark;

			for (int b = 0; b < 100 && same; b++)
				if (b < TRUTH_OFF || b >= TRUTH_OFF + 8)
					same = d[b] == (uint8_t)(b * 7 + i);
			memcpy(&mark, d + TRUTH_OFF, sizeof(mark)); /* not 8-byte aligned */
			check(same && rte_be_to_cpu_64(mark) == marks[i],
					"looped frame %u unchanged, in order", i);
			check((pkts[i]->ol_flags & flag) != 0 && (i != 0 || t == tx_ts),
					"looped frame %u: RX stamped%s", i,
					i == 0 ? ", equal to its TX stamp" : "");
		}
		rte_pktmbuf_free_bulk(pkts, n);
		rte_eth_dev_stop(pid);
		rte_eth_dev_close(pid); /* closes the truth file */
		f = fopen(truth_path, "r");
		check(f != NULL, "truth file written");
		for (int k = 0; k < 2 && f != NULL; k++) {
			rc = fscanf(f, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %d", &field, &utc,
					&ticks, &stamped);
			check(rc == 4 && field == marks[k] && stamped == (k == 0),
					"truth line %d: field, stamped %d", k, stamped);
			if (k == 0)
				check(rc == 4 && ticks == tx_ts && utc >= n0 && utc <= n1,
						"truth line 0: ticks = TX stamp, UTC within "
						"CLOCK_REALTIME around the send");
		}
		check(f != NULL && fscanf(f, "%" SCNu64, &field) == EOF, "two lines, no more");
		if (f != NULL)
			fclose(f);
		unlink(truth_path);
	}
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return unit_done();
}
