// SluiceLab: see the module's files.
