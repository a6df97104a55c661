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

.PHONY: setup up down status deploy synth e2e test unit integration test-docker lint format bench clean

setup: $(VENV)/.installed node_modules/.installed $(JARS)/.installed  ## install everything into the repo

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

up: setup  ## start the local cloud on http://localhost:4566 and deploy the local stacks
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

synth: setup  ## synthesize every stack of every configured stage, the pipeline included
	cdk synth -c config=local -q
	cdk synth -c config=aws -c allow_placeholders=true -q

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

test: setup  ## unit and integration tests (starts the local cloud itself)
	$(BIN)/pytest

unit: setup
	$(BIN)/pytest tests/unit glue_jobs lambdas

integration: setup
	$(BIN)/pytest tests/integration

test-docker: setup  ## the Docker setup's tests (need a Docker daemon; skipped without one)
	$(BIN)/pytest -m docker tests/docker

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup  ## benchmarks: they print figures and assert nothing
	$(BIN)/python benchmarks/local_cloud.py
	$(BIN)/python benchmarks/glue_runs.py
	$(BIN)/python benchmarks/pipeline.py

clean: down
	rm -rf $(STATE) cdk.out
