/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_TEST_TCPRTT_FRAME_H
#define STP_TEST_TCPRTT_FRAME_H

/*
 * The reference the datapath's tcprtt_frame_parse() is compared with, for test_tcprtt.c and
 * fuzz_tcprtt.c: lib/pkt's parser on every frame, then tcprtt_pkt_parse().
 */

#include <stdint.h>
#include <string.h>

#include "pkt.h"
#include "tcprtt.h"

/*
 * Frame @p f of @p len bytes through lib/pkt's parser, then tcprtt_pkt_parse() from the
 * metadata it wrote: -1 when lib/pkt refuses the frame, else tcprtt_pkt_parse()'s answer.
 */
static inline int
tcprtt_frame_parse_ref(const uint8_t *f, uint32_t len, struct tcprtt_pkt *p)
{
	struct pkt_meta meta;

	memset(&meta, 0, sizeof(meta));
	if (pkt_parse_buf(f, len, &meta) < 0)
		return -1;
	return tcprtt_pkt_parse(f, len, meta.l3_type, meta.l3_off, meta.l4_off, meta.l4_proto,
			meta.nb_vlan, meta.flags, p);
}

#endif /* STP_TEST_TCPRTT_FRAME_H */
