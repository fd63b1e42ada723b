# Two set-up commands on a fresh Debian 12 machine:
#   make demo   installs what is missing, builds, runs the example model at two shapes
#   make test   installs what is missing, builds, runs the whole test suite (ctest)
# Other targets: make build (Release), make debug, make sanitize (ASan+UBSan unit tests).

BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build debug test sanitize demo clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

debug: deps
	cmake -S . -B build-debug -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS)
	cmake --build build-debug -j $(JOBS)

# The whole suite: unit, conformance, model-zoo and CLI tests on the Release
# build, then the unit tests again under ASan + UBSan.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	$(MAKE) sanitize

sanitize: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Sanitize $(CMAKE_FLAGS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -L unit -j $(JOBS)

demo: build
	bash scripts/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD) build-debug build-asan
