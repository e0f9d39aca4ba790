/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_PCAPNG_H
#define STP_PCAPNG_H

/**
 * @file
 * Capture writer: pcapng files written by a dedicated thread, fed by an MP/SC ring of mbufs.
 *
 * The fast path only enqueues mbuf pointers (pcapng_writer_enqueue); the writer thread dequeues
 * bursts, encodes them into a 1 MiB buffer and write()s it, then frees the mbufs. It only reads
 * the mbufs (they may be shared with other outputs through their refcount).
 *
 * Each file is a complete pcapng section: a Section Header Block (shb_userappl "stampede",
 * shb_os), one Interface Description Block per input interface (if_name, if_description,
 * if_speed when known, if_tsresol 9 = ns, snaplen), Enhanced Packet Blocks and, when the file is
 * closed (rotation or pcapng_writer_close), one Interface Statistics Block per interface.
 *
 * An EPB carries:
 *  - the timestamp pkt_meta.ts_ns (UTC ns, exact; 0 when the packet was not stamped),
 *  - the captured length, min(pkt_len, snaplen), and the original length pkt_meta.orig_len
 *    (or pkt_len when orig_len is 0: the packet was not truncated),
 *  - the interface id: the index in the interface table of the mbuf's input port (mbuf->port),
 *    or, with an interface directory (pcapng_writer_set_dir()) and pkt_meta.if_key != 0, the
 *    interface of that directory entry, added on first use,
 *  - with pcapng_conf.flags, epb_flags: direction inbound and the reception type
 *    (unicast/multicast/broadcast, from the destination MAC) (8 bytes),
 *  - with pcapng_conf.comments, an opt_comment naming the timestamp source, "ts=hw" (12 bytes).
 *
 * Files are named from a pattern with strftime conversions (UTC, at the time the file is opened)
 * and "{index}", a counter 0, 1, 2 ... of the files this writer opened. They rotate by size
 * and/or by age; with max_files only the newest N files this writer created are kept.
 *
 * Write errors (disk full...) never stop the process: the file is closed, the packets that were
 * in the buffer and those that arrive until a new file is open are counted as error drops, and a
 * new file is tried at the next rotation time (every second when rotate_seconds is 0).
 *
 * The buffer is written at least every 10 ms (PCAPNG_FLUSH_MS), so a file being written is
 * readable and at most ~10 ms behind.
 *
 * How far the writer has written: pcapng_writer_mark() returns the ring position after every
 * packet queued so far, pcapng_writer_passed() tells whether the writer has settled every packet
 * before such a mark: handed it to the kernel (write(2) returned: in the page cache, which a
 * crash or SIGKILL of this process does not lose; a host crash may lose it) or counted it as a
 * drop. With pcapng_conf.durable, "handed to the kernel" becomes "on disk": every sync_ms the
 * writer asks a syncer thread of its own for an fdatasync (on a dup of the file descriptor, so
 * writing goes on meanwhile) and moves the mark only when it returned; a rotation fdatasyncs
 * before closing. After a failed fdatasync it never moves the mark again
 * (pcapng_stats.sync_errors), so nothing it cannot vouch for is ever reported passed. The
 * ring is FIFO, so "the writer passed the mark taken after I queued a packet" means "that packet is
 * written (or a counted drop)".
 *
 * Several writer threads (pcapng_conf.writers = N > 1): N writers, each as above with its own
 * files (PCAPNG_WRITER_TOKEN in the path names them 0..N-1), take bursts from one ring in turn, so
 * frames are spread over the files by whichever thread is free; each file is in ring order, the
 * files together hold every frame once. The handle is the first writer; every call below acts
 * on all of them (counters: their sum; pcapng_writer_lane_stats() gives one writer's;
 * pcapng_writer_path(): the first one's file). A mark is passed once the ring's consumer has
 * passed it and no writer still holds a packet below it. Not with durable.
 *
 * Drop reasons for the caller's drop table: a packet pcapng_writer_enqueue() did not accept is
 * PCAPNG_DROP_RING_FULL; those the writer lost are in pcapng_stats.error_drops
 * (PCAPNG_DROP_WRITE_ERROR) and pcapng_stats.port_drops (PCAPNG_DROP_UNKNOWN_PORT).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#define PCAPNG_DROP_RING_FULL "capture_ring_full"
#define PCAPNG_DROP_WRITE_ERROR "capture_write_error"
#define PCAPNG_DROP_UNKNOWN_PORT "capture_unknown_port"

#define PCAPNG_MAX_IF 64	       /**< interfaces (IDBs) per writer given at creation */
#define PCAPNG_MAX_DYN_IF 255	       /**< interfaces a directory adds (pkt_meta.if_key 1..255) */
#define PCAPNG_MAX_SNAPLEN 65535       /**< largest snaplen (and pcapng_conf.snaplen default) */
#define PCAPNG_DEFAULT_RING 16384      /**< default pcapng_conf.ring_size */
#define PCAPNG_FLUSH_MS 10	       /**< the buffer is written at least this often */
#define PCAPNG_BUF_SIZE (1u << 20)     /**< encode buffer: one write() per MiB under load */
#define PCAPNG_INDEX_TOKEN "{index}"   /**< replaced by the file counter in pcapng_conf.path */
#define PCAPNG_WRITER_TOKEN "{writer}" /**< replaced by the writer's number in pcapng_conf.path */
#define PCAPNG_MAX_WRITERS 8	       /**< writer threads of one writer (pcapng_conf.writers) */

