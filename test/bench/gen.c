/*-------------------------------------------------------------------------
 *
 * gen.c
 *	  Deterministic synthetic span generator for benchmarks and tests.
 *
 * Writes the same spans twice, in either or both of two forms:
 *
 *	--otlp FILE   a stream of OTLP/protobuf ExportTraceServiceRequest
 *				  messages, each preceded by its length as a 4-byte big-endian
 *				  integer.  Every request carries exactly --batch spans (the
 *				  last one fewer), grouped by resource and then by
 *				  instrumentation scope, as a batching exporter/collector sends
 *				  them.
 *	--copy FILE   COPY text rows for a table with the columns of tempo.spans
 *				  (DESIGN.md 3.1), in this order: tenant, trace_id, span_id,
 *				  parent_span_id, name, kind, start_time, start_time_unix_nano,
 *				  duration_ns, status_code, status_message, service_name,
 *				  resource_attributes, span_attributes, scope_name,
 *				  scope_version, events, links, trace_state.
 *
 * Design: the generator models a small shop: 20 services with a fixed,
 * acyclic call graph, six HTTP routes each, per-service databases
 * (PostgreSQL, MySQL, Redis, MongoDB, OpenSearch), internal spans and one
 * Kafka topic.  A trace starts with a SERVER span in one of the two edge
 * services and grows to 5-50 spans by repeatedly picking an open SERVER or
 * INTERNAL span and giving it a child: an HTTP call (CLIENT span plus the
 * callee's SERVER span), a database call, an internal step, or a Kafka
 * publish (PRODUCER plus CONSUMER, the consumer linked to the producer).
 * Durations are log-normal and children always fit inside their parents.
 * About 5% of spans fail (status 2, an "exception" event with type, message
 * and stack trace).  Trace start times increase through [--start,
 * --start + --window); spans of a trace are written contiguously, ordered
 * by start time (parents first), as a store holds them after compaction.
 *
 * --label-sets N (for the cost-attribution benchmark) gives every span
 * three more string attributes, cost.team, cost.project and cost.region,
 * from a counter k that cycles through 0 .. N-1 over the spans written:
 * team = k % 25, project = k / 25 % 10, region = k / 250.  So the three
 * take exactly N distinct value sets once N spans are written.  The values
 * come from the counter, not the random stream, so every other byte of a
 * span is the same with and without the option.
 *
 * Everything comes from one xoshiro256** stream seeded by --seed, so a
 * given set of options always produces byte-identical output.
 *
 * Speed matters (the storage benchmark loads millions of spans), so the
 * writers (gen_copy.c, gen_otlp.c) format with small hand-written
 * appenders and encoders rather than printf and libprotobuf-c, and a
 * span's variable strings live in a per-span buffer so spans can be
 * copied into the OTLP batch without allocation.
 *
 * Attribute JSON in the COPY output follows the mapping of the contract:
 * string -> JSON string, int -> JSON integer, double -> JSON number (the
 * shortest text that reads back to the same double), bool -> JSON bool.
 * Empty status_message, events, links and trace_state are written as NULL;
 * start_time is the start truncated to microseconds.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  test/bench/gen.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen.h"

/*
 * The shop.  Callee lists form a DAG: following calls always ends.
 * Services 0 and 1 are the edges where traces begin; checkout (5) also
 * publishes to Kafka, consumed by order-service (19).
 */
const ServiceSpec service_specs[GEN_NSERVICES] = {
	{"frontend", "pages", "fragments", LANG_NODE, DB_NONE, NULL, NULL, 8, {2, 3, 4, 5, 9, 10, 11, 17}},
	{"api-gateway", "sessions", "routes", LANG_GO, DB_REDIS, "0", "ratelimit", 7, {2, 3, 4, 5, 9, 10, 16}},
	{"auth-service", "tokens", "claims", LANG_GO, DB_REDIS, "1", "session", 1, {3}},
	{"user-service", "users", "preferences", LANG_JAVA, DB_POSTGRES, "users", "users", 0, {0}},
	{"cart-service", "carts", "items", LANG_JAVA, DB_REDIS, "2", "cart", 2, {9, 12}},
	{"checkout-service", "orders", "lines", LANG_GO, DB_POSTGRES, "orders", "checkouts", 7, {4, 6, 7, 8, 12, 13, 18}},
	{"payment-service", "payments", "refunds", LANG_JAVA, DB_POSTGRES, "payments", "payments", 2, {18, 13}},
	{"shipping-service", "shipments", "labels", LANG_PYTHON, DB_MYSQL, "logistics", "shipments", 1, {13}},
	{"inventory-service", "stock", "reservations", LANG_JAVA, DB_POSTGRES, "inventory", "stock_levels", 0, {0}},
	{"catalog-service", "products", "variants", LANG_GO, DB_POSTGRES, "catalog", "products", 2, {12, 8}},
	{"search-service", "queries", "suggestions", LANG_PYTHON, DB_SEARCH, "products-v7", "products-v7", 1, {9}},
	{"recommendation-service", "recommendations", "signals", LANG_PYTHON, DB_REDIS, "3", "reco", 1, {9}},
	{"pricing-service", "prices", "rules", LANG_JAVA, DB_POSTGRES, "pricing", "price_rules", 1, {13}},
	{"currency-service", "rates", "pairs", LANG_NODE, DB_NONE, NULL, NULL, 0, {0}},
	{"notification-service", "notifications", "channels", LANG_NODE, DB_MONGO, "notify", "notifications", 1, {15}},
	{"email-service", "emails", "templates", LANG_PYTHON, DB_NONE, NULL, NULL, 0, {0}},
	{"review-service", "reviews", "votes", LANG_NODE, DB_MONGO, "reviews", "reviews", 1, {3}},
	{"ad-service", "ads", "impressions", LANG_JAVA, DB_REDIS, "4", "ads", 0, {0}},
	{"fraud-detection", "assessments", "features", LANG_PYTHON, DB_MYSQL, "risk", "risk_scores", 0, {0}},
	{"order-service", "fulfillments", "events", LANG_GO, DB_POSTGRES, "orders", "orders", 2, {14, 8}},
};

