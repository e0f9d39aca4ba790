/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include <rte_bpf.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "filter.h"
#include "pkt.h"

/* Snap length of the dead handle: what a match returns; any non-zero value would do. */
#define FILTER_SNAPLEN 65535

struct filter {
	struct rte_bpf *bpf;	     /* loaded program (read-only mapping, owned) */
	uint64_t (*jit)(void *mbuf); /* JIT code inside bpf, NULL when there is none */
	bool use_jit;		     /* run jit rather than the interpreter */
	char expr[];		     /* the source expression */
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * libpcap's compiler on a dead Ethernet handle. The optimiser is on, as in tcpdump, so that the
 * program and its matches are the same as tcpdump's. The netmask is unknown: only `ip broadcast`
 * needs it, and libpcap then says so in its message.
 */
static int
compile_cbpf(const char *expr, struct bpf_program *prog, char *err, size_t errlen)
{
	pcap_t *p;
	int rc = 0;

	if (expr == NULL) {
		set_err(err, errlen, "filter: NULL expression");
		return -EINVAL;
	}
	p = pcap_open_dead(DLT_EN10MB, FILTER_SNAPLEN);
	if (p == NULL) {
		set_err(err, errlen, "filter: pcap_open_dead failed");
		return -ENOMEM;
	}
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		set_err(err, errlen, "%s", pcap_geterr(p));
		rc = -EINVAL;
	}
	pcap_close(p);
	return rc;
}

#define LOOP_MSG "filter: '%s' loops (protochain?), which DPDK's BPF verifier does not accept"

/* True when the classic program jumps backwards: libpcap does so for `protochain` only. */
static bool
cbpf_has_loop(const struct bpf_program *prog)
{
	unsigned int i;

	for (i = 0; i < prog->bf_len; i++) {
		const struct bpf_insn *in = &prog->bf_insns[i];

		if (in->code == (BPF_JMP | BPF_JA) && (int32_t)in->k < 0)
			return true;
	}
	return false;
}

int
filter_check_syntax(const char *expr, char *err, size_t errlen)
{
	struct bpf_program prog;
	int rc;

	rc = compile_cbpf(expr, &prog, err, errlen);
	if (rc != 0)
		return rc;
	/* What filter_create() would refuse, refused here too: --check must not pass it. */
	if (cbpf_has_loop(&prog)) {
		set_err(err, errlen, LOOP_MSG, expr);
		rc = -EINVAL;
	}
	pcap_freecode(&prog);
	return rc;
}

/*
 * Two bugs of DPDK's BPF library (22.11, and still in main as of 2026) that make pcap filters go
 * wrong; fix_ebpf() works around both on the converted program, and is a no-op on a DPDK that
 * fixes them. It also gives `len` libpcap's meaning (3, below).
 *
 * 1. rte_bpf_convert() gives the eBPF BPF_LD | BPF_IND it makes from classic `ld{b,h,} [x + k]`
 *    the index register X only when BPF_SRC() of the classic opcode says BPF_X, as for an ALU
 *    operation; but for loads that bit (0x08) is BPF_H. So `ldh [x + k]` indexes with X while
 *    `ldb [x + k]` and `ld [x + k]` index with r0 (classic A): `tcp[13]`, `tcp[tcpflags]`,
 *    `icmp[icmptype]`, `tcp[4:4]` read a wrong offset (mostly past the end: no match), whereas
 *    `tcp port 443` (halfwords) works. Classic BPF's only index register is X, so pointing every
 *    LD_IND that uses r0 at X's register is exact.
 *
 * 2. The x86-64 JIT encodes `jset rN, #imm` as TEST r/m64, imm32 (0xF7 /0) but writes a one-byte
 *    immediate when imm fits in int8: TEST has no imm8 form, so the CPU takes three following code
 *    bytes as part of the immediate and runs from the middle of the next instruction (a crash, in
 *    `tcp[tcpflags] & tcp-syn != 0`). Each such jset becomes `mov32 r8, #imm; jset rN, r8`, with
 *    every jump offset recomputed. r8 is the converter's scratch register: it holds A across the
 *    six instructions of `ldxb 4*([k]&0xf)` and a negative constant for the jump right after it,
 *    so it is dead at any jset.
 */
