/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * pcapng encoder and writer thread. Block layouts follow draft-ietf-opsawg-pcapng: every block is
 * type, total length, body, total length again, padded to 4 bytes; written in host byte order
 * (the SHB's byte-order magic tells readers which).
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "clock.h"
#include "pcapng.h"
#include "bytes.h"
#include "pkt.h"

RTE_LOG_REGISTER_SUFFIX(pcapng_logtype, pcapng, INFO);
#define PCAPNG_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, pcapng_logtype, "stampede.pcapng: " fmt "\n", ##__VA_ARGS__)

#define PCAPNG_NS_MS 1000000ULL
#define PCAPNG_NS_S 1000000000ULL

/* Block types and option codes (pcapng spec, section 4 and 3.5). */
#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_ISB 0x00000005u
#define BT_EPB 0x00000006u
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define LINKTYPE_ETHERNET 1

#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define SHB_HARDWARE 2
#define SHB_OS 3
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_DESCRIPTION 3
#define IF_SPEED 8
#define IF_TSRESOL 9
#define EPB_FLAGS 2
#define ISB_STARTTIME 2
#define ISB_ENDTIME 3
#define ISB_IFRECV 4
#define ISB_IFDROP 5

/* epb_flags: bits 0-1 direction, bits 2-4 reception type. */
#define EPB_DIR_INBOUND 1u
#define EPB_RX_UNICAST (1u << 2)
#define EPB_RX_MULTICAST (2u << 2)
#define EPB_RX_BROADCAST (3u << 2)

/* EPB without data and options: type, len, if id, ts hi, ts lo, caplen, origlen, len. */
#define EPB_FIXED 32
/* ISB: type, len, if id, ts hi, ts lo, 4 options of 8 bytes, end of options, len. */
#define ISB_SIZE (20 + 4 * 12 + 4 + 4)

#define WRITER_BURST 128
#define IDLE_SLEEP_US 500
/* An IDB: 20 bytes, if_name 4 + 32, if_description 4 + 128, if_speed 12, if_tsresol 8. */
#define IDB_MAX 256
/* Comment option of the longest source name, "ts=unknown": 4 + 12 bytes. */
#define COMMENT_OPT_MAX 16
/* An EPB's options at most: epb_flags 8, the comment, end of options 4. */
#define EPB_OPTS_MAX 32
/*
 * Prefetch distances of the writer's encode loop: mbufs, then their data. The mbufs' lines come
 * from the datapath core's cache (~100 ns): 16 frames ahead is ~0.6 us of encoding.
 */
#define WRITER_PREFETCH_MBUF 16
#define WRITER_PREFETCH_DATA 8

/* Values a control thread hands to the writer for the next ISBs. */
struct ifstat {
	uint64_t recv; /* ctlplane: wo, writer: ro (atomics) */
	uint64_t drop; /* ctlplane: wo, writer: ro (atomics) */
};

struct pcapng_writer {
	struct rte_ring *ring; /* dataplane: enqueue (MP), writer: dequeue (SC, under deq_lock) */
	bool ring_owner;       /* this writer created the ring (lanes[0]) and frees it */
	/*
	 * conf.writers > 1: the writers of one output share its ring (lanes[0], the one the caller
	 * holds, lists them all; nb_lanes is 1 otherwise). Each one, while it holds packets taken
	 * from the ring that are not settled yet, publishes in holding (1 << 32) | a ring position
	 * at or below the oldest of them; 0 when it holds none. writer: wo, anyone: ro (atomics).
	 */
	bool shared;
	/*
	 * The writers of a shared ring take turns to dequeue (a single consumer at a time): an MC
	 * ring would make a writer spin for the tail while the one before it, preempted between
	 * head and tail on the same CPU (control threads share CPUs), does not run. Lives in
	 * lanes[0]; every writer points to it.
	 */
	pthread_mutex_t deq_lock_own;
	pthread_mutex_t *deq_lock;
	unsigned int nb_lanes;
	struct pcapng_writer *lanes[PCAPNG_MAX_WRITERS];
	uint64_t holding;
	pthread_t thread;
	char name[RTE_RING_NAMESIZE];
	struct pcapng_conf conf;
	unsigned int nb_if;	/* interfaces: the static ones, then those of the directory */
	unsigned int nb_static; /* interfaces given at creation (ISBs are written for these) */
	struct pcapng_if ifs[PCAPNG_MAX_IF + PCAPNG_MAX_DYN_IF];
	uint16_t port_if[RTE_MAX_ETHPORTS]; /* port id -> interface index; UINT16_MAX: none */
	struct ifstat ifstat[PCAPNG_MAX_IF];
	const struct pcapng_if_dir *dir;	/* ctlplane: wo (release), writer: ro (acquire) */
	uint16_t key_if[PCAPNG_MAX_DYN_IF + 1]; /* writer: if_key -> interface; UINT16_MAX: none */
	bool in_file[PCAPNG_MAX_IF + PCAPNG_MAX_DYN_IF]; /* writer: its IDB is in the file */

	int stop;		   /* ctlplane: wo, writer: ro (atomics) */
	uint64_t drain_deadline;   /* monotonic ns; ctlplane: wo before stop, writer: ro */
	int done;		   /* writer: wo, ctlplane: ro (atomics) */
	int final_rc;		   /* writer: wo before done, ctlplane: ro after */
	struct pcapng_stats stats; /* writer: wo, anyone: ro (atomics) */
	/*
	 * Packets taken from the ring whose fate is final: written (write() returned) or counted
	 * as dropped, a prefix of the ring's order. writer: wo, anyone: ro (atomics).
	 */
	uint64_t settled;

	rte_spinlock_t path_lock; /* guards path between the writer and pcapng_writer_path() */
	char path[PATH_MAX];

	/* Writer thread only (and create() before the thread starts). */
	int fd;
	bool file_reg; /* a regular file: ours to delete (never a device or a FIFO) */
	uint8_t *buf;
	size_t len;	     /* bytes in buf */
	uint32_t buf_pkts;   /* packets in buf */
	uint32_t burst_left; /* packets of the burst being encoded not yet accounted for */
	uint32_t plain_head; /* the burst's first plain_head mbufs are plain (free_burst()) */
	uint64_t seq;	     /* packets taken from the ring and encoded or dropped */
	uint64_t buf_seq0;   /* seq of the first packet in buf (when buf_pkts != 0) */
	uint64_t file_bytes; /* bytes of the current file already written */
	uint64_t file_pkts;  /* packets in the current file, written or in buf */
	uint64_t file_open_ns;
	uint64_t last_flush_ns;
	/*
	 * Durable mode (conf.durable): settled moves only at a successful fdatasync. unsynced: the
	 * bytes written to the current file since the last fdatasync was asked for (writer only).
	 * The rest is shared with the syncer thread, under sy_lock: durable_seq, the seq below
	 * which every packet is on disk or a counted drop; sync_failed, once set, holds settled
	 * where it is for good (what follows may not be on disk: it is never vouched for); and one
	 * request at a time to the syncer (a dup of the file's fd, the seq and written count it
	 * covers), so that the writer goes on writing while the disk flushes.
	 */
	uint64_t unsynced;
	uint64_t last_sync_ns;
	pthread_mutex_t sy_lock;
	pthread_cond_t sy_cv;
	pthread_t sy_thread;
	bool sy_started; /* ctlplane: wo before the writer starts; false: the writer syncs itself */
	bool sy_stop, sy_pending, sy_busy;
	int sy_fd;
	uint64_t sy_seq, sy_pkts;
	uint64_t durable_seq;
	bool sync_failed;
	uint64_t retry_ns; /* when to try a new file after an error */
	uint64_t start_utc_ns;
	uint64_t index; /* {index} of the next file */
	char **kept;	/* files created, oldest first (circular, max_files entries) */
	uint32_t kept_first;
	uint32_t nb_kept;
	uint8_t *hdr; /* SHB + IDBs, encoded once, IDBs of the directory appended */
	size_t hdr_len;
	uint8_t comment[PKT_TS_MAX + 1][COMMENT_OPT_MAX]; /* opt_comment per ts source */
	uint8_t comment_len[PKT_TS_MAX + 1];
	/*
	 * An EPB's options per ts source, encoded once (epb_flags with a zero value at offset 4
	 * when conf.flags, the comment, the end of options): the fast path copies them whole.
	 */
	uint8_t epb_opts[PKT_TS_MAX + 1][EPB_OPTS_MAX];
	uint8_t epb_opts_len[PKT_TS_MAX + 1];
};

#define STAT_ADD(w, f, n) __atomic_store_n(&(w)->stats.f, (w)->stats.f + (n), __ATOMIC_RELAXED)

/* The buffer is 4-byte aligned at every block and option boundary; memcpy keeps it legal C. */
static inline uint8_t *
put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
	return p + 2;
}

static inline uint8_t *
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
	return p + 4;
}

/* A 64-bit timestamp as pcapng stores it, high half first: one store on a little-endian host. */
static inline void
put_ts64(uint8_t *p, uint64_t ts)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	uint64_t v = ts << 32 | ts >> 32;

	memcpy(p, &v, 8);
#else
	memcpy(p, &ts, 8);
#endif
}

