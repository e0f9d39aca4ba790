/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * Probes seen from the control thread: the generators' rates and counters, the receivers'
 * statistics merged over worker lcores, start / stop / rate changes, histogram export and the
 * verbose per-probe lines. The lcores' counters are single-writer; this side only reads them
 * (whole 64-bit loads), and writes the generators' control fields with atomics.
 */

#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "clock.h"
#include "sat.h"
#include "probe_rt.h"

static const char *const dir_names[STP_PROBE_DIR_MAX] = { "one-way", "rtt", "forward", "backward" };

static const char *const mode_names[] = {
	[CFG_PROBE_STAMPEDE] = "stampede",
	[CFG_PROBE_STAMP] = "stamp",
	[CFG_PROBE_PLAIN] = "plain",
};

/* Where a measurement's T1 came from (enum probe_ts_src), as the records name it. */
static const char *
t1_src_name(uint8_t src)
{
	return src == PROBE_TS_HW	       ? "hw" :
			src == PROBE_TS_KERNEL ? "kernel" :
			src == PROBE_TS_SW     ? "sw" :
						 "none";
}

/* Where a stream's T1s come from: the NIC, the kernel (net_afpkt), software, none. */
static const char *
tx_ts_name(const struct stp_probe_gen *g)
{
	if (g->hw_tx)
		return g->txts.src == PROBE_TS_KERNEL ? "kernel" : "hw";
	return g->seq_len != 0 ? "sw" : "none";
}

void
stp_probe_tick(struct stp_pipeline *pl)
{
	struct stp_probe_rt *rt = stp_probe_rt(pl);

	if (rt == NULL || !rt->verbose)
		return;
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		struct stp_probe_lcore *pc = pl->lcores[i]->fpriv[probe_k];
		uint64_t head, tail;

		if (pc == NULL || pc->ev == NULL)
			continue;
		head = __atomic_load_n(&pc->ev_head, __ATOMIC_ACQUIRE);
		for (tail = pc->ev_tail; tail != head; tail++) {
			const struct stp_probe_event *e = &pc->ev[tail & (STP_PROBE_EVENTS - 1)];

			if (e->stamp) {
				/* STAMP: T1..T4; one-way halves need synchronised clocks. */
				fprintf(rt->verbose_out,
						"stamp stream=%u seq=%" PRIu64 " rtt t1=%" PRIu64
						" t2=%" PRIu64 " t3=%" PRIu64 " t4=%" PRIu64
						" rtt_ns=%" PRId64 " fwd_ns=%" PRId64
						" bwd_ns=%" PRId64 " residence_ns=%" PRId64
						" (one-way valid with synchronised clocks)"
						" t1_src=%s\n",
						e->stream, e->seq, e->tx_ns, e->refl_rx_ns,
						e->refl_tx_ns, e->rx_ns,
						(int64_t)(e->rx_ns - e->tx_ns) -
								(int64_t)(e->refl_tx_ns -
										e->refl_rx_ns),
						(int64_t)(e->refl_rx_ns - e->tx_ns),
						(int64_t)(e->rx_ns - e->refl_tx_ns),
						(int64_t)(e->refl_tx_ns - e->refl_rx_ns),
						t1_src_name(e->t1_src));
			} else if (e->dir == STP_PROBE_RTT) {
				/* Clamped at 0 as the histogram's sample is (stage.c rx_measure).
				 */
				uint64_t res = sat_sub(e->refl_tx_ns, e->refl_rx_ns);

				fprintf(rt->verbose_out,
						"probe stream=%u seq=%" PRIu64 " rtt tx=%" PRIu64
						" refl_rx=%" PRIu64 " refl_tx=%" PRIu64
						" rx=%" PRIu64 " rtt_ns=%" PRId64
						" residence_ns=%" PRIu64 " t1_src=%s\n",
						e->stream, e->seq, e->tx_ns, e->refl_rx_ns,
						e->refl_tx_ns, e->rx_ns,
						(int64_t)(e->rx_ns - e->tx_ns - res), res,
						t1_src_name(e->t1_src));
			} else {
				fprintf(rt->verbose_out,
						"probe stream=%u seq=%" PRIu64
						" one-way tx=%" PRIu64 " rx=%" PRIu64
						" delay_ns=%" PRId64
						" (rx stamp %s; valid with synchronised clocks)"
						" t1_src=%s\n",
						e->stream, e->seq, e->tx_ns, e->rx_ns,
						(int64_t)(e->rx_ns - e->tx_ns),
						pkt_ts_src_name(e->ts_src), t1_src_name(e->t1_src));
			}
		}
		__atomic_store_n(&pc->ev_tail, tail, __ATOMIC_RELEASE);
	}
	fflush(rt->verbose_out);
}

