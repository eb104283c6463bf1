# callqa in a container: one stage builds, a small runtime image runs.
#
#   docker build -t callqa .
#   docker run --rm -v /data/calls:/calls:ro \
#       -e CALLQA_DB='host=db.example dbname=callqa user=callqa_pipeline' \
#       callqa nightly /calls/2026-10-01
#
# The database is named by CALLQA_DB (or the usual PG* variables); the
# password belongs in a mounted PGPASSFILE, never on the command line.

FROM debian:12-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        gcc libc6-dev make pkg-config gawk \
        libsndfile1-dev libsoxr-dev libpq-dev libyaml-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY cmd cmd
COPY pipeline pipeline
COPY include include
COPY tests tests
COPY rules rules
RUN make -j"$(nproc)" all && make install PREFIX=/usr DESTDIR=/out

FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        libsndfile1 libsoxr0 libpq5 libyaml-0-2 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/callqa --create-home callqa
COPY --from=build /out/usr /usr
USER callqa
WORKDIR /var/lib/callqa
ENV CALLQA_RUBRIC=/usr/share/callqa/rules/default.yaml
ENTRYPOINT ["callqa"]
CMD ["--help"]
