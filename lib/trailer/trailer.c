/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * Switch timestamps in frames: Metamako / Arista 7130 trailers, generic stacks of trailers and
 * the Arista AVSP header. Layouts: /work/shared/FORMATS.md sections 1-3, checked against
 * tshark's metamako and avsp dissectors by test/functional/trailer_pcap.py.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "trailer.h"
#include "bytes.h"

#define NS_PER_S 1000000000ULL
/* tshark's lower bound for a Metamako time: anything earlier is not a wall-clock stamp. */
#define MIN_SEC 3600ULL
#define MM_FIXED 12 /* seconds, ns, flags, device, port */
#define FCS_LEN 4
#define ETH_HLEN 14
#define AVSP_ETYPE 0xD28B

const char *const trailer_format_names[4] = {
	[TRAILER_FMT_NONE] = "none",
	[TRAILER_FMT_METAMAKO] = "metamako",
	[TRAILER_FMT_AVSP] = "avsp",
	[TRAILER_FMT_GENERIC] = "generic",
};
const char *const trailer_fcs_names[3] = {
	[TRAILER_FCS_ABSENT] = "absent",
	[TRAILER_FCS_PRESENT] = "present",
	[TRAILER_FCS_AUTO] = "auto",
};
const char *const trailer_use_names[2] = {
	[TRAILER_USE_INNERMOST] = "innermost",
	[TRAILER_USE_OUTERMOST] = "outermost",
};
const char *const trailer_hop_kind_names[2] = {
	[TRAILER_HOP_METAMAKO] = "metamako",
	[TRAILER_HOP_FIXED] = "fixed",
};

static const char *const err_names[TRAILER_E_MAX] = { [TRAILER_OK] = "ok",
#define TRAILER_ERR_NAME(id, name, desc) [TRAILER_E_##id] = name,
	TRAILER_FOREACH_ERR(TRAILER_ERR_NAME)
#undef TRAILER_ERR_NAME
};

const char *
trailer_strerror(int err)
{
	if (err < 0)
		err = -err;
	return err < TRAILER_E_MAX ? err_names[err] : "unknown";
}

/* Table-driven CRC-32; the table is built on first use (the function is not on a hot path:
 * only fcs "auto" ports call it, once per frame). */
static uint32_t crc_table[256];
static int crc_ready;

uint32_t
trailer_crc32(uint32_t crc, const uint8_t *data, uint32_t len)
{
	if (!__atomic_load_n(&crc_ready, __ATOMIC_ACQUIRE)) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			crc_table[i] = c;
		}
		__atomic_store_n(&crc_ready, 1, __ATOMIC_RELEASE);
	}
	crc = ~crc;
	for (uint32_t i = 0; i < len; i++)
		crc = crc_table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* A stamp is a wall-clock time, and near the port's own stamp when the spec asks for that. */
static int
check_time(const struct trailer_spec *s, uint64_t ns, uint64_t ref_ns)
{
	uint64_t skew;

	if (ns < MIN_SEC * NS_PER_S)
		return -TRAILER_E_TIME;
	if (s->max_skew_s != 0 && ref_ns != 0) {
		skew = ns > ref_ns ? ns - ref_ns : ref_ns - ns;
		if (skew > (uint64_t)s->max_skew_s * NS_PER_S)
			return -TRAILER_E_TIME;
	}
	return 0;
}

/*
 * One Metamako trailer ending at @p *end (exclusive, the next FCS already removed) in @p t.
 * On success *end moves to where the previous FCS starts... then past it: the start of what
 * precedes this hop's original FCS, and @p *fcs0 says that FCS is there.
 */
/* The CRC of the whole frame's first @p len bytes against 4 FCS bytes (sent LSB first). */
static bool
fcs_matches(trailer_crc_fn crc, const void *arg, uint32_t len, const uint8_t *f)
{
	return crc(arg, len) == bytes_get_le32(f);
}

/* Where a hop's bytes are: the tail, its offset in the frame, and the frame's prefix CRC. */
struct hop_ctx {
	const uint8_t *t;
	uint32_t skip; /* frame offset of t[0] */
	trailer_crc_fn crc;
	const void *crc_arg;
};

