/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * net_afpkt: an AF_PACKET vdev PMD that keeps the kernel's per-frame stamps (afpkt.h).
 * RX: one TPACKET_V3 ring per queue, read in place and copied into mbufs. TX: one unbound-
 * protocol socket per queue, a burst per sendmmsg() (the kernel copies; mbufs are freed).
 */

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_atomic.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_spinlock.h>

#include "afpkt.h"
#include "afpkt_ring.h"

RTE_LOG_REGISTER_SUFFIX(afpkt_logtype, afpkt, INFO);
#define AFPKT_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, afpkt_logtype, "net_afpkt: " fmt "\n", ##__VA_ARGS__)

#define AFPKT_MAX_QUEUES 16
#define AFPKT_MAX_SEGS 16
#define AFPKT_BURST_MAX 64
/*
 * One ring block per RX descriptor, of 16 KiB (or one largest frame). A block goes to user space
 * when full or after tov_ms, so when traffic is thin each block holds only a few frames: the
 * ring rides out a stall of about rx_desc x tov_ms whatever the rate, and holds at least rx_desc
 * frames of any size (about 100 x rx_desc of 64 bytes). Measured: 8 blocks of 64 KiB (the first
 * layout) lost nearly every frame of a 300 ms stall at 16 kpps.
 */
#define AFPKT_BLOCK_SIZE (16u << 10)
#define AFPKT_MIN_BLOCKS 64u
#define AFPKT_MAX_MTU 9000
#define AFPKT_MIN_MTU 68
#define AFPKT_L2_ROOM (RTE_ETHER_HDR_LEN + 8 + RTE_ETHER_CRC_LEN) /* two tags, FCS */

static const char *const afpkt_valid_args[] = { "iface", "tov_ms", "qdisc_bypass", NULL };

struct afpkt_rxq {
	int fd;
	uint8_t *map;
	size_t map_len;
	uint32_t block_size;
	uint32_t block_nr;
	/* Reader position (dataplane only): block, frames left in it, next frame's offset. */
	uint32_t cur;
	uint32_t left;
	uint32_t off;
	uint32_t blk_len; /* valid bytes of the current block */
	struct rte_mempool *mp;
	uint16_t port_id;
	int ts_off;	  /* RX timestamp dynfield offset */
	uint64_t ts_flag; /* RX timestamp dynflag */
	uint64_t hw_flag; /* AFPKT_DYNFLAG_HW_TS */
	/* dataplane: wo, ctlplane: ro */
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t rx_nombuf;
	uint64_t rx_errors;
	/* ctlplane only, under afpkt_internals.stats_lock: PACKET_STATISTICS resets on read */
	uint64_t tp_drops;
};

struct afpkt_txq {
	int fd;
	/* dataplane: wo, ctlplane: ro */
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t tx_errors;
	/*
	 * TX stamps (timesync): written by the queue's lcore in tx_burst and by the reader of
	 * rte_eth_timesync_read_tx_timestamp() (in stampede the same lcore); the OPT_ID keys of
	 * the stamped frames (afpkt_ring.h).
	 */
	uint32_t ts_req; /* 0: no stamps; else SOF_TIMESTAMPING_TX_SOFTWARE or _TX_HARDWARE */
	struct afpkt_txkeys ts;
};

struct afpkt_internals {
	char ifname[IF_NAMESIZE];
	int ifindex;
	int ctl_fd; /* ioctls and the promiscuous membership */
	unsigned int tov_ms;
	unsigned int qdisc_bypass; /* 1: TX skips the qdisc (and the taps, tcpdump, on this side) */
	bool promisc;
	bool hw_ts;  /* SIOCSHWTSTAMP granted: rings carry hardware stamps */
	bool hw_set; /* we changed the interface's stamping: restore hw_saved at close */
	struct hwtstamp_config hw_saved;
	bool hw_tx; /* SIOCSHWTSTAMP HWTSTAMP_TX_ON granted: TX stamps are the NIC's */
	bool ts_on; /* timesync enabled: stamp frames sent with RTE_MBUF_F_TX_IEEE1588_TMST */
	uint16_t fanout_id;
	struct rte_ether_addr mac;
	rte_spinlock_t stats_lock;
	uint64_t tp_drops_base; /* subtracted after stats_reset */
};

static struct rte_eth_link afpkt_link = {
	.link_speed = RTE_ETH_SPEED_NUM_10G,
	.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
	.link_status = RTE_ETH_LINK_DOWN,
	.link_autoneg = RTE_ETH_LINK_FIXED,
};

/* --- RX ------------------------------------------------------------------------------------ */

static inline struct tpacket_block_desc *
afpkt_block(struct afpkt_rxq *q, uint32_t i)
{
	return (struct tpacket_block_desc *)(q->map + (size_t)i * q->block_size);
}

