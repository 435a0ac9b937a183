"""The only package of the server that talks SQL: schema, engine, unit of work, repositories, migrations."""
