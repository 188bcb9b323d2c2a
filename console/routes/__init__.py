"""The console's pages, one module per concern; each exposes `routes`."""
