# glueline's Glue service for the Docker setup: Glue's API on port 4567, job runs started as
# sibling containers of the AWS Glue libs image through the mounted Docker socket.
# No Java or Spark here: jobs run inside public.ecr.aws/glue/aws-glue-libs:5.

# Only the docker CLI binary is taken from this image; glueline runs `docker run`.
FROM docker:28.2.2-cli AS docker-cli

FROM python:3.11.14-slim-bookworm

COPY --from=docker-cli /usr/local/bin/docker /usr/local/bin/docker

WORKDIR /opt/glueline
COPY docker/glueline-requirements.txt /opt/glueline/docker/glueline-requirements.txt
RUN pip install --no-cache-dir --requirement docker/glueline-requirements.txt

# The kit itself, without its other dependencies (pyspark, the CDK): the service needs only
# moto and boto3, installed above.
COPY pyproject.toml README.md /opt/glueline/
COPY glueline /opt/glueline/glueline
COPY stack /opt/glueline/stack
COPY lambdas /opt/glueline/lambdas
COPY glue_jobs /opt/glueline/glue_jobs
RUN pip install --no-cache-dir --no-deps /opt/glueline

EXPOSE 4567
ENTRYPOINT ["python", "-m", "glueline.docker_backend", "serve"]
