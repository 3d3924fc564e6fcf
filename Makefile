# Container targets (the rest of the workflow is ./dev: setup, demo, test).
.PHONY: help docker-base docker-image docker-test k8s-validate

BASE_IMAGE ?= debian:bookworm-slim
TORCH_VARIANT ?= cpu
IMAGE ?= tolk:$(TORCH_VARIANT)

help:
	@echo "make docker-image   build $(IMAGE) (BASE_IMAGE=$(BASE_IMAGE) TORCH_VARIANT=cpu|cuda|none)"
	@echo "make docker-base    build localhost/debian:bookworm-slim with debootstrap (no registry access)"
	@echo "make docker-test    build, run, stream the sample, fail over between replicas (podman, root)"
	@echo "make k8s-validate   schema-check the Kubernetes manifests and the compose file"

docker-base:
	docker/build-base.sh

docker-image:
	docker build -f docker/Dockerfile --build-arg BASE_IMAGE=$(BASE_IMAGE) \
		--build-arg TORCH_VARIANT=$(TORCH_VARIANT) -t $(IMAGE) .

docker-test:
	docker/test.sh

k8s-validate:
	./dev setup
	.venv/bin/pytest -q tests/container
