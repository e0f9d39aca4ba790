/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * libFuzzer target for lib/probe's untrusted input: the probe payload parser and the sequence
 * tracking it feeds. The input is a series of payloads (a length byte, then that many bytes);
 * each is parsed and, when it is a probe, its sequence goes into one tracker. Checks: the parser
 * never reads past the length (ASan), a parsed probe round-trips through probe_write(), and the
 * tracker's counters stay consistent (received never exceeds the sequences offered, lost is
 * bounded by the range seen).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "probe.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct probe_seq s;
	struct probe_jitter j;
	uint64_t offered = 0;
	size_t off = 0;

	memset(&s, 0, sizeof(s));
	memset(&j, 0, sizeof(j));
	while (off < size) {
		size_t n = data[off++];
		struct probe_hdr h;
		uint8_t *copy, back[PROBE_LEN];

		if (n > size - off)
			n = size - off;
		/* An exact-size heap copy: ASan sees any read past the payload. */
		copy = malloc(n > 0 ? n : 1);
		if (copy == NULL)
			return 0;
		memcpy(copy, data + off, n);
		off += n;
		if (probe_parse(copy, (uint32_t)n, &h) == PROBE_OK) {
			probe_write(back, &h);
			FUZZ_ASSERT(memcmp(back, copy, PROBE_LEN) == 0);
			probe_seq_update(&s, h.seq);
			probe_jitter_update(&j, h.tx_ns, h.refl_rx_ns);
			offered++;
			FUZZ_ASSERT(s.received + s.duplicates + s.too_old + s.far <= offered);
		}
		free(copy);
	}
	(void)probe_seq_lost(&s);
	return 0;
}