/* Active time of a stream in ns (runs that ended + the current one). */
static double
gen_active_s(const struct stp_probe_gen *g)
{
	uint64_t cyc = __atomic_load_n(&g->past_cycles, __ATOMIC_RELAXED);

	if (__atomic_load_n(&g->cur_active, __ATOMIC_ACQUIRE)) {
		uint64_t start = __atomic_load_n(&g->cur_start, __ATOMIC_RELAXED),
			 now = rte_rdtsc();

		if (now > start)
			cyc += now - start;
	}
	return (double)cyc / (double)rte_get_tsc_hz();
}

/* The rate windows of the streams: telemetry, Prometheus and consoles read them at once. */
static pthread_mutex_t win_lock = PTHREAD_MUTEX_INITIALIZER;

json_t *
stp_probe_streams_json(const struct stp_pipeline *pl)
{
	const struct stp_probe_rt *rt = stp_probe_rt(pl);
	json_t *a = json_array();

	if (rt == NULL || a == NULL)
		return a;
	for (unsigned int i = 0; i < rt->nb_gen; i++) {
		const struct stp_probe_gen *g = rt->gen[i];
		uint64_t rate = __atomic_load_n(&g->ctl_rate, __ATOMIC_RELAXED);
		uint64_t pkts = __atomic_load_n(&g->tx_pkts, __ATOMIC_RELAXED);
		uint64_t bytes = __atomic_load_n(&g->tx_bytes, __ATOMIC_RELAXED);
		double act = gen_active_s(g);
		json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:b, s:I, s:I, s:I}", "name",
				g->c.name, "stream_id", (json_int_t)g->c.stream_id, "port",
				pl->ports->ports[g->c.port].cfg->name, "mode",
				mode_names[g->c.mode], "unit", g->bps ? "bps" : "pps", "running",
				__atomic_load_n(&g->cur_active, __ATOMIC_ACQUIRE), "rate_requested",
				(json_int_t)rate, "tx_packets", (json_int_t)pkts, "tx_bytes",
				(json_int_t)bytes);

		if (o == NULL)
			continue;
		json_object_set_new(o, "active_s", json_real(act));
		json_object_set_new(o, "rate_achieved",
				json_real(act > 0 ? (g->bps ? (double)bytes * 8 : (double)pkts) /
										act :
						    0.0));
		json_object_set_new(o, "pps_achieved", json_real(act > 0 ? (double)pkts / act : 0));
		{
			/* The same two rates over the last interval (ratewin.h): a change shows. */
			uint64_t cur[2] = { pkts, bytes * 8 };
			double r[2];

			pthread_mutex_lock(&win_lock);
			stp_ratewin_read(&rt->gen[i]->win, g->win_start, rte_rdtsc(), g->hz, cur, 2,
					r);
			pthread_mutex_unlock(&win_lock);
			json_object_set_new(o, "rate_last", json_real(g->bps ? r[1] : r[0]));
			json_object_set_new(o, "pps_last", json_real(r[0]));
		}
		json_object_set_new(o, "tx_timestamp", json_string(tx_ts_name(g)));
		/* STAMP: signed packets (RFC 8762 authenticated mode) or not; never the key. */
		if (g->c.mode == CFG_PROBE_STAMP)
			json_object_set_new(
					o, "stamp_authenticated", json_boolean(g->hmac != NULL));
		if (g->hw_tx)
			json_object_set_new(o, "hw_tx",
					json_pack("{s:I, s:I, s:I, s:I, s:I}", "asked",
							(json_int_t)g->hwtx.asked, "got",
							(json_int_t)g->hwtx.got, "lost",
							(json_int_t)g->hwtx.lost, "implausible",
							(json_int_t)g->hwtx.implausible, "pending",
							(json_int_t)g->hwtx.pending));
		json_object_set_new(o, "impair_drops", json_integer((json_int_t)g->impair_drops));
		json_object_set_new(
				o, "impair_duplicates", json_integer((json_int_t)g->impair_dups));
		json_object_set_new(o, "behind", json_integer((json_int_t)g->behind));
		json_object_set_new(o, "no_mbuf", json_integer((json_int_t)g->no_mbuf));
		json_object_set_new(o, "runs", json_integer((json_int_t)g->runs));
		json_object_set_new(o, "next_seq", json_integer((json_int_t)g->pos));
		json_array_append_new(a, o);
	}
	return a;
}

