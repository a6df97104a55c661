# glueline's Glue service for the Docker setup: Glue's API on port 4567, job runs started as
# sibling containers of the AWS Glue libs image through the mounted Docker socket.
# No Java or Spark here: jobs run inside public.ecr.aws/glue/aws-glue-libs:5.
#
# Debian bookworm's Python is 3.11, the version glueline requires. The docker CLI is the one of
# Debian's docker.io package (only the CLI binary is kept: glueline runs `docker run`).
# `make docker-images` builds this image with a context of exactly the files below; where pip
# must trust a proxy's CA, that context also holds docker/build-ca.crt (absent otherwise).
FROM debian:12.15-slim
COPY docker/glueline-requirements.txt docker/build-ca.cr[t] /tmp/build/
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    if [ -s /tmp/build/build-ca.crt ]; then export PIP_CERT=/tmp/build/build-ca.crt; fi; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates python3 python3-venv; \
    cd /tmp/build; \
    apt-get download docker.io; \
    dpkg-deb --fsys-tarfile docker.io_*.deb | tar -x -C /tmp/build ./usr/bin/docker; \
    install -m 0755 /tmp/build/usr/bin/docker /usr/local/bin/docker; \
    python3 -m venv /opt/glueline/venv; \
    /opt/glueline/venv/bin/pip install --no-cache-dir --requirement glueline-requirements.txt; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /tmp/build

# The kit itself, on the import path, without its other dependencies (pyspark, the CDK): the
# service needs only moto and boto3, installed above.
WORKDIR /opt/glueline
COPY pyproject.toml README.md /opt/glueline/
COPY glueline /opt/glueline/glueline
COPY stack /opt/glueline/stack
COPY lambdas /opt/glueline/lambdas
COPY glue_jobs /opt/glueline/glue_jobs

ENV PATH=/opt/glueline/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONPATH=/opt/glueline
EXPOSE 4567
ENTRYPOINT ["python", "-m", "glueline.docker_backend", "serve"]
