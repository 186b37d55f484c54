// SluiceVMM: see the module's files.
