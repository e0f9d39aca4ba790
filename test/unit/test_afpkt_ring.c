/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * net_afpkt's TPACKET_V3 reader (lib/afpkt/afpkt_ring.h) on synthetic blocks laid out as the
 * kernel writes them: the stamp and its source per frame (TP_STATUS_TS_RAW_HARDWARE: hw;
 * software or none: kernel), the VLAN tag put back, and corrupt blocks refused without a read
 * past their end. TX stamp reports: synthetic error-queue messages as the kernel writes them
 * (decoded, or refused when they are not a TX stamp), and the OPT_ID key bookkeeping.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/errqueue.h>
#include <linux/if_packet.h>

#include "afpkt_ring.h"
#include "unit.h"

#define BLK 4096

static uint8_t blk[BLK] __attribute__((aligned(64)));

/* Lay a frame of @p len bytes (bytes i & 0xff) at @p off; returns the offset after it. */
static uint32_t
put_frame(uint32_t off, uint32_t len, uint32_t status, uint32_t sec, uint32_t nsec, uint16_t tci,
		uint16_t tpid)
{
	struct tpacket3_hdr *h = (struct tpacket3_hdr *)(blk + off);
	uint32_t mac = TPACKET_ALIGN(sizeof(*h)) + 16; /* as the kernel: header, room for sll */

	memset(h, 0, sizeof(*h));
	h->tp_sec = sec;
	h->tp_nsec = nsec;
	h->tp_snaplen = len;
	h->tp_len = len;
	h->tp_status = TP_STATUS_USER | status;
	h->tp_mac = (uint16_t)mac;
	h->hv1.tp_vlan_tci = tci;
	h->hv1.tp_vlan_tpid = tpid;
	for (uint32_t i = 0; i < len; i++)
		blk[off + mac + i] = (uint8_t)i;
	return TPACKET_ALIGN(off + mac + len);
}

/* Three frames: hardware stamp, software stamp, software stamp with an 802.1ad tag removed. */
static uint32_t offs[3];

static void
build_block(void)
{
	struct tpacket_block_desc *bd = (struct tpacket_block_desc *)blk;
	uint32_t off = TPACKET_ALIGN(sizeof(*bd));

	memset(blk, 0, sizeof(blk));
	bd->version = TPACKET_V3;
	bd->hdr.bh1.block_status = TP_STATUS_USER;
	bd->hdr.bh1.num_pkts = 3;
	bd->hdr.bh1.offset_to_first_pkt = off;
	offs[0] = off;
	off = put_frame(off, 60, TP_STATUS_TS_RAW_HARDWARE, 1700000000, 123456789, 0, 0);
	offs[1] = off;
	off = put_frame(off, 64, TP_STATUS_TS_SOFTWARE, 1700000001, 999999999, 0, 0);
	offs[2] = off;
	off = put_frame(off, 70,
			TP_STATUS_TS_SOFTWARE | TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID,
			1700000002, 5, 0x2064, 0x88a8);
	((struct tpacket3_hdr *)(blk + offs[0]))->tp_next_offset = offs[1] - offs[0];
	((struct tpacket3_hdr *)(blk + offs[1]))->tp_next_offset = offs[2] - offs[1];
	bd->hdr.bh1.blk_len = off;
}

/* A report as the kernel queues it: SCM_TIMESTAMPING and PACKET_TX_TIMESTAMP control messages. */
static union {
	char buf[CMSG_SPACE(sizeof(struct scm_timestamping)) +
			CMSG_SPACE(sizeof(struct sock_extended_err))];
	struct cmsghdr align;
} ctl;

