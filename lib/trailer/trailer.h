/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_TRAILER_H
#define STP_TRAILER_H

/**
 * @file
 * Timestamps that a switch wrote into the frame (doc: /work/shared/FORMATS.md sections 1-3):
 *  - the Metamako / Arista 7130 trailer: original FCS, optional TLV words, u32 seconds, u32 ns,
 *    flags, u16 source device, u8 source port, then a new FCS (absent when the capture path
 *    strips it);
 *  - the Arista AVSP header (EtherType 0xD28B after the source MAC; 64-bit or 48-bit seconds,
 *    TAI or UTC);
 *  - a generic stack of trailers: a frame that crossed n timestamping devices ends as
 *    original | FCS0 | T1 | FCS1 | ... | Tn | FCSn, each Ti a Metamako trailer or a fixed-size
 *    one with the seconds and nanoseconds at given offsets.
 *
 * Pure C on byte buffers (no EAL): unit tests and the fuzzer call it directly; the RX path
 * calls it per frame for the ports that have a trailer configured.
 */

#include <stdbool.h>
#include <stdint.h>

#define TRAILER_MAX_STACK 4  /**< Max trailers one frame carries (generic layout entries). */
#define TRAILER_MAX_TLVS 16  /**< Max Metamako TLVs walked before the frame is refused. */
#define TRAILER_MAX_FIXED 64 /**< Max length of a fixed trailer. */
/** Bytes from the end of the frame that trailer_parse_tail() may read (whole stack). */
#define TRAILER_TAIL_MAX 512
#define TRAILER_TAI_UTC_S 37 /**< TAI - UTC since 2017-01-01 (AVSP TAI versions). */

/** ports[].trailer.format */
enum trailer_format {
	TRAILER_FMT_NONE = 0, /**< no trailer: the port's own timestamps */
	TRAILER_FMT_METAMAKO, /**< one Metamako / Arista 7130 trailer */
	TRAILER_FMT_AVSP,     /**< Arista AVSP header after the source MAC */
	TRAILER_FMT_GENERIC,  /**< the trailers listed in layout[] */
};

/** ports[].trailer.fcs: is the frame's last FCS (the one after the outermost trailer) there? */
enum trailer_fcs {
	TRAILER_FCS_ABSENT = 0, /**< stripped by the NIC (DPDK's default) */
	TRAILER_FCS_PRESENT,	/**< kept (KEEP_CRC, or a capture file with FCS) */
	TRAILER_FCS_AUTO,	/**< present when the CRC-32 of the bytes before it matches */
};

/** ports[].trailer.use: which stamp of a stack becomes the packet's timestamp. */
enum trailer_use {
	TRAILER_USE_INNERMOST = 0, /**< the first device's (nearest the original event) */
	TRAILER_USE_OUTERMOST,	   /**< the last device's (nearest this capture) */
};

/** ports[].trailer.layout[].kind */
enum trailer_hop_kind {
	TRAILER_HOP_METAMAKO = 0, /**< 12 bytes + TLV words, the previous FCS before it */
	TRAILER_HOP_FIXED,	  /**< len bytes, fields at fixed offsets */
};

/** One trailer of a generic stack (layout[0] is the outermost, nearest the frame's end). */
struct trailer_hop {
	enum trailer_hop_kind kind; /**< kind, default "metamako" */
	uint8_t len;		    /**< fixed: bytes [4..64], default 12 */
	uint8_t sec_off;	    /**< fixed: offset of the big-endian seconds, default 0 */
	uint8_t sec_size;	    /**< fixed: 0, 4 or 8 bytes, default 4 */
	uint8_t ns_off;		    /**< fixed: offset of the big-endian nanoseconds, default 4 */
	uint8_t ns_size;	    /**< fixed: 0, 4 (< 10^9) or 8 (ns since 1970 when no sec) */
	bool fcs_before;	    /**< fixed: the previous FCS lies before it, default true */
};

/** A port's trailer settings (ports[].trailer; cfg.h embeds this struct). */
struct trailer_spec {
	enum trailer_format format; /**< default none */
	enum trailer_fcs fcs;	    /**< default absent */
	bool strip;		    /**< remove what the switch added, default false */
	enum trailer_use use;	    /**< default innermost */
	uint32_t max_skew_s; /**< refuse stamps this far from the port's own stamp; 0 = no check */
	uint8_t nb_hops;     /**< generic: entries in hops[] */
	struct trailer_hop hops[TRAILER_MAX_STACK]; /**< generic: layout[] */
};

/** Why a frame's trailer did not parse (negative return values of the parsers). */
#define TRAILER_FOREACH_ERR(_)                                                                 \
	_(SHORT, "short", "frame too short for its trailers and an Ethernet header")           \
	_(FLAGS, "flags", "reserved Metamako flag bits set")                                   \
	_(NS, "ns", "nanoseconds field not below 10^9")                                        \
	_(TIME, "time", "time before 1970-01-01T01:00 or too far from the port's stamp")       \
	_(TLV, "tlv", "Metamako TLV chain without its last TLV")                               \
	_(NO_TLV, "no_tlv", "Metamako TLV flag set but the word there is the original FCS")    \
	_(ORIG_FCS, "orig_fcs", "Metamako original FCS flagged valid but not the frame's CRC") \
	_(FCS, "fcs", "no FCS where the configuration says there is one")                      \
	_(AVSP, "avsp", "no AVSP timestamp header (EtherType, sub-type or version)")

