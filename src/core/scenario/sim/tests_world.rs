//! Static world tests.
