// SluiceKVM: see the module's files.
