/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The probes' configuration section: probes[] (the generated streams) and probe_rx (the receiver /
 * reflector). Its schema rows, its parse pass (after the core's "rules": probes name ports), the
 * dump hooks of its custom keys, and the TX queues its ports need (the core's "tx queues" check
 * asks). The loader's machinery comes from lib/cfg/cfg_section.h; config/README.md documents the
 * keys.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <jansson.h>

#include "cfg_section.h"
#include "probe_cfg.h"

/* The values of each enum, indexed by enum value: parsing, messages and dumps use them. */
static const char *const probe_mode_names[] = {
	[CFG_PROBE_STAMPEDE] = "stampede",
	[CFG_PROBE_STAMP] = "stamp",
	[CFG_PROBE_PLAIN] = "plain",
};

static const char *const stamp_ts_names[] = {
	[CFG_STAMP_NTP] = "ntp",
	[CFG_STAMP_PTP] = "ptp",
};

static const char *const stamp_auth_names[] = {
	[CFG_STAMP_AUTH_NONE] = "none",
	[CFG_STAMP_AUTH_HMAC] = "hmac-sha256",
};

static const char *const payload_names[] = {
	[CFG_PAYLOAD_ZEROS] = "zeros",
	[CFG_PAYLOAD_INCREMENTING] = "incrementing",
	[CFG_PAYLOAD_RANDOM] = "random",
};

static const char *const rate_mode_names[] = {
	[CFG_RATE_PACED] = "paced",
	[CFG_RATE_MAX] = "max",
};

static json_t *dump_probes(const struct stp_config *cfg, const void *base, bool *bad);
static json_t *dump_probe_port(const struct stp_config *cfg, const void *base, bool *bad);
static json_t *dump_stream_id(const struct stp_config *cfg, const void *base, bool *bad);
static json_t *dump_sizes(const struct stp_config *cfg, const void *base, bool *bad);
static json_t *dump_rx_ports(const struct stp_config *cfg, const void *base, bool *bad);
static json_t *dump_rx_addresses(const struct stp_config *cfg, const void *base, bool *bad);
static json_t *dump_rx_refuse(const struct stp_config *cfg, const void *base, bool *bad);

/* One table row per line reads better than the formatter's layout. */
/* clang-format off */
#define SB struct probe_cfg
#define SPB struct cfg_probe
static const struct cfg_opt probe_opts[] = {
	CFG_O_CUSTOM_D("", "probes", 0, dump_probes),
	CFG_O_OBJ("", "probe_rx"),

	/* Checked across fields by parse_probe(): addresses, rates, sizes, flows. */
	CFG_O_STR("probes[]", "name", SPB, name, NULL, CFG_OPT_REQUIRED | CFG_OPT_NAME),
	CFG_O_CUSTOM_D("probes[]", "port", CFG_OPT_REQUIRED, dump_probe_port),
	CFG_O_ENUM("probes[]", "mode", SPB, mode, probe_mode_names, CFG_PROBE_STAMPEDE, 0),
	CFG_O_CUSTOM_D("probes[]", "stream_id", 0, dump_stream_id),
	CFG_O_STR("probes[]", "src_mac", SPB, src_mac, "", 0),
	CFG_O_STR("probes[]", "dst_mac", SPB, dst_mac, "ff:ff:ff:ff:ff:ff", CFG_OPT_NONEMPTY),
	CFG_O_STR("probes[]", "src_ip", SPB, src_ip, "10.0.0.1", CFG_OPT_NONEMPTY),
	CFG_O_STR("probes[]", "dst_ip", SPB, dst_ip, "10.0.0.2", CFG_OPT_NONEMPTY),
	CFG_O_INT("probes[]", "src_port", SPB, src_port, 1, 65535, 7000, 0),
	CFG_O_INT("probes[]", "dst_port", SPB, dst_port, 1, 65535, 7777, 0),
	CFG_O_INT("probes[]", "vlan", SPB, vlan, 0, 4094, 0, 0),
	CFG_O_INT("probes[]", "size", SPB, size, 64, 9018, 128, 0),
	CFG_O_CUSTOM_D("probes[]", "sizes", 0, dump_sizes),
	CFG_O_INT("probes[]", "rate_pps", SPB, rate_pps, 1, 1000000000, 0, CFG_OPT_ZERO),
	CFG_O_INT("probes[]", "rate_bps", SPB, rate_bps, 1000, INT64_C(400000000000), 0, CFG_OPT_ZERO),
	CFG_O_ENUM("probes[]", "rate", SPB, rate, rate_mode_names, CFG_RATE_PACED, 0),
	CFG_O_INT("probes[]", "count", SPB, count, 0, INT64_C(1) << 62, 0, 0),
	CFG_O_INT("probes[]", "duration_s", SPB, duration_s, 0, 31536000, 0, 0),
	CFG_O_INT("probes[]", "flows", SPB, flows, 1, 65535, 1, 0),
	CFG_O_ENUM("probes[]", "payload", SPB, payload, payload_names, CFG_PAYLOAD_ZEROS, 0),
	CFG_O_BOOL("probes[]", "start", SPB, start, 1),
	CFG_O_OBJ("probes[]", "impair"),
	CFG_O_ENUM("probes[]", "stamp_timestamp", SPB, stamp_ts, stamp_ts_names, CFG_STAMP_NTP, 0),
	CFG_O_BOOL("probes[]", "stamp_synchronized", SPB, stamp_synced, 0),
	CFG_O_INT("probes[]", "stamp_error_ns", SPB, stamp_error_ns, 0, INT64_C(1000000000000), 1000, 0),
	CFG_O_INT("probes[]", "ssid", SPB, ssid, 0, 65535, 0, 0),
	CFG_O_BOOL("probes[]", "reflected", SPB, reflected, 0),
	CFG_O_BOOL("probes[]", "reflector_stateful", SPB, reflector_stateful, 0),
	CFG_O_INT("probes[]", "loss_horizon_ms", SPB, loss_horizon_ms, 1, 3600000, 3000, 0),
	CFG_O_ENUM("probes[]", "stamp_auth", SPB, stamp_auth, stamp_auth_names, CFG_STAMP_AUTH_NONE, 0),
	CFG_O_STR("probes[]", "stamp_key_file", SPB, stamp_key_file, "", CFG_OPT_NOCTRL),

	/* probes[].impair: a test and lab feature (deterministic loss, duplication, reordering). */
	CFG_O_INT("impair", "drop_every", SPB, impair_drop, 0, INT32_MAX, 0, 0),
	CFG_O_INT("impair", "duplicate_every", SPB, impair_dup, 0, INT32_MAX, 0, 0),
	CFG_O_INT("impair", "swap_every", SPB, impair_swap, 2, INT32_MAX, 0, CFG_OPT_ZERO),

	CFG_O_BOOL("probe_rx", "enabled", SB, probe_rx.enabled, 0),
	CFG_O_CUSTOM_D("probe_rx", "ports", 0, dump_rx_ports),
	CFG_O_INT("probe_rx", "udp_port", SB, probe_rx.udp_port, 1, 65535, 7777, 0),
	CFG_O_BOOL("probe_rx", "reflect", SB, probe_rx.reflect, 0),
	CFG_O_ENUM("probe_rx", "mode", SB, probe_rx.mode, probe_mode_names, CFG_PROBE_STAMPEDE, 0),
	CFG_O_BOOL("probe_rx", "verbose", SB, probe_rx.verbose, 0),
	CFG_O_ENUM("probe_rx", "stamp_timestamp", SB, probe_rx.stamp_ts, stamp_ts_names, CFG_STAMP_NTP, 0),
	CFG_O_BOOL("probe_rx", "stamp_synchronized", SB, probe_rx.stamp_synced, 0),
	CFG_O_INT("probe_rx", "stamp_error_ns", SB, probe_rx.stamp_error_ns, 0, INT64_C(1000000000000), 1000, 0),
	CFG_O_BOOL("probe_rx", "stamp_stateful", SB, probe_rx.stamp_stateful, 0),
	CFG_O_BOOL("probe_rx", "t3_correction", SB, probe_rx.t3_correction, 1),
	CFG_O_INT("probe_rx", "stamp_sessions", SB, probe_rx.stamp_sessions, 1, 65536, 1024, 0),
	CFG_O_INT("probe_rx", "stamp_session_idle_s", SB, probe_rx.stamp_session_idle_s, 0, 86400, 300, 0),
	CFG_O_CUSTOM_D("probe_rx", "addresses", 0, dump_rx_addresses),
	CFG_O_CUSTOM_D("probe_rx", "refuse_src_ports", 0, dump_rx_refuse),
	CFG_O_INT("probe_rx", "rate_limit_pps", SB, probe_rx.rate_limit_pps, 0, 1000000000, 10000, 0),
	CFG_O_INT("probe_rx", "rate_limit_burst", SB, probe_rx.rate_limit_burst, 1, 1000000, 1000, 0),
	CFG_O_ENUM("probe_rx", "stamp_auth", SB, probe_rx.stamp_auth, stamp_auth_names, CFG_STAMP_AUTH_NONE, 0),
	CFG_O_STR("probe_rx", "stamp_key_file", SB, probe_rx.stamp_key_file, "", CFG_OPT_NOCTRL),
};
#undef SB
#undef SPB
/* clang-format on */

/* "aa:bb:cc:dd:ee:ff" (hex digits, either case) into 6 bytes. */
static bool
mac_parse(const char *s, uint8_t out[6])
{
	unsigned int b[6];
	char tail;

	if (strlen(s) != 17 ||
			sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
					&b[5], &tail) != 6)
		return false;
	for (int i = 0; i < 6; i++) {
		if (s[3 * i + 2] != ':' && i < 5)
			return false;
		out[i] = (uint8_t)b[i];
	}
	return strspn(s, "0123456789abcdefABCDEF:") == 17;
}

