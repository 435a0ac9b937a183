"""The server's rules: one function per action, taking a UnitOfWork; no HTTP and no SQL here."""
