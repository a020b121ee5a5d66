// otlp_client.js
//	  Test client for tempo's ingest workers: builds OTLP trace payloads
//	  (protobuf encoded by hand, OTLP/JSON, named malformed ones) and sends
//	  them over OTLP/HTTP (node:http), OTLP/gRPC (node:http2, h2c) or a raw
//	  TCP socket.  No npm packages.
//
//	  usage: node otlp_client.js '<json request>'
//	  prints one JSON line: {status, headers, body, bodyHex, grpcStatus,
//	  grpcMessage, response, error, closed}
//
//	  request fields:
//	    mode      "http" (default), "grpc" or "raw"
//	    port      server port; host defaults to 127.0.0.1
//	    path, method, headers            (http, grpc)
//	    payload   {kind: "proto"|"json"|"bad", ...} (see makePayload)
//	    gzip      gzip the body (http) / the message (grpc, flag 1)
//	    grpcFlag  override the gRPC compressed flag; grpcLength: the length
//	    rawHex    body given as hex; rawText: body as text
//	    (raw mode) send: [text chunks], closeAfterSend, waitClose (ms)
//	    (burst mode) count: requests sent at once, each with payload.seed + i
//	    (stream mode) durationMs, concurrency: requests sent one after another
//
// Copyright (c) 2026, the tempo authors
//
// IDENTIFICATION
//	  test/t/otlp_client.js

'use strict';

const http = require('node:http');
const http2 = require('node:http2');
const net = require('node:net');
const zlib = require('node:zlib');

// ---- protobuf encoding ----
function varint(n) {
	let v = BigInt(n);
	const out = [];
	while (v > 127n) {
		out.push(Number(v & 127n) | 128);
		v >>= 7n;
	}
	out.push(Number(v));
	return Buffer.from(out);
}
function tag(f, wt) { return varint((f << 3) | wt); }
function bytesOf(x) { return Buffer.isBuffer(x) ? x : Buffer.from(x, 'utf8'); }
function lenField(f, x) {
	const b = bytesOf(x);
	return Buffer.concat([tag(f, 2), varint(b.length), b]);
}
function varintField(f, v) { return Buffer.concat([tag(f, 0), varint(v)]); }
function fixed64Field(f, v) {
	const b = Buffer.alloc(8);
	b.writeBigUInt64LE(BigInt(v));
	return Buffer.concat([tag(f, 1), b]);
}

function pbAnyValue(v) {
	if (typeof v === 'string') return lenField(1, v);
	if (typeof v === 'boolean') return varintField(2, v ? 1 : 0);
	if (typeof v === 'number' && Number.isInteger(v)) return varintField(3, BigInt.asUintN(64, BigInt(v)));
	if (typeof v === 'number') {
		const b = Buffer.alloc(8);
		b.writeDoubleLE(v);
		return Buffer.concat([tag(4, 1), b]);
	}
	if (Array.isArray(v)) return lenField(5, Buffer.concat(v.map((x) => lenField(1, pbAnyValue(x)))));
	if (v && v.bytes) return lenField(7, Buffer.from(v.bytes, 'hex'));
	return lenField(6, Buffer.concat(Object.entries(v).map(([k, x]) => lenField(1, pbKeyValue(k, x)))));
}
function pbKeyValue(k, v) { return Buffer.concat([lenField(1, k), lenField(2, pbAnyValue(v))]); }
function pbAttrs(field, attrs) {
	return Buffer.concat(Object.entries(attrs || {}).map(([k, v]) => lenField(field, pbKeyValue(k, v))));
}

function pbSpan(s) {
	const parts = [lenField(1, Buffer.from(s.traceId, 'hex')), lenField(2, Buffer.from(s.spanId, 'hex'))];
	if (s.parentSpanId) parts.push(lenField(4, Buffer.from(s.parentSpanId, 'hex')));
	parts.push(lenField(5, s.nameBytes ? Buffer.from(s.nameBytes, 'hex') : s.name));
	parts.push(varintField(6, s.kind || 1));
	parts.push(fixed64Field(7, s.start));
	parts.push(fixed64Field(8, s.end));
	parts.push(pbAttrs(9, s.attributes));
	if (s.status) parts.push(lenField(15, Buffer.concat([lenField(2, s.status.message || ''), varintField(3, s.status.code)])));
	return Buffer.concat(parts);
}

