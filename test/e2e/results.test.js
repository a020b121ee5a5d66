'use strict';
/*
 * What the exporters are told: partial success for invalid span ids (the
 * valid spans of the request stored, the invalid ones not), errors that
 * make the export fail without storing anything, attribute truncation.
 */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const api = require('@opentelemetry/api');
const h = require('./lib/harness');

let db;
before(async () => { db = await h.connect(); });
after(async () => { if (db) await db.end(); });

const ZERO_SPAN = '0000000000000000';
const ZERO_TRACE = '00000000000000000000000000000000';

for (const kind of ['proto', 'json', 'grpc']) {
	test(`${kind}: invalid ids are rejected through partial_success, the rest is stored`, async () => {
		h.takeDiag();
		const ids = new h.QueuedIdGenerator();
		const { provider, recorder } = h.makeProvider(h.makeExporter(kind), {
			idGenerator: ids,
			resource: h.resourceFromAttributes({ 'service.name': `e2e-partial-${kind}` }),
		});
		const tracer = provider.getTracer('e2e.partial');
		const base = h.hrBase(12);
		const root = tracer.startSpan('good-root', { startTime: base });
		const ctx = api.trace.setSpan(api.ROOT_CONTEXT, root);
		const good = tracer.startSpan('good-child', { startTime: h.hrAdd(base, 11) }, ctx);
		good.end(h.hrAdd(base, 21));
		ids.spanIds.push(ZERO_SPAN);
		const badSpan = tracer.startSpan('zero-span-id', { startTime: h.hrAdd(base, 31) }, ctx);
		badSpan.end(h.hrAdd(base, 41));
		root.end(h.hrAdd(base, 51));
		ids.traceIds.push(ZERO_TRACE);
		const badTrace = tracer.startSpan('zero-trace-id', { startTime: h.hrAdd(base, 61) });
		badTrace.end(h.hrAdd(base, 71));
		assert.equal(badSpan.spanContext().spanId, ZERO_SPAN);
		assert.equal(badTrace.spanContext().traceId, ZERO_TRACE);

		await h.flush(provider, recorder);
		assert.equal(recorder.exports.length, 1);
		assert.equal(recorder.exports[0].result.code, h.ExportResultCode.SUCCESS,
			'a partial success is a success for the client (no retry)');
		const partial = h.takeDiag().filter((d) => /Partial Success/.test(d.text));
		assert.equal(partial.length, 1, 'the exporter saw no partial_success in the response');
		const ps = JSON.parse(partial[0].text.replace(/^.*?Partial Success response:\s*/, ''));
		assert.equal(Number(ps.rejectedSpans), 2, `rejected spans: ${partial[0].text}`);
		assert.ok(ps.errorMessage && ps.errorMessage.length > 0, 'partial_success has no error_message');

		const traceId = root.spanContext().traceId;
		const good2 = recorder.spans.filter((s) => s.name.startsWith('good'));
		await h.assertTracesStored(db, good2, [traceId]);
		const r = await db.query(
			`SELECT count(*)::int AS n FROM tempo.spans
			  WHERE service_name = $1 AND (span_id::text = $2 OR trace_id::text = $3)`,
			[`e2e-partial-${kind}`, ZERO_SPAN, ZERO_TRACE]);
		assert.equal(r.rows[0].n, 0, 'a rejected span was stored');
		await provider.shutdown();
	});
}

test('HTTP exporter to an unknown path: export FAILED with 404, nothing stored', async () => {
	const { provider, recorder } = h.makeProvider(h.makeExporter('proto', { path: '/v1/nothing-here' }), {
		resource: h.resourceFromAttributes({ 'service.name': 'e2e-404' }),
	});
	const tracer = provider.getTracer('e2e.404');
	const s = tracer.startSpan('lost', { startTime: h.hrBase(12) });
	s.end(h.hrAdd(h.hrBase(12), 1000));
	await h.flush(provider, recorder);
	assert.equal(recorder.exports.length, 1);
	const res = recorder.exports[0].result;
	assert.equal(res.code, h.ExportResultCode.FAILED);
	assert.equal(res.error && res.error.code, 404, `expected HTTP 404, got ${res.error && res.error.message}`);
	const r = await db.query('SELECT count(*)::int AS n FROM tempo.spans WHERE service_name = $1', ['e2e-404']);
	assert.equal(r.rows[0].n, 0);
	await provider.shutdown();
});

