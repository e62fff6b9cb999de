# C archives: liboutbox for Linux x86_64 and aarch64, linked against glibc
# 2.17 (zig, through cargo-zigbuild), each a relocatable tree: the library
# with its SONAME links, the headers, outbox.pc, the CMake package, LICENSE,
# CHANGELOG.md and a README for C users (ffi/pkg/README-archive.md).
#
#   make dist-c        dist/c/liboutbox-<version>-<arch>-linux-gnu.tar.gz
#   make test-dist-c   unpack each into a scratch directory, build the C and
#                      C++ quickstarts against it (pkg-config, CMake) and run
#                      them against the test receiver; aarch64 under qemu

.PHONY: dist-c test-dist-c ensure-cross-binutils-x86_64 ensure-cross-binutils-aarch64 ensure-cross-gcc-aarch64
DIST_C_ARCHES := x86_64 aarch64
DIST_GLIBC := 2.17
dist_c_name = liboutbox-$(OUTBOX_VERSION)-$(1)-linux-gnu
dist_c_archive = $(DIST_DIR)/c/$(call dist_c_name,$(1)).tar.gz
# Debug info is dropped from liboutbox.a (the .so is stripped by the dist
# profile); each architecture needs its own binutils.
dist_strip = $(if $(filter x86_64,$(1)),strip,$(1)-linux-gnu-strip)

dist-c: $(addprefix dist-c-,$(DIST_C_ARCHES))

dist-c-%: dist-tools rust-target-%-unknown-linux-gnu ensure-cross-binutils-%
	$(ZIGBUILD) --profile dist -p outbox-ffi --target $*-unknown-linux-gnu.$(DIST_GLIBC)
	scripts/check-glibc $(DIST_GLIBC) target/$*-unknown-linux-gnu/dist/liboutbox.so
	rm -rf $(DIST_BUILD)/c/$(call dist_c_name,$*)
	$(MAKE) --no-print-directory install-files DESTDIR= OUTBOX_LIB_DIR=$(CURDIR)/target/$*-unknown-linux-gnu/dist \
		PREFIX=$(DIST_BUILD)/c/$(call dist_c_name,$*) LIBDIR=$(DIST_BUILD)/c/$(call dist_c_name,$*)/lib \
		INCLUDEDIR=$(DIST_BUILD)/c/$(call dist_c_name,$*)/include
	$(call dist_strip,$*) --strip-debug $(DIST_BUILD)/c/$(call dist_c_name,$*)/lib/liboutbox.a
	install -m 644 LICENSE CHANGELOG.md $(DIST_BUILD)/c/$(call dist_c_name,$*)/
	sed -e 's|@VERSION@|$(OUTBOX_VERSION)|g' -e 's|@SOVERSION@|$(OUTBOX_SOVERSION)|g' -e 's|@ARCH@|$*|g' \
		ffi/pkg/README-archive.md > $(DIST_BUILD)/c/$(call dist_c_name,$*)/README.md
	$(call dist_tar,$(DIST_BUILD)/c,$(call dist_c_name,$*),$(call dist_c_archive,$*))

test-dist-c: $(addprefix test-dist-c-,$(DIST_C_ARCHES))
	@echo "test-dist-c: the C archives build and run the quickstarts ($(DIST_C_ARCHES))"

test-dist-c-x86_64: dist-c-x86_64 build-receiver ensure-cmake
	tests/dist/c-archive.sh $(call dist_c_archive,x86_64) $(RECEIVER_BIN) gcc g++
test-dist-c-aarch64: dist-c-aarch64 build-receiver ensure-cmake ensure-qemu-aarch64 ensure-cross-gcc-aarch64
	tests/dist/c-archive.sh $(call dist_c_archive,aarch64) $(RECEIVER_BIN) \
		aarch64-linux-gnu-gcc aarch64-linux-gnu-g++ $(QEMU_AARCH64)

# The host's strip reads only x86_64 objects.
ensure-cross-binutils-x86_64:
	@true
ensure-cross-binutils-aarch64:
	@command -v aarch64-linux-gnu-strip >/dev/null || { \
		echo "aarch64 binutils are missing: installing them with apt-get"; \
		$(call apt_install,binutils-aarch64-linux-gnu); }

# The aarch64 quickstarts are built the way a Debian user cross-compiles.
ensure-cross-gcc-aarch64:
	@command -v aarch64-linux-gnu-g++ >/dev/null || { \
		echo "the aarch64 cross compiler is missing: installing it with apt-get"; \
		$(call apt_install,gcc-aarch64-linux-gnu g++-aarch64-linux-gnu); }
