"""The SOAP layer: a thin lxml codec (no SOAP framework; see docs/decisions/0001-soap-codec.md) and WSDLs."""
