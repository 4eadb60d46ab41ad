"""Domain rules and protocol models shared by the terminal and the sync server.

Pure Python: no Qt, no web framework, no database session.
"""
