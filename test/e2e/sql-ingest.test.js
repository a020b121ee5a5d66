'use strict';
/*
 * tempo.ingest(payload, content_type, tenant) with the exact bytes the SDK
 * exporters send (their own serializers): the SQL path must accept what the
 * workers accept and tempo.trace_json must give it back unchanged.
 */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { ProtobufTraceSerializer, JsonTraceSerializer } = require('@opentelemetry/otlp-transformer');
const { InMemorySpanExporter, SimpleSpanProcessor, BasicTracerProvider } = require('@opentelemetry/sdk-trace-base');
const h = require('./lib/harness');

let db;
before(async () => { db = await h.connect(); });
after(async () => { if (db) await db.end(); });

function sdkSpans(tag, opts) {
	const mem = new InMemorySpanExporter();
	const provider = new BasicTracerProvider({
		resource: h.richResource(`e2e-sql-${tag}`),
		spanProcessors: [new SimpleSpanProcessor(mem)],
	});
	const traceIds = h.buildTraces(provider, tag, opts);
	return { spans: mem.getFinishedSpans(), traceIds };
}

for (const [ct, serializer, nonFinite] of [
	['application/x-protobuf', ProtobufTraceSerializer, true],
	['application/json', JsonTraceSerializer, false],
]) {
	test(`tempo.ingest(${ct}) of the SDK's payload`, async () => {
		const { spans, traceIds } = sdkSpans(ct.split('/')[1], { nonFinite, minutesAgo: 14 });
		const payload = Buffer.from(serializer.serializeRequest(spans));
		const r = await db.query('SELECT * FROM tempo.ingest($1, $2, $3)', [payload, ct, 'sql-tenant']);
		assert.equal(r.rows.length, 1);
		assert.equal(Number(r.rows[0].accepted_spans), spans.length, `message: ${r.rows[0].message}`);
		assert.equal(Number(r.rows[0].rejected_spans), 0, `message: ${r.rows[0].message}`);
		await h.assertTracesStored(db, spans, traceIds, { tenant: 'sql-tenant' });
	});
}

test('tempo.ingest defaults: protobuf, tenant single-tenant', async () => {
	const { spans, traceIds } = sdkSpans('defaults', { minutesAgo: 13 });
	const payload = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans));
	const r = await db.query('SELECT accepted_spans FROM tempo.ingest($1)', [payload]);
	assert.equal(Number(r.rows[0].accepted_spans), spans.length);
	await h.assertTracesStored(db, spans, traceIds);
});

test('tempo.trace_json of an unknown trace is NULL', async () => {
	assert.equal(await h.traceJson(db, '0123456789abcdef0123456789abcdef'), null);
});
