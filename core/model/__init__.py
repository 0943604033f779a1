"""The data model: criteria sets, applications, results, and where a set's data comes from."""
