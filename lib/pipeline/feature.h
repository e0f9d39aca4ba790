/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_FEATURE_H
#define STP_FEATURE_H

/**
 * @file
 * The feature registry: one struct stp_feature per capability (outputs: capture and tunnels;
 * switch trailers; rules and groups; broker; probes and STAMP; passive TCP RTT), listed once in
 * stp_features[] (features.c). The core iterates that array and names no feature: the pipeline runs
 * the features' worker stages in array order and polls them on the lcores they ask for, the control
 * thread ticks and stops them, and --stats-json, ctl, telemetry and the console read each feature's
 * one data view.
 *
 * The contract, in the order the core calls the ops (test/unit/test_feature.c shows it with a
 * mock feature):
 *   - init (control thread, stp_pipeline_create(), array order): < 0 error (pl->err says why,
 *     and pl->err_path, the feature's name by default, the config path it is about: the
 *     pipeline is not built), 0 the feature runs its worker stage, > 0 it has no stage for
 *     this config. Every later op must cope with a feature that its config leaves off.
 *   - burst (worker lcores, array order, only when init returned 0): handle a burst in place;
 *     it may drop packets (counting a reason) and returns how many remain in pkts
 *     (compacted, order kept) for the next stage. After the last stage, each remaining
 *     packet's pkt_meta.out_port says where it goes.
 *   - poll (each loop iteration of the lcores that poll_on() accepts; NULL poll_on: the TX
 *     lcores, when init returned 0), during STP_PHASE_RUN, and while draining when poll_drain.
 *     Returns the work done (packets), which counts the iteration as busy.
 *   - tick (control thread, about once a second, and once more at stop).
 *   - stop (control thread, after the lcores left their run loop, in the reverse array order:
 *     the outputs, first in the array, close last): hand on or count as drops what the
 *     feature still holds.
 *   - view (any control thread): a JSON object of the keys the feature adds to --stats-json
 *     (e.g. {"broker": {...}}), NULL when the config leaves it off. ctl, telemetry and the
 *     console read the same object (stp_feature_view()).
 *   - clear (control thread, "clear stats", under the control lock): take the baseline the
 *     feature's own commands show its counters from.
 *   - sum (any control thread, in stp_stats_sum()): add what the feature's own threads count
 *     to the summed lcore counters (capture writers: written, capture_write_error).
 *   - summary, status (control thread): its lines of the exit summary, its " | ..." segments
 *     of the periodic status line, from summed counters.
 *   - rings (show rings, under the control lock): append its rings (stp_ring_json()).
 *   - fini (stp_pipeline_destroy(), every feature, even one whose init failed or never ran).
 *   - outputs: the output types the feature delivers to (data, read by the outputs feature's
 *     init to bind each configured output to its ops).
 *   - rx, rx_on (RX lcores, each burst of the ports rx_on() accepts, after the port's stamp and
 *     before parsing): rewrite the packets in place (switch trailers: the switch's stamp, the
 *     trailer stripped). One feature per port; rx_on is asked once, after every init.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmdline_parse.h>
#include <jansson.h>
#include <rte_mbuf.h>

#include "cfg.h"

struct stp_pipeline;
struct stp_lcore;
struct stp_lcore_stats;
struct port_rt;

/**
 * A per-port counter a feature keeps in its per-lcore counters (struct stp_feature
 * .lcore_stats_size: a uint64_t array indexed by DPDK port id at @p off of that area),
 * declared as data: the generic views draw it for every port, as the /stampede/ports column
 * @p key and the Prometheus counter @p family{port} (help @p help).
 */
struct stp_port_counter {
	const char *key;
	size_t off;
	const char *family;
	const char *help;
};

/** Port counter @p c of port @p port_id in a feature's summed (or one lcore's) counters @p s. */
#define STP_PORT_COUNTER(s, c, port_id) \
	(((const uint64_t *)((const char *)(s) + (c)->off))[port_id])

/**
 * How packets reach one type of output (outputs[].type). A feature lists the types it serves
 * (struct stp_feature.outputs); the rules stage hands each output its packets through its ops.
 */
