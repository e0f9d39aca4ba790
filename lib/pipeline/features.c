/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The feature registry (feature.h): the one list of stampede's capabilities, and the loops the
 * core runs over it. stp_features[] is written from lib/meson.build's stp_features: adding a
 * feature is one name there (and its folder).
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ring.h>

#include "feature.h"
#include "features_list.h"
#include "pipeline.h"

/* The features' structs, named by lib/meson.build's stp_features (features_list.h). */
#define STP_FEATURE_EXTERN(n) extern const struct stp_feature stp_feature_##n;
STP_FEATURES_LIST(STP_FEATURE_EXTERN)
#undef STP_FEATURE_EXTERN

/*
 * The registry, in the order the worker stages run (and the features start; they stop in the
 * reverse order): lib/meson.build's stp_features, where that order is explained.
 */
const struct stp_feature *const stp_features[] = {
#define STP_FEATURE_ENTRY(n) &stp_feature_##n,
	STP_FEATURES_LIST(STP_FEATURE_ENTRY)
#undef STP_FEATURE_ENTRY
			NULL,
};

/*
 * Feature @p k's counters on every lcore: zeroed, cache-aligned, each on its own lines (no
 * false sharing with another lcore's). libc memory: counters are not packet memory, need no
 * hugepage, and the unit tests run the registry with no EAL.
 */
static int
lcore_stats_alloc(struct stp_pipeline *pl, unsigned int k, const struct stp_feature *f)
{
	const size_t size = RTE_ALIGN_CEIL(f->lcore_stats_size, RTE_CACHE_LINE_SIZE);

	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		void *p;

		/* A registry started again (the unit tests) lets go of the last start's. */
		free(pl->lcores[i]->fstats[k]);
		pl->lcores[i]->fstats[k] = NULL;
		if (size == 0)
			continue;
		p = aligned_alloc(RTE_CACHE_LINE_SIZE, size);
		if (p == NULL) {
			snprintf(pl->err, sizeof(pl->err), "out of memory for its counters");
			return -ENOMEM;
		}
		memset(p, 0, size);
		pl->lcores[i]->fstats[k] = p;
	}
	return 0;
}

void *
stp_feature_stats(const struct stp_pipeline *pl, unsigned int k)
{
	const size_t size = k < pl->nb_features ? pl->features[k]->lcore_stats_size : 0;
	const size_t nb = size / sizeof(uint64_t);
	uint64_t *sum;

	if (size == 0 || (sum = calloc(1, size)) == NULL)
		return NULL;
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		const uint64_t *src = pl->lcores[i]->fstats[k];

		for (size_t j = 0; src != NULL && j < nb; j++)
			sum[j] += __atomic_load_n(&src[j], __ATOMIC_RELAXED);
	}
	return sum;
}

uint64_t
stp_port_counter_sum(const struct stp_pipeline *pl, unsigned int k,
		const struct stp_port_counter *c, uint16_t port_id)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		const void *a = pl->lcores[i]->fstats[k];

		if (a != NULL)
			v += __atomic_load_n(&STP_PORT_COUNTER(a, c, port_id), __ATOMIC_RELAXED);
	}
	return v;
}