/* Raw request to the HTTP receiver, for conditions the exporters cannot make. */
async function post(body, contentType, headers = {}) {
	return fetch(`${h.HTTP_BASE}/v1/traces`, {
		method: 'POST',
		headers: { 'Content-Type': contentType, ...headers },
		body,
		signal: AbortSignal.timeout(10000),
	});
}

test('HTTP: an empty request succeeds in both content types, with the same content type', async () => {
	const p = await post(Buffer.alloc(0), 'application/x-protobuf');
	assert.equal(p.status, 200);
	assert.match(p.headers.get('content-type') || '', /^application\/x-protobuf/);
	const pb = Buffer.from(await p.arrayBuffer());
	assert.equal(pb.length, 0, 'full success must not carry partial_success');
	const j = await post('{}', 'application/json');
	assert.equal(j.status, 200);
	assert.match(j.headers.get('content-type') || '', /^application\/json/);
	const body = await j.json();
	assert.ok(!body.partialSuccess, `unexpected partialSuccess ${JSON.stringify(body)}`);
});

test('long attribute values are truncated at a UTF-8 boundary (tempo.max_attribute_bytes)', async () => {
	const max = Number((await db.query(
		"SELECT pg_size_bytes(current_setting('tempo.max_attribute_bytes')) AS v")).rows[0].v);
	assert.ok(max > 0, 'test expects attribute truncation to be on');
	const { provider, recorder } = h.makeProvider(h.makeExporter('proto'), {
		resource: h.resourceFromAttributes({ 'service.name': 'e2e-truncate' }),
	});
	const long = '€'.repeat(max); /* 3 bytes each: 3 * max bytes */
	const s = provider.getTracer('e2e.truncate').startSpan('long', {
		startTime: h.hrBase(12), attributes: { 'long.value': long, 'short.value': 'ok' },
	});
	s.end(h.hrAdd(h.hrBase(12), 77));
	await h.flush(provider, recorder);
	assert.equal(recorder.exports[0].result.code, h.ExportResultCode.SUCCESS);
	const r = await db.query(
		`SELECT span_attributes->>'long.value' AS v, span_attributes->>'short.value' AS s
		   FROM tempo.spans WHERE trace_id OPERATOR(tempo.=) $1::tempo.trace_id`, [s.spanContext().traceId]);
	assert.equal(r.rows.length, 1);
	assert.equal(r.rows[0].s, 'ok');
	assert.equal(r.rows[0].v, '€'.repeat(Math.floor(max / 3)), 'truncated to whole characters within the limit');
	await provider.shutdown();
});

/* google.rpc.Status {code = 1 (varint), message = 2 (string)}; other fields skipped */
function decodeStatus(buf) {
	let pos = 0;
	const varint = () => {
		let v = 0n;
		let shift = 0n;
		for (;;) {
			assert.ok(pos < buf.length, 'truncated varint in Status');
			const b = buf[pos++];
			v |= BigInt(b & 0x7f) << shift;
			if (!(b & 0x80)) return v;
			shift += 7n;
		}
	};
	const out = {};
	while (pos < buf.length) {
		const tag = Number(varint());
		const field = tag >> 3;
		const wt = tag & 7;
		if (wt === 0) {
			const v = varint();
			if (field === 1) out.code = Number(v);
		} else if (wt === 2) {
			const len = Number(varint());
			assert.ok(pos + len <= buf.length, 'truncated field in Status');
			if (field === 2) out.message = buf.subarray(pos, pos + len).toString('utf8');
			pos += len;
		} else {
			assert.fail(`unexpected wire type ${wt} in Status`);
		}
	}
	return out;
}

test('HTTP: undecodable data -> 400 with a google.rpc.Status in the request\'s content type', async () => {
	/* field 1 (resource_spans), length 100, but only 3 bytes follow */
	const p = await post(Buffer.from([0x0a, 0x64, 0x0a, 0x01, 0x00]), 'application/x-protobuf');
	assert.equal(p.status, 400);
	assert.match(p.headers.get('content-type') || '', /^application\/x-protobuf/);
	const pb = Buffer.from(await p.arrayBuffer());
	const status = decodeStatus(pb);
	assert.ok(status.message && status.message.length > 0, `no message in the Status body ${pb.toString('hex')}`);

	const j = await post('{"resourceSpans": [', 'application/json');
	assert.equal(j.status, 400);
	assert.match(j.headers.get('content-type') || '', /^application\/json/);
	const body = await j.json();
	assert.equal(typeof body.message, 'string', `Status body ${JSON.stringify(body)}`);
	assert.ok(body.message.length > 0);
});
