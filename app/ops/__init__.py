"""Running the marketplace: demo and grow data, backups, load and freshness benches."""
