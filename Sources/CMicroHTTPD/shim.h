#ifndef NANOVLM_CMICROHTTPD_SHIM_H
#define NANOVLM_CMICROHTTPD_SHIM_H
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <microhttpd.h>

/* Called by MHD with the raw request target before it parses it; the result
   becomes the request's `*con_cls`. */
typedef void *(*nanovlm_mhd_uri_callback)(void *cls, const char *uri,
                                          struct MHD_Connection *connection);

/* Writes libmicrohttpd's own diagnostics to stderr with a prefix. MHD hands
   over a va_list, which Swift cannot consume, so this stays in C. */
static inline void nanovlm_mhd_log_to_stderr(void *cls, const char *format,
                                             va_list arguments) {
  (void)cls;
  fputs("libmicrohttpd: ", stderr);
  vfprintf(stderr, format, arguments);
}

/* MHD_start_daemon is variadic, which Swift cannot call; this fixes the
   options the server uses. `address` is a sockaddr_in or sockaddr_in6
   (with MHD_USE_IPv6 / MHD_USE_DUAL_STACK in `flags`). A thread pool is
   requested only when `thread_pool_size` > 1. */
static inline struct MHD_Daemon *nanovlm_mhd_start_daemon(
    unsigned int flags, const struct sockaddr *address,
    MHD_AccessHandlerCallback access_handler, void *access_cls,
    MHD_RequestCompletedCallback completed, void *completed_cls,
    nanovlm_mhd_uri_callback uri_callback, void *uri_cls,
    unsigned int thread_pool_size, unsigned int connection_limit,
    unsigned int per_ip_connection_limit,
    unsigned int connection_timeout_seconds, size_t connection_memory_limit,
    int log_errors) {
  struct MHD_OptionItem options[10];
  int count = 0;
  options[count++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, (void *)address};
  options[count++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, completed_cls};
  options[count++] = (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_callback, uri_cls};
  options[count++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, (intptr_t)connection_limit, NULL};
  options[count++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)per_ip_connection_limit, NULL};
  options[count++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)connection_timeout_seconds, NULL};
  options[count++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)connection_memory_limit, NULL};
  if (log_errors) {
    options[count++] = (struct MHD_OptionItem){MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)&nanovlm_mhd_log_to_stderr, NULL};
    flags |= MHD_USE_ERROR_LOG;
  }
  if (thread_pool_size > 1) {
    options[count++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)thread_pool_size, NULL};
  }
  options[count++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
  /* The port argument is ignored because MHD_OPTION_SOCK_ADDR is given. */
  return MHD_start_daemon(flags, 0, NULL, NULL, access_handler, access_cls,
                          MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

/* The bound port (the real one when port 0 was asked for), or 0. */
static inline uint16_t nanovlm_mhd_bind_port(struct MHD_Daemon *daemon) {
  const union MHD_DaemonInfo *info =
      MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
  return info == NULL ? 0 : info->port;
}

/* The listen socket, or -1. */
static inline int nanovlm_mhd_listen_fd(struct MHD_Daemon *daemon) {
  const union MHD_DaemonInfo *info =
      MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_LISTEN_FD);
  return info == NULL ? -1 : (int)info->listen_fd;
}

/* The connection's socket, or -1. */
static inline int nanovlm_mhd_connection_fd(struct MHD_Connection *connection) {
  const union MHD_ConnectionInfo *info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
  return info == NULL ? -1 : (int)info->connect_fd;
}

#endif
