/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_TCPRTT_RT_H
#define STP_TCPRTT_RT_H

/*
 * The tcp_rtt feature's runtime state, shared by its stage (stage.c), its views (views.c) and
 * its config (cfg.c). Private to lib/tcprtt: the core knows the feature only as
 * stp_feature_tcprtt.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>
#include <rte_ring.h>

#include "feature.h"
#include "pipeline.h"
#include "tcprtt.h"
#include "tcprtt_cfg.h"

#define NO_SLOT 0xff
#define IDLE_SLEEP_US 1000 /* writer sleep when the ring is empty */

/* Per worker. */
struct tcprtt_lc {
	struct tcprtt_mon *mon;
	struct tcprtt_hists hists; /* dataplane: wo, ctlplane: ro (merged) */
	uint64_t records;	   /* dataplane: wo; records made */
	uint64_t records_dropped;  /* dataplane: wo; the writer's ring was full */
};

/* Per pipeline. */
struct tcprtt_pl {
	uint8_t port_slot[PORT_MAX]; /* DPDK port id -> index in tcp_rtt.ports, NO_SLOT */
	const char *port_name[PORT_MAX];
	struct rte_ring *ring; /* records, MP (workers) / SC (writer) */
	pthread_t thread;
	bool thread_started;
	volatile int stop; /* ctlplane: wo, writer: ro */
	/* The writer's counters (writer: wo, ctlplane: ro). */
	uint64_t written;
	uint64_t write_errors;
	uint64_t files;
	/* The writer's own state. */
	FILE *f;
	bool is_stdout;
	uint64_t file_bytes;
	uint64_t file_open_ns;
	uint64_t index;
	char **kept; /* max_files ring of paths */
	uint32_t nb_kept, kept_first;
	const struct cfg_tcprtt *c;
};

/* The feature's index in the registry (its fpriv slot), set by its init. */
extern unsigned int tcprtt_k;

static inline struct tcprtt_pl *
tcprtt_pl_of(const struct stp_pipeline *pl)
{
	return pl->fpriv[tcprtt_k];
}

static inline struct tcprtt_lc *
tcprtt_lc_of(const struct stp_lcore *lc)
{
	return lc->fpriv[tcprtt_k];
}

/* The feature's config section (cfg.c), and its data view (views.c). */
const struct cfg_tcprtt *tcprtt_cfg(const struct stp_pipeline *pl);
json_t *tcprtt_view(const struct stp_pipeline *pl);
extern const struct stp_feature_ui tcprtt_ui;

#endif /* STP_TCPRTT_RT_H */
