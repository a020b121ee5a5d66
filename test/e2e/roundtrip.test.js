'use strict';
/*
 * Every OTLP transport the JS SDK offers sends the same kind of traces; each
 * exported span must be in tempo exactly once, with its attributes, events,
 * links, status, kind and nanosecond times intact, visible as soon as the
 * export was acknowledged (ack = committed).
 */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./lib/harness');

let db;
before(async () => { db = await h.connect(); });
after(async () => { if (db) await db.end(); });

const variants = [
	{ name: 'OTLP/HTTP protobuf', kind: 'proto', nonFinite: true },
	{ name: 'OTLP/HTTP protobuf, gzip', kind: 'proto', compression: 'gzip', nonFinite: true },
	{ name: 'OTLP/HTTP JSON', kind: 'json' },
	{ name: 'OTLP/HTTP JSON, gzip', kind: 'json', compression: 'gzip' },
	{ name: 'OTLP/gRPC', kind: 'grpc', nonFinite: true },
	{ name: 'OTLP/gRPC, gzip', kind: 'grpc', compression: 'gzip', nonFinite: true },
];

for (const v of variants) {
	for (const processor of ['batch', 'simple']) {
		test(`${v.name}: ${processor} span processor, spans arrive intact and once`, async () => {
			h.takeDiag();
			const tag = `${v.kind}-${v.compression || 'none'}-${processor}`;
			const { provider, recorder } = h.makeProvider(h.makeExporter(v.kind, v), {
				processor,
				resource: h.richResource(`e2e-${tag}`),
			});
			const traceIds = h.buildTraces(provider, tag, { nonFinite: v.nonFinite });
			await h.flush(provider, recorder);

			assert.ok(recorder.exports.length >= 1, 'nothing was exported');
			if (processor === 'batch') {
				assert.equal(recorder.exports.length, 1, 'the batch processor sends one request');
			} else {
				assert.equal(recorder.exports.length, recorder.spans.length, 'one request per span');
			}
			for (const e of recorder.exports) {
				assert.equal(e.result.code, h.ExportResultCode.SUCCESS,
					`export failed: ${e.result.error && e.result.error.message} ${e.result.error && e.result.error.data}`);
			}
			assert.equal(recorder.spans.length, 10);
			const warnings = h.takeDiag();
			assert.deepEqual(warnings.filter((d) => /Partial Success|deserialize/i.test(d.text)), [],
				'a full success must carry no partial_success and a decodable response');

			/* no waiting: an acknowledged span must already be readable */
			await h.assertTracesStored(db, recorder.spans, traceIds);
			await provider.shutdown();
		});
	}
}

test('the same traces through every exporter give the same trace_json shape', async () => {
	/* one trace per transport with identical content except ids: their
	 * canonical forms must agree once ids are blanked */
	const shapes = [];
	for (const kind of ['proto', 'json', 'grpc']) {
		const { provider, recorder } = h.makeProvider(h.makeExporter(kind), {
			resource: h.resourceFromAttributes({ 'service.name': 'e2e-shape' }),
		});
		const traceIds = h.buildTraces(provider, 'shape', { scopeVersion: '9.9.9', minutesAgo: 20 });
		await h.flush(provider, recorder);
		assert.equal(recorder.exports[0].result.code, h.ExportResultCode.SUCCESS);
		const spans = [];
		for (const id of traceIds) spans.push(...h.canonOtlpDoc(await h.traceJson(db, id)));
		const blank = spans.map((s) => ({
			...s,
			traceId: '', spanId: '', parentSpanId: s.parentSpanId ? 'p' : '',
			links: s.links.map((l) => ({ ...l, traceId: '', spanId: '' })),
		})).sort((a, b) => (a.startTimeUnixNano + a.name).localeCompare(b.startTimeUnixNano + b.name));
		/* the three runs start in different seconds: make times relative */
		const t0 = BigInt(blank[0].startTimeUnixNano);
		for (const s of blank) {
			s.startTimeUnixNano = (BigInt(s.startTimeUnixNano) - t0).toString();
			s.endTimeUnixNano = (BigInt(s.endTimeUnixNano) - t0).toString();
			s.events = s.events.map((e) => ({ ...e, timeUnixNano: (BigInt(e.timeUnixNano) - t0).toString() }));
		}
		shapes.push(blank);
		await provider.shutdown();
	}
	assert.deepStrictEqual(shapes[1], shapes[0], 'JSON differs from protobuf');
	assert.deepStrictEqual(shapes[2], shapes[0], 'gRPC differs from protobuf');
});

