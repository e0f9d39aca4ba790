/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * What the rules feature shows besides its console commands: its telemetry endpoint
 * /stampede/rules (drawn by lib/metrics from rules_tel_json()) and its Prometheus family, every
 * rule by name (deleted ones too: their counters stay, frozen, under their names).
 */

#include <errno.h>
#include <stdlib.h>

#include "pipeline.h"
#include "rules_rt.h"
#include "rules_cmds.h"

/*
 * Rules per /stampede/rules reply: at most ~75 bytes each (a 31-character name, an action,
 * three numbers), so 128 stay well inside telemetry's 16 KiB reply.
 */
#define TEL_RULES_PER_REPLY 128

/*
 * Rules from the index in params (default 0), TEL_RULES_PER_REPLY at most: those in place in
 * evaluation order, then the deleted ones (deleted 1; their counters are kept by name).
 */
static json_t *
rules_tel_json(const struct stp_pipeline *pl, const struct stp_lcore_stats *sum, const char *params)
{
	const struct stp_rule_names *rn = stp_rule_names_get(pl);
	unsigned int total = rn != NULL ? rn->nb : 0;
	unsigned long first = 0;
	struct rules_stats *s;
	json_t *a;
	char *end;

	if (params != NULL) {
		errno = 0;
		first = strtoul(params, &end, 10);
		if (errno != 0 || *end != '\0')
			return NULL;
	}
	s = stp_feature_stats(pl, rules_k);
	if (s == NULL)
		return NULL;
	a = json_array();
	for (unsigned long r = first, n = 0; a != NULL && r < total && n < TEL_RULES_PER_REPLY;
			r++, n++)
		json_array_append_new(a,
				json_pack("{s:I, s:s, s:s, s:I, s:I}", "index", (json_int_t)r,
						"name", rn->r[r].name, "action",
						rules_cfg_action_name(rn->r[r].action), "matched",
						(json_int_t)stp_rule_matched(rn, s, r), "deleted",
						(json_int_t)rn->r[r].deleted));
	free(s);
	return a != NULL ? json_pack("{s:I, s:o}", "total", (json_int_t)total, "rules", a) : NULL;
}

static const char *const rule_cols[] = { "index", "name", "action", "matched", "deleted", NULL };

static const struct stp_tel_group rules_tel_groups[] = {
	{ .key = "rules", .how = STP_TEL_COLUMNS, .names = rule_cols },
	{ .key = NULL },
};

const struct stp_tel rules_tel[] = {
	{ "/stampede/rules",
			"Packets matched per rule, 128 rules per reply. Parameter: first rule index",
			rules_tel_json, rules_tel_groups },
	{ NULL, NULL, NULL, NULL },
};

const struct stp_family rules_families[] = {
	{ .key = NULL,
			.name = "stampede_rule_matched_packets_total",
			.type = "counter",
			.help = "Packets a rule matched; a deleted rule's counter stays, frozen, under its "
				"name.",
			.kind = STP_FAMILY_ENTRIES,
			.label = "rule",
			.member = "matched" },
	{ .name = NULL },
};
