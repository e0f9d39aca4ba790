/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * A collector's capture interfaces for remote sources: one pcapng interface per (remote node,
 * remote port), shared by every pcapng output through one interface directory
 * (pcapng_if_dir). A worker that meets a source for the first time asks for its key here
 * (under a spinlock: once per source and worker, never per packet); the frames of that source
 * then carry the key in pkt_meta.if_key and the writers add the interface on first use.
 *
 * The interface is named "node<N>:<P>" (P: the port index at the source, the low 8 bits of
 * the stream id: a source's workers share it) and described by the source's DESC TLV
 * (outputs[].description at the edge), or "stampede node N port P" without one.
 */

#include <stdio.h>
#include <string.h>

#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_spinlock.h>

#include "broker.h"
#include "pipeline.h"

struct broker_rif {
	rte_spinlock_t lock; /* workers: taken to look up or add a source */
	uint32_t node[PCAPNG_MAX_DYN_IF];
	uint8_t port[PCAPNG_MAX_DYN_IF];
	bool full_logged;
	struct pcapng_if_dir dir; /* writers read it (pcapng.h) */
};

int
broker_rif_init(struct stp_pipeline *pl, struct broker_rt *b)
{
	bool captures = false;

	for (unsigned int o = 0; o < pl->nb_outputs; o++)
		captures |= pl->outputs[o] != NULL;
	if (b->role != CFG_ROLE_COLLECTOR || !captures)
		return 0;
	b->rif = rte_zmalloc("stp_broker_rif", sizeof(*b->rif), RTE_CACHE_LINE_SIZE);
	if (b->rif == NULL)
		return -ENOMEM;
	rte_spinlock_init(&b->rif->lock);
	for (unsigned int o = 0; o < pl->nb_outputs; o++)
		pcapng_writer_set_dir(pl->outputs[o], &b->rif->dir);
	return 0;
}

uint8_t
broker_rif_key(struct broker_rt *b, const struct broker_src *s)
{
	struct broker_rif *r = b->rif;
	const uint8_t port = (uint8_t)(s->stream & 0xff);
	uint8_t key = 0;
	uint32_t nb;

	if (r == NULL)
		return 0;
	rte_spinlock_lock(&r->lock);
	nb = r->dir.nb;
	for (uint32_t i = 0; i < nb; i++)
		if (r->node[i] == s->node && r->port[i] == port) {
			key = (uint8_t)(i + 1);
			break;
		}
	if (key == 0 && nb < PCAPNG_MAX_DYN_IF) {
		struct pcapng_if *f = &r->dir.ifs[nb];

		memset(f, 0, sizeof(*f));
		snprintf(f->name, sizeof(f->name), "node%u:%u", s->node, port);
		if (s->desc[0] != '\0')
			snprintf(f->description, sizeof(f->description), "%s", s->desc);
		else
			snprintf(f->description, sizeof(f->description), "stampede node %u port %u",
					s->node, port);
		r->node[nb] = s->node;
		r->port[nb] = port;
		__atomic_store_n(&r->dir.nb, nb + 1, __ATOMIC_RELEASE);
		key = (uint8_t)(nb + 1);
	} else if (key == 0 && !r->full_logged) {
		r->full_logged = true;
		RTE_LOG(WARNING, USER1,
				"stampede.broker: more than %u remote (node, port): node %u port %u "
				"and later ones are captured on their input port's interface\n",
				PCAPNG_MAX_DYN_IF, s->node, port);
	}
	rte_spinlock_unlock(&r->lock);
	return key;
}

void
broker_rif_fini(struct broker_rt *b)
{
	if (b != NULL) {
		rte_free(b->rif);
		b->rif = NULL;
	}
}
