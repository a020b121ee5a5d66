# Custom scan nodes over tempo_columnar (projection, skipping, parallel).
OBJS += \
	src/col_aggscan.o \
	src/col_customscan.o
