"""The 核查表 (on-site verification sheet): written per application, read back for scoring."""
