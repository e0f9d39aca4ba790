/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/* The stampede header codec (see sph.h and README.md in this folder). */

#include <stddef.h>
#include <string.h>

#include "sph.h"
#include "bytes.h"

#define MIN_U64(a, b) ((a) < (b) ? (a) : (b))

/* sph_decode() clears the fields before hops[] and from desc_len on: nothing else lies between. */
_Static_assert(offsetof(struct sph_hdr, desc_len) ==
				offsetof(struct sph_hdr, hops) +
						sizeof(((struct sph_hdr *)0)->hops),
		"hops[] must sit right before desc_len");

static const char *const err_names[] = { [SPH_OK] = "ok",
#define SPH_ERR_NAME(id, name, desc) [SPH_E_##id] = name,
	SPH_FOREACH_ERR(SPH_ERR_NAME)
#undef SPH_ERR_NAME
};

const char *
sph_err_name(enum sph_err e)
{
	return (unsigned int)e < SPH_E_MAX ? err_names[e] : "?";
}

uint16_t
sph_hdr_size(const struct sph_hdr *h)
{
	uint32_t n = SPH_FIXED_LEN;

	if (h->desc_len > 0)
		n += 2 + h->desc_len;
	if (h->flags & SPH_F_FRAG)
		n += 2 + SPH_FRAG_LEN;
	n += (uint32_t)h->nb_hops * (2 + SPH_HOP_LEN);
	return (uint16_t)n;
}

static uint8_t *
put_hop(uint8_t *p, const struct sph_hop *hop)
{
	*p++ = SPH_TLV_HOP;
	*p++ = SPH_HOP_LEN;
	p = bytes_put_be32(p, hop->node);
	p = bytes_put_be64(p, hop->rx_ns);
	return bytes_put_be64(p, hop->seq);
}

uint16_t
sph_encode(const struct sph_hdr *h, uint8_t *buf, size_t cap)
{
	const uint16_t hlen = sph_hdr_size(h);
	uint8_t *p = buf;

	if (cap < hlen || h->nb_hops > SPH_MAX_HOPS)
		return 0;
	sph_put_fixed(p, h->flags, hlen, h->ts_src, h->node, h->stream, h->payload_len, h->seq,
			h->ts_ns, h->orig_len, h->cap_len);
	p += SPH_FIXED_LEN;
	if (h->desc_len > 0) {
		*p++ = SPH_TLV_DESC;
		*p++ = h->desc_len;
		memcpy(p, h->desc, h->desc_len);
		p += h->desc_len;
	}
	if (h->flags & SPH_F_FRAG) {
		*p++ = SPH_TLV_FRAG;
		*p++ = SPH_FRAG_LEN;
		p = bytes_put_be32(p, h->frag_off);
		p = bytes_put_be16(p, h->frag_idx);
		p = bytes_put_be16(p, h->frag_cnt);
	}
	for (unsigned int i = 0; i < h->nb_hops; i++)
		p = put_hop(p, &h->hops[i]);
	return hlen;
}

/* The TLVs of a header whose fixed part is decoded: [p, end) lies inside the buffer. */
static int
decode_tlvs(const uint8_t *p, const uint8_t *end, struct sph_hdr *h)
{
	bool have_frag = false;

	while (p < end) {
		uint8_t type, len;

		if (end - p < 2)
			return -SPH_E_BAD_TLV;
		type = p[0];
		len = p[1];
		p += 2;
		if (end - p < len)
			return -SPH_E_BAD_TLV;
		switch (type) {
		case SPH_TLV_HOP:
			if (len != SPH_HOP_LEN)
				return -SPH_E_BAD_TLV;
			if (h->nb_hops < SPH_MAX_HOPS) {
				struct sph_hop *hop = &h->hops[h->nb_hops++];

				hop->node = bytes_get_be32(p);
				hop->rx_ns = bytes_get_be64(p + 4);
				hop->seq = bytes_get_be64(p + 12);
			}
			h->nb_hops_total++;
			break;
		case SPH_TLV_DESC:
			if (len == 0 || h->desc_len != 0)
				return -SPH_E_BAD_TLV;
			h->desc = p;
			h->desc_len = len;
			break;
		case SPH_TLV_FRAG:
			if (len != SPH_FRAG_LEN || have_frag)
				return -SPH_E_BAD_TLV;
			have_frag = true;
			h->frag_off = bytes_get_be32(p);
			h->frag_idx = bytes_get_be16(p + 4);
			h->frag_cnt = bytes_get_be16(p + 6);
			break;
		case SPH_TLV_PAD:
		default:
			/* Padding, acknowledgements (read by the transport) and types of later
			 * versions: skipped. */
			if (type != SPH_TLV_PAD)
				h->nb_unknown++;
			break;
		}
		p += len;
	}
	/* The flag and the TLV go together: a fragment read as a whole frame would be wrong. */
	if (!(h->flags & SPH_F_FRAG) != !have_frag)
		return -SPH_E_BAD_TLV;
	return 0;
}

