/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/timex.h>

#include <pcap.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "outputs_cfg.h"
#include "port.h"
#include "port_kern.h"
#include "trailer_cfg.h"

RTE_LOG_REGISTER_SUFFIX(port_logtype, port, INFO);
#define PORT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, port_logtype, "stampede.port: " fmt "\n", ##__VA_ARGS__)

/* L2 overhead ethdev assumes when a driver does not say: Ethernet header + CRC. */
#define PORT_DEFAULT_OVERHEAD (RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN)
/* Room for two VLAN tags (QinQ) on top of the MTU when deciding what a port may transmit. */
#define PORT_VLAN_ROOM 8
/* Records skipped to find the frame net_pcap returned after it lost one (mbuf shortage). */
#define PCAP_TS_RESYNC 8

/*
 * The symmetric RSS key (0x6d5a repeated): with it Toeplitz gives the same queue for A->B and
 * B->A, so both directions of a flow reach the same RX queue, as they reach the same worker.
 */
/* clang-format off */
static uint8_t port_sym_rss_key[52] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d,
	0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d,
	0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};
/* clang-format on */

/* Per RX queue reader of a net_pcap input file, stepping in lock-step with the PMD. */
struct port_pcap_ts {
	pcap_t *pcap;
	bool eof;	 /* dataplane: wo, ctlplane: ro */
	uint64_t total;	 /* records in the file, counted at open */
	uint64_t read;	 /* records read so far */
	uint64_t resync; /* records skipped to follow the PMD */
	char path[CFG_PATH_LEN];
};

/* --- EAL arguments ------------------------------------------------------------------------ */

static int __attribute__((format(printf, 4, 5)))
argv_push(char ***argv, int *argc, int *cap, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (*argc + 1 >= *cap) {
		int ncap = *cap ? *cap * 2 : 32;
		char **n = realloc(*argv, sizeof(char *) * ncap);

		if (n == NULL)
			return -ENOMEM;
		*argv = n;
		*cap = ncap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL)
		return -ENOMEM;
	(*argv)[(*argc)++] = s;
	(*argv)[*argc] = NULL;
	return 0;
}

static bool
args_have(const struct stp_config *cfg, int nb_extra, char **extra, const char *const *opts)
{
	for (const char *const *o = opts; *o != NULL; o++) {
		size_t l = strlen(*o);

		for (unsigned int i = 0; i < cfg->eal.nb_args; i++)
			if (strncmp(cfg->eal.args[i], *o, l) == 0)
				return true;
		for (int i = 0; i < nb_extra; i++)
			if (strncmp(extra[i], *o, l) == 0)
				return true;
	}
	return false;
}

int
port_eal_args(const struct stp_config *cfg, const char *prog, int nb_extra, char **extra,
		char ***argv_out)
{
	static const char *const lcore_opts[] = { "-l", "-c", "--lcores", NULL };
	static const char *const pci_opts[] = { "-a", "-b", "--allow", "--block", "--no-pci",
		NULL };
	static const char *const mem_opts[] = { "-m", "--socket-mem", NULL };
	char **argv = NULL;
	int argc = 0, cap = 0, rc = 0;
	bool any_pci = false;

	rc |= argv_push(&argv, &argc, &cap, "%s", prog);
	for (unsigned int i = 0; i < cfg->eal.nb_args; i++)
		rc |= argv_push(&argv, &argc, &cap, "%s", cfg->eal.args[i]);
	rc |= argv_push(&argv, &argc, &cap, "--file-prefix=%s", cfg->eal.file_prefix);
	if (!cfg->eal.hugepages)
		rc |= argv_push(&argv, &argc, &cap, "--no-huge");
	if (!args_have(cfg, nb_extra, extra, mem_opts)) {
		uint32_t mb = cfg->eal.memory_mb;

		if (mb == 0 && !cfg->eal.hugepages)
			mb = 512;
		if (mb != 0)
			rc |= argv_push(&argv, &argc, &cap, "-m%u", mb);
	}
	if (!args_have(cfg, nb_extra, extra, lcore_opts)) {
		char list[4 * CFG_MAX_LCORES + 8];
		int off = snprintf(list, sizeof(list), "%u", cfg->eal.main_lcore);

		for (unsigned int i = 0; i < cfg->nb_lcores && off < (int)sizeof(list); i++)
			off += snprintf(list + off, sizeof(list) - off, ",%u",
					cfg->lcores[i].lcore_id);
		rc |= argv_push(&argv, &argc, &cap, "-l%s", list);
		rc |= argv_push(&argv, &argc, &cap, "--main-lcore=%u", cfg->eal.main_lcore);
	}
	for (unsigned int i = 0; i < cfg->nb_ports; i++) {
		const struct cfg_port *p = &cfg->ports[i];

		if (p->is_pci) {
			any_pci = true;
			rc |= argv_push(&argv, &argc, &cap, "-a%s", p->device);
		} else if (strncmp(p->device, "net_af_packet", 13) == 0 &&
				strstr(p->device, "framecnt=") == NULL) {
			/*
			 * net_af_packet ignores rx_desc: its ring is framecnt frames (512 by
			 * default, which overflows silently under a burst). Size it from rx_desc,
			 * rounded up to the even count its two frames per block need.
			 */
			rc |= argv_push(&argv, &argc, &cap, "--vdev=%s,framecnt=%u", p->device,
					(p->rx_desc + 1u) & ~1u);
		} else {
			rc |= argv_push(&argv, &argc, &cap, "--vdev=%s", p->device);
		}
	}
	if (!any_pci && !args_have(cfg, nb_extra, extra, pci_opts))
		rc |= argv_push(&argv, &argc, &cap, "--no-pci");
	for (int i = 0; i < nb_extra; i++)
		rc |= argv_push(&argv, &argc, &cap, "%s", extra[i]);
	if (rc != 0) {
		port_eal_args_free(argc, argv);
		return -ENOMEM;
	}
	*argv_out = argv;
	return argc;
}

