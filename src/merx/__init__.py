"""merx: the business core of an e-commerce platform, as a library.

Start with :func:`merx.app.build_memory_app` for a ready in-memory merx, or import a
bounded context (``merx.catalog``, ``merx.orders``, ...) and wire it to your adapters.
"""

__version__ = "0.1.0.dev0"
