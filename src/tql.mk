# TraceQL: scanner, parser, analyzer, printing, explain (front end);
# planner, evaluator, trace assembly and the SQL functions (executor).
# The scanner and parser are hand-written (see src/tql_parse.c for why),
# so there are no generated files here.
OBJS += \
	src/tql_analyze.o \
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
