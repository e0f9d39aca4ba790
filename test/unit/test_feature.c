/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The feature registry's contract (lib/pipeline/feature.h), shown with mock features on a
 * pipeline of three lcores, no EAL: which ops the core calls, when, in which order, on which
 * lcores; what an init error does; how views and output types are found; what a worker stage
 * is given and how its cost is counted; which polls an lcore's run loop calls, running and
 * draining; how a feature's port counters and console/telemetry words are found.
 */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "unit.h"

static char calls[1024];		/* "a.init b.init ..." in call order */
static unsigned int a_polled, b_polled; /* polls of mock_a and mock_b */
static unsigned int b_stop_after;	/* mock_b's poll ends the run loop at this call */

static void
called(const char *what)
{
	strncat(calls, what, sizeof(calls) - strlen(calls) - 2);
	strncat(calls, " ", sizeof(calls) - strlen(calls) - 1);
}

/* --- mock a: a worker stage, polled on TX lcores, ticks, stops, shows a view --- */

static int
a_init(struct stp_pipeline *pl)
{
	called("a.init");
	return 0;
}

static uint16_t
a_burst(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	called("a.burst");
	return n - 1; /* drops one (a real stage counts a drop reason) */
}

static uint32_t
a_poll(struct stp_lcore *lc)
{
	a_polled++;
	return 1;
}

static void
a_tick(struct stp_pipeline *pl)
{
	called("a.tick");
}

static void
a_stop(struct stp_pipeline *pl)
{
	called("a.stop");
}

static json_t *
a_view(const struct stp_pipeline *pl)
{
	return json_pack("{s:{s:i}}", "mock_a", "seen", 7);
}

static void
a_fini(struct stp_pipeline *pl)
{
	called("a.fini");
}

static void
a_send(struct stp_lcore *lc, unsigned int o, struct rte_mbuf **pkts, uint16_t n)
{
}

static void
a_rx(struct stp_lcore *lc, const struct port_rt *port, struct rte_mbuf **pkts, uint16_t n)
{
}

/* mock_a rewrites what DPDK port 0 receives. */
static bool
a_rx_on(const struct port_rt *port)
{
	return port->port_id == 0;
}

static const struct stp_output_ops a_out = { .type = CFG_OUTPUT_GRE, .send = a_send };
static const struct stp_output_ops *const a_outs[] = { &a_out, NULL };

/* mock_a's per-lcore counters (lcore_stats_size): a count, and one per DPDK port. */
struct a_stats {
	uint64_t seen;
	uint64_t rx[PORT_MAX];
};

/* A per-port counter of mock_a: a member of its per-lcore counters, summed on read. */
static const struct stp_port_counter a_counters[] = {
	{ "mock_rx", offsetof(struct a_stats, rx), "stampede_port_mock_rx_total",
			"Packets mock_a saw." },
	{ NULL, 0, NULL, NULL },
};

static const struct stp_tel a_tel[] = {
	{ "/stampede/mocks", "mock_a's view.", NULL, NULL },
	{ NULL, NULL, NULL, NULL },
};

static const struct stp_feature_ui a_ui = {
	.key = "mock_a",
	.show = "mocks",
	.show_help = "mock_a's view",
	.tel = a_tel,
};

static const struct stp_feature mock_a = {
	.name = "mock_a",
	.init = a_init,
	.burst = a_burst,
	.poll = a_poll,
	.tick = a_tick,
	.stop = a_stop,
	.view = a_view,
	.fini = a_fini,
	.outputs = a_outs,
	.rx = a_rx,
	.rx_on = a_rx_on,
	.lcore_stats_size = sizeof(struct a_stats),
	.port_counters = a_counters,
	.ui = &a_ui,
};

/* --- mock rx2: claims every port's RX too: a second claim on port 0 is an error --- */

static bool
all_rx_on(const struct port_rt *port)
{
	return true;
}

static const struct stp_feature mock_rx2 = {
	.name = "mock_rx2",
	.rx = a_rx,
	.rx_on = all_rx_on,
};

/* --- mock b: no stage for this config (init > 0), polled where it says, also draining --- */

static int
b_init(struct stp_pipeline *pl)
{
	called("b.init");
	return 1;
}

static uint16_t
b_burst(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	check(false, "mock b's burst is never called (its init returned > 0)");
	return n;
}

/* Counts its calls; at the b_stop_after-th it ends the lcore's run loop (phase STOP). */
static uint32_t
b_poll(struct stp_lcore *lc)
{
	if (++b_polled == b_stop_after)
		__atomic_store_n(&lc->pl->phase, STP_PHASE_STOP, __ATOMIC_RELEASE);
	return 1;
}

