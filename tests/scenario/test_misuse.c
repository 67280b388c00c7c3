/* SPDX-License-Identifier: MIT */
/* Every public entry point called wrongly: NULL handles, NULL buffers, out-of-range sides,
 * hosts, counts, socket ids and flags. Each call must return its documented error (or
 * NULL, or a neutral value for getters) and must not crash; the ASan/UBSan build runs the
 * same table. The rule (docs/API.md): a NULL handle or another bad argument is -EINVAL, a
 * bad socket id -EBADF, a NULL data buffer with a non-zero length -EFAULT. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/fixture.h"
#include "support/pair.h"
#include "synack/link.h"
#include "synack/loop.h"
#include "synack/pcap.h"
#include "synack/simnet.h"
#include "synack/tuntap.h"

#define SA(x) ((struct sockaddr *)&(x))

/* What the calls run against: a client stack with one established connection (cs, whose
 * peer is ss on the server), a memlink and a simulated network with one host. */
typedef struct ctx {
    pair p;
    synack_stack *st;
    int cs;
    synack_simnet *net;
    synack_memlink *link;
} ctx;

static ctx C;

typedef long (*misuse_fn)(ctx *c);

typedef struct misuse {
    const char *call; /* what is called, as a reader would write it */
    misuse_fn fn;
    long want;
} misuse;

#define M(name, expr)                                                                              \
    static long name(ctx *c)                                                                       \
    {                                                                                              \
        (void)c;                                                                                   \
        return (long)(expr);                                                                       \
    }
/* For calls without a result: it is enough that they return. */
#define V(name, stmt)                                                                              \
    static long name(ctx *c)                                                                       \
    {                                                                                              \
        (void)c;                                                                                   \
        stmt;                                                                                      \
        return 0;                                                                                  \
    }

static char buf[64];
static struct sockaddr_in sin4;
static socklen_t slen = sizeof(struct sockaddr_in);
static int ival = 1;
static synack_pollfd pfd[2];
static synack_netif nif;
static synack_config cfg;
static synack_fault_config fault;
static synack_tuntap tdev = {.fd = -1};
static synack_rx_meta rxm;
static void *vp;
static const void *cvp;

static void visit(void *arg, const synack_conn_view *v)
{
    (void)arg;
    (void)v;
}

/* --- synack.h: the stack --- */
V(stack_free_null, synack_stack_free(NULL))
M(set_time_null, synack_set_time(NULL, 1))
M(input_null_stack, synack_input(NULL, 1, buf, 40))
M(input_null_frame, synack_input(c->st, c->p.now, NULL, 40))
M(input_ex_null_stack, synack_input_ex(NULL, 1, buf, 40, NULL))
M(input_ex_bad_meta,
  synack_input_ex(c->st, c->p.now, buf, 40, &(synack_rx_meta){.flags = 0x80000000u}))
