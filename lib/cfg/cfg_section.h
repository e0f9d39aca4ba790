/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_CFG_SECTION_H
#define STP_CFG_SECTION_H

/**
 * @file
 * A feature's own configuration section, and the loader's machinery it is written with.
 *
 * The loader (cfg.c) knows the core's keys (node basics, eal, ports, lcores, rings, mempool,
 * burst, metrics). A feature adds its own keys with one struct
 * cfg_section in its folder (lib/tcprtt/cfg.c is the worked example):
 *   - schema rows (struct cfg_opt, the same table shape as the core's): a row in section ""
 *     adds a top-level key (usually a CFG_O_OBJ or CFG_O_CUSTOM_D), a row in a core object
 *     ("node") adds a key to it, and rows in the feature's own sections ("tcp_rtt",
 *     "tcp_rtt.prefixes[]") describe its objects. Section names are one namespace across all
 *     tables: a feature names its sub-objects so that they stay unique;
 *   - a block of plain data (no pointers: struct copies of the config copy it whole) of
 *     @p size bytes inside struct stp_config, zeroed at load, that the rows' offsets point
 *     into when they sit in the root or in a core object; rows of the feature's own objects
 *     point into whatever base the feature's parse and dump code passes;
 *   - keys inside each element of a core array (ports[].trailer: lib/trailer/cfg.c), with
 *     @p elem_of and @p parse_elem, parsed with each element; a root key placed among the
 *     core's (CFG_O_CUSTOM_AT: the rules' groups and rules keep their place);
 *   - names in the namespace of ports (target_kind: the outputs, the rules' groups);
 *   - a parse pass, run after the pass called @p after (a core pass, "ports" ... "metrics",
 *     or another section's name): a section is parsed after the sections its values name;
 *   - dump hooks for its CFG_OPT_CUSTOM keys, in their rows (cfg_dump_json() draws the rest
 *     from the rows).
 * The list of sections comes from the feature registry (lib/pipeline: stp_features_cfg()) and
 * is handed to the loader once with cfg_use_sections(). A feature reads its block through a
 * typed accessor over cfg_section_get().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cfg.h"

/** A JSON path such as "lcores.rx[12].queues[3].port", with room for long unknown keys. */
#define CFG_JPATH_LEN 160
/** A JSON value quoted in a message; longer values are cut with "...". */
#define CFG_JVAL_LEN 80

/** What a schema row's value is. */
enum cfg_opt_type {
	CFG_OPT_INT,	/**< JSON integer into an unsigned field of size 1, 2, 4 or 8 */
	CFG_OPT_BOOL,	/**< JSON true/false into a bool */
	CFG_OPT_STR,	/**< JSON string into a char[size] */
	CFG_OPT_ENUM,	/**< JSON string, one of names[], into an enum field (its index) */
	CFG_OPT_OBJ,	/**< nested object whose section is the key; its keys are in the table */
	CFG_OPT_CUSTOM, /**< parsed and dumped by code; the table only names the key */
};

#define CFG_OPT_REQUIRED 0x1 /**< missing key is an error */
#define CFG_OPT_POW2 0x2     /**< integer must also be a power of two */
#define CFG_OPT_NAME 0x4     /**< string of 1..size-1 characters from [A-Za-z0-9_.-] */
#define CFG_OPT_NONEMPTY 0x8 /**< string must not be "" */
#define CFG_OPT_ZERO 0x10    /**< integer may also be 0, below min: "0 = off" */
#define CFG_OPT_NOCTRL 0x20  /**< string must not hold control characters (file paths) */

