// SluiceACPI: see the module's files.
