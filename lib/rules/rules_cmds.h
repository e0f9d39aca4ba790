/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_RULES_CMDS_H
#define STP_RULES_CMDS_H

/**
 * @file
 * The rules feature's control actions and console commands (show rules, add rule, del rule).
 */

#include <jansson.h>

#include "cfg.h"
#include "feature.h"
#include "feature_cmd.h"

struct stp_pipeline;

/* Its index in the registry, rules_k (pl->fpriv[rules_k]: the counter slots at the last
 * clear), is declared in rules_rt.h. */

/** "clear stats" (struct stp_feature.clear): the slot counters that show rules counts from. */
void rules_clear(struct stp_pipeline *pl);

/**
 * Rules in evaluation order: index, name, in (port names), all_ports (bool), filter, action,
 * out, continue, snaplen, vlan, matched (since the last clear stats). "matched" follows a rule
 * by name across rule changes. The caller holds the control lock.
 */
json_t *stp_rules_json(const struct stp_pipeline *pl);

/**
 * Rules deleted while running, oldest deletion first: name, action, matched. A deleted rule's
 * counter stays under its name, frozen; adding a rule of that name again continues it
 * (struct stp_rule_names). The caller holds the control lock.
 */
json_t *stp_rules_deleted_json(const struct stp_pipeline *pl);

/**
 * Insert a rule (one rules[] JSON object) at @p index (-1: append), checked by the config
 * loader, and put the new rule table in place. On error @p err holds the loader's message
 * ("<file>: rules[2].out: ..."). On success @p err may hold a warning ("" otherwise).
 */
int stp_rule_add(const struct stp_cmd_env *env, const char *rule_json, int index,
		char err[CFG_ERR_LEN]);

/** Delete the rule called @p name and put the new rule table in place. */
int stp_rule_del(const struct stp_cmd_env *env, const char *name, char err[CFG_ERR_LEN]);

/** The rules' names, for Tab completion (struct stp_name_token). */
json_t *stp_rules_names(const struct stp_cmd_env *env);

/** Its telemetry endpoint /stampede/rules (struct stp_feature_ui.tel). */
extern const struct stp_tel rules_tel[];

/** Its Prometheus families, drawn from its view (struct stp_feature_ui.families). */
extern const struct stp_family rules_families[];

/** The feature's console commands (struct stp_feature_ui.cmds). */
extern cmdline_parse_inst_t *const stp_rules_cmds[];

#endif /* STP_RULES_CMDS_H */
