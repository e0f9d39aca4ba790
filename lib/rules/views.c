/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * What the rules feature shows besides its console commands: its telemetry endpoint
 * /stampede/rules and its Prometheus family, every rule by name (deleted ones too: their
 * counters stay, frozen, under their names).
 */

#include <errno.h>
#include <stdlib.h>

#include "feature_tel.h"
#include "pipeline.h"
#include "rules_rt.h"
#include "rules_cmds.h"

/* Rules per /stampede/rules reply: telemetry's reply buffer holds about that many rows. */
#define TEL_RULES_PER_REPLY 128

/*
 * Rules from the index in params (default 0), TEL_RULES_PER_REPLY at most: those in place in
 * evaluation order, then the deleted ones (deleted 1; their counters are kept by name).
 */
int
rules_telemetry(const struct stp_pipeline *pl, const struct stp_lcore_stats *sum,
		const char *params, struct rte_tel_data *d)
{
	const struct stp_rule_names *rn = stp_rule_names_get(pl);
	const char *name[TEL_RULES_PER_REPLY], *action[TEL_RULES_PER_REPLY];
	uint64_t idx[TEL_RULES_PER_REPLY], matched[TEL_RULES_PER_REPLY];
	uint64_t deleted[TEL_RULES_PER_REPLY];
	unsigned int total = rn != NULL ? rn->nb : 0;
	unsigned long first = 0;
	unsigned int n = 0;
	struct rules_stats *s;
	int rc = 0;
	char *end;

	if (params != NULL && params[0] != '\0') {
		errno = 0;
		first = strtoul(params, &end, 10);
		if (errno != 0 || *end != '\0')
			return -EINVAL;
	}
	s = stp_feature_stats(pl, rules_k);
	if (s == NULL)
		return -ENOMEM;
	for (unsigned long r = first; r < total && n < TEL_RULES_PER_REPLY; r++, n++) {
		idx[n] = r;
		name[n] = rn->r[r].name;
		action[n] = cfg_action_name(rn->r[r].action);
		matched[n] = stp_rule_matched(rn, s, r);
		deleted[n] = rn->r[r].deleted;
	}
	free(s);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "total", total);
	rc |= stp_tel_col_u64(d, "index", idx, n);
	rc |= stp_tel_col_str(d, "name", name, n);
	rc |= stp_tel_col_str(d, "action", action, n);
	rc |= stp_tel_col_u64(d, "matched", matched, n);
	rc |= stp_tel_col_u64(d, "deleted", deleted, n);
	return rc != 0 ? -ENOMEM : 0;
}

const struct stp_family rules_families[] = {
	{ .key = NULL,
			.name = "stampede_rule_matched_packets_total",
			.type = "counter",
			.help = "Packets a rule matched; a deleted rule's counter stays, frozen, under its "
				"name.",
			.kind = STP_FAMILY_FIELDS,
			.label = "rule",
			.field = "matched" },
	{ .name = NULL },
};