/* Hand the current block back to the kernel and move to the next one. */
static inline void
afpkt_block_done(struct afpkt_rxq *q)
{
	struct tpacket_block_desc *bd = afpkt_block(q, q->cur);

	__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	q->cur = q->cur + 1 == q->block_nr ? 0 : q->cur + 1;
	q->left = 0;
}

static uint16_t
afpkt_rx(void *queue, struct rte_mbuf **bufs, uint16_t nb)
{
	struct afpkt_rxq *q = queue;
	uint16_t got = 0;
	uint64_t bytes = 0;

	while (got < nb) {
		struct afpkt_frame f;
		struct rte_mbuf *m;
		uint32_t next;
		int n;

		if (q->left == 0) {
			struct tpacket_block_desc *bd = afpkt_block(q, q->cur);

			if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
					    TP_STATUS_USER))
				break;
			n = afpkt_block_check(bd, q->block_size);
			if (n <= 0) {
				q->rx_errors += n < 0;
				afpkt_block_done(q);
				continue;
			}
			q->left = (uint32_t)n;
			q->off = afpkt_block_first(bd);
			q->blk_len = bd->hdr.bh1.blk_len;
		}
		if (afpkt_frame_decode(afpkt_block(q, q->cur), q->blk_len, q->off, &f, &next) !=
				0) {
			/* A frame the kernel would not write: the rest of the block is unreadable.
			 */
			q->rx_errors += q->left;
			afpkt_block_done(q);
			continue;
		}
		m = rte_pktmbuf_alloc(q->mp);
		if (unlikely(m == NULL)) {
			q->rx_nombuf++; /* the frame stays in the ring for the next call */
			break;
		}
		n = f.caplen == f.len ? afpkt_frame_copy(&f, rte_pktmbuf_mtod(m, uint8_t *),
							rte_pktmbuf_tailroom(m)) :
					-1;
		if (unlikely(n < 0)) {
			/* Cut short by the ring, or larger than an mbuf: never delivered cut. */
			rte_pktmbuf_free(m);
			q->rx_errors++;
		} else {
			m->data_len = (uint16_t)n;
			m->pkt_len = (uint32_t)n;
			m->port = q->port_id;
			*RTE_MBUF_DYNFIELD(m, q->ts_off, rte_mbuf_timestamp_t *) = f.ts_ns;
			m->ol_flags |= q->ts_flag | (f.ts_src == AFPKT_TS_HW ? q->hw_flag : 0);
			bufs[got++] = m;
			bytes += (uint32_t)n;
		}
		if (--q->left == 0 || next == 0) {
			/* A last frame before the block's count: the rest are lost, counted. */
			q->rx_errors += q->left;
			afpkt_block_done(q);
		} else {
			q->off = next;
		}
	}
	q->rx_pkts += got;
	q->rx_bytes += bytes;
	return got;
}

/* --- TX ------------------------------------------------------------------------------------ */

/* Ask for a TX stamp of the frame of @p mh (flag @p req), in @p buf. */
static void
afpkt_tx_ask_stamp(struct msghdr *mh, char *buf, size_t len, uint32_t req)
{
	struct cmsghdr *c;

	memset(buf, 0, len);
	mh->msg_control = buf;
	mh->msg_controllen = len;
	c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SO_TIMESTAMPING;
	c->cmsg_len = CMSG_LEN(sizeof(uint32_t));
	memcpy(CMSG_DATA(c), &req, sizeof(req));
}