/* The configured stream with stream id @p id, or NULL. */
static const struct stp_probe_gen *
gen_by_id(const struct stp_probe_rt *rt, unsigned int id)
{
	for (unsigned int i = 0; i < rt->nb_gen; i++)
		if (rt->gen[i]->c.stream_id == id)
			return rt->gen[i];
	return NULL;
}

/* Whether (id) matches @p which: NULL/"all", a stream name, or the id in decimal. */
static bool
which_match(const struct stp_probe_rt *rt, const char *which, unsigned int id)
{
	const struct stp_probe_gen *g;
	char num[16];

	if (which == NULL || strcmp(which, "all") == 0)
		return true;
	snprintf(num, sizeof(num), "%u", id);
	if (strcmp(which, num) == 0)
		return true;
	g = gen_by_id(rt, id);
	return g != NULL && strcmp(g->c.name, which) == 0;
}

/* A merged view of one (stream, direction). */
struct merged {
	uint64_t received, lost, duplicates, reordered, too_old, far, resyncs, negative;
	uint64_t measured, jitter, res_sum, res_min, res_max, unsynced, t1_hw, t1_kernel;
	uint64_t max, late, refl_max;
	bool refl_seen;
	bool loss_known; /* lost is meaningful for this row (else it is not shown) */
	bool horizon;	 /* lost follows the sender's loss horizon: sent, pending are set */
	uint64_t sent, pending, horizon_ms;
	struct hist *h;
};

/*
 * Positions (sequence numbers) of @p g issued at least its loss horizon before TSC @p now:
 * the newest entry of its send history that old. The writer adds an entry at most every
 * horizon / STP_PROBE_SENT_STEPS and this reads the newest HIST - 8 only, so an entry read is
 * never one being rewritten.
 */
static uint64_t
gen_due(const struct stp_probe_gen *g, uint64_t now)
{
	uint64_t head = __atomic_load_n(&g->sent_head, __ATOMIC_ACQUIRE);
	uint64_t n = RTE_MIN(head, (uint64_t)STP_PROBE_SENT_HIST - 8);

	for (uint64_t i = 1; i <= n; i++) {
		unsigned int k = (unsigned int)((head - i) & (STP_PROBE_SENT_HIST - 1));
		uint64_t tsc = __atomic_load_n(&g->sent[k].tsc, __ATOMIC_RELAXED);

		if (tsc + g->horizon_tsc <= now)
			return __atomic_load_n(&g->sent[k].pos, __ATOMIC_RELAXED);
	}
	return 0;
}

