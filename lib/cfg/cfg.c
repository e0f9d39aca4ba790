/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The configuration loader: one JSON document (jansson) into struct stp_config.
 *
 * Every key of every object is listed once, in cfg_opts[] below, with its section, type, range and
 * default (the shape of Redis's createIntConfig() table). That table drives the unknown-key check
 * (and the list of allowed keys the message prints), the missing-key check, the parsing and
 * defaulting of scalar values and cfg_dump_json(). Keys whose value is an array or needs other
 * keys to be understood (ports, lcores, eal.args) are CFG_OPT_CUSTOM: the
 * table names them and their dump hook, and the section's parse pass (cfg_passes[], run in order by
 * parse_root()) parses them.
 *
 * A feature's keys are not here: its folder holds a section (cfg_section.h) with its own rows,
 * parse pass and dump hooks, which the registry hands over with cfg_use_sections(). The loader
 * reads the core's table and the sections' rows as one, and runs each section's pass after the
 * pass it names.
 *
 * Nothing here touches the EAL: the module is plain C, jansson and libpcap (to check rule filters)
 * so it can be unit-tested and used before rte_eal_init() (the EAL arguments themselves come from
 * this file).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crypt.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <pcap/pcap.h>

#include "cfg.h"
#include "cfg_section.h"
#include "filter.h"

/* A config file is a few kB; refuse to slurp anything absurd. */
#define CFG_MAX_FILE_SIZE (16u << 20)
/* Characters of a plain key; names (ports, rules, file_prefix) may also hold dots. */
#define WORD_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
/* The jansson flags every load uses. */
#define CFG_JSON_FLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The values of each enum, indexed by enum value: parsing, messages and dumps use them. */
static const char *const ts_names[] = {
	[CFG_TS_AUTO] = "auto",
	[CFG_TS_HW] = "hw",
	[CFG_TS_SW] = "sw",
	[CFG_TS_NONE] = "none",
};

static const char *const node_role_names[] = {
	[CFG_ROLE_EDGE] = "edge",
	[CFG_ROLE_RELAY] = "relay",
	[CFG_ROLE_COLLECTOR] = "collector",
};

static const char *const clock_names[] = {
	[CFG_CLOCK_AUTO] = "auto",
	[CFG_CLOCK_UTC] = "utc",
	[CFG_CLOCK_TAI] = "tai",
	[CFG_CLOCK_FREE] = "free",
};

/* The core's kinds of target; a section names its own (cfg_section.target_list). */
static const char *const target_kind_names[] = {
	[CFG_TARGET_NONE] = "nothing",
	[CFG_TARGET_PORT] = "ports",
};

/* clang-format off */
/* The dump hooks of CFG_OPT_CUSTOM keys (below, with cfg_dump_json()). */
typedef json_t *dump_fn(const struct stp_config *cfg, const void *base, bool *bad);
static dump_fn dump_ports, dump_lcores, dump_eal_args;

#define SC struct stp_config
#define SP struct cfg_port

/*
 * The schema, in the order keys are checked, parsed and dumped. Sections "", "node", "eal",
 * "rings" and "mempool" map onto struct stp_config, "ports[]" onto struct cfg_port; the lcores
 * section is all CFG_OPT_CUSTOM. (outputs: lib/outputs/cfg.c; groups and rules:
 * lib/rules/cfg.c; ports[].trailer: lib/trailer/cfg.c.) config/README.md documents the same
 * table.
 */
static const struct cfg_opt cfg_opts[] = {
	CFG_O_OBJ("", "node"),
	CFG_O_OBJ("", "eal"),
	CFG_O_CUSTOM_D("", "ports", CFG_OPT_REQUIRED, dump_ports),
	CFG_O_CUSTOM_D("", "lcores", 0, dump_lcores),
	CFG_O_INT("", "burst", SC, burst, 1, CFG_MAX_BURST, 32, 0),
	CFG_O_INT("", "idle_sleep_us", SC, idle_sleep_us, 0, 10000, 0, 0),
	CFG_O_OBJ("", "rings"),
	CFG_O_OBJ("", "mempool"),
	CFG_O_OBJ("", "metrics"),

	CFG_O_INT("node", "id", SC, node.id, 0, UINT32_MAX, 1, 0),
	CFG_O_STR("node", "description", SC, node.description, "", 0),
	CFG_O_ENUM("node", "role", SC, node.role, node_role_names, CFG_ROLE_EDGE, 0),

	CFG_O_CUSTOM_D("eal", "args", 0, dump_eal_args),
	CFG_O_BOOL("eal", "hugepages", SC, eal.hugepages, 1),
	CFG_O_STR("eal", "file_prefix", SC, eal.file_prefix, "stampede", CFG_OPT_NAME),
	CFG_O_INT("eal", "memory_mb", SC, eal.memory_mb, 0, 1048576, 0, 0),
	CFG_O_INT("eal", "main_lcore", SC, eal.main_lcore, 0, CFG_MAX_LCORE_ID, 0, 0),

	CFG_O_STR("ports[]", "name", SP, name, NULL, CFG_OPT_REQUIRED | CFG_OPT_NAME),
	CFG_O_STR("ports[]", "device", SP, device, NULL, CFG_OPT_REQUIRED | CFG_OPT_NONEMPTY),
	CFG_O_INT("ports[]", "rx_queues", SP, rx_queues, 1, CFG_MAX_QUEUES, 1, 0),
	CFG_O_INT("ports[]", "tx_queues", SP, tx_queues, 1, CFG_MAX_QUEUES, 1, 0),
	CFG_O_INT("ports[]", "rx_desc", SP, rx_desc, 64, 16384, 1024, 0),
	CFG_O_INT("ports[]", "tx_desc", SP, tx_desc, 64, 16384, 1024, 0),
	CFG_O_INT("ports[]", "mtu", SP, mtu, 68, CFG_MAX_MTU, 1500, 0),
	CFG_O_BOOL("ports[]", "promiscuous", SP, promiscuous, 1),
	CFG_O_ENUM("ports[]", "timestamp", SP, timestamp, ts_names, CFG_TS_AUTO, 0),
	CFG_O_ENUM("ports[]", "clock", SP, clock, clock_names, CFG_CLOCK_AUTO, 0),
	CFG_O_INT("ports[]", "clock_bits", SP, clock_bits, 16, 64, 64, 0),
	CFG_O_CUSTOM("lcores", "rx", CFG_OPT_REQUIRED),
	CFG_O_CUSTOM("lcores", "worker", CFG_OPT_REQUIRED),
	CFG_O_CUSTOM("lcores", "tx", CFG_OPT_REQUIRED),
	CFG_O_CUSTOM("lcores.rx[]", "lcore", CFG_OPT_REQUIRED),
	CFG_O_CUSTOM("lcores.rx[]", "queues", CFG_OPT_REQUIRED),
	CFG_O_CUSTOM("lcores.rx[].queues[]", "port", CFG_OPT_REQUIRED),
	CFG_O_CUSTOM("lcores.rx[].queues[]", "queue", CFG_OPT_REQUIRED),

	CFG_O_INT("rings", "worker", SC, worker_ring_size, 64, 65536, 4096, CFG_OPT_POW2),
	CFG_O_INT("rings", "tx", SC, tx_ring_size, 64, 65536, 4096, CFG_OPT_POW2),

	CFG_O_INT("mempool", "size", SC, mempool_size, 1023, 4194304, 32767, 0),
	CFG_O_INT("mempool", "cache", SC, mempool_cache, 0, 512, 256, 0),
	CFG_O_INT("mempool", "mbuf_size", SC, mbuf_size, 1024, 10240, 2176, 0),

	/* metrics.listen is also checked by parse_metrics(): an IPv4 or IPv6 literal. */
	CFG_O_BOOL("metrics", "enabled", SC, metrics.enabled, 0),
	CFG_O_STR("metrics", "listen", SC, metrics.listen, "127.0.0.1", CFG_OPT_NONEMPTY),
	CFG_O_INT("metrics", "port", SC, metrics.port, 1, 65535, 9464, 0),
	/* metrics.tls and metrics.basic_auth: checked across keys by parse_metrics(). */
	CFG_O_OBJ("metrics", "tls"),
	CFG_O_OBJ("metrics", "basic_auth"),
	CFG_O_STR("tls", "cert_file", SC, metrics.tls_cert, "", CFG_OPT_NOCTRL),
	CFG_O_STR("tls", "key_file", SC, metrics.tls_key, "", CFG_OPT_NOCTRL),
	CFG_O_STR("basic_auth", "username", SC, metrics.auth_user, "", 0),
	CFG_O_STR("basic_auth", "password_hash", SC, metrics.auth_hash, "", CFG_OPT_NOCTRL),


};

