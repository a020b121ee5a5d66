'use strict';
/*
 * Shared pieces of the end-to-end tests: where the server is (from the
 * environment), the three OTLP exporters, an SDK provider whose exporter
 * records every export and its result, a set of traces that uses every
 * feature of the JS API, and the comparison of what the SDK exported with
 * what tempo gives back through SQL (tempo.trace_json and tempo.spans).
 *
 * Both sides are turned into one canonical form before comparing:
 * attribute lists become objects key -> tagged value ({s}, {i} as a decimal
 * string, {d}, {b}, {y} base64, {a: [...]}, {kv: {...}}, {e: null} for an
 * empty AnyValue), times become decimal strings of nanoseconds, ids lower
 * case hex, and fields OTLP defines as "absent = default" are made explicit.
 * Span-level flags and dropped counts are not compared: tempo.spans has no
 * column for them (DESIGN 3.1).
 */
const assert = require('node:assert/strict');
const api = require('@opentelemetry/api');
const { Client } = require('pg');
const { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, RandomIdGenerator } =
	require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { ExportResultCode } = require('@opentelemetry/core');

const HTTP_BASE = process.env.TEMPO_OTLP_HTTP || 'http://127.0.0.1:4318';
const GRPC_ADDR = process.env.TEMPO_OTLP_GRPC || '127.0.0.1:4317';

/* ------------------------------------------------------------------ diag */

/*
 * Exporter warnings (partial success, undecodable responses) go through the
 * API's diag logger; keep them so tests can assert on them.
 */
const diagMessages = [];
api.diag.setLogger({
	error: (...a) => diagMessages.push({ level: 'error', text: a.map(fmt).join(' ') }),
	warn: (...a) => diagMessages.push({ level: 'warn', text: a.map(fmt).join(' ') }),
	info: () => {},
	debug: () => {},
	verbose: () => {},
}, api.DiagLogLevel.WARN);

function fmt(x) {
	if (typeof x === 'string') return x;
	if (x instanceof Error) return x.message;
	try { return JSON.stringify(x); } catch { return String(x); }
}

function takeDiag() {
	return diagMessages.splice(0, diagMessages.length);
}

/* ------------------------------------------------------------- exporters */

/*
 * kind: 'proto' | 'json' | 'grpc'; opts: { compression: 'gzip', tenant,
 * path (HTTP only, default /v1/traces) }.
 */
function makeExporter(kind, opts = {}) {
	const common = { timeoutMillis: 15000 };
	if (opts.compression) common.compression = opts.compression;
	if (kind === 'grpc') {
		const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
		const grpc = require('@grpc/grpc-js');
		const md = new grpc.Metadata();
		if (opts.tenant !== undefined) md.set('x-scope-orgid', opts.tenant);
		return new OTLPTraceExporter({ ...common, url: `http://${GRPC_ADDR}`, metadata: md });
	}
	const headers = opts.tenant !== undefined ? { 'X-Scope-OrgID': opts.tenant } : {};
	const url = HTTP_BASE + (opts.path || '/v1/traces');
	const mod = kind === 'proto'
		? require('@opentelemetry/exporter-trace-otlp-proto')
		: require('@opentelemetry/exporter-trace-otlp-http');
	return new mod.OTLPTraceExporter({ ...common, url, headers });
}

/* Wraps an exporter and records each export's spans and result. */
class RecordingExporter {
	constructor(inner) {
		this.inner = inner;
		this.exports = [];
	}

	export(spans, done) {
		const rec = { spans: spans.slice(), result: null };
		this.exports.push(rec);
		this.inner.export(spans, (result) => {
			rec.result = result;
			done(result);
		});
	}

	shutdown() { return this.inner.shutdown(); }

	forceFlush() { return this.inner.forceFlush ? this.inner.forceFlush() : Promise.resolve(); }

	get spans() { return this.exports.flatMap((e) => e.spans); }
}

/* An id generator that hands out queued ids first (for invalid-id tests). */
class QueuedIdGenerator {
	constructor() {
		this.random = new RandomIdGenerator();
		this.traceIds = [];
		this.spanIds = [];
	}