test('many spans in one request (BatchSpanProcessor, 2000 spans)', async () => {
	const { provider, recorder } = h.makeProvider(h.makeExporter('proto', { compression: 'gzip' }), {
		resource: h.resourceFromAttributes({ 'service.name': 'e2e-bulk' }),
	});
	const tracer = provider.getTracer('e2e.bulk');
	const base = h.hrBase(15);
	const api = require('@opentelemetry/api');
	const traceIds = [];
	for (let t = 0; t < 20; t++) {
		const root = tracer.startSpan(`bulk-${t}`, { startTime: h.hrAdd(base, t * 1000003) });
		const ctx = api.trace.setSpan(api.ROOT_CONTEXT, root);
		for (let i = 0; i < 99; i++) {
			const s = tracer.startSpan(`child-${i}`, {
				startTime: h.hrAdd(base, t * 1000003 + i * 1009 + 1),
				attributes: { i, t, 'x.str': `v${i}`, 'x.d': i + 0.5 },
			}, ctx);
			s.end(h.hrAdd(base, t * 1000003 + i * 1009 + 500));
		}
		root.end(h.hrAdd(base, t * 1000003 + 999999));
		traceIds.push(root.spanContext().traceId);
	}
	await h.flush(provider, recorder);
	assert.ok(recorder.exports.length >= 4, 'expected several batches of at most 512 spans');
	for (const e of recorder.exports) assert.equal(e.result.code, h.ExportResultCode.SUCCESS);
	const r = await db.query(
		`SELECT count(*)::int AS n, count(DISTINCT span_id)::int AS d FROM tempo.spans
		  WHERE trace_id::text = ANY ($1::text[])`, [traceIds]);
	assert.deepEqual(r.rows[0], { n: 2000, d: 2000 });
	/* and two traces in full detail */
	await h.assertTracesStored(db, recorder.spans, [traceIds[0], traceIds[19]]);
	await provider.shutdown();
});

test('concurrent clients on every transport: each span stored once', async () => {
	const api = require('@opentelemetry/api');
	const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
	const clients = [];
	for (const kind of ['proto', 'json', 'grpc']) {
		for (let c = 0; c < 2; c++) {
			const recorder = new h.RecordingExporter(h.makeExporter(kind, { compression: c ? 'gzip' : undefined }));
			const provider = new BasicTracerProvider({
				resource: h.resourceFromAttributes({ 'service.name': `e2e-concurrent-${kind}-${c}` }),
				spanProcessors: [new BatchSpanProcessor(recorder, { maxExportBatchSize: 64, scheduledDelayMillis: 1 })],
			});
			clients.push({ provider, recorder, traceIds: [] });
		}
	}
	const base = h.hrBase(16);
	/* interleave span creation so the clients' requests overlap */
	for (let t = 0; t < 10; t++) {
		for (const [n, cl] of clients.entries()) {
			const tracer = cl.provider.getTracer('e2e.concurrent');
			const off = n * 100000007 + t * 1000003;
			const root = tracer.startSpan(`c${n}-t${t}`, { startTime: h.hrAdd(base, off) });
			const ctx = api.trace.setSpan(api.ROOT_CONTEXT, root);
			for (let i = 0; i < 29; i++) {
				tracer.startSpan(`s${i}`, { startTime: h.hrAdd(base, off + i + 1), attributes: { i } }, ctx)
					.end(h.hrAdd(base, off + i + 1001));
			}
			root.end(h.hrAdd(base, off + 999983));
			cl.traceIds.push(root.spanContext().traceId);
		}
		await new Promise((r) => setImmediate(r));
	}
	await Promise.all(clients.map((cl) => h.flush(cl.provider, cl.recorder)));
	for (const cl of clients) {
		assert.ok(cl.recorder.exports.length >= 4, 'expected several requests per client');
		for (const e of cl.recorder.exports) {
			assert.equal(e.result.code, h.ExportResultCode.SUCCESS, e.result.error && e.result.error.message);
		}
		assert.equal(cl.recorder.spans.length, 300);
		const r = await db.query(
			`SELECT count(*)::int AS n, count(DISTINCT span_id)::int AS d FROM tempo.spans
			  WHERE trace_id::text = ANY ($1::text[])`, [cl.traceIds]);
		assert.deepEqual(r.rows[0], { n: 300, d: 300 });
		await cl.provider.shutdown();
	}
});