/** One key of the schema. */
struct cfg_opt {
	const char *section; /**< the object the key lives in: "" is the root, "ports[]" a port */
	const char *key;
	enum cfg_opt_type type;
	unsigned int flags; /**< CFG_OPT_REQUIRED, CFG_OPT_POW2, ... */
	size_t off;	    /**< field offset in the section's struct */
	size_t size;	    /**< field size (integers) or buffer size (strings) */
	int64_t min;
	int64_t max;
	int64_t def;		  /**< default of CFG_OPT_INT, CFG_OPT_BOOL and CFG_OPT_ENUM */
	const char *def_str;	  /**< default of CFG_OPT_STR */
	const char *const *names; /**< CFG_OPT_ENUM: the values, indexed by enum value */
	unsigned int nb_names;	  /**< CFG_OPT_ENUM: entries in names[] */
	/** CFG_OPT_CUSTOM: the key's value from the section's struct at @p base. */
	json_t *(*dump)(const struct stp_config *cfg, const void *base, bool *bad);
	/**
	 * A feature's row in a core object: the core's key it comes just before in that object
	 * (allowed-key lists, parsing, --dump-config), e.g. "lcores" for the root's "groups";
	 * NULL (CFG_O_* rows): after the core's keys, in the registry's order.
	 */
	const char *before;
};

#define CFG_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Row constructors: one table row per line reads better than the formatter's layout. */
/* clang-format off */
#define CFG_FSIZE(st, f) sizeof(((st *)0)->f)
#define CFG_O_INT(sec, k, st, f, lo, hi, d, fl)                                                    \
	{ sec, k, CFG_OPT_INT, fl, offsetof(st, f), CFG_FSIZE(st, f), lo, hi, d, NULL, NULL, 0,     \
	  NULL }
#define CFG_O_BOOL(sec, k, st, f, d)                                                               \
	{ sec, k, CFG_OPT_BOOL, 0, offsetof(st, f), CFG_FSIZE(st, f), 0, 1, d, NULL, NULL, 0, NULL }
#define CFG_O_STR(sec, k, st, f, d, fl)                                                            \
	{ sec, k, CFG_OPT_STR, fl, offsetof(st, f), CFG_FSIZE(st, f), 0, 0, 0, d, NULL, 0, NULL }
#define CFG_O_ENUM(sec, k, st, f, nm, d, fl)                                                       \
	{ sec, k, CFG_OPT_ENUM, fl, offsetof(st, f), CFG_FSIZE(st, f), 0, 0, d, NULL, nm,          \
	  CFG_ARRAY_LEN(nm), NULL }
#define CFG_O_OBJ(sec, k) { sec, k, CFG_OPT_OBJ, 0, 0, 0, 0, 0, 0, NULL, NULL, 0, NULL }
#define CFG_O_CUSTOM(sec, k, fl) { sec, k, CFG_OPT_CUSTOM, fl, 0, 0, 0, 0, 0, NULL, NULL, 0, NULL }
/** A CFG_OPT_CUSTOM key with its dump hook (parsed by its section's parse pass). */
#define CFG_O_CUSTOM_D(sec, k, fl, fn)                                                             \
	{ sec, k, CFG_OPT_CUSTOM, fl, 0, 0, 0, 0, 0, NULL, NULL, 0, fn }
/** A CFG_OPT_CUSTOM key with its dump hook, placed before the core's key @p bf (see before). */
#define CFG_O_CUSTOM_AT(sec, k, fl, fn, bf)                                                        \
	{ sec, k, CFG_OPT_CUSTOM, fl, 0, 0, 0, 0, 0, NULL, NULL, 0, fn, bf }
/* clang-format on */

/** State of one load (or of one console rule edit): the config being filled, the error. */
struct cfg_loader;

