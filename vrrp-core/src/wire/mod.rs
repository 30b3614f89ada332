//! wire: see the wire helper
