"""What a committee asks of a ranking: AHP and objective weights, robustness, expert-score dependence."""
