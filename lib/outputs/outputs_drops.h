/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_OUTPUTS_DROPS_H
#define STP_OUTPUTS_DROPS_H

/**
 * @file
 * Drop reasons of the outputs feature (outputs.c, and the rules stage's delivery to
 * capture and tunnel outputs).
 * (id, name, description): declared in this folder's meson.build (stp_feature_drops), from
 * which the build puts them in the one list every view shows (lib/pipeline/drops.h).
 */

#define STP_OUTPUTS_DROPS(_)                                                                   \
	_(CAPTURE_RING_FULL, "capture_ring_full", "the capture writer's ring was full")        \
	_(CAPTURE_WRITE_ERROR, "capture_write_error", "the capture file could not be written") \
	_(ENCAP_NO_MBUF, "encap_no_mbuf", "no mbuf for a tunnel's copy of a shared packet")    \
	_(ENCAP_TOO_BIG, "encap_too_big", "tunnelled frame longer than its port's MTU allows")

#endif /* STP_OUTPUTS_DROPS_H */