/**
 * A rotating file's name: expand "{index}" in @p pat to @p index, then the strftime conversions
 * at @p now_utc (ns since 1970, UTC). Shared by every writer that rotates (capture files, the
 * TCP RTT records). 0, or -ENAMETOOLONG.
 */
int pcapng_format_path(const char *pat, uint64_t index, uint64_t now_utc, char *out, size_t outlen);

/** One input interface: an IDB in every file. */
struct pcapng_if {
	char name[32];	       /**< if_name, e.g. "eth0" or the DPDK device name */
	char description[128]; /**< if_description; "" for none */
	uint64_t speed_bps;    /**< if_speed in bits/s; 0 when unknown (option omitted) */
	uint16_t port_id;      /**< DPDK port whose packets (mbuf->port) belong to this interface */
};

/**
 * Interfaces that appear while capturing (at a collector: one per remote node and port), shared
 * by every writer that is given it. Entry k (key k, 1..nb) is ifs[k - 1]; a packet whose
 * pkt_meta.if_key is k is written on that interface. The publisher (any thread) fills ifs[nb]
 * and then stores nb + 1 with release order, before it queues any packet with that key; a
 * writer reads nb with acquire order and copies the entry when the key first appears, writes
 * its IDB right there in the file (a pcapng section may define an interface anywhere before
 * its first use) and in every later file after the interfaces of pcapng_writer_create(). Its
 * ISBs are not written (no counters). port_id is not used. A key the writer cannot add (not
 * published, or no room) falls back to the packet's input port interface.
 */
struct pcapng_if_dir {
	uint32_t nb; /**< entries published; publisher: wo (release), writers: ro (acquire) */
	struct pcapng_if ifs[PCAPNG_MAX_DYN_IF];
};

/** Writer configuration. Start from pcapng_conf_defaults(). */
struct pcapng_conf {
	/**
	 * File name pattern: strftime conversions (UTC) and "{index}", e.g.
	 * "/var/cap/%Y%m%d-%H%M%S-{index}.pcapng". Must contain "{index}" when rotating. The
	 * directory must exist.
	 */
	char path[256];
	uint64_t rotate_bytes;	 /**< start a new file before one exceeds this size; 0 = off */
	uint32_t rotate_seconds; /**< start a new file after this many seconds; 0 = off */
	uint32_t max_files;	 /**< keep only the newest N files (deleting older); 0 = keep all */
	uint32_t ring_size;	 /**< mbufs the ring holds (any value >= 64; default 16384) */
	uint32_t snaplen;	 /**< 1..65535: bytes kept of each packet (IDB snaplen) */
	bool comments;		 /**< opt_comment "ts=<source>" on each EPB (default on) */
	bool flags;		 /**< epb_flags on each EPB (default on) */
	/**
	 * fdatasync the file every sync_ms (and before a rotation closes it), and let
	 * pcapng_writer_passed() count a packet only once it is on disk: a regular file only.
	 */
	bool durable;
	uint32_t sync_ms; /**< durable's period, 1..10000 ms (default 10) */
	/**
	 * Writer threads sharing the ring, 1..PCAPNG_MAX_WRITERS (default 1); above 1 the path
	 * must contain PCAPNG_WRITER_TOKEN, and durable must be off.
	 */
	uint32_t writers;
};

/** Writer counters (single writer: the writer thread). */
struct pcapng_stats {
	uint64_t pkts;	       /**< packets written to files (write() returned) */
	uint64_t bytes;	       /**< bytes written to files, all blocks */
	uint64_t files;	       /**< files opened */
	uint64_t write_errors; /**< failed open()/write() calls */
	uint64_t error_drops;  /**< packets lost to write errors or with no file open */
	uint64_t port_drops;   /**< packets from a port not in the interface table */
	uint64_t close_drops;  /**< packets still queued when pcapng_writer_close's time ran out */
	uint64_t syncs;	       /**< durable: successful fdatasync calls */
	uint64_t sync_errors;  /**< durable: failed fdatasync calls (acknowledgements stop) */
	uint64_t synced;       /**< durable: packets written and fdatasync'ed (of pkts) */
};

struct pcapng_writer;

