/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * libFuzzer target: lib/tcprtt's parsers on untrusted bytes.
 *  - tcprtt_parse_options() on the whole input as an option list: no read past it (ASan: the
 *    input buffer has exactly its length), 0 or -EINVAL, and a TS option only when valid;
 *  - tcprtt_frame_parse() (the datapath's) on the input as a frame: the same answer as
 *    pkt_parse_buf() then tcprtt_pkt_parse() (the reference);
 *  - pkt_parse_buf() then tcprtt_pkt_parse() on the input as a frame: no read past the frame,
 *    the direction bit is 0 or 1, the key's padding is zero, and the same frame with addresses
 *    and ports swapped gives the same key and the other direction.
 *  - tcprtt_record_json() on the input's first bytes as a record (any field, out-of-range kinds,
 *    roles and families included) into a heap buffer of a length the input picks: never a byte
 *    written past it (ASan), -1 or a line of that length ending in a newline and '\0'.
 * No EAL: the flow table (rte_hash) is exercised by test/unit/test_tcprtt.c.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pkt.h"
#include "tcprtt.h"
#include "tcprtt_frame.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcprtt_opts o;
	struct tcprtt_pkt p, q;
	uint8_t *copy;
	int rc;

	if (size > 65535)
		return 0;
	if (size > sizeof(struct tcprtt_record)) {
		struct tcprtt_record r;
		size_t len = data[sizeof(r)] * 2u;
		char *line = malloc(len == 0 ? 1 : len);

		memcpy(&r, data, sizeof(r));
		if (line != NULL) {
			rc = tcprtt_record_json(&r, "port-7", line, len);
			FUZZ_ASSERT(rc == -1 ||
					((size_t)rc < len && line[rc] == '\0' && rc > 0 &&
							line[rc - 1] == '\n' &&
							strlen(line) == (size_t)rc));
			free(line);
		}
	}
	rc = tcprtt_parse_options(data, (uint32_t)size, &o);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
	rc = tcprtt_frame_parse(data, (uint32_t)size, &q);
	{
		int ref = tcprtt_frame_parse_ref(data, (uint32_t)size, &p);

		FUZZ_ASSERT(rc == (ref < 0 ? TCPRTT_PKT_SKIP : ref));
		FUZZ_ASSERT(rc != TCPRTT_PKT_DROP || q.drop == p.drop);
		FUZZ_ASSERT(rc != TCPRTT_PKT_TCP ||
				(memcmp(&p.key, &q.key, sizeof(p.key)) == 0 && p.dir == q.dir &&
						p.hash == q.hash && p.tcp_flags == q.tcp_flags &&
						p.has_payload == q.has_payload &&
						p.nb_vlan == q.nb_vlan &&
						p.opts.has_ts == q.opts.has_ts));
		rc = ref;
	}
	FUZZ_ASSERT(rc == -1 || rc == TCPRTT_PKT_SKIP || rc == TCPRTT_PKT_TCP ||
			rc == TCPRTT_PKT_DROP);
	if (rc == TCPRTT_PKT_DROP)
		FUZZ_ASSERT(p.drop < TCPRTT_DROP_MAX &&
				strcmp(tcprtt_drop_name(p.drop), "unknown") != 0);
	if (rc != TCPRTT_PKT_TCP)
		return 0;
	FUZZ_ASSERT(p.dir <= 1);
	FUZZ_ASSERT(p.key.pad[0] == 0 && p.key.pad[1] == 0 && p.key.pad[2] == 0);
	FUZZ_ASSERT(p.key.family == 4 || p.key.family == 6);
	/* What the monitor may rely on: both ports set, not a flag combination no stack sends. */
	FUZZ_ASSERT(p.key.port[0] != 0 && p.key.port[1] != 0);
	FUZZ_ASSERT(!((p.tcp_flags & TCPRTT_TH_SYN) &&
			(p.tcp_flags & (TCPRTT_TH_FIN | TCPRTT_TH_RST))));
	FUZZ_ASSERT(p.nb_vlan <= TCPRTT_MAX_VLAN);
	/* Swap the IP addresses and the ports: same key, the other direction (unless equal). */
	copy = malloc(size);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	{
		struct pkt_meta meta;
		unsigned int alen = p.key.family == 4 ? 4 : 16;
		unsigned int so = p.key.family == 4 ? 12 : 8;
		uint8_t tmp[16];

		memset(&meta, 0, sizeof(meta));
		pkt_parse_buf(copy, (uint32_t)size, &meta);
		memcpy(tmp, copy + meta.l3_off + so, alen);
		memcpy(copy + meta.l3_off + so, copy + meta.l3_off + so + alen, alen);
		memcpy(copy + meta.l3_off + so + alen, tmp, alen);
		memcpy(tmp, copy + meta.l4_off, 2);
		memcpy(copy + meta.l4_off, copy + meta.l4_off + 2, 2);
		memcpy(copy + meta.l4_off + 2, tmp, 2);
		/* Validity does not depend on the direction: the reverse is measured too. */
		FUZZ_ASSERT(tcprtt_frame_parse_ref(copy, (uint32_t)size, &q) == TCPRTT_PKT_TCP);
		FUZZ_ASSERT(memcmp(&p.key, &q.key, sizeof(p.key)) == 0);
		FUZZ_ASSERT(p.dir != q.dir); /* one endpoint at both ends (land) is dropped */
	}
	free(copy);
	return 0;
}
