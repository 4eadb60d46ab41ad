"""What head office and terminals can do. Each public method is one transaction."""