int
stp_features_start(struct stp_pipeline *pl, const struct stp_feature *const *list)
{
	pl->features = list != NULL ? list : stp_features;
	pl->nb_features = 0;
	pl->nb_stages = 0;
	for (const struct stp_feature *const *fp = pl->features; *fp != NULL; fp++) {
		const struct stp_feature *f = *fp;
		int rc;

		if (pl->nb_features == STP_MAX_FEATURES) {
			snprintf(pl->err_path, sizeof(pl->err_path), "%s", f->name);
			snprintf(pl->err, sizeof(pl->err), "more than %u features",
					STP_MAX_FEATURES);
			return -E2BIG;
		}
		pl->err[0] = '\0';
		snprintf(pl->err_path, sizeof(pl->err_path), "%s", f->name);
		rc = lcore_stats_alloc(pl, pl->nb_features, f);
		if (rc < 0)
			return rc;
		pl->feat_k = pl->nb_features;
		rc = f->init != NULL ? f->init(pl) : 1;
		pl->feat_rc[pl->nb_features++] = (int8_t)(rc < 0 ? -1 : rc > 0);
		if (rc < 0)
			return rc;
		if (rc == 0 && f->burst != NULL) {
			if (pl->nb_stages == STP_MAX_STAGES) {
				snprintf(pl->err, sizeof(pl->err), "more than %u worker stages",
						STP_MAX_STAGES);
				return -E2BIG;
			}
			pl->stages[pl->nb_stages++] = f;
		}
	}
	/* Each lcore's poll list and RX hooks, once every feature has set up its state. */
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		struct stp_lcore *lc = pl->lcores[i];

		for (unsigned int q = 0; q < lc->nb_poll; q++) {
			lc->poll[q].rx_hook = NULL;
			for (unsigned int k = 0; k < pl->nb_features; k++) {
				const struct stp_feature *f = pl->features[k];

				if (f->rx == NULL || pl->feat_rc[k] < 0 ||
						!f->rx_on(lc->poll[q].port))
					continue;
				if (lc->poll[q].rx_hook != NULL) {
					snprintf(pl->err_path, sizeof(pl->err_path), "%s", f->name);
					snprintf(pl->err, sizeof(pl->err),
							"the RX of a port is already %s's",
							lc->poll[q].rx_hook->name);
					return -EBUSY;
				}
				lc->poll[q].rx_hook = f;
			}
		}

		lc->nb_polls = 0;
		for (unsigned int k = 0; k < pl->nb_features; k++) {
			const struct stp_feature *f = pl->features[k];
			bool on;

			if (f->poll == NULL || pl->feat_rc[k] < 0)
				continue;
			on = f->poll_on != NULL ? f->poll_on(lc) :
						  pl->feat_rc[k] == 0 && (lc->roles & CFG_ROLE_TX);
			if (on)
				lc->polls[lc->nb_polls++] = f;
		}
	}
	return 0;
}

void
stp_features_tick(struct stp_pipeline *pl)
{
	for (unsigned int k = 0; k < pl->nb_features; k++)
		if (pl->feat_rc[k] >= 0 && pl->features[k]->tick != NULL)
			pl->features[k]->tick(pl);
}

void
stp_features_stop(struct stp_pipeline *pl)
{
	for (unsigned int k = pl->nb_features; k-- > 0;)
		if (pl->feat_rc[k] >= 0 && pl->features[k]->stop != NULL)
			pl->features[k]->stop(pl);
}

void
stp_features_clear(struct stp_pipeline *pl)
{
	for (unsigned int k = 0; k < pl->nb_features; k++)
		if (pl->feat_rc[k] >= 0 && pl->features[k]->clear != NULL)
			pl->features[k]->clear(pl);
}

/* Each feature started that has op @p op, in registry order. */
#define FOREACH_STARTED(pl, k, op)                           \
	for (unsigned int k = 0; k < (pl)->nb_features; k++) \
		if ((pl)->feat_rc[k] >= 0 && (pl)->features[k]->op != NULL)

void
stp_features_sum(const struct stp_pipeline *pl, struct stp_lcore_stats *sum)
{
	FOREACH_STARTED(pl, k, sum)
	pl->features[k]->sum(pl, sum);
}

void
stp_features_summary(const struct stp_pipeline *pl, const struct stp_lcore_stats *sum, FILE *f)
{
	FOREACH_STARTED(pl, k, summary)
	pl->features[k]->summary(pl, sum, f);
}

void
stp_features_status(const struct stp_pipeline *pl, const struct stp_lcore_stats *sum, FILE *f)
{
	FOREACH_STARTED(pl, k, status)
	pl->features[k]->status(pl, sum, f);
}

void
stp_features_rings(const struct stp_pipeline *pl, json_t *a)
{
	FOREACH_STARTED(pl, k, rings)
	pl->features[k]->rings(pl, a);
}