enum trailer_err {
	TRAILER_OK = 0,
#define TRAILER_ERR_ENUM(id, name, desc) TRAILER_E_##id,
	TRAILER_FOREACH_ERR(TRAILER_ERR_ENUM)
#undef TRAILER_ERR_ENUM
	TRAILER_E_MAX
};

/** Short name of a trailer_err (positive or negative value), "ok" for 0. */
const char *trailer_strerror(int err);

/** One timestamp found in a frame. */
struct trailer_stamp {
	uint64_t ns;	 /**< UTC ns */
	int32_t seq;	 /**< Metamako sequence TLV (tag 0), -1 when absent */
	uint16_t device; /**< Metamako source device id */
	uint8_t port;	 /**< Metamako source port */
	uint8_t flags;	 /**< Metamako flags; AVSP: its version's low byte */
};

/** What trailer_parse() found. */
struct trailer_result {
	uint64_t ts_ns; /**< the stamp the spec's "use" picks */
	uint8_t nb;	/**< stamps found */
	bool final_fcs; /**< the frame ended with an FCS after the outermost trailer */
	bool orig_fcs;	/**< the original FCS (FCS0) is kept before the innermost trailer */
	struct trailer_stamp stamps[TRAILER_MAX_STACK]; /**< [0] outermost */
	uint32_t orig_len; /**< length of the original frame, without FCS0 */
	/**
	 * Stripping: the frame becomes its first strip_len bytes (trailers): the original frame,
	 * plus its FCS when the frame came with an FCS (so it still looks like the other frames
	 * of that port); for AVSP strip_off/strip_cut say which bytes go (header).
	 */
	uint32_t strip_len;
	uint16_t strip_off; /**< AVSP: offset of the bytes to remove (12), 0 for trailers */
	uint16_t strip_cut; /**< AVSP: how many (14 or 12) */
};

/** Ethernet CRC-32 (reflected 0xEDB88320), incremental: start with crc = 0. */
uint32_t trailer_crc32(uint32_t crc, const uint8_t *data, uint32_t len);

/**
 * Parse the trailers of a contiguous frame of @p len bytes.
 *
 * @param ref_ns  the port's own stamp of the frame (sw, hw or pcap): AVSP 48-bit seconds take
 *                their upper bits from it, and max_skew_s is checked against it
 * @return 0 with @p r filled, or a negative TRAILER_E_* (then @p r is undefined)
 */
int trailer_parse(const struct trailer_spec *s, const uint8_t *frame, uint32_t len, uint64_t ref_ns,
		struct trailer_result *r);

/**
 * CRC-32 (as trailer_crc32 from 0) of the first @p len bytes of the frame being parsed: the
 * Metamako checks need the frame before a trailer, which a tail does not hold.
 */
typedef uint32_t (*trailer_crc_fn)(const void *arg, uint32_t len);

/**
 * The trailer formats (metamako, generic) on the last @p tail_len bytes of a frame of
 * @p frame_len bytes (tail_len = min(frame_len, TRAILER_TAIL_MAX)), for frames in several
 * segments; @p final_fcs: the frame ends with an FCS (resolved by the caller for "auto");
 * @p crc (with @p crc_arg) gives the CRC of a prefix of the whole frame.
 *
 * A Metamako trailer is refused (so the frame keeps its length and the port's stamp) when its
 * "TLVs present" flag is set but the word before the seconds is the original FCS (the CRC of
 * the bytes before it: no TLV words), and when its "original FCS valid" flag is set but the
 * original FCS is not the CRC of the original frame.
 */
int trailer_parse_tail(const struct trailer_spec *s, const uint8_t *tail, uint32_t tail_len,
		uint32_t frame_len, bool final_fcs, uint64_t ref_ns, trailer_crc_fn crc,
		const void *crc_arg, struct trailer_result *r);

/** AVSP on the first @p head_len bytes of the frame (26 are enough). */
int trailer_parse_avsp(const struct trailer_spec *s, const uint8_t *head, uint32_t head_len,
		uint32_t frame_len, uint64_t ref_ns, struct trailer_result *r);

/** Name of a format / fcs / use / hop kind value (config and dumps). */
extern const char *const trailer_format_names[4];
extern const char *const trailer_fcs_names[3];
extern const char *const trailer_use_names[2];
extern const char *const trailer_hop_kind_names[2];

/**
 * Check a spec's consistency (layout only with generic, hops well formed). 0, or -EINVAL with a
 * message naming the key relative to the trailer object ("layout[1].sec_off: ...") in @p msg.
 */
int trailer_spec_check(const struct trailer_spec *s, char *msg, unsigned int msglen);

#endif /* STP_TRAILER_H */
