/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * The smallest HTTP/1.1 server that a Prometheus scraper needs: one control thread, one
 * connection at a time, non-blocking sockets driven by poll(). It answers GET /metrics (any query
 * string) with the text format, 404 for any other path, 405 for any other method, 400 for what
 * does not parse and 431 for a request head over HTTP_MAX_REQUEST bytes; every response has a
 * Content-Length and Connection: close. A client gets HTTP_TIMEOUT_MS to send its request and as
 * long again to read the answer, so a slow or silent client delays the next scrape by that much
 * at most and never holds anything else.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <rte_lcore.h>

#include "metrics.h"
#include "metrics_priv.h"

#define HTTP_MAX_REQUEST 8192 /* request line and headers; a scraper sends ~300 bytes */
#define HTTP_TIMEOUT_MS 2000  /* to receive the request, and again to send the answer */
#define HTTP_LINGER_MS 100    /* after the answer, to read what the client still sends */

static struct {
	int listen_fd; /* -1: not running */
	int stop_fd;   /* eventfd: written by http_stop(), polled by the thread */
	pthread_t thread;
	char url[96]; /* "http://ADDR:PORT/metrics" */
} http = { .listen_fd = -1, .stop_fd = -1 };

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait for @p events on @p fd until @p deadline (ms, CLOCK_MONOTONIC). 1 when ready, 0 on
 * timeout, -1 when the server is asked to stop.
 */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = events },
		{ .fd = http.stop_fd, .events = POLLIN },
	};

	for (;;) {
		int64_t left = deadline - now_ms();
		int n;

		if (left <= 0)
			return 0;
		n = poll(pfd, 2, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (pfd[1].revents != 0)
			return -1;
		if (n > 0)
			return 1;
	}
}

/* Send all of @p buf, or give up at @p deadline. */
static int
send_all(int fd, const char *buf, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n > 0) {
			buf += n;
			len -= n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(fd, POLLOUT, deadline) != 1)
				return -ETIMEDOUT;
			continue;
		}
		return -EIO;
	}
	return 0;
}

static void
respond(int fd, int status, const char *reason, const char *extra_headers, const char *ctype,
		const char *body, size_t body_len)
{
	int64_t deadline = now_ms() + HTTP_TIMEOUT_MS;
	char head[512];
	int n;

	n = snprintf(head, sizeof(head),
			"HTTP/1.1 %d %s\r\n"
			"Content-Type: %s\r\n"
			"Content-Length: %zu\r\n"
			"%s"
			"Connection: close\r\n"
			"\r\n",
			status, reason, ctype, body_len, extra_headers);
	if (send_all(fd, head, (size_t)n, deadline) == 0 && body_len > 0)
		send_all(fd, body, body_len, deadline);
}

static void
respond_text(int fd, int status, const char *reason, const char *extra_headers)
{
	char body[64];
	int n = snprintf(body, sizeof(body), "%d %s\n", status, reason);

	respond(fd, status, reason, extra_headers, "text/plain; charset=utf-8", body, (size_t)n);
}

/*
 * Read the request head (up to the blank line). Returns its length, 0 when the client went away
 * or was too slow, -1 when asked to stop, -E2BIG when it does not fit.
 */
