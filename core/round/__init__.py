"""The selection round: batches, rankings, outcomes, 调研核查, 补正 comparisons, the run's manifest."""