struct stp_output_ops {
	enum cfg_output_type type;
	/**
	 * Worker lcore: take @p pkts (their ownership) for output @p o, and count what it
	 * accepted and refused (the outputs feature's counters, lib/outputs/outputs_stats.h)
	 * and each refusal's drop reason.
	 */
	void (*send)(struct stp_lcore *lc, unsigned int o, struct rte_mbuf **pkts, uint16_t n);
};

/** Where a family's values are in the member key of a feature's view (struct stp_family). */
enum stp_family_kind {
	/** The member is the value: one sample (or one per name in values). */
	STP_FAMILY_VALUE,
	/**
	 * The member lists entries: an array of objects, or an object of objects. One value
	 * per entry (its member path @p member, NULL: the entry itself); an entry without it
	 * is left out (e.g. a stream with no loss of its own).
	 */
	STP_FAMILY_ENTRIES,
};

/**
 * One Prometheus family drawn from member @p key of a feature's view object (struct
 * stp_feature_ui.key), declared as data: one drawer in lib/metrics draws every feature's
 * families alike.
 *
 * A sample's labels, in this order: @p label, the entry's name (ENTRIES: its member name in an
 * object of objects, else its "name" member); the entry's members @p labels, of the same names
 * (integers and strings); @p label2, the name in @p values (when set, the value is an object
 * and each of its members named in values is drawn, as its own sample); then quantile.
 *
 * A value is drawn by what it is: a histogram summary when @p type is "summary"
 * (hist_summary_str(): count, min, mean, p50 ... max, in ns; null: all 0): lib/hist's
 * quantiles, then _sum and _count, in seconds; with @p minmax also quantile 0 (min) and 1
 * (max), and the quantiles even before the first sample. A string: the constant 1, the
 * string as label @p label (an info gauge). A number: an integer as it is (negative as 0), a
 * real as a real, a member in nanoseconds (its name ends in "_ns") in seconds; a VALUE
 * missing from the view is 0.
 */
struct stp_family {
	const char *key;  /**< the member of the view; a path ("transport.acks_sent"); NULL: all */
	const char *name; /**< Prometheus family name; NULL ends a list */
	const char *type; /**< "counter", "gauge" or "summary" */
	const char *help;
	enum stp_family_kind kind;
	const char *label;	   /**< ENTRIES: the label of the entry's name; a string's label */
	const char *label2;	   /**< the label of the names in values */
	const char *const *values; /**< member names drawn one sample each (NULL-terminated) */
	/** ENTRIES: the member path of an entry the sample reads ("a.b": member b of a). */
	const char *member;
	/** ENTRIES: members of an entry drawn as labels of the same names (NULL-terminated). */
	const char *const *labels;
	/** Drawn only when the view has this member (NULL: always). */
	const char *when;
	/** Summaries: quantile 0 (min) and 1 (max) too, and drawn before the first sample. */
	bool minmax;
};

/** How a telemetry endpoint draws a member of its object (struct stp_tel_group). */
enum stp_tel_how {
	/**
	 * Flattened into the top of the reply: an object as KEY_MEMBER (nested objects as
	 * KEY_MEMBER_SUB), an array of objects each as ID_MEMBER, ID its members @p id joined
	 * by '_' (those it has).
	 */
	STP_TEL_FLAT,
	/**
	 * One container per entry of an array or an object of objects, named PREFIX_ID: ID the
	 * entry's members @p id joined by '_' (an array; NULL: its index), or its member name
	 * (an object). Its nested objects are flattened into the container's keys.
	 */
	STP_TEL_CONTAINERS,
	/** An array of objects in columns: one array per member named in @p names. */
	STP_TEL_COLUMNS,
	/**
	 * An array of objects, each with a "name" and, per name in @p names, a histogram summary
	 * (hist_summary_str(), ns): one row per entry and name in the reply's summary columns
	 * scope (@p prefix), name, kind (the name), count, min, mean, p50, p90, p99, p99_9,
	 * p99_99, max (the mean rounded), drawn after every group.
	 */
	STP_TEL_HISTS,
};

/**
 * How a telemetry endpoint draws member @p key of its object beyond the integers, true
 * booleans and strings at its top (which it draws as they are). Names are cut to what
 * telemetry takes ([A-Za-z0-9_/]; DPDK 22.11 nests one level).
 */
