/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * libFuzzer target: the reflect path (lib/probe/reflect.c, with lib/pkt's parser and lib/stamp's
 * reflection) on the input as a frame, as lib/probe/stage.c runs it.
 *
 * Input: byte 0 selects the reflector's configuration (own addresses or any, the ping-pong
 * guard, the NIC's checksum verdicts, stampede or STAMP payload); the rest is the frame, copied
 * into a buffer of exactly its length, so that ASan reports any read or write past it.
 *
 * Checks, besides "no crash, no access past the frame":
 *  - an accepted request's UDP datagram lies inside the frame;
 *  - the reply (addresses swapped, payload stamped, checksums redone) passes the same checks
 *    again with software checksums: lengths unchanged, valid IPv4 header and UDP checksums,
 *    unicast both ways; reflected a second time it is the request again (but for the stamps,
 *    TTL and checksums);
 *  - the rate limiter never answers more than its burst at one instant;
 *  - STAMP, authenticated reflector (refl_auth()): the request as it came is checked (refused
 *    unless it replays a signed packet); signed with the key, it is answered in place as
 * lib/probe/stage.c does it, and the reply passes the checks above and carries a valid HMAC.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pkt.h"
#include "probe.h"
#include "reflect.h"
#include "stamp.h"

static struct probe_refl_rl rl;