json_t *
stp_ring_json(const struct rte_ring *r, const char *kind, json_t *owner)
{
	return json_pack("{s:s, s:s, s:o, s:I, s:I, s:I}", "name", r->name, "kind", kind, "owner",
			owner, "size", (json_int_t)rte_ring_get_capacity(r), "used",
			(json_int_t)rte_ring_count(r), "free", (json_int_t)rte_ring_free_count(r));
}

void
stp_features_fini(struct stp_pipeline *pl)
{
	if (pl->features == NULL)
		return;
	for (const struct stp_feature *const *fp = pl->features; *fp != NULL; fp++)
		if ((*fp)->fini != NULL)
			(*fp)->fini(pl);
	for (unsigned int i = 0; i < pl->nb_lcores; i++)
		for (unsigned int k = 0; k < STP_MAX_FEATURES; k++) {
			free(pl->lcores[i]->fstats[k]);
			pl->lcores[i]->fstats[k] = NULL;
		}
	pl->nb_features = 0;
	pl->nb_stages = 0;
}

void
stp_features_views(const struct stp_pipeline *pl, json_t *root)
{
	for (unsigned int k = 0; k < pl->nb_features; k++) {
		const struct stp_feature *f = pl->features[k];
		json_t *v;

		if (pl->feat_rc[k] < 0 || f->view == NULL)
			continue;
		v = f->view(pl);
		if (v != NULL)
			json_object_update(root, v);
		json_decref(v);
	}
}

json_t *
stp_feature_view(const struct stp_pipeline *pl, const char *name)
{
	for (unsigned int k = 0; k < pl->nb_features; k++) {
		const struct stp_feature *f = pl->features[k];

		if (strcmp(f->name, name) == 0)
			return pl->feat_rc[k] >= 0 && f->view != NULL ? f->view(pl) : NULL;
	}
	return NULL;
}

json_t *
stp_feature_view_key(const struct stp_pipeline *pl, const char *name, const char *key)
{
	json_t *v = stp_feature_view(pl, name), *m;

	if (v == NULL || key == NULL)
		return v;
	m = json_incref(json_object_get(v, key));
	json_decref(v);
	return m;
}

const struct stp_feature *
stp_feature_by_ui(const struct stp_feature *const *list, const char *name, bool telemetry)
{
	for (const struct stp_feature *const *fp = list != NULL ? list : stp_features; *fp != NULL;
			fp++) {
		const struct stp_feature_ui *ui = (*fp)->ui;
		const char *w = ui == NULL || telemetry ? NULL : ui->show;

		if (w != NULL && strcmp(w, name) == 0)
			return *fp;
		for (const struct stp_tel *t = ui != NULL && telemetry ? ui->tel : NULL;
				t != NULL && t->cmd != NULL; t++)
			if (strcmp(t->cmd, name) == 0)
				return *fp;
	}
	return NULL;
}

const struct cfg_section *const *
stp_features_cfg(void)
{
	static const struct cfg_section *list[STP_MAX_FEATURES + 1];
	unsigned int n = 0;

	if (list[0] != NULL)
		return list;
	for (const struct stp_feature *const *fp = stp_features; *fp != NULL; fp++)
		if ((*fp)->cfg != NULL && n < STP_MAX_FEATURES)
			list[n++] = (*fp)->cfg;
	return list;
}

void
stp_features_verbose(struct stp_config *cfg)
{
	for (const struct stp_feature *const *fp = stp_features; *fp != NULL; fp++)
		if ((*fp)->verbose != NULL)
			(*fp)->verbose(cfg);
}

const struct stp_output_ops *
stp_output_ops_find(const struct stp_pipeline *pl, enum cfg_output_type type)
{
	for (const struct stp_feature *const *fp = pl->features; *fp != NULL; fp++)
		for (const struct stp_output_ops *const *o = (*fp)->outputs;
				o != NULL && *o != NULL; o++)
			if ((*o)->type == type)
				return *o;
	return NULL;
}