struct stp_tel_group {
	const char *key; /**< NULL ends a list */
	enum stp_tel_how how;
	const char *prefix;	  /**< CONTAINERS: the containers' prefix; HISTS: the scope */
	const char *const *id;	  /**< FLAT, CONTAINERS: an entry's id members (NULL-terminated) */
	const char *const *names; /**< COLUMNS: the columns; HISTS: the histogram members */
};

/**
 * A telemetry endpoint of a feature, declared as data (struct stp_feature_ui.tel): lib/metrics
 * registers @p cmd and answers it with one drawer for all, from a JSON object: the feature's
 * view member ui->key (@p json NULL: "enabled": 1 added unless the view has it, {"enabled": 0}
 * when the config leaves the feature off), or what @p json returns.
 */
struct stp_tel {
	const char *cmd; /**< e.g. "/stampede/<name>"; NULL ends a list */
	const char *help;
	/**
	 * The object for the request parameter @p params (NULL when none was given), summed
	 * counters @p sum at hand (the metrics snapshot's): a new reference, or NULL for a bad
	 * parameter or no memory (telemetry answers null).
	 */
	json_t *(*json)(const struct stp_pipeline *pl, const struct stp_lcore_stats *sum,
			const char *params);
	const struct stp_tel_group *groups; /**< NULL-terminated by key, or NULL */
};

/**
 * What a feature shows to operators, declared as data: the member @p key of its view()
 * object (NULL: the whole object), drawn by the console's "show @p show", by its telemetry
 * endpoints (@p tel) and by Prometheus (@p families). NULL members: not shown there.
 */
struct stp_feature_ui {
	const char *key;
	const char *show;      /**< console word: "show <show>" */
	const char *show_help; /**< its help line, after "show <show>: " */
	/** Console: render view member @p v (NULL or {"enabled": false} when off) as text. */
	void (*render)(const json_t *v, FILE *f);
	const struct stp_family *families; /**< Prometheus, ended by a NULL name */
	const struct stp_tel *tel;	   /**< telemetry endpoints, ended by a NULL cmd */
	/**
	 * Its own console commands (librte_cmdline instances, NULL-terminated): the console
	 * lists them after its core commands, in registry order, and help, Tab completion and
	 * "did you mean" walk them alike. Their callbacks reach the running pipeline, the
	 * control lock and the session's output through stp_cmd_env() (feature_cmd.h).
	 */
	cmdline_parse_inst_t *const *cmds;
	/**
	 * How many it holds now (rules in the config, outputs open, ...): /stampede/info lists it
	 * under @c key. NULL: not listed.
	 */
	uint64_t (*count)(const struct stp_pipeline *pl);
};

/**
 * A file a feature writes at the end of a run, asked for on the command line (--@p name FILE):
 * the application lists it in --help, checks the file's directory before the run and calls
 * @p write after the final counters, as it does for its own --stats-json.
 */
struct stp_cli_out {
	const char *name; /**< the long option, without "--"; NULL ends a list */
	const char *help; /**< its --help text, one or more lines ('\n' between them) */
	const char *none; /**< what -ENOENT from write means (e.g. "no probe was measured") */
	/** Write the file at @p path: 0, -ENOENT (nothing to write) or another -errno. */
	int (*write)(const struct stp_pipeline *pl, const char *path);
};

