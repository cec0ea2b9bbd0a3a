"""fake-sefaz: a local SEFAZ NF-e/NFC-e 4.00 authorizer."""

__version__ = "0.1.0"
