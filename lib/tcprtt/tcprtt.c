/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * Passive TCP latency: option parser, flow key, flow table and sample logic (see tcprtt.h).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_prefetch.h>
#if defined(RTE_ARCH_X86_64) && defined(__SSE4_1__)
#include <smmintrin.h>
#endif
#include <rte_malloc.h>

#include <rte_ether.h>
#include <rte_hash_crc.h>
#if defined(RTE_ARCH_X86_64) && defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

#include "bytes.h"
#include "pkt.h"
#include "tcprtt.h"

/* The flow table hash's seed: any non-zero value (the all-zero key must not hash to 0). */
#define TCPRTT_HASH_SEED 0x7c9f2a1bu

/* enum pkt_l3 and PKT_F_* values (lib/pkt), repeated so that this file needs no mbuf header. */
#define L3_IPV4 1
#define L3_IPV6 2
#define F_FRAG 0x01
#define F_L3_TRUNC 0x02
#define F_L4_TRUNC 0x04
#define F_VLAN_TRUNC 0x08
#define F_VLAN_DEEP 0x10

static const char *const kind_names[] = {
#define TCPRTT_KIND_NAME(id, s) s,
	TCPRTT_FOREACH_KIND(TCPRTT_KIND_NAME)
#undef TCPRTT_KIND_NAME
};

const char *
tcprtt_kind_name(unsigned int kind)
{
	return kind < TCPRTT_KIND_MAX ? kind_names[kind] : "unknown";
}

static const char *const drop_names[] = {
#define TCPRTT_DROP_NAME(id, s) s,
	TCPRTT_FOREACH_DROP(TCPRTT_DROP_NAME)
#undef TCPRTT_DROP_NAME
};

const char *
tcprtt_drop_name(unsigned int reason)
{
	return reason < TCPRTT_DROP_MAX ? drop_names[reason] : "unknown";
}

/* ---------------------------------------------------------------------------------------------- */
/* Parsing */

