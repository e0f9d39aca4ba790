/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The tcp_rtt stage: a tap. Every TCP packet of the watched ports goes through the worker's
 * lib/tcprtt monitor (flows are steered by symmetric hash, so a flow lives on one worker and its
 * table needs no lock); the samples are recorded in the worker's histograms and pushed, as
 * fixed-size records, into one MP/SC ring that a writer thread drains into JSON lines (a file
 * that rotates, or stdout). A full ring counts records_dropped: the datapath never waits. The
 * stage never drops or holds a packet: it returns the burst as it came.
 *
 * Cost: the stage reads the frames itself (tcprtt_frame_parse(): untagged IPv4 TCP in ~130
 * instructions, key and hash included; a non-IP frame in a few; VLAN-tagged and IPv6 frames
 * through lib/pkt's parser and tcprtt_pkt_parse(), as every frame went before; it does not ask
 * the RX stage for lib/pkt's parse, which cost every packet ~164 more), prefetching each
 * packet's flow table bucket as soon as it has the hash, then a flow table lookup and a few
 * stores: ~436 instructions a packet on scripts/bench/tcprtt.sh's short flows, records
 * included, and ~438 for the monitor's whole cost on the datapath lcore (enabled - disabled;
 * -g counts both under callgrind, the script's cycle rows measure the same difference in
 * cycles). In cycles, timed inside this function (rdtsc between its parts, a local patch,
 * scripts/bench/tcprtt.sh's 900 000 packets, 1 000 flows in flight, the least loaded of 5 runs):
 * parse ~52, monitor ~50-60, histograms ~7, the records' enqueue ~7, timer wheel ~2: ~125 a
 * packet, ~130-145 by the pipeline's own stage timer. Before the record ring's pages were
 * written at init (below), its first lap took a page fault every 51 records here: the enqueue
 * was 85-200 cycles a packet. scripts/bench/tcprtt_mon.sh times the parse and the monitor alone
 * (no ring, no histograms): ~100 cycles a packet on average (quiet), 77 at the 25th percentile
 * of bursts (a burst holds frames of one kind). Idle flows leave through the monitor's timer
 * wheel, at most EXPIRE_BUDGET checked per burst.
 */

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "clock.h"
#include "hist.h"
#include "pcapng.h"
#include "pipeline.h"
#include "tcprtt.h"
#include "tcprtt_rt.h"

RTE_LOG_REGISTER_SUFFIX(tcprtt_logtype, tcprtt, INFO);
#define TR_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, tcprtt_logtype, "stampede.tcprtt: " fmt "\n", ##__VA_ARGS__)

/* Flows the timer wheel checks per burst at most: twice what a burst can create, so expiry
 * keeps up with any arrival rate.
 */
#define EXPIRE_BUDGET (2 * STP_MAX_BURST)
#define WRITER_BURST 256 /* records the writer dequeues at once */
/* A record's line at most (324 bytes with IPv6, the widest numbers and a 6-byte port name). */
#define WRITER_LINE_MAX 512
#define WRITER_BUF (64 * 1024) /* lines written at once */
/*
 * The stage is the first to read a packet's headers unless another stage asked the RX stage
 * for lib/pkt's parse: it prefetches them this many packets ahead, as the RX stage's parse
 * does (a frame a NIC wrote is not in the cache).
 */
#define PREFETCH_AHEAD 3

/* ---------------------------------------------------------------------------------------------- */
/* Datapath */

/*
 * Hand @p n records to the writer; returns how many went (the first ones). The ring's elements
 * are TCPRTT_RING_ELEM (16) bytes, a record TCPRTT_RECORD_ELEMS of them, so that rte_ring copies 16
 * bytes at a time (an 80-byte element is copied 4 bytes at a time: ~45 instructions a packet on
 * scripts/bench/tcprtt.sh). Bulk enqueues keep a record whole: every enqueue, and so every
 * dequeue, is whole records.
 */
static inline unsigned int
record_enqueue(struct rte_ring *r, const struct tcprtt_record *recs, unsigned int n)
{
	unsigned int room;

	if (likely(rte_ring_enqueue_bulk_elem(
				   r, recs, TCPRTT_RING_ELEM, n * TCPRTT_RECORD_ELEMS, &room) != 0))
		return n;
	/* Not all fit: as many as the room seen (another worker may take it first: then none). */
	n = RTE_MIN(n, room / TCPRTT_RECORD_ELEMS);
	if (n == 0 ||
			rte_ring_enqueue_bulk_elem(r, recs, TCPRTT_RING_ELEM,
					n * TCPRTT_RECORD_ELEMS, NULL) == 0)
		return 0;
	return n;
}

static uint16_t
tcprtt_burst(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n)
{
	struct tcprtt_lc *t = lc->fpriv[tcprtt_k];
	const struct tcprtt_pl *tp = lc->pl->fpriv[tcprtt_k];
	struct tcprtt_record recs[STP_MAX_BURST * TCPRTT_MAX_SAMPLES];
	struct tcprtt_pkt p[STP_MAX_BURST];
	uint64_t ts[STP_MAX_BURST];
	uint16_t port[STP_MAX_BURST];
	unsigned int nr, np = 0;
	struct tcprtt_buckets hb;
	uint64_t now = 0;

	/*
	 * Parse the burst's TCP packets of the watched ports... The stage parses the frames
	 * itself (tcprtt_frame_parse()): lib/pkt's parse, which the RX stage runs only when some
	 * stage asks for it, costs more than the monitor's own path for the common frame.
	 */
	tcprtt_mon_buckets(t->mon, &hb);
	for (uint16_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		int rc;

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		if (tp->port_slot[m->port] == NO_SLOT)
			continue;
		rc = tcprtt_frame_parse(rte_pktmbuf_mtod(m, const uint8_t *),
				rte_pktmbuf_data_len(m), &p[np]);
		if (unlikely(rc != TCPRTT_PKT_TCP)) {
			if (rc == TCPRTT_PKT_DROP)
				tcprtt_mon_drop(t->mon, p[np].drop);
			continue;
		}
		/* Its flow table bucket: it comes while the rest of the burst is parsed. */
		tcprtt_bucket_prefetch(&hb, p[np].hash);
		ts[np] = pkt_meta(m)->ts_ns;
		port[np] = m->port;
		if (ts[np] > now)
			now = ts[np];
		np++;
	}
	if (np == 0)
		return n;
	/* ... hand them to the monitor in order (a packet may enter the flow the next one
	 * finds)...
	 */
	nr = tcprtt_mon_burst(t->mon, p, ts, port, np, recs);
	/* ... and record the samples. */
	for (unsigned int r = 0; r < nr; r++) {
		const struct tcprtt_record *rec = &recs[r];
		unsigned int slot = tp->port_slot[rec->port_id];

		if (rec->flags & TCPRTT_F_AMBIGUOUS)
			continue;
		hist_record(tcprtt_hist_port(&t->hists, slot, rec->kind), rec->rtt_ns);
		for (uint8_t pm = rec->prefix_mask; pm != 0; pm &= (uint8_t)(pm - 1))
			hist_record(tcprtt_hist_prefix(&t->hists, __builtin_ctz(pm), rec->kind),
					rec->rtt_ns);
	}
	if (nr != 0) {
		unsigned int q = record_enqueue(tp->ring, recs, nr);

		t->records += nr;
		t->records_dropped += nr - q;
	}
	if (now != 0)
		tcprtt_mon_expire(t->mon, now, EXPIRE_BUDGET);
	return n;
}

/* ---------------------------------------------------------------------------------------------- */
/* Writer thread */

/* Open the next records file: outputs[].path's naming (pcapng_format_path()). */
static int
writer_open(struct tcprtt_pl *tp, char *err, size_t errlen)
{
	char path[PATH_MAX];
	uint32_t max = tp->c->out_max_files;
	int rc;

	if (tp->is_stdout) {
		tp->f = stdout;
		return 0;
	}
	rc = pcapng_format_path(tp->c->out_path, tp->index, (uint64_t)time(NULL) * 1000000000ULL,
			path, sizeof(path));
	if (rc < 0) {
		snprintf(err, errlen, "tcp_rtt.output.path: file name too long");
		return rc;
	}
	tp->f = fopen(path, "w");
	if (tp->f == NULL) {
		rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return rc;
	}
	tp->index++;
	tp->files++;
	tp->file_bytes = 0;
	tp->file_open_ns = clock_monotonic_ns();
	if (max != 0) {
		if (tp->nb_kept == max) {
			char *old = tp->kept[tp->kept_first];

			if (unlink(old) != 0 && errno != ENOENT)
				TR_LOG(WARNING, "cannot delete old file %s: %s", old,
						strerror(errno));
			free(old);
			tp->kept_first = (tp->kept_first + 1) % max;
			tp->nb_kept--;
		}
		tp->kept[(tp->kept_first + tp->nb_kept) % max] = strdup(path);
		tp->nb_kept++;
	}
	return 0;
}

static void
writer_rotate(struct tcprtt_pl *tp)
{
	char err[PATH_MAX + 64];

	if (tp->f != NULL && !tp->is_stdout)
		fclose(tp->f);
	tp->f = NULL;
	if (writer_open(tp, err, sizeof(err)) < 0) {
		TR_LOG(ERR, "%s", err);
		tp->write_errors++;
	}
}

/*
 * Lines of one dequeued batch, written with one fwrite(): a fwrite() a line (its lock, its
 * copy into stdio's 4 KiB buffer, a write() every 4 KiB) cost ~150 instructions a record.
 */
struct wlines {
	char buf[WRITER_BUF];
	size_t used;	    /* bytes formatted, not yet written */
	unsigned int lines; /* ... in that many lines */
};

/* Write the lines formatted so far: each counts as written, or as a write error. */
static void
writer_flush(struct tcprtt_pl *tp, struct wlines *wl)
{
	if (wl->used == 0)
		return;
	if (tp->f == NULL || fwrite(wl->buf, 1, wl->used, tp->f) != wl->used) {
		__atomic_store_n(&tp->write_errors, tp->write_errors + wl->lines, __ATOMIC_RELAXED);
	} else {
		tp->file_bytes += wl->used;
		__atomic_store_n(&tp->written, tp->written + wl->lines, __ATOMIC_RELAXED);
	}
	wl->used = 0;
	wl->lines = 0;
}

static void
writer_write(struct tcprtt_pl *tp, struct wlines *wl, const struct tcprtt_record *recs,
		unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		const char *name = tp->port_name[recs[i].port_id] != NULL ?
				tp->port_name[recs[i].port_id] :
				"?";
		uint64_t pending;
		int len;

		if (sizeof(wl->buf) - wl->used < WRITER_LINE_MAX)
			writer_flush(tp, wl);
		len = tcprtt_record_json(&recs[i], name, wl->buf + wl->used, WRITER_LINE_MAX);
		if (len < 0)
			continue;
		/* A file does not pass rotate_bytes unless one line does: the lines before go to
		 * the old file.
		 */
		pending = tp->file_bytes + wl->used;
		if (!tp->is_stdout && tp->c->out_rotate_bytes != 0 && pending > 0 &&
				pending + (uint64_t)len > tp->c->out_rotate_bytes) {
			size_t at = wl->used;

			/* The old file's lines out; the line moves to the buffer's start. */
			writer_flush(tp, wl);
			memmove(wl->buf, wl->buf + at, (size_t)len);
			writer_rotate(tp);
		}
		wl->used += (size_t)len;
		wl->lines++;
	}
	writer_flush(tp, wl);
}

