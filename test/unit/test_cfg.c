/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * Unit test of lib/cfg: defaults, the default lcore, a full config, a capture config (outputs,
 * groups, drop/count rules, filters), dump -> load round trips, every validator and the lookup
 * helpers. No EAL, no framework: one line per check, a summary
 * line "N passed, N failed", exit status 1 on any failure.
 *
 * JSON texts are written with single quotes to stay readable; unit_json() turns them into double
 * quotes (no test text needs a literal single quote).
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_section.h"
#include "broker_cfg.h"
#include "feature.h"
#include "outputs_cfg.h"
#include "probe_cfg.h"
#include "tcprtt_cfg.h"
#include "rules_cfg.h"
#include "trailer_cfg.h"
#include "unit.h"

#define CHECK(cond) check((cond), "%s:%d: %s", __func__, __LINE__, #cond)

static struct stp_config cfg;
static struct stp_config cfg2;

/* Load a config that must be accepted. */
static bool
load_ok(const char *text, struct stp_config *c, const char *what)
{
	char err[CFG_ERR_LEN];
	int rc;

	rc = cfg_load_string(unit_json(text), "cfg.json", c, err);
	check(rc == 0, "%s loads%s%s", what, rc == 0 ? "" : ": ", rc == 0 ? "" : err);
	return rc == 0;
}

/* Load a config that must be refused with exactly @p expected. */
static void
load_err(const char *text, const char *expected)
{
	char err[CFG_ERR_LEN];
	int rc;

	rc = cfg_load_string(unit_json(text), "cfg.json", &cfg, err);
	if (rc == -EINVAL && strcmp(err, expected) == 0)
		check(true, "rejected: %s", expected);
	else if (rc == 0)
		check(false, "accepted, expected: %s", expected);
	else
		check(false, "rc %d, expected: %s\n     got:      %s", rc, expected, err);
	cfg_free(&cfg);
}

/* Field by field, naming the first difference. */
static bool
cfg_equal(const struct stp_config *a, const struct stp_config *b, char *diff, size_t len)
{
	const struct cfg_tcprtt *ta = tcprtt_cfg_of(a), *tb = tcprtt_cfg_of(b);
	const struct probe_cfg *pa = probe_cfg_of(a), *pb = probe_cfg_of(b);
	unsigned int i, j;

#define DIFF(cond, ...)                                   \
	do {                                              \
		if (cond) {                               \
			snprintf(diff, len, __VA_ARGS__); \
			return false;                     \
		}                                         \
	} while (0)

	DIFF(a->node.id != b->node.id, "node.id");
	DIFF(strcmp(a->node.description, b->node.description) != 0, "node.description");
	DIFF(a->eal.nb_args != b->eal.nb_args, "eal.nb_args");
	for (i = 0; i < a->eal.nb_args; i++)
		DIFF(strcmp(a->eal.args[i], b->eal.args[i]) != 0, "eal.args[%u]", i);
	DIFF(a->eal.hugepages != b->eal.hugepages, "eal.hugepages");
	DIFF(strcmp(a->eal.file_prefix, b->eal.file_prefix) != 0, "eal.file_prefix");
	DIFF(a->eal.memory_mb != b->eal.memory_mb, "eal.memory_mb");
	DIFF(a->eal.main_lcore != b->eal.main_lcore, "eal.main_lcore");
	DIFF(a->nb_ports != b->nb_ports, "nb_ports");
	for (i = 0; i < a->nb_ports; i++) {
		const struct cfg_port *p = &a->ports[i], *q = &b->ports[i];

		DIFF(strcmp(p->name, q->name) != 0, "ports[%u].name", i);
		DIFF(strcmp(p->device, q->device) != 0, "ports[%u].device", i);
		DIFF(p->is_pci != q->is_pci, "ports[%u].is_pci", i);
		DIFF(p->rx_queues != q->rx_queues, "ports[%u].rx_queues", i);
		DIFF(p->tx_queues != q->tx_queues, "ports[%u].tx_queues", i);
		DIFF(p->rx_desc != q->rx_desc, "ports[%u].rx_desc", i);
		DIFF(p->tx_desc != q->tx_desc, "ports[%u].tx_desc", i);
		DIFF(p->mtu != q->mtu, "ports[%u].mtu", i);
		DIFF(p->promiscuous != q->promiscuous, "ports[%u].promiscuous", i);
		DIFF(p->timestamp != q->timestamp, "ports[%u].timestamp", i);
		DIFF(memcmp(trailer_cfg_of(a, i), trailer_cfg_of(b, i),
				     sizeof(struct trailer_spec)) != 0,
				"ports[%u].trailer", i);
	}
	DIFF(a->nb_lcores != b->nb_lcores, "nb_lcores");
	for (i = 0; i < a->nb_lcores; i++) {
		const struct cfg_lcore *p = &a->lcores[i], *q = &b->lcores[i];

		DIFF(p->lcore_id != q->lcore_id, "lcores[%u].lcore_id", i);
		DIFF(p->roles != q->roles, "lcores[%u].roles", i);
		DIFF(p->nb_poll != q->nb_poll, "lcores[%u].nb_poll", i);
		for (j = 0; j < p->nb_poll; j++) {
			DIFF(p->poll[j].port != q->poll[j].port, "lcores[%u].poll[%u].port", i, j);
			DIFF(p->poll[j].queue != q->poll[j].queue, "lcores[%u].poll[%u].queue", i,
					j);
		}
	}
	DIFF(a->burst != b->burst, "burst");
	DIFF(a->idle_sleep_us != b->idle_sleep_us, "idle_sleep_us");
	DIFF(a->worker_ring_size != b->worker_ring_size, "worker_ring_size");
	DIFF(a->tx_ring_size != b->tx_ring_size, "tx_ring_size");
	DIFF(a->mempool_size != b->mempool_size, "mempool_size");
	DIFF(a->mempool_cache != b->mempool_cache, "mempool_cache");
	DIFF(a->mbuf_size != b->mbuf_size, "mbuf_size");
	DIFF(a->metrics.enabled != b->metrics.enabled, "metrics.enabled");
	DIFF(strcmp(a->metrics.listen, b->metrics.listen) != 0, "metrics.listen");
	DIFF(a->metrics.port != b->metrics.port, "metrics.port");
	DIFF(ta->enabled != tb->enabled, "tcp_rtt.enabled");
	DIFF(ta->nb_ports != tb->nb_ports, "tcp_rtt.nb_ports");
	for (i = 0; i < ta->nb_ports; i++)
		DIFF(ta->ports[i] != tb->ports[i], "tcp_rtt.ports[%u]", i);
	DIFF(ta->flows != tb->flows, "tcp_rtt.flows");
	DIFF(ta->idle_timeout_s != tb->idle_timeout_s, "tcp_rtt.idle_timeout_s");
	DIFF(ta->ts_min_interval_ms != tb->ts_min_interval_ms, "tcp_rtt.ts_min_interval_ms");
	DIFF(ta->ts_slots != tb->ts_slots, "tcp_rtt.ts_slots");
	DIFF(ta->close_linger_ms != tb->close_linger_ms, "tcp_rtt.close_linger_ms");
	DIFF(ta->ts_rule != tb->ts_rule, "tcp_rtt.ts_rule");
	DIFF(strcmp(ta->out_path, tb->out_path) != 0, "tcp_rtt.output.path");
	DIFF(ta->out_rotate_bytes != tb->out_rotate_bytes, "tcp_rtt.output.rotate_bytes");
	DIFF(ta->out_rotate_seconds != tb->out_rotate_seconds, "tcp_rtt.output.rotate_seconds");
	DIFF(ta->out_max_files != tb->out_max_files, "tcp_rtt.output.max_files");
	DIFF(ta->out_ring != tb->out_ring, "tcp_rtt.output.ring");
	DIFF(ta->nb_prefixes != tb->nb_prefixes, "tcp_rtt.nb_prefixes");
	for (i = 0; i < ta->nb_prefixes; i++) {
		const struct cfg_tcprtt_prefix *p = &ta->prefixes[i];
		const struct cfg_tcprtt_prefix *q = &tb->prefixes[i];

		DIFF(strcmp(p->name, q->name) != 0 || strcmp(p->prefix, q->prefix) != 0 ||
						p->family != q->family || p->len != q->len ||
						memcmp(p->addr, q->addr, 16) != 0,
				"tcp_rtt.prefixes[%u]", i);
	}
	DIFF(outputs_cfg_of(a)->nb_outputs != outputs_cfg_of(b)->nb_outputs, "nb_outputs");
	for (i = 0; i < outputs_cfg_of(a)->nb_outputs; i++) {
		const struct cfg_output *p = &outputs_cfg_of(a)->outputs[i],
					*q = &outputs_cfg_of(b)->outputs[i];

		DIFF(strcmp(p->name, q->name) != 0, "outputs[%u].name", i);
		DIFF(p->type != q->type, "outputs[%u].type", i);
		DIFF(strcmp(p->path, q->path) != 0, "outputs[%u].path", i);
		DIFF(p->port != q->port || p->id != q->id || p->ttl != q->ttl ||
						p->dscp != q->dscp || p->dst_port != q->dst_port ||
						strcmp(p->src_ip, q->src_ip) != 0 ||
						strcmp(p->dst_ip, q->dst_ip) != 0 ||
						strcmp(p->dst_mac, q->dst_mac) != 0 ||
						memcmp(&p->tun, &q->tun, sizeof(p->tun)) != 0,
				"outputs[%u] tunnel keys", i);
		DIFF(p->rotate_bytes != q->rotate_bytes, "outputs[%u].rotate_bytes", i);
		DIFF(p->rotate_seconds != q->rotate_seconds, "outputs[%u].rotate_seconds", i);
		DIFF(p->max_files != q->max_files, "outputs[%u].max_files", i);
		DIFF(p->ring_size != q->ring_size, "outputs[%u].ring_size", i);
		DIFF(p->snaplen != q->snaplen, "outputs[%u].snaplen", i);
		DIFF(p->comments != q->comments, "outputs[%u].comments", i);
	}
	DIFF(rules_cfg_of(a)->nb_groups != rules_cfg_of(b)->nb_groups, "nb_groups");
	for (i = 0; i < rules_cfg_of(a)->nb_groups; i++) {
		const struct cfg_group *p = &rules_cfg_of(a)->groups[i],
				       *q = &rules_cfg_of(b)->groups[i];

		DIFF(strcmp(p->name, q->name) != 0, "groups[%u].name", i);
		DIFF(p->mode != q->mode, "groups[%u].mode", i);
		DIFF(p->nb_members != q->nb_members, "groups[%u].nb_members", i);
		for (j = 0; j < p->nb_members; j++) {
			DIFF(p->members[j].kind != q->members[j].kind,
					"groups[%u].members[%u].kind", i, j);
			DIFF(p->members[j].idx != q->members[j].idx, "groups[%u].members[%u].idx",
					i, j);
		}
	}
	DIFF(rules_cfg_of(a)->nb_rules != rules_cfg_of(b)->nb_rules, "nb_rules");
	for (i = 0; i < rules_cfg_of(a)->nb_rules; i++) {
		const struct cfg_rule *p = &rules_cfg_of(a)->rules[i],
				      *q = &rules_cfg_of(b)->rules[i];

		DIFF(strcmp(p->name, q->name) != 0, "rules[%u].name", i);
		DIFF(p->in_mask != q->in_mask, "rules[%u].in_mask", i);
		DIFF(strcmp(p->filter, q->filter) != 0, "rules[%u].filter", i);
		DIFF(p->action != q->action, "rules[%u].action", i);
		DIFF(p->out.kind != q->out.kind, "rules[%u].out.kind", i);
		DIFF(p->out.idx != q->out.idx, "rules[%u].out.idx", i);
		DIFF(p->cont != q->cont, "rules[%u].cont", i);
		DIFF(p->snaplen != q->snaplen, "rules[%u].snaplen", i);
		DIFF(p->vlan != q->vlan, "rules[%u].vlan", i);
		DIFF(p->out_port != q->out_port, "rules[%u].out_port", i);
	}
	/* Probe entries are zeroed before they are parsed: compared whole, padding included. */
	DIFF(pa->nb_probes != pb->nb_probes, "nb_probes");
	for (i = 0; i < pa->nb_probes; i++)
		DIFF(memcmp(&pa->probes[i], &pb->probes[i], sizeof(pa->probes[i])) != 0,
				"probes[%u]", i);
	DIFF(memcmp(&pa->probe_rx, &pb->probe_rx, sizeof(pa->probe_rx)) != 0, "probe_rx");
#undef DIFF
	return true;
}

