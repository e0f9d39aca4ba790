/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_SPH_H
#define STP_SPH_H

/**
 * @file
 * The stampede header (SPH), version 1: what one stampede node puts in front of each frame it
 * sends to another (layout and byte diagram: lib/encap/README.md). A datagram (the payload of a
 * UDP datagram, or of an Ethernet frame with EtherType 0x88B5) holds one or more records back
 * to back; a record is one header followed by payload_len bytes of the original frame (all of
 * it, or one fragment of it). All fields are big-endian.
 *
 * The decoder never reads outside the buffer it is given and answers every malformed input
 * with a named error (enum sph_err); unknown TLVs and unknown flag bits are skipped, so a
 * newer writer's additions do not cost an older reader its packets.
 *
 * Pure C (no EAL): unit-tested and fuzzed (test/fuzz/fuzz_sph.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

#define SPH_MAGIC 0x5350     /**< "SP" */
#define SPH_VERSION 1	     /**< the version this code writes and the newest it reads */
#define SPH_FIXED_LEN 40     /**< the fixed part of the header */
#define SPH_ETHERTYPE 0x88B5 /**< IEEE 802 local experimental EtherType 1 */
#define SPH_UDP_PORT 48879   /**< default UDP destination port (0xBEEF) */

/** The node id a record header at @p rec names; the caller checked SPH_FIXED_LEN bytes are there.
 */
static inline uint32_t
sph_peek_node(const uint8_t *rec)
{
	return bytes_get_be32(rec + 8);
}

/* Flags (header byte 3). Bits not listed are reserved: written 0, ignored on read. */
#define SPH_F_FRAG 0x01	 /**< the record holds one fragment (a FRAG TLV says which) */
#define SPH_F_CTRL 0x02	 /**< control message (acknowledgement): no frame, payload_len 0 */
#define SPH_F_TRUNC 0x04 /**< captured length < original length (snaplen) */
/** The sender keeps the record for resending: the receiver acknowledges it (ACK/NACK). */
#define SPH_F_RELIABLE 0x08

/* TLV types. Each TLV: type (1 byte), length of the value (1 byte), value. */
#define SPH_TLV_PAD 0	      /**< padding: skipped */
#define SPH_TLV_HOP 1	      /**< hop record: node id u32, receive time ns u64, its sequence u64 */
#define SPH_TLV_DESC 2	      /**< description of the source (UTF-8, no NUL), 1..255 bytes */
#define SPH_TLV_FRAG 3	      /**< fragment: offset u32 in the frame, index u16, count u16 */
#define SPH_TLV_ACK 4	      /**< (flags CTRL) stream u16, 1..15 ranges (first u64, last u64) */
#define SPH_TLV_NACK 5	      /**< (flags CTRL) stream u16, first missing u64, count u32 */
#define SPH_ACK_MAX_RANGES 15 /**< ranges one ACK TLV holds (2 + 15 * 16 <= 255) */
#define SPH_NACK_LEN 14	      /**< value bytes of a NACK TLV */
#define SPH_HOP_LEN 20	      /**< value bytes of a HOP TLV */
#define SPH_FRAG_LEN 8	      /**< value bytes of a FRAG TLV */
#define SPH_MAX_HOPS 8	      /**< hops a decoded header keeps (more are counted, not kept) */
#define SPH_MAX_DESC 255      /**< longest description */
#define SPH_MAX_FRAGS 64      /**< most fragments of one frame a writer makes / a reader accepts */

/** Decoding errors: (id, name, description). Names are stable: drop reasons use them. */
#define SPH_FOREACH_ERR(_)                                                                 \
	_(TRUNCATED, "sph_truncated", "stampede header cut short")                         \
	_(BAD_MAGIC, "sph_bad_magic", "not a stampede header (bad magic)")                 \
	_(BAD_VERSION, "sph_bad_version", "stampede header of an unknown version")         \
	_(BAD_HDR_LEN, "sph_bad_hdr_len", "stampede header length out of range")           \
	_(BAD_LENGTH, "sph_bad_length", "stampede lengths past the frame or inconsistent") \
	_(BAD_TLV, "sph_bad_tlv", "malformed stampede TLV")

enum sph_err {
	SPH_OK = 0,
#define SPH_ERR_ENUM(id, name, desc) SPH_E_##id,
	SPH_FOREACH_ERR(SPH_ERR_ENUM)
#undef SPH_ERR_ENUM
	SPH_E_MAX
};

/** Name of an error ("sph_bad_magic"...), "ok" for SPH_OK. */
const char *sph_err_name(enum sph_err e);

/** One hop record: a node the record went through after its source. */
struct sph_hop {
	uint32_t node;
	uint64_t rx_ns; /**< when that node received it (UTC ns) */
	uint64_t seq;	/**< that node's own sequence number for it */
};

