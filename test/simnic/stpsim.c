/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * net_stpsim: a simulated timestamping NIC, for tests only (never installed, never linked into
 * stampede). Loaded with EAL -d librte_net_stpsim.so and created as a vdev:
 *
 *   --vdev net_stpsim0,rx_pcap=in.pcap,count=5000,pps=1000,hz=156250000,ppm=80,...
 *
 * It behaves as mlx5 does towards an application: it advertises RTE_ETH_RX_OFFLOAD_TIMESTAMP,
 * registers the RX timestamp dynfield and flag, and puts in each received mbuf the value of its
 * own device clock when the frame "arrived"; rte_eth_read_clock() reads that clock, with a
 * latency; the timesync API gives TX timestamps of frames sent with RTE_MBUF_F_TX_IEEE1588_TMST.
 *
 * The device clock is a pure function of true time, so the truth of every stamp is known:
 *   free mode:  ticks(t) = offset + hz * (t + drift(t)) / 1e9, quantised to tick counts and
 *               wrapped to bits; t is ns since the device was probed and drift(t) the integral
 *               of ppm + ppm_rate * t (+ ppm_step from ppm_step_at seconds after the first
 *               frame arrived on: a test places its windows around the step from the frames'
 *               truth, whatever the application's start-up took), exact (no integration
 *               error);
 *   utc / tai:  the clock counts UTC (or TAI = UTC + tai seconds) ns, as a PHC steered by
 *               phc2sys does.
 * True time is CLOCK_REALTIME. Tests that step CLOCK_REALTIME do it with the LD_PRELOAD shim
 * (rtshim.c): the device clock follows the unstepped clock (a NIC's oscillator does not jump when
 * the system clock is set), while the truth written into frames is the stepped UTC, what a
 * record should say.
 *
 * Each received frame gets its true arrival time (UTC ns, 8 bytes big-endian) written at byte
 * truth_off (when the frame is long enough), so a test can compare the application's converted
 * stamp with it. Frames come from a pcap file (rx_pcap=), cycled until count frames were sent,
 * at pps frames per second (paced on CLOCK_MONOTONIC_RAW), starting start_ms after dev_start.
 * Frames whose pcap record is cut short (caplen < len) are delivered as captured.
 *
 * loopback=1: every frame sent comes back on the port's own RX queue (a wire of length zero
 * to a mirror): it arrives when it was sent, so its RX stamp is the device clock at the send
 * and, for a frame sent with RTE_MBUF_F_TX_IEEE1588_TMST, equal to its TX stamp. Looped frames
 * are delivered before pcap frames. A loopback ring that is full drops the frame (counted in
 * imissed). tx_truth=FILE: one line per frame sent, "FIELD UTC_NS TICKS STAMPED", FIELD the
 * big-endian u64 at byte tx_truth_off of the frame (e.g. a probe's sequence number; 0 when the
 * frame is shorter), UTC_NS the true (stepped) time of the send, TICKS the device clock then,
 * STAMPED 1 when the frame asked for a TX stamp and timesync was on: the truth a test compares
 * an application's hardware T1 with.
 *
 * read_clock latency: read_ns (default 1000: a PCIe round trip; half before, half after the
 * latch) plus a uniform jitter of up to read_jitter_ns on each side, and every 8th read an
 * outlier of 10 * read_jitter_ns before the latch: the conditions a bracketed, min-filtered
 * calibration has to cope with.
 */

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_byteorder.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#define SIM_MAX_FRAMES 65536
#define SIM_MAX_LEN 9216
#define NS 1000000000ULL
#define SIM_LOOP_RING 4096

RTE_LOG_REGISTER(sim_logtype, pmd.net.stpsim, INFO);
#define SIM_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, sim_logtype, "net_stpsim: " fmt "\n", ##__VA_ARGS__)

enum sim_mode {
	SIM_FREE,
	SIM_UTC,
	SIM_TAI
};

struct sim_frame {
	uint32_t len;
	uint8_t *data;
};

struct sim_queue {
	struct sim_priv *priv;
	struct rte_mempool *mp;
};

/* The shim's reader of (unstepped, stepped) CLOCK_REALTIME, when the shim is preloaded. */
typedef void (*sim_now_fn)(uint64_t *real_ns, uint64_t *stepped_ns);

