"""Local fake servers that speak the real APIs, for connector tests."""