	generateTraceId() { return this.traceIds.length ? this.traceIds.shift() : this.random.generateTraceId(); }

	generateSpanId() { return this.spanIds.length ? this.spanIds.shift() : this.random.generateSpanId(); }
}

/*
 * A provider exporting through a recording exporter.  processor: 'batch'
 * (export on forceFlush) or 'simple' (one export per ended span).
 */
function makeProvider(exporter, { processor = 'batch', resource, idGenerator, spanLimits } = {}) {
	const recorder = new RecordingExporter(exporter);
	const proc = processor === 'simple'
		? new SimpleSpanProcessor(recorder)
		: new BatchSpanProcessor(recorder, { maxExportBatchSize: 512, scheduledDelayMillis: 60000 });
	const provider = new BasicTracerProvider({
		resource: resource || resourceFromAttributes({ 'service.name': 'e2e-default' }),
		spanProcessors: [proc],
		idGenerator,
		spanLimits,
	});
	return { provider, recorder };
}

/*
 * Export what the provider holds and wait for the results of every export
 * (also those the batch processor started on its own before the flush).
 * A failed export rejects forceFlush; tests read results from the recorder.
 */
async function flush(provider, recorder) {
	try {
		await provider.forceFlush();
	} catch {
		/* recorded */
	}
	const deadline = Date.now() + 30000;
	while (recorder.exports.some((e) => e.result === null)) {
		if (Date.now() > deadline) throw new Error('an export got no result within 30 s');
		await new Promise((r) => setTimeout(r, 20));
	}
}

/* ----------------------------------------------------------- test traces */

/* A resource with service.name and attributes of every type. */
function richResource(service) {
	return resourceFromAttributes({
		'service.name': service,
		'service.version': '0.1.0',
		'deployment.environment': 'test',
		'host.cpu.count': 2,
		'process.runtime.ratio': 0.75,
		'telemetry.sdk.present': true,
		'res.tags': ['a', 'b'],
	});
}

/* A time [sec, nanos] some minutes ago, nanos with non-zero last digits. */
function hrBase(minutesAgo = 10) {
	return [Math.floor(Date.now() / 1000) - minutesAgo * 60, 123456789];
}

/* base + offset nanoseconds, as an hrtime tuple. */
function hrAdd(base, offsetNs) {
	const total = BigInt(base[0]) * 1000000000n + BigInt(base[1]) + BigInt(offsetNs);
	return [Number(total / 1000000000n), Number(total % 1000000000n)];
}

/* Span attributes with every value type the JS API accepts. */
function allTypesAttributes(tag, { nonFinite = false } = {}) {
	const a = {
		'e2e.tag': tag,
		'str': 'hello',
		'str.empty': '',
		'str.unicode': 'héllo wörld ✓ 日本語 🚀',
		'str.escapes': 'quote" backslash\\ newline\n tab\t slash/',
		'int': 42,
		'int.negative': -7,
		'int.zero': 0,
		'int.max_safe': Number.MAX_SAFE_INTEGER,
		'int.min_safe': Number.MIN_SAFE_INTEGER,
		'double': 3.141592653589793,
		'double.negative': -0.5,
		'double.tiny': 1e-300,
		'double.big': 1234567890123456.8, /* a Number >= 2**53 is an integer to the SDK */
		'bool.true': true,
		'bool.false': false,
		'arr.str': ['a', 'b', '', 'ü'],
		'arr.int': [1, -2, 3000000000],
		'arr.double': [1.5, -2.25, 0.1],
		'arr.bool': [true, false, true],
		'arr.empty': [],
		'arr.with_null': ['x', null, 'z'],
		'key.ünïcode.ключ': 'value',
	};
	if (nonFinite) {
		/* the JSON exporter turns these into null (JSON.stringify), so only
		 * the protobuf-based exporters send them */
		a['double.nan'] = NaN;
		a['double.inf'] = Infinity;
		a['double.ninf'] = -Infinity;
	}
	return a;
}

/*
 * Two traces of ten spans through one provider; the second trace's root
 * links to spans of the first (links to another trace).  Every span kind,
 * status unset/ok/error (with message), events with attributes, explicit
 * nanosecond start/end times.  Returns the trace ids.
 */