struct sim_priv {
	/* parameters */
	enum sim_mode mode;
	double hz;
	double ppm, ppm_rate, ppm_step;
	double ppm_step_at_s;
	uint64_t first_real; /* unstepped real time of the first frame, 0 before it (atomic) */
	uint64_t offset, tick, mask;
	unsigned int bits;
	int tai_s;
	uint64_t read_ns, read_jitter_ns;
	uint64_t pps, count, start_ms;
	int truth_off;
	bool loopback;
	int tx_truth_off;
	/* state */
	uint64_t t0;	  /* unstepped CLOCK_REALTIME at probe: t = 0 of the drift model */
	uint64_t run0;	  /* CLOCK_MONOTONIC_RAW at dev_start + start_ms */
	uint64_t sent;	  /* frames delivered */
	uint64_t reads;	  /* read_clock calls */
	uint64_t rnd;	  /* xorshift state for the read jitter */
	int ts_off;	  /* RX timestamp dynfield */
	uint64_t ts_flag; /* and its flag */
	bool timesync;
	bool tx_ts_valid;
	uint64_t tx_ts; /* latched TX stamp (device clock) */
	uint64_t ipackets, ibytes, opackets, obytes, imissed;
	struct rte_ring *loop; /* loopback: frames sent, waiting for RX (MP/MC: any lcores) */
	FILE *tx_truth;	       /* tx_truth=: one line per frame sent */
	sim_now_fn shim_now;
	struct sim_queue rxq, txq;
	struct rte_ether_addr mac;
	unsigned int nb_frames;
	struct sim_frame frames[];
};

static const char *const sim_args[] = { "rx_pcap", "count", "pps", "start_ms", "mode", "hz", "ppm",
	"ppm_rate", "ppm_step", "ppm_step_at", "offset", "tick", "bits", "tai", "read_ns",
	"read_jitter_ns", "truth_off", "loopback", "tx_truth", "tx_truth_off", NULL };

