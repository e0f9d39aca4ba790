/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_PROBE_H
#define STP_PROBE_H

/**
 * @file
 * Latency probes, the pure part: the probe payload (layout in lib/probe/README.md), its builder and
 * parser, the receive statistics of one stream (sequence tracking after RFC 4737, RFC 3550
 * interarrival jitter), the pacing arithmetic of the generator, packet size mixes, the UDP
 * checksum of a probe patched per packet, and the deterministic impairment used by tests.
 *
 * The datapath side (generator source, receiver/reflector stage) is in lib/pipeline
 * (source.c, stage.c). Nothing here touches the EAL: unit-testable anywhere.
 *
 * Probe payload (UDP payload, network byte order), PROBE_LEN = 40 bytes:
 *
 *   0               1               2               3
 *   +---------------+---------------+---------------+---------------+
 *   |                     magic 0x53545044 "STPD"                   |  0
 *   +---------------+---------------+---------------+---------------+
 *   |  version (1)  |     flags     |           stream id           |  4
 *   +---------------+---------------+---------------+---------------+
 *   |                    sequence number (u64)                      |  8
 *   +---------------+---------------+---------------+---------------+
 *   |                 sender TX timestamp, UTC ns (u64)             | 16
 *   +---------------+---------------+---------------+---------------+
 *   |               reflector RX timestamp, UTC ns (u64)            | 24
 *   +---------------+---------------+---------------+---------------+
 *   |               reflector TX timestamp, UTC ns (u64)            | 32
 *   +---------------+---------------+---------------+---------------+
 *
 * flags: bits 0-1 source of the sender's TX timestamp (enum probe_ts_src), bit 2 reflected,
 * bits 4-5 source of the reflector's timestamps. Bytes after the 40 are padding (the payload
 * pattern) up to the frame size.
 */

#include <stdbool.h>
#include <stdint.h>

#include "bytes.h"

#define PROBE_MAGIC UINT32_C(0x53545044) /**< "STPD" */
#define PROBE_VERSION 1
#define PROBE_LEN 40		/**< probe payload bytes */
#define PROBE_MAX_STREAMS 32	/**< stream ids 0..31 */
#define PROBE_DEFAULT_PORT 7777 /**< the receiver's default UDP port */

/** Where a timestamp in a probe came from. HW is recorded when a NIC reports TX stamps. */
enum probe_ts_src {
	PROBE_TS_NONE = 0,
	PROBE_TS_SW = 1, /**< calibrated TSC (software), taken just before rte_eth_tx_burst */
	PROBE_TS_HW = 2, /**< NIC TX timestamp: only in records (probe_txts.h), never on the wire */
	PROBE_TS_KERNEL = 3, /**< the kernel's software TX stamp (net_afpkt): only in records */
};

#define PROBE_F_TS_MASK 0x03
#define PROBE_F_REFLECTED 0x04
#define PROBE_F_RTS_SHIFT 4
#define PROBE_F_RTS_MASK 0x30

/** A probe in host order. */
struct probe_hdr {
	uint8_t version;
	uint8_t flags;
	uint16_t stream;
	uint64_t seq;
	uint64_t tx_ns;
	uint64_t refl_rx_ns;
	uint64_t refl_tx_ns;
};

/** Why a payload is not a probe we measure (parse result). */
enum probe_parse_rc {
	PROBE_OK = 0,
	PROBE_ERR_SHORT,   /**< fewer than PROBE_LEN bytes */
	PROBE_ERR_MAGIC,   /**< not our magic: not a probe */
	PROBE_ERR_VERSION, /**< our magic, unknown version */
	PROBE_ERR_STREAM,  /**< stream id >= PROBE_MAX_STREAMS */
};

/** Write @p h at @p p (PROBE_LEN bytes, network order). */
void probe_write(uint8_t *p, const struct probe_hdr *h);

/** Parse @p len bytes at @p p. Never reads past @p len. */
enum probe_parse_rc probe_parse(const uint8_t *p, uint32_t len, struct probe_hdr *h);

