/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * stampede: wiring only. EAL, config, ports, pipeline, lcores, control loop, shutdown, in a
 * straight line that unwinds in reverse on failure.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_version.h>

#include "cfg.h"
#include "cfg_section.h"
#include "clock.h"
#include "console.h"
#include "feature.h"
#include "ctl.h"
#include "metrics.h"
#include "outputs_cfg.h"
#include "pipeline.h"
#include "pkt.h"
#include "port.h"

#define STAMPEDE_VERSION "0.1.0"
/* Time the control loop sleeps between checks while a console, a file input or a device clock
 * needs it often. */
#define CTL_PERIOD_US 10000
/*
 * Otherwise nothing it does is due more often than once a second: it sleeps until the next
 * thing due, at most this long (a stop signal is seen within it). With 2 lcores on 2 CPUs the
 * main lcore shares a CPU with a datapath lcore and each wake-up takes that CPU from it:
 * forward.sh -r scale counted ~100 wake-ups a second with the 10 ms period (testpmd's main
 * lcore: 1).
 */
#define CTL_IDLE_US 100000
/* How long the drain at stop may take before what is queued is freed and counted. */
#define DRAIN_TIMEOUT_MS 2000
/* With --exit-on-eof: quiet time of the file inputs after they end (looped-back packets come
 * home meanwhile); then the drain at stop takes what is still in flight out. */
#define EOF_QUIET_MS 200

extern const char stp_default_config[];

static volatile sig_atomic_t quit_signal;

static void
on_signal(int sig)
{
	quit_signal = sig;
}

struct opts {
	const char *config;
	bool interactive;
	bool check;
	bool dump;
	bool verbose;
	bool exit_on_eof;
	double stats_period;
	double duration;
	const char *stats_json;
	/* The features' exit files (struct stp_cli_out) asked for: their paths, NULL if not. */
	unsigned int nb_outs;
	const struct stp_cli_out *outs[STP_MAX_CLI_OUTS];
	const char *out_path[STP_MAX_CLI_OUTS];
	const char *cmdline_file;   /* --cmdline-file */
	const char *console_socket; /* --console-socket */
	bool metrics_set;	    /* --metrics given: overrides the config's metrics section */
	struct cfg_metrics metrics;
	int nb_extra;
	char **extra;
};

/* The features' exit files (struct stp_cli_out), in registry order; their count. */
static unsigned int
cli_outs(const struct stp_cli_out **outs)
{
	unsigned int n = 0;

	for (const struct stp_feature *const *fp = stp_features; *fp != NULL; fp++)
		for (const struct stp_cli_out *c = (*fp)->cli_outs; c != NULL && c->name != NULL;
				c++)
			if (n < STP_MAX_CLI_OUTS)
				outs[n++] = c;
	return n;
}

