/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_PORT_H
#define STP_PORT_H

/**
 * @file
 * Ethernet ports: set-up from the config (queues, descriptors, MTU and jumbo scatter, RSS,
 * promiscuous mode, RX timestamp offload), validation of the config against rte_eth_dev_info
 * (pass 3: requested vs granted), and the per-port timestamp sources that the RX stage uses:
 *  - hw: the NIC's RX timestamp dynfield. What the device clock counts is ports[].clock: free
 *    ticks, mapped to UTC ns by a devclock (lib/clock/devclock.h) that follows CLOCK_REALTIME
 *    through bracketed rte_eth_read_clock() samples every 100 ms; or, in real-time mode (mlx5's
 *    rt_timestamp), UTC ns, or TAI ns (a PHC steered by ptp4l) less the kernel's TAI offset.
 *    "auto" measures the clock against CLOCK_REALTIME at start, logs what it found, and stops
 *    with an error naming ports[i].clock when it cannot tell;
 *  - pcap: for net_pcap ports reading a file (rx_pcap=), the record timestamps at full
 *    nanosecond precision, read from the same file in step with the PMD (net_pcap itself only
 *    gives microseconds);
 *  - sw: the calibrated TSC at rx_burst time (lib/clock).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "cfg.h"
#include "clock.h"
#include "devclock.h"
#include "pkt.h"
#include "trailer.h"

#define PORT_MAX RTE_MAX_ETHPORTS

struct port_pcap_ts;

/** Runtime state of one configured port. */
struct port_rt {
	uint16_t port_id; /**< DPDK port id */
	uint16_t cfg_idx; /**< index in cfg.ports[] */
	const struct cfg_port *cfg;
	char drv_name[32];	  /**< driver, e.g. "net_af_packet" */
	enum pkt_ts_src ts_src;	  /**< resolved timestamp source for this port */
	uint32_t max_frame;	  /**< largest frame accepted for TX: MTU + L2 overhead */
	bool tx_multiseg;	  /**< multi-segment TX offload granted */
	bool started;		  /**< rte_eth_dev_start() succeeded: stop it at teardown */
	uint64_t pcap_records;	  /**< net_pcap rx_pcap inputs: records in the files */
	enum cfg_clock hw_kind;	  /**< hw: what the device clock counts (never auto here) */
	int64_t hw_rt_offset;	  /**< hw utc/tai: ns to subtract (TAI offset); ctlplane: wo */
	bool hw_readable;	  /**< hw: rte_eth_read_clock() works */
	struct devclock hw_clock; /**< hw free: ticks -> UTC ns; ctlplane: wo, dataplane: ro */
	int64_t hw_rt_err;	  /**< hw utc/tai: UTC - converted device clock, last sample */
	uint64_t hw_next_tsc;	  /**< ctlplane: next clock sample due */
	struct port_pcap_ts *pcap_ts[CFG_MAX_QUEUES]; /**< pcap: per RX queue reader, or NULL */
	struct rte_ether_addr mac;
	/** ports[].trailer when its format is not none (the RX path parses it), else NULL */
	const struct trailer_spec *trailer;
};

/** All ports, indexed by cfg index; port_by_id maps a DPDK port id back. */
struct port_set {
	uint16_t nb;
	struct port_rt ports[CFG_MAX_PORTS];
	struct port_rt *by_id[PORT_MAX];
	struct rte_mempool *pool;
	struct rte_mempool *clone_pool; /**< indirect mbufs: one per extra port a packet goes to */
	int hw_ts_offset;		/**< RX timestamp dynfield offset, -1 if none registered */
	uint64_t hw_ts_flag;		/**< RX timestamp dynflag */
};

/**
 * Build the EAL argument vector from the config (program name, eal.args, --file-prefix,
 * --no-huge/-m, -l, --main-lcore, -a for PCI ports, --vdev for vdev ports, --no-pci when no port
 * is PCI) followed by @p extra (the command line's arguments after "--").
 * Returns argc; argv entries are malloc'd (free with port_eal_args_free()).
 */
int port_eal_args(const struct stp_config *cfg, const char *prog, int nb_extra, char **extra,
		char ***argv_out);
void port_eal_args_free(int argc, char **argv);

/**
 * Resolve every configured port to a DPDK port id, validate the config against its dev_info,
 * create the mempool and configure + start each port. On error, @p err holds a message in the
 * config's "<file>: <path>: ..." shape.
 */
int port_setup(const struct stp_config *cfg, struct port_set *ps, char err[CFG_ERR_LEN]);

/**
 * True when two enabled lcores of this process share a CPU (lcores mapped with --lcores onto
 * fewer CPUs, as on a 2-vCPU VM). Busy-polling threads then preempt each other, and a thread
 * preempted in the middle of a classic multi-producer ring operation stalls every other user of
 * that ring for a whole time slice: rings and mempools switch to relaxed tail sync (RTS), and
 * idle lcores yield. Call after rte_eal_init().
 */
