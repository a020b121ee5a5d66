'use strict';
/*
 * Server settings seen by the exporters: tempo.multitenancy (tenant from
 * X-Scope-OrgID, 401 / UNAUTHENTICATED without it) and
 * tempo.max_request_bytes (413 / RESOURCE_EXHAUSTED, nothing stored).  The settings are changed
 * with ALTER SYSTEM + pg_reload_conf() (the workers reload on SIGHUP) and
 * reset afterwards; the tests wait, with a deadline, until the workers
 * answer under the new value.  Needs a superuser connection.
 */
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const zlib = require('node:zlib');
const h = require('./lib/harness');

let db;
let superuser = false;
before(async () => {
	db = await h.connect();
	superuser = (await db.query("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).rows[0].rolsuper;
});
after(async () => {
	if (db) {
		if (superuser) {
			await db.query('ALTER SYSTEM RESET tempo.multitenancy');
			await db.query('ALTER SYSTEM RESET tempo.max_request_bytes');
			await db.query('SELECT pg_reload_conf()');
		}
		await db.end();
	}
});

async function setAndReload(name, value) {
	if (value === null) await db.query(`ALTER SYSTEM RESET ${name}`);
	else await db.query(`ALTER SYSTEM SET ${name} = '${value}'`);
	await db.query('SELECT pg_reload_conf()');
}

/*
 * Status of a raw protobuf POST (an empty request unless given a body), on
 * a new connection each time so that with several workers (SO_REUSEPORT)
 * the requests spread over them.
 */
function postStatus(body = Buffer.alloc(0), headers = {}) {
	const url = new URL('/v1/traces', h.HTTP_BASE);
	return new Promise((resolve, reject) => {
		const req = http.request(url, {
			method: 'POST',
			agent: false,
			headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': body.length, ...headers },
			timeout: 10000,
		}, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode));
		});
		req.on('error', reject);
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.end(body);
	});
}

/* every worker answers so: 10 answers in a row on new connections */
async function settled(what, cond) {
	const deadline = Date.now() + 15000;
	let streak = 0;
	while (streak < 10) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		if (await cond()) {
			streak++;
		} else {
			streak = 0;
			await new Promise((r) => setTimeout(r, 100));
		}
	}
}

function oneSpan(kind, service, opts = {}) {
	const { provider, recorder } = h.makeProvider(h.makeExporter(kind, opts), {
		resource: h.resourceFromAttributes({ 'service.name': service }),
	});
	const base = h.hrBase(11);
	const s = provider.getTracer('e2e.settings').startSpan('tenant-span', {
		startTime: base, attributes: opts.attributes,
	});
	s.end(h.hrAdd(base, 123457));
	return { provider, recorder, traceId: s.spanContext().traceId };
}