static uint16_t
afpkt_tx(void *queue, struct rte_mbuf **bufs, uint16_t nb)
{
	struct afpkt_txq *q = queue;
	struct mmsghdr msg[AFPKT_BURST_MAX];
	struct iovec iov[AFPKT_BURST_MAX][AFPKT_MAX_SEGS];
	/* A stamp request per frame: SO_TIMESTAMPING in the message's control data. */
	union {
		char buf[CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} ctl[AFPKT_BURST_MAX];
	uint16_t done = 0;

	while (done < nb) {
		uint16_t cnt = RTE_MIN(nb - done, AFPKT_BURST_MAX);
		int r;

		for (uint16_t i = 0; i < cnt; i++) {
			struct rte_mbuf *m = bufs[done + i];
			unsigned int s = 0;

			memset(&msg[i], 0, sizeof(msg[i]));
			for (struct rte_mbuf *seg = m; seg != NULL && s < AFPKT_MAX_SEGS;
					seg = seg->next, s++) {
				iov[i][s].iov_base = rte_pktmbuf_mtod(seg, void *);
				iov[i][s].iov_len = seg->data_len;
			}
			msg[i].msg_hdr.msg_iov = iov[i];
			/* More segments than iovecs: sending part of the frame would be wrong;
			 * an empty message is refused by the kernel and counted below. */
			msg[i].msg_hdr.msg_iovlen = m->nb_segs <= AFPKT_MAX_SEGS ? s : 0;
			if (unlikely(q->ts_req != 0 && (m->ol_flags & RTE_MBUF_F_TX_IEEE1588_TMST)))
				afpkt_tx_ask_stamp(&msg[i].msg_hdr, ctl[i].buf, sizeof(ctl[i].buf),
						q->ts_req);
		}
		r = sendmmsg(q->fd, msg, cnt, MSG_DONTWAIT);
		if (r > 0) {
			for (int i = 0; i < r; i++) {
				/* The kernel gave this frame the next OPT_ID key. */
				if (unlikely(msg[i].msg_hdr.msg_controllen != 0))
					afpkt_txkeys_sent(&q->ts);
				q->tx_bytes += bufs[done + i]->pkt_len;
				rte_pktmbuf_free(bufs[done + i]);
			}
			q->tx_pkts += (uint64_t)r;
			done += (uint16_t)r;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EINTR)
			break; /* the socket is full: the caller keeps the rest */
		/* This frame cannot be sent at all (too long, too many segments, link gone):
		 * dropped and counted, so that it does not block the queue. */
		q->tx_errors++;
		rte_pktmbuf_free(bufs[done]);
		done++;
	}
	return done;
}

/* --- sockets ------------------------------------------------------------------------------- */

static int
afpkt_bind(int fd, int ifindex, uint16_t proto)
{
	struct sockaddr_ll sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(proto);
	sll.sll_ifindex = ifindex;
	return bind(fd, (struct sockaddr *)&sll, sizeof(sll));
}

/* Ask the interface for hardware RX stamps of every frame; remember what to restore. */
static void
afpkt_hw_enable(struct afpkt_internals *in)
{
	struct hwtstamp_config cfg;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", in->ifname);
	memset(&in->hw_saved, 0, sizeof(in->hw_saved));
	ifr.ifr_data = (void *)&in->hw_saved;
	if (ioctl(in->ctl_fd, SIOCGHWTSTAMP, &ifr) != 0)
		memset(&in->hw_saved, 0, sizeof(in->hw_saved));
	memset(&cfg, 0, sizeof(cfg));
	cfg.tx_type = in->hw_saved.tx_type;
	cfg.rx_filter = HWTSTAMP_FILTER_ALL;
	ifr.ifr_data = (void *)&cfg;
	if (ioctl(in->ctl_fd, SIOCSHWTSTAMP, &ifr) != 0 || cfg.rx_filter == HWTSTAMP_FILTER_NONE) {
		AFPKT_LOG(WARNING,
				"%s: the interface gives no hardware RX stamps (SIOCSHWTSTAMP: %s): "
				"frames carry the kernel's software stamps",
				in->ifname, strerror(errno));
		in->hw_ts = false;
		return;
	}
	in->hw_set = true;
	in->hw_ts = true;
	AFPKT_LOG(INFO, "%s: hardware RX stamps on (rx_filter %d)", in->ifname, cfg.rx_filter);
}

static void
afpkt_hw_restore(struct afpkt_internals *in)
{
	struct ifreq ifr;

	if (!in->hw_set)
		return;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", in->ifname);
	ifr.ifr_data = (void *)&in->hw_saved;
	if (ioctl(in->ctl_fd, SIOCSHWTSTAMP, &ifr) != 0)
		AFPKT_LOG(WARNING, "%s: could not restore the interface's stamping: %s", in->ifname,
				strerror(errno));
	in->hw_set = false;
}

static int
afpkt_promisc(struct afpkt_internals *in, bool on)
{
	struct packet_mreq mr;

	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = in->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (on == in->promisc)
		return 0;
	if (setsockopt(in->ctl_fd, SOL_PACKET, on ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP,
			    &mr, sizeof(mr)) != 0)
		return -errno;
	in->promisc = on;
	return 0;
}

static void
afpkt_rxq_free(struct afpkt_rxq *q)
{
	if (q == NULL)
		return;
	if (q->map != NULL && q->map != MAP_FAILED)
		munmap(q->map, q->map_len);
	if (q->fd >= 0)
		close(q->fd);
	rte_free(q);
}

static void
afpkt_txq_free(struct afpkt_txq *q)
{
	if (q == NULL)
		return;
	if (q->fd >= 0)
		close(q->fd);
	rte_free(q);
}

/* --- ethdev ops ---------------------------------------------------------------------------- */

static int
afpkt_configure(struct rte_eth_dev *dev)
{
	struct afpkt_internals *in = dev->data->dev_private;
	bool want_hw = dev->data->dev_conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_TIMESTAMP;

	if (want_hw && !in->hw_set) {
		afpkt_hw_enable(in);
	} else if (!want_hw) {
		afpkt_hw_restore(in);
		in->hw_ts = false;
	}
	return 0;
}

static int
afpkt_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *di)
{
	struct afpkt_internals *in = dev->data->dev_private;

	di->if_index = (uint32_t)in->ifindex;
	di->max_mac_addrs = 1;
	di->max_rx_pktlen = AFPKT_MAX_MTU + AFPKT_L2_ROOM;
	di->min_mtu = AFPKT_MIN_MTU;
	di->max_mtu = AFPKT_MAX_MTU;
	di->max_rx_queues = AFPKT_MAX_QUEUES;
	di->max_tx_queues = AFPKT_MAX_QUEUES;
	di->min_rx_bufsize = 0;
	di->rx_offload_capa = RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	di->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	di->default_rxportconf.ring_size = 1024;
	di->default_txportconf.ring_size = 1024;
	di->rx_desc_lim.nb_max = 65535;
	di->rx_desc_lim.nb_min = 64;
	di->rx_desc_lim.nb_align = 1;
	di->tx_desc_lim.nb_max = 65535;
	di->tx_desc_lim.nb_min = 64;
	di->tx_desc_lim.nb_align = 1;
	return 0;
}

