"""Loyalty rules: money, program, member codes, QR payloads, phone numbers."""