function buildTraces(provider, tag, { nonFinite = false, scopeVersion = '1.2.3', minutesAgo = 10 } = {}) {
	const tracer = provider.getTracer(`e2e.scope.${tag}`, scopeVersion);
	const other = provider.getTracer(`e2e.other-scope.${tag}`);
	const base = hrBase(minutesAgo);
	const K = api.SpanKind;

	const start = (t, name, kind, parent, offset, extra = {}) => t.startSpan(name, {
		kind,
		startTime: hrAdd(base, offset),
		attributes: extra.attributes,
		links: extra.links,
	}, parent ? api.trace.setSpan(api.ROOT_CONTEXT, parent) : api.ROOT_CONTEXT);

	/* trace A: a server request fanning out to a client call, a producer
	 * and an internal step; the consumer side is in trace B */
	const root = start(tracer, 'GET /checkout', K.SERVER, null, 0, {
		attributes: { ...allTypesAttributes(tag, { nonFinite }), 'http.route': '/checkout' },
	});
	root.addEvent('request.received', { 'ev.str': 'in', 'ev.int': 1, 'ev.double': 0.25, 'ev.bool': true, 'ev.arr': ['p', 'q'] }, hrAdd(base, 1001));
	root.addEvent('no-attributes', hrAdd(base, 2003));
	const client = start(tracer, 'SELECT orders', K.CLIENT, root, 10007, {
		attributes: { 'db.system': 'postgresql', 'db.rows': 17 },
	});
	client.setStatus({ code: api.SpanStatusCode.OK });
	client.end(hrAdd(base, 5000011));
	const internal = start(tracer, 'compute-total', K.INTERNAL, root, 5000013);
	const deep = start(other, 'round', K.INTERNAL, internal, 5000017, { attributes: { 'depth': 3 } });
	deep.end(hrAdd(base, 5000019));
	internal.setStatus({ code: api.SpanStatusCode.ERROR, message: 'total mismatch: "expected" ≠ got\nline 2' });
	internal.addEvent('exception', {
		'exception.type': 'Error', 'exception.message': 'boom', 'exception.stacktrace': 'at x\n at y',
	}, hrAdd(base, 6000021));
	internal.end(hrAdd(base, 7000023));
	const producer = start(tracer, 'publish order', K.PRODUCER, root, 7000029, { attributes: { 'messaging.system': 'kafka' } });
	producer.end(hrAdd(base, 7500031));
	const errNoMsg = start(tracer, 'error-without-message', K.CLIENT, root, 7500037);
	errNoMsg.setStatus({ code: api.SpanStatusCode.ERROR });
	errNoMsg.end(hrAdd(base, 7500037)); /* zero duration */
	root.end(hrAdd(base, 9999999999)); /* ~10 s */

	/* trace B: consumer of A's message, continuing a remote context with a
	 * trace state (its parent is not sent), linked to A's producer and root */
	const ids = new RandomIdGenerator();
	const remote = api.trace.setSpanContext(api.ROOT_CONTEXT, {
		traceId: ids.generateTraceId(),
		spanId: ids.generateSpanId(),
		traceFlags: api.TraceFlags.SAMPLED,
		isRemote: true,
		traceState: api.createTraceState('tenant9=t61rcWkgMzE,other=v'),
	});
	const linkState = api.createTraceState('vendor1=abc,vendor2=x-y');
	const consumer = tracer.startSpan('consume order', {
		kind: K.CONSUMER,
		startTime: hrAdd(base, 8000041),
		attributes: { 'messaging.operation': 'process' },
		links: [
			{
				context: { ...producer.spanContext(), traceState: linkState, isRemote: true },
				attributes: { 'link.str': 'from-producer', 'link.int': 5, 'link.arr': [1.5, 2.5] },
			},
			{ context: root.spanContext() },
		],
	}, remote);
	const b1 = start(tracer, 'store', K.CLIENT, consumer, 8000043, { attributes: { 'peer.service': 'db' } });
	b1.addEvent('retry', { attempt: 2 }, hrAdd(base, 8000047));
	b1.addEvent('retry', { attempt: 3 }, hrAdd(base, 8000047)); /* same time, order kept */
	b1.end(hrAdd(base, 9000049));
	const b2 = start(tracer, 'ack', K.SERVER, b1, 9000051);
	b2.setStatus({ code: api.SpanStatusCode.OK });
	b2.end(hrAdd(base, 9000053));
	const b3 = start(tracer, 'late-sibling', K.INTERNAL, consumer, 9000057);
	b3.end(hrAdd(base, 9000059));
	consumer.end(hrAdd(base, 9900061));

	return [root.spanContext().traceId, consumer.spanContext().traceId];
}

