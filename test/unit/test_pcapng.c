/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * Tests of the pcapng capture writer: files checked with the real readers (tshark, capinfos,
 * tcpdump) and with a block walker here for what they do not print (ISBs, exact bytes).
 * Needs the EAL (--no-huge) for the mempool and the ring.
 *
 * "test_pcapng --bench" measures the writer's rate instead (not a test: nothing asserted).
 */

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <pthread.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "clock.h"
#include "pcapng.h"
#include "pkt.h"
#include "unit.h"

#define TS_BASE 1700000000123456789ULL
#define TS_STEP 1001
#define ETH_TYPE_HI 0x88 /* 0x88b5: local experimental EtherType */
#define ETH_TYPE_LO 0xb5
#define POOL_SIZE 32767

static struct rte_mempool *pool;
static char tmpdir[128];

/* Byte j of packet @p seq (the frame as received, before any truncation). */
static uint8_t
pkt_byte(uint32_t seq, uint32_t j)
{
	static const uint8_t hdr[14] = { 0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, ETH_TYPE_HI,
		ETH_TYPE_LO };

	if (j < 14)
		return hdr[j];
	if (j < 18) /* sequence number, big endian */
		return (uint8_t)(seq >> (8 * (17 - j)));
	return (uint8_t)(seq * 7 + j);
}

/*
 * Build packet @p seq: @p len bytes in the mbuf (the caller's trimmed frame), in @p nb_seg
 * segments, with @p orig_len recorded (0: not truncated).
 */
static struct rte_mbuf *
make_pkt(uint32_t seq, uint32_t len, uint16_t port, uint64_t ts, uint8_t src, uint16_t orig_len,
		unsigned int nb_seg)
{
	struct rte_mbuf *head = NULL, *m;
	uint32_t off = 0, per = (len + nb_seg - 1) / nb_seg, j, n;
	unsigned int s;
	struct pkt_meta *meta;

	for (s = 0; s < nb_seg; s++) {
		n = RTE_MIN(per, len - off);
		m = rte_pktmbuf_alloc(pool);
		if (m == NULL)
			abort();
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
		for (j = 0; j < n; j++)
			d[j] = pkt_byte(seq, off + j);
		off += n;
		if (head == NULL)
			head = m;
		else if (rte_pktmbuf_chain(head, m) != 0)
			abort();
	}
	head->port = port;
	meta = pkt_meta(head);
	memset(meta, 0, sizeof(*meta));
	meta->ts_ns = ts;
	meta->ts_src = src;
	meta->orig_len = orig_len;
	return head;
}

/* Enqueue everything, waiting while the ring is full (tests must not drop). */
static void
enqueue_all(struct pcapng_writer *w, struct rte_mbuf **pkts, unsigned int n)
{
	unsigned int k = 0;

	while (k < n) {
		k += pcapng_writer_enqueue(w, pkts + k, n - k);
		if (k < n)
			usleep(100);
	}
}

/* Run a shell command, return its output (malloc'd) and exit status. */
static char *
run(const char *cmd, int *status)
{
	FILE *f = popen(cmd, "r");
	size_t cap = 1 << 16, len = 0, r;
	char *out = malloc(cap);

	if (f == NULL || out == NULL)
		abort();
	while ((r = fread(out + len, 1, cap - len - 1, f)) > 0) {
		len += r;
		if (cap - len < 4096) {
			cap *= 2;
			out = realloc(out, cap);
			if (out == NULL)
				abort();
		}
	}
	out[len] = '\0';
	*status = pclose(f);
	return out;
}

/* "1700000000.123456789" -> ns, exactly (no floating point). */
static bool
parse_epoch(const char *s, uint64_t *ns)
{
	char *end;
	uint64_t sec = strtoull(s, &end, 10), frac = 0;
	int digits = 0;

	if (*end != '.')
		return false;
	for (end++; *end >= '0' && *end <= '9'; end++, digits++)
		frac = frac * 10 + (uint64_t)(*end - '0');
	if (digits != 9)
		return false;
	*ns = sec * 1000000000ULL + frac;
	return true;
}

/* ---- A minimal pcapng walker for what the tools do not print. ---- */

struct walk {
	unsigned int shb, idb, epb, isb;
	bool ok; /* every block well formed, lengths consistent */
	uint64_t isb_recv[4], isb_drop[4], isb_start[4], isb_end[4];
	char if_name[4][64];
	uint32_t snaplen;
	uint8_t tsresol;
};

static uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t
rd_ts(const uint8_t *p)
{
	return ((uint64_t)rd32(p) << 32) | rd32(p + 4);
}

static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/*
 * Walk @p path. For each EPB, @p on_epb (if any) gets its fields and data; returns false to
 * mark the file bad.
 */
typedef bool (*epb_fn)(void *arg, uint32_t if_id, uint64_t ts, uint32_t cap, uint32_t orig,
		const uint8_t *data);

static void
walk_file(const char *path, struct walk *wk, epb_fn on_epb, void *arg)
{
	size_t len = 0, off = 0;
	uint8_t *buf = read_file(path, &len);

	memset(wk, 0, sizeof(*wk));
	wk->ok = buf != NULL;
	while (wk->ok && off + 12 <= len) {
		uint32_t type = rd32(buf + off), blen = rd32(buf + off + 4);
		const uint8_t *b = buf + off, *o, *oe;

		if (blen < 12 || blen % 4 != 0 || off + blen > len || rd32(b + blen - 4) != blen) {
			wk->ok = false;
			break;
		}
		o = oe = b + blen - 4;
		switch (type) {
		case 0x0A0D0D0A:
			wk->shb++;
			wk->ok &= rd32(b + 8) == 0x1A2B3C4D;
			break;
		case 1:
			o = b + 16;
			if (wk->idb == 0)
				wk->snaplen = rd32(b + 12);
			wk->idb++;
			break;
		case 6: {
			uint32_t cap = rd32(b + 20);

			wk->epb++;
			if (on_epb != NULL)
				wk->ok &= on_epb(arg, rd32(b + 8), rd_ts(b + 12), cap, rd32(b + 24),
						b + 28);
			o = b + 28 + RTE_ALIGN_CEIL(cap, 4);
			break;
		}
		case 5: {
			uint32_t i = rd32(b + 8);

			wk->isb++;
			o = b + 20;
			while (i < 4 && o + 4 <= oe && rd32(o) != 0) {
				uint16_t code = (uint16_t)rd32(o), olen = (uint16_t)(rd32(o) >> 16);

				if (code == 2)
					wk->isb_start[i] = rd_ts(o + 4);
				else if (code == 3)
					wk->isb_end[i] = rd_ts(o + 4);
				else if (code == 4)
					memcpy(&wk->isb_recv[i], o + 4, 8);
				else if (code == 5)
					memcpy(&wk->isb_drop[i], o + 4, 8);
				o += 4 + RTE_ALIGN_CEIL(olen, 4);
			}
			o = oe; /* options read above */
			break;
		}
		default:
			wk->ok = false;
		}
		/* Options of IDBs and EPBs: well formed, ending with opt_endofopt when present. */
		if (type == 1 || type == 6) {
			unsigned int idb = wk->idb - 1;

			while (wk->ok && o < oe) {
				uint16_t code, olen;

				if (o + 4 > oe) {
					wk->ok = false;
					break;
				}
				memcpy(&code, o, 2);
				memcpy(&olen, o + 2, 2);
				if (code == 0)
					break;
				if (type == 1 && code == 2 && idb < 4)
					snprintf(wk->if_name[idb], sizeof(wk->if_name[idb]), "%.*s",
							olen, (const char *)o + 4);
				if (type == 1 && code == 9)
					wk->tsresol = o[4];
				o += 4 + RTE_ALIGN_CEIL(olen, 4);
			}
			wk->ok &= o + 4 == oe || o == oe;
		}
		off += blen;
	}
	wk->ok &= off == len;
	free(buf);
}

/* ---- Test 1: one file, every field checked with tshark, tcpdump, capinfos. ---- */

#define BASIC_N 300
#define BASIC_SNAP 1000

