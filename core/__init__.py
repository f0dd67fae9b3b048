"""The kernel every app may use: which force (tenancy), roles and permissions, the scoped queryset
base (``restrict``), the page bases, reasons for access, form and error helpers, name normalisation,
the request context and the signals that carry effects between apps. It imports no app."""