/** A decoded (or to-be-encoded) header. */
struct sph_hdr {
	uint8_t version;
	uint8_t flags;	      /**< SPH_F_* */
	uint8_t ts_src;	      /**< enum pkt_ts_src of the capture timestamp */
	uint16_t hdr_len;     /**< bytes of header, TLVs included */
	uint16_t stream;      /**< source stream (input port) id */
	uint16_t payload_len; /**< frame bytes after the header in this record */
	uint32_t node;	      /**< source node id */
	uint64_t seq;	      /**< per (node, stream) sequence number */
	uint64_t ts_ns;	      /**< capture timestamp, UTC ns */
	uint32_t orig_len;    /**< length of the frame on the wire */
	uint32_t cap_len;     /**< bytes of it carried (all fragments) */
	/* TLVs */
	uint8_t nb_hops;	/**< hops kept in hops[] */
	uint16_t nb_hops_total; /**< hop TLVs seen (>= nb_hops) */
	struct sph_hop hops[SPH_MAX_HOPS];
	uint8_t desc_len;    /**< 0: no description */
	const uint8_t *desc; /**< decode: points into the buffer; encode: the text */
	uint32_t frag_off;   /**< SPH_F_FRAG: offset of this fragment in the frame */
	uint16_t frag_idx;   /**< SPH_F_FRAG: 0..frag_cnt-1 */
	uint16_t frag_cnt;   /**< SPH_F_FRAG: fragments of the frame, 2..SPH_MAX_FRAGS */
	uint16_t nb_unknown; /**< decode: TLVs of unknown type skipped */
};

/**
 * Write the fixed part of a header (SPH_FIXED_LEN bytes, magic and version included) at @p p:
 * the part of sph_encode() that every record has, for a sender that writes the TLVs itself (the
 * edge's fast path: no struct sph_hdr to fill and clear per frame). Five 8-byte big-endian
 * stores; @p p need not be aligned.
 */
static inline void
sph_put_fixed(uint8_t *p, uint8_t flags, uint16_t hdr_len, uint8_t ts_src, uint32_t node,
		uint16_t stream, uint16_t payload_len, uint64_t seq, uint64_t ts_ns,
		uint32_t orig_len, uint32_t cap_len)
{
	bytes_put_be64(p,
			(uint64_t)SPH_MAGIC << 48 | (uint64_t)SPH_VERSION << 40 |
					(uint64_t)flags << 32 | (uint64_t)hdr_len << 16 |
					(uint64_t)ts_src << 8);
	bytes_put_be64(p + 8, (uint64_t)node << 32 | (uint64_t)stream << 16 | payload_len);
	bytes_put_be64(p + 16, seq);
	bytes_put_be64(p + 24, ts_ns);
	bytes_put_be64(p + 32, (uint64_t)orig_len << 32 | cap_len);
}

/**
 * Header length of @p h as sph_encode() writes it: the fixed part, a DESC TLV when desc_len >
 * 0, a FRAG TLV when flags has SPH_F_FRAG, and nb_hops HOP TLVs.
 */
uint16_t sph_hdr_size(const struct sph_hdr *h);

/**
 * Write the header of @p h (sph_hdr_size() bytes; h->hdr_len is ignored) into @p buf.
 * Returns the bytes written, or 0 when @p cap is too small.
 */
uint16_t sph_encode(const struct sph_hdr *h, uint8_t *buf, size_t cap);

/**
 * Decode the record at the start of @p buf (@p len bytes available). On success returns the
 * record's length (header + payload, <= @p len) and fills @p h; the payload starts at
 * buf + h->hdr_len. On failure returns -(enum sph_err). Checks: magic, version 1..SPH_VERSION,
 * 40 <= hdr_len <= len, every TLV inside the header with its type's length, payload inside
 * @p len, cap_len <= orig_len, a whole frame's payload_len == cap_len, a fragment inside
 * cap_len with index < count, count 2..SPH_MAX_FRAGS, a control record without payload.
 */
int sph_decode(const uint8_t *buf, size_t len, struct sph_hdr *h);

/**
 * The length (header + payload) of the record at @p buf (@p len bytes available) when it is a
 * plain one: a whole frame's record without TLVs (hdr_len 40, neither FRAG nor CTRL) that
 * passes every check sph_decode() makes; else 0 (TLVs, control records, fragments, any error:
 * sph_decode() tells which). Nothing is stored: a receiver that checked a datagram's records
 * this way reads their fields later with the sph_plain_*() accessors, without checking again
 * (the broker collector's admission, then its collection).
 */