/** Field offsets, for the datapath that patches a template in place. */
#define PROBE_OFF_FLAGS 5
#define PROBE_OFF_SEQ 8
#define PROBE_OFF_TX 16
#define PROBE_OFF_RRX 24
#define PROBE_OFF_RTX 32

/**
 * A u64 big-endian at any alignment: bytes.h's, under the names stage_probe.c and
 * source_probe.c still call (to go when they move to lib/probe and call bytes.h themselves).
 */
static inline void
probe_put64(uint8_t *p, uint64_t v)
{
	bytes_put_be64(p, v);
}

static inline uint64_t
probe_get64(const uint8_t *p)
{
	return bytes_get_be64(p);
}

/* ---------------------------------------------------------------------------------------------- */
/* Receive statistics of one stream */

/** Sequence numbers remembered for duplicate detection and late arrivals. */
#define PROBE_WINDOW 1024
/** A sequence further than this ahead of the highest one seen is a "far future" jump. */
#define PROBE_FAR 65536
/** This many consecutive far or too-old sequences mean the sender restarted: resynchronise. */
#define PROBE_RESYNC 16

/** What probe_seq_update() made of a sequence number. */
enum probe_seq_rc {
	PROBE_SEQ_NEW = 0,   /**< counted as received, in order */
	PROBE_SEQ_REORDERED, /**< counted as received, arrived after a higher one (RFC 4737) */
	PROBE_SEQ_DUP,	     /**< already seen: counted duplicate, not received */
	PROBE_SEQ_TOO_OLD,   /**< older than the window: counted and ignored */
	PROBE_SEQ_FAR,	     /**< jump beyond PROBE_FAR: counted and ignored */
};

/**
 * Sequence tracking of one stream. received counts distinct sequence numbers; lost is
 * (highest - first + 1) - received at any moment, so a packet arriving late (within the window)
 * turns a loss back into a reception. Duplicates are found in a sliding bitmap of the last
 * PROBE_WINDOW sequence numbers. A packet is "reordered" (RFC 4737 Type-P-Reordered) when its
 * sequence is lower than the next expected one (the highest seen + 1).
 */
struct probe_seq {
	bool started;
	uint64_t first;		  /**< first sequence seen (since the last resync) */
	uint64_t max;		  /**< highest sequence seen */
	uint64_t received;	  /**< distinct sequences accepted */
	uint64_t duplicates;	  /**< copies of an already received sequence */
	uint64_t reordered;	  /**< RFC 4737 reordered packets */
	uint64_t too_old;	  /**< sequences below the window: ignored */
	uint64_t far;		  /**< sequences far in the future: ignored */
	uint64_t resyncs;	  /**< restarts detected (PROBE_RESYNC odd sequences in a row) */
	uint64_t expected_before; /**< sequences expected before the last resync */
	uint32_t odd_run;	  /**< consecutive too-old / far sequences */
	uint64_t bits[PROBE_WINDOW / 64];
};

/** Account sequence @p seq. */
enum probe_seq_rc probe_seq_update(struct probe_seq *s, uint64_t seq);

/** Lost packets so far (expected - received, never negative). */
uint64_t probe_seq_lost(const struct probe_seq *s);

/**
 * RFC 3550 interarrival jitter in ns: for consecutive packets i, j (in arrival order)
 * D = (Rj - Ri) - (Sj - Si), J += (|D| - J) / 16. Kept as 16 J (fixed point) for precision.
 */
struct probe_jitter {
	bool started;
	uint64_t last_tx;
	uint64_t last_rx;
	uint64_t j16; /**< 16 x jitter, ns */
};

void probe_jitter_update(struct probe_jitter *j, uint64_t tx_ns, uint64_t rx_ns);

static inline uint64_t
probe_jitter_ns(const struct probe_jitter *j)
{
	return j->j16 / 16;
}

/* ---------------------------------------------------------------------------------------------- */
/* Pacing */

