/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_AFPKT_RING_H
#define STP_AFPKT_RING_H

/**
 * @file
 * The pure part of net_afpkt: reading one TPACKET_V3 block as the kernel fills it (bounds
 * checked, so a corrupt block is an error, never a read past it), each frame's kernel stamp
 * and its source (TP_STATUS_TS_RAW_HARDWARE: the NIC's clock; otherwise the kernel's), and the
 * copy of a frame out of the ring with the VLAN tag the kernel took out put back. No EAL.
 */

#include <stdbool.h>
#include <stdint.h>

/** Where a frame's stamp came from. */
enum afpkt_ts {
	AFPKT_TS_KERNEL = 0, /**< the kernel's software stamp (skb->tstamp, or the ring's time) */
	AFPKT_TS_HW,	     /**< the NIC's hardware stamp (TP_STATUS_TS_RAW_HARDWARE) */
};

/** One frame of a block, decoded. */
struct afpkt_frame {
	const uint8_t *data; /**< first byte of the frame in the block */
	uint32_t caplen;     /**< bytes of it in the block (tp_snaplen) */
	uint32_t len;	     /**< its length on the wire (tp_len), without the removed tag */
	uint64_t ts_ns;	     /**< stamp, ns since the Unix epoch (UTC) */
	enum afpkt_ts ts_src;
	bool vlan;	    /**< the kernel removed a VLAN tag: vlan_tpid and vlan_tci hold it */
	uint16_t vlan_tpid; /**< its TPID (0x8100 when the kernel did not say) */
	uint16_t vlan_tci;
};

/**
 * Check a block handed to user space (block_status has TP_STATUS_USER): its header fits in
 * @p block_size and says where its first frame is. Returns its number of frames, or -1 when
 * the header is not one the kernel writes (then the block is given back unread).
 */
int afpkt_block_check(const void *block, uint32_t block_size);

/** Offset of a checked block's first frame. */
uint32_t afpkt_block_first(const void *block);

/**
 * Decode the frame at offset @p off of a checked block of @p block_size bytes. On success
 * returns 0, fills @p f and sets @p next to the next frame's offset (0 after the last).
 * Returns -1 when the frame header or its data would lie outside the block.
 */
int afpkt_frame_decode(const void *block, uint32_t block_size, uint32_t off, struct afpkt_frame *f,
		uint32_t *next);

/**
 * Copy frame @p f to @p dst (@p room bytes), with its VLAN tag back after the MAC addresses
 * when the kernel removed one. Returns the bytes written, or -1 when they do not fit in
 * @p room or the frame is shorter than two MAC addresses while a tag must go back.
 */
int afpkt_frame_copy(const struct afpkt_frame *f, uint8_t *dst, uint32_t room);

/**
 * The TX stamp reports of one socket. With SOF_TIMESTAMPING_OPT_ID the kernel numbers the
 * frames sent with a stamp request 0, 1, 2, ... (mod 2^32) and each report carries its frame's
 * number. The driver counts the stamped frames it sent (sent), so it knows the key of the last
 * one (key): a report with an older key is a frame nobody waits for any more; a newer one means
 * the kernel numbered a frame that never left (a send the device refused after the key was
 * taken, retried later): the count follows the kernel's.
 */
struct afpkt_txkeys {
	bool pending;  /**< a stamped frame was sent and its report not taken yet */
	uint32_t key;  /**< that frame's key, at least */
	uint32_t sent; /**< the key the kernel gives the next stamped frame, as far as we know */
};

/** A stamped frame was sent (the kernel took the next key). */
void afpkt_txkeys_sent(struct afpkt_txkeys *k);

/**
 * A report with @p key: true when it is the awaited frame's (or a later one's: the count
 * resynchronises), false when nothing waits or it is older. Leaves pending as it is: the caller
 * clears it once it has read all the reports there are (the newest taken counts).
 */
bool afpkt_txkeys_report(struct afpkt_txkeys *k, uint32_t key);

/**
 * Decode one message read with MSG_ERRQUEUE from a packet socket: true when it is a TX stamp
 * report (PACKET_TX_TIMESTAMP with ENOMSG, SO_EE_ORIGIN_TIMESTAMPING, SCM_TSTAMP_SND, and an
 * SCM_TIMESTAMPING stamp), with its OPT_ID key in @p key, the stamp in @p ns (UTC ns) and its
 * source in @p src: the NIC's (ts[2], AFPKT_TS_HW) when @p hw (hardware stamps were asked for)
 * and the report has one, else the kernel's software one (ts[0], AFPKT_TS_KERNEL); false for
 * anything else, or when the report has no stamp of a kind asked for. @p msg is a struct msghdr.
 */
bool afpkt_txstamp_decode(
		const void *msg, bool hw, uint32_t *key, uint64_t *ns, enum afpkt_ts *src);

#endif /* STP_AFPKT_RING_H */
