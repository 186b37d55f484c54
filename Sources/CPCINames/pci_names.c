#include "cpcinames.h"
#include <pci/pci.h>
#include <stdlib.h>
#include <string.h>

struct csluice_names { struct pci_access *pacc; };

static void silent(char *msg, ...) { (void)msg; }

csluice_names *csluice_names_open(const char *ids_path, int use_hwdb) {
    struct pci_access *pacc = pci_alloc();
    if (!pacc) return NULL;
    // error() is noreturn in libpci and only fires on allocation failure: keep its default.
    pacc->warning = silent; pacc->debug = silent;
    // libpci keeps the pointer (it does not copy): hand it a copy it owns and frees.
    if (ids_path) {
        char *copy = strdup(ids_path);
        if (!copy) { pci_cleanup(pacc); return NULL; }
        pci_set_name_list_path(pacc, copy, 1);
    }
    // No pci_init: name lookup needs no access method, and probing one would read devices.
    struct csluice_names *n = malloc(sizeof *n);
    if (!n) { pci_cleanup(pacc); return NULL; }
    n->pacc = pacc;
    pacc->id_lookup_mode = use_hwdb ? 0 : PCI_LOOKUP_NO_HWDB;
    return n;
}

void csluice_names_close(csluice_names *n) {
    if (!n) return;
    struct pci_access *pacc = n->pacc;
    free(n);
    pci_cleanup(pacc);
}

static int lookup(csluice_names *n, char *buf, size_t len, int flags, int a, int b, int c, int d) {
    int mode = flags | PCI_LOOKUP_NO_NUMBERS | (n->pacc->id_lookup_mode & PCI_LOOKUP_NO_HWDB);
    char *r = pci_lookup_name(n->pacc, buf, (int)len, mode, a, b, c, d);
    return r != NULL && r[0] != 0;
}

int csluice_name_vendor(csluice_names *n, char *b, size_t l, int v) { return lookup(n, b, l, PCI_LOOKUP_VENDOR, v, 0, 0, 0); }
int csluice_name_device(csluice_names *n, char *b, size_t l, int v, int d) { return lookup(n, b, l, PCI_LOOKUP_DEVICE, v, d, 0, 0); }
int csluice_name_subsystem(csluice_names *n, char *b, size_t l, int v, int d, int sv, int sd) {
    return lookup(n, b, l, PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_DEVICE, v, d, sv, sd);
}
int csluice_name_class(csluice_names *n, char *b, size_t l, int c) { return lookup(n, b, l, PCI_LOOKUP_CLASS, c, 0, 0, 0); }
// PCI_LOOKUP_PROGIF alone takes (class, prog-if), as lspci calls it; OR-ing in
// PCI_LOOKUP_CLASS is not a request libpci knows and returns an unfilled buffer.
int csluice_name_progif(csluice_names *n, char *b, size_t l, int c, int p) { return lookup(n, b, l, PCI_LOOKUP_PROGIF, c, p, 0, 0); }
