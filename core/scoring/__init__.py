"""Scoring one application: parameters, reading answers, validation, the panel's scores, the engine."""
