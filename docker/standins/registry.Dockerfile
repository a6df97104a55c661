# Stand-in for registry:3.0.0 (the CNCF Distribution registry) where no image registry is
# reachable: the same release, built from its Go module with Debian's Go, with the official
# image's configuration, storage path and command. It serves the Lambda runtime stand-ins to
# the engine on the host's loopback interface; see docs/docker.md.
FROM debian:13.8-slim AS build
COPY build/ /tmp/build/
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    if [ -s /tmp/build/build-ca.crt ]; then export SSL_CERT_FILE=/tmp/build/build-ca.crt; fi; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates golang-go; \
    CGO_ENABLED=0 GOBIN=/out go install -trimpath -ldflags "-s -w" \
        github.com/distribution/distribution/v3/cmd/registry@v3.0.0

FROM debian:13.8-slim
COPY --from=build /out/registry /bin/registry
COPY build/config.yml /etc/distribution/config.yml
RUN mkdir -p /var/lib/registry
EXPOSE 5000
ENTRYPOINT ["/bin/registry"]
CMD ["serve", "/etc/distribution/config.yml"]