#define FILTER_CBPF_X_REG EBPF_REG_7   /* where bpf_convert.c keeps classic X */
#define FILTER_CBPF_TMP_REG EBPF_REG_8 /* bpf_convert.c's scratch register */
#define FILTER_CBPF_CTX_REG EBPF_REG_6 /* the mbuf */

/*
 * 3. Not a bug, a difference of meaning: rte_bpf_convert() makes classic `len` (ld #len, ldx
 *    #len) a load of mbuf->pkt_len, the bytes the mbuf holds. In libpcap `len` is the frame's
 *    original length, which differs when a capture file's record was cut short (caplen < len)
 *    or a snaplen rule cut the mbuf: tcpdump -r on a snaplen-64 file matches `len >= 1500` on
 *    the frames that were 1500 bytes on the wire. stampede keeps that length in
 *    pkt_meta.orig_len (0 when the mbuf holds the whole frame), so each such load becomes
 *        ldxh R, [ctx + orig_len]; jne R, 0, +1; ldxw R, [ctx + pkt_len]
 *    (when the pkt_meta dynfield is registered; unit tests without it keep pkt_len).
 */
static bool
is_len_load(const struct ebpf_insn *in)
{
	return in->code == (BPF_LDX | BPF_MEM | BPF_W) && in->src_reg == FILTER_CBPF_CTX_REG &&
			in->off == offsetof(struct rte_mbuf, pkt_len) && pkt_meta_offset >= 0;
}

static bool
is_jset_imm8(const struct ebpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_JSET | BPF_K) && in->imm >= INT8_MIN &&
			in->imm <= INT8_MAX;
}

static bool
is_jump(const struct ebpf_insn *in)
{
	uint8_t op = BPF_OP(in->code);

	return BPF_CLASS(in->code) == BPF_JMP && op != EBPF_CALL && op != EBPF_EXIT;
}

/* The fixed copy of prm's program in a new malloc'ed array of *nb instructions, or NULL. */
static struct ebpf_insn *
fix_ebpf(const struct rte_bpf_prm *prm, uint32_t *nb)
{
	const struct ebpf_insn *in = prm->ins;
	uint32_t n = prm->nb_ins, i, k, extra = 0;
	struct ebpf_insn *out = NULL;
	uint32_t *start; /* start[i]: new index of the first instruction made from in[i] */

	start = malloc((n + 1) * sizeof(*start));
	if (start == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		start[i] = i + extra;
		extra += is_jset_imm8(&in[i]) + 2 * is_len_load(&in[i]);
	}
	start[n] = n + extra;
	out = malloc((n + extra) * sizeof(*out));
	if (out == NULL)
		goto out;

	for (i = 0, k = 0; i < n; i++) {
		struct ebpf_insn ins = in[i];

		if (BPF_CLASS(ins.code) == BPF_LD && BPF_MODE(ins.code) == BPF_IND &&
				ins.src_reg == EBPF_REG_0)
			ins.src_reg = FILTER_CBPF_X_REG;
		if (is_len_load(&ins)) {
			out[k++] = (struct ebpf_insn){
				.code = BPF_LDX | BPF_MEM | BPF_H,
				.dst_reg = ins.dst_reg,
				.src_reg = FILTER_CBPF_CTX_REG,
				.off = (int16_t)(pkt_meta_offset +
						offsetof(struct pkt_meta, orig_len)),
			};
			out[k++] = (struct ebpf_insn){
				.code = BPF_JMP | EBPF_JNE | BPF_K,
				.dst_reg = ins.dst_reg,
				.off = 1,
				.imm = 0,
			};
		}
		if (is_jset_imm8(&ins)) {
			out[k++] = (struct ebpf_insn){
				.code = BPF_ALU | EBPF_MOV | BPF_K,
				.dst_reg = FILTER_CBPF_TMP_REG,
				.imm = ins.imm,
			};
			ins.code = BPF_JMP | BPF_JSET | BPF_X;
			ins.src_reg = FILTER_CBPF_TMP_REG;
			ins.imm = 0;
		}
		if (is_jump(&ins)) {
			int64_t t = (int64_t)i + 1 + ins.off, off;

			if (t < 0 || t > n)
				goto bad;
			off = (int64_t)start[t] - (k + 1);
			if (off < INT16_MIN || off > INT16_MAX)
				goto bad;
			ins.off = (int16_t)off;
		}
		out[k++] = ins;
	}
	*nb = k;
	goto out;
bad:
	free(out);
	out = NULL;
out:
	free(start);
	return out;
}

