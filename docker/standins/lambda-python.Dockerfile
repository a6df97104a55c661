# Stand-in for public.ecr.aws/lambda/python:<version> where no image registry is reachable:
# Debian's Python of that version with the AWS Lambda runtime interface client (awslambdaric)
# and boto3, in the places the AWS base images use. LocalStack copies its runtime init into the
# container and runs /var/runtime/bootstrap.
ARG DEBIAN_IMAGE
FROM ${DEBIAN_IMAGE}
ARG PYTHON_VERSION
COPY build/ /tmp/build/
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    if [ -s /tmp/build/build-ca.crt ]; then export PIP_CERT=/tmp/build/build-ca.crt; fi; \
    apt-get update; \
    apt-get install -y --no-install-recommends "python${PYTHON_VERSION}" python3-venv; \
    "python${PYTHON_VERSION}" -m venv /var/lang; \
    /var/lang/bin/pip install --no-cache-dir --no-deps \
        --requirement /tmp/build/lambda-python-requirements.txt; \
    /var/lang/bin/pip check; \
    install -D -m 0755 /tmp/build/bootstrap /var/runtime/bootstrap; \
    mkdir -p /var/task /opt; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /tmp/build
ENV PATH=/var/lang/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LAMBDA_TASK_ROOT=/var/task \
    LAMBDA_RUNTIME_DIR=/var/runtime \
    LANG=C.UTF-8 \
    TZ=:UTC
WORKDIR /var/task