void
port_eal_args_free(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

/* --- device lookup and validation -------------------------------------------------------- */

/* The ethdev name of a configured device: the part before the first ','; PCI gets a domain. */
static void
port_dev_name(const struct cfg_port *p, char *name, size_t len)
{
	size_t n = strcspn(p->device, ",");
	char tmp[CFG_DEVICE_LEN];

	snprintf(tmp, sizeof(tmp), "%.*s", (int)n, p->device);
	if (p->is_pci && strchr(tmp, ':') == strrchr(tmp, ':'))
		snprintf(name, len, "0000:%s", tmp);
	else
		snprintf(name, len, "%s", tmp);
}

/*
 * The value of devarg @p key in a device string, @p nth occurrence (net_pcap takes one rx_pcap
 * per queue). Returns true and copies it to @p out when found.
 */
static bool
port_devarg(const char *device, const char *key, unsigned int nth, char *out, size_t len)
{
	size_t kl = strlen(key);
	const char *p = strchr(device, ',');

	while (p != NULL) {
		p++;
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			if (nth-- == 0) {
				size_t vl = strcspn(p + kl + 1, ",");

				snprintf(out, len, "%.*s", (int)vl, p + kl + 1);
				return true;
			}
		}
		p = strchr(p, ',');
	}
	return false;
}

static uint32_t
port_max_mtu(const struct rte_eth_dev_info *di)
{
	uint32_t overhead = PORT_DEFAULT_OVERHEAD;
	uint32_t max = di->max_mtu;

	if (di->max_mtu != UINT16_MAX && di->max_rx_pktlen > di->max_mtu)
		overhead = di->max_rx_pktlen - di->max_mtu;
	if (di->max_rx_pktlen > overhead && di->max_rx_pktlen - overhead < max)
		max = di->max_rx_pktlen - overhead;
	return max;
}

/* Pass 3: the config against what the device grants. */
static int
port_validate(const struct stp_config *cfg, unsigned int idx, const char *devname,
		const struct rte_eth_dev_info *di, char err[CFG_ERR_LEN])
{
	const struct cfg_port *p = &cfg->ports[idx];
	char path[64];
	uint32_t max_mtu = port_max_mtu(di);
	uint32_t frame, room;

	snprintf(path, sizeof(path), "ports[%u].rx_queues", idx);
	if (p->rx_queues > di->max_rx_queues)
		return cfg_errf(cfg, err, path, "%u is out of range [1..%u] granted by %s (%s)",
				p->rx_queues, di->max_rx_queues, devname, di->driver_name);
	snprintf(path, sizeof(path), "ports[%u].tx_queues", idx);
	if (p->tx_queues > di->max_tx_queues)
		return cfg_errf(cfg, err, path, "%u is out of range [1..%u] granted by %s (%s)",
				p->tx_queues, di->max_tx_queues, devname, di->driver_name);
	snprintf(path, sizeof(path), "ports[%u].mtu", idx);
	if (p->mtu < di->min_mtu || p->mtu > max_mtu)
		return cfg_errf(cfg, err, path, "%u is out of range [%u..%u] granted by %s (%s)",
				p->mtu, di->min_mtu, max_mtu, devname, di->driver_name);
	snprintf(path, sizeof(path), "ports[%u].timestamp", idx);
	if (p->timestamp == CFG_TS_HW && !(di->rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP))
		return cfg_errf(cfg, err, path,
				"\"hw\" is not offered by %s (%s has no RX timestamp offload; "
				"allowed here: auto, sw, none)",
				devname, di->driver_name);

	/* Jumbo frames need scatter, or mbufs that hold a whole frame. */
	frame = p->mtu + PORT_DEFAULT_OVERHEAD + PORT_VLAN_ROOM;
	room = cfg->mbuf_size - RTE_PKTMBUF_HEADROOM;
	if (frame > room && !(di->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) &&
			strcmp(di->driver_name, "net_pcap") != 0 &&
			strcmp(di->driver_name, "net_ring") != 0 &&
			strcmp(di->driver_name, "net_null") != 0)
		return cfg_errf(cfg, err, "mempool.mbuf_size",
				"%u holds %u bytes of frame, less than ports[%u] needs for mtu %u "
				"(%u), and %s cannot scatter: raise it to at least %u",
				cfg->mbuf_size, room, idx, p->mtu, frame, di->driver_name,
				frame + RTE_PKTMBUF_HEADROOM);
	return 0;
}

/* --- timestamps ---------------------------------------------------------------------------- */

static int
port_pcap_ts_open(struct port_rt *pr, char err[CFG_ERR_LEN], const struct stp_config *cfg)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	char path[64];

	for (unsigned int q = 0; q < pr->cfg->rx_queues; q++) {
		struct port_pcap_ts *t;
		char file[CFG_PATH_LEN];

		if (!port_devarg(pr->cfg->device, "rx_pcap", q, file, sizeof(file)))
			return 0; /* fewer files than queues: the PMD rejects that itself */
		t = calloc(1, sizeof(*t));
		if (t == NULL)
			return -ENOMEM;
		snprintf(t->path, sizeof(t->path), "%s", file);
		t->pcap = pcap_open_offline_with_tstamp_precision(
				file, PCAP_TSTAMP_PRECISION_NANO, errbuf);
		if (t->pcap == NULL) {
			free(t);
			snprintf(path, sizeof(path), "ports[%u].device", pr->cfg_idx);
			return cfg_errf(cfg, err, path, "cannot read rx_pcap %s: %s", file, errbuf);
		}
		/*
		 * Count the records: the last packet is stamped by reading the last record, and
		 * nothing reads past it, so the count is how the reader knows it reached the end.
		 */
		{
			pcap_t *c = pcap_open_offline(file, errbuf);
			struct pcap_pkthdr *h;
			const u_char *d;

			while (c != NULL && pcap_next_ex(c, &h, &d) == 1)
				t->total++;
			if (c != NULL)
				pcap_close(c);
		}
		t->eof = t->total == 0;
		pr->pcap_records += t->total;
		pr->pcap_ts[q] = t;
	}
	return 0;
}

