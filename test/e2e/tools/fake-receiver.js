'use strict';
/*
 * A stand-in OTLP receiver for diagnosis: it accepts OTLP/HTTP (POST
 * /v1/traces, protobuf or JSON, gzip) and OTLP/gRPC like the ingest workers,
 * but stores through SQL with tempo.ingest(payload, content_type, tenant).
 * Running the e2e tests against it (scripts/test-e2e.sh with E2E_FAKE=1)
 * tells decoder problems (tempo.ingest) from worker problems (HTTP, gRPC,
 * acks).  It implements only what the tests touch: multitenancy from
 * X-Scope-OrgID when tempo.multitenancy is on, partial success, 400 for
 * undecodable data, 404 for other paths, 413 / RESOURCE_EXHAUSTED over
 * tempo.max_request_bytes.  Not a product; the workers are.
 *
 * Usage: node fake-receiver.js HTTP_PORT GRPC_PORT  (PG* environment)
 */
const http = require('node:http');
const zlib = require('node:zlib');
const grpc = require('@grpc/grpc-js');
const { Pool } = require('pg');

const [httpPort, grpcPort] = process.argv.slice(2).map(Number);
const pool = new Pool({ max: 4 });

/* protobuf varint / length-delimited helpers for the two small responses */
function varint(n) {
	const out = [];
	let v = BigInt(n);
	do {
		let b = Number(v & 0x7fn);
		v >>= 7n;
		if (v) b |= 0x80;
		out.push(b);
	} while (v);
	return Buffer.from(out);
}

function lenField(field, buf) {
	return Buffer.concat([varint((field << 3) | 2), varint(buf.length), buf]);
}

/* ExportTraceServiceResponse with partial_success, or empty */
function protoResponse(rejected, message) {
	if (!rejected && !message) return Buffer.alloc(0);
	const ps = Buffer.concat([
		rejected ? Buffer.concat([varint(1 << 3), varint(rejected)]) : Buffer.alloc(0),
		message ? lenField(2, Buffer.from(message)) : Buffer.alloc(0),
	]);
	return lenField(1, ps);
}

/* google.rpc.Status {code, message} */
function protoStatus(code, message) {
	return Buffer.concat([varint(1 << 3), varint(code), lenField(2, Buffer.from(message))]);
}

async function maxRequestBytes() {
	const r = await pool.query("SELECT pg_size_bytes(current_setting('tempo.max_request_bytes')) AS m");
	return Number(r.rows[0].m);
}

async function multitenancy() {
	const r = await pool.query("SELECT current_setting('tempo.multitenancy')::bool AS on");
	return r.rows[0].on;
}

/* -> {status, rejected, message} */
async function ingest(body, contentType, tenantHeader) {
	let tenant = 'single-tenant';
	if (await multitenancy()) {
		if (!tenantHeader) return { status: 401, message: 'no org id' };
		tenant = tenantHeader;
	}
	try {
		const r = await pool.query('SELECT * FROM tempo.ingest($1, $2, $3)', [body, contentType, tenant]);
		const row = r.rows[0] || { rejected_spans: 0, message: null };
		return { status: 200, rejected: Number(row.rejected_spans), message: row.message || '' };
	} catch (e) {
		console.error(`fake-receiver: tempo.ingest(${contentType}): ${e.code} ${e.message}`);
		if (process.env.E2E_DEBUG) {
			const f = `/tmp/fake-receiver-bad-${process.pid}-${Date.now()}`;
			require('node:fs').writeFileSync(f, body);
			console.error(`fake-receiver: payload saved in ${f}`);
		}
		return { status: e.code && e.code.startsWith('22') ? 400 : 500, message: e.message };
	}
}

const server = http.createServer((req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', async () => {
		if (req.method === 'GET' && req.url === '/ready') {
			res.writeHead(200).end('ready');
			return;
		}
		if (req.url !== '/v1/traces') {
			res.writeHead(404).end();
			return;
		}
		let body = Buffer.concat(chunks);
		const max = await maxRequestBytes();
		try {
			if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body, { maxOutputLength: max + 1 });
		} catch (e) {
			res.writeHead(e.code === 'ERR_BUFFER_TOO_LARGE' ? 413 : 400).end();
			return;
		}
		if (body.length > max) {
			res.writeHead(413).end();
			return;
		}
		const ct = (req.headers['content-type'] || '').split(';')[0].trim();
		const r = await ingest(body, ct, req.headers['x-scope-orgid']);
		const json = ct === 'application/json';
		let out;
		if (r.status === 200) {
			out = json
				? JSON.stringify(r.rejected || r.message
					? { partialSuccess: { rejectedSpans: String(r.rejected), errorMessage: r.message } } : {})
				: protoResponse(r.rejected, r.message);
		} else {
			out = json ? JSON.stringify({ code: 3, message: r.message }) : protoStatus(3, r.message);
		}
		res.writeHead(r.status, { 'Content-Type': ct }).end(out);
	});
});
server.listen(httpPort, '127.0.0.1');

const gserver = new grpc.Server();
gserver.addService({
	Export: {
		path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
		requestStream: false,
		responseStream: false,
		requestSerialize: (b) => b,
		requestDeserialize: (b) => b,
		responseSerialize: (b) => b,
		responseDeserialize: (b) => b,
	},
}, {
	Export: async (call, cb) => {
		if (call.request.length > await maxRequestBytes()) {
			cb({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'request too large' });
			return;
		}
		const t = call.metadata.get('x-scope-orgid')[0];
		const r = await ingest(call.request, 'application/x-protobuf', t ? String(t) : undefined);
		if (r.status === 200) cb(null, protoResponse(r.rejected, r.message));
		else cb({ code: r.status === 401 ? grpc.status.UNAUTHENTICATED : grpc.status.INVALID_ARGUMENT, details: r.message });
	},
});
gserver.bindAsync(`127.0.0.1:${grpcPort}`, grpc.ServerCredentials.createInsecure(), (err) => {
	if (err) {
		console.error(err);
		process.exit(1);
	}
});

process.on('SIGTERM', () => {
	server.close();
	gserver.forceShutdown();
	pool.end().then(() => process.exit(0));
});