struct expect {
	uint64_t ts;
	uint32_t len; /* frame length on the wire */
	uint32_t cap;
	uint32_t if_id;
	uint8_t src;
};

static struct expect basic[BASIC_N];

static bool
basic_epb(void *arg, uint32_t if_id, uint64_t ts, uint32_t cap, uint32_t orig, const uint8_t *data)
{
	unsigned int *i = arg;
	const struct expect *e;
	uint32_t seq, j;

	if (*i >= BASIC_N || cap < 18)
		return false;
	seq = (uint32_t)data[14] << 24 | (uint32_t)data[15] << 16 | (uint32_t)data[16] << 8 |
			data[17];
	if (seq != *i)
		return false;
	e = &basic[seq];
	(*i)++;
	if (if_id != e->if_id || ts != e->ts || cap != e->cap || orig != e->len)
		return false;
	for (j = 0; j < cap; j++)
		if (data[j] != pkt_byte(seq, j))
			return false;
	return true;
}

static void
test_basic(void)
{
	struct pcapng_if ifs[2] = {
		{ .name = "in0",
				.description = "first input",
				.speed_bps = 10000000000ULL,
				.port_id = 0 },
		{ .name = "net_pcap1", .description = "second input (no speed)", .port_id = 3 },
	};
	struct pcapng_conf c;
	struct pcapng_writer *w;
	struct pcapng_stats st;
	struct rte_mbuf *pkts[BASIC_N + 1];
	char err[512], path[512], cmd[1024], *out, *line, *save;
	unsigned int i, nb_trunc = 0, nb_snap = 0, nb_seg = 0, nb_rows = 0, bad_rows = 0,
			walked = 0;
	int status, rc;
	struct walk wk;
	bool ok;

	pcapng_conf_defaults(&c);
	snprintf(c.path, sizeof(c.path), "%s/basic.pcapng", tmpdir);
	c.snaplen = BASIC_SNAP;
	w = pcapng_writer_create("basic", &c, ifs, 2, err, sizeof(err));
	check(w != NULL, "create %s%s", c.path, w == NULL ? err : "");
	if (w == NULL)
		return;
	pcapng_writer_path(w, path, sizeof(path));
	check(strcmp(path, c.path) == 0, "pcapng_writer_path = %s", path);

	for (i = 0; i < BASIC_N; i++) {
		struct expect *e = &basic[i];
		uint32_t len = 60 + (i * 37) % 1400, mlen = len;
		uint16_t orig = 0;
		unsigned int segs = 1;

		e->ts = TS_BASE + (uint64_t)i * TS_STEP;
		e->if_id = i % 2;
		e->src = (uint8_t)(i % PKT_TS_MAX);
		if (i % 7 == 3) { /* truncated by the caller: mbuf holds 80 bytes, orig_len the rest
				   */
			mlen = RTE_MIN(len, 80u);
			orig = (uint16_t)len;
			nb_trunc++;
		}
		if (i % 5 == 1) {
			segs = 3;
			nb_seg++;
		}
		e->len = len;
		e->cap = RTE_MIN(mlen, (uint32_t)BASIC_SNAP);
		if (orig == 0 && len > BASIC_SNAP)
			nb_snap++;
		pkts[i] = make_pkt(i, mlen, ifs[e->if_id].port_id, e->ts, e->src, orig, segs);
	}
	/* A packet from a port that is not captured: counted, not written. */
	pkts[BASIC_N] = make_pkt(99999, 64, 9, TS_BASE, PKT_TS_SW, 0, 1);
	enqueue_all(w, pkts, BASIC_N / 2);
	/*
	 * The writer tells how far it has written: once it passed the mark taken after queueing,
	 * every packet queued before is in the file (write(2) returned), with no further wait.
	 */
	{
		const uint32_t mark = pcapng_writer_mark(w);
		bool passed = false;

		check(mark == BASIC_N / 2, "mark after %u packets queued: %u", BASIC_N / 2, mark);
		for (i = 0; i < 1000 && !(passed = pcapng_writer_passed(w, mark)); i++)
			usleep(10 * 1000);
		check(passed && !pcapng_writer_passed(w, mark + 1),
				"writer passed the mark, not beyond what was queued");
	}
	snprintf(cmd, sizeof(cmd), "capinfos -M -c -T %s 2>&1 | tail -1 | cut -f2", c.path);
	out = run(cmd, &status);
	check(status == 0 && strtoul(out, NULL, 10) == 150,
			"file readable while written: the 150 packets before the mark are there (%s)",
			out);
	free(out);
	enqueue_all(w, pkts + BASIC_N / 2, BASIC_N - BASIC_N / 2 + 1);

	/* Counters: wait (bounded) for the writer to get through the ring. */
	for (i = 0; i < 300; i++) {
		pcapng_writer_stats(w, &st);
		if (st.pkts + st.port_drops == BASIC_N + 1)
			break;
		usleep(10 * 1000);
	}
	check(st.pkts == BASIC_N && st.port_drops == 1 && st.files == 1 && st.error_drops == 0 &&
					st.write_errors == 0 && st.bytes > 0,
			"stats: %" PRIu64 " packets, %" PRIu64 " bytes, %" PRIu64 " files, %" PRIu64
			" from an unknown port (1)",
			st.pkts, st.bytes, st.files, st.port_drops);
	pcapng_writer_set_ifstats(w, 0, 123456, 7);
	pcapng_writer_set_ifstats(w, 1, 654321, 0);
	rc = pcapng_writer_close(w, 2000, NULL);
	check(rc == 0, "close: rc %d", rc);

	printf("info: %u packets: %u truncated by caller, %u cut by snaplen %u, %u in 3 "
	       "segments\n",
			BASIC_N, nb_trunc, nb_snap, BASIC_SNAP, nb_seg);

	/* tshark: timestamps (exact ns), lengths, interface ids, comments, names. */
	snprintf(cmd, sizeof(cmd),
			"tshark -r %s -T fields -E separator=/t -e frame.time_epoch -e frame.len "
			"-e frame.cap_len -e frame.interface_id -e frame.comment "
			"-e frame.interface_name -e frame.interface_description "
			"-e frame.packet_flags_direction 2>/dev/null",
			c.path);
	out = run(cmd, &status);
	check(status == 0, "tshark reads the file (exit %d)", status);
	for (line = strtok_r(out, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *f[8] = { 0 }, *s2, *tok;
		unsigned int k = 0;
		uint64_t ns;
		const struct expect *e;
		char want[32];

		for (tok = strtok_r(line, "\t", &s2); tok != NULL && k < 8;
				tok = strtok_r(NULL, "\t", &s2))
			f[k++] = tok;
		if (nb_rows >= BASIC_N || k < 8) {
			bad_rows++;
			nb_rows++;
			continue;
		}
		e = &basic[nb_rows];
		snprintf(want, sizeof(want), "ts=%s", pkt_ts_src_name(e->src));
		if (!parse_epoch(f[0], &ns) || ns != e->ts || strtoul(f[1], NULL, 10) != e->len ||
				strtoul(f[2], NULL, 10) != e->cap ||
				strtoul(f[3], NULL, 10) != e->if_id || strcmp(f[4], want) != 0 ||
				strcmp(f[5], ifs[e->if_id].name) != 0 ||
				strcmp(f[6], ifs[e->if_id].description) != 0 ||
				strtoul(f[7], NULL, 0) != 1) {
			if (bad_rows < 3)
				printf("info: row %u: %s %s %s %s %s %s %s %s; want %" PRIu64
				       " %u %u %u %s\n",
						nb_rows, f[0], f[1], f[2], f[3], f[4], f[5], f[6],
						f[7], e->ts, e->len, e->cap, e->if_id, want);
			bad_rows++;
		}
		nb_rows++;
	}
	check(nb_rows == BASIC_N && bad_rows == 0,
			"tshark: %u rows, %u wrong (exact ns time, len, cap_len, interface id, name, "
			"description, comment, direction)",
			nb_rows, bad_rows);
	free(out);

	/* tcpdump reads pcapng too; with nano precision it prints the same ns. */
	snprintf(cmd, sizeof(cmd),
			"tcpdump -r %s -nn -tt --time-stamp-precision=nano 2>/dev/null | "
			"grep '^[0-9]' | head -2",
			c.path);
	out = run(cmd, &status);
	check(status == 0 && strncmp(out, "1700000000.123456789 ", 21) == 0 &&
					strstr(out, "1700000000.123457790 ") != NULL,
			"tcpdump -r: first stamps %.*s", 60, out);
	free(out);
	snprintf(cmd, sizeof(cmd), "tcpdump -r %s -nn 2>/dev/null | grep -c '^[0-9]'", c.path);
	out = run(cmd, &status);
	check(status == 0 && strtoul(out, NULL, 10) == BASIC_N, "tcpdump -r: %lu packets",
			strtoul(out, NULL, 10));
	free(out);

	/* capinfos: packet count, interfaces, nanosecond resolution. */
	snprintf(cmd, sizeof(cmd), "capinfos %s 2>&1", c.path);
	out = run(cmd, &status);
	ok = status == 0 && strstr(out, "Number of packets:   300") != NULL &&
			strstr(out, "Number of interfaces in file: 2") != NULL &&
			strstr(out, "Name = in0") != NULL &&
			strstr(out, "Description = first input") != NULL &&
			strstr(out, "Name = net_pcap1") != NULL &&
			strstr(out, "Speed = 10000000000") != NULL &&
			strstr(out, "Time precision = nanoseconds (9)") != NULL &&
			strstr(out, "Capture application: stampede") != NULL;
	check(ok,
			"capinfos: 300 packets, 2 interfaces with names, description, speed, ns "
			"precision, application");
	if (!ok)
		printf("%s", out);
	free(out);

	walk_file(c.path, &wk, basic_epb, &walked);
	check(wk.ok && wk.shb == 1 && wk.idb == 2 && wk.epb == BASIC_N && walked == BASIC_N,
			"walk: well formed, 1 SHB, 2 IDBs, %u EPBs with exact bytes (multi-segment "
			"and truncated)",
			wk.epb);
	check(wk.snaplen == BASIC_SNAP && wk.tsresol == 9 &&
					strcmp(wk.if_name[1], "net_pcap1") == 0,
			"walk: IDB snaplen %u, if_tsresol %u", wk.snaplen, wk.tsresol);
	check(wk.isb == 2 && wk.isb_recv[0] == 123456 && wk.isb_drop[0] == 7 &&
					wk.isb_recv[1] == 654321 && wk.isb_drop[1] == 0 &&
					wk.isb_start[0] != 0 && wk.isb_end[0] >= wk.isb_start[0],
			"walk: 2 ISBs, ifrecv %" PRIu64 "/%" PRIu64 ", ifdrop %" PRIu64 "/%" PRIu64
			", start <= end",
			wk.isb_recv[0], wk.isb_recv[1], wk.isb_drop[0], wk.isb_drop[1]);
	check(rte_mempool_avail_count(pool) == POOL_SIZE, "all mbufs freed (%u of %u)",
			rte_mempool_avail_count(pool), POOL_SIZE);
}

/* ---- Helpers for multi-file tests. ---- */

/* Files in @p dir, sorted by name. */
static unsigned int
list_dir(const char *dir, char names[][300], unsigned int max)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort), i;
	unsigned int k = 0;

	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' && k < max)
			snprintf(names[k++], 300, "%s/%s", dir, ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return k;
}