/* --- hardware clocks ------------------------------------------------------------------------ */

/* A clock further than this from CLOCK_REALTIME (or from TAI) is not counting it. */
#define PORT_RT_MATCH_NS CLOCK_NS_PER_S
/* A clock nearer than this to CLOCK_REALTIME, but counting neither UTC nor TAI: an error. */
#define PORT_RT_NEAR_NS (1000 * CLOCK_NS_PER_S)

static int
port_clock_read(void *arg, uint64_t *before, uint64_t *ticks, uint64_t *after)
{
	const struct port_rt *pr = arg;
	int rc;

	*before = clock_realtime_ns();
	rc = rte_eth_read_clock(pr->port_id, ticks);
	*after = clock_realtime_ns();
	return rc;
}

static void
port_clock_sleep(void *arg, uint64_t us)
{
	rte_delay_us_sleep((unsigned int)us);
}

static struct devclock_source
port_clock_src(struct port_rt *pr)
{
	return (struct devclock_source){
		.read = port_clock_read, .sleep_us = port_clock_sleep, .arg = pr
	};
}

/* The kernel's TAI offset in seconds (adjtimex), 0 when nothing set it. */
static int
port_kernel_tai(void)
{
	struct timex tx = { .modes = 0 };

	if (adjtimex(&tx) < 0)
		return 0;
	return tx.tai;
}

const char *
port_clock_name(enum cfg_clock k)
{
	static const char *const names[] = {
		[CFG_CLOCK_AUTO] = "auto",
		[CFG_CLOCK_UTC] = "utc",
		[CFG_CLOCK_TAI] = "tai",
		[CFG_CLOCK_FREE] = "free",
	};

	return (unsigned int)k < RTE_DIM(names) ? names[k] : "?";
}

static int64_t
abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

/*
 * What the device clock counts: ports[].clock, checked against a bracketed sample of the clock
 * and CLOCK_REALTIME, or measured for "auto". Every decision is logged; what cannot be decided
 * is an error naming ports[i].clock.
 */
static int
port_hw_clock_init(const struct stp_config *cfg, struct port_rt *pr, char err[CFG_ERR_LEN])
{
	struct devclock_source src = port_clock_src(pr);
	enum cfg_clock want = pr->cfg->clock;
	uint64_t ticks, ns, brk;
	int tai = port_kernel_tai();
	int64_t diff, tai_ns = (int64_t)tai * (int64_t)CLOCK_NS_PER_S;
	char path[64];
	int rc;

	snprintf(path, sizeof(path), "ports[%u].clock", pr->cfg_idx);
	rc = devclock_sample(&src, DEVCLOCK_START_TRIES, &ticks, &ns, &brk);
	pr->hw_readable = rc == 0;
	if (rc != 0) {
		rc = rte_eth_read_clock(pr->port_id, &ticks);
		if (want == CFG_CLOCK_AUTO || want == CFG_CLOCK_FREE)
			return cfg_errf(cfg, err, path,
					"\"%s\": the device clock of %s (%s) cannot be read "
					"(rte_eth_read_clock: %s), so it can be neither measured nor "
					"followed: say what its stamps count, \"utc\" or \"tai\"",
					port_clock_name(want), pr->cfg->name, pr->drv_name,
					rte_strerror(-rc));
		if (want == CFG_CLOCK_TAI && tai == 0)
			return cfg_errf(cfg, err, path,
					"\"tai\", but the kernel's TAI offset (adjtimex) is not set: "
					"TAI stamps cannot be converted to UTC");
		pr->hw_kind = want;
		pr->hw_rt_offset = want == CFG_CLOCK_TAI ? tai_ns : 0;
		PORT_LOG(WARNING,
				"%s: device clock not readable (%s): stamps taken as %s ns as "
				"configured (%s), unchecked%s",
				pr->cfg->name, rte_strerror(-rc), port_clock_name(want), path,
				want == CFG_CLOCK_TAI ? ", less the kernel's TAI offset" : "");
		return 0;
	}
	diff = (int64_t)(ticks - ns);
	if (want == CFG_CLOCK_AUTO) {
		if (abs64(diff) < (int64_t)PORT_RT_MATCH_NS)
			want = CFG_CLOCK_UTC;
		else if (tai != 0 && abs64(diff - tai_ns) < (int64_t)PORT_RT_MATCH_NS)
			want = CFG_CLOCK_TAI;
		else if (abs64(diff) < (int64_t)PORT_RT_NEAR_NS)
			return cfg_errf(cfg, err, path,
					"\"auto\": the device clock of %s is %+.3f s from "
					"CLOCK_REALTIME and the kernel's TAI offset is %d s%s: it "
					"counts neither UTC nor TAI as far as this host knows; set "
					"\"utc\", \"tai\" or \"free\"",
					pr->cfg->name, (double)diff / 1e9, tai,
					tai == 0 ? " (not set)" : "");
		else
			want = CFG_CLOCK_FREE;
		PORT_LOG(INFO,
				"%s: %s \"auto\": device clock %+.3f s from CLOCK_REALTIME, kernel "
				"TAI offset %d s: counts %s",
				pr->cfg->name, path, (double)diff / 1e9, tai,
				want == CFG_CLOCK_FREE ? "free-running ticks" :
							 port_clock_name(want));
	} else if (want == CFG_CLOCK_UTC && abs64(diff) >= (int64_t)PORT_RT_MATCH_NS) {
		return cfg_errf(cfg, err, path,
				"\"utc\", but the device clock of %s is %+.3f s from "
				"CLOCK_REALTIME%s",
				pr->cfg->name, (double)diff / 1e9,
				tai != 0 && abs64(diff - tai_ns) < (int64_t)PORT_RT_MATCH_NS ?
						": it counts TAI (set \"tai\")" :
						" (not synchronised, or free-running: \"free\")");
	} else if (want == CFG_CLOCK_TAI) {
		if (tai == 0)
			return cfg_errf(cfg, err, path,
					"\"tai\", but the kernel's TAI offset (adjtimex) is not set: "
					"TAI stamps cannot be converted to UTC");
		if (abs64(diff - tai_ns) >= (int64_t)PORT_RT_MATCH_NS)
			return cfg_errf(cfg, err, path,
					"\"tai\", but the device clock of %s is %+.3f s from "
					"CLOCK_REALTIME where TAI is %+d s",
					pr->cfg->name, (double)diff / 1e9, tai);
	}
	pr->hw_kind = want;
	pr->hw_next_tsc = rte_get_timer_cycles();
	if (want != CFG_CLOCK_FREE) {
		pr->hw_rt_offset = want == CFG_CLOCK_TAI ? tai_ns : 0;
		pr->hw_rt_err = (int64_t)(ns - (ticks - (uint64_t)pr->hw_rt_offset));
		PORT_LOG(INFO,
				"%s: device clock counts %s ns (real-time mode)%s, %+" PRId64
				" ns from CLOCK_REALTIME after conversion",
				pr->cfg->name, port_clock_name(want),
				want == CFG_CLOCK_TAI ? ", less the kernel's TAI offset" : "",
				-pr->hw_rt_err);
		return 0;
	}
	rc = devclock_start(&pr->hw_clock, &src, pr->cfg->clock_bits);
	if (rc != 0)
		return cfg_errf(cfg, err, path,
				"\"free\": the device clock of %s cannot be followed: %s",
				pr->cfg->name,
				rc == -ERANGE ? "it wraps in less than 4 sample periods (ports[].clock_bits)" :
						"it does not move");
	PORT_LOG(INFO,
			"%s: device clock free-running at %.3f Hz (%u bits), followed against "
			"CLOCK_REALTIME every %u ms (bracket %" PRIu64 " ns)",
			pr->cfg->name, devclock_hz(&pr->hw_clock), pr->cfg->clock_bits,
			DEVCLOCK_PERIOD_MS, pr->hw_clock.min_brk);
	return 0;
}

