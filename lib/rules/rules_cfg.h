/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_RULES_CFG_H
#define STP_RULES_CFG_H

/**
 * @file
 * The rules feature's configuration section (cfg.c): groups[] and rules[], their block in
 * struct stp_config and its accessor, and the console's rule edits. config/README.md documents
 * the keys.
 */

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"

#define CFG_MAX_GROUPS 32  /**< Max entries in groups[]. */
#define CFG_MAX_MEMBERS 16 /**< Max members of one group. */

/** rules[].action */
enum cfg_action {
	CFG_ACTION_FORWARD = 0, /**< send to "out" (a port, an output or a group) */
	CFG_ACTION_DROP,	/**< stop here: the packet goes only where earlier rules sent it */
	CFG_ACTION_COUNT,	/**< count the match and go on with the next rule */
};

/** rules[].vlan: what happens to 802.1Q/802.1ad tags of forwarded packets. */
enum cfg_vlan {
	CFG_VLAN_KEEP = 0, /**< "keep" (default) */
	CFG_VLAN_STRIP,	   /**< "strip": remove every VLAN tag before output */
};

/**
 * rules[i]: evaluated in order on workers for each packet.
 *
 * JSON shape: { "name": "web", "in": ["a"], "filter": "tcp port 443", "action": "forward",
 *               "out": "lb", "continue": false, "snaplen": 128, "vlan": "keep" }
 * "in" is a port name or a list of port names; absent means every port. "filter" is libpcap
 * syntax (empty or absent: every packet). A matching forward rule sends the packet to "out" and
 * ends the evaluation unless "continue" is true (then later rules may send it elsewhere too);
 * drop ends it; count never does. A packet no rule sent anywhere is dropped (no_rule, or
 * rule_drop when a drop rule matched). "snaplen" (0 = whole frame) and "vlan" of the first
 * matching forward rule apply to the packet at every destination.
 */
struct cfg_rule {
	char name[CFG_NAME_LEN];     /**< rules[].name, default "rule<i>", unique */
	uint32_t in_mask;	     /**< bit p set: matches packets received on ports[p] */
	char filter[CFG_FILTER_LEN]; /**< rules[].filter, "" = every packet */
	enum cfg_action action;	     /**< rules[].action, required */
	struct cfg_target out;	     /**< forward: rules[].out, required for forward */
	bool cont;		     /**< rules[].continue, default false (forward only) */
	uint32_t snaplen;	     /**< rules[].snaplen [0, 60..65535], default 0 = whole */
	enum cfg_vlan vlan;	     /**< rules[].vlan "keep|strip", default keep */
	uint16_t out_port; /**< forward to a port: == out.idx (kept for the port checks) */
};

/** groups[].mode */
enum cfg_group_mode {
	CFG_GROUP_BALANCE = 0, /**< one member by symmetric flow hash: both directions alike */
	CFG_GROUP_REPLICATE,   /**< every member gets the packet */
	CFG_GROUP_FIRST_UP,    /**< the first member whose link is up (outputs are always up) */
};

/**
 * groups[i]: several ports or outputs as one destination.
 *
 * JSON shape: { "name": "lb", "mode": "balance", "members": ["tool1", "tool2", "cap"] }
 */
struct cfg_group {
	char name[CFG_NAME_LEN];  /**< groups[].name, required, unique among all names */
	enum cfg_group_mode mode; /**< groups[].mode, required */
	uint16_t nb_members;	  /**< [1..CFG_MAX_MEMBERS] */
	struct cfg_target members[CFG_MAX_MEMBERS]; /**< ports or outputs, no duplicates */
};

/** The section's block: groups[] and rules[] (about 280 kB: CFG_SECTION_MEM counts it). */
struct rules_cfg {
	uint16_t nb_groups;
	struct cfg_group groups[CFG_MAX_GROUPS];
	uint16_t nb_rules;
	struct cfg_rule rules[CFG_MAX_RULES];
};

/** The section (lib/cfg/cfg_section.h), named by the rules feature's .cfg. */
extern const struct cfg_section rules_cfg_section;

/** groups[] and rules[] of a loaded config; empty when it was not loaded with the section. */
const struct rules_cfg *rules_cfg_of(const struct stp_config *cfg);

/** Name of a rule action ("forward", "drop", "count"). */
const char *rules_cfg_action_name(enum cfg_action a);

/**
 * Insert one rule into a loaded config, as the console's "add rule" does: @p rule_json is one
 * rules[] object, parsed and checked by the loader's own code (same messages, the JSON path
 * shown as "rules[<index>]..."), then the cross-field checks run again on the whole config.
 *
 * @param index  position of the new rule, 0..nb_rules; -1 appends. Later rules move up by one.
 * @return 0, or -EINVAL (@p err says why, also when @p cfg was loaded without the section;
 *         @p cfg is unchanged) / -ENOMEM
 */
int rules_cfg_insert(
		struct stp_config *cfg, const char *rule_json, int index, char err[CFG_ERR_LEN]);

/**
 * Remove the rule called @p name from a loaded config; later rules move down by one.
 *
 * @return 0, or -EINVAL (no such rule, or a check failed: @p err says why; @p cfg is unchanged)
 */
int rules_cfg_delete(struct stp_config *cfg, const char *name, char err[CFG_ERR_LEN]);

#endif /* STP_RULES_CFG_H */
