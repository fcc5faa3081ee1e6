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
RUN /out/portolan ingest -db /out/portolan.db

FROM debian:bookworm-slim
RUN apt-get update \
	&& apt-get install -y --no-install-recommends ca-certificates \
	&& rm -rf /var/lib/apt/lists/* \
	&& groupadd --system --gid 10001 portolan \
	&& useradd --system --uid 10001 --gid portolan --home-dir /var/lib/portolan --shell /usr/sbin/nologin portolan \
	&& install -d -o portolan -g portolan -m 0755 /var/lib/portolan
COPY --from=build /out/portolan /usr/local/bin/portolan
# serve rebuilds the database (temporary file + rename in this directory) when it
# is missing or stale, so the directory, not only the file, belongs to the user.
COPY --from=build --chown=portolan:portolan /out/portolan.db /var/lib/portolan/portolan.db
COPY --from=build --chown=portolan:portolan /out/portolan.db.bleve /var/lib/portolan/portolan.db.bleve
USER 10001:10001
WORKDIR /var/lib/portolan
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/portolan"]
CMD ["serve", "-addr", "0.0.0.0:8080", "-db", "/var/lib/portolan/portolan.db"]