function pbRequest(p) {
	const resource = lenField(1, pbAttrs(1, Object.assign({ 'service.name': p.service || 'svc' }, p.resourceAttributes || {})));
	const scope = lenField(1, lenField(1, 'tempo-test'));
	const spans = p.spans.map((s) => lenField(2, pbSpan(s)));
	const rs = Buffer.concat([resource, lenField(2, Buffer.concat([scope, ...spans]))]);
	return lenField(1, rs);
}

// ---- OTLP/JSON ----
function jsAnyValue(v) {
	if (typeof v === 'string') return { stringValue: v };
	if (typeof v === 'boolean') return { boolValue: v };
	if (typeof v === 'number' && Number.isInteger(v)) return { intValue: String(v) };
	if (typeof v === 'number') return { doubleValue: v };
	if (Array.isArray(v)) return { arrayValue: { values: v.map(jsAnyValue) } };
	if (v && v.bytes) return { bytesValue: Buffer.from(v.bytes, 'hex').toString('base64') };
	return { kvlistValue: { values: Object.entries(v).map(([k, x]) => ({ key: k, value: jsAnyValue(x) })) } };
}
function jsAttrs(attrs) { return Object.entries(attrs || {}).map(([k, v]) => ({ key: k, value: jsAnyValue(v) })); }
function jsonRequest(p) {
	return JSON.stringify({
		resourceSpans: [{
			resource: { attributes: jsAttrs(Object.assign({ 'service.name': p.service || 'svc' }, p.resourceAttributes || {})) },
			scopeSpans: [{
				scope: { name: 'tempo-test' },
				spans: p.spans.map((s) => {
					const o = {
						traceId: s.traceId, spanId: s.spanId, name: s.name, kind: s.kind || 1,
						startTimeUnixNano: String(s.start), endTimeUnixNano: String(s.end),
						attributes: jsAttrs(s.attributes),
					};
					if (s.parentSpanId) o.parentSpanId = s.parentSpanId;
					if (s.status) o.status = s.status;
					return o;
				}),
			}],
		}],
	});
}

// ---- generated spans ----
function hexPad(x, n) { return x.toString(16).padStart(n, '0').slice(-n); }
function genSpans(p) {
	const n = p.n === undefined ? 1 : p.n;
	const seed = BigInt('0x' + (p.seed || '1'));
	const now = BigInt(Date.now()) * 1000000n;
	const spans = [];
	for (let i = 0; i < n; i++) {
		const s = {
			traceId: hexPad(seed, 32),
			spanId: hexPad(BigInt(i + 1) + (seed << 20n), 16),
			name: (p.name || 'span') + '-' + i,
			kind: 2,
			start: now + BigInt(i) * 1000n,
			end: now + BigInt(i) * 1000n + 5000000n,
			attributes: Object.assign({ 'http.method': 'GET', i: i }, p.attributes || {}),
		};
		if (i > 0) s.parentSpanId = hexPad(1n + (seed << 20n), 16);
		spans.push(s);
	}
	(p.overrides || []).forEach((o) => Object.assign(spans[o.index], o.set));
	return spans;
}

function deepKv(depth) {
	let v = 'leaf';
	for (let i = 0; i < depth; i++) v = { k: v };
	return v;
}