/*
 * Read every file with capinfos and tcpdump and mark the sequence numbers (from the timestamps)
 * seen. Returns the number of files capinfos and tcpdump did not accept.
 */
static unsigned int
collect(char names[][300], unsigned int nb, uint8_t *seen, uint32_t max_seq, uint64_t max_size,
		unsigned int *dups, unsigned int *bad_ts, unsigned int *too_big)
{
	unsigned int i, bad = 0;
	char cmd[1024], *out, *line, *save;
	int status;
	struct stat st;

	for (i = 0; i < nb; i++) {
		snprintf(cmd, sizeof(cmd), "capinfos -c %s >/dev/null 2>&1", names[i]);
		out = run(cmd, &status);
		free(out);
		if (status != 0)
			bad++;
		if (max_size != 0 && stat(names[i], &st) == 0 && (uint64_t)st.st_size > max_size)
			(*too_big)++;
		/* tcpdump (fast) for the stamps of every file; tshark reads test_basic's. */
		snprintf(cmd, sizeof(cmd),
				"tcpdump -r %s -nn -tt --time-stamp-precision=nano 2>/dev/null | "
				"grep '^[0-9]' | cut -d' ' -f1",
				names[i]);
		out = run(cmd, &status);
		if (status != 0)
			bad++;
		for (line = strtok_r(out, "\n", &save); line != NULL;
				line = strtok_r(NULL, "\n", &save)) {
			uint64_t ns, seq;

			if (!parse_epoch(line, &ns) || ns < TS_BASE ||
					(ns - TS_BASE) % TS_STEP != 0 ||
					(seq = (ns - TS_BASE) / TS_STEP) >= max_seq) {
				(*bad_ts)++;
				continue;
			}
			if (seen[seq])
				(*dups)++;
			seen[seq] = 1;
		}
		free(out);
	}
	return bad;
}

static void
rm_dir(const char *dir)
{
	char names[512][300];
	unsigned int i, n = list_dir(dir, names, 512);

	for (i = 0; i < n; i++)
		unlink(names[i]);
	rmdir(dir);
}

static const struct pcapng_if one_if[1] = {
	{ .name = "in0", .description = "", .port_id = 0 },
};

/* ---- Test 2: rotation by size. ---- */

static void
test_rotate_size(void)
{
	enum {
		N = 3000,
		ROT = 65536
	};
	static char names[512][300];
	struct pcapng_conf c;
	struct pcapng_writer *w;
	struct rte_mbuf *pkts[32];
	uint8_t *seen = calloc(N, 1);
	char dir[200], err[512];
	unsigned int i, k, nb, bad, dups = 0, bad_ts = 0, too_big = 0, missing = 0;
	int rc;

	snprintf(dir, sizeof(dir), "%s/size", tmpdir);
	mkdir(dir, 0755);
	pcapng_conf_defaults(&c);
	snprintf(c.path, sizeof(c.path), "%s/%%Y%%m%%d-%%H%%M%%S-{index}.pcapng", dir);
	c.rotate_bytes = ROT;
	w = pcapng_writer_create("size", &c, one_if, 1, err, sizeof(err));
	check(w != NULL, "rotate by size: create %s", w == NULL ? err : "");
	if (w == NULL)
		return;
	for (i = 0; i < N; i += k) {
		k = RTE_MIN(32u, N - i);
		for (unsigned int j = 0; j < k; j++)
			pkts[j] = make_pkt(i + j, 60 + ((i + j) * 53) % 1441, 0,
					TS_BASE + (uint64_t)(i + j) * TS_STEP, PKT_TS_HW, 0,
					1 + (i + j) % 2);
		enqueue_all(w, pkts, k);
	}
	pcapng_writer_set_ifstats(w, 0, N, 0);
	rc = pcapng_writer_close(w, 5000, NULL);
	nb = list_dir(dir, names, 512);
	bad = collect(names, nb, seen, N, ROT, &dups, &bad_ts, &too_big);
	for (i = 0; i < N; i++)
		missing += !seen[i];
	check(rc == 0 && nb > 20, "rotate by size %u: close rc %d, %u files", ROT, rc, nb);
	check(bad == 0 && too_big == 0,
			"rotate by size: every file valid for capinfos and tcpdump (%u bad), none "
			"above %u bytes (%u)",
			bad, ROT, too_big);
	check(missing == 0 && dups == 0 && bad_ts == 0,
			"rotate by size: %u packets across files: %u missing, %u duplicated", N,
			missing, dups);
	/* Names carry {index} 0..nb-1 after the timestamp. */
	k = 0;
	for (i = 0; i < nb; i++) {
		char suffix[32];

		snprintf(suffix, sizeof(suffix), "-%u.pcapng", i);
		for (unsigned int j = 0; j < nb; j++)
			if (strlen(names[j]) > strlen(suffix) &&
					strcmp(names[j] + strlen(names[j]) - strlen(suffix),
							suffix) == 0) {
				k++;
				break;
			}
	}
	check(k == nb, "rotate by size: file names end with -0 .. -%u.pcapng (%u of %u)", nb - 1, k,
			nb);
	rm_dir(dir);
	free(seen);
}