/** A feature: what it adds to the datapath and what it shows (see the file comment). */
struct stp_feature {
	const char *name;
	int (*init)(struct stp_pipeline *pl);
	uint16_t (*burst)(struct stp_lcore *lc, struct rte_mbuf **pkts, uint16_t n);
	/**
	 * Its stage keeps no state across the packets of a flow: a burst may run to completion
	 * on the RX lcore that read it rather than go to the worker its flow hash picks (when
	 * every RX lcore is a worker and every stage says so: pipeline.h rx_local).
	 */
	bool stateless;
	/**
	 * Its stage never reads a packet's timestamp (ts_ns, ts_src) or orig_len: with no
	 * output and only such stages, the RX stage reads the clock and counts the stamps per
	 * burst but does not write them into each packet (pipeline.h need_stamp).
	 */
	bool stamp_blind;
	/**
	 * Its stage takes a burst whose mbufs' port field the RX stage did not write
	 * (lc->hint.port_lazy): it reads the input port from the hint, or calls
	 * stp_hint_port_write() before it reads mbuf->port (pipeline.h port_lazy).
	 */
	bool port_lazy;
	/**
	 * Its stage is a tap: it returns every burst as it was given (the same packets in the
	 * same order, their mbufs unchanged), so the RX hint (lc->hint) still holds for the
	 * stage after it.
	 */
	bool tap;
	/**
	 * Its stage sets the RX hint (lc->hint) for the bursts it hands on: the one it returns,
	 * and each one it runs through the stages after it itself (stp_worker_from() with the
	 * index after its own, from its burst or its poll). Before each, it sets @c valid only
	 * when every packet of that burst has its port written and equal to @c port, none is
	 * longer than @c max_len, and @c multiseg is true when one may be a chain; @c port_lazy
	 * false. A burst it returns that is a subset of the one it was given, mbufs unchanged,
	 * may keep the hint as it came. The stage after it then reads the hint as it would
	 * the RX stage's (the broker's collector: the frames it decapsulates).
	 */
	bool hint_out;
	uint32_t (*poll)(struct stp_lcore *lc);
	bool (*poll_on)(const struct stp_lcore *lc);
	bool poll_drain;
	void (*tick)(struct stp_pipeline *pl);
	void (*stop)(struct stp_pipeline *pl);
	json_t *(*view)(const struct stp_pipeline *pl);
	void (*clear)(struct stp_pipeline *pl);
	void (*sum)(const struct stp_pipeline *pl, struct stp_lcore_stats *sum);
	void (*summary)(const struct stp_pipeline *pl, const struct stp_lcore_stats *sum, FILE *f);
	void (*status)(const struct stp_pipeline *pl, const struct stp_lcore_stats *sum, FILE *f);
	void (*rings)(const struct stp_pipeline *pl, json_t *a);
	void (*fini)(struct stp_pipeline *pl);
	const struct stp_output_ops *const *outputs; /**< output types served, NULL-terminated */
	/** RX lcores: a burst of a port rx_on() accepts, after stamping, before parsing. */
	void (*rx)(struct stp_lcore *lc, const struct port_rt *port, struct rte_mbuf **pkts,
			uint16_t n);
	bool (*rx_on)(const struct port_rt *port);
	/**
	 * Its per-lcore counters: the size in bytes of a struct of uint64_t counters the core
	 * allocates, zeroed and cache-aligned, for each lcore before init (lc->fstats[k],
	 * stp_feature_lcore_stats()): that lcore is its single writer; readers sum it over the
	 * lcores (stp_feature_stats()). 0: none. Its clear op takes the baselines its commands
	 * show since "clear stats" from that sum.
	 */
	size_t lcore_stats_size;
	/** Its per-port counters (data, drawn by telemetry and Prometheus), NULL-terminated. */
	const struct stp_port_counter *port_counters;
	/**
	 * --stats-json: add what it shows of port @p port to that port's object @p po; @p sum
	 * is its lcore counters summed (NULL when it has none).
	 */
	void (*port_view)(const struct stp_pipeline *pl, const struct port_rt *port,
			const void *sum, json_t *po);
	/** Its console view, telemetry endpoint and Prometheus families, as data. */
	const struct stp_feature_ui *ui;
	/** Its configuration section (lib/cfg/cfg_section.h), NULL when it has none. */
	const struct cfg_section *cfg;
	/** The files it writes at exit when the command line asks (NULL-terminated list). */
	const struct stp_cli_out *cli_outs;
	/** -v (verbose): what it turns on in its own config section of @p cfg, before create. */
	void (*verbose)(struct stp_config *cfg);
};

/** Max features a registry holds. */
#define STP_MAX_FEATURES 16
/** Max exit files (struct stp_cli_out) the registry's features declare, all together. */
#define STP_MAX_CLI_OUTS 8
/** Max worker stages a pipeline runs. */
#define STP_MAX_STAGES 8

/** The registry: every feature, in the order their worker stages run (NULL-terminated). */
extern const struct stp_feature *const stp_features[];

