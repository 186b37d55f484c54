// SluiceVTd: see the module's files.