static inline uint32_t
sph_plain_len(const uint8_t *buf, size_t len)
{
	if (len >= SPH_FIXED_LEN) {
		const uint64_t w0 = bytes_get_be64(buf);
		const uint64_t w1 = bytes_get_be64(buf + 8);
		const uint64_t w4 = bytes_get_be64(buf + 32);
		const uint8_t flags = (uint8_t)(w0 >> 32);
		const uint16_t plen = (uint16_t)w1;
		const uint32_t orig = (uint32_t)(w4 >> 32), cap = (uint32_t)w4;
		/* Magic, version, hdr_len; flags and ts_src apart; the reserved byte is ignored. */
		const uint64_t want = (uint64_t)SPH_MAGIC << 48 | (uint64_t)SPH_VERSION << 40 |
				(uint64_t)SPH_FIXED_LEN << 16;

		if ((w0 & 0xffffff00ffff0000ULL) == want && !(flags & (SPH_F_FRAG | SPH_F_CTRL)) &&
				(size_t)SPH_FIXED_LEN + plen <= len && cap != 0 && cap <= orig &&
				plen == cap)
			return SPH_FIXED_LEN + plen;
	}
	return 0;
}

/** A plain record's (sph_plain_len()) flags. */
static inline uint8_t
sph_plain_flags(const uint8_t *rec)
{
	return rec[3];
}

/** A plain record's ts_src (enum pkt_ts_src of its capture timestamp). */
static inline uint8_t
sph_plain_ts_src(const uint8_t *rec)
{
	return rec[6];
}

/** A plain record's node (high 32 bits), stream (bits 16..31) and payload_len (low 16 bits). */
static inline uint64_t
sph_plain_w1(const uint8_t *rec)
{
	return bytes_get_be64(rec + 8);
}

/** A plain record's sequence number. */
static inline uint64_t
sph_plain_seq(const uint8_t *rec)
{
	return bytes_get_be64(rec + 16);
}

/** A plain record's capture timestamp (UTC ns). */
static inline uint64_t
sph_plain_ts(const uint8_t *rec)
{
	return bytes_get_be64(rec + 24);
}

/** A plain record's orig_len (its payload_len is its cap_len). */
static inline uint32_t
sph_plain_orig(const uint8_t *rec)
{
	return bytes_get_be32(rec + 32);
}

/** Fill @p h from the plain record at @p buf (sph_plain_len() took it): what sph_decode() would. */
static inline void
sph_plain_hdr(const uint8_t *buf, struct sph_hdr *h)
{
	const uint64_t w1 = sph_plain_w1(buf);

	h->version = SPH_VERSION;
	h->flags = sph_plain_flags(buf);
	h->ts_src = sph_plain_ts_src(buf);
	h->hdr_len = SPH_FIXED_LEN;
	h->stream = (uint16_t)(w1 >> 16);
	h->payload_len = (uint16_t)w1;
	h->node = (uint32_t)(w1 >> 32);
	h->seq = sph_plain_seq(buf);
	h->ts_ns = sph_plain_ts(buf);
	h->orig_len = sph_plain_orig(buf);
	h->cap_len = h->payload_len;
	h->nb_hops = 0;
	h->nb_hops_total = 0;
	h->desc_len = 0;
	h->desc = NULL;
	h->frag_off = 0;
	h->frag_idx = 0;
	h->frag_cnt = 0;
	h->nb_unknown = 0;
}

/**
 * sph_decode() with the common record inline: a plain record (sph_plain_len()) is decoded
 * here with the same result; anything else goes to sph_decode(). test/fuzz/fuzz_sph.c checks
 * it answers as sph_decode() does on every input.
 */
static inline int
sph_decode_fast(const uint8_t *buf, size_t len, struct sph_hdr *h)
{
	const uint32_t rc = sph_plain_len(buf, len);

	if (rc == 0)
		return sph_decode(buf, len, h);
	sph_plain_hdr(buf, h);
	return (int)rc;
}

/**
 * Whether @p len bytes are padding after the last record (fewer than a fixed header, all 0):
 * what an Ethernet frame may carry after its records.
 */
bool sph_is_padding(const uint8_t *buf, size_t len);

/**
 * Copy the record at @p in (@p in_len bytes, already decoded by sph_decode()) to @p out with
 * one more HOP TLV at the end of its header (hdr_len grows by 2 + SPH_HOP_LEN): what a relay
 * does. Returns the bytes written, or 0 when @p cap is too small or the header would exceed
 * 65535 bytes.
 */
size_t sph_add_hop(const uint8_t *in, size_t in_len, const struct sph_hop *hop, uint8_t *out,
		size_t cap);

/** Numbers below the highest seen that a receiver remembers (a power of 2, multiple of 64). */
#define SPH_SEQ_WINDOW 4096

/**
 * The first number outside a stream's space. Senders count from 0, so none reaches it; a record
 * at or past it is refused (stale), which keeps `next` (highest + 1) from wrapping to 0: taking
 * UINT64_MAX would make every later number look ahead of the window. Below it, `next` grows by
 * one per record in order, so it cannot reach 2^64 either.
 */