/* A 64-bit timestamp as pcapng stores it: high 32 bits, then low 32 bits. */
static inline uint8_t *
put_ts(uint8_t *p, uint64_t ts)
{
	put_ts64(p, ts);
	return p + 8;
}

static inline uint8_t *
put_opt(uint8_t *p, uint16_t code, const void *val, uint16_t len)
{
	uint16_t pad = (uint16_t)(RTE_ALIGN_CEIL(len, 4) - len);

	p = put16(p, code);
	p = put16(p, len);
	memcpy(p, val, len);
	memset(p + len, 0, pad);
	return p + len + pad;
}

static inline uint8_t *
put_opt64(uint8_t *p, uint16_t code, uint64_t v)
{
	return put_opt(p, code, &v, sizeof(v));
}

static inline uint8_t *
put_opt_str(uint8_t *p, uint16_t code, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	return n == 0 ? p : put_opt(p, code, s, (uint16_t)n);
}

/* Close a block started at @p start: end of options, trailing length, length in the header. */
static uint8_t *
end_block(uint8_t *start, uint8_t *p, bool opts)
{
	uint32_t total;

	if (opts)
		p = put32(p, OPT_ENDOFOPT); /* code 0, length 0 */
	total = (uint32_t)(p - start) + 4;
	p = put32(p, total);
	put32(start + 4, total);
	return p;
}

/* Encode the IDB of @p f at @p p (IDB_MAX bytes at most); returns its length. */
static size_t
encode_idb(const struct pcapng_writer *w, const struct pcapng_if *f, uint8_t *p)
{
	uint8_t tsresol = 9; /* 10^-9 s */
	uint8_t *b = p;

	p = put32(p, BT_IDB);
	p = put32(p, 0);
	p = put16(p, LINKTYPE_ETHERNET);
	p = put16(p, 0);
	p = put32(p, w->conf.snaplen);
	p = put_opt_str(p, IF_NAME, f->name, sizeof(f->name));
	p = put_opt_str(p, IF_DESCRIPTION, f->description, sizeof(f->description));
	if (f->speed_bps != 0)
		p = put_opt64(p, IF_SPEED, f->speed_bps);
	p = put_opt(p, IF_TSRESOL, &tsresol, 1);
	p = end_block(b, p, true);
	return (size_t)(p - b);
}

/* Encode the SHB and the IDBs that start every file. */
static size_t
encode_header(const struct pcapng_writer *w, uint8_t *buf)
{
	struct utsname un;
	char os[2 * sizeof(un.release) + 2];
	uint8_t *p = buf, *b;
	unsigned int i;

	b = p;
	p = put32(p, BT_SHB);
	p = put32(p, 0);
	p = put32(p, BYTE_ORDER_MAGIC);
	p = put16(p, 1); /* version 1.0 */
	p = put16(p, 0);
	p = put_ts(p, UINT64_MAX); /* section length: unknown (-1) */
	if (uname(&un) == 0) {
		snprintf(os, sizeof(os), "%s %s", un.sysname, un.release);
		p = put_opt_str(p, SHB_OS, os, sizeof(os));
		p = put_opt_str(p, SHB_HARDWARE, un.machine, sizeof(un.machine));
	}
	p = put_opt_str(p, SHB_USERAPPL, "stampede", 16);
	p = end_block(b, p, true);

	for (i = 0; i < w->nb_if; i++)
		p += encode_idb(w, &w->ifs[i], p);
	return (size_t)(p - buf);
}

/* Room for the SHB (uname strings: 2 x 65 + 65 bytes) and the IDBs (IDB_MAX bytes each). */
static size_t
header_max(unsigned int nb_if)
{
	return 512 + (size_t)nb_if * IDB_MAX;
}

static size_t
encode_isbs(struct pcapng_writer *w, uint8_t *buf)
{
	uint64_t now = clock_realtime_ns();
	uint8_t *p = buf, *b;
	unsigned int i;

	for (i = 0; i < w->nb_static; i++) {
		b = p;
		p = put32(p, BT_ISB);
		p = put32(p, 0);
		p = put32(p, i);
		p = put_ts(p, now);
		p = put16(p, ISB_STARTTIME);
		p = put16(p, 8);
		p = put_ts(p, w->start_utc_ns);
		p = put16(p, ISB_ENDTIME);
		p = put16(p, 8);
		p = put_ts(p, now);
		p = put_opt64(p, ISB_IFRECV, __atomic_load_n(&w->ifstat[i].recv, __ATOMIC_RELAXED));
		p = put_opt64(p, ISB_IFDROP, __atomic_load_n(&w->ifstat[i].drop, __ATOMIC_RELAXED));
		p = end_block(b, p, true);
	}
	return (size_t)(p - buf);
}

static inline uint32_t
epb_size(const struct pcapng_writer *w, uint32_t cap, unsigned int src)
{
	uint32_t opts = 0;

	if (w->conf.flags)
		opts += 8;
	if (w->conf.comments)
		opts += w->comment_len[src];
	return EPB_FIXED + RTE_ALIGN_CEIL(cap, 4) + (opts != 0 ? opts + 4 : 0);
}

/*
 * Encode one EPB at @p p (room checked by the caller). Copies the first @p cap bytes of all the
 * segments; reads the mbuf, never writes it.
 */
static uint8_t *
encode_epb(const struct pcapng_writer *w, uint8_t *p, const struct rte_mbuf *m, uint32_t if_id,
		uint32_t cap, unsigned int src)
{
	const struct pkt_meta *meta = pkt_meta((struct rte_mbuf *)(uintptr_t)m);
	uint32_t orig = meta->orig_len != 0 ? meta->orig_len : m->pkt_len;
	const struct rte_mbuf *seg;
	uint8_t *b = p, *d;
	uint32_t left;

	if (orig < cap)
		orig = cap;
	p = put32(p, BT_EPB);
	p = put32(p, 0);
	p = put32(p, if_id);
	p = put_ts(p, meta->ts_ns);
	p = put32(p, cap);
	p = put32(p, orig);

	d = p;
	for (seg = m, left = cap; left > 0 && seg != NULL; seg = seg->next) {
		uint32_t n = RTE_MIN(left, (uint32_t)seg->data_len);

		memcpy(d, rte_pktmbuf_mtod(seg, const uint8_t *), n);
		d += n;
		left -= n;
	}
	/* Segments shorter than pkt_len (a broken chain) and the block padding read as zeros. */
	memset(d, 0, left + RTE_ALIGN_CEIL(cap, 4) - cap);
	p += RTE_ALIGN_CEIL(cap, 4);

	if (w->conf.flags) {
		uint32_t fl = EPB_DIR_INBOUND;
		const uint8_t *dst = p - RTE_ALIGN_CEIL(cap, 4);

		if (cap >= 6 && (dst[0] & 1) != 0) {
			static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

			fl |= memcmp(dst, bcast, 6) == 0 ? EPB_RX_BROADCAST : EPB_RX_MULTICAST;
		} else if (cap >= 6) {
			fl |= EPB_RX_UNICAST;
		}
		p = put16(p, EPB_FLAGS);
		p = put16(p, 4);
		p = put32(p, fl);
	}
	if (w->conf.comments) {
		memcpy(p, w->comment[src], w->comment_len[src]);
		p += w->comment_len[src];
	}
	return end_block(b, p, w->conf.flags || w->conf.comments);
}

static void
set_path(struct pcapng_writer *w, const char *path)
{
	rte_spinlock_lock(&w->path_lock);
	snprintf(w->path, sizeof(w->path), "%s", path);
	rte_spinlock_unlock(&w->path_lock);
}