static int
afpkt_link_update(struct rte_eth_dev *dev, int wait)
{
	struct afpkt_internals *in = dev->data->dev_private;
	struct rte_eth_link link = afpkt_link;
	struct ifreq ifr;

	RTE_SET_USED(wait);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", in->ifname);
	if (dev->data->dev_started && ioctl(in->ctl_fd, SIOCGIFFLAGS, &ifr) == 0 &&
			(ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING))
		link.link_status = RTE_ETH_LINK_UP;
	return rte_eth_linkstatus_set(dev, &link);
}

static int
afpkt_start(struct rte_eth_dev *dev)
{
	for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	dev->data->dev_started = 1;
	afpkt_link_update(dev, 0);
	return 0;
}

static int
afpkt_stop(struct rte_eth_dev *dev)
{
	struct rte_eth_link link = afpkt_link;

	for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	dev->data->dev_started = 0;
	rte_eth_linkstatus_set(dev, &link);
	return 0;
}

static void
afpkt_rx_release(struct rte_eth_dev *dev, uint16_t qid)
{
	afpkt_rxq_free(dev->data->rx_queues[qid]);
	dev->data->rx_queues[qid] = NULL;
}

static void
afpkt_tx_release(struct rte_eth_dev *dev, uint16_t qid)
{
	afpkt_txq_free(dev->data->tx_queues[qid]);
	dev->data->tx_queues[qid] = NULL;
}

static int
afpkt_close(struct rte_eth_dev *dev)
{
	struct afpkt_internals *in = dev->data->dev_private;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++)
		afpkt_rx_release(dev, i);
	for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++)
		afpkt_tx_release(dev, i);
	afpkt_hw_restore(in);
	if (in->ctl_fd >= 0)
		close(in->ctl_fd); /* also leaves promiscuous mode */
	in->ctl_fd = -1;
	return 0;
}

/* Frame size of the ring: header, address, and the largest frame the MTU allows. */
static uint32_t
afpkt_frame_size(uint16_t mtu)
{
	uint32_t need = TPACKET_ALIGN(TPACKET3_HDRLEN) + mtu + AFPKT_L2_ROOM;

	return rte_align32pow2(RTE_MAX(need, 2048u));
}

