/* The baseline for `scripts/bench http`: a bare libmicrohttpd responder that answers every
 * request with a fixed JSON body, in the same threading mode as nanovlm's server (internal
 * polling thread pool with poll, the same pool size). Whatever nanovlm adds on top of this
 * is the cost of routing, parsing, the model and encoding.
 *   bare_responder PORT THREADS BODY_BYTES
 */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct MHD_Response *response;

static enum MHD_Result answer(void *cls, struct MHD_Connection *connection, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls) {
    (void)cls; (void)url; (void)method; (void)version; (void)upload_data;
    /* Consume any body (PNG uploads) before answering, as nanovlm does. */
    if (*con_cls == NULL) {
        *con_cls = (void *)1;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    return MHD_queue_response(connection, MHD_HTTP_OK, response);
}

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s PORT THREADS BODY_BYTES\n", argv[0]);
        return 64;
    }
    int port = atoi(argv[1]), threads = atoi(argv[2]);
    size_t size = (size_t)atol(argv[3]);
    char *body = malloc(size + 1);
    if (body == NULL) return 1;
    /* A JSON string of the requested length: {"pad":"xxxx…"} */
    memset(body, 'x', size);
    if (size >= 11) {
        memcpy(body, "{\"pad\":\"", 8);
        memcpy(body + size - 2, "\"}", 2);
    }
    response = MHD_create_response_from_buffer(size, body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(response, "Content-Type", "application/json");
    struct MHD_Daemon *daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC, (uint16_t)port, NULL, NULL,
        &answer, NULL, MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
        MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (daemon == NULL) {
        fprintf(stderr, "cannot listen on %d\n", port);
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("listening on http://127.0.0.1:%d\n", port);
    fflush(stdout);
    while (!stop) pause();
    MHD_stop_daemon(daemon);
    MHD_destroy_response(response);
    free(body);
    return 0;
}
