/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_RULES_RT_H
#define STP_RULES_RT_H

/**
 * @file
 * The rules feature at run time: the rule table the rules stage reads (published whole, by
 * one pointer, pl->rules) and the rules' names with their counter slots (pl->rule_names).
 * The counters are the feature's per-lcore counters (struct rules_stats); the core keeps only
 * the two pointers.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "pipeline.h"
#include "rules_cfg.h"

/**
 * Counter slots of rules: each rule name holds one slot for the life of the process, whatever
 * its index (struct stp_rule_names). Twice the rules a config holds: the live rules, and as many
 * deleted ones whose counters are kept.
 */
#define STP_RULE_SLOTS (2 * CFG_MAX_RULES)
/** simple_out[] of an input whose rule forwards to outputs[o]: STP_SIMPLE_OUTPUT + o. */
#define STP_SIMPLE_OUTPUT 0x8000
/** The pkts[] slot of packets that no rule matched (the lookup-table path). */
#define STP_RULE_NONE STP_RULE_SLOTS

/**
 * Its index in the registry (its fpriv and counters slot). Hidden: the stage reads it once
 * per burst with one RIP-relative load, not through the GOT (instr.sh).
 */
extern unsigned int rules_k __attribute__((visibility("hidden")));

/** The rules feature's per-lcore counters (struct stp_feature.lcore_stats_size). */
struct rules_stats {
	uint64_t pkts[STP_RULE_SLOTS + 1]; /**< per rule counter slot (+1: no rule) */
};

/** The rules' counters on lcore @p lc (its single writer). */
static inline struct rules_stats *
rules_lcore_stats(const struct stp_lcore *lc)
{
	return (struct rules_stats *)stp_feature_lcore_stats(lc, rules_k);
}

/** A group at run time: destination bits of its members. */
struct stp_group_rt {
	enum cfg_group_mode mode;
	uint16_t nb_members;
	uint64_t all_dest;
	uint64_t member_dest[CFG_MAX_MEMBERS];
};

struct filter;

/** A rule at run time. */
struct stp_rule_rt {
	uint32_t in_ports;     /**< bit = DPDK port id */
	struct filter *filter; /**< NULL: every packet */
	enum cfg_action action;
	bool cont;
	enum cfg_vlan vlan;
	uint32_t snaplen;
	uint16_t slot;			  /**< its counter: pkts[slot] of struct rules_stats */
	uint64_t dest;			  /**< forward to a port or output: its destination bit */
	const struct stp_group_rt *group; /**< forward to a group */
};

/**
 * The rule table, read by workers through one pointer (ctlplane: wo, dataplane: ro): a new
 * table is published whole and the old one freed once every lcore has moved on.
 */
struct stp_rules_rt {
	/*
	 * Every rule forwards to one port or output, or drops, without filter, continue, snaplen
	 * or VLAN strip: the decision depends on the input port alone, so it is a table lookup
	 * (simple_out: output port id, STP_SIMPLE_OUTPUT + outputs[] index, or STP_NO_PORT with
	 * simple_why the drop reason). simple_outputs: some input goes to an output.
	 */
	bool simple;
	bool simple_outputs;
	uint16_t simple_out[PORT_MAX];
	uint32_t simple_max_frame[PORT_MAX]; /* the output's largest frame, per input port */
	bool simple_multiseg[PORT_MAX];	     /* the output takes chained mbufs, per input port */
	uint8_t simple_why[PORT_MAX];
	uint16_t simple_rule[PORT_MAX]; /* counter slot of the rule that decides, or STP_RULE_NONE
					 */
	uint16_t nb;
	struct stp_rule_rt rules[CFG_MAX_RULES];
	struct stp_group_rt groups[CFG_MAX_GROUPS];
	struct stp_rule_names *names; /* built with the table; the pipeline's once published */
};

/** One rule's identity: its name holds a counter slot for the life of the process. */
struct stp_rule_name {
	char name[CFG_NAME_LEN];
	enum cfg_action action; /**< the action it has (had, when deleted) */
	uint16_t slot;		/**< lcores count its packets in pkts[slot] (rules_stats) */
	bool deleted;		/**< deleted by del rule: the counter is kept, frozen */
	uint64_t base;		/**< pkts[slot] summed when the name took the slot */
};

/**
 * Names and counter slots of the rules (rules feature, control thread): what every view reads
 * to show a rule's count under its name. r[0..nb_live) are the rules in place, in evaluation
 * order; r[nb_live..nb) the deleted ones, oldest deletion first.
 *
 * What a deleted rule's counter becomes: it stays under the rule's name, frozen and marked
 * deleted, in every view (a Prometheus counter never goes back or vanishes mid-run, and the
 * rules' counts still add up to what they matched); a rule added again under that name takes
 * the counter back and goes on counting. When the slots run out (STP_RULE_SLOTS names), the
 * oldest deleted rule is forgotten: its count moves to @p forgotten.
 *
 * Immutable once published (pl->rule_names): a rule change publishes a new one, and every
 * snapshot stays valid until stp_pipeline_destroy(), so readers on any thread need no lock.
 */
struct stp_rule_names {
	struct stp_rule_names *older; /**< the snapshot this one replaced */
	uint16_t nb_live;
	uint16_t nb;
	uint64_t forgotten; /**< matched by deleted rules forgotten to free their slot */
	struct stp_rule_name r[STP_RULE_SLOTS];
};

/** The rules' names now (any thread). NULL before the rules stage started. */
const struct stp_rule_names *stp_rule_names_get(const struct stp_pipeline *pl);

/** Index in @p rn of the rule called @p name, or -1. */
int stp_rule_names_find(const struct stp_rule_names *rn, const char *name);

/** Packets rule @p rn->r[i] matched, from summed counters @p sum (stp_feature_stats()). */
uint64_t stp_rule_matched(
		const struct stp_rule_names *rn, const struct rules_stats *sum, unsigned int i);

void stp_rules_free(struct stp_rules_rt *rs);

/**
 * Put the rules of @p cfg in place while the pipeline runs (control thread): the new table is
 * built beside the old one, published with one pointer store, and the old one freed once every
 * lcore has moved on. Per-rule counters follow the rules' names (struct stp_rule_names).
 * 0, or -EINVAL with @p err.
 */
int stp_rules_replace(
		struct stp_pipeline *pl, const struct stp_config *cfg, char *err, size_t errlen);

/**
 * stp_rules_replace() in two steps (lib/ctl): build the table of @p cfg's rules (BPF compiled:
 * the slow part) and their names' counter slots, NULL with @p err on failure...
 */
struct stp_rules_rt *stp_rules_prepare(
		struct stp_pipeline *pl, const struct stp_config *cfg, char *err, size_t errlen);

/**
 * ...then publish it (it belongs to the pipeline from here on) and free the old table once every
 * lcore has moved on. Returns 0; @p err may hold a warning (an lcore did not move on in time).
 */
int stp_rules_publish(struct stp_pipeline *pl, const struct stp_config *cfg,
		struct stp_rules_rt *rs, char *err, size_t errlen);

#endif /* STP_RULES_RT_H */
