# enode in a container: `enode run`, the node beside your Elixir services.
#
#   docker build -t enode .
#   docker run --rm --hostname enode1 -e RELEASE_NODE=enode -e RELEASE_COOKIE=secret enode
#
# Configured as an Elixir release is, from the environment: RELEASE_NODE (NAME or
# NAME@HOST; the host defaults to the container's host name), RELEASE_DISTRIBUTION
# (sname, the default, or name), RELEASE_COOKIE, and ERL_EPMD_PORT. Without an EPMD in
# the container the node serves EPMD itself, on 4369 (or ERL_EPMD_PORT). Arguments
# after the image name replace `run` (see `enode run --help`: --connect, --ticktime ...).
#
# FROM debian:bookworm-slim: from a registry, or made locally by scripts/docker-base
# (debootstrap + docker import) where none can be reached.
#
# Stages: `runtime` (the slim system, user and entry point, no enode yet) comes first, so
# that `--target runtime` builds nothing else; `build` compiles enode; the last stage is
# `runtime` with the compiled binary. The tests put a binary built on the host into the
# runtime stage instead (integration/compose/prebuilt.Dockerfile).

FROM debian:bookworm-slim AS runtime
LABEL org.opencontainers.image.title=enode \
      org.opencontainers.image.description="A C++ peer node of Erlang and Elixir clusters"
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl3 zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --create-home --home-dir /home/enode --shell /usr/sbin/nologin enode
USER enode
WORKDIR /home/enode
ENV RELEASE_NODE=enode \
    RELEASE_DISTRIBUTION=sname
# EPMD (when the node serves it); the distribution port is picked at start unless
# `run --listen-port P` fixes it.
EXPOSE 4369
# Healthy once the node answers a distribution ping, as `bin/app rpc` would reach it.
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s --retries=3 \
  CMD enode ping "$RELEASE_NODE" >/dev/null || exit 1
ENTRYPOINT ["enode"]
CMD ["run"]

FROM debian:bookworm-slim AS build
LABEL org.opencontainers.image.title=enode
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ cmake ninja-build \
      libboost-system1.81-dev zlib1g-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY include include
COPY src src
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DENODE_BUILD_TESTS=OFF -DENODE_BUILD_INTEGRATION=OFF -DENODE_BUILD_BENCHMARKS=OFF \
 && cmake --build /build --target enode \
 && strip /build/enode

FROM runtime
COPY --from=build /build/enode /usr/local/bin/enode