/* ---------------------------------------------------- canonical forms */

function canonValueJs(v) {
	if (v === null || v === undefined) return { e: null };
	if (typeof v === 'string') return { s: v };
	if (typeof v === 'boolean') return { b: v };
	if (typeof v === 'number') {
		return Number.isInteger(v) ? { i: BigInt(v).toString() } : { d: v };
	}
	if (v instanceof Uint8Array) return { y: Buffer.from(v).toString('base64') };
	if (Array.isArray(v)) return { a: v.map(canonValueJs) };
	if (typeof v === 'object') {
		const o = {};
		for (const k of Object.keys(v).sort()) o[k] = canonValueJs(v[k]);
		return { kv: o };
	}
	throw new Error(`unexpected attribute value ${v}`);
}

function canonAttrsJs(attrs) {
	const o = {};
	for (const k of Object.keys(attrs || {}).sort()) o[k] = canonValueJs(attrs[k]);
	return o;
}

function hrToNs(hr) {
	return (BigInt(hr[0]) * 1000000000n + BigInt(hr[1])).toString();
}

function linkFlags(ctx) {
	return (ctx.traceFlags & 0xff) | 0x100 | (ctx.isRemote ? 0x200 : 0);
}

/* The canonical form of a ReadableSpan (what the SDK exported). */
function canonSdkSpan(s) {
	const ctx = s.spanContext();
	const ts = ctx.traceState ? ctx.traceState.serialize() : '';
	return {
		resource: canonAttrsJs(s.resource.attributes),
		scope: { name: s.instrumentationScope.name, version: s.instrumentationScope.version || '' },
		traceId: ctx.traceId,
		spanId: ctx.spanId,
		parentSpanId: s.parentSpanContext ? s.parentSpanContext.spanId : '',
		traceState: ts,
		name: s.name,
		kind: s.kind + 1,
		startTimeUnixNano: hrToNs(s.startTime),
		endTimeUnixNano: hrToNs(s.endTime),
		attributes: canonAttrsJs(s.attributes),
		events: s.events.map((e) => ({
			timeUnixNano: hrToNs(e.time),
			name: e.name,
			attributes: canonAttrsJs(e.attributes),
			droppedAttributesCount: e.droppedAttributesCount || 0,
		})),
		links: s.links.map((l) => ({
			traceId: l.context.traceId,
			spanId: l.context.spanId,
			traceState: l.context.traceState ? l.context.traceState.serialize() : '',
			attributes: canonAttrsJs(l.attributes),
			droppedAttributesCount: l.droppedAttributesCount || 0,
			flags: linkFlags(l.context),
		})),
		status: {
			code: s.status.code,
			message: s.status.code === api.SpanStatusCode.ERROR && s.status.message ? s.status.message : '',
		},
	};
}

/* OTLP/JSON AnyValue -> canonical. */
function canonValueOtlp(v) {
	assert.ok(v !== null && typeof v === 'object', `AnyValue must be an object: ${JSON.stringify(v)}`);
	if ('stringValue' in v) return { s: v.stringValue };
	if ('boolValue' in v) return { b: v.boolValue };
	if ('intValue' in v) return { i: BigInt(v.intValue).toString() };
	if ('doubleValue' in v) return { d: Number(v.doubleValue) };
	if ('bytesValue' in v) return { y: v.bytesValue };
	if ('arrayValue' in v) return { a: ((v.arrayValue || {}).values || []).map(canonValueOtlp) };
	if ('kvlistValue' in v) return { kv: canonAttrsOtlp((v.kvlistValue || {}).values) };
	assert.equal(Object.keys(v).length, 0, `unknown AnyValue ${JSON.stringify(v)}`);
	return { e: null };
}

