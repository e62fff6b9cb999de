# The `outbox` command as a static binary (musl, linked by zig through
# cargo-zigbuild): runs on any Linux of its architecture, with nothing
# installed.
#
#   make dist-cli        dist/cli/outbox-<version>-<arch>-linux-musl.tar.gz (outbox, LICENSE, README.md)
#   make test-dist-cli   the unpacked binary is static, runs with an empty
#                        environment, and sends to its own `outbox listen`;
#                        aarch64 under qemu

.PHONY: dist-cli test-dist-cli
DIST_CLI_ARCHES := x86_64 aarch64
dist_cli_name = outbox-$(OUTBOX_VERSION)-$(1)-linux-musl
dist_cli_archive = $(DIST_DIR)/cli/$(call dist_cli_name,$(1)).tar.gz

dist-cli: $(addprefix dist-cli-,$(DIST_CLI_ARCHES))

dist-cli-%: dist-tools rust-target-%-unknown-linux-musl
	$(ZIGBUILD) --profile dist -p outbox-cli --target $*-unknown-linux-musl
	rm -rf $(DIST_BUILD)/cli/$(call dist_cli_name,$*)
	install -d $(DIST_BUILD)/cli/$(call dist_cli_name,$*)
	install -m 755 target/$*-unknown-linux-musl/dist/outbox $(DIST_BUILD)/cli/$(call dist_cli_name,$*)/
	install -m 644 LICENSE $(DIST_BUILD)/cli/$(call dist_cli_name,$*)/
	sed -e 's|@VERSION@|$(OUTBOX_VERSION)|g' -e 's|@ARCH@|$*|g' \
		cli/README-archive.md > $(DIST_BUILD)/cli/$(call dist_cli_name,$*)/README.md
	$(call dist_tar,$(DIST_BUILD)/cli,$(call dist_cli_name,$*),$(call dist_cli_archive,$*))

test-dist-cli: $(addprefix test-dist-cli-,$(DIST_CLI_ARCHES))
	@echo "test-dist-cli: the static outbox binaries run on their own ($(DIST_CLI_ARCHES))"

test-dist-cli-x86_64: dist-cli-x86_64
	tests/dist/cli-archive.sh $(call dist_cli_archive,x86_64)
test-dist-cli-aarch64: dist-cli-aarch64 ensure-qemu-aarch64
	tests/dist/cli-archive.sh $(call dist_cli_archive,aarch64) qemu-aarch64