static ssize_t
read_head(int fd, char *buf, size_t size)
{
	int64_t deadline = now_ms() + HTTP_TIMEOUT_MS;
	size_t len = 0;

	for (;;) {
		ssize_t n;
		int w;

		if (len == size - 1)
			return -E2BIG;
		n = recv(fd, buf + len, size - 1 - len, 0);
		if (n > 0) {
			len += n;
			buf[len] = '\0';
			if (strstr(buf, "\r\n\r\n") != NULL || strstr(buf, "\n\n") != NULL)
				return (ssize_t)len;
			continue;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return 0;
		w = wait_fd(fd, POLLIN, deadline);
		if (w != 1)
			return w;
	}
}

static void
serve(int fd)
{
	char buf[HTTP_MAX_REQUEST];
	char method[16], target[256], version[16];
	ssize_t n;
	char *q;

	n = read_head(fd, buf, sizeof(buf));
	if (n == -E2BIG) {
		respond_text(fd, 431, "Request Header Fields Too Large", "");
		return;
	}
	if (n <= 0)
		return;
	if (sscanf(buf, "%15[^ \r\n] %255[^ \r\n] %15[^ \r\n]", method, target, version) != 3 ||
			strncmp(version, "HTTP/1.", 7) != 0 || target[0] != '/') {
		respond_text(fd, 400, "Bad Request", "");
		return;
	}
	if (strcmp(method, "GET") != 0) {
		respond_text(fd, 405, "Method Not Allowed", "Allow: GET\r\n");
		return;
	}
	q = strchr(target, '?');
	if (q != NULL)
		*q = '\0';
	if (strcmp(target, "/metrics") != 0) {
		respond_text(fd, 404, "Not Found", "");
		return;
	}
	{
		size_t len = 0;
		char *text = metrics_prometheus_text(&len);

		if (text == NULL) {
			respond_text(fd, 503, "Service Unavailable", "");
			return;
		}
		respond(fd, 200, "OK", "", "text/plain; version=0.0.4; charset=utf-8", text, len);
		free(text);
	}
}

/*
 * Close after the answer without losing it: a close() with unread request bytes makes the kernel
 * send a reset, which can discard the answer before the client read it. So: shut the sending side
 * down, and read (briefly) until the client closes too.
 */
static void
finish(int fd)
{
	int64_t deadline = now_ms() + HTTP_LINGER_MS;
	char sink[512];

	shutdown(fd, SHUT_WR);
	for (;;) {
		ssize_t n = recv(fd, sink, sizeof(sink), 0);

		if (n > 0)
			continue;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			break;
		if (wait_fd(fd, POLLIN, deadline) != 1)
			break;
	}
	close(fd);
}

static void *
http_main(void *arg)
{
	struct pollfd pfd[2] = {
		{ .fd = http.listen_fd, .events = POLLIN },
		{ .fd = http.stop_fd, .events = POLLIN },
	};

	for (;;) {
		int n = poll(pfd, 2, -1);
		int fd;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || pfd[1].revents != 0)
			break;
		if (pfd[0].revents == 0)
			continue;
		fd = accept4(http.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			continue; /* EAGAIN (the client gave up), EMFILE...: try again later */
		serve(fd);
		finish(fd);
	}
	return NULL;
}

/* Bind and listen on m->listen:m->port; the URL gets the port the kernel chose for 0. */
static int
open_listener(const struct cfg_metrics *m, char *err, size_t errlen)
{
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
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 16) != 0)
		goto fail;
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		goto fail;
	snprintf(http.url, sizeof(http.url), v6 ? "http://[%s]:%u/metrics" : "http://%s:%u/metrics",
			m->listen,
			ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
				   ((struct sockaddr_in *)&ss)->sin_port));
	http.listen_fd = fd;
	return 0;
fail:
	rc = -errno;
	snprintf(err, errlen, "cannot listen on %s port %u (metrics.listen, metrics.port): %s",
			m->listen, m->port, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

int
http_start(const struct cfg_metrics *m, char *err, size_t errlen)
{
	int rc;

	if (http.listen_fd >= 0)
		return 0;
	http.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (http.stop_fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return rc;
	}
	rc = open_listener(m, err, errlen);
	if (rc != 0)
		goto fail;
	/* A control thread: it runs on the main lcore's CPUs, never on a datapath core. */
	rc = rte_ctrl_thread_create(&http.thread, "stp-metrics", NULL, http_main, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the metrics thread: %s", strerror(rc));
		rc = -rc;
		goto fail;
	}
	MT_LOG(DEBUG, "Prometheus metrics at %s", http.url);
	return 0;
fail:
	if (http.listen_fd >= 0)
		close(http.listen_fd);
	close(http.stop_fd);
	http.listen_fd = -1;
	http.stop_fd = -1;
	http.url[0] = '\0';
	return rc;
}

void
http_stop(void)
{
	uint64_t one = 1;

	if (http.listen_fd < 0)
		return;
	if (write(http.stop_fd, &one, sizeof(one)) != sizeof(one))
		MT_LOG(WARNING, "cannot wake the metrics thread: %s", strerror(errno));
	pthread_join(http.thread, NULL);
	close(http.listen_fd);
	close(http.stop_fd);
	http.listen_fd = -1;
	http.stop_fd = -1;
	http.url[0] = '\0';
}

const char *
http_url(void)
{
	return http.url;
}
