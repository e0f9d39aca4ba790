/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * For the targets that hand frames to a real pipeline (fuzz_collect, fuzz_edge): the EAL and
 * ports started from a config, a frame in a buffer of exactly its length, so that ASan reports
 * a read past it (a mempool's data room would hide one), and the leak suppression their
 * LLVMFuzzerInitialize needs.
 */
#ifndef STP_TEST_FUZZ_MBUF_H
#define STP_TEST_FUZZ_MBUF_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "cfg.h"
#include "clock.h"
#include "fuzz.h"
#include "pkt.h"
#include "port.h"

/*
 * Start the EAL with @p cfg's arguments and set up its ports into @p ports; @p name prefixes
 * the messages of a failure (which aborts). Both lcores on the main lcore's CPU: the datapath
 * lcore is never launched. --no-shconf, --no-telemetry: no shared files, no IPC, no telemetry
 * socket; the runtime directory stays empty and is removed once the EAL is up (each fuzzer
 * process would leave one behind).
 */
static inline void
fuzz_eal_ports(const struct stp_config *cfg, const char *name, struct port_set *ports)
{
	static char *extra[] = { (char *)"--lcores=0@0,1@0", (char *)"--main-lcore=0",
		(char *)"--log-level=*:error", (char *)"--no-shconf", (char *)"--no-telemetry" };
	char **argv, **argv2;
	char err[CFG_ERR_LEN];
	int argc = port_eal_args(cfg, name, RTE_DIM(extra), extra, &argv);

	FUZZ_ASSERT(argc > 0);
	/* rte_eal_init() permutes its argv: a copy (the strings live on, as the EAL's). */
	argv2 = calloc(argc + 1, sizeof(char *));
	FUZZ_ASSERT(argv2 != NULL);
	memcpy(argv2, argv, argc * sizeof(char *));
	if (rte_eal_init(argc, argv2) < 0) {
		fprintf(stderr, "%s: EAL initialisation failed\n", name);
		abort();
	}
	(void)rmdir(rte_eal_get_runtime_dir());
	FUZZ_ASSERT(pkt_meta_register() == 0);
	clock_tsc_start();
	if (port_setup(cfg, ports, err) != 0) {
		fprintf(stderr, "%s: %s\n", name, err);
		abort();
	}
}

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