/*
 * The loss of a row, where it is known:
 *  - rtt of a stream this instance sends with replies expected (probes[].reflected): every
 *    sequence number issued at least loss_horizon_ms ago and not answered within it is lost
 *    (a reply after the horizon is "late", and lost), gaps below the highest answered one at
 *    once (a reordered reply within the horizon turns one back); the rest is "pending";
 *  - forward / backward of a STAMP stream to a stateful reflector (probes[].
 *    reflector_stateful): the reflector's own sequence counts the requests that reached it,
 *    so forward lost = highest sender sequence answered - highest reflector sequence, backward
 *    lost = replies the reflector sent (its highest sequence + 1) - replies received;
 *  - one-way (and rtt without reflected): gaps in the sequence, as before.
 * Forward and backward to a stateless reflector have no loss of their own (not shown).
 */
static void
merge_loss(const struct stp_probe_gen *g, unsigned int dir, bool any, struct merged *m)
{
	if (dir == STP_PROBE_RTT && g != NULL && g->c.reflected) {
		uint64_t sent = __atomic_load_n(&g->pos, __ATOMIC_RELAXED);
		uint64_t due = gen_due(g, rte_rdtsc()), expected;

		expected = any ? RTE_MAX(due, m->max + 1) : due;
		m->lost = expected > m->received ? expected - m->received : 0;
		m->sent = sent;
		m->pending = sent > m->received + m->lost ? sent - m->received - m->lost : 0;
		m->horizon_ms = g->c.loss_horizon_ms;
		m->horizon = true;
		m->loss_known = true;
	} else if (dir == STP_PROBE_FWD || dir == STP_PROBE_BWD) {
		m->loss_known = g != NULL && g->c.reflector_stateful && any && m->refl_seen;
		if (!m->loss_known)
			return;
		if (dir == STP_PROBE_FWD) {
			/* Requests sent up to the highest answered one, against what arrived. */
			m->lost = m->max > m->refl_max ? m->max - m->refl_max : 0;
			m->sent = m->max + 1;
		} else {
			m->sent = m->refl_max + 1;
			m->lost = m->sent > m->received ? m->sent - m->received : 0;
		}
	} else {
		m->loss_known = any;
	}
}

/* Merge the workers' slots of (@p id, @p dir); false when none saw a probe. */
static bool
merge_slot(const struct stp_pipeline *pl, unsigned int id, unsigned int dir, struct merged *m)
{
	uint64_t first = UINT64_MAX, max = 0, exp_before = 0, last_rx = 0;
	const struct stp_probe_gen *gen;
	bool any = false;

	memset(m, 0, sizeof(*m));
	m->res_min = UINT64_MAX;
	m->h = malloc(sizeof(*m->h));
	if (m->h == NULL)
		return false;
	hist_init(m->h);
	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		const struct stp_probe_lcore *pc = pl->lcores[i]->fpriv[probe_k];
		const struct stp_probe_rx_slot *s;

		if (pc == NULL)
			continue;
		s = stp_probe_slot(pc, id, dir);
		if (s == NULL || !__atomic_load_n(&s->seq.started, __ATOMIC_ACQUIRE))
			continue;
		any = true;
		/* Sequence ranges merge across workers; each worker's dups and reorders add up. */
		first = RTE_MIN(first, s->seq.first);
		max = RTE_MAX(max, s->seq.max);
		exp_before += s->seq.expected_before;
		m->received += s->seq.received;
		m->duplicates += s->seq.duplicates;
		m->reordered += s->seq.reordered;
		m->too_old += s->seq.too_old;
		m->far += s->seq.far;
		m->resyncs += s->seq.resyncs;
		m->negative += s->negative;
		m->measured += s->measured;
		m->t1_hw += s->t1_hw;
		m->t1_kernel += s->t1_kernel;
		m->unsynced += s->unsynced;
		m->late += s->late;
		m->res_sum += s->res_sum;
		m->res_min = RTE_MIN(m->res_min, s->res_min);
		m->res_max = RTE_MAX(m->res_max, s->res_max);
		/* The jitter of the worker that saw the latest probe (one per stream normally). */
		if (s->last_rx_ns >= last_rx) {
			last_rx = s->last_rx_ns;
			m->jitter = probe_jitter_ns(&s->jitter);
		}
		hist_merge(m->h, &s->h);
		if (dir == STP_PROBE_FWD || dir == STP_PROBE_BWD) {
			const struct stp_probe_rx_slot *f = stp_probe_slot(pc, id, STP_PROBE_FWD);

			if (f != NULL && f->refl_seen) {
				m->refl_max = m->refl_seen ? RTE_MAX(m->refl_max, f->refl_max) :
							     f->refl_max;
				m->refl_seen = true;
			}
		}
	}
	m->max = max;
	if (any) {
		uint64_t expected = exp_before + (max - first + 1);

		m->lost = expected > m->received ? expected - m->received : 0;
	}
	gen = gen_by_id(stp_probe_rt(pl), id);
	merge_loss(gen, dir, any, m);
	/* A stream sent with replies expected has its rtt row even when none came back. */
	if (!any && m->horizon && m->sent > 0)
		return true;
	if (!any) {
		free(m->h);
		m->h = NULL;
	}
	return any;
}

