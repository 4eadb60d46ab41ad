"""HTTP layer: thin routes that parse, call one service method, and shape the answer."""