int
pcapng_format_path(const char *pat, uint64_t index, uint64_t now_utc, char *out, size_t outlen)
{
	char tmp[PATH_MAX], num[24];
	const char *s = pat, *hit;
	size_t n = 0, l;
	struct tm tm;
	time_t t = (time_t)(now_utc / PCAPNG_NS_S);

	snprintf(num, sizeof(num), "%" PRIu64, index);
	while ((hit = strstr(s, PCAPNG_INDEX_TOKEN)) != NULL) {
		l = (size_t)(hit - s);
		if (n + l + strlen(num) >= sizeof(tmp))
			return -ENAMETOOLONG;
		memcpy(tmp + n, s, l);
		memcpy(tmp + n + l, num, strlen(num));
		n += l + strlen(num);
		s = hit + strlen(PCAPNG_INDEX_TOKEN);
	}
	if (n + strlen(s) >= sizeof(tmp))
		return -ENAMETOOLONG;
	strcpy(tmp + n, s);
	gmtime_r(&t, &tm);
	/*
	 * The path pattern is a strftime format by design (outputs[].path, from the operator's
	 * config, never from packets); strftime reads no arguments, so it cannot be abused the
	 * way a printf format can.
	 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (strftime(out, outlen, tmp, &tm) == 0)
		return -ENAMETOOLONG;
#pragma GCC diagnostic pop
	return 0;
}

/* Explain a failed open(): the common cause is a directory that does not exist. */
static void
open_error(const char *path, int e, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct stat st = { 0 };

	snprintf(dir, sizeof(dir), "%s", path);
	dirname(dir);
	if (e == ENOENT && stat(dir, &st) != 0)
		snprintf(err, errlen, "cannot create capture file %s: directory %s does not exist",
				path, dir);
	else if (e == ENOTDIR || (e == ENOENT && !S_ISDIR(st.st_mode)))
		snprintf(err, errlen, "cannot create capture file %s: %s is not a directory", path,
				dir);
	else
		snprintf(err, errlen, "cannot create capture file %s: %s", path, strerror(e));
}

/* Remember a new file and delete the oldest beyond max_files. */
static void
keep_file(struct pcapng_writer *w, const char *path)
{
	uint32_t max = w->conf.max_files;
	char *old;

	if (max == 0)
		return;
	if (w->nb_kept == max) {
		old = w->kept[w->kept_first];
		if (unlink(old) != 0 && errno != ENOENT)
			PCAPNG_LOG(WARNING, "cannot delete old capture file %s: %s", old,
					strerror(errno));
		free(old);
		w->kept_first = (w->kept_first + 1) % max;
		w->nb_kept--;
	}
	w->kept[(w->kept_first + w->nb_kept) % max] = strdup(path);
	w->nb_kept++;
}

/* Forget (and delete) the newest file: it failed before any packet reached it. */
static void
unkeep_newest(struct pcapng_writer *w, const char *path)
{
	uint32_t last;

	if (unlink(path) != 0 && errno != ENOENT)
		PCAPNG_LOG(WARNING, "cannot delete empty capture file %s: %s", path,
				strerror(errno));
	if (w->conf.max_files == 0 || w->nb_kept == 0)
		return;
	last = (w->kept_first + w->nb_kept - 1) % w->conf.max_files;
	free(w->kept[last]);
	w->kept[last] = NULL;
	w->nb_kept--;
}

/* Open the next file and put SHB + IDBs in the (empty) buffer. */
static int
open_file(struct pcapng_writer *w, uint64_t now, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;
	int rc, fd;

	rc = pcapng_format_path(w->conf.path, w->index, clock_realtime_ns(), path, sizeof(path));
	if (rc < 0) {
		snprintf(err, errlen, "capture path pattern %s expands to nothing or too long",
				w->conf.path);
		return rc;
	}
	w->index++;
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		rc = -errno;
		open_error(path, errno, err, errlen);
		return rc;
	}
	w->fd = fd;
	w->file_reg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	set_path(w, path);
	if (w->file_reg)
		keep_file(w, path);
	STAT_ADD(w, files, 1);
	memcpy(w->buf, w->hdr, w->hdr_len);
	w->len = w->hdr_len;
	for (unsigned int i = 0; i < w->nb_if; i++)
		w->in_file[i] = true;
	w->buf_pkts = 0;
	w->file_bytes = 0;
	w->file_pkts = 0;
	w->file_open_ns = now;
	w->last_flush_ns = now;
	w->unsynced = 0;
	if (w->conf.durable && !w->file_reg) {
		/* fdatasync means nothing on a FIFO or a device: refuse rather than pretend. */
		snprintf(err, errlen,
				"capture path %s is not a regular file; durable needs one (fdatasync)",
				path);
		close(fd);
		w->fd = -1;
		return -EINVAL;
	}
	return 0;
}

/*
 * Durable mode, under sy_lock: an fdatasync that covered the packets below @p seq (@p pkts
 * written) returned @p err (0: success). Once a call fails, the pages it covered may be lost
 * whatever later calls say (Linux reports a writeback error once), so the writer stops vouching
 * for anything: sync_failed holds settled for good and no fdatasync is tried again.
 */
static void
sync_done(struct pcapng_writer *w, int err, uint64_t seq, uint64_t pkts)
{
	if (err != 0) {
		STAT_ADD(w, sync_errors, 1);
		PCAPNG_LOG(ERR,
				"capture %s: fdatasync: %s; durable acknowledgements stop until "
				"a restart (edges keep and dead-letter their frames)",
				w->name, strerror(err));
		w->sync_failed = true;
		return;
	}
	if (w->sync_failed)
		return;
	STAT_ADD(w, syncs, 1);
	w->durable_seq = RTE_MAX(w->durable_seq, seq);
	__atomic_store_n(&w->stats.synced, RTE_MAX(w->stats.synced, pkts), __ATOMIC_RELAXED);
}

/*
 * Durable mode, on the writer: fdatasync the current file now (before it is closed), which then
 * vouches for everything below @p seq. 0 or -EIO.
 */
