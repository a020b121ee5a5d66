# Core: module entry, settings, span id types.
OBJS += \
	src/tempo.o \
	src/tempo_ids.o
