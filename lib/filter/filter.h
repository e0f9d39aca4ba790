/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_FILTER_H
#define STP_FILTER_H

/**
 * @file
 * Packet filters written in libpcap's language ("tcp port 443 and net 10.0.0.0/8"), run on mbufs.
 *
 * An expression is compiled for Ethernet frames by libpcap (pcap_compile() on a dead DLT_EN10MB
 * handle, optimiser on), converted from classic BPF to eBPF by rte_bpf_convert(), checked and
 * loaded by rte_bpf_load(), and run by DPDK's x86-64 JIT when there is one, by its interpreter
 * otherwise. A match means exactly what it means to tcpdump on the same frames, quirks included:
 * each `vlan` keyword shifts the offsets of what follows, `tcp[...]` reads IPv4 only, `tcp` and
 * `icmp6` do not walk IPv6 extension headers. Packet bytes are read with rte_pktmbuf_read(), so
 * multi-segment mbufs work; a read past the end of the packet makes the filter answer "no match"
 * (classic BPF's rule).
 *
 * The empty expression "" matches every packet.
 *
 * Not supported: expressions whose classic BPF jumps backwards (`ip6 protochain`, `ip protochain`):
 * DPDK's verifier refuses loops, so filter_create() fails on them with a message saying so, while
 * filter_check_syntax() (libpcap only) accepts them.
 *
 * A loaded filter is read-only: any number of lcores may run filter_burst() on it at once.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

/** Size of an error buffer that holds any message of this module. */
#define FILTER_ERR_LEN 256

/** A compiled filter (opaque). */
struct filter;

/**
 * Compile @p expr into a filter.
 *
 * Needs the EAL: rte_bpf_convert() allocates with rte_zmalloc(). Control plane only (compiling
 * takes tens of microseconds to milliseconds).
 *
 * @param expr
 *   A libpcap filter expression (pcap-filter(7)); "" matches everything.
 * @param err
 *   Receives libpcap's or DPDK's message on failure (may be NULL).
 * @param errlen
 *   Size of @p err; FILTER_ERR_LEN is always enough.
 * @return
 *   The filter, using the JIT when DPDK has one for this CPU; NULL on error with rte_errno set
 *   (EINVAL: bad expression or refused by the verifier; ENOMEM).
 */
struct filter *filter_create(const char *expr, char *err, size_t errlen);

/** Free a filter made by filter_create(); NULL is a no-op. */
void filter_free(struct filter *f);

/** True when filter_burst() runs the JIT-compiled code (false after filter_set_jit(f, false)). */
bool filter_is_jit(const struct filter *f);

/** The expression the filter was compiled from. */
const char *filter_expr(const struct filter *f);

/**
 * Choose between the JIT and the interpreter (benchmarks and tests compare both). Asking for the
 * JIT when there is none keeps the interpreter. Not safe while another lcore runs filter_burst()
 * on @p f: call it before the filter is published to the dataplane.
 */
void filter_set_jit(struct filter *f, bool use_jit);

/**
 * Run the filter on a burst: match[i] != 0 when pkts[i] matches (the value is classic BPF's
 * return, the snap length), 0 when it does not.
 *
 * Cost: ~20 cycles/pkt JIT, ~70 interpreter (TSC cycles, median of 5 runs, 2-vCPU VM) for
 * "tcp port 443 and net 10.0.0.0/8" on bursts of 32 64-byte IPv4/TCP frames, half of them
 * matching (test/unit/test_filter.c prints it).
 *
 * @param f
 *   The filter.
 * @param pkts
 *   The packets; not modified.
 * @param n
 *   Number of packets.
 * @param match
 *   Array of at least @p n results.
 */
void filter_burst(const struct filter *f, struct rte_mbuf **pkts, uint16_t n, uint64_t *match);

/**
 * Check the syntax of @p expr with libpcap only: no EAL, no DPDK. Used by the config loader so
 * that `stampede --check` reports bad filters.
 *
 * @return
 *   0 if libpcap compiles @p expr for Ethernet frames; -EINVAL with libpcap's message in @p err
 *   otherwise (-EINVAL with "filter: NULL expression" for NULL).
 */
int filter_check_syntax(const char *expr, char *err, size_t errlen);

#endif /* STP_FILTER_H */