static int
hop_metamako(const struct hop_ctx *c, uint32_t *end, struct trailer_stamp *st)
{
	const uint8_t *t = c->t;
	uint32_t pos = *end, sec, ns;
	uint8_t flags;

	if (pos < MM_FIXED + FCS_LEN)
		return -TRAILER_E_SHORT;
	sec = bytes_get_be32(t + pos - 12);
	ns = bytes_get_be32(t + pos - 8);
	flags = t[pos - 4];
	st->device = (uint16_t)bytes_get_be16(t + pos - 3);
	st->port = t[pos - 1];
	st->flags = flags;
	st->seq = -1;
	/*
	 * 0x01 original FCS valid and 0x02 TLVs are in every version; 0x04 duplicate, 0x10
	 * degraded and 0x20 Clause-49 are in current Wireshark. 0x08, 0x40 and 0x80 are defined
	 * nowhere: a frame with them set is not a Metamako trailer.
	 */
	if (flags & 0xC8)
		return -TRAILER_E_FLAGS;
	if (ns >= NS_PER_S)
		return -TRAILER_E_NS;
	pos -= MM_FIXED;
	if (flags & 0x02) {
		unsigned int i;

		/*
		 * "TLVs present" with no TLV word: the word before the seconds is the original
		 * FCS. Walking it as a TLV chain would eat frame bytes (and cut them at strip).
		 */
		if (pos >= FCS_LEN &&
				fcs_matches(c->crc, c->crc_arg, c->skip + pos - FCS_LEN,
						t + pos - FCS_LEN))
			return -TRAILER_E_NO_TLV;

		/* Read backwards: each header word follows its data words. */
		for (i = 0; i < TRAILER_MAX_TLVS; i++) {
			uint32_t hdr, words;

			if (pos < 4 + FCS_LEN)
				return -TRAILER_E_SHORT;
			hdr = bytes_get_be32(t + pos - 4);
			pos -= 4;
			words = (hdr >> 6) & 3;
			if (pos < 4 * words + FCS_LEN)
				return -TRAILER_E_SHORT;
			pos -= 4 * words;
			if ((hdr & 0x1f) == 0)
				st->seq = (int32_t)((hdr >> 8) & 0xffff);
			if (hdr & 0x20)
				break;
		}
		if (i == TRAILER_MAX_TLVS)
			return -TRAILER_E_TLV;
	}
	/* What precedes the original FCS must still hold an Ethernet header. */
	if (c->skip + pos < FCS_LEN + ETH_HLEN)
		return -TRAILER_E_SHORT;
	/* "Original FCS valid": then it is the CRC of the original frame, or this is no trailer. */
	if ((flags & 0x01) &&
			!fcs_matches(c->crc, c->crc_arg, c->skip + pos - FCS_LEN,
					t + pos - FCS_LEN))
		return -TRAILER_E_ORIG_FCS;
	st->ns = (uint64_t)sec * NS_PER_S + ns;
	*end = pos - FCS_LEN;
	return 0;
}

static int
hop_fixed(const struct trailer_hop *h, const uint8_t *t, uint32_t *end, struct trailer_stamp *st)
{
	uint32_t pos = *end;
	const uint8_t *p;
	uint64_t sec = 0, ns = 0;

	if (pos < (uint32_t)h->len + (h->fcs_before ? FCS_LEN : 0))
		return -TRAILER_E_SHORT;
	p = t + pos - h->len;
	if (h->sec_size == 4)
		sec = bytes_get_be32(p + h->sec_off);
	else if (h->sec_size == 8)
		sec = bytes_get_be64(p + h->sec_off);
	if (h->ns_size == 4)
		ns = bytes_get_be32(p + h->ns_off);
	else if (h->ns_size == 8)
		ns = bytes_get_be64(p + h->ns_off);
	if (h->sec_size != 0 && ns >= NS_PER_S)
		return -TRAILER_E_NS;
	/* 8-byte seconds past what a u64 of ns holds are not a time either. */
	if (sec > UINT64_MAX / NS_PER_S - 1)
		return -TRAILER_E_TIME;
	memset(st, 0, sizeof(*st));
	st->seq = -1;
	st->ns = sec * NS_PER_S + ns;
	*end = pos - h->len - (h->fcs_before ? FCS_LEN : 0);
	return 0;
}

