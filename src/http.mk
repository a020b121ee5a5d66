# Ingest workers: OTLP/HTTP (libevent evhttp) and OTLP/gRPC (nghttp2) with
# group commit, per-tenant rate limits and shared-memory counters.
OBJS += \
	src/http_codec.o \
	src/http_grpc.o \
	src/http_limit.o \
	src/http_server.o \
	src/http_shmem.o \
	src/http_worker.o

PG_CPPFLAGS += $(shell pkg-config --cflags libevent libnghttp2 zlib)
SHLIB_LINK  += $(shell pkg-config --libs libevent libnghttp2 zlib)