/* JSON texts keep their own layout. */
/* clang-format off */
static const char *minimal = "{ 'ports': [ { 'name': 'in', 'device': 'net_null0' } ] }";

static const char *full =
	"{\n"
	"  'node': { 'id': 4294967295, 'description': 'demo edge' },\n"
	"  'eal': { 'args': ['--log-level', 'lib.eal:notice'], 'hugepages': false,\n"
	"           'file_prefix': 'stp-test_1', 'memory_mb': 1024, 'main_lcore': 0 },\n"
	"  'ports': [\n"
	"    { 'name': 'in', 'device': '0000:03:00.0,rxq_cqe_comp_en=0', 'rx_queues': 2,\n"
	"      'tx_queues': 2, 'rx_desc': 512, 'tx_desc': 2048, 'mtu': 9000,\n"
	"      'promiscuous': false, 'timestamp': 'hw' },\n"
	"    { 'name': 'out', 'device': 'net_af_packet0,iface=stp-out', 'tx_queues': 2,\n"
	"      'timestamp': 'none' }\n"
	"  ],\n"
	"  'lcores': {\n"
	"    'rx': [ { 'lcore': 1, 'queues': [ { 'port': 'in', 'queue': 0 } ] },\n"
	"            { 'lcore': 2, 'queues': [ { 'port': 'in', 'queue': 1 },\n"
	"                                      { 'port': 'out', 'queue': 0 } ] } ],\n"
	"    'worker': [3, 4],\n"
	"    'tx': [1, 3]\n"
	"  },\n"
	"  'burst': 64,\n"
	"  'rings': { 'worker': 65536, 'tx': 64 },\n"
	"  'mempool': { 'size': 1023, 'cache': 0, 'mbuf_size': 10240 },\n"
	"  'rules': [\n"
	"    { 'name': 'in-to-out', 'in': ['in'], 'action': 'forward', 'out': 'out' },\n"
	"    { 'in': 'out', 'action': 'forward', 'out': 'in' },\n"
	"    { 'action': 'forward', 'out': 'out' }\n"
	"  ],\n"
	"  'metrics': { 'enabled': true, 'listen': '::1', 'port': 19464 }\n"
	"}\n";

/*
 * A capture broker: a bump in the wire between a and b, every TCP/UDP packet also captured
 * (128 bytes) to a pcapng output, HTTPS balanced over two tool ports, and the other new keys.
 */
static const char *capture =
	"{\n"
	"  'ports': [\n"
	"    { 'name': 'a', 'device': 'net_null0' },\n"
	"    { 'name': 'b', 'device': 'net_null1' },\n"
	"    { 'name': 'tool1', 'device': 'net_null2', 'tx_queues': 2 },\n"
	"    { 'name': 'tool2', 'device': 'net_null3', 'tx_queues': 2 }\n"
	"  ],\n"
	"  'outputs': [\n"
	"    { 'name': 'cap', 'type': 'pcapng', 'path': '/var/cap/%Y%m%d-{index}.pcapng' },\n"
	"    { 'name': 'all', 'type': 'pcapng', 'path': 'all.pcapng', 'rotate_bytes': 4096,\n"
	"      'rotate_seconds': 31536000, 'max_files': 1000000, 'ring': 64, 'snaplen': 60,\n"
	"      'comments': false }\n"
	"  ],\n"
	"  'groups': [\n"
	"    { 'name': 'lb', 'mode': 'balance', 'members': ['tool1', 'tool2'] },\n"
	"    { 'name': 'both', 'mode': 'replicate', 'members': ['all', 'tool2', 'cap'] },\n"
	"    { 'name': 'spare', 'mode': 'first-up', 'members': ['b'] }\n"
	"  ],\n"
	"  'rules': [\n"
	"    { 'name': 'count-arp', 'filter': 'arp', 'action': 'count' },\n"
	"    { 'name': 'no-ssh', 'filter': 'tcp port 22', 'action': 'drop' },\n"
	"    { 'name': 'cap', 'filter': 'tcp or udp', 'action': 'forward', 'out': 'cap',\n"
	"      'continue': true, 'snaplen': 128 },\n"
	"    { 'name': 'https', 'in': 'a', 'filter': 'tcp port 443', 'action': 'forward',\n"
	"      'out': 'lb', 'continue': true, 'vlan': 'strip' },\n"
	"    { 'name': 'a-to-b', 'in': 'a', 'action': 'forward', 'out': 'b', 'snaplen': 0 },\n"
	"    { 'name': 'b-to-a', 'in': 'b', 'action': 'forward', 'out': 'a', 'vlan': 'keep' },\n"
	"    { 'name': 'hairpin', 'in': ['tool1'], 'action': 'forward', 'out': 'tool1',\n"
	"      'snaplen': 65535 }\n"
	"  ]\n"
	"}\n";

static const char *no_huge =
	"{ 'eal': { 'hugepages': false }, 'ports': [ { 'name': 'a', 'device': 'x' } ] }";
static const char *no_huge_256 =
	"{ 'eal': { 'hugepages': false, 'memory_mb': 256 },"
	" 'ports': [ { 'name': 'a', 'device': 'x' } ] }";
/* clang-format on */

static void
test_minimal_defaults(void)
{
	if (!load_ok(minimal, &cfg, "minimal config"))
		return;
	CHECK(strcmp(cfg.file, "cfg.json") == 0);
	CHECK(cfg.node.id == 1);
	CHECK(strcmp(cfg.node.description, "") == 0);
	CHECK(cfg.eal.nb_args == 0);
	CHECK(cfg.eal.hugepages == true);
	CHECK(strcmp(cfg.eal.file_prefix, "stampede") == 0);
	CHECK(cfg.eal.memory_mb == 0);
	CHECK(cfg.eal.main_lcore == 0);
	CHECK(cfg.nb_ports == 1);
	CHECK(strcmp(cfg.ports[0].name, "in") == 0);
	CHECK(strcmp(cfg.ports[0].device, "net_null0") == 0);
	CHECK(cfg.ports[0].is_pci == false);
	CHECK(cfg.ports[0].rx_queues == 1);
	CHECK(cfg.ports[0].tx_queues == 1);
	CHECK(cfg.ports[0].rx_desc == 1024);
	CHECK(cfg.ports[0].tx_desc == 1024);
	CHECK(cfg.ports[0].mtu == 1500);
	CHECK(cfg.ports[0].promiscuous == true);
	CHECK(cfg.ports[0].timestamp == CFG_TS_AUTO);
	CHECK(cfg.burst == 32);
	CHECK(cfg.worker_ring_size == 4096);
	CHECK(cfg.tx_ring_size == 4096);
	CHECK(cfg.mempool_size == 32767);
	CHECK(cfg.mempool_cache == 256);
	CHECK(cfg.mbuf_size == 2176);
	CHECK(cfg.metrics.enabled == false);
	CHECK(strcmp(cfg.metrics.listen, "127.0.0.1") == 0);
	CHECK(cfg.metrics.port == 9464);
	CHECK(rules_cfg_of(&cfg)->nb_rules == 0);
	CHECK(outputs_cfg_of(&cfg)->nb_outputs == 0);
	CHECK(rules_cfg_of(&cfg)->nb_groups == 0);
	CHECK(cfg.nb_lcores == 1);
	CHECK(cfg.lcores[0].lcore_id == 1);
	CHECK(cfg.lcores[0].roles == (CFG_ROLE_RX | CFG_ROLE_WORKER | CFG_ROLE_TX));
	CHECK(cfg.lcores[0].nb_poll == 1);
	cfg_free(&cfg);

	/* Without hugepages the EAL gets 512 MB unless told otherwise. */
	if (load_ok(no_huge, &cfg, "hugepages false"))
		CHECK(cfg.eal.memory_mb == 512);
	cfg_free(&cfg);
	if (load_ok(no_huge_256, &cfg, "hugepages false, 256 MB"))
		CHECK(cfg.eal.memory_mb == 256);
	cfg_free(&cfg);
	if (load_ok("{ 'ports': [ { 'name': 'a', 'device': 'x' } ], 'rules': [] }", &cfg,
			    "empty rules"))
		CHECK(rules_cfg_of(&cfg)->nb_rules == 0);
	cfg_free(&cfg);
}

static void
test_default_lcores(void)
{
	const struct cfg_lcore *lc;

	if (!load_ok("{ 'eal': { 'main_lcore': 2 },"
		     "  'ports': [ { 'name': 'a', 'device': 'x', 'rx_queues': 2 },"
		     "             { 'name': 'b', 'device': 'y' } ] }",
			    &cfg, "default lcores"))
		return;
	CHECK(cfg.nb_lcores == 1);
	lc = &cfg.lcores[0];
	CHECK(lc->lcore_id == 3);
	CHECK(lc->roles == (CFG_ROLE_RX | CFG_ROLE_WORKER | CFG_ROLE_TX));
	CHECK(lc->nb_poll == 3);
	CHECK(lc->poll[0].port == 0 && lc->poll[0].queue == 0);
	CHECK(lc->poll[1].port == 0 && lc->poll[1].queue == 1);
	CHECK(lc->poll[2].port == 1 && lc->poll[2].queue == 0);
	cfg_free(&cfg);
}