/* ---- Test 2b: interfaces added while capturing (a directory), across rotations. ---- */

/* The interface name packet @p i must be written on (see test_dyn_if). */
static const char *
dyn_expect(uint32_t i, uint32_t n)
{
	static const char *const names[] = { "in0", "node7:0", "node5:3", "in0" };
	unsigned int key = i < n / 2 ? i % 2 : i % 4;

	if (i % 8 == 5)
		return "in1"; /* key 0 from port 1 */
	return names[key];
}

static void
test_dyn_if(void)
{
	enum {
		N = 2048, /* N / 2 is a multiple of the burst */
		ROT = 32768
	};
	static char names[512][300];
	static const struct pcapng_if two_if[2] = {
		{ .name = "in0", .description = "", .port_id = 0 },
		{ .name = "in1", .description = "", .port_id = 1 },
	};
	static struct pcapng_if_dir dir;
	struct pcapng_conf c;
	struct pcapng_writer *w;
	struct rte_mbuf *pkts[16];
	char dpath[200], err[512], cmd[1024], *out, *line, *save;
	unsigned int i, k, nb, bad = 0, wrong = 0, seen = 0, late_idb = 0;
	int status, rc;

	snprintf(dpath, sizeof(dpath), "%s/dyn", tmpdir);
	mkdir(dpath, 0755);
	pcapng_conf_defaults(&c);
	snprintf(c.path, sizeof(c.path), "%s/dyn-{index}.pcapng", dpath);
	c.rotate_bytes = ROT;
	memset(&dir, 0, sizeof(dir));
	w = pcapng_writer_create("dyn", &c, two_if, 2, err, sizeof(err));
	check(w != NULL, "interface directory: create %s", w == NULL ? err : "");
	if (w == NULL)
		return;
	pcapng_writer_set_dir(w, &dir);
	snprintf(dir.ifs[0].name, sizeof(dir.ifs[0].name), "node7:0");
	snprintf(dir.ifs[0].description, sizeof(dir.ifs[0].description), "edge seven");
	__atomic_store_n(&dir.nb, 1, __ATOMIC_RELEASE);
	for (i = 0; i < N; i += k) {
		k = RTE_MIN(16u, N - i);
		if (i == N / 2) {
			/* Key 2 appears half-way; key 3 is never published (falls back). */
			snprintf(dir.ifs[1].name, sizeof(dir.ifs[1].name), "node5:3");
			__atomic_store_n(&dir.nb, 2, __ATOMIC_RELEASE);
		}
		for (unsigned int j = 0; j < k; j++) {
			uint32_t q = i + j;

			pkts[j] = make_pkt(q, 60 + (q * 37) % 900, q % 8 == 5 ? 1 : 0,
					TS_BASE + (uint64_t)q * TS_STEP, PKT_TS_SW, 0, 1);
			pkt_meta(pkts[j])->if_key =
					q % 8 == 5 ? 0 : (uint8_t)(q < N / 2 ? q % 2 : q % 4);
		}
		enqueue_all(w, pkts, k);
		if (i % 256 == 0)
			usleep(2000); /* let the writer take bursts in between */
	}
	rc = pcapng_writer_close(w, 5000, NULL);
	nb = list_dir(dpath, names, 512);
	check(rc == 0 && nb > 5, "interface directory: close rc %d, %u files", rc, nb);
	/*
	 * All files through mergecap into one tshark (two process starts, not two per file): a
	 * file with a packet before its interface's IDB fails to read, and then packets are
	 * missing below.
	 */
	snprintf(cmd, sizeof(cmd),
			"mergecap -F pcapng -w - %.199s/dyn-*.pcapng 2>/dev/null | tshark -r - -T "
			"fields -e frame.time_epoch -e frame.interface_name "
			"-e frame.interface_description 2>/dev/null",
			dpath);
	out = run(cmd, &status);
	if (status != 0)
		bad++;
	for (line = strtok_r(out, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char ts[64] = "", name[64] = "", desc[64] = "";
		uint64_t ns, q;

		if (sscanf(line, "%63[^\t]\t%63[^\t]\t%63[^\n]", ts, name, desc) < 2 ||
				!parse_epoch(ts, &ns) || ns < TS_BASE) {
			wrong++;
			continue;
		}
		q = (ns - TS_BASE) / TS_STEP;
		seen++;
		if (q >= N || strcmp(name, dyn_expect((uint32_t)q, N)) != 0 ||
				(strcmp(name, "node7:0") == 0 && strcmp(desc, "edge seven") != 0))
			wrong++;
	}
	free(out);
	/* The last file starts after both keys appeared: 4 IDBs in its header. */
	snprintf(cmd, sizeof(cmd),
			"capinfos -I %.199s/dyn-%u.pcapng 2>/dev/null | grep -c 'Interface #'",
			dpath, nb - 1);
	out = run(cmd, &status);
	late_idb = atoi(out) == 4;
	free(out);
	check(bad == 0, "interface directory: mergecap and tshark read all %u files", nb);
	check(seen == N && wrong == 0,
			"interface directory: %u of %u packets on the expected interface (static, "
			"added, fallback), %u wrong",
			seen, N, wrong);
	check(late_idb == 1, "interface directory: the last file declares all 4 interfaces");
	rm_dir(dpath);
}

/* ---- Test 3: rotation by time. ---- */

static void
test_rotate_time(void)
{
	enum {
		N = 2500
	};
	static char names[512][300];
	struct pcapng_conf c;
	struct pcapng_writer *w;
	struct rte_mbuf *m;
	uint8_t *seen = calloc(N, 1);
	char dir[200], err[512];
	unsigned int i, nb, bad, dups = 0, bad_ts = 0, too_big = 0, missing = 0;
	uint64_t t0;
	int rc;

	snprintf(dir, sizeof(dir), "%s/time", tmpdir);
	mkdir(dir, 0755);
	pcapng_conf_defaults(&c);
	snprintf(c.path, sizeof(c.path), "%s/t-{index}.pcapng", dir);
	c.rotate_seconds = 1;
	w = pcapng_writer_create("time", &c, one_if, 1, err, sizeof(err));
	check(w != NULL, "rotate by time: create %s", w == NULL ? err : "");
	if (w == NULL)
		return;
	/* 2500 packets over 2.5 s. */
	t0 = clock_monotonic_ns();
	for (i = 0; i < N; i++) {
		uint64_t due = t0 + (uint64_t)i * 1000000;

		while (clock_monotonic_ns() < due)
			usleep(200);
		m = make_pkt(i, 100, 0, TS_BASE + (uint64_t)i * TS_STEP, PKT_TS_SW, 0, 1);
		enqueue_all(w, &m, 1);
	}
	rc = pcapng_writer_close(w, 5000, NULL);
	/* As many files as seconds the run really took (a loaded machine stretches it), +-1. */
	t0 = (clock_monotonic_ns() - t0) / 1000000000 + 1;
	nb = list_dir(dir, names, 512);
	bad = collect(names, nb, seen, N, 0, &dups, &bad_ts, &too_big);
	for (i = 0; i < N; i++)
		missing += !seen[i];
	check(rc == 0 && nb >= 2 && nb <= t0 + 1,
			"rotate every 1 s for 2.5 s: close rc %d, %u files (about %u expected)", rc,
			nb, (unsigned int)t0);
	check(bad == 0 && missing == 0 && dups == 0 && bad_ts == 0,
			"rotate by time: files valid (%u bad), %u packets: %u missing, %u duplicated",
			bad, N, missing, dups);
	rm_dir(dir);
	free(seen);
}

/* ---- Test 4: max_files keeps the newest N. ---- */

static void
test_max_files(void)
{
	enum {
		N = 600,
		KEEP = 3
	};
	static char names[512][300];
	struct pcapng_conf c;
	struct pcapng_writer *w;
	struct pcapng_stats st;
	struct rte_mbuf *pkts[N];
	uint8_t *seen = calloc(N, 1);
	char dir[200], err[512], want[300];
	unsigned int i, nb, bad, dups = 0, bad_ts = 0, too_big = 0, got = 0, newest_ok = 0,
				 contiguous = 0;
	int rc;

	snprintf(dir, sizeof(dir), "%s/ring", tmpdir);
	mkdir(dir, 0755);
	pcapng_conf_defaults(&c);
	snprintf(c.path, sizeof(c.path), "%s/r-{index}.pcapng", dir);
	c.rotate_bytes = 8192;
	c.max_files = KEEP;
	w = pcapng_writer_create("ring", &c, one_if, 1, err, sizeof(err));
	check(w != NULL, "max_files: create %s", w == NULL ? err : "");
	if (w == NULL)
		return;
	for (i = 0; i < N; i++)
		pkts[i] = make_pkt(i, 200, 0, TS_BASE + (uint64_t)i * TS_STEP, PKT_TS_PCAP, 0, 1);
	enqueue_all(w, pkts, N);
	/* The writer's final counters come with the close: no waiting on a clock. */
	rc = pcapng_writer_close(w, 5000, &st);
	nb = list_dir(dir, names, 512);
	bad = collect(names, nb, seen, N, 8192, &dups, &bad_ts, &too_big);
	for (i = 0; i < N; i++)
		got += seen[i];
	for (i = N - got; i < N; i++)
		contiguous += seen[i];
	for (i = 0; i < KEEP; i++) {
		snprintf(want, sizeof(want), "%s/r-%u.pcapng", dir,
				(unsigned int)st.files - KEEP + i);
		for (unsigned int j = 0; j < nb; j++)
			newest_ok += strcmp(names[j], want) == 0;
	}
	check(rc == 0 && st.files > 10 && nb == KEEP && newest_ok == KEEP,
			"max_files %u: %" PRIu64 " files opened, %u left, the newest (r-%u..r-%u)",
			KEEP, st.files, nb, (unsigned int)st.files - KEEP,
			(unsigned int)st.files - 1);
	check(bad == 0 && dups == 0 && bad_ts == 0 && got > 0 && contiguous == got,
			"max_files: remaining files valid, hold the last %u packets including the "
			"last one",
			got);
	rm_dir(dir);
	free(seen);
}

/* ---- Test 5: configuration errors. ---- */

static void
test_errors(void)
{
	struct pcapng_conf c;
	struct pcapng_writer *w;
	char err[512] = "";

	pcapng_conf_defaults(&c);
	snprintf(c.path, sizeof(c.path), "%s/no/such/dir/x-%%Y.pcapng", tmpdir);
	w = pcapng_writer_create("nodir", &c, one_if, 1, err, sizeof(err));
	check(w == NULL && rte_errno == ENOENT && strstr(err, "does not exist") != NULL &&
					strstr(err, "/no/such/dir") != NULL,
			"missing directory: %s", err);

	pcapng_conf_defaults(&c);
	snprintf(c.path, sizeof(c.path), "%s/x.pcapng", tmpdir);
	c.rotate_seconds = 10;
	w = pcapng_writer_create("noindex", &c, one_if, 1, err, sizeof(err));
	check(w == NULL && rte_errno == EINVAL && strstr(err, "{index}") != NULL,
			"rotation without {index}: %s", err);

	pcapng_conf_defaults(&c);
	snprintf(c.path, sizeof(c.path), "%s/x.pcapng", tmpdir);
	c.snaplen = 0;
	w = pcapng_writer_create("snap", &c, one_if, 1, err, sizeof(err));
	check(w == NULL && strstr(err, "snaplen 0 is out of range") != NULL, "snaplen 0: %s", err);
	check(access(c.path, F_OK) != 0, "no file left behind by failed creates");

	pcapng_conf_defaults(&c);
	snprintf(c.path, sizeof(c.path), "%s/x.pcapng", tmpdir);
	c.durable = true;
	c.sync_ms = 0;
	w = pcapng_writer_create("sync0", &c, one_if, 1, err, sizeof(err));
	check(w == NULL && strstr(err, "sync_ms 0 is out of range") != NULL, "sync_ms 0: %s", err);

	/* fdatasync means nothing on a device: durable refuses it rather than pretend. */
	pcapng_conf_defaults(&c);
	snprintf(c.path, sizeof(c.path), "/dev/null");
	c.durable = true;
	w = pcapng_writer_create("durnull", &c, one_if, 1, err, sizeof(err));
	check(w == NULL && strstr(err, "not a regular file; durable needs one") != NULL,
			"durable on /dev/null: %s", err);
}

/*
 * Durable: a mark is passed only once what is below it is fdatasync'ed, so whenever
 * pcapng_writer_passed() says yes, synced already counts those packets.
 */
static void
test_durable(void)
{
	struct pcapng_conf c;
	struct pcapng_writer *w;
	struct pcapng_stats st;
	struct rte_mbuf *pkts[100];
	char err[512];
	uint32_t mark;
	unsigned int i;
	int rc;

	pcapng_conf_defaults(&c);
	snprintf(c.path, sizeof(c.path), "%s/durable.pcapng", tmpdir);
	c.durable = true;
	c.sync_ms = 5;
	w = pcapng_writer_create("durable", &c, one_if, 1, err, sizeof(err));
	check(w != NULL, "durable: create %s", w == NULL ? err : "");
	if (w == NULL)
		return;
	for (i = 0; i < 100; i++)
		pkts[i] = make_pkt(i, 200, 0, TS_BASE + i, PKT_TS_SW, 0, 1);
	enqueue_all(w, pkts, 100);
	mark = pcapng_writer_mark(w);
	for (i = 0; i < 10000 && !pcapng_writer_passed(w, mark); i++)
		usleep(1000);
	pcapng_writer_stats(w, &st);
	check(pcapng_writer_passed(w, mark) && st.synced == 100 && st.syncs >= 1 &&
					st.sync_errors == 0,
			"durable: passed the mark with %" PRIu64 " of 100 packets synced, %" PRIu64
			" fdatasync calls, %" PRIu64 " errors",
			st.synced, st.syncs, st.sync_errors);
	rc = pcapng_writer_close(w, 2000, &st);
	check(rc == 0 && st.pkts == 100 && st.synced == 100,
			"durable: closed, 100 written and synced");
	unlink(c.path);
	check(rte_mempool_avail_count(pool) == POOL_SIZE, "durable: all mbufs freed");
}

/* ---- Test 6: write errors (disk full): counted, no crash, file retried. ---- */

static void
test_disk_full(void)
{
	struct pcapng_conf c;
	struct pcapng_writer *w;
	struct pcapng_stats st;
	struct rte_mbuf *pkts[100];
	char dev[200], err[512];
	const char *full = "/dev/full";
	unsigned int i;
	int rc;

	/* Our own node of /dev/full when we may make one (root), so nothing touches /dev. */
	snprintf(dev, sizeof(dev), "%s/full", tmpdir);
	if (mknod(dev, S_IFCHR | 0666, makedev(1, 7)) == 0)
		full = dev;
	pcapng_conf_defaults(&c);
	snprintf(c.path, sizeof(c.path), "%s", full);
	w = pcapng_writer_create("full", &c, one_if, 1, err, sizeof(err));
	check(w != NULL, "disk full: create on %s %s", full, w == NULL ? err : "");
	if (w == NULL)
		return;
	for (i = 0; i < 100; i++)
		pkts[i] = make_pkt(i, 500, 0, TS_BASE + i, PKT_TS_SW, 0, 1);
	enqueue_all(w, pkts, 100);
	usleep(1500 * 1000); /* the first flush fails, then one retry a second later */
	rc = pcapng_writer_close(w, 2000, &st); /* final counters: whatever the machine's speed */
	check(st.write_errors >= 2 && st.error_drops == 100 && st.pkts == 0 && st.files >= 2,
			"disk full: %" PRIu64 " write errors, %" PRIu64
			" packets dropped (100), %" PRIu64 " opens (retried), close rc %d",
			st.write_errors, st.error_drops, st.files, rc);
	struct stat sb;
	check(stat(full, &sb) == 0 && S_ISCHR(sb.st_mode), "%s still there (never unlinked)", full);
	if (full == dev)
		unlink(dev);
	check(rte_mempool_avail_count(pool) == POOL_SIZE, "disk full: all mbufs freed");
}

/* ---- Test 7: close with a full ring is bounded. ---- */

struct fifo_copy {
	int fd;
	char path[256];
};

/* Copy a FIFO to a file until the writer closes it. */
static void *
fifo_copy(void *arg)
{
	struct fifo_copy *fc = arg;
	static char buf[1 << 16];
	int out = open(fc->path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	ssize_t n;

	while ((n = read(fc->fd, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	close(out);
	return NULL;
}

static void
test_close_bounded(void)
{
	enum {
		RING = 8192
	};
	struct pcapng_conf c;
	struct pcapng_writer *w;
	struct pcapng_stats st;
	struct rte_mbuf *pkts[64];
	char err[512], fifo[200], cmd[600], *out;
	unsigned int i, k, accepted = 0;
	struct fifo_copy copy;
	pthread_t reader;
	uint64_t t0, el;
	int rc, rfd, status;

	/*
	 * (a) A full ring: the writer writes into a FIFO that nobody reads until the ring is
	 * full; then a reader copies the FIFO to a file and close() drains everything.
	 */
	snprintf(fifo, sizeof(fifo), "%s/slow.fifo", tmpdir);
	snprintf(copy.path, sizeof(copy.path), "%s/full-ring.pcapng", tmpdir);
	mkfifo(fifo, 0600);
	copy.fd = open(fifo, O_RDONLY | O_NONBLOCK);
	pcapng_conf_defaults(&c);
	snprintf(c.path, sizeof(c.path), "%s", fifo);
	c.ring_size = RING;
	w = pcapng_writer_create("fullring", &c, one_if, 1, err, sizeof(err));
	check(w != NULL, "full ring: create %s", w == NULL ? err : "");
	if (w == NULL)
		return;
	for (;;) {
		for (i = 0; i < 64; i++)
			pkts[i] = make_pkt(accepted + i, 1500, 0,
					TS_BASE + (uint64_t)(accepted + i) * TS_STEP, PKT_TS_HW, 0,
					1);
		k = pcapng_writer_enqueue(w, pkts, 64);
		accepted += k;
		rte_pktmbuf_free_bulk(pkts + k, 64 - k);
		if (k < 64)
			break;
	}
	fcntl(copy.fd, F_SETFL, 0);
	pthread_create(&reader, NULL, fifo_copy, &copy);
	t0 = clock_monotonic_ns();
	rc = pcapng_writer_close(w, 5000, NULL);
	el = (clock_monotonic_ns() - t0) / 1000000;
	pthread_join(reader, NULL);
	close(copy.fd);
	unlink(fifo);
	snprintf(cmd, sizeof(cmd), "capinfos -M -c -T %s 2>&1", copy.path);
	out = run(cmd, &status);
	snprintf(cmd, sizeof(cmd), "\t%u\n", accepted);
	check(rc == 0 && status == 0 && strstr(out, cmd) != NULL,
			"full ring (%u queued, %u in the ring): close rc %d in %" PRIu64
			" ms, file valid with every packet",
			accepted, RING, rc, el);
	free(out);
	unlink(copy.path);

	/* (b) A disk that blocks forever: a FIFO nobody reads. close() returns, bounded. */
	snprintf(fifo, sizeof(fifo), "%s/blocked.fifo", tmpdir);
	mkfifo(fifo, 0600);
	rfd = open(fifo, O_RDONLY | O_NONBLOCK); /* a reader exists, never reads */
	pcapng_conf_defaults(&c);
	snprintf(c.path, sizeof(c.path), "%s", fifo);
	c.ring_size = RING;
	w = pcapng_writer_create("blocked", &c, one_if, 1, err, sizeof(err));
	check(w != NULL, "blocked disk: create %s", w == NULL ? err : "");
	if (w == NULL)
		return;
	accepted = 0;
	for (;;) {
		for (i = 0; i < 64; i++)
			pkts[i] = make_pkt(i, 1500, 0, TS_BASE, PKT_TS_HW, 0, 1);
		k = pcapng_writer_enqueue(w, pkts, 64);
		accepted += k;
		rte_pktmbuf_free_bulk(pkts + k, 64 - k);
		if (k < 64)
			break;
	}
	usleep(200 * 1000); /* the writer is now stuck in write() */
	pcapng_writer_stats(w, &st);
	t0 = clock_monotonic_ns();
	rc = pcapng_writer_close(w, 300, NULL);
	el = (clock_monotonic_ns() - t0) / 1000000;
	/* Bounded, not fast: a generous margin over the 300 ms asked for (no timing assert). */
	check(rc == -ETIMEDOUT && el < 10000,
			"blocked disk: close(300 ms) returns %d (-ETIMEDOUT) after %" PRIu64 " ms",
			rc, el);
	check(rte_mempool_avail_count(pool) == POOL_SIZE,
			"blocked disk: all mbufs freed, even those the cancelled writer held (%u of "
			"%u)",
			rte_mempool_avail_count(pool), POOL_SIZE);
	close(rfd);
	unlink(fifo);
}

/* ---- Benchmark (not run by meson test). ---- */

static void
bench_one(uint32_t len, uint64_t n, bool comments)
{
	enum {
		NB_M = 1024
	};
	struct pcapng_conf c;
	struct pcapng_writer *w;
	struct rte_mbuf *ms[NB_M];
	char err[512];
	uint64_t i, t0, el, sent = 0;
	struct stat sb;
	unsigned int j;
	int rc;

	pcapng_conf_defaults(&c);
	snprintf(c.path, sizeof(c.path), "%s/bench.pcapng", tmpdir);
	c.comments = comments;
	c.ring_size = 65536;
	w = pcapng_writer_create("bench", &c, one_if, 1, err, sizeof(err));
	if (w == NULL) {
		printf("bench: %s\n", err);
		return;
	}
	/* The same mbufs over and over: a high refcount makes the writer's free a decrement. */
	for (j = 0; j < NB_M; j++) {
		ms[j] = make_pkt(j, len, 0, TS_BASE + j, PKT_TS_HW, 0, 1);
		rte_mbuf_refcnt_set(ms[j], UINT16_MAX);
	}
	t0 = clock_monotonic_ns();
	for (i = 0; i < n; i += 32) {
		unsigned int k = 0, b = (unsigned int)RTE_MIN((uint64_t)32, n - i);
		struct rte_mbuf **p = ms + (i % NB_M);

		while (k < b) {
			k += pcapng_writer_enqueue(w, p + k, b - k);
			if (k < b)
				rte_pause();
		}
		sent += b;
	}
	rc = pcapng_writer_close(w, 60000, NULL);
	el = clock_monotonic_ns() - t0;
	if (stat(c.path, &sb) != 0)
		sb.st_size = 0;
	printf("bench: %4u-byte packets, comments %-3s: %" PRIu64 " packets in %.3f s = %.2f Mpps, "
	       "%.0f MB/s of file (%.0f bytes per packet, close rc %d)\n",
			len, comments ? "on" : "off", sent, el / 1e9, sent * 1e3 / el,
			(double)sb.st_size * 1e3 / el, (double)sb.st_size / sent, rc);
	for (j = 0; j < NB_M; j++) {
		rte_mbuf_refcnt_set(ms[j], 1);
		rte_pktmbuf_free(ms[j]);
	}
	unlink(c.path);
}

/* capinfos' packet count of @p path (-1 when it cannot read it). */
static long
capinfos_count(const char *path)
{
	char cmd[1024], *out;
	int status;
	long n;

	snprintf(cmd, sizeof(cmd), "capinfos -M -c -T %s 2>&1 | tail -1 | cut -f2", path);
	out = run(cmd, &status);
	n = status == 0 ? strtol(out, NULL, 10) : -1;
	free(out);
	return n;
}

#define WRITERS_N 3
#define WRITERS_ROUNDS 6
#define WRITERS_PER_ROUND 700

/*
 * Three writer threads on one ring: after each round of packets, the mark taken after queueing
 * them is passed only once every one of them is in the files (the EPBs of the three files,
 * counted as soon as it is passed, while they are being written), and never beyond what was
 * queued. At close, the
 * files hold every packet once (sequence numbers), and each writer's counters match its file.
 */
static void
test_writers(void)
{
	struct pcapng_if ifs[1] = { { .name = "in0", .port_id = 0 } };
	struct pcapng_stats st, each[WRITERS_N], lane;
	struct rte_mbuf *pkts[WRITERS_PER_ROUND];
	struct pcapng_conf c;
	struct pcapng_writer *w;
	char err[512], path[512];
	unsigned int r, i, k, queued = 0, bad_rounds = 0, late = 0;
	struct walk wk;
	long total, cnt[WRITERS_N];
	int rc;

	pcapng_conf_defaults(&c);
	snprintf(c.path, sizeof(c.path), "%s/w-{writer}.pcapng", tmpdir);
	c.writers = WRITERS_N;
	w = pcapng_writer_create("writers", &c, ifs, 1, err, sizeof(err));
	check(w != NULL, "create with %u writers%s%s", WRITERS_N, w == NULL ? ": " : "",
			w == NULL ? err : "");
	if (w == NULL)
		return;
	check(pcapng_writer_count(w) == WRITERS_N, "pcapng_writer_count = %u",
			pcapng_writer_count(w));
	for (r = 0; r < WRITERS_ROUNDS; r++) {
		uint32_t mark;
		bool passed = false;

		for (i = 0; i < WRITERS_PER_ROUND; i++)
			pkts[i] = make_pkt(queued + i, 60 + (queued + i) % 200, 0,
					TS_BASE + (uint64_t)(queued + i) * TS_STEP, PKT_TS_SW, 0,
					1);
		enqueue_all(w, pkts, WRITERS_PER_ROUND);
		queued += WRITERS_PER_ROUND;
		mark = pcapng_writer_mark(w);
		if (pcapng_writer_passed(w, mark + 1))
			late++;
		for (i = 0; i < 1000 && !(passed = pcapng_writer_passed(w, mark)); i++)
			usleep(10 * 1000);
		/* Right away (the block walker, not a process): the EPBs in the files now. */
		for (k = 0, total = 0; k < WRITERS_N; k++) {
			snprintf(path, sizeof(path), "%s/w-%u.pcapng", tmpdir, k);
			walk_file(path, &wk, NULL, NULL);
			total += wk.epb;
		}
		if (!passed || total < (long)queued)
			bad_rounds++;
	}
	check(bad_rounds == 0,
			"each round: mark passed, and then the files hold every packet "
			"queued before it (%u rounds wrong)",
			bad_rounds);
	check(late == 0, "a mark beyond what was queued is never passed (%u)", late);
	rc = pcapng_writer_close_each(w, 5000, &st, each);
	check(rc == 0 && st.pkts == queued && st.close_drops == 0 && st.error_drops == 0,
			"close: rc %d, written %" PRIu64 " of %u", rc, st.pkts, queued);
	for (k = 0, total = 0; k < WRITERS_N; k++) {
		snprintf(path, sizeof(path), "%s/w-%u.pcapng", tmpdir, k);
		cnt[k] = capinfos_count(path);
		total += cnt[k];
		check(cnt[k] >= 0 && each[k].pkts == (uint64_t)cnt[k] && each[k].files == 1,
				"writer %u: written %" PRIu64 " == capinfos %ld, files %" PRIu64, k,
				each[k].pkts, cnt[k], each[k].files);
	}
	check(total == (long)queued, "the files hold %ld packets of %u", total, queued);
	pcapng_writer_lane_stats(NULL, 0, &lane);
	check(lane.pkts == 0, "lane stats of no writer: zeros");
}

/*
 * ---- The writer's fast path (one-segment frames) against its general path and a model. ----
 *
 * The same frames are written twice: in one-segment mbufs (the writer's fast path) and split in
 * two segments (its general path). Every EPB of both files must be the bytes this test's own
 * encoder builds from the pcapng spec: frame lengths 0..140 and a few large ones, unicast,
 * multicast and broadcast destinations, every timestamp source (and out-of-range ones), frames
 * truncated by the caller, with epb_flags and comments on and off, and a snaplen that cuts.
 */

#define FP_N 160
#define FP_POOL2 64

static struct rte_mempool *fp_pool2;

/* Byte j of fast-path frame @p k: its destination MAC says unicast, multicast or broadcast. */
static uint8_t
fp_byte(uint32_t k, uint32_t j)
{
	static const uint8_t dst[3][6] = { { 0x02, 0, 0, 0, 0, 1 },
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x07 }, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

	if (j < 6)
		return dst[k % 3][j];
	return (uint8_t)(k * 13 + j * 3 + 1);
}

/* Frame k: its length in the mbuf, and the original length recorded (0: not truncated). */
static void
fp_lens(uint32_t k, uint32_t *len, uint16_t *orig)
{
	static const uint32_t big[] = { 200, 1000, 1514, 2000, 2048 };

	*len = k <= 140 ? k : big[(k - 141) % RTE_DIM(big)];
	*orig = k % 11 == 5 ? (uint16_t)(*len + 100) : 0;
}

static struct rte_mbuf *
fp_mbuf(uint32_t k, unsigned int nb_seg)
{
	struct rte_mbuf *head = NULL, *m;
	uint32_t len, off = 0, n, j;
	uint16_t orig;
	struct pkt_meta *meta;

	fp_lens(k, &len, &orig);
	for (unsigned int s = 0; s < nb_seg; s++) {
		n = s + 1 == nb_seg ? len - off : len / nb_seg;
		m = rte_pktmbuf_alloc(pool);
		if (m == NULL)
			abort();
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
		if (n != 0 && d == NULL)
			abort();
		for (j = 0; j < n; j++)
			d[j] = fp_byte(k, off + j);
		off += n;
		if (head == NULL)
			head = m;
		else if (rte_pktmbuf_chain(head, m) != 0)
			abort();
	}
	head->port = (uint16_t)(k % 2 == 0 ? 0 : 3);
	meta = pkt_meta(head);
	memset(meta, 0, sizeof(*meta));
	meta->ts_ns = TS_BASE + (uint64_t)k * 977 * TS_STEP;
	meta->ts_src = (uint8_t)(k % 9 == 8 ? 200 : k % (PKT_TS_MAX + 1));
	meta->orig_len = orig;
	return head;
}

static uint8_t *
fp_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
	return p + 4;
}

/* The EPB of frame @p k as the pcapng spec lays it out; returns its length. */
static uint32_t
fp_model(uint32_t k, const struct pcapng_conf *c, uint8_t *out)
{
	uint32_t len, cap, orig32, j, fl;
	uint16_t orig;
	uint8_t *p = out, src;
	uint64_t ts = TS_BASE + (uint64_t)k * 977 * TS_STEP;
	char comment[32];
	size_t clen;

	fp_lens(k, &len, &orig);
	src = (uint8_t)(k % 9 == 8 ? 200 : k % (PKT_TS_MAX + 1));
	cap = RTE_MIN(len, c->snaplen);
	orig32 = RTE_MAX(orig != 0 ? orig : len, cap);
	p = fp_put32(p, 6);
	p = fp_put32(p, 0); /* length, below */
	p = fp_put32(p, k % 2);
	p = fp_put32(p, (uint32_t)(ts >> 32));
	p = fp_put32(p, (uint32_t)ts);
	p = fp_put32(p, cap);
	p = fp_put32(p, orig32);
	for (j = 0; j < cap; j++)
		*p++ = fp_byte(k, j);
	while (j++ % 4 != 0)
		*p++ = 0;
	if (c->flags) {
		fl = 1; /* inbound */
		if (cap >= 6)
			fl |= k % 3 == 0 ? 1u << 2 : k % 3 == 1 ? 2u << 2 : 3u << 2;
		p = fp_put32(p, 2 | 4u << 16);
		p = fp_put32(p, fl);
	}
	if (c->comments) {
		snprintf(comment, sizeof(comment), "ts=%s", pkt_ts_src_name((enum pkt_ts_src)src));
		clen = strlen(comment);
		p = fp_put32(p, 1 | (uint32_t)clen << 16);
		memcpy(p, comment, clen);
		for (j = (uint32_t)clen; j % 4 != 0; j++)
			p[j] = 0;
		p += j;
	}
	if (c->flags || c->comments)
		p = fp_put32(p, 0);
	p = fp_put32(p, (uint32_t)(p - out) + 4);
	fp_put32(out + 4, (uint32_t)(p - out));
	return (uint32_t)(p - out);
}

/*
 * Write the FP_N frames in @p nb_seg segments each; compare the file's EPBs with the model. In
 * one segment, every tenth frame from the fifth on is not a plain mbuf the writer may put back
 * with the others: @p kind 0 a shared one (the test holds a reference), 1 an indirect one (a
 * clone), 2 one of another pool. The writer's first burst starts at frame 0, so its run of
 * plain mbufs ends at frame 4.
 */
static unsigned int
fp_file(const struct pcapng_conf *c0, const char *tag, unsigned int nb_seg, unsigned int kind,
		unsigned int *epbs)
{
	static const struct pcapng_if ifs[2] = { { .name = "a", .port_id = 0 },
		{ .name = "b", .port_id = 3 } };
	static uint8_t want[PCAPNG_MAX_SNAPLEN + 256];
	struct rte_mbuf *pkts[FP_N], *held[FP_N];
	unsigned int nb_held = 0;
	struct pcapng_conf c = *c0;
	int rc;
	struct pcapng_writer *w;
	unsigned int wrong = 0, k = 0;
	size_t len = 0, off = 0;
	uint8_t *buf;
	char err[512];

	*epbs = 0;
	snprintf(c.path, sizeof(c.path), "%s/fp-%s-%u.pcapng", tmpdir, tag, nb_seg);
	w = pcapng_writer_create("fp", &c, ifs, 2, err, sizeof(err));
	if (w == NULL) {
		printf("info: create %s: %s\n", c.path, err);
		return FP_N;
	}
	for (k = 0; k < FP_N; k++) {
		if (nb_seg == 1 && kind == 2 && k % 10 == 4) { /* an mbuf of another pool */
			struct rte_mempool *p0 = pool;

			pool = fp_pool2;
			pkts[k] = fp_mbuf(k, nb_seg);
			pool = p0;
		} else {
			pkts[k] = fp_mbuf(k, nb_seg);
		}
		if (nb_seg == 1 && kind == 0 && k % 10 == 4) { /* shared: the test keeps a ref */
			rte_pktmbuf_refcnt_update(pkts[k], 1);
			held[nb_held++] = pkts[k];
		} else if (nb_seg == 1 && kind == 1 && k % 10 == 4) { /* indirect: a clone */
			held[nb_held++] = pkts[k];
			pkts[k] = rte_pktmbuf_clone(pkts[k], pool);
			if (pkts[k] == NULL)
				abort();
		}
	}
	enqueue_all(w, pkts, FP_N);
	rc = pcapng_writer_close(w, 5000, NULL);
	/* The writer freed its references only: the test's are still good, freed here. */
	for (k = 0; k < nb_held; k++)
		wrong += rte_mbuf_refcnt_read(held[k]) != 1;
	rte_pktmbuf_free_bulk(held, nb_held);
	if (rc != 0)
		return FP_N;
	buf = read_file(c.path, &len);
	if (buf == NULL)
		return FP_N;
	for (k = 0; off + 8 <= len; off += rd32(buf + off + 4)) {
		uint32_t type = rd32(buf + off), blen = rd32(buf + off + 4), wlen;

		if (blen < 12 || off + blen > len)
			break;
		if (type != 6)
			continue;
		wlen = k < FP_N ? fp_model(k, &c, want) : 0;
		if (wlen != blen || memcmp(want, buf + off, blen) != 0) {
			if (wrong < 3)
				printf("info: %s, %u segment(s): EPB of frame %u: %u bytes, model "
				       "%u\n",
						tag, nb_seg, k, blen, wlen);
			wrong++;
		}
		k++;
	}
	*epbs = k;
	free(buf);
	return wrong + (off == len ? 0 : 1);
}

static void
test_fast_path(void)
{
	static const struct {
		const char *tag;
		bool flags, comments;
		uint32_t snaplen;
	} confs[] = {
		{ "all", true, true, PCAPNG_MAX_SNAPLEN },
		{ "flags", true, false, PCAPNG_MAX_SNAPLEN },
		{ "comments", false, true, PCAPNG_MAX_SNAPLEN },
		{ "none", false, false, PCAPNG_MAX_SNAPLEN },
		{ "snap", true, true, 97 },
	};
	struct pcapng_conf c;
	unsigned int i, seg, bad, epbs;

	fp_pool2 = rte_pktmbuf_pool_create(
			"ut_pcapng2", FP_POOL2, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	check(fp_pool2 != NULL, "second mempool");
	if (fp_pool2 == NULL)
		return;
	for (i = 0; i < RTE_DIM(confs); i++) {
		pcapng_conf_defaults(&c);
		c.flags = confs[i].flags;
		c.comments = confs[i].comments;
		c.snaplen = confs[i].snaplen;
		for (seg = 1; seg <= 2; seg++) {
			bad = fp_file(&c, confs[i].tag, seg, i % 3, &epbs);
			check(bad == 0 && epbs == FP_N,
					"%s path, %s: %u EPBs, %u wrong (bytes against the spec's layout, or a reference the test holds freed)",
					seg == 1 ? "fast (one segment)" : "general (two segments)",
					confs[i].tag, epbs, bad);
		}
	}
	/* A shared, indirect or other-pool mbuf put back with the others would show here. */
	check(rte_mempool_avail_count(pool) == POOL_SIZE &&
					rte_mempool_avail_count(fp_pool2) == FP_POOL2,
			"every mbuf freed once, shared, cloned and of another pool among them (%u of "
			"%u, %u of %u)",
			rte_mempool_avail_count(pool), POOL_SIZE, rte_mempool_avail_count(fp_pool2),
			FP_POOL2);
	rte_mempool_free(fp_pool2);
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "-m", "256", "--no-pci", "-l", "0", prefix,
		"--log-level=error" };
	bool bench = argc > 1 && strcmp(argv[1], "--bench") == 0;

	snprintf(prefix, sizeof(prefix), "--file-prefix=ut-pcapng-%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(eal), eal) < 0) {
		printf("FAIL: rte_eal_init: %s\n0 passed, 1 failed\n", rte_strerror(rte_errno));
		return 1;
	}
	if (pkt_meta_register() < 0) {
		printf("FAIL: pkt_meta_register\n0 passed, 1 failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create(
			"ut_pcapng", POOL_SIZE, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (pool == NULL) {
		printf("FAIL: mempool: %s\n0 passed, 1 failed\n", rte_strerror(rte_errno));
		return 1;
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s/ut-pcapng-%d", bench && argc > 2 ? argv[2] : "/tmp",
			(int)getpid());
	if (mkdir(tmpdir, 0755) != 0) {
		printf("FAIL: mkdir %s: %s\n0 passed, 1 failed\n", tmpdir, strerror(errno));
		return 1;
	}

	if (bench) {
		bench_one(64, 10000000, true);
		bench_one(64, 10000000, false);
		bench_one(1500, 2000000, true);
		bench_one(1500, 2000000, false);
	} else {
		test_basic();
		test_fast_path();
		test_rotate_size();
		test_dyn_if();
		test_rotate_time();
		test_max_files();
		test_errors();
		test_durable();
		test_disk_full();
		test_close_bounded();
		test_writers();
	}
	if (getenv("PCAPNG_TEST_KEEP") == NULL) /* keep the files to look at them */
		rm_dir(tmpdir);
	if (!bench)
		printf("%u passed, %u failed\n", nb_passed, nb_failed);
	rte_eal_cleanup();
	return nb_failed == 0 ? 0 : 1;
}