M(poll_null, synack_poll(NULL, 1))
M(next_deadline_null, synack_next_deadline(NULL) == UINT64_MAX)
M(rotate_null, synack_rotate_secrets(NULL))
/* sockets */
M(socket_null, synack_socket(NULL, SOCK_STREAM))
M(socket_raw, synack_socket(c->st, SOCK_RAW))
M(socket_negative, synack_socket(c->st, -1))
M(bind_null_stack, synack_bind(NULL, c->cs, SA(sin4), sizeof(sin4)))
M(bind_bad_id, synack_bind(c->st, -1, SA(sin4), sizeof(sin4)))
M(bind_huge_id, synack_bind(c->st, INT_MAX, SA(sin4), sizeof(sin4)))
M(bind_min_id, synack_bind(c->st, INT_MIN, SA(sin4), sizeof(sin4)))
M(bind_null_addr, synack_bind(c->st, synack_socket(c->st, SOCK_STREAM), NULL, sizeof(sin4)))
M(bind_short, synack_bind(c->st, synack_socket(c->st, SOCK_STREAM), SA(sin4), 4))
M(listen_null, synack_listen(NULL, c->cs, 1))
M(listen_bad_id, synack_listen(c->st, 4096, 1))
M(listen_connected, synack_listen(c->st, c->cs, 1))
M(accept_null, synack_accept(NULL, 0, NULL, NULL))
M(accept_bad_id, synack_accept(c->st, -7, NULL, NULL))
M(accept_not_listening, synack_accept(c->st, c->cs, NULL, NULL))
M(connect_null, synack_connect(NULL, c->cs, SA(sin4), sizeof(sin4)))
M(connect_null_addr, synack_connect(c->st, synack_socket(c->st, SOCK_STREAM), NULL, 16))
M(connect_bad_id, synack_connect(c->st, 1 << 30, SA(sin4), sizeof(sin4)))
M(send_null_stack, synack_send(NULL, c->cs, "x", 1, 0))
M(send_bad_id, synack_send(c->st, -1, "x", 1, 0))
M(send_null_buf, synack_send(c->st, c->cs, NULL, 40, 0))
M(send_oob_null_buf, synack_send(c->st, c->cs, NULL, 40, MSG_OOB))
M(send_bad_flags, synack_send(c->st, c->cs, "x", 1, 0x40000000))
M(recv_null_stack, synack_recv(NULL, c->cs, buf, 1, 0))
M(recv_bad_id, synack_recv(c->st, 99999, buf, 1, 0))
M(recv_null_buf, synack_recv(c->st, c->cs, NULL, 40, 0))
M(recv_oob, synack_recv(c->st, c->cs, buf, 1, MSG_OOB))
M(recv_bad_flags, synack_recv(c->st, c->cs, buf, 1, MSG_WAITALL))
M(reserve_null_stack, synack_send_reserve(NULL, c->cs, &vp, 1))
M(reserve_bad_id, synack_send_reserve(c->st, -1, &vp, 1))
M(commit_null_stack, synack_send_commit(NULL, c->cs, 1))
M(commit_bad_id, synack_send_commit(c->st, -1, 1))
M(borrow_null_stack, synack_recv_borrow(NULL, c->cs, &cvp))
M(borrow_bad_id, synack_recv_borrow(c->st, -1, &cvp))
M(release_null_stack, synack_recv_release(NULL, c->cs, 1))
M(release_bad_id, synack_recv_release(c->st, -1, 1))
M(shutdown_null, synack_shutdown(NULL, c->cs, SHUT_WR))
M(shutdown_bad_id, synack_shutdown(c->st, -1, SHUT_WR))
M(shutdown_bad_how, synack_shutdown(c->st, c->cs, 42))
M(close_null, synack_close(NULL, c->cs))
M(close_bad_id, synack_close(c->st, -1))
M(setsockopt_null, synack_setsockopt(NULL, c->cs, SOL_SOCKET, SO_KEEPALIVE, &ival, 4))
M(setsockopt_bad_id, synack_setsockopt(c->st, -1, SOL_SOCKET, SO_KEEPALIVE, &ival, 4))
M(setsockopt_null_val, synack_setsockopt(c->st, c->cs, SOL_SOCKET, SO_KEEPALIVE, NULL, 4))
M(setsockopt_short, synack_setsockopt(c->st, c->cs, SOL_SOCKET, SO_KEEPALIVE, &ival, 2))
M(setsockopt_unknown, synack_setsockopt(c->st, c->cs, SOL_SOCKET, 0x7777, NULL, 0))
M(setsockopt_level, synack_setsockopt(c->st, c->cs, IPPROTO_IP, IP_OPTIONS, &ival, 4))
M(getsockopt_null, synack_getsockopt(NULL, c->cs, SOL_SOCKET, SO_TYPE, &ival, &slen))
M(getsockopt_bad_id, synack_getsockopt(c->st, -1, SOL_SOCKET, SO_TYPE, &ival, &slen))
M(getsockopt_null_val, synack_getsockopt(c->st, c->cs, SOL_SOCKET, SO_TYPE, NULL, &slen))
M(getsockopt_null_len, synack_getsockopt(c->st, c->cs, SOL_SOCKET, SO_TYPE, &ival, NULL))
M(getsockopt_unknown, synack_getsockopt(c->st, c->cs, IPPROTO_TCP, 0x7777, &ival, &slen))
M(getsockname_null, synack_getsockname(NULL, c->cs, SA(sin4), &slen))
M(getsockname_bad_id, synack_getsockname(c->st, -1, SA(sin4), &slen))
M(getsockname_null_addr, synack_getsockname(c->st, c->cs, NULL, &slen))
M(getsockname_null_len, synack_getsockname(c->st, c->cs, SA(sin4), NULL))
M(getpeername_null, synack_getpeername(NULL, c->cs, SA(sin4), &slen))
M(getpeername_bad_id, synack_getpeername(c->st, -1, SA(sin4), &slen))
M(getpeername_null_addr, synack_getpeername(c->st, c->cs, NULL, &slen))
M(sock_poll_null_stack, synack_sock_poll(NULL, pfd, 1))
M(sock_poll_null_fds, synack_sock_poll(c->st, NULL, 2))
M(sock_poll_negative, synack_sock_poll(c->st, pfd, -1))
M(sock_poll_bad_id, (pfd[0] = (synack_pollfd){.sock = -3, .events = POLLIN},
                     synack_sock_poll(c->st, pfd, 1) == 1 && pfd[0].revents == POLLNVAL))