static int
afpkt_rx_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc, unsigned int socket_id,
		const struct rte_eth_rxconf *conf, struct rte_mempool *mp)
{
	struct afpkt_internals *in = dev->data->dev_private;
	static const struct rte_mbuf_dynflag hw_desc = { .name = AFPKT_DYNFLAG_HW_TS };
	struct tpacket_req3 req;
	struct afpkt_rxq *q;
	int v, rc, bit;
	uint32_t frame = afpkt_frame_size(dev->data->mtu);

	RTE_SET_USED(conf);
	if (dev->data->rx_queues[qid] != NULL)
		afpkt_rx_release(dev, qid);
	q = rte_zmalloc_socket("afpkt_rxq", sizeof(*q), RTE_CACHE_LINE_SIZE, (int)socket_id);
	if (q == NULL)
		return -ENOMEM;
	q->fd = -1;
	q->mp = mp;
	q->port_id = dev->data->port_id;
	rc = rte_mbuf_dyn_rx_timestamp_register(&q->ts_off, &q->ts_flag);
	bit = rte_mbuf_dynflag_register(&hw_desc);
	if (rc != 0 || bit < 0) {
		rc = -rte_errno;
		goto fail;
	}
	q->hw_flag = 1ULL << bit;

	q->fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (q->fd < 0)
		goto fail_errno;
	v = TPACKET_V3;
	if (setsockopt(q->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) != 0)
		goto fail_errno;
	/* Frames this process sends are not frames it receives (tcpdump still sees them). */
	v = 1;
	if (setsockopt(q->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &v, sizeof(v)) != 0)
		AFPKT_LOG(WARNING, "%s: PACKET_IGNORE_OUTGOING: %s: this port's own TX comes back",
				in->ifname, strerror(errno));
	/*
	 * Software RX stamps: turns on the kernel's receive stamping (skb->tstamp at netif_rx),
	 * the stamp tcpdump reads too. With hardware granted, the ring takes the NIC's stamp.
	 */
	v = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
	if (in->hw_ts)
		v |= SOF_TIMESTAMPING_RX_HARDWARE | SOF_TIMESTAMPING_RAW_HARDWARE;
	if (setsockopt(q->fd, SOL_SOCKET, SO_TIMESTAMPING, &v, sizeof(v)) != 0)
		goto fail_errno;
	v = in->hw_ts ? SOF_TIMESTAMPING_RAW_HARDWARE : 0;
	if (setsockopt(q->fd, SOL_PACKET, PACKET_TIMESTAMP, &v, sizeof(v)) != 0)
		goto fail_errno;

	memset(&req, 0, sizeof(req));
	q->block_size = RTE_MAX(frame, AFPKT_BLOCK_SIZE);
	q->block_nr = RTE_MAX(AFPKT_MIN_BLOCKS, (uint32_t)nb_desc);
	req.tp_block_size = q->block_size;
	req.tp_block_nr = q->block_nr;
	req.tp_frame_size = frame;
	req.tp_frame_nr = q->block_nr * (q->block_size / frame);
	req.tp_retire_blk_tov = in->tov_ms;
	if (setsockopt(q->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) != 0)
		goto fail_errno;
	q->map_len = (size_t)q->block_size * q->block_nr;
	q->map = mmap(NULL, q->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, q->fd,
			0);
	if (q->map == MAP_FAILED)
		goto fail_errno;
	if (afpkt_bind(q->fd, in->ifindex, ETH_P_ALL) != 0)
		goto fail_errno;
	if (dev->data->nb_rx_queues > 1) {
		v = in->fanout_id | ((PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16);
		if (setsockopt(q->fd, SOL_PACKET, PACKET_FANOUT, &v, sizeof(v)) != 0)
			goto fail_errno;
	}
	dev->data->rx_queues[qid] = q;
	AFPKT_LOG(INFO, "%s: RX queue %u: %u blocks of %u bytes, frames up to %u bytes", in->ifname,
			qid, q->block_nr, q->block_size, frame);
	return 0;
fail_errno:
	rc = -errno;
	AFPKT_LOG(ERR, "%s: RX queue %u: %s", in->ifname, qid, strerror(errno));
fail:
	afpkt_rxq_free(q);
	return rc;
}

static int afpkt_txq_stamps(struct afpkt_internals *in, struct afpkt_txq *q, bool on);

static int
afpkt_tx_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc, unsigned int socket_id,
		const struct rte_eth_txconf *conf)
{
	struct afpkt_internals *in = dev->data->dev_private;
	struct afpkt_txq *q;
	int v, rc;

	RTE_SET_USED(conf);
	if (dev->data->tx_queues[qid] != NULL)
		afpkt_tx_release(dev, qid);
	q = rte_zmalloc_socket("afpkt_txq", sizeof(*q), RTE_CACHE_LINE_SIZE, (int)socket_id);
	if (q == NULL)
		return -ENOMEM;
	/* Protocol 0: this socket only sends; it never has a receive queue to fill. */
	q->fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (q->fd < 0 || afpkt_bind(q->fd, in->ifindex, 0) != 0) {
		rc = -errno;
		AFPKT_LOG(ERR, "%s: TX queue %u: %s", in->ifname, qid, strerror(errno));
		afpkt_txq_free(q);
		return rc;
	}
	v = (int)in->qdisc_bypass;
	if (v && setsockopt(q->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &v, sizeof(v)) != 0)
		AFPKT_LOG(WARNING, "%s: PACKET_QDISC_BYPASS: %s", in->ifname, strerror(errno));
	/* Room for a few full bursts of the largest frames in the socket. */
	v = (int)RTE_MIN((uint32_t)nb_desc * 2048u, 64u << 20);
	if (setsockopt(q->fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) != 0)
		(void)setsockopt(q->fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	if (in->ts_on && (rc = afpkt_txq_stamps(in, q, true)) != 0) {
		AFPKT_LOG(ERR, "%s: TX queue %u: SO_TIMESTAMPING: %s", in->ifname, qid,
				strerror(-rc));
		afpkt_txq_free(q);
		return rc;
	}
	dev->data->tx_queues[qid] = q;
	return 0;
}

/* Read the rings' kernel drop counters (reading resets them). Under stats_lock. */
static void
afpkt_read_drops(struct rte_eth_dev *dev)
{
	for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++) {
		struct afpkt_rxq *q = dev->data->rx_queues[i];
		struct tpacket_stats_v3 st;
		socklen_t len = sizeof(st);

		if (q != NULL && getsockopt(q->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
			q->tp_drops += st.tp_drops;
	}
}

static int
afpkt_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
	struct afpkt_internals *in = dev->data->dev_private;
	uint64_t drops = 0;

	rte_spinlock_lock(&in->stats_lock);
	afpkt_read_drops(dev);
	for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++) {
		const struct afpkt_rxq *q = dev->data->rx_queues[i];

		if (q == NULL)
			continue;
		st->ipackets += q->rx_pkts;
		st->ibytes += q->rx_bytes;
		st->ierrors += q->rx_errors;
		st->rx_nombuf += q->rx_nombuf;
		drops += q->tp_drops;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_ipackets[i] = q->rx_pkts;
			st->q_ibytes[i] = q->rx_bytes;
			st->q_errors[i] = q->rx_errors;
		}
	}
	st->imissed = drops - in->tp_drops_base;
	rte_spinlock_unlock(&in->stats_lock);
	for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++) {
		const struct afpkt_txq *q = dev->data->tx_queues[i];

		if (q == NULL)
			continue;
		st->opackets += q->tx_pkts;
		st->obytes += q->tx_bytes;
		st->oerrors += q->tx_errors;
		if (i < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			st->q_opackets[i] = q->tx_pkts;
			st->q_obytes[i] = q->tx_bytes;
		}
	}
	return 0;
}

