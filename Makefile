# tempo: a trace store and TraceQL engine inside PostgreSQL 15 (PGXS build)
#
#   make            build the extension
#   make install    install it into the PostgreSQL found by pg_config
#   make run        install dependencies, build, install, start a local
#                   instance with tempo preloaded and load sample traces
#   make test       install dependencies, build, run every test layer
#
# Object lists live in one small src/<subsystem>.mk each, so subsystems can
# grow without touching each other's lines.

EXTENSION   = tempo
EXTVERSION  = 0.1
MODULE_big  = tempo
PGFILEDESC  = "tempo - trace store and TraceQL engine"

OBJS =
include $(sort $(wildcard src/*.mk))

# One editable install script, assembled from per-subsystem pieces in order.
DATA_built  = tempo--$(EXTVERSION).sql
SQL_PIECES  = $(sort $(wildcard sqlsrc/*.sql))
EXTRA_CLEAN = tempo--$(EXTVERSION).sql $(GENERATED)

PG_CONFIG  ?= pg_config
PG_CPPFLAGS += -I$(srcdir)/src -I$(srcdir)/src/gen $(shell pkg-config --cflags libzstd libprotobuf-c)
SHLIB_LINK  += $(shell pkg-config --libs libzstd libprotobuf-c)

# pg_regress runs through scripts/test-regress.sh (as user postgres on a
# temporary, preloaded instance), not through PGXS installcheck, which
# cannot run as root.
REGRESS =

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Header dependencies (PGXS tracks none unless the server was configured
# with --enable-depend): an object rebuilds when a header it includes
# changes, e.g. a struct in col.h.  Only the .o compile writes x.d: were the
# flags in CPPFLAGS, the .bc (LLVM bitcode) compile of the same source would
# overwrite x.d with a rule for x.bc, and x.o would never rebuild.
%.o: %.c
	$(CC) $(CFLAGS) $(CPPFLAGS) -MMD -MP -c -o $@ $<
-include $(OBJS:.o=.d)
EXTRA_CLEAN += $(OBJS:.o=.d)

tempo--$(EXTVERSION).sql: $(SQL_PIECES)
	cat $^ > $@

.PHONY: deps run stop test test-regress test-tap test-e2e test-fuzz bench

deps:
	bash scripts/install-deps.sh

run: deps
	$(MAKE) all
	$(MAKE) install
	bash scripts/run-local.sh start

stop:
	bash scripts/run-local.sh stop

test: deps
	$(MAKE) all
	$(MAKE) install
	bash scripts/test-all.sh

test-regress:
	bash scripts/test-regress.sh

test-tap:
	bash scripts/test-tap.sh

# Benchmarks print figures; they are not part of make test.
bench: all
	make -C test/bench
	bash test/bench/storage