static synack_ready rdy[2];
V(config_default_null, synack_config_default(NULL))
V(config_deterministic_null, synack_config_deterministic(NULL, 1))
M(sock_watch_null_stack, synack_sock_watch(NULL, 0, POLLIN, NULL))
M(sock_watch_bad_id, synack_sock_watch(c->st, 999, POLLIN, NULL))
M(sock_watch_negative_id, synack_sock_watch(c->st, -1, POLLIN, NULL))
M(sock_watch_bad_bits, synack_sock_watch(c->st, c->cs, 0x4000, NULL))
M(sock_ready_null_stack, synack_sock_ready(NULL, rdy, 2))
M(sock_ready_null_out, synack_sock_ready(c->st, NULL, 2))
M(sock_ready_negative, synack_sock_ready(c->st, rdy, -1))
M(sock_ready_pending_null, synack_sock_ready_pending(NULL))
M(loop_ready_null, synack_loop_ready(NULL, rdy, 2))
/* counters and introspection */
M(counter_name_bad, strcmp(synack_counter_name((synack_counter)-1), "?") == 0)
M(counter_get_null, synack_counter_get(NULL, SYNACK_CTR_InSegs))
M(counter_get_bad, synack_counter_get(c->st, (synack_counter)12345))
V(emit_counters_null, synack_emit_counters(NULL))
V(foreach_null_stack, synack_foreach_conn(NULL, visit, NULL))
V(foreach_null_fn, synack_foreach_conn(c->st, NULL, NULL))
M(mem_in_use_null, synack_mem_in_use(NULL))
M(mem_high_null, synack_mem_high_water(NULL))
/* event.h */
M(state_name_bad, strcmp(synack_state_name((synack_tcp_state)99), "?") == 0)
M(state_name_negative, strcmp(synack_state_name((synack_tcp_state)-1), "?") == 0)
V(flags_str_null, synack_flags_str(0x12, NULL))
M(opts_str_null_seg, synack_opts_str(NULL, buf, sizeof(buf)) == 0 && buf[0] == '\0')
M(opts_str_null_out, synack_opts_str(&(synack_seg_info){.has_mss = 1, .mss = 1460}, NULL, 50))
V(endpoints_str_null, synack_endpoints_str(NULL, buf, sizeof(buf)))
V(endpoints_str_null_out, synack_endpoints_str(&(synack_endpoints){0}, NULL, 48))
M(event_json_null, synack_event_json(NULL, "h", buf, sizeof(buf)))
M(event_json_null_out,
  synack_event_json(&(synack_event){.type = SYNACK_EV_NOTE}, NULL, NULL, 100) > 0)
