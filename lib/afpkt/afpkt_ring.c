/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/* TPACKET_V3 blocks: bounds-checked frame walk, stamp source, VLAN put back; TX stamp reports
 * (afpkt_ring.h). */

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/errqueue.h>
#include <linux/if_packet.h>

#include "afpkt_ring.h"

#define AFPKT_MAC_LEN 12 /* destination and source MAC: the tag goes after them */
#define AFPKT_TAG_LEN 4

int
afpkt_block_check(const void *block, uint32_t block_size)
{
	const struct tpacket_block_desc *bd = block;
	const struct tpacket_hdr_v1 *h = &bd->hdr.bh1;

	if (block_size < sizeof(*bd))
		return -1;
	if (h->blk_len > block_size || h->blk_len < sizeof(*bd))
		return -1;
	if (h->num_pkts == 0)
		return 0;
	if (h->offset_to_first_pkt < sizeof(*bd) || h->offset_to_first_pkt >= h->blk_len)
		return -1;
	return (int)h->num_pkts;
}

uint32_t
afpkt_block_first(const void *block)
{
	return ((const struct tpacket_block_desc *)block)->hdr.bh1.offset_to_first_pkt;
}

int
afpkt_frame_decode(const void *block, uint32_t block_size, uint32_t off, struct afpkt_frame *f,
		uint32_t *next)
{
	const uint8_t *b = block;
	const struct tpacket3_hdr *h;
	uint64_t end;

	/* The header must lie wholly inside the block, at the alignment the kernel keeps. */
	if (off < sizeof(struct tpacket_block_desc) || off % 4 != 0 ||
			(uint64_t)off + sizeof(*h) > block_size)
		return -1;
	h = (const struct tpacket3_hdr *)(b + off);
	end = (uint64_t)off + h->tp_mac + h->tp_snaplen;
	if (h->tp_mac < sizeof(*h) || end > block_size || h->tp_nsec >= 1000000000u)
		return -1;
	if (h->tp_next_offset != 0 &&
			((uint64_t)off + h->tp_next_offset >= block_size ||
					h->tp_next_offset < end - off))
		return -1;
	memset(f, 0, sizeof(*f));
	f->data = b + off + h->tp_mac;
	f->caplen = h->tp_snaplen;
	f->len = h->tp_len;
	f->ts_ns = (uint64_t)h->tp_sec * 1000000000u + h->tp_nsec;
	f->ts_src = (h->tp_status & TP_STATUS_TS_RAW_HARDWARE) ? AFPKT_TS_HW : AFPKT_TS_KERNEL;
	if (h->tp_status & TP_STATUS_VLAN_VALID) {
		f->vlan = true;
		f->vlan_tci = h->hv1.tp_vlan_tci;
		f->vlan_tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid :
									    0x8100;
	}
	*next = h->tp_next_offset == 0 ? 0 : off + h->tp_next_offset;
	return 0;
}

int
afpkt_frame_copy(const struct afpkt_frame *f, uint8_t *dst, uint32_t room)
{
	if (!f->vlan) {
		if (f->caplen > room)
			return -1;
		memcpy(dst, f->data, f->caplen);
		return (int)f->caplen;
	}
	if (f->caplen < AFPKT_MAC_LEN || (uint64_t)f->caplen + AFPKT_TAG_LEN > room)
		return -1;
	memcpy(dst, f->data, AFPKT_MAC_LEN);
	dst[AFPKT_MAC_LEN] = f->vlan_tpid >> 8;
	dst[AFPKT_MAC_LEN + 1] = f->vlan_tpid & 0xff;
	dst[AFPKT_MAC_LEN + 2] = f->vlan_tci >> 8;
	dst[AFPKT_MAC_LEN + 3] = f->vlan_tci & 0xff;
	memcpy(dst + AFPKT_MAC_LEN + AFPKT_TAG_LEN, f->data + AFPKT_MAC_LEN,
			f->caplen - AFPKT_MAC_LEN);
	return (int)(f->caplen + AFPKT_TAG_LEN);
}

void
afpkt_txkeys_sent(struct afpkt_txkeys *k)
{
	k->key = k->sent++;
	k->pending = true;
}

bool
afpkt_txkeys_report(struct afpkt_txkeys *k, uint32_t key)
{
	if (!k->pending || (int32_t)(key - k->key) < 0)
		return false;
	if ((int32_t)(key + 1 - k->sent) > 0)
		k->sent = key + 1;
	k->key = key;
	return true;
}

bool
afpkt_txstamp_decode(const void *msg, bool hw, uint32_t *key, uint64_t *ns, enum afpkt_ts *src)
{
	const struct msghdr *mh = msg;
	const struct scm_timestamping *ts = NULL;
	const struct sock_extended_err *ee = NULL;
	const struct timespec *t;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL;
			c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPING &&
				c->cmsg_len >= CMSG_LEN(sizeof(*ts)))
			ts = (const void *)CMSG_DATA(c);
		else if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_TX_TIMESTAMP &&
				c->cmsg_len >= CMSG_LEN(sizeof(*ee)))
			ee = (const void *)CMSG_DATA(c);
	}
	if (ts == NULL || ee == NULL || ee->ee_errno != ENOMSG ||
			ee->ee_origin != SO_EE_ORIGIN_TIMESTAMPING || ee->ee_info != SCM_TSTAMP_SND)
		return false;
	/* A NIC that could not stamp a frame (its one latch busy) leaves ts[2] zero; the kernel's
	 * software stamp, when it was asked for too, is then the one there is. */
	*src = AFPKT_TS_HW;
	t = &ts->ts[2];
	if (!hw || (t->tv_sec == 0 && t->tv_nsec == 0)) {
		*src = AFPKT_TS_KERNEL;
		t = &ts->ts[0];
	}
	if ((t->tv_sec == 0 && t->tv_nsec == 0) || t->tv_sec < 0 || t->tv_nsec < 0 ||
			t->tv_nsec >= 1000000000L)
		return false;
	*key = ee->ee_data;
	*ns = (uint64_t)t->tv_sec * 1000000000ULL + (uint64_t)t->tv_nsec;
	return true;
}
