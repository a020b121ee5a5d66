# Columnar storage: the tempo_columnar table access method and the batch
# reader / bulk writer API (col.h).
OBJS += \
	src/col_am.o \
	src/col_census.o \
	src/col_encode.o \
	src/col_footer.o \
	src/col_jsonb.o \
	src/col_meta.o \
	src/col_project.o \
	src/col_reader.o \
	src/col_sql.o \
	src/col_storage.o \
	src/col_writer.o
# The head of tempo_columnar tables and its compactor (worker, metrics).
OBJS += \
	src/col_compact.o \
	src/col_compactor.o \
	src/col_head.o