int
trailer_parse_tail(const struct trailer_spec *s, const uint8_t *tail, uint32_t tail_len,
		uint32_t frame_len, bool final_fcs, uint64_t ref_ns, trailer_crc_fn crc,
		const void *crc_arg, struct trailer_result *r)
{
	static const struct trailer_hop metamako = { .kind = TRAILER_HOP_METAMAKO };
	const struct trailer_hop *hops = s->hops;
	unsigned int nb = s->nb_hops;
	/* Positions are relative to the tail; the tail's start is frame_len - tail_len. */
	uint32_t skip = frame_len - tail_len, end = tail_len;
	bool fcs0 = false;
	int rc;

	if (tail_len > frame_len)
		return -TRAILER_E_SHORT;
	if (s->format == TRAILER_FMT_METAMAKO) {
		hops = &metamako;
		nb = 1;
	}
	if (nb == 0)
		return -TRAILER_E_SHORT;
	r->nb = 0;
	r->final_fcs = final_fcs;
	if (final_fcs) {
		if (end < FCS_LEN)
			return -TRAILER_E_SHORT;
		end -= FCS_LEN;
	}
	for (unsigned int i = 0; i < nb; i++) {
		struct trailer_stamp *st = &r->stamps[i];

		const struct hop_ctx hc = { tail, skip, crc, crc_arg };

		rc = hops[i].kind == TRAILER_HOP_FIXED ? hop_fixed(&hops[i], tail, &end, st) :
							 hop_metamako(&hc, &end, st);
		if (rc < 0)
			return rc;
		rc = check_time(s, st->ns, ref_ns);
		if (rc < 0)
			return rc;
		fcs0 = hops[i].kind == TRAILER_HOP_METAMAKO || hops[i].fcs_before;
		r->nb++;
	}
	if (skip + end < ETH_HLEN)
		return -TRAILER_E_SHORT;
	r->orig_len = skip + end;
	r->orig_fcs = fcs0;
	r->strip_len = r->orig_len + (final_fcs && fcs0 ? FCS_LEN : 0);
	r->strip_off = 0;
	r->strip_cut = 0;
	r->ts_ns = s->use == TRAILER_USE_OUTERMOST ? r->stamps[0].ns : r->stamps[r->nb - 1].ns;
	return 0;
}

int
trailer_parse_avsp(const struct trailer_spec *s, const uint8_t *head, uint32_t head_len,
		uint32_t frame_len, uint64_t ref_ns, struct trailer_result *r)
{
	uint32_t ver, hlen;
	uint64_t sec, ns;
	bool tai;
	int rc;

	if (head_len > frame_len || head_len < 24)
		return -TRAILER_E_SHORT;
	if (bytes_get_be16(head + 12) != AVSP_ETYPE || bytes_get_be16(head + 14) != 0x0001)
		return -TRAILER_E_AVSP;
	ver = bytes_get_be16(head + 16);
	switch (ver) {
	case 0x0010: /* 64-bit TAI */
	case 0x0110: /* 64-bit UTC */
		hlen = 14;
		if (head_len < 26)
			return -TRAILER_E_SHORT;
		sec = bytes_get_be32(head + 18);
		ns = bytes_get_be32(head + 22);
		break;
	case 0x0020: /* 48-bit TAI */
	case 0x0120: /* 48-bit UTC */
		hlen = 12;
		sec = bytes_get_be16(head + 18);
		ns = bytes_get_be32(head + 20);
		break;
	default:
		return -TRAILER_E_AVSP;
	}
	/* The original EtherType follows: the frame must still hold an Ethernet header. */
	if (frame_len < ETH_HLEN + hlen)
		return -TRAILER_E_SHORT;
	if (ns >= NS_PER_S)
		return -TRAILER_E_NS;
	tai = (ver & 0x0100) == 0;
	if (hlen == 12) {
		/* 16 bits of seconds wrap every 65536 s: the candidate nearest the port's stamp. */
		uint64_t ref_s = ref_ns / NS_PER_S + (tai ? TRAILER_TAI_UTC_S : 0);
		uint64_t c = (ref_s & ~0xffffULL) | sec;

		if (c + 0x8000 < ref_s)
			c += 0x10000;
		else if (c > ref_s + 0x8000 && c >= 0x10000)
			c -= 0x10000;
		sec = c;
	}
	if (tai) {
		if (sec < TRAILER_TAI_UTC_S)
			return -TRAILER_E_TIME;
		sec -= TRAILER_TAI_UTC_S;
	}
	memset(r, 0, sizeof(*r));
	r->nb = 1;
	r->stamps[0].ns = sec * NS_PER_S + ns;
	r->stamps[0].seq = -1;
	r->stamps[0].flags = (uint8_t)ver;
	rc = check_time(s, r->stamps[0].ns, ref_ns);
	if (rc < 0)
		return rc;
	r->ts_ns = r->stamps[0].ns;
	r->orig_len = frame_len - hlen;
	r->strip_len = frame_len - hlen;
	r->strip_off = 12;
	r->strip_cut = (uint16_t)hlen;
	return 0;
}

