/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_BROKER_CMDS_H
#define STP_BROKER_CMDS_H

/**
 * @file
 * What the broker feature shows and takes from operators (views.c, cmds.c): its console view
 * "show nodes", its own commands (show nodes NODE, replay OUTPUT [FILE]), its telemetry
 * endpoint and Prometheus families (struct stp_feature_ui).
 */

#include <stdio.h>

#include <cmdline_parse.h>
#include <jansson.h>

#include "feature.h"

/** Render the broker's view @p v ({"enabled": false} when off) as "show nodes" prints it. */
void broker_render(const json_t *v, FILE *f);

/** Its console commands (struct stp_feature_ui.cmds), NULL-terminated. */
extern cmdline_parse_inst_t *const broker_cmds[];

/** The broker's ui: struct stp_feature.ui of stp_feature_broker. */
extern const struct stp_feature_ui broker_ui;

#endif /* STP_BROKER_CMDS_H */