static json_t *
merged_json(const struct stp_probe_rt *rt, unsigned int id, unsigned int dir,
		const struct merged *m)
{
	const struct stp_probe_gen *g = gen_by_id(rt, id);
	char name[CFG_NAME_LEN + 16], sum[512];
	json_t *o, *hs;

	if (g != NULL)
		snprintf(name, sizeof(name), "%s", g->c.name);
	else
		snprintf(name, sizeof(name), "stream%u", id);
	hist_summary_str(m->h, sum, sizeof(sum));
	hs = json_loads(sum, 0, NULL);
	o = json_pack("{s:s, s:i, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "name", name,
			"stream_id", (json_int_t)id, "direction", dir_names[dir], "received",
			(json_int_t)m->received, "lost", (json_int_t)m->lost, "duplicates",
			(json_int_t)m->duplicates, "reordered", (json_int_t)m->reordered, "too_old",
			(json_int_t)m->too_old, "far_future", (json_int_t)m->far, "resyncs",
			(json_int_t)m->resyncs, "jitter_ns", (json_int_t)m->jitter,
			"negative_delays", (json_int_t)m->negative);
	if (o == NULL) {
		json_decref(hs);
		return NULL;
	}
	if (m->loss_known) {
		/* Forward / backward: of what was sent that way; else of what was decided. */
		uint64_t base = dir == STP_PROBE_FWD || dir == STP_PROBE_BWD ?
				m->sent :
				m->received + m->lost;

		json_object_set_new(o, "loss_pct",
				json_real(base > 0 ? 100.0 * (double)m->lost / (double)base : 0.0));
		json_object_set_new(o, "loss_ratio",
				json_real(base > 0 ? (double)m->lost / (double)base : 0.0));
	} else {
		json_object_del(o, "lost");
	}
	if (m->horizon) {
		json_object_set_new(o, "sent", json_integer((json_int_t)m->sent));
		json_object_set_new(o, "pending", json_integer((json_int_t)m->pending));
		json_object_set_new(o, "late", json_integer((json_int_t)m->late));
		json_object_set_new(o, "loss_horizon_ms", json_integer((json_int_t)m->horizon_ms));
	} else if (m->loss_known && (dir == STP_PROBE_FWD || dir == STP_PROBE_BWD)) {
		json_object_set_new(o, "sent", json_integer((json_int_t)m->sent));
	}
	json_object_set_new(o, "delay_ns", hs != NULL ? hs : json_null());
	/* Measurements whose T1 is the NIC's TX stamp (the rest: the probe's software T1). */
	json_object_set_new(o, "t1_hw", json_integer((json_int_t)m->t1_hw));
	/* ... and whose T1 is the kernel's TX stamp (net_afpkt). */
	json_object_set_new(o, "t1_kernel", json_integer((json_int_t)m->t1_kernel));
	if (dir == STP_PROBE_FWD || dir == STP_PROBE_BWD) {
		json_object_set_new(o, "note",
				json_string(dir == STP_PROBE_FWD ?
								"STAMP forward one-way delay = T2 - T1 "
								"(reflector RX - sender TX): valid only "
								"when the two clocks are synchronised" :
								"STAMP backward one-way delay = T4 - T3 "
								"(sender RX - reflector TX): valid only "
								"when the two clocks are synchronised"));
		json_object_set_new(o, "unsynchronised", json_integer((json_int_t)m->unsynced));
	} else if (dir == STP_PROBE_ONEWAY) {
		json_object_set_new(o, "note",
				json_string("one-way delay = receiver RX stamp - sender TX stamp: "
					    "valid only when the two clocks are synchronised"));
	} else {
		json_object_set_new(o, "note",
				json_string("rtt = (T4 - T1) - (T3 - T2): the reflector's "
					    "residence time is reported apart"));
		json_object_set_new(o, "residence_ns",
				json_pack("{s:I, s:f, s:I}", "min",
						(json_int_t)(m->measured ? m->res_min : 0), "mean",
						m->measured ? (double)m->res_sum /
										(double)m->measured :
							      0.0,
						"max", (json_int_t)m->res_max));
	}
	return o;
}