static void
test_full(void)
{
	const struct cfg_lcore *lc;

	if (!load_ok(full, &cfg, "full config"))
		return;
	CHECK(cfg.node.id == 4294967295u);
	CHECK(strcmp(cfg.node.description, "demo edge") == 0);
	CHECK(cfg.eal.nb_args == 2);
	CHECK(strcmp(cfg.eal.args[0], "--log-level") == 0);
	CHECK(strcmp(cfg.eal.args[1], "lib.eal:notice") == 0);
	CHECK(cfg.eal.hugepages == false);
	CHECK(strcmp(cfg.eal.file_prefix, "stp-test_1") == 0);
	CHECK(cfg.eal.memory_mb == 1024);
	CHECK(cfg.nb_ports == 2);
	CHECK(cfg.ports[0].is_pci == true);
	CHECK(strcmp(cfg.ports[0].device, "0000:03:00.0,rxq_cqe_comp_en=0") == 0);
	CHECK(cfg.ports[0].rx_queues == 2);
	CHECK(cfg.ports[0].rx_desc == 512);
	CHECK(cfg.ports[0].tx_desc == 2048);
	CHECK(cfg.ports[0].mtu == 9000);
	CHECK(cfg.ports[0].promiscuous == false);
	CHECK(cfg.ports[0].timestamp == CFG_TS_HW);
	CHECK(cfg.ports[1].is_pci == false);
	CHECK(cfg.ports[1].tx_queues == 2);
	CHECK(cfg.ports[1].timestamp == CFG_TS_NONE);
	CHECK(cfg.burst == 64);
	CHECK(cfg.worker_ring_size == 65536);
	CHECK(cfg.tx_ring_size == 64);
	CHECK(cfg.mempool_size == 1023);
	CHECK(cfg.mempool_cache == 0);
	CHECK(cfg.mbuf_size == 10240);
	CHECK(cfg.metrics.enabled == true);
	CHECK(strcmp(cfg.metrics.listen, "::1") == 0);
	CHECK(cfg.metrics.port == 19464);

	/* rx [1, 2], worker [3, 4], tx [1, 3]: four lcores in order of first appearance. */
	CHECK(cfg.nb_lcores == 4);
	CHECK(cfg.lcores[0].lcore_id == 1 && cfg.lcores[0].roles == (CFG_ROLE_RX | CFG_ROLE_TX));
	CHECK(cfg.lcores[1].lcore_id == 2 && cfg.lcores[1].roles == CFG_ROLE_RX);
	CHECK(cfg.lcores[2].lcore_id == 3 &&
			cfg.lcores[2].roles == (CFG_ROLE_WORKER | CFG_ROLE_TX));
	CHECK(cfg.lcores[3].lcore_id == 4 && cfg.lcores[3].roles == CFG_ROLE_WORKER);
	lc = &cfg.lcores[1];
	CHECK(lc->nb_poll == 2);
	CHECK(lc->poll[0].port == 0 && lc->poll[0].queue == 1);
	CHECK(lc->poll[1].port == 1 && lc->poll[1].queue == 0);
	CHECK(cfg.lcores[2].nb_poll == 0);

	CHECK(rules_cfg_of(&cfg)->nb_rules == 3);
	CHECK(strcmp(rules_cfg_of(&cfg)->rules[0].name, "in-to-out") == 0);
	CHECK(rules_cfg_of(&cfg)->rules[0].in_mask == 0x1);
	CHECK(rules_cfg_of(&cfg)->rules[0].action == CFG_ACTION_FORWARD);
	CHECK(rules_cfg_of(&cfg)->rules[0].out_port == 1);
	CHECK(strcmp(rules_cfg_of(&cfg)->rules[1].name, "rule1") == 0);
	CHECK(rules_cfg_of(&cfg)->rules[1].in_mask == 0x2);
	CHECK(rules_cfg_of(&cfg)->rules[1].out_port == 0);
	CHECK(strcmp(rules_cfg_of(&cfg)->rules[2].name, "rule2") == 0);
	CHECK(rules_cfg_of(&cfg)->rules[2].in_mask == 0x3);
	/* The keys added with outputs and groups default as before: a plain port forward. */
	CHECK(rules_cfg_of(&cfg)->rules[0].out.kind == CFG_TARGET_PORT &&
			rules_cfg_of(&cfg)->rules[0].out.idx == 1);
	CHECK(rules_cfg_of(&cfg)->rules[1].out.kind == CFG_TARGET_PORT &&
			rules_cfg_of(&cfg)->rules[1].out.idx == 0);
	CHECK(strcmp(rules_cfg_of(&cfg)->rules[0].filter, "") == 0);
	CHECK(rules_cfg_of(&cfg)->rules[0].cont == false);
	CHECK(rules_cfg_of(&cfg)->rules[0].snaplen == 0);
	CHECK(rules_cfg_of(&cfg)->rules[0].vlan == CFG_VLAN_KEEP);
	CHECK(outputs_cfg_of(&cfg)->nb_outputs == 0 && rules_cfg_of(&cfg)->nb_groups == 0);
	cfg_free(&cfg);
}

static void
test_capture(void)
{
	const struct cfg_output *o;
	const struct cfg_group *g;
	const struct cfg_rule *r;
	struct cfg_target t;

	if (!load_ok(capture, &cfg, "capture config"))
		return;
	CHECK(cfg.nb_ports == 4);
	CHECK(outputs_cfg_of(&cfg)->nb_outputs == 2);
	o = &outputs_cfg_of(&cfg)->outputs[0];
	CHECK(strcmp(o->name, "cap") == 0);
	CHECK(o->type == CFG_OUTPUT_PCAPNG);
	CHECK(strcmp(o->path, "/var/cap/%Y%m%d-{index}.pcapng") == 0);
	CHECK(o->rotate_bytes == 0);
	CHECK(o->rotate_seconds == 0);
	CHECK(o->max_files == 0);
	CHECK(o->ring_size == 16384);
	CHECK(o->snaplen == 262144);
	CHECK(o->comments == true);
	o = &outputs_cfg_of(&cfg)->outputs[1];
	CHECK(o->rotate_bytes == 4096);
	CHECK(o->rotate_seconds == 31536000);
	CHECK(o->max_files == 1000000);
	CHECK(o->ring_size == 64);
	CHECK(o->snaplen == 60);
	CHECK(o->comments == false);

	CHECK(rules_cfg_of(&cfg)->nb_groups == 3);
	g = &rules_cfg_of(&cfg)->groups[0];
	CHECK(strcmp(g->name, "lb") == 0 && g->mode == CFG_GROUP_BALANCE);
	CHECK(g->nb_members == 2);
	CHECK(g->members[0].kind == CFG_TARGET_PORT && g->members[0].idx == 2);
	CHECK(g->members[1].kind == CFG_TARGET_PORT && g->members[1].idx == 3);
	g = &rules_cfg_of(&cfg)->groups[1];
	CHECK(g->mode == CFG_GROUP_REPLICATE && g->nb_members == 3);
	CHECK(g->members[0].kind == CFG_TARGET_OUTPUT && g->members[0].idx == 1);
	CHECK(g->members[1].kind == CFG_TARGET_PORT && g->members[1].idx == 3);
	CHECK(g->members[2].kind == CFG_TARGET_OUTPUT && g->members[2].idx == 0);
	g = &rules_cfg_of(&cfg)->groups[2];
	CHECK(g->mode == CFG_GROUP_FIRST_UP && g->nb_members == 1);

	CHECK(rules_cfg_of(&cfg)->nb_rules == 7);
	r = &rules_cfg_of(&cfg)->rules[0];
	CHECK(r->action == CFG_ACTION_COUNT && strcmp(r->filter, "arp") == 0);
	CHECK(r->in_mask == 0xf);
	CHECK(r->out.kind == CFG_TARGET_NONE && r->out_port == 0);
	CHECK(r->cont == false && r->snaplen == 0 && r->vlan == CFG_VLAN_KEEP);
	r = &rules_cfg_of(&cfg)->rules[1];
	CHECK(r->action == CFG_ACTION_DROP && strcmp(r->filter, "tcp port 22") == 0);
	CHECK(r->out.kind == CFG_TARGET_NONE);
	r = &rules_cfg_of(&cfg)->rules[2];
	CHECK(r->action == CFG_ACTION_FORWARD);
	CHECK(r->out.kind == CFG_TARGET_OUTPUT && r->out.idx == 0);
	CHECK(r->out_port == 0);
	CHECK(r->cont == true && r->snaplen == 128 && r->vlan == CFG_VLAN_KEEP);
	r = &rules_cfg_of(&cfg)->rules[3];
	CHECK(r->out.kind == CFG_TARGET_GROUP && r->out.idx == 0);
	CHECK(r->in_mask == 0x1);
	CHECK(r->cont == true && r->snaplen == 0 && r->vlan == CFG_VLAN_STRIP);
	r = &rules_cfg_of(&cfg)->rules[4];
	CHECK(r->out.kind == CFG_TARGET_PORT && r->out.idx == 1 && r->out_port == 1);
	CHECK(r->cont == false && r->snaplen == 0);
	r = &rules_cfg_of(&cfg)->rules[5];
	CHECK(r->out.kind == CFG_TARGET_PORT && r->out.idx == 0 && r->out_port == 0);
	/* Hairpin: out among the rule's own "in" ports. */
	r = &rules_cfg_of(&cfg)->rules[6];
	CHECK(r->in_mask == 0x4 && r->out.kind == CFG_TARGET_PORT && r->out_port == 2);
	CHECK(r->snaplen == 65535);

	/* The shared namespace. */
	CHECK(cfg_target_by_name(&cfg, "tool2", &t) == 0 && t.kind == CFG_TARGET_PORT &&
			t.idx == 3);
	CHECK(cfg_target_by_name(&cfg, "all", &t) == 0 && t.kind == CFG_TARGET_OUTPUT &&
			t.idx == 1);
	CHECK(cfg_target_by_name(&cfg, "spare", &t) == 0 && t.kind == CFG_TARGET_GROUP &&
			t.idx == 2);
	CHECK(cfg_target_by_name(&cfg, "https", &t) == -ENOENT);
	CHECK(strcmp(cfg_target_name(&cfg, &rules_cfg_of(&cfg)->rules[3].out), "lb") == 0);
	CHECK(strcmp(cfg_target_name(&cfg, &rules_cfg_of(&cfg)->groups[1].members[0]), "all") == 0);
	CHECK(strcmp(cfg_target_name(&cfg, &rules_cfg_of(&cfg)->rules[0].out), "") == 0);
	CHECK(strcmp(cfg_target_name(&cfg, &(struct cfg_target){ CFG_TARGET_GROUP, 3 }), "") == 0);
	CHECK(strcmp(rules_cfg_action_name(CFG_ACTION_FORWARD), "forward") == 0);
	CHECK(strcmp(rules_cfg_action_name(CFG_ACTION_DROP), "drop") == 0);
	CHECK(strcmp(rules_cfg_action_name(CFG_ACTION_COUNT), "count") == 0);
	CHECK(strcmp(rules_cfg_action_name((enum cfg_action)7), "unknown") == 0);
	cfg_free(&cfg);
}

