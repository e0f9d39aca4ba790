/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_PROBE_DROPS_H
#define STP_PROBE_DROPS_H

/**
 * @file
 * Drop reasons of the probe feature (source.c, stage.c).
 * (id, name, description): declared in this folder's meson.build (stp_feature_drops), from
 * which the build puts them in the one list every view shows (lib/pipeline/drops.h).
 */

#include "reflect.h"

#define STP_PROBE_DROPS(_)                                                                    \
	_(IMPAIR, "impair_drop", "dropped by a probe stream's impairment (test/lab feature)") \
	PROBE_FOREACH_REFL_DROP(_) /* the reflector's refusals, listed in lib/probe/reflect.h */

#endif /* STP_PROBE_DROPS_H */