json_t *
stp_probe_latency_json(const struct stp_pipeline *pl, const char *which)
{
	const struct stp_probe_rt *rt = stp_probe_rt(pl);
	json_t *a = json_array();

	if (rt == NULL || a == NULL)
		return a;
	for (unsigned int id = 0; id < PROBE_MAX_STREAMS; id++) {
		if (!which_match(rt, which, id))
			continue;
		for (unsigned int dir = 0; dir < STP_PROBE_DIR_MAX; dir++) {
			struct merged m;

			if (!merge_slot(pl, id, dir, &m))
				continue;
			json_t *o = merged_json(rt, id, dir, &m);

			if (o != NULL)
				json_array_append_new(a, o);
			free(m.h);
		}
	}
	return a;
}

/* Ignored-probe and reflector totals (for "show probes" and telemetry). */
static json_t *
rx_totals_json(const struct stp_pipeline *pl)
{
	const struct stp_probe_rt *rt = stp_probe_rt(pl);
	uint64_t ign[STP_PROBE_IGN_MAX] = { 0 }, reflected = 0, ev_lost = 0;
	uint64_t sessions = 0, sess_created = 0, sess_expired = 0;
	json_t *o = json_object(), *io = json_object();

	for (unsigned int i = 0; i < pl->nb_lcores; i++) {
		const struct stp_probe_lcore *pc = pl->lcores[i]->fpriv[probe_k];

		if (pc == NULL)
			continue;
		for (unsigned int k = 0; k < STP_PROBE_IGN_MAX; k++)
			ign[k] += pc->ignored[k];
		reflected += pc->reflected;
		ev_lost += pc->ev_lost;
		if (pc->stamp_sess != NULL) {
			sessions += __atomic_load_n(&pc->stamp_sess->nb, __ATOMIC_RELAXED);
			sess_created += __atomic_load_n(&pc->stamp_sess->created, __ATOMIC_RELAXED);
			sess_expired += __atomic_load_n(&pc->stamp_sess->expired, __ATOMIC_RELAXED);
		}
	}
	for (unsigned int k = 0; k < STP_PROBE_IGN_MAX; k++)
		json_object_set_new(
				io, stp_probe_ignored_name(k), json_integer((json_int_t)ign[k]));
	json_object_set_new(o, "enabled", json_boolean(rt != NULL && rt->rx_enabled));
	json_object_set_new(o, "reflect", json_boolean(rt != NULL && rt->reflect));
	json_object_set_new(o, "udp_port", json_integer(probe_cfg_of(pl->cfg)->probe_rx.udp_port));
	json_object_set_new(
			o, "mode", json_string(mode_names[probe_cfg_of(pl->cfg)->probe_rx.mode]));
	json_object_set_new(o, "reflected", json_integer((json_int_t)reflected));
	/* Stateful STAMP reflector: sessions held now (over workers), created, replaced idle. */
	json_object_set_new(o, "stamp_stateful", json_boolean(rt != NULL && rt->stamp_stateful));
	/* Whether the Session-Reflector answers only authenticated requests (never the key). */
	json_object_set_new(o, "stamp_authenticated",
			json_boolean(rt != NULL && rt->refl_hmac != NULL));
	json_object_set_new(o, "stamp_sessions", json_integer((json_int_t)sessions));
	json_object_set_new(o, "stamp_sessions_created", json_integer((json_int_t)sess_created));
	json_object_set_new(o, "stamp_sessions_expired", json_integer((json_int_t)sess_expired));
	json_object_set_new(o, "ignored", io);
	json_object_set_new(o, "verbose_lines_lost", json_integer((json_int_t)ev_lost));
	json_object_set_new(o, "tx_correction", stp_refl_txcorr_json(pl));
	return o;
}

