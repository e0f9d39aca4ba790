/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * Rule counters follow names (struct stp_rule_names, lib/rules/stage.c): the test
 * plays the lcore (it adds to its rules counters at each rule's slot, as the rules stage does) and
 * replaces the rule table as ctl's add rule / del rule do; every count is checked against what
 * the test itself added under each name. Covers a rule moving index, deletion (the counter is
 * kept, frozen, marked deleted), a name added again (the counter goes on), and the slots
 * running out (the oldest deleted rule is forgotten, its count moves to "forgotten", and the
 * new name starts from zero in the reused slot). Needs the EAL (--no-huge) for the rule
 * table's memory.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "cfg_section.h"
#include "pipeline.h"
#include "rules_rt.h"
#include "unit.h"

extern const struct stp_feature stp_feature_rules;

static const struct stp_feature *const rules_only[] = { &stp_feature_rules, NULL };

static struct stp_pipeline pl;
static struct stp_lcore lcore;
static struct port_set ports;
static struct stp_config cfgs[4];
static unsigned int next_cfg;
static unsigned int nb_replaced;

/* A config whose rules are the count rules @p names (comma-separated), in that order. */
static const struct stp_config *
config(const char *names)
{
	struct stp_config *c = &cfgs[next_cfg++ % 4];
	char text[65536], err[CFG_ERR_LEN], buf[4096];
	size_t n;
	char *tok, *save = NULL;

	cfg_free(c);
	n = (size_t)snprintf(text, sizeof(text),
			"{\"eal\": {\"hugepages\": false}, \"ports\": [{\"name\": \"a\", "
			"\"device\": \"net_null0\"}], \"rules\": [");
	snprintf(buf, sizeof(buf), "%s", names);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				"%s{\"name\": \"%s\", \"action\": \"count\"}",
				text[n - 1] == '[' ? "" : ", ", tok);
	snprintf(text + n, sizeof(text) - n, "]}");
	if (cfg_load_string(text, "t.json", c, err) != 0) {
		check(false, "config %s: %s", names, err);
		exit(unit_done());
	}
	return c;
}

/* Replace the rules as ctl does; the old table is freed (no lcore runs). */
static void
rules(const char *names)
{
	char err[CFG_ERR_LEN] = "";
	const struct stp_config *c = config(names);

	/* One line per failure only: the slot test below makes a thousand replacements. */
	if (stp_rules_replace(&pl, c, err, sizeof(err)) != 0 || err[0] != '\0')
		check(false, "rules [%s] in place: %s", names, err);
	else
		nb_replaced++;
	pl.cfg = c;
}

/* The lcore's part: @p n packets matched by the rule called @p name in the table in place. */
static void
count(const char *name, uint64_t n)
{
	const struct stp_rules_rt *rs = pl.rules;
	const struct stp_rule_names *rn = stp_rule_names_get(&pl);
	int i = stp_rule_names_find(rn, name);

	if (i < 0 || i >= rn->nb_live || rs->rules[i].slot != rn->r[i].slot) {
		check(false, "rule %s is in place", name);
		return;
	}
	rules_lcore_stats(&lcore)->pkts[rs->rules[i].slot] += n;
}

/* What the views show for @p name: its count (-1: not listed) and whether it is deleted. */
static int64_t
shown(const char *name, bool *deleted)
{
	const struct stp_rule_names *rn = stp_rule_names_get(&pl);
	int i = stp_rule_names_find(rn, name);

	if (i < 0)
		return -1;
	*deleted = rn->r[i].deleted;
	return (int64_t)stp_rule_matched(rn, rules_lcore_stats(&lcore), (unsigned int)i);
}

static void
expect(const char *name, int64_t want, bool want_deleted)
{
	bool deleted = false;
	int64_t got = shown(name, &deleted);

	check(got == want && (got < 0 || deleted == want_deleted), "%s: %lld%s (got %lld%s)", name,
			(long long)want, want_deleted ? " deleted" : "", (long long)got,
			deleted ? " deleted" : "");
}

int
main(int argc, char **argv)
{
	char prefix[64];
	char *eal[] = { argv[0], "--no-huge", "-m", "64", "--no-pci", "-l", "0", prefix,
		"--log-level=3" };
	const struct stp_rule_names *rn;
	uint16_t icmp_slot;
	char names[64];
	int rc;

	cfg_use_sections(stp_features_cfg());
	snprintf(prefix, sizeof(prefix), "--file-prefix=ut-rulenames-%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(eal), eal) < 0) {
		printf("FAIL: rte_eal_init: %s\n0 passed, 1 failed\n", rte_strerror(rte_errno));
		return 1;
	}
	ports.nb = 1;
	ports.ports[0].port_id = 0;
	lcore.pl = &pl;
	pl.lcores[pl.nb_lcores++] = &lcore;
	pl.ports = &ports;
	pl.cfg = config("dns,fwd");
	rc = stp_features_start(&pl, rules_only);
	check(rc == 0, "rules feature started (%d %s)", rc, pl.err);

	count("dns", 5);
	count("fwd", 7);
	rules("icmp,dns,fwd"); /* add rule at 0 */
	count("icmp", 3);
	count("dns", 1);
	count("fwd", 2);
	expect("icmp", 3, false);
	expect("dns", 6, false);
	expect("fwd", 9, false);

	rules("icmp,fwd"); /* del rule dns */
	count("fwd", 4);
	expect("dns", 6, true);
	expect("fwd", 13, false);
	rn = stp_rule_names_get(&pl);
	check(rn->nb_live == 2 && rn->nb == 3 && strcmp(rn->r[2].name, "dns") == 0,
			"the deleted rule follows the live ones");

	rules("dns,icmp,fwd"); /* add rule at 0 dns: the same name again */
	count("dns", 10);
	expect("dns", 16, false);
	expect("icmp", 3, false);

	/* Slots run out: 2 x 256 names. "icmp" is deleted first, so it is the oldest. */
	rules("dns,fwd");
	for (unsigned int i = 0; stp_rule_names_get(&pl)->nb < STP_RULE_SLOTS; i++) {
		snprintf(names, sizeof(names), "dns,fwd,r%u", i);
		rules(names);
		snprintf(names, sizeof(names), "r%u", i);
		count(names, 1);
		rules("dns,fwd");
	}
	rn = stp_rule_names_get(&pl);
	check(rn->nb == STP_RULE_SLOTS && rn->forgotten == 0, "%u names, none forgotten yet",
			rn->nb);
	expect("icmp", 3, true);
	icmp_slot = rn->r[stp_rule_names_find(rn, "icmp")].slot;
	rules("dns,fwd,late");
	rn = stp_rule_names_get(&pl);
	expect("icmp", -1, false);
	check(rn->forgotten == 3, "the oldest deleted rule's 3 packets are forgotten (%llu)",
			(unsigned long long)rn->forgotten);
	check(rn->r[stp_rule_names_find(rn, "late")].slot == icmp_slot &&
					rules_lcore_stats(&lcore)->pkts[icmp_slot] == 3,
			"the new name took the forgotten rule's slot, whose counter is not zero");
	expect("late", 0, false);
	count("late", 4);
	expect("late", 4, false);
	expect("dns", 16, false);
	expect("fwd", 13, false);
	expect("r0", 1, true);

	check(nb_replaced > 2 * STP_RULE_SLOTS - 20, "%u rule tables put in place, none refused",
			nb_replaced);
	stp_features_fini(&pl);
	for (unsigned int i = 0; i < 4; i++)
		cfg_free(&cfgs[i]);
	rte_eal_cleanup();
	return unit_done();
}