static struct msghdr *
report(uint32_t key, int64_t sw_sec, long sw_nsec, int64_t hw_sec, long hw_nsec, uint8_t origin,
		uint32_t info, bool with_ts)
{
	static struct msghdr mh;
	struct scm_timestamping ts;
	struct sock_extended_err ee;
	struct cmsghdr *c;

	memset(&mh, 0, sizeof(mh));
	memset(&ctl, 0, sizeof(ctl));
	memset(&ts, 0, sizeof(ts));
	memset(&ee, 0, sizeof(ee));
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	ts.ts[0].tv_sec = sw_sec;
	ts.ts[0].tv_nsec = sw_nsec;
	ts.ts[2].tv_sec = hw_sec;
	ts.ts[2].tv_nsec = hw_nsec;
	ee.ee_errno = ENOMSG;
	ee.ee_origin = origin;
	ee.ee_info = info;
	ee.ee_data = key;
	c = CMSG_FIRSTHDR(&mh);
	if (with_ts) {
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SO_TIMESTAMPING;
		c->cmsg_len = CMSG_LEN(sizeof(ts));
		memcpy(CMSG_DATA(c), &ts, sizeof(ts));
		c = CMSG_NXTHDR(&mh, c);
	}
	c->cmsg_level = SOL_PACKET;
	c->cmsg_type = PACKET_TX_TIMESTAMP;
	c->cmsg_len = CMSG_LEN(sizeof(ee));
	memcpy(CMSG_DATA(c), &ee, sizeof(ee));
	mh.msg_controllen = (size_t)((char *)c + CMSG_SPACE(sizeof(ee)) - ctl.buf);
	return &mh;
}

static void
test_txstamps(void)
{
	const uint8_t TS = SO_EE_ORIGIN_TIMESTAMPING;
	struct afpkt_txkeys k;
	enum afpkt_ts src;
	struct msghdr *mh;
	uint32_t key = 0;
	uint64_t ns = 0;

	mh = report(7, 1700000000, 500000001, 0, 0, TS, SCM_TSTAMP_SND, true);
	check(afpkt_txstamp_decode(mh, false, &key, &ns, &src) && key == 7 &&
					ns == 1700000000500000001ull && src == AFPKT_TS_KERNEL,
			"software report: key 7, stamp 1700000000.500000001, source kernel");
	key = 0;
	ns = 0;
	src = AFPKT_TS_HW;
	check(afpkt_txstamp_decode(mh, true, &key, &ns, &src) && key == 7 &&
					ns == 1700000000500000001ull && src == AFPKT_TS_KERNEL,
			"hardware asked, only ts[0] in the report: the software stamp, source kernel");
	/* Both stamps present, the NIC's a different value: which one is taken shows. */
	mh = report(8, 1700000000, 1, 1700000003, 3, TS, SCM_TSTAMP_SND, true);
	src = AFPKT_TS_KERNEL;
	check(afpkt_txstamp_decode(mh, true, &key, &ns, &src) && key == 8 &&
					ns == 1700000003000000003ull && src == AFPKT_TS_HW,
			"hardware report: ts[2] is the stamp, source hw");
	check(afpkt_txstamp_decode(mh, false, &key, &ns, &src) && ns == 1700000000000000001ull &&
					src == AFPKT_TS_KERNEL,
			"the same report, software asked: ts[0], source kernel");
	mh = report(10, 0, 0, 1700000004, 999999999, TS, SCM_TSTAMP_SND, true);
	check(afpkt_txstamp_decode(mh, true, &key, &ns, &src) && key == 10 &&
					ns == 1700000004999999999ull && src == AFPKT_TS_HW,
			"hardware only (ts[0] zero): ts[2], source hw");
	check(!afpkt_txstamp_decode(mh, false, &key, &ns, &src),
			"hardware only, software asked: refused (no stamp of the kind asked for)");
	mh = report(10, 0, 0, 1700000004, 1000000000, TS, SCM_TSTAMP_SND, true);
	check(!afpkt_txstamp_decode(mh, true, &key, &ns, &src),
			"a hardware tv_nsec of a whole second: refused");
	mh = report(9, 1700000000, 1, 0, 0, SO_EE_ORIGIN_LOCAL, SCM_TSTAMP_SND, true);
	check(!afpkt_txstamp_decode(mh, false, &key, &ns, &src),
			"not a timestamping origin: refused");
	mh = report(9, 1700000000, 1, 0, 0, TS, SCM_TSTAMP_SCHED, true);
	check(!afpkt_txstamp_decode(mh, false, &key, &ns, &src), "a qdisc (SCHED) stamp: refused");
	mh = report(9, 1700000000, 1, 0, 0, TS, SCM_TSTAMP_SND, false);
	check(!afpkt_txstamp_decode(mh, false, &key, &ns, &src), "no SCM_TIMESTAMPING: refused");
	mh = report(9, 1700000000, 1000000000, 0, 0, TS, SCM_TSTAMP_SND, true);
	check(!afpkt_txstamp_decode(mh, false, &key, &ns, &src),
			"tv_nsec of a whole second: refused");
	mh = report(9, 1700000000, 1, 0, 0, TS, SCM_TSTAMP_SND, true);
	CMSG_FIRSTHDR(mh)->cmsg_len = CMSG_LEN(sizeof(struct timespec));
	check(!afpkt_txstamp_decode(mh, false, &key, &ns, &src),
			"an SCM_TIMESTAMPING too short for three stamps: refused");

	memset(&k, 0, sizeof(k));
	check(!afpkt_txkeys_report(&k, 0), "a report while nothing waits: skipped");
	afpkt_txkeys_sent(&k);
	check(k.pending && k.key == 0 && afpkt_txkeys_report(&k, 0), "first stamped frame: key 0");
	k.pending = false;
	afpkt_txkeys_sent(&k);
	afpkt_txkeys_sent(&k);
	check(!afpkt_txkeys_report(&k, 1) && afpkt_txkeys_report(&k, 2),
			"two sent: the older report (1) skipped, the last one's (2) taken");
	k.pending = false;
	afpkt_txkeys_sent(&k); /* key 3, but the kernel numbered a refused send 3: this one is 4 */
	check(afpkt_txkeys_report(&k, 4) && k.sent == 5, "a key ahead resynchronises the count");
	k.pending = false;
	afpkt_txkeys_sent(&k);
	check(k.key == 5 && !afpkt_txkeys_report(&k, 4) && afpkt_txkeys_report(&k, 5),
			"after the resync the next frame is 5, and 4 is old");
	k.pending = false;
	k.sent = UINT32_MAX;
	afpkt_txkeys_sent(&k);
	check(!afpkt_txkeys_report(&k, UINT32_MAX - 1) && afpkt_txkeys_report(&k, UINT32_MAX) &&
					k.sent == 0,
			"key 2^32-1: the one before is old, the count wraps to 0");
	k.pending = false;
	afpkt_txkeys_sent(&k);
	check(k.key == 0 && !afpkt_txkeys_report(&k, UINT32_MAX) && afpkt_txkeys_report(&k, 0),
			"after the wrap 0 is new and 2^32-1 old");
}