static bool
b_poll_on(const struct stp_lcore *lc)
{
	return lc->lcore_id == 3;
}

static void
b_stop(struct stp_pipeline *pl)
{
	called("b.stop");
}

static json_t *
b_view(const struct stp_pipeline *pl)
{
	return NULL; /* its config leaves it off */
}

static void
b_fini(struct stp_pipeline *pl)
{
	called("b.fini");
}

static const struct stp_feature mock_b = {
	.name = "mock_b",
	.init = b_init,
	.burst = b_burst,
	.poll = b_poll,
	.poll_on = b_poll_on,
	.poll_drain = true,
	.stop = b_stop,
	.view = b_view,
	.fini = b_fini,
};

/* --- mock c: a second stage, which takes every packet in for good --- */

static int
c_init(struct stp_pipeline *pl)
{
	called("c.init");
	return 0;
}

static uint16_t
c_burst(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	called("c.burst");
	return 0;
}

static void
c_fini(struct stp_pipeline *pl)
{
	called("c.fini");
}

static const struct stp_feature mock_c = {
	.name = "mock_c",
	.init = c_init,
	.burst = c_burst,
	.fini = c_fini,
};

/* --- mock bad: its init fails --- */

static int
bad_init(struct stp_pipeline *pl)
{
	called("bad.init");
	snprintf(pl->err_path, sizeof(pl->err_path), "mock.section[2]");
	snprintf(pl->err, sizeof(pl->err), "no such thing");
	return -22;
}

static void
bad_fini(struct stp_pipeline *pl)
{
	called("bad.fini");
}

static const struct stp_feature mock_bad = {
	.name = "mock_bad",
	.init = bad_init,
	.fini = bad_fini,
};

/*
 * --- the RX hint past a stage: mock hset sets it for what it returns (hint_out), mock pass
 * neither sets it nor is a tap, mock hseen notes the hint it is given and takes every packet ---
 */

static bool seen_valid;
static uint16_t seen_port;
static uint32_t seen_max_len;

static int
h_init(struct stp_pipeline *pl)
{
	return 0;
}

static uint16_t
hset_burst(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	lc->hint.valid = true;
	lc->hint.port = 5;
	lc->hint.max_len = 77;
	lc->hint.multiseg = false;
	lc->hint.port_lazy = false;
	return n;
}

static uint16_t
pass_burst(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	return n;
}

static uint16_t
hseen_burst(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	seen_valid = lc->hint.valid;
	seen_port = lc->hint.port;
	seen_max_len = lc->hint.max_len;
	return 0;
}

static const struct stp_feature mock_hset = {
	.name = "mock_hset",
	.init = h_init,
	.burst = hset_burst,
	.hint_out = true,
};

static const struct stp_feature mock_pass = {
	.name = "mock_pass",
	.init = h_init,
	.burst = pass_burst,
};

static const struct stp_feature mock_hseen = {
	.name = "mock_hseen",
	.init = h_init,
	.burst = hseen_burst,
};

static const struct stp_feature *const good[] = { &mock_a, &mock_b, &mock_c, NULL };
static const struct stp_feature *const hint_set[] = { &mock_hset, &mock_hseen, NULL };
static const struct stp_feature *const hint_pass[] = { &mock_pass, &mock_hseen, NULL };
static const struct stp_feature *const failing[] = { &mock_a, &mock_bad, &mock_c, NULL };
static const struct stp_feature *const two_rx[] = { &mock_a, &mock_rx2, NULL };
static struct port_rt ports[2] = { { .port_id = 0 }, { .port_id = 1 } };

/* Three lcores: 1 rx+worker, 2 tx, 3 worker. */
static struct stp_pipeline *
pipeline(void)
{
	static const uint32_t roles[3] = { CFG_ROLE_RX | CFG_ROLE_WORKER, CFG_ROLE_TX,
		CFG_ROLE_WORKER };
	struct stp_pipeline *pl = calloc(1, sizeof(*pl));

	for (unsigned int i = 0; i < 3; i++) {
		struct stp_lcore *lc = calloc(1, sizeof(*lc));

		lc->pl = pl;
		lc->lcore_id = i + 1;
		lc->roles = roles[i];
		if (i == 0) { /* the RX lcore polls ports 0 and 1 */
			for (unsigned int q = 0; q < 2; q++) {
				lc->poll[q].port = &ports[q];
				lc->poll[q].port_id = q;
			}
			lc->nb_poll = 2;
		}
		pl->lcores[pl->nb_lcores++] = lc;
	}
	return pl;
}