// Named malformed or unusual payloads.
function badPayload(name, p) {
	const good = pbRequest({ spans: genSpans({ n: 2, seed: 'abc' }) });
	switch (name) {
		case 'truncated': return good.subarray(0, good.length - 7);
		case 'wrong_wire_type': return Buffer.from([0x08, 0x01]);
		case 'huge_varint': return Buffer.concat([Buffer.from([0x0a]), Buffer.alloc(11, 0xff)]);
		case 'bad_length': return Buffer.from([0x0a, 0x7f, 0x0a, 0x00]);
		case 'garbage': return Buffer.from('this is not protobuf at all \x00\x01\x02', 'latin1');
		case 'time_as_varint': {
			// span with start_time_unix_nano (fixed64) sent as a varint
			const span = Buffer.concat([lenField(1, Buffer.alloc(16, 1)), lenField(2, Buffer.alloc(8, 2)),
				lenField(5, 'x'), varintField(7, 12345)]);
			return lenField(1, lenField(2, lenField(2, span)));
		}
		case 'group_wire_type': return Buffer.from([0x0b, 0x0c]);
		case 'deep_kvlist': {
			const spans = genSpans({ n: 1, seed: 'dee' });
			spans[0].attributes = { deep: deepKv(p.depth || 200) };
			return pbRequest({ spans });
		}
		case 'many_attributes': {
			// one span with count int attributes a0..aN, the KeyValues
			// encoded straight into one buffer (a million take a second)
			const spans = genSpans({ n: 1, seed: p.seed || 'aaa' });
			const span = pbSpan(spans[0]);
			const parts = [];
			for (let i = 0; i < (p.count || 1000); i++) {
				const key = 'a' + i;
				const val = varint(i);
				const any = 1 + val.length;	/* AnyValue { int_value = 3 } */
				const kv = 2 + key.length + 2 + any;
				parts.push(Buffer.concat([Buffer.from([0x4a]), varint(kv), Buffer.from([0x0a, key.length]),
					Buffer.from(key), Buffer.from([0x12, any, 0x18]), val]));
			}
			const fullSpan = Buffer.concat([span, ...parts]);
			const scope = Buffer.concat([lenField(1, lenField(1, 'tempo-test')), lenField(2, fullSpan)]);
			const resource = lenField(1, pbAttrs(1, { 'service.name': 'svc' }));
			return lenField(1, Buffer.concat([resource, lenField(2, scope)]));
		}
		case 'huge_value': {
			const attrs = { big: 'x'.repeat(p.size || 10 * 1024 * 1024) };
			return pbRequest({ spans: genSpans({ n: 1, seed: p.seed || 'bbb', attributes: attrs }) });
		}
		default: throw new Error('unknown bad payload ' + name);
	}
}

function makePayload(req) {
	if (req.rawHex !== undefined) return Buffer.from(req.rawHex, 'hex');
	if (req.rawText !== undefined) return Buffer.from(req.rawText, 'utf8');
	const p = req.payload || { kind: 'proto' };
	if (p.kind === 'bad') return badPayload(p.name, p);
	if (p.kind === 'zeros') return Buffer.alloc(p.size);
	const spans = p.spans || genSpans(p);
	if (p.kind === 'json') {
		if (p.deepJson) {
			return Buffer.from('{"resourceSpans":' + '['.repeat(p.deepJson) + ']'.repeat(p.deepJson) + '}');
		}
		return Buffer.from(jsonRequest({ spans, service: p.service }));
	}
	return pbRequest({ spans, service: p.service, resourceAttributes: p.resourceAttributes });
}

// ---- response decoding ----
function readVarint(b, pos) {
	let v = 0n, shift = 0n;
	for (;;) {
		const c = b[pos++];
		v |= BigInt(c & 127) << shift;
		shift += 7n;
		if (!(c & 128)) return [v, pos];
	}
}
// Decode a protobuf message into {field: [values]} (one level, bytes as Buffer).
function pbFields(b) {
	const out = {};
	let pos = 0;
	while (pos < b.length) {
		let key;
		[key, pos] = readVarint(b, pos);
		const f = Number(key >> 3n), wt = Number(key & 7n);
		let v;
		if (wt === 0) [v, pos] = readVarint(b, pos);
		else if (wt === 2) {
			let len;
			[len, pos] = readVarint(b, pos);
			v = b.subarray(pos, pos + Number(len));
			pos += Number(len);
		} else throw new Error('unexpected wire type ' + wt);
		(out[f] = out[f] || []).push(v);
	}
	return out;
}
// ExportTraceServiceResponse or google.rpc.Status in protobuf -> JSON-like object.
function decodeResponse(b, what) {
	const f = pbFields(b);
	if (what === 'status') {
		return { code: f[1] ? Number(f[1][0]) : 0, message: f[2] ? f[2][0].toString('utf8') : '' };
	}
	if (!f[1]) return {};
	const ps = pbFields(f[1][0]);
	return {
		partialSuccess: {
			rejectedSpans: ps[1] ? String(ps[1][0]) : '0',
			errorMessage: ps[2] ? ps[2][0].toString('utf8') : '',
		},
	};
}

