/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * lib/port's AF_XDP UMEM window (port_kern.h) on --no-huge pools: a default pool keeps each
 * 2368-byte object inside one 4 KiB page, so it spans one page per object and the window
 * net_af_xdp registers (objects x object size) holds only the first ones; a packed pool fits.
 * The expected count comes from a model of that layout written here, not from the code tested.
 */

#include <stdio.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#include "afpkt.h"
#include "clock.h"
#include "port_kern.h"
#include "unit.h"

#define NB_MBUF 1023
#define DATA_ROOM 2176

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "--no-pci", "-m", "64", "--log-level=*:error",
		prefix };
	struct rte_mempool *mp;
	size_t obj, page = (size_t)getpagesize();
	unsigned int in, outside;

	RTE_SET_USED(argc);
	snprintf(prefix, sizeof(prefix), "--file-prefix=ut-port-kern-%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(eal), eal) < 0) {
		printf("FAIL: rte_eal_init: %s\n0 passed, 1 failed\n", rte_strerror(rte_errno));
		return 1;
	}

	mp = port_pktmbuf_pool_create(
			"ut_bound", NB_MBUF, 0, DATA_ROOM, SOCKET_ID_ANY, NULL, false);
	check(mp != NULL, "a default (page-bound) pool of %u mbufs is created", NB_MBUF);
	if (mp != NULL) {
		obj = rte_mempool_calc_obj_size(mp->elt_size, mp->flags, NULL);
		/*
		 * Model: one object per page when it is larger than half a page; object k starts
		 * at k pages from the (page-aligned) first chunk; it is inside the window when it
		 * ends within NB_MBUF x obj bytes.
		 */
		if (obj > page / 2 && obj <= page)
			in = (unsigned int)(((size_t)(NB_MBUF - 1) * obj) / page) + 1;
		else
			in = NB_MBUF; /* the model does not cover other sizes */
		outside = port_xdp_outside_umem(mp);
		check(outside == NB_MBUF - in,
				"page-bound pool, %zu-byte objects on %zu-byte pages: %u mbufs outside "
				"the window (model: %u)",
				obj, page, outside, NB_MBUF - in);
		check(outside > 0,
				"the page-bound pool does not fit the window (the stall's cause)");
		rte_mempool_free(mp);
	}

	mp = port_pktmbuf_pool_create(
			"ut_packed", NB_MBUF, 32, DATA_ROOM, SOCKET_ID_ANY, NULL, true);
	check(mp != NULL, "a packed pool of %u mbufs is created", NB_MBUF);
	if (mp != NULL) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

		check(port_xdp_outside_umem(mp) == 0, "packed pool: every mbuf inside the window");
		check(mp->nb_mem_chunks == 1, "packed pool: one memory chunk (%u)",
				mp->nb_mem_chunks);
		check(m != NULL && rte_pktmbuf_data_room_size(mp) == DATA_ROOM &&
						rte_pktmbuf_headroom(m) == RTE_PKTMBUF_HEADROOM &&
						rte_pktmbuf_tailroom(m) ==
								DATA_ROOM - RTE_PKTMBUF_HEADROOM,
				"packed pool: its mbufs are ordinary pktmbufs (data room %u)",
				DATA_ROOM);
		rte_pktmbuf_free(m);
		rte_mempool_free(mp);
	}
	/*
	 * net_afpkt's stamps as the RX stage takes them: the PMD's hw dynflag says hw, the
	 * timestamp dynflag alone says kernel, neither falls back to a software stamp.
	 */
	{
		static const struct rte_mbuf_dynflag hw_desc = { .name = AFPKT_DYNFLAG_HW_TS };
		static struct port_set ps;
		static struct port_rt pr;
		struct rte_mbuf *m[3];
		uint64_t count[PKT_TS_MAX] = { 0 };
		int bit;

		mp = port_pktmbuf_pool_create(
				"ut_stamp", 63, 0, DATA_ROOM, SOCKET_ID_ANY, NULL, true);
		bit = rte_mbuf_dynflag_register(&hw_desc);
		check(mp != NULL && pkt_meta_register() == 0 && bit >= 0 &&
						rte_mbuf_dyn_rx_timestamp_register(&ps.hw_ts_offset,
								&ps.hw_ts_flag) == 0,
				"pool, packet metadata and the two dynflags registered");
		snprintf(pr.drv_name, sizeof(pr.drv_name), "%s", AFPKT_DRIVER_NAME);
		port_kern_claim(&pr); /* looks the hw dynflag up */
		check(rte_pktmbuf_alloc_bulk(mp, m, 3) == 0, "three mbufs");
		for (int i = 0; i < 3; i++)
			*RTE_MBUF_DYNFIELD(m[i], ps.hw_ts_offset, rte_mbuf_timestamp_t *) =
					1700000000000000000ull + (uint64_t)i;
		m[0]->ol_flags |= ps.hw_ts_flag | (1ULL << bit);
		m[1]->ol_flags |= ps.hw_ts_flag;
		port_stamp_kernel(&ps, m, 3, rte_rdtsc(), count);
		check(pkt_meta(m[0])->ts_src == PKT_TS_HW &&
						pkt_meta(m[0])->ts_ns == 1700000000000000000ull,
				"hw dynflag: source hw, the PMD's stamp");
		check(pkt_meta(m[1])->ts_src == PKT_TS_KERNEL &&
						pkt_meta(m[1])->ts_ns == 1700000000000000001ull,
				"timestamp dynflag only: source kernel, the PMD's stamp");
		check(pkt_meta(m[2])->ts_src == PKT_TS_SW, "no stamp: a software stamp");
		check(count[PKT_TS_HW] == 1 && count[PKT_TS_KERNEL] == 1 && count[PKT_TS_SW] == 1,
				"counted once per source");
		rte_pktmbuf_free_bulk(m, 3);
		rte_mempool_free(mp);
	}
	rte_eal_cleanup();
	return unit_done();
}
