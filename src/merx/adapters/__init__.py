"""Adapters: implementations of merx's ports. ``memory`` runs everything in process."""
