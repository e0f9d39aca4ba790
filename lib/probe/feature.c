/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The probe feature (latency probes and STAMP) as the registry sees it: one struct
 * stp_feature over its parts, the receiver/reflector worker stage (stage.c), the generator
 * polled on TX lcores (source.c) and the control thread's side (control.c), which share the
 * probe runtime (probe_rt.h) in this feature's fpriv slot.
 */

#include <stdio.h>

#include "probe_rt.h"

unsigned int probe_k;

/*
 * The stage runs whenever the config has probes (a generator's streams come back to it) or
 * probe_rx; the generator, on TX lcores, when this instance sends streams. The generator's
 * errors keep the name they had as a feature of their own.
 */
static int
probe_init(struct stp_pipeline *pl)
{
	int rc;

	probe_k = pl->feat_k;
	rc = probe_stage_init(pl);
	if (rc != 0)
		return rc;
	snprintf(pl->err_path, sizeof(pl->err_path), "probe_generator");
	rc = probe_source_init(pl);
	if (rc < 0)
		return rc;
	snprintf(pl->err_path, sizeof(pl->err_path), "probe");
	return 0;
}

/* The TX lcores poll the generator, when there is one (probe_source_init() returned 0). */
static bool
probe_poll_on(const struct stp_lcore *lc)
{
	const struct stp_probe_rt *rt = stp_probe_rt(lc->pl);

	return rt != NULL && rt->nb_gen > 0 && (lc->roles & CFG_ROLE_TX);
}

/* Every feature's fini runs, even when its init did not: free only what this one made. */
static void
probe_fini(struct stp_pipeline *pl)
{
	if (stp_probe_rt(pl) != NULL)
		stp_probe_rt_free(pl);
}

/* The data view: the keys "probes", "probe_rx" and "latency" of --stats-json. */
static json_t *
probe_view(const struct stp_pipeline *pl)
{
	if (stp_probe_rt(pl) == NULL)
		return NULL;
	return json_pack("{s:o, s:o, s:o}", "probes", stp_probe_streams_json(pl), "probe_rx",
			stp_probe_rx_json(pl), "latency", stp_probe_latency_json(pl, NULL));
}

/* --latency-json FILE: every stream's histograms, the streams named even when none measured. */
static int
probe_latency_json(const struct stp_pipeline *pl, const char *path)
{
	return stp_probe_save(pl, "all", path, true);
}

static const struct stp_cli_out probe_cli_outs[] = {
	{
			.name = "latency-json",
			.help = "write every probe stream's latency histogram at exit\n"
				"({\"streams\":[{name,stream_id,direction,histogram}]})",
			.none = "no probe was measured",
			.write = probe_latency_json,
	},
	{ .name = NULL },
};

/* -v also prints every probe's timestamps (probe_rx.verbose). */
static void
probe_verbose(struct stp_config *cfg)
{
	if (probe_cfg_rw(cfg) != NULL)
		probe_cfg_rw(cfg)->probe_rx.verbose = true;
}

const struct stp_feature stp_feature_probe = {
	.name = "probe",
	.init = probe_init,
	.burst = probe_burst,
	.poll = probe_source_poll,
	.poll_on = probe_poll_on,
	.tick = stp_probe_tick,
	.view = probe_view,
	.fini = probe_fini,
	.ui = &probe_ui,
	.cfg = &probe_cfg_section,
	.cli_outs = probe_cli_outs,
	.verbose = probe_verbose,
};
