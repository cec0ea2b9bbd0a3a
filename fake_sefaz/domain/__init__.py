"""Pure domain primitives: keys, codes, UFs, IE, protocol numbers, document views, QR code,
certificates, signature, schemas, XML helpers, the clock. Imports nothing else of fake_sefaz."""
