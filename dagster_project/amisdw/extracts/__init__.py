"""The AMIS extract contract in code: decoding, control files, deliveries and loading raw."""