/* link.h */
M(memlink_new_bad_alloc, synack_memlink_new(&(synack_allocator){0}, 0, 1500, 1) == NULL)
V(memlink_free_null, synack_memlink_free(NULL))
M(memlink_netif_null, synack_memlink_netif(NULL, 0, &nif))
M(memlink_netif_side, synack_memlink_netif(c->link, 2, &nif))
M(memlink_netif_null_nif, synack_memlink_netif(c->link, 0, NULL))
M(memlink_attach_null, synack_memlink_attach(NULL, 0, c->st))
M(memlink_attach_side5, synack_memlink_attach(c->link, 5, c->st))
M(memlink_attach_negative, synack_memlink_attach(c->link, -1, c->st))
M(memlink_set_tap_null, synack_memlink_set_tap(NULL, NULL, NULL))
M(memlink_next_null, synack_memlink_next(NULL) == UINT64_MAX)
M(memlink_run_null, synack_memlink_run(NULL, 0, 10))
M(memlink_dropped_null, synack_memlink_dropped(NULL))
/* loop.h */
M(loop_new_null, synack_loop_new(NULL) == NULL)
M(loop_new_no_dev, synack_loop_new(&(synack_loop_config){.dev = NULL}) == NULL)
M(loop_new_closed_dev, synack_loop_new(&(synack_loop_config){.dev = &tdev}) == NULL)
V(loop_free_null, synack_loop_free(NULL))
M(loop_netif_null, synack_loop_netif(NULL, &nif))
M(loop_attach_null, synack_loop_attach(NULL, c->st))
M(loop_run_once_null, synack_loop_run_once(NULL, 0, NULL, 0))
V(loop_service_null, synack_loop_service(NULL))
M(loop_held_null, synack_loop_held(NULL))
V(loop_stats_null, synack_loop_get_stats(NULL, NULL))
/* simnet.h */
M(simnet_new_bad_alloc, synack_simnet_new(&(synack_allocator){0}, 1, 10) == NULL)
V(simnet_free_null, synack_simnet_free(NULL))
M(simnet_add_null, synack_simnet_add_host(NULL, &cfg))
M(simnet_add_null_cfg, synack_simnet_add_host(c->net, NULL))
M(simnet_add_addr0, (cfg.netif.addr = 0, synack_simnet_add_host(c->net, &cfg)))
M(simnet_stack_null, synack_simnet_stack(NULL, 0) == NULL)
M(simnet_stack_range,
  synack_simnet_stack(c->net, 1) == NULL && synack_simnet_stack(c->net, -1) == NULL)
