"""The terminal's SQLite replica: engine, models, repositories, outbox, sync half."""
