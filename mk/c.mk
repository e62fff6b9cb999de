# The C ABI: liboutbox.so / liboutbox.a (crate outbox-ffi in ffi/), the
# generated include/outbox.h, the C++ wrapper include/outbox.hpp, the
# pkg-config and CMake files, `make install`, and the C/C++ tests.
#
#   make install PREFIX=/usr/local   release build of lib, headers, outbox.pc, CMake config
#   make test-c                      every C/C++ test (part of `make test`)

.PHONY: install test-c build-c check-header c-tests c-valgrind c-consumers ensure-cmake ensure-valgrind
TEST_TARGETS += test-c

# ---- install ------------------------------------------------------------

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
# Cargo profile `make install` builds: release for users; the tests install
# their debug build (dev), which needs no second compilation of everything.
OUTBOX_PROFILE ?= release
OUTBOX_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' $(CURDIR)/Cargo.toml | head -n 1)
# The SONAME's version, as ffi/build.rs sets it: 0.<minor> before 1.0 (every
# 0.x minor may break the ABI, CHANGELOG.md), then the major.
outbox_version_part = $(word $(1),$(subst ., ,$(OUTBOX_VERSION)))
OUTBOX_SOVERSION := $(if $(filter 0,$(call outbox_version_part,1)),0.$(call outbox_version_part,2),$(call outbox_version_part,1))
# What liboutbox.a needs besides libc (`cargo rustc -p outbox-ffi
# --crate-type staticlib -- --print native-static-libs`).
OUTBOX_STATIC_LIBS := -lpthread -ldl -lm -lrt
ffi_profile_dir = $(if $(filter dev,$(OUTBOX_PROFILE)),debug,$(OUTBOX_PROFILE))
# Where install-files takes liboutbox.so and liboutbox.a from (make dist-c
# points it at a cross build).
OUTBOX_LIB_DIR ?= $(TARGET_DIR)/$(ffi_profile_dir)
# Paths from one installed directory to another: outbox.pc and the CMake
# config find the rest of the tree relative to themselves, so an installed
# tree (or an unpacked archive) can be moved anywhere.
relpath = $(shell realpath -m --relative-to=$(1) $(2))
ffi_subst = sed -e 's|@VERSION@|$(OUTBOX_VERSION)|g' -e 's|@SOVERSION@|$(OUTBOX_SOVERSION)|g' \
	-e 's|@STATIC_LIBS@|$(OUTBOX_STATIC_LIBS)|g' \
	-e 's|@PC_TO_PREFIX@|$(call relpath,$(LIBDIR)/pkgconfig,$(PREFIX))|g' \
	-e 's|@PC_TO_LIBDIR@|$(call relpath,$(LIBDIR)/pkgconfig,$(LIBDIR))|g' \
	-e 's|@PC_TO_INCLUDEDIR@|$(call relpath,$(LIBDIR)/pkgconfig,$(INCLUDEDIR))|g' \
	-e 's|@CMAKE_TO_LIBDIR@|$(call relpath,$(LIBDIR)/cmake/outbox,$(LIBDIR))|g' \
	-e 's|@CMAKE_TO_INCLUDEDIR@|$(call relpath,$(LIBDIR)/cmake/outbox,$(INCLUDEDIR))|g'

.PHONY: install-files
install:
	cargo build --profile $(OUTBOX_PROFILE) -p outbox-ffi
	$(MAKE) --no-print-directory install-files