static int
sync_file(struct pcapng_writer *w, uint64_t seq)
{
	int err = 0, cs;
	bool failed;

	pthread_mutex_lock(&w->sy_lock);
	failed = w->sync_failed;
	pthread_mutex_unlock(&w->sy_lock);
	if (failed)
		return -EIO; /* nothing later can vouch for what that call lost */
	if (w->fd >= 0 && w->unsynced != 0 && fdatasync(w->fd) != 0)
		err = errno;
	w->unsynced = 0;
	/* Not cancelled (pcapng_writer_close) with the lock held: its log line may block. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cs);
	pthread_mutex_lock(&w->sy_lock);
	sync_done(w, err, seq, w->stats.pkts);
	pthread_mutex_unlock(&w->sy_lock);
	pthread_setcancelstate(cs, NULL);
	return err != 0 ? -EIO : 0;
}

/*
 * The syncer thread (durable mode): runs the writer's requests, fdatasync on a dup of the file
 * descriptor, so that the writer keeps writing (and the ring keeps draining) while the disk
 * flushes; a request covers everything written before it, so requests batch themselves.
 */
static void *
syncer_main(void *arg)
{
	struct pcapng_writer *w = arg;

	pthread_mutex_lock(&w->sy_lock);
	for (;;) {
		int fd, err;
		uint64_t seq, pkts;

		while (!w->sy_pending && !w->sy_stop)
			pthread_cond_wait(&w->sy_cv, &w->sy_lock);
		if (!w->sy_pending)
			break;
		fd = w->sy_fd;
		seq = w->sy_seq;
		pkts = w->sy_pkts;
		w->sy_pending = false;
		w->sy_busy = true;
		pthread_mutex_unlock(&w->sy_lock);
		err = fdatasync(fd) == 0 ? 0 : errno;
		close(fd);
		pthread_mutex_lock(&w->sy_lock);
		sync_done(w, err, seq, pkts);
		w->sy_busy = false;
	}
	pthread_mutex_unlock(&w->sy_lock);
	return NULL;
}

/* Stop and join the syncer (control thread): false when it is stuck in the kernel. */
static bool
syncer_stop(struct pcapng_writer *w)
{
	struct timespec ts;

	if (!w->sy_started)
		return true;
	pthread_mutex_lock(&w->sy_lock);
	w->sy_stop = true;
	pthread_cond_signal(&w->sy_cv);
	pthread_mutex_unlock(&w->sy_lock);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 2;
	if (pthread_timedjoin_np(w->sy_thread, NULL, &ts) != 0) {
		PCAPNG_LOG(ERR, "capture %s: fdatasync stuck in the kernel, leaving it", w->name);
		pthread_detach(w->sy_thread);
		return false;
	}
	w->sy_started = false;
	return true;
}

/* After a failed write: drop the buffer, close the file, try again later. */
static void
file_error(struct pcapng_writer *w, int rc, uint64_t now)
{
	char path[PATH_MAX];

	rte_spinlock_lock(&w->path_lock);
	snprintf(path, sizeof(path), "%s", w->path);
	w->path[0] = '\0';
	rte_spinlock_unlock(&w->path_lock);

	PCAPNG_LOG(ERR, "writing %s: %s; %u packets lost, closing it", path, strerror(-rc),
			w->buf_pkts);
	STAT_ADD(w, write_errors, 1);
	STAT_ADD(w, error_drops, w->buf_pkts);
	/* What was written before is vouched for only if it reaches the disk. */
	if (w->conf.durable)
		sync_file(w, w->seq);
	w->unsynced = 0;
	close(w->fd);
	w->fd = -1;
	if (w->file_reg && w->file_pkts == w->buf_pkts)
		unkeep_newest(w, path);
	w->len = 0;
	w->buf_pkts = 0;
	w->retry_ns = now +
			(w->conf.rotate_seconds != 0 ? w->conf.rotate_seconds : 1) * PCAPNG_NS_S;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = write(fd, p, n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EIO;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
flush(struct pcapng_writer *w, uint64_t now)
{
	int rc;

	w->last_flush_ns = now;
	if (w->fd < 0 || w->len == 0)
		return 0;
	rc = write_all(w->fd, w->buf, w->len);
	if (rc < 0) {
		file_error(w, rc, now);
		return rc;
	}
	w->file_bytes += w->len;
	w->unsynced += w->len;
	STAT_ADD(w, bytes, w->len);
	STAT_ADD(w, pkts, w->buf_pkts);
	w->len = 0;
	w->buf_pkts = 0;
	return 0;
}

/*
 * Durable mode, every conf.sync_ms: write the buffer and ask the syncer for an fdatasync that
 * vouches for everything taken from the ring so far (unless one is still running: the next
 * period's covers this one's too). Without a syncer, the writer calls it itself.
 */
static void
sync_point(struct pcapng_writer *w, uint64_t now)
{
	int fd;

	w->last_sync_ns = now;
	flush(w, now); /* on failure the buffer is a counted drop: buf_pkts is 0 either way */
	if (!w->sy_started) {
		sync_file(w, w->seq);
		return;
	}
	pthread_mutex_lock(&w->sy_lock);
	if (!w->sync_failed && !w->sy_busy && !w->sy_pending) {
		if (w->fd < 0 || w->unsynced == 0) {
			/* Nothing written since the last request, which is done: drops only. */
			w->durable_seq = RTE_MAX(w->durable_seq, w->seq);
		} else {
			fd = fcntl(w->fd, F_DUPFD_CLOEXEC, 0);
			if (fd >= 0) {
				w->sy_fd = fd;
				w->sy_seq = w->seq;
				w->sy_pkts = w->stats.pkts;
				w->sy_pending = true;
				w->unsynced = 0;
				pthread_cond_signal(&w->sy_cv);
			}
		}
	}
	pthread_mutex_unlock(&w->sy_lock);
}

/* Finish the current file: ISBs, last write, close. */
static int
close_file(struct pcapng_writer *w, uint64_t now)
{
	int rc;

	if (w->fd < 0)
		return 0;
	if (w->len + ISB_SIZE * w->nb_static > PCAPNG_BUF_SIZE)
		flush(w, now);
	if (w->fd < 0)
		return -EIO;
	w->len += encode_isbs(w, w->buf + w->len);
	if (flush(w, now) < 0)
		return -EIO;
	if (w->conf.durable)
		sync_file(w, w->seq);
	rc = close(w->fd);
	w->fd = -1;
	if (rc != 0) {
		/* NFS and friends may report a failed write only here. */
		STAT_ADD(w, write_errors, 1);
		PCAPNG_LOG(ERR, "closing %s: %s", w->path, strerror(errno));
		return -EIO;
	}
	return 0;
}

static void
next_file(struct pcapng_writer *w, uint64_t now)
{
	char err[PATH_MAX + 128];

	close_file(w, now);
	if (open_file(w, now, err, sizeof(err)) < 0) {
		PCAPNG_LOG(ERR, "%s", err);
		STAT_ADD(w, write_errors, 1);
		set_path(w, "");
		w->retry_ns = now +
				(w->conf.rotate_seconds != 0 ? w->conf.rotate_seconds : 1) *
						PCAPNG_NS_S;
	}
}

/* The mbufs of a burst not yet freed, for a writer cancelled in write() or open(). */
struct burst_hold {
	struct pcapng_writer *w;
	struct rte_mbuf **pkts;
	unsigned int n;
};

/*
 * A writer thread's own mempool cache, for the pool most of its mbufs come from. Writers are
 * not EAL lcores, so without it every put is an enqueue on the pool's shared ring, whose
 * multi-producer tail a thread preempted between its head and tail update holds: the other
 * writers sharing its CPU then spin in rte_ring's tail wait for the rest of its time slice
 * (two writers on one CPU wrote 0.1 Mpps each, capture_cpu.sh rows s2/t2). With the cache, the
 * shared ring sees one put per flush of the cache instead of one per burst.
 */
static __thread struct rte_mempool_cache *tl_cache;
static __thread struct rte_mempool *tl_cache_pool;

/* Objects of @p pool back to it: through this thread's cache when it is for that pool. */
static inline void
pool_put(struct rte_mempool *pool, void *const *objs, unsigned int n)
{
	if (unlikely(tl_cache_pool == NULL) && rte_lcore_id() == LCORE_ID_ANY) {
		/*
		 * The size the pool gives each lcore's cache, so a writer holds no more of it than
		 * an lcore does (none with "mempool": {"cache": 0}: a small pool stays whole).
		 */
		if (pool->cache_size != 0)
			tl_cache = rte_mempool_cache_create(pool->cache_size, SOCKET_ID_ANY);
		tl_cache_pool = pool; /* also when the cache could not be made: tried once */
	}
	if (likely(pool == tl_cache_pool && tl_cache != NULL))
		rte_mempool_generic_put(pool, objs, n, tl_cache);
	else
		rte_mempool_put_bulk(pool, objs, n);
}

/* At the end of a writer thread (or its cancellation): its cached objects back to their pool. */
static void
pool_cache_release(void *arg)
{
	(void)arg;
	if (tl_cache != NULL) {
		rte_mempool_cache_flush(tl_cache, tl_cache_pool);
		rte_mempool_cache_free(tl_cache);
	}
	tl_cache = NULL; /* tl_cache_pool stays set: no new cache in this thread after it */
}

/*
 * rte_pktmbuf_free_bulk() for what a writer frees: a burst whose first @p plain mbufs are
 * known to be plain ones of pkts[0]'s pool (one segment, refcnt 1, direct: encode_fast()
 * checked them), put back in one call; the rest each returned to its pool in one put per run
 * of a pool. Inline: 26 instr/pkt instead of the library call's 43 before the plain head
 * (callgrind of the writer thread on scripts/bench/capture_cpu.sh's stampede configuration).
 */
static void
free_burst(struct rte_mbuf **pkts, unsigned int n, unsigned int plain)
{
	void *batch[WRITER_BURST];
	struct rte_mempool *pool = NULL;
	unsigned int nb = 0;

	if (plain != 0)
		pool_put(pkts[0]->pool, (void *const *)pkts, plain);
	for (unsigned int i = plain; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (unlikely(m->nb_segs != 1)) {
			rte_pktmbuf_free(m);
			continue;
		}
		/* Shared (a reference per output) or indirect: prefree says when it is ours. */
		m = rte_pktmbuf_prefree_seg(m);
		if (m == NULL)
			continue;
		if (unlikely(m->pool != pool || nb == RTE_DIM(batch))) {
			if (nb != 0)
				pool_put(pool, batch, nb);
			pool = m->pool;
			nb = 0;
		}
		batch[nb++] = m;
	}
	if (nb != 0)
		pool_put(pool, batch, nb);
}

static void
burst_release(void *arg)
{
	struct burst_hold *h = arg;

	free_burst(h->pkts, h->n, h->w->plain_head);
}

/*
 * The interface of directory key @p key, added (to the writer's table and to the header of later
 * files) the first time it is seen; UINT16_MAX when it is not published or there is no room.
 */
static uint16_t
dyn_if(struct pcapng_writer *w, const struct pcapng_if_dir *dir, uint8_t key)
{
	struct pcapng_if *f;
	uint16_t ifx;

	if (likely(w->key_if[key] != UINT16_MAX))
		return w->key_if[key];
	if (key > __atomic_load_n(&dir->nb, __ATOMIC_ACQUIRE) || w->nb_if >= RTE_DIM(w->ifs))
		return UINT16_MAX;
	ifx = (uint16_t)w->nb_if++;
	f = &w->ifs[ifx];
	*f = dir->ifs[key - 1];
	f->name[sizeof(f->name) - 1] = '\0';
	f->description[sizeof(f->description) - 1] = '\0';
	w->hdr_len += encode_idb(w, f, w->hdr + w->hdr_len);
	w->in_file[ifx] = false;
	w->key_if[key] = ifx;
	return ifx;
}

/* The epb_flags value of a frame of @p cap bytes at @p dst: inbound, and its reception type. */
static inline uint32_t
epb_flags_of(const uint8_t *dst, uint32_t cap)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (cap < 6)
		return EPB_DIR_INBOUND;
	if ((dst[0] & 1) == 0)
		return EPB_DIR_INBOUND | EPB_RX_UNICAST;
	return EPB_DIR_INBOUND | (memcmp(dst, bcast, 6) == 0 ? EPB_RX_BROADCAST : EPB_RX_MULTICAST);
}

/* What encode_fast()'s loop keeps across frames (in registers: it is all inlined). */
struct fast_state {
	uint8_t *buf;
	size_t len;
	uint64_t room;
	uint32_t snaplen;
	uint8_t key_mask; /* 0xff with a directory (a frame with a key leaves), 0 without */
	bool flags;
	int meta_off;
	const uint16_t *port_if;
	const struct rte_mempool *pool; /* pool of the first frame */
	uint64_t not_plain;		/* non-zero once a frame is not a plain mbuf of pool */
	unsigned int nb_plain;		/* frames before the first that is not */
};

/*
 * One frame of encode_fast(); false (nothing written) when it is not for the fast path. One
 * branch for the four conditions: each is an integer that is non-zero when it fails.
 */
static __rte_always_inline bool
encode_one(const struct pcapng_writer *w, struct fast_state *f, const struct rte_mbuf *m)
{
	const struct pkt_meta *meta = RTE_MBUF_DYNFIELD(m, f->meta_off, const struct pkt_meta *);
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint32_t cap = RTE_MIN(m->pkt_len, f->snaplen);
	const uint32_t cap4 = RTE_ALIGN_CEIL(cap, 4);
	const unsigned int src = RTE_MIN(meta->ts_src, (unsigned int)PKT_TS_MAX);
	const uint32_t olen = w->epb_opts_len[src];
	const uint32_t blk = EPB_FIXED + cap4 + olen;
	/* A port's interface is a static one: its IDB is in every file (open_file()). */
	const uint16_t ifx = f->port_if[m->port];
	const uint64_t ts = meta->ts_ns;
	uint32_t orig = meta->orig_len != 0 ? meta->orig_len : m->pkt_len;
	uint8_t *p = f->buf + f->len, *d;

	if (unlikely(((unsigned int)m->nb_segs ^ 1) | (unsigned int)(ifx == UINT16_MAX) |
			    (meta->if_key & f->key_mask) | (unsigned int)(f->len + blk > f->room)))
		return false;
	/*
	 * Whether the writer may give it back with the others in one put (free_burst()): what
	 * rte_pktmbuf_prefree_seg() would return unchanged, from the first frame's pool.
	 */
	f->not_plain |= (uint64_t)(rte_mbuf_refcnt_read(m) ^ 1) |
			(m->ol_flags & (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL)) |
			(uintptr_t)m->next | ((uintptr_t)m->pool ^ (uintptr_t)f->pool);
	f->nb_plain += f->not_plain == 0;
	if (orig < cap)
		orig = cap;
	/*
	 * The 28-byte header: the timestamp (high half first) in one store, the rest 32 bits
	 * each; packing the 32-bit pairs into 64-bit stores costs more instructions than it saves.
	 */
	put32(p, BT_EPB);
	put32(p + 4, blk);
	put32(p + 8, ifx);
	put_ts64(p + 12, ts);
	put32(p + 20, cap);
	put32(p + 24, orig);
	d = p + 28;
	/* The padding is zero: the last word first, then the frame over it. */
	if (cap4 != 0)
		put32(d + cap4 - 4, 0);
	bytes_copy(d, data, cap);
	p = d + cap4;
	/* Whole template (EPB_OPTS_MAX: the IDB_MAX kept free covers it), then the flags. */
	memcpy(p, w->epb_opts[src], EPB_OPTS_MAX);
	if (f->flags)
		put32(p + 4, epb_flags_of(d, cap));
	put32(p + olen, blk);
	f->len += blk;
	return true;
}

static __rte_always_inline void
prefetch_mbuf(const struct rte_mbuf *m)
{
	rte_prefetch0(m);
	rte_prefetch0(RTE_PTR_ADD(m, RTE_CACHE_LINE_SIZE));
}

/*
 * The common case, encoded without the general path's checks per packet: from pkts[0] on,
 * while each packet is one segment from a port whose IDB is in the file, with no directory
 * key, and fits in the buffer (IDB_MAX to spare, as the general path keeps) and in the file
 * (rotate_bytes). Byte for byte what encode_epb() writes (test_pcapng's fast path test): the
 * options come from a template and the counters stay in registers (no flush() or next_file(),
 * so no cancellation point, can come in between). Returns how many packets it encoded; the
 * caller takes the next one by the general path; *plain how many of them, from the first, are
 * plain mbufs of one pool (free_burst() puts them back in one call).
 *
 * The writer thread, ring, encode and free: 139 instr per 64-byte frame (168 before this version:
 * header stores one field at a time, rte_memcpy, prefetch tests in the loop, the free's checks per
 * mbuf; 259 with the general path and rte_pktmbuf_free_bulk), callgrind of the writer thread on
 * capture_cpu.sh's stampede configuration (net_null0, one pcapng output on /dev/shm; writer_main's
 * inclusive count / frames written). In time, capture_cpu.sh -n 5 -w 1 -T 0 with STAMPEDE_OTHER the
 * build before, "user ns/f" medians: 58.3 against 59.1 at load average 15, 53.5 against 60.2 at
 * 8-13, 47.7 against 57.2 at 7-11 (three runs of 5 on a machine shared with other jobs: the gain in
 * time is smaller than the 17% in instructions in one run of three, not measured quiet). The mbufs
 * are prefetched 16 frames ahead and their data 8 ahead: the mbufs were just written by the
 * datapath's core, and their lines come from another core's cache (user CPU per frame 37-50 ns with
 * these distances against 49-68 with 8 and 4, capture_cpu.sh, load average 7-22). The kernel's
 * write() into tmpfs adds 60-90 ns per 124-byte record (page allocation and copy: per byte,
 * whatever the size of the write; 1 write() per MiB); on a tmpfs mounted huge=always the kernel's
 * share is ~22 ns (capture_cpu.sh's "tmpfs huge=always" row). A 256 KiB buffer (kept in L2) instead
 * of 1 MiB changed nothing: 8.10 against 8.02 Mpps per CPU-second, 5 interleaved runs.
 */
static __rte_always_inline unsigned int
encode_fast_dir(struct pcapng_writer *w, struct rte_mbuf **pkts, unsigned int n,
		const struct pcapng_if_dir *dir, unsigned int *plain)
{
	const uint64_t limit = w->conf.rotate_bytes != 0 ? w->conf.rotate_bytes -
					RTE_MIN(w->conf.rotate_bytes,
							w->file_bytes +
									(uint64_t)ISB_SIZE *
											w->nb_static) :
							   UINT64_MAX;
	struct fast_state f = {
		.buf = w->buf,
		.len = w->len,
		/*
		 * One bound for both limits: the buffer (IDB_MAX to spare, as the general path
		 * keeps) and the file. A first packet of a file larger than the file's limit
		 * leaves too: the general path writes it (it never rotates an empty file).
		 */
		.room = RTE_MIN((uint64_t)(PCAPNG_BUF_SIZE - IDB_MAX), limit),
		.snaplen = w->conf.snaplen,
		.key_mask = dir != NULL ? 0xff : 0,
		.flags = w->conf.flags,
		.meta_off = pkt_meta_offset, /* the buffer's stores may alias it: read once */
		.port_if = w->port_if,
		.pool = n != 0 ? pkts[0]->pool : NULL,
		.not_plain = 0,
		.nb_plain = 0,
	};
	unsigned int i;

	*plain = 0;
	if (w->fd < 0 || n == 0)
		return 0;
	/* The mbufs the loop's prefetch does not reach ahead of (the start of the burst). */
	for (i = 0; i < RTE_MIN(n, (unsigned int)WRITER_PREFETCH_MBUF); i++)
		prefetch_mbuf(pkts[i]);
	for (i = 0; i < RTE_MIN(n, (unsigned int)WRITER_PREFETCH_DATA); i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	/* Far from the end of the burst: the prefetches need no test. */
	for (i = 0; i + WRITER_PREFETCH_MBUF < n; i++) {
		prefetch_mbuf(pkts[i + WRITER_PREFETCH_MBUF]);
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i + WRITER_PREFETCH_DATA], void *));
		if (!encode_one(w, &f, pkts[i]))
			goto out;
	}
	for (; i < n; i++) {
		if (i + WRITER_PREFETCH_DATA < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + WRITER_PREFETCH_DATA], void *));
		if (!encode_one(w, &f, pkts[i]))
			goto out;
	}