static void
round_trip(const char *text, const char *what)
{
	char err[CFG_ERR_LEN], diff[128] = "";
	char *dump1, *dump2;
	bool eq;
	int rc;

	if (!load_ok(text, &cfg, what))
		return;
	dump1 = cfg_dump_json(&cfg);
	check(dump1 != NULL, "%s: cfg_dump_json", what);
	if (dump1 == NULL)
		goto out;
	rc = cfg_load_string(dump1, "dump.json", &cfg2, err);
	check(rc == 0, "%s: dump loads again%s%s", what, rc == 0 ? "" : ": ", rc == 0 ? "" : err);
	if (rc == 0) {
		eq = cfg_equal(&cfg, &cfg2, diff, sizeof(diff));
		check(eq, "%s: reloaded dump equals the original%s%s", what,
				eq ? "" : ", differs at ", diff);
		/* The args are copies, not shared pointers. */
		CHECK(cfg.eal.nb_args == 0 || cfg.eal.args[0] != cfg2.eal.args[0]);
		dump2 = cfg_dump_json(&cfg2);
		check(dump2 != NULL && strcmp(dump1, dump2) == 0, "%s: second dump is identical",
				what);
		free(dump2);
	}
	cfg_free(&cfg2);
	free(dump1);
out:
	cfg_free(&cfg);
}

static void
test_round_trip(void)
{
	char *dump;

	round_trip(minimal, "round trip minimal");
	round_trip(full, "round trip full");
	round_trip(capture, "round trip capture");
	round_trip("{ 'ports': [ { 'name': 'a', 'device': 'net_null0' },"
		   "             { 'name': 'b', 'device': 'net_null1' } ],"
		   "  'tcp_rtt': { 'enabled': true, 'ports': ['b'], 'flows': 1024,"
		   "    'idle_timeout_s': 5, 'ts_min_interval_ms': 0,"
		   "    'output': { 'path': '/tmp/rtt-{index}.json', 'rotate_bytes': 4096,"
		   "                'rotate_seconds': 60, 'max_files': 3, 'ring': 64 },"
		   "    'prefixes': [ { 'name': 'dc1', 'prefix': '10.1.0.0/16' },"
		   "                  { 'name': 'v6', 'prefix': '2001:db8::/32' } ] } }",
			"round trip tcp_rtt");
	round_trip("{ 'ports': [ { 'name': 'a', 'device': 'net_null0' },"
		   "             { 'name': 'b', 'device': 'net_null1' } ],"
		   "  'tcp_rtt': { 'enabled': true } }",
			"round trip tcp_rtt every port");
	round_trip("{ 'eal': { 'main_lcore': 5, 'args': [] },"
		   "  'ports': [ { 'name': 'a', 'device': '03:00.1', 'rx_queues': 3 },"
		   "             { 'name': 'b.2', 'device': 'net_ring0' } ],"
		   "  'rules': [ { 'in': ['b.2', 'a'], 'action': 'forward', 'out': 'a' } ] }",
			"round trip default lcores");
	round_trip("{ 'ports': [ { 'name': 'a', 'device': 'net_ring0', 'trailer': {"
		   "    'format': 'generic', 'fcs': 'auto', 'strip': true, 'use': 'outermost',"
		   "    'max_skew_s': 86400, 'layout': [ { 'kind': 'metamako' },"
		   "      { 'kind': 'fixed', 'len': 16, 'sec_off': 8, 'sec_size': 8, 'ns_off': 2,"
		   "        'ns_size': 4, 'fcs_before': false } ] } },"
		   "  { 'name': 'b', 'device': 'net_ring1', 'trailer': { 'format': 'avsp' } } ],"
		   "  'rules': [ { 'in': 'a', 'action': 'forward', 'out': 'b' } ] }",
			"round trip trailers");
	round_trip("{ 'ports': [ { 'name': 'a', 'device': 'net_ring0' },"
		   "             { 'name': 'b', 'device': 'net_ring1' } ],"
		   "  'outputs': [ { 'name': 'span', 'type': 'erspan3', 'port': 'b',"
		   "    'src_ip': '192.0.2.1', 'dst_ip': '192.0.2.9', 'dst_mac': '02:00:00:00:00:09',"
		   "    'id': 1023, 'ttl': 9, 'dscp': 46 },"
		   "    { 'name': 'vx', 'type': 'vxlan', 'port': 'b', 'src_ip': '10.0.0.1',"
		   "      'dst_ip': '10.0.0.2', 'dst_mac': '02-00-00-00-00-0a', 'id': 16777215,"
		   "      'dst_port': 8472 },"
		   "    { 'name': 'g', 'type': 'gre', 'port': 'a', 'src_ip': '10.0.0.1',"
		   "      'dst_ip': '10.0.0.2', 'dst_mac': '02:00:00:00:00:0b', 'id': 4294967295 },"
		   "    { 'name': 'cap', 'type': 'pcapng', 'path': 'x.pcapng' } ],"
		   "  'groups': [ { 'name': 'all', 'mode': 'replicate', 'members': ['span', 'vx', 'g', 'cap'] } ],"
		   "  'rules': [ { 'in': 'a', 'action': 'forward', 'out': 'all' } ] }",
			"round trip tunnels");
	round_trip("{ 'ports': [ { 'name': 'a', 'device': 'net_null0' },"
		   "             { 'name': 'b', 'device': 'net_null1' } ],"
		   "  'probes': [ { 'name': 'p0', 'port': 'a' },"
		   "    { 'name': 'v6', 'port': 'b', 'stream_id': 9, 'src_ip': 'fd00::1',"
		   "      'dst_ip': 'fd00::2', 'src_mac': '02:00:00:00:00:AA', 'vlan': 100,"
		   "      'sizes': 'imix', 'rate_bps': 1000000, 'count': 5, 'duration_s': 3,"
		   "      'flows': 8, 'payload': 'random', 'start': false,"
		   "      'impair': { 'drop_every': 10, 'duplicate_every': 7, 'swap_every': 5 } },"
		   "    { 'name': 'm', 'port': 'a', 'rate': 'max', 'sizes': [ 100, 9018 ] } ],"
		   "  'probe_rx': { 'enabled': true, 'ports': [ 'b' ], 'reflect': true,"
		   "               'udp_port': 9000, 'verbose': true } }",
			"round trip probes");
	round_trip("{ 'node': { 'id': 7, 'role': 'relay', 'relay_to': 'sp', 'listen_port': 5000,"
		   "    'reasm_timeout_ms': 250, 'reorder_ms': 40 },"
		   "  'ports': [ { 'name': 'a', 'device': 'net_ring0' },"
		   "             { 'name': 'b', 'device': 'net_ring1' } ],"
		   "  'outputs': [ { 'name': 'sp', 'type': 'stampede', 'port': 'b',"
		   "    'src_ip': '192.0.2.1', 'dst_ip': '192.0.2.9', 'dst_mac': '02:00:00:00:00:09',"
		   "    'description': 'edge 7 in' },"
		   "    { 'name': 'se', 'type': 'stampede', 'port': 'a', 'transport': 'ether',"
		   "      'dst_mac': '02:00:00:00:00:0a', 'dst_port': 9 } ],"
		   "  'rules': [ { 'in': 'a', 'action': 'forward', 'out': 'sp' } ] }",
			"round trip stampede outputs, relay node");
	if (load_ok("{ 'ports': [ { 'name': 'a', 'device': 'net_ring0' } ],"
		    "  'outputs': [ { 'name': 'sp', 'type': 'stampede', 'port': 'a',"
		    "    'src_ip': '192.0.2.1', 'dst_ip': '192.0.2.9', 'dst_mac': '02:00:00:00:00:09' } ],"
		    "  'rules': [ { 'action': 'forward', 'out': 'sp' } ] }",
			    &cfg, "stampede output defaults")) {
		CHECK(outputs_cfg_of(&cfg)->outputs[0].dst_port == 48879 &&
				outputs_cfg_of(&cfg)->outputs[0].tun.type == ENCAP_SPH_UDP &&
				outputs_cfg_of(&cfg)->outputs[0].transport == CFG_TRANSPORT_UDP &&
				cfg.node.role == CFG_ROLE_EDGE &&
				broker_cfg_of(&cfg)->listen_port == 48879);
	}
	cfg_free(&cfg);
	round_trip("{ 'ports': [ { 'name': 'a', 'device': 'net_ring0' } ],"
		   "  'outputs': [ { 'name': 'sp6', 'type': 'stampede', 'port': 'a',"
		   "    'src_ip': '2001:db8::7', 'dst_ip': '2001:db8:0:ffff:ffff:ffff:255.255.255.255',"
		   "    'dst_mac': '02:00:00:00:00:09', 'ttl': 9, 'dscp': 3 } ],"
		   "  'rules': [ { 'action': 'forward', 'out': 'sp6' } ] }",
			"round trip stampede output over IPv6 (longest literal form)");
	if (load_ok("{ 'ports': [ { 'name': 'a', 'device': 'net_ring0' } ],"
		    "  'outputs': [ { 'name': 'sp', 'type': 'stampede', 'port': 'a',"
		    "    'src_ip': '2001:db8::7', 'dst_ip': '2001:db8::9',"
		    "    'dst_mac': '02:00:00:00:00:09' } ],"
		    "  'rules': [ { 'action': 'forward', 'out': 'sp' } ] }",
			    &cfg, "stampede output over IPv6")) {
		CHECK(outputs_cfg_of(&cfg)->outputs[0].tun.type == ENCAP_SPH_UDP6 &&
				memcmp(outputs_cfg_of(&cfg)->outputs[0].tun.dst_ip6,
						"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x09",
						16) == 0 &&
				encap_hdr_len(outputs_cfg_of(&cfg)->outputs[0].tun.type) == 62);
	}
	cfg_free(&cfg);

	/* The dump writes every key, defaults included, lcores in their explicit form. */
	if (load_ok(minimal, &cfg, "minimal for dump keys")) {
		dump = cfg_dump_json(&cfg);
		CHECK(dump != NULL && strstr(dump, "\"mbuf_size\": 2176") != NULL);
		CHECK(dump != NULL && strstr(dump, "\"timestamp\": \"auto\"") != NULL);
		CHECK(dump != NULL && strstr(dump, "\"file_prefix\": \"stampede\"") != NULL);
		CHECK(dump != NULL && strstr(dump, "\"worker\": [") != NULL);
		CHECK(dump != NULL && strstr(dump, "\"queues\": [") != NULL);
		CHECK(dump != NULL && strstr(dump, "\"outputs\": []") != NULL);
		CHECK(dump != NULL && strstr(dump, "\"groups\": []") != NULL);
		free(dump);
	}
	cfg_free(&cfg);
	/* Output and rule defaults are written; drop and count rules get no forward-only key. */
	if (load_ok(capture, &cfg, "capture for dump keys")) {
		dump = cfg_dump_json(&cfg);
		CHECK(dump != NULL && strstr(dump, "\"ring\": 16384") != NULL);
		CHECK(dump != NULL && strstr(dump, "\"snaplen\": 262144") != NULL);
		CHECK(dump != NULL && strstr(dump, "\"rotate_bytes\": 0") != NULL);
		CHECK(dump != NULL && strstr(dump, "\"comments\": true") != NULL);
		CHECK(dump != NULL && strstr(dump, "\"mode\": \"first-up\"") != NULL);
		CHECK(dump != NULL && strstr(dump, "\"vlan\": \"keep\"") != NULL);
		CHECK(dump != NULL && strstr(dump, "\"continue\": false") != NULL);
		CHECK(dump != NULL &&
				strstr(dump,
						"\"filter\": \"tcp port 22\",\n      \"action\": "
						"\"drop\"\n    }") != NULL);
		free(dump);
	}
	cfg_free(&cfg);
}