/** A feature's configuration section (see the file comment). */
struct cfg_section {
	const char *name;  /**< its pass's name, usually its top-level key: "tcp_rtt" */
	const char *after; /**< the pass it runs after: "metrics", "rules", another section */
	const struct cfg_opt *opts;
	unsigned int nb_opts;
	size_t size; /**< bytes of its block (plain data) */
	/**
	 * Parse pass over the document @p root into the section's block @p blk (zeroed, its
	 * scalar rows in the root or a core object already parsed or defaulted). 0, or the
	 * first error (cfg_lerr()).
	 */
	int (*parse)(struct cfg_loader *l, const json_t *root, void *blk);
	/**
	 * Optional second pass, run after the pass called @p check_after: checks across its
	 * keys and sections parsed after its own (node.relay_to names an output).
	 */
	const char *check_after;
	int (*check)(struct cfg_loader *l, const json_t *root, void *blk);
	/**
	 * Optional: a file the feature will write (checked before start-up, as the outputs'
	 * files are), NULL when none; @p json_path gets the key it comes from.
	 */
	const char *(*out_file)(const void *blk, const char **json_path);
	/**
	 * Optional: whether the feature transmits on port @p port (index into ports[]) from
	 * every TX lcore, which then needs a TX queue each; true with @p why saying so: the
	 * message's end after "port \"NAME\" " ("sends probes[0], and each TX lcore needs its
	 * own queue").
	 */
	bool (*port_tx)(const struct stp_config *cfg, const void *blk, uint16_t port, char *why,
			size_t len);
	/**
	 * Optional: the core array whose elements hold keys of the section ("ports[]": the
	 * switch trailers' ports[].trailer). Its rows there (section @p elem_of) are
	 * CFG_O_CUSTOM_D: their dump hooks get the element (a struct cfg_port) as base and find
	 * their data in the block (cfg_section_get()).
	 */
	const char *elem_of;
	/**
	 * With @p elem_of: parse the section's keys of element @p idx of that array (JSON @p elem
	 * at @p path, "ports[1]") into the block, called by the core's pass over the array right
	 * after it parsed the element's own keys, so that errors come in the file's order.
	 */
	int (*parse_elem)(struct cfg_loader *l, const char *array, size_t idx, const json_t *elem,
			const char *path, void *blk);
	/**
	 * Optional: the things the section adds to the namespace of ports and outputs that
	 * rules[].out and groups[].members name (cfg_target_by_name()): their kind (a
	 * CFG_TARGET_* past CFG_TARGET_OUTPUT), their list's name for messages ("groups"), how
	 * many the block holds and the name of one.
	 */
	uint8_t target_kind;
	const char *target_list;
	uint16_t (*nb_targets)(const void *blk);
	const char *(*target_name)(const void *blk, uint16_t idx);
};

/**
 * The feature sections every later cfg_load() / cfg_load_string() parses after the core's
 * (NULL-terminated, at most CFG_MAX_SECTIONS; NULL: none). The application passes the
 * registry's list (stp_features_cfg()) once, before loading; so do the unit tests and the
 * cfg fuzz target, which load full configurations.
 */
void cfg_use_sections(const struct cfg_section *const *list);

/**
 * The block of section @p s in a loaded config, or NULL when it was not loaded with it (a
 * config built by hand, or a loader not given that section).
 */
const void *cfg_section_get(const struct stp_config *cfg, const struct cfg_section *s);

/** The config a loader fills. */
struct stp_config *cfg_loader_cfg(const struct cfg_loader *l);

/**
 * A loader over the already loaded @p cfg, for edits at run time (the rules' "add rule"):
 * errors go to @p err. NULL (and @p err) when out of memory. Free it with cfg_loader_free().
 */
struct cfg_loader *cfg_loader_new(struct stp_config *cfg, char err[CFG_ERR_LEN]);
void cfg_loader_free(struct cfg_loader *l);

/** JSON text as the loader reads it; NULL with "<file>: <path>: line:col: ..." in @p err. */
json_t *cfg_json_parse(const struct stp_config *cfg, const char *text, const char *path,
		char err[CFG_ERR_LEN]);

/** A name of the port / output / group namespace must not be taken yet (error at @p path). */
int cfg_check_name_free(const struct cfg_loader *l, const char *name, const char *path);