struct filter *
filter_create(const char *expr, char *err, size_t errlen)
{
	struct bpf_program prog;
	struct rte_bpf_prm *prm;
	struct rte_bpf_jit jit;
	struct ebpf_insn *ins;
	uint32_t nb_ins;
	struct filter *f;
	int rc;

	rc = compile_cbpf(expr, &prog, err, errlen);
	if (rc != 0) {
		rte_errno = -rc;
		return NULL;
	}
	if (cbpf_has_loop(&prog)) {
		/* DPDK's verifier refuses loops with a bare EINVAL; say why. */
		set_err(err, errlen, LOOP_MSG, expr);
		pcap_freecode(&prog);
		rte_errno = EINVAL;
		return NULL;
	}

	prm = rte_bpf_convert(&prog);
	pcap_freecode(&prog);
	if (prm == NULL) {
		rc = rte_errno;
		set_err(err, errlen, "filter: rte_bpf_convert: %s", rte_strerror(rc));
		rte_errno = rc;
		return NULL;
	}
	/*
	 * rte_bpf_convert() sets the argument to an mbuf of sizeof(struct rte_mbuf) (LD_ABS/IND
	 * read the packet through it, `len` reads pkt_len); buf_size bounds what the verifier lets
	 * a program read through buf_addr, which converted programs never do: set it anyway so the
	 * description is whole.
	 */
	prm->prog_arg.type = RTE_BPF_ARG_PTR_MBUF;
	prm->prog_arg.size = sizeof(struct rte_mbuf);
	prm->prog_arg.buf_size = RTE_MBUF_DEFAULT_BUF_SIZE;

	f = calloc(1, sizeof(*f) + strlen(expr) + 1);
	if (f == NULL) {
		rte_free(prm);
		set_err(err, errlen, "filter: out of memory");
		rte_errno = ENOMEM;
		return NULL;
	}
	strcpy(f->expr, expr);

	ins = fix_ebpf(prm, &nb_ins);
	if (ins == NULL) {
		rte_free(prm);
		free(f);
		set_err(err, errlen, "filter: cannot rewrite the converted program");
		rte_errno = ENOMEM;
		return NULL;
	}
	prm->ins = ins;
	prm->nb_ins = nb_ins;
	/* rte_bpf_load() copies the program: ours and prm (rte_zmalloc'ed) can go. */
	f->bpf = rte_bpf_load(prm);
	rc = rte_errno;
	free(ins);
	rte_free(prm);
	if (f->bpf == NULL) {
		set_err(err, errlen, "filter: rte_bpf_load: %s", rte_strerror(rc));
		free(f);
		rte_errno = rc;
		return NULL;
	}
	if (rte_bpf_get_jit(f->bpf, &jit) == 0 && jit.func != NULL)
		f->jit = jit.func;
	f->use_jit = f->jit != NULL;
	return f;
}

void
filter_free(struct filter *f)
{
	if (f == NULL)
		return;
	rte_bpf_destroy(f->bpf);
	free(f);
}

bool
filter_is_jit(const struct filter *f)
{
	return f->use_jit;
}

const char *
filter_expr(const struct filter *f)
{
	return f->expr;
}

void
filter_set_jit(struct filter *f, bool use_jit)
{
	f->use_jit = use_jit && f->jit != NULL;
}

/* ~20 cycles/pkt JIT, ~70 interpreter (test/unit/test_filter.c; details in filter.h). */
void
filter_burst(const struct filter *f, struct rte_mbuf **pkts, uint16_t n, uint64_t *match)
{
	uint16_t i;

	if (f->use_jit) {
		/* No burst entry point for JIT code: one indirect call per packet. */
		for (i = 0; i < n; i++)
			match[i] = f->jit(pkts[i]);
		return;
	}
	rte_bpf_exec_burst(f->bpf, (void **)pkts, match, n);
}