out:
	if (i > 0) {
		if (w->buf_pkts == 0)
			w->buf_seq0 = w->seq;
		w->len = f.len;
		w->buf_pkts += i;
		w->file_pkts += i;
		w->seq += i;
		w->burst_left -= i;
	}
	*plain = f.nb_plain;
	return i;
}

/* encode_fast_dir(), its loop made once without a directory (the usual case) and once with. */
static unsigned int
encode_fast(struct pcapng_writer *w, struct rte_mbuf **pkts, unsigned int n,
		const struct pcapng_if_dir *dir, unsigned int *plain)
{
	if (dir == NULL)
		return encode_fast_dir(w, pkts, n, NULL, plain);
	return encode_fast_dir(w, pkts, n, dir, plain);
}

static void
encode_burst(struct pcapng_writer *w, struct rte_mbuf **pkts, unsigned int n, uint64_t now)
{
	uint64_t isb_room = (uint64_t)ISB_SIZE * w->nb_static;
	const struct pcapng_if_dir *dir = __atomic_load_n(&w->dir, __ATOMIC_ACQUIRE);
	unsigned int i, plain;

	/*
	 * Every packet is accounted for before the next one (written to buf, or a counted drop)
	 * and burst_left says how many are not yet: a writer cancelled inside flush() or
	 * next_file() leaves counts that pcapng_writer_close() can complete exactly.
	 */
	w->burst_left = n;
	for (i = 0; i < n; i++, w->burst_left--, w->seq++) {
		struct rte_mbuf *m;
		unsigned int k = encode_fast(w, &pkts[i], n - i, dir, &plain);

		/* The plain mbufs at the head of the burst: free_burst() puts them back at once. */
		if (i == 0)
			w->plain_head = plain;
		i += k;
		if (i == n)
			break;
		m = pkts[i];
		unsigned int src = RTE_MIN(pkt_meta(m)->ts_src, (unsigned int)PKT_TS_MAX);
		uint32_t cap = RTE_MIN(m->pkt_len, w->conf.snaplen);
		uint32_t blk = epb_size(w, cap, src);
		uint16_t ifx = w->port_if[m->port];

		if (dir != NULL && pkt_meta(m)->if_key != 0) {
			uint16_t d = dyn_if(w, dir, pkt_meta(m)->if_key);

			if (d != UINT16_MAX)
				ifx = d;
		}
		if (ifx == UINT16_MAX) {
			STAT_ADD(w, port_drops, 1);
			continue;
		}
		if (w->fd >= 0 && w->conf.rotate_bytes != 0 && w->file_pkts > 0 &&
				w->file_bytes + w->len + blk + isb_room > w->conf.rotate_bytes)
			next_file(w, now);
		if (w->fd >= 0 && w->len + blk + IDB_MAX > PCAPNG_BUF_SIZE)
			flush(w, now);
		if (w->fd < 0) {
			STAT_ADD(w, error_drops, 1);
			continue;
		}
		if (unlikely(!w->in_file[ifx])) {
			/* An interface added since the file began: its IDB before its first EPB. */
			w->len += encode_idb(w, &w->ifs[ifx], w->buf + w->len);
			w->in_file[ifx] = true;
		}
		encode_epb(w, w->buf + w->len, m, ifx, cap, src);
		w->len += blk;
		if (w->buf_pkts == 0)
			w->buf_seq0 = w->seq;
		w->buf_pkts++;
		w->file_pkts++;
	}
}