void
port_clock_view(const struct port_rt *pr, struct port_clock_view *v)
{
	const struct devclock *c = &pr->hw_clock;

	memset(v, 0, sizeof(*v));
	if (pr->ts_src != PKT_TS_HW)
		return;
	v->hw = true;
	v->kind = pr->hw_kind;
	if (pr->hw_kind != CFG_CLOCK_FREE) {
		v->hz = 1e9;
		v->offset_ns = pr->hw_rt_offset - __atomic_load_n(&pr->hw_rt_err, __ATOMIC_RELAXED);
		v->last_error_ns = __atomic_load_n(&pr->hw_rt_err, __ATOMIC_RELAXED);
		v->tai_offset_s = (int)(pr->hw_rt_offset / (int64_t)CLOCK_NS_PER_S);
		return;
	}
	v->hz = devclock_hz(c);
	v->drift_ppm = c->start_hz > 0 ? (v->hz / c->start_hz - 1) * 1e6 : 0;
	v->offset_ns = (int64_t)((double)__atomic_load_n(&c->ext, __ATOMIC_RELAXED) * 1e9 / v->hz) -
			(int64_t)__atomic_load_n(&c->last_ns, __ATOMIC_RELAXED);
	v->last_error_ns = __atomic_load_n(&c->last_err, __ATOMIC_RELAXED);
	v->bracket_ns = __atomic_load_n(&c->last_brk, __ATOMIC_RELAXED);
	v->samples = __atomic_load_n(&c->nb_samples, __ATOMIC_RELAXED);
	v->rejects = __atomic_load_n(&c->nb_rejects, __ATOMIC_RELAXED);
	v->steps = __atomic_load_n(&c->nb_steps, __ATOMIC_RELAXED);
	v->rate_restarts = __atomic_load_n(&c->nb_changes, __ATOMIC_RELAXED);
}

json_t *
port_clocks_json(const struct port_set *ps)
{
	json_t *a = json_array();

	for (unsigned int i = 0; a != NULL && i < ps->nb; i++) {
		const struct port_rt *pr = &ps->ports[i];
		struct port_clock_view v;
		json_t *o;

		port_clock_view(pr, &v);
		o = json_pack("{s:s, s:s}", "port", pr->cfg->name, "source",
				pkt_ts_src_name(pr->ts_src));
		if (o != NULL && v.hw)
			json_object_update_new(o,
					json_pack("{s:s, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:I, "
						  "s:I, s:i}",
							"clock", port_clock_name(v.kind),
							"frequency_hz", v.hz, "drift_ppm",
							v.drift_ppm, "offset_ns",
							(json_int_t)v.offset_ns, "last_error_ns",
							(json_int_t)v.last_error_ns, "bracket_ns",
							(json_int_t)v.bracket_ns, "samples",
							(json_int_t)v.samples, "rejects",
							(json_int_t)v.rejects, "steps",
							(json_int_t)v.steps, "rate_restarts",
							(json_int_t)v.rate_restarts, "tai_offset_s",
							v.tai_offset_s));
		json_array_append_new(a, o);
	}
	return a;
}