/*
 * Every validator: a JSON text and the exact message it must produce. The macros keep the texts
 * short; the messages are written out in full.
 */
/* clang-format off */
#define P1 "'ports': [ { 'name': 'in', 'device': 'x' } ]"
#define P2 "'ports': [ { 'name': 'in', 'device': 'x' }, { 'name': 'out', 'device': 'y' } ]"
#define P2Q2 "'ports': [ { 'name': 'in', 'device': 'x', 'rx_queues': 2 }," \
	" { 'name': 'out', 'device': 'y' } ]"
#define FWD "'rules': [ { 'action': 'forward', 'out': 'out' } ]"
/* outputs[] and groups[]: a valid output "cap", one with extra keys, a group. */
#define OUT(outputs) "'outputs': [ " outputs " ]"
#define CAP "{ 'name': 'cap', 'type': 'pcapng', 'path': 'cap.pcapng' }"
#define CAPX(kv) "{ 'name': 'cap', 'type': 'pcapng', 'path': 'cap.pcapng', " kv " }"
#define GRP(groups) "'groups': [ " groups " ]"
#define G(name, mode, members) \
	"{ 'name': '" name "', 'mode': '" mode "', 'members': [ " members " ] }"
/* A port with one extra key. */
#define PX(kv) "'ports': [ { 'name': 'in', 'device': 'x', " kv " } ]"
/* lcores.rx[] entry, lcores.rx[].queues[] entry, the lcores object. */
#define RX(lc, queues) "{ 'lcore': " #lc ", 'queues': [ " queues " ] }"
#define Q(port, q) "{ 'port': '" port "', 'queue': " #q " }"
#define LC(rx, worker, tx) \
	"'lcores': { 'rx': [ " rx " ], 'worker': [ " worker " ], 'tx': [ " tx " ] }"
#define A8 "'a','a','a','a','a','a','a','a',"
#define D64 "0123456789012345678901234567890123456789012345678901234567890123"

