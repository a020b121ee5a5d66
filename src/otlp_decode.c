/*-------------------------------------------------------------------------
 *
 * otlp_decode.c
 *	  Decode OTLP/protobuf ExportTraceServiceRequest payloads; content type
 *	  and tenant checks shared by tempo.ingest() and the ingest workers.
 *
 * protobuf-c does the decoding, with an allocator that takes memory from
 * the caller's memory context (freeing is a no-op: the context owns
 * everything, and an out-of-memory error longjmps out cleanly because
 * protobuf-c holds no other resources).  protobuf-c recurses once per
 * nested message and has no depth limit, so a payload of a few megabytes
 * of nested kvlists would overflow the stack.  Before protobuf-c runs, a
 * schema-aware scan of the wire format (driven by the same generated
 * descriptors) checks every tag, varint, length and wire type and bounds
 * the message nesting to OTLP_MAX_MESSAGE_DEPTH; it also gives precise
 * error details with byte offsets.
 *
 * Errors: a payload over tempo.max_request_bytes is 54000; an undecodable
 * protobuf payload is 22P03 (invalid_binary_representation).
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/otlp_decode.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/memutils.h"

#include "otlp.h"
#include "tempo.h"

/* Cursor over a protobuf buffer, with the buffer start for offsets. */
typedef struct PbCursor
{
	const uint8 *base;
	const uint8 *p;
	const uint8 *end;
} PbCursor;

static void *
otlpPbAlloc(void *allocator_data, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) allocator_data,
									  size > 0 ? size : 1, MCXT_ALLOC_HUGE);
}

static void
otlpPbFree(void *allocator_data, void *pointer)
{
	/* the memory context owns everything; nothing to do */
}

static void
pbError(const PbCursor *c, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid OTLP protobuf payload"),
			 errdetail_internal("%s at byte offset %ld.", what,
								(long) (c->p - c->base))));
}

/* Read a base-128 varint of at most 10 bytes. */
static uint64
pbReadVarint(PbCursor *c)
{
	uint64		v = 0;
	int			shift = 0;

	for (;;)
	{
		uint8		b;

		if (c->p >= c->end)
			pbError(c, "truncated varint");
		if (shift >= 64)
			pbError(c, "varint longer than 10 bytes");
		b = *c->p++;
		v |= ((uint64) (b & 0x7f)) << shift;
		if ((b & 0x80) == 0)
			return v;
		shift += 7;
	}
}

/* The wire type a field of this descriptor type is written with. */
static int
pbExpectedWireType(const ProtobufCFieldDescriptor *field)
{
	switch (field->type)
	{
		case PROTOBUF_C_TYPE_FIXED64:
		case PROTOBUF_C_TYPE_SFIXED64:
		case PROTOBUF_C_TYPE_DOUBLE:
			return 1;
		case PROTOBUF_C_TYPE_FIXED32:
		case PROTOBUF_C_TYPE_SFIXED32:
		case PROTOBUF_C_TYPE_FLOAT:
			return 5;
		case PROTOBUF_C_TYPE_STRING:
		case PROTOBUF_C_TYPE_BYTES:
		case PROTOBUF_C_TYPE_MESSAGE:
			return 2;
		default:
			return 0;
	}
}

/*
 * Check one message of type desc spanning [c->p, end) and everything
 * nested in it.  Recursion is bounded by OTLP_MAX_MESSAGE_DEPTH.
 */
static void
pbCheckMessage(PbCursor *c, const uint8 *end,
			   const ProtobufCMessageDescriptor *desc, int depth)
{
	const uint8 *saved_end = c->end;

	check_stack_depth();
	c->end = end;
	while (c->p < c->end)
	{
		uint64		tag = pbReadVarint(c);
		uint64		fieldnum = tag >> 3;
		int			wiretype = (int) (tag & 7);
		const ProtobufCFieldDescriptor *field = NULL;
		uint64		len;

		if (fieldnum == 0 || fieldnum > 536870911)
			pbError(c, "invalid field number");
		if (desc != NULL)
			field = protobuf_c_message_descriptor_get_field(desc, (unsigned) fieldnum);
		if (field != NULL)
		{
			int			expected = pbExpectedWireType(field);

			/* repeated scalars may also come packed (wire type 2) */
			if (wiretype != expected &&
				!(wiretype == 2 && field->label == PROTOBUF_C_LABEL_REPEATED &&
				  expected != 2))
			{
				char		buf[128];

				snprintf(buf, sizeof(buf),
						 "wire type %d for field \"%s.%s\" (expected %d)",
						 wiretype, desc->short_name, field->name, expected);
				pbError(c, buf);
			}
		}

		switch (wiretype)
		{
			case 0:
				(void) pbReadVarint(c);
				break;
			case 1:
				if (c->end - c->p < 8)
					pbError(c, "truncated 64-bit field");
				c->p += 8;
				break;
			case 5:
				if (c->end - c->p < 4)
					pbError(c, "truncated 32-bit field");
				c->p += 4;
				break;
			case 2:
				len = pbReadVarint(c);
				if (len > (uint64) (c->end - c->p))
					pbError(c, "length-delimited field longer than its enclosing message");
				if (field != NULL && field->type == PROTOBUF_C_TYPE_MESSAGE)
				{
					if (depth + 1 > OTLP_MAX_MESSAGE_DEPTH)
					{
						char		buf[128];

						snprintf(buf, sizeof(buf),
								 "messages nested deeper than %d levels",
								 OTLP_MAX_MESSAGE_DEPTH);
						pbError(c, buf);
					}
					pbCheckMessage(c, c->p + len, field->descriptor, depth + 1);
				}
				else
					c->p += len;
				break;
			case 3:
			case 4:
				pbError(c, "unsupported group wire type");
				break;
			default:
				pbError(c, "invalid wire type");
				break;
		}
	}
	c->end = saved_end;
}

