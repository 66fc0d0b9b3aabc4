# nanovlm in a container.
#
#   docker build -t nanovlm .
#   docker run --rm -p 8080:8080 nanovlm
#
# Stage 1 builds a release binary with the Swift runtime linked in statically and trains
# the weights; stage 2 is a slim Debian image holding only that binary with its resource
# bundle (the web page and the OpenAPI document), its C libraries and the weights, so a
# container is ready in well under a second instead of training for ~25 s at every start.
#
# No container engine runs on the project's CI machines: scripts/check-deploy lints this
# file with hadolint, and scripts/test-container-recipe runs the build stage's commands
# (reading the apt-get line, the train line and the runtime ENV from this file) on the
# same Debian release and Swift version, then starts the binary and probes it.

# ---- build ------------------------------------------------------------------------------
# Pinned to the toolchain the project is developed and tested with (Swift 6.3.1, Debian 12).
FROM swift:6.3.1-bookworm AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# The -dev packages the C bridge targets (COpenBLAS, CLibPNG, CTurboJPEG, CMicroHTTPD)
# compile against. Versions are left to the pinned Debian release: exact pins vanish from the mirror at
# each point release and would break the build.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libopenblas-dev libmicrohttpd-dev libpng-dev libturbojpeg0-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# The manifest alone first: the dependency checkouts stay cached until Package.swift changes.
COPY Package.swift ./
RUN swift package resolve

# SwiftPM wants every target's folder, the test targets' too, to load the package.
COPY Sources ./Sources
COPY Tests ./Tests
COPY config ./config

# The binary reads the page and the OpenAPI document from nanovlm_NanoVLMService.resources
# next to itself, so the bundle travels with it: /out holds both, as the bin folder does.
RUN swift build -c release --static-swift-stdlib --product nanovlm \
    && bin="$(swift build -c release --static-swift-stdlib --show-bin-path)" \
    && install -D -m 0755 "$bin/nanovlm" /out/nanovlm \
    && cp -R "$bin/nanovlm_NanoVLMService.resources" /out/nanovlm_NanoVLMService.resources

# Train once here; the runtime image loads the result (< 1 s) and self-tests it at start-up.
RUN /out/nanovlm train --config config/nanovlm.json --weights /artifacts/nanovlm.safetensors

# ---- runtime ----------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Only the shared libraries the binary links (libmicrohttpd.so.12, libpng16.so.16,
# libturbojpeg.so.0, libopenblas.so.0), plus curl for the HEALTHCHECK. A fixed uid lets
# Kubernetes check runAsNonRoot without resolving the name.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmicrohttpd12 libpng16-16 libturbojpeg0 libopenblas0-pthread curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 nanovlm \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin nanovlm

COPY --from=build /out/nanovlm /usr/local/bin/nanovlm
COPY --from=build /out/nanovlm_NanoVLMService.resources /usr/local/bin/nanovlm_NanoVLMService.resources
COPY --from=build /src/config/nanovlm.json /etc/nanovlm/nanovlm.json
COPY --from=build /artifacts/nanovlm.safetensors /var/lib/nanovlm/nanovlm.safetensors

# Every setting can be overridden at `docker run -e` time; the long forms
# (NANOVLM_SERVER_CONNECTION_LIMIT, NANOVLM_MIN_GALLERY_R1, …) work too (docs/CONFIGURATION.md).
ENV NANOVLM_HOST=0.0.0.0 \
    NANOVLM_PORT=8080 \
    NANOVLM_THREADS=2 \
    NANOVLM_WEIGHTS=/var/lib/nanovlm/nanovlm.safetensors \
    NANOVLM_LOG_LEVEL=info

USER 10001:10001
EXPOSE 8080

# The server finishes in-flight requests on SIGTERM and exits 0.
STOPSIGNAL SIGTERM

# Liveness only (/healthz answers while the process serves); the port follows NANOVLM_PORT.

HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
    CMD ["/bin/sh", "-c", "curl -fsS -o /dev/null http://127.0.0.1:${NANOVLM_PORT:-8080}/healthz || exit 1"]

ENTRYPOINT ["/usr/local/bin/nanovlm"]
CMD ["serve", "--config", "/etc/nanovlm/nanovlm.json"]
