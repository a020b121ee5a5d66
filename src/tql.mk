# TraceQL: scanner, parser, analyzer, printing, explain (front end);
# planner, evaluator, trace assembly and the SQL functions (executor).
# The scanner and parser are hand-written (see src/tql_parse.c for why),
# so there are no generated files here.  tempo_tenancy.c (roles bound to
# tenants) is here because the executor is its main user.
OBJS += \
	src/tql_analyze.o \
	src/tempo_tenancy.o \
	src/tql_exec.o \
	src/tql_exec_eval.o \
	src/tql_exec_trace.o \
	src/tql_explain.o \
	src/tql_funcs.o \
	src/tql_nodes.o \
	src/tql_parse.o \
	src/tql_regex.o \
	src/tql_scan.o
# TraceQL metrics engine (see src/tql_metrics.h for the split by phase)
OBJS += \
	src/tql_metrics_agg.o \
	src/tql_metrics_funcs.o \
	src/tql_metrics_sample.o \
	src/tql_metrics_series.o \
	src/tql_metrics_stage.o \
	src/tql_metrics_time.o
# tag lookups (tempo.tag_names, tempo.tag_values)
OBJS += \
	src/tql_tags.o \
	src/tql_tags_heap.o \
	src/tql_tags_query.o \
	src/tql_tags_scan.o