int
main(void)
{
	struct tpacket_block_desc *bd = (struct tpacket_block_desc *)blk;
	struct afpkt_frame f[3];
	uint32_t off, next = 1;
	uint8_t out[128];
	int n;

	build_block();
	n = afpkt_block_check(blk, BLK);
	check(n == 3, "a block of three frames checks (%d)", n);
	off = afpkt_block_first(blk);
	for (int i = 0; i < 3; i++) {
		check(off == offs[i], "frame %d found at offset %u (expected %u)", i, off, offs[i]);
		check(afpkt_frame_decode(blk, bd->hdr.bh1.blk_len, off, &f[i], &next) == 0,
				"frame %d decodes", i);
		off = next;
	}
	check(next == 0, "the last frame ends the walk");
	check(f[0].ts_src == AFPKT_TS_HW && f[0].ts_ns == 1700000000123456789ull,
			"TP_STATUS_TS_RAW_HARDWARE: source hw, stamp 1700000000.123456789 (%llu)",
			(unsigned long long)f[0].ts_ns);
	check(f[1].ts_src == AFPKT_TS_KERNEL && f[1].ts_ns == 1700000001999999999ull,
			"TP_STATUS_TS_SOFTWARE: source kernel, stamp 1700000001.999999999");
	check(f[2].ts_src == AFPKT_TS_KERNEL && f[2].ts_ns == 1700000002000000005ull,
			"tagged frame: source kernel, stamp 1700000002.000000005");
	check(f[0].caplen == 60 && f[0].len == 60 && f[0].data == blk + offs[0] + 64,
			"frame 0: 60 bytes at its tp_mac");

	/* A status with no stamp flag at all (the ring's own clock): still the kernel's. */
	((struct tpacket3_hdr *)(blk + offs[1]))->tp_status = TP_STATUS_USER;
	check(afpkt_frame_decode(blk, bd->hdr.bh1.blk_len, offs[1], &f[1], &next) == 0 &&
					f[1].ts_src == AFPKT_TS_KERNEL,
			"no stamp flag: source kernel");

	n = afpkt_frame_copy(&f[0], out, sizeof(out));
	check(n == 60 && memcmp(out, f[0].data, 60) == 0, "untagged frame copied as it is");
	n = afpkt_frame_copy(&f[2], out, sizeof(out));
	check(n == 74, "tagged frame copied with its tag back: 74 bytes (%d)", n);
	{
		static const uint8_t tag[4] = { 0x88, 0xa8, 0x20, 0x64 };
		uint8_t exp[74];

		for (int i = 0; i < 12; i++)
			exp[i] = (uint8_t)i;
		memcpy(exp + 12, tag, 4);
		for (int i = 12; i < 70; i++)
			exp[i + 4] = (uint8_t)i;
		check(memcmp(out, exp, 74) == 0,
				"tag 88a8:2064 after the MAC addresses, the rest shifted by 4");
	}
	check(afpkt_frame_copy(&f[2], out, 73) == -1, "a tagged frame 1 byte too big is refused");
	check(afpkt_frame_copy(&f[0], out, 59) == -1, "a frame 1 byte too big is refused");

	/* Corrupt blocks and frames: refused, nothing read past the block. */
	build_block();
	((struct tpacket3_hdr *)(blk + offs[0]))->tp_next_offset = BLK;
	check(afpkt_frame_decode(blk, bd->hdr.bh1.blk_len, offs[0], &f[0], &next) == -1,
			"next frame past the block: refused");
	build_block();
	((struct tpacket3_hdr *)(blk + offs[0]))->tp_next_offset = 16;
	check(afpkt_frame_decode(blk, bd->hdr.bh1.blk_len, offs[0], &f[0], &next) == -1,
			"next frame inside this frame's data: refused");
	build_block();
	((struct tpacket3_hdr *)(blk + offs[2]))->tp_snaplen = BLK;
	check(afpkt_frame_decode(blk, bd->hdr.bh1.blk_len, offs[2], &f[2], &next) == -1,
			"snaplen past the block: refused");
	build_block();
	((struct tpacket3_hdr *)(blk + offs[1]))->tp_nsec = 1000000000;
	check(afpkt_frame_decode(blk, bd->hdr.bh1.blk_len, offs[1], &f[1], &next) == -1,
			"tp_nsec of a whole second: refused");
	build_block();
	check(afpkt_frame_decode(blk, bd->hdr.bh1.blk_len, bd->hdr.bh1.blk_len - 8, &f[1], &next) ==
					-1,
			"a header that does not fit before the end: refused");
	check(afpkt_frame_decode(blk, bd->hdr.bh1.blk_len, offs[1] + 2, &f[1], &next) == -1,
			"a misaligned offset: refused");
	bd->hdr.bh1.blk_len = BLK + 1;
	check(afpkt_block_check(blk, BLK) == -1, "blk_len larger than the block: refused");
	build_block();
	bd->hdr.bh1.offset_to_first_pkt = bd->hdr.bh1.blk_len;
	check(afpkt_block_check(blk, BLK) == -1, "first frame at the block's end: refused");
	build_block();
	bd->hdr.bh1.num_pkts = 0;
	check(afpkt_block_check(blk, BLK) == 0, "an empty block (time-out) has no frame");
	{
		struct afpkt_frame s = f[2];

		s.caplen = 10;
		check(afpkt_frame_copy(&s, out, sizeof(out)) == -1,
				"a tagged frame shorter than two MAC addresses is refused");
	}
	test_txstamps();
	return unit_done();
}
