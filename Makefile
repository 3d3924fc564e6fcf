# Container targets (the rest of the workflow is ./dev: setup, demo, test).
.PHONY: help docker-base docker-image docker-test k8s-validate

BASE_IMAGE ?= debian:bookworm-slim
TORCH_VARIANT ?= cpu
IMAGE ?= tolk:$(TORCH_VARIANT)
# docker where a Docker engine answers, else podman (--format docker keeps the HEALTHCHECK)
ENGINE ?= $(shell docker info >/dev/null 2>&1 && echo docker || echo podman)
ENGINE_FLAGS := $(if $(filter podman,$(ENGINE)),--format docker --network=host,)

help:
	@echo "make docker-image   build $(IMAGE) with $(ENGINE) (BASE_IMAGE=$(BASE_IMAGE) TORCH_VARIANT=cpu|cuda|none)"
	@echo "make docker-base    build localhost/debian:bookworm-slim with debootstrap (no registry access)"
	@echo "make docker-test    build, run, stream the sample, fail over between replicas (podman, root)"
	@echo "make k8s-validate   schema-check the Kubernetes manifests, compose file and balancer settings"

docker-base:
	docker/build-base.sh

docker-image:
	$(ENGINE) build $(ENGINE_FLAGS) -f docker/Dockerfile --build-arg BASE_IMAGE=$(BASE_IMAGE) \
		--build-arg TORCH_VARIANT=$(TORCH_VARIANT) -t $(IMAGE) .

docker-test:
	docker/test.sh

k8s-validate:
	./dev setup
	.venv/bin/pytest -q tests/container