# The library with its SONAME links (liboutbox.so -> liboutbox.so.<SOVERSION>
# -> liboutbox.so.<VERSION>), the headers, outbox.pc and the CMake package.
install-files:
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(LIBDIR)/cmake/outbox $(DESTDIR)$(INCLUDEDIR)
	install -m 755 $(OUTBOX_LIB_DIR)/liboutbox.so $(DESTDIR)$(LIBDIR)/liboutbox.so.$(OUTBOX_VERSION)
	ln -sfn liboutbox.so.$(OUTBOX_VERSION) $(DESTDIR)$(LIBDIR)/liboutbox.so.$(OUTBOX_SOVERSION)
	ln -sfn liboutbox.so.$(OUTBOX_SOVERSION) $(DESTDIR)$(LIBDIR)/liboutbox.so
	install -m 644 $(OUTBOX_LIB_DIR)/liboutbox.a $(DESTDIR)$(LIBDIR)/liboutbox.a
	install -m 644 include/outbox.h include/outbox.hpp $(DESTDIR)$(INCLUDEDIR)/
	$(ffi_subst) ffi/pkg/outbox.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/outbox.pc
	$(ffi_subst) ffi/pkg/outboxConfig.cmake.in > $(DESTDIR)$(LIBDIR)/cmake/outbox/outboxConfig.cmake
	$(ffi_subst) ffi/pkg/outboxConfigVersion.cmake.in > $(DESTDIR)$(LIBDIR)/cmake/outbox/outboxConfigVersion.cmake
	@echo "installed liboutbox $(OUTBOX_VERSION) (from $(OUTBOX_LIB_DIR)) under $(DESTDIR)$(PREFIX)"

# ---- tests ----------------------------------------------------------------

C_BUILD := $(CURDIR)/build/c
C_PREFIX := $(C_BUILD)/prefix
C_CC ?= gcc
C_CXX ?= g++
C_CFLAGS := -std=c11 -Wall -Wextra -Werror -g -Itests/c -I$(C_PREFIX)/include
C_CXXFLAGS := -std=c++17 -Wall -Wextra -Werror -g -Itests/c -I$(C_PREFIX)/include
C_SHARED := -L$(C_PREFIX)/lib -loutbox -Wl,-rpath,$(C_PREFIX)/lib -lpthread
C_STATIC := $(C_PREFIX)/lib/liboutbox.a $(OUTBOX_STATIC_LIBS)
WITH_RECEIVER := tests/c/with-receiver.sh $(RECEIVER_BIN)
VALGRIND := valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --error-exitcode=1 -q

test-c: build-c check-header c-tests c-valgrind c-consumers
	@echo "test-c: C ABI, C++ wrapper, valgrind, fork, pkg-config and CMake consumers passed"

# The debug library and the receiver; building writes include/outbox.h.
build-c:
	cargo build -p outbox-ffi -p outbox-test-receiver

# The committed header must be the one cbindgen writes from ffi/src, and
# document every declaration.
check-header: build-c
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files --error-unmatch include/outbox.h >/dev/null || { echo "include/outbox.h is not committed"; exit 1; }; \
		git diff --exit-code -- include/outbox.h || { echo "include/outbox.h differs from the header cbindgen generates from ffi/src: commit the regenerated file"; exit 1; }; \
		echo "include/outbox.h matches ffi/src"; \
	else echo "not a git checkout: header drift check skipped"; fi
	python3 tests/c/check_header_docs.py include/outbox.h

# Installs the debug build into build/c/prefix, then builds every test
# program against it, once with liboutbox.so and once with liboutbox.a.
$(C_BUILD)/.installed: build-c
	rm -rf $(C_PREFIX)
	$(MAKE) --no-print-directory install PREFIX=$(C_PREFIX) OUTBOX_PROFILE=dev
	touch $@

$(C_BUILD)/%_shared: tests/c/%.c tests/c/harness.h tests/c/json.h $(C_BUILD)/.installed
	$(C_CC) $(C_CFLAGS) $< -o $@ $(C_SHARED)
$(C_BUILD)/%_static: tests/c/%.c tests/c/harness.h tests/c/json.h $(C_BUILD)/.installed
	$(C_CC) $(C_CFLAGS) $< -o $@ $(C_STATIC)
$(C_BUILD)/%_shared: tests/c/%.cpp tests/c/harness.h tests/c/json.h include/outbox.hpp $(C_BUILD)/.installed
	$(C_CXX) $(C_CXXFLAGS) $< -o $@ $(C_SHARED)
$(C_BUILD)/%_static: tests/c/%.cpp tests/c/harness.h tests/c/json.h include/outbox.hpp $(C_BUILD)/.installed
	$(C_CXX) $(C_CXXFLAGS) $< -o $@ $(C_STATIC)