/* Encode a burst, then free it (also when the writer is cancelled in the middle). */
static void
write_burst(struct pcapng_writer *w, struct rte_mbuf **pkts, unsigned int n, uint64_t now)
{
	struct burst_hold hold = { .w = w, .pkts = pkts, .n = n };

	w->plain_head = 0;
	pthread_cleanup_push(burst_release, &hold);
	encode_burst(w, pkts, n, now);
	pthread_cleanup_pop(1);
}

/*
 * Take a burst from the ring. A writer that shares it with others (one at a time, deq_lock)
 * first publishes a lower bound of the positions it is about to take, unless it already holds
 * older ones:
 * pcapng_writer_passed() reads the consumer tail, then every writer's bound; the ring's tail
 * passes a position only after the dequeue that took it returned, which came after the bound
 * was stored (release, acquire), so a packet below a mark is always seen: not dequeued, or held.
 */
static inline unsigned int
lane_dequeue(struct pcapng_writer *w, struct rte_mbuf **pkts)
{
	uint64_t head;
	unsigned int n;

	if (!w->shared)
		return rte_ring_sc_dequeue_burst(w->ring, (void **)pkts, WRITER_BURST, NULL);
	pthread_mutex_lock(w->deq_lock);
	if (w->holding == 0) {
		head = __atomic_load_n(&w->ring->cons.head, __ATOMIC_ACQUIRE);
		__atomic_store_n(&w->holding, (1ULL << 32) | head, __ATOMIC_RELEASE);
	}
	n = rte_ring_sc_dequeue_burst(w->ring, (void **)pkts, WRITER_BURST, NULL);
	pthread_mutex_unlock(w->deq_lock);
	return n;
}

static void *
writer_main(void *arg)
{
	struct pcapng_writer *w = arg;
	struct rte_mbuf *pkts[WRITER_BURST];
	uint64_t now, period = (uint64_t)w->conf.rotate_seconds * PCAPNG_NS_S;
	unsigned int n;
	bool stopping;
	sigset_t set;

	/* A reader of a FIFO that goes away is a write error here, not the end of the process. */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, NULL);
	pthread_cleanup_push(pool_cache_release, NULL);
	for (;;) {
		stopping = __atomic_load_n(&w->stop, __ATOMIC_ACQUIRE) != 0;
		now = clock_monotonic_ns();
		if (stopping && now >= w->drain_deadline) {
			/* Out of time: what is still queued is dropped, the file is finished. */
			while ((n = lane_dequeue(w, pkts)) != 0) {
				STAT_ADD(w, close_drops, n);
				rte_pktmbuf_free_bulk(pkts, n);
			}
			break;
		}

		n = lane_dequeue(w, pkts);
		if (n != 0)
			write_burst(w, pkts, n, now);

		if (w->fd >= 0 && period != 0 && now - w->file_open_ns >= period)
			next_file(w, now);
		else if (w->fd < 0 && !stopping && now >= w->retry_ns)
			next_file(w, now);
		if (w->len != 0 && now - w->last_flush_ns >= PCAPNG_FLUSH_MS * PCAPNG_NS_MS)
			flush(w, now);
		if (w->conf.durable) {
			/* Everything before durable_seq is on disk or dropped. */
			if (now - w->last_sync_ns >= w->conf.sync_ms * PCAPNG_NS_MS)
				sync_point(w, now);
			pthread_mutex_lock(&w->sy_lock);
			if (!w->sync_failed)
				__atomic_store_n(&w->settled, w->durable_seq, __ATOMIC_RELEASE);
			pthread_mutex_unlock(&w->sy_lock);
		} else if (w->shared) {
			/* Every packet it took is written or dropped: it holds none. */
			if (w->buf_pkts == 0 && w->holding != 0)
				__atomic_store_n(&w->holding, 0, __ATOMIC_RELEASE);
		} else {
			/* Everything before the first packet still in buf is written or dropped. */
			__atomic_store_n(&w->settled, w->buf_pkts != 0 ? w->buf_seq0 : w->seq,
					__ATOMIC_RELEASE);
		}

		if (n == 0) {
			if (stopping)
				break;
			usleep(IDLE_SLEEP_US);
		}
	}
	pthread_cleanup_pop(1);
	w->final_rc = close_file(w, clock_monotonic_ns());
	__atomic_store_n(&w->holding, 0, __ATOMIC_RELEASE);
	set_path(w, "");
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

void
pcapng_conf_defaults(struct pcapng_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->ring_size = PCAPNG_DEFAULT_RING;
	c->snaplen = PCAPNG_MAX_SNAPLEN;
	c->sync_ms = 10;
	c->comments = true;
	c->flags = true;
	c->writers = 1;
}