static void
pipeline_free(struct stp_pipeline *pl)
{
	for (unsigned int i = 0; i < pl->nb_lcores; i++)
		free(pl->lcores[i]);
	free(pl);
}

static void
test_lifecycle(void)
{
	struct stp_pipeline *pl = pipeline();
	struct rte_mbuf *pkts[8] = { NULL };
	json_t *root, *v;
	int rc;

	calls[0] = '\0';
	rc = stp_features_start(pl, good);
	check(rc == 0, "start: 0 (got %d)", rc);
	check(strcmp(calls, "a.init b.init c.init ") == 0, "init in array order (%s)", calls);
	check(pl->nb_stages == 2 && pl->stages[0] == &mock_a && pl->stages[1] == &mock_c,
			"worker stages: those whose init returned 0 and have a burst, in order");
	check(pl->lcores[0]->nb_polls == 0, "lcore 1 (rx, worker) polls nothing");
	check(pl->lcores[1]->nb_polls == 1 && pl->lcores[1]->polls[0] == &mock_a,
			"lcore 2 (tx) polls mock_a (no poll_on: TX lcores)");
	check(pl->lcores[2]->nb_polls == 1 && pl->lcores[2]->polls[0] == &mock_b,
			"lcore 3 polls mock_b (its poll_on), though it has no stage");

	check(pl->lcores[0]->poll[0].rx_hook == &mock_a && pl->lcores[0]->poll[1].rx_hook == NULL,
			"RX hooks: port 0 (mock_a's rx_on), none on port 1");

	/* A burst through the stages: each is given what the previous one left. */
	calls[0] = '\0';
	stp_worker_from(pl->lcores[0], 0, pkts, 8);
	check(strcmp(calls, "a.burst c.burst ") == 0, "burst: the stages in array order (%s)",
			calls);
	check(pl->lcores[0]->stats.stage_pkts[0] == 8 && pl->lcores[0]->stats.stage_pkts[1] == 7,
			"stage_pkts: mock_a given 8, mock_c given the 7 left (%lu, %lu)",
			(unsigned long)pl->lcores[0]->stats.stage_pkts[0],
			(unsigned long)pl->lcores[0]->stats.stage_pkts[1]);
	check(pl->lcores[0]->stats.stage_cycles[0] > 0 && pl->lcores[0]->stats.stage_cycles[1] > 0,
			"stage_cycles counted for both stages");
	calls[0] = '\0';
	stp_worker_from(pl->lcores[0], 1, pkts, 3);
	check(strcmp(calls, "c.burst ") == 0, "burst from the second stage: mock_c only (%s)",
			calls);
	check(pl->lcores[0]->stats.stage_pkts[0] == 8 && pl->lcores[0]->stats.stage_pkts[1] == 10,
			"stp_worker_from(first = 1) runs from the second stage on");

	calls[0] = '\0';
	stp_features_tick(pl);
	check(strcmp(calls, "a.tick ") == 0, "tick: the features that have one (%s)", calls);
	calls[0] = '\0';
	stp_features_stop(pl);
	check(strcmp(calls, "b.stop a.stop ") == 0, "stop: reverse array order (%s)", calls);

	root = json_object();
	stp_features_views(pl, root);
	check(json_object_size(root) == 1 &&
					json_integer_value(json_object_get(
							json_object_get(root, "mock_a"), "seen")) ==
							7,
			"views: mock_a's keys added, mock_b's NULL view adds nothing");
	json_decref(root);
	v = stp_feature_view_key(pl, "mock_a", "mock_a");
	check(v != NULL && json_integer_value(json_object_get(v, "seen")) == 7,
			"stp_feature_view_key(mock_a, mock_a)");
	json_decref(v);
	v = stp_feature_view_key(pl, "mock_a", NULL);
	check(v != NULL && json_object_size(v) == 1 &&
					json_integer_value(json_object_get(
							json_object_get(v, "mock_a"), "seen")) == 7,
			"stp_feature_view_key(mock_a, NULL): the whole view");
	json_decref(v);
	check(stp_feature_view(pl, "mock_b") == NULL, "a feature whose view is off: NULL");
	check(stp_feature_view(pl, "nosuch") == NULL, "no such feature: NULL");
	check(stp_output_ops_find(pl, CFG_OUTPUT_GRE) == &a_out,
			"output type gre: served by mock_a's ops");
	check(stp_output_ops_find(pl, CFG_OUTPUT_VXLAN) == NULL, "output type vxlan: no ops");

	calls[0] = '\0';
	stp_features_fini(pl);
	check(strcmp(calls, "a.fini b.fini c.fini ") == 0, "fini: every feature (%s)", calls);
	pipeline_free(pl);
}