static uint32_t
frame_crc(const void *arg, uint32_t len)
{
	return trailer_crc32(0, arg, len);
}

int
trailer_parse(const struct trailer_spec *s, const uint8_t *frame, uint32_t len, uint64_t ref_ns,
		struct trailer_result *r)
{
	uint32_t tail_len;
	bool fcs;

	switch (s->format) {
	case TRAILER_FMT_AVSP:
		return trailer_parse_avsp(s, frame, len < 26 ? len : 26, len, ref_ns, r);
	case TRAILER_FMT_METAMAKO:
	case TRAILER_FMT_GENERIC:
		break;
	default:
		return -TRAILER_E_SHORT;
	}
	switch (s->fcs) {
	case TRAILER_FCS_PRESENT:
		fcs = true;
		break;
	case TRAILER_FCS_AUTO:
		/* The FCS is sent least significant byte first. */
		fcs = len >= FCS_LEN + ETH_HLEN &&
				trailer_crc32(0, frame, len - FCS_LEN) ==
						bytes_get_le32(frame + len - FCS_LEN);
		break;
	default:
		fcs = false;
		break;
	}
	tail_len = len < TRAILER_TAIL_MAX ? len : TRAILER_TAIL_MAX;
	return trailer_parse_tail(
			s, frame + len - tail_len, tail_len, len, fcs, ref_ns, frame_crc, frame, r);
}

int
trailer_spec_check(const struct trailer_spec *s, char *msg, unsigned int msglen)
{
	if (s->format != TRAILER_FMT_GENERIC) {
		if (s->nb_hops != 0) {
			snprintf(msg, msglen,
					"layout: only format \"generic\" takes a layout (format "
					"is \"%s\")",
					trailer_format_names[s->format]);
			return -EINVAL;
		}
		return 0;
	}
	if (s->nb_hops == 0) {
		snprintf(msg, msglen, "layout: format \"generic\" needs at least one entry");
		return -EINVAL;
	}
	for (unsigned int i = 0; i < s->nb_hops; i++) {
		const struct trailer_hop *h = &s->hops[i];

		if (h->kind != TRAILER_HOP_FIXED)
			continue;
		if (h->sec_size != 0 && h->sec_size != 4 && h->sec_size != 8) {
			snprintf(msg, msglen, "layout[%u].sec_size: %u is not 0, 4 or 8", i,
					h->sec_size);
			return -EINVAL;
		}
		if (h->ns_size != 0 && h->ns_size != 4 && h->ns_size != 8) {
			snprintf(msg, msglen, "layout[%u].ns_size: %u is not 0, 4 or 8", i,
					h->ns_size);
			return -EINVAL;
		}
		if (h->sec_size == 0 && h->ns_size != 8) {
			snprintf(msg, msglen,
					"layout[%u]: without seconds (sec_size 0) the time is an "
					"8-byte ns count: ns_size must be 8",
					i);
			return -EINVAL;
		}
		if (h->sec_size != 0 && h->ns_size == 8) {
			snprintf(msg, msglen,
					"layout[%u].ns_size: 8 (ns since 1970) goes with sec_size 0",
					i);
			return -EINVAL;
		}
		if (h->sec_size != 0 && h->sec_off + h->sec_size > h->len) {
			snprintf(msg, msglen, "layout[%u].sec_off: %u + %u bytes ends past len %u",
					i, h->sec_off, h->sec_size, h->len);
			return -EINVAL;
		}
		if (h->ns_size != 0 && h->ns_off + h->ns_size > h->len) {
			snprintf(msg, msglen, "layout[%u].ns_off: %u + %u bytes ends past len %u",
					i, h->ns_off, h->ns_size, h->len);
			return -EINVAL;
		}
	}
	return 0;
}
