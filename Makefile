# glueline entry points. `make e2e` runs the pipeline locally; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STATE := .glueline
JARS := $(STATE)/jars
HADOOP_VERSION := 3.3.4
AWS_SDK_BUNDLE_VERSION := 1.12.262
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1
# local: the embedded local cloud (no Docker). docker: LocalStack + AWS Glue libs (docs/docker.md).
BACKEND ?= local
DOCKER_BACKEND := $(BIN)/python -m glueline.docker_backend
# Errors fail the build; W3005 (a DependsOn that a reference already implies) is how CDK writes templates.
CFN_LINT := $(BIN)/cfn-lint --non-zero-exit-code error --ignore-checks W3005 --
# Where `make docker-engine` keeps a Docker engine it starts: outside the clone, so images built
# once stay cached for every later run on the machine. Empty storage driver: dockerd's choice.
DOCKER_DATA_ROOT ?= /var/lib/glueline-docker
DOCKER_LOG ?= /var/log/glueline-dockerd.log
DOCKER_STORAGE_DRIVER ?=
# LocalStack's Lambda runtime init built from source, for machines that cannot reach GitHub
# (used only with stand-in Lambda runtime images; see docs/docker.md).
LAMBDA_INIT_BIN ?= ../shared/offline/localstack-lambda-runtime-init/init-linux-amd64
export GLUELINE_LAMBDA_INIT_BIN := $(abspath $(LAMBDA_INIT_BIN))
ACTIONLINT_VERSION := v1.7.12
ACTIONLINT := $(STATE)/bin/actionlint

.PHONY: setup up down status deploy synth e2e test unit integration test-docker lint format bench clean \
	docker-engine docker-images

setup: $(VENV)/.installed node_modules/.installed $(JARS)/.installed $(ACTIONLINT)  ## install everything into the repo

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -e '.[dev]'
	# glueline's awsglue for plain PySpark, appended to sys.path so a real awsglue wins
	echo "$(CURDIR)/glueline/awsglue_local" > "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/glueline_awsglue_local.pth"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(JARS)/.installed:
	mkdir -p $(JARS)
	mvn -q dependency:copy -Dartifact=org.apache.hadoop:hadoop-aws:$(HADOOP_VERSION) -DoutputDirectory=$(JARS)
	mvn -q dependency:copy -Dartifact=com.amazonaws:aws-java-sdk-bundle:$(AWS_SDK_BUNDLE_VERSION) -DoutputDirectory=$(JARS)
	touch $@

# The GitHub Actions workflow linter, from the Go module proxy.
$(ACTIONLINT):
	GOBIN=$(CURDIR)/$(STATE)/bin go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

docker-engine: setup  ## a Docker engine and docker compose: the running ones, or started here (root)
	$(DOCKER_BACKEND) engine --data-root $(DOCKER_DATA_ROOT) --log-file $(DOCKER_LOG) \
		--storage-driver '$(DOCKER_STORAGE_DRIVER)'

docker-images: docker-engine  ## pull every image of the Docker setup; build stand-ins where none pulls
	$(DOCKER_BACKEND) images

ifeq ($(BACKEND),docker)
up: docker-images
else
up: setup
endif
up:  ## start the local cloud on http://localhost:4566 and deploy the local stacks
ifeq ($(BACKEND),docker)
	$(DOCKER_BACKEND) up
	$(DOCKER_BACKEND) deploy
else
	$(BIN)/glueline up
	$(BIN)/glueline deploy
endif

deploy: setup  ## (re)deploy the local stage's stacks to the running local cloud
ifeq ($(BACKEND),docker)
	$(DOCKER_BACKEND) deploy
else
	$(BIN)/glueline deploy
endif

synth: setup  ## synthesize every stack of every configured stage, the pipeline included, and lint them
	cdk synth -c config=local -q
	$(CFN_LINT) cdk.out/*.template.json
	cdk synth -c config=aws -c allow_placeholders=true -q
	$(CFN_LINT) cdk.out/*.template.json cdk.out/assembly-*/*.template.json

e2e: up  ## run the pipeline on the sample data against the local cloud and check it
	$(BIN)/glueline e2e --backend $(BACKEND)

down:  ## stop the local cloud
ifeq ($(BACKEND),docker)
	$(DOCKER_BACKEND) down
else
	test ! -x $(BIN)/glueline || $(BIN)/glueline down
endif

status:
	$(BIN)/glueline status

test: setup  ## unit and integration tests (starts the local cloud itself); not the Docker ones
	$(BIN)/pytest -m "not docker"

unit: setup
	$(BIN)/pytest tests/unit glue_jobs lambdas

integration: setup
	$(BIN)/pytest tests/integration

test-docker: docker-images  ## the Docker setup's tests against real containers
	$(BIN)/pytest -m docker tests/docker

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(ACTIONLINT)

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: up  ## benchmarks (after `make up`, which the pipeline one needs): they print figures and assert nothing
	$(BIN)/python benchmarks/local_cloud.py
	$(BIN)/python benchmarks/glue_runs.py
	$(BIN)/python benchmarks/pipeline.py
	$(BIN)/python benchmarks/saved_state.py

clean: down
	rm -rf $(STATE) cdk.out
