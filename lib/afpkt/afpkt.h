/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_AFPKT_H
#define STP_AFPKT_H

/**
 * @file
 * net_afpkt: stampede's AF_PACKET poll-mode driver with the kernel's per-frame receive stamps
 * (a vdev: --vdev=net_afpkt0,iface=eth1). Unlike DPDK's net_af_packet it keeps each frame's
 * tp_sec/tp_nsec from its TPACKET_V3 ring:
 *  - every received mbuf carries that stamp (UTC ns) in the RX timestamp dynfield, with the
 *    RX timestamp dynflag; frames stamped by the NIC's clock (TP_STATUS_TS_RAW_HARDWARE) also
 *    carry the dynflag named AFPKT_DYNFLAG_HW_TS;
 *  - software stamps always (SO_TIMESTAMPING RX software: the same skb stamp tcpdump reads);
 *    hardware stamps when the application asks for RTE_ETH_RX_OFFLOAD_TIMESTAMP and the
 *    interface grants SIOCSHWTSTAMP (HWTSTAMP_FILTER_ALL); otherwise software, and a warning;
 *  - each RX queue's ring has rx_desc blocks of 16 KiB (at least 64): it holds at least rx_desc
 *    frames, and rides out about rx_desc x tov_ms of stall when traffic is thin;
 *  - several RX queues share the interface's traffic by PACKET_FANOUT_HASH (the kernel's
 *    symmetric flow hash): both directions of a flow reach the same queue;
 *  - imissed is the rings' PACKET_STATISTICS tp_drops; frames the ring cut short or an mbuf
 *    cannot hold are ierrors, never delivered cut.
 * Devargs: iface=NAME (required), tov_ms=N (block retire time-out, 1..1000, default 1: the
 * longest a frame waits in a part-filled block), qdisc_bypass=0|1 (default 1, as net_af_packet:
 * TX skips the interface's qdisc, and with it the taps: tcpdump on this interface does not see
 * what the port sends; 0 to keep them).
 */

/** Name of the mbuf dynflag set on frames whose stamp is the NIC's (hardware) one. */
#define AFPKT_DYNFLAG_HW_TS "stampede_afpkt_dynflag_hw_ts"

/** The driver's name, as rte_eth_dev_info.driver_name gives it. */
#define AFPKT_DRIVER_NAME "net_afpkt"

#include <stdbool.h>
#include <stdint.h>

/**
 * TX stamps through the timesync API (rte_eth_timesync_enable): a frame sent with
 * RTE_MBUF_F_TX_IEEE1588_TMST asks the kernel for its TX stamp (SO_TIMESTAMPING per frame;
 * SOF_TIMESTAMPING_OPT_ID numbers the stamped frames, OPT_TSONLY), which
 * rte_eth_timesync_read_tx_timestamp() reads from the socket's error queue: the last stamped
 * frame's, once, in UTC (CLOCK_REALTIME; the NIC's clock for hardware stamps). Software
 * (SOF_TIMESTAMPING_TX_SOFTWARE: the driver's skb_tx_timestamp(), as the frame goes to the
 * device), or the NIC's (TX_HARDWARE, RAW_HARDWARE) when the port has hardware RX stamps and
 * the interface grants HWTSTAMP_TX_ON. True for a net_afpkt port whose TX stamps are the NIC's.
 */
bool afpkt_tx_stamps_hw(uint16_t port_id);

#endif /* STP_AFPKT_H */
