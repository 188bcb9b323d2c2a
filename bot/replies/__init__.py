"""Reply text built from search results and content templates, shared by every channel and the CLI."""
