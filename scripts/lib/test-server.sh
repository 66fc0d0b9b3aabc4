# Sourced by scripts that test a live nanovlm (test-contract, soak): starts the release
# binary on 127.0.0.1 with an ephemeral port, on weights trained once and cached, and
# stops it on exit. Not for production: the self-test floor is 0 and training is short,
# because these scripts test the service, not the model.
#
#   start_test_server [extra serve flags...]   # sets SERVER_PID, SERVER_PORT, SERVER_URL
#   stop_test_server

BINARY="${NANOVLM_BINARY:-.build/release/nanovlm}"
TEST_STATE_DIR="${TEST_STATE_DIR:-.build/nanovlm-live-tests}"
TEST_ADMIN_TOKEN="${TEST_ADMIN_TOKEN:-live-test-token}"
SERVER_PID=""

start_test_server() {
    mkdir -p "$TEST_STATE_DIR"
    local config="$TEST_STATE_DIR/config.json"
    cat >"$config" <<JSON
{"log_level": "warning", "min_gallery_r1": 0, "training": {"epochs": ${TEST_EPOCHS:-30}},
 "server": {"threads": 2, "connection_timeout_seconds": ${TEST_CONNECTION_TIMEOUT:-5},
            "per_ip_connection_limit": ${TEST_PER_IP_LIMIT:-1024}}}
JSON
    local out="$TEST_STATE_DIR/stdout.$$"
    : >"$out"
    NANOVLM_ADMIN_TOKEN="$TEST_ADMIN_TOKEN" "$BINARY" serve --config "$config" \
        --weights "$TEST_STATE_DIR/weights.safetensors" --host 127.0.0.1 --port 0 "$@" \
        >"$out" 2>"$TEST_STATE_DIR/stderr.log" &
    SERVER_PID=$!
    trap stop_test_server EXIT
    SERVER_PORT=""
    for _ in $(seq 1 100); do
        SERVER_PORT=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$out" | head -1)
        [ -n "$SERVER_PORT" ] && break
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TEST_STATE_DIR/stderr.log" >&2; return 1; }
        sleep 0.1
    done
    [ -n "$SERVER_PORT" ] || { echo "the server did not announce its port" >&2; return 1; }
    SERVER_URL="http://127.0.0.1:$SERVER_PORT"
    for _ in $(seq 1 600); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$SERVER_URL/readyz")" = 200 ] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TEST_STATE_DIR/stderr.log" >&2; return 1; }
        sleep 0.5
    done
    echo "the server was not ready after 300 s" >&2
    return 1
}

stop_test_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
}