static void
test_init_error(void)
{
	struct stp_pipeline *pl = pipeline();
	int rc;

	calls[0] = '\0';
	rc = stp_features_start(pl, failing);
	check(rc == -22, "start: the failing init's error (got %d)", rc);
	check(strcmp(calls, "a.init bad.init ") == 0,
			"the features after the failing one are not started (%s)", calls);
	check(strcmp(pl->err_path, "mock.section[2]") == 0 && strcmp(pl->err, "no such thing") == 0,
			"err_path and err say where and why (%s: %s)", pl->err_path, pl->err);
	calls[0] = '\0';
	stp_features_stop(pl);
	check(strcmp(calls, "a.stop ") == 0, "stop: not the failed feature (%s)", calls);
	calls[0] = '\0';
	stp_features_fini(pl);
	check(strcmp(calls, "a.fini bad.fini c.fini ") == 0,
			"fini: every feature of the list, started or not (%s)", calls);
	pipeline_free(pl);
}

static void
test_rx_conflict(void)
{
	struct stp_pipeline *pl = pipeline();
	int rc = stp_features_start(pl, two_rx);

	check(rc < 0 && strcmp(pl->err_path, "mock_rx2") == 0,
			"two features on one port's RX: start fails naming the second (%d %s: %s)",
			rc, pl->err_path, pl->err);
	stp_features_fini(pl);
	pipeline_free(pl);
}

/* An lcore's run loop (stp_lcore_main) calls its polls: all while running, while draining only
 * those that say poll_drain; what they return counts as work. */
static void
test_polls(void)
{
	struct stp_pipeline *pl = pipeline();
	struct stp_lcore *lc = pl->lcores[2];
	int rc;

	lc->roles |= CFG_ROLE_TX; /* lcore 3: mock_a's (TX lcores) and mock_b's (poll_on) */
	rc = stp_features_start(pl, good);
	check(rc == 0 && lc->nb_polls == 2 && lc->polls[0] == &mock_a && lc->polls[1] == &mock_b,
			"lcore 3 (worker, tx) polls mock_a then mock_b (array order)");

	a_polled = b_polled = 0;
	b_stop_after = 3;
	pl->phase = STP_PHASE_RUN;
	stp_lcore_main(lc);
	check(a_polled == 3 && b_polled == 3,
			"running: every poll of the lcore once per loop (mock_a %u, mock_b %u, 3 "
			"loops)",
			a_polled, b_polled);
	check(lc->stats.loops == 3 && lc->stats.work_pkts == 6 && lc->exited,
			"3 loops, 6 units of work (what the polls returned), then the loop left "
			"(loops %lu, work %lu)",
			(unsigned long)lc->stats.loops, (unsigned long)lc->stats.work_pkts);

	a_polled = b_polled = 0;
	pl->phase = STP_PHASE_DRAIN;
	stp_lcore_main(lc);
	check(a_polled == 0 && b_polled == 3,
			"draining: only the poll_drain feature is polled (mock_a %u, mock_b %u)",
			a_polled, b_polled);
	stp_features_fini(pl);
	pipeline_free(pl);
}

/*
 * A feature's per-lcore counters: the core allocates lcore_stats_size bytes on every lcore,
 * zeroed and cache-aligned, before init; stp_feature_stats() sums them; fini frees them. Port
 * counters are data: an offset into those counters, per port, summed on read.
 */
