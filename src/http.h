/*-------------------------------------------------------------------------
 *
 * http.h
 *	  OTLP ingest workers: registration and entry point.
 *
 * The ingest workers are background workers started by the preloaded
 * library.  Each serves OTLP/HTTP (libevent's evhttp) and OTLP/gRPC
 * (nghttp2 over h2c) on one libevent loop and stores what it receives in
 * tempo.spans with group commit; see http_worker.c.
 *
 * Copyright (c) 2026, the tempo authors
 *
 * IDENTIFICATION
 *	  src/http.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef HTTP_H
#define HTTP_H

#include "fmgr.h"

/* in http_worker.c */
extern PGDLLEXPORT void http_worker_main(Datum main_arg);

#endif							/* HTTP_H */
