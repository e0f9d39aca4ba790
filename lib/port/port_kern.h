/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_PORT_KERN_H
#define STP_PORT_KERN_H

/**
 * @file
 * Ports backed by kernel sockets (net_af_xdp, net_af_packet, stampede's own net_afpkt):
 *  - the mbuf pool an AF_XDP port can use whole: DPDK 22.11's net_af_xdp registers as its UMEM
 *    only populated_size x object size bytes from the pool's first memory chunk, so every
 *    object must lie inside that window (packed, one chunk);
 *  - the losses the kernel counts on those sockets and that the PMDs do not report
 *    (PACKET_STATISTICS tp_drops on net_af_packet's sockets; the XDP socket's full RX ring).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "cfg.h"
#include "port.h"

/**
 * Count the objects of @p mp whose chunk (object header, mbuf, data room) does not fit inside
 * the UMEM window DPDK 22.11's net_af_xdp registers for @p mp: from the first memory chunk's
 * page-aligned start, populated_size x rte_mempool_calc_obj_size() bytes plus the alignment.
 * The kernel rejects such a chunk on the fill and TX rings; the mbuf is lost to the pool.
 */
unsigned int port_xdp_outside_umem(struct rte_mempool *mp);

/**
 * rte_pktmbuf_pool_create_by_ops(), with objects packed back to back when @p packed: no object
 * is moved to keep it inside one page (RTE_MEMPOOL_F_NO_IOVA_CONTIG). That is what an AF_XDP
 * UMEM needs, and harmless for ports that do no DMA; a PCI port's DMA needs the default.
 * Returns NULL with rte_errno set on failure.
 */
struct rte_mempool *port_pktmbuf_pool_create(const char *name, unsigned int n, unsigned int cache,
		uint16_t data_room, int socket, const char *ops, bool packed);

/**
 * Check the pool of a process with net_af_xdp ports: with @p packed (no PCI port) every mbuf
 * must lie inside the UMEM window, else a config error on mempool.size (the pool came in
 * several memory chunks); without it (a PCI port's DMA needs page-bound objects) the mbufs
 * outside are only reported: each is lost once, the first time an AF_XDP queue takes it.
 */
int port_xdp_check_pool(const struct stp_config *cfg, struct rte_mempool *mp, bool packed,
		char err[CFG_ERR_LEN]);

/**
 * Where packets were lost before stampede read them, by the kind of port that counted them:
 * (id, name, description). Names are stable: the totals (text and JSON) use them.
 */
#define PORT_FOREACH_MISS(_)                                                                      \
	_(KERNEL, "kernel_drop",                                                                  \
			"the kernel dropped it: the socket's ring was full (AF_PACKET tp_drops, " \
			"net_pcap's ps_drop, AF_XDP rx_dropped and rx_ring_full)")                \
	_(NIC, "nic_missed", "the NIC dropped it: its RX queue was full (imissed)")

enum port_miss {
#define PORT_MISS_ENUM(id, name, desc) PORT_MISS_##id,
	PORT_FOREACH_MISS(PORT_MISS_ENUM)
#undef PORT_MISS_ENUM
	PORT_MISS_MAX
};

/** Name and description of a loss before RX. */
const char *port_miss_name(enum port_miss m);
const char *port_miss_desc(enum port_miss m);

/** True for a driver whose RX is a kernel socket (its imissed are the kernel's drops). */
bool port_kern_driver(const char *driver);

/**
 * Before rte_eth_dev_configure() of a port: remember the process's AF_XDP sockets, so that
 * port_kern_claim() can tell which ones the port's queue set-up created.
 */
void port_kern_mark(void);

/**
 * After a port is configured: find the kernel sockets behind it (the net_af_packet sockets
 * bound to its interface; the AF_XDP sockets created since port_kern_mark()) so that
 * port_stats_get() can add the drops the PMD does not report. Control thread.
 */
void port_kern_claim(const struct port_rt *pr);

/** Forget every claimed socket (before the ports are closed). */
void port_kern_release(void);

/**
 * rte_eth_stats_get() plus the kernel's drops the PMD leaves out, in imissed: PACKET_STATISTICS
 * tp_drops of net_af_packet's sockets (reading resets them: they are accumulated here, under a
 * lock), and the XDP sockets' rx_ring_full (the PMD reports rx_dropped only). Control threads.
 */
int port_stats_get(uint16_t port_id, struct rte_eth_stats *es);

/** The kind of loss a port's imissed counts: kernel_drop for a kernel-socket port, else NIC. */
enum port_miss port_miss_kind(const struct port_rt *pr);

/** Sum the ports' imissed by kind into @p missed[PORT_MISS_MAX]. */
void port_missed_sum(const struct port_set *ps, uint64_t missed[PORT_MISS_MAX]);

/** True when net_afpkt port @p port_id's TX stamps (timesync) are the NIC's, not the kernel's. */
bool port_kern_tx_hw(uint16_t port_id);

/** True for a driver that stamps every frame in the kernel (net_afpkt): source "kernel". */
bool port_kern_stamps(const char *driver);

/**
 * Stamp a burst from a net_afpkt port: each frame's kernel stamp (UTC ns, from the RX
 * timestamp dynfield), source hw when the PMD says the NIC stamped it (AFPKT_DYNFLAG_HW_TS),
 * kernel otherwise; a frame without a stamp gets the software stamp of @p tsc.
 */
void port_stamp_kernel(const struct port_set *ps, struct rte_mbuf **pkts, uint16_t n, uint64_t tsc,
		uint64_t *ts_count);

/**
 * At start: warn, with the measured effect, for each port stamped in software (sw) when this
 * process's lcores share CPUs (the stamp is taken when the poller runs, not when the frame came).
 */
void port_kern_warn_shared(const struct port_set *ps);

#endif /* STP_PORT_KERN_H */
