# syntax=docker/dockerfile:1

# Build: cgo is needed for mattn/go-sqlite3, so build on glibc (bookworm) and run
# on glibc too.
FROM golang:1.26-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=1
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -ldflags='-s -w' -o /out/portolan ./cmd/portolan
# Ship a ready database and search index so the first start does not have to build them.
RUN mkdir /out/data && /out/portolan ingest -db /out/data/portolan.db

FROM debian:bookworm-slim
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ca-certificates \
	&& rm -rf /var/lib/apt/lists/* \
	&& groupadd --system --gid 10001 portolan \
	&& useradd --system --uid 10001 --gid portolan --home-dir /var/lib/portolan --shell /usr/sbin/nologin portolan \
	&& install -d -o portolan -g portolan -m 0755 /var/lib/portolan
COPY --from=build /out/portolan /usr/local/bin/portolan
# serve rebuilds the dataset (a new directory in portolan.db.d, then the
# portolan.db link renamed) when it is missing or stale, so the directory, not
# only the files, belongs to the user. Copying the directory keeps the link a
# link (relative, so it still names portolan.db.d/ds-*/portolan.db).
COPY --from=build --chown=portolan:portolan /out/data/ /var/lib/portolan/
USER 10001:10001
WORKDIR /var/lib/portolan
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/portolan"]
CMD ["serve", "-addr", "0.0.0.0:8080", "-db", "/var/lib/portolan/portolan.db"]
