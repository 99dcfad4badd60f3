"""Channel adapters: protocol in, Incoming out; replies in, protocol out. No parsing, no SQL."""