static uint64_t
mono_raw(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/* True time now: the unstepped clock drives the device, the stepped one is UTC. */
static void
sim_now(const struct sim_priv *p, uint64_t *real, uint64_t *utc)
{
	struct timespec ts;

	if (p->shim_now != NULL) {
		p->shim_now(real, utc);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	*real = (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
	*utc = *real;
}

/* The device clock at unstepped real time @p real. */
static uint64_t
sim_ticks(const struct sim_priv *p, uint64_t real)
{
	long double t, drift, v;
	uint64_t c;

	if (p->mode == SIM_UTC)
		return real;
	if (p->mode == SIM_TAI)
		return real + (uint64_t)p->tai_s * NS;
	t = (long double)(int64_t)(real - p->t0) / 1e9L; /* seconds since probe */
	/* Integral of the frequency error: ppm * t + rate * t^2 / 2 (+ the step's share). */
	drift = (long double)p->ppm * t + (long double)p->ppm_rate * t * t / 2;
	if (p->ppm_step != 0) {
		uint64_t first = __atomic_load_n(&p->first_real, __ATOMIC_ACQUIRE);
		long double at = (long double)(int64_t)(first - p->t0) / 1e9L + p->ppm_step_at_s;

		/* Before the first frame the step is ppm_step_at or more away: none yet. */
		if (first != 0 && t > at)
			drift += (long double)p->ppm_step * (t - at);
	}
	v = (long double)p->hz * (t + drift * 1e-6L);
	c = p->offset + (uint64_t)(int64_t)floorl(v);
	c -= c % p->tick;
	return c & p->mask;
}

static uint64_t
sim_rand(struct sim_priv *p)
{
	p->rnd ^= p->rnd << 13;
	p->rnd ^= p->rnd >> 7;
	p->rnd ^= p->rnd << 17;
	return p->rnd;
}

/* --- parameters ------------------------------------------------------------------------------ */

static int
arg_u64(const char *key, const char *v, void *out)
{
	char *end;

	errno = 0;
	*(uint64_t *)out = strtoull(v, &end, 0);
	if (errno != 0 || *end != '\0' || end == v) {
		SIM_LOG(ERR, "%s=%s: not an unsigned integer", key, v);
		return -EINVAL;
	}
	return 0;
}

static int
arg_dbl(const char *key, const char *v, void *out)
{
	char *end;

	errno = 0;
	*(double *)out = strtod(v, &end);
	if (errno != 0 || *end != '\0' || end == v || !isfinite(*(double *)out)) {
		SIM_LOG(ERR, "%s=%s: not a number", key, v);
		return -EINVAL;
	}
	return 0;
}

static int
arg_str(const char *key, const char *v, void *out)
{
	snprintf(out, PATH_MAX, "%s", v);
	return 0;
}

static int
sim_load_pcap(const char *file, struct sim_frame *frames, unsigned int *nb)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *pc = pcap_open_offline(file, errbuf);

	if (pc == NULL) {
		SIM_LOG(ERR, "rx_pcap=%s: %s", file, errbuf);
		return -EINVAL;
	}
	*nb = 0;
	while (*nb < SIM_MAX_FRAMES && pcap_next_ex(pc, &h, &d) == 1) {
		uint32_t len = RTE_MIN(h->caplen, (uint32_t)SIM_MAX_LEN);

		frames[*nb].data = malloc(len);
		if (frames[*nb].data == NULL)
			break;
		memcpy(frames[*nb].data, d, len);
		frames[*nb].len = len;
		(*nb)++;
	}
	pcap_close(pc);
	return 0;
}

/* --- data path ------------------------------------------------------------------------------- */

static uint16_t
sim_rx(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct sim_queue *sq = q;
	struct sim_priv *p = sq->priv;
	uint64_t now = mono_raw(), due;
	uint16_t i = 0;

	if (p->loop != NULL) {
		/* Looped frames carry their stamp already (set at the send). */
		i = (uint16_t)rte_ring_dequeue_burst(p->loop, (void **)pkts, n, NULL);
		for (uint16_t k = 0; k < i; k++) {
			p->ipackets++;
			p->ibytes += pkts[k]->pkt_len;
		}
	}
	if (p->nb_frames == 0 || p->run0 == 0 || now < p->run0 || p->sent >= p->count)
		return i;
	due = (now - p->run0) * p->pps / NS + 1;
	due = RTE_MIN(due, p->count);
	for (; i < n && p->sent < due; i++) {
		const struct sim_frame *f = &p->frames[p->sent % p->nb_frames];
		struct rte_mbuf *m = rte_pktmbuf_alloc(sq->mp);
		uint64_t real, utc;
		uint8_t *d;

		if (m == NULL || f->len > rte_pktmbuf_tailroom(m)) {
			rte_pktmbuf_free(m);
			break;
		}
		d = rte_pktmbuf_mtod(m, uint8_t *);
		memcpy(d, f->data, f->len);
		m->data_len = (uint16_t)f->len;
		m->pkt_len = f->len;
		m->port = 0;
		/* The frame arrives now: the device latches its clock, the truth is UTC now. */
		sim_now(p, &real, &utc);
		if (p->sent == 0)
			__atomic_store_n(&p->first_real, real, __ATOMIC_RELEASE);
		if (p->ts_off >= 0) {
			*RTE_MBUF_DYNFIELD(m, p->ts_off, rte_mbuf_timestamp_t *) =
					sim_ticks(p, real);
			m->ol_flags |= p->ts_flag;
		}
		if (p->truth_off >= 0 && (uint32_t)p->truth_off + 8 <= f->len) {
			uint64_t be = rte_cpu_to_be_64(utc);

			memcpy(d + p->truth_off, &be, 8);
		}
		p->ipackets++;
		p->ibytes += f->len;
		p->sent++;
		pkts[i] = m;
	}
	return i;
}

static uint16_t
sim_tx(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct sim_queue *sq = q;
	struct sim_priv *p = sq->priv;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		bool stamped = p->timesync && (m->ol_flags & RTE_MBUF_F_TX_IEEE1588_TMST);
		uint64_t real, utc, ticks;

		/* The frame leaves now. */
		sim_now(p, &real, &utc);
		ticks = sim_ticks(p, real);
		if (stamped) {
			/* One latch register, as NICs have: a later stamped frame overwrites it. */
			p->tx_ts = ticks;
			p->tx_ts_valid = true;
		}
		if (p->tx_truth != NULL) {
			uint64_t field = 0;
			uint8_t b[8];
			const uint8_t *f = p->tx_truth_off >= 0 &&
							(uint32_t)p->tx_truth_off + 8 <=
									m->pkt_len ?
					rte_pktmbuf_read(m, (uint32_t)p->tx_truth_off, 8, b) :
					NULL;

			if (f != NULL)
				for (int k = 0; k < 8; k++)
					field = (field << 8) | f[k];
			fprintf(p->tx_truth, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %d\n", field, utc,
					ticks, stamped ? 1 : 0);
		}
		p->opackets++;
		p->obytes += m->pkt_len;
		if (p->loop != NULL) {
			/* Arrives on our RX as it leaves: the RX stamp is the send's device time.
			 */
			m->ol_flags &= ~RTE_MBUF_F_TX_IEEE1588_TMST;
			m->port = 0;
			if (p->ts_off >= 0) {
				*RTE_MBUF_DYNFIELD(m, p->ts_off, rte_mbuf_timestamp_t *) = ticks;
				m->ol_flags |= p->ts_flag;
			}
			if (rte_ring_enqueue(p->loop, m) == 0)
				continue;
			p->imissed++;
		}
		rte_pktmbuf_free(m);
	}
	return n;
}

/* --- control path ---------------------------------------------------------------------------- */

static int
sim_configure(struct rte_eth_dev *dev)
{
	struct sim_priv *p = dev->data->dev_private;

	if (dev->data->dev_conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_TIMESTAMP) {
		/* As mlx5 does: the PMD registers the field it fills. */
		if (rte_mbuf_dyn_rx_timestamp_register(&p->ts_off, &p->ts_flag) != 0)
			return -rte_errno;
	} else {
		p->ts_off = -1;
	}
	return 0;
}

static int
sim_start(struct rte_eth_dev *dev)
{
	struct sim_priv *p = dev->data->dev_private;

	p->run0 = mono_raw() + p->start_ms * 1000000;
	dev->data->dev_link.link_status = RTE_ETH_LINK_UP;
	dev->data->rx_queue_state[0] = RTE_ETH_QUEUE_STATE_STARTED;
	dev->data->tx_queue_state[0] = RTE_ETH_QUEUE_STATE_STARTED;
	return 0;
}

static int
sim_stop(struct rte_eth_dev *dev)
{
	dev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;
	dev->data->rx_queue_state[0] = RTE_ETH_QUEUE_STATE_STOPPED;
	dev->data->tx_queue_state[0] = RTE_ETH_QUEUE_STATE_STOPPED;
	return 0;
}

static int
sim_close(struct rte_eth_dev *dev)
{
	struct sim_priv *p = dev->data->dev_private;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY || p == NULL)
		return 0;
	for (unsigned int i = 0; i < p->nb_frames; i++)
		free(p->frames[i].data);
	p->nb_frames = 0;
	if (p->loop != NULL) {
		struct rte_mbuf *m;

		while (rte_ring_dequeue(p->loop, (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(p->loop);
		p->loop = NULL;
	}
	if (p->tx_truth != NULL) {
		fclose(p->tx_truth);
		p->tx_truth = NULL;
	}
	/* The ethdev layer frees mac_addrs with rte_free(); it points into our private data. */
	dev->data->mac_addrs = NULL;
	return 0;
}

static int
sim_info(struct rte_eth_dev *dev, struct rte_eth_dev_info *di)
{
	di->max_mac_addrs = 1;
	di->max_rx_pktlen = SIM_MAX_LEN;
	di->min_mtu = RTE_ETHER_MIN_MTU;
	di->max_mtu = SIM_MAX_LEN - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN;
	di->max_rx_queues = 1;
	di->max_tx_queues = 1;
	di->rx_offload_capa = RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	di->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	return 0;
}

static int
sim_link_update(struct rte_eth_dev *dev, int wait)
{
	return 0;
}

static int
sim_promisc(struct rte_eth_dev *dev)
{
	return 0;
}

static int
sim_rxq_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc, unsigned int socket,
		const struct rte_eth_rxconf *conf, struct rte_mempool *mp)
{
	struct sim_priv *p = dev->data->dev_private;

	p->rxq.priv = p;
	p->rxq.mp = mp;
	dev->data->rx_queues[qid] = &p->rxq;
	return 0;
}

static int
sim_txq_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc, unsigned int socket,
		const struct rte_eth_txconf *conf)
{
	struct sim_priv *p = dev->data->dev_private;

	p->txq.priv = p;
	dev->data->tx_queues[qid] = &p->txq;
	return 0;
}

static void
sim_q_release(struct rte_eth_dev *dev, uint16_t qid)
{
}

static int
sim_stats(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
	struct sim_priv *p = dev->data->dev_private;

	st->ipackets = p->ipackets;
	st->ibytes = p->ibytes;
	st->opackets = p->opackets;
	st->obytes = p->obytes;
	st->imissed = p->imissed;
	st->q_ipackets[0] = p->ipackets;
	st->q_opackets[0] = p->opackets;
	return 0;
}

static int
sim_stats_reset(struct rte_eth_dev *dev)
{
	struct sim_priv *p = dev->data->dev_private;

	p->ipackets = p->ibytes = p->opackets = p->obytes = p->imissed = 0;
	return 0;
}

/*
 * The device clock, read as a PCIe register read would be: a request travels to the device
 * (the first half of the latency), the device latches its clock, the answer travels back (the
 * second half). Both halves are waited for from fixed points (the call's entry, the latch), so
 * the simulator's own work (computing the ticks) does not make the read lopsided: with no
 * jitter the latch is at the middle of the call, as it is on a symmetric bus.
 */
static int
sim_read_clock(struct rte_eth_dev *dev, uint64_t *clock)
{
	struct sim_priv *p = dev->data->dev_private;
	uint64_t before = p->read_ns / 2, after = p->read_ns - p->read_ns / 2;
	uint64_t entry = mono_raw(), latch, real, utc;

	if (p->read_jitter_ns != 0) {
		before += sim_rand(p) % (p->read_jitter_ns + 1);
		after += sim_rand(p) % (p->read_jitter_ns + 1);
		if (++p->reads % 8 == 0)
			before += 10 * p->read_jitter_ns;
	}
	while ((latch = mono_raw()) < entry + before)
		;
	sim_now(p, &real, &utc);
	*clock = sim_ticks(p, real);
	while (mono_raw() < latch + after)
		;
	return 0;
}

static int
sim_timesync_enable(struct rte_eth_dev *dev)
{
	struct sim_priv *p = dev->data->dev_private;

	p->timesync = true;
	p->tx_ts_valid = false;
	return 0;
}

static int
sim_timesync_disable(struct rte_eth_dev *dev)
{
	struct sim_priv *p = dev->data->dev_private;

	p->timesync = false;
	return 0;
}

/* The latched TX stamp, device clock units as timespec (ns), once: -EINVAL until the next. */
static int
sim_read_tx_ts(struct rte_eth_dev *dev, struct timespec *ts)
{
	struct sim_priv *p = dev->data->dev_private;

	if (!p->timesync || !p->tx_ts_valid)
		return -EINVAL;
	ts->tv_sec = (time_t)(p->tx_ts / NS);
	ts->tv_nsec = (long)(p->tx_ts % NS);
	p->tx_ts_valid = false;
	return 0;
}

static int
sim_read_time(struct rte_eth_dev *dev, struct timespec *ts)
{
	uint64_t v;

	sim_read_clock(dev, &v);
	ts->tv_sec = (time_t)(v / NS);
	ts->tv_nsec = (long)(v % NS);
	return 0;
}

static const struct eth_dev_ops sim_ops = {
	.dev_configure = sim_configure,
	.dev_start = sim_start,
	.dev_stop = sim_stop,
	.dev_close = sim_close,
	.dev_infos_get = sim_info,
	.link_update = sim_link_update,
	.promiscuous_enable = sim_promisc,
	.promiscuous_disable = sim_promisc,
	.rx_queue_setup = sim_rxq_setup,
	.tx_queue_setup = sim_txq_setup,
	.rx_queue_release = sim_q_release,
	.tx_queue_release = sim_q_release,
	.stats_get = sim_stats,
	.stats_reset = sim_stats_reset,
	.read_clock = sim_read_clock,
	.timesync_enable = sim_timesync_enable,
	.timesync_disable = sim_timesync_disable,
	.timesync_read_tx_timestamp = sim_read_tx_ts,
	.timesync_read_time = sim_read_time,
};

/* --- probe / remove -------------------------------------------------------------------------- */

static int
sim_parse(struct rte_vdev_device *vdev, struct sim_priv *p, char *pcap_file, char *truth_file)
{
	struct rte_kvargs *kv = NULL;
	char mode[PATH_MAX] = "free";
	uint64_t bits = 64, tai = 37, truth_off = UINT64_MAX, loopback = 0;
	uint64_t tx_truth_off = UINT64_MAX;
	int rc = 0;
	struct {
		const char *key;
		arg_handler_t fn;
		void *out;
	} tab[] = {
		{ "rx_pcap", arg_str, pcap_file },
		{ "count", arg_u64, &p->count },
		{ "pps", arg_u64, &p->pps },
		{ "start_ms", arg_u64, &p->start_ms },
		{ "mode", arg_str, mode },
		{ "hz", arg_dbl, &p->hz },
		{ "ppm", arg_dbl, &p->ppm },
		{ "ppm_rate", arg_dbl, &p->ppm_rate },
		{ "ppm_step", arg_dbl, &p->ppm_step },
		{ "ppm_step_at", arg_dbl, &p->ppm_step_at_s },
		{ "offset", arg_u64, &p->offset },
		{ "tick", arg_u64, &p->tick },
		{ "bits", arg_u64, &bits },
		{ "tai", arg_u64, &tai },
		{ "read_ns", arg_u64, &p->read_ns },
		{ "read_jitter_ns", arg_u64, &p->read_jitter_ns },
		{ "truth_off", arg_u64, &truth_off },
		{ "loopback", arg_u64, &loopback },
		{ "tx_truth", arg_str, truth_file },
		{ "tx_truth_off", arg_u64, &tx_truth_off },
	};

	p->hz = 1e9;
	p->read_ns = 1000;
	p->pps = 1000;
	p->tick = 1;
	p->count = UINT64_MAX;
	if (rte_vdev_device_args(vdev) != NULL && rte_vdev_device_args(vdev)[0] != '\0') {
		kv = rte_kvargs_parse(rte_vdev_device_args(vdev), sim_args);
		if (kv == NULL) {
			SIM_LOG(ERR,
					"%s: bad arguments \"%s\" (known: rx_pcap count pps start_ms "
					"mode hz ppm ppm_rate ppm_step ppm_step_at offset tick bits tai "
					"read_ns read_jitter_ns truth_off loopback tx_truth tx_truth_off)",
					rte_vdev_device_name(vdev), rte_vdev_device_args(vdev));
			return -EINVAL;
		}
		for (size_t i = 0; i < RTE_DIM(tab) && rc == 0; i++)
			rc = rte_kvargs_process(kv, tab[i].key, tab[i].fn, tab[i].out);
		rte_kvargs_free(kv);
		if (rc != 0)
			return -EINVAL;
	}
	if (strcmp(mode, "free") == 0)
		p->mode = SIM_FREE;
	else if (strcmp(mode, "utc") == 0)
		p->mode = SIM_UTC;
	else if (strcmp(mode, "tai") == 0)
		p->mode = SIM_TAI;
	else {
		SIM_LOG(ERR, "mode=%s: expected free, utc or tai", mode);
		return -EINVAL;
	}
	if (bits < 16 || bits > 64 || p->tick == 0 || p->hz <= 0 || p->pps == 0 ||
			p->pps > 10000000 || tai > 1000 || loopback > 1) {
		SIM_LOG(ERR,
				"out of range: bits [16..64], tick >= 1, hz > 0, pps [1..1e7], tai "
				"[0..1000], loopback 0|1");
		return -EINVAL;
	}
	p->bits = (unsigned int)bits;
	p->mask = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
	p->tai_s = (int)tai;
	p->truth_off = truth_off == UINT64_MAX || truth_off > SIM_MAX_LEN ? -1 : (int)truth_off;
	p->tx_truth_off = tx_truth_off == UINT64_MAX || tx_truth_off > SIM_MAX_LEN ?
			-1 :
			(int)tx_truth_off;
	p->loopback = loopback == 1;
	return 0;
}

static int
sim_probe(struct rte_vdev_device *vdev)
{
	char pcap_file[PATH_MAX] = "", truth_file[PATH_MAX] = "";
	struct rte_eth_dev *dev;
	struct sim_priv *p;
	uint64_t utc;
	int rc;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -ENOTSUP;
	dev = rte_eth_vdev_allocate(vdev, sizeof(*p) + SIM_MAX_FRAMES * sizeof(struct sim_frame));
	if (dev == NULL)
		return -ENOMEM;
	p = dev->data->dev_private;
	p->ts_off = -1;
	rc = sim_parse(vdev, p, pcap_file, truth_file);
	if (rc == 0 && pcap_file[0] != '\0')
		rc = sim_load_pcap(pcap_file, p->frames, &p->nb_frames);
	if (rc == 0 && p->loopback) {
		p->loop = rte_ring_create(
				rte_vdev_device_name(vdev), SIM_LOOP_RING, rte_socket_id(), 0);
		if (p->loop == NULL) {
			SIM_LOG(ERR, "loopback ring: %s", rte_strerror(rte_errno));
			rc = -ENOMEM;
		}
	}
	if (rc == 0 && truth_file[0] != '\0') {
		p->tx_truth = fopen(truth_file, "w");
		if (p->tx_truth == NULL) {
			SIM_LOG(ERR, "tx_truth=%s: %s", truth_file, strerror(errno));
			rc = -EINVAL;
		} else {
			setvbuf(p->tx_truth, NULL, _IOLBF, 0);
		}
	}
	if (rc != 0) {
		sim_close(dev);
		dev->data->mac_addrs = NULL;
		rte_eth_dev_release_port(dev);
		return rc;
	}
	p->shim_now = (sim_now_fn)(uintptr_t)dlsym(RTLD_DEFAULT, "stpsim_shim_now");
	sim_now(p, &p->t0, &utc);
	p->rnd = p->t0 | 1;
	p->mac = (struct rte_ether_addr){ { 0x02, 0x53, 0x49, 0x4d, 0x00,
			(uint8_t)dev->data->port_id } };
	dev->data->mac_addrs = &p->mac;
	dev->data->dev_link.link_speed = RTE_ETH_SPEED_NUM_10G;
	dev->data->dev_link.link_duplex = RTE_ETH_LINK_FULL_DUPLEX;
	dev->dev_ops = &sim_ops;
	dev->rx_pkt_burst = sim_rx;
	dev->tx_pkt_burst = sim_tx;
	rte_eth_dev_probing_finish(dev);
	SIM_LOG(INFO,
			"%s: %u frames, mode %s, %.0f Hz %+.3f ppm (%+.3f ppm/s, step %+.3f "
			"%.1f s after the first frame), %u bits, tick %" PRIu64 ", read %" PRIu64
			"+%" PRIu64 " ns%s%s",
			rte_vdev_device_name(vdev), p->nb_frames,
			p->mode == SIM_FREE ? "free" : (p->mode == SIM_UTC ? "utc" : "tai"), p->hz,
			p->ppm, p->ppm_rate, p->ppm_step, p->ppm_step_at_s, p->bits, p->tick,
			p->read_ns, p->read_jitter_ns, p->loopback ? ", loopback" : "",
			p->shim_now != NULL ? ", CLOCK_REALTIME from the shim" : "");
	return 0;
}

static int
sim_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));

	if (dev == NULL)
		return 0;
	sim_close(dev);
	return rte_eth_dev_release_port(dev);
}

static struct rte_vdev_driver sim_driver = {
	.probe = sim_probe,
	.remove = sim_remove,
};

RTE_PMD_REGISTER_VDEV(net_stpsim, sim_driver);
RTE_PMD_REGISTER_PARAM_STRING(net_stpsim,
		"rx_pcap=<file> count=<n> pps=<n> start_ms=<n> mode=free|utc|tai hz=<f> ppm=<f> "
		"ppm_rate=<f> ppm_step=<f> ppm_step_at=<s> offset=<n> tick=<n> bits=<16..64> "
		"tai=<s> read_ns=<n> read_jitter_ns=<n> truth_off=<n> loopback=0|1 tx_truth=<file> "
		"tx_truth_off=<n>");
