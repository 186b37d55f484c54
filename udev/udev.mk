# Makefile fragment: `include udev/udev.mk`, then `make install-udev` / `make uninstall-udev`.
UDEV_RULES_DIR ?= /etc/udev/rules.d
SLUICE_BIN ?= /usr/local/bin/sluice
SLUICE_STATE ?= /var/lib/sluice

install-udev:
	udev/install.sh --rules-dir $(UDEV_RULES_DIR) --sluice $(SLUICE_BIN) --state-dir $(SLUICE_STATE)

uninstall-udev:
	udev/install.sh --uninstall --rules-dir $(UDEV_RULES_DIR)

.PHONY: install-udev uninstall-udev