void
port_clock_tick(struct port_set *ps)
{
	uint64_t now = rte_get_timer_cycles();
	uint64_t period = rte_get_timer_hz() / (1000 / DEVCLOCK_PERIOD_MS);

	for (unsigned int i = 0; i < ps->nb; i++) {
		struct port_rt *pr = &ps->ports[i];
		struct devclock_source src = port_clock_src(pr);
		uint64_t ticks, ns, brk;
		int rc;

		if (pr->ts_src != PKT_TS_HW || !pr->hw_readable || now < pr->hw_next_tsc)
			continue;
		pr->hw_next_tsc += period;
		if (pr->hw_next_tsc < now) /* the loop was late: do not catch up in a burst */
			pr->hw_next_tsc = now + period;
		if (pr->hw_kind != CFG_CLOCK_FREE) {
			if (devclock_sample(&src, DEVCLOCK_TRIES, &ticks, &ns, &brk) == 0)
				pr->hw_rt_err = (int64_t)(ns - port_hw_ns(pr, ticks));
			continue;
		}
		rc = devclock_tick(&pr->hw_clock, &src);
		if (rc == 1)
			PORT_LOG(WARNING,
					"%s: CLOCK_REALTIME stepped by %+.6f s: device clock map "
					"re-anchored (stamps follow UTC)",
					pr->cfg->name, (double)pr->hw_clock.last_step_ns / 1e9);
		else if (rc == -EAGAIN)
			pr->hw_next_tsc = now; /* rejected: try again next iteration */
		else if (rc == -ERANGE && pr->hw_clock.nb_backwards <= 3)
			PORT_LOG(ERR,
					"%s: the device clock went backwards (%" PRIu64
					" times): it wraps before ports[%u].clock_bits (%u) bits, or the "
					"device was reset; the map restarted, stamps since the last "
					"sample were wrong",
					pr->cfg->name, pr->hw_clock.nb_backwards, pr->cfg_idx,
					pr->cfg->clock_bits);
	}
}

/*
 * Follow the PMD through the file: each packet is matched to its record (same captured length)
 * and keeps the record's original length when the record was cut short (caplen < len, a
 * snaplen capture), as tcpdump does for `len` and pcapng for its original length. With
 * @p use_ts the record's ns time stamps the packet; otherwise it keeps the software stamp.
 */
static void
port_stamp_pcap(struct port_pcap_ts *t, struct rte_mbuf **pkts, uint16_t n, uint64_t sw_ns,
		bool use_ts, uint64_t *ts_count)
{
	for (uint16_t i = 0; i < n; i++) {
		struct pkt_meta *meta = pkt_meta(pkts[i]);
		struct pcap_pkthdr *h;
		const u_char *data;
		unsigned int tries = 0;
		int rc;

		meta->ts_ns = sw_ns;
		meta->ts_src = PKT_TS_SW;
		meta->orig_len = 0;
		while (!t->eof && tries++ < PCAP_TS_RESYNC) {
			rc = pcap_next_ex(t->pcap, &h, &data);
			if (rc != 1) {
				t->eof = true;
				break;
			}
			if (++t->read >= t->total)
				t->eof = true;
			if (h->caplen == rte_pktmbuf_pkt_len(pkts[i])) {
				if (h->len > h->caplen)
					meta->orig_len = (uint16_t)RTE_MIN(
							h->len, (uint32_t)UINT16_MAX);
				if (use_ts) {
					/* tv_usec holds ns: the file was opened with nano
					 * precision. */
					meta->ts_ns = (uint64_t)h->ts.tv_sec * CLOCK_NS_PER_S +
							(uint64_t)h->ts.tv_usec;
					meta->ts_src = PKT_TS_PCAP;
				}
				break;
			}
			t->resync++;
		}
		ts_count[meta->ts_src]++;
	}
}

void
port_stamp_burst(const struct port_set *ps, struct port_rt *pr, uint16_t queue,
		struct rte_mbuf **pkts, uint16_t n, uint64_t tsc, uint64_t *ts_count)
{
	uint64_t sw_ns;
	struct devclock_map map;

	switch (pr->ts_src) {
	case PKT_TS_HW:
		sw_ns = clock_tsc_ns(tsc);
		/* One consistent map for the burst (the control thread may publish meanwhile). */
		devclock_sync_read(&pr->hw_clock.sync, &map);
		for (uint16_t i = 0; i < n; i++) {
			struct pkt_meta *meta = pkt_meta(pkts[i]);

			if (likely(pkts[i]->ol_flags & ps->hw_ts_flag)) {
				uint64_t ticks = *RTE_MBUF_DYNFIELD(
						pkts[i], ps->hw_ts_offset, rte_mbuf_timestamp_t *);

				meta->ts_ns = pr->hw_kind == CFG_CLOCK_FREE ?
						devclock_map_ns(&map, pr->hw_clock.shift, ticks) :
						ticks - (uint64_t)pr->hw_rt_offset;
				meta->ts_src = PKT_TS_HW;
			} else {
				meta->ts_ns = sw_ns;
				meta->ts_src = PKT_TS_SW;
			}
			meta->orig_len = 0;
			ts_count[meta->ts_src]++;
		}
		break;
	case PKT_TS_KERNEL:
		port_stamp_kernel(ps, pkts, n, tsc, ts_count);
		break;
	case PKT_TS_PCAP:
	case PKT_TS_SW:
		sw_ns = clock_tsc_ns(tsc);
		if (pr->pcap_ts[queue] != NULL) {
			port_stamp_pcap(pr->pcap_ts[queue], pkts, n, sw_ns,
					pr->ts_src == PKT_TS_PCAP, ts_count);
			break;
		}
		/* A queue without its own file: software stamps. */
		for (uint16_t i = 0; i < n; i++) {
			struct pkt_meta *meta = pkt_meta(pkts[i]);

			meta->ts_ns = sw_ns;
			meta->ts_src = PKT_TS_SW;
			meta->orig_len = 0;
		}
		ts_count[PKT_TS_SW] += n;
		break;
	default:
		for (uint16_t i = 0; i < n; i++) {
			struct pkt_meta *meta = pkt_meta(pkts[i]);

			meta->ts_ns = 0;
			meta->ts_src = PKT_TS_NONE;
			meta->orig_len = 0;
		}
		ts_count[PKT_TS_NONE] += n;
		break;
	}
}

bool
port_has_pcap_input(const struct port_set *ps)
{
	for (unsigned int i = 0; i < ps->nb; i++)
		for (unsigned int q = 0; q < CFG_MAX_QUEUES; q++)
			if (ps->ports[i].pcap_ts[q] != NULL)
				return true;
	return false;
}

