# Yutang — the two commands:
#   make run    install what is missing, build, and start the server with the demo merchant
#   make test   install what is missing, build with sanitizers, and run the whole suite
# CI runs `make test` with CI=true (warnings become errors).

DATA ?= data
LISTEN ?= 127.0.0.1:8080
JOBS ?= $(shell nproc)
TEST_PRESET := $(if $(filter true,$(CI)),ci,debug)

.PHONY: run test setup build-release build-test bench format clean

run: setup build-release
	./build/release/src/yutang/app/yutang serve --demo --data $(DATA) --listen $(LISTEN) --static-dir build/release/web/dist

test: setup build-test
	ctest --preset $(TEST_PRESET) --output-on-failure -j $(JOBS)

setup:
	@./scripts/setup.sh

build-release:
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

build-test:
	cmake --preset $(TEST_PRESET) >/dev/null
	cmake --build --preset $(TEST_PRESET) -j $(JOBS)

bench: setup build-release
	./bench/run.sh

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf build