M(simnet_set_link_null, synack_simnet_set_link(NULL, 0, 0, &fault))
M(simnet_set_link_range, synack_simnet_set_link(c->net, 0, 9, &fault))
M(simnet_set_path_range, synack_simnet_set_path(c->net, -1, 0, &fault))
M(simnet_link_stats_range, synack_simnet_link_stats(c->net, 0, 7)->sent)
M(simnet_link_stats_null, synack_simnet_link_stats(NULL, 0, 0)->sent)
M(simnet_set_tap_null, synack_simnet_set_tap(NULL, NULL, NULL))
M(simnet_set_filter_null, synack_simnet_set_filter(NULL, NULL, NULL))
M(simnet_hosts_null, synack_simnet_hosts(NULL))
M(simnet_host_of_null, synack_simnet_host_of(NULL, 1))
M(simnet_unroutable_null, synack_simnet_unroutable(NULL))
M(simnet_inflight_null, synack_simnet_inflight(NULL))
M(simnet_inject_null, synack_simnet_inject(NULL, -1, 0, (const uint8_t *)buf, 20))
M(simnet_inject_null_pkt, synack_simnet_inject(c->net, -1, 0, NULL, 20))
M(simnet_inject_from, synack_simnet_inject(c->net, 3, 0, (const uint8_t *)buf, 20))
M(simnet_now_null, synack_simnet_now(NULL))
M(simnet_next_null, synack_simnet_next(NULL) == UINT64_MAX)
V(simnet_run_null, synack_simnet_run(NULL, 10))
M(simnet_run_idle_null, synack_simnet_run_idle(NULL, 10))
/* pcap.h */
M(pcap_open_null, synack_pcap_open(NULL, SYNACK_PCAP_RAW_IPV4) == NULL && errno == EINVAL)
M(pcap_write_null, synack_pcap_write(NULL, 0, buf, 1))
M(pcap_close_null, synack_pcap_close(NULL))
/* tuntap.h */
M(tuntap_open_null, synack_tuntap_open(NULL, "x", SYNACK_LINK_IP))
M(tuntap_open_ex_null, synack_tuntap_open_ex(NULL, "x", SYNACK_LINK_IP, 0))
M(tuntap_open_bad_type, synack_tuntap_open(&tdev, "x", (synack_link_type)7))
M(tuntap_open_bad_flags, synack_tuntap_open_ex(&tdev, "x", SYNACK_LINK_IP, 0x80))
V(tuntap_close_null, synack_tuntap_close(NULL))
M(tuntap_read_null, synack_tuntap_read(NULL, buf, sizeof(buf)))
M(tuntap_read_null_buf, synack_tuntap_read(&tdev, NULL, 10))
M(tuntap_read_meta_null, synack_tuntap_read_meta(&tdev, buf, sizeof(buf), NULL))
V(tuntap_csum_null, synack_tuntap_csum_complete(NULL, 10, NULL))
V(tuntap_csum_null_frame, synack_tuntap_csum_complete(NULL, 10, &rxm))
M(tuntap_write_null, synack_tuntap_write(NULL, (const uint8_t *)buf, 1))
M(tuntap_write_null_frame, synack_tuntap_write(&tdev, NULL, 10))
M(tuntap_write_meta_null, synack_tuntap_write_meta(NULL, (const uint8_t *)buf, 1, NULL))
M(tuntap_netif_null, synack_tuntap_netif(NULL, &nif))
M(tuntap_netif_null_nif, synack_tuntap_netif(&tdev, NULL))
M(tuntap_wait_up_null, synack_tuntap_wait_up(NULL, 0))
V(tuntap_make_mac_null, synack_tuntap_make_mac(NULL, 1))

#define E(name, want)                                                                              \
    {                                                                                              \
#name, name, want                                                                          \
    }