/** Fill @p c with the defaults (no rotation, comments and flags on, full snaplen). */
void pcapng_conf_defaults(struct pcapng_conf *c);

/**
 * Validate @p c, open the first file (SHB and IDBs), create the ring and start the writer
 * thread (an EAL control thread). Call after rte_eal_init() and pkt_meta_register().
 *
 * @param name  short unique name (ring and thread names), e.g. the output's name.
 * @param ifs   interfaces in IDB order; a packet's interface id is its index here.
 * @param err   on failure, a message naming the problem ("... directory /x does not exist").
 * @return the writer, or NULL with rte_errno set and @p err filled.
 */
struct pcapng_writer *pcapng_writer_create(const char *name, const struct pcapng_conf *c,
		const struct pcapng_if *ifs, unsigned int nb_if, char *err, size_t errlen);

/**
 * Queue packets for writing (any lcore, MP-safe, no syscall). The writer takes ownership of
 * pkts[0..k-1] and frees them once written; the caller keeps pkts[k..n-1] (free them and count
 * them as PCAPNG_DROP_RING_FULL). The mbufs must not be modified after they are queued (a shared
 * mbuf: take a reference with rte_pktmbuf_refcnt_update() first).
 *
 * @return k, the number of packets accepted.
 */
unsigned int pcapng_writer_enqueue(struct pcapng_writer *w, struct rte_mbuf **pkts, unsigned int n);

/**
 * Set the counters of interface @p if_idx that the next ISBs report: @p recv packets received
 * on the interface (isb_ifrecv) and @p drop packets dropped on the way to this capture
 * (isb_ifdrop), both since the capture started. Call it periodically (e.g. with each stats
 * refresh) and just before pcapng_writer_close(). Any thread.
 */
void pcapng_writer_set_ifstats(
		struct pcapng_writer *w, unsigned int if_idx, uint64_t recv, uint64_t drop);

/**
 * Stop the writer: it writes what is queued (stop enqueuing first), the ISBs, and closes the
 * file, which is then complete. Bounded: after @p timeout_ms / 2 the packets still queued are
 * freed (counted in close_drops) and the file is finished; if the writer is still blocked (a
 * disk that does not answer) at @p timeout_ms, it is cancelled and the call returns -ETIMEDOUT
 * (the file may lack its last blocks; a writer stuck in the kernel is detached and its memory
 * leaked rather than freed under it). @p w is invalid after the call in every case.
 *
 * @p final, when not NULL, receives the writer's last counters (the writer is gone after).
 *
 * @return 0, -ETIMEDOUT, or -EIO when the last writes failed.
 */
int pcapng_writer_close(
		struct pcapng_writer *w, unsigned int timeout_ms, struct pcapng_stats *final);

/**
 * pcapng_writer_close(), and each writer thread's last counters in @p each[0 ..
 * pcapng_writer_count() - 1] (when not NULL).
 */
int pcapng_writer_close_each(struct pcapng_writer *w, unsigned int timeout_ms,
		struct pcapng_stats *final, struct pcapng_stats *each);

/** Read the writer's counters (any thread): the sum over its writer threads. */
void pcapng_writer_stats(const struct pcapng_writer *w, struct pcapng_stats *s);

/** How many writer threads @p w has (pcapng_conf.writers; 0 for NULL). */
unsigned int pcapng_writer_count(const struct pcapng_writer *w);

/** The counters of writer thread @p k (0..pcapng_writer_count() - 1) alone; zeros beyond. */
void pcapng_writer_lane_stats(
		const struct pcapng_writer *w, unsigned int k, struct pcapng_stats *s);

/**
 * Copy the name of the file being written to @p buf ("" when none is open after an error).
 * Control plane: takes a lock the writer holds while it renames.
 */
void pcapng_writer_path(const struct pcapng_writer *w, char *buf, size_t len);

/**
 * Give the writer an interface directory (or NULL: none, the default). Any thread, before the
 * first packet that carries a key of it is queued; @p dir must outlive the writer.
 */
void pcapng_writer_set_dir(struct pcapng_writer *w, const struct pcapng_if_dir *dir);

/**
 * The ring position after the last packet queued so far (any thread, wraps at 2^32): every
 * pcapng_writer_enqueue() that returned before this call is below it.
 */
uint32_t pcapng_writer_mark(const struct pcapng_writer *w);

/**
 * Whether every packet below @p mark (from pcapng_writer_mark()) is settled: written to the file
 * (write(2) returned) or counted as a drop (pcapng_stats error_drops, port_drops). Any thread;
 * a mark stays valid for 2^31 packets.
 */
bool pcapng_writer_passed(const struct pcapng_writer *w, uint32_t mark);

struct rte_ring;

/** The writer's input ring, for occupancy reports (rte_ring_count() is safe from any thread). */
const struct rte_ring *pcapng_writer_ring(const struct pcapng_writer *w);

#endif /* STP_PCAPNG_H */
