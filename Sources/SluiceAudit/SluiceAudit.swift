// SluiceAudit: see the module's files.
