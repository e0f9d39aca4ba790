/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * Kernel-backed ports: the AF_XDP UMEM window of the mbuf pool, and the kernel's drop counters
 * of the sockets behind net_af_packet and net_af_xdp ports (see port_kern.h).
 */

#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if_packet.h>
#include <linux/if_xdp.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#include "afpkt.h"
#include "clock.h"
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

/* --- kernel drop counters ------------------------------------------------------------------ */

#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef SOL_XDP
#define SOL_XDP 283
#endif

#define KERN_MAX_SOCKS 64
#define KERN_MAX_MARK 256

/* The sockets behind one DPDK port. Control threads only, under kern_lock. */
struct kern_port {
	int family; /* AF_PACKET or AF_XDP; 0: none claimed */
	unsigned int nb;
	int fd[KERN_MAX_SOCKS];
	uint64_t tp_drops; /* AF_PACKET: PACKET_STATISTICS resets on read: accumulated */
};

static struct kern_port kern_ports[RTE_MAX_ETHPORTS];
/* AFPKT_DYNFLAG_HW_TS once net_afpkt registered it: ctlplane wo (before launch), dataplane ro. */
static uint64_t kern_hw_flag;
static ino_t kern_mark[KERN_MAX_MARK]; /* AF_XDP sockets that existed at port_kern_mark() */
static unsigned int kern_nb_mark;
static pthread_mutex_t kern_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const miss_names[PORT_MISS_MAX] = {
#define PORT_MISS_NAME(id, name, desc) [PORT_MISS_##id] = name,
	PORT_FOREACH_MISS(PORT_MISS_NAME)
#undef PORT_MISS_NAME
};

static const char *const miss_descs[PORT_MISS_MAX] = {
#define PORT_MISS_DESC(id, name, desc) [PORT_MISS_##id] = desc,
	PORT_FOREACH_MISS(PORT_MISS_DESC)
#undef PORT_MISS_DESC
};

const char *
port_miss_name(enum port_miss m)
{
	return m < PORT_MISS_MAX ? miss_names[m] : "unknown";
}

const char *
port_miss_desc(enum port_miss m)
{
	return m < PORT_MISS_MAX ? miss_descs[m] : "unknown";
}

bool
port_kern_driver(const char *driver)
{
	return strcmp(driver, "net_af_packet") == 0 || strcmp(driver, "net_af_xdp") == 0 ||
			strcmp(driver, "net_afpkt") == 0;
}

/* Calls @p fn on every socket descriptor of this process, with its family and inode. */
static void
kern_foreach_socket(void (*fn)(int fd, int family, ino_t ino, void *arg), void *arg)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		int family;
		socklen_t len = sizeof(family);
		struct stat st;

		if (*end != '\0' || end == e->d_name || fd == dirfd(d))
			continue;
		if (fstat((int)fd, &st) != 0 || !S_ISSOCK(st.st_mode))
			continue;
		if (getsockopt((int)fd, SOL_SOCKET, SO_DOMAIN, &family, &len) != 0)
			continue;
		fn((int)fd, family, st.st_ino, arg);
	}
	closedir(d);
}

static void
kern_mark_one(int fd, int family, ino_t ino, void *arg)
{
	RTE_SET_USED(fd);
	RTE_SET_USED(arg);
	if (family == AF_XDP && kern_nb_mark < KERN_MAX_MARK)
		kern_mark[kern_nb_mark++] = ino;
}

void
port_kern_mark(void)
{
	pthread_mutex_lock(&kern_lock);
	kern_nb_mark = 0;
	kern_foreach_socket(kern_mark_one, NULL);
	pthread_mutex_unlock(&kern_lock);
}

static bool
kern_claimed(int fd)
{
	for (unsigned int p = 0; p < RTE_MAX_ETHPORTS; p++)
		for (unsigned int i = 0; i < kern_ports[p].nb; i++)
			if (kern_ports[p].fd[i] == fd)
				return true;
	return false;
}