static void
usage(FILE *f, const char *prog)
{
	const struct stp_cli_out *outs[STP_MAX_CLI_OUTS];
	unsigned int n = cli_outs(outs);

	fprintf(f,
			"Usage: %s [-c FILE] [-i] [options] [-- EAL args]\n"
			"  -c, --config FILE     JSON configuration (default: the embedded demo config)\n"
			"  -i, --interactive     run the console (prompt \"stampede> \")\n"
			"      --cmdline-file F  run the console commands in F (then -i, if given)\n"
			"      --console-socket PATH\n"
			"                        serve the console on a UNIX socket (scripts/stampede-cli)\n"
			"      --stats-period S  print a status line every S seconds\n"
			"      --stats-json FILE write the final counters as JSON at exit\n",
			prog);
	for (unsigned int i = 0; i < n; i++) {
		const char *h = outs[i]->help;

		fprintf(f, "      --%s FILE\n", outs[i]->name);
		while (*h != '\0') {
			size_t len = strcspn(h, "\n");

			fprintf(f, "                        %.*s\n", (int)len, h);
			h += len + (h[len] == '\n');
		}
	}
	fprintf(f,
			"      --duration S      stop gracefully after S seconds\n"
			"      --exit-on-eof     stop when every pcap input file has been read\n"
			"      --metrics A:P     serve Prometheus metrics on address A port P (0: any)\n"
			"      --check           validate the configuration and exit\n"
			"      --dump-config     print the configuration as JSON (defaults filled) and exit\n"
			"  -v, --verbose         debug logging\n"
			"      --version         print the version and exit\n"
			"  -h, --help            this help\n");
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	enum {
		O_STATS_PERIOD = 256,
		O_STATS_JSON,
		O_DURATION,
		O_EOF,
		O_CHECK,
		O_DUMP,
		O_VERSION,
		O_METRICS,
		O_CMDLINE_FILE,
		O_CONSOLE_SOCKET,
		O_OUT, /* O_OUT + i: the features' exit file i (o->outs[i]) */
	};
	static const struct option core_lopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "stats-period", required_argument, NULL, O_STATS_PERIOD },
		{ "stats-json", required_argument, NULL, O_STATS_JSON },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "exit-on-eof", no_argument, NULL, O_EOF },
		{ "check", no_argument, NULL, O_CHECK },
		{ "dump-config", no_argument, NULL, O_DUMP },
		{ "version", no_argument, NULL, O_VERSION },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "cmdline-file", required_argument, NULL, O_CMDLINE_FILE },
		{ "console-socket", required_argument, NULL, O_CONSOLE_SOCKET },
	};
	struct option lopts[RTE_DIM(core_lopts) + STP_MAX_CLI_OUTS + 1];
	unsigned int nl = RTE_DIM(core_lopts);
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	memset(lopts, 0, sizeof(lopts));
	memcpy(lopts, core_lopts, sizeof(core_lopts));
	o->nb_outs = cli_outs(o->outs);
	for (unsigned int i = 0; i < o->nb_outs; i++)
		lopts[nl++] = (struct option){ o->outs[i]->name, required_argument, NULL,
			O_OUT + (int)i };
	while ((c = getopt_long(argc, argv, "c:ivh", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'i':
			o->interactive = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			exit(0);
		case O_STATS_PERIOD:
		case O_DURATION: {
			double v = strtod(optarg, &end);

			if (*end != '\0' || v <= 0 || v > 1e7) {
				fprintf(stderr, "%s: --%s: \"%s\" is not a number of seconds > 0\n",
						argv[0],
						c == O_DURATION ? "duration" : "stats-period",
						optarg);
				return -EINVAL;
			}
			if (c == O_DURATION)
				o->duration = v;
			else
				o->stats_period = v;
			break;
		}
		case O_STATS_JSON:
			o->stats_json = optarg;
			break;
		case O_EOF:
			o->exit_on_eof = true;
			break;
		case O_CHECK:
			o->check = true;
			break;
		case O_DUMP:
			o->dump = true;
			break;
		case O_METRICS: {
			char err[CFG_ERR_LEN];

			if (metrics_parse_listen(optarg, &o->metrics, err, sizeof(err)) != 0) {
				fprintf(stderr, "%s: %s\n", argv[0], err);
				return -EINVAL;
			}
			o->metrics_set = true;
			break;
		}
		case O_CMDLINE_FILE:
			o->cmdline_file = optarg;
			break;
		case O_CONSOLE_SOCKET:
			o->console_socket = optarg;
			break;
		case O_VERSION:
			printf("stampede %s (%s)\n", STAMPEDE_VERSION, rte_version());
			exit(0);
		default:
			if (c >= O_OUT && c < O_OUT + (int)o->nb_outs) {
				o->out_path[c - O_OUT] = optarg;
				break;
			}
			usage(stderr, argv[0]);
			return -EINVAL;
		}
	}
	o->nb_extra = argc - optind;
	o->extra = &argv[optind];
	return 0;
}

