//! mxcert-registry: the MxOS certification registry.