static void
test_port_counters(void)
{
	struct stp_pipeline *pl = pipeline();
	const struct stp_port_counter *c = mock_a.port_counters;
	struct a_stats *s;
	bool zeroed = true, aligned = true;

	check(stp_features_start(pl, good) == 0, "start");
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		const struct a_stats *a = stp_feature_lcore_stats(pl->lcores[i], 0);

		aligned &= a != NULL && ((uintptr_t)a % RTE_CACHE_LINE_SIZE) == 0;
		zeroed &= a != NULL && a->seen == 0 && a->rx[0] == 0 && a->rx[PORT_MAX - 1] == 0;
	}
	check(aligned && zeroed, "mock_a's counters on every lcore: cache-aligned, zeroed");
	check(stp_feature_lcore_stats(pl->lcores[0], 1) == NULL && stp_feature_stats(pl, 1) == NULL,
			"mock_b declares none: no counters, no sum");
	((struct a_stats *)stp_feature_lcore_stats(pl->lcores[0], 0))->rx[1] = 5;
	((struct a_stats *)stp_feature_lcore_stats(pl->lcores[2], 0))->rx[1] = 7;
	((struct a_stats *)stp_feature_lcore_stats(pl->lcores[2], 0))->rx[0] = 100;
	((struct a_stats *)stp_feature_lcore_stats(pl->lcores[1], 0))->seen = 3;
	s = stp_feature_stats(pl, 0);
	check(s != NULL && s->seen == 3, "mock_a's counters summed over the lcores (seen 3)");
	check(s != NULL && c != NULL && strcmp(c->key, "mock_rx") == 0 &&
					STP_PORT_COUNTER(s, c, 1) == 12 &&
					STP_PORT_COUNTER(s, c, 0) == 100,
			"mock_a's port counter: port 1 5 + 7 over two lcores, port 0 100");
	check(c[1].key == NULL, "the list ends with a NULL key");
	free(s);
	stp_features_fini(pl);
	check(stp_feature_lcore_stats(pl->lcores[0], 0) == NULL, "fini frees the counters");
	pipeline_free(pl);
}

/* The console's "show" word and the telemetry endpoint find the feature that declares them. */
static void
test_ui(void)
{
	check(stp_feature_by_ui(good, "mocks", false) == &mock_a, "show mocks: mock_a");
	check(stp_feature_by_ui(good, "/stampede/mocks", true) == &mock_a,
			"telemetry /stampede/mocks: mock_a");
	check(stp_feature_by_ui(good, "/stampede/mocks", false) == NULL &&
					stp_feature_by_ui(good, "mocks", true) == NULL,
			"a show word is not an endpoint, nor the other way round");
	check(stp_feature_by_ui(good, "nosuch", false) == NULL,
			"no feature shows \"nosuch\" (features without ui skipped)");
}

/* The hint a stage is given: the RX stage's, then only what a hint_out stage leaves. */
static void
test_hint(void)
{
	struct rte_mbuf *pkts[4] = { NULL };
	struct stp_pipeline *pl = pipeline();
	struct stp_lcore *lc = pl->lcores[0];

	check(stp_features_start(pl, hint_set) == 0 && pl->nb_stages == 2, "start: hset, hseen");
	lc->hint.valid = false;
	stp_worker_from(lc, 0, pkts, 4);
	check(seen_valid && seen_port == 5 && seen_max_len == 77,
			"after a hint_out stage: its hint (valid %d, port %u, max_len %u)",
			seen_valid, seen_port, seen_max_len);
	check(!lc->hint.valid, "no hint is left valid after the stages");
	/* A burst the hint_out stage hands on itself, from the stage after it: its hint. */
	hset_burst(lc, pkts, 4);
	seen_valid = false;
	stp_worker_from(lc, 1, pkts, 4);
	check(seen_valid && seen_port == 5,
			"stp_worker_from(the stage after a hint_out one) keeps "
			"the hint it set");
	stp_features_stop(pl);
	stp_features_fini(pl);
	pipeline_free(pl);

	pl = pipeline();
	lc = pl->lcores[0];
	check(stp_features_start(pl, hint_pass) == 0 && pl->nb_stages == 2, "start: pass, hseen");
	lc->hint.valid = true; /* the RX stage's */
	seen_valid = true;
	stp_worker_from(lc, 0, pkts, 4);
	check(!seen_valid, "after a stage that is neither a tap nor hint_out: no hint");
	lc->hint.valid = true; /* left by someone else */
	seen_valid = true;
	stp_worker_from(lc, 1, pkts, 4);
	check(!seen_valid, "stp_worker_from(the stage after such a stage): no hint");
	stp_features_stop(pl);
	stp_features_fini(pl);
	pipeline_free(pl);
}

static void
test_default_registry(void)
{
	unsigned int n = 0;
	bool named = true;

	for (const struct stp_feature *const *f = stp_features; *f != NULL; f++, n++)
		named &= (*f)->name != NULL && (*f)->name[0] != '\0';
	check(n > 0 && n <= STP_MAX_FEATURES, "stp_features: %u features (max %u)", n,
			STP_MAX_FEATURES);
	check(named, "every registered feature has a name");
}

int
main(void)
{
	test_lifecycle();
	test_init_error();
	test_rx_conflict();
	test_polls();
	test_port_counters();
	test_ui();
	test_hint();
	test_default_registry();
	return unit_done();
}