json_t *
stp_probe_rx_json(const struct stp_pipeline *pl)
{
	return rx_totals_json(pl);
}

static int
gen_apply(struct stp_pipeline *pl, const char *which, int run, uint64_t rate, bool set_rate)
{
	struct stp_probe_rt *rt = stp_probe_rt(pl);
	int found = 0;

	if (rt == NULL)
		return -ENOENT;
	for (unsigned int i = 0; i < rt->nb_gen; i++) {
		struct stp_probe_gen *g = rt->gen[i];
		char num[16];

		snprintf(num, sizeof(num), "%u", g->c.stream_id);
		if (strcmp(which, "all") != 0 && strcmp(which, g->c.name) != 0 &&
				strcmp(which, num) != 0)
			continue;
		found++;
		if (run >= 0)
			__atomic_store_n(&g->ctl_run, run != 0, __ATOMIC_RELAXED);
		if (set_rate)
			__atomic_store_n(&g->ctl_rate, rate, __ATOMIC_RELAXED);
		/* Published last: the generator reads the fields after it sees the change. */
		__atomic_store_n(&g->ctl_gen, g->ctl_gen + 1, __ATOMIC_RELEASE);
	}
	return found > 0 ? 0 : -ENOENT;
}

int
stp_probe_run(struct stp_pipeline *pl, const char *which, bool run)
{
	return gen_apply(pl, which, run ? 1 : 0, 0, false);
}

int
stp_probe_set_rate(struct stp_pipeline *pl, const char *which, uint64_t rate)
{
	if (rate > UINT64_C(400000000000))
		return -EINVAL;
	return gen_apply(pl, which, -1, rate, true);
}

/* A row's loss for the exports: {"direction", "received", "lost", "loss_pct", ...}. */
static json_t *
loss_json(const struct merged *m, unsigned int dir)
{
	json_t *o;

	if (!m->loss_known)
		return json_null();
	o = json_pack("{s:s, s:I, s:I}", "direction", dir_names[dir], "received",
			(json_int_t)m->received, "lost", (json_int_t)m->lost);
	if (o == NULL)
		return json_null();
	if (m->horizon || dir == STP_PROBE_FWD || dir == STP_PROBE_BWD)
		json_object_set_new(o, "sent", json_integer((json_int_t)m->sent));
	if (m->horizon) {
		json_object_set_new(o, "pending", json_integer((json_int_t)m->pending));
		json_object_set_new(o, "late", json_integer((json_int_t)m->late));
		json_object_set_new(o, "loss_horizon_ms", json_integer((json_int_t)m->horizon_ms));
	}
	return o;
}

