// SluicePCI: see the module's files.