int
sph_decode(const uint8_t *buf, size_t len, struct sph_hdr *h)
{
	int rc;

	/*
	 * Every field but hops[] (only hops[0..nb_hops) is defined): clearing the whole struct,
	 * 8 hops included, was a third of the decoder's cost per record (callgrind, broker.sh
	 * coll64).
	 */
	memset(h, 0, offsetof(struct sph_hdr, hops));
	memset(&h->desc_len, 0, sizeof(*h) - offsetof(struct sph_hdr, desc_len));
	if (len < 4)
		return -SPH_E_TRUNCATED;
	if (bytes_get_be16(buf) != SPH_MAGIC)
		return -SPH_E_BAD_MAGIC;
	h->version = buf[2];
	if (h->version == 0 || h->version > SPH_VERSION)
		return -SPH_E_BAD_VERSION;
	if (len < SPH_FIXED_LEN)
		return -SPH_E_TRUNCATED;
	h->flags = buf[3];
	h->hdr_len = bytes_get_be16(buf + 4);
	h->ts_src = buf[6];
	h->node = bytes_get_be32(buf + 8);
	h->stream = bytes_get_be16(buf + 12);
	h->payload_len = bytes_get_be16(buf + 14);
	h->seq = bytes_get_be64(buf + 16);
	h->ts_ns = bytes_get_be64(buf + 24);
	h->orig_len = bytes_get_be32(buf + 32);
	h->cap_len = bytes_get_be32(buf + 36);
	if (h->hdr_len < SPH_FIXED_LEN)
		return -SPH_E_BAD_HDR_LEN;
	if (h->hdr_len > len)
		return -SPH_E_TRUNCATED;
	rc = decode_tlvs(buf + SPH_FIXED_LEN, buf + h->hdr_len, h);
	if (rc < 0)
		return rc;
	if ((size_t)h->hdr_len + h->payload_len > len)
		return -SPH_E_BAD_LENGTH;
	if (h->flags & SPH_F_CTRL) {
		if (h->payload_len != 0)
			return -SPH_E_BAD_LENGTH;
		return h->hdr_len;
	}
	if (h->cap_len > h->orig_len || h->cap_len == 0)
		return -SPH_E_BAD_LENGTH;
	if (h->flags & SPH_F_FRAG) {
		if (h->frag_cnt < 2 || h->frag_cnt > SPH_MAX_FRAGS || h->frag_idx >= h->frag_cnt)
			return -SPH_E_BAD_TLV;
		if (h->payload_len == 0 || (uint64_t)h->frag_off + h->payload_len > h->cap_len)
			return -SPH_E_BAD_LENGTH;
	} else if (h->payload_len != h->cap_len) {
		return -SPH_E_BAD_LENGTH;
	}
	return h->hdr_len + h->payload_len;
}

