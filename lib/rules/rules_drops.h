/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_RULES_DROPS_H
#define STP_RULES_DROPS_H

/**
 * @file
 * Drop reasons of the rules feature (stage_rules.c): what the rules decided, then what
 * delivering to the ports they chose refused.
 * (id, name, description): declared in this folder's meson.build (stp_feature_drops), from
 * which the build puts them in the one list every view shows (lib/pipeline/drops.h).
 */

/** The rules decided the packet goes nowhere. */
#define STP_RULES_DROPS_MATCH(_)                                                \
	_(NO_RULE, "no_rule", "no rule sent the packet anywhere")               \
	_(RULE_DROP, "rule_drop", "a drop rule matched")                        \
	_(NO_MEMBER, "group_no_member_up", "a first-up group had no member up") \
	_(OUTPUT_PAUSED, "output_paused", "its only destination was a stopped capture output")

/** A port the rules chose cannot take the packet. */
#define STP_RULES_DROPS_DELIVER(_)                                                           \
	_(MTU_EXCEEDED, "mtu_exceeded", "frame longer than the output port's MTU allows")    \
	_(TX_MULTISEG, "tx_multiseg", "multi-segment frame for a port without multi-seg TX") \
	_(CLONE_FAILED, "clone_failed", "no mbuf left to replicate the packet to a port")

#endif /* STP_RULES_DROPS_H */
