"""Finding → outside: JSON Lines, a terminal table, SARIF."""
