# The Elixir release beside the C++ workers (app/: a mix project without dependencies).
#   docker build -f examples/docker/app.Dockerfile -t app examples/docker
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends erlang-nox elixir ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY app/ ./
ENV MIX_ENV=prod LANG=C.UTF-8
RUN mix release --quiet

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl3 libtinfo6 zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --create-home --home-dir /home/app --shell /usr/sbin/nologin app
COPY --from=build /app/_build/prod/rel/app /opt/app
USER app
ENV LANG=C.UTF-8 RELEASE_DISTRIBUTION=sname RELEASE_NODE=app
CMD ["/opt/app/bin/app", "start"]
