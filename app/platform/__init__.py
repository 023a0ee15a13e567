"""Services every domain shares: permissions, audit, compare-and-set, validation messages, files, notifications, the taxonomy and regions, legal texts, health and the indexes of this host."""
