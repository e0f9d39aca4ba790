/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The switch trailers' configuration section: the key "trailer" in each ports[] entry. It is
 * parsed with each port (the core's ports pass calls parse_port() right after the port's own
 * keys, so errors come in the file's order, ports[0].trailer before ports[1].name), into the
 * section's block, one struct trailer_spec per port. The loader's machinery comes from
 * lib/cfg/cfg_section.h; config/README.md documents the keys.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cfg_section.h"
#include "trailer_cfg.h"

static json_t *dump_trailer(const struct stp_config *cfg, const void *base, bool *bad);
static json_t *dump_layout(const struct stp_config *cfg, const void *base, bool *bad);

/* One table row per line reads better than the formatter's layout. */
/* clang-format off */
#define ST struct trailer_spec
#define SH struct trailer_hop
/* trailer_spec_check() checks across keys. */
static const struct cfg_opt trailer_opts[] = {
	CFG_O_CUSTOM_D("ports[]", "trailer", 0, dump_trailer),

	CFG_O_ENUM("trailer", "format", ST, format, trailer_format_names, TRAILER_FMT_NONE, 0),
	CFG_O_ENUM("trailer", "fcs", ST, fcs, trailer_fcs_names, TRAILER_FCS_ABSENT, 0),
	CFG_O_BOOL("trailer", "strip", ST, strip, 0),
	CFG_O_ENUM("trailer", "use", ST, use, trailer_use_names, TRAILER_USE_INNERMOST, 0),
	CFG_O_INT("trailer", "max_skew_s", ST, max_skew_s, 0, 315360000, 0, 0),
	CFG_O_CUSTOM_D("trailer", "layout", 0, dump_layout),

	CFG_O_ENUM("trailer.layout[]", "kind", SH, kind, trailer_hop_kind_names, TRAILER_HOP_METAMAKO, 0),
	CFG_O_INT("trailer.layout[]", "len", SH, len, 4, TRAILER_MAX_FIXED, 12, 0),
	CFG_O_INT("trailer.layout[]", "sec_off", SH, sec_off, 0, TRAILER_MAX_FIXED - 1, 0, 0),
	CFG_O_INT("trailer.layout[]", "sec_size", SH, sec_size, 0, 8, 4, 0),
	CFG_O_INT("trailer.layout[]", "ns_off", SH, ns_off, 0, TRAILER_MAX_FIXED - 1, 4, 0),
	CFG_O_INT("trailer.layout[]", "ns_size", SH, ns_size, 0, 8, 4, 0),
	CFG_O_BOOL("trailer.layout[]", "fcs_before", SH, fcs_before, 1),
};
#undef ST
#undef SH
/* clang-format on */

/* ports[idx].trailer: the table's keys, then the layout[] entries, then the checks across keys. */
static int
parse_port(struct cfg_loader *l, const char *array, size_t idx, const json_t *elem,
		const char *path, void *blk)
{
	char tp[CFG_JPATH_LEN], p[CFG_JPATH_LEN], pi[CFG_JPATH_LEN], msg[CFG_ERR_LEN / 2];
	struct trailer_spec *t = &((struct trailer_cfg *)blk)->ports[idx];
	const json_t *obj = json_object_get(elem, "trailer"), *layout, *v;
	size_t i;
	int rc, n;

	(void)array;
	cfg_jp_key(tp, path, "trailer");
	rc = cfg_parse_object(l, obj, tp, "trailer", t);
	if (rc < 0)
		return rc;
	layout = obj != NULL ? json_object_get(obj, "layout") : NULL;
	if (layout != NULL) {
		cfg_jp_key(p, tp, "layout");
		if (cfg_get_array(l, layout, p, 0, TRAILER_MAX_STACK, "trailer") == NULL)
			return -EINVAL;
		json_array_foreach(layout, i, v) {
			rc = cfg_parse_object(l, v, cfg_jp_idx(pi, p, i), "trailer.layout[]",
					&t->hops[i]);
			if (rc < 0)
				return rc;
			t->nb_hops = (uint8_t)(i + 1);
		}
	}
	/* The message starts with the key it is about, relative to the trailer object. */
	if (trailer_spec_check(t, msg, sizeof(msg)) < 0) {
		char *sep = strstr(msg, ": ");

		if (sep == NULL)
			return cfg_lerr(l, tp, "%s", msg);
		*sep = '\0';
		n = snprintf(p, sizeof(p), "%s.%s", tp, msg);
		if (n < 0 || n >= (int)sizeof(p))
			memcpy(p + sizeof(p) - 4, "...", 4);
		return cfg_lerr(l, p, "%s", sep + 2);
	}
	return 0;
}

/* A row in ports[] gets the port as its base (cfg_section.h): its spec is in the block. */
static json_t *
dump_trailer(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct cfg_port *port = base;

	return cfg_dump_section(
			cfg, "trailer", trailer_cfg_of(cfg, (uint16_t)(port - cfg->ports)), bad);
}

static json_t *
dump_layout(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct trailer_spec *t = base;
	json_t *a = json_array();

	for (uint16_t i = 0; i < t->nb_hops; i++)
		cfg_jappend(a, cfg_dump_section(cfg, "trailer.layout[]", &t->hops[i], bad), bad);
	return a;
}

const struct cfg_section trailer_cfg_section = {
	.name = "trailer",
	.after = "ports",
	.opts = trailer_opts,
	.nb_opts = CFG_ARRAY_LEN(trailer_opts),
	.size = sizeof(struct trailer_cfg),
	.elem_of = "ports[]",
	.parse_elem = parse_port,
};

const struct trailer_spec *
trailer_cfg_of(const struct stp_config *cfg, uint16_t port)
{
	static const struct trailer_spec none; /* TRAILER_FMT_NONE is 0 */
	const struct trailer_cfg *t = cfg_section_get(cfg, &trailer_cfg_section);

	return t != NULL && port < CFG_MAX_PORTS ? &t->ports[port] : &none;
}
