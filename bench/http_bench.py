"""scripts/bench http | startup: the running service against a bare libmicrohttpd responder.

http:    wrk on 127.0.0.1 against nanovlm and, in the same run, bench/bare_responder.c
         (same threading mode and pool size, a fixed JSON body of a top-5 search response's
         size). Every round of a target is paired with a round of the bare responder just
         before it, and the ratio is the median of the paired ratios, so a neighbour's load
         that comes and goes during the run moves both sides of a ratio alike. Prints
         requests/s, p50/p99 (medians) and the ratios.
startup: time from process start to /readyz 200 with saved weights, and peak resident
         memory (VmHWM) after a load mix.
Bounded in time; traffic goes to 127.0.0.1 only.
"""
import http.client
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NANOVLM = os.path.join(ROOT, ".build/release/nanovlm")
BARE = os.path.join(ROOT, ".build/bare_responder")
WEIGHTS = os.path.join(ROOT, "artifacts/bench.safetensors")
THREADS = 2
WRK = ["wrk", "-t2", "-c16", "-d" + os.environ.get("BENCH_SECONDS", "10") + "s", "--latency"]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def get(port, path, method="GET", body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def start(args, env=None):
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    line = process.stdout.readline()
    match = re.search(r":(\d+)\s*$", line.strip())
    if not match:
        process.kill()
        raise SystemExit(f"could not start {args[0]}: {line!r}")
    return process, int(match.group(1))


def wait_ready(port, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if get(port, "/readyz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.002)
    raise SystemExit("nanovlm did not become ready")


def serve(weights, **settings):
    env = dict(os.environ, NANOVLM_LOG_LEVEL="warning", **settings)
    return start([NANOVLM, "serve", "--config", os.path.join(ROOT, "config/nanovlm.json"), "--weights", weights,
                  "--host", "127.0.0.1", "--port", "0", "--threads", str(THREADS)], env)


def to_ms(text):
    """wrk's latency text (e.g. 812.00us, 1.20ms, 2.01s) in milliseconds."""
    for unit, factor in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    raise ValueError(text)


def wrk_round(port, path, script=None, env=None):
    args = WRK + (["-s", script] if script else []) + [f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(args, capture_output=True, text=True, env=env, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{path}: {errors.group(1)} non-2xx responses")
    return rps, p50, p99


def paired(bare_port, port, path, script=None, env=None, bare_samples=None):
    """ROUNDS rounds of (bare responder, target); the target's medians and the median ratio."""
    samples, ratios = [], []
    for _ in range(ROUNDS):
        base = wrk_round(bare_port, "/")
        if bare_samples is not None:
            bare_samples.append(base)
        sample = wrk_round(port, path, script, env)
        samples.append(sample)
        ratios.append(sample[0] / base[0])
    medians = tuple(statistics.median(s[i] for s in samples) for i in range(3))
    return medians + (statistics.median(ratios),)


def has_decoder(path):
    """Whether a weights file holds caption_decoder.* tensors (files written before it do not)."""
    with open(path, "rb") as f:
        length = int.from_bytes(f.read(8), "little")
        return b'"caption_decoder.' in f.read(length)


def ensure_weights():
    if not os.path.exists(WEIGHTS) or not has_decoder(WEIGHTS):
        print("training the benchmark weights once …", file=sys.stderr)
        subprocess.run([NANOVLM, "train", "--config", os.path.join(ROOT, "config/nanovlm.json"), "--weights", WEIGHTS],
                       check=True, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


def http_mode():
    ensure_weights()
    server, port = serve(WEIGHTS)
    try:
        wait_ready(port)
        status, search = get(port, "/v1/search/images?q=pink+circle+top")
        assert status == 200, search
        status, png = get(port, "/v1/images/109.png")
        png_path = os.path.join(ROOT, "artifacts/bench-109.png")
        with open(png_path, "wb") as f:
            f.write(png)
        bare, bare_port = start([BARE, str(free_port()), str(THREADS), str(len(search))])
        bare_samples = []
        try:
            rows = []
            lua = os.path.join(ROOT, "bench/post_png.lua")
            env = dict(os.environ, PNG=png_path)
            for name, path, script in [
                ("GET /healthz", "/healthz", None),
                ("GET /v1/search/images?q=pink+circle+top", "/v1/search/images?q=pink+circle+top", None),
                ("POST /v1/search/captions (32×32 PNG)", "/v1/search/captions", lua),
                ("POST /v1/caption (32×32 PNG, beam 3)", "/v1/caption", lua),
                ("GET /v1/images/17.png", "/v1/images/17.png", None),
            ]:
                rows.append((name, paired(bare_port, port, path, script, env, bare_samples)))
            # The same search on a server without the search cache: every request parses,
            # embeds, ranks and writes JSON.
            cold, cold_port = serve(WEIGHTS, NANOVLM_SERVER_SEARCH_CACHE_ENTRIES="0")
            try:
                wait_ready(cold_port)
                rows.insert(2, ("GET /v1/search/images?q=pink+circle+top, search cache off",
                                paired(bare_port, cold_port, "/v1/search/images?q=pink+circle+top",
                                       bare_samples=bare_samples)))
            finally:
                cold.terminate()
                cold.wait()
            base = tuple(statistics.median(s[i] for s in bare_samples) for i in range(3)) + (1.0,)
            rows.insert(0, ("bare libmicrohttpd responder (fixed %d-byte JSON)" % len(search), base))
        finally:
            bare.terminate()
            bare.wait()
    finally:
        server.terminate()
        server.wait()
    print(f"wrk {' '.join(WRK[1:])}, median of {ROUNDS} rounds, each round of a target paired with a round of the")
    print("bare responder just before it (ratio: median of the paired ratios); server and wrk share the 2 cores\n")
    print("| target | requests/s | p50 ms | p99 ms | ratio to bare |")
    print("| --- | --- | --- | --- | --- |")
    for name, (rps, p50, p99, ratio) in rows:
        print(f"| {name} | {rps:,.0f} | {p50:.3f} | {p99:.3f} | {ratio:.2f} |")


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def vm_hwm(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def startup_mode():
    ensure_weights()
    times = []
    for _ in range(5):
        begin = time.time()
        server, port = serve(WEIGHTS)
        wait_ready(port)
        times.append(time.time() - begin)
        server.terminate()
        server.wait()
    server, port = serve(WEIGHTS)
    try:
        wait_ready(port)
        idle = vm_hwm(server.pid)
        png_path = os.path.join(ROOT, "artifacts/bench-109.png")
        with open(png_path, "wb") as f:
            f.write(get(port, "/v1/images/109.png")[1])
        env = dict(os.environ, PNG=png_path)
        for path, script in [("/v1/search/images?q=red+square", None),
                             ("/v1/search/captions", os.path.join(ROOT, "bench/post_png.lua"))]:
            args = ["wrk", "-t2", "-c64", "-d5s"] + (["-s", script] if script else []) + [f"http://127.0.0.1:{port}{path}"]
            subprocess.run(args, capture_output=True, check=True, env=env)
        loaded = vm_hwm(server.pid)
    finally:
        server.terminate()
        server.wait()
    print("| measure | value |")
    print("| --- | --- |")
    print(f"| process start → /readyz 200 with saved weights, median of 5 (ms) | {statistics.median(times) * 1000:.0f} |")
    print(f"| peak resident memory when ready (VmHWM, MiB) | {idle:.1f} |")
    print(f"| peak resident memory after 64-connection search + upload load (VmHWM, MiB) | {loaded:.1f} |")


if __name__ == "__main__":
    {"http": http_mode, "startup": startup_mode}[sys.argv[1]]()