static const struct {
	const char *text;
	const char *err;
} bad[] = {
	/* syntax, as jansson reports it */
	{ "{ 'ports': [ }", "cfg.json:1:14: unexpected token near '}'" },
	{ "{ 'burst': 1,\n  'burst': 2, " P1 " }",
		"cfg.json:2:9: duplicate object key near '\"burst\"'" },
	{ "", "cfg.json:1:0: unexpected token near end of file" },
	{ "{ 'ports': 'a\tb' }", "cfg.json:1:13: control character 0x9 near '\"a'" },
	{ "[1]", "cfg.json: (root): expected an object" },
	{ "5", "cfg.json: (root): expected an object" },

	/* unknown and missing keys */
	{ "{ 'port': [] }",
		"cfg.json: port: unknown key (allowed: node, eal, ports, outputs, groups, lcores, "
		"burst, idle_sleep_us, rings, mempool, rules, metrics, probes, probe_rx, tcp_rtt)" },
	{ "{ " PX("'rxq': 1") " }",
		"cfg.json: ports[0].rxq: unknown key (allowed: name, device, rx_queues, tx_queues, "
		"rx_desc, tx_desc, mtu, promiscuous, timestamp, clock, clock_bits, trailer)" },
	{ "{ 'eal': { 'huge': true }, " P1 " }",
		"cfg.json: eal.huge: unknown key (allowed: args, hugepages, file_prefix, "
		"memory_mb, main_lcore)" },
	{ "{ 'node': { 'name': 'x' }, " P1 " }",
		"cfg.json: node.name: unknown key (allowed: id, description, role, listen_port, relay_to, reasm_timeout_ms, reorder_ms, peers, auth)" },
	{ "{ " P1 ", 'rings': { 'rx': 64 } }",
		"cfg.json: rings.rx: unknown key (allowed: worker, tx)" },
	{ "{ " P1 ", 'mempool': { 'sz': 64 } }",
		"cfg.json: mempool.sz: unknown key (allowed: size, cache, mbuf_size)" },
	{ "{ " P1 ", 'lcores': { 'rx': [], 'workers': [1], 'tx': [1] } }",
		"cfg.json: lcores.workers: unknown key (allowed: rx, worker, tx)" },
	{ "{ " P1 ", " LC("{ 'lcore': 1, 'queue': [] }", "1", "1") " }",
		"cfg.json: lcores.rx[0].queue: unknown key (allowed: lcore, queues)" },
	{ "{ " P1 ", " LC(RX(1, "{ 'port': 'in', 'q': 0 }"), "1", "1") " }",
		"cfg.json: lcores.rx[0].queues[0].q: unknown key (allowed: port, queue)" },
	{ "{ " P1 ", 'rules': [ { 'action': 'forward', 'out': 'in', 'to': 'in' } ] }",
		"cfg.json: rules[0].to: unknown key (allowed: name, in, filter, action, out, "
		"continue, snaplen, vlan)" },
	/* keys that are not plain words are quoted so that the message stays one line */
	{ "{ 'node': { 'descr\\nption': 'x' }, " P1 " }",
		"cfg.json: node[\"descr\\nption\"]: unknown key (allowed: id, description, role, listen_port, relay_to, reasm_timeout_ms, reorder_ms, peers, auth)" },
	{ "{ 'my key': 1, " P1 " }",
		"cfg.json: [\"my key\"]: unknown key (allowed: node, eal, ports, outputs, groups, "
		"lcores, burst, idle_sleep_us, rings, mempool, rules, metrics, probes, probe_rx, tcp_rtt)" },
	{ "{ " P1 ", 'metrics': { 'listen': '127.0.0.1:9464' } }",
		"cfg.json: metrics.listen: \"127.0.0.1:9464\" is not an IPv4 or IPv6 address literal "
		"(e.g. \"127.0.0.1\", \"::1\", \"0.0.0.0\")" },
	{ "{ " P1 ", 'metrics': { 'port': 65536 } }",
		"cfg.json: metrics.port: 65536 is out of range [1..65535]" },
	{ "{ " P1 ", 'metrics': { 'enabled': 1 } }",
		"cfg.json: metrics.enabled: 1 is not a boolean" },
	{ "{ 'burst': 32 }", "cfg.json: ports: missing required key" },
	{ "{ 'ports': [ { 'name': 'in' } ] }", "cfg.json: ports[0].device: missing required key" },
	{ "{ 'ports': [ { 'device': 'x' } ] }", "cfg.json: ports[0].name: missing required key" },
	{ "{ " P1 ", 'lcores': { 'rx': [ " RX(1, Q("in", 0)) " ], 'tx': [1] } }",
		"cfg.json: lcores.worker: missing required key" },
	{ "{ " P1 ", " LC("{ 'queues': [] }", "1", "1") " }",
		"cfg.json: lcores.rx[0].lcore: missing required key" },
	{ "{ " P1 ", " LC(RX(1, "{ 'port': 'in' }"), "1", "1") " }",
		"cfg.json: lcores.rx[0].queues[0].queue: missing required key" },
	{ "{ " P1 ", 'rules': [ { 'out': 'in' } ] }",
		"cfg.json: rules[0].action: missing required key" },
	{ "{ " P1 ", 'rules': [ { 'action': 'forward' } ] }",
		"cfg.json: rules[0].out: missing required key (action \"forward\" needs it)" },

	/* types */
	{ "{ 'ports': {} }", "cfg.json: ports: {} is not an array" },
	{ "{ 'ports': [] }", "cfg.json: ports: empty array, at least one port is required" },
	{ "{ 'ports': [ 'in' ] }", "cfg.json: ports[0]: \"in\" is not an object" },
	{ "{ 'node': [], " P1 " }", "cfg.json: node: [] is not an object" },
	{ "{ " PX("'mtu': 'abc'") " }", "cfg.json: ports[0].mtu: \"abc\" is not an integer" },
	{ "{ " PX("'mtu': 1500.0") " }", "cfg.json: ports[0].mtu: 1500.0 is not an integer" },
	{ "{ " PX("'mtu': true") " }", "cfg.json: ports[0].mtu: true is not an integer" },
	{ "{ " PX("'promiscuous': 1") " }",
		"cfg.json: ports[0].promiscuous: 1 is not a boolean" },
	{ "{ 'eal': { 'hugepages': 'no' }, " P1 " }",
		"cfg.json: eal.hugepages: \"no\" is not a boolean" },
	{ "{ 'ports': [ { 'name': 5, 'device': 'x' } ] }",
		"cfg.json: ports[0].name: 5 is not a string" },
	{ "{ 'eal': { 'args': '--no-pci' }, " P1 " }",
		"cfg.json: eal.args: \"--no-pci\" is not an array" },
	{ "{ 'eal': { 'args': ['-a', 5] }, " P1 " }", "cfg.json: eal.args[1]: 5 is not a string" },
	{ "{ 'eal': { 'args': [" A8 A8 A8 A8 A8 A8 A8 A8 "'a'] }, " P1 " }",
		"cfg.json: eal.args: too many entries (65, max 64)" },

	/* ranges */
	{ "{ 'ports': [ { 'name': 'in', 'device': 'x' },"
		" { 'name': 'out', 'device': 'y', 'rx_queues': 0 } ] }",
		"cfg.json: ports[1].rx_queues: 0 is out of range [1..64]" },
	{ "{ " PX("'tx_queues': 65") " }",
		"cfg.json: ports[0].tx_queues: 65 is out of range [1..64]" },
	{ "{ " PX("'rx_desc': 63") " }",
		"cfg.json: ports[0].rx_desc: 63 is out of range [64..16384]" },
	{ "{ " PX("'tx_desc': 16385") " }",
		"cfg.json: ports[0].tx_desc: 16385 is out of range [64..16384]" },
	{ "{ " PX("'mtu': 9219") " }", "cfg.json: ports[0].mtu: 9219 is out of range [68..9218]" },
	{ "{ " PX("'mtu': 67") " }", "cfg.json: ports[0].mtu: 67 is out of range [68..9218]" },
	{ "{ " PX("'timestamp': 'ptp'") " }",
		"cfg.json: ports[0].timestamp: \"ptp\" is not one of auto, hw, sw, none" },
	{ "{ 'node': { 'id': 4294967296 }, " P1 " }",
		"cfg.json: node.id: 4294967296 is out of range [0..4294967295]" },
	{ "{ 'node': { 'id': -1 }, " P1 " }",
		"cfg.json: node.id: -1 is out of range [0..4294967295]" },
	{ "{ 'eal': { 'memory_mb': 1048577 }, " P1 " }",
		"cfg.json: eal.memory_mb: 1048577 is out of range [0..1048576]" },
	{ "{ 'eal': { 'main_lcore': 128 }, " P1 " }",
		"cfg.json: eal.main_lcore: 128 is out of range [0..127]" },
	{ "{ 'eal': { 'file_prefix': 'a/b' }, " P1 " }",
		"cfg.json: eal.file_prefix: \"a/b\" is not a valid name (1..63 characters from "
		"A-Z a-z 0-9 _ . -)" },
	{ "{ 'eal': { 'file_prefix': '..' }, " P1 " }",
		"cfg.json: eal.file_prefix: \"..\" names no directory of its own (it is a path "
		"component, not a name)" },
	{ "{ 'eal': { 'file_prefix': '.' }, " P1 " }",
		"cfg.json: eal.file_prefix: \".\" names no directory of its own (it is a path "
		"component, not a name)" },
	{ "{ 'eal': { 'file_prefix': '' }, " P1 " }",
		"cfg.json: eal.file_prefix: \"\" is not a valid name (1..63 characters from "
		"A-Z a-z 0-9 _ . -)" },
	{ "{ 'burst': 0, " P1 " }", "cfg.json: burst: 0 is out of range [1..64]" },
	{ "{ 'burst': 65, " P1 " }", "cfg.json: burst: 65 is out of range [1..64]" },
	{ "{ " P1 ", 'rings': { 'worker': 1000 } }",
		"cfg.json: rings.worker: 1000 is not a power of two in [64..65536]" },
	{ "{ " P1 ", 'rings': { 'tx': 32 } }",
		"cfg.json: rings.tx: 32 is not a power of two in [64..65536]" },
	{ "{ " P1 ", 'rings': { 'tx': 131072 } }",
		"cfg.json: rings.tx: 131072 is not a power of two in [64..65536]" },
	{ "{ " P1 ", 'mempool': { 'size': 1022 } }",
		"cfg.json: mempool.size: 1022 is out of range [1023..4194304]" },
	{ "{ " P1 ", 'mempool': { 'cache': 513 } }",
		"cfg.json: mempool.cache: 513 is out of range [0..512]" },
	{ "{ " P1 ", 'mempool': { 'mbuf_size': 1023 } }",
		"cfg.json: mempool.mbuf_size: 1023 is out of range [1024..10240]" },

	/* names and devices */
	{ "{ 'ports': [ { 'name': 'in put', 'device': 'x' } ] }",
		"cfg.json: ports[0].name: \"in put\" is not a valid name (1..31 characters from "
		"A-Z a-z 0-9 _ . -)" },
	{ "{ 'ports': [ { 'name': '0123456789012345678901234567890x', 'device': 'x' } ] }",
		"cfg.json: ports[0].name: \"0123456789012345678901234567890x\" is not a valid "
		"name (1..31 characters from A-Z a-z 0-9 _ . -)" },
	{ "{ 'ports': [ { 'name': 'in', 'device': 'x' }, { 'name': 'in', 'device': 'y' } ] }",
		"cfg.json: ports[1].name: \"in\" is already the name of ports[0]" },
	{ "{ 'ports': [ { 'name': 'in', 'device': '' } ] }",
		"cfg.json: ports[0].device: \"\" must not be empty" },
	{ "{ 'node': { 'description': '" D64 D64 "' }, " P1 " }",
		"cfg.json: node.description: \"" D64 "01234567890... is too long (128 bytes, "
		"max 127)" },
	{ "{ " P1 ", 'rules': [ { 'name': 'r', 'action': 'forward', 'out': 'in' },"
		" { 'name': 'r', 'action': 'forward', 'out': 'in' } ] }",
		"cfg.json: rules[1].name: \"r\" is already the name of rules[0]" },
	{ "{ " P1 ", 'rules': [ { 'action': 'forward', 'out': 'in' },"
		" { 'name': 'rule0', 'action': 'forward', 'out': 'in' } ] }",
		"cfg.json: rules[1].name: \"rule0\" is already the name of rules[0]" },

	/* rules */
	{ "{ " P2 ", 'rules': [ { 'action': 'forward', 'out': 'p9' } ] }",
		"cfg.json: rules[0].out: \"p9\" is not a port, output or group name (ports: in, "
		"out; outputs: none; groups: none)" },
	{ "{ " P2 ", " OUT(CAP) ", " GRP(G("g", "balance", "'in'")) ","
		" 'rules': [ { 'action': 'forward', 'out': 'p9' } ] }",
		"cfg.json: rules[0].out: \"p9\" is not a port, output or group name (ports: in, "
		"out; outputs: cap; groups: g)" },
	{ "{ " P2 ", 'rules': [ { 'action': 'mirror', 'out': 'out' } ] }",
		"cfg.json: rules[0].action: \"mirror\" is not one of forward, drop, count" },
	{ "{ " P2 ", 'rules': [ { 'action': 'forward', 'out': 5 } ] }",
		"cfg.json: rules[0].out: 5 is not a string" },
	{ "{ " P2 ", 'rules': [ { 'action': 'drop', 'out': 'out' } ] }",
		"cfg.json: rules[0].out: not allowed with action \"drop\": only forward rules send "
		"packets" },
	{ "{ " P2 ", 'rules': [ { 'action': 'count', 'out': 'out' } ] }",
		"cfg.json: rules[0].out: not allowed with action \"count\": only forward rules send "
		"packets" },
	{ "{ " P2 ", 'rules': [ { 'action': 'drop', 'continue': true } ] }",
		"cfg.json: rules[0].continue: not allowed with action \"drop\": a drop rule always "
		"ends the evaluation" },
	{ "{ " P2 ", 'rules': [ { 'action': 'count', 'continue': true } ] }",
		"cfg.json: rules[0].continue: not allowed with action \"count\": a count rule never "
		"ends the evaluation" },
	{ "{ " P2 ", 'rules': [ { 'action': 'count', 'continue': false } ] }",
		"cfg.json: rules[0].continue: not allowed with action \"count\": a count rule never "
		"ends the evaluation" },
	{ "{ " P2 ", 'rules': [ { 'action': 'drop', 'snaplen': 128 } ] }",
		"cfg.json: rules[0].snaplen: not allowed with action \"drop\": only forward rules "
		"send packets" },
	{ "{ " P2 ", 'rules': [ { 'action': 'count', 'vlan': 'keep' } ] }",
		"cfg.json: rules[0].vlan: not allowed with action \"count\": only forward rules "
		"send packets" },
	{ "{ " P2 ", 'rules': [ { 'action': 'forward', 'out': 'out', 'continue': 1 } ] }",
		"cfg.json: rules[0].continue: 1 is not a boolean" },
	{ "{ " P2 ", 'rules': [ { 'action': 'forward', 'out': 'out', 'snaplen': 59 } ] }",
		"cfg.json: rules[0].snaplen: 59 is out of range [0, 60..65535]" },
	{ "{ " P2 ", 'rules': [ { 'action': 'forward', 'out': 'out', 'snaplen': 65536 } ] }",
		"cfg.json: rules[0].snaplen: 65536 is out of range [0, 60..65535]" },
	{ "{ " P2 ", 'rules': [ { 'action': 'forward', 'out': 'out', 'snaplen': -1 } ] }",
		"cfg.json: rules[0].snaplen: -1 is out of range [0, 60..65535]" },
	{ "{ " P2 ", 'rules': [ { 'action': 'forward', 'out': 'out', 'vlan': 'pop' } ] }",
		"cfg.json: rules[0].vlan: \"pop\" is not one of keep, strip" },
	{ "{ " P2 ", 'rules': [ { 'action': 'count', 'filter': 80 } ] }",
		"cfg.json: rules[0].filter: 80 is not a string" },
	{ "{ " P2 ", 'rules': [ { 'action': 'count' }, { 'action': 'count' },"
		" { 'filter': 'tcp prot 80', 'action': 'drop' } ] }",
		"cfg.json: rules[2].filter: \"tcp prot 80\" does not compile: can't parse filter "
		"expression: syntax error" },
	{ "{ " P2 ", 'rules': [ { 'filter': 'udp port 99999', 'action': 'count' } ] }",
		"cfg.json: rules[0].filter: \"udp port 99999\" does not compile: illegal port "
		"number 99999 > 65535" },
	{ "{ " P2 ", 'rules': [ { 'filter': '" D64 D64 D64 D64 D64 D64 D64 D64 D64 D64 D64 D64
		D64 D64 D64 D64 "', 'action': 'count' } ] }",
		"cfg.json: rules[0].filter: \"" D64 "01234567890... is too long (1024 bytes, "
		"max 1023)" },

	/* outputs */
	{ "{ " P1 ", 'outputs': {} }", "cfg.json: outputs: {} is not an array" },
	{ "{ " P1 ", 'outputs': [ 'cap' ] }", "cfg.json: outputs[0]: \"cap\" is not an object" },
	{ "{ " P1 ", " OUT("{ 'name': 'cap', 'type': 'pcapng', 'path': 'x', 'rotate': 1 }") " }",
		"cfg.json: outputs[0].rotate: unknown key (allowed: name, type, path, "
		"rotate_bytes, rotate_seconds, max_files, ring, snaplen, comments, durable, sync_ms, writers, port, src_ip, dst_ip, dst_mac, "
		"id, ttl, dscp, dst_port, transport, description, reliable, resend_window_s, "
		"resend_buffer_pkts, spool)" },
	{ "{ " P1 ", " OUT("{ 'type': 'pcapng', 'path': 'x' }") " }",
		"cfg.json: outputs[0].name: missing required key" },
	{ "{ " P1 ", " OUT("{ 'name': 'cap', 'path': 'x' }") " }",
		"cfg.json: outputs[0].type: missing required key" },
	{ "{ " P1 ", " OUT("{ 'name': 'cap', 'type': 'pcapng' }") " }",
		"cfg.json: outputs[0].path: missing required key" },
	{ "{ " P1 ", " OUT("{ 'name': 'cap', 'type': 'pcap', 'path': 'x' }") " }",
		"cfg.json: outputs[0].type: \"pcap\" is not one of pcapng, erspan3, vxlan, gre, stampede" },
	{ "{ " P1 ", " OUT("{ 'name': 'c p', 'type': 'pcapng', 'path': 'x' }") " }",
		"cfg.json: outputs[0].name: \"c p\" is not a valid name (1..31 characters from "
		"A-Z a-z 0-9 _ . -)" },
	{ "{ " P1 ", " OUT("{ 'name': 'cap', 'type': 'pcapng', 'path': '' }") " }",
		"cfg.json: outputs[0].path: \"\" must not be empty" },
	{ "{ " P1 ", " OUT("{ 'name': 'cap', 'type': 'pcapng', 'path': 'a\\tb' }") " }",
		"cfg.json: outputs[0].path: \"a\\tb\" must not contain control characters" },
	{ "{ " P1 ", " OUT("{ 'name': 'cap', 'type': 'pcapng', 'path': 'a\\u007f' }") " }",
		"cfg.json: outputs[0].path: \"a?\" must not contain control characters" },
	{ "{ " P1 ", " OUT("{ 'name': 'cap', 'type': 'pcapng', 'path': 'a\\u0000' }") " }",
		"cfg.json:1:113: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"a\\u0000\"'" },
	{ "{ " P1 ", " OUT("{ 'name': 'cap', 'type': 'pcapng', 'path': '" D64 D64 D64 D64 "' }")
		" }",
		"cfg.json: outputs[0].path: \"" D64 "01234567890... is too long (256 bytes, max "
		"255)" },
	{ "{ " P1 ", " OUT(CAPX("'rotate_bytes': 4095")) " }",
		"cfg.json: outputs[0].rotate_bytes: 4095 is out of range [0, "
		"4096..1125899906842624]" },
	{ "{ " P1 ", " OUT(CAPX("'rotate_bytes': 1125899906842625")) " }",
		"cfg.json: outputs[0].rotate_bytes: 1125899906842625 is out of range [0, "
		"4096..1125899906842624]" },
	{ "{ " P1 ", " OUT(CAPX("'rotate_seconds': 31536001")) " }",
		"cfg.json: outputs[0].rotate_seconds: 31536001 is out of range [0..31536000]" },
	{ "{ " P1 ", " OUT(CAPX("'max_files': 1000001")) " }",
		"cfg.json: outputs[0].max_files: 1000001 is out of range [0..1000000]" },
	{ "{ " P1 ", " OUT(CAPX("'ring': 1000")) " }",
		"cfg.json: outputs[0].ring: 1000 is not a power of two in [64..1048576]" },
	{ "{ " P1 ", " OUT(CAPX("'ring': 32")) " }",
		"cfg.json: outputs[0].ring: 32 is not a power of two in [64..1048576]" },
	{ "{ " P1 ", " OUT(CAPX("'ring': 2097152")) " }",
		"cfg.json: outputs[0].ring: 2097152 is not a power of two in [64..1048576]" },
	{ "{ " P1 ", " OUT(CAPX("'snaplen': 59")) " }",
		"cfg.json: outputs[0].snaplen: 59 is out of range [60..262144]" },
	{ "{ " P1 ", " OUT(CAPX("'snaplen': 0")) " }",
		"cfg.json: outputs[0].snaplen: 0 is out of range [60..262144]" },
	{ "{ " P1 ", " OUT(CAPX("'snaplen': 262145")) " }",
		"cfg.json: outputs[0].snaplen: 262145 is out of range [60..262144]" },
	{ "{ " P1 ", " OUT(CAPX("'comments': 'yes'")) " }",
		"cfg.json: outputs[0].comments: \"yes\" is not a boolean" },
	{ "{ " P1 ", 'outputs': [ " CAP "," CAP "," CAP "," CAP "," CAP "," CAP "," CAP "," CAP ","
		CAP "," CAP "," CAP "," CAP "," CAP "," CAP "," CAP "," CAP "," CAP " ] }",
		"cfg.json: outputs: too many entries (17, max 16)" },

	/* one namespace for ports, outputs and groups */
	{ "{ " P2 ", " OUT("{ 'name': 'out', 'type': 'pcapng', 'path': 'x' }") " }",
		"cfg.json: outputs[0].name: \"out\" is already the name of ports[1]" },
	{ "{ " P1 ", " OUT(CAP ", " CAP) " }",
		"cfg.json: outputs[1].name: \"cap\" is already the name of outputs[0]" },
	{ "{ " P1 ", " GRP(G("in", "balance", "'in'")) " }",
		"cfg.json: groups[0].name: \"in\" is already the name of ports[0]" },
	{ "{ " P1 ", " OUT(CAP) ", " GRP(G("cap", "balance", "'in'")) " }",
		"cfg.json: groups[0].name: \"cap\" is already the name of outputs[0]" },
	{ "{ " P1 ", " GRP(G("g", "balance", "'in'") ", " G("g", "replicate", "'in'")) " }",
		"cfg.json: groups[1].name: \"g\" is already the name of groups[0]" },

	/* groups */
	{ "{ " P1 ", 'groups': 'g' }", "cfg.json: groups: \"g\" is not an array" },
	{ "{ " P1 ", " GRP("{ 'name': 'g', 'mode': 'balance', 'members': ['in'], 'hash': 1 }")
		" }",
		"cfg.json: groups[0].hash: unknown key (allowed: name, mode, members)" },
	{ "{ " P1 ", " GRP("{ 'name': 'g', 'members': ['in'] }") " }",
		"cfg.json: groups[0].mode: missing required key" },
	{ "{ " P1 ", " GRP("{ 'name': 'g', 'mode': 'balance' }") " }",
		"cfg.json: groups[0].members: missing required key" },
	{ "{ " P1 ", " GRP("{ 'mode': 'balance', 'members': ['in'] }") " }",
		"cfg.json: groups[0].name: missing required key" },
	{ "{ " P1 ", " GRP(G("g", "hash", "'in'")) " }",
		"cfg.json: groups[0].mode: \"hash\" is not one of balance, replicate, first-up" },
	{ "{ " P1 ", " GRP(G("g", "balance", "")) " }",
		"cfg.json: groups[0].members: empty array, at least one member is required" },
	{ "{ " P1 ", " GRP("{ 'name': 'g', 'mode': 'balance', 'members': 'in' }") " }",
		"cfg.json: groups[0].members: \"in\" is not an array" },
	{ "{ " P1 ", " GRP(G("g", "balance", "'in', 5")) " }",
		"cfg.json: groups[0].members[1]: 5 is not a string" },
	{ "{ " P2 ", " OUT(CAP) ", " GRP(G("g", "balance", "'in', 'x'")) " }",
		"cfg.json: groups[0].members[1]: \"x\" is not a port or output name (ports: in, "
		"out; outputs: cap)" },
	{ "{ " P2 ", " GRP(G("g", "balance", "'x'")) " }",
		"cfg.json: groups[0].members[0]: \"x\" is not a port or output name (ports: in, "
		"out; outputs: none)" },
	{ "{ " P2 ", " GRP(G("g0", "balance", "'in'") ", " G("g1", "replicate", "'out', 'g0'"))
		" }",
		"cfg.json: groups[1].members[1]: \"g0\" is groups[0], and groups do not nest "
		"(members are ports or outputs)" },
	{ "{ " P2 ", " GRP(G("g0", "balance", "'g1'") ", " G("g1", "replicate", "'out'")) " }",
		"cfg.json: groups[0].members[0]: \"g1\" is groups[1], and groups do not nest "
		"(members are ports or outputs)" },
	{ "{ " P2 ", " GRP(G("g", "balance", "'g'")) " }",
		"cfg.json: groups[0].members[0]: \"g\" is groups[0], and groups do not nest "
		"(members are ports or outputs)" },
	{ "{ " P2 ", " OUT(CAP) ", " GRP(G("g", "replicate", "'in', 'cap', 'out', 'cap'")) " }",
		"cfg.json: groups[0].members[3]: \"cap\" is already listed at groups[0].members[1]" },
	{ "{ " P1 ", " GRP(G("g", "balance", A8 A8 "'in'")) " }",
		"cfg.json: groups[0].members: too many entries (17, max 16)" },
	{ "{ " P2 ", 'rules': [ { 'in': ['in', 'x'], 'action': 'forward', 'out': 'out' } ] }",
		"cfg.json: rules[0].in[1]: \"x\" is not a port name (ports: in, out)" },
	{ "{ " P2 ", 'rules': [ { 'in': 'x', 'action': 'forward', 'out': 'out' } ] }",
		"cfg.json: rules[0].in: \"x\" is not a port name (ports: in, out)" },
	{ "{ " P2 ", 'rules': [ { 'in': [], 'action': 'forward', 'out': 'out' } ] }",
		"cfg.json: rules[0].in: empty array, at least one port is required (omit \"in\" "
		"to match every port)" },
	{ "{ " P2 ", 'rules': {} }", "cfg.json: rules: {} is not an array" },

	/* lcores */
	{ "{ " P1 ", " LC(RX(0, Q("in", 0)), "1", "1") " }",
		"cfg.json: lcores.rx[0].lcore: 0 is eal.main_lcore, which runs the control "
		"thread" },
	{ "{ 'eal': { 'main_lcore': 3 }, " P1 ", " LC(RX(1, Q("in", 0)), "1", "2, 3") " }",
		"cfg.json: lcores.tx[1]: 3 is eal.main_lcore, which runs the control thread" },
	{ "{ " P1 ", " LC(RX(128, ""), "1", "1") " }",
		"cfg.json: lcores.rx[0].lcore: 128 is out of range [0..127]" },
	{ "{ " P1 ", " LC(RX(1, Q("in", 0)), "2, 3, 2", "1") " }",
		"cfg.json: lcores.worker[2]: lcore 2 is already listed at lcores.worker[0]" },
	{ "{ " P2Q2 ", " LC(RX(1, Q("in", 0)) ", " RX(1, Q("in", 1)), "1", "1") " }",
		"cfg.json: lcores.rx[1].lcore: lcore 1 is already listed at lcores.rx[0]" },
	{ "{ " P1 ", " LC("", "1", "1") " }",
		"cfg.json: lcores.rx: empty array, at least one RX lcore is required" },
	{ "{ " P1 ", " LC(RX(1, Q("in", 0)), "", "1") " }",
		"cfg.json: lcores.worker: empty array, at least one worker lcore is required" },
	{ "{ " P1 ", " LC(RX(1, ""), "1", "1") " }",
		"cfg.json: lcores.rx[0].queues: empty array, at least one queue is required" },
	{ "{ " P2 ", " LC(RX(1, Q("in", 0)) ", " RX(2, Q("out", 0) ", " Q("in", 0)), "1", "1")
		" }",
		"cfg.json: lcores.rx[1].queues[1]: port \"in\" queue 0 is already polled by "
		"lcore 1" },
	{ "{ " P2Q2 ", " LC(RX(1, Q("in", 0) ", " Q("out", 0)), "1", "1") " }",
		"cfg.json: lcores.rx: port \"in\" queue 1 is not polled by any lcore" },
	{ "{ " P2 ", " LC(RX(1, Q("in", 1)), "1", "1") " }",
		"cfg.json: lcores.rx[0].queues[0].queue: 1 is out of range [0..0] (port \"in\" "
		"has rx_queues 1)" },
	{ "{ " P2 ", " LC(RX(1, Q("in", -1)), "1", "1") " }",
		"cfg.json: lcores.rx[0].queues[0].queue: -1 is out of range [0..0] (port \"in\" "
		"has rx_queues 1)" },
	{ "{ " P2 ", " LC(RX(1, "{ 'port': 'in', 'queue': '0' }"), "1", "1") " }",
		"cfg.json: lcores.rx[0].queues[0].queue: \"0\" is not an integer" },
	{ "{ " P2 ", " LC(RX(1, Q("nope", 0)), "1", "1") " }",
		"cfg.json: lcores.rx[0].queues[0].port: \"nope\" is not a port name (ports: in, "
		"out)" },
	{ "{ " P2 ", " LC(RX(1, Q("in", 0) ", " Q("out", 0)), "1", "1, 2") ", " FWD " }",
		"cfg.json: ports[1].tx_queues: 1 is fewer than the 2 TX lcores (lcores.tx): port "
		"\"out\" is the output of rules[0] and each TX lcore needs its own queue" },
	{ "{ " P2 ", " LC(RX(1, Q("in", 0) ", " Q("out", 0)), "1", "1, 2") ", "
		GRP(G("g", "balance", "'out'")) ","
		" 'rules': [ { 'action': 'count' }, { 'action': 'forward', 'out': 'g' } ] }",
		"cfg.json: ports[1].tx_queues: 1 is fewer than the 2 TX lcores (lcores.tx): port "
		"\"out\" is a member of groups[0], the output of rules[1], and each TX lcore needs "
		"its own queue" },
	{ "{ 'eal': { 'main_lcore': 127 }, " P1 " }",
		"cfg.json: lcores: absent, and the default lcore (eal.main_lcore + 1 = 128) is out "
		"of range [0..127]" },
	{ "{ 'ports': [ { 'name': 'a', 'device': 'x', 'rx_queues': 64 },"
		" { 'name': 'b', 'device': 'y' } ] }",
		"cfg.json: lcores: absent, and one lcore cannot poll all 65 rx queues (max 64): "
		"list lcores explicitly" },
};