test('large requests (~4 MB, one export) on every transport', async (t) => {
	const api = require('@opentelemetry/api');
	const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
	for (const [kind, compression] of [['proto', undefined], ['json', 'gzip'], ['grpc', undefined], ['grpc', 'gzip']]) {
		const recorder = new h.RecordingExporter(h.makeExporter(kind, { compression }));
		const provider = new BasicTracerProvider({
			resource: h.resourceFromAttributes({ 'service.name': `e2e-large-${kind}-${compression || 'none'}` }),
			spanProcessors: [new BatchSpanProcessor(recorder, {
				maxExportBatchSize: 2000, maxQueueSize: 4000, scheduledDelayMillis: 60000,
			})],
		});
		const tracer = provider.getTracer('e2e.large');
		const base = h.hrBase(17);
		const root = tracer.startSpan('large-root', { startTime: base });
		const ctx = api.trace.setSpan(api.ROOT_CONTEXT, root);
		for (let i = 0; i < 1999; i++) {
			/* ~2 kB of attributes per span, some of it incompressible */
			const attributes = { i, blob: `${i}:`.padEnd(1500, 'abcdefghij'), rnd: Math.random().toString(36).repeat(12) };
			tracer.startSpan(`s${i}`, { startTime: h.hrAdd(base, i + 1), attributes }, ctx).end(h.hrAdd(base, i + 2));
		}
		root.end(h.hrAdd(base, 1000000));
		const t0 = process.hrtime.bigint();
		await h.flush(provider, recorder);
		t.diagnostic(`${kind}/${compression || 'none'}: 2000 spans exported and acknowledged in `
			+ `${Number(process.hrtime.bigint() - t0) / 1e6} ms`);
		assert.equal(recorder.exports.length, 1, `${kind}: expected one request`);
		const res = recorder.exports[0].result;
		assert.equal(res.code, h.ExportResultCode.SUCCESS, `${kind}/${compression}: ${res.error && res.error.message}`);
		const r = await db.query(
			`SELECT count(*)::int AS n, count(DISTINCT span_id)::int AS d,
			        sum(length(span_attributes->>'blob'))::int AS blob
			   FROM tempo.spans WHERE trace_id::text = $1`, [root.spanContext().traceId]);
		assert.deepEqual(r.rows[0], { n: 2000, d: 2000, blob: 1999 * 1500 });
		await provider.shutdown();
	}
});

test('dropped attribute counts of events and links survive (SDK span limits)', async () => {
	for (const kind of ['proto', 'json', 'grpc']) {
		const { provider, recorder } = h.makeProvider(h.makeExporter(kind), {
			resource: h.resourceFromAttributes({ 'service.name': `e2e-limits-${kind}` }),
			spanLimits: { attributePerEventCountLimit: 2, attributePerLinkCountLimit: 1 },
		});
		const traceIds = h.buildTraces(provider, `limits-${kind}`, { minutesAgo: 18 });
		await h.flush(provider, recorder);
		assert.equal(recorder.exports[0].result.code, h.ExportResultCode.SUCCESS);
		const dropped = recorder.spans.flatMap((s) => [...s.events, ...s.links])
			.filter((x) => x.droppedAttributesCount > 0);
		assert.ok(dropped.length >= 3, 'the limits dropped nothing: the test is not testing');
		await h.assertTracesStored(db, recorder.spans, traceIds);
		await provider.shutdown();
	}
});
