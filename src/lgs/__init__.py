"""lgs-warehouse: the London Gift Shop customer analytics warehouse toolkit.

The `lgs` command starts an embedded PostgreSQL, loads raw retail files, generates sample
data and runs the dbt project that builds the marts.
"""

__version__ = "0.1.0"