/* Only the ports a rule sends to need a TX queue per TX lcore. */
static const char *two_tx_no_rule =
	"{ " P2 ", " LC(RX(1, Q("in", 0) ", " Q("out", 0)), "1", "1, 2") ", 'rules': [] }";
/* ... directly or through a group: outputs and groups no rule uses need none. */
static const char *two_tx_outputs =
	"{ " P2 ", " LC(RX(1, Q("in", 0) ", " Q("out", 0)), "1", "1, 2") ", " OUT(CAP) ", "
	GRP(G("caps", "replicate", "'cap'") ", " G("unused", "balance", "'in', 'out'")) ","
	" 'rules': [ { 'action': 'forward', 'out': 'cap', 'continue': true },"
	" { 'action': 'forward', 'out': 'caps' }, { 'action': 'drop' } ] }";
/* Accepted edge values: a rule sending back out of its own port, range ends, 0 = off. */
static const char *edges =
	"{ " P2 ", 'outputs': [ { 'name': 'cap', 'type': 'pcapng', 'path': '" D64 D64 D64
	"012345678901234567890123456789012345678901234567890123456789012', 'rotate_bytes': 0,"
	" 'ring': 1048576, 'snaplen': 262144 },"
	" { 'name': 'cap2', 'type': 'pcapng', 'path': 'c', 'rotate_bytes': 1125899906842624,"
	" 'ring': 64, 'rotate_seconds': 0, 'max_files': 0 } ],"
	" 'groups': [ { 'name': 'g', 'mode': 'first-up', 'members': [ 'in', 'out' ] } ],"
	" 'rules': [ { 'in': 'in', 'action': 'forward', 'out': 'in', 'snaplen': 60 },"
	" { 'filter': '', 'action': 'forward', 'out': 'g', 'snaplen': 0, 'continue': false },"
	" { 'filter': 'vlan and tcp[13] & 2 != 0', 'action': 'count' } ] }";