bool
port_pcap_all_eof(const struct port_set *ps, const uint64_t *port_rx)
{
	for (unsigned int i = 0; i < ps->nb; i++) {
		const struct port_rt *pr = &ps->ports[i];

		if (pr->pcap_ts[0] == NULL)
			continue;
		if (pr->ts_src != PKT_TS_PCAP) {
			/* Not stamped from the files: the packet count says where the PMD is. */
			if (port_rx[pr->port_id] < pr->pcap_records)
				return false;
			continue;
		}
		for (unsigned int q = 0; q < CFG_MAX_QUEUES; q++) {
			const struct port_pcap_ts *t = pr->pcap_ts[q];

			if (t != NULL && !__atomic_load_n(&t->eof, __ATOMIC_RELAXED))
				return false;
		}
	}
	return true;
}

bool
port_lcores_share_cpus(void)
{
	unsigned int a, b;

	RTE_LCORE_FOREACH(a) {
		rte_cpuset_t ca = rte_lcore_cpuset(a);

		RTE_LCORE_FOREACH(b) {
			rte_cpuset_t cb = rte_lcore_cpuset(b), both;

			if (b <= a)
				continue;
			CPU_AND(&both, &ca, &cb);
			if (CPU_COUNT(&both) > 0)
				return true;
		}
	}
	return false;
}

/* --- set-up -------------------------------------------------------------------------------- */

static unsigned int
port_pool_need(const struct stp_config *cfg)
{
	unsigned int need = 0, nb_worker = 0, nb_tx = 0;

	for (unsigned int i = 0; i < cfg->nb_ports; i++)
		need += cfg->ports[i].rx_queues * cfg->ports[i].rx_desc +
				cfg->ports[i].tx_queues * cfg->ports[i].tx_desc;
	for (unsigned int i = 0; i < cfg->nb_lcores; i++) {
		nb_worker += !!(cfg->lcores[i].roles & CFG_ROLE_WORKER);
		nb_tx += !!(cfg->lcores[i].roles & CFG_ROLE_TX);
	}
	/* Rings that cross lcores, bursts in flight and per-lcore caches. */
	need += nb_worker * cfg->worker_ring_size + nb_tx * cfg->tx_ring_size;
	/*
	 * A capture ring holds references to pool mbufs: a stalled writer can pin a whole ring,
	 * and a pool that size starves RX (rx_nombuf) instead of counting capture_ring_full.
	 */
	for (unsigned int o = 0; o < outputs_cfg_of(cfg)->nb_outputs; o++)
		need += outputs_cfg_of(cfg)->outputs[o].ring_size;
	need += cfg->nb_lcores * (cfg->mempool_cache * 3 / 2 + 4 * CFG_MAX_BURST);
	return need;
}

/* Capture writer threads the config asks for, over every pcapng output. */
static unsigned int
capture_writers(const struct stp_config *cfg)
{
	const struct outputs_cfg *oc = outputs_cfg_of(cfg);
	unsigned int n = 0;

	for (unsigned int o = 0; o < oc->nb_outputs; o++)
		if (oc->outputs[o].type == CFG_OUTPUT_PCAPNG)
			n += oc->outputs[o].writers;
	return n;
}