static int
validate(const char *name, const struct pcapng_conf *c, const struct pcapng_if *ifs,
		unsigned int nb_if, char *err, size_t errlen)
{
	unsigned int i, j;

	if (name == NULL || name[0] == '\0' || strlen(name) > RTE_RING_NAMESIZE - 8) {
		snprintf(err, errlen, "capture name must be 1..%d characters",
				(int)(RTE_RING_NAMESIZE - 8));
		return -EINVAL;
	}
	if (strnlen(c->path, sizeof(c->path)) == 0 ||
			strnlen(c->path, sizeof(c->path)) == sizeof(c->path)) {
		snprintf(err, errlen, "capture %s: path must be 1..%zu characters", name,
				sizeof(c->path) - 1);
		return -EINVAL;
	}
	if ((c->rotate_bytes != 0 || c->rotate_seconds != 0) &&
			strstr(c->path, PCAPNG_INDEX_TOKEN) == NULL) {
		snprintf(err, errlen,
				"capture %s: path %s must contain %s when rotate_bytes or "
				"rotate_seconds is set (file names must differ)",
				name, c->path, PCAPNG_INDEX_TOKEN);
		return -EINVAL;
	}
	if (c->writers < 1 || c->writers > PCAPNG_MAX_WRITERS) {
		snprintf(err, errlen, "capture %s: writers %u is out of range [1..%u]", name,
				c->writers, PCAPNG_MAX_WRITERS);
		return -EINVAL;
	}
	if (c->writers > 1 && strstr(c->path, PCAPNG_WRITER_TOKEN) == NULL) {
		snprintf(err, errlen,
				"capture %s: path %s must contain %s when writers is %u (file names "
				"must differ)",
				name, c->path, PCAPNG_WRITER_TOKEN, c->writers);
		return -EINVAL;
	}
	if (c->writers > 1 && c->durable) {
		snprintf(err, errlen, "capture %s: durable needs writers 1 (it is %u)", name,
				c->writers);
		return -EINVAL;
	}
	if (c->durable && (c->sync_ms < 1 || c->sync_ms > 10000)) {
		snprintf(err, errlen, "capture %s: sync_ms %u is out of range [1..10000]", name,
				c->sync_ms);
		return -EINVAL;
	}
	if (c->max_files != 0 && c->rotate_bytes == 0 && c->rotate_seconds == 0) {
		snprintf(err, errlen,
				"capture %s: max_files %u needs rotate_bytes or rotate_seconds",
				name, c->max_files);
		return -EINVAL;
	}
	if (c->rotate_bytes != 0 && c->rotate_bytes < 4096) {
		snprintf(err, errlen,
				"capture %s: rotate_bytes %" PRIu64 " is out of range [4096..]",
				name, c->rotate_bytes);
		return -EINVAL;
	}
	if (c->snaplen < 1 || c->snaplen > PCAPNG_MAX_SNAPLEN) {
		snprintf(err, errlen, "capture %s: snaplen %u is out of range [1..%u]", name,
				c->snaplen, PCAPNG_MAX_SNAPLEN);
		return -EINVAL;
	}
	if (c->ring_size < 64 || c->ring_size > RTE_RING_SZ_MASK) {
		snprintf(err, errlen, "capture %s: ring_size %u is out of range [64..%u]", name,
				c->ring_size, RTE_RING_SZ_MASK);
		return -EINVAL;
	}
	if (nb_if < 1 || nb_if > PCAPNG_MAX_IF) {
		snprintf(err, errlen, "capture %s: %u interfaces is out of range [1..%u]", name,
				nb_if, PCAPNG_MAX_IF);
		return -EINVAL;
	}
	for (i = 0; i < nb_if; i++) {
		if (ifs[i].port_id >= RTE_MAX_ETHPORTS) {
			snprintf(err, errlen,
					"capture %s: interface %u: port_id %u is out of range "
					"[0..%u]",
					name, i, ifs[i].port_id, RTE_MAX_ETHPORTS - 1);
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (ifs[j].port_id == ifs[i].port_id) {
				snprintf(err, errlen,
						"capture %s: interfaces %u and %u have the same "
						"port_id %u",
						name, j, i, ifs[i].port_id);
				return -EINVAL;
			}
	}
	if (pkt_meta_offset < 0) {
		snprintf(err, errlen, "capture %s: pkt_meta_register() was not called", name);
		return -EINVAL;
	}
	return 0;
}

static void
writer_free(struct pcapng_writer *w)
{
	struct rte_mbuf *pkts[WRITER_BURST];
	unsigned int i, n;

	if (w->ring != NULL && w->ring_owner) {
		while ((n = rte_ring_dequeue_burst(w->ring, (void **)pkts, WRITER_BURST, NULL)) !=
				0)
			rte_pktmbuf_free_bulk(pkts, n);
		rte_ring_free(w->ring);
	}
	if (w->fd >= 0)
		close(w->fd);
	if (w->kept != NULL) {
		for (i = 0; i < w->conf.max_files; i++)
			free(w->kept[i]);
		free(w->kept);
	}
	free(w->hdr);
	free(w->buf);
	pthread_cond_destroy(&w->sy_cv);
	pthread_mutex_destroy(&w->sy_lock);
	pthread_mutex_destroy(&w->deq_lock_own);
	free(w);
}

/* @p pat with every "{writer}" replaced by @p lane, into @p out (as long as pcapng_conf.path). */
static int
expand_writer(const char *pat, unsigned int lane, char *out, size_t outlen)
{
	const char *hit;
	size_t n = 0;
	int l;

	while ((hit = strstr(pat, PCAPNG_WRITER_TOKEN)) != NULL) {
		l = snprintf(out + n, outlen - n, "%.*s%u", (int)(hit - pat), pat, lane);
		if (l < 0 || (size_t)l >= outlen - n)
			return -ENAMETOOLONG;
		n += (size_t)l;
		pat = hit + strlen(PCAPNG_WRITER_TOKEN);
	}
	l = snprintf(out + n, outlen - n, "%s", pat);
	return l < 0 || (size_t)l >= outlen - n ? -ENAMETOOLONG : 0;
}

/*
 * One writer thread and its files: writer @p lane of the output (its "{writer}"), on the ring of
 * @p first (shared with the writers before it), or on a ring of its own it creates when @p first
 * is NULL.
 */
static struct pcapng_writer *
lane_create(const char *name, const struct pcapng_conf *c, const struct pcapng_if *ifs,
		unsigned int nb_if, unsigned int lane, const struct pcapng_writer *first, char *err,
		size_t errlen)
{
	struct pcapng_writer *w;
	char rname[RTE_RING_NAMESIZE], tname[16];
	unsigned int i;
	int rc;

	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		snprintf(err, errlen, "capture %s: out of memory", name);
		rte_errno = ENOMEM;
		return NULL;
	}
	w->fd = -1;
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->conf = *c;
	w->shared = c->writers > 1;
	w->nb_lanes = 1;
	w->lanes[0] = w;
	w->deq_lock = first != NULL ? first->deq_lock : &w->deq_lock_own;
	if (expand_writer(c->path, lane, w->conf.path, sizeof(w->conf.path)) < 0) {
		snprintf(err, errlen, "capture %s: path %s is too long for writer %u", name,
				c->path, lane);
		free(w);
		rte_errno = ENAMETOOLONG;
		return NULL;
	}
	w->nb_if = nb_if;
	memcpy(w->ifs, ifs, nb_if * sizeof(*ifs));
	for (i = 0; i < nb_if; i++) {
		w->ifs[i].name[sizeof(w->ifs[i].name) - 1] = '\0';
		w->ifs[i].description[sizeof(w->ifs[i].description) - 1] = '\0';
	}
	w->nb_static = nb_if;
	memset(w->port_if, 0xff, sizeof(w->port_if));
	memset(w->key_if, 0xff, sizeof(w->key_if));
	for (i = 0; i < nb_if; i++)
		w->port_if[ifs[i].port_id] = (uint16_t)i;
	rte_spinlock_init(&w->path_lock);
	pthread_mutex_init(&w->sy_lock, NULL);
	pthread_mutex_init(&w->deq_lock_own, NULL);
	pthread_cond_init(&w->sy_cv, NULL);
	for (i = 0; i <= PKT_TS_MAX; i++) {
		char s[COMMENT_OPT_MAX];
		int l = snprintf(s, sizeof(s), "ts=%s", pkt_ts_src_name(i));

		w->comment_len[i] = (uint8_t)(put_opt(w->comment[i], OPT_COMMENT, s, (uint16_t)l) -
				w->comment[i]);
	}
	for (i = 0; i <= PKT_TS_MAX; i++) {
		uint8_t *o = w->epb_opts[i];

		if (c->flags) {
			o = put16(o, EPB_FLAGS);
			o = put16(o, 4);
			o = put32(o, 0);
		}
		if (c->comments) {
			memcpy(o, w->comment[i], w->comment_len[i]);
			o += w->comment_len[i];
		}
		if (c->flags || c->comments)
			o = put32(o, OPT_ENDOFOPT);
		w->epb_opts_len[i] = (uint8_t)(o - w->epb_opts[i]);
	}
	w->start_utc_ns = clock_realtime_ns();

	w->buf = malloc(PCAPNG_BUF_SIZE);
	w->hdr = malloc(header_max(nb_if + PCAPNG_MAX_DYN_IF));
	if (c->max_files != 0)
		w->kept = calloc(c->max_files, sizeof(*w->kept));
	if (w->buf == NULL || w->hdr == NULL || (c->max_files != 0 && w->kept == NULL)) {
		snprintf(err, errlen, "capture %s: out of memory", name);
		rc = -ENOMEM;
		goto fail;
	}
	w->hdr_len = encode_header(w, w->hdr);

	/* The first file is opened here so that a bad path is an error the caller can report. */
	rc = open_file(w, clock_monotonic_ns(), err, errlen);
	if (rc < 0)
		goto fail;

	snprintf(rname, sizeof(rname), "pcapng_%s", name);
	w->ring = first != NULL ? first->ring : NULL;
	if (first == NULL) {
		w->ring = rte_ring_create(rname, c->ring_size, SOCKET_ID_ANY,
				RING_F_SC_DEQ | RING_F_EXACT_SZ);
		w->ring_owner = true;
	}
	if (w->ring == NULL) {
		rc = -rte_errno;
		snprintf(err, errlen, "capture %s: cannot create ring of %u: %s", name,
				c->ring_size, rte_strerror(rte_errno));
		goto fail;
	}
	if (c->durable) {
		/* Without it the writer calls fdatasync itself (and waits for the disk). */
		snprintf(tname, sizeof(tname), "pcapsync-%s", name);
		rc = rte_ctrl_thread_create(&w->sy_thread, tname, NULL, syncer_main, w);
		if (rc == 0)
			w->sy_started = true;
		else
			PCAPNG_LOG(WARNING, "capture %s: no syncer thread (%s): the writer syncs",
					name, strerror(rc));
	}
	if (lane == 0)
		snprintf(tname, sizeof(tname), "pcapng-%s", name);
	else
		snprintf(tname, sizeof(tname), "pcapng-%c-%s", (char)('0' + lane), name);
	rc = rte_ctrl_thread_create(&w->thread, tname, NULL, writer_main, w);
	if (rc != 0) {
		snprintf(err, errlen, "capture %s: cannot start writer thread: %s", name,
				strerror(rc));
		rc = -rc;
		goto fail;
	}
	return w;

fail:
	syncer_stop(w);
	if (w->fd >= 0 && w->file_reg) {
		char path[PATH_MAX];

		pcapng_writer_path(w, path, sizeof(path));
		unlink(path);
	}
	writer_free(w);
	rte_errno = -rc;
	return NULL;
}

struct pcapng_writer *
pcapng_writer_create(const char *name, const struct pcapng_conf *c, const struct pcapng_if *ifs,
		unsigned int nb_if, char *err, size_t errlen)
{
	struct pcapng_writer *w, *l;
	int rc;

	rc = validate(name, c, ifs, nb_if, err, errlen);
	if (rc < 0) {
		rte_errno = -rc;
		return NULL;
	}
	w = lane_create(name, c, ifs, nb_if, 0, NULL, err, errlen);
	if (w == NULL)
		return NULL;
	for (unsigned int k = 1; k < c->writers; k++) {
		l = lane_create(name, c, ifs, nb_if, k, w, err, errlen);
		if (l == NULL) {
			rc = rte_errno;
			/* Nothing was queued yet: the files of the writers before are empty. */
			for (unsigned int j = 0; j < w->nb_lanes; j++) {
				char path[PATH_MAX];

				pcapng_writer_path(w->lanes[j], path, sizeof(path));
				if (w->lanes[j]->file_reg && path[0] != '\0')
					unlink(path);
			}
			pcapng_writer_close(w, 1000, NULL);
			rte_errno = rc;
			return NULL;
		}
		w->lanes[w->nb_lanes++] = l;
	}
	return w;
}

unsigned int
pcapng_writer_enqueue(struct pcapng_writer *w, struct rte_mbuf **pkts, unsigned int n)
{
	if (w == NULL)
		return 0;
	return rte_ring_mp_enqueue_burst(w->ring, (void **)pkts, n, NULL);
}