/**
 * Pacing from the TSC: the credit due at TSC @p tsc is base + (tsc - start) * rate / hz,
 * computed in 128 bits, so there is no per-packet rounding: the long-run rate is exact. A
 * credit is a packet (rate in pps) or a bit (rate in bit/s: a packet costs its bits). Changing
 * the rate rebases start and base at the current credit.
 */
struct probe_pace {
	uint64_t hz;	/**< TSC frequency */
	uint64_t rate;	/**< credits per second; 0 = unpaced (as fast as the port takes) */
	uint64_t start; /**< TSC when the current rate took effect */
	uint64_t base;	/**< credit due at start */
};

static inline uint64_t
probe_pace_due(const struct probe_pace *p, uint64_t tsc)
{
	if (tsc <= p->start)
		return p->base;
	return p->base + (uint64_t)((unsigned __int128)(tsc - p->start) * p->rate / p->hz);
}

/** Start pacing at @p rate credits/s from @p tsc with @p base credits already due. */
void probe_pace_set(struct probe_pace *p, uint64_t hz, uint64_t rate, uint64_t tsc, uint64_t base);

/** TSC cycles per credit (for display), 0 when unpaced. */
double probe_pace_cycles_per_credit(const struct probe_pace *p);

/* ---------------------------------------------------------------------------------------------- */
/* Frame sizes */

#define PROBE_MAX_SIZES 16
#define PROBE_MIN_FRAME 64
#define PROBE_MAX_FRAME 9018

/** The simple IMIX (7 x 64, 4 x 594, 1 x 1518 bytes), interleaved; returns its 12 entries. */
unsigned int probe_sizes_imix(uint16_t sizes[PROBE_MAX_SIZES]);

/**
 * Smallest frame (with FCS, as sizes are counted) that holds a probe: Ethernet (+4 per VLAN
 * tag), IPv4 or IPv6, UDP, PROBE_LEN and the 4-byte FCS. Smaller sizes are raised to it.
 */
uint32_t probe_min_frame(bool ipv6, bool vlan);

/* ---------------------------------------------------------------------------------------------- */
/* Checksums */

/** One's complement sum of @p len bytes (big-endian 16-bit words) added to @p sum. */
uint32_t probe_csum_add(uint32_t sum, const void *buf, uint32_t len);

/** Fold a sum to 16 bits and complement it, as the UDP checksum field holds it (0 -> 0xffff). */
uint16_t probe_csum_fold(uint32_t sum);

/* ---------------------------------------------------------------------------------------------- */
/* Deterministic impairment (a test and lab feature) */

/**
 * Applied by the generator on TX, by position p = 0, 1, 2... of a stream's packets:
 * drop_every N drops positions with (p + 1) % N == 0; duplicate_every M sends positions with
 * (p + 1) % M == 0 twice; swap_every K exchanges the sequence numbers of positions j and j + 1
 * for each j with (j + 1) % K == 0 (K >= 2), so the pair leaves out of order. 0 = off.
 */
struct probe_impair {
	uint32_t drop_every;
	uint32_t duplicate_every;
	uint32_t swap_every;
};

/** The sequence number position @p pos carries; @p count bounds the stream (0: unbounded). */
static inline uint64_t
probe_impair_seq(const struct probe_impair *im, uint64_t pos, uint64_t count)
{
	uint64_t k = im->swap_every;

	if (k < 2)
		return pos;
	if ((pos + 1) % k == 0 && (count == 0 || pos + 1 < count))
		return pos + 1;
	if (pos > 0 && pos % k == 0)
		return pos - 1;
	return pos;
}

static inline bool
probe_impair_drop(const struct probe_impair *im, uint64_t pos)
{
	return im->drop_every != 0 && (pos + 1) % im->drop_every == 0;
}

static inline bool
probe_impair_dup(const struct probe_impair *im, uint64_t pos)
{
	return im->duplicate_every != 0 && (pos + 1) % im->duplicate_every == 0;
}

#endif /* STP_PROBE_H */
