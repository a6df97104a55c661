# Stand-in for public.ecr.aws/glue/aws-glue-libs:5 where no image registry is reachable:
# Spark 3.5.6 (pyspark from PyPI, as Glue 5.1) on Java 17 and Python 3.11, S3A from Maven
# Central, and glueline's awsglue for plain PySpark instead of the real one, which ships only
# inside the AWS image. Same user, workspace and `spark-submit` as the real image.
FROM debian:12.15-slim
COPY jars/ /opt/glue/jars/
COPY build/ /tmp/build/
RUN set -eu; \
    export DEBIAN_FRONTEND=noninteractive; \
    if [ -s /tmp/build/build-ca.crt ]; then export PIP_CERT=/tmp/build/build-ca.crt; fi; \
    mkdir -p /usr/share/man/man1; \
    apt-get update; \
    apt-get install -y --no-install-recommends openjdk-17-jre-headless procps python3 python3-venv; \
    python3 -m venv /opt/glue/python; \
    /opt/glue/python/bin/pip install --no-cache-dir --no-deps \
        --requirement /tmp/build/glue-libs-requirements.txt; \
    /opt/glue/python/bin/pip check; \
    cp -r /tmp/build/awsglue_local /opt/glue/awsglue_local; \
    purelib="$(/opt/glue/python/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"; \
    echo /opt/glue/awsglue_local > "$purelib/glueline_awsglue_local.pth"; \
    mkdir -p /opt/glue/conf; \
    printf 'spark.driver.extraClassPath /opt/glue/jars/*\nspark.executor.extraClassPath /opt/glue/jars/*\n' \
        > /opt/glue/conf/spark-defaults.conf; \
    useradd --create-home --home-dir /home/hadoop --shell /bin/bash hadoop; \
    mkdir -p /home/hadoop/workspace; \
    chown -R hadoop:hadoop /home/hadoop; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /tmp/build
ENV PATH=/opt/glue/python/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 \
    PYSPARK_PYTHON=/opt/glue/python/bin/python \
    SPARK_CONF_DIR=/opt/glue/conf
USER hadoop
WORKDIR /home/hadoop/workspace
