"""What the community maintains by hand: which group each space belongs to, which payees are local."""
