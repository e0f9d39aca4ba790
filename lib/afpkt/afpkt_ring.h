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

#endif /* STP_AFPKT_RING_H */
