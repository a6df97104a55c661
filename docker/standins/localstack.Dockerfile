# Stand-in for localstack/localstack:4.14 where no image registry is reachable: the same
# LocalStack release, from its Python package on PyPI, on Debian trixie for Python 3.13
# (localstack-core 4.14.0 uses Python 3.12 syntax). Built by `make docker-images` only when the
# real image cannot be pulled; see docs/docker.md.
FROM debian:13.8-slim
COPY build/ /tmp/build/
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    if [ -s /tmp/build/build-ca.crt ]; then export PIP_CERT=/tmp/build/build-ca.crt; fi; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates curl python3 python3-venv unzip zip; \
    python3 -m venv /opt/code/localstack/.venv; \
    /opt/code/localstack/.venv/bin/pip install --no-cache-dir --no-deps \
        --requirement /tmp/build/localstack-requirements.txt; \
    /opt/code/localstack/.venv/bin/pip check; \
    mkdir -p /var/lib/localstack /etc/localstack/init/ready.d /usr/lib/localstack; \
    echo 4.14.0 > /usr/lib/localstack/.community-version; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /tmp/build
ENV PATH=/opt/code/localstack/.venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /opt/code/localstack
EXPOSE 4566
ENTRYPOINT ["python", "-m", "localstack.runtime.main"]