bool port_lcores_share_cpus(void);

/**
 * Refresh hardware clock calibrations (control thread): call it often (every control loop
 * iteration); each port's clock is sampled every DEVCLOCK_PERIOD_MS.
 */
void port_clock_tick(struct port_set *ps);

/**
 * A hardware clock as the views show it (show timestamps, /stampede/timestamps, Prometheus
 * stampede_port_clock_*). Read from another thread than the one that samples the clock: a
 * view may mix two consecutive samples' fields, never a half-written value.
 */
struct port_clock_view {
	bool hw;	       /**< the port stamps with its device clock (the rest is 0 if not) */
	enum cfg_clock kind;   /**< utc, tai or free */
	double hz;	       /**< free: fitted ticks per second of UTC; utc/tai: 1e9 */
	double drift_ppm;      /**< free: fitted rate against the rate measured at start-up */
	int64_t offset_ns;     /**< device clock (ticks at the fitted rate) - UTC, last sample */
	int64_t last_error_ns; /**< UTC - converted device clock at the last sample */
	uint64_t bracket_ns;   /**< last sample's read_clock bracket (read latency) */
	uint64_t samples, rejects, steps, rate_restarts;
	int tai_offset_s; /**< tai: the kernel's TAI offset subtracted */
};

/** Fill @p v for port @p pr. */
void port_clock_view(const struct port_rt *pr, struct port_clock_view *v);

/**
 * Every port's clock as a JSON array of {port, source} and, for hardware stamps, clock,
 * frequency_hz, drift_ppm, offset_ns, last_error_ns, bracket_ns, samples, rejects, steps,
 * rate_restarts, tai_offset_s (see struct port_clock_view). NULL when memory is short.
 */
json_t *port_clocks_json(const struct port_set *ps);

/** Name of a device clock kind ("auto", "utc", "tai", "free"). */
const char *port_clock_name(enum cfg_clock k);

/** A port's hardware stamp ticks to UTC ns, as the RX path converts them. */
static inline uint64_t
port_hw_ns(const struct port_rt *pr, uint64_t ticks)
{
	if (pr->hw_kind == CFG_CLOCK_FREE)
		return devclock_ns(&pr->hw_clock, ticks);
	return ticks - (uint64_t)pr->hw_rt_offset;
}

/**
 * Read port @p pr's last TX stamp (rte_eth_timesync_read_tx_timestamp) into @p ns as UTC ns:
 * net_afpkt's kernel stamps are UTC already, as its RX stamps; a NIC's are its clock's ticks.
 * false (and @p ns 0) when the port has none to give.
 */
static inline bool
port_tx_stamp_ns(const struct port_rt *pr, uint64_t *ns)
{
	struct timespec ts;

	*ns = 0;
	if (rte_eth_timesync_read_tx_timestamp(pr->port_id, &ts) != 0)
		return false;
	*ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	if (pr->ts_src != PKT_TS_KERNEL)
		*ns = port_hw_ns(pr, *ns);
	return true;
}

/** Stop and close every port, close pcap readers, free the pool. */
void port_teardown(struct port_set *ps);

/**
 * True when every net_pcap rx_pcap input has been read to its end: its timestamp readers reached
 * the end (pcap stamps), or the port delivered as many packets as its files hold, per
 * @p port_rx (packets received per DPDK port id).
 */
bool port_pcap_all_eof(const struct port_set *ps, const uint64_t *port_rx);

/**
 * Checks that need no EAL, run before it starts: every net_pcap rx_pcap file is readable, so
 * the error names the config path rather than an EAL probe failure.
 */
int port_precheck(const struct stp_config *cfg, char err[CFG_ERR_LEN]);

/** True when some port reads a pcap file (so --exit-on-eof has something to wait for). */
bool port_has_pcap_input(const struct port_set *ps);

/**
 * True when a burst from @p pr gets one stamp for all its packets (sw or none, no trailer, no
 * capture file whose records carry their original lengths).
 */
static inline bool
port_stamp_uniform(const struct port_rt *pr)
{
	return (pr->ts_src == PKT_TS_SW || pr->ts_src == PKT_TS_NONE) && pr->trailer == NULL &&
			pr->pcap_ts[0] == NULL;
}

/**
 * Stamp a burst from @p pr's RX queue @p queue: fills ts_ns, ts_src and orig_len (the length
 * on the wire of a capture file's record cut short, else 0) of each packet's meta.
 * @p tsc is the TSC read at rx_burst time (software stamps and fallbacks).
 * Returns nothing; counts per source into @p ts_count[PKT_TS_MAX].
 */
void port_stamp_burst(const struct port_set *ps, struct port_rt *pr, uint16_t queue,
		struct rte_mbuf **pkts, uint16_t n, uint64_t tsc, uint64_t *ts_count);

#endif /* STP_PORT_H */