struct kern_claim {
	struct kern_port *kp;
	int want; /* AF_PACKET or AF_XDP */
	int ifindex;
};

static void
kern_claim_one(int fd, int family, ino_t ino, void *arg)
{
	struct kern_claim *c = arg;

	if (family != c->want || kern_claimed(fd) || c->kp->nb >= KERN_MAX_SOCKS)
		return;
	if (family == AF_PACKET) {
		struct sockaddr_ll sll;
		socklen_t len = sizeof(sll);

		if (getsockname(fd, (struct sockaddr *)&sll, &len) != 0 ||
				sll.sll_ifindex != c->ifindex)
			return;
	} else {
		for (unsigned int i = 0; i < kern_nb_mark; i++)
			if (kern_mark[i] == ino)
				return;
	}
	c->kp->fd[c->kp->nb++] = fd;
}

/* The value of devarg "iface=" in a device string. */
static bool
kern_iface(const char *device, char *out, size_t len)
{
	const char *p = strstr(device, ",iface=");

	if (p == NULL)
		return false;
	p += strlen(",iface=");
	snprintf(out, len, "%.*s", (int)strcspn(p, ","), p);
	return true;
}

void
port_kern_claim(const struct port_rt *pr)
{
	struct kern_claim c;
	char ifname[IF_NAMESIZE + 1];

	memset(&c, 0, sizeof(c));
	if (port_kern_stamps(pr->drv_name)) {
		int bit = rte_mbuf_dynflag_lookup(AFPKT_DYNFLAG_HW_TS, NULL);

		/* The PMD registered it at RX queue set-up. */
		kern_hw_flag = bit >= 0 ? 1ULL << bit : 0;
		return; /* it reports its own kernel drops */
	}
	if (strcmp(pr->drv_name, "net_af_packet") == 0) {
		if (!kern_iface(pr->cfg->device, ifname, sizeof(ifname)))
			return;
		c.ifindex = (int)if_nametoindex(ifname);
		if (c.ifindex == 0)
			return;
		c.want = AF_PACKET;
	} else if (strcmp(pr->drv_name, "net_af_xdp") == 0) {
		c.want = AF_XDP;
	} else {
		return; /* other kernel-backed drivers report their own drops */
	}
	pthread_mutex_lock(&kern_lock);
	c.kp = &kern_ports[pr->port_id];
	c.kp->family = c.want;
	kern_foreach_socket(kern_claim_one, &c);
	KERN_LOG(DEBUG, "%s: %u kernel socket(s) read for drop counters", pr->cfg->name, c.kp->nb);
	if (c.kp->nb == 0)
		KERN_LOG(WARNING,
				"%s: found no %s socket behind the port: kernel drops are not counted",
				pr->cfg->name, c.want == AF_XDP ? "AF_XDP" : "AF_PACKET");
	pthread_mutex_unlock(&kern_lock);
}

void
port_kern_release(void)
{
	pthread_mutex_lock(&kern_lock);
	memset(kern_ports, 0, sizeof(kern_ports));
	pthread_mutex_unlock(&kern_lock);
}

/*
 * Drops of @p kp the PMD does not report. Under kern_lock. DPDK 22.11's net_af_packet never
 * reads PACKET_STATISTICS (a later PMD that does would race with this read, which resets them).
 */