/* Whether a port's device clock is sampled (port_clock_tick(), every 100 ms). */
static bool
any_device_clock(const struct port_set *ps)
{
	for (unsigned int i = 0; i < ps->nb; i++)
		if (ps->ports[i].ts_src == PKT_TS_HW && ps->ports[i].hw_readable)
			return true;
	return false;
}

/* The control loop on the main lcore: clocks, status lines, stop conditions, console. */
static void
control_loop(struct stp_pipeline *pl, struct port_set *ps, const struct opts *o,
		struct console *con)
{
	const uint64_t hz = rte_get_timer_hz();
	const uint64_t start = rte_get_timer_cycles();
	uint64_t next_tick = start + hz, next_stats = 0, last_stats = start,
		 next_clock = start + hz;
	uint64_t last_rx = 0, quiet_since = 0;
	struct stp_lcore_stats prev;
	bool eof_watch = o->exit_on_eof && port_has_pcap_input(ps);
	const bool often = con != NULL || eof_watch || any_device_clock(ps);
	const uint64_t end = o->duration > 0 ? start + (uint64_t)(o->duration * (double)hz) : 0;

	memset(&prev, 0, sizeof(prev));
	if (o->stats_period > 0)
		next_stats = start + (uint64_t)(o->stats_period * (double)hz);
	if (o->exit_on_eof && !eof_watch)
		fprintf(stderr, "stampede: --exit-on-eof: no port reads a pcap file; ignored\n");

	while (quit_signal == 0) {
		uint64_t now;

		if (con != NULL) {
			if (console_poll(con) != 0)
				break;
		}
		if (often) {
			rte_delay_us_sleep(CTL_PERIOD_US);
		} else {
			/* Until the next second's work, status line or the end of --duration. */
			uint64_t due = RTE_MIN(next_tick, next_clock), sleep_us;

			if (next_stats != 0)
				due = RTE_MIN(due, next_stats);
			if (end != 0)
				due = RTE_MIN(due, end);
			now = rte_get_timer_cycles();
			sleep_us = due > now ? (due - now) * 1000000 / hz : 0;
			/* Not below 1 ms: a due time just missed is handled right after. */
			sleep_us = RTE_MIN(sleep_us, (uint64_t)CTL_IDLE_US);
			rte_delay_us_sleep((unsigned int)RTE_MAX(sleep_us, (uint64_t)1000));
		}
		now = rte_get_timer_cycles();
		/* A rejected clock sample (preempted in every try) is retried next iteration. */
		if (now >= next_clock)
			next_clock = now + (clock_tsc_tick() == 0 ? hz : 0);
		/* NIC clocks are sampled every 100 ms (each port keeps its own schedule). */
		port_clock_tick(ps);
		if (now >= next_tick) {
			stp_pipeline_tick(pl);
			next_tick = now + hz;
		}
		if (next_stats != 0 && now >= next_stats) {
			if (con != NULL)
				console_status(con, pl, &prev, (double)(now - last_stats) / hz);
			else
				stp_stats_line(pl, &prev, (double)(now - last_stats) / hz, stdout);
			last_stats = now;
			next_stats = now + (uint64_t)(o->stats_period * (double)hz);
		}
		if (end != 0 && now >= end)
			break;
		if (eof_watch) {
			struct stp_lcore_stats s;

			uint64_t file_rx = 0;

			/* Only the file inputs count: a live port that always receives (net_null)
			 * never goes quiet. Their packets still in flight leave at the drain. */
			stp_stats_sum(pl, &s);
			for (unsigned int p = 0; p < PORT_MAX; p++)
				if (pl->file_port[p])
					file_rx += s.port_rx[p];
			if (!port_pcap_all_eof(ps, s.port_rx)) {
				quiet_since = 0;
			} else if (file_rx != last_rx || quiet_since == 0) {
				last_rx = file_rx;
				quiet_since = now;
			} else if (now - quiet_since >= hz * EOF_QUIET_MS / 1000) {
				break;
			}
		}
	}
}