function canonAttrsOtlp(list) {
	const o = {};
	for (const kv of list || []) o[kv.key] = canonValueOtlp(kv.value || {});
	const sorted = {};
	for (const k of Object.keys(o).sort()) sorted[k] = o[k];
	return sorted;
}

function hexOrEmpty(h) {
	if (!h) return '';
	const l = h.toLowerCase();
	return /^0+$/.test(l) ? '' : l;
}

function nsString(v) {
	return v === undefined || v === null ? '0' : BigInt(v).toString();
}

/* Flatten an OTLP/JSON document into canonical spans. */
function canonOtlpDoc(doc) {
	const out = [];
	for (const rs of doc.resourceSpans || []) {
		const resource = canonAttrsOtlp((rs.resource || {}).attributes);
		for (const ss of rs.scopeSpans || []) {
			const scope = { name: (ss.scope || {}).name || '', version: (ss.scope || {}).version || '' };
			for (const s of ss.spans || []) {
				out.push({
					resource,
					scope,
					traceId: hexOrEmpty(s.traceId),
					spanId: hexOrEmpty(s.spanId),
					parentSpanId: hexOrEmpty(s.parentSpanId),
					traceState: s.traceState || '',
					name: s.name || '',
					kind: s.kind || 0,
					startTimeUnixNano: nsString(s.startTimeUnixNano),
					endTimeUnixNano: nsString(s.endTimeUnixNano),
					attributes: canonAttrsOtlp(s.attributes),
					events: (s.events || []).map((e) => ({
						timeUnixNano: nsString(e.timeUnixNano),
						name: e.name || '',
						attributes: canonAttrsOtlp(e.attributes),
						droppedAttributesCount: e.droppedAttributesCount || 0,
					})),
					links: (s.links || []).map((l) => ({
						traceId: hexOrEmpty(l.traceId),
						spanId: hexOrEmpty(l.spanId),
						traceState: l.traceState || '',
						attributes: canonAttrsOtlp(l.attributes),
						droppedAttributesCount: l.droppedAttributesCount || 0,
						flags: l.flags || 0,
					})),
					status: { code: (s.status || {}).code || 0, message: (s.status || {}).message || '' },
				});
			}
		}
	}
	return out;
}

