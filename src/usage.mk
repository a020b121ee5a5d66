# Accounting: cost attribution (usage tracker), ingest-quality counters,
# their SQL views, history worker and Prometheus text.
OBJS += \
	src/quality_ack.o \
	src/quality_track.o \
	src/usage_config.o \
	src/usage_funcs.o \
	src/usage_settings.o \
	src/usage_shmem.o \
	src/usage_track.o \
	src/usage_worker.o