test('multitenancy: tenant from X-Scope-OrgID, none -> 401 / UNAUTHENTICATED', async (t) => {
	if (!superuser) {
		t.skip('needs a superuser to change settings');
		return;
	}
	/* off: everything lands in single-tenant (checked by the other files) */
	await setAndReload('tempo.multitenancy', 'on');
	await settled('the workers to require a tenant', async () => (await postStatus()) === 401);
	assert.equal(await postStatus(Buffer.alloc(0), { 'X-Scope-OrgID': 'acme' }), 200);

	for (const kind of ['proto', 'json', 'grpc']) {
		/* without a tenant: the export fails (no retry) and nothing is stored */
		const x = oneSpan(kind, `e2e-notenant-${kind}`);
		await h.flush(x.provider, x.recorder);
		const res = x.recorder.exports[0].result;
		assert.equal(res.code, h.ExportResultCode.FAILED, `${kind}: export without a tenant succeeded`);
		if (kind === 'grpc') {
			assert.equal(res.error && res.error.code, 16, `gRPC status: ${res.error && res.error.message}`);
		} else {
			assert.equal(res.error && res.error.code, 401, `HTTP status: ${res.error && res.error.message}`);
		}
		await x.provider.shutdown();

		/* with a tenant: stored under it, visible only to that tenant */
		const tenant = `acme-${kind}`;
		const y = oneSpan(kind, `e2e-tenant-${kind}`, { tenant });
		await h.flush(y.provider, y.recorder);
		assert.equal(y.recorder.exports[0].result.code, h.ExportResultCode.SUCCESS,
			`${kind}: ${y.recorder.exports[0].result.error && y.recorder.exports[0].result.error.message}`);
		await h.assertTracesStored(db, y.recorder.spans, [y.traceId], { tenant });
		await db.query("SELECT set_config('tempo.tenant', 'someone-else', false)");
		assert.equal(await h.traceJson(db, y.traceId), null, 'another tenant sees the trace');
		await db.query(`SELECT set_config('tempo.tenant', $1, false)`, [`x|${tenant}`]);
		assert.notEqual(await h.traceJson(db, y.traceId), null, 'the tenant does not see its trace');
		await db.query("SELECT set_config('tempo.tenant', '', false)");
		await y.provider.shutdown();
	}
	const r = await db.query("SELECT count(*)::int AS n FROM tempo.spans WHERE service_name LIKE 'e2e-notenant-%'");
	assert.equal(r.rows[0].n, 0, 'a request without a tenant was stored');

	await setAndReload('tempo.multitenancy', null);
	await settled('the workers to accept requests without a tenant', async () => (await postStatus()) === 200);
});

test('max_request_bytes: over the limit (also after gunzip) -> 413 / RESOURCE_EXHAUSTED, nothing stored', async (t) => {
	if (!superuser) {
		t.skip('needs a superuser to change settings');
		return;
	}
	await setAndReload('tempo.max_request_bytes', '4kB');
	const junk = Buffer.alloc(8192, 0x0a);
	await settled('the workers to apply the size limit', async () => (await postStatus(junk)) === 413);

	for (const [kind, compression] of [['proto', undefined], ['proto', 'gzip'], ['json', 'gzip']]) {
		/* ~8 kB of attributes; gzip makes the body small, the limit counts
		 * the inflated size */
		const attributes = {};
		for (let i = 0; i < 64; i++) attributes[`attr.${i}`] = `value-${i}-`.repeat(12);
		const x = oneSpan(kind, `e2e-toolarge-${kind}-${compression || 'none'}`, { compression, attributes });
		await h.flush(x.provider, x.recorder);
		const res = x.recorder.exports[0].result;
		assert.equal(res.code, h.ExportResultCode.FAILED, `${kind}/${compression}: an oversized request succeeded`);
		assert.equal(res.error && res.error.code, 413, `${kind}/${compression}: ${res.error && res.error.message}`);
		await x.provider.shutdown();
	}
	/* gRPC: RESOURCE_EXHAUSTED (8), not retried */
	const g = oneSpan('grpc', 'e2e-toolarge-grpc', {
		attributes: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`attr.${i}`, 'x'.repeat(120)])),
	});
	await h.flush(g.provider, g.recorder);
	const gres = g.recorder.exports[0].result;
	assert.equal(gres.code, h.ExportResultCode.FAILED, 'gRPC: an oversized request succeeded');
	assert.equal(gres.error && gres.error.code, 8, `gRPC status: ${gres.error && gres.error.message}`);
	await g.provider.shutdown();

	/* a gzip body under the limit that inflates past it */
	const bomb = zlib.gzipSync(Buffer.alloc(1 << 20, 0x0a));
	assert.ok(bomb.length < 4096);
	const r = await fetch(`${h.HTTP_BASE}/v1/traces`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip' },
		body: bomb,
		signal: AbortSignal.timeout(10000),
	});
	await r.arrayBuffer();
	assert.equal(r.status, 413);
	const n = await db.query("SELECT count(*)::int AS n FROM tempo.spans WHERE service_name LIKE 'e2e-toolarge-%'");
	assert.equal(n.rows[0].n, 0);

	await setAndReload('tempo.max_request_bytes', null);
	await settled('the size limit to be lifted', async () => (await postStatus(junk)) !== 413);
});
