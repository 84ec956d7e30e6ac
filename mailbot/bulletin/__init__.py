"""Published issues (刊物) split into articles and matched to the items behind them; pure logic."""
