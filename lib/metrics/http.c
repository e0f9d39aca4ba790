/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The Prometheus endpoint on libmicrohttpd (MHD): GET /metrics (any query string) answers the
 * text format; 404 for any other path, 405 (Allow: GET) for any other method; MHD itself answers
 * 400 to what does not parse and 431 to a request head over HTTP_MEMORY_LIMIT. Every answer has
 * a Content-Length and Connection: close.
 *
 * Why MHD and not a hand-written loop: it serves many connections at once, each with its own
 * timeout (HTTP_TIMEOUT_S), so idle or slow clients no longer delay a scrape (issue 21: behind 20
 * idle connections the old one-at-a-time server took 37 s); it speaks TLS through GnuTLS; and it
 * is maintained and fuzzed by others.
 *
 * Threads: HTTP_THREADS MHD threads (each polls the listening socket and its own connections
 * with epoll) are created from a short-lived EAL control thread, so they inherit the control
 * threads' CPU set, never a datapath lcore's CPU. They read counters exactly as the telemetry
 * threads do (metrics_prometheus_text(): a snapshot under the control-plane mutex, relaxed loads
 * of the per-lcore counters); the datapath neither locks nor waits for them.
 *
 * Optional TLS (metrics.tls: PEM certificate and key, read into memory at start) and HTTP basic
 * auth (metrics.basic_auth: one user, a crypt(3) hash checked with libxcrypt's crypt_rn() and
 * compared in constant time). A wrong or missing credential gets 401 with WWW-Authenticate.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <crypt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <rte_lcore.h>

#include "metrics.h"
#include "metrics_priv.h"

#define HTTP_THREADS 2		/* a scrape is served while another one is being built */
#define HTTP_CONN_LIMIT 64	/* connections at once; more are refused at accept */
#define HTTP_TIMEOUT_S 5	/* an idle or silent connection is closed after this */
#define HTTP_MEMORY_LIMIT 16384 /* per connection: request line and headers (~300 bytes) */
#define HTTP_MAX_PEM (1u << 20) /* certificate chain or key file */
#define HTTP_REALM "stampede"	/* WWW-Authenticate realm */
#define HTTP_CTYPE "text/plain; version=0.0.4; charset=utf-8"
/* TLS 1.2 and 1.3 only: every Prometheus and curl of the last years speaks them. */
#define HTTP_TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

static struct {
	struct MHD_Daemon *d; /* NULL: not running */
	char url[112];	      /* "http(s)://ADDR:PORT/metrics" */
	char *cert, *key;     /* PEM text; MHD reads them for the daemon's whole life */
	bool auth;
	char user[CFG_NAME_LEN];
	char hash[CFG_AUTH_HASH_LEN];
	char last_err[160]; /* MHD's last log line, for start-up errors */
} http;

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[sizeof(http.last_err)];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	memcpy(http.last_err, line, sizeof(line));
	MT_LOG(DEBUG, "http: %s", line);
}

/* Equal strings, in a time that depends on their lengths only, not on where they differ. */
static bool
ct_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return d == 0;
}

/* Whether the request carries the configured user and a password matching the hash. */
static bool
authorized(struct MHD_Connection *c)
{
	char *pass = NULL;
	char *user = MHD_basic_auth_get_username_password(c, &pass);
	struct crypt_data *cd = NULL;
	bool ok = false;

	if (user == NULL || pass == NULL)
		goto out;
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		goto out;
	{
		/* crypt_rn: NULL on failure (and not gcc 12 ASan's broken crypt_r interceptor). */
		const char *h = crypt_rn(pass, http.hash, cd, (int)sizeof(*cd));
		/* Both compared whatever the first says, so the time tells nothing of either. */
		bool user_ok = ct_equal(user, http.user);
		bool pass_ok = h != NULL && h[0] == '$' && ct_equal(h, http.hash);

		ok = user_ok && pass_ok;
	}
out:
	if (cd != NULL) {
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
	}
	if (pass != NULL) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user != NULL)
		MHD_free(user);
	return ok;
}

static enum MHD_Result
queue(struct MHD_Connection *c, unsigned int status, struct MHD_Response *r)
{
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
respond_text(struct MHD_Connection *c, unsigned int status, const char *reason, const char *allow)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%u %s\n", status, reason);
	struct MHD_Response *r =
			MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	return queue(c, status, r);
}

/*
 * One request, answered as soon as its head has arrived (a request body, which /metrics never
 * takes, is not read: the connection closes after the answer).
 */
static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
		const char *version, const char *upload_data, size_t *upload_data_size,
		void **con_cls)
{
	struct MHD_Response *r;
	size_t len = 0;
	char *text;

	if (http.auth && !authorized(c)) {
		r = MHD_create_response_from_buffer(strlen("401 Unauthorized\n"),
				(void *)"401 Unauthorized\n", MHD_RESPMEM_PERSISTENT);
		if (r == NULL)
			return MHD_NO;
		MHD_add_response_header(
				r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
		{
			enum MHD_Result rc = MHD_queue_basic_auth_fail_response(c, HTTP_REALM, r);

			MHD_destroy_response(r);
			return rc;
		}
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return respond_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "Method Not Allowed", "GET");
	if (strcmp(url, "/metrics") != 0)
		return respond_text(c, MHD_HTTP_NOT_FOUND, "Not Found", NULL);
	text = metrics_prometheus_text(&len);
	if (text == NULL)
		return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "Service Unavailable", NULL);
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, HTTP_CTYPE);
	return queue(c, MHD_HTTP_OK, r);
}