/* The authenticated Session-Reflector's path on a copy of an accepted request @p f. */
static void
refl_auth(const uint8_t *f, uint32_t len, const struct probe_refl_req *r, bool stateful)
{
	static const uint8_t key[32] = "stampede fuzz key, 32 bytes long";
	static struct stamp_hmac *h;
	struct stamp_refl_session s = { .stateful = stateful, .err_est = 0x0001 };
	struct probe_refl_cfg any;
	struct probe_refl_req r2;
	uint8_t *g, *pl;
	int rc;

	if (h == NULL)
		h = stamp_hmac_new(key, sizeof(key));
	FUZZ_ASSERT(h != NULL);
	/* As it came: refused, unless it replays a packet signed with the key. */
	rc = stamp_hmac_check(h, f + r->payload_off, r->payload_len);
	FUZZ_ASSERT(rc == 0 || rc == STAMP_E_AUTH || rc == STAMP_E_NOAUTH);
	FUZZ_ASSERT(r->payload_len >= STAMP_AUTH_LEN || rc == STAMP_E_NOAUTH);
	if (r->payload_len < STAMP_AUTH_LEN)
		return;
	g = malloc(len);
	FUZZ_ASSERT(g != NULL);
	memcpy(g, f, len);
	pl = g + r->payload_off;
	FUZZ_ASSERT(stamp_hmac_sign(h, pl, r->payload_len) == 0);
	FUZZ_ASSERT(stamp_hmac_check(h, pl, r->payload_len) == 0);
	FUZZ_ASSERT(stamp_reflect_auth(pl, r->payload_len, pl, r->payload_len,
				    UINT64_C(1700000000000000000), probe_refl_ttl(g, r),
				    UINT64_C(1700000000000001000), &s, h) == 0);
	probe_refl_turn(g, r);
	probe_refl_finish(g, r, 255);
	FUZZ_ASSERT(stamp_hmac_check(h, pl, r->payload_len) == 0);
	memset(&any, 0, sizeof(any));
	r2 = *r;
	r2.ck_ip = PROBE_CK_UNKNOWN;
	r2.ck_l4 = PROBE_CK_UNKNOWN;
	FUZZ_ASSERT(probe_refl_check(g, len, &any, &r2) == PROBE_REFL_OK);
	free(g);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t own4[4] = { 192, 168, 1, 2 };
	static const uint8_t own6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, [15] = 2 };
	struct probe_refl_cfg c, any;
	struct probe_refl_req r, r2;
	struct pkt_meta m;
	enum probe_refl_rc rc;
	uint8_t sel, *f;
	uint32_t len;

	if (size < 1 || size > 9300)
		return 0;
	sel = data[0];
	len = (uint32_t)(size - 1);
	f = malloc(len > 0 ? len : 1);
	if (f == NULL)
		return 0;
	memcpy(f, data + 1, len);

	memset(&c, 0, sizeof(c));
	memset(&any, 0, sizeof(any));
	if (sel & 1) {
		memcpy(&c.addr4[0], own4, 4);
		memcpy(c.addr6[0], own6, 16);
		c.nb_addr4 = c.nb_addr6 = 1;
	}
	if (sel & 2) {
		c.nb_guard = 2;
		c.guard_port[0] = (uint16_t)(862 >> 8 | (862 & 0xff) << 8);
		c.guard_port[1] = (uint16_t)(7777 >> 8 | (7777 & 0xff) << 8);
	}

	memset(&m, 0, sizeof(m));
	if (pkt_parse_buf(f, len, &m) != 0 || m.l4_proto != 17 || m.l4_off == 0 ||
			(m.flags & PKT_F_FRAG) ||
			(m.l3_type != PKT_L3_IPV4 && m.l3_type != PKT_L3_IPV6))
		goto out;
	memset(&r, 0, sizeof(r));
	r.ipv6 = m.l3_type == PKT_L3_IPV6;
	r.truncated = (m.flags & (PKT_F_L3_TRUNC | PKT_F_L4_TRUNC | PKT_F_VLAN_TRUNC)) != 0;
	r.l3_off = m.l3_off;
	r.l4_off = m.l4_off;
	r.ck_ip = (sel >> 2) % 3;
	r.ck_l4 = (sel >> 4) % 3;
	rc = probe_refl_check(f, len, &c, &r);
	FUZZ_ASSERT(rc < PROBE_REFL_MAX);
	if (rc != PROBE_REFL_OK)
		goto out;
	FUZZ_ASSERT(r.payload_off + r.payload_len <= len);
	FUZZ_ASSERT(r.payload_len + 8 == r.udp_len);
	FUZZ_ASSERT(r.l4_off + r.udp_len <= len);

	if (sel & 0x40)
		refl_auth(f, len, &r, (sel & 0x80) != 0);

	/* The reply, as the stages make it. */
	probe_refl_turn(f, &r);
	if (sel & 0x40) {
		if (r.payload_len >= STAMP_SENDER_LEN) {
			struct stamp_refl_session s = { .stateful = (sel & 0x80) != 0,
				.err_est = 0x0001 };

			FUZZ_ASSERT(stamp_reflect(f + r.payload_off, r.payload_len,
						    f + r.payload_off, r.payload_len,
						    UINT64_C(1700000000000000000), 64,
						    UINT64_C(1700000000000001000), &s) == 0);
		}
	} else if (r.payload_len >= PROBE_LEN) {
		bytes_put_be64(f + r.payload_off + PROBE_OFF_RRX, UINT64_C(1700000000000000000));
		bytes_put_be64(f + r.payload_off + PROBE_OFF_RTX, UINT64_C(1700000000000001000));
	}
	probe_refl_finish(f, &r, (sel & 0x40) ? 255 : 0);

	/* It passes the checks itself, with software checksums and no own-address list. */
	r2 = r;
	r2.ck_ip = PROBE_CK_UNKNOWN;
	r2.ck_l4 = PROBE_CK_UNKNOWN;
	rc = probe_refl_check(f, len, &any, &r2);
	FUZZ_ASSERT(rc == PROBE_REFL_OK);
	FUZZ_ASSERT(r2.udp_len == r.udp_len && r2.payload_off == r.payload_off);
	if (r.ipv6 || (f[r.l4_off + 6] | f[r.l4_off + 7]) != 0)
		FUZZ_ASSERT(probe_refl_udp_cksum(f, &r) ==
				(f[r.l4_off + 6] << 8 | f[r.l4_off + 7]));

	/* The rate limiter: never more than the burst at one instant. */
	{
		unsigned int ok = 0, burst = 1 + (sel & 7);
		uint32_t key = probe_refl_rl_key(f + r.l3_off + (r.ipv6 ? 8 : 12), r.ipv6 ? 16 : 4);

		probe_refl_rl_init(&rl, 1 + len, burst);
		for (unsigned int i = 0; i < burst + 3; i++)
			ok += probe_refl_rl_take(&rl, key, UINT64_C(1700000000000000000));
		FUZZ_ASSERT(ok == burst);
	}
out:
	free(f);
	return 0;
}
