/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * Unit test of the feature config sections (lib/cfg/cfg_section.h) with two mock sections, on
 * lib/cfg alone: a top-level object with a custom array (parsed after "ports", whose names it
 * uses) and a key added to the core's node object, with a check run after a later pass. Checks:
 * rows join the core's table (allowed-key lists, defaults, the dump and its order), each pass
 * runs after the one it names and its errors name the JSON path, the block travels with struct
 * copies (the console's rule edits, lib/rules, work on such a copy: test_cfg_rules), a config
 * loaded without the sections reads as not having them; a key inside each element of the
 * core's ports[] (ports[].mark) and a root key placed among the core's.
 */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_section.h"
#include "unit.h"

#define CHECK(cond) check((cond), "%s:%d: %s", __func__, __LINE__, #cond)

/* Mock feature "zoo": { "zoo": { "size": 3, "label": "x", "cages": ["a", "b"] } }. */
struct zoo_cfg {
	uint32_t size;
	char label[16];
	uint16_t nb_cages;
	uint16_t cages[4]; /* port indexes */
};

/* Mock feature "tag": node.tag, checked after "metrics" against node.role. */
struct tag_cfg {
	uint32_t tag;
	bool checked;
};

/* Mock feature "mark": ports[].mark, a key inside each element of the core's ports[]. */
struct mark_cfg {
	uint8_t mark[CFG_MAX_PORTS];
	uint32_t pen;  /* the root's "pen", placed before the core's "burst" */
	uint8_t calls; /* parse_mark() calls: one per port */
};

/* The order the passes ran in, one letter each: Z (zoo), T (tag check), L (late). */
static char trace[16];

static void
trace_add(char c)
{
	size_t n = strlen(trace);

	if (n + 1 < sizeof(trace))
		trace[n] = c, trace[n + 1] = '\0';
}

static json_t *
dump_cages(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct zoo_cfg *z = base;
	json_t *a = json_array();

	for (uint16_t i = 0; i < z->nb_cages; i++)
		cfg_jappend(a, json_string(cfg->ports[z->cages[i]].name), bad);
	return a;
}

static json_t *dump_mark(const struct stp_config *cfg, const void *base, bool *bad);
static json_t *dump_pen(const struct stp_config *cfg, const void *base, bool *bad);

/* clang-format off */
static const struct cfg_opt mark_opts[] = {
	CFG_O_CUSTOM_D("ports[]", "mark", 0, dump_mark),
	CFG_O_CUSTOM_AT("", "pen", 0, dump_pen, "burst"),
};
static const struct cfg_opt zoo_opts[] = {
	CFG_O_OBJ("", "zoo"),
	CFG_O_INT("zoo", "size", struct zoo_cfg, size, 1, 10, 5, 0),
	CFG_O_STR("zoo", "label", struct zoo_cfg, label, "none", CFG_OPT_NAME),
	CFG_O_CUSTOM_D("zoo", "cages", 0, dump_cages),
};
static const struct cfg_opt tag_opts[] = {
	CFG_O_INT("node", "tag", struct tag_cfg, tag, 0, 99, 7, 0),
};
/* clang-format on */

static int
parse_zoo(struct cfg_loader *l, const json_t *root, void *blk)
{
	const json_t *obj = json_object_get(root, "zoo"), *cages, *v;
	struct zoo_cfg *z = blk;
	char p[CFG_JPATH_LEN];
	size_t i;
	int rc;

	trace_add('Z');
	rc = cfg_parse_object(l, obj, "zoo", "zoo", z);
	if (rc < 0)
		return rc;
	cages = obj != NULL ? json_object_get(obj, "cages") : NULL;
	if (cages == NULL)
		return 0;
	if (cfg_get_array(l, cages, "zoo.cages", 0, 4, "cage") == NULL)
		return -EINVAL;
	json_array_foreach(cages, i, v) {
		int port = cfg_get_port(l, v, cfg_jp_idx(p, "zoo.cages", i));

		if (port < 0)
			return port;
		z->cages[z->nb_cages++] = (uint16_t)port;
	}
	return 0;
}

static int
check_tag(struct cfg_loader *l, const json_t *root, void *blk)
{
	struct tag_cfg *t = blk;

	trace_add('T');
	t->checked = true;
	if (t->tag == 13 && cfg_loader_cfg(l)->node.role != CFG_ROLE_EDGE)
		return cfg_lerr(l, "node.tag", "13 is for edges only");
	return 0;
}

static const struct cfg_section zoo_section = {
	.name = "zoo",
	.after = "ports",
	.opts = zoo_opts,
	.nb_opts = CFG_ARRAY_LEN(zoo_opts),
	.size = sizeof(struct zoo_cfg),
	.parse = parse_zoo,
};

static const struct cfg_section tag_section = {
	.name = "tag",
	.after = "zoo", /* after another section */
	.opts = tag_opts,
	.nb_opts = CFG_ARRAY_LEN(tag_opts),
	.size = sizeof(struct tag_cfg),
	.check_after = "metrics",
	.check = check_tag,
};

/* A section after a pass that does not exist: it still runs, after every other. */
static int
parse_late(struct cfg_loader *l, const json_t *root, void *blk)
{
	trace_add('L');
	return 0;
}

static const struct cfg_section late_section = {
	.name = "late",
	.after = "no such pass",
	.parse = parse_late,
};

static int
parse_mark(struct cfg_loader *l, const char *array, size_t idx, const json_t *elem,
		const char *path, void *blk)
{
	struct mark_cfg *m = blk;
	char p[CFG_JPATH_LEN];
	const json_t *v = json_object_get(elem, "mark");
	int64_t x = 0;
	int rc;

	m->calls++;
	if (strcmp(array, "ports[]") != 0)
		return cfg_lerr(l, path, "called for %s", array);
	if (v == NULL) {
		m->mark[idx] = 1; /* the default */
		return 0;
	}
	rc = cfg_get_int(l, v, cfg_jp_key(p, path, "mark"), 0, 9, 0, &x);
	if (rc < 0)
		return rc;
	m->mark[idx] = (uint8_t)x;
	return 0;
}

static int
parse_pen(struct cfg_loader *l, const json_t *root, void *blk)
{
	const json_t *v = json_object_get(root, "pen");
	int64_t x = 0;
	int rc;

	if (v == NULL)
		return 0;
	rc = cfg_get_int(l, v, "pen", 0, 99, 0, &x);
	((struct mark_cfg *)blk)->pen = (uint32_t)x;
	return rc;
}

static json_t *
dump_pen(const struct stp_config *cfg, const void *base, bool *bad)
{
	return json_integer(((const struct mark_cfg *)base)->pen);
}

static const struct cfg_section mark_section = {
	.name = "mark",
	.after = "ports",
	.opts = mark_opts,
	.nb_opts = CFG_ARRAY_LEN(mark_opts),
	.size = sizeof(struct mark_cfg),
	.elem_of = "ports[]",
	.parse_elem = parse_mark,
	.parse = parse_pen,
};

/* Its row's base is the port (cfg_section.h): the mark is in the block, at the port's index. */
static json_t *
dump_mark(const struct stp_config *cfg, const void *base, bool *bad)
{
	const struct mark_cfg *m = cfg_section_get(cfg, &mark_section);
	const struct cfg_port *port = base;

	return m != NULL ? json_integer(m->mark[port - cfg->ports]) : NULL;
}

static const struct cfg_section *const sections[] = { &late_section, &zoo_section, &tag_section,
	&mark_section, NULL };

#define PORTS "'ports': [ { 'name': 'a', 'device': 'net_null0' }, { 'name': 'b', 'device': 'n1' } ]"

static struct stp_config cfg, back;

static void
expect_error(const char *text, const char *want)
{
	char err[CFG_ERR_LEN];
	int rc = cfg_load_string(unit_json(text), "t.json", &cfg, err);

	check(rc == -EINVAL && strcmp(err, want) == 0, "error %s (got %d: %s)", want, rc, err);
	cfg_free(&cfg);
}

static void
test_parse_and_defaults(void)
{
	const struct zoo_cfg *z;
	const struct tag_cfg *t;
	char err[CFG_ERR_LEN];

	trace[0] = '\0';
	CHECK(cfg_load_string(unit_json("{ " PORTS ", 'zoo': { 'size': 3, 'cages': ['b', 'a'] },"
					" 'node': { 'id': 4, 'tag': 21 } }"),
			      "t.json", &cfg, err) == 0);
	z = cfg_section_get(&cfg, &zoo_section);
	t = cfg_section_get(&cfg, &tag_section);
	CHECK(z != NULL && t != NULL);
	if (z == NULL || t == NULL)
		return;
	CHECK(z->size == 3 && strcmp(z->label, "none") == 0);
	CHECK(z->nb_cages == 2 && z->cages[0] == 1 && z->cages[1] == 0);
	CHECK(t->tag == 21 && t->checked && cfg.node.id == 4);
	CHECK(strcmp(trace, "ZTL") == 0);
	cfg_free(&cfg);

	/* A key in the elements of a core array: parsed once per element, default where absent. */
	CHECK(cfg_load_string(unit_json("{ 'ports': [ { 'name': 'a', 'device': 'n0', 'mark': 4 },"
					" { 'name': 'b', 'device': 'n1' } ] }"),
			      "t.json", &cfg, err) == 0);
	{
		const struct mark_cfg *m = cfg_section_get(&cfg, &mark_section);

		CHECK(m != NULL && m->calls == 2 && m->mark[0] == 4 && m->mark[1] == 1);
	}
	cfg_free(&cfg);

	/* Both absent: the rows' defaults. */
	CHECK(cfg_load_string(unit_json("{ " PORTS " }"), "t.json", &cfg, err) == 0);
	z = cfg_section_get(&cfg, &zoo_section);
	t = cfg_section_get(&cfg, &tag_section);
	CHECK(z != NULL && z->size == 5 && strcmp(z->label, "none") == 0 && z->nb_cages == 0);
	CHECK(t != NULL && t->tag == 7);
	cfg_free(&cfg);
}

static void
test_errors(void)
{
	expect_error("{ " PORTS ", 'zoo': { 'size': 11 } }",
			"t.json: zoo.size: 11 is out of range [1..10]");
	expect_error("{ " PORTS ", 'zoo': { 'cages': ['a', 'c'] } }",
			"t.json: zoo.cages[1]: \"c\" is not a port name (ports: a, b)");
	expect_error("{ " PORTS ", 'zoo': { 'fish': 1 } }",
			"t.json: zoo.fish: unknown key (allowed: size, label, cages)");
	/* The root and node list the sections' keys after the core's, in list order. */
	expect_error("{ " PORTS ", 'zoos': 1 }",
			"t.json: zoos: unknown key (allowed: node, eal, ports, "
			"lcores, pen, burst, idle_sleep_us, rings, mempool, metrics, zoo)");
	expect_error("{ " PORTS ", 'node': { 'tags': 1 } }",
			"t.json: node.tags: unknown key (allowed: id, description, role, tag)");
	expect_error("{ " PORTS ", 'node': { 'tag': 100 } }",
			"t.json: node.tag: 100 is out of range [0..99]");
	/* The check runs after "metrics": an error there comes first. */
	expect_error("{ " PORTS ", 'node': { 'tag': 13, 'role': 'collector' },"
		     " 'metrics': { 'port': 0 } }",
			"t.json: metrics.port: 0 is out of range [1..65535]");
	expect_error("{ " PORTS ", 'node': { 'tag': 13, 'role': 'collector' } }",
			"t.json: node.tag: 13 is for edges only");
	/* A key in ports[] elements: listed after the core's, parsed with its element, so its
	 * error comes before a later port's and after the element's own keys. */
	expect_error("{ 'ports': [ { 'name': 'a', 'device': 'n0', 'marks': 1 } ] }",
			"t.json: ports[0].marks: unknown key (allowed: name, device, rx_queues, "
			"tx_queues, rx_desc, tx_desc, mtu, promiscuous, timestamp, clock, "
			"clock_bits, mark)");
	expect_error("{ 'ports': [ { 'name': 'a', 'device': 'n0', 'mark': 10 },"
		     " { 'name': 'a', 'device': 'n1' } ] }",
			"t.json: ports[0].mark: 10 is out of range [0..9]");
	expect_error("{ 'ports': [ { 'name': 'a', 'device': 'n0' },"
		     " { 'name': 'a', 'device': 'n1', 'mark': 10 } ] }",
			"t.json: ports[1].mark: 10 is out of range [0..9]");
	expect_error("{ 'ports': [ { 'name': 'a', 'device': 'n0', 'mtu': 1, 'mark': 10 } ] }",
			"t.json: ports[0].mtu: 1 is out of range [68..9218]");
}

static void
test_dump_and_copy(void)
{
	char err[CFG_ERR_LEN], *d1, *d2;
	json_t *root;
	struct stp_config *copy;
	const struct zoo_cfg *z;

	CHECK(cfg_load_string(unit_json("{ " PORTS ", 'zoo': { 'label': 'big', 'cages': ['b'] },"
					" 'node': { 'tag': 3 }, 'pen': 8 }"),
			      "t.json", &cfg, err) == 0);
	d1 = cfg_dump_json(&cfg);
	CHECK(d1 != NULL);
	if (d1 == NULL)
		return;
	root = json_loads(d1, 0, NULL);
	CHECK(json_integer_value(json_object_get(json_object_get(root, "node"), "tag")) == 3);
	CHECK(strcmp(json_string_value(json_object_get(json_object_get(root, "zoo"), "label")),
			      "big") == 0);
	CHECK(json_integer_value(json_object_get(json_object_get(root, "zoo"), "size")) == 5);
	CHECK(json_integer_value(json_object_get(root, "pen")) == 8);
	/* ports[].mark: the port's default, last of the port's keys. */
	{
		json_t *port = json_array_get(json_object_get(root, "ports"), 1);
		const char *last = NULL, *key;
		json_t *v;

		json_object_foreach(port, key, v)
			last = key;
		CHECK(last != NULL && strcmp(last, "mark") == 0 &&
				json_integer_value(json_object_get(port, "mark")) == 1);
	}
	CHECK(strcmp(json_string_value(json_array_get(
				     json_object_get(json_object_get(root, "zoo"), "cages"), 0)),
			      "b") == 0);
	/* The root's keys: the core's, then the section's. */
	{
		const char *last = NULL, *key;
		json_t *v;

		const char *prev = NULL;

		json_object_foreach(root, key, v) {
			/* A row placed before "burst" (CFG_O_CUSTOM_AT) is dumped there. */
			if (strcmp(key, "burst") == 0)
				CHECK(prev != NULL && strcmp(prev, "pen") == 0);
			prev = key;
			last = key;
		}
		CHECK(last != NULL && strcmp(last, "zoo") == 0);
	}
	json_decref(root);
	CHECK(cfg_load_string(d1, "dump.json", &back, err) == 0);
	d2 = cfg_dump_json(&back);
	CHECK(d2 != NULL && strcmp(d1, d2) == 0);
	free(d2);

	/* A struct copy carries the block (ctl's cfg_copy for console rule edits). */
	copy = malloc(sizeof(*copy));
	if (copy != NULL) {
		memcpy(copy, &cfg, sizeof(*copy));
		z = cfg_section_get(copy, &zoo_section);
		CHECK(z != NULL && z != cfg_section_get(&cfg, &zoo_section) &&
				strcmp(z->label, "big") == 0 && z->nb_cages == 1);
		d2 = cfg_dump_json(copy);
		CHECK(d2 != NULL && strstr(d2, "\"big\"") != NULL &&
				strstr(d2, "\"tag\": 3") != NULL);
		free(d2);
		free(copy);
	}
	free(d1);
	cfg_free(&cfg);
	cfg_free(&back);
}

/* Loaded without the sections: they read as absent, and their keys are unknown. */
static void
test_without(void)
{
	char err[CFG_ERR_LEN];

	cfg_use_sections(NULL);
	CHECK(cfg_load_string(unit_json("{ " PORTS " }"), "t.json", &cfg, err) == 0);
	CHECK(cfg.nb_sections == 0 && cfg_section_get(&cfg, &zoo_section) == NULL);
	cfg_free(&cfg);
	expect_error("{ " PORTS ", 'zoo': {} }",
			"t.json: zoo: unknown key (allowed: node, eal, ports, "
			"lcores, burst, idle_sleep_us, rings, mempool, metrics)");
	cfg_use_sections(sections);
}

int
main(void)
{
	cfg_use_sections(sections);
	test_parse_and_defaults();
	test_errors();
	test_dump_and_copy();
	test_without();
	return unit_done();
}