/**
 * The check across sections that every port a section transmits on from every TX lcore
 * (port_tx) has a TX queue per TX lcore; the loader's pass "tx queues", also for edits.
 */
int cfg_check_tx_queues(const struct cfg_loader *l);

/* The loader's helpers, for sections' parse passes: each error names @p path. */

/** Write "<file>: <path>: <message>" as the load's error; returns -EINVAL. */
int cfg_lerr(const struct cfg_loader *l, const char *path, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
/** "parent.key" (or "key" at the root) into @p buf. */
const char *cfg_jp_key(char buf[CFG_JPATH_LEN], const char *parent, const char *key);
/** "parent[i]" into @p buf. */
const char *cfg_jp_idx(char buf[CFG_JPATH_LEN], const char *parent, size_t i);
/** A value as compact ASCII JSON for a message, cut with "..." when long. */
const char *cfg_jv(const json_t *v, char buf[CFG_JVAL_LEN]);

/** An integer in [min..max] (CFG_OPT_POW2, CFG_OPT_ZERO in @p flags). */
int cfg_get_int(const struct cfg_loader *l, const json_t *v, const char *path, int64_t min,
		int64_t max, unsigned int flags, int64_t *out);
/** A string (NULL and an error when @p v is not one). */
const char *cfg_get_str(const struct cfg_loader *l, const json_t *v, const char *path);
/** A string into char[size], with the CFG_OPT_NAME / _NONEMPTY / _NOCTRL checks. */
int cfg_get_str_into(const struct cfg_loader *l, const json_t *v, const char *path,
		unsigned int flags, char *dst, size_t size);
/** Index of @p v's string in @p names, or an error listing them. */
int cfg_get_enum(const struct cfg_loader *l, const json_t *v, const char *path,
		const char *const *names, size_t nb, unsigned int *out);
/** An array of min..max entries; @p what names one entry in the "empty" message. */
const json_t *cfg_get_array(const struct cfg_loader *l, const json_t *v, const char *path,
		size_t min, size_t max, const char *what);
/** A port name that must exist: its index, or -EINVAL. */
int cfg_get_port(const struct cfg_loader *l, const json_t *v, const char *path);

/** An address prefix, parsed: "10.1.0.0/16" is family 4, len 16, addr 10.1.0.0. */
struct cfg_prefix {
	uint8_t family;	  /**< 4 or 6 */
	uint8_t len;	  /**< prefix length */
	uint8_t addr[16]; /**< network address (host bits 0); IPv4 in the first 4 bytes */
};

/** "aa:bb:cc:dd:ee:ff" (or with '-') into @p mac; false when it is not one. */
bool cfg_parse_mac(const char *s, uint8_t mac[6]);

/** Parse prefix text @p s ("10.1.0.0/16", "2001:db8::/32"); host bits must be 0. */
int cfg_get_prefix(
		const struct cfg_loader *l, const char *s, const char *path, struct cfg_prefix *x);

/**
 * Check an object of @p section at @p path: no unknown key, every required key present, then
 * parse its scalar keys into @p base (defaults where absent). @p obj NULL means "absent": all
 * defaults. CFG_OPT_OBJ and CFG_OPT_CUSTOM keys are left to the caller.
 */
int cfg_parse_object(const struct cfg_loader *l, const json_t *obj, const char *path,
		const char *section, void *base);

/* Dump helpers, for CFG_OPT_CUSTOM rows' dump hooks. */

/** An object of @p section, keys in table order, from the struct at @p base. */
json_t *cfg_dump_section(
		const struct stp_config *cfg, const char *section, const void *base, bool *bad);
/** json_object_set_new() that remembers a failure (NULL value or no memory) in *bad. */
void cfg_jset(json_t *o, const char *key, json_t *v, bool *bad);
/** json_array_append_new() that remembers a failure in *bad. */
void cfg_jappend(json_t *a, json_t *v, bool *bad);

#endif /* STP_CFG_SECTION_H */