/*
 * Decode an OTLP/protobuf ExportTraceServiceRequest.  The result and all
 * it points to are allocated in CurrentMemoryContext.
 */
OtlpRequest *
OtlpDecodeProtobuf(const char *data, size_t len)
{
	const ProtobufCMessageDescriptor *desc =
		&opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor;
	ProtobufCAllocator allocator;
	PbCursor	c;
	OtlpRequest *req;

	c.base = (const uint8 *) data;
	c.p = c.base;
	c.end = c.base + len;
	pbCheckMessage(&c, c.end, desc, 0);

	allocator.alloc = otlpPbAlloc;
	allocator.free = otlpPbFree;
	allocator.allocator_data = CurrentMemoryContext;
	req = (OtlpRequest *) protobuf_c_message_unpack(desc, &allocator, len,
													(const uint8_t *) data);
	if (req == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid OTLP protobuf payload"),
				 errdetail_internal("protobuf-c could not unpack the ExportTraceServiceRequest.")));
	return req;
}

/*
 * Map a Content-Type value to a payload format.  Parameters (";
 * charset=utf-8") and surrounding blanks are ignored; the media type is
 * case-insensitive.
 */
OtlpFormat
OtlpParseContentType(const char *content_type)
{
	const char *s = content_type;
	size_t		n;

	if (s == NULL)
		return OTLP_FORMAT_INVALID;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strcspn(s, ";");
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == strlen("application/x-protobuf") &&
		pg_strncasecmp(s, "application/x-protobuf", n) == 0)
		return OTLP_FORMAT_PROTOBUF;
	if (n == strlen("application/json") &&
		pg_strncasecmp(s, "application/json", n) == 0)
		return OTLP_FORMAT_JSON;
	return OTLP_FORMAT_INVALID;
}

/*
 * Decode a payload of the given format, enforcing tempo.max_request_bytes
 * (54000 when exceeded).
 */
OtlpRequest *
OtlpDecode(OtlpFormat format, const char *data, size_t len)
{
	if (len > (size_t) tempo_max_request_bytes)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("OTLP payload of %zu bytes exceeds tempo.max_request_bytes (%d)",
						len, tempo_max_request_bytes)));
	switch (format)
	{
		case OTLP_FORMAT_PROTOBUF:
			return OtlpDecodeProtobuf(data, len);
		case OTLP_FORMAT_JSON:
			return OtlpDecodeJson(data, len);
		default:
			break;
	}
	elog(ERROR, "unexpected OTLP format %d", (int) format);
	return NULL;				/* keep compiler quiet */
}

/*
 * Check a tenant name with the rules Tempo applies to X-Scope-OrgID
 * (dskit): 1 to 150 bytes of letters, digits and ! - _ . * ' ( ), and not
 * "." or "..".  '|' is the separator of multi-tenant reads and so never
 * part of a name.
 */
void
OtlpCheckTenant(const char *tenant)
{
	size_t		len = strlen(tenant);
	const char *s;

	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tenant must not be empty")));
	if (len > OTLP_MAX_TENANT_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tenant name is too long"),
				 errdetail("Tenant names are at most %d bytes.", OTLP_MAX_TENANT_LEN)));
	if (strcmp(tenant, ".") == 0 || strcmp(tenant, "..") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid tenant name \"%s\"", tenant)));
	for (s = tenant; *s; s++)
	{
		char		ch = *s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			(ch >= '0' && ch <= '9') || strchr("!-_.*'()", ch) != NULL)
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid tenant name \"%s\"", tenant),
				 errdetail("Tenant names may contain only letters, digits and the characters ! - _ . * ' ( ).")));
	}
}
