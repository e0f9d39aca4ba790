/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * A test-only LD_PRELOAD shim that lets a test step CLOCK_REALTIME and set the kernel's TAI
 * offset for one process, without touching the machine's clock (which needs CAP_SYS_TIME and
 * would disturb everything else running):
 *
 *   STPSIM_RT_STEP=<after_s>:<step_ns>  from <after_s> seconds after the process started,
 *                                       CLOCK_REALTIME reads <step_ns> (signed) more;
 *   STPSIM_TAI=<s>                      adjtimex() / ntp_adjtime() report a TAI offset of <s>.
 *
 * The simulated NIC (stpsim.c) finds stpsim_shim_now() when the shim is loaded: its device
 * clock follows the unstepped clock, the truth it writes into frames the stepped one.
 */

#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/timex.h>
#include <time.h>

typedef int (*gettime_fn)(clockid_t, struct timespec *);
typedef int (*adjtimex_fn)(struct timex *);

static gettime_fn real_gettime;
static uint64_t start_raw, step_after_ns;
static int64_t step_ns;
static long tai = -1;

static uint64_t
ts_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
}

/*
 * Resolve the real clock_gettime before anything calls it: the constructor may run after
 * other code (a sanitizer runtime's own start-up) has called clock_gettime already.
 */
static void
shim_resolve(void)
{
	if (real_gettime == NULL)
		real_gettime = (gettime_fn)(uintptr_t)dlsym(RTLD_NEXT, "clock_gettime");
}

__attribute__((constructor)) static void
shim_init(void)
{
	const char *s = getenv("STPSIM_RT_STEP"), *t = getenv("STPSIM_TAI");
	struct timespec ts;

	shim_resolve();
	real_gettime(CLOCK_MONOTONIC_RAW, &ts);
	start_raw = ts_ns(&ts);
	if (s != NULL) {
		char *end;
		double after = strtod(s, &end);

		if (*end == ':') {
			step_after_ns = (uint64_t)(after * 1e9);
			step_ns = strtoll(end + 1, NULL, 0);
		}
	}
	if (t != NULL)
		tai = strtol(t, NULL, 0);
}

static int64_t
shim_offset(void)
{
	struct timespec ts;

	if (step_ns == 0)
		return 0;
	shim_resolve();
	real_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return ts_ns(&ts) - start_raw >= step_after_ns ? step_ns : 0;
}

void stpsim_shim_now(uint64_t *real, uint64_t *stepped);

void
stpsim_shim_now(uint64_t *real, uint64_t *stepped)
{
	struct timespec ts;

	shim_resolve();
	real_gettime(CLOCK_REALTIME, &ts);
	*real = ts_ns(&ts);
	*stepped = *real + (uint64_t)shim_offset();
}

int
clock_gettime(clockid_t clk, struct timespec *ts)
{
	int rc;
	int64_t off;

	shim_resolve();
	rc = real_gettime(clk, ts);
	if (rc != 0 || (clk != CLOCK_REALTIME && clk != CLOCK_REALTIME_COARSE))
		return rc;
	off = shim_offset();
	if (off != 0) {
		uint64_t ns = ts_ns(ts) + (uint64_t)off;

		ts->tv_sec = (time_t)(ns / 1000000000ULL);
		ts->tv_nsec = (long)(ns % 1000000000ULL);
	}
	return rc;
}

static int
shim_adjtimex(const char *name, struct timex *tx)
{
	adjtimex_fn real = (adjtimex_fn)(uintptr_t)dlsym(RTLD_NEXT, name);
	int rc = real(tx);

	if (rc >= 0 && tai >= 0)
		tx->tai = (int)tai;
	return rc;
}

int
adjtimex(struct timex *tx)
{
	return shim_adjtimex("adjtimex", tx);
}

int
ntp_adjtime(struct timex *tx)
{
	return shim_adjtimex("ntp_adjtime", tx);
}