static uint64_t
kern_missed(struct kern_port *kp)
{
	uint64_t extra = 0;

	for (unsigned int i = 0; i < kp->nb; i++) {
		if (kp->family == AF_PACKET) {
			struct tpacket_stats st;
			socklen_t len = sizeof(st);

			if (getsockopt(kp->fd[i], SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
				kp->tp_drops += st.tp_drops;
		} else {
			struct xdp_statistics st;
			socklen_t len = sizeof(st);

			if (getsockopt(kp->fd[i], SOL_XDP, XDP_STATISTICS, &st, &len) == 0)
				extra += st.rx_ring_full;
		}
	}
	return kp->tp_drops + extra;
}

int
port_stats_get(uint16_t port_id, struct rte_eth_stats *es)
{
	int rc = rte_eth_stats_get(port_id, es);

	if (rc != 0 || port_id >= RTE_MAX_ETHPORTS)
		return rc;
	pthread_mutex_lock(&kern_lock);
	if (kern_ports[port_id].nb > 0)
		es->imissed += kern_missed(&kern_ports[port_id]);
	pthread_mutex_unlock(&kern_lock);
	return 0;
}

/*
 * net_pcap on a live interface (iface=, rx_iface=, rx_iface_in=) reads a libpcap packet socket:
 * DPDK 22.11's net_pcap reports pcap_stats()' ps_drop (the socket's PACKET_STATISTICS tp_drops)
 * as imissed. With rx_pcap files it has no kernel side and no imissed.
 */
static bool
kern_pcap_live(const struct port_rt *pr)
{
	return strcmp(pr->drv_name, "net_pcap") == 0 &&
			(strstr(pr->cfg->device, ",iface=") != NULL ||
					strstr(pr->cfg->device, ",rx_iface=") != NULL ||
					strstr(pr->cfg->device, ",rx_iface_in=") != NULL);
}

enum port_miss
port_miss_kind(const struct port_rt *pr)
{
	return port_kern_driver(pr->drv_name) || kern_pcap_live(pr) ? PORT_MISS_KERNEL :
								      PORT_MISS_NIC;
}

void
port_missed_sum(const struct port_set *ps, uint64_t missed[PORT_MISS_MAX])
{
	memset(missed, 0, sizeof(uint64_t) * PORT_MISS_MAX);
	for (unsigned int i = 0; i < ps->nb; i++) {
		struct rte_eth_stats es;

		if (port_stats_get(ps->ports[i].port_id, &es) != 0)
			continue;
		missed[port_miss_kind(&ps->ports[i])] += es.imissed;
	}
}

/* --- kernel stamps (net_afpkt) ------------------------------------------------------------- */

bool
port_kern_stamps(const char *driver)
{
	return strcmp(driver, AFPKT_DRIVER_NAME) == 0;
}

bool
port_kern_tx_hw(uint16_t port_id)
{
#ifdef STP_HAVE_AFPKT
	return afpkt_tx_stamps_hw(port_id);
#else
	RTE_SET_USED(port_id);
	return false;
#endif
}

void
port_stamp_kernel(const struct port_set *ps, struct rte_mbuf **pkts, uint16_t n, uint64_t tsc,
		uint64_t *ts_count)
{
	uint64_t hw = kern_hw_flag;

	for (uint16_t i = 0; i < n; i++) {
		struct pkt_meta *meta = pkt_meta(pkts[i]);

		if (likely(ps->hw_ts_offset >= 0 && (pkts[i]->ol_flags & ps->hw_ts_flag))) {
			meta->ts_ns = *RTE_MBUF_DYNFIELD(
					pkts[i], ps->hw_ts_offset, rte_mbuf_timestamp_t *);
			meta->ts_src = (pkts[i]->ol_flags & hw) ? PKT_TS_HW : PKT_TS_KERNEL;
		} else {
			meta->ts_ns = clock_tsc_ns(tsc);
			meta->ts_src = PKT_TS_SW;
		}
		ts_count[meta->ts_src]++;
	}
}

void
port_kern_warn_shared(const struct port_set *ps)
{
	if (!port_lcores_share_cpus())
		return;
	for (unsigned int i = 0; i < ps->nb; i++) {
		if (ps->ports[i].ts_src != PKT_TS_SW)
			continue;
		KERN_LOG(WARNING,
				"%s: software stamps are taken on lcores that share a CPU: a preempted "
				"poller stamps late (measured on a 2-vCPU VM against tcpdump's kernel "
				"stamps: 9.9 us late at p50, millisecond tails, against 2.5 us on a "
				"CPU of its own). Give each lcore its own CPU, or take kernel stamps "
				"(device net_afpkt) or the NIC's (timestamp \"hw\")",
				ps->ports[i].cfg->name);
	}
}