#define SVC_CHECKOUT	5
#define SVC_ORDER		19

static const char *const lang_names[LANG_COUNT] = {"java", "go", "python", "nodejs"};

/* instrumentation scopes: [lang][category] */
static const char *const scope_names[LANG_COUNT][CAT_COUNT] = {
	{"io.opentelemetry.tomcat-10.0", "io.opentelemetry.java-http-client", "io.opentelemetry.jdbc",
	"io.opentelemetry.opentelemetry-instrumentation-annotations-1.16", "io.opentelemetry.kafka-clients-2.6"},
	{"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp",
		"github.com/XSAM/otelsql", "shop/internal/app", "github.com/IBM/sarama/otelsarama"},
	{"opentelemetry.instrumentation.flask", "opentelemetry.instrumentation.requests",
		"opentelemetry.instrumentation.psycopg2", "app.services", "opentelemetry.instrumentation.kafka"},
	{"@opentelemetry/instrumentation-http", "@opentelemetry/instrumentation-undici",
		"@opentelemetry/instrumentation-mongodb", "shop-frontend", "@opentelemetry/instrumentation-kafkajs"},
};
static const char *const scope_versions[LANG_COUNT][CAT_COUNT] = {
	{"2.10.0-alpha", "2.10.0-alpha", "2.10.0-alpha", "2.10.0-alpha", "2.10.0-alpha"},
	{"0.57.0", "0.57.0", "0.34.0", "", "0.31.0"},
	{"0.49b2", "0.49b2", "0.49b2", "", "0.49b2"},
	{"0.56.0", "0.9.0", "0.50.0", "1.4.2", "0.6.0"},
};

static const char *const user_agents[] = {
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
	"shop-android/4.12.1 okhttp/4.12.0",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
};

static const char *const trace_states[] = {
	"", "", "", "", "", "", "", "",
	"rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", "ot=th:8;rv:d8c1b3a9e0f2",
};

typedef struct ErrorSpec
{
	const char *type;
	const char *message;
	const char *stacktrace;
} ErrorSpec;

static const ErrorSpec error_specs[LANG_COUNT][2] = {
	{
		{"java.net.SocketTimeoutException", "Read timed out after 5000 ms",
			"java.net.SocketTimeoutException: Read timed out after 5000 ms\n"
			"\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:278)\n"
			"\tat java.base/java.net.Socket$SocketInputStream.read(Socket.java:1099)\n"
			"\tat com.shop.client.HttpCaller.call(HttpCaller.java:88)\n"
			"\tat com.shop.service.Handler.handle(Handler.java:142)\n"},
		{"org.postgresql.util.PSQLException", "ERROR: deadlock detected\n  Detail: Process 4711 waits for ShareLock on transaction 99120",
			"org.postgresql.util.PSQLException: ERROR: deadlock detected\n"
			"\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2725)\n"
			"\tat org.postgresql.jdbc.PgStatement.executeInternal(PgStatement.java:517)\n"
			"\tat com.shop.repo.JdbcRepository.update(JdbcRepository.java:61)\n"},
	},
	{
		{"*url.Error", "Post \"http://payment-service:8080/api/v1/payments\": context deadline exceeded",
			"goroutine 812 [running]:\n"
			"shop/internal/client.(*Caller).Do(0xc000412000, {0x1a2b3c0, 0xc0003e6f00})\n"
			"\t/src/internal/client/caller.go:77 +0x1f4\n"
			"shop/internal/app.(*Server).handle(0xc00011c000)\n"
			"\t/src/internal/app/server.go:203 +0x2e8\n"},
		{"*pq.Error", "pq: could not serialize access due to concurrent update",
			"goroutine 57 [running]:\n"
			"shop/internal/store.(*Store).Save(0xc0001a0000, {0x1a2b3c0, 0xc000218000})\n"
			"\t/src/internal/store/store.go:132 +0x3a1\n"},
	},
	{
		{"requests.exceptions.ConnectionError", "HTTPConnectionPool(host='currency-service', port=8080): Max retries exceeded",
			"Traceback (most recent call last):\n"
			"  File \"/app/services/client.py\", line 41, in call\n"
			"    resp = self.session.get(url, timeout=2.0)\n"
			"  File \"/usr/lib/python3/site-packages/requests/adapters.py\", line 519, in send\n"
			"    raise ConnectionError(e, request=request)\n"
			"requests.exceptions.ConnectionError: Max retries exceeded\n"},
		{"MySQLdb.OperationalError", "(1205, 'Lock wait timeout exceeded; try restarting transaction')",
			"Traceback (most recent call last):\n"
			"  File \"/app/services/repo.py\", line 88, in save\n"
			"    cur.execute(sql, params)\n"
			"MySQLdb.OperationalError: (1205, 'Lock wait timeout exceeded; try restarting transaction')\n"},
	},
	{
		{"Error", "connect ECONNREFUSED 10.0.12.7:8080",
			"Error: connect ECONNREFUSED 10.0.12.7:8080\n"
			"    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)\n"
			"    at async fetchJson (/app/src/client.js:23:15)\n"},
		{"MongoServerError", "E11000 duplicate key error collection: notify.notifications index: _id_",
			"MongoServerError: E11000 duplicate key error collection: notify.notifications\n"
			"    at InsertOneOperation.execute (/app/node_modules/mongodb/lib/operations/insert.js:51:19)\n"
			"    at async saveNotification (/app/src/store.js:40:5)\n"},
	},
};

/* operations, built at start-up */
typedef struct Op
{
	char	   *name;
	const char *method;
	const char *route;			/* route template (server ops) */
	int			route_kind;		/* 0 collection, 1 item, 2 item/sub */
	const char *db_op;
	const char *db_stmt;		/* statement template; '#' = key digits */
} Op;

typedef struct Service
{
	const ServiceSpec *spec;
	char	   *version;
	Op			routes[GEN_NROUTES];
	Op			internal[GEN_NINTERNAL];
	Op			dbops[GEN_NDBOPS];
	char	   *host_port;		/* "name:8080" */
	const char *db_system;
	char	   *db_host;
	int			db_port;
} Service;