static const misuse table[] = {
    E(stack_free_null, 0),
    E(set_time_null, -EINVAL),
    E(input_null_stack, -EINVAL),
    E(input_null_frame, -EFAULT),
    E(input_ex_null_stack, -EINVAL),
    E(input_ex_bad_meta, -EINVAL),
    E(poll_null, -EINVAL),
    E(next_deadline_null, 1),
    E(rotate_null, -EINVAL),
    E(socket_null, -EINVAL),
    E(socket_raw, -EPROTONOSUPPORT),
    E(socket_negative, -EPROTONOSUPPORT),
    E(bind_null_stack, -EINVAL),
    E(bind_bad_id, -EBADF),
    E(bind_huge_id, -EBADF),
    E(bind_min_id, -EBADF),
    E(bind_null_addr, -EINVAL),
    E(bind_short, -EINVAL),
    E(listen_null, -EINVAL),
    E(listen_bad_id, -EBADF),
    E(listen_connected, -EINVAL),
    E(accept_null, -EINVAL),
    E(accept_bad_id, -EBADF),
    E(accept_not_listening, -EINVAL),
    E(connect_null, -EINVAL),
    E(connect_null_addr, -EINVAL),
    E(connect_bad_id, -EBADF),
    E(send_null_stack, -EINVAL),
    E(send_bad_id, -EBADF),
    E(send_null_buf, -EFAULT),
    E(send_oob_null_buf, -EFAULT),
    E(send_bad_flags, -EINVAL),
    E(recv_null_stack, -EINVAL),
    E(recv_bad_id, -EBADF),
    E(recv_null_buf, -EFAULT),
    E(recv_oob, -EINVAL), /* no urgent data */
    E(recv_bad_flags, -EINVAL),
    E(reserve_null_stack, -EINVAL),
    E(reserve_bad_id, -EBADF),
    E(commit_null_stack, -EINVAL),
    E(commit_bad_id, -EBADF),
    E(borrow_null_stack, -EINVAL),
    E(borrow_bad_id, -EBADF),
    E(release_null_stack, -EINVAL),
    E(release_bad_id, -EBADF),
    E(shutdown_null, -EINVAL),
    E(shutdown_bad_id, -EBADF),
    E(shutdown_bad_how, -EINVAL),
    E(close_null, -EINVAL),
    E(close_bad_id, -EBADF),
    E(setsockopt_null, -EINVAL),
    E(setsockopt_bad_id, -EBADF),
    E(setsockopt_null_val, -EINVAL),
    E(setsockopt_short, -EINVAL),
    E(setsockopt_unknown, -ENOPROTOOPT),
    E(setsockopt_level, -ENOPROTOOPT),
    E(getsockopt_null, -EINVAL),
    E(getsockopt_bad_id, -EBADF),
    E(getsockopt_null_val, -EINVAL),
    E(getsockopt_null_len, -EINVAL),
    E(getsockopt_unknown, -ENOPROTOOPT),
    E(getsockname_null, -EINVAL),
    E(getsockname_bad_id, -EBADF),
    E(getsockname_null_addr, -EINVAL),
    E(getsockname_null_len, -EINVAL),
    E(getpeername_null, -EINVAL),
    E(getpeername_bad_id, -EBADF),
    E(getpeername_null_addr, -EINVAL),
    E(sock_poll_null_stack, -EINVAL),
    E(sock_poll_null_fds, -EFAULT),
    E(sock_poll_negative, -EINVAL),
    E(sock_poll_bad_id, 1),
    E(config_default_null, 0),
    E(config_deterministic_null, 0),
    E(sock_watch_null_stack, -EINVAL),
    E(sock_watch_bad_id, -EBADF),
    E(sock_watch_negative_id, -EBADF),
    E(sock_watch_bad_bits, -EINVAL),
    E(sock_ready_null_stack, -EINVAL),
    E(sock_ready_null_out, -EINVAL),
    E(sock_ready_negative, -EINVAL),
    E(sock_ready_pending_null, -EINVAL),
    E(loop_ready_null, -EINVAL),
    E(counter_name_bad, 1),
    E(counter_get_null, 0),
    E(counter_get_bad, 0),
    E(emit_counters_null, 0),
    E(foreach_null_stack, 0),
    E(foreach_null_fn, 0),
    E(mem_in_use_null, 0),
    E(mem_high_null, 0),
    E(state_name_bad, 1),
    E(state_name_negative, 1),
    E(flags_str_null, 0),
    E(opts_str_null_seg, 1),
    E(opts_str_null_out, 8), /* "mss=1460": counted, not written */
    E(endpoints_str_null, 0),
    E(endpoints_str_null_out, 0),
    E(event_json_null, 0),
    E(event_json_null_out, 1),
    E(memlink_new_bad_alloc, 1),
    E(memlink_free_null, 0),
    E(memlink_netif_null, -EINVAL),
    E(memlink_netif_side, -EINVAL),
    E(memlink_netif_null_nif, -EINVAL),
    E(memlink_attach_null, -EINVAL),
    E(memlink_attach_side5, -EINVAL),
    E(memlink_attach_negative, -EINVAL),
    E(memlink_set_tap_null, -EINVAL),
    E(memlink_next_null, 1),
    E(memlink_run_null, 0),
    E(memlink_dropped_null, 0),
    E(loop_new_null, 1),
    E(loop_new_no_dev, 1),
    E(loop_new_closed_dev, 1),
    E(loop_free_null, 0),
    E(loop_netif_null, -EINVAL),
    E(loop_attach_null, -EINVAL),
    E(loop_run_once_null, -EINVAL),
    E(loop_service_null, 0),
    E(loop_held_null, 0),
    E(loop_stats_null, 0),
    E(simnet_new_bad_alloc, 1),
    E(simnet_free_null, 0),
    E(simnet_add_null, -EINVAL),
    E(simnet_add_null_cfg, -EINVAL),
    E(simnet_add_addr0, -EINVAL),
    E(simnet_stack_null, 1),
    E(simnet_stack_range, 1),
    E(simnet_set_link_null, -EINVAL),
    E(simnet_set_link_range, -EINVAL),
    E(simnet_set_path_range, -EINVAL),
    E(simnet_link_stats_range, 0),
    E(simnet_link_stats_null, 0),
    E(simnet_set_tap_null, -EINVAL),
    E(simnet_set_filter_null, -EINVAL),
    E(simnet_hosts_null, 0),
    E(simnet_host_of_null, -1),
    E(simnet_unroutable_null, 0),
    E(simnet_inflight_null, 0),
    E(simnet_inject_null, -EINVAL),
    E(simnet_inject_null_pkt, -EINVAL),
    E(simnet_inject_from, -EINVAL),
    E(simnet_now_null, 0),
    E(simnet_next_null, 1),
    E(simnet_run_null, 0),
    E(simnet_run_idle_null, 0),
    E(pcap_open_null, 1),
    E(pcap_write_null, -EINVAL),
    E(pcap_close_null, 0),
    E(tuntap_open_null, -EINVAL),
    E(tuntap_open_ex_null, -EINVAL),
    E(tuntap_open_bad_type, -EINVAL),
    E(tuntap_open_bad_flags, -EINVAL),
    E(tuntap_close_null, 0),
    E(tuntap_read_null, -EINVAL),
    E(tuntap_read_null_buf, -EFAULT),
    E(tuntap_read_meta_null, -EINVAL),
    E(tuntap_csum_null, 0),
    E(tuntap_csum_null_frame, 0),
    E(tuntap_write_null, -EINVAL),
    E(tuntap_write_null_frame, -EFAULT),
    E(tuntap_write_meta_null, -EINVAL),
    E(tuntap_netif_null, -EINVAL),
    E(tuntap_netif_null_nif, -EINVAL),
    E(tuntap_wait_up_null, -EINVAL),
    E(tuntap_make_mac_null, 0),
};

