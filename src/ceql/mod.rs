//! CEQL, the `where=` language: parse, check against a field allow-list, compile to SQL.
