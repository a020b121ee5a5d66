/*-------------------------------------------------------------------------
 *
 * ingest_load.c
 *	  OTLP/HTTP load generator for the ingest benchmark (test/bench/ingest).
 *
 * Reads a file of length-prefixed OTLP/protobuf requests (4-byte
 * big-endian length + ExportTraceServiceRequest, as written by
 * "gen --otlp") into memory and POSTs every request once to
 * http://127.0.0.1:PORT/v1/traces over --conns keep-alive connections,
 * round robin, one request in flight per connection.  Plain non-blocking
 * sockets and poll(); the HTTP/1.1 response is parsed far enough to get
 * the status code, Content-Length, "Connection: close" and the body.
 *
 * With --rate SPANS_PER_S request i is not sent before
 * t0 + (spans of requests 0..i-1) / rate, so the offered load is fixed
 * (open loop while connections are free); without it each connection
 * sends its next request as soon as the previous one is answered.  The
 * ack latency of a request runs from its first byte written to the end
 * of its response.  Stops after all requests or after --seconds.
 *
 * Prints one line of key=value figures on stdout: requests sent, 200s,
 * other statuses, connection errors, acked spans (200 responses times
 * the spans of each request: --spans-per-request, the last request
 * holding the rest of --total-spans), elapsed seconds, acked spans/s and
 * p50/p99/max latency in ms.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  test/bench/ingest_load.c
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LOAD_MAX_CONNS	1024
#define LOAD_RECV_MAX	(1024 * 1024)
#define Min(a, b)		((a) < (b) ? (a) : (b))

typedef struct LoadRequest
{
	const uint8_t *body;
	uint32_t	len;
	long		spans;
	double		not_before;		/* seconds after t0 */
} LoadRequest;

typedef struct LoadConn
{
	int			fd;
	long		req;			/* request in flight, -1 = idle */
	char		head[256];
	size_t		head_len;
	size_t		sent;			/* bytes of head + body written */
	double		t_send;
	char	   *rbuf;
	size_t		rlen;
} LoadConn;

static int	port = 4318;
static const char *host = "127.0.0.1";

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *msg)
{
	fprintf(stderr, "ingest_load: %s\n", msg);
	exit(1);
}