/* lib/hist's JSON object of @p m's histogram with "loss" added (loss_json()). */
static int
write_hist_loss(const struct merged *m, unsigned int dir, FILE *f)
{
	char *buf = NULL, *end, *ls;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);
	json_t *l;
	int rc;

	if (mf == NULL)
		return -errno;
	rc = hist_write_json(m->h, mf);
	if (fclose(mf) != 0 && rc == 0)
		rc = -EIO;
	end = rc == 0 && buf != NULL ? strrchr(buf, '}') : NULL;
	if (end == NULL) {
		free(buf);
		return rc < 0 ? rc : -EIO;
	}
	l = loss_json(m, dir);
	ls = json_dumps(l, JSON_COMPACT | JSON_ENCODE_ANY);
	fprintf(f, "%.*s,\"loss\":%s}", (int)(end - buf), buf, ls != NULL ? ls : "null");
	free(ls);
	json_decref(l);
	free(buf);
	return ferror(f) ? -EIO : 0;
}

int
stp_probe_save(const struct stp_pipeline *pl, const char *which, const char *path,
		bool force_streams)
{
	const struct stp_probe_rt *rt = stp_probe_rt(pl);
	size_t plen = strlen(path);
	bool csv = plen > 4 && strcmp(path + plen - 4, ".csv") == 0;
	struct merged ms[PROBE_MAX_STREAMS * STP_PROBE_DIR_MAX];
	unsigned int ids[PROBE_MAX_STREAMS * STP_PROBE_DIR_MAX];
	unsigned int dirs[PROBE_MAX_STREAMS * STP_PROBE_DIR_MAX];
	unsigned int nb = 0;
	int rc = 0;
	FILE *f;

	if (rt == NULL)
		return -ENOENT;
	for (unsigned int id = 0; id < PROBE_MAX_STREAMS; id++) {
		if (!which_match(rt, which, id))
			continue;
		for (unsigned int dir = 0; dir < STP_PROBE_DIR_MAX; dir++) {
			if (!merge_slot(pl, id, dir, &ms[nb]))
				continue;
			ids[nb] = id;
			dirs[nb] = dir;
			nb++;
		}
	}
	if (nb == 0)
		return -ENOENT;
	if (csv && nb > 1) {
		rc = -EINVAL; /* a CSV holds one histogram: name one stream */
		goto out;
	}
	f = fopen(path, "w");
	if (f == NULL) {
		rc = -errno;
		goto out;
	}
	if (csv) {
		rc = hist_write_csv(ms[0].h, f);
		/* The loss after the histogram, as a comment line (CSV readers skip "#"). */
		if (rc == 0 && ms[0].loss_known)
			fprintf(f,
					"# loss direction=%s sent=%" PRIu64 " received=%" PRIu64
					" lost=%" PRIu64 " pending=%" PRIu64 "\n",
					dir_names[dirs[0]], ms[0].sent, ms[0].received, ms[0].lost,
					ms[0].pending);
	} else if (nb == 1 && !force_streams) {
		rc = write_hist_loss(&ms[0], dirs[0], f);
		fprintf(f, "\n");
	} else {
		fprintf(f, "{\"streams\":[");
		for (unsigned int i = 0; i < nb && rc == 0; i++) {
			const struct stp_probe_gen *g = gen_by_id(rt, ids[i]);
			char name[CFG_NAME_LEN + 16];

			if (g != NULL)
				snprintf(name, sizeof(name), "%s", g->c.name);
			else
				snprintf(name, sizeof(name), "stream%u", ids[i]);
			fprintf(f,
					"%s{\"name\":\"%s\",\"stream_id\":%u,\"direction\":\"%s\","
					"\"histogram\":",
					i > 0 ? "," : "", name, ids[i], dir_names[dirs[i]]);
			rc = hist_write_json(ms[i].h, f);
			if (rc == 0) {
				json_t *l = loss_json(&ms[i], dirs[i]);
				char *ls = json_dumps(l, JSON_COMPACT | JSON_ENCODE_ANY);

				fprintf(f, ",\"loss\":%s", ls != NULL ? ls : "null");
				free(ls);
				json_decref(l);
			}
			fprintf(f, "}");
		}
		fprintf(f, "]}\n");
	}
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
out:
	for (unsigned int i = 0; i < nb; i++)
		free(ms[i].h);
	return rc < 0 ? rc : (int)nb;
}
