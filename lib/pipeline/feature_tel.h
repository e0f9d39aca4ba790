/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

#ifndef STP_FEATURE_TEL_H
#define STP_FEATURE_TEL_H

/**
 * @file
 * Telemetry columns: an array under a key of a telemetry dict, one value per row, as every
 * stampede endpoint that lists things (ports, rules, outputs) answers. lib/metrics and the
 * features that answer their own endpoint (struct stp_feature_ui.telemetry_fill) use them.
 * Header-inline: features are built into lib/pipeline, below lib/metrics.
 */

#include <errno.h>

#include <rte_telemetry.h>

/** Add column @p name of @p n integers to dict @p d. 0, -ENOMEM or -ENOSPC. */
static inline int
stp_tel_col_u64(struct rte_tel_data *d, const char *name, const uint64_t *v, unsigned int n)
{
	struct rte_tel_data *c = rte_tel_data_alloc();

	if (c == NULL)
		return -ENOMEM;
	rte_tel_data_start_array(c, RTE_TEL_U64_VAL);
	for (unsigned int i = 0; i < n; i++)
		rte_tel_data_add_array_u64(c, v[i]);
	if (rte_tel_data_add_dict_container(d, name, c, 0) != 0) {
		rte_tel_data_free(c);
		return -ENOSPC;
	}
	return 0;
}

/** Add column @p name of @p n strings to dict @p d. 0, -ENOMEM or -ENOSPC. */
static inline int
stp_tel_col_str(struct rte_tel_data *d, const char *name, const char *const *v, unsigned int n)
{
	struct rte_tel_data *c = rte_tel_data_alloc();

	if (c == NULL)
		return -ENOMEM;
	rte_tel_data_start_array(c, RTE_TEL_STRING_VAL);
	for (unsigned int i = 0; i < n; i++)
		rte_tel_data_add_array_string(c, v[i]);
	if (rte_tel_data_add_dict_container(d, name, c, 0) != 0) {
		rte_tel_data_free(c);
		return -ENOSPC;
	}
	return 0;
}

#endif /* STP_FEATURE_TEL_H */