static int
open_conn(void)
{
	struct sockaddr_in sa;
	int			fd;
	int			one = 1;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("could not create a socket");
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		die("bad host address");
	if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
	{
		perror("ingest_load: connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a;
	double		y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * Is a whole response in c->rbuf?  Returns its length (headers + body)
 * and sets *status and *close_after; 0 when more bytes are needed; -1
 * when it is not HTTP.
 */
static long
parse_response(LoadConn *c, int *status, int *close_after)
{
	char	   *end;
	char	   *line;
	long		clen = 0;
	size_t		hlen;

	if (c->rlen < 4)
		return 0;
	c->rbuf[c->rlen] = '\0';
	end = strstr(c->rbuf, "\r\n\r\n");
	if (end == NULL)
		return c->rlen > 65536 ? -1 : 0;
	hlen = end - c->rbuf + 4;
	if (strncmp(c->rbuf, "HTTP/1.", 7) != 0 || c->rlen < 12)
		return -1;
	*status = atoi(c->rbuf + 9);
	*close_after = strncmp(c->rbuf, "HTTP/1.0", 8) == 0;
	line = strstr(c->rbuf, "\r\n") + 2;
	while (line < end)
	{
		char	   *eol = strstr(line, "\r\n");

		if (strncasecmp(line, "content-length:", 15) == 0)
			clen = atol(line + 15);
		else if (strncasecmp(line, "connection:", 11) == 0)
		{
			char	   *v = line + 11;

			while (*v == ' ')
				v++;
			*close_after = strncasecmp(v, "close", 5) == 0;
		}
		line = eol + 2;
	}
	if (clen < 0 || hlen + clen > LOAD_RECV_MAX)
		return -1;
	if (c->rlen < hlen + clen)
		return 0;
	return hlen + clen;
}

static void
usage(void)
{
	fprintf(stderr,
			"usage: ingest_load --file FILE --spans-per-request N [--total-spans N]\n"
			"                   [--port P] [--conns N] [--rate SPANS_PER_S] [--seconds S]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *file = NULL;
	int			nconns = 8;
	double		rate = 0;
	double		limit = 0;
	long		spr = 0;
	long		total_spans = 0;
	FILE	   *f;
	uint8_t    *data;
	long		size;
	long		nreq = 0;
	long		off;
	LoadRequest *reqs;
	LoadConn   *conns;
	struct pollfd *pfds;
	double	   *lat;
	long		nlat = 0;
	long		next = 0;
	long		done = 0;
	long		ok = 0;
	long		non200 = 0;
	long		errors = 0;
	long		acked = 0;
	long		status_counts[600] = {0};
	double		t0;
	double		elapsed;
	int			i;

	for (i = 1; i < argc; i++)
	{
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--file") == 0)
			file = argv[++i];
		else if (strcmp(argv[i], "--port") == 0)
			port = atoi(argv[++i]);
		else if (strcmp(argv[i], "--conns") == 0)
			nconns = atoi(argv[++i]);
		else if (strcmp(argv[i], "--rate") == 0)
			rate = atof(argv[++i]);
		else if (strcmp(argv[i], "--seconds") == 0)
			limit = atof(argv[++i]);
		else if (strcmp(argv[i], "--spans-per-request") == 0)
			spr = atol(argv[++i]);
		else if (strcmp(argv[i], "--total-spans") == 0)
			total_spans = atol(argv[++i]);
		else
			usage();
	}
	if (file == NULL || spr <= 0 || nconns < 1 || nconns > LOAD_MAX_CONNS ||
		port <= 0 || port > 65535 || rate < 0 || limit < 0)
		usage();

	/* the whole file in memory */
	f = fopen(file, "rb");
	if (f == NULL)
	{
		perror(file);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc(size > 0 ? size : 1);
	if (data == NULL || (size > 0 && fread(data, 1, size, f) != (size_t) size))
		die("could not read the requests file");
	fclose(f);

	for (off = 0; off + 4 <= size;)
	{
		uint32_t	len = ((uint32_t) data[off] << 24) | (data[off + 1] << 16) |
			(data[off + 2] << 8) | data[off + 3];

		if (off + 4 + (long) len > size)
			die("truncated requests file");
		off += 4 + len;
		nreq++;
	}
	if (off != size || nreq == 0)
		die("bad or empty requests file");
	reqs = calloc(nreq, sizeof(LoadRequest));
	{
		long		k = 0;
		double		cum = 0;

		for (off = 0; off < size; k++)
		{
			uint32_t	len = ((uint32_t) data[off] << 24) | (data[off + 1] << 16) |
				(data[off + 2] << 8) | data[off + 3];

			reqs[k].body = data + off + 4;
			reqs[k].len = len;
			reqs[k].spans = spr;
			if (k == nreq - 1 && total_spans > 0)
				reqs[k].spans = total_spans - (nreq - 1) * spr;
			reqs[k].not_before = rate > 0 ? cum / rate : 0;
			cum += reqs[k].spans;
			off += 4 + len;
		}
	}

	if (nconns > nreq)
		nconns = nreq;
	conns = calloc(nconns, sizeof(LoadConn));
	pfds = calloc(nconns, sizeof(struct pollfd));
	lat = calloc(nreq, sizeof(double));
	if (conns == NULL || pfds == NULL || lat == NULL || reqs == NULL)
		die("out of memory");
	for (i = 0; i < nconns; i++)
	{
		conns[i].fd = open_conn();
		conns[i].req = -1;
		conns[i].rbuf = malloc(LOAD_RECV_MAX + 1);
		if (conns[i].rbuf == NULL)
			die("out of memory");
	}

	t0 = now_s();
	while (done < nreq)
	{
		double		now = now_s();
		int			timeout = 1000;
		int			busy = 0;

		if (limit > 0 && now - t0 >= limit)
			break;

		/* hand the next requests to idle connections, round robin */
		for (i = 0; i < nconns && next < nreq; i++)
		{
			LoadConn   *c = &conns[(next + i) % nconns];

			if (c->req >= 0)
				continue;
			if (t0 + reqs[next].not_before > now)
			{
				double		wait = t0 + reqs[next].not_before - now;

				timeout = (int) (wait * 1000) + 1;
				break;
			}
			c->req = next++;
			c->head_len = snprintf(c->head, sizeof(c->head),
								   "POST /v1/traces HTTP/1.1\r\n"
								   "Host: %s:%d\r\n"
								   "Content-Type: application/x-protobuf\r\n"
								   "Content-Length: %u\r\n\r\n",
								   host, port, reqs[c->req].len);
			c->sent = 0;
			c->rlen = 0;
			c->t_send = now_s();
			i = -1;				/* rescan from the new "next" */
		}
		if (next >= nreq)
			timeout = 1000;

		for (i = 0; i < nconns; i++)
		{
			LoadConn   *c = &conns[i];
			size_t		total;

			pfds[i].fd = c->fd;
			pfds[i].events = 0;
			pfds[i].revents = 0;
			if (c->req < 0)
			{
				pfds[i].fd = -1;
				continue;
			}
			busy++;
			total = c->head_len + reqs[c->req].len;
			pfds[i].events = c->sent < total ? POLLOUT : POLLIN;
		}
		if (busy == 0 && next >= nreq)
			break;
		if (poll(pfds, nconns, timeout) < 0)
		{
			if (errno == EINTR)
				continue;
			die("poll failed");
		}

		for (i = 0; i < nconns; i++)
		{
			LoadConn   *c = &conns[i];
			LoadRequest *r;
			size_t		total;
			ssize_t		n;
			int			failed = 0;

			if (c->req < 0 || pfds[i].revents == 0)
				continue;
			r = &reqs[c->req];
			total = c->head_len + r->len;
			if (c->sent < total)
			{
				/* write the header, then the body */
				while (c->sent < total)
				{
					if (c->sent < c->head_len)
						n = write(c->fd, c->head + c->sent, c->head_len - c->sent);
					else
						n = write(c->fd, r->body + (c->sent - c->head_len),
								  total - c->sent);
					if (n < 0)
					{
						if (errno != EAGAIN && errno != EWOULDBLOCK)
							failed = 1;
						break;
					}
					c->sent += n;
				}
			}
			else
			{
				int			status = 0;
				int			close_after = 0;
				long		rl;

				n = read(c->fd, c->rbuf + c->rlen, LOAD_RECV_MAX - c->rlen);
				if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
					failed = 1;
				else if (n > 0)
				{
					c->rlen += n;
					rl = parse_response(c, &status, &close_after);
					if (rl < 0)
						failed = 1;
					else if (rl > 0)
					{
						lat[nlat++] = (now_s() - c->t_send) * 1000.0;
						if (status == 200)
						{
							ok++;
							acked += r->spans;
						}
						else
						{
							non200++;
							if (status > 0 && status < 600)
								status_counts[status]++;
							if (non200 <= 3)
							{
								char	   *b = strstr(c->rbuf, "\r\n\r\n") + 4;
								char	   *e = c->rbuf + Min(c->rlen, (size_t) (b - c->rbuf) + 200);

								fprintf(stderr, "ingest_load: status %d: ", status);
								for (; b < e; b++)
									fputc(*b >= 32 && *b < 127 ? *b : '.', stderr);
								fputc('\n', stderr);
							}
						}
						done++;
						c->req = -1;
						if (close_after)
						{
							close(c->fd);
							c->fd = open_conn();
						}
					}
				}
			}
			if (failed)
			{
				errors++;
				done++;
				c->req = -1;
				close(c->fd);
				c->fd = open_conn();
			}
		}
	}
	elapsed = now_s() - t0;

	qsort(lat, nlat, sizeof(double), cmp_double);
	printf("requests=%ld done=%ld ok=%ld non200=%ld errors=%ld acked_spans=%ld "
		   "elapsed_s=%.3f acked_spans_per_s=%.0f p50_ms=%.1f p99_ms=%.1f max_ms=%.1f",
		   next, done, ok, non200, errors, acked, elapsed,
		   elapsed > 0 ? acked / elapsed : 0,
		   nlat ? lat[(long) (0.50 * (nlat - 1))] : 0,
		   nlat ? lat[(long) (0.99 * (nlat - 1))] : 0,
		   nlat ? lat[nlat - 1] : 0);
	for (i = 0; i < 600; i++)
		if (status_counts[i] > 0)
			printf(" status_%d=%ld", i, status_counts[i]);
	printf("\n");
	for (i = 0; i < nconns; i++)
		close(conns[i].fd);
	return 0;
}
