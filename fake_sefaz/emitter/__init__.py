"""What an emitter under test uses: document factory, builders, signer, test PKI, SOAP client,
corpus, registry generator, pytest plugin. May use domain/, never server/."""