/*
 * A file stampede writes at the end of a run (or opens later): its directory must exist and be
 * writable now, so a bad path fails at start, not after a long run. @p what names the option
 * or JSON path in the message. A path with strftime or {index} fields in its directory part is
 * only known when written: not checked.
 */
static int
check_out_path(const char *what, const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	struct stat st;

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (strpbrk(dir, "%{") != NULL)
		return 0;
	if (stat(dir, &st) != 0) {
		fprintf(stderr, "stampede: %s %s: directory %s: %s\n", what, path, dir,
				strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "stampede: %s %s: %s is not a directory\n", what, path, dir);
		return -1;
	}
	if (access(dir, W_OK | X_OK) != 0) {
		fprintf(stderr, "stampede: %s %s: directory %s: %s\n", what, path, dir,
				strerror(errno));
		return -1;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "stampede: %s %s: is a directory\n", what, path);
		return -1;
	}
	return 0;
}

/* Every output file of the run, checked before anything starts (and by --check). */
static int
check_out_paths(const struct stp_config *cfg, const struct opts *o)
{
	char what[64];
	int rc = 0;

	if (o->stats_json != NULL)
		rc |= check_out_path("--stats-json", o->stats_json);
	for (unsigned int i = 0; i < o->nb_outs; i++) {
		if (o->out_path[i] == NULL)
			continue;
		snprintf(what, sizeof(what), "--%s", o->outs[i]->name);
		rc |= check_out_path(what, o->out_path[i]);
	}
	for (unsigned int i = 0; i < outputs_cfg_of(cfg)->nb_outputs; i++) {
		if (outputs_cfg_of(cfg)->outputs[i].type != CFG_OUTPUT_PCAPNG ||
				outputs_cfg_of(cfg)->outputs[i].path[0] == '\0')
			continue;
		snprintf(what, sizeof(what), "outputs[%u].path", i);
		rc |= check_out_path(what, outputs_cfg_of(cfg)->outputs[i].path);
	}
	for (unsigned int k = 0; k < cfg->nb_sections; k++) {
		const struct cfg_section *s = cfg->sections[k];
		const char *key = "", *path;

		path = s->out_file != NULL ? s->out_file(cfg_section_get(cfg, s), &key) : NULL;
		if (path != NULL)
			rc |= check_out_path(key, path);
	}
	return rc != 0 ? -EINVAL : 0;
}

/* The EAL's file prefix: the last --file-prefix of its arguments (extra ones come last). */
static const char *
eal_prefix(int argc, char **argv, const char *dflt)
{
	const char *p = dflt;

	for (int i = 0; i < argc; i++) {
		if (strncmp(argv[i], "--file-prefix=", 14) == 0)
			p = argv[i] + 14;
		else if (strcmp(argv[i], "--file-prefix") == 0 && i + 1 < argc)
			p = argv[++i];
	}
	return p;
}

/*
 * After rte_eal_init() failed: the usual cause with a good config is another primary process
 * on the same file prefix, which holds a write lock on the prefix's "config" file. Name it.
 */
static void
report_prefix_owner(const char *prefix)
{
	const char *base = "/var/run";
	char path[4096];
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
	int fd;

	/* Where the EAL puts its runtime dir (eal_create_runtime_dir()). */
	if (getuid() != 0) {
		base = getenv("XDG_RUNTIME_DIR");
		if (base == NULL)
			base = "/tmp";
	}
	snprintf(path, sizeof(path), "%s/dpdk/%s/config", base, prefix);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		fprintf(stderr,
				"stampede: file prefix %s is in use by PID %d (its lock on %s); give "
				"this instance another eal.file_prefix\n",
				prefix, (int)fl.l_pid, path);
	close(fd);
}