static int
afpkt_stats_reset(struct rte_eth_dev *dev)
{
	struct afpkt_internals *in = dev->data->dev_private;
	uint64_t drops = 0;

	rte_spinlock_lock(&in->stats_lock);
	afpkt_read_drops(dev);
	for (uint16_t i = 0; i < dev->data->nb_rx_queues; i++) {
		struct afpkt_rxq *q = dev->data->rx_queues[i];

		if (q == NULL)
			continue;
		q->rx_pkts = q->rx_bytes = q->rx_errors = q->rx_nombuf = 0;
		drops += q->tp_drops;
	}
	in->tp_drops_base = drops;
	rte_spinlock_unlock(&in->stats_lock);
	for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++) {
		struct afpkt_txq *q = dev->data->tx_queues[i];

		if (q != NULL)
			q->tx_pkts = q->tx_bytes = q->tx_errors = 0;
	}
	return 0;
}

static int
afpkt_promisc_enable(struct rte_eth_dev *dev)
{
	return afpkt_promisc(dev->data->dev_private, true);
}

static int
afpkt_promisc_disable(struct rte_eth_dev *dev)
{
	return afpkt_promisc(dev->data->dev_private, false);
}

static int
afpkt_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	/* Takes effect at the next RX queue set-up (the ring's frame size). */
	RTE_SET_USED(dev);
	return mtu >= AFPKT_MIN_MTU && mtu <= AFPKT_MAX_MTU ? 0 : -EINVAL;
}

/* --- TX stamps (the timesync API) ---------------------------------------------------------- */

/* Turn the reporting of TX stamps on (@p on) or off for TX queue @p q. */
static int
afpkt_txq_stamps(struct afpkt_internals *in, struct afpkt_txq *q, bool on)
{
	/* Reporting flags only: which frames get a stamp is asked per frame (afpkt_tx). OPT_ID
	 * numbers the stamped frames, OPT_TSONLY returns the stamp without the frame. */
	uint32_t v = on ? SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID |
					SOF_TIMESTAMPING_OPT_TSONLY |
					(in->hw_tx ? SOF_TIMESTAMPING_RAW_HARDWARE : 0) :
			  0;

	if (setsockopt(q->fd, SOL_SOCKET, SO_TIMESTAMPING, &v, sizeof(v)) != 0)
		return -errno;
	q->ts_req = on ? (in->hw_tx ? SOF_TIMESTAMPING_TX_HARDWARE : SOF_TIMESTAMPING_TX_SOFTWARE) :
			 0;
	memset(&q->ts, 0, sizeof(q->ts)); /* setting SO_TIMESTAMPING restarts the kernel's keys */
	return 0;
}

/* With hardware RX stamps, ask the NIC for hardware TX stamps too (one clock for T1 and T4). */
static void
afpkt_hw_tx_enable(struct afpkt_internals *in)
{
	struct hwtstamp_config cfg;
	struct ifreq ifr;

	in->hw_tx = false;
	if (!in->hw_ts)
		return;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", in->ifname);
	memset(&cfg, 0, sizeof(cfg));
	cfg.tx_type = HWTSTAMP_TX_ON;
	cfg.rx_filter = HWTSTAMP_FILTER_ALL;
	ifr.ifr_data = (void *)&cfg;
	if (ioctl(in->ctl_fd, SIOCSHWTSTAMP, &ifr) != 0 || cfg.tx_type != HWTSTAMP_TX_ON) {
		AFPKT_LOG(WARNING,
				"%s: the interface gives no hardware TX stamps (SIOCSHWTSTAMP: %s): "
				"TX stamps are the kernel's software ones",
				in->ifname, strerror(errno));
		return;
	}
	in->hw_tx = true;
}