/*
 * A STAMP key (stamp_key_file): the file holds the key as hex digits (e.g. `openssl rand -hex
 * 32`), whitespace ignored, 16..64 bytes. Errors name @p path (the JSON key) and the file, never
 * a byte of the key. The key is kept in the config struct only, which no dump prints.
 */
static int
load_stamp_key(const struct cfg_loader *l, const char *base, enum cfg_stamp_auth auth,
		const char *file, bool mode_stamp, uint8_t *key, uint8_t *key_len)
{
	char txt[4 * CFG_STAMP_KEY_MAX + 2], path[CFG_JPATH_LEN];
	size_t n = 0, nd = 0;
	int c, hi = -1;
	FILE *f;

	*key_len = 0;
	cfg_jp_key(path, base, "stamp_key_file");
	if (auth == CFG_STAMP_AUTH_NONE) {
		if (file[0] != '\0')
			return cfg_lerr(l, path,
					"\"%s\" is set but stamp_auth is \"none\": set "
					"\"stamp_auth\": \"hmac-sha256\" or remove the key file",
					file);
		return 0;
	}
	if (!mode_stamp)
		return cfg_lerr(l, cfg_jp_key(path, base, "stamp_auth"),
				"\"hmac-sha256\" needs mode \"stamp\" (RFC 8762 authenticated mode)");
	if (file[0] == '\0')
		return cfg_lerr(l, path,
				"missing: stamp_auth \"hmac-sha256\" needs a key file (hex, "
				"%d..%d bytes)",
				CFG_STAMP_KEY_MIN, CFG_STAMP_KEY_MAX);
	f = fopen(file, "r");
	if (f == NULL)
		return cfg_lerr(l, path, "\"%s\": %s", file, strerror(errno));
	n = fread(txt, 1, sizeof(txt), f);
	c = ferror(f);
	fclose(f);
	if (c) {
		memset(txt, 0, sizeof(txt));
		return cfg_lerr(l, path, "\"%s\": read error", file);
	}
	for (size_t i = 0; i < n; i++) {
		int ch = (unsigned char)txt[i], v;

		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
			continue;
		if (ch >= '0' && ch <= '9')
			v = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			v = ch - 'A' + 10;
		else
			v = -1;
		if (v < 0 || nd >= 2 * CFG_STAMP_KEY_MAX) {
			memset(txt, 0, sizeof(txt));
			memset(key, 0, CFG_STAMP_KEY_MAX);
			return cfg_lerr(l, path, "\"%s\": %s", file,
					v < 0 ? "not a key in hex digits (only 0-9, a-f and blanks)" :
						"longer than 64 bytes");
		}
		if (hi < 0) {
			hi = v;
		} else {
			key[nd / 2] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
		nd++;
	}
	memset(txt, 0, sizeof(txt));
	if (n == sizeof(txt) || hi >= 0 || nd / 2 < CFG_STAMP_KEY_MIN) {
		memset(key, 0, CFG_STAMP_KEY_MAX);
		return cfg_lerr(l, path, "\"%s\": %s", file,
				hi >= 0 ? "an odd number of hex digits" :
						n == sizeof(txt) ?
					  "longer than 64 bytes" :
					  "a key of fewer than 16 bytes (use 32: openssl rand -hex 32)");
	}
	*key_len = (uint8_t)(nd / 2);
	return 0;
}

/* UDP payload bytes a probe of @p mode needs: lib/probe's 40, STAMP's 44 (RFC 8762), none. */
static unsigned int
probe_payload_min(enum cfg_probe_mode mode)
{
	return mode == CFG_PROBE_STAMP ? 44 : mode == CFG_PROBE_PLAIN ? 0 : 40;
}

/* Smallest frame (with FCS) that holds a probe (lib/probe's probe_min_frame(), repeated). */
static unsigned int
probe_frame_min(enum cfg_probe_mode mode, bool ipv6, bool vlan)
{
	unsigned int n = 14 + (vlan ? 4 : 0) + (ipv6 ? 40 : 20) + 8 + probe_payload_min(mode) + 4;

	return n < 64 ? 64 : n;
}

static int
parse_probe_sizes(
		const struct cfg_loader *l, struct cfg_probe *pr, const json_t *v, const char *path)
{
	static const uint16_t imix[] = { 64, 594, 64, 64, 594, 64, 1518, 64, 594, 64, 594, 64 };
	char p[CFG_JPATH_LEN], b[CFG_JVAL_LEN];
	const json_t *e;
	int64_t x;
	size_t i;
	int rc;

	if (json_is_string(v)) {
		if (strcmp(json_string_value(v), "imix") != 0)
			return cfg_lerr(l, path, "%s is not \"imix\" or an array of frame sizes",
					cfg_jv(v, b));
		memcpy(pr->sizes, imix, sizeof(imix));
		pr->nb_sizes = CFG_ARRAY_LEN(imix);
		return 0;
	}
	if (!json_is_array(v))
		return cfg_lerr(l, path, "%s is not \"imix\" or an array of frame sizes",
				cfg_jv(v, b));
	if (cfg_get_array(l, v, path, 0, CFG_MAX_PROBE_SIZES, "size") == NULL)
		return -EINVAL;
	json_array_foreach(v, i, e) {
		rc = cfg_get_int(l, e, cfg_jp_idx(p, path, i), 64, 9018, 0, &x);
		if (rc < 0)
			return rc;
		pr->sizes[i] = (uint16_t)x;
		pr->nb_sizes = i + 1;
	}
	return 0;
}

static int
parse_probe(const struct cfg_loader *l, const struct probe_cfg *cfg, struct cfg_probe *pr,
		size_t idx, const json_t *v, const char *path)
{
	unsigned char a6[16];
	char p[CFG_JPATH_LEN], b[CFG_JVAL_LEN];
	const json_t *e;
	int64_t x;
	int rc, port, fam_src, fam_dst;

	rc = cfg_parse_object(l, v, path, "probes[]", pr);
	if (rc < 0)
		return rc;
	rc = cfg_parse_object(l, json_object_get(v, "impair"), cfg_jp_key(p, path, "impair"),
			"impair", pr);
	if (rc < 0)
		return rc;
	for (size_t k = 0; k < idx; k++)
		if (strcmp(cfg->probes[k].name, pr->name) == 0)
			return cfg_lerr(l, cfg_jp_key(p, path, "name"),
					"\"%s\" is already the name of probes[%zu]", pr->name, k);
	port = cfg_get_port(l, json_object_get(v, "port"), cfg_jp_key(p, path, "port"));
	if (port < 0)
		return port;
	pr->port = (uint16_t)port;

	e = json_object_get(v, "stream_id");
	pr->stream_id = (uint32_t)idx;
	if (e != NULL) {
		rc = cfg_get_int(l, e, cfg_jp_key(p, path, "stream_id"), 0, 31, 0, &x);
		if (rc < 0)
			return rc;
		pr->stream_id = (uint32_t)x;
	}
	for (size_t k = 0; k < idx; k++)
		if (cfg->probes[k].stream_id == pr->stream_id)
			return cfg_lerr(l, cfg_jp_key(p, path, "stream_id"),
					"%u is already the stream_id of probes[%zu]", pr->stream_id,
					k);

	e = json_object_get(v, "sizes");
	if (e != NULL) {
		rc = parse_probe_sizes(l, pr, e, cfg_jp_key(p, path, "sizes"));
		if (rc < 0)
			return rc;
	}

	pr->src_mac_set = pr->src_mac[0] != '\0';
	if (pr->src_mac_set && !mac_parse(pr->src_mac, pr->src_mac_b))
		return cfg_lerr(l, cfg_jp_key(p, path, "src_mac"),
				"%s is not a MAC address (\"aa:bb:cc:dd:ee:ff\", or \"\" for the "
				"port's own)",
				cfg_jv(json_object_get(v, "src_mac"), b));
	if (!mac_parse(pr->dst_mac, pr->dst_mac_b))
		return cfg_lerr(l, cfg_jp_key(p, path, "dst_mac"),
				"%s is not a MAC address (\"aa:bb:cc:dd:ee:ff\")",
				cfg_jv(json_object_get(v, "dst_mac"), b));
	fam_src = inet_pton(AF_INET, pr->src_ip, a6) == 1	 ? 4 :
			inet_pton(AF_INET6, pr->src_ip, a6) == 1 ? 6 :
								   0;
	if (fam_src == 0)
		return cfg_lerr(l, cfg_jp_key(p, path, "src_ip"),
				"%s is not an IPv4 or IPv6 address",
				cfg_jv(json_object_get(v, "src_ip"), b));
	memset(pr->src_ip_b, 0, sizeof(pr->src_ip_b));
	memcpy(pr->src_ip_b, a6, fam_src == 4 ? 4 : 16);
	fam_dst = inet_pton(AF_INET, pr->dst_ip, a6) == 1	 ? 4 :
			inet_pton(AF_INET6, pr->dst_ip, a6) == 1 ? 6 :
								   0;
	if (fam_dst == 0)
		return cfg_lerr(l, cfg_jp_key(p, path, "dst_ip"),
				"%s is not an IPv4 or IPv6 address",
				cfg_jv(json_object_get(v, "dst_ip"), b));
	if (fam_dst != fam_src)
		return cfg_lerr(l, cfg_jp_key(p, path, "dst_ip"),
				"%s is IPv%d but src_ip \"%s\" is IPv%d: both must be of one family",
				cfg_jv(json_object_get(v, "dst_ip"), b), fam_dst, pr->src_ip,
				fam_src);
	memset(pr->dst_ip_b, 0, sizeof(pr->dst_ip_b));
	memcpy(pr->dst_ip_b, a6, fam_dst == 4 ? 4 : 16);
	pr->ipv6 = fam_src == 6;

	if (pr->rate_pps != 0 && pr->rate_bps != 0)
		return cfg_lerr(l, cfg_jp_key(p, path, "rate_bps"),
				"rate_pps and rate_bps are both set: give one of them");
	if (pr->rate == CFG_RATE_PACED && pr->rate_pps == 0 && pr->rate_bps == 0)
		pr->rate_pps = 1000;
	if ((uint32_t)pr->src_port + pr->flows - 1 > 65535)
		return cfg_lerr(l, cfg_jp_key(p, path, "flows"),
				"%u flows from src_port %u go past port 65535", pr->flows,
				pr->src_port);
	if (pr->nb_sizes == 0 && pr->size < probe_frame_min(pr->mode, pr->ipv6, pr->vlan != 0))
		return cfg_lerr(l, cfg_jp_key(p, path, "size"),
				"%u is smaller than a probe frame here (%u bytes: Ethernet%s, IPv%d, "
				"UDP, %u-byte %s probe, FCS)",
				pr->size, probe_frame_min(pr->mode, pr->ipv6, pr->vlan != 0),
				pr->vlan != 0 ? ", VLAN" : "", pr->ipv6 ? 6 : 4,
				probe_payload_min(pr->mode), probe_mode_names[pr->mode]);
	/* STAMP's well-known port (RFC 8762 4.1) unless the entry names another. */
	if (pr->mode == CFG_PROBE_STAMP && json_object_get(v, "dst_port") == NULL)
		pr->dst_port = 862;
	/* A STAMP stream always goes to a reflector; a stampede one may go to a receiver. */
	if (pr->mode == CFG_PROBE_STAMP && json_object_get(v, "reflected") == NULL)
		pr->reflected = true;
	if (pr->reflected && pr->mode == CFG_PROBE_PLAIN)
		return cfg_lerr(l, cfg_jp_key(p, path, "reflected"),
				"true with mode \"plain\": plain packets carry no sequence to "
				"answer");
	if (pr->reflector_stateful && pr->flows > 1)
		return cfg_lerr(l, cfg_jp_key(p, path, "reflector_stateful"),
				"true with flows %u: a stateful reflector numbers each source port's "
				"session apart (set flows 1)",
				pr->flows);
	if (pr->reflector_stateful && pr->mode != CFG_PROBE_STAMP)
		return cfg_lerr(l, cfg_jp_key(p, path, "reflector_stateful"),
				"true with mode \"%s\": only a STAMP reflector numbers its replies",
				probe_mode_names[pr->mode]);
	rc = load_stamp_key(l, path, pr->stamp_auth, pr->stamp_key_file,
			pr->mode == CFG_PROBE_STAMP, pr->stamp_key, &pr->stamp_key_len);
	if (rc < 0)
		return rc;
	/* Authenticated packets are 112 bytes (RFC 8762 4.2.2), not 44. */
	if (pr->stamp_auth != CFG_STAMP_AUTH_NONE) {
		unsigned int min = probe_frame_min(pr->mode, pr->ipv6, pr->vlan != 0) + 112 - 44;

		if (pr->nb_sizes == 0 && pr->size < min)
			return cfg_lerr(l, cfg_jp_key(p, path, "size"),
					"%u is smaller than an authenticated STAMP frame here (%u "
					"bytes: a 112-byte packet)",
					pr->size, min);
		for (unsigned int i = 0; i < pr->nb_sizes; i++)
			if (pr->sizes[i] < min)
				return cfg_lerr(l, cfg_jp_key(p, path, "sizes"),
						"%u is smaller than an authenticated STAMP frame "
						"here (%u bytes: a 112-byte packet)",
						pr->sizes[i], min);
	}
	return 0;
}

static int
parse_probes(const struct cfg_loader *l, const json_t *root, struct probe_cfg *cfg)
{
	const json_t *probes, *v;
	char p[CFG_JPATH_LEN];
	size_t i;
	int rc;

	probes = json_object_get(root, "probes");
	if (probes == NULL)
		return 0;
	if (cfg_get_array(l, probes, "probes", 0, CFG_MAX_PROBES, "probe") == NULL)
		return -EINVAL;
	json_array_foreach(probes, i, v) {
		memset(&cfg->probes[i], 0, sizeof(cfg->probes[i]));
		rc = parse_probe(l, cfg, &cfg->probes[i], i, v, cfg_jp_idx(p, "probes", i));
		if (rc < 0)
			return rc;
		cfg->nb_probes = i + 1;
	}
	return 0;
}

/* probe_rx.addresses and probe_rx.refuse_src_ports: what the reflector answers. */
static int
parse_probe_rx_refl(const struct cfg_loader *l, const json_t *obj, struct cfg_probe_rx *rx)
{
	const json_t *a, *e;
	char p[CFG_JPATH_LEN], b[CFG_JVAL_LEN];
	size_t i;

	rx->nb_addresses = 0;
	a = obj != NULL ? json_object_get(obj, "addresses") : NULL;
	if (a != NULL) {
		if (cfg_get_array(l, a, "probe_rx.addresses", 0, CFG_MAX_REFL_ADDR, "address") ==
				NULL)
			return -EINVAL;
		json_array_foreach(a, i, e) {
			const char *s = json_is_string(e) ? json_string_value(e) : "";
			uint8_t *out = rx->addresses[i].b;

			memset(out, 0, 16);
			if (inet_pton(AF_INET, s, out) == 1)
				rx->addresses[i].family = 4;
			else if (inet_pton(AF_INET6, s, out) == 1)
				rx->addresses[i].family = 6;
			else
				return cfg_lerr(l, cfg_jp_idx(p, "probe_rx.addresses", i),
						"%s is not an IPv4 or IPv6 address literal",
						cfg_jv(e, b));
			rx->nb_addresses = (uint8_t)(i + 1);
		}
	}
	a = obj != NULL ? json_object_get(obj, "refuse_src_ports") : NULL;
	if (a == NULL) {
		/* Default: the port served, so two reflectors never answer each other. */
		rx->nb_refuse_src_ports = 1;
		rx->refuse_src_ports[0] = rx->udp_port;
		return 0;
	}
	rx->nb_refuse_src_ports = 0;
	if (cfg_get_array(l, a, "probe_rx.refuse_src_ports", 0, CFG_MAX_REFL_ADDR, "UDP port") ==
			NULL)
		return -EINVAL;
	json_array_foreach(a, i, e) {
		if (!json_is_integer(e) || json_integer_value(e) < 1 ||
				json_integer_value(e) > 65535)
			return cfg_lerr(l, cfg_jp_idx(p, "probe_rx.refuse_src_ports", i),
					"%s is not a UDP port [1..65535]", cfg_jv(e, b));
		rx->refuse_src_ports[i] = (uint16_t)json_integer_value(e);
		rx->nb_refuse_src_ports = (uint8_t)(i + 1);
	}
	return 0;
}

static int
parse_probe_rx(const struct cfg_loader *l, const json_t *root, struct probe_cfg *cfg)
{
	const json_t *obj = json_object_get(root, "probe_rx"), *ports, *e;
	struct cfg_probe_rx *rx = &cfg->probe_rx;
	char p[CFG_JPATH_LEN];
	size_t i;
	int rc, port;

	rc = cfg_parse_object(l, obj, "probe_rx", "probe_rx", cfg);
	if (rc < 0)
		return rc;
	if (rx->mode == CFG_PROBE_STAMP) {
		/* A STAMP receiver is a Session-Reflector: it answers, it never just consumes. */
		if (rx->enabled && !rx->reflect)
			return cfg_lerr(l, "probe_rx.reflect",
					"false with mode \"stamp\": a STAMP receiver is a "
					"Session-Reflector (set \"reflect\": true)");
		if (json_object_get(obj, "udp_port") == NULL)
			rx->udp_port = 862;
	} else if (rx->stamp_stateful) {
		return cfg_lerr(l, "probe_rx.stamp_stateful",
				"true with mode \"%s\": stateful reflection is a STAMP "
				"Session-Reflector's (set \"mode\": \"stamp\")",
				rx->mode == CFG_PROBE_PLAIN ? "plain" : "stampede");
	}
	if (rx->mode == CFG_PROBE_PLAIN) {
		return cfg_lerr(l, "probe_rx.mode",
				"\"plain\" is a generator mode (nothing to measure): use "
				"\"stampede\" or \"stamp\"");
	}
	rc = load_stamp_key(l, "probe_rx", rx->stamp_auth, rx->stamp_key_file,
			rx->mode == CFG_PROBE_STAMP, rx->stamp_key, &rx->stamp_key_len);
	if (rc < 0)
		return rc;
	rc = parse_probe_rx_refl(l, obj, rx);
	if (rc < 0)
		return rc;
	rx->port_mask = 0;
	ports = obj != NULL ? json_object_get(obj, "ports") : NULL;
	if (ports == NULL)
		return 0;
	if (cfg_get_array(l, ports, "probe_rx.ports", 0, CFG_MAX_PORTS, "port") == NULL)
		return -EINVAL;
	json_array_foreach(ports, i, e) {
		port = cfg_get_port(l, e, cfg_jp_idx(p, "probe_rx.ports", i));
		if (port < 0)
			return port;
		rx->port_mask |= UINT32_C(1) << port;
	}
	return 0;
}

/* The section's pass: probes[], then probe_rx. */
static int
parse_probe_section(struct cfg_loader *l, const json_t *root, void *blk)
{
	int rc = parse_probes(l, root, blk);

	return rc < 0 ? rc : parse_probe_rx(l, root, blk);
}

static json_t *
dump_probes(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct probe_cfg *pc = base;
	json_t *a = json_array();

	for (uint16_t i = 0; i < pc->nb_probes; i++)
		cfg_jappend(a, cfg_dump_section(cfg, "probes[]", &pc->probes[i], bad), bad);
	return a;
}

static json_t *
dump_probe_port(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct cfg_probe *pr = base;

	return json_string(pr->port < cfg->nb_ports ? cfg->ports[pr->port].name : "");
}

static json_t *
dump_stream_id(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct cfg_probe *pr = base;

	return json_integer(pr->stream_id);
}

static json_t *
dump_sizes(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct cfg_probe *pr = base;
	json_t *a = json_array();

	for (uint16_t i = 0; i < pr->nb_sizes; i++)
		cfg_jappend(a, json_integer(pr->sizes[i]), bad);
	return a;
}

static json_t *
dump_rx_addresses(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct cfg_probe_rx *rx = &((const struct probe_cfg *)base)->probe_rx;
	char txt[INET6_ADDRSTRLEN];
	json_t *a = json_array();

	for (uint16_t i = 0; i < rx->nb_addresses; i++)
		cfg_jappend(a,
				json_string(inet_ntop(
						rx->addresses[i].family == 4 ? AF_INET : AF_INET6,
						rx->addresses[i].b, txt, sizeof(txt))),
				bad);
	return a;
}

static json_t *
dump_rx_refuse(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct cfg_probe_rx *rx = &((const struct probe_cfg *)base)->probe_rx;
	json_t *a = json_array();

	for (uint16_t i = 0; i < rx->nb_refuse_src_ports; i++)
		cfg_jappend(a, json_integer(rx->refuse_src_ports[i]), bad);
	return a;
}

static json_t *
dump_rx_ports(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct cfg_probe_rx *rx = &((const struct probe_cfg *)base)->probe_rx;
	json_t *a = json_array();

	for (uint16_t i = 0; i < cfg->nb_ports && i < 32; i++)
		if (rx->port_mask & (UINT32_C(1) << i))
			cfg_jappend(a, json_string(cfg->ports[i].name), bad);
	return a;
}

/* A port that sends probes, or reflects them, transmits from every TX lcore. */
static bool
port_tx(const struct stp_config *cfg, const void *blk, uint16_t port, char *why, size_t len)
{
	const struct probe_cfg *pc = blk;

	for (uint16_t r = 0; r < pc->nb_probes; r++) {
		if (pc->probes[r].port != port)
			continue;
		snprintf(why, len, "sends probes[%u], and each TX lcore needs its own queue", r);
		return true;
	}
	if (pc->probe_rx.enabled && pc->probe_rx.reflect &&
			(pc->probe_rx.port_mask == 0 ||
					(pc->probe_rx.port_mask & (UINT32_C(1) << port)))) {
		snprintf(why, len,
				"reflects probes (probe_rx.reflect), and each TX lcore needs its own queue");
		return true;
	}
	return false;
}

const struct cfg_section probe_cfg_section = {
	.name = "probes",
	.after = "rules",
	.opts = probe_opts,
	.nb_opts = CFG_ARRAY_LEN(probe_opts),
	.size = sizeof(struct probe_cfg),
	.parse = parse_probe_section,
	.port_tx = port_tx,
};

const struct probe_cfg *
probe_cfg_of(const struct stp_config *cfg)
{
	static const struct probe_cfg off;
	const struct probe_cfg *pc = cfg_section_get(cfg, &probe_cfg_section);

	return pc != NULL ? pc : &off;
}

struct probe_cfg *
probe_cfg_rw(struct stp_config *cfg)
{
	return (struct probe_cfg *)(uintptr_t)cfg_section_get(cfg, &probe_cfg_section);
}