bool
sph_is_padding(const uint8_t *buf, size_t len)
{
	if (len >= SPH_FIXED_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (buf[i] != 0)
			return false;
	return true;
}

size_t
sph_add_hop(const uint8_t *in, size_t in_len, const struct sph_hop *hop, uint8_t *out, size_t cap)
{
	const uint16_t hlen = bytes_get_be16(in + 4);
	const size_t add = 2 + SPH_HOP_LEN;

	if (in_len < hlen || (size_t)hlen + add > UINT16_MAX || in_len + add > cap)
		return 0;
	memcpy(out, in, hlen);
	bytes_put_be16(out + 4, (uint16_t)(hlen + add));
	put_hop(out + hlen, hop);
	memcpy(out + hlen + add, in + hlen, in_len - hlen);
	return in_len + add;
}

enum sph_seq_res
sph_seq_check(struct sph_seq *s, uint64_t seq)
{
	const uint64_t bits = SPH_SEQ_WINDOW;
	uint64_t d;

	if (unlikely(seq >= SPH_SEQ_LIMIT)) {
		s->stale++; /* no sender numbers this far: taking it would wrap next */
		return SPH_SEQ_STALE;
	}
	if (!s->started) {
		s->started = true;
		s->first = seq;
		s->next = seq + 1;
		memset(s->win, 0, sizeof(s->win));
		s->win[(seq % bits) / 64] |= 1ULL << (seq % 64);
		s->received++;
		return SPH_SEQ_OK;
	}
	if (seq >= s->next) {
		d = seq - s->next; /* numbers skipped */
		s->gaps += d;
		/* The numbers skipped enter the window unseen (a ring indexed by number). */
		if (d >= bits) {
			memset(s->win, 0, sizeof(s->win));
		} else {
			for (uint64_t n = s->next; n < seq; n++)
				s->win[(n % bits) / 64] &= ~(1ULL << (n % 64));
		}
		s->win[(seq % bits) / 64] |= 1ULL << (seq % 64);
		s->next = seq + 1;
		s->received++;
		return d == 0 ? SPH_SEQ_OK : SPH_SEQ_GAP;
	}
	if (seq < s->first) {
		s->stale++;
		return SPH_SEQ_EARLY;
	}
	d = s->next - 1 - seq; /* how far behind the highest */
	if (d >= bits) {
		s->stale++;
		return SPH_SEQ_STALE;
	}
	if (s->win[(seq % bits) / 64] & (1ULL << (seq % 64))) {
		s->dups++;
		return SPH_SEQ_DUP;
	}
	s->win[(seq % bits) / 64] |= 1ULL << (seq % 64);
	s->gaps--;
	s->reordered++;
	s->received++;
	return SPH_SEQ_REORDERED;
}

size_t
sph_ctrl_encode(uint32_t node, const struct sph_ctrl_item *it, unsigned int n, uint8_t *buf,
		size_t cap)
{
	struct sph_hdr h;
	uint8_t *p = buf + SPH_FIXED_LEN;
	size_t len;

	if (cap < SPH_FIXED_LEN)
		return 0;
	for (unsigned int i = 0; i < n;) {
		if (it[i].type == SPH_TLV_NACK) {
			if ((size_t)(p - buf) + 2 + SPH_NACK_LEN > cap)
				return 0;
			*p++ = SPH_TLV_NACK;
			*p++ = SPH_NACK_LEN;
			p = bytes_put_be16(p, it[i].stream);
			p = bytes_put_be64(p, it[i].first);
			p = bytes_put_be32(p,
					(uint32_t)MIN_U64(
							it[i].last - it[i].first + 1, UINT32_MAX));
			i++;
			continue;
		}
		unsigned int k = 1;

		while (i + k < n && k < SPH_ACK_MAX_RANGES && it[i + k].type == SPH_TLV_ACK &&
				it[i + k].stream == it[i].stream)
			k++;
		if ((size_t)(p - buf) + 4 + 16 * k > cap)
			return 0;
		*p++ = SPH_TLV_ACK;
		*p++ = (uint8_t)(2 + 16 * k);
		p = bytes_put_be16(p, it[i].stream);
		for (unsigned int j = 0; j < k; j++) {
			p = bytes_put_be64(p, it[i + j].first);
			p = bytes_put_be64(p, it[i + j].last);
		}
		i += k;
	}
	len = (size_t)(p - buf);
	if (len > UINT16_MAX)
		return 0;
	memset(&h, 0, sizeof(h));
	h.flags = SPH_F_CTRL;
	h.node = node;
	sph_encode(&h, buf, SPH_FIXED_LEN);
	bytes_put_be16(buf + 4, (uint16_t)len);
	return len;
}

int
sph_ctrl_parse(const uint8_t *rec, const struct sph_hdr *h, struct sph_ctrl_item *it,
		unsigned int max)
{
	const uint8_t *p = rec + SPH_FIXED_LEN, *end = rec + h->hdr_len;
	unsigned int n = 0;

	/* sph_decode() checked that the TLVs fill [40, hdr_len) exactly. */
	while (end - p >= 2) {
		const uint8_t type = p[0], len = p[1];
		const uint8_t *v = p + 2;

		if (end - v < len)
			return -SPH_E_BAD_TLV;
		p = v + len;
		if (type == SPH_TLV_NACK) {
			uint32_t cnt;

			if (len != SPH_NACK_LEN)
				return -SPH_E_BAD_TLV;
			cnt = bytes_get_be32(v + 10);
			if (cnt == 0 || bytes_get_be64(v + 2) > UINT64_MAX - (cnt - 1))
				return -SPH_E_BAD_TLV;
			if (n < max) {
				it[n].type = SPH_TLV_NACK;
				it[n].stream = bytes_get_be16(v);
				it[n].first = bytes_get_be64(v + 2);
				it[n].last = it[n].first + (cnt - 1);
				n++;
			}
		} else if (type == SPH_TLV_ACK) {
			if (len < 18 || (len - 2) % 16 != 0)
				return -SPH_E_BAD_TLV;
			for (unsigned int k = 0; k < (unsigned int)(len - 2) / 16; k++) {
				const uint64_t first = bytes_get_be64(v + 2 + 16 * k);
				const uint64_t last = bytes_get_be64(v + 10 + 16 * k);

				if (last < first)
					return -SPH_E_BAD_TLV;
				if (n < max) {
					it[n].type = SPH_TLV_ACK;
					it[n].stream = bytes_get_be16(v);
					it[n].first = first;
					it[n].last = last;
					n++;
				}
			}
		}
	}
	return (int)n;
}