static void *
writer_main(void *arg)
{
	struct tcprtt_pl *tp = arg;
	struct tcprtt_record recs[WRITER_BURST];
	struct wlines wl; /* 64 KiB of the thread's stack */
	uint64_t period = (uint64_t)tp->c->out_rotate_seconds * 1000000000u;
	unsigned int n;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	wl.used = 0;
	wl.lines = 0;
	for (;;) {
		bool stopping = __atomic_load_n(&tp->stop, __ATOMIC_ACQUIRE) != 0;

		n = rte_ring_sc_dequeue_burst_elem(tp->ring, recs, TCPRTT_RING_ELEM,
				    WRITER_BURST * TCPRTT_RECORD_ELEMS, NULL) /
				TCPRTT_RECORD_ELEMS;
		if (n != 0)
			writer_write(tp, &wl, recs, n);
		if (!tp->is_stdout && period != 0 &&
				clock_monotonic_ns() - tp->file_open_ns >= period)
			writer_rotate(tp);
		if (n == 0) {
			if (tp->f != NULL)
				fflush(tp->f);
			if (stopping)
				break;
			usleep(IDLE_SLEEP_US);
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------------------------------------- */
/* Set-up */

static void tcprtt_fini(struct stp_pipeline *pl);
extern const struct stp_feature stp_feature_tcprtt;

unsigned int tcprtt_k;

const struct cfg_tcprtt *
tcprtt_cfg(const struct stp_pipeline *pl)
{
	return tcprtt_cfg_of(pl->cfg);
}

static int
tcprtt_init(struct stp_pipeline *pl)
{
	const struct cfg_tcprtt *c = tcprtt_cfg(pl);
	struct tcprtt_conf conf;
	struct tcprtt_pl *tp;
	char name[RTE_RING_NAMESIZE];
	int rc;

	tcprtt_k = pl->feat_k;
	if (!c->enabled)
		return 1;
	tp = calloc(1, sizeof(*tp));
	if (tp == NULL)
		goto nomem;
	pl->fpriv[tcprtt_k] = tp;
	tp->c = c;
	memset(tp->port_slot, NO_SLOT, sizeof(tp->port_slot));
	for (unsigned int i = 0; i < pl->ports->nb; i++) {
		const struct port_rt *pr = &pl->ports->ports[i];

		tp->port_name[pr->port_id] = pr->cfg->name;
		for (unsigned int k = 0; k < c->nb_ports; k++)
			if (c->ports[k] == pr->cfg_idx)
				tp->port_slot[pr->port_id] = (uint8_t)k;
	}
	memset(&conf, 0, sizeof(conf));
	conf.flows = c->flows;
	conf.idle_timeout_ns = (uint64_t)c->idle_timeout_s * 1000000000u;
	conf.ts_min_interval_ns = (uint64_t)c->ts_min_interval_ms * 1000000u;
	conf.ts_slots = c->ts_slots;
	conf.close_linger_ns = (uint64_t)c->close_linger_ms * 1000000u;
	conf.ts_rule = c->ts_rule == CFG_TS_RULE_FIRST ? TCPRTT_TS_RULE_FIRST : TCPRTT_TS_RULE_DATA;
	conf.nb_prefixes = c->nb_prefixes;
	for (unsigned int i = 0; i < c->nb_prefixes; i++) {
		conf.prefixes[i].family = c->prefixes[i].family;
		conf.prefixes[i].len = c->prefixes[i].len;
		memcpy(conf.prefixes[i].addr, c->prefixes[i].addr, 16);
	}
	for (unsigned int w = 0; w < pl->nb_workers; w++) {
		struct stp_lcore *lc = pl->workers[w];
		int socket = (int)rte_lcore_to_socket_id(lc->lcore_id);
		struct tcprtt_lc *t;
		unsigned int nb_h = (c->nb_ports + c->nb_prefixes) * TCPRTT_KIND_MAX;

		t = rte_zmalloc_socket("tcprtt_lc", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
		if (t == NULL)
			goto nomem;
		lc->fpriv[tcprtt_k] = t;
		t->hists.nb_ports = c->nb_ports;
		t->hists.nb_prefixes = c->nb_prefixes;
		t->hists.h = rte_zmalloc_socket("tcprtt_hists", nb_h * sizeof(struct hist),
				RTE_CACHE_LINE_SIZE, socket);
		if (t->hists.h == NULL)
			goto nomem;
		for (unsigned int i = 0; i < nb_h; i++)
			hist_init(&t->hists.h[i]);
		snprintf(name, sizeof(name), "stp_tcprtt_%u", lc->lcore_id);
		t->mon = tcprtt_mon_create(name, &conf, socket, pl->err, sizeof(pl->err));
		if (t->mon == NULL) {
			tcprtt_fini(pl);
			return -ENOMEM;
		}
	}
	/* out_ring records, each TCPRTT_RECORD_ELEMS elements (record_enqueue()). */
	tp->ring = rte_ring_create_elem("stp_tcprtt_rec", TCPRTT_RING_ELEM,
			c->out_ring * (unsigned int)TCPRTT_RECORD_ELEMS, SOCKET_ID_ANY,
			RING_F_SC_DEQ | RING_F_EXACT_SZ |
					(pl->overcommitted ? RING_F_MP_RTS_ENQ : 0));
	if (tp->ring == NULL) {
		snprintf(pl->err, sizeof(pl->err), "cannot create the record ring (%u): %s",
				c->out_ring, rte_strerror(rte_errno));
		tcprtt_fini(pl);
		return -ENOMEM;
	}
	/*
	 * Write every slot once now: without hugepages ("eal": { "hugepages": false }) the ring is
	 * anonymous memory that the kernel maps a 4 KiB page at a time, on its first write, and
	 * the datapath would take those faults: ~150 cycles a packet over the ring's first lap on
	 * scripts/bench/tcprtt.sh (20 MiB, a fault every 51 records). The slots follow the ring's
	 * header (rte_ring's own layout, &r[1]).
	 */
	memset(tp->ring + 1, 0, (size_t)tp->ring->size * TCPRTT_RING_ELEM);
	tp->is_stdout = strcmp(c->out_path, "-") == 0;
	if (c->out_max_files != 0) {
		tp->kept = calloc(c->out_max_files, sizeof(char *));
		if (tp->kept == NULL)
			goto nomem;
	}
	if (!tp->is_stdout && c->out_rotate_bytes + c->out_rotate_seconds != 0 &&
			strstr(c->out_path, PCAPNG_INDEX_TOKEN) == NULL &&
			strchr(c->out_path, '%') == NULL) {
		snprintf(pl->err, sizeof(pl->err),
				"tcp_rtt.output.path \"%s\" must contain \"{index}\" (or a strftime "
				"conversion) when it rotates",
				c->out_path);
		tcprtt_fini(pl);
		return -EINVAL;
	}
	rc = writer_open(tp, pl->err, sizeof(pl->err));
	if (rc < 0) {
		tcprtt_fini(pl);
		return rc;
	}
	rc = pthread_create(&tp->thread, NULL, writer_main, tp);
	if (rc != 0) {
		snprintf(pl->err, sizeof(pl->err), "cannot start the record writer: %s",
				strerror(rc));
		tcprtt_fini(pl);
		return -rc;
	}
	tp->thread_started = true;
	pthread_setname_np(tp->thread, "stp-tcprtt");
	TR_LOG(INFO, "passive TCP latency on %u port(s), %u flows per worker, records to %s",
			c->nb_ports, c->flows, c->out_path);
	return 0;
nomem:
	snprintf(pl->err, sizeof(pl->err), "out of memory");
	tcprtt_fini(pl);
	return -ENOMEM;
}

static void
tcprtt_fini(struct stp_pipeline *pl)
{
	struct tcprtt_pl *tp;
	unsigned int k = 0;

	/* fini runs for every feature of the registry, even one whose init never ran. */
	while (pl->features[k] != NULL && pl->features[k] != &stp_feature_tcprtt)
		k++;
	if (pl->features[k] == NULL || k != tcprtt_k)
		return;
	tp = pl->fpriv[tcprtt_k];
	if (tp == NULL)
		return;
	if (tp->thread_started) {
		__atomic_store_n(&tp->stop, 1, __ATOMIC_RELEASE);
		pthread_join(tp->thread, NULL);
		tp->thread_started = false;
	}
	if (tp->f != NULL) {
		if (tp->is_stdout)
			fflush(tp->f);
		else
			fclose(tp->f);
	}
	for (uint32_t i = 0; tp->kept != NULL && i < tp->nb_kept; i++)
		free(tp->kept[(tp->kept_first + i) % tp->c->out_max_files]);
	free(tp->kept);
	rte_ring_free(tp->ring);
	for (unsigned int w = 0; w < pl->nb_workers; w++) {
		struct tcprtt_lc *t = pl->workers[w]->fpriv[tcprtt_k];

		if (t == NULL)
			continue;
		tcprtt_mon_free(t->mon);
		rte_free(t->hists.h);
		rte_free(t);
		pl->workers[w]->fpriv[tcprtt_k] = NULL;
	}
	free(tp);
	pl->fpriv[tcprtt_k] = NULL;
}

/* The feature: one line in the registry (lib/pipeline/features.c) names it. */
const struct stp_feature stp_feature_tcprtt = {
	.name = "tcp_rtt",
	.init = tcprtt_init,
	.burst = tcprtt_burst,
	/* It returns every burst as it came: the rules stage after it keeps the RX hint (one
	 * decision per burst, no pass over it: ~23 instructions a packet, tcprtt.sh -g).
	 */
	.tap = true,
	.view = tcprtt_view,
	.fini = tcprtt_fini,
	.ui = &tcprtt_ui,
	.cfg = &tcprtt_cfg_section,
};
