"""Pure domain rules: no Qt, no SQL, no I/O, no clock (dates are always passed in)."""