static int setup(void **state)
{
    (void)state;
    memset(&C, 0, sizeof(C));
    (void)fx_established(&C.p, NULL, 1000, &C.cs);
    C.st = C.p.st[PAIR_CLIENT];
    C.link = C.p.link;
    C.net = synack_simnet_new(NULL, 1, 100);
    synack_config_default(&cfg);
    cfg.netif.addr = 0xc0000209u;
    assert_int_equal(synack_simnet_add_host(C.net, &cfg), 0);
    sin4 = pair_sin(PAIR_SERVER_ADDR, FX_PORT);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    synack_simnet_free(C.net);
    pair_free(&C.p);
    return 0;
}

/* Every row of the table, on a live stack with an established connection; then the
 * connection still works, so no misuse changed it. */
static void test_misuse_table(void **state)
{
    (void)state;
    size_t failures = 0;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        long got = table[i].fn(&C);
        if (got != table[i].want) {
            print_error("%s: got %ld, want %ld\n", table[i].call, got, table[i].want);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
    assert_int_equal(synack_send(C.st, C.cs, "ok", 2, 0), 2);
    pair_run_for(&C.p, 100000);
    synack_pollfd p = {.sock = C.cs, .events = POLLOUT};
    assert_int_equal(synack_sock_poll(C.st, &p, 1), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_misuse_table, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