static Service services[GEN_NSERVICES];
Resource	resources[GEN_NRESOURCES];
Scope		scopes[GEN_NSCOPES];
static Op producer_op;
static Op consumer_op;

/* ---------------------------------------------------------------------
 * Random numbers: xoshiro256**, seeded through splitmix64.
 * ---------------------------------------------------------------------
 */
static uint64_t rng_s[4];
static bool have_spare_normal;
static double spare_normal;

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
rng_seed(uint64_t seed)
{
	int			i;

	for (i = 0; i < 4; i++)
		rng_s[i] = splitmix64(&seed);
	have_spare_normal = false;
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
rng_next(void)
{
	uint64_t	result = rotl(rng_s[1] * 5, 7) * 9;
	uint64_t	t = rng_s[1] << 17;

	rng_s[2] ^= rng_s[0];
	rng_s[3] ^= rng_s[1];
	rng_s[1] ^= rng_s[2];
	rng_s[0] ^= rng_s[3];
	rng_s[2] ^= t;
	rng_s[3] = rotl(rng_s[3], 45);
	return result;
}

/* uniform in [0, n) */
static inline uint32_t
rng_below(uint32_t n)
{
	return (uint32_t) (((rng_next() >> 32) * (uint64_t) n) >> 32);
}

/* uniform in [0, 1) */
static inline double
rng_unit(void)
{
	return (double) (rng_next() >> 11) * (1.0 / 9007199254740992.0);
}

static double
rng_normal(void)
{
	double		u,
				v,
				r;

	if (have_spare_normal)
	{
		have_spare_normal = false;
		return spare_normal;
	}
	do
	{
		u = 2.0 * rng_unit() - 1.0;
		v = 2.0 * rng_unit() - 1.0;
		r = u * u + v * v;
	} while (r >= 1.0 || r == 0.0);
	r = sqrt(-2.0 * log(r) / r);
	spare_normal = v * r;
	have_spare_normal = true;
	return u * r;
}

/* log-normal with the given median (ns) and shape */
static uint64_t
rng_lognormal(double median, double sigma)
{
	double		x = median * exp(sigma * rng_normal());

	return x < 1000.0 ? 1000 : (uint64_t) x;
}

static void
rng_bytes_nonzero(uint8_t *out, int n)
{
	uint64_t	x;
	int			i;

	do
	{
		for (i = 0; i < n; i += 8)
		{
			x = rng_next();
			memcpy(out + i, &x, n - i < 8 ? n - i : 8);
		}
		for (i = 0; i < n && out[i] == 0; i++)
			;
	} while (i == n);
}

/* ---------------------------------------------------------------------
 * Small helpers
 * ---------------------------------------------------------------------
 */
void
die(const char *fmt,...)
{
	va_list		ap;

	fputs("gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void *
xmalloc(size_t n)
{
	void	   *p = calloc(1, n);

	if (p == NULL)
		die("out of memory");
	return p;
}

static char *
xprintf(const char *fmt,...)
{
	va_list		ap;
	char		tmp[1024];

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	return strcpy(xmalloc(strlen(tmp) + 1), tmp);
}


/* ---------------------------------------------------------------------
 * Span string buffer
 * ---------------------------------------------------------------------
 */
typedef struct SBuild
{
	Span	   *span;
	char	   *start;
	char	   *p;
} SBuild;

static inline void
sb_begin(SBuild *b, Span *s)
{
	b->span = s;
	b->start = b->p = s->sbuf + s->sused;
}

static inline void
sb_str(SBuild *b, const char *str)
{
	size_t		n = strlen(str);

	if (b->p + n + 1 >= b->span->sbuf + GEN_SBUF)
		die("span string buffer overflow");
	memcpy(b->p, str, n);
	b->p += n;
}

static inline void
sb_u64(SBuild *b, uint64_t v)
{
	if (b->p + 21 >= b->span->sbuf + GEN_SBUF)
		die("span string buffer overflow");
	b->p += gen_fmt_u64(b->p, v);
}

static inline const char *
sb_end(SBuild *b)
{
	*b->p++ = '\0';
	b->span->sused = (int) (b->p - b->span->sbuf);
	return b->start;
}

static inline void
add_str(Span *s, const char *key, const char *val)
{
	attr_str(&s->attrs[s->nattrs++], key, val);
}

static inline void
add_int(Span *s, const char *key, int64_t val)
{
	attr_int(&s->attrs[s->nattrs++], key, val);
}

static inline void
add_dbl(Span *s, const char *key, double val)
{
	attr_dbl(&s->attrs[s->nattrs++], key, val);
}

static inline void
add_bool(Span *s, const char *key, bool val)
{
	attr_bool(&s->attrs[s->nattrs++], key, val);
}

/* ---------------------------------------------------------------------
 * Start-up: operations, resources and scopes
 * ---------------------------------------------------------------------
 */
static void
set_kv_str(PbKeyValue *kv, PbAnyValue *av, const char *key, const char *val)
{
	opentelemetry__proto__common__v1__key_value__init(kv);
	opentelemetry__proto__common__v1__any_value__init(av);
	kv->key = (char *) key;
	kv->value = av;
	av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	av->string_value = (char *) val;
}

static void
init_model(void)
{
	static const char *const methods[GEN_NROUTES] = {"GET", "GET", "POST", "PUT", "DELETE", "GET"};
	static const int route_kinds[GEN_NROUTES] = {0, 1, 0, 1, 1, 2};
	static const char *const internal_fmt[GEN_NINTERNAL] = {"%s.validate", "%s.render", "cache.lookup"};
	int			i,
				j,
				p;

	for (i = 0; i < GEN_NSERVICES; i++)
	{
		const ServiceSpec *spec = &service_specs[i];
		Service    *svc = &services[i];

		svc->spec = spec;
		svc->version = xprintf("%d.%d.%d", 1 + i % 3, (i * 7) % 13, (i * 5) % 4);
		svc->host_port = xprintf("%s:8080", spec->name);
		for (j = 0; j < GEN_NROUTES; j++)
		{
			Op		   *op = &svc->routes[j];
			char	   *route;

			if (route_kinds[j] == 0)
				route = xprintf("/api/v1/%s", spec->noun);
			else if (route_kinds[j] == 1)
				route = xprintf("/api/v1/%s/{id}", spec->noun);
			else
				route = xprintf("/api/v1/%s/{id}/%s", spec->noun, spec->sub);
			op->method = methods[j];
			op->route = route;
			op->route_kind = route_kinds[j];
			op->name = xprintf("%s %s", methods[j], route);
		}
		for (j = 0; j < GEN_NINTERNAL; j++)
			svc->internal[j].name = xprintf(internal_fmt[j], spec->noun);

		switch (spec->db)
		{
			case DB_POSTGRES:
			case DB_MYSQL:
				{
					const char *ph = spec->db == DB_POSTGRES ? "$1" : "?";

					svc->db_system = spec->db == DB_POSTGRES ? "postgresql" : "mysql";
					svc->db_port = spec->db == DB_POSTGRES ? 5432 : 3306;
					svc->db_host = xprintf("%s-%s.db.svc.cluster.local", spec->db_name,
										   spec->db == DB_POSTGRES ? "pg" : "mysql");
					svc->dbops[0].db_op = "SELECT";
					svc->dbops[0].db_stmt = xprintf("SELECT id, status, payload, updated_at FROM %s WHERE id = %s",
													spec->db_table, ph);
					svc->dbops[1].db_op = "INSERT";
					svc->dbops[1].db_stmt = xprintf("INSERT INTO %s (id, status, payload) VALUES (%s, %s, %s)",
													spec->db_table, ph,
													spec->db == DB_POSTGRES ? "$2" : "?",
													spec->db == DB_POSTGRES ? "$3" : "?");
					svc->dbops[2].db_op = "UPDATE";
					svc->dbops[2].db_stmt = xprintf("UPDATE %s SET status = %s, updated_at = now() WHERE id = %s",
													spec->db_table, ph,
													spec->db == DB_POSTGRES ? "$2" : "?");
					for (j = 0; j < GEN_NDBOPS; j++)
						svc->dbops[j].name = xprintf("%s %s.%s", svc->dbops[j].db_op,
													 spec->db_name, spec->db_table);
					break;
				}
			case DB_REDIS:
				svc->db_system = "redis";
				svc->db_port = 6379;
				svc->db_host = xprintf("redis-%s.cache.svc.cluster.local", spec->noun);
				svc->dbops[0].db_op = "GET";
				svc->dbops[0].db_stmt = xprintf("GET %s:#", spec->db_table);
				svc->dbops[1].db_op = "SET";
				svc->dbops[1].db_stmt = xprintf("SET %s:# ? EX 3600", spec->db_table);
				svc->dbops[2].db_op = "HGETALL";
				svc->dbops[2].db_stmt = xprintf("HGETALL %s:#", spec->db_table);
				for (j = 0; j < GEN_NDBOPS; j++)
					svc->dbops[j].name = (char *) svc->dbops[j].db_op;
				break;
			case DB_MONGO:
				svc->db_system = "mongodb";
				svc->db_port = 27017;
				svc->db_host = xprintf("mongo-%s.db.svc.cluster.local", spec->db_name);
				svc->dbops[0].db_op = "find";
				svc->dbops[0].db_stmt = xprintf("{\"find\":\"%s\",\"filter\":{\"_id\":\"?\"},\"limit\":1}",
												spec->db_table);
				svc->dbops[1].db_op = "insert";
				svc->dbops[1].db_stmt = xprintf("{\"insert\":\"%s\",\"documents\":[\"?\"]}", spec->db_table);
				svc->dbops[2].db_op = "update";
				svc->dbops[2].db_stmt = xprintf("{\"update\":\"%s\",\"updates\":[{\"q\":{\"_id\":\"?\"},\"u\":\"?\"}]}",
												spec->db_table);
				for (j = 0; j < GEN_NDBOPS; j++)
					svc->dbops[j].name = xprintf("%s %s.%s", svc->dbops[j].db_op,
												 spec->db_name, spec->db_table);
				break;
			case DB_SEARCH:
				svc->db_system = "opensearch";
				svc->db_port = 9200;
				svc->db_host = xprintf("opensearch.search.svc.cluster.local");
				svc->dbops[0].db_op = "search";
				svc->dbops[0].db_stmt = xprintf("{\"query\":{\"multi_match\":{\"query\":\"?\",\"fields\":[\"name^3\",\"description\"]}},\"size\":20}");
				svc->dbops[1].db_op = "get";
				svc->dbops[1].db_stmt = xprintf("{\"ids\":[\"?\"]}");
				svc->dbops[2].db_op = "msearch";
				svc->dbops[2].db_stmt = xprintf("{\"index\":\"%s\"}\n{\"query\":{\"term\":{\"category\":\"?\"}}}",
												spec->db_table);
				for (j = 0; j < GEN_NDBOPS; j++)
					svc->dbops[j].name = xprintf("%s %s", svc->dbops[j].db_op, spec->db_table);
				break;
			default:
				break;
		}
	}
	producer_op.name = "orders publish";
	consumer_op.name = "orders process";

	for (i = 0; i < LANG_COUNT; i++)
		for (j = 0; j < CAT_COUNT; j++)
		{
			Scope	   *sc = &scopes[i * CAT_COUNT + j];

			sc->name = scope_names[i][j];
			sc->version = scope_versions[i][j];
			opentelemetry__proto__common__v1__instrumentation_scope__init(&sc->pb);
			sc->pb.name = (char *) sc->name;
			sc->pb.version = (char *) sc->version;
		}

	for (i = 0; i < GEN_NSERVICES; i++)
		for (p = 0; p < GEN_NPODS; p++)
		{
			Resource   *r = &resources[i * GEN_NPODS + p];
			const char *name = service_specs[i].name;
			const char *vals[GEN_NRES_ATTRS];
			static const char *const keys[GEN_NRES_ATTRS] = {
				"service.name", "service.version", "deployment.environment", "host.name",
				"k8s.pod.name", "k8s.namespace.name", "telemetry.sdk.language", "telemetry.sdk.name"
			};
			uint64_t	h = (uint64_t) (i * 131 + p * 7 + 1);
			uint64_t	hh = splitmix64(&h);
			char		json[2048];
			int			len = 0;

			vals[0] = name;
			vals[1] = services[i].version;
			vals[2] = "production";
			vals[3] = xprintf("ip-10-0-%d-%d.eu-west-1.compute.internal",
							  (int) (hh % 64), (int) ((hh >> 8) % 250 + 2));
			vals[4] = xprintf("%s-%06llx-%05llx", name,
							  (unsigned long long) ((hh >> 16) & 0xffffff),
							  (unsigned long long) ((hh >> 40) & 0xfffff));
			vals[5] = "shop";
			vals[6] = lang_names[service_specs[i].lang];
			vals[7] = "opentelemetry";

			opentelemetry__proto__resource__v1__resource__init(&r->pb);
			r->pb.n_attributes = GEN_NRES_ATTRS;
			r->pb.attributes = r->kvp;
			len += snprintf(json + len, sizeof(json) - len, "{");
			for (j = 0; j < GEN_NRES_ATTRS; j++)
			{
				set_kv_str(&r->kv[j], &r->av[j], keys[j], vals[j]);
				r->kvp[j] = &r->kv[j];
				len += snprintf(json + len, sizeof(json) - len, "%s\"%s\": \"%s\"",
								j ? ", " : "", keys[j], vals[j]);
			}
			snprintf(json + len, sizeof(json) - len, "}");
			r->json = xprintf("%s", json);
			r->json_len = strlen(r->json);
			if (strpbrk(r->json, "\\\t\n\r") != NULL)
				die("resource attributes need COPY escaping");
		}
}

/* ---------------------------------------------------------------------
 * Trace generation
 * ---------------------------------------------------------------------
 */
typedef struct TraceCtx
{
	Span		spans[GEN_MAX_TRACE];
	int			n;
	uint8_t		trace_id[16];
	const char *trace_state;
	uint64_t	user_id;
	int			ua;
	uint8_t		client_ip[3];
} TraceCtx;

static const char *cur_tenant = "single-tenant";

/* --label-sets: label sets (0 = off), and the counter cycling through them */
static uint64_t cost_label_sets = 0;
static uint64_t cost_next = 0;

static Span *
new_span(TraceCtx *t, int parent, int service, int pod, int kind, int cat)
{
	Span	   *s = &t->spans[t->n];

	s->parent = parent;
	memcpy(s->trace_id, t->trace_id, 16);
	rng_bytes_nonzero(s->span_id, 8);
	if (parent >= 0)
	{
		memcpy(s->parent_id, t->spans[parent].span_id, 8);
		s->has_parent = true;
	}
	else
		s->has_parent = false;
	s->kind = kind;
	s->service = service;
	s->pod = pod;
	s->scope = service_specs[service].lang * CAT_COUNT + cat;
	s->status = 0;
	s->status_msg = NULL;
	s->trace_state = t->trace_state;
	s->flags = 0x101;			/* sampled, parent is known to be local */
	s->open = false;
	s->nattrs = 0;
	s->nevents = 0;
	s->event.nattrs = 0;
	s->nlinks = 0;
	s->link.nattrs = 0;
	s->sused = 0;
	t->n++;
	return s;
}

/* place a child inside its parent: start after an offset, median duration */
static void
place_child(Span *s, const Span *parent, double median, double sigma)
{
	uint64_t	pdur = parent->end - parent->start;
	uint64_t	off = (uint64_t) (pdur * 0.7 * rng_unit());
	uint64_t	room,
				dur;

	s->start = parent->start + off;
	room = parent->end - s->start;
	dur = rng_lognormal(median, sigma);
	if (dur > room)
		dur = room - (uint64_t) (room * 0.1 * rng_unit());
	if (dur == 0)
		dur = 1;
	s->end = s->start + dur;
}

static void
url_for(SBuild *b, const Service *svc, const Op *op, uint64_t id)
{
	sb_str(b, "http://");
	sb_str(b, svc->host_port);
	sb_str(b, "/api/v1/");
	sb_str(b, svc->spec->noun);
	if (op->route_kind >= 1)
	{
		sb_str(b, "/");
		sb_u64(b, id);
	}
	if (op->route_kind == 2)
	{
		sb_str(b, "/");
		sb_str(b, svc->spec->sub);
	}
	if (op->route_kind == 0 && op->method[0] == 'G')
	{
		sb_str(b, "?page=");
		sb_u64(b, 1 + rng_below(20));
	}
}

static int
http_ok_status(const Op *op)
{
	uint32_t	r = rng_below(100);

	if (op->method[0] == 'P' && op->method[1] == 'O')
		return r < 95 ? 201 : 400;
	if (op->method[0] == 'D')
		return 204;
	if (r < 90)
		return 200;
	if (r < 95)
		return 404;
	return 304;
}

/* make a span fail: status, exception event, HTTP status if any */
static void
make_error(Span *s, int which)
{
	const ErrorSpec *e = &error_specs[service_specs[s->service].lang][which];
	int			i;

	s->status = 2;
	s->status_msg = e->message;
	for (i = 0; i < s->nattrs; i++)
		if (strcmp(s->attrs[i].key, "http.response.status_code") == 0)
			s->attrs[i].v.i = 500 + (int) rng_below(5);
	add_str(s, "error.type", e->type);
	s->nevents = 1;
	s->event.time = s->end - (uint64_t) ((s->end - s->start) * 0.05 * rng_unit());
	s->event.name = "exception";
	s->event.nattrs = 3;
	attr_str(&s->event.attrs[0], "exception.type", e->type);
	attr_str(&s->event.attrs[1], "exception.message", e->message);
	attr_str(&s->event.attrs[2], "exception.stacktrace", e->stacktrace);
}

/* the cost.team, cost.project and cost.region attributes of --label-sets */
static void
add_cost_labels(Span *s)
{
	uint64_t	k = cost_next++ % cost_label_sets;
	SBuild		b;

	if (s->nattrs + 3 > GEN_MAX_ATTRS)
		die("too many attributes for --label-sets");
	sb_begin(&b, s);
	sb_str(&b, "team-");
	sb_u64(&b, k % 25);
	add_str(s, "cost.team", sb_end(&b));
	sb_begin(&b, s);
	sb_str(&b, "project-");
	sb_u64(&b, k / 25 % 10);
	add_str(s, "cost.project", sb_end(&b));
	sb_begin(&b, s);
	sb_str(&b, "region-");
	sb_u64(&b, k / 250);
	add_str(s, "cost.region", sb_end(&b));
}

static void
server_attrs(TraceCtx *t, Span *s, const Op *op)
{
	const Service *svc = &services[s->service];
	SBuild		b;
	uint64_t	id = 1 + rng_below(10000000);

	s->name = op->name;
	add_str(s, "http.request.method", op->method);
	add_str(s, "http.route", op->route);
	add_int(s, "http.response.status_code", http_ok_status(op));
	sb_begin(&b, s);
	url_for(&b, svc, op, id);
	add_str(s, "url.full", sb_end(&b));
	sb_begin(&b, s);
	sb_str(&b, "user-");
	sb_u64(&b, t->user_id);
	add_str(s, "user.id", sb_end(&b));
	add_str(s, "server.address", svc->spec->name);
	add_int(s, "server.port", 8080);
	if (s->parent < 0)
	{
		add_str(s, "user_agent.original", user_agents[t->ua]);
		sb_begin(&b, s);
		sb_str(&b, "10.");
		sb_u64(&b, t->client_ip[0]);
		sb_str(&b, ".");
		sb_u64(&b, t->client_ip[1]);
		sb_str(&b, ".");
		sb_u64(&b, t->client_ip[2]);
		add_str(s, "client.address", sb_end(&b));
	}
	else
		add_str(s, "network.protocol.version", "1.1");
}

/* a SERVER span in service svc handling op, as a child of parent (or root) */
static int
gen_server(TraceCtx *t, int parent, int svc_idx, int route)
{
	Span	   *s;
	int			idx = t->n;

	s = new_span(t, parent, svc_idx, (int) rng_below(GEN_NPODS), KIND_SERVER, CAT_HTTP_SERVER);
	if (parent >= 0)
	{
		const Span *c = &t->spans[parent];
		uint64_t	cdur = c->end - c->start;
		uint64_t	lat = (uint64_t) (cdur * (0.02 + 0.08 * rng_unit()));

		s->start = c->start + lat;
		s->end = c->end - lat / 2;
		if (s->end <= s->start)
			s->end = s->start + 1;
		s->flags = 0x301;		/* remote parent */
	}
	else
	{
		s->start = 0;			/* set by the caller */
		s->end = rng_lognormal(60e6, 0.9);
	}
	server_attrs(t, s, &services[svc_idx].routes[route]);
	s->open = true;
	return idx;
}

static void
gen_http_call(TraceCtx *t, int parent)
{
	const Span *p = &t->spans[parent];
	const Service *caller = &services[p->service];
	int			callee = caller->spec->callees[rng_below(caller->spec->ncallees)];
	int			route = (int) rng_below(GEN_NROUTES);
	const Op   *op = &services[callee].routes[route];
	Span	   *c;
	int			ci = t->n;
	int			si;
	SBuild		b;

	c = new_span(t, parent, p->service, p->pod, KIND_CLIENT, CAT_HTTP_CLIENT);
	place_child(c, p, 12e6, 1.0);
	c->name = op->name;
	add_str(c, "http.request.method", op->method);
	sb_begin(&b, c);
	url_for(&b, &services[callee], op, 1 + rng_below(10000000));
	add_str(c, "url.full", sb_end(&b));
	add_str(c, "server.address", service_specs[callee].name);
	add_int(c, "server.port", 8080);
	add_str(c, "network.protocol.version", "1.1");
	add_int(c, "http.response.status_code", 0);

	si = gen_server(t, ci, callee, route);
	/* the client sees the callee's status */
	t->spans[ci].attrs[t->spans[ci].nattrs - 1].v.i = t->spans[si].attrs[2].v.i;
}

static void
gen_db_call(TraceCtx *t, int parent)
{
	const Span *p = &t->spans[parent];
	const Service *svc = &services[p->service];
	const Op   *op = &svc->dbops[rng_below(GEN_NDBOPS)];
	Span	   *s;
	const char *stmt = op->db_stmt;
	const char *hash = strchr(stmt, '#');

	s = new_span(t, parent, p->service, p->pod, KIND_CLIENT, CAT_DB);
	place_child(s, p, 1.5e6, 1.1);
	s->name = op->name;
	add_str(s, "db.system", svc->db_system);
	add_str(s, "db.namespace", svc->spec->db_name);
	add_str(s, "db.operation.name", op->db_op);
	if (hash != NULL)
	{
		SBuild		b;
		char		head[256];
		size_t		hl = (size_t) (hash - stmt);

		memcpy(head, stmt, hl);
		head[hl] = '\0';
		sb_begin(&b, s);
		sb_str(&b, head);
		sb_u64(&b, 1 + rng_below(5000000));
		sb_str(&b, hash + 1);
		stmt = sb_end(&b);
	}
	add_str(s, "db.statement", stmt);
	add_str(s, "server.address", svc->db_host);
	add_int(s, "server.port", svc->db_port);
	add_int(s, "db.response.returned_rows", rng_below(4) == 0 ? 0 : 1 + rng_below(50));
}

static void
gen_internal(TraceCtx *t, int parent)
{
	const Span *p = &t->spans[parent];
	const Service *svc = &services[p->service];
	int			which = (int) rng_below(GEN_NINTERNAL);
	Span	   *s;
	int			si = t->n;

	s = new_span(t, parent, p->service, p->pod, KIND_INTERNAL, CAT_INTERNAL);
	place_child(s, p, 0.8e6, 1.2);
	s->name = svc->internal[which].name;
	add_str(s, "code.function", which == 2 ? "lookup" : (which == 0 ? "validate" : "render"));
	add_str(s, "code.namespace", svc->spec->name);
	add_int(s, "item.count", rng_below(30));
	add_bool(s, "cache.hit", rng_below(3) != 0);
	if (p->service == SVC_CHECKOUT || p->service == 6 || p->service == 12 || p->service == 4)
		add_dbl(s, "order.total", (double) (100 + rng_below(5000000)) / 100.0);
	else
		add_dbl(s, "load.factor", (double) rng_below(1000) / 1000.0);
	if (rng_below(50) == 0)
	{
		s->nevents = 1;
		s->event.time = s->start + (s->end - s->start) / 2;
		s->event.name = "retry";
		s->event.nattrs = 1;
		attr_int(&s->event.attrs[0], "retry.attempt", 1 + rng_below(3));
	}
	t->spans[si].open = rng_below(2) == 0;
}

static void
gen_publish(TraceCtx *t, int parent)
{
	const Span *p = &t->spans[parent];
	Span	   *pr,
			   *co;
	int			pi = t->n;
	int			ci;
	SBuild		b;
	const char *key;

	pr = new_span(t, parent, p->service, p->pod, KIND_PRODUCER, CAT_MESSAGING);
	place_child(pr, p, 2e6, 0.7);
	pr->name = producer_op.name;
	add_str(pr, "messaging.system", "kafka");
	add_str(pr, "messaging.destination.name", "orders");
	add_str(pr, "messaging.operation.type", "publish");
	sb_begin(&b, pr);
	sb_str(&b, "order-");
	sb_u64(&b, 1 + rng_below(100000000));
	key = sb_end(&b);
	add_str(pr, "messaging.kafka.message.key", key);
	add_int(pr, "messaging.message.body.size", 200 + rng_below(4000));

	ci = t->n;
	co = new_span(t, pi, SVC_ORDER, (int) rng_below(GEN_NPODS), KIND_CONSUMER, CAT_MESSAGING);
	pr = &t->spans[pi];
	co->start = pr->end + rng_lognormal(3e6, 1.0);
	co->end = co->start + rng_lognormal(25e6, 0.8);
	co->flags = 0x301;
	co->name = consumer_op.name;
	add_str(co, "messaging.system", "kafka");
	add_str(co, "messaging.destination.name", "orders");
	add_str(co, "messaging.operation.type", "process");
	add_str(co, "messaging.consumer.group.name", "order-service");
	sb_begin(&b, co);
	sb_str(&b, key);
	add_str(co, "messaging.kafka.message.key", sb_end(&b));
	add_int(co, "messaging.destination.partition.id", rng_below(12));
	co->nlinks = 1;
	memcpy(co->link.trace_id, pr->trace_id, 16);
	memcpy(co->link.span_id, pr->span_id, 8);
	co->link.nattrs = 1;
	attr_str(&co->link.attrs[0], "messaging.operation.type", "publish");
	t->spans[ci].open = true;
}

/*
 * Build one trace of 5-50 spans starting at time start.  The consumer of a
 * Kafka publish may end after the root; that is how such traces look.
 */
static void
gen_trace(TraceCtx *t, uint64_t start)
{
	int			target;
	int			root;
	int			i;
	int64_t		shift;
	int			opens[GEN_MAX_TRACE];

	t->n = 0;
	rng_bytes_nonzero(t->trace_id, 16);
	t->trace_state = trace_states[rng_below(sizeof(trace_states) / sizeof(trace_states[0]))];
	t->user_id = 1 + rng_below(2000000);
	t->ua = (int) rng_below(4);
	t->client_ip[0] = (uint8_t) rng_below(256);
	t->client_ip[1] = (uint8_t) rng_below(256);
	t->client_ip[2] = (uint8_t) (1 + rng_below(254));

	target = (int) (12.0 * exp(0.6 * rng_normal()));
	if (target < 5)
		target = 5;
	if (target > 50)
		target = 50;

	root = gen_server(t, -1, rng_below(10) < 7 ? 0 : 1, (int) rng_below(GEN_NROUTES));
	shift = (int64_t) start;
	t->spans[root].end += shift;
	t->spans[root].start = start;

	while (t->n < target)
	{
		int			nopen = 0;
		int			p;
		const Span *ps;
		uint32_t	r;
		bool		two_left = target - t->n >= 2;

		for (i = 0; i < t->n; i++)
			if (t->spans[i].open)
				opens[nopen++] = i;
		p = opens[rng_below(nopen)];
		ps = &t->spans[p];
		r = rng_below(100);
		if (two_left && ps->service == SVC_CHECKOUT && r < 12)
			gen_publish(t, p);
		else if (two_left && ps->kind != KIND_INTERNAL &&
				 service_specs[ps->service].ncallees > 0 && r < 60)
			gen_http_call(t, p);
		else if (service_specs[ps->service].db != DB_NONE && r < 85)
			gen_db_call(t, p);
		else
			gen_internal(t, p);
	}

	/* ~5% of spans fail */
	for (i = 0; i < t->n; i++)
		if (rng_below(100) < 5)
			make_error(&t->spans[i], t->spans[i].scope % CAT_COUNT == CAT_DB ? 1 : 0);
}

/* ---------------------------------------------------------------------
 * main
 * ---------------------------------------------------------------------
 */
static void
usage(void)
{
	fprintf(stderr,
			"usage: gen [options]\n"
			"  --seed N         random seed (default 1)\n"
			"  --spans N        number of spans (default 100000)\n"
			"  --start SECS     window start, Unix seconds (default 1795000000)\n"
			"  --window SECS    window length in seconds (default 3600)\n"
			"  --batch N        spans per OTLP request (default 512)\n"
			"  --tenant NAME    tenant column value (default single-tenant)\n"
			"  --label-sets N   add cost.team/project/region span attributes taking N\n"
			"                   distinct value sets (default 0 = none)\n"
			"  --otlp FILE      write length-prefixed OTLP/protobuf requests ('-' = stdout)\n"
			"  --copy FILE      write COPY text rows ('-' = stdout)\n"
			"  --verify         decode every request again and compare it with the spans\n"
			"  --quiet          do not print statistics\n");
	exit(2);
}

static uint64_t
parse_u64(const char *arg, const char *opt)
{
	char	   *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-')
		die("invalid value for %s: \"%s\"", opt, arg);
	return (uint64_t) v;
}

static FILE *
open_out(const char *path)
{
	FILE	   *fp;

	if (strcmp(path, "-") == 0)
		return stdout;
	fp = fopen(path, "wb");
	if (fp == NULL)
		die("could not open \"%s\": %s", path, strerror(errno));
	return fp;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"seed", required_argument, NULL, 's'},
		{"spans", required_argument, NULL, 'n'},
		{"start", required_argument, NULL, 'S'},
		{"window", required_argument, NULL, 'w'},
		{"batch", required_argument, NULL, 'b'},
		{"tenant", required_argument, NULL, 't'},
		{"label-sets", required_argument, NULL, 'L'},
		{"otlp", required_argument, NULL, 'o'},
		{"copy", required_argument, NULL, 'c'},
		{"verify", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	uint64_t	seed = 1;
	uint64_t	nspans = 100000;
	uint64_t	start = 1795000000;
	uint64_t	window = 3600;
	uint64_t	batch_size = 512;
	uint64_t	label_sets = 0;
	const char *otlp_path = NULL;
	const char *copy_path = NULL;
	bool		verify = false;
	bool		quiet = false;
	Out			copy_out = {0};
	Batch	   *batch = NULL;
	uint64_t	requests = 0,
				otlp_bytes = 0,
				verified = 0;
	TraceCtx   *t;
	uint64_t	done = 0;
	uint64_t	ntraces = 0;
	uint64_t	nerrors = 0;
	uint64_t	start_ns,
				window_ns;
	struct timespec t0,
				t1,
				c1;
	double		secs,
				cpu;
	int			c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case 's':
				seed = parse_u64(optarg, "--seed");
				break;
			case 'n':
				nspans = parse_u64(optarg, "--spans");
				break;
			case 'S':
				start = parse_u64(optarg, "--start");
				break;
			case 'w':
				window = parse_u64(optarg, "--window");
				break;
			case 'b':
				batch_size = parse_u64(optarg, "--batch");
				break;
			case 't':
				cur_tenant = optarg;
				break;
			case 'L':
				label_sets = parse_u64(optarg, "--label-sets");
				break;
			case 'o':
				otlp_path = optarg;
				break;
			case 'c':
				copy_path = optarg;
				break;
			case 'v':
				verify = true;
				break;
			case 'q':
				quiet = true;
				break;
			default:
				usage();
		}
	}
	if (optind < argc)
		usage();
	if (otlp_path == NULL && copy_path == NULL)
		die("nothing to do: give --otlp FILE and/or --copy FILE");
	if (otlp_path && copy_path && strcmp(otlp_path, "-") == 0 && strcmp(copy_path, "-") == 0)
		die("--otlp and --copy cannot both write to stdout");
	if (batch_size < 1 || batch_size > 100000)
		die("--batch must be between 1 and 100000");
	if (window < 1)
		die("--window must be at least 1 second");
	if (start > 9000000000ULL)
		die("--start is too far in the future");
	cost_label_sets = label_sets;

	rng_seed(seed);
	init_model();
	t = xmalloc(sizeof(TraceCtx));
	if (otlp_path)
		batch = otlp_create((int) batch_size, open_out(otlp_path), verify);
	if (copy_path)
		copy_init(&copy_out, open_out(copy_path), cur_tenant);

	start_ns = start * 1000000000ULL;
	window_ns = window * 1000000000ULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	while (done < nspans)
	{
		/* trace starts advance with the share of spans already written */
		uint64_t	slot = (uint64_t) ((double) window_ns * ((double) done / (double) nspans));
		uint64_t	jitter = rng_below(1000000);
		int			idx[GEN_MAX_TRACE];
		int			n,
					i,
					j;

		gen_trace(t, start_ns + slot + jitter);
		n = t->n;
		if ((uint64_t) n > nspans - done)
			n = (int) (nspans - done);

		/* emission order: by start time, parents first (stable insertion) */
		for (i = 0; i < t->n; i++)
		{
			int			v = i;

			for (j = i; j > 0 && t->spans[idx[j - 1]].start > t->spans[v].start; j--)
				idx[j] = idx[j - 1];
			idx[j] = v;
		}

		if (cost_label_sets > 0)
			for (i = 0; i < n; i++)
				add_cost_labels(&t->spans[idx[i]]);
		for (i = 0; i < n; i++)
		{
			const Span *s = &t->spans[idx[i]];

			if (s->status == 2)
				nerrors++;
			if (copy_path)
				copy_write_span(&copy_out, s);
			if (otlp_path)
				otlp_add_span(batch, s);
		}
		done += (uint64_t) n;
		ntraces++;
	}
	if (otlp_path)
		otlp_finish(batch, &requests, &otlp_bytes, &verified);
	if (copy_path)
		copy_finish(&copy_out);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	secs = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
	cpu = (double) c1.tv_sec + (double) c1.tv_nsec / 1e9;

	if (!quiet)
	{
		fprintf(stderr, "gen: %llu spans in %llu traces (%llu errors, %.2f%%), %.3f s, %.0f spans/s (%.0f per CPU second)\n",
				(unsigned long long) done, (unsigned long long) ntraces,
				(unsigned long long) nerrors, done ? 100.0 * nerrors / done : 0.0,
				secs, secs > 0 ? done / secs : 0.0, cpu > 0 ? done / cpu : 0.0);
		if (otlp_path)
			fprintf(stderr, "gen: otlp: %llu requests, %llu bytes (%.1f bytes/span)\n",
					(unsigned long long) requests, (unsigned long long) otlp_bytes,
					done ? (double) otlp_bytes / done : 0.0);
		if (verify)
			fprintf(stderr, "gen: verify: %llu spans decoded and matched\n",
					(unsigned long long) verified);
	}
	return 0;
}