static int
afpkt_timesync_enable(struct rte_eth_dev *dev)
{
	struct afpkt_internals *in = dev->data->dev_private;
	int rc;

	afpkt_hw_tx_enable(in);
	for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++) {
		struct afpkt_txq *q = dev->data->tx_queues[i];

		if (q != NULL && (rc = afpkt_txq_stamps(in, q, true)) != 0) {
			AFPKT_LOG(ERR, "%s: TX queue %u: SO_TIMESTAMPING: %s", in->ifname, i,
					strerror(-rc));
			return rc;
		}
	}
	in->ts_on = true;
	AFPKT_LOG(INFO, "%s: TX stamps on request (%s, socket error queue)", in->ifname,
			in->hw_tx ? "the NIC's" : "the kernel's software");
	return 0;
}

static int
afpkt_timesync_disable(struct rte_eth_dev *dev)
{
	struct afpkt_internals *in = dev->data->dev_private;

	for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++) {
		struct afpkt_txq *q = dev->data->tx_queues[i];

		if (q != NULL)
			(void)afpkt_txq_stamps(in, q, false);
	}
	in->ts_on = false;
	return 0;
}

/*
 * Read queue @p q's error queue: the stamp of its last stamped frame into @p ns (UTC ns), true
 * when it is there. Reports of older frames are skipped by their key (afpkt_txkeys).
 */
