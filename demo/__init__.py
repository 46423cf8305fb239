"""The demo community: a deterministic cooperative federation written as native-format exports."""
