// SluiceVFIO: see the module's files.
