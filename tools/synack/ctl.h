/* SPDX-License-Identifier: MIT */
/* The control socket of a running `synack serve` / `synack connect`: an abstract-namespace
 * Unix stream socket named "synack/IF" (so it needs no file and lives in the network
 * namespace of the device). A client that connects writes one request line, "text" or
 * "json", and receives the connection table and the counters as text (or as one JSON
 * object, host_print_json), then end of file. `synack stat --tap IF` is that client. */
#ifndef SYNACK_TOOL_CTL_H
#define SYNACK_TOOL_CTL_H

struct host;

/* Starts listening for interface `ifname`. Returns the socket, or -1 (with a warning on
 * stderr: another synack may serve the same interface). */
int ctl_listen(const char *ifname);
/* Answers one waiting client (call when the socket is readable). */
void ctl_serve(struct host *h);
/* Connects to the control socket of the synack running on `ifname` and sends the request
 * ("text" or "json"). Returns the socket or a negative errno. */
int ctl_connect(const char *ifname, const char *request);

/* Section headings of the report, for `synack stat --conns` / `--counters`. */
#define CTL_CONNS_HEADING "# connections"
#define CTL_COUNTERS_HEADING "# counters"

#endif
