# OTLP: decoding (protobuf, JSON), validation, conversion to span rows,
# the SQL entry points tempo.ingest() and tempo.trace_json().
OBJS += \
	src/otlp_convert.o \
	src/otlp_decode.o \
	src/otlp_export.o \
	src/otlp_funcs.o \
	src/otlp_json.o \
	src/otlp_store.o