#undef SC
#undef SP
/* clang-format on */

/** State of one cfg_load(). */
struct cfg_loader {
	const char *file; /**< as given by the caller, for messages */
	char *err;
	struct stp_config *cfg;
	/** lcore id + 1 of the RX lcore polling ports[p] queue q; 0 = none yet. */
	uint16_t poller[CFG_MAX_PORTS][CFG_MAX_QUEUES];
	uint32_t sections_run;	   /**< bit k: cfg->sections[k]'s pass has run */
	uint32_t sections_checked; /**< bit k: cfg->sections[k]'s check has run */
};

/* ---------------------------------------------------------------------------------------------- */
/* Messages and paths */

static int __attribute__((format(printf, 4, 0)))
verr(char *err, const char *file, const char *path, const char *fmt, va_list ap)
{
	int n;

	n = snprintf(err, CFG_ERR_LEN, "%s: %s: ", file, path);
	if (n >= 0 && n < CFG_ERR_LEN)
		vsnprintf(err + n, CFG_ERR_LEN - n, fmt, ap);
	return -EINVAL;
}

int
cfg_lerr(const struct cfg_loader *l, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(l->err, l->file, path, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int
cfg_errf(const struct stp_config *cfg, char err[CFG_ERR_LEN], const char *json_path,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(err, cfg->file, json_path, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A path too long for its buffer (only a very long unknown key can do that) ends with "...". */
static const char *
jp_cut(char buf[CFG_JPATH_LEN], int n)
{
	if (n < 0 || n >= CFG_JPATH_LEN)
		memcpy(buf + CFG_JPATH_LEN - 4, "...", 4);
	return buf;
}

/*
 * "parent.key", or "key" at the root. A key that is not a plain word (only an unknown key can be
 * one) is written as a JSON string, parent["a key\n"], so that the message stays one ASCII line.
 */
const char *
cfg_jp_key(char buf[CFG_JPATH_LEN], const char *parent, const char *key)
{
	size_t n = strlen(key);
	json_t *js;
	char *q;
	int len;

	if (n > 0 && strspn(key, WORD_CHARS) == n) {
		if (parent[0] == '\0')
			return jp_cut(buf, snprintf(buf, CFG_JPATH_LEN, "%s", key));
		return jp_cut(buf, snprintf(buf, CFG_JPATH_LEN, "%s.%s", parent, key));
	}
	js = json_string(key);
	q = js != NULL ? json_dumps(js, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;
	len = snprintf(buf, CFG_JPATH_LEN, "%s[%s]", parent, q != NULL ? q : "\"?\"");
	free(q);
	json_decref(js);
	return jp_cut(buf, len);
}

/* "parent[i]" */
const char *
cfg_jp_idx(char buf[CFG_JPATH_LEN], const char *parent, size_t i)
{
	return jp_cut(buf, snprintf(buf, CFG_JPATH_LEN, "%s[%zu]", parent, i));
}

/* A value as compact ASCII JSON, cut with "..." when long. */
const char *
cfg_jv(const json_t *v, char buf[CFG_JVAL_LEN])
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII);
	size_t n;

	if (s == NULL) {
		snprintf(buf, CFG_JVAL_LEN, "(value)");
		return buf;
	}
	/* JSON_ENSURE_ASCII escapes every control character but DEL: keep messages printable. */
	for (n = 0; s[n] != '\0'; n++)
		if (s[n] == 0x7f)
			s[n] = '?';
	if (n < CFG_JVAL_LEN) {
		memcpy(buf, s, n + 1);
	} else {
		memcpy(buf, s, CFG_JVAL_LEN - 4);
		memcpy(buf + CFG_JVAL_LEN - 4, "...", 4);
	}
	free(s);
	return buf;
}

/* Append to a ", "-separated list in buf, silently cut when full. */
static void
list_add(char *buf, size_t len, const char *item)
{
	size_t n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s", n > 0 ? ", " : "", item);
}

/* The names of all ports, "in, out", for messages. */
static const char *
port_names(const struct stp_config *cfg, char *buf, size_t len)
{
	uint16_t i;

	buf[0] = '\0';
	for (i = 0; i < cfg->nb_ports; i++)
		list_add(buf, len, cfg->ports[i].name);
	return buf;
}

/* ---------------------------------------------------------------------------------------------- */
/* Typed values */

int
cfg_get_int(const struct cfg_loader *l, const json_t *v, const char *path, int64_t min, int64_t max,
		unsigned int flags, int64_t *out)
{
	char b[CFG_JVAL_LEN];
	int64_t x;

	if (!json_is_integer(v))
		return cfg_lerr(l, path, "%s is not an integer", cfg_jv(v, b));
	x = json_integer_value(v);
	if (flags & CFG_OPT_POW2) {
		if (x < min || x > max || (x & (x - 1)) != 0)
			return cfg_lerr(l, path,
					"%" PRId64 " is not a power of two in [%" PRId64
					"..%" PRId64 "]",
					x, min, max);
	} else if ((flags & CFG_OPT_ZERO) && x != 0 && (x < min || x > max)) {
		return cfg_lerr(l, path,
				"%" PRId64 " is out of range [0, %" PRId64 "..%" PRId64 "]", x, min,
				max);
	} else if (!(flags & CFG_OPT_ZERO) && (x < min || x > max)) {
		return cfg_lerr(l, path, "%" PRId64 " is out of range [%" PRId64 "..%" PRId64 "]",
				x, min, max);
	}
	*out = x;
	return 0;
}

const char *
cfg_get_str(const struct cfg_loader *l, const json_t *v, const char *path)
{
	char b[CFG_JVAL_LEN];

	if (!json_is_string(v)) {
		cfg_lerr(l, path, "%s is not a string", cfg_jv(v, b));
		return NULL;
	}
	return json_string_value(v);
}

static bool
name_ok(const char *s, size_t size)
{
	size_t n = strlen(s);

	if (n == 0 || n >= size)
		return false;
	return strspn(s, WORD_CHARS ".") == n;
}

/* True when @p s holds an ASCII control character (a NUL cannot get past jansson). */
static bool
has_ctrl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* A string into char[size], with the CFG_OPT_NAME / CFG_OPT_NONEMPTY / CFG_OPT_NOCTRL checks. */
int
cfg_get_str_into(const struct cfg_loader *l, const json_t *v, const char *path, unsigned int flags,
		char *dst, size_t size)
{
	char b[CFG_JVAL_LEN];
	const char *s;
	size_t n;

	s = cfg_get_str(l, v, path);
	if (s == NULL)
		return -EINVAL;
	n = strlen(s);
	if ((flags & CFG_OPT_NAME) && !name_ok(s, size))
		return cfg_lerr(l, path,
				"%s is not a valid name (1..%zu characters from A-Z a-z 0-9 _ . -)",
				cfg_jv(v, b), size - 1);
	if ((flags & CFG_OPT_NONEMPTY) && n == 0)
		return cfg_lerr(l, path, "\"\" must not be empty");
	if ((flags & CFG_OPT_NOCTRL) && has_ctrl(s))
		return cfg_lerr(l, path, "%s must not contain control characters", cfg_jv(v, b));
	if (n >= size)
		return cfg_lerr(l, path, "%s is too long (%zu bytes, max %zu)", cfg_jv(v, b), n,
				size - 1);
	memcpy(dst, s, n + 1);
	return 0;
}

/* Index of @p s in @p names, or an error listing them. */
int
cfg_get_enum(const struct cfg_loader *l, const json_t *v, const char *path,
		const char *const *names, size_t nb, unsigned int *out)
{
	char b[CFG_JVAL_LEN], list[128] = "";
	const char *s;
	size_t i;

	s = cfg_get_str(l, v, path);
	if (s == NULL)
		return -EINVAL;
	for (i = 0; i < nb; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
		list_add(list, sizeof(list), names[i]);
	}
	return cfg_lerr(l, path, "%s is not one of %s", cfg_jv(v, b), list);
}

/* An array of min..max entries; @p what names one entry in the "empty" message. */
const json_t *
cfg_get_array(const struct cfg_loader *l, const json_t *v, const char *path, size_t min, size_t max,
		const char *what)
{
	char b[CFG_JVAL_LEN];
	size_t n;

	if (!json_is_array(v)) {
		cfg_lerr(l, path, "%s is not an array", cfg_jv(v, b));
		return NULL;
	}
	n = json_array_size(v);
	if (n < min) {
		cfg_lerr(l, path, "empty array, at least one %s is required", what);
		return NULL;
	}
	if (n > max) {
		cfg_lerr(l, path, "too many entries (%zu, max %zu)", n, max);
		return NULL;
	}
	return v;
}

/* A port name that must exist: its index, or -EINVAL. */
int
cfg_get_port(const struct cfg_loader *l, const json_t *v, const char *path)
{
	char b[CFG_JVAL_LEN], names[256];
	const char *s;
	int p;

	s = cfg_get_str(l, v, path);
	if (s == NULL)
		return -EINVAL;
	p = cfg_port_by_name(l->cfg, s);
	if (p < 0)
		return cfg_lerr(l, path, "%s is not a port name (ports: %s)", cfg_jv(v, b),
				port_names(l->cfg, names, sizeof(names)));
	return p;
}

/* Ports, outputs and groups share one namespace: @p name must not be taken yet. */
int
cfg_check_name_free(const struct cfg_loader *l, const char *name, const char *path)
{
	struct cfg_target t;

	if (cfg_target_by_name(l->cfg, name, &t) < 0)
		return 0;
	return cfg_lerr(l, path, "\"%s\" is already the name of %s[%u]", name,
			cfg_target_kind_name(l->cfg, t.kind), t.idx);
}

static void
store_uint(void *field, size_t size, uint64_t x)
{
	switch (size) {
	case 1:
		*(uint8_t *)field = x;
		break;
	case 2:
		*(uint16_t *)field = x;
		break;
	case 4:
		*(uint32_t *)field = x;
		break;
	default:
		*(uint64_t *)field = x;
		break;
	}
}

static uint64_t
load_uint(const void *field, size_t size)
{
	switch (size) {
	case 1:
		return *(const uint8_t *)field;
	case 2:
		return *(const uint16_t *)field;
	case 4:
		return *(const uint32_t *)field;
	default:
		return *(const uint64_t *)field;
	}
}

/* ---------------------------------------------------------------------------------------------- */
/* Table-driven objects */

/*
 * The schema is the core's table (cfg_opts[]) followed by the rows of each feature section the
 * config was loaded with, in the order of the list (cfg_use_sections()).
 */
static const struct cfg_section *const *use_sections;

void
cfg_use_sections(const struct cfg_section *const *list)
{
	use_sections = list;
}

const void *
cfg_section_get(const struct stp_config *cfg, const struct cfg_section *s)
{
	for (unsigned int k = 0; k < cfg->nb_sections && k < CFG_MAX_SECTIONS; k++)
		if (cfg->sections[k] == s)
			return cfg->sec_mem + cfg->sec_off[k];
	return NULL;
}

struct stp_config *
cfg_loader_cfg(const struct cfg_loader *l)
{
	return l->cfg;
}

/* Row @p i of the schema (NULL past the end); *@p sec: -1 for the core's, else the section. */
static const struct cfg_opt *
opt_at(const struct stp_config *cfg, size_t i, int *sec)
{
	*sec = -1;
	if (i < ARRAY_LEN(cfg_opts))
		return &cfg_opts[i];
	i -= ARRAY_LEN(cfg_opts);
	for (unsigned int k = 0; k < cfg->nb_sections && k < CFG_MAX_SECTIONS; k++) {
		if (i < cfg->sections[k]->nb_opts) {
			*sec = (int)k;
			return &cfg->sections[k]->opts[i];
		}
		i -= cfg->sections[k]->nb_opts;
	}
	return NULL;
}

/* One row of an object's schema, in order: the row and its section (-1: the core's). */
struct cfg_row {
	const struct cfg_opt *o;
	int sec;
};

/* The most rows of one object: the largest, the outputs' outputs[], has 27. */
#define CFG_MAX_ROWS 128

/* Whether the core's table has key @p key in object @p section. */
static bool
core_has(const char *section, const char *key)
{
	for (size_t i = 0; i < ARRAY_LEN(cfg_opts); i++)
		if (strcmp(cfg_opts[i].section, section) == 0 && strcmp(cfg_opts[i].key, key) == 0)
			return true;
	return false;
}

/* Feature row @p o of @p section placed before the core's row @p key (NULL: at the end). */
static bool
placed_before(const struct cfg_opt *o, const char *section, const char *key)
{
	if (strcmp(o->section, section) != 0)
		return false;
	if (key == NULL)
		return o->before == NULL || !core_has(section, o->before);
	return o->before != NULL && strcmp(o->before, key) == 0;
}

/* Append the sections' rows of @p section placed before the core's key @p key. */
static unsigned int
rows_placed(const struct stp_config *cfg, const char *section, const char *key, struct cfg_row *out,
		unsigned int n)
{
	for (unsigned int k = 0; k < cfg->nb_sections && k < CFG_MAX_SECTIONS; k++)
		for (unsigned int j = 0; j < cfg->sections[k]->nb_opts; j++)
			if (placed_before(&cfg->sections[k]->opts[j], section, key) &&
					n < CFG_MAX_ROWS)
				out[n++] = (struct cfg_row){ &cfg->sections[k]->opts[j], (int)k };
	return n;
}

/*
 * The rows of object @p section in their order: the core's, each feature row with a "before"
 * just before that core row, then the other feature rows in the registry's order.
 */
static unsigned int
rows_of(const struct stp_config *cfg, const char *section, struct cfg_row out[CFG_MAX_ROWS])
{
	unsigned int n = 0;

	for (size_t i = 0; i < ARRAY_LEN(cfg_opts); i++) {
		if (strcmp(cfg_opts[i].section, section) != 0)
			continue;
		n = rows_placed(cfg, section, cfg_opts[i].key, out, n);
		if (n < CFG_MAX_ROWS)
			out[n++] = (struct cfg_row){ &cfg_opts[i], -1 };
	}
	return rows_placed(cfg, section, NULL, out, n);
}

/* True for the root and the objects the core's table describes (a section may add keys). */
static bool
core_object(const char *section)
{
	if (section[0] == '\0')
		return true;
	for (size_t i = 0; i < ARRAY_LEN(cfg_opts); i++)
		if (strcmp(cfg_opts[i].section, section) == 0)
			return true;
	return false;
}

/*
 * Where the fields of row @p o (of section @p sec, -1 the core's) live: a feature's row in a
 * core object (@p core) points into the feature's block, but in an element of a core array
 * (the section's elem_of) its hooks get the element; any other row goes to @p base.
 */
static char *
row_base(const struct stp_config *cfg, int sec, const struct cfg_opt *o, bool core,
		const void *base)
{
	const char *elem_of = sec >= 0 ? cfg->sections[sec]->elem_of : NULL;

	if (sec >= 0 && core && (elem_of == NULL || strcmp(o->section, elem_of) != 0))
		return (char *)(uintptr_t)(cfg->sec_mem + cfg->sec_off[sec]);
	return (char *)(uintptr_t)base;
}

static const struct cfg_opt *
opt_find(const struct stp_config *cfg, const char *section, const char *key)
{
	const struct cfg_opt *o;
	int sec;

	for (size_t i = 0; (o = opt_at(cfg, i, &sec)) != NULL; i++)
		if (strcmp(o->section, section) == 0 && strcmp(o->key, key) == 0)
			return o;
	return NULL;
}

/* Set the defaults of a section's scalars (CFG_OPT_OBJ children included). */
static void
section_defaults(const struct stp_config *cfg, const char *section, void *base)
{
	bool core = core_object(section);
	struct cfg_row rows[CFG_MAX_ROWS];
	unsigned int n = rows_of(cfg, section, rows);
	const struct cfg_opt *o;
	char *rb;

	for (unsigned int i = 0; i < n; i++) {
		o = rows[i].o;
		rb = row_base(cfg, rows[i].sec, o, core, base);
		switch (o->type) {
		case CFG_OPT_INT:
			store_uint(rb + o->off, o->size, o->def);
			break;
		case CFG_OPT_BOOL:
			*(bool *)(rb + o->off) = o->def != 0;
			break;
		case CFG_OPT_ENUM:
			store_uint(rb + o->off, o->size, o->def);
			break;
		case CFG_OPT_STR:
			snprintf(rb + o->off, o->size, "%s", o->def_str ? o->def_str : "");
			break;
		case CFG_OPT_OBJ:
			section_defaults(cfg, o->key, rb);
			break;
		case CFG_OPT_CUSTOM:
			break;
		}
	}
}

/*
 * Check an object of @p section at @p path: no unknown key, every required key present, then
 * parse its scalar keys into @p base (defaults where absent). @p obj NULL means "absent": all
 * defaults. CFG_OPT_OBJ and CFG_OPT_CUSTOM keys are left to the caller.
 */
int
cfg_parse_object(const struct cfg_loader *l, const json_t *obj, const char *path,
		const char *section, void *base)
{
	char b[CFG_JVAL_LEN], p[CFG_JPATH_LEN], allowed[512] = "";
	const struct cfg_opt *o;
	const char *key;
	const json_t *v;
	bool core = core_object(section);
	struct cfg_row rows[CFG_MAX_ROWS];
	unsigned int n = rows_of(l->cfg, section, rows);
	int64_t x = 0;
	unsigned int e = 0;
	char *rb;
	size_t i;
	int rc;

	section_defaults(l->cfg, section, base);
	if (obj == NULL)
		return 0;
	if (!json_is_object(obj)) {
		if (path[0] == '\0')
			return cfg_lerr(l, "(root)", "expected an object");
		return cfg_lerr(l, path, "%s is not an object", cfg_jv(obj, b));
	}
	json_object_foreach((json_t *)obj, key, v) {
		if (opt_find(l->cfg, section, key) != NULL)
			continue;
		for (i = 0; i < n; i++)
			list_add(allowed, sizeof(allowed), rows[i].o->key);
		return cfg_lerr(l, cfg_jp_key(p, path, key), "unknown key (allowed: %s)", allowed);
	}
	for (i = 0; i < n; i++) {
		o = rows[i].o;
		rb = row_base(l->cfg, rows[i].sec, o, core, base);
		v = json_object_get(obj, o->key);
		if (v == NULL) {
			if (o->flags & CFG_OPT_REQUIRED)
				return cfg_lerr(l, cfg_jp_key(p, path, o->key),
						"missing required key");
			continue;
		}
		cfg_jp_key(p, path, o->key);
		switch (o->type) {
		case CFG_OPT_INT:
			rc = cfg_get_int(l, v, p, o->min, o->max, o->flags, &x);
			if (rc < 0)
				return rc;
			store_uint(rb + o->off, o->size, x);
			break;
		case CFG_OPT_BOOL:
			if (!json_is_boolean(v))
				return cfg_lerr(l, p, "%s is not a boolean", cfg_jv(v, b));
			*(bool *)(rb + o->off) = json_is_true(v);
			break;
		case CFG_OPT_STR:
			rc = cfg_get_str_into(l, v, p, o->flags, rb + o->off, o->size);
			if (rc < 0)
				return rc;
			break;
		case CFG_OPT_ENUM:
			rc = cfg_get_enum(l, v, p, o->names, o->nb_names, &e);
			if (rc < 0)
				return rc;
			store_uint(rb + o->off, o->size, e);
			break;
		case CFG_OPT_OBJ:
		case CFG_OPT_CUSTOM:
			break;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* Sections */

static int
parse_eal(const struct cfg_loader *l, const json_t *root)
{
	struct cfg_eal *eal = &l->cfg->eal;
	const json_t *obj = json_object_get(root, "eal");
	const json_t *args, *v;
	char p[CFG_JPATH_LEN];
	const char *s;
	size_t i;
	int rc;

	rc = cfg_parse_object(l, obj, "eal", "eal", l->cfg);
	if (rc < 0)
		return rc;
	/* The prefix names a directory of the EAL's runtime dir: "." or ".." would be another. */
	if (strspn(eal->file_prefix, ".") == strlen(eal->file_prefix))
		return cfg_lerr(l, "eal.file_prefix",
				"\"%s\" names no directory of its own (it is a path component, not a "
				"name)",
				eal->file_prefix);
	/* Without hugepages the EAL default memory is too small for a useful mempool. */
	if (!eal->hugepages && eal->memory_mb == 0)
		eal->memory_mb = 512;
	args = obj != NULL ? json_object_get(obj, "args") : NULL;
	if (args == NULL)
		return 0;
	if (cfg_get_array(l, args, "eal.args", 0, CFG_MAX_EAL_ARGS, "argument") == NULL)
		return -EINVAL;
	json_array_foreach(args, i, v) {
		s = cfg_get_str(l, v, cfg_jp_idx(p, "eal.args", i));
		if (s == NULL)
			return -EINVAL;
		eal->args[i] = strdup(s);
		if (eal->args[i] == NULL)
			return cfg_lerr(l, p, "out of memory");
		eal->nb_args = i + 1;
	}
	return 0;
}

/* A PCI address "DDDD:BB:DD.F" or "BB:DD.F", then the end or ",devargs". */
static bool
is_pci_device(const char *s)
{
	static const char *const shapes[] = { "xxxx:xx:xx.f", "xx:xx.f" };
	const char *shape, *c;
	size_t i;

	for (i = 0; i < ARRAY_LEN(shapes); i++) {
		for (shape = shapes[i], c = s; *shape != '\0'; shape++, c++) {
			if (*shape == 'x' &&
					!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') ||
							(*c >= 'A' && *c <= 'F')))
				break;
			if (*shape == 'f' && !(*c >= '0' && *c <= '7'))
				break;
			if ((*shape == ':' || *shape == '.') && *c != *shape)
				break;
		}
		if (*shape == '\0' && (*c == '\0' || *c == ','))
			return true;
	}
	return false;
}

/* The keys that sections own in element @p idx of core array @p array (cfg_section.h). */
static int
parse_elem_keys(struct cfg_loader *l, const char *array, size_t idx, const json_t *elem,
		const char *path)
{
	struct stp_config *cfg = l->cfg;

	for (unsigned int k = 0; k < cfg->nb_sections; k++) {
		const struct cfg_section *s = cfg->sections[k];
		int rc;

		if (s->parse_elem == NULL || s->elem_of == NULL || strcmp(s->elem_of, array) != 0)
			continue;
		rc = s->parse_elem(l, array, idx, elem, path, cfg->sec_mem + cfg->sec_off[k]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
parse_ports(struct cfg_loader *l, const json_t *root)
{
	struct stp_config *cfg = l->cfg;
	const json_t *ports, *v;
	char p[CFG_JPATH_LEN], q[CFG_JPATH_LEN];
	struct cfg_port *port;
	size_t i;
	int rc, dup;

	ports = cfg_get_array(l, json_object_get(root, "ports"), "ports", 1, CFG_MAX_PORTS, "port");
	if (ports == NULL)
		return -EINVAL;
	json_array_foreach(ports, i, v) {
		port = &cfg->ports[i];
		cfg_jp_idx(p, "ports", i);
		rc = cfg_parse_object(l, v, p, "ports[]", port);
		if (rc < 0)
			return rc;
		rc = parse_elem_keys(l, "ports[]", i, v, p);
		if (rc < 0)
			return rc;
		dup = cfg_port_by_name(cfg, port->name);
		if (dup >= 0)
			return cfg_lerr(l, cfg_jp_key(q, p, "name"),
					"\"%s\" is already the name of ports[%d]", port->name, dup);
		port->is_pci = is_pci_device(port->device);
		cfg->nb_ports = i + 1;
	}
	return 0;
}

/* The entry of @p id in cfg->lcores[], added with no role if new. */
static struct cfg_lcore *
lcore_get(const struct cfg_loader *l, uint32_t id, const char *path)
{
	struct stp_config *cfg = l->cfg;
	struct cfg_lcore *lc;
	uint16_t i;

	for (i = 0; i < cfg->nb_lcores; i++)
		if (cfg->lcores[i].lcore_id == id)
			return &cfg->lcores[i];
	if (cfg->nb_lcores == CFG_MAX_LCORES) {
		cfg_lerr(l, path,
				"lcore %" PRIu32 " is one lcore too many (max %d datapath lcores)",
				id, CFG_MAX_LCORES);
		return NULL;
	}
	lc = &cfg->lcores[cfg->nb_lcores++];
	memset(lc, 0, sizeof(*lc));
	lc->lcore_id = id;
	return lc;
}

/* An lcore id of a list: in range, not the main lcore, not twice in @p seen. */
static int
get_lcore_id(const struct cfg_loader *l, const json_t *v, const char *path, const char *list,
		int seen[CFG_MAX_LCORE_ID + 1], size_t idx)
{
	int64_t x = 0;
	int rc;

	rc = cfg_get_int(l, v, path, 0, CFG_MAX_LCORE_ID, 0, &x);
	if (rc < 0)
		return rc;
	if (x == l->cfg->eal.main_lcore)
		return cfg_lerr(l, path,
				"%" PRId64 " is eal.main_lcore, which runs the control thread", x);
	if (seen[x] != 0)
		return cfg_lerr(l, path, "lcore %" PRId64 " is already listed at %s[%d]", x, list,
				seen[x] - 1);
	seen[x] = idx + 1;
	return x;
}

static int
parse_lcores_rx_queue(struct cfg_loader *l, struct cfg_lcore *lc, const json_t *v, const char *path)
{
	char b[CFG_JVAL_LEN], p[CFG_JPATH_LEN];
	const struct cfg_port *port;
	int64_t q;
	int rc, pi;

	rc = cfg_parse_object(l, v, path, "lcores.rx[].queues[]", NULL);
	if (rc < 0)
		return rc;
	pi = cfg_get_port(l, json_object_get(v, "port"), cfg_jp_key(p, path, "port"));
	if (pi < 0)
		return pi;
	port = &l->cfg->ports[pi];
	v = json_object_get(v, "queue");
	cfg_jp_key(p, path, "queue");
	if (!json_is_integer(v))
		return cfg_lerr(l, p, "%s is not an integer", cfg_jv(v, b));
	q = json_integer_value(v);
	if (q < 0 || q >= port->rx_queues)
		return cfg_lerr(l, p,
				"%" PRId64
				" is out of range [0..%u] (port \"%s\" has rx_queues %u)",
				q, port->rx_queues - 1, port->name, port->rx_queues);
	if (l->poller[pi][q] != 0)
		return cfg_lerr(l, path,
				"port \"%s\" queue %" PRId64 " is already polled by lcore %u",
				port->name, q, l->poller[pi][q] - 1);
	l->poller[pi][q] = lc->lcore_id + 1;
	lc->poll[lc->nb_poll].port = pi;
	lc->poll[lc->nb_poll].queue = q;
	lc->nb_poll++;
	return 0;
}

static int
parse_lcores_rx(struct cfg_loader *l, const json_t *rx)
{
	char p[CFG_JPATH_LEN], pl[CFG_JPATH_LEN], pq[CFG_JPATH_LEN], pqi[CFG_JPATH_LEN];
	int seen[CFG_MAX_LCORE_ID + 1] = { 0 };
	const json_t *v, *queues, *qv;
	struct cfg_lcore *lc;
	size_t i, j;
	int rc, id;

	if (cfg_get_array(l, rx, "lcores.rx", 1, CFG_MAX_LCORES, "RX lcore") == NULL)
		return -EINVAL;
	json_array_foreach(rx, i, v) {
		cfg_jp_idx(p, "lcores.rx", i);
		rc = cfg_parse_object(l, v, p, "lcores.rx[]", NULL);
		if (rc < 0)
			return rc;
		id = get_lcore_id(l, json_object_get(v, "lcore"), cfg_jp_key(pl, p, "lcore"),
				"lcores.rx", seen, i);
		if (id < 0)
			return id;
		lc = lcore_get(l, id, pl);
		if (lc == NULL)
			return -EINVAL;
		lc->roles |= CFG_ROLE_RX;
		queues = cfg_get_array(l, json_object_get(v, "queues"), cfg_jp_key(pq, p, "queues"),
				1, CFG_MAX_POLL, "queue");
		if (queues == NULL)
			return -EINVAL;
		json_array_foreach(queues, j, qv) {
			rc = parse_lcores_rx_queue(l, lc, qv, cfg_jp_idx(pqi, pq, j));
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* lcores.worker or lcores.tx: a list of lcore ids taking @p role. */
static int
parse_lcores_list(const struct cfg_loader *l, const json_t *list, const char *path, uint32_t role,
		const char *what)
{
	int seen[CFG_MAX_LCORE_ID + 1] = { 0 };
	struct cfg_lcore *lc;
	char p[CFG_JPATH_LEN];
	const json_t *v;
	size_t i;
	int id;

	if (cfg_get_array(l, list, path, 1, CFG_MAX_LCORES, what) == NULL)
		return -EINVAL;
	json_array_foreach(list, i, v) {
		id = get_lcore_id(l, v, cfg_jp_idx(p, path, i), path, seen, i);
		if (id < 0)
			return id;
		lc = lcore_get(l, id, p);
		if (lc == NULL)
			return -EINVAL;
		lc->roles |= role;
	}
	return 0;
}

/* No "lcores": the lcore after the main one runs everything and polls every queue. */
static int
default_lcores(struct cfg_loader *l)
{
	struct stp_config *cfg = l->cfg;
	struct cfg_lcore *lc;
	unsigned int total = 0;
	uint16_t p, q;

	if (cfg->eal.main_lcore + 1 > CFG_MAX_LCORE_ID)
		return cfg_lerr(l, "lcores",
				"absent, and the default lcore (eal.main_lcore + 1 = %u) is "
				"out of range [0..%d]",
				cfg->eal.main_lcore + 1, CFG_MAX_LCORE_ID);
	for (p = 0; p < cfg->nb_ports; p++)
		total += cfg->ports[p].rx_queues;
	if (total > CFG_MAX_POLL)
		return cfg_lerr(l, "lcores",
				"absent, and one lcore cannot poll all %u rx queues (max %d): "
				"list lcores explicitly",
				total, CFG_MAX_POLL);
	lc = lcore_get(l, cfg->eal.main_lcore + 1, "lcores");
	if (lc == NULL)
		return -EINVAL;
	lc->roles = CFG_ROLE_RX | CFG_ROLE_WORKER | CFG_ROLE_TX;
	for (p = 0; p < cfg->nb_ports; p++) {
		for (q = 0; q < cfg->ports[p].rx_queues; q++) {
			lc->poll[lc->nb_poll].port = p;
			lc->poll[lc->nb_poll].queue = q;
			lc->nb_poll++;
			l->poller[p][q] = lc->lcore_id + 1;
		}
	}
	return 0;
}

static int
parse_lcores(struct cfg_loader *l, const json_t *root)
{
	const json_t *obj = json_object_get(root, "lcores");
	struct stp_config *cfg = l->cfg;
	uint16_t p, q;
	int rc;

	if (obj == NULL)
		return default_lcores(l);
	rc = cfg_parse_object(l, obj, "lcores", "lcores", NULL);
	if (rc < 0)
		return rc;
	rc = parse_lcores_rx(l, json_object_get(obj, "rx"));
	if (rc < 0)
		return rc;
	rc = parse_lcores_list(l, json_object_get(obj, "worker"), "lcores.worker", CFG_ROLE_WORKER,
			"worker lcore");
	if (rc < 0)
		return rc;
	rc = parse_lcores_list(l, json_object_get(obj, "tx"), "lcores.tx", CFG_ROLE_TX, "TX lcore");
	if (rc < 0)
		return rc;
	for (p = 0; p < cfg->nb_ports; p++)
		for (q = 0; q < cfg->ports[p].rx_queues; q++)
			if (l->poller[p][q] == 0)
				return cfg_lerr(l, "lcores.rx",
						"port \"%s\" queue %u is not polled by any lcore",
						cfg->ports[p].name, q);
	return 0;
}

/* "aa:bb:cc:dd:ee:ff" (or with '-'), into 6 bytes. */
bool
cfg_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char sep[5], end;

	if (strlen(s) != 17 ||
			sscanf(s, "%2x%c%2x%c%2x%c%2x%c%2x%c%2x%c", &b[0], &sep[0], &b[1], &sep[1],
					&b[2], &sep[2], &b[3], &sep[3], &b[4], &sep[4], &b[5],
					&end) != 11)
		return false;
	for (int i = 0; i < 5; i++)
		if (sep[i] != ':' && sep[i] != '-')
			return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return true;
}

/*
 * Every port a feature transmits on from every TX lcore (a rule's output, a probe's port) needs
 * one TX queue per TX lcore: TX lcores do not share queues.
 */
int
cfg_check_tx_queues(const struct cfg_loader *l)
{
	const struct stp_config *cfg = l->cfg;
	char p[CFG_JPATH_LEN], why[160];
	unsigned int nb_tx = 0;
	uint16_t i;

	for (i = 0; i < cfg->nb_lcores; i++)
		if (cfg->lcores[i].roles & CFG_ROLE_TX)
			nb_tx++;
	for (i = 0; i < cfg->nb_ports; i++) {
		if (cfg->ports[i].tx_queues >= nb_tx)
			continue;
		for (unsigned int k = 0; k < cfg->nb_sections; k++) {
			const struct cfg_section *sec = cfg->sections[k];

			if (sec->port_tx == NULL ||
					!sec->port_tx(cfg, cfg->sec_mem + cfg->sec_off[k], i, why,
							sizeof(why)))
				continue;
			snprintf(p, sizeof(p), "ports[%u].tx_queues", i);
			return cfg_lerr(l, p,
					"%u is fewer than the %u TX lcores (lcores.tx): port \"%s\" "
					"%s",
					cfg->ports[i].tx_queues, nb_tx, cfg->ports[i].name, why);
		}
	}
	return 0;
}

/*
 * metrics.tls: both files or neither, and both readable now, so that --check and the start fail
 * on a missing file rather than the first TLS handshake. What they hold is checked when the
 * server loads them (lib/metrics).
 */
static int
parse_metrics_tls(const struct cfg_loader *l, const struct cfg_metrics *m)
{
	const struct {
		const char *path, *file, *other;
	} f[] = {
		{ "metrics.tls.cert_file", m->tls_cert, m->tls_key },
		{ "metrics.tls.key_file", m->tls_key, m->tls_cert },
	};

	for (size_t i = 0; i < ARRAY_LEN(f); i++) {
		if (f[i].file[0] == '\0') {
			if (f[i].other[0] != '\0')
				return cfg_lerr(l, f[i].path,
						"missing: TLS needs both cert_file and key_file");
			continue;
		}
		if (access(f[i].file, R_OK) != 0)
			return cfg_lerr(l, f[i].path, "cannot read \"%s\": %s", f[i].file,
					strerror(errno));
	}
	return 0;
}

/*
 * metrics.basic_auth.password_hash: a crypt(3) hash that libxcrypt knows ("$y$" yescrypt, "$2b$"
 * bcrypt, "$6$" SHA-512-crypt, "$5$"), checked by hashing a probe password with it as setting:
 * libxcrypt fails (NULL) for a setting it does not support. No plain
 * text password is ever accepted: DES and the other hashes without a "$id$" prefix are refused.
 */
static int
parse_metrics_auth(const struct cfg_loader *l, const struct cfg_metrics *m)
{
	struct crypt_data *cd;
	const char *h;
	bool ok;

	/* Both empty (absent, or as --dump-config writes "no auth"): no auth. */
	if (m->auth_user[0] == '\0' && m->auth_hash[0] == '\0')
		return 0;
	if (m->auth_user[0] == '\0')
		return cfg_lerr(l, "metrics.basic_auth.username",
				"missing: basic auth needs a user name");
	if (m->auth_hash[0] == '\0')
		return cfg_lerr(l, "metrics.basic_auth.password_hash",
				"missing: basic auth needs a password hash");
	if (strchr(m->auth_user, ':') != NULL)
		return cfg_lerr(l, "metrics.basic_auth.username",
				"\"%s\" holds a ':', which HTTP basic auth cannot carry",
				m->auth_user);
	if (m->auth_hash[0] != '$')
		return cfg_lerr(l, "metrics.basic_auth.password_hash",
				"not a crypt(3) hash (\"$y$...\", \"$2b$...\", \"$6$...\"; make one with "
				"mkpasswd or openssl passwd -6)");
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		return cfg_lerr(l, "metrics.basic_auth.password_hash", "out of memory");
	/*
	 * crypt_rn(): libxcrypt's crypt_r() that answers NULL rather than a '*' string; also not
	 * the crypt_r() that gcc 12's ASan intercepts (its interceptor calls a null pointer there).
	 */
	h = crypt_rn("probe", m->auth_hash, cd, (int)sizeof(*cd));
	ok = h != NULL && h[0] == '$';
	free(cd);
	if (!ok)
		return cfg_lerr(l, "metrics.basic_auth.password_hash",
				"not a hash this system's crypt(3) supports (yescrypt \"$y$\", bcrypt "
				"\"$2b$\", SHA-512 \"$6$\", SHA-256 \"$5$\")");
	return 0;
}

static int
parse_metrics(const struct cfg_loader *l, const json_t *root)
{
	const json_t *obj = json_object_get(root, "metrics");
	struct cfg_metrics *m = &l->cfg->metrics;
	unsigned char addr[sizeof(struct in6_addr)];
	char b[CFG_JVAL_LEN];
	int rc;

	rc = cfg_parse_object(l, obj, "metrics", "metrics", l->cfg);
	if (rc < 0)
		return rc;
	/* A literal, not a host name: resolving names at start-up would make it depend on DNS. */
	if (inet_pton(AF_INET, m->listen, addr) != 1 && inet_pton(AF_INET6, m->listen, addr) != 1)
		return cfg_lerr(l, "metrics.listen",
				"%s is not an IPv4 or IPv6 address literal (e.g. \"127.0.0.1\", "
				"\"::1\", \"0.0.0.0\")",
				cfg_jv(json_object_get(obj, "listen"), b));
	rc = cfg_parse_object(l, obj != NULL ? json_object_get(obj, "tls") : NULL, "metrics.tls",
			"tls", l->cfg);
	if (rc < 0)
		return rc;
	rc = parse_metrics_tls(l, m);
	if (rc < 0)
		return rc;
	rc = cfg_parse_object(l, obj != NULL ? json_object_get(obj, "basic_auth") : NULL,
			"metrics.basic_auth", "basic_auth", l->cfg);
	if (rc < 0)
		return rc;
	return parse_metrics_auth(l, m);
}

/* "10.1.0.0/16", "2001:db8::/32": family, length, address; host bits must be 0. */
int
cfg_get_prefix(const struct cfg_loader *l, const char *s, const char *path, struct cfg_prefix *x)
{
	char buf[CFG_PREFIX_LEN], *slash, *end;
	unsigned long len;
	unsigned int max, bytes, bits;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash == NULL)
		goto bad;
	*slash = '\0';
	memset(x->addr, 0, sizeof(x->addr));
	if (inet_pton(AF_INET, buf, x->addr) == 1) {
		x->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, x->addr) == 1) {
		x->family = 6;
		max = 128;
	} else {
		goto bad;
	}
	if (slash[1] < '0' || slash[1] > '9')
		goto bad;
	len = strtoul(slash + 1, &end, 10);
	if (*end != '\0' || len > max)
		goto bad;
	x->len = (uint8_t)len;
	bytes = x->len / 8;
	bits = x->len % 8;
	for (unsigned int i = bytes; i < 16; i++) {
		uint8_t mask = i == bytes && bits != 0 ? (uint8_t)(0xff >> bits) : 0xff;

		if (x->addr[i] & mask)
			return cfg_lerr(l, path, "\"%s\" has bits set beyond its /%u prefix length",
					s, x->len);
	}
	return 0;
bad:
	return cfg_lerr(l, path,
			"\"%s\" is not an address prefix (e.g. \"10.1.0.0/16\", "
			"\"2001:db8::/32\")",
			s);
}

/* The passes that are not a section's own parser: plain sections, and checks across them. */
static int
pass_root_keys(struct cfg_loader *l, const json_t *root)
{
	return cfg_parse_object(l, root, "", "", l->cfg);
}

static int
pass_node(struct cfg_loader *l, const json_t *root)
{
	return cfg_parse_object(l, json_object_get(root, "node"), "node", "node", l->cfg);
}

static int
pass_rings(struct cfg_loader *l, const json_t *root)
{
	return cfg_parse_object(l, json_object_get(root, "rings"), "rings", "rings", l->cfg);
}

static int
pass_mempool(struct cfg_loader *l, const json_t *root)
{
	return cfg_parse_object(l, json_object_get(root, "mempool"), "mempool", "mempool", l->cfg);
}

static int
pass_tx_queues(struct cfg_loader *l, const json_t *root)
{
	return cfg_check_tx_queues(l);
}

/* A section's parser (which reads the loader and writes its config) as a pass. */
#define PASS_OF(fn)                                                    \
	static int pass_##fn(struct cfg_loader *l, const json_t *root) \
	{                                                              \
		return fn(l, root);                                    \
	}
PASS_OF(parse_eal)
PASS_OF(parse_ports)
PASS_OF(parse_metrics)

/*
 * The passes over the document, in order: a section is parsed after the sections its values
 * name (ports before the outputs' section; the rules' groups after outputs, its rules after
 * lcores), and each
 * check across sections after what it checks. The first error stops the load.
 */
static const struct {
	const char *name;
	int (*run)(struct cfg_loader *l, const json_t *root);
} cfg_passes[] = {
	{ "root keys", pass_root_keys },
	{ "node", pass_node },
	{ "eal", pass_parse_eal },
	{ "ports", pass_parse_ports },
	{ "rings", pass_rings },
	{ "mempool", pass_mempool },
	{ "lcores", parse_lcores },
	{ "tx queues", pass_tx_queues },
	{ "metrics", pass_parse_metrics },
};

/*
 * The passes of the feature sections that run after pass @p name, and theirs in turn; @p name
 * NULL: every one that has not run yet (a section after a pass that does not exist runs last).
 */
static int
run_sections(struct cfg_loader *l, const json_t *root, const char *name)
{
	struct stp_config *cfg = l->cfg;

	for (unsigned int k = 0; k < cfg->nb_sections; k++) {
		const struct cfg_section *s = cfg->sections[k];
		void *blk = cfg->sec_mem + cfg->sec_off[k];
		int rc = 0;

		if (!(l->sections_run & (1u << k)) &&
				(name == NULL || strcmp(s->after, name) == 0)) {
			l->sections_run |= 1u << k;
			rc = s->parse != NULL ? s->parse(l, root, blk) : 0;
			if (rc == 0)
				rc = run_sections(l, root, s->name);
		}
		if (rc == 0 && s->check != NULL && !(l->sections_checked & (1u << k)) &&
				(name == NULL || strcmp(s->check_after, name) == 0)) {
			l->sections_checked |= 1u << k;
			rc = s->check(l, root, blk);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
parse_root(struct cfg_loader *l, const json_t *root)
{
	for (size_t i = 0; i < ARRAY_LEN(cfg_passes); i++) {
		int rc = cfg_passes[i].run(l, root);

		if (rc == 0)
			rc = run_sections(l, root, cfg_passes[i].name);
		if (rc < 0)
			return rc;
	}
	return run_sections(l, root, NULL);
}

/*
 * Give @p cfg (zeroed) the blocks of the sections cfg_use_sections() named. -ENOSPC when they do
 * not fit: a build with a section too large for CFG_SECTION_MEM.
 */
static int
sections_place(struct stp_config *cfg, char err[CFG_ERR_LEN])
{
	size_t used = 0;

	for (const struct cfg_section *const *sp = use_sections; sp != NULL && *sp != NULL; sp++) {
		if (cfg->nb_sections == CFG_MAX_SECTIONS || used + (*sp)->size > CFG_SECTION_MEM) {
			snprintf(err, CFG_ERR_LEN,
					"%s: section %s: more than %u sections or %u bytes (a build "
					"error: raise CFG_MAX_SECTIONS / CFG_SECTION_MEM)",
					cfg->file, (*sp)->name, CFG_MAX_SECTIONS, CFG_SECTION_MEM);
			return -ENOSPC;
		}
		cfg->sections[cfg->nb_sections] = *sp;
		cfg->sec_off[cfg->nb_sections++] = (uint32_t)used;
		used = (used + (*sp)->size + 15) & ~(size_t)15;
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------------- */
/* Public API */

/*
 * jansson quotes the bad token in its syntax messages as it was in the file, which may hold a raw
 * control character: the message must stay one line for logs and for the tests that compare it.
 */
static void
one_line(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static int
load_buffer(const char *text, size_t len, const char *name, struct stp_config *cfg,
		char err[CFG_ERR_LEN])
{
	struct cfg_loader *l;
	json_error_t jerr;
	json_t *root;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->file, sizeof(cfg->file), "%s", name);
	err[0] = '\0';
	rc = sections_place(cfg, err);
	if (rc < 0)
		return rc;

	root = json_loadb(text, len, CFG_JSON_FLAGS, &jerr);
	if (root == NULL) {
		snprintf(err, CFG_ERR_LEN, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
		one_line(err);
		return -EINVAL;
	}
	/* The poller table is 4 kB: keep it off the caller's stack. */
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		json_decref(root);
		snprintf(err, CFG_ERR_LEN, "%s: out of memory", name);
		return -ENOMEM;
	}
	l->file = name;
	l->err = err;
	l->cfg = cfg;
	rc = parse_root(l, root);
	free(l);
	json_decref(root);
	if (rc < 0)
		cfg_free(cfg);
	return rc;
}

int
cfg_load_string(const char *text, const char *name, struct stp_config *cfg, char err[CFG_ERR_LEN])
{
	return load_buffer(text, strlen(text), name, cfg, err);
}

int
cfg_load(const char *path, struct stp_config *cfg, char err[CFG_ERR_LEN])
{
	size_t len = 0, cap = 0;
	char *buf = NULL, *nbuf;
	FILE *f;
	size_t n;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	f = fopen(path, "rb");
	if (f == NULL)
		goto fail;
	for (;;) {
		if (len == cap) {
			if (cap >= CFG_MAX_FILE_SIZE) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap == 0 ? 4096 : cap * 2;
			nbuf = realloc(buf, cap);
			if (nbuf == NULL) {
				errno = ENOMEM;
				goto fail;
			}
			buf = nbuf;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				goto fail;
			break;
		}
	}
	fclose(f);
	rc = load_buffer(buf, len, path, cfg, err);
	free(buf);
	return rc;

fail:
	rc = errno != 0 ? -errno : -EIO;
	snprintf(err, CFG_ERR_LEN, "%s: cannot read: %s", path, strerror(-rc));
	if (f != NULL)
		fclose(f);
	free(buf);
	return rc;
}

void
cfg_free(struct stp_config *cfg)
{
	unsigned int i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->eal.nb_args && i < CFG_MAX_EAL_ARGS; i++) {
		free(cfg->eal.args[i]);
		cfg->eal.args[i] = NULL;
	}
	cfg->eal.nb_args = 0;
}

int
cfg_port_by_name(const struct stp_config *cfg, const char *name)
{
	uint16_t i;

	for (i = 0; i < cfg->nb_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return i;
	return -1;
}

/* The section that names targets of @p kind, with its block in *@p blk; NULL when none. */
static const struct cfg_section *
target_section(const struct stp_config *cfg, uint8_t kind, const void **blk)
{
	for (unsigned int k = 0; k < cfg->nb_sections && k < CFG_MAX_SECTIONS; k++) {
		const struct cfg_section *s = cfg->sections[k];

		if (s->target_kind == kind && kind > CFG_TARGET_PORT && s->target_name != NULL) {
			*blk = cfg->sec_mem + cfg->sec_off[k];
			return s;
		}
	}
	return NULL;
}

uint16_t
cfg_target_count(const struct stp_config *cfg, uint8_t kind)
{
	const struct cfg_section *s;
	const void *blk;

	if (kind == CFG_TARGET_PORT)
		return cfg->nb_ports;
	s = target_section(cfg, kind, &blk);
	return s != NULL ? s->nb_targets(blk) : 0;
}

const char *
cfg_target_kind_name(const struct stp_config *cfg, uint8_t kind)
{
	const struct cfg_section *s;
	const void *blk;

	if (kind < ARRAY_LEN(target_kind_names))
		return target_kind_names[kind];
	s = target_section(cfg, kind, &blk);
	return s != NULL ? s->target_list : "nothing";
}

int
cfg_target_by_name(const struct stp_config *cfg, const char *name, struct cfg_target *t)
{
	for (uint8_t kind = CFG_TARGET_PORT; kind < CFG_TARGET_KINDS; kind++) {
		uint16_t n = cfg_target_count(cfg, kind);

		for (uint16_t i = 0; i < n; i++) {
			*t = (struct cfg_target){ kind, i };
			if (strcmp(cfg_target_name(cfg, t), name) == 0)
				return 0;
		}
	}
	return -ENOENT;
}

const char *
cfg_target_name(const struct stp_config *cfg, const struct cfg_target *t)
{
	const struct cfg_section *s;
	const void *blk;

	switch (t->kind) {
	case CFG_TARGET_NONE:
		return "";
	case CFG_TARGET_PORT:
		return t->idx < cfg->nb_ports ? cfg->ports[t->idx].name : "";
	default:
		s = target_section(cfg, t->kind, &blk);
		return s != NULL && t->idx < s->nb_targets(blk) ? s->target_name(blk, t->idx) : "";
	}
}

const char *
cfg_ts_mode_name(enum cfg_ts_mode m)
{
	if ((unsigned int)m < ARRAY_LEN(ts_names))
		return ts_names[m];
	return "unknown";
}

const struct cfg_lcore *
cfg_lcore_find(const struct stp_config *cfg, uint32_t lcore_id)
{
	uint16_t i;

	for (i = 0; i < cfg->nb_lcores; i++)
		if (cfg->lcores[i].lcore_id == lcore_id)
			return &cfg->lcores[i];
	return NULL;
}

/* ---------------------------------------------------------------------------------------------- */
/* Dump */

/* json_object_set_new() that remembers a failure (NULL value or no memory) in *bad. */
void
cfg_jset(json_t *o, const char *key, json_t *v, bool *bad)
{
	if (v == NULL || o == NULL || json_object_set_new(o, key, v) < 0)
		*bad = true;
}

void
cfg_jappend(json_t *a, json_t *v, bool *bad)
{
	if (v == NULL || a == NULL || json_array_append_new(a, v) < 0)
		*bad = true;
}

/* An object of @p section, keys in table order, from the struct at @p base. */
json_t *
cfg_dump_section(const struct stp_config *cfg, const char *section, const void *base, bool *bad)
{
	bool core = core_object(section);
	struct cfg_row rows[CFG_MAX_ROWS];
	unsigned int n = rows_of(cfg, section, rows);
	const struct cfg_opt *o;
	json_t *obj = json_object();
	const char *rb, *f;
	json_t *v;
	uint64_t x;

	for (unsigned int i = 0; i < n; i++) {
		o = rows[i].o;
		rb = row_base(cfg, rows[i].sec, o, core, base);
		f = rb + o->off;
		switch (o->type) {
		case CFG_OPT_INT:
			v = json_integer(load_uint(f, o->size));
			break;
		case CFG_OPT_BOOL:
			v = json_boolean(*(const bool *)f);
			break;
		case CFG_OPT_STR:
			v = json_string(f);
			break;
		case CFG_OPT_ENUM:
			x = load_uint(f, o->size);
			v = json_string(x < o->nb_names ? o->names[x] : "unknown");
			break;
		case CFG_OPT_OBJ:
			v = cfg_dump_section(cfg, o->key, rb, bad);
			break;
		default:
			/* Every custom key drawn here has its hook (NULL: *bad). */
			v = o->dump != NULL ? o->dump(cfg, rb, bad) : NULL;
			break;
		}
		cfg_jset(obj, o->key, v, bad);
	}
	return obj;
}

static json_t *
dump_lcores(const struct stp_config *cfg, const void *base, bool *bad)
{
	json_t *obj = json_object(), *rx = json_array(), *worker = json_array();
	json_t *tx = json_array(), *e, *queues, *q;
	const struct cfg_lcore *lc;
	uint16_t i, j;

	for (i = 0; i < cfg->nb_lcores; i++) {
		lc = &cfg->lcores[i];
		if (lc->roles & CFG_ROLE_RX) {
			e = json_object();
			queues = json_array();
			cfg_jset(e, "lcore", json_integer(lc->lcore_id), bad);
			for (j = 0; j < lc->nb_poll; j++) {
				q = json_object();
				cfg_jset(q, "port", json_string(cfg->ports[lc->poll[j].port].name),
						bad);
				cfg_jset(q, "queue", json_integer(lc->poll[j].queue), bad);
				cfg_jappend(queues, q, bad);
			}
			cfg_jset(e, "queues", queues, bad);
			cfg_jappend(rx, e, bad);
		}
		if (lc->roles & CFG_ROLE_WORKER)
			cfg_jappend(worker, json_integer(lc->lcore_id), bad);
		if (lc->roles & CFG_ROLE_TX)
			cfg_jappend(tx, json_integer(lc->lcore_id), bad);
	}
	cfg_jset(obj, "rx", rx, bad);
	cfg_jset(obj, "worker", worker, bad);
	cfg_jset(obj, "tx", tx, bad);
	return obj;
}

static json_t *
dump_ports(const struct stp_config *cfg, const void *base, bool *bad)
{
	json_t *a = json_array();

	for (uint16_t i = 0; i < cfg->nb_ports; i++)
		cfg_jappend(a, cfg_dump_section(cfg, "ports[]", &cfg->ports[i], bad), bad);
	return a;
}

static json_t *
dump_eal_args(const struct stp_config *cfg, const void *base, bool *bad)
{
	json_t *a = json_array();

	for (uint16_t i = 0; i < cfg->eal.nb_args; i++)
		cfg_jappend(a, json_string(cfg->eal.args[i]), bad);
	return a;
}

char *
cfg_dump_json(const struct stp_config *cfg)
{
	bool bad = false;
	json_t *root;
	char *s = NULL;

	root = cfg_dump_section(cfg, "", cfg, &bad);
	if (root != NULL && !bad)
		s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return s;
}

/* ---------------------------------------------------------------------------------------------- */
/* Edits of a loaded config (the rules' console "add rule" / "del rule": lib/rules/cfg.c) */

/*
 * The same loader as cfg_load() over an already loaded config, so a rule typed at the console
 * gets exactly the checks and messages of a rule in the file.
 */
struct cfg_loader *
cfg_loader_new(struct stp_config *cfg, char err[CFG_ERR_LEN])
{
	struct cfg_loader *l = calloc(1, sizeof(*l));

	if (l == NULL) {
		snprintf(err, CFG_ERR_LEN, "%s: out of memory", cfg->file);
		return NULL;
	}
	l->file = cfg->file;
	l->err = err;
	l->cfg = cfg;
	return l;
}

void
cfg_loader_free(struct cfg_loader *l)
{
	free(l);
}

json_t *
cfg_json_parse(const struct stp_config *cfg, const char *text, const char *path,
		char err[CFG_ERR_LEN])
{
	json_error_t jerr;
	json_t *v = json_loads(text, CFG_JSON_FLAGS, &jerr);

	if (v == NULL) {
		cfg_errf(cfg, err, path, "%d:%d: %s", jerr.line, jerr.column, jerr.text);
		one_line(err);
	}
	return v;
}
