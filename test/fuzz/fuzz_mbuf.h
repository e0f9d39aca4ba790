/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * For the targets that hand frames to a real pipeline (fuzz_collect, fuzz_edge): a frame in a
 * buffer of exactly its length, so that ASan reports a read past it (a mempool's data room
 * would hide one), and the leak suppression their LLVMFuzzerInitialize needs.
 */
#ifndef STP_TEST_FUZZ_MBUF_H
#define STP_TEST_FUZZ_MBUF_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "fuzz.h"

static inline void
fuzz_ext_free(void *addr, void *opaque)
{
	free(addr);
	free(opaque);
}

/*
 * One frame of @p len bytes from @p f in an mbuf of @p mp, its data outside the pool: a
 * malloc'd buffer of exactly @p len bytes attached as an external buffer, freed with the mbuf.
 */
static inline struct rte_mbuf *
fuzz_frame_mbuf(struct rte_mempool *mp, const uint8_t *f, uint32_t len)
{
	struct rte_mbuf_ext_shared_info *sh;
	struct rte_mbuf *m;
	uint8_t *buf;

	m = rte_pktmbuf_alloc(mp);
	FUZZ_ASSERT(m != NULL);
	buf = malloc(len);
	sh = calloc(1, sizeof(*sh));
	FUZZ_ASSERT(buf != NULL && sh != NULL);
	memcpy(buf, f, len);
	sh->free_cb = fuzz_ext_free;
	sh->fcb_opaque = sh;
	rte_mbuf_ext_refcnt_set(sh, 1);
	rte_pktmbuf_attach_extbuf(m, buf, (rte_iova_t)(uintptr_t)buf, (uint16_t)len, sh);
	m->data_off = 0;
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	return m;
}

/*
 * What LLVMFuzzerInitialize builds (EAL, pipelines) lives as long as the process; LeakSanitizer
 * does not scan DPDK's memory (rte_malloc), where the pipelines keep their pointers to it.
 */
const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:LLVMFuzzerInitialize\n";
}

#endif