C_PROGRAMS := $(foreach t,test_c test_vectors test_fork test_cpp test_race,$(foreach l,shared static,$(C_BUILD)/$(t)_$(l)))

# Every program, natively, each against its own receiver.
c-tests: $(C_PROGRAMS)
	@for p in $(C_PROGRAMS); do \
		echo "== $$(basename $$p)"; \
		OUTBOX_EXPECTED_VERSION=$(OUTBOX_VERSION) $(WITH_RECEIVER) $$p || exit 1; \
	done

# The C programs under valgrind memcheck: test_c and test_vectors with no suppressions;
# test_fork with only what fork() leaves behind in a child (see the file).
c-valgrind: $(C_PROGRAMS) ensure-valgrind
	@for p in $(C_BUILD)/test_c_shared $(C_BUILD)/test_c_static $(C_BUILD)/test_vectors_shared; do \
		echo "== valgrind $$(basename $$p)"; \
		$(WITH_RECEIVER) $(VALGRIND) $$p | tail -n 1 || exit 1; \
	done
	@for p in $(C_BUILD)/test_fork_shared $(C_BUILD)/test_fork_static; do \
		echo "== valgrind $$(basename $$p)"; \
		$(WITH_RECEIVER) $(VALGRIND) --suppressions=tests/c/valgrind-fork.supp $$p | tail -n 1 || exit 1; \
	done

# Consumers of the installed prefix, built the way a service would: the C
# example with pkg-config, the C++ example with CMake's find_package(outbox).
c-consumers: $(C_BUILD)/.installed ensure-cmake
	python3 tests/readme_snippets.py c examples/c/quickstart.c
	@echo "== pkg-config consumer: examples/c/quickstart.c"
	PKG_CONFIG_PATH=$(C_PREFIX)/lib/pkgconfig pkg-config --modversion outbox | grep -qx '$(OUTBOX_VERSION)'
	$(C_CC) -std=c99 -Wall -Wextra -Werror examples/c/quickstart.c -o $(C_BUILD)/quickstart_c \
		$$(PKG_CONFIG_PATH=$(C_PREFIX)/lib/pkgconfig pkg-config --cflags --libs outbox) \
		-Wl,-rpath,$$(PKG_CONFIG_PATH=$(C_PREFIX)/lib/pkgconfig pkg-config --variable=libdir outbox)
	$(C_CC) -std=c99 -Wall -Wextra -Werror examples/c/quickstart.c -o $(C_BUILD)/quickstart_c_static \
		$$(PKG_CONFIG_PATH=$(C_PREFIX)/lib/pkgconfig pkg-config --cflags outbox) \
		$(C_PREFIX)/lib/liboutbox.a $$(PKG_CONFIG_PATH=$(C_PREFIX)/lib/pkgconfig pkg-config --static --libs-only-l outbox | sed 's/-loutbox//')
	$(WITH_RECEIVER) $(C_BUILD)/quickstart_c
	$(WITH_RECEIVER) $(C_BUILD)/quickstart_c_static
	@echo "== CMake consumer: examples/cpp (find_package(outbox))"
	rm -rf $(C_BUILD)/cmake-example
	cmake -S examples/cpp -B $(C_BUILD)/cmake-example -DCMAKE_PREFIX_PATH=$(C_PREFIX) -DCMAKE_CXX_COMPILER=$(C_CXX) >/dev/null
	cmake --build $(C_BUILD)/cmake-example >/dev/null
	$(WITH_RECEIVER) $(C_BUILD)/cmake-example/quickstart
	$(WITH_RECEIVER) $(C_BUILD)/cmake-example/quickstart_static

# cmake and valgrind come from Debian's packages when missing (CI runs as root).
ensure-cmake:
	@command -v cmake >/dev/null || { \
		echo "cmake is missing: installing it with apt-get"; \
		apt-get -o DPkg::Lock::Timeout=300 update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends cmake >/dev/null; }
	@cmake --version | head -n 1

ensure-valgrind:
	@command -v valgrind >/dev/null || { \
		echo "valgrind is missing: installing it with apt-get"; \
		apt-get -o DPkg::Lock::Timeout=300 update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends valgrind >/dev/null; }
