/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_TRAILER_CFG_H
#define STP_TRAILER_CFG_H

/**
 * @file
 * The switch trailers' configuration section (cfg.c): the key "trailer" of each ports[] entry,
 * its block in struct stp_config and its accessor. config/README.md documents the keys.
 */

#include <stdint.h>

#include "cfg.h"
#include "trailer.h"

/** The section's block: one trailer spec per entry of ports[] (format none when absent). */
struct trailer_cfg {
	/**
	 * ports[i].trailer, e.g. { "format": "metamako", "fcs": "absent", "strip": true,
	 * "use": "innermost", "max_skew_s": 0, "layout": [] }; format "none" (the default)
	 * leaves the port's own stamps.
	 */
	struct trailer_spec ports[CFG_MAX_PORTS];
};

/** The section (lib/cfg/cfg_section.h), named by the trailers feature's .cfg. */
extern const struct cfg_section trailer_cfg_section;

/**
 * ports[@p port].trailer of a loaded config: a spec of format none when the port has no
 * trailer, the config was not loaded with the section, or @p port is out of range.
 */
const struct trailer_spec *trailer_cfg_of(const struct stp_config *cfg, uint16_t port);

#endif /* STP_TRAILER_CFG_H */