let finished = false;
function finish(result) {
	if (finished) return;
	finished = true;
	// exit only once a large output has reached the pipe
	process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
}

function doHttp(req) {
	const bodyless = req.method === 'GET' || req.method === 'HEAD';
	let body = bodyless ? Buffer.alloc(0) : makePayload(req);
	const headers = Object.assign({}, req.headers || {});
	if (req.gzip) {
		body = zlib.gzipSync(body);
		headers['Content-Encoding'] = headers['Content-Encoding'] || 'gzip';
	}
	if (req.gzipTruncate) body = body.subarray(0, body.length - req.gzipTruncate);
	if (!req.chunked && !bodyless) headers['Content-Length'] = body.length;
	const r = http.request({
		host: req.host || '127.0.0.1', port: req.port, path: req.path || '/v1/traces',
		method: req.method || 'POST', headers, agent: false,
	}, (res) => {
		const chunks = [];
		res.on('data', (c) => chunks.push(c));
		res.on('end', () => {
			const b = Buffer.concat(chunks);
			const out = { status: res.statusCode, headers: res.headers, body: b.toString('utf8'), bodyHex: b.toString('hex') };
			const ct = res.headers['content-type'] || '';
			try {
				if (ct.startsWith('application/x-protobuf'))
					out.decoded = decodeResponse(b, res.statusCode === 200 ? 'export' : 'status');
				else if (ct.startsWith('application/json'))
					out.decoded = JSON.parse(b.toString('utf8'));
			} catch (e) {
				out.decodeError = String(e);
			}
			finish(out);
		});
	});
	r.on('error', (e) => finish({ error: String(e) }));
	if (bodyless) r.end();
	else if (req.chunked) {
		for (let i = 0; i < body.length; i += 65536) r.write(body.subarray(i, i + 65536));
		r.end();
	} else r.end(body);
}

function doGrpc(req) {
	let msg = makePayload(req);
	let flag = 0;
	if (req.gzip) {
		msg = zlib.gzipSync(msg);
		flag = 1;
	}
	if (req.grpcFlag !== undefined) flag = req.grpcFlag;
	const prefix = Buffer.alloc(5);
	prefix[0] = flag;
	prefix.writeUInt32BE(req.grpcLength !== undefined ? req.grpcLength : msg.length, 1);
	const frame = req.noMessage ? Buffer.alloc(0) : Buffer.concat([prefix, msg]);
	const client = http2.connect('http://' + (req.host || '127.0.0.1') + ':' + req.port);
	client.on('error', (e) => finish({ error: String(e) }));
	const headers = Object.assign({
		':method': 'POST',
		':path': req.path || '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
		'content-type': 'application/grpc',
		te: 'trailers',
	}, req.headers || {});
	if (req.gzip && !headers['grpc-encoding']) headers['grpc-encoding'] = 'gzip';
	const out = {};
	const stream = client.request(headers);
	const chunks = [];
	stream.on('response', (h) => {
		out.status = h[':status'];
		if (h['grpc-status'] !== undefined) out.grpcStatus = Number(h['grpc-status']);
		if (h['grpc-message'] !== undefined) out.grpcMessage = decodeURIComponent(h['grpc-message']);
	});
	stream.on('trailers', (h) => {
		if (h['grpc-status'] !== undefined) out.grpcStatus = Number(h['grpc-status']);
		if (h['grpc-message'] !== undefined) out.grpcMessage = decodeURIComponent(h['grpc-message']);
	});
	stream.on('data', (c) => chunks.push(c));
	stream.on('error', (e) => { out.streamError = String(e); });
	stream.on('close', () => {
		const b = Buffer.concat(chunks);
		if (b.length >= 5) out.response = decodeResponse(b.subarray(5), 'export');
		out.rstCode = stream.rstCode;
		client.close();
		finish(out);
	});
	if (req.abortAfterMs !== undefined) {
		stream.write(frame.subarray(0, Math.floor(frame.length / 2)));
		setTimeout(() => { client.destroy(); finish({ aborted: true }); }, req.abortAfterMs);
		return;
	}
	for (let i = 0; i < frame.length; i += 65536) stream.write(frame.subarray(i, i + 65536));
	stream.end();
}