#define SPH_SEQ_LIMIT (UINT64_C(1) << 63)

/**
 * Sequence check of one (node, stream) at a receiver: counts what is missing, duplicated and
 * late. A window of the last SPH_SEQ_WINDOW numbers below the highest seen tells a late
 * arrival (it fills a gap: gaps go down by one, reordered up) from a duplicate; a number behind
 * the window cannot be told from a replay and is refused (stale). 4096: a resend answering a
 * NACK still lands inside it at ~1 M records/s with a few ms of round trip.
 */
struct sph_seq {
	bool started;
	uint64_t first; /**< the first number seen: nothing before it is missing */
	uint64_t next;	/**< highest seen + 1 */
	uint64_t win[SPH_SEQ_WINDOW / 64]; /**< bit n % SPH_SEQ_WINDOW: number n was seen */
	uint64_t received;		   /**< records accepted (first copies) */
	uint64_t gaps;			   /**< numbers not (yet) seen below next */
	uint64_t dups;			   /**< copies of a number seen before */
	uint64_t reordered; /**< numbers that came after a higher one (late, filled a gap) */
	uint64_t stale;	    /**< behind the window or before the first number (see below) */
};

/** Result of sph_seq_check(). */
enum sph_seq_res {
	SPH_SEQ_OK = 0,	   /**< the next expected (or the first) */
	SPH_SEQ_GAP,	   /**< ahead: the numbers in between are counted missing */
	SPH_SEQ_REORDERED, /**< behind, not seen before */
	SPH_SEQ_DUP,	   /**< seen before: the caller drops it */
	/**
	 * Behind the window (>= first): duplicate or not, cannot tell; or at or past
	 * SPH_SEQ_LIMIT. Dropped.
	 */
	SPH_SEQ_STALE,
	/**
	 * Before the first number this receiver saw: never seen here (a spool replayed to a
	 * restarted collector), delivered; counted in stale too.
	 */
	SPH_SEQ_EARLY,
};

/** Account @p seq in @p s. */
enum sph_seq_res sph_seq_check(struct sph_seq *s, uint64_t seq);

/**
 * sph_seq_check() with two answers inline, for a receiver's per-record path: the next number
 * expected (records in order: one bit of the window set) and a number before the first (a
 * spool replayed to a restarted receiver); the rest goes to sph_seq_check(). The same result
 * and the same state as sph_seq_check() (test/unit/test_sph.c and fuzz_sph compare them).
 * `first < next` holds once started: next never wraps (SPH_SEQ_LIMIT).
 */
static inline enum sph_seq_res
sph_seq_check_fast(struct sph_seq *s, uint64_t seq)
{
	if (likely(s->started)) {
		if (seq == s->next && seq < SPH_SEQ_LIMIT) {
			s->win[(seq % SPH_SEQ_WINDOW) / 64] |= 1ULL << (seq % 64);
			s->next = seq + 1;
			s->received++;
			return SPH_SEQ_OK;
		}
		if (seq < s->first) { /* first < next: not ahead either */
			s->stale++;
			return SPH_SEQ_EARLY;
		}
	}
	return sph_seq_check(s, seq);
}

/** One acknowledgement or NACK of a control record: numbers [first, last] of a stream. */
struct sph_ctrl_item {
	uint8_t type;	 /**< SPH_TLV_ACK (received) or SPH_TLV_NACK (missing) */
	uint16_t stream; /**< the stream of the source node (the record header's node) */
	uint64_t first;
	uint64_t last; /**< inclusive, >= first */
};

/**
 * Write a control record (flags CTRL, payload 0) to @p buf: header node @p node (the source
 * being answered) and one TLV per item of @p it (ACK items with the same stream that follow
 * each other share one TLV, up to SPH_ACK_MAX_RANGES ranges). Returns the bytes written, or 0
 * when @p cap is too small or the header would exceed 65535 bytes.
 */
size_t sph_ctrl_encode(uint32_t node, const struct sph_ctrl_item *it, unsigned int n, uint8_t *buf,
		size_t cap);

/**
 * Read the ACK and NACK TLVs of a control record decoded by sph_decode() (@p rec: its first
 * byte, @p h: its header) into @p it (at most @p max items; more are ignored). Returns the
 * items found, or -SPH_E_BAD_TLV for an ACK TLV whose length is not 2 + 16 k (k 1..15), a NACK
 * TLV not SPH_NACK_LEN long, a NACK count of 0, a range with last < first, or a range past
 * 2^64 - 1. Other TLVs are skipped.
 */
int sph_ctrl_parse(const uint8_t *rec, const struct sph_hdr *h, struct sph_ctrl_item *it,
		unsigned int max);

#endif /* STP_SPH_H */