/* "path: got X, want Y" for every leaf where two canonical forms differ. */
function diffPaths(got, want, path = '') {
	const show = (x) => (x === undefined ? 'absent' : JSON.stringify(x, (k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
	if (Object.is(got, want)) return [];
	if (got === null || want === null || typeof got !== 'object' || typeof want !== 'object'
		|| Array.isArray(got) !== Array.isArray(want)) {
		return [`${path || '.'}: got ${show(got)}, want ${show(want)}`];
	}
	const out = [];
	if (Array.isArray(want)) {
		if (got.length !== want.length) out.push(`${path}: got ${got.length} elements, want ${want.length}`);
		for (let i = 0; i < Math.min(got.length, want.length); i++) out.push(...diffPaths(got[i], want[i], `${path}[${i}]`));
		return out;
	}
	for (const k of [...new Set([...Object.keys(want), ...Object.keys(got)])].sort()) {
		out.push(...diffPaths(got[k], want[k], `${path}.${k}`));
	}
	return out;
}

/* --------------------------------------------------------------- SQL side */

/* A client connection with the default search_path, as a user has. */
async function connect() {
	const c = new Client();
	await c.connect();
	return c;
}

/* tempo.trace_json of one trace, parsed (null when not found). */
async function traceJson(db, traceId) {
	const r = await db.query('SELECT tempo.trace_json($1::tempo.trace_id)::text AS j', [traceId]);
	return r.rows[0].j === null ? null : JSON.parse(r.rows[0].j);
}

async function spanRows(db, traceId) {
	const r = await db.query(
		`SELECT tenant, span_id::text AS span_id, parent_span_id::text AS parent_span_id, name, kind,
		        start_time_unix_nano::text AS start_ns, duration_ns::text AS duration_ns,
		        (extract(epoch FROM start_time) * 1000000)::bigint::text AS start_us,
		        status_code, status_message, service_name, scope_name, scope_version
		   FROM tempo.spans WHERE trace_id OPERATOR(tempo.=) $1::tempo.trace_id ORDER BY span_id`, [traceId]);
	return r.rows;
}

/*
 * Check that every exported span of the given traces is in tempo exactly
 * once and comes back from tempo.trace_json and tempo.spans unchanged.
 */
async function assertTracesStored(db, sdkSpans, traceIds, { tenant = 'single-tenant' } = {}) {
	for (const traceId of traceIds) {
		const expected = sdkSpans.filter((s) => s.spanContext().traceId === traceId);
		assert.ok(expected.length > 0, `no exported span for trace ${traceId}`);

		/* exactly once, right tenant, exact times, columns */
		const rows = await spanRows(db, traceId);
		const ids = rows.map((r) => r.span_id);
		assert.deepEqual(ids, [...new Set(ids)], `trace ${traceId}: a span is stored more than once`);
		assert.deepEqual(ids, expected.map((s) => s.spanContext().spanId).sort(),
			`trace ${traceId}: stored span ids differ from the exported ones`);
		for (const row of rows) {
			const s = expected.find((x) => x.spanContext().spanId === row.span_id);
			const startNs = BigInt(hrToNs(s.startTime));
			const endNs = BigInt(hrToNs(s.endTime));
			assert.equal(row.tenant, tenant, `span ${row.span_id}: tenant`);
			assert.equal(row.start_ns, startNs.toString(), `span ${row.span_id}: start_time_unix_nano`);
			assert.equal(row.duration_ns, (endNs - startNs).toString(), `span ${row.span_id}: duration_ns`);
			const us = BigInt(row.start_us);
			assert.ok(us * 1000n <= startNs + 500n && startNs < (us + 1n) * 1000n + 500n,
				`span ${row.span_id}: start_time ${row.start_us} us does not match ${startNs} ns`);
			assert.equal(row.kind, s.kind + 1, `span ${row.span_id}: kind`);
			assert.equal(row.status_code, s.status.code, `span ${row.span_id}: status_code`);
			assert.equal(row.name, s.name);
			assert.equal(row.parent_span_id, s.parentSpanContext ? s.parentSpanContext.spanId : null);
			assert.equal(row.service_name, s.resource.attributes['service.name'] ?? null);
			assert.equal(row.scope_name, s.instrumentationScope.name);
			assert.equal(row.scope_version ?? '', s.instrumentationScope.version || '');
		}

		/* the whole span, through tempo.trace_json */
		const doc = await traceJson(db, traceId);
		assert.ok(doc, `tempo.trace_json(${traceId}) is NULL`);
		const got = canonOtlpDoc(doc);
		const want = expected.map(canonSdkSpan);
		const byId = (a, b) => (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0);
		got.sort(byId);
		want.sort(byId);
		assert.equal(got.length, want.length, `trace ${traceId}: span count in trace_json`);
		for (let i = 0; i < want.length; i++) {
			const d = diffPaths(got[i], want[i]);
			assert.ok(d.length === 0, `trace ${traceId} span ${want[i].spanId} (${want[i].name}) differs `
				+ `(stored vs exported):\n  ${d.slice(0, 12).join('\n  ')}${d.length > 12 ? `\n  ... ${d.length - 12} more` : ''}`);
		}
	}
}

/* Wait for a SQL condition with a deadline (settings reloads). */
async function waitFor(what, fn, timeoutMs = 10000) {
	const deadline = Date.now() + timeoutMs;
	let last;
	for (;;) {
		last = await fn();
		if (last) return last;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

module.exports = {
	HTTP_BASE, GRPC_ADDR, ExportResultCode,
	makeExporter, makeProvider, flush, RecordingExporter, QueuedIdGenerator,
	hrBase, hrAdd, allTypesAttributes, buildTraces,
	canonSdkSpan, canonOtlpDoc, hrToNs, diffPaths,
	connect, traceJson, spanRows, assertTracesStored, waitFor, takeDiag,
	resourceFromAttributes, richResource,
};