int
tcprtt_parse_options(const uint8_t *opt, uint32_t len, struct tcprtt_opts *o)
{
	uint32_t i = 0;

	/* The layout of nearly every segment after the handshake: NOP, NOP, TS (RFC 7323
	 * appendix A), alone or before SACK blocks.
	 */
	if (len >= 12 && opt[0] == 1 && opt[1] == 1 && opt[2] == 8 && opt[3] == 10) {
		o->has_ts = true;
		o->tsval = bytes_get_be32(&opt[4]);
		o->tsecr = bytes_get_be32(&opt[8]);
		if (len == 12)
			return 0;
		i = 12;
	} else {
		o->has_ts = false;
	}
	while (i < len) {
		uint8_t kind = opt[i], olen;

		if (kind == 0) /* end of option list */
			return 0;
		if (kind == 1) { /* no-operation */
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -EINVAL; /* no room for the length byte */
		olen = opt[i + 1];
		if (olen < 2 || olen > len - i)
			return -EINVAL; /* zero-length (would loop) or running past the header */
		if (kind == 8) {
			if (olen != 10)
				return -EINVAL;
			o->has_ts = true;
			o->tsval = bytes_get_be32(&opt[i + 2]);
			o->tsecr = bytes_get_be32(&opt[i + 6]);
		}
		i += olen;
	}
	return 0;
}

/* (addr, port) of a vs b in the canonical order: < 0 when a is the lower endpoint. */
static inline int
endpoint_cmp(const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb, size_t alen)
{
	int c;

	if (alen == 4) {
		/* The addresses as big-endian numbers: one compare, no memcmp call. */
		uint32_t x = bytes_get_be32(a), y = bytes_get_be32(b);

		if (x != y)
			return x < y ? -1 : 1;
		return (int)ntohs(pa) - (int)ntohs(pb);
	}
	c = memcmp(a, b, alen);
	if (c != 0)
		return c;
	return (int)ntohs(pa) - (int)ntohs(pb);
}

/* Why lib/pkt flagged an IPv4 header (PKT_F_L3_TRUNC): re-read it (slow path only). */
static unsigned int
ipv4_fault(const uint8_t *ip, uint32_t avail)
{
	uint32_t hlen, tot;

	if (avail < 20)
		return TCPRTT_DROP_IP_TRUNCATED;
	if ((ip[0] >> 4) != 4)
		return TCPRTT_DROP_IP_BAD_VERSION;
	hlen = (uint32_t)(ip[0] & 0x0f) * 4;
	if (hlen < 20)
		return TCPRTT_DROP_IP_BAD_IHL;
	tot = ((uint32_t)ip[2] << 8) | ip[3];
	if (tot < hlen)
		return TCPRTT_DROP_IP_BAD_LENGTH;
	return TCPRTT_DROP_IP_TRUNCATED; /* the header or the packet runs past the frame */
}

static unsigned int
ipv6_fault(const uint8_t *ip, uint32_t avail)
{
	if (avail >= 40 && (ip[0] >> 4) != 6)
		return TCPRTT_DROP_IP_BAD_VERSION;
	return TCPRTT_DROP_IP_TRUNCATED; /* header, payload or extension chain past the frame */
}

/* Addresses no TCP segment can carry: unspecified, multicast, broadcast, class E (IPv4). */
static inline bool
bad_addr4(uint32_t a)
{
	return a == 0 || a >= 0xe0000000u; /* host order */
}

static inline bool
bad_addr6(const uint8_t *a)
{
	static const uint8_t zero[16];

	return a[0] == 0xff || memcmp(a, zero, 16) == 0;
}

static inline int
pkt_drop(struct tcprtt_pkt *p, unsigned int reason)
{
	p->drop = (uint8_t)reason;
	return TCPRTT_PKT_DROP;
}

/*
 * The flow table's hash of a canonical key (the family, addresses and ports; the VLAN ids are
 * left out: the same 5-tuple on two VLANs shares a bucket chain and the key compare keeps them
 * apart). Symmetric because the key is: both directions of a flow give the same key. CRC32-C,
 * one instruction per 8 bytes with SSE4.2, as rte_hash uses it: every bit of the result (the
 * bucket is its low bits) depends on every input bit.
 */
#if defined(RTE_ARCH_X86_64) && defined(__SSE4_2__)
#define CRC8B(v, h) ((uint32_t)_mm_crc32_u64((h), (v)))
#define CRC4B(v, h) _mm_crc32_u32((h), (v))
#else
#define CRC8B(v, h) rte_hash_crc_8byte((v), (h))
#define CRC4B(v, h) rte_hash_crc_4byte((v), (h))
#endif

static inline uint32_t
key_hash(const struct tcprtt_key *k)
{
	uint64_t a, b, c, d;
	uint32_t ports, h;

	memcpy(&ports, k->port, 4);
	if (k->family == 4) {
		uint32_t x, y;

		memcpy(&x, k->addr[0], 4);
		memcpy(&y, k->addr[1], 4);
		h = CRC8B(x | ((uint64_t)y << 32), TCPRTT_HASH_SEED);
	} else {
		memcpy(&a, k->addr[0], 8);
		memcpy(&b, k->addr[0] + 8, 8);
		memcpy(&c, k->addr[1], 8);
		memcpy(&d, k->addr[1] + 8, 8);
		h = CRC8B(a, TCPRTT_HASH_SEED);
		h = CRC8B(b, h);
		h = CRC8B(c, h);
		h = CRC8B(d, h);
	}
	return CRC4B(ports, h);
}

/*
 * What tcprtt_pkt_parse() and tcprtt_frame_parse() share once the headers are located: the IP
 * packet ends at @p ip_end (<= the frame's length), the TCP header starts at @p l4_off, the
 * addresses are @p alen bytes at @p src and @p dst (a constant at each call: IPv4's path is
 * compiled apart).
 */
static __rte_always_inline int
tcp_parse(const uint8_t *frame, const uint8_t *src, const uint8_t *dst, const uint32_t alen,
		uint32_t ip_end, uint32_t l4_off, uint8_t nb_vlan, struct tcprtt_pkt *p)
{
	const uint8_t *th;
	uint32_t doff, l4_len;
	uint16_t sport, dport;
	uint8_t fl;
	int c;

	if (alen == 4 ? bad_addr4(bytes_get_be32(src)) || bad_addr4(bytes_get_be32(dst)) :
			bad_addr6(src) || bad_addr6(dst))
		return pkt_drop(p, TCPRTT_DROP_IP_BAD_ADDRESS);
	if (ip_end < l4_off + 20)
		return pkt_drop(p, TCPRTT_DROP_TCP_TRUNCATED); /* lib/pkt said so already */
	th = frame + l4_off;
	l4_len = ip_end - l4_off;
	doff = (uint32_t)(th[12] >> 4) * 4;
	if (doff < 20 || doff > l4_len)
		return pkt_drop(p, TCPRTT_DROP_TCP_BAD_OFFSET);
	memcpy(&sport, th, 2);
	memcpy(&dport, th + 2, 2);
	if (sport == 0 || dport == 0)
		return pkt_drop(p, TCPRTT_DROP_TCP_BAD_PORT);
	c = endpoint_cmp(src, sport, dst, dport, alen);
	if (c == 0)
		return pkt_drop(p, TCPRTT_DROP_IP_BAD_ADDRESS); /* land: one endpoint both ends */
	/*
	 * RFC 9293: a segment without ACK is a SYN or a RST; SYN with FIN or RST is nonsense
	 * (scanners' null, FIN and Xmas probes, and corruption). A stack drops them unanswered.
	 */
	fl = th[13];
	if ((fl & TCPRTT_TH_SYN) ? (fl & (TCPRTT_TH_FIN | TCPRTT_TH_RST)) != 0 :
				   !(fl & (TCPRTT_TH_ACK | TCPRTT_TH_RST)))
		return pkt_drop(p, TCPRTT_DROP_TCP_BAD_FLAGS);
	if (doff == 32 && bytes_get_be32(th + 20) == 0x0101080au) {
		/* NOP, NOP, TS and nothing else: nearly every segment after the handshake. */
		p->opts.has_ts = true;
		p->opts.tsval = bytes_get_be32(th + 24);
		p->opts.tsecr = bytes_get_be32(th + 28);
	} else if (unlikely(tcprtt_parse_options(th + 20, doff - 20, &p->opts) < 0)) {
		return pkt_drop(p, TCPRTT_DROP_TCP_BAD_OPTIONS);
	}

	memset(&p->key, 0, sizeof(p->key));
	p->dir = c < 0 ? 0 : 1;
	/* Constant sizes: a copy of alen bytes would be a memcpy call per address. */
	if (alen == 4) {
		memcpy(p->key.addr[p->dir], src, 4);
		memcpy(p->key.addr[1 - p->dir], dst, 4);
	} else {
		memcpy(p->key.addr[p->dir], src, 16);
		memcpy(p->key.addr[1 - p->dir], dst, 16);
	}
	p->key.port[p->dir] = sport;
	p->key.port[1 - p->dir] = dport;
	p->key.family = alen == 4 ? 4 : 6;
	p->nb_vlan = nb_vlan > TCPRTT_MAX_VLAN ? TCPRTT_MAX_VLAN : nb_vlan;
	/* Tag i's TCI is at 14 + 4 i (lib/pkt parses at most PKT_MAX_VLAN tags). */
	for (unsigned int i = 0; i < p->nb_vlan; i++)
		p->key.vlan[i] = (((uint16_t)frame[14 + 4 * i] << 8) | frame[15 + 4 * i]) & 0x0fff;
	p->hash = key_hash(&p->key);
	p->tcp_flags = fl;
	p->has_payload = l4_len > doff;
	p->drop = 0;
	return TCPRTT_PKT_TCP;
}

int
tcprtt_pkt_parse(const uint8_t *frame, uint32_t len, unsigned int l3_type, uint16_t l3_off,
		uint16_t l4_off, uint8_t l4_proto, uint8_t nb_vlan, uint8_t pkt_flags,
		struct tcprtt_pkt *p)
{
	const uint8_t *ip = frame + l3_off;
	uint32_t ip_end;

	/* Headers lib/pkt could not get through: say which and why. */
	if (unlikely(pkt_flags & (F_VLAN_DEEP | F_VLAN_TRUNC | F_L3_TRUNC))) {
		if (pkt_flags & F_VLAN_DEEP)
			return pkt_drop(p, TCPRTT_DROP_VLAN_TOO_DEEP);
		if (pkt_flags & F_VLAN_TRUNC)
			return pkt_drop(p, TCPRTT_DROP_VLAN_TRUNCATED);
		if (l3_off > len)
			return TCPRTT_PKT_SKIP;
		if (l3_type == L3_IPV4)
			return pkt_drop(p, ipv4_fault(ip, len - l3_off));
		if (l3_type == L3_IPV6)
			return pkt_drop(p, ipv6_fault(ip, len - l3_off));
		return TCPRTT_PKT_SKIP; /* a broken ARP header: not ours */
	}
	if (l4_proto != IPPROTO_TCP || (l3_type != L3_IPV4 && l3_type != L3_IPV6))
		return TCPRTT_PKT_SKIP;
	if (pkt_flags & F_FRAG)
		return pkt_drop(p, TCPRTT_DROP_IP_FRAGMENT);
	if ((pkt_flags & F_L4_TRUNC) || l4_off == 0 || l4_off <= l3_off ||
			(uint32_t)l4_off + 20 > len)
		return pkt_drop(p, TCPRTT_DROP_TCP_TRUNCATED);
	/* Where the IP packet ends (Ethernet padding is not payload). lib/pkt flags a packet
	 * longer than the frame; a jumbogram's zero length (RFC 2675) means the frame is the
	 * packet.
	 */
	if (l3_type == L3_IPV4) {
		ip_end = l3_off + (((uint32_t)ip[2] << 8) | ip[3]);
		if (ip_end > len)
			ip_end = len;
		return tcp_parse(frame, ip + 12, ip + 16, 4, ip_end, l4_off, nb_vlan, p);
	}
	ip_end = l3_off + 40 + (((uint32_t)ip[4] << 8) | ip[5]);
	if (ip_end > len || (ip[4] == 0 && ip[5] == 0))
		ip_end = len;
	return tcp_parse(frame, ip + 8, ip + 24, 16, ip_end, l4_off, nb_vlan, p);
}

/* Any frame but the common one: lib/pkt's parser, then tcprtt_pkt_parse() from what it found. */
static __rte_noinline int
frame_parse_slow(const uint8_t *frame, uint32_t len, struct tcprtt_pkt *p)
{
	struct pkt_meta meta;

	if (pkt_parse_buf(frame, len, &meta) < 0)
		return TCPRTT_PKT_SKIP; /* a runt: the RX stage drops those */
	return tcprtt_pkt_parse(frame, len, meta.l3_type, meta.l3_off, meta.l4_off, meta.l4_proto,
			meta.nb_vlan, meta.flags, p);
}

/*
 * ~130 instructions for an untagged IPv4 TCP frame, key and hash included (callgrind,
 * scripts/bench/tcprtt.sh -g; tcprtt_pkt_parse() after lib/pkt's parse took ~360 together).
 */
int
tcprtt_frame_parse(const uint8_t *frame, uint32_t len, struct tcprtt_pkt *p)
{
	const uint8_t *ip = frame + RTE_ETHER_HDR_LEN;
	uint16_t et;
	uint32_t tot;

	if (unlikely(len < RTE_ETHER_HDR_LEN + 40))
		return frame_parse_slow(frame, len, p);
	et = bytes_get_be16(frame + 12);
	/*
	 * The common frame: untagged IPv4 without options, not a fragment, whole in the frame:
	 * every check lib/pkt's parser would make passes, and what it would find is known
	 * (l3_off 14, l4_off 34). Anything else takes the general path.
	 */
	if (likely(et == RTE_ETHER_TYPE_IPV4 && ip[0] == 0x45)) {
		tot = bytes_get_be16(ip + 2);
		if (likely(tot >= 20 && tot <= len - RTE_ETHER_HDR_LEN &&
				    (bytes_get_be16(ip + 6) & 0x3fff) == 0)) {
			if (ip[9] != IPPROTO_TCP)
				return TCPRTT_PKT_SKIP;
			if (likely(tot >= 40))
				return tcp_parse(frame, ip + 12, ip + 16, 4,
						RTE_ETHER_HDR_LEN + tot, RTE_ETHER_HDR_LEN + 20, 0,
						p);
		}
	} else if (et != RTE_ETHER_TYPE_IPV4 && et != RTE_ETHER_TYPE_IPV6 &&
			et != RTE_ETHER_TYPE_VLAN && et != RTE_ETHER_TYPE_QINQ &&
			et != RTE_ETHER_TYPE_QINQ1) {
		return TCPRTT_PKT_SKIP; /* not IP (lib/pkt's VLAN TPIDs are the three above) */
	}
	return frame_parse_slow(frame, len, p);
}

bool
tcprtt_prefix_match(const struct tcprtt_prefix *pfx, uint8_t family, const uint8_t *addr)
{
	unsigned int bytes = pfx->len / 8, bits = pfx->len % 8;

	if (pfx->family != family)
		return false;
	if (memcmp(pfx->addr, addr, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	return ((pfx->addr[bytes] ^ addr[bytes]) & (uint8_t)(0xff00 >> bits)) == 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* Flow table */

#define ST_SYN 0x01	    /* a SYN was seen */
#define ST_SYN_RETX 0x02    /* ... more than once */
#define ST_SYNACK 0x04	    /* a SYN-ACK was seen */
#define ST_SYNACK_RETX 0x08 /* ... more than once */
#define ST_HS_DONE 0x10	    /* the handshake's ACK was seen */
#define ST_FIN0 0x20	    /* endpoint 0 sent a FIN */
#define ST_FIN1 0x40	    /* endpoint 1 sent a FIN */
#define ST_CLOSING 0x80	    /* FIN both ways: waiting for the last ACK (close_linger) */

#define NO_CLIENT 0xff
#define NIL UINT32_MAX /* no flow: list ends */

/*
 * Eviction classes when the table is full, the first that has a flow gives way: a SYN nobody
 * answered yet (a SYN flood is made of them), then a handshake the client has not completed.
 * Flows that completed a handshake, or that joined mid-stream, are never pushed out for a
 * newcomer: only idle_timeout removes them.
 */
enum {
	CL_NONE,
	CL_HALF_OPEN,
	CL_HANDSHAKE,
	CL_MAX
};

struct link {
	uint32_t prev, next;
};

struct list {
	uint32_t head, tail;
};

/*
 * One flow's state: 4 cache lines, whatever ts_slots says. The TSval slots are a model of
 * conf.ts_slots slots per direction, direct-mapped by the TSval's low bits: TSvals follow a
 * clock, so the TSvals of one RTT are consecutive numbers and each gets its own slot, and a
 * TSval lives until one ts_slots newer lands on its slot (an overwrite, counted) or its echo
 * comes.
 *
 * Most flows have one or two TSvals unanswered per direction: TS_INLINE of the model's slots
 * per direction live inline in the flow (each with its slot index), and a flow that needs
 * more (a bulk sender with many TSvals in flight) takes a block of the whole model from a
 * pool (conf.flows / 8 blocks, at least 8) and keeps it until it leaves. The answers are
 * those of the direct-mapped model either way; only when the pool is empty does a flow that
 * needs a fifth slot overwrite an inline one (counted as an overwrite, ts_slots_overwritten).
 * (Before, every flow carried its 2 x 128 slots, 2.2 KB: a flow's memory was 35 cache lines
 * and a 64 K table 147 MB, and the monitor cost 2-3 times what it does now on
 * scripts/bench/tcprtt.sh.)
 *
 * A slot is one 64-bit word: the TSval's bits above the slot index (32 - b of them, b =
 * log2(ts_slots): the low b bits are the index) and the low 32 + b bits of its first-seen
 * time in ns. The RTT is the modular difference of those bits, exact for any RTT under
 * 2^(32 + b) ns (549 s at 128 slots, 4.3 s at 1).
 */
#define TS_INLINE 4

struct flow {
	/* Line 0: what the lookup compares, and the state bits. */
	struct tcprtt_key key;
	uint8_t state;	  /* ST_* */
	uint8_t client;	  /* endpoint that sent the SYN (0/1), NO_CLIENT before */
	uint8_t pfx;	  /* prefix mask */
	uint8_t nb_vlan;  /* tags seen */
	uint8_t ts_seen;  /* bit d: a TSval of direction d was seen */
	uint8_t cls;	  /* CL_* */
	uint8_t fin2_dir; /* with ST_CLOSING: the direction of the second FIN */
	uint8_t ts_inl;	  /* bit 4 d + k: inline slot k of direction d holds a TSval */
	/* Line 1: times and lists. */
	uint64_t last_ns;	 /* stamp of its last packet (idle timeout) */
	uint64_t syn_ns;	 /* last SYN */
	uint64_t synack_ns;	 /* last SYN-ACK */
	uint64_t ts_store_ns[2]; /* when a TSval of each direction was last stored */
	uint32_t last_tsval[2];	 /* the last TSval seen each way (duplicates) */
	struct link wl;		 /* in the timer wheel's bucket wslot */
	struct link cl;		 /* in the eviction class list cls (not CL_NONE) */
	/* Lines 2-3: the TSval slots. */
	uint32_t wslot;			/* wheel slot number it is filed under */
	uint32_t block;			/* its pooled block of slots, or NIL */
	uint32_t hash;			/* its key's hash (tcprtt_pkt.hash): its buckets */
	uint16_t ts_idx[2][TS_INLINE];	/* inline slot k of direction d: model slot index */
	uint64_t ts_word[2][TS_INLINE]; /* ... and its word */
} __rte_cache_aligned;

_Static_assert(sizeof(struct flow) == 4 * RTE_CACHE_LINE_SIZE, "a flow is 4 cache lines");

/*
 * The flow table: open addressing over buckets of one cache line, 7 entries each (a 32-bit
 * hash signature and the flow's index), probing the next bucket when one is full. A bucket
 * counts the keys that hash to it or before it but live further on (ovf): a lookup stops at
 * the first bucket without one, and a removal needs no tombstone. There are twice as many
 * entries as flows, so chains are short.
 */
#define HB_ENTRIES 7

struct hbucket {
	uint32_t sig[HB_ENTRIES]; /* 0: free */
	uint32_t ovf;
	uint32_t idx[HB_ENTRIES];
	uint32_t pad;
};

_Static_assert(sizeof(struct hbucket) == 64, "a bucket is one cache line");

/*
 * Idle expiry is a timer wheel (hashed, lazy): a flow is filed once, under the slot of its
 * deadline (last packet + idle_timeout) when it enters, and is NOT moved on each packet (a
 * packet only stores last_ns). When the wheel's cursor passes a slot, each flow filed there is
 * checked against its real deadline: removed if idle, else filed again under its new deadline.
 * So a flow costs one wheel operation per idle_timeout of life, the packets none, and the
 * flows leave in deadline order however many there are (the old scan of 8 entries per burst
 * fell behind a flood).
 */
#define WHEEL_SLOTS_MAX 65536u

struct tcprtt_mon {
	struct tcprtt_stats st; /* dataplane: wo, ctlplane: ro */
	struct tcprtt_conf conf;
	struct hbucket *hb; /* [hb_mask + 1] */
	uint32_t hb_mask;   /* buckets - 1 (a power of 2) */
	uint32_t nb_flows;
	uint32_t *free_flows; /* stack of free flow indexes (LIFO: the last freed is warm) */
	uint32_t nb_free;
	uint32_t *free_blocks; /* stack of free slot blocks */
	uint32_t nb_free_blocks;
	uint32_t nb_blocks;
	uint32_t ts_mask;	 /* conf.ts_slots - 1 */
	uint32_t ts_words;	 /* 64-bit words of one direction's bitmap */
	uint32_t ts_shift;	 /* log2(conf.ts_slots) */
	uint32_t ts_tbits;	 /* time bits in a slot: 32 + ts_shift */
	size_t block_size;	 /* bytes per block: 2 bitmaps, 2 x ts_slots words */
	uint64_t now_ns;	 /* the latest packet stamp seen */
	uint64_t slot_ns;	 /* wheel granularity */
	uint32_t wheel_mask;	 /* slots - 1 (a power of 2) */
	uint64_t cursor;	 /* next slot number to process; 0: not started */
	struct list *wheel;	 /* [wheel_mask + 1] */
	struct list cls[CL_MAX]; /* eviction classes, oldest entry first ([CL_NONE] unused) */
	struct flow *flows;	 /* [conf.flows] */
	uint8_t *blocks;	 /* [nb_blocks] x block_size */
};

static inline struct flow *
flow_at(const struct tcprtt_mon *m, uint32_t i)
{
	return &m->flows[i];
}

/* Direction d's bitmap and slots in block @p b. */
static inline uint64_t *
ts_valid(const struct tcprtt_mon *m, uint32_t b, unsigned int d)
{
	return (uint64_t *)(m->blocks + (size_t)b * m->block_size) + d * m->ts_words;
}

static inline uint64_t *
ts_slot(const struct tcprtt_mon *m, uint32_t b, unsigned int d)
{
	return (uint64_t *)(m->blocks + (size_t)b * m->block_size) + 2 * m->ts_words +
			(size_t)d * (m->ts_mask + 1);
}

/* The slot word of @p tsval first seen at @p ns. */
static inline uint64_t
ts_word(const struct tcprtt_mon *m, uint32_t tsval, uint64_t ns)
{
	return ((uint64_t)(tsval >> m->ts_shift) << m->ts_tbits) |
			(ns & ((UINT64_C(1) << m->ts_tbits) - 1));
}

/* Doubly linked lists of flow indexes (a struct link inside each flow). */
static inline struct link *
wlink(struct tcprtt_mon *m, uint32_t i)
{
	return &flow_at(m, i)->wl;
}

static inline struct link *
clink(struct tcprtt_mon *m, uint32_t i)
{
	return &flow_at(m, i)->cl;
}

#define LIST_PUSH(m, l, i, LINK)                        \
	do {                                            \
		LINK(m, i)->prev = (l)->tail;           \
		LINK(m, i)->next = NIL;                 \
		if ((l)->tail == NIL)                   \
			(l)->head = (i);                \
		else                                    \
			LINK(m, (l)->tail)->next = (i); \
		(l)->tail = (i);                        \
	} while (0)

#define LIST_DEL(m, l, i, LINK)                               \
	do {                                                  \
		struct link *lk_ = LINK(m, i);                \
		if (lk_->prev == NIL)                         \
			(l)->head = lk_->next;                \
		else                                          \
			LINK(m, lk_->prev)->next = lk_->next; \
		if (lk_->next == NIL)                         \
			(l)->tail = lk_->prev;                \
		else                                          \
			LINK(m, lk_->next)->prev = lk_->prev; \
	} while (0)

static inline uint64_t
flow_deadline(const struct tcprtt_mon *m, const struct flow *f)
{
	return f->last_ns +
			((f->state & ST_CLOSING) ? m->conf.close_linger_ns :
						   m->conf.idle_timeout_ns);
}

/* File flow @p i under the slot of its deadline, within the wheel's reach. */
static void
wheel_add(struct tcprtt_mon *m, uint32_t i)
{
	struct flow *f = flow_at(m, i);
	uint64_t slot = flow_deadline(m, f) / m->slot_ns;

	if (m->cursor == 0)
		m->cursor = f->last_ns / m->slot_ns;
	/* Due already (a late stamp): the next slot processed. Too far: the farthest slot, and
	 * it is checked (and filed again) when the cursor gets there.
	 */
	if (slot < m->cursor)
		slot = m->cursor;
	else if (slot > m->cursor + m->wheel_mask)
		slot = m->cursor + m->wheel_mask;
	f->wslot = (uint32_t)(slot & m->wheel_mask);
	LIST_PUSH(m, &m->wheel[f->wslot], i, wlink);
}

static inline void
class_set(struct tcprtt_mon *m, uint32_t i, uint8_t cls)
{
	struct flow *f = flow_at(m, i);

	if (f->cls == cls)
		return;
	if (f->cls != CL_NONE)
		LIST_DEL(m, &m->cls[f->cls], i, clink);
	f->cls = cls;
	if (cls != CL_NONE)
		LIST_PUSH(m, &m->cls[cls], i, clink);
}

static inline uint32_t
flow_idx(const struct tcprtt_mon *m, const struct flow *f)
{
	return (uint32_t)(f - m->flows);
}

/* The signature of hash @p h in a bucket (never 0: 0 is a free entry). */
static inline uint32_t
hb_sig(uint32_t h)
{
	return h | 1u;
}

/*
 * The whole key, every lookup: most lookups find their flow, so every byte is compared anyway.
 * With SSE4.1, 4 loads a side (the last overlapping: 56 bytes) and one test; a loop over the
 * 7 words cost ~40 instructions a packet.
 */
static inline bool
key_eq(const struct tcprtt_key *a, const struct tcprtt_key *b)
{
#if defined(RTE_ARCH_X86_64) && defined(__SSE4_1__)
	const uint8_t *x = (const void *)a, *y = (const void *)b;
	__m128i d0 = _mm_xor_si128(
			_mm_loadu_si128((const void *)x), _mm_loadu_si128((const void *)y));
	__m128i d1 = _mm_xor_si128(_mm_loadu_si128((const void *)(x + 16)),
			_mm_loadu_si128((const void *)(y + 16)));
	__m128i d2 = _mm_xor_si128(_mm_loadu_si128((const void *)(x + 32)),
			_mm_loadu_si128((const void *)(y + 32)));
	__m128i d3 = _mm_xor_si128(_mm_loadu_si128((const void *)(x + 40)),
			_mm_loadu_si128((const void *)(y + 40)));
	__m128i d = _mm_or_si128(_mm_or_si128(d0, d1), _mm_or_si128(d2, d3));

	return _mm_testz_si128(d, d) != 0;
#else
	uint64_t x[7], y[7];

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]) |
			       (x[5] ^ y[5]) | (x[6] ^ y[6])) == 0;
#endif
}

_Static_assert(sizeof(struct tcprtt_key) == 56, "key_eq compares 56 bytes");

/* The flow of @p key (hash @p h), or NULL. */
static inline struct flow *
hb_lookup(const struct tcprtt_mon *m, const struct tcprtt_key *key, uint32_t h)
{
	uint32_t sig = hb_sig(h), b = h & m->hb_mask;

	for (;;) {
		const struct hbucket *bk = &m->hb[b];

		for (unsigned int k = 0; k < HB_ENTRIES; k++)
			if (bk->sig[k] == sig && key_eq(&m->flows[bk->idx[k]].key, key))
				return &m->flows[bk->idx[k]];
		if (bk->ovf == 0)
			return NULL;
		b = (b + 1) & m->hb_mask;
	}
}

/* File flow @p i (hash @p h) in the first bucket with room from its own on. */
static void
hb_insert(struct tcprtt_mon *m, uint32_t h, uint32_t i)
{
	uint32_t b = h & m->hb_mask;

	/* There are twice as many entries as flows: a free one exists. */
	for (;;) {
		struct hbucket *bk = &m->hb[b];

		for (unsigned int k = 0; k < HB_ENTRIES; k++)
			if (bk->sig[k] == 0) {
				bk->sig[k] = hb_sig(h);
				bk->idx[k] = i;
				return;
			}
		bk->ovf++;
		b = (b + 1) & m->hb_mask;
	}
}

static void
hb_delete(struct tcprtt_mon *m, uint32_t h, uint32_t i)
{
	uint32_t b = h & m->hb_mask;

	for (;;) {
		struct hbucket *bk = &m->hb[b];

		for (unsigned int k = 0; k < HB_ENTRIES; k++)
			if (bk->idx[k] == i && bk->sig[k] != 0) {
				bk->sig[k] = 0;
				return;
			}
		bk->ovf--;
		b = (b + 1) & m->hb_mask;
	}
}

struct tcprtt_mon *
tcprtt_mon_create(const char *name, const struct tcprtt_conf *conf, int socket_id, char *err,
		size_t errlen)
{
	struct tcprtt_mon *m;
	uint32_t nb_hb;

	if (conf->flows < 8 || conf->nb_prefixes > TCPRTT_MAX_PREFIXES || conf->ts_slots < 1 ||
			conf->ts_slots > TCPRTT_MAX_TS_SLOTS ||
			!rte_is_power_of_2(conf->ts_slots) || conf->flows > (1u << 30)) {
		snprintf(err, errlen, "bad monitor settings (flows %u, prefixes %u, ts_slots %u)",
				conf->flows, conf->nb_prefixes, conf->ts_slots);
		return NULL;
	}
	m = rte_zmalloc_socket(name, sizeof(*m), RTE_CACHE_LINE_SIZE, socket_id);
	if (m == NULL)
		goto nomem;
	m->conf = *conf;
	m->ts_mask = conf->ts_slots - 1;
	m->ts_words = (conf->ts_slots + 63) / 64;
	m->ts_shift = (uint32_t)__builtin_ctz(conf->ts_slots);
	m->ts_tbits = 32 + m->ts_shift;
	m->block_size = RTE_ALIGN_CEIL(
			(2 * (size_t)m->ts_words + 2 * (size_t)conf->ts_slots) * sizeof(uint64_t),
			RTE_CACHE_LINE_SIZE);
	m->nb_blocks = RTE_MAX(conf->flows / 8, 8u);
	/* Entries for twice the flows, in a power of 2 of buckets. */
	nb_hb = rte_align32pow2((2 * conf->flows + HB_ENTRIES - 1) / HB_ENTRIES);
	m->hb_mask = nb_hb - 1;
	m->hb = rte_zmalloc_socket("tcprtt_hb", (size_t)nb_hb * sizeof(struct hbucket),
			RTE_CACHE_LINE_SIZE, socket_id);
	m->flows = rte_malloc_socket("tcprtt_flows", (size_t)conf->flows * sizeof(struct flow),
			RTE_CACHE_LINE_SIZE, socket_id);
	m->free_flows = rte_malloc_socket("tcprtt_free", (size_t)conf->flows * sizeof(uint32_t),
			RTE_CACHE_LINE_SIZE, socket_id);
	m->blocks = rte_malloc_socket("tcprtt_blocks", (size_t)m->nb_blocks * m->block_size,
			RTE_CACHE_LINE_SIZE, socket_id);
	m->free_blocks = rte_malloc_socket("tcprtt_free_blocks",
			(size_t)m->nb_blocks * sizeof(uint32_t), RTE_CACHE_LINE_SIZE, socket_id);
	if (m->hb == NULL || m->flows == NULL || m->free_flows == NULL || m->blocks == NULL ||
			m->free_blocks == NULL)
		goto nomem;
	/*
	 * Write the table once now, so that the datapath never takes a page fault on it: without
	 * hugepages, rte_malloc's memory is anonymous memory the kernel maps on first write (and
	 * rte_zmalloc may skip zeroing memory it believes fresh).
	 */
	memset(m->hb, 0, (size_t)nb_hb * sizeof(struct hbucket));
	memset(m->flows, 0, (size_t)conf->flows * sizeof(struct flow));
	memset(m->blocks, 0, (size_t)m->nb_blocks * m->block_size);
	/* Popped from the end: flow 0 first. */
	for (uint32_t i = 0; i < conf->flows; i++)
		m->free_flows[i] = conf->flows - 1 - i;
	m->nb_free = conf->flows;
	for (uint32_t i = 0; i < m->nb_blocks; i++)
		m->free_blocks[i] = m->nb_blocks - 1 - i;
	m->nb_free_blocks = m->nb_blocks;
	/* Slots of 1/16 of the timeout (at least 1 ms), enough of them to span the timeout:
	 * a flow is removed at most 1/16 of the timeout late.
	 */
	m->slot_ns = RTE_MAX(RTE_MIN(conf->idle_timeout_ns,
					     conf->close_linger_ns != 0 ? conf->close_linger_ns :
									  conf->idle_timeout_ns) /
					16,
			(uint64_t)1000000);
	m->wheel_mask = rte_align32pow2((uint32_t)RTE_MIN(conf->idle_timeout_ns / m->slot_ns + 2,
					(uint64_t)WHEEL_SLOTS_MAX)) -
			1;
	m->wheel = rte_malloc_socket("tcprtt_wheel", (m->wheel_mask + 1) * sizeof(struct list),
			RTE_CACHE_LINE_SIZE, socket_id);
	if (m->wheel == NULL)
		goto nomem;
	for (uint32_t i = 0; i <= m->wheel_mask; i++)
		m->wheel[i] = (struct list){ NIL, NIL };
	for (unsigned int c = 0; c < CL_MAX; c++)
		m->cls[c] = (struct list){ NIL, NIL };
	return m;
nomem:
	snprintf(err, errlen,
			"out of memory for %u flows (%zu bytes each, and %u blocks of %u TSval "
			"slots)",
			conf->flows, sizeof(struct flow), RTE_MAX(conf->flows / 8, 8u),
			conf->ts_slots);
	tcprtt_mon_free(m);
	return NULL;
}

void
tcprtt_mon_free(struct tcprtt_mon *m)
{
	if (m == NULL)
		return;
	rte_free(m->hb);
	rte_free(m->flows);
	rte_free(m->free_flows);
	rte_free(m->blocks);
	rte_free(m->free_blocks);
	rte_free(m->wheel);
	rte_free(m);
}

const struct tcprtt_stats *
tcprtt_mon_stats(const struct tcprtt_mon *m)
{
	return &m->st;
}

uint32_t
tcprtt_mon_count(const struct tcprtt_mon *m)
{
	return m->nb_flows;
}

static void
flow_remove(struct tcprtt_mon *m, struct flow *f)
{
	uint32_t i = flow_idx(m, f);

	LIST_DEL(m, &m->wheel[f->wslot], i, wlink);
	class_set(m, i, CL_NONE);
	hb_delete(m, f->hash, i);
	if (f->block != NIL)
		m->free_blocks[m->nb_free_blocks++] = f->block;
	m->free_flows[m->nb_free++] = i;
	m->nb_flows--;
}

/* Record the sample measured toward endpoint 1 - @p src (src started the measurement). */
static inline void
sample(struct tcprtt_mon *m, const struct flow *f, struct tcprtt_record *r, unsigned int kind,
		unsigned int src, uint64_t rtt, uint8_t flags, uint64_t ts, uint16_t port_id)
{
	r->ts_ns = ts;
	r->rtt_ns = rtt;
	memcpy(r->flow.addr[0], f->key.addr[src], 16);
	memcpy(r->flow.addr[1], f->key.addr[1 - src], 16);
	r->flow.port[0] = f->key.port[src];
	r->flow.port[1] = f->key.port[1 - src];
	memcpy(r->flow.vlan, f->key.vlan, sizeof(r->flow.vlan));
	r->flow.family = f->key.family;
	memset(r->flow.pad, 0, sizeof(r->flow.pad));
	r->port_id = port_id;
	r->kind = (uint8_t)kind;
	r->flags = flags | (f->key.family == 6 ? TCPRTT_F_IPV6 : 0);
	r->prefix_mask = f->pfx;
	r->role = f->client == NO_CLIENT ? TCPRTT_ROLE_UNKNOWN :
			src == f->client ? TCPRTT_ROLE_CLIENT :
					   TCPRTT_ROLE_SERVER;
	r->nb_vlan = f->nb_vlan;
	r->pad = 0;
	m->st.samples[kind]++;
	if (flags & TCPRTT_F_AMBIGUOUS)
		m->st.ambiguous++;
}

/* The table is full: push out the oldest flow of the lowest class that has one. */
static bool
evict_one(struct tcprtt_mon *m)
{
	if (m->cls[CL_HALF_OPEN].head != NIL) {
		flow_remove(m, flow_at(m, m->cls[CL_HALF_OPEN].head));
		m->st.evicted_half_open++;
		return true;
	}
	if (m->cls[CL_HANDSHAKE].head != NIL) {
		flow_remove(m, flow_at(m, m->cls[CL_HANDSHAKE].head));
		m->st.evicted_handshake++;
		return true;
	}
	return false;
}

static struct flow *
flow_add(struct tcprtt_mon *m, const struct tcprtt_pkt *p, uint64_t ts)
{
	struct flow *f;
	uint32_t i;

	if (m->nb_flows >= m->conf.flows && !evict_one(m)) {
		m->st.table_full++;
		return NULL;
	}
	i = m->free_flows[--m->nb_free];
	f = flow_at(m, i);
	f->key = p->key;
	f->state = 0;
	f->client = NO_CLIENT;
	f->pfx = 0;
	f->nb_vlan = p->nb_vlan;
	f->ts_seen = 0;
	f->cls = CL_NONE;
	f->fin2_dir = 0;
	f->ts_inl = 0;
	f->last_ns = ts;
	f->syn_ns = 0;
	f->synack_ns = 0;
	f->ts_store_ns[0] = 0;
	f->ts_store_ns[1] = 0;
	f->block = NIL;
	f->hash = p->hash;
	hb_insert(m, p->hash, i);
	wheel_add(m, i);
	for (unsigned int k = 0; k < m->conf.nb_prefixes; k++)
		if (tcprtt_prefix_match(&m->conf.prefixes[k], p->key.family, p->key.addr[0]) ||
				tcprtt_prefix_match(&m->conf.prefixes[k], p->key.family,
						p->key.addr[1]))
			f->pfx |= (uint8_t)(1u << k);
	m->nb_flows++;
	m->st.flows++;
	return f;
}

/* The handshake: SYN, SYN-ACK, ACK. Returns the samples written to @p out (0 or 1). */
static inline unsigned int
handshake(struct tcprtt_mon *m, struct flow *f, const struct tcprtt_pkt *p, uint64_t ts,
		uint16_t port_id, struct tcprtt_record *out)
{
	unsigned int d = p->dir;
	uint8_t sa = p->tcp_flags & (TCPRTT_TH_SYN | TCPRTT_TH_ACK);

	if (sa == TCPRTT_TH_SYN) {
		if (!(f->state & ST_SYN)) {
			f->state |= ST_SYN;
			f->client = (uint8_t)d;
			f->syn_ns = ts;
		} else if (d == f->client && !(f->state & ST_SYNACK)) {
			/* Retransmitted: Karn, the SYN-ACK's SYN is ambiguous; measure from this.
			 */
			f->state |= ST_SYN_RETX;
			f->syn_ns = ts;
		}
		return 0;
	}
	if (sa == (TCPRTT_TH_SYN | TCPRTT_TH_ACK)) {
		if (f->state & ST_SYNACK) {
			if (d != f->client && !(f->state & ST_HS_DONE)) {
				f->state |= ST_SYNACK_RETX;
				f->synack_ns = ts;
			}
			return 0;
		}
		if (f->client != NO_CLIENT && f->client == d)
			return 0; /* a SYN-ACK from the SYN's sender: not this handshake */
		f->state |= ST_SYNACK;
		f->synack_ns = ts;
		if (!(f->state & ST_SYN)) {
			/* Seen from the SYN-ACK on: the client is known, SYN -> SYN-ACK is not. */
			f->client = (uint8_t)(1 - d);
			return 0;
		}
		if (ts < f->syn_ns)
			return 0;
		sample(m, f, out, TCPRTT_KIND_SYN_SYNACK, f->client, ts - f->syn_ns,
				(f->state & ST_SYN_RETX) ? TCPRTT_F_AMBIGUOUS : 0, ts, port_id);
		return 1;
	}
	if ((p->tcp_flags & TCPRTT_TH_ACK) && d == f->client && (f->state & ST_SYNACK) &&
			!(f->state & ST_HS_DONE)) {
		f->state |= ST_HS_DONE;
		if (ts < f->synack_ns)
			return 0;
		sample(m, f, out, TCPRTT_KIND_SYNACK_ACK, 1 - d, ts - f->synack_ns,
				(f->state & ST_SYNACK_RETX) ? TCPRTT_F_AMBIGUOUS : 0, ts, port_id);
		return 1;
	}
	return 0;
}

/* Take a block for flow @p f and move its inline TSvals there. false: the pool is empty. */
static bool
ts_promote(struct tcprtt_mon *m, struct flow *f)
{
	uint32_t b;

	if (m->nb_free_blocks == 0)
		return false;
	b = m->free_blocks[--m->nb_free_blocks];
	f->block = b;
	for (unsigned int d = 0; d < 2; d++) {
		uint64_t *valid = ts_valid(m, b, d), *slot = ts_slot(m, b, d);

		memset(valid, 0, m->ts_words * sizeof(uint64_t));
		for (unsigned int k = 0; k < TS_INLINE; k++) {
			uint32_t i = f->ts_idx[d][k];

			if (!(f->ts_inl & (1u << (4 * d + k))))
				continue;
			valid[i >> 6] |= 1ull << (i & 63);
			slot[i] = f->ts_word[d][k];
		}
	}
	f->ts_inl = 0;
	return true;
}

/* Store @p word in model slot @p s of direction @p d of flow @p f. */
static inline void
ts_store(struct tcprtt_mon *m, struct flow *f, unsigned int d, uint32_t s, uint64_t word)
{
	if (f->block == NIL) {
		/* The slots in use, one bit each: most flows have none or one. */
		unsigned int used = (f->ts_inl >> (4 * d)) & 0xfu, free_k;

		for (unsigned int u = used; u != 0; u &= u - 1) {
			unsigned int k = (unsigned int)__builtin_ctz(u);

			if (f->ts_idx[d][k] == s) {
				m->st.ts_table_full++; /* one ts_slots older gives way */
				f->ts_word[d][k] = word;
				return;
			}
		}
		free_k = used == 0xfu ? TS_INLINE : (unsigned int)__builtin_ctz(~used);
		if (free_k == TS_INLINE && !ts_promote(m, f)) {
			/* No block left: the inline slot of the same low bits gives way. */
			free_k = s % TS_INLINE;
			m->st.ts_table_full++;
		}
		if (free_k != TS_INLINE) {
			f->ts_inl |= (uint8_t)(1u << (4 * d + free_k));
			f->ts_idx[d][free_k] = (uint16_t)s;
			f->ts_word[d][free_k] = word;
			return;
		}
	}
	uint64_t *valid = ts_valid(m, f->block, d), bit = 1ull << (s & 63);

	if (valid[s >> 6] & bit)
		m->st.ts_table_full++; /* an unanswered TSval ts_slots older gives way */
	valid[s >> 6] |= bit;
	ts_slot(m, f->block, d)[s] = word;
}

/*
 * Take the word of model slot @p i of direction @p d of flow @p f if it holds TSval bits
 * @p hi: true and *word set (the slot freed), else false.
 */
static inline bool
ts_take(struct tcprtt_mon *m, struct flow *f, unsigned int d, uint32_t i, uint32_t hi,
		uint64_t *word)
{
	if (f->block == NIL) {
		for (unsigned int u = (f->ts_inl >> (4 * d)) & 0xfu; u != 0; u &= u - 1) {
			unsigned int k = (unsigned int)__builtin_ctz(u);

			if (f->ts_idx[d][k] == i && (f->ts_word[d][k] >> m->ts_tbits) == hi) {
				*word = f->ts_word[d][k];
				f->ts_inl &= (uint8_t) ~(1u << (4 * d + k));
				return true;
			}
		}
		return false;
	}
	uint64_t *valid = ts_valid(m, f->block, d), bit = 1ull << (i & 63);
	uint64_t w = ts_slot(m, f->block, d)[i];

	if (!(valid[i >> 6] & bit) || (w >> m->ts_tbits) != hi)
		return false;
	valid[i >> 6] &= ~bit;
	*word = w;
	return true;
}

/*
 * TSval / TSecr matching (pping). Returns the samples written to @p out (0 or 1). Inlined: it
 * runs for nearly every packet, and as a call its register saves cost ~20 instructions.
 */
static __rte_always_inline unsigned int
timestamps(struct tcprtt_mon *m, struct flow *f, const struct tcprtt_pkt *p, uint64_t ts,
		uint16_t port_id, struct tcprtt_record *out)
{
	unsigned int d = p->dir, o = 1 - d, n = 0;
	uint32_t tsval = p->opts.tsval, tsecr = p->opts.tsecr;
	uint64_t w;

	/* An echo of a TSval the other direction stored: its slot, if it still holds it. */
	if (tsecr != 0 && ts_take(m, f, o, tsecr & m->ts_mask, tsecr >> m->ts_shift, &w)) {
		uint64_t tmask = (UINT64_C(1) << m->ts_tbits) - 1;
		/* The stamps of two ports may be out of order: an echo before the TSval (a
		 * modular difference past half the range) is not measured.
		 */
		uint64_t rtt = (ts - w) & tmask;

		if (rtt < (tmask >> 1)) {
			sample(m, f, out, TCPRTT_KIND_TSVAL, o, rtt, 0, ts, port_id);
			n = 1;
		}
	}
	/*
	 * A new TSval on a segment that will be acknowledged: store its first-seen time. Pure
	 * ACKs neither store nor mark a TSval as seen: a request sent in the same clock tick as
	 * the handshake's ACK carries the ACK's TSval, and its echo answers the request. With
	 * ts_rule "first" (pping) every packet with a new TSval stores it, pure ACKs included.
	 */
	if (!(p->has_payload || (p->tcp_flags & TCPRTT_TH_FIN)) &&
			m->conf.ts_rule == TCPRTT_TS_RULE_DATA)
		return n;
	if ((f->ts_seen & (1u << d)) && f->last_tsval[d] == tsval)
		return n; /* a duplicate: its first-seen time is stored (or was skipped) */
	f->ts_seen |= (uint8_t)(1u << d);
	f->last_tsval[d] = tsval;
	if (f->ts_store_ns[d] != 0 && ts >= f->ts_store_ns[d] &&
			ts - f->ts_store_ns[d] < m->conf.ts_min_interval_ns)
		return n; /* rate limit */
	ts_store(m, f, d, tsval & m->ts_mask, ts_word(m, tsval, ts));
	f->ts_store_ns[d] = ts;
	return n;
}

static __rte_always_inline unsigned int
mon_packet(struct tcprtt_mon *m, const struct tcprtt_pkt *p, uint64_t ts_ns, uint16_t port_id,
		struct tcprtt_record *out)
{
	struct flow *f;
	unsigned int n = 0;

	m->st.pkts++;
	if (unlikely(ts_ns == 0)) {
		m->st.unstamped++;
		return 0;
	}
	f = hb_lookup(m, &p->key, p->hash);
	if (f == NULL) {
		/* A RST or FIN of a flow not tracked has nothing left to measure. */
		if (p->tcp_flags & (TCPRTT_TH_RST | TCPRTT_TH_FIN))
			return 0;
		/*
		 * Nor does a segment that cannot start a measurement (neither SYN nor data with
		 * a TS option): the last ACK after FIN both ways, or a flow without timestamps
		 * seen mid-stream, would only hold an entry until idle_timeout.
		 */
		if (!(p->tcp_flags & TCPRTT_TH_SYN) &&
				!(p->opts.has_ts &&
						(p->has_payload ||
								m->conf.ts_rule ==
										TCPRTT_TS_RULE_FIRST)))
			return 0;
		f = flow_add(m, p, ts_ns);
		if (f == NULL)
			return 0;
	} else {
		/*
		 * A new connection on the 4-tuple of one closing (the old one's last ACK lost,
		 * or the port reused at once): the old entry is done; the SYN starts afresh.
		 */
		if (unlikely(f->state & ST_CLOSING) &&
				(p->tcp_flags & (TCPRTT_TH_SYN | TCPRTT_TH_ACK)) == TCPRTT_TH_SYN) {
			flow_remove(m, f);
			m->st.closed++;
			f = flow_add(m, p, ts_ns);
			if (f == NULL)
				return 0;
		}
	}
	/* Stamps of two ports may interleave out of order: the deadline never moves back. */
	if (ts_ns > f->last_ns)
		f->last_ns = ts_ns;
	if (ts_ns > m->now_ns)
		m->now_ns = ts_ns;
	if (p->tcp_flags & TCPRTT_TH_RST) {
		flow_remove(m, f);
		m->st.closed++;
		return 0;
	}
	if (p->tcp_flags & TCPRTT_TH_SYN || !(f->state & ST_HS_DONE)) {
		n += handshake(m, f, p, ts_ns, port_id, &out[n]);
		/* Its eviction class follows the handshake (rare: once or twice per flow). */
		class_set(m, flow_idx(m, f),
				(f->state & ST_HS_DONE)		       ? CL_NONE :
						(f->state & ST_SYNACK) ? CL_HANDSHAKE :
						(f->state & ST_SYN)    ? CL_HALF_OPEN :
									 CL_NONE);
	}
	if (p->opts.has_ts &&
			(!(p->tcp_flags & TCPRTT_TH_SYN) ||
					m->conf.ts_rule == TCPRTT_TS_RULE_FIRST))
		n += timestamps(m, f, p, ts_ns, port_id, &out[n]);
	if (unlikely(f->state & ST_CLOSING)) {
		/* The last ACK: the first FIN's sender answers the second FIN (its TSval echo,
		 * just measured above). Nothing more to measure.
		 */
		if (p->dir != f->fin2_dir && (p->tcp_flags & TCPRTT_TH_ACK)) {
			flow_remove(m, f);
			m->st.closed++;
		}
	} else if (p->tcp_flags & TCPRTT_TH_FIN) {
		f->state |= p->dir == 0 ? ST_FIN0 : ST_FIN1;
		if ((f->state & (ST_FIN0 | ST_FIN1)) == (ST_FIN0 | ST_FIN1)) {
			if (m->conf.close_linger_ns == 0) {
				flow_remove(m, f);
				m->st.closed++;
				return n;
			}
			/* FIN both ways: kept for the last ACK, which echoes this FIN's TSval, or
			 * close_linger at most (refiled under that shorter deadline).
			 */
			f->state |= ST_CLOSING;
			f->fin2_dir = p->dir;
			LIST_DEL(m, &m->wheel[f->wslot], flow_idx(m, f), wlink);
			wheel_add(m, flow_idx(m, f));
		}
	}
	return n;
}

unsigned int
tcprtt_mon_packet(struct tcprtt_mon *m, const struct tcprtt_pkt *p, uint64_t ts_ns,
		uint16_t port_id, struct tcprtt_record *out)
{
	return mon_packet(m, p, ts_ns, port_id, out);
}

void
tcprtt_mon_buckets(const struct tcprtt_mon *m, struct tcprtt_buckets *b)
{
	b->base = m->hb;
	b->mask = m->hb_mask;
}

_Static_assert(sizeof(struct hbucket) == 64, "tcprtt_bucket_prefetch(): 64-byte buckets");

/*
 * ~220 instructions a packet on scripts/bench/tcprtt.sh's short flows (callgrind, -g): the
 * lookups, the flows' entry and removal, the handshake and TSval logic and the records. The
 * buckets are the caller's to prefetch (tcprtt_bucket_prefetch()) as it parses the burst:
 * with 20 000 flows in flight that cut the stage's work from 121-158 to 107-119 cycles a
 * packet (scripts/bench/tcprtt_mon.sh, loaded machine); prefetching each flow's entry a few
 * packets ahead as well, and matching a bucket's signatures with SSE2, cost more cycles than
 * they saved with 1 000 flows in flight (the same script) and were taken out.
 */
unsigned int
tcprtt_mon_burst(struct tcprtt_mon *m, const struct tcprtt_pkt *p, const uint64_t *ts_ns,
		const uint16_t *port_id, unsigned int n, struct tcprtt_record *out)
{
	unsigned int nr = 0;

	for (unsigned int i = 0; i < n; i++)
		nr += mon_packet(m, &p[i], ts_ns[i], port_id[i], &out[nr]);
	return nr;
}

void
tcprtt_mon_drop(struct tcprtt_mon *m, unsigned int reason)
{
	if (reason < TCPRTT_DROP_MAX)
		m->st.drops[reason]++;
}

unsigned int
tcprtt_mon_expire(struct tcprtt_mon *m, uint64_t now_ns, unsigned int max_check)
{
	unsigned int removed = 0, checked = 0;
	uint64_t end;

	if (now_ns > m->now_ns)
		m->now_ns = now_ns;
	now_ns = m->now_ns;
	if (m->cursor == 0)
		return 0;
	/* Slots wholly in the past are due. After a jump of more than a turn (a gap in a
	 * capture), one turn visits every slot: every flow filed anywhere is checked.
	 */
	end = now_ns / m->slot_ns;
	if (end > m->cursor + m->wheel_mask + 1)
		m->cursor = end - m->wheel_mask - 1;
	while (m->cursor < end) {
		struct list *b = &m->wheel[m->cursor & m->wheel_mask];

		while (b->head != NIL) {
			uint32_t i = b->head;
			struct flow *f = flow_at(m, i);

			if (checked++ == max_check)
				return removed;
			if (now_ns > flow_deadline(m, f)) {
				/* A closed flow whose last ACK did not come: closed, not idle. */
				if (f->state & ST_CLOSING)
					m->st.closed++;
				else
					m->st.evicted++;
				flow_remove(m, f);
				removed++;
				continue;
			}
			/* Active since it was filed: file it again, a later slot (never this
			 * one: the deadline is after now, past this slot's end).
			 */
			LIST_DEL(m, b, i, wlink);
			wheel_add(m, i);
		}
		m->cursor++;
	}
	return removed;
}

/* ---------------------------------------------------------------------------------------------- */
/* Records */

const char *
tcprtt_flags_json(uint8_t flags)
{
	return (flags & TCPRTT_F_AMBIGUOUS) ? "[\"ambiguous\"]" : "[]";
}

/* A string and its length, for the names a record line repeats. */
struct lstr {
	const char *s;
	uint8_t len;
};

#define LSTR(lit)                    \
	{                            \
		lit, sizeof(lit) - 1 \
	}

static const struct lstr role_dirs[] = { LSTR("unknown"), LSTR("client->server"),
	LSTR("server->client") };
static const struct lstr kind_lstr[] = {
#define TCPRTT_KIND_LSTR(id, s) LSTR(s),
	TCPRTT_FOREACH_KIND(TCPRTT_KIND_LSTR)
#undef TCPRTT_KIND_LSTR
};

/*
 * The record's line is written by hand (no snprintf, strftime or inet_ntop for IPv4): the
 * writer thread formats every record, ~11 000 instructions each with the stdio calls. The
 * numbers are written two digits at a time from a table, in place, their length known first
 * (one multiply and one compare): ~1 950 instructions a record went into the digit loop of
 * a digit at a time (tcprtt.sh -g); (the test compares every line with snprintf's).
 */
struct wbuf {
	char *p, *end;
};

/* Room for @p n more bytes, else marks @p w overflowed (the caller sees p > end). */
static inline bool
room(struct wbuf *w, size_t n)
{
	if (unlikely(w->p > w->end || (size_t)(w->end - w->p) < n)) {
		w->p = w->end + 1;
		return false;
	}
	return true;
}

static inline void
put_mem(struct wbuf *w, const char *s, size_t n)
{
	if (!room(w, n))
		return;
	memcpy(w->p, s, n);
	w->p += n;
}

#define PUT_LIT(w, lit) put_mem(w, lit, sizeof(lit) - 1)

static inline void
put_str(struct wbuf *w, const char *s)
{
	put_mem(w, s, strlen(s));
}

static const char digit_pairs[201] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899";

static const uint64_t pow10[20] = { 1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
	10000000ull, 100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
	10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
	100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull };

/* Decimal digits of @p v (1 for 0): log10 from log2 (1233 / 4096 ~ log10(2)), one compare. */
static inline unsigned int
dec_len(uint64_t v)
{
	unsigned int t = ((64u - (unsigned int)__builtin_clzll(v | 1)) * 1233u) >> 12;

	return t + (v >= pow10[t]);
}

/* @p v in decimal, at least @p digits digits (zero-padded). */
static inline void
put_u64(struct wbuf *w, uint64_t v, unsigned int digits)
{
	unsigned int n = RTE_MAX(dec_len(v), digits);
	char *e;

	if (!room(w, n))
		return;
	e = w->p + n;
	while (v >= 100) {
		unsigned int r = (unsigned int)(v % 100);

		v /= 100;
		e -= 2;
		memcpy(e, &digit_pairs[2 * r], 2);
	}
	if (v >= 10) {
		e -= 2;
		memcpy(e, &digit_pairs[2 * v], 2);
	} else {
		*--e = (char)('0' + v);
	}
	while (e > w->p)
		*--e = '0';
	w->p += n;
}

/* @p v < 100 in two digits. */
static inline void
put_2d(struct wbuf *w, unsigned int v)
{
	put_mem(w, &digit_pairs[2 * v], 2);
}

static inline void
put_addr(struct wbuf *w, uint8_t family, const uint8_t *a)
{
	char txt[INET6_ADDRSTRLEN];

	if (family != 6) {
		put_u64(w, a[0], 1);
		for (unsigned int i = 1; i < 4; i++) {
			PUT_LIT(w, ".");
			put_u64(w, a[i], 1);
		}
		return;
	}
	if (inet_ntop(AF_INET6, a, txt, sizeof(txt)) == NULL)
		w->p = w->end + 1;
	else
		put_str(w, txt);
}

/* "YYYY-MM-DDTHH:MM:SS" of @p secs since the epoch (UTC, proleptic Gregorian). */
static void
put_utc(struct wbuf *w, uint64_t secs)
{
	/* Days to civil date (Howard Hinnant's algorithm, for days >= 0). */
	uint64_t z = secs / 86400 + 719468, sod = secs % 86400;
	uint64_t era = z / 146097, doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
	uint64_t m = mp < 10 ? mp + 3 : mp - 9, y = yoe + era * 400 + (m <= 2);
	unsigned int s = (unsigned int)sod;

	put_u64(w, y, 4);
	PUT_LIT(w, "-");
	put_2d(w, (unsigned int)m);
	PUT_LIT(w, "-");
	put_2d(w, (unsigned int)d);
	PUT_LIT(w, "T");
	put_2d(w, s / 3600);
	PUT_LIT(w, ":");
	put_2d(w, s / 60 % 60);
	PUT_LIT(w, ":");
	put_2d(w, s % 60);
}

int
tcprtt_record_json(const struct tcprtt_record *r, const char *port_name, char *buf, size_t len)
{
	struct wbuf w = { buf, buf + (len > 0 ? len - 1 : 0) }; /* room for the '\0' */
	const struct lstr *ls;

	if (len == 0)
		return -1;
	PUT_LIT(&w, "{\"ts\":\"");
	put_utc(&w, r->ts_ns / 1000000000u);
	PUT_LIT(&w, ".");
	put_u64(&w, r->ts_ns % 1000000000u, 9);
	PUT_LIT(&w, "Z\",\"ts_ns\":");
	put_u64(&w, r->ts_ns, 1);
	PUT_LIT(&w, ",\"port\":\"");
	put_str(&w, port_name);
	PUT_LIT(&w, "\",\"vlan\":[");
	for (unsigned int i = 0; i < r->nb_vlan && i < TCPRTT_MAX_VLAN; i++) {
		if (i)
			PUT_LIT(&w, ",");
		put_u64(&w, r->flow.vlan[i] & 0x0fff, 1);
	}
	PUT_LIT(&w, "],\"src\":\"");
	put_addr(&w, r->flow.family, r->flow.addr[0]);
	PUT_LIT(&w, "\",\"sport\":");
	put_u64(&w, ntohs(r->flow.port[0]), 1);
	PUT_LIT(&w, ",\"dst\":\"");
	put_addr(&w, r->flow.family, r->flow.addr[1]);
	PUT_LIT(&w, "\",\"dport\":");
	put_u64(&w, ntohs(r->flow.port[1]), 1);
	PUT_LIT(&w, ",\"dir\":\"");
	ls = &role_dirs[r->role < RTE_DIM(role_dirs) ? r->role : 0];
	put_mem(&w, ls->s, ls->len);
	PUT_LIT(&w, "\",\"kind\":\"");
	if (r->kind < RTE_DIM(kind_lstr))
		put_mem(&w, kind_lstr[r->kind].s, kind_lstr[r->kind].len);
	else
		PUT_LIT(&w, "unknown");
	PUT_LIT(&w, "\",\"rtt_ns\":");
	put_u64(&w, r->rtt_ns, 1);
	PUT_LIT(&w, ",\"flags\":");
	if (r->flags & TCPRTT_F_AMBIGUOUS)
		PUT_LIT(&w, "[\"ambiguous\"]}\n");
	else
		PUT_LIT(&w, "[]}\n");
	if (w.p > w.end)
		return -1;
	*w.p = '\0';
	return (int)(w.p - buf);
}