static bool
afpkt_txq_read_stamp(const struct afpkt_internals *in, struct afpkt_txq *q, uint64_t *ns)
{
	union {
		char buf[512];
		struct cmsghdr align;
	} ctl;
	bool got = false;

	for (;;) {
		struct msghdr mh;
		enum afpkt_ts src;
		uint32_t key;
		uint64_t v;

		memset(&mh, 0, sizeof(mh));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		if (recvmsg(q->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break; /* EAGAIN: read to the end */
		/* A port whose T1s are labelled the NIC's takes only the NIC's stamps. */
		if (afpkt_txstamp_decode(&mh, in->hw_tx, &key, &v, &src) &&
				src == (in->hw_tx ? AFPKT_TS_HW : AFPKT_TS_KERNEL) &&
				afpkt_txkeys_report(&q->ts, key)) {
			*ns = v;
			got = true;
		}
	}
	if (got)
		q->ts.pending = false;
	return got;
}

/* The stamp of the last frame sent with RTE_MBUF_F_TX_IEEE1588_TMST, once, then -EINVAL. */
static int
afpkt_timesync_read_tx(struct rte_eth_dev *dev, struct timespec *ts)
{
	struct afpkt_internals *in = dev->data->dev_private;
	uint64_t ns;

	if (!in->ts_on)
		return -EINVAL;
	for (uint16_t i = 0; i < dev->data->nb_tx_queues; i++) {
		struct afpkt_txq *q = dev->data->tx_queues[i];

		if (q != NULL && q->ts.pending && afpkt_txq_read_stamp(in, q, &ns)) {
			ts->tv_sec = (time_t)(ns / 1000000000ULL);
			ts->tv_nsec = (long)(ns % 1000000000ULL);
			return 0;
		}
	}
	return -EINVAL;
}

static int
afpkt_timesync_read_time(struct rte_eth_dev *dev, struct timespec *ts)
{
	RTE_SET_USED(dev);
	return clock_gettime(CLOCK_REALTIME, ts) == 0 ? 0 : -errno;
}

static const struct eth_dev_ops afpkt_ops = {
	.dev_configure = afpkt_configure,
	.dev_start = afpkt_start,
	.dev_stop = afpkt_stop,
	.dev_close = afpkt_close,
	.dev_infos_get = afpkt_infos_get,
	.link_update = afpkt_link_update,
	.promiscuous_enable = afpkt_promisc_enable,
	.promiscuous_disable = afpkt_promisc_disable,
	.mtu_set = afpkt_mtu_set,
	.rx_queue_setup = afpkt_rx_setup,
	.tx_queue_setup = afpkt_tx_setup,
	.rx_queue_release = afpkt_rx_release,
	.tx_queue_release = afpkt_tx_release,
	.stats_get = afpkt_stats_get,
	.stats_reset = afpkt_stats_reset,
	.timesync_enable = afpkt_timesync_enable,
	.timesync_disable = afpkt_timesync_disable,
	.timesync_read_tx_timestamp = afpkt_timesync_read_tx,
	.timesync_read_time = afpkt_timesync_read_time,
};

/* --- probe / remove ------------------------------------------------------------------------ */

/* Whether port @p port_id's TX stamps (timesync) are the NIC's rather than the kernel's. */
bool
afpkt_tx_stamps_hw(uint16_t port_id)
{
	const struct afpkt_internals *in;

	if (!rte_eth_dev_is_valid_port(port_id))
		return false;
	in = rte_eth_devices[port_id].data->dev_private;
	return rte_eth_devices[port_id].dev_ops == &afpkt_ops && in->ts_on && in->hw_tx;
}

static int
afpkt_arg_str(const char *key, const char *value, void *out)
{
	RTE_SET_USED(key);
	snprintf(out, IF_NAMESIZE, "%s", value);
	return 0;
}

static int
afpkt_arg_uint(const char *key, const char *value, void *out)
{
	char *end;
	unsigned long v = strtoul(value, &end, 10);
	unsigned long lo = strcmp(key, "qdisc_bypass") == 0 ? 0 : 1;
	unsigned long hi = strcmp(key, "qdisc_bypass") == 0 ? 1 : 1000;

	if (*value == '\0' || *end != '\0' || v < lo || v > hi)
		return -EINVAL;
	*(unsigned int *)out = (unsigned int)v;
	return 0;
}

static int
afpkt_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_kvargs *kv = NULL;
	struct afpkt_internals *in;
	struct rte_eth_dev *dev;
	char ifname[IF_NAMESIZE] = "";
	unsigned int tov = 1, bypass = 1;
	struct ifreq ifr;
	int fd = -1, ifindex;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		AFPKT_LOG(ERR, "%s: secondary processes are not supported", name);
		return -ENOTSUP;
	}
	kv = rte_kvargs_parse(rte_vdev_device_args(vdev), afpkt_valid_args);
	if (kv == NULL || rte_kvargs_count(kv, "iface") != 1 ||
			rte_kvargs_process(kv, "iface", afpkt_arg_str, ifname) != 0 ||
			rte_kvargs_process(kv, "tov_ms", afpkt_arg_uint, &tov) != 0 ||
			rte_kvargs_process(kv, "qdisc_bypass", afpkt_arg_uint, &bypass) != 0) {
		AFPKT_LOG(ERR,
				"%s: bad arguments \"%s\": expected "
				"iface=NAME[,tov_ms=1..1000][,qdisc_bypass=0|1]",
				name, rte_vdev_device_args(vdev));
		rte_kvargs_free(kv);
		return -EINVAL;
	}
	rte_kvargs_free(kv);
	ifindex = (int)if_nametoindex(ifname);
	if (ifindex == 0) {
		AFPKT_LOG(ERR, "%s: no interface \"%s\": %s", name, ifname, strerror(errno));
		return -ENODEV;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		AFPKT_LOG(ERR, "%s: AF_PACKET socket: %s", name, strerror(errno));
		return -errno;
	}
	dev = rte_eth_vdev_allocate(vdev, sizeof(*in));
	if (dev == NULL) {
		close(fd);
		return -ENOMEM;
	}
	in = dev->data->dev_private;
	snprintf(in->ifname, sizeof(in->ifname), "%s", ifname);
	in->ifindex = ifindex;
	in->ctl_fd = fd;
	in->tov_ms = tov;
	in->qdisc_bypass = bypass;
	rte_spinlock_init(&in->stats_lock);
	/* Fan-out groups are global to the kernel: this process and interface name the group. */
	in->fanout_id = (uint16_t)(getpid() ^ (ifindex << 8));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(in->mac.addr_bytes, ifr.ifr_hwaddr.sa_data, RTE_ETHER_ADDR_LEN);
	dev->data->mac_addrs = rte_zmalloc_socket(name, sizeof(in->mac), 0, vdev->device.numa_node);
	if (dev->data->mac_addrs == NULL) {
		close(fd);
		rte_eth_dev_release_port(dev);
		return -ENOMEM;
	}
	rte_ether_addr_copy(&in->mac, dev->data->mac_addrs);
	dev->data->dev_link = afpkt_link;
	dev->data->dev_flags |= RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	dev->dev_ops = &afpkt_ops;
	dev->rx_pkt_burst = afpkt_rx;
	dev->tx_pkt_burst = afpkt_tx;
	rte_eth_dev_probing_finish(dev);
	AFPKT_LOG(INFO, "%s: interface %s (index %d)", name, ifname, ifindex);
	return 0;
}

static int
afpkt_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev = rte_eth_dev_allocated(rte_vdev_device_name(vdev));

	if (dev == NULL)
		return 0;
	afpkt_close(dev);
	return rte_eth_dev_release_port(dev);
}

static struct rte_vdev_driver afpkt_drv = {
	.probe = afpkt_probe,
	.remove = afpkt_remove,
};

RTE_PMD_REGISTER_VDEV(net_afpkt, afpkt_drv);
RTE_PMD_REGISTER_PARAM_STRING(net_afpkt, "iface=<string> tov_ms=<1..1000> qdisc_bypass=<0|1>");