uint32_t
pcapng_writer_mark(const struct pcapng_writer *w)
{
	/* An MP ring's producer tail passes an enqueue only once it and every earlier one are in.
	 */
	return __atomic_load_n(&w->ring->prod.tail, __ATOMIC_ACQUIRE);
}

bool
pcapng_writer_passed(const struct pcapng_writer *w, uint32_t mark)
{
	uint32_t settled;

	if (!w->shared) {
		settled = (uint32_t)__atomic_load_n(&w->settled, __ATOMIC_ACQUIRE);
		return (int32_t)(settled - mark) >= 0;
	}
	/* Every packet below the mark taken from the ring (tail first), and none still held. */
	if ((int32_t)(__atomic_load_n(&w->ring->cons.tail, __ATOMIC_ACQUIRE) - mark) < 0)
		return false;
	for (unsigned int k = 0; k < w->nb_lanes; k++) {
		uint64_t h = __atomic_load_n(&w->lanes[k]->holding, __ATOMIC_ACQUIRE);

		if (h != 0 && (int32_t)((uint32_t)h - mark) < 0)
			return false;
	}
	return true;
}

void
pcapng_writer_set_dir(struct pcapng_writer *w, const struct pcapng_if_dir *dir)
{
	for (unsigned int k = 0; w != NULL && k < w->nb_lanes; k++)
		__atomic_store_n(&w->lanes[k]->dir, dir, __ATOMIC_RELEASE);
}

void
pcapng_writer_set_ifstats(
		struct pcapng_writer *w, unsigned int if_idx, uint64_t recv, uint64_t drop)
{
	if (w == NULL || if_idx >= w->nb_static)
		return;
	for (unsigned int k = 0; k < w->nb_lanes; k++) {
		__atomic_store_n(&w->lanes[k]->ifstat[if_idx].recv, recv, __ATOMIC_RELAXED);
		__atomic_store_n(&w->lanes[k]->ifstat[if_idx].drop, drop, __ATOMIC_RELAXED);
	}
}

/* One writer's counters (any thread). */
static void
lane_stats(const struct pcapng_writer *w, struct pcapng_stats *s)
{
	s->pkts = __atomic_load_n(&w->stats.pkts, __ATOMIC_RELAXED);
	s->bytes = __atomic_load_n(&w->stats.bytes, __ATOMIC_RELAXED);
	s->files = __atomic_load_n(&w->stats.files, __ATOMIC_RELAXED);
	s->write_errors = __atomic_load_n(&w->stats.write_errors, __ATOMIC_RELAXED);
	s->error_drops = __atomic_load_n(&w->stats.error_drops, __ATOMIC_RELAXED);
	s->port_drops = __atomic_load_n(&w->stats.port_drops, __ATOMIC_RELAXED);
	s->close_drops = __atomic_load_n(&w->stats.close_drops, __ATOMIC_RELAXED);
	s->syncs = __atomic_load_n(&w->stats.syncs, __ATOMIC_RELAXED);
	s->sync_errors = __atomic_load_n(&w->stats.sync_errors, __ATOMIC_RELAXED);
	s->synced = __atomic_load_n(&w->stats.synced, __ATOMIC_RELAXED);
}

static void
stats_add(struct pcapng_stats *sum, const struct pcapng_stats *s)
{
	sum->pkts += s->pkts;
	sum->bytes += s->bytes;
	sum->files += s->files;
	sum->write_errors += s->write_errors;
	sum->error_drops += s->error_drops;
	sum->port_drops += s->port_drops;
	sum->close_drops += s->close_drops;
	sum->syncs += s->syncs;
	sum->sync_errors += s->sync_errors;
	sum->synced += s->synced;
}

static int lane_close(struct pcapng_writer *w, uint64_t end, unsigned int timeout_ms,
		struct pcapng_stats *final);

/* The packets left in the ring, counted once: by the writer that owns it (writer_free frees them).
 */
static unsigned int
queued_left(const struct pcapng_writer *w)
{
	return w->ring_owner ? rte_ring_count(w->ring) : 0;
}

int
pcapng_writer_close(struct pcapng_writer *w, unsigned int timeout_ms, struct pcapng_stats *final)
{
	return pcapng_writer_close_each(w, timeout_ms, final, NULL);
}

int
pcapng_writer_close_each(struct pcapng_writer *w, unsigned int timeout_ms,
		struct pcapng_stats *final, struct pcapng_stats *each)
{
	uint64_t t0 = clock_monotonic_ns(), end = t0 + timeout_ms * PCAPNG_NS_MS;
	struct pcapng_writer *lanes[PCAPNG_MAX_WRITERS];
	struct pcapng_stats sum, one;
	unsigned int nb;
	int rc = 0, r;

	if (w == NULL)
		return 0;
	/* Every writer drains the shared ring at once; the one that owns it is finished last. */
	nb = w->nb_lanes;
	memcpy(lanes, w->lanes, nb * sizeof(lanes[0]));
	for (unsigned int k = 0; k < nb; k++) {
		lanes[k]->drain_deadline = t0 + timeout_ms * PCAPNG_NS_MS / 2;
		__atomic_store_n(&lanes[k]->stop, 1, __ATOMIC_RELEASE);
	}
	memset(&sum, 0, sizeof(sum));
	for (unsigned int k = nb; k-- > 0;) {
		r = lane_close(lanes[k], end, timeout_ms, &one);
		stats_add(&sum, &one);
		if (each != NULL)
			each[k] = one;
		if (r != 0 && rc != -ETIMEDOUT)
			rc = r;
	}
	if (final != NULL)
		*final = sum;
	return rc;
}

/* Wait for one stopped writer (until @p end), then free it; its last counters in @p final. */
static int
lane_close(struct pcapng_writer *w, uint64_t end, unsigned int timeout_ms,
		struct pcapng_stats *final)
{
	struct timespec ts;
	int rc;

	while (__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) == 0 && clock_monotonic_ns() < end)
		usleep(1000);

	if (__atomic_load_n(&w->done, __ATOMIC_ACQUIRE) != 0) {
		pthread_join(w->thread, NULL);
		rc = w->final_rc;
	} else {
		/* Blocked in write() or open(): both are cancellation points. */
		PCAPNG_LOG(ERR, "capture %s: writer did not finish in %u ms, cancelling it",
				w->name, timeout_ms);
		pthread_cancel(w->thread);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * PCAPNG_NS_MS;
		if (ts.tv_nsec >= (long)PCAPNG_NS_S) {
			ts.tv_sec++;
			ts.tv_nsec -= PCAPNG_NS_S;
		}
		if (pthread_timedjoin_np(w->thread, NULL, &ts) != 0) {
			/* Stuck in the kernel: leave it (and its memory) alone. */
			PCAPNG_LOG(ERR, "capture %s: writer stuck in the kernel, leaving it",
					w->name);
			pthread_detach(w->thread);
			if (final != NULL) {
				lane_stats(w, final);
				/* Blocked in the kernel, it changes nothing of these any more. */
				final->close_drops += queued_left(w) + w->buf_pkts + w->burst_left;
			}
			return -ETIMEDOUT;
		}
		/*
		 * Cancelled and joined: what it held is lost and counted here, exactly: the ring
		 * (writer_free() frees it), the encoded but unwritten buffer, and the rest of the
		 * burst it was encoding (freed by its cleanup handler).
		 */
		STAT_ADD(w, close_drops, queued_left(w) + w->buf_pkts + w->burst_left);
		w->buf_pkts = 0;
		rc = -ETIMEDOUT;
	}
	if (!syncer_stop(w)) {
		/* Its fdatasync holds a dup of the file and the writer's memory: leave both. */
		if (final != NULL)
			lane_stats(w, final);
		return -ETIMEDOUT;
	}
	if (final != NULL)
		lane_stats(w, final);
	writer_free(w);
	return rc;
}

void
pcapng_writer_stats(const struct pcapng_writer *w, struct pcapng_stats *s)
{
	struct pcapng_stats one;

	/* NULL: an output that is no capture (a tunnel) has written nothing. */
	memset(s, 0, sizeof(*s));
	for (unsigned int k = 0; w != NULL && k < w->nb_lanes; k++) {
		lane_stats(w->lanes[k], &one);
		stats_add(s, &one);
	}
}

unsigned int
pcapng_writer_count(const struct pcapng_writer *w)
{
	return w != NULL ? w->nb_lanes : 0;
}

void
pcapng_writer_lane_stats(const struct pcapng_writer *w, unsigned int k, struct pcapng_stats *s)
{
	if (w == NULL || k >= w->nb_lanes)
		memset(s, 0, sizeof(*s));
	else
		lane_stats(w->lanes[k], s);
}

void
pcapng_writer_path(const struct pcapng_writer *w, char *buf, size_t len)
{
	struct pcapng_writer *ww = (struct pcapng_writer *)(uintptr_t)w;

	if (w == NULL) {
		if (len > 0)
			buf[0] = '\0';
		return;
	}
	rte_spinlock_lock(&ww->path_lock);
	snprintf(buf, len, "%s", ww->path);
	rte_spinlock_unlock(&ww->path_lock);
}

const struct rte_ring *
pcapng_writer_ring(const struct pcapng_writer *w)
{
	return w != NULL ? w->ring : NULL;
}
