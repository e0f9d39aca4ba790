/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/* Kernel-backed ports: the AF_XDP UMEM window of the mbuf pool (see port_kern.h). */

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>

#include "port_kern.h"

RTE_LOG_REGISTER_SUFFIX(port_kern_logtype, port.kern, INFO);
#define KERN_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, port_kern_logtype, "stampede.port: " fmt "\n", ##__VA_ARGS__)

struct xdp_window {
	uintptr_t base; /* page-aligned start of the first memory chunk */
	uintptr_t end;	/* first byte past the UMEM */
	size_t frame;	/* UMEM chunk: object header + mbuf + data room (+ trailer) */
	unsigned int outside;
};

static void
xdp_window_obj(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct xdp_window *w = arg;
	/* The PMD hands the kernel the object's header address as the chunk's start. */
	uintptr_t chunk = (uintptr_t)obj - mp->header_size;

	RTE_SET_USED(idx);
	if (chunk < w->base || chunk + w->frame > w->end)
		w->outside++;
}

unsigned int
port_xdp_outside_umem(struct rte_mempool *mp)
{
	struct rte_mempool_memhdr *first = STAILQ_FIRST(&mp->mem_list);
	uintptr_t page = (uintptr_t)getpagesize();
	struct xdp_window w;

	if (first == NULL)
		return mp->size;
	memset(&w, 0, sizeof(w));
	w.base = (uintptr_t)first->addr & ~(page - 1);
	w.frame = rte_mempool_calc_obj_size(mp->elt_size, mp->flags, NULL);
	w.end = (uintptr_t)first->addr + (uintptr_t)mp->populated_size * w.frame;
	rte_mempool_obj_iter(mp, xdp_window_obj, &w);
	return w.outside;
}

struct rte_mempool *
port_pktmbuf_pool_create(const char *name, unsigned int n, unsigned int cache, uint16_t data_room,
		int socket, const char *ops, bool packed)
{
	struct rte_pktmbuf_pool_private priv;
	struct rte_mempool *mp;
	int rc;

	if (!packed)
		return rte_pktmbuf_pool_create_by_ops(name, n, cache, 0, data_room, socket, ops);
	memset(&priv, 0, sizeof(priv));
	priv.mbuf_data_room_size = data_room;
	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + data_room, cache,
			sizeof(priv), socket, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (mp == NULL)
		return NULL;
	rc = rte_mempool_set_ops_byname(mp, ops != NULL ? ops : rte_mbuf_best_mempool_ops(), NULL);
	if (rc != 0)
		goto fail;
	rte_pktmbuf_pool_init(mp, &priv);
	rc = rte_mempool_populate_default(mp);
	if (rc < 0)
		goto fail;
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
fail:
	rte_mempool_free(mp);
	rte_errno = -rc;
	return NULL;
}

int
port_xdp_check_pool(const struct stp_config *cfg, struct rte_mempool *mp, bool packed,
		char err[CFG_ERR_LEN])
{
	unsigned int outside = port_xdp_outside_umem(mp);

	if (outside == 0) {
		KERN_LOG(DEBUG, "all %u mbufs lie inside the AF_XDP UMEM (%u memory chunk(s))",
				mp->populated_size, mp->nb_mem_chunks);
		return 0;
	}
	if (packed)
		return cfg_errf(cfg, err, "mempool.size",
				"%u: %u of the pool's mbufs lie outside the UMEM net_af_xdp "
				"registers (the pool came in %u memory chunks; it needs one): raise "
				"eal.memory_mb or use hugepages",
				mp->size, outside, mp->nb_mem_chunks);
	KERN_LOG(WARNING,
			"%s: mempool.size: %u of %u mbufs lie outside the UMEM net_af_xdp registers "
			"(a PCI port needs page-bound mbufs): each is lost once, the first time an "
			"AF_XDP queue takes it",
			cfg->file, outside, mp->size);
	return 0;
}