/**
 * Start the features of @p list (NULL: stp_features) on a pipeline whose lcores exist: init
 * each in order, then the worker stages and each lcore's poll list. 0, or the first init's
 * error (pl->err_path and pl->err say where and why).
 */
int stp_features_start(struct stp_pipeline *pl, const struct stp_feature *const *list);

/** tick, stop, fini of every feature started (fini: of every feature in the list). */
void stp_features_tick(struct stp_pipeline *pl);
void stp_features_stop(struct stp_pipeline *pl);
void stp_features_fini(struct stp_pipeline *pl);

/** clear of every feature started ("clear stats"; the caller holds the control lock). */
void stp_features_clear(struct stp_pipeline *pl);

/** sum, summary, status, rings of every feature started (see struct stp_feature). */
void stp_features_sum(const struct stp_pipeline *pl, struct stp_lcore_stats *sum);
void stp_features_summary(
		const struct stp_pipeline *pl, const struct stp_lcore_stats *sum, FILE *f);
void stp_features_status(const struct stp_pipeline *pl, const struct stp_lcore_stats *sum, FILE *f);
void stp_features_rings(const struct stp_pipeline *pl, json_t *a);

struct rte_ring;

/** A ring as show rings lists it: name, kind, owner (consumed), size, used, free. */
json_t *stp_ring_json(const struct rte_ring *r, const char *kind, json_t *owner);

/** Add every feature's view to @p root (--stats-json). */
void stp_features_views(const struct stp_pipeline *pl, json_t *root);

/**
 * The view of feature @p name (a new reference), NULL when there is no such feature or its
 * config leaves it off.
 */
json_t *stp_feature_view(const struct stp_pipeline *pl, const char *name);

/**
 * The configuration sections of the registry's features, in registry order (NULL-terminated):
 * what the application, the unit tests and the cfg fuzz target hand to cfg_use_sections().
 */
const struct cfg_section *const *stp_features_cfg(void);

/**
 * Feature @p k's per-lcore counters (struct stp_feature.lcore_stats_size) summed over the
 * lcores of @p pl: a new buffer of that size (free() it), NULL when it has none or no memory.
 */
void *stp_feature_stats(const struct stp_pipeline *pl, unsigned int k);

/** Port counter @p c of feature @p k, port @p port_id, summed over the lcores of @p pl. */
uint64_t stp_port_counter_sum(const struct stp_pipeline *pl, unsigned int k,
		const struct stp_port_counter *c, uint16_t port_id);

/** -v: each feature's verbose op on @p cfg (before stp_pipeline_create()). */
void stp_features_verbose(struct stp_config *cfg);

/** The ops of output type @p type in the registry the pipeline runs, or NULL. */
const struct stp_output_ops *stp_output_ops_find(
		const struct stp_pipeline *pl, enum cfg_output_type type);

/* Reading a view: a member of an object as a number or a string (0 or "" when absent). */
static inline uint64_t
stp_json_u64(const json_t *o, const char *key)
{
	return (uint64_t)json_integer_value(json_object_get(o, key));
}

static inline double
stp_json_real(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static inline const char *
stp_json_str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

/** The member at @p path of @p o ("a.b": member b of member a), or NULL. */
static inline const json_t *
stp_json_path(const json_t *o, const char *path)
{
	char k[64];

	while (o != NULL && path != NULL) {
		const char *dot = strchr(path, '.');
		size_t n = dot != NULL ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(k))
			return NULL;
		memcpy(k, path, n);
		k[n] = '\0';
		o = json_object_get(o, k);
		path = dot != NULL ? dot + 1 : NULL;
	}
	return o;
}

/** The member @p key (NULL: all) of feature @p name's view (a new reference), or NULL. */
json_t *stp_feature_view_key(const struct stp_pipeline *pl, const char *name, const char *key);

/**
 * The feature of the registry @p list (NULL: stp_features) whose ui has @p what (its "show"
 * word when @p telemetry is false, else one of its telemetry endpoints) equal to @p name, or
 * NULL.
 */
const struct stp_feature *stp_feature_by_ui(
		const struct stp_feature *const *list, const char *name, bool telemetry);

#endif /* STP_FEATURE_H */
