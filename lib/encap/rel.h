/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_REL_H
#define STP_REL_H

/**
 * @file
 * The bookkeeping of stampede's resend transport (lib/encap/README.md, "Reliable outputs"),
 * without the packets: pure C (no EAL), unit-tested (test/unit/test_rel.c).
 *
 * Sender side (struct rel_buf): a ring of the datagrams sent and not yet acknowledged, oldest
 * first, each with the sequence numbers it carries (struct rel_span) and an opaque object (the
 * mbuf). Acknowledged ranges free entries; a NACK, or an entry left behind newer acknowledged
 * ones for longer than a timeout, asks for a resend; an entry older than the resend window, or
 * pushed out of a full ring, goes to the dead-letter queue. The callbacks do the packet work.
 *
 * Receiver side (struct rel_rx): per source stream, the ranges of sequence numbers received
 * recently; each is reported (acknowledged) in every acknowledgement for a while after it last
 * grew, so one lost acknowledgement costs nothing.
 */

#include <stdbool.h>
#include <stdint.h>

#define REL_SPAN_MAX 4 /**< streams one datagram may carry (a fifth starts a new datagram) */

/** The sequence numbers a datagram carries: per stream key (the input port), [lo, hi]. */
struct rel_span {
	uint8_t nb;
	uint16_t frames; /**< frames it carries (a fragmented frame counts in its first) */
	uint8_t key[REL_SPAN_MAX];
	uint64_t lo[REL_SPAN_MAX];
	uint64_t hi[REL_SPAN_MAX];
};

/** Add number @p seq of stream @p key. false when the span already has REL_SPAN_MAX keys. */
bool rel_span_add(struct rel_span *s, uint8_t key, uint64_t seq);

/** One datagram kept. */
struct rel_entry {
	void *obj;	 /**< NULL once released (acknowledged) */
	uint64_t t_sent; /**< when first sent (the window counts from here) */
	uint64_t t_last; /**< when last sent (first send or resend) */
	uint8_t acked;	 /**< bit i: span slot i acknowledged */
	struct rel_span span;
};

/** Callback on an entry's object: release (acknowledged), resend, or dead-letter. */
typedef void (*rel_cb)(void *ctx, struct rel_entry *e);

/** The sender's ring. Memory: rel_buf_size(size) bytes. */
struct rel_buf {
	uint32_t size;	  /**< entries, power of 2 */
	uint32_t head;	  /**< oldest entry (index modulo size) */
	uint32_t count;	  /**< entries in the ring (acknowledged ones included until popped) */
	uint32_t unacked; /**< entries whose object is still held */
	uint64_t max_acked[256]; /**< per key: highest acknowledged number + 1, 0 = none */
	struct rel_entry e[];
};

/** Bytes of a ring of @p size entries. */
unsigned long rel_buf_size(uint32_t size);

/** Initialise a ring of @p size entries (a power of 2) in @p b (rel_buf_size() bytes). */
void rel_buf_init(struct rel_buf *b, uint32_t size);

/**
 * Keep @p obj, sent at @p now with the numbers of @p span. When the ring is full, its oldest
 * held entry goes to @p dead first (and ring slots of released entries are reused). Returns
 * the entry.
 */
struct rel_entry *rel_buf_push(struct rel_buf *b, void *obj, const struct rel_span *span,
		uint64_t now, rel_cb dead, void *ctx);

/**
 * Numbers [first, last] of stream @p key were received: every held entry whose slots are all
 * covered (by this or earlier acknowledgements) goes to @p release. Returns entries released.
 */
unsigned int rel_buf_ack(struct rel_buf *b, uint8_t key, uint64_t first, uint64_t last,
		rel_cb release, void *ctx);

/**
 * Numbers [first, last] of stream @p key are missing: each held entry with a not-acknowledged
 * slot of @p key overlapping them, not resent since @p now - @p min_gap, goes to @p resend
 * (t_last becomes @p now), the oldest first and at most @p max of them (so that no NACK
 * amplifies). Returns entries resent.
 */
unsigned int rel_buf_nack(struct rel_buf *b, uint8_t key, uint64_t first, uint64_t last,
		uint64_t now, uint64_t min_gap, unsigned int max, rel_cb resend, void *ctx);

/**
 * Housekeeping at @p now: pop released entries off the head; held entries sent before
 * @p now - @p window go to @p dead; held entries with a slot below a newer acknowledged number
 * of its key and last sent before @p now - @p rto go to @p resend (at most @p max_resend).
 * Returns entries dead-lettered.
 */
unsigned int rel_buf_tick(struct rel_buf *b, uint64_t now, uint64_t window, uint64_t rto,
		unsigned int max_resend, rel_cb dead, rel_cb resend, void *ctx);

/** Every held entry to @p dead, the ring emptied (at stop). Returns entries dead-lettered. */
unsigned int rel_buf_flush(struct rel_buf *b, rel_cb dead, void *ctx);

#define REL_RX_RANGES 16 /**< ranges a receiver keeps per stream */

/** Receiver: ranges of numbers received recently, per stream. */
struct rel_rx {
	uint8_t n;
	uint64_t first[REL_RX_RANGES];
	uint64_t last[REL_RX_RANGES];
	uint64_t t[REL_RX_RANGES]; /**< when the range last grew */
};

/** Number @p seq received at @p now. */
void rel_rx_add(struct rel_rx *x, uint64_t seq, uint64_t now);

/**
 * Numbers [@p first, @p last] received (first <= last), as of @p now: merged with the ranges
 * they overlap or touch; when all REL_RX_RANGES are taken, the one that grew longest ago is
 * forgotten.
 */
void rel_rx_add_range(struct rel_rx *x, uint64_t first, uint64_t last, uint64_t now);

/**
 * The ranges that grew since @p now - @p keep, into @p first / @p last (at most @p max, the
 * newest first); older ranges are forgotten. Returns how many.
 */
unsigned int rel_rx_report(struct rel_rx *x, uint64_t now, uint64_t keep, uint64_t *first,
		uint64_t *last, unsigned int max);

#endif /* STP_REL_H */