int
main(int argc, char **argv)
{
	static struct stp_config cfg;
	static struct port_set ports;
	static struct stp_pipeline pl;
	char err[CFG_ERR_LEN];
	struct console *con = NULL;
	struct ctl *ctl = NULL;
	struct opts o;
	char **eal_argv = NULL, **eal_argv_init = NULL;
	int eal_argc = 0, rc, ret = 1;

	if (parse_opts(argc, argv, &o) != 0)
		return 1;

	/* The features' config sections, from the registry, before the config is read. */
	cfg_use_sections(stp_features_cfg());
	if (o.config != NULL)
		rc = cfg_load(o.config, &cfg, err);
	else
		rc = cfg_load_string(stp_default_config, "default.json (embedded)", &cfg, err);
	if (rc != 0) {
		fprintf(stderr, "%s\n", err);
		goto out_cfg;
	}
	/* Not for --dump-config: a config may be dumped on another machine than it runs on. */
	if (!o.dump && check_out_paths(&cfg, &o) != 0)
		goto out_cfg;
	if (o.check) {
		printf("ok\n");
		ret = 0;
		goto out_cfg;
	}
	if (o.dump) {
		char *s = cfg_dump_json(&cfg);

		if (s != NULL)
			printf("%s\n", s);
		free(s);
		ret = s != NULL ? 0 : 1;
		goto out_cfg;
	}
	if (o.metrics_set) {
		/* The address only: metrics.tls and metrics.basic_auth stay as configured. */
		cfg.metrics.enabled = true;
		memcpy(cfg.metrics.listen, o.metrics.listen, sizeof(cfg.metrics.listen));
		cfg.metrics.port = o.metrics.port;
	}

	rc = port_precheck(&cfg, err);
	if (rc != 0) {
		fprintf(stderr, "%s\n", err);
		goto out_cfg;
	}
	eal_argc = port_eal_args(&cfg, argv[0], o.nb_extra, o.extra, &eal_argv);
	if (eal_argc < 0) {
		fprintf(stderr, "stampede: out of memory\n");
		goto out_cfg;
	}
	if (o.verbose) {
		for (int i = 0; i < eal_argc; i++)
			fprintf(stderr, "%s%s", i ? " " : "EAL args: ", eal_argv[i]);
		fprintf(stderr, "\n");
	}
	/* rte_eal_init() permutes and overwrites its argv: hand it a copy of the array. */
	eal_argv_init = calloc(eal_argc + 1, sizeof(char *));
	if (eal_argv_init == NULL) {
		fprintf(stderr, "stampede: out of memory\n");
		goto out_args;
	}
	memcpy(eal_argv_init, eal_argv, eal_argc * sizeof(char *));
	rc = rte_eal_init(eal_argc, eal_argv_init);
	if (rc < 0) {
		report_prefix_owner(eal_prefix(eal_argc, eal_argv, cfg.eal.file_prefix));
		fprintf(stderr,
				"stampede: EAL initialisation failed%s%s (EAL messages above say why; a "
				"ports[].device naming an unknown driver gives \"No such device\")%s\n",
				/* Some EAL failures leave rte_errno 0: no "Success" then. */
				rte_errno != 0 ? ": " : "",
				rte_errno != 0 ? rte_strerror(rte_errno) : "",
				cfg.eal.hugepages ?
						" (eal.hugepages is true: reserve hugepages with "
						"\"echo 512 > /proc/sys/vm/nr_hugepages\" and mount "
						"hugetlbfs on /dev/hugepages, or set eal.hugepages "
						"false)" :
						"");
		goto out_args;
	}
	if (o.verbose)
		rte_log_set_level_pattern("user.stampede.*", RTE_LOG_DEBUG);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	/* Before the ports start: a hardware timestamp field registered then must fit beside it. */
	rc = pkt_meta_register();
	if (rc != 0) {
		fprintf(stderr, "stampede: cannot register mbuf metadata: %s\n", rte_strerror(-rc));
		goto out_eal;
	}
	clock_tsc_start();
	rc = port_setup(&cfg, &ports, err);
	if (rc != 0) {
		fprintf(stderr, "%s\n", err);
		goto out_ports;
	}
	/* -v: what each feature turns on (the probes print every packet's timestamps). */
	if (o.verbose)
		stp_features_verbose(&cfg);
	rc = stp_pipeline_create(&pl, &cfg, &ports, err);
	if (rc != 0) {
		fprintf(stderr, "%s\n", err);
		goto out_pipeline;
	}
	ctl = ctl_create(&pl);
	if (ctl == NULL) {
		fprintf(stderr, "stampede: out of memory\n");
		goto out_pipeline;
	}
	if (o.interactive || o.cmdline_file != NULL || o.console_socket != NULL) {
		struct console_conf cc = {
			.interactive = o.interactive,
			.file = o.cmdline_file,
			.socket_path = o.console_socket,
		};

		con = console_create(&cc, ctl, err);
		if (con == NULL) {
			fprintf(stderr, "stampede: %s\n", err);
			goto out_ctl;
		}
	}
	printf("stampede: running on %u lcores, %u ports (%s to stop)\n", pl.nb_lcores, ports.nb,
			o.interactive ? "\"quit\"" : "Ctrl-C");
	fflush(stdout);
	rc = metrics_start(&pl, STAMPEDE_VERSION, err);
	if (rc != 0) {
		fprintf(stderr, "%s\n", err);
		goto out_console;
	}
	if (metrics_url()[0] != '\0')
		printf("stampede: metrics at %s\n", metrics_url());
	fflush(stdout);
	rc = stp_pipeline_launch(&pl);
	if (rc != 0)
		goto out_metrics;
	/* Sessions start once the lcores run: a command file's first command sees traffic. */
	if (con != NULL && console_start(con, err) != 0)
		fprintf(stderr, "stampede: %s\n", err);

	control_loop(&pl, &ports, &o, con);

	/* No operator command runs while the pipeline drains. */
	console_destroy(con);
	con = NULL;
	/* Readers of the counters let go before the pipeline stops and the outputs close. */
	metrics_stop();
	stp_pipeline_stop(&pl, DRAIN_TIMEOUT_MS);
	printf("stampede: stopped%s; final counters:\n",
			quit_signal ? (quit_signal == SIGINT ? " (SIGINT)" : " (SIGTERM)") : "");
	stp_stats_print(&pl, true, stdout);
	fflush(stdout);
	ret = 0;
	/* A final write that fails is a failed run: the operator asked for that file. */
	if (o.stats_json != NULL) {
		rc = stp_stats_json(&pl, o.stats_json);
		if (rc < 0) {
			fprintf(stderr, "stampede: --stats-json: cannot write %s: %s\n",
					o.stats_json, strerror(-rc));
			ret = 1;
		}
	}
	/* The features' exit files (e.g. the probes' --latency-json), after the counters. */
	for (unsigned int i = 0; i < o.nb_outs; i++) {
		char what[64];

		if (o.out_path[i] == NULL)
			continue;
		snprintf(what, sizeof(what), "--%s", o.outs[i]->name);
		rc = o.outs[i]->write(&pl, o.out_path[i]);
		/* -ENOENT: nothing to write, or the directory went away during the run. */
		if (rc == -ENOENT && check_out_path(what, o.out_path[i]) == 0) {
			fprintf(stderr, "stampede: %s: %s\n", what, o.outs[i]->none);
		} else if (rc < 0) {
			fprintf(stderr, "stampede: %s: cannot write %s: %s\n", what, o.out_path[i],
					strerror(-rc));
			ret = 1;
		}
	}

out_metrics:
	metrics_stop();
out_console:
	console_destroy(con);
out_ctl:
	ctl_destroy(ctl);
out_pipeline:
	stp_pipeline_destroy(&pl);
out_ports:
	port_teardown(&ports);
out_eal:
	rte_eal_cleanup();
out_args:
	free(eal_argv_init);
	port_eal_args_free(eal_argc, eal_argv);
out_cfg:
	cfg_free(&cfg);
	return ret;
}
