"""One module per screen; each talks to the services through the Runner only."""
