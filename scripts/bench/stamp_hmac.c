/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The cost of RFC 8762's authenticated mode per STAMP packet (scripts/bench/stamp_auth.sh):
 * lib/stamp's per-packet work for one reflected packet, unauthenticated and authenticated, N
 * times over one 112-byte request (the reply written into a second buffer, so that every pass
 * does the same work):
 *
 *   stamp_hmac_bench MODE N
 *     plain    stamp_reflect()                                 (unauthenticated reflector)
 *     sign     stamp_hmac_sign()                               (one HMAC: the sender's cost)
 *     check    stamp_hmac_check()                              (one HMAC + CRYPTO_memcmp)
 *     reflect  stamp_hmac_check() + stamp_reflect_auth()       (authenticated reflector: two)
 *
 * Prints the TSC cycles per packet (one pass over N, rdtsc around it). Under callgrind, the
 * script takes instructions per packet from two N and their difference (set-up cancels).
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include "stamp.h"

int
main(int argc, char **argv)
{
	static const uint8_t key[32] = "stamp_hmac bench key, 32 bytes..";
	struct stamp_refl_session sess = { .stateful = false, .err_est = 0x0001 };
	struct stamp_sender s = { .seq = 1, .ts = UINT64_C(0xe8fe6f801f9add38), .err_est = 1 };
	uint8_t req[STAMP_AUTH_LEN], out[STAMP_AUTH_LEN];
	struct stamp_hmac *h = stamp_hmac_new(key, sizeof(key));
	unsigned long n;
	uint64_t t0, t1, sink = 0;
	const char *mode;

	if (argc != 3 || h == NULL)
		return 2;
	mode = argv[1];
	n = strtoul(argv[2], NULL, 10);
	stamp_sender_write_auth(req, sizeof(req), &s);
	stamp_hmac_sign(h, req, sizeof(req));
	t0 = __rdtsc();
	for (unsigned long i = 0; i < n; i++) {
		req[3] = (uint8_t)i; /* a new sequence number each time (the HMAC is then stale:
				      * check fails at the compare, after the full HMAC) */
		if (!strcmp(mode, "plain")) {
			sink += (uint64_t)stamp_reflect(
					req, sizeof(req), out, sizeof(out), i, 64, i + 1, &sess);
		} else if (!strcmp(mode, "sign")) {
			sink += (uint64_t)stamp_hmac_sign(h, req, sizeof(req));
		} else if (!strcmp(mode, "check")) {
			sink += (uint64_t)stamp_hmac_check(h, req, sizeof(req));
		} else if (!strcmp(mode, "reflect")) {
			sink += (uint64_t)stamp_hmac_check(h, req, sizeof(req));
			sink += (uint64_t)stamp_reflect_auth(
					req, sizeof(req), out, sizeof(out), i, 64, i + 1, &sess, h);
		} else {
			return 2;
		}
	}
	t1 = __rdtsc();
	printf("%s %lu %.1f %" PRIu64 "\n", mode, n, n ? (double)(t1 - t0) / (double)n : 0.0,
			sink & 1);
	stamp_hmac_free(h);
	return 0;
}