/* clang-format on */

static void
test_validators(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		load_err(bad[i].text, bad[i].err);

	if (load_ok(two_tx_no_rule, &cfg, "two TX lcores, no output port"))
		CHECK(cfg.nb_lcores == 2);
	cfg_free(&cfg);
	if (load_ok(two_tx_outputs, &cfg, "two TX lcores, outputs and an unused group"))
		CHECK(rules_cfg_of(&cfg)->nb_groups == 2 &&
				rules_cfg_of(&cfg)->rules[1].out.kind == CFG_TARGET_GROUP);
	cfg_free(&cfg);
	if (load_ok(edges, &cfg, "edge values")) {
		CHECK(strlen(outputs_cfg_of(&cfg)->outputs[0].path) == 255);
		CHECK(outputs_cfg_of(&cfg)->outputs[0].ring_size == 1048576 &&
				outputs_cfg_of(&cfg)->outputs[0].snaplen == 262144);
		CHECK(outputs_cfg_of(&cfg)->outputs[1].rotate_bytes == UINT64_C(1) << 50);
		CHECK(rules_cfg_of(&cfg)->rules[0].out.kind == CFG_TARGET_PORT &&
				rules_cfg_of(&cfg)->rules[0].out_port == 0);
		CHECK(rules_cfg_of(&cfg)->rules[0].in_mask == 0x1 &&
				rules_cfg_of(&cfg)->rules[0].snaplen == 60);
		CHECK(strcmp(rules_cfg_of(&cfg)->rules[1].filter, "") == 0 &&
				rules_cfg_of(&cfg)->rules[1].out.idx == 0);
	}
	cfg_free(&cfg);
	round_trip(edges, "round trip edge values");
}

static void
test_is_pci(void)
{
	static const struct {
		const char *device;
		bool pci;
	} cases[] = {
		{ "0000:03:00.0", true },
		{ "03:00.0", true },
		{ "0000:AF:1f.7,txq_inline_max=128", true },
		{ "af:00.1,x=y", true },
		{ "net_af_packet0,iface=stp-in", false },
		{ "net_pcap0,rx_pcap=in.pcap", false },
		{ "03:00.0x", false },
		{ "03:00.8", false },
		{ "0000:03:00", false },
		{ "000:03:00.0", false },
	};
	char text[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "{ 'ports': [ { 'name': 'p', 'device': '%s' } ] }",
				cases[i].device);
		if (load_ok(text, &cfg, cases[i].device))
			check(cfg.ports[0].is_pci == cases[i].pci, "%s: is_pci %d", cases[i].device,
					cases[i].pci);
		cfg_free(&cfg);
	}
}

static void
test_lookups(void)
{
	const char *errf_want = "cfg.json: ports[1].mtu: 9000 is more than the device's max 1500";
	char err[CFG_ERR_LEN];
	int rc;

	if (load_ok(full, &cfg, "full config for lookups")) {
		CHECK(cfg_port_by_name(&cfg, "in") == 0);
		CHECK(cfg_port_by_name(&cfg, "out") == 1);
		CHECK(cfg_port_by_name(&cfg, "nope") == -1);
		CHECK(cfg_port_by_name(&cfg, "") == -1);
		CHECK(cfg_lcore_find(&cfg, 3) == &cfg.lcores[2]);
		CHECK(cfg_lcore_find(&cfg, 1) != NULL &&
				cfg_lcore_find(&cfg, 1)->roles == (CFG_ROLE_RX | CFG_ROLE_TX));
		CHECK(cfg_lcore_find(&cfg, 0) == NULL);
		CHECK(cfg_lcore_find(&cfg, 5) == NULL);
		rc = cfg_errf(&cfg, err, "ports[1].mtu", "%u is more than the device's max %u",
				9000, 1500);
		CHECK(rc == -EINVAL);
		CHECK(strcmp(err, errf_want) == 0);
	}
	cfg_free(&cfg);
	CHECK(strcmp(cfg_ts_mode_name(CFG_TS_AUTO), "auto") == 0);
	CHECK(strcmp(cfg_ts_mode_name(CFG_TS_HW), "hw") == 0);
	CHECK(strcmp(cfg_ts_mode_name(CFG_TS_SW), "sw") == 0);
	CHECK(strcmp(cfg_ts_mode_name(CFG_TS_NONE), "none") == 0);

	/* A file that cannot be read, and cfg_free() twice. */
	rc = cfg_load("/nonexistent/stampede.json", &cfg, err);
	CHECK(rc == -ENOENT);
	CHECK(strcmp(err, "/nonexistent/stampede.json: cannot read: No such file or directory") ==
			0);
	cfg_free(&cfg);
	cfg_free(&cfg);
	rc = cfg_load("/", &cfg, err);
	CHECK(rc == -EISDIR);
	CHECK(strcmp(err, "/: cannot read: Is a directory") == 0);
}

int
main(void)
{
	cfg_use_sections(stp_features_cfg());
	test_minimal_defaults();
	test_default_lcores();
	test_full();
	test_capture();
	test_round_trip();
	test_validators();
	test_is_pci();
	test_lookups();
	return unit_done();
}
