# `make demo`: the engine's story (`outbox demo`, from mk/cli.mk), then C,
# Python and Node sending signed events to one local `outbox listen`.
# `make test` runs it too, so the first-run experience cannot rot.

.PHONY: demo-languages test-demo
demo: demo-languages
TEST_TARGETS += test-demo

DEMO_BUILD := $(CURDIR)/build/demo

# Linked like a user's program: against the library installed by mk/c.mk.
$(DEMO_BUILD)/c_demo: examples/c/demo.c $(C_BUILD)/.installed
	mkdir -p $(DEMO_BUILD)
	$(C_CC) -std=c11 -Wall -Wextra -Werror $< -o $@ $$(PKG_CONFIG_PATH=$(C_PREFIX)/lib/pkgconfig pkg-config --cflags --libs outbox) -Wl,-rpath,$(C_PREFIX)/lib

demo-languages: build-cli python-dev $(NODE_EXAMPLES)/node_modules/.package-lock.json $(DEMO_BUILD)/c_demo
	NODE_PATH=$(CURDIR)/$(NODE_EXAMPLES)/node_modules examples/demo_languages.sh $(OUTBOX_BIN) $(DEMO_BUILD)/c_demo $(PY)

test-demo:
	$(MAKE) --no-print-directory demo
