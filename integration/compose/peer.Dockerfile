# An Erlang/Elixir node for the compose cluster tests: Debian's erlang-nox and elixir.
#   bookworm: OTP 25, Elixir 1.14; trixie: OTP 27, Elixir 1.18; sid: OTP 29, Elixir 1.20
#   docker build -f peer.Dockerfile --build-arg DEBIAN_SUITE=trixie -t enode-peer:trixie .
# FROM debian:SUITE-slim: from a registry, or made locally by scripts/docker-base.
ARG DEBIAN_SUITE=bookworm
FROM debian:${DEBIAN_SUITE}-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends erlang-nox elixir \
 && rm -rf /var/lib/apt/lists/*
ENV LANG=C.UTF-8