/* Bind and listen on m->listen:m->port; the URL gets the port the kernel chose for 0. */
static int
open_listener(const struct cfg_metrics *m, char *err, size_t errlen)
{
	const char *scheme = m->tls_cert[0] != '\0' ? "https" : "http";
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1, rc;
	bool v6 = strchr(m->listen, ':') != NULL;

	memset(&ss, 0, sizeof(ss));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(m->port);
		rc = inet_pton(AF_INET6, m->listen, &a->sin6_addr);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(m->port);
		rc = inet_pton(AF_INET, m->listen, &a->sin_addr);
		sl = sizeof(*a);
	}
	if (rc != 1) {
		snprintf(err, errlen, "\"%s\" is not an IPv4 or IPv6 address (metrics.listen)",
				m->listen);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* A restart must not wait for the previous run's connections in TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 64) != 0)
		goto fail;
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		goto fail;
	snprintf(http.url, sizeof(http.url), v6 ? "%s://[%s]:%u/metrics" : "%s://%s:%u/metrics",
			scheme, m->listen,
			ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
				   ((struct sockaddr_in *)&ss)->sin_port));
	return fd;
fail:
	rc = -errno;
	snprintf(err, errlen, "cannot listen on %s port %u (metrics.listen, metrics.port): %s",
			m->listen, m->port, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The whole of a PEM file, NUL-terminated (MHD takes text), or NULL with @p err. */
static char *
read_pem(const char *file, const char *jpath, char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot read \"%s\" (%s): %s", file, jpath, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (size_t)st.st_size > HTTP_MAX_PEM) {
		snprintf(err, errlen, "\"%s\" (%s) is not a PEM file of 1 byte to %u bytes", file,
				jpath, HTTP_MAX_PEM);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		snprintf(err, errlen, "out of memory reading %s", jpath);
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "cannot read \"%s\" (%s): %s", file, jpath,
					n < 0 ? strerror(errno) : "short read");
			free(buf);
			buf = NULL;
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
out:
	if (fd >= 0)
		close(fd);
	return buf;
}

static void
pem_free(char **p)
{
	if (*p != NULL) {
		explicit_bzero(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

/* What the start-up control thread is given and answers. */
struct http_start_arg {
	int fd;
	struct MHD_Daemon *d;
};

/*
 * MHD creates its threads from the thread that starts the daemon, and they inherit its CPU set:
 * starting it from an EAL control thread puts them on the control threads' CPUs (those of no
 * datapath lcore), as rte_ctrl_thread_create() places every other control thread.
 */
static void *
http_start_thread(void *p)
{
	struct http_start_arg *a = p;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem tls[] = {
		{ MHD_OPTION_HTTPS_MEM_CERT, 0, http.cert },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, http.key },
		{ MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)HTTP_TLS_PRIORITIES },
		{ MHD_OPTION_END, 0, NULL },
	};

	if (http.cert != NULL)
		flags |= MHD_USE_TLS;
	else
		tls[0].option = MHD_OPTION_END;
	a->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_LISTEN_SOCKET,
			a->fd, MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)HTTP_THREADS,
			MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_CONN_LIMIT,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_TIMEOUT_S,
			MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_LIMIT,
			MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_ARRAY, tls,
			MHD_OPTION_END);
	return NULL;
}

static void
http_reset(void)
{
	pem_free(&http.cert);
	pem_free(&http.key);
	explicit_bzero(http.hash, sizeof(http.hash));
	http.auth = false;
	http.url[0] = '\0';
}

int
http_start(const struct cfg_metrics *m, char *err, size_t errlen)
{
	struct http_start_arg a = { .fd = -1, .d = NULL };
	pthread_t t;
	int rc;

	if (http.d != NULL)
		return 0;
	http.last_err[0] = '\0';
	if (m->tls_cert[0] != '\0') {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen,
					"TLS is configured (metrics.tls) but this libmicrohttpd "
					"has no TLS support");
			return -ENOTSUP;
		}
		http.cert = read_pem(m->tls_cert, "metrics.tls.cert_file", err, errlen);
		if (http.cert == NULL)
			goto fail_inval;
		http.key = read_pem(m->tls_key, "metrics.tls.key_file", err, errlen);
		if (http.key == NULL)
			goto fail_inval;
	}
	if (m->auth_user[0] != '\0') {
		snprintf(http.user, sizeof(http.user), "%s", m->auth_user);
		snprintf(http.hash, sizeof(http.hash), "%s", m->auth_hash);
		http.auth = true;
	}
	a.fd = open_listener(m, err, errlen);
	if (a.fd < 0) {
		rc = a.fd;
		goto fail;
	}
	rc = rte_ctrl_thread_create(&t, "stp-metrics-st", NULL, http_start_thread, &a);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the metrics thread: %s", strerror(rc));
		close(a.fd);
		rc = -rc;
		goto fail;
	}
	pthread_join(t, NULL);
	if (a.d == NULL) {
		/* MHD's own words, e.g. a certificate and key that do not parse or match. */
		snprintf(err, errlen, "cannot start the HTTP server (metrics%s): %s",
				http.cert != NULL ? ".tls" : "",
				http.last_err[0] != '\0' ? http.last_err : "libmicrohttpd failed");
		close(a.fd);
		rc = -EINVAL;
		goto fail;
	}
	http.d = a.d;
	MT_LOG(DEBUG, "Prometheus metrics at %s%s", http.url, http.auth ? " (basic auth)" : "");
	return 0;
fail_inval:
	rc = -EINVAL;
fail:
	http_reset();
	return rc;
}

void
http_stop(void)
{
	if (http.d == NULL)
		return;
	/* Joins MHD's threads and closes every socket, the listening one included. */
	MHD_stop_daemon(http.d);
	http.d = NULL;
	http_reset();
}

const char *
http_url(void)
{
	return http.url;
}