// Raw TCP: send chunks, then read until the server closes or waitClose ms pass.
function doRaw(req) {
	const sock = net.connect(req.port, req.host || '127.0.0.1');
	const chunks = [];
	let timer = null;
	sock.on('connect', () => {
		(req.send || []).forEach((s) => sock.write(Buffer.from(s, req.sendEncoding || 'latin1')));
		if (req.closeAfterSend) {
			sock.destroy();
			finish({ sent: true });
		}
		timer = setTimeout(() => { sock.destroy(); finish({ closed: false, body: Buffer.concat(chunks).toString('latin1') }); },
			req.waitClose || 2000);
	});
	sock.on('data', (c) => chunks.push(c));
	sock.on('error', () => {});
	sock.on('close', () => {
		if (timer) clearTimeout(timer);
		finish({ closed: true, body: Buffer.concat(chunks).toString('latin1') });
	});
}

// Send count requests at once, each on its own connection; seeds count up.
function doBurst(req) {
	const statuses = [];
	let left = req.count;
	for (let i = 0; i < req.count; i++) {
		const p = Object.assign({}, req.payload, { seed: (BigInt('0x' + req.payload.seed) + BigInt(i)).toString(16) });
		const body = makePayload({ payload: p });
		const r = http.request({
			host: '127.0.0.1', port: req.port, path: '/v1/traces', method: 'POST', agent: false,
			headers: Object.assign({ 'Content-Type': 'application/x-protobuf', 'Content-Length': body.length }, req.headers || {}),
		}, (res) => {
			res.resume();
			res.on('end', () => {
				statuses[i] = res.statusCode;
				if (--left === 0) finish({ statuses });
			});
		});
		r.on('error', (e) => {
			statuses[i] = String(e);
			if (--left === 0) finish({ statuses });
		});
		r.end(body);
	}
}

// For durationMs, `concurrency` loops each send one request at a time, on
// fresh connections, payload.seed + a counter as trace id; prints the seeds
// (hex) of the requests answered 200 and how many failed otherwise.
function doStream(req) {
	const acked = [];
	let failed = 0;
	let next = 0;
	let running = req.concurrency || 4;
	const end = Date.now() + req.durationMs;
	const base = BigInt('0x' + req.payload.seed);
	function one() {
		if (Date.now() >= end) {
			if (--running === 0) finish({ acked, failed });
			return;
		}
		const seed = (base + BigInt(next++)).toString(16);
		const body = makePayload({ payload: Object.assign({}, req.payload, { seed }) });
		const r = http.request({
			host: '127.0.0.1', port: req.port, path: '/v1/traces', method: 'POST', agent: false,
			headers: {
				'Content-Type': req.payload.kind === 'json' ? 'application/json' : 'application/x-protobuf',
				'Content-Length': body.length,
			},
		}, (res) => {
			res.resume();
			res.on('end', () => {
				if (res.statusCode === 200) acked.push(seed);
				else failed++;
				one();
			});
		});
		r.on('error', () => {
			failed++;
			setTimeout(one, 20);
		});
		r.end(body);
	}
	for (let i = 0; i < running; i++) one();
}

const req = JSON.parse(process.argv[2]);
if (req.mode === 'grpc') doGrpc(req);
else if (req.mode === 'burst') doBurst(req);
else if (req.mode === 'stream') doStream(req);
else if (req.mode === 'raw') doRaw(req);
else if (req.mode === 'payload') {
	finish({ hex: makePayload(req).toString('hex') });
} else doHttp(req);