static int
port_configure(const struct stp_config *cfg, struct port_set *ps, struct port_rt *pr,
		const struct rte_eth_dev_info *di, char err[CFG_ERR_LEN])
{
	const struct cfg_port *p = pr->cfg;
	struct rte_eth_conf conf;
	uint16_t nb_rxd = p->rx_desc, nb_txd = p->tx_desc;
	char path[64];
	int rc;

	memset(&conf, 0, sizeof(conf));
	conf.rxmode.mtu = p->mtu;
	if ((unsigned int)p->mtu + PORT_DEFAULT_OVERHEAD + PORT_VLAN_ROOM >
					(unsigned int)cfg->mbuf_size - RTE_PKTMBUF_HEADROOM &&
			(di->rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
	if (pr->ts_src == PKT_TS_HW || (pr->ts_src == PKT_TS_KERNEL && p->timestamp == CFG_TS_HW))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	if (di->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		pr->tx_multiseg = true;
	}
	/* These vdevs advertise no TX offload but take chained mbufs (copy out, pass or free). */
	if (strcmp(di->driver_name, "net_pcap") == 0 || strcmp(di->driver_name, "net_ring") == 0 ||
			strcmp(di->driver_name, "net_null") == 0)
		pr->tx_multiseg = true;
	if (p->rx_queues > 1 && di->flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = di->flow_type_rss_offloads &
				(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP |
						RTE_ETH_RSS_SCTP);
		if (di->hash_key_size == sizeof(port_sym_rss_key) || di->hash_key_size == 40) {
			conf.rx_adv_conf.rss_conf.rss_key = port_sym_rss_key;
			conf.rx_adv_conf.rss_conf.rss_key_len = di->hash_key_size;
		}
	}

	snprintf(path, sizeof(path), "ports[%u]", pr->cfg_idx);
	rc = rte_eth_dev_configure(pr->port_id, p->rx_queues, p->tx_queues, &conf);
	if (rc < 0)
		return cfg_errf(cfg, err, path, "%s: configure failed: %s", p->name,
				rte_strerror(-rc));
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(pr->port_id, &nb_rxd, &nb_txd);
	if (rc < 0)
		return cfg_errf(cfg, err, path, "%s: descriptor counts refused: %s", p->name,
				rte_strerror(-rc));
	if (nb_rxd != p->rx_desc)
		PORT_LOG(WARNING, "%s: ports[%u].rx_desc: requested %u, granted %u", cfg->file,
				pr->cfg_idx, p->rx_desc, nb_rxd);
	if (nb_txd != p->tx_desc)
		PORT_LOG(WARNING, "%s: ports[%u].tx_desc: requested %u, granted %u", cfg->file,
				pr->cfg_idx, p->tx_desc, nb_txd);

	for (uint16_t q = 0; q < p->rx_queues; q++) {
		struct rte_eth_rxconf rxc = di->default_rxconf;

		rxc.offloads = conf.rxmode.offloads;
		rc = rte_eth_rx_queue_setup(pr->port_id, q, nb_rxd,
				rte_eth_dev_socket_id(pr->port_id), &rxc, ps->pool);
		if (rc < 0)
			return cfg_errf(cfg, err, path,
					"%s: RX queue %u set-up failed: %s (for jumbo frames on "
					"this driver, raise mempool.mbuf_size)",
					p->name, q, rte_strerror(-rc));
	}
	for (uint16_t q = 0; q < p->tx_queues; q++) {
		struct rte_eth_txconf txc = di->default_txconf;

		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_tx_queue_setup(
				pr->port_id, q, nb_txd, rte_eth_dev_socket_id(pr->port_id), &txc);
		if (rc < 0)
			return cfg_errf(cfg, err, path, "%s: TX queue %u set-up failed: %s",
					p->name, q, rte_strerror(-rc));
	}
	if ((pr->ts_src == PKT_TS_HW || pr->ts_src == PKT_TS_KERNEL) && ps->hw_ts_offset < 0) {
		rc = rte_mbuf_dyn_rx_timestamp_register(&ps->hw_ts_offset, &ps->hw_ts_flag);
		if (rc != 0)
			return cfg_errf(cfg, err, path,
					"%s: cannot register the RX timestamp "
					"field: %s",
					p->name, rte_strerror(rte_errno));
	}
	rc = rte_eth_dev_start(pr->port_id);
	if (rc < 0)
		return cfg_errf(cfg, err, path, "%s: start failed: %s", p->name, rte_strerror(-rc));
	pr->started = true;
	if (p->promiscuous) {
		rc = rte_eth_promiscuous_enable(pr->port_id);
		if (rc != 0 && rc != -ENOTSUP)
			PORT_LOG(WARNING, "%s: promiscuous mode refused: %s", p->name,
					rte_strerror(-rc));
	}
	rte_eth_macaddr_get(pr->port_id, &pr->mac);
	if (pr->ts_src == PKT_TS_HW)
		return port_hw_clock_init(cfg, pr, err);
	return 0;
}

/* A net_pcap port reading files (not looping them): its records can be counted. */
static bool
port_reads_pcap_file(const struct cfg_port *p, const char *driver)
{
	char v[CFG_PATH_LEN];

	return strcmp(driver, "net_pcap") == 0 &&
			port_devarg(p->device, "rx_pcap", 0, v, sizeof(v)) &&
			!(port_devarg(p->device, "infinite_rx", 0, v, sizeof(v)) &&
					strcmp(v, "0") != 0);
}

/* Resolve the timestamp source a port will use. */
static enum pkt_ts_src
port_ts_source(const struct cfg_port *p, const struct rte_eth_dev_info *di)
{
	bool hw = di->rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP;

	/* net_afpkt stamps every frame in the kernel (hw when asked and granted): port_kern.c. */
	if (port_kern_stamps(di->driver_name) &&
			(p->timestamp == CFG_TS_AUTO || p->timestamp == CFG_TS_HW))
		return PKT_TS_KERNEL;
	switch (p->timestamp) {
	case CFG_TS_HW:
		return PKT_TS_HW;
	case CFG_TS_SW:
		return PKT_TS_SW;
	case CFG_TS_NONE:
		return PKT_TS_NONE;
	case CFG_TS_AUTO:
	default:
		if (hw)
			return PKT_TS_HW;
		if (port_reads_pcap_file(p, di->driver_name))
			return PKT_TS_PCAP;
		return PKT_TS_SW;
	}
}

int
port_precheck(const struct stp_config *cfg, char err[CFG_ERR_LEN])
{
	for (unsigned int i = 0; i < cfg->nb_ports; i++) {
		const struct cfg_port *p = &cfg->ports[i];
		char file[CFG_PATH_LEN], path[64];
		FILE *f;

		if (strncmp(p->device, "net_pcap", 8) != 0)
			continue;
		for (unsigned int q = 0; port_devarg(p->device, "rx_pcap", q, file, sizeof(file));
				q++) {
			f = fopen(file, "rb");
			if (f == NULL) {
				snprintf(path, sizeof(path), "ports[%u].device", i);
				return cfg_errf(cfg, err, path, "rx_pcap file \"%s\": %s", file,
						strerror(errno));
			}
			fclose(f);
		}
	}
	return 0;
}

int
port_setup(const struct stp_config *cfg, struct port_set *ps, char err[CFG_ERR_LEN])
{
	unsigned int need, pool_size;
	bool af_xdp = false, any_pci = false, packed;
	const char *ops;
	int rc;

	memset(ps, 0, sizeof(*ps));
	ps->hw_ts_offset = -1;

	for (unsigned int i = 0; i < cfg->nb_ports; i++) {
		struct port_rt *pr = &ps->ports[i];
		struct rte_eth_dev_info di;
		char devname[CFG_DEVICE_LEN + 8], path[64];
		uint16_t pid;

		pr->cfg = &cfg->ports[i];
		pr->trailer = trailer_cfg_of(cfg, i)->format != TRAILER_FMT_NONE ?
				trailer_cfg_of(cfg, i) :
				NULL;
		pr->cfg_idx = i;
		port_dev_name(pr->cfg, devname, sizeof(devname));
		snprintf(path, sizeof(path), "ports[%u].device", i);
		if (rte_eth_dev_get_port_by_name(devname, &pid) != 0)
			return cfg_errf(cfg, err, path,
					"\"%s\" did not probe: no DPDK port called %s (see the EAL "
					"messages above; is the driver loaded and the device "
					"present?)",
					pr->cfg->device, devname);
		for (unsigned int j = 0; j < i; j++)
			if (ps->ports[j].port_id == pid)
				return cfg_errf(cfg, err, path,
						"\"%s\" is the same device as "
						"ports[%u]",
						pr->cfg->device, j);
		pr->port_id = pid;
		ps->by_id[pid] = pr;
		rc = rte_eth_dev_info_get(pid, &di);
		if (rc != 0)
			return cfg_errf(cfg, err, path, "cannot read device info: %s",
					rte_strerror(-rc));
		snprintf(pr->drv_name, sizeof(pr->drv_name), "%s", di.driver_name);
		rc = port_validate(cfg, i, devname, &di, err);
		if (rc != 0)
			return rc;
		pr->ts_src = port_ts_source(pr->cfg, &di);
		pr->max_frame = pr->cfg->mtu + RTE_ETHER_HDR_LEN + PORT_VLAN_ROOM;
		/* Files are read beside the PMD for ns stamps, and counted for --exit-on-eof. */
		if (port_reads_pcap_file(pr->cfg, pr->drv_name)) {
			rc = port_pcap_ts_open(pr, err, cfg);
			if (rc != 0)
				return rc;
		}
		ps->nb++;
	}

	need = port_pool_need(cfg);
	pool_size = cfg->mempool_size;
	if (pool_size < need)
		PORT_LOG(WARNING,
				"%s: mempool.size: %u is less than descriptors, rings (capture rings included) "
				"and caches can hold (%u): expect rx_nombuf under load",
				cfg->file, pool_size, need);
	/*
	 * Threads that share CPUs must not stall each other in the pool's ring (see port.h): lcores
	 * mapped onto fewer CPUs, or more than one capture writer thread (they free what they wrote
	 * into the pool and run as control threads, all on the control CPUs: with the classic ring
	 * two writers on one CPU wrote 0.1 Mpps each, spinning in its tail wait;
	 * scripts/bench/capture_cpu.sh rows s2 and t2).
	 */
	ops = port_lcores_share_cpus() || capture_writers(cfg) > 1 ? "ring_mt_rts" : NULL;
	/*
	 * An AF_XDP port needs every mbuf inside the UMEM its PMD registers (port_kern.h): objects
	 * packed back to back. Only PCI ports need objects that do not cross a page (DMA).
	 */
	for (unsigned int i = 0; i < ps->nb; i++) {
		af_xdp |= strcmp(ps->ports[i].drv_name, "net_af_xdp") == 0;
		any_pci |= ps->ports[i].cfg->is_pci;
	}
	packed = af_xdp && !any_pci;
	ps->pool = port_pktmbuf_pool_create("stp_pool", pool_size, cfg->mempool_cache,
			cfg->mbuf_size, rte_socket_id(), ops, packed);
	if (ps->pool == NULL)
		return cfg_errf(cfg, err, "mempool.size",
				"%u mbufs of %u bytes could not be allocated: %s (with eal.hugepages "
				"false, raise eal.memory_mb; otherwise reserve more hugepages)",
				pool_size, cfg->mbuf_size, rte_strerror(rte_errno));
	if (af_xdp) {
		rc = port_xdp_check_pool(cfg, ps->pool, packed, err);
		if (rc != 0)
			return rc;
	}

	/* Clones carry no data (they point into the original): a small pool of bare mbufs. */
	ps->clone_pool = rte_pktmbuf_pool_create_by_ops("stp_clone", RTE_MAX(pool_size / 4, 1023u),
			cfg->mempool_cache, 0, 0, rte_socket_id(), ops);
	if (ps->clone_pool == NULL)
		return cfg_errf(cfg, err, "mempool.size",
				"%u: the clone pool could not be allocated: %s", pool_size,
				rte_strerror(rte_errno));

	for (unsigned int i = 0; i < ps->nb; i++) {
		struct rte_eth_dev_info di;

		rte_eth_dev_info_get(ps->ports[i].port_id, &di);
		port_kern_mark();
		rc = port_configure(cfg, ps, &ps->ports[i], &di, err);
		if (rc != 0)
			return rc;
		port_kern_claim(&ps->ports[i]);
		PORT_LOG(INFO, "%s: port %u %s (%s) mtu %u rxq %u txq %u timestamps %s",
				ps->ports[i].cfg->name, ps->ports[i].port_id,
				ps->ports[i].cfg->device, ps->ports[i].drv_name,
				ps->ports[i].cfg->mtu, ps->ports[i].cfg->rx_queues,
				ps->ports[i].cfg->tx_queues, pkt_ts_src_name(ps->ports[i].ts_src));
	}
	port_kern_warn_shared(ps);
	for (unsigned int i = 0; cfg->idle_sleep_us > 0 && i < ps->nb; i++)
		if (ps->ports[i].ts_src == PKT_TS_SW)
			PORT_LOG(WARNING,
					"%s: software stamps with idle_sleep_us %u: a frame that arrives "
					"while its lcore sleeps is stamped when it wakes, up to %u us and "
					"the kernel's wake-up latency late. Take kernel stamps (device "
					"net_afpkt) or the NIC's (timestamp \"hw\"), or set idle_sleep_us 0",
					ps->ports[i].cfg->name, cfg->idle_sleep_us,
					cfg->idle_sleep_us);
	return 0;
}

void
port_teardown(struct port_set *ps)
{
	port_kern_release();
	for (unsigned int i = 0; i < ps->nb; i++) {
		struct port_rt *pr = &ps->ports[i];

		if (pr->started)
			rte_eth_dev_stop(pr->port_id);
		rte_eth_dev_close(pr->port_id);
		for (unsigned int q = 0; q < CFG_MAX_QUEUES; q++) {
			if (pr->pcap_ts[q] == NULL)
				continue;
			pcap_close(pr->pcap_ts[q]->pcap);
			free(pr->pcap_ts[q]);
			pr->pcap_ts[q] = NULL;
		}
	}
	ps->nb = 0;
	rte_mempool_free(ps->pool);
	rte_mempool_free(ps->clone_pool);
	ps->pool = NULL;
	ps->clone_pool = NULL;
}
